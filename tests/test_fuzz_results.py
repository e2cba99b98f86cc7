"""Fuzzing results folders: tampered manifests, files and links end cleanly, and nothing coopsim did not write is lost.

A small run and a comparison are saved once; every example mutates a copy of
one of them (the manifest replaced by a random JSON tree or given keys of the
wrong type, files listed and unlisted deleted, truncated, edited, added, forged
with a matching checksum, replaced by links to elsewhere or dangling links, the
folder itself given through a link) and then

* ``sim.output.load`` returns or raises an :class:`~sim.errors.InputError`;
* ``coopsim report FOLDER --out ...`` exits 0 or 2, with one line on stderr when 2, never a traceback;
* ``sim.output.save(..., force=True)`` over the folder (what ``run --out FOLDER --force`` does)
  replaces it or raises an :class:`~sim.errors.InputError`,

and every file the user put there, in the folder or outside it where a link
points, is still there byte for byte.

Profiles (as ``tests/test_fuzz.py``): ``COOPSIM_FUZZ_PROFILE=ci`` (default, 150
examples a property, about half a minute) or ``fuzz`` (1000 a property).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT
from hypothesis import HealthCheck, Phase, event, given, note, settings
from hypothesis import strategies as st

from sim import compare, load_scenario, simulate
from sim.cli import main
from sim.errors import InputError
from sim.output import load, save

_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
_PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]  # no "explain": it reruns every failure many times
settings.register_profile("results-ci", max_examples=150, deadline=None, suppress_health_check=_QUIET, phases=_PHASES)
settings.register_profile("results-fuzz", max_examples=1000, deadline=None, suppress_health_check=_QUIET, phases=_PHASES)
PROFILE = settings.get_profile("results-" + os.environ.get("COOPSIM_FUZZ_PROFILE", "ci"))

REFERENCE = ROOT / "scenarios" / "uz_cn_2025.toml"
LATE = ROOT / "scenarios" / "uz_cn_railway_late.toml"
USER_NAMES = ["notes.txt", "history.csv", "summary.json", ".DS_Store", "analysis", "report.html", "fan_chart.svg"]
"""Names a user's file added to the folder may have (some are names coopsim writes, unlisted)."""
ODD_NAMES = ["summary.json", "history.csv", "../outside.txt", "/etc/hostname", "", "a/b", "..", "manifest.json", "x" * 300, "5"]
MANIFEST_KEYS = [
    "files",
    "coopsim",
    "scenario_file",
    "scenario_files",
    "scenario_sha256",
    "overrides",
    "versions",
    "seconds",
    "seed",
    "paths",
]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A run (with its figures) and a two-scenario comparison, saved once, and a small result to save over the copies."""
    base = tmp_path_factory.mktemp("fuzz_sources")
    run = simulate(load_scenario(REFERENCE), paths=20, workers=1, progress=False)
    comparison = compare([load_scenario(REFERENCE), load_scenario(LATE)], paths=20, workers=1, progress=False)
    return {
        "run": save(run, base / "run"),
        "comparison": save(comparison, base / "comparison"),
        "result": run,
    }


json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=20), st.sampled_from(ODD_NAMES)
)
json_trees = st.recursive(
    json_leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12
)
some_bytes = st.binary(max_size=64)


def _manifest(folder: Path) -> Any:
    """The manifest as JSON, or None when an earlier mutation left it unreadable."""
    try:
        return json.loads((folder / "manifest.json").read_bytes())
    except (ValueError, OSError, RecursionError):
        return None


def _listed(folder: Path, user: dict[Path, bytes]) -> list[str]:
    """Files coopsim wrote that are still there (by the manifest if it can still be read), never a file of the user's."""
    with contextlib.suppress(TypeError, KeyError, AttributeError):
        names = [n for n in _manifest(folder)["files"] if isinstance(n, str) and n in os.listdir(folder)]
        return sorted(n for n in names if (folder / n).is_file() and not (folder / n).is_symlink() and folder / n not in user)
    return sorted(p.name for p in folder.iterdir() if p.name != "manifest.json" and p not in user and p.is_file() and not p.is_symlink())


