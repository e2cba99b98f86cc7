"""Running a scenario: :func:`simulate` (statistics streamed into :class:`~sim.results.Results`) and :func:`run_paths`.

Each merged chunk is reduced at once (:class:`~sim.run.statistics.Aggregator`),
so memory stays flat as the path count grows. With a precision target, chunks
are added until every reported probability has a 95% half-width at most that
target, or a cap is met; the stopping point depends only on the merged chunks,
so it is the same for every executor too. The run's arguments are checked
before any work (:func:`check_run_arguments`).
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import Executor
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..engine import TradePaths, simulate_chunk
from ..history import load_history
from ..nowcast import full_years, published_by
from ..releases import load_releases
from ..results import Precision, Results, run_manifest
from ..scenario import LIMITS, Scenario, ScenarioError
from .checkpoint import checkpointed_chunk, open_checkpoint
from .executors import chunk_ranges, default_workers, open_executor, stream_chunks
from .progress import ProgressBar
from .statistics import Aggregator, wilson_half_width

__all__ = [
    "DEFAULT_MAX_PATHS",
    "check_path_count",
    "check_run_arguments",
    "known_history",
    "package_versions",
    "paths_on",
    "run_paths",
    "run_results",
    "simulate",
    "study_manifest",
]

DEFAULT_MAX_PATHS = 1_000_000
"""Cap on paths when running to a precision target."""


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
        Keep every path's annual trade in ``Results.paths`` (a :class:`~sim.engine.TradePaths`
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

    cap = total or max_paths
    agg = Aggregator(
        scenario.years,
        scenario.trade.target_usd_bn,
        scenario.trade.target_flow,
        [(law.name, law.kind, law.weight) for law in scenario.laws],
    )
    store = _PathStore(cap) if keep_paths else None
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

    stopped = None
    if precision is not None:
        half = wilson_half_width(agg.reach_counts(), agg.paths)
        met = bool(np.all(half <= precision))
        achieved = pd.Series(half, index=pd.Index(scenario.years, name="year"), name="half_width", dtype=float)
        stopped = Precision(float(precision), achieved, met, int(cap), agg.paths >= cap and not met)
    manifest = run_manifest(
        [scenario], seed, agg.paths, workers=workers, dask=dask, versions=package_versions(), started=started, finished=finished
    )
    kept = store.result(agg.paths) if store is not None else None
    return run_results(scenario, agg, seed, precision=stopped, paths=kept, manifest=manifest)


def known_history(scenario: Scenario) -> list[tuple[int, float]]:
    """The yearly figures the run's charts draw, in the target reporter's statistics, as ``(year, USD bn)``.

    A view draws what it knew: the full years of its record in force on its day (nothing published
    later); a stated scenario, its history file (``trade.history``); none without either.
    """
    t = scenario.trade
    if scenario.view is not None and t.releases is not None and t.as_of is not None and t.partner is not None:
        path = scenario._relative(t.releases)
        assert path is not None
        known = published_by(load_releases(path), t.as_of)
        return [(year, r.value_usd_bn) for year, r in sorted(full_years(known, t.partner, "turnover", t.measured_by).items())]
    history_file = scenario.history_path()
    return load_history(history_file, t.measured_by) if history_file is not None else []


def run_paths(scenario: Scenario, paths: int, seed: int, workers: int = 1, dask: Any = None) -> TradePaths:
    """Every path's annual trade, in path order; for tests and small studies (the whole array is kept in memory).

    Parameters
    ----------
    scenario : Scenario
    paths : int
        Number of paths, 1 to ``LIMITS["max_paths"]``.
    seed : int
        Root seed.
    workers, dask
        As in :func:`simulate` (default: in this process).

    Returns
    -------
    TradePaths
        Trade of shape ``(paths, n_years, 4, 2)``, USD bn, identical whatever the executor.
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


def case_names(scenario: Scenario) -> dict[str, Any] | None:
    """The case's names for outputs: the country's and partner's names and the reporters' labels, as the scenario gives them."""
    t = scenario.trade
    names: dict[str, Any] = {k: v for k, v in (("country", t.country_name), ("partner", t.partner_name)) if v}
    if t.reporter_labels:
        names["reporter_labels"] = dict(t.reporter_labels)
    return names or None


