"""Executors, streaming, precision and interruption: same numbers everywhere, nothing left behind."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import REFERENCE, coopsim_process, free_port, reference

from sim import Results, save, simulate
from sim.run import run_paths, statistics
from sim.run.statistics import Aggregator, QuantileSketch

SCENARIO = str(REFERENCE)


# ---------------------------------------------------------------- identical results


def test_process_pool_gives_the_same_summary_as_in_process():
    s = reference()
    assert simulate(s, paths=900, seed=4, workers=1).summary == simulate(s, paths=900, seed=4, workers=2).summary


def test_dask_local_cluster_gives_the_same_summary_as_in_process():
    pytest.importorskip("distributed")
    s = reference()
    assert simulate(s, paths=700, seed=5, workers=1).summary == simulate(s, paths=700, seed=5, workers=2, dask="local").summary


def test_unreachable_dask_scheduler_is_a_clear_error(tmp_path, capsys):
    from sim.cli import main

    pytest.importorskip("distributed")
    status = main(["run", SCENARIO, "--paths", "100", "--dask", f"tcp://127.0.0.1:{free_port()}", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert status == 2
    assert "Dask scheduler" in err and "refused" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------- streaming statistics


def test_streamed_statistics_equal_those_of_the_whole_array():
    s = reference()
    paths = run_paths(s, 1000, seed=8)
    agg = Aggregator(s.years, s.trade.target_usd_bn)
    for a in range(0, 1000, 250):
        agg.add(paths[a : a + 250])
    stats = agg.summary()
    total = paths.turnover
    reached = np.maximum.accumulate(total >= 20.0, axis=1)
    for k, year in enumerate(s.years):
        assert stats["p_reach_by_year"].loc[year, "p"] == reached[:, k].mean()
        q = stats["annual_trade_usd_bn"].loc[year]
        assert q["mean"] == pytest.approx(total[:, k].mean(), rel=1e-12)
        for p in (5, 25, 50, 75, 95):
            assert q[f"p{p}"] == pytest.approx(np.percentile(total[:, k], p), rel=1e-4)
        # exports, imports, the (negative) balance and the country's total trade, on grids 0.1% wide
        exports, imports = paths.flow("exports")[:, k], paths.flow("imports")[:, k]
        for key, values in (
            ("exports", exports),
            ("imports", imports),
            ("balance", exports - imports),
            ("country_total", paths.country_total[:, k]),
            ("partner_share", paths.partner_share[:, k]),
        ):
            entry = stats["flows"][key].loc[year]
            assert entry["mean"] == pytest.approx(values.mean(), rel=1e-12)
            for p in (5, 50, 95):
                assert entry[f"p{p}"] == pytest.approx(np.percentile(values, p), rel=1e-3)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 5000])
def test_quantile_sketch_is_within_its_stated_relative_accuracy(n):
    values = np.exp(np.random.default_rng(n).normal(2.5, 1.2, size=(n, 4)))
    sketch = QuantileSketch(4)
    sketch.add(values[: n // 2])
    sketch.add(values[n // 2 :])
    for q in (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0):
        np.testing.assert_allclose(sketch.quantile(q), np.percentile(values, 100 * q, axis=0), rtol=QuantileSketch.STEP)


# ---------------------------------------------------------------- precision, kept paths


def test_precision_adds_paths_until_every_half_width_is_met_the_same_way_on_any_executor(monkeypatch):
    # the rule does not depend on the minimum's size: a minimum of one chunk (250 paths) and a target of 0.04 test it
    # on 750 paths: three chunks, an odd number past a batch of two workers, so adding a batch, doubling or the
    # minimum at a time would overshoot and fail the check of one chunk fewer
    monkeypatch.setattr(statistics, "MIN_PATHS_FOR_PRECISION", 250)
    s = reference()
    one = simulate(s, seed=3, precision=0.04, workers=1)
    two = simulate(s, seed=3, precision=0.04, workers=2)
    assert one.summary == two.summary
    info = one.summary["precision"]
    assert info["met"] and not info["cap_reached"]
    assert max(info["achieved_half_width"].values()) <= 0.04
    assert one.summary["paths"] == 750  # the target, not the minimum, decided: three chunks
    # one chunk fewer would not have met it
    fewer = simulate(s, paths=one.summary["paths"] - 250, seed=3, workers=1)
    assert max(p["ci95"][1] - p["ci95"][0] for p in fewer.summary["p_reach_by_year"].values()) / 2 > 0.04


def test_precision_reports_a_cap_that_stopped_it(monkeypatch):
    monkeypatch.setattr(statistics, "MIN_PATHS_FOR_PRECISION", 500)
    results = simulate(reference(), seed=3, precision=0.001, max_paths=750, workers=1)
    assert results.summary["paths"] == 750
    assert results.summary["precision"]["cap_reached"] and not results.summary["precision"]["met"]


def test_kept_paths_are_saved_and_load_back_without_pickle(tmp_path):
    s = reference()
    results = simulate(s, paths=300, seed=2, workers=2, keep_paths=True)
    save(results, tmp_path / "r", figures=False)
    loaded = Results.load(tmp_path / "r")
    expected = run_paths(s, 300, seed=2)
    assert loaded.paths.trade.shape == (300, len(s.years), 4, 2)
    for kept, fresh in zip(loaded.paths, expected, strict=True):
        assert np.array_equal(np.asarray(kept), fresh)
    with open(tmp_path / "r" / "paths.npy", "rb") as fh:
        assert np.lib.format.read_magic(fh) == (1, 0)
    assert results.summary["annual_trade_usd_bn"]["2030"]["mean"] == pytest.approx(expected.turnover[:, 5].mean(), rel=1e-12)
    frame = loaded.paths_frame()
    assert len(frame) == 300 * len(s.years) * 4 * 2 and set(frame["direction"]) == {"exports", "imports"}


# ---------------------------------------------------------------- progress and interruption


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path):
    proc = coopsim_process("run", SCENARIO, "--paths", "300", "--workers", "1", "--out", str(tmp_path / "r"))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and err == ""


def test_progress_bar_on_a_terminal_shows_paths_rate_and_time_left(tmp_path):
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column terminal
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", SCENARIO, "--paths", "1000", "--workers", "1", "--no-figures", "--out", str(tmp_path / "r")],
        stdout=subprocess.DEVNULL,
        stderr=child_fd,
    )
    os.close(child_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(main_fd)
    shown = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    assert "1.00k/1.00k" in shown and "path/s" in shown and "<" in shown  # count, rate, time left


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            found += [int(c) for c in fh.read().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return not any(line.startswith("State:") and "Z" in line for line in fh)
    except FileNotFoundError:
        return False


def _stderr_within(proc: subprocess.Popen, seconds: float) -> str:
    """The run's stderr once it has ended; fail (killing its whole process group) if it runs on past ``seconds``."""
    try:
        return proc.communicate(timeout=seconds)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # never leave a 500,000-path run behind to slow the rest of the suite
        _, err = proc.communicate()
        pytest.fail(f"the run was still going {seconds} s after the signal; its stderr:\n{err[-3000:]}")