def _set_manifest(folder: Path, manifest: Any) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _mutate(data: st.DataObject, folder: Path, outside: Path, user: dict[Path, bytes]) -> None:
    """One hostile change to ``folder``; files the user adds are recorded in ``user`` with their bytes."""
    kind = data.draw(
        st.sampled_from(
            ["manifest-tree", "manifest-key", "files-entry", "drop-key", "listed-file", "forge", "user-file", "link", "manifest-bytes"]
        ),
        label="mutation",
    )
    event(kind)
    names = _listed(folder, user)
    if kind == "manifest-tree":
        _set_manifest(folder, data.draw(json_trees, label="manifest"))
    elif kind == "manifest-bytes":
        (folder / "manifest.json").write_bytes(data.draw(some_bytes, label="manifest bytes"))
    elif kind in ("manifest-key", "files-entry", "drop-key"):
        manifest = _manifest(folder)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            return
        if kind == "manifest-key":
            manifest[data.draw(st.sampled_from(MANIFEST_KEYS), label="key")] = data.draw(json_trees, label="value")
        elif kind == "files-entry":
            name = data.draw(st.sampled_from(ODD_NAMES + names), label="name")
            manifest["files"][name] = data.draw(json_trees | st.text("0123456789abcdef", min_size=64, max_size=64), label="checksum")
        else:
            table = data.draw(st.booleans(), label="from files")
            keys = list(manifest["files"] if table else manifest)
            if keys:
                key = data.draw(st.sampled_from(keys), label="dropped")
                del (manifest["files"] if table else manifest)[key]
        _set_manifest(folder, manifest)
    elif kind in ("listed-file", "forge") and names:
        path = folder / data.draw(st.sampled_from(names), label="file")
        how = data.draw(st.sampled_from(["delete", "truncate", "append", "flip", "replace"]), label="how")
        old = path.read_bytes()
        new = {
            "delete": None,
            "truncate": old[: data.draw(st.integers(0, max(len(old) - 1, 0)), label="length")],
            "append": old + data.draw(some_bytes, label="tail"),
            "flip": bytes([old[0] ^ 0xFF]) + old[1:] if old else b"x",
            "replace": data.draw(some_bytes | json_trees.map(lambda t: json.dumps(t).encode()), label="content"),
        }[how]
        if new is None:
            path.unlink()
        else:
            path.write_bytes(new)
            manifest = _manifest(folder)
            if kind == "forge" and isinstance(manifest, dict) and isinstance(manifest.get("files"), dict):  # as a user editing both would
                manifest["files"][path.name] = hashlib.sha256(new).hexdigest()
                _set_manifest(folder, manifest)
    elif kind == "user-file":
        name = data.draw(st.sampled_from(USER_NAMES), label="user file")
        path = folder / name
        if path.exists() or path.is_symlink():
            if name in names:
                return  # a listed file: that is the "listed-file" mutation
            path.unlink()
        content = data.draw(some_bytes, label="user bytes")
        path.write_bytes(content)
        user[path] = content
    elif kind == "link" and names:
        path = folder / data.draw(st.sampled_from(names), label="linked")
        target = data.draw(st.sampled_from([outside / "sentinel.txt", outside / "nowhere", folder]), label="to")
        path.unlink()
        path.symlink_to(target)


def _no_traceback(outcome: tuple[int | None, str, BaseException | None]) -> None:
    code, err, error = outcome
    assert error is None, f"{type(error).__name__}: {error}"
    assert code in (0, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err


def _cli(*args: str) -> tuple[int | None, str, BaseException | None]:
    err = io.StringIO()
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            return main(list(args)), err.getvalue(), None
    except SystemExit as exc:
        return (exc.code if isinstance(exc.code, int) else 1), err.getvalue(), None
    except BaseException as exc:  # noqa: BLE001 - anything escaping main is what we are looking for
        return None, err.getvalue(), exc


@PROFILE
@given(data=st.data(), which=st.sampled_from(["run", "comparison"]), steps=st.integers(0, 3), via_link=st.booleans())
def test_a_tampered_results_folder_ends_cleanly_and_keeps_the_users_files(
    sources: dict[str, Any], data: st.DataObject, which: str, steps: int, via_link: bool
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        outside = root / "outside"
        outside.mkdir()
        (outside / "sentinel.txt").write_bytes(b"the user's file outside the folder")
        folder = Path(shutil.copytree(sources[which], root / "results"))
        user: dict[Path, bytes] = {outside / "sentinel.txt": (outside / "sentinel.txt").read_bytes()}
        for _ in range(steps):
            _mutate(data, folder, outside, user)
        given_as = folder
        if via_link:
            given_as = root / "latest"
            given_as.symlink_to(folder)
        note(f"folder: {sorted(p.name for p in folder.iterdir())}")

        try:
            load(given_as)
        except InputError:
            pass

        out = data.draw(
            st.sampled_from(
                [root / "page.html", root / "new" / "page.html", folder / "summary.json", folder / "report.html", outside / "link.html"]
            ),
            label="report out",
        )
        if out.name == "link.html":
            out.symlink_to(outside / "sentinel.txt")
        force = data.draw(st.booleans(), label="--force")
        if force:
            user.pop(out, None)  # a file the user names as --out with --force is theirs to replace
        _no_traceback(_cli("report", str(given_as), "--out", str(out), *(["--force"] if force else [])))

        try:
            save(sources["result"], folder, force=True, figures=False)
            event("replaced")
        except InputError:
            event("refused")

        for path, content in user.items():
            assert path.is_file() and not path.is_symlink(), f"{path} was lost"
            assert path.read_bytes() == content, f"{path} was changed"
