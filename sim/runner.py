"""Running Monte Carlo paths in chunks on an executor, merged in path order.

A chunk is a range of path indices. Each path depends only on the scenario,
the root seed and its own index (see :mod:`sim.sampling`); chunks may finish
in any order on any worker, but they are merged strictly in path order, so the
results are bit-identical whatever the executor and the number of workers.

Executors (one code path, the ``concurrent.futures`` interface):

* ``workers=1``: in this process (debugging, small runs);
* ``workers=N``: a process pool whose workers ignore Ctrl-C, so that the
  parent alone decides to stop and then ends them;
* ``dask="tcp://host:port"``: an existing Dask cluster; ``dask="local"``
  starts a ``LocalCluster`` of ``workers`` processes.

Only a bounded number of chunks is in flight, and each merged chunk is reduced
at once (:class:`sim.statistics.Aggregator`), so memory stays flat as the path
count grows. With a precision target, chunks are added until every reported
probability has a 95% half-width at most that target, or a cap is met; the
stopping point depends only on the merged chunks, so it is the same for every
executor too.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, RunFailed
from .history import load_history
from .model import simulate_path
from .outputs import OutputError
from .results import Results
from .sampling import draw_path
from .scenario import LIMITS, Scenario, ScenarioError
from .statistics import Aggregator, wilson_half_width
from .trade import COMPONENTS, DIRECTIONS, TradePaths, assemble_chunk

__all__ = [
    "simulate",
    "simulate_chunk",
    "run_paths",
    "paths_on",
    "chunk_ranges",
    "default_workers",
    "open_executor",
    "stream_chunks",
    "DEFAULT_MAX_PATHS",
    "check_path_count",
    "check_run_arguments",
    "run_summary",
    "open_checkpoint",
    "checkpointed_chunk",
    "study_manifest",
]

CHUNK_PATHS = 250
"""Paths per chunk: large enough to amortise dispatch, small enough to balance and stream."""
ASSEMBLY_PATHS = 25
"""Paths assembled together: enough to fill numpy's arrays, few enough to stay in cache."""
DEFAULT_MAX_PATHS = 1_000_000
"""Cap on paths when running to a precision target."""


