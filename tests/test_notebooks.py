"""The notebooks in notebooks/ run top to bottom, and are committed without outputs.

Each notebook is executed in a fresh Jupyter kernel with ``COOPSIM_PATHS=200`` (the
notebooks read their path counts from it), from the notebooks folder as working directory.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


class _PollingClient(nbclient.NotebookClient):
    """nbclient, asking the kernel's shell channel for a reply once a second instead of once per cell timeout.

    With ipywidgets in a cell (``interact`` in ``06_what_if``), nbclient's one long poll of the shell socket
    sometimes misses the execute reply until the poll times out (jupyter/nbclient#312): the notebook then
    took the whole cell timeout (600 s) in about one run in three. Short polls see the reply on the next one.
    """

    async def async_start_new_kernel_client(self):  # type: ignore[no-untyped-def]
        client = await super().async_start_new_kernel_client()
        channel = client.shell_channel
        get_msg = channel.get_msg

        async def polled(timeout: float | None = None) -> dict:
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                step = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))
                try:
                    return await get_msg(timeout=step)
                except queue.Empty:
                    if deadline is not None and time.monotonic() >= deadline:
                        raise

        channel.get_msg = polled
        return client


@pytest.fixture
def python3_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make sure a ``python3`` kernelspec exists; if not, one for this interpreter in a temporary JUPYTER_PATH."""
    from jupyter_client.kernelspec import find_kernel_specs

    if "python3" not in find_kernel_specs():
        spec_dir = tmp_path / "jupyter" / "kernels" / "python3"
        spec_dir.mkdir(parents=True)
        spec = {
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (test)",
            "language": "python",
        }
        (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
        existing = os.environ.get("JUPYTER_PATH")
        monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter") + (os.pathsep + existing if existing else ""))
    return "python3"


def test_notebooks_exist() -> None:
    assert len(NOTEBOOKS) >= 5, f"expected the notebooks in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: code cell {i} has outputs; clear them before committing"
            assert cell.execution_count is None, f"{path.name}: code cell {i} has an execution count; clear it before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, python3_kernel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPSIM_PATHS", "200")  # the kernel inherits the environment
    nb = nbformat.read(path, as_version=4)
    # allow_errors: a failing cell is recorded in the outputs instead of raising, so that the assertions below judge the run
    client = _PollingClient(
        nb, timeout=600, kernel_name=python3_kernel, allow_errors=True, resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not not_run, f"{path.name}: code cells {not_run} did not run"
    errors = [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    # the file on disk is untouched by the run
    assert all(c.outputs == [] for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
