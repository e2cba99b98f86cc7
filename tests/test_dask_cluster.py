"""A Dask cluster of separate processes (a scheduler and two workers on 127.0.0.1): the same numbers as in process, and
a worker killed mid-run survived.

The cluster is a fixture of this module alone, so that it lives only while its two tests run: an idle scheduler and its
workers keep polling one another (about an eighth of a core between them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
from helpers import REFERENCE, coopsim_process, free_port, reference

from sim import simulate

SCENARIO = str(REFERENCE)


def _wait_for_port(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def dask_cluster():
    """A real Dask scheduler and worker, each a separate process on 127.0.0.1, shared by the module's Dask tests.

    A worker killed by a test is restarted by its nanny; the tests that use the cluster only submit runs to it.
    """
    pytest.importorskip("distributed")
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the dask command is not installed")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    try:
        _wait_for_port(port, 60)
        worker = subprocess.Popen(
            [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        yield SimpleNamespace(address=address, worker_pid=worker.pid)
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_separate_process_dask_cluster_gives_identical_results(dask_cluster, tmp_path, capsys):
    from sim.cli import main

    # the command in this process (the cluster's scheduler and workers are the separate processes under test)
    status = main(
        [
            "run",
            SCENARIO,
            "--paths",
            "800",
            "--seed",
            "6",
            "--dask",
            dask_cluster.address,
            "--out",
            str(tmp_path / "dask"),
            "--quiet",
            "--no-figures",
        ]
    )
    assert status == 0, capsys.readouterr().err
    local = simulate(reference(), paths=800, seed=6, workers=1)
    assert json.loads((tmp_path / "dask" / "summary.json").read_text()) == json.loads(json.dumps(local.summary, default=float))
    assert json.loads((tmp_path / "dask" / "manifest.json").read_text())["executor"] == "dask"


def test_a_dask_worker_killed_mid_run_is_survived_with_identical_results(dask_cluster, tmp_path):
    from distributed import Client

    # 1,500 paths (six chunks, four in flight at once): the worker is killed as soon as it holds a chunk of the run,
    # not after a fixed wait, and chunks are still given out after it died
    out = tmp_path / "dask"
    with Client(dask_cluster.address, timeout="60s") as client:
        pids = client.run(os.getpid)  # worker address -> its process id
        proc = coopsim_process(
            "run", SCENARIO, "--paths", "1500", "--seed", "6", "--dask", dask_cluster.address, "--out", str(out), "--quiet", "--no-figures"
        )
        busy: list[int] = []
        deadline = time.monotonic() + 120
        while not busy and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            busy = [pids[address] for address, keys in client.processing().items() if keys and address in pids]
    assert busy, "no dask worker was given a chunk of the run"
    assert proc.poll() is None, "the run ended before a worker could be killed"
    os.kill(busy[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    local = simulate(reference(), paths=1500, seed=6, workers=1)
    assert json.loads((out / "summary.json").read_text()) == json.loads(json.dumps(local.summary, default=float))