def run_results(
    scenario: Scenario,
    agg: Aggregator,
    seed: int,
    *,
    precision: Precision | None = None,
    paths: TradePaths | None = None,
    manifest: Mapping[str, Any] | None = None,
) -> Results:
    """The :class:`~sim.results.Results` of a run: the scenario's identity and the aggregated statistics, typed.

    Built from the aggregator's arrays directly (``summary.json`` is written from it, never read back);
    the history is the scenario's known one (:func:`known_history`).
    """
    t = scenario.trade
    return Results(
        scenario=scenario.name,
        scenario_sha256=scenario.sha256,
        n_paths=int(agg.paths),
        seed=int(seed),
        reporter=t.measured_by,
        simulated_reporter=t.reporter,
        names=case_names(scenario),
        target_usd_bn=float(t.target_usd_bn),
        target_flow=t.target_flow,
        organic_law=scenario.organic_law,
        base_year=int(t.base_year),
        base_usd_bn=float(t.base_usd_bn),
        base_exports_usd_bn=t.base_exports_usd_bn,
        observation=scenario.observation.to_json() if scenario.observation else None,
        view=scenario.view.to_json() if scenario.view else None,
        years=[int(y) for y in scenario.years],
        target_year=None if t.target_year is None else int(t.target_year),
        precision=precision,
        history=known_history(scenario),
        paths=paths,
        manifest=manifest,
        **agg.summary(list(scenario.portfolio.financiers) if scenario.portfolio else []),
    )


def study_manifest(scenario: Scenario, seed: int, started: float, finished: float) -> dict[str, Any]:
    """``manifest.json`` of a study (sensitivity, goal): scenario file and hash, seed, versions, duration."""
    return {
        "scenario_file": scenario.source,
        "scenario_sha256": scenario.sha256,
        "seed": seed,
        "versions": package_versions(),
        "seconds": round(finished - started, 3),
    }


def paths_seed_workers(scenario: Scenario, paths: int | None, seed: int | None, workers: int | None) -> tuple[int, int, int]:
    """A study's checked path count, seed and workers, with their defaults (``run.paths``, ``run.seed``, :func:`default_workers`).

    A study of counterfactuals runs a fixed number of paths (no precision target), 1 to ``LIMITS["max_paths"]``.

    Raises
    ------
    ScenarioError
        Naming ``paths`` when the count is out of range.
    """
    n = scenario.run.paths if paths is None else paths
    check_path_count(scenario, n, "paths")
    return n, scenario.run.seed if seed is None else seed, default_workers() if workers is None else workers


def counterfactual_study_manifest(
    scenario: Scenario, seed: int, paths: int, workers: int, dask: Any, started: float, finished: float, settings: Mapping[str, Any]
) -> dict[str, Any]:
    """``manifest.json`` of a study of counterfactuals on one scenario (attribute, prioritise, new money): a run's manifest
    (:func:`sim.results.run_manifest`: the scenario, seed, paths, executor, versions, times), then ``settings`` (the study's
    name and settings, in order). Studies that run no executor of their own (sensitivity, goal) use :func:`study_manifest`."""
    manifest = run_manifest(
        [scenario], seed, paths, workers=workers, dask=dask, versions=package_versions(), started=started, finished=finished
    )
    return manifest | dict(settings)


def package_versions() -> dict[str, str]:
    """Versions of Python, coopsim and its main dependencies, for manifests."""
    return dict(_package_versions())  # a copy: the caller may change it


@lru_cache(maxsize=1)
def _package_versions() -> dict[str, str]:
    """:func:`package_versions`, read once a process: reading the packages' metadata costs some 10 ms, as much as a small
    run's paths, and the installed versions do not change while it runs."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("coopsim", "numpy", "scipy", "simpy", "matplotlib", "pydantic"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


class _PathStore:
    """Every path's annual trade (every field of :class:`~sim.engine.TradePaths`), written to memory-mapped
    temporary files as chunks arrive; made at the first chunk, each file shaped and typed as its field.

    Each file is unlinked as soon as it is mapped: it takes disk space only while
    the array lives, and nothing is left behind however the process ends.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.arrays: list[np.ndarray] = []

    def write(self, start: int, stop: int, paths: TradePaths) -> None:
        if not self.arrays:
            for part in paths:
                with tempfile.NamedTemporaryFile(prefix="coopsim-paths-", suffix=".npy") as fh:
                    shape = (self.capacity, *part.shape[1:])
                    self.arrays.append(np.lib.format.open_memmap(fh.name, mode="w+", dtype=part.dtype, shape=shape))
        for array, part in zip(self.arrays, paths, strict=True):
            array[start:stop] = part

    def result(self, paths: int) -> TradePaths:
        for array in self.arrays:
            array.flush()
        return TradePaths(*(array[:paths] for array in self.arrays))