def _run_with_two_workers(out: Path) -> tuple[subprocess.Popen, list[int]]:
    """Start a long two-worker run in its own session; return it once both pool workers are alive."""
    proc = coopsim_process("run", SCENARIO, "--paths", "500000", "--workers", "2", "--out", str(out), start_new_session=True)
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if _alive(c)]
    assert len(workers) >= 2, "the pool did not start"
    return proc, workers


@pytest.mark.parametrize(
    ("sig", "status", "whole_group"), [(signal.SIGINT, 130, True), (signal.SIGTERM, 143, False)], ids=["ctrl-c", "sigterm"]
)
def test_interrupted_run_stops_its_workers_and_leaves_no_results(tmp_path, sig, status, whole_group):
    out = tmp_path / "r"
    proc, workers = _run_with_two_workers(out)
    time.sleep(1.0)  # let chunks run
    started = time.monotonic()
    if whole_group:
        os.killpg(proc.pid, sig)  # a terminal's Ctrl-C reaches the whole process group
    else:
        proc.send_signal(sig)  # `kill PID` reaches the parent only
    err = _stderr_within(proc, 30)
    assert time.monotonic() - started < 15, "stopping took too long"
    assert proc.returncode == status, err
    assert "Traceback" not in err and "interrupted" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], "worker processes left running"


