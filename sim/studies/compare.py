"""Paired comparison of scenarios on common random numbers.

Every scenario runs on the same seed and the same path indices, and random
streams are keyed by entity name (:mod:`sim.engine.sampling`), so a project, a shock
or the growth law present in two scenarios draws the same numbers in both.
The paths then differ only where the scenarios differ, and differences are
estimated from the paired outcomes of each path, not from two independent
intervals:

* the difference in ``p_reach_by_year`` with Newcombe's hybrid score interval
  for paired proportions (Newcombe 1998, method 10), which uses the
  correlation of the paired outcomes;
* the difference in mean annual trade with a normal interval from the paired
  per-path differences;
* the difference in median annual trade with a sectioning interval (the paths
  are cut into 20 consecutive sections; the spread of the section estimates
  gives a t interval around the full-sample estimate);
* the shift of the median hit year.

Per-path annual totals are kept in a memory-mapped temporary file for the
medians, so memory stays flat here too.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..engine import TradePaths, reached_by, simulate_chunk
from ..errors import UsageError
from ..results import Results, run_manifest, to_json_ready
from ..results.results import number
from ..run import (
    DEFAULT_MAX_PATHS,
    ProgressBar,
    check_run_arguments,
    chunk_ranges,
    default_workers,
    open_executor,
    package_versions,
    run_results,
    stream_chunks,
)
from ..run.statistics import MIN_PATHS_FOR_PRECISION, Aggregator, wilson_interval
from ..scenario import Scenario, ScenarioError

__all__ = ["Comparison", "compare", "compare_chunk", "newcombe_paired_interval", "SECTIONS"]

SECTIONS = 20
"""Consecutive sections of paths for the interval of a difference in medians."""


def newcombe_paired_interval(
    both: np.ndarray, base_only: np.ndarray, other_only: np.ndarray, neither: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``p_other - p_base`` of paired proportions with its 95% interval (Newcombe 1998, method 10).

    Parameters
    ----------
    both, base_only, other_only, neither : int arrays of one shape
        Counts of paths by outcome under the baseline and the other scenario.

    Returns
    -------
    (diff, low, high) : arrays of the same shape.
    """
    a, b, c, d = (np.asarray(v, dtype=float) for v in (both, base_only, other_only, neither))
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n)
    l2, u2 = wilson_interval(a + c, n)
    denom = np.sqrt((a + b) * (c + d) * (a + c) * (b + d))
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(denom > 0, (a * d - b * c) / np.where(denom > 0, denom, 1.0), 0.0)
    diff = p2 - p1
    low = diff - np.sqrt(np.maximum((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0.0))
    high = diff + np.sqrt(np.maximum((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2, 0.0))
    return diff, low, high


def compare_chunk(scenarios: Sequence[Scenario], seed: int, start: int, stop: int) -> list[TradePaths]:
    """Paths ``start`` to ``stop - 1`` of every scenario, on the same seed."""
    return [simulate_chunk(s, seed, start, stop) for s in scenarios]


def common_years(scenarios: Sequence[Scenario], allow_differences: bool) -> list[int]:
    """The years compared; scenarios that differ in base year, target or horizon are refused unless allowed."""
    base = scenarios[0]
    for s in scenarios[1:]:
        for key, mine, theirs in (
            ("trade.base_year", s.trade.base_year, base.trade.base_year),
            ("trade.target_usd_bn", s.trade.target_usd_bn, base.trade.target_usd_bn),
            ("trade.target_flow", s.trade.target_flow, base.trade.target_flow),
            ("run.horizon_year", s.run.horizon_year, base.run.horizon_year),
        ):
            if mine != theirs and not allow_differences:
                raise ScenarioError(
                    s.source,
                    [
                        (
                            key,
                            f"is {mine:g} here but {theirs:g} in the baseline {base.source}; scenarios compared must agree, or add --common-years to compare the years they share"
                            if not isinstance(mine, str)
                            else f"is '{mine}' here but '{theirs}' in the baseline {base.source}; scenarios compared must measure the target on the same flow",
                        )
                    ],
                )
    years = sorted(set.intersection(*(set(s.years) for s in scenarios)))
    if not years:
        raise ScenarioError(scenarios[-1].source, [("run.horizon_year", f"shares no simulated year with the baseline {base.source}")])
    return years


class _Paired:
    """Paired statistics of one scenario against the baseline, accumulated in path order."""

    def __init__(self, n_years: int):
        self.counts = np.zeros((4, n_years), dtype=np.int64)  # both, base only, other only, neither
        self.n = 0
        self.mean = np.zeros(n_years)
        self.m2 = np.zeros(n_years)

    def add(self, reached_base: np.ndarray, reached_other: np.ndarray, diff: np.ndarray) -> None:
        self.counts[0] += (reached_base & reached_other).sum(axis=0)
        self.counts[1] += (reached_base & ~reached_other).sum(axis=0)
        self.counts[2] += (~reached_base & reached_other).sum(axis=0)
        self.counts[3] += (~reached_base & ~reached_other).sum(axis=0)
        # Chan's merge of running mean and sum of squares (stable, and fixed by path order)
        m = diff.shape[0]
        chunk_mean = diff.mean(axis=0)
        chunk_m2 = ((diff - chunk_mean) ** 2).sum(axis=0)
        delta = chunk_mean - self.mean
        total = self.n + m
        self.mean = self.mean + delta * m / total
        self.m2 = self.m2 + chunk_m2 + delta**2 * self.n * m / total
        self.n = total

    def reach(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return newcombe_paired_interval(*self.counts)

    def mean_interval(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        se = np.sqrt(self.m2 / max(self.n - 1, 1) / self.n)
        half = stats.norm.ppf(0.975) * se
        return self.mean, self.mean - half, self.mean + half


class _TotalsStore:
    """Per-path annual totals of every scenario on the compared years, memory-mapped, shape ``(scenarios, capacity, years)``."""

    def __init__(self, scenarios: int, capacity: int, years: int):
        with tempfile.NamedTemporaryFile(prefix="coopsim-compare-", suffix=".dat") as fh:
            self.array = np.memmap(fh.name, dtype=np.float64, mode="w+", shape=(scenarios, capacity, years))

    def write(self, k: int, start: int, stop: int, totals: np.ndarray) -> None:
        self.array[k, start:stop] = totals


def _median_difference(store: _TotalsStore, k: int, paths: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of medians (scenario k minus baseline) per year, with a sectioning 95% interval."""
    base, other = store.array[0, :paths], store.array[k, :paths]
    estimate = np.median(other, axis=0) - np.median(base, axis=0)
    edges = np.linspace(0, paths, SECTIONS + 1).astype(int)
    sections = np.array([np.median(other[a:b], axis=0) - np.median(base[a:b], axis=0) for a, b in zip(edges[:-1], edges[1:], strict=True)])
    half = stats.t.ppf(0.975, SECTIONS - 1) * sections.std(axis=0, ddof=1) / math.sqrt(SECTIONS)
    return estimate, estimate - half, estimate + half


METRICS = ("p_reach_by_year", "mean_trade_usd_bn", "median_trade_usd_bn")
"""Paired differences of a comparison: in P(target reached by the year), and in mean and median annual trade (USD bn)."""


@dataclass(frozen=True)
class PairedPrecision:
    """How a comparison with a precision target stopped: the worst 95% half-width of a difference in ``p_reach_by_year``."""

    target_half_width: float
    achieved_max_half_width: float
    met: bool
    max_paths: int
    cap_reached: bool


def _difference_frame(rows: list[tuple[str, str, int, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["scenario", "metric", "year", "diff", "ci95_low", "ci95_high"])
    return frame.astype({"year": int, "diff": float, "ci95_low": float, "ci95_high": float}).set_index(["scenario", "metric", "year"])


@dataclass(frozen=True, eq=False)
class Comparison:
    """The outcome of a comparison: each scenario's ``Results`` and the paired differences against the baseline.

    Attributes
    ----------
    results : tuple of Results
        One per scenario, the baseline first.
    scenarios : tuple of str
        The scenarios' names, the baseline first (also :attr:`labels`).
    n_paths, seed : int
        Paths per scenario and the common root seed.
    years : tuple of int
        The years compared.
    differences : pandas.DataFrame
        Indexed by (scenario, metric, year), columns ``diff``, ``ci95_low``,
        ``ci95_high``: scenario minus baseline, for each metric of :data:`METRICS`
        (a probability, or USD bn); NaN where missing.
    median_hit_year_shift : dict of str to int or None
        Change of the median year the target is first reached, years (None when either median is past the horizon).
    discordant_paths : pandas.DataFrame
        Indexed by (scenario, year): paths reaching the target by the year under the baseline only (``base_only``) or the scenario only (``other_only``).
    precision : PairedPrecision or None
    manifest : dict
        Provenance (:func:`sim.results.run_manifest`).
    """

    results: tuple[Results, ...]
    scenarios: tuple[str, ...]
    n_paths: int
    seed: int
    years: tuple[int, ...]
    differences: pd.DataFrame
    median_hit_year_shift: dict[str, int | None]
    discordant_paths: pd.DataFrame
    precision: PairedPrecision | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def baseline(self) -> str:
        return self.scenarios[0]

    @property
    def labels(self) -> list[str]:
        return list(self.scenarios)

    @property
    def compared(self) -> list[str]:
        """The scenarios compared with the baseline, in order."""
        return list(dict.fromkeys(self.differences.index.get_level_values("scenario")))

    def difference(self, scenario: str, metric: str, year: int) -> tuple[float, float, float]:
        """A paired difference against the baseline: ``(diff, low, high)``."""
        row = self.differences.loc[(scenario, metric, int(year))]
        return float(row["diff"]), float(row["ci95_low"]), float(row["ci95_high"])

    def series(self, scenario: str, metric: str) -> pd.DataFrame:
        """One scenario's differences in one metric, indexed by :attr:`years` (``diff``, ``ci95_low``, ``ci95_high``; NaN where missing)."""
        wanted = pd.MultiIndex.from_product([[scenario], [metric], self.years], names=self.differences.index.names)
        return self.differences.reindex(wanted).droplevel(["scenario", "metric"])

    # -- the edge ---------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """``comparison.json`` as a JSON-ready dict (years as strings, non-finite numbers as None)."""
        differences: dict[str, Any] = {}
        for name in self.compared:
            entry: dict[str, Any] = {}
            for metric in METRICS:
                rows = self.series(name, metric)
                entry[metric] = {
                    str(y): {"diff": r.diff, "ci95": [r.ci95_low, r.ci95_high]} for y, r in zip(rows.index, rows.itertuples(), strict=True)
                }
            entry["median_hit_year_shift"] = self.median_hit_year_shift.get(name)
            if name in self.discordant_paths.index.get_level_values("scenario"):
                counts = self.discordant_paths.xs(name, level="scenario")
                entry["discordant_paths"] = {
                    str(y): {"base_only": int(r.base_only), "other_only": int(r.other_only)} for y, r in counts.iterrows()
                }
            differences[name] = entry
        data: dict[str, Any] = {
            "baseline": self.baseline,
            "scenarios": list(self.scenarios),
            "paths": self.n_paths,
            "seed": self.seed,
            "years": [str(y) for y in self.years],
            "summaries": {name: r.to_json() for name, r in zip(self.scenarios, self.results, strict=True)},
            "differences": differences,
        }
        if self.precision is not None:
            data["precision"] = asdict(self.precision)
        return to_json_ready(data)

    @property
    def data(self) -> dict[str, Any]:
        """``comparison.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], results: Sequence[Results] | None = None, manifest: Mapping[str, Any] | None = None
    ) -> Comparison:
        """A comparison from ``comparison.json``; the scenarios' ``Results`` from its summaries unless given."""
        years = tuple(int(y) for y in data["years"])
        rows = []
        for name, entry in data["differences"].items():
            for metric in METRICS:
                for y in years:
                    cell = (entry.get(metric) or {}).get(str(y)) or {}
                    ci = cell.get("ci95") or (None, None)
                    rows.append((name, metric, y, number(cell.get("diff")), number(ci[0]), number(ci[1])))
        counts = [
            (name, int(y), c["base_only"], c["other_only"])
            for name, e in data["differences"].items()
            for y, c in (e.get("discordant_paths") or {}).items()
        ]
        precision = data.get("precision")
        return cls(
            results=tuple(results) if results is not None else tuple(Results.from_json(data["summaries"][n]) for n in data["scenarios"]),
            scenarios=tuple(data["scenarios"]),
            n_paths=int(data["paths"]),
            seed=int(data["seed"]),
            years=years,
            differences=_difference_frame(rows),
            median_hit_year_shift={name: e.get("median_hit_year_shift") for name, e in data["differences"].items()},
            discordant_paths=_discordant_frame(counts),
            precision=PairedPrecision(**precision) if precision else None,
            manifest=dict(manifest or {}),
        )

    # -- tables ---------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """The tidy table (``comparison.csv``): one row per scenario, year and metric -- scenario, year, metric, value,
        ci95_low, ci95_high -- for each scenario's P(reached) and each difference; ``year`` an integer column."""
        out = [
            {"scenario": name, "year": y, "metric": "p_reach_by_year", "value": r.p, "ci95_low": r.ci95_low, "ci95_high": r.ci95_high}
            for name, res in zip(self.scenarios, self.results, strict=True)
            for y, r in zip(self.years, res.p_reach_by_year.loc[list(self.years)].itertuples(), strict=True)
        ]
        out += [
            {
                "scenario": name,
                "year": y,
                "metric": f"difference_{metric}",
                "value": r.diff,
                "ci95_low": r.ci95_low,
                "ci95_high": r.ci95_high,
            }
            for (name, metric, y), r in zip(self.differences.index, self.differences.itertuples(), strict=True)
        ]
        return pd.DataFrame(out)

    def _repr_html_(self) -> str:
        """For notebooks: P(target reached by the year) of each scenario and, for the others, the paired difference in points."""
        head = "".join(f"<th>{y}</th>" for y in self.years)
        cells = []
        for name, res in zip(self.scenarios, self.results, strict=True):
            p = "".join(f"<td>{100 * res.p_reach_by_year.loc[y, 'p']:.1f}%</td>" for y in self.years)
            cells.append(f"<tr><td>{name}{' (baseline)' if name == self.baseline else ''}</td><td>P(reached by year)</td>{p}</tr>")
            if name != self.baseline:
                d = self.series(name, "p_reach_by_year")
                diff = "".join(f"<td>{100 * r.diff:+.1f} [{100 * r.ci95_low:+.1f}, {100 * r.ci95_high:+.1f}]</td>" for r in d.itertuples())
                cells.append(f"<tr><td>{name}</td><td>difference, points</td>{diff}</tr>")
        return (
            f"<div>Paired comparison against <b>{self.baseline}</b>: {self.n_paths:,} paths, seed {self.seed}, common random numbers.</div>"
            f"<table><tr><th>scenario</th><th></th>{head}</tr>{''.join(cells)}</table>"
        )


def _discordant_frame(counts: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(counts, columns=["scenario", "year", "base_only", "other_only"])
    return frame.astype({"year": int, "base_only": int, "other_only": int}).set_index(["scenario", "year"])


def compare(
    scenarios: Sequence[Scenario],
    paths: int | None = None,
    seed: int | None = None,
    *,
    workers: int | None = None,
    dask: Any = None,
    precision: float | None = None,
    max_paths: int = DEFAULT_MAX_PATHS,
    allow_different_years: bool = False,
    progress: bool | None = None,
) -> Comparison:
    """Compare scenarios against the first (the baseline) on common random numbers.

    Parameters
    ----------
    scenarios : sequence of Scenario
        The baseline first; at least two. A name given again is labelled ``NAME (2)``, ``NAME (3)``...
    paths, seed : int, optional
        Default: the baseline's ``[run]`` values.
    workers, dask
        As in :func:`sim.simulate`.
    precision : float, optional
        Add paths until every paired difference in ``p_reach_by_year`` has a 95%
        half-width at most this, or ``max_paths`` is reached.
    allow_different_years : bool
        Compare scenarios that differ in base year, target or horizon on the years they share.

    Returns
    -------
    Comparison
    """
    if len(scenarios) < 2:
        raise UsageError("compare needs a baseline and at least one other scenario")
    # a scenario given twice is compared with itself (exact zeros): the second is labelled NAME (2)
    names = []
    for k, s in enumerate(scenarios):
        repeat = [t.name for t in scenarios[:k]].count(s.name)
        names.append(s.name if repeat == 0 else f"{s.name} ({repeat + 1})")
    base = scenarios[0]
    years = common_years(scenarios, allow_different_years)
    seed = base.run.seed if seed is None else seed
    total = check_run_arguments(base, paths, precision, max_paths)
    cap = total or max_paths
    workers = default_workers() if workers is None else workers

    columns = [[s.years.index(y) for y in years] for s in scenarios]
    aggregators = [Aggregator(s.years, s.trade.target_usd_bn, s.trade.target_flow) for s in scenarios]
    paired = [_Paired(len(years)) for _ in scenarios[1:]]
    store = _TotalsStore(len(scenarios), cap, len(years))
    bar = ProgressBar(total, progress, f"{len(scenarios)} scenarios")

    flow = base.trade.target_flow

    def reached(values: np.ndarray, k: int) -> np.ndarray:
        return reached_by(values, scenarios[k].trade.target_usd_bn)[:, columns[k]]

    def on_chunk(start: int, stop: int, chunks: list[TradePaths]) -> bool:
        for agg, chunk in zip(aggregators, chunks, strict=True):
            agg.add(chunk)
        values = [chunk.flow(flow) for chunk in chunks]  # the flow the target is on (turnover unless a scenario says otherwise)
        base_total = values[0][:, columns[0]]
        base_reached = reached(values[0], 0)
        store.write(0, start, stop, base_total)
        for k, stats_k in enumerate(paired, start=1):
            total_k = values[k][:, columns[k]]
            stats_k.add(base_reached, reached(values[k], k), total_k - base_total)
            store.write(k, start, stop, total_k)
        bar.update(stop - start)
        if precision is None:
            return False
        if paired[0].n < MIN_PATHS_FOR_PRECISION:
            return paired[0].n >= cap
        worst = max(float(np.max(np.maximum(d - lo, hi - d))) for d, lo, hi in (p.reach() for p in paired))
        return worst <= precision or paired[0].n >= cap

    started = time.time()
    try:
        with open_executor(workers, dask) as (executor, slots):
            stream_chunks(executor, slots, compare_chunk, (list(scenarios), seed), chunk_ranges(cap), on_chunk)
    finally:
        bar.close()
    finished = time.time()
    n = aggregators[0].paths

    results = [run_results(s, agg, seed) for s, agg in zip(scenarios, aggregators, strict=True)]

    rows: list[tuple[str, str, int, float, float, float]] = []
    counts: list[tuple[str, int, int, int]] = []
    shifts: dict[str, int | None] = {}
    worst_half = 0.0
    for k, stats_k in enumerate(paired, start=1):
        name = names[k]
        reach = stats_k.reach()
        d, lo, hi = reach
        worst_half = max(worst_half, float(np.max(np.maximum(d - lo, hi - d))))
        for metric, (diff, low, high) in zip(METRICS, (reach, stats_k.mean_interval(), _median_difference(store, k, n)), strict=True):
            rows += [(name, metric, y, diff[i], low[i], high[i]) for i, y in enumerate(years)]
        counts += [(name, y, int(stats_k.counts[1, i]), int(stats_k.counts[2, i])) for i, y in enumerate(years)]
        p50_base, p50_other = results[0].hit_year.p50, results[k].hit_year.p50
        shifts[name] = None if p50_base is None or p50_other is None else p50_other - p50_base
    precision_met = None
    if precision is not None:
        precision_met = PairedPrecision(precision, worst_half, worst_half <= precision, cap, n >= cap and worst_half > precision)
    manifest = run_manifest(scenarios, seed, n, workers=workers, dask=dask, versions=package_versions(), started=started, finished=finished)
    return Comparison(
        results=tuple(results),
        scenarios=tuple(names),
        n_paths=n,
        seed=seed,
        years=tuple(years),
        differences=_difference_frame(rows),
        median_hit_year_shift=shifts,
        discordant_paths=_discordant_frame(counts),
        precision=precision_met,
        manifest=manifest,
    )