def default_workers() -> int:
    """Worker processes used when none are asked for: the usable CPU count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def simulate_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> TradePaths:
    """Simulate paths ``start`` to ``stop - 1``.

    Returns
    -------
    TradePaths
        Annual trade by component and direction, shape ``(stop - start, n_years, 4, 2)``, USD bn,
        with the country's total trade and the partner's share (structural law).
    """
    out = []
    for a in range(start, stop, ASSEMBLY_PATHS):
        inputs = [draw_path(scenario, seed, path) for path in range(a, min(a + ASSEMBLY_PATHS, stop))]
        out.append(assemble_chunk(scenario, inputs, [simulate_path(scenario, x) for x in inputs]))
    return TradePaths.concat(out)


CHECKPOINT_IDENTITY = "coopsim-checkpoint.json"


def open_checkpoint(folder: str | os.PathLike, scenario: Scenario, seed: int) -> Path:
    """Create or reopen a checkpoint folder; refuse one made for another scenario or seed.

    Only this run's chunk files and ``coopsim-checkpoint.json`` are ever written
    there, and nothing in it is deleted.
    """
    import json

    path = Path(folder)
    identity = {"scenario_sha256": scenario.sha256, "seed": seed, "chunk_paths": CHUNK_PATHS}
    marker = path / CHECKPOINT_IDENTITY
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder; choose another --checkpoint")
    if marker.is_file():
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            raise OutputError(f"{marker}: unreadable; choose another --checkpoint folder") from None
        if found != identity:
            raise OutputError(f"{path}: holds checkpoints of another scenario or seed ({found}); choose another --checkpoint folder")
    elif path.is_dir() and any(path.iterdir()):
        raise OutputError(f"{path}: folder exists, is not empty and is not a coopsim checkpoint; choose another --checkpoint")
    else:
        path.mkdir(parents=True, exist_ok=True)
        marker.write_text(json.dumps(identity) + "\n", encoding="utf-8")
    return path


def checkpointed_chunk(scenario: Scenario, seed: int, folder: str, start: int, stop: int) -> TradePaths:
    """:func:`simulate_chunk`, read from the checkpoint folder when an earlier run finished it, else run and kept there.

    A chunk file is written under a temporary name and renamed, so a kill
    leaves either the whole chunk or none of it.
    """
    target = Path(folder) / f"chunk_{start:012d}_{stop:012d}.npz"
    if target.is_file():
        try:
            with np.load(target, allow_pickle=False) as kept:
                return TradePaths(*(kept[name] for name in TradePaths._fields))
        except (OSError, ValueError, KeyError):
            pass  # an unreadable chunk is simply run again
    paths = simulate_chunk(scenario, seed, start, stop)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with open(partial, "wb") as fh:
        np.savez(fh, **paths._asdict())
    os.replace(partial, target)
    return paths


def chunk_ranges(paths: int | None, chunk: int = CHUNK_PATHS) -> Iterator[tuple[int, int]]:
    """Consecutive ``(start, stop)`` ranges covering paths ``0`` to ``paths - 1`` (endless if ``paths`` is None)."""
    for a in count(0, chunk) if paths is None else range(0, paths, chunk):
        yield (a, a + chunk if paths is None else min(a + chunk, paths))


# ---------------------------------------------------------------- executors


class _InProcess(Executor):
    """Runs submitted work immediately in this process."""

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # handed to the caller through the future
            future.set_exception(exc)
        return future


class StopRequest:
    """A stop asked for by a signal handler (the command line's Ctrl-C and SIGTERM).

    The handler raises at once; the chunk loop also checks this flag between
    waits, so a stop whose exception was swallowed (a signal landing inside a
    ``__del__`` or a callback, where Python only prints and ignores it) still
    ends the run within a fraction of a second.
    """

    def __init__(self) -> None:
        self.exception: BaseException | None = None

    def set(self, exception: BaseException) -> None:
        self.exception = exception

    def clear(self) -> None:
        self.exception = None

    def check(self) -> None:
        """Raise the requested exception, if any."""
        if self.exception is not None:
            raise self.exception


STOP = StopRequest()
"""Set by :mod:`sim.cli`'s signal handlers; library callers never need it."""

POLL_SECONDS = 0.25
"""How often the chunk loop looks at :data:`STOP` while it waits for chunks."""


def _ignore_interrupts() -> None:
    """Process-pool worker start-up: Ctrl-C goes to the parent, which ends the workers; SIGTERM just ends a worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a process pool now: cancel queued chunks and terminate its processes.

    The pool's call queue may hold chunks that no worker will read any more; its
    feeder thread can then block on a full pipe, and Python would wait for it at
    exit. Cancelling that wait lets the process end (the chunks are discarded
    anyway).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way before Python 3.14
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        call_queue.cancel_join_thread()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


@contextmanager
def open_executor(workers: int = 1, dask: Any = None) -> Iterator[tuple[Executor, int]]:
    """An executor and the number of chunks it runs at once.

    Parameters
    ----------
    workers : int
        1: in-process. More: a process pool of that size (or the size of a
        local Dask cluster).
    dask : str or distributed.Client, optional
        ``"local"`` for a new ``LocalCluster``, a scheduler address such as
        ``"tcp://127.0.0.1:8786"``, or an existing client.
    """
    if dask is not None:
        with _dask_executor(dask, workers) as pair:
            yield pair
        return
    if workers <= 1:
        yield _InProcess(), 1
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupts)
    try:
        yield pool, workers
    except BaseException:
        _end_workers(pool)
        raise
    pool.shutdown(wait=True)


@contextmanager
def _dask_executor(dask: Any, workers: int) -> Iterator[tuple[Executor, int]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("Dask is not installed: pip install 'coopsim[dask]'") from None
    if not isinstance(dask, str):
        client, owned = dask, []
    elif dask == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        owned = [client, cluster]
    else:
        try:
            client = Client(dask, timeout="15s")
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {dask}: {exc}") from None
        owned = [client]
    try:
        slots = max(1, sum(client.nthreads().values()))
        yield client.get_executor(), slots
    finally:
        for thing in owned:
            thing.close()


# ---------------------------------------------------------------- the chunk loop


def stream_chunks(
    executor: Executor,
    slots: int,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    ranges: Iterator[tuple[int, int]],
    on_chunk: Callable[[int, int, Any], bool],
) -> None:
    """Run ``fn(*args, start, stop)`` for each range and hand results to ``on_chunk`` in path order.

    At most ``2 * slots`` chunks are in flight. ``on_chunk(start, stop, result)``
    returns True to stop: chunks after that one are cancelled or discarded,
    so where a run stops never depends on which worker was fastest.
    """
    from concurrent.futures.process import BrokenProcessPool

    pending: dict[Future, tuple[int, int]] = {}
    ready: dict[int, tuple[int, Any]] = {}
    next_start = 0
    window = 2 * slots
    ranges = iter(ranges)
    exhausted = False

    def top_up() -> None:
        nonlocal exhausted
        while not exhausted and len(pending) < window:
            chunk = next(ranges, None)
            if chunk is None:
                exhausted = True
                return
            pending[executor.submit(fn, *args, *chunk)] = chunk

    try:
        top_up()
        while pending:
            STOP.check()
            done, _ = wait(list(pending), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                start, stop = pending.pop(future)
                ready[start] = (stop, future.result())
            while next_start in ready:
                stop, result = ready.pop(next_start)
                if on_chunk(next_start, stop, result):
                    return
                next_start = stop
            top_up()
    except BrokenProcessPool:
        raise RunFailed(
            "a worker process died (killed, or out of memory); nothing was written. Run again, or with fewer --workers"
        ) from None
    finally:
        for future in pending:
            future.cancel()


# ---------------------------------------------------------------- progress


class ProgressBar:
    """A progress bar on stderr (or in a notebook), only when someone can see it."""

    def __init__(self, total: int | None, enabled: bool | None, label: str):
        if enabled is None:
            enabled = _interactive()
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="path", unit_scale=True, desc=label, file=sys.stderr, dynamic_ncols=True)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _interactive() -> bool:
    if sys.stderr is not None and sys.stderr.isatty():
        return True
    try:  # a Jupyter kernel: stderr is not a terminal but a widget can show
        from IPython import get_ipython

        return get_ipython() is not None and "IPKernelApp" in get_ipython().config
    except Exception:
        return False


# ---------------------------------------------------------------- running a scenario


class _PathStore:
    """Every path's annual trade, written to memory-mapped temporary files as chunks arrive.

    Each file is unlinked as soon as it is mapped: it takes disk space only while
    the array lives, and nothing is left behind however the process ends.
    """

    def __init__(self, capacity: int, n_years: int):
        shapes = ((capacity, n_years, len(COMPONENTS), len(DIRECTIONS)), (capacity, n_years), (capacity, n_years))
        self.arrays = []
        for shape in shapes:
            with tempfile.NamedTemporaryFile(prefix="coopsim-paths-", suffix=".npy") as fh:
                self.arrays.append(np.lib.format.open_memmap(fh.name, mode="w+", dtype=np.float64, shape=shape))

    def write(self, start: int, stop: int, paths: TradePaths) -> None:
        for array, part in zip(self.arrays, paths, strict=True):
            array[start:stop] = part

    def result(self, paths: int) -> TradePaths:
        for array in self.arrays:
            array.flush()
        return TradePaths(*(array[:paths] for array in self.arrays))


def package_versions() -> dict[str, str]:
    """Versions of Python, coopsim and its main dependencies, for manifests."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("coopsim", "numpy", "scipy", "simpy", "matplotlib", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_summary(scenario: Scenario, agg: Aggregator, seed: int) -> dict[str, Any]:
    """``summary.json`` of a run: the scenario's identity and the aggregated statistics."""
    return {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "paths": agg.paths,
        "seed": seed,
        "reporter": scenario.trade.measured_by,
        "simulated_reporter": scenario.trade.reporter,
        "target_usd_bn": scenario.trade.target_usd_bn,
        "target_flow": scenario.trade.target_flow,
        "organic_law": scenario.organic_law,
        "base_year": scenario.trade.base_year,
        "base_usd_bn": scenario.trade.base_usd_bn,
        "base_exports_usd_bn": scenario.trade.base_exports_usd_bn,
        "observation": scenario.observation.to_dict() if scenario.observation else None,
        "years": [str(y) for y in scenario.years],
        **agg.summary(),
    }


def study_manifest(scenario: Scenario, seed: int, started: float, finished: float) -> dict[str, Any]:
    """``manifest.json`` of a study (sensitivity, goal): scenario file and hash, seed, versions, duration."""
    return {
        "scenario_file": scenario.source,
        "scenario_sha256": scenario.sha256,
        "seed": seed,
        "versions": package_versions(),
        "seconds": round(finished - started, 3),
    }


def check_path_count(scenario: Scenario, paths: int, key: str) -> None:
    """Refuse, before any work, a path count outside 1 to ``LIMITS["max_paths"]``.

    Raises
    ------
    ScenarioError
        Naming the scenario's file and ``key``, the parameter that gave the count.
    """
    if not 1 <= paths <= LIMITS["max_paths"]:
        raise ScenarioError(scenario.source, [(key, f"must be between 1 and {LIMITS['max_paths']:,} (got {paths:,})")])


def check_run_arguments(scenario: Scenario, paths: int | None, precision: float | None, max_paths: int) -> int | None:
    """Refuse, before any work, run arguments out of range; return the number of paths to run.

    Parameters
    ----------
    scenario : Scenario
        Gives the path count when ``paths`` is None (``run.paths``).
    paths : int, optional
        Paths asked for; ignored with ``precision``.
    precision : float, optional
        Target 95% half-width of the reported probabilities, strictly between 0 and 0.5.
    max_paths : int
        Cap on paths with ``precision``, 1 to ``LIMITS["max_paths"]``.

    Returns
    -------
    int or None
        The paths to run, or None when paths are added until ``precision`` is met.

    Raises
    ------
    ScenarioError
        An :class:`~sim.errors.InputError` naming ``paths``, ``precision`` or ``max_paths``.
    """
    if precision is None:
        total = scenario.run.paths if paths is None else paths
        check_path_count(scenario, total, "paths")
        return total
    if not 0 < precision < 0.5:
        raise ScenarioError(scenario.source, [("precision", f"must be between 0 and 0.5 (got {precision})")])
    check_path_count(scenario, max_paths, "max_paths")
    return None


def simulate(
    scenario: Scenario,
    paths: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    precision: float | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    keep_paths: bool = False,
    progress: bool | None = None,
    checkpoint: str | os.PathLike | None = None,
) -> Results:
    """Run the Monte Carlo simulation of a scenario.

    Parameters
    ----------
    scenario : Scenario
    paths : int, optional
        Number of paths; default ``scenario.run.paths``. Ignored with ``precision``.
    seed : int, optional
        Root seed; default ``scenario.run.seed``.
    workers : int, optional
        Worker processes; default all cores. 1 runs in this process.
    dask : str or distributed.Client, optional
        Run the chunks on Dask: ``"local"`` or a scheduler address.
    precision : float, optional
        Add paths until the 95% half-width of every ``p_reach_by_year`` is at most
        this (e.g. 0.01), or ``max_paths`` is reached.
    max_paths : int
        Cap on paths with ``precision``.
    keep_paths : bool
        Keep every path's annual trade in ``Results.paths`` (a :class:`~sim.trade.TradePaths`
        memory-mapped from temporary files; trade of shape ``(paths, n_years, 4, 2)``).
    progress : bool, optional
        Show a progress bar; default: when stderr is a terminal or in a notebook.
    checkpoint : path, optional
        Folder where every finished chunk is kept; a run killed at any point
        and started again with the same arguments resumes from it, with
        results bit-identical to an uninterrupted run.

    Returns
    -------
    Results
        Identical for the same scenario, seed and paths, whatever ``workers`` or ``dask``.
    """
    total = check_run_arguments(scenario, paths, precision, max_paths)
    seed = scenario.run.seed if seed is None else seed
    workers = default_workers() if workers is None else workers

    agg = Aggregator(scenario.years, scenario.trade.target_usd_bn, scenario.trade.target_flow)
    store = _PathStore(total or max_paths, len(scenario.years)) if keep_paths else None
    cap = total or max_paths
    bar = ProgressBar(total, progress, scenario.name)

    def on_chunk(start: int, stop: int, paths: TradePaths) -> bool:
        agg.add(paths)
        if store is not None:
            store.write(start, stop, paths)
        bar.update(stop - start)
        if precision is not None:
            return agg.precision_met(precision) or agg.paths >= cap
        return False

    started = time.time()
    try:
        with open_executor(workers, dask) as (executor, slots):
            if checkpoint is None:
                stream_chunks(executor, slots, simulate_chunk, (scenario, seed), chunk_ranges(cap), on_chunk)
            else:
                folder = open_checkpoint(checkpoint, scenario, seed)
                stream_chunks(executor, slots, checkpointed_chunk, (scenario, seed, str(folder)), chunk_ranges(cap), on_chunk)
    finally:
        bar.close()
    finished = time.time()

    summary = run_summary(scenario, agg, seed)
    if precision is not None:
        half = wilson_half_width(agg.reach_counts(), agg.paths)
        summary["precision"] = {
            "target_half_width": precision,
            "achieved_half_width": {str(y): float(h) for y, h in zip(scenario.years, half, strict=True)},
            "met": bool(np.all(half <= precision)),
            "max_paths": cap,
            "cap_reached": agg.paths >= cap and not bool(np.all(half <= precision)),
        }
    manifest = {
        "scenario_file": scenario.source,
        "scenario_sha256": scenario.sha256,
        "seed": seed,
        "paths": agg.paths,
        "executor": "dask" if dask is not None else ("process pool" if workers > 1 else "in-process"),
        "workers": workers,
        "versions": package_versions(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(finished)),
        "seconds": round(finished - started, 3),
    }
    history_file = scenario.history_path()
    history = load_history(history_file, scenario.trade.measured_by) if history_file is not None else []
    kept = store.result(agg.paths) if store is not None else None
    return Results(summary=summary, history=history, paths=kept, manifest=manifest)


def run_paths(scenario: Scenario, paths: int, seed: int, workers: int = 1, dask: Any = None) -> TradePaths:
    """Every path's annual trade, in path order (trade of shape ``(paths, n_years, 4, 2)``, USD bn).

    For tests and small studies: the whole array is kept in memory.
    """
    check_path_count(scenario, paths, "paths")
    with open_executor(workers, dask) as (executor, slots):
        return paths_on(executor, slots, scenario, paths, seed)


def paths_on(executor: Executor, slots: int, scenario: Scenario, paths: int, seed: int) -> TradePaths:
    """As :func:`run_paths`, on an executor that is already open (for studies that run many variants)."""
    parts: list[TradePaths] = []

    def keep(start: int, stop: int, chunk: TradePaths) -> bool:
        parts.append(chunk)
        return False

    stream_chunks(executor, slots, simulate_chunk, (scenario, seed), chunk_ranges(paths), keep)
    return TradePaths.concat(parts)
