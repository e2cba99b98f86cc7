"""Running Monte Carlo paths in chunks on an executor, merged in path order.

A chunk is a range of path indices. Each path depends only on the scenario,
the root seed and its own index (see :mod:`sim.sampling`), and chunks are
merged in path order, so results are bit-identical whatever the executor and
the number of workers.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np

from .history import load_history
from .model import simulate_path
from .results import Aggregator, Results
from .sampling import draw_path
from .scenario import LIMITS, Scenario, ScenarioError
from .trade import assemble_chunk

__all__ = ["simulate", "simulate_chunk", "run_paths", "chunk_ranges", "default_workers"]

CHUNK_PATHS = 250
"""Paths per chunk: large enough to amortise dispatch, small enough to balance and stream."""


def default_workers() -> int:
    """Worker processes used when none are asked for: the usable CPU count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def simulate_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> np.ndarray:
    """Simulate paths ``start`` to ``stop - 1``.

    Returns
    -------
    ndarray, shape (stop - start, n_years, 4)
        Annual trade by component (:data:`sim.trade.COMPONENTS`), USD bn.
    """
    inputs = [draw_path(scenario, seed, path) for path in range(start, stop)]
    logs = [simulate_path(scenario, x) for x in inputs]
    return assemble_chunk(scenario, inputs, logs)


def chunk_ranges(paths: int, chunk: int = CHUNK_PATHS, first: int = 0) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges covering paths ``first`` to ``first + paths - 1``."""
    return [(a, min(a + chunk, first + paths)) for a in range(first, first + paths, chunk)]


class _InProcess(Executor):
    """Runs submitted work immediately in this process (``workers = 1``)."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        from concurrent.futures import Future

        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


@contextmanager
def executor_for(workers: int) -> Iterator[Executor]:
    """An executor: in-process for one worker, else a process pool."""
    if workers <= 1:
        yield _InProcess()
        return
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def run_paths(scenario: Scenario, paths: int, seed: int, workers: int = 1) -> np.ndarray:
    """Simulate ``paths`` paths and return them in path order.

    Parameters
    ----------
    scenario : Scenario
    paths : int
        Number of paths, at most ``LIMITS["max_paths"]``.
    seed : int
        Root seed.
    workers : int
        1 runs in this process; more use a process pool.

    Returns
    -------
    ndarray, shape (paths, n_years, 4)
        Annual trade by component, USD bn.
    """
    if not 1 <= paths <= LIMITS["max_paths"]:
        raise ScenarioError(scenario.source, [("--paths", f"must be between 1 and {LIMITS['max_paths']:,} (got {paths:,})")])
    ranges = chunk_ranges(paths)
    with executor_for(min(workers, len(ranges))) as ex:
        futures = [ex.submit(simulate_chunk, scenario, seed, a, b) for a, b in ranges]
        return np.concatenate([f.result() for f in futures], axis=0)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("coopsim", "numpy", "scipy", "simpy", "matplotlib", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def simulate(scenario: Scenario, paths: int | None = None, seed: int | None = None, workers: int = 1, keep_paths: bool = False) -> Results:
    """Run the Monte Carlo simulation of a scenario.

    Parameters
    ----------
    scenario : Scenario
    paths : int, optional
        Number of paths; default ``scenario.run.paths``.
    seed : int, optional
        Root seed; default ``scenario.run.seed``.
    workers : int
        1 runs in this process; more use a process pool.
    keep_paths : bool
        Keep every path's annual trade by component in ``Results.paths_trade``.

    Returns
    -------
    Results
        Identical for the same scenario, seed and paths, whatever ``workers``.
    """
    paths = scenario.run.paths if paths is None else paths
    seed = scenario.run.seed if seed is None else seed
    started = time.time()
    trade = run_paths(scenario, paths, seed, workers)
    agg = Aggregator(scenario.years, scenario.trade.target_usd_bn)
    agg.add(trade)
    finished = time.time()
    summary = {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "paths": paths,
        "seed": seed,
        "reporter": scenario.trade.reporter,
        "target_usd_bn": scenario.trade.target_usd_bn,
        "base_year": scenario.trade.base_year,
        "base_usd_bn": scenario.trade.base_usd_bn,
        "years": [str(y) for y in scenario.years],
        **agg.summary(),
    }
    manifest = {
        "scenario_file": scenario.source,
        "scenario_sha256": scenario.sha256,
        "seed": seed,
        "paths": paths,
        "versions": _versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(finished)),
        "seconds": round(finished - started, 3),
    }
    history_file = scenario.history_path()
    history = load_history(history_file, scenario.trade.reporter) if history_file is not None else []
    return Results(summary=summary, history=history, paths_trade=trade if keep_paths else None, manifest=manifest)