def test_a_killed_pool_worker_fails_the_run_cleanly(tmp_path):
    out = tmp_path / "r"
    proc, workers = _run_with_two_workers(out)
    time.sleep(1.0)
    os.kill(workers[0], signal.SIGKILL)
    err = _stderr_within(proc, 60)
    assert proc.returncode == 3, err
    assert "worker process died" in err and "Traceback" not in err
    assert not out.exists()
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], "worker processes left running"


def test_a_corrupted_results_folder_is_refused_on_loading(tmp_path):
    from sim.results import ResultsError

    results = simulate(reference(), paths=250, seed=1, workers=1)
    save(results, tmp_path / "r", figures=False)
    assert Results.load(tmp_path / "r").summary == json.loads((tmp_path / "r" / "summary.json").read_text())
    summary = tmp_path / "r" / "summary.json"
    summary.write_text(summary.read_text()[:-40])  # truncated
    with pytest.raises(ResultsError, match="summary.json does not match its checksum"):
        Results.load(tmp_path / "r")
    (tmp_path / "r" / "annual_trade.csv").unlink()  # a listed file gone
    with pytest.raises(ResultsError, match="missing|checksum"):
        Results.load(tmp_path / "r")
    with pytest.raises(ResultsError, match="not a complete coopsim results folder"):
        Results.load(tmp_path)


def test_a_run_killed_at_any_point_resumes_from_its_checkpoint_with_identical_results(tmp_path, capsys):
    from sim.cli import main

    # 1,250 paths: five chunks of 250, so a kill after the second leaves chunks both kept and still to run
    checkpoint, out = tmp_path / "ckpt", tmp_path / "resumed"
    args = ["run", SCENARIO, "--paths", "1250", "--seed", "8", "--workers", "2", "--checkpoint", str(checkpoint), "--quiet", "--no-figures"]
    proc = coopsim_process(*args, "--out", str(out), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(checkpoint.glob("chunk_*.npz"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # no chance to clean up: the hardest kind of stop
    proc.communicate(timeout=30)
    kept = sorted(p.name for p in checkpoint.glob("chunk_*.npz"))
    assert 2 <= len(kept) < 5, kept
    assert not out.exists()
    # the resumed and the uninterrupted runs in this process: the killed process was the one that had to be separate
    assert main([*args, "--out", str(out)]) == 0, capsys.readouterr().err
    uninterrupted = tmp_path / "whole"
    assert (
        main(["run", SCENARIO, "--paths", "1250", "--seed", "8", "--workers", "1", "--quiet", "--no-figures", "--out", str(uninterrupted)])
        == 0
    )
    assert (out / "summary.json").read_bytes() == (uninterrupted / "summary.json").read_bytes()
    # the chunks kept before the kill were reused, not run again
    assert all((checkpoint / name).stat().st_mtime < (out / "summary.json").stat().st_mtime for name in kept)


def test_a_checkpoint_of_another_seed_is_refused(tmp_path, capsys):
    from sim.cli import main

    checkpoint = tmp_path / "ckpt"

    def run(seed: str, out: str) -> int:
        args = ["run", SCENARIO, "--paths", "250", "--seed", seed, "--workers", "1", "--checkpoint", str(checkpoint), "--no-figures"]
        return main([*args, "--out", str(tmp_path / out), "--quiet"])

    assert run("1", "a") == 0
    assert run("2", "b") == 2
    assert "another scenario or seed" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_a_stop_whose_exception_was_swallowed_still_ends_the_chunk_loop():
    """A signal landing in a ``__del__`` or callback only prints its exception; the flag still stops the run."""
    from sim.engine import simulate_chunk
    from sim.run.executors import STOP, chunk_ranges, open_executor, stream_chunks

    s = reference()
    seen: list[int] = []

    def on_chunk(start: int, stop: int, result) -> bool:
        seen.append(start)
        if len(seen) == 2:
            STOP.set(KeyboardInterrupt())  # as the handler does, but the raise itself is lost
        return False

    try:
        with pytest.raises(KeyboardInterrupt), open_executor(2) as (executor, slots):
            stream_chunks(executor, slots, simulate_chunk, (s, 1), chunk_ranges(40 * 50, 50), on_chunk)
    finally:
        STOP.clear()
    assert 2 <= len(seen) < 40
