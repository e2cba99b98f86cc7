"""What drives the outcome: Sobol indices, a tornado chart and scenario discovery.

**Sobol indices** (SALib: Saltelli's sampling scheme on a scrambled Sobol
sequence, Saltelli 2010 and Jansen estimators, bootstrap confidence
intervals). The model of one path is ``y = g(x, e)``: ``x`` the scenario
inputs moved as :class:`sim.levers.Lever` settings, ``e`` the path's own
randomness (yearly growth innovations, the projects drawn, shocks). ``e``
enters the design as one more input, *path randomness*, whose setting picks
the path index; rows that share it share ``e``, which is what the estimators
need. The outputs are the indicator "target reached by year Y" (so the
indices decompose the variance behind ``P(target by Y)``) and annual trade in
year Y. Related inputs are grouped (all sectors' trade coefficients, all
financiers' capacities...) so the indices read as answers.

**Tornado**: each group moved alone to its inputs' 10th and 90th percentiles,
every run on the same paths (common random numbers), so the bars are paired
differences in ``P(target by Y)`` with their intervals.

**Scenario discovery** (PRIM, :mod:`sim.studies.prim`): on the drawn inputs
of the scenario's own paths, boxes of input values in which the target is
missed by year Y.

The outcome is a typed :class:`Sensitivity` (:class:`Tornado` and
:class:`Discovery` inside, tables as DataFrames); ``to_json()`` gives
``sensitivity.json``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..engine import assemble_chunk, draw_path, reached_by, simulate_batches, simulate_path
from ..errors import UsageError
from ..results import to_json_ready
from ..results.results import number
from ..run import ProgressBar, check_path_count, default_workers, open_executor, paths_on, stream_chunks, study_manifest
from ..scenario import Scenario, ScenarioError
from .compare import newcombe_paired_interval
from .levers import Lever, default_levers
from .prim import Box, prim_boxes

__all__ = [
    "Discovery",
    "Sensitivity",
    "Tornado",
    "sensitivity",
    "evaluate_rows",
    "prim_boxes",
    "sobol_design",
    "sobol_indices",
    "discovery_features",
    "RANDOMNESS",
]

RANDOMNESS = "path randomness"
"""The group standing for each path's own random draws."""
ROWS_PER_TASK = 120


def evaluate_rows(base: Scenario, levers: Sequence[Lever], settings: np.ndarray, paths: np.ndarray, seed: int, year: int) -> np.ndarray:
    """Run one path per row with the levers at the row's settings.

    Parameters
    ----------
    settings : ndarray, shape (rows, len(levers))
    paths : ndarray of int, shape (rows,)
        Path index of each row (its random streams).

    Returns
    -------
    ndarray, shape (rows, 2)
        For each row: 1.0 if the target is reached by ``year`` else 0.0, and annual trade in ``year`` (USD bn).
    """
    out = np.empty((settings.shape[0], 2))
    k = base.years.index(year)
    for row, (setting, path) in enumerate(zip(settings, paths, strict=True)):
        s = base.replace({lev.path: lev.change(base, x) for lev, x in zip(levers, setting, strict=True)})
        x = draw_path(s, seed, int(path))
        total = assemble_chunk(s, [x], [simulate_path(s, x)]).flow(s.trade.target_flow)[0]
        out[row] = (float(reached_by(total, s.trade.target_usd_bn)[k]), total[k])
    return out


def discovery_features(s: Scenario, seed: int, year: int, start: int, stop: int) -> tuple[list[str], np.ndarray]:
    """The drawn inputs of paths ``start..stop-1`` that matter for reaching the target, and the outcome.

    Returns the feature names and an array of shape ``(paths, features + 1)``
    whose last column is 1.0 when the target is missed by ``year``.
    """
    k = s.years.index(year)
    horizon = float(len(s.years))
    links = [
        j
        for j, p in enumerate(s.pipeline.projects if s.pipeline else [])
        if not (p.trade_level_uplift.is_fixed and p.trade_level_uplift.value == 0)
    ]  # type: ignore[attr-defined]
    mix = np.array([s.pipeline.sector_mix.get(n, 0.0) for n in s.pipeline.sectors]) if s.pipeline else np.empty(0)
    names = [f"realised organic growth to {year} (log a year)", f"financing capacity to {year} (USD bn a year)"]
    if mix.sum() > 0:
        names.append("trade per USD of capex (exports plus imports), mix-weighted")
    names += [f"{s.pipeline.projects[j].name} completion year" for j in links]  # type: ignore[union-attr]
    if s.shocks:
        names.append(f"shocks by {year}")
    rows = []
    for xs, logs, batch in simulate_batches(s, seed, start, stop):
        for x, log, organic, total in zip(xs, logs, batch.by_component[:, k, 0], batch.flow(s.trade.target_flow), strict=True):
            row = [math.log(organic / s.trade.base_usd_bn) / (k + 1), float(x.capacity_usd_bn[:, : k + 1].sum()) / (k + 1)]
            if mix.sum() > 0:
                row.append(float(mix @ (x.sector_exports_per_capex + x.sector_imports_per_capex) / mix.sum()))
            row += [min(float(log.flagship_end[j]), horizon) + s.start_year for j in links]
            if s.shocks:
                row.append(float(np.sum(log.shock_time < k + 1)))
            row.append(float(not reached_by(total, s.trade.target_usd_bn)[k]))
            rows.append(row)
    return names, np.array(rows)


def _discovery_task(s: Scenario, seed: int, year: int, start: int, stop: int) -> np.ndarray:
    return discovery_features(s, seed, year, start, stop)[1]


def _rows_task(
    base: Scenario, levers: Sequence[Lever], settings: np.ndarray, paths: np.ndarray, seed: int, year: int, start: int, stop: int
) -> np.ndarray:
    return evaluate_rows(base, levers, settings[start:stop], paths[start:stop], seed, year)


# ---------------------------------------------------------------- the analysis


INPUT_COLUMNS = ("path", "group", "low", "high", "mode", "p10", "p90")
"""Columns of :attr:`Sensitivity.inputs`: each lever's dotted path, group, range, mode and tornado settings."""
SOBOL_COLUMNS = ("output", "group", "index", "value", "ci95_low", "ci95_high")
"""Columns of :attr:`Sensitivity.sobol` and of ``sobol_indices.csv``."""
TORNADO_COLUMNS = ("group", "p_low", "diff_low", "p_high", "diff_high", "swing")
"""Columns of ``tornado.csv`` (:meth:`Sensitivity.tornado_table`)."""


def _pair(value: Any) -> tuple[float, float]:
    """``[low, high]`` as floats (NaN for a missing pair or bound)."""
    low, high = value or (None, None)
    return number(low), number(high)


@dataclass(frozen=True, eq=False)
class Tornado:
    """Each input group moved alone to its inputs' 10th and 90th percentiles, on common random numbers.

    Attributes
    ----------
    year : int
        The target year.
    paths : int
        Paths per run.
    p_base : float
        P(target reached by ``year``) of the scenario as it is.
    bars : pandas.DataFrame
        One row per group, largest swing first: ``group``, ``inputs`` (tuple of
        dotted paths), ``p_low``, ``diff_low`` (paired difference from ``p_base``)
        with ``diff_low_ci95_low``, ``diff_low_ci95_high``, the same for ``high``, and ``swing``.
    """

    year: int
    paths: int
    p_base: float
    bars: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        bars = []
        for r in self.bars.itertuples():
            bar: dict[str, Any] = {"group": r.group, "inputs": list(r.inputs)}
            for side in ("low", "high"):
                bar[f"p_{side}"] = getattr(r, f"p_{side}")
                bar[f"diff_{side}"] = getattr(r, f"diff_{side}")
                bar[f"diff_{side}_ci95"] = [getattr(r, f"diff_{side}_ci95_low"), getattr(r, f"diff_{side}_ci95_high")]
            bar["swing"] = r.swing
            bars.append(bar)
        return {"year": self.year, "paths": self.paths, "p_base": self.p_base, "bars": bars}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tornado:
        rows = []
        for bar in data["bars"]:
            row: dict[str, Any] = {"group": bar["group"], "inputs": tuple(bar.get("inputs") or ())}
            for side in ("low", "high"):
                row[f"p_{side}"] = number(bar.get(f"p_{side}"))
                row[f"diff_{side}"] = number(bar.get(f"diff_{side}"))
                row[f"diff_{side}_ci95_low"], row[f"diff_{side}_ci95_high"] = _pair(bar.get(f"diff_{side}_ci95"))
            row["swing"] = number(bar.get("swing"))
            rows.append(row)
        return cls(int(data["year"]), int(data["paths"]), number(data["p_base"]), _bars_frame(rows))


_BAR_COLUMNS = [
    "group",
    "inputs",
    "p_low",
    "diff_low",
    "diff_low_ci95_low",
    "diff_low_ci95_high",
    "p_high",
    "diff_high",
    "diff_high_ci95_low",
    "diff_high_ci95_high",
    "swing",
]
"""Columns of :attr:`Tornado.bars`."""


def _bars_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Tornado bars as a DataFrame, numbers as floats even when there are no bars."""
    return pd.DataFrame(rows, columns=_BAR_COLUMNS).astype(dict.fromkeys(_BAR_COLUMNS[2:], float))


@dataclass(frozen=True, eq=False)
class Discovery:
    """Scenario discovery on the scenario's own paths.

    Attributes
    ----------
    method : str
        ``"PRIM"``.
    rows : int
        Paths explained.
    share_missed : float
        Share of them missing the target by the year.
    features : pandas.DataFrame
        The paths' drawn inputs, one column per feature, shape ``(rows, features)`` (empty when not kept).
    missed : numpy.ndarray of bool, shape (rows,)
        Whether each path misses the target.
    boxes : tuple of Box
        Where the misses concentrate, in the order found.
    """

    method: str
    rows: int
    share_missed: float
    features: pd.DataFrame
    missed: np.ndarray
    boxes: tuple[Box, ...]

    def __post_init__(self) -> None:
        if len(self.features.columns) and len(self.features) != self.missed.size:
            raise UsageError(f"discovery features and 'missed' differ in length: {sorted({len(self.features), self.missed.size})}")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rows": self.rows,
            "share_missed": self.share_missed,
            "features": {name: self.features[name].tolist() for name in self.features.columns},
            "missed": self.missed.tolist(),
            "boxes": [
                {
                    "limits": {k: list(v) for k, v in b.limits.items()},
                    "coverage": b.coverage,
                    "density": b.density,
                    "support": b.support,
                    "text": b.text,
                }
                for b in self.boxes
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Discovery:
        """From the ``discovery`` entry of ``sensitivity.json``; an open side of a box (null or infinite) is infinite."""
        features = data.get("features") or {}
        boxes = tuple(
            Box(
                limits={k: (_bound(v, 0, -math.inf), _bound(v, 1, math.inf)) for k, v in (b.get("limits") or {}).items()},
                coverage=number(b.get("coverage")),
                density=number(b.get("density")),
                support=number(b.get("support")),
                text=b.get("text") or "",
            )
            for b in data.get("boxes") or []
        )
        lengths = {len(v) for v in features.values()}
        if len(lengths) > 1:
            raise UsageError(f"discovery features differ in length: {sorted(lengths)}")
        return cls(
            method=data.get("method", "PRIM"),
            rows=int(data.get("rows") or 0),
            share_missed=number(data.get("share_missed")),
            features=pd.DataFrame({k: np.array([number(x) for x in v], dtype=float) for k, v in features.items()}),
            missed=np.array([bool(m) for m in data.get("missed") or []], dtype=bool),
            boxes=boxes,
        )


def _bound(pair: Any, side: int, open_end: float) -> float:
    """One bound of a box side; a missing pair or a null bound is the open end."""
    value = number(pair[side]) if pair else math.nan
    return open_end if math.isnan(value) else value


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Sobol indices, tornado bars and discovered boxes of a scenario.

    Attributes
    ----------
    scenario, scenario_sha256 : str
    year, seed : int
        The target year and root seed.
    target_usd_bn : float
        The target, USD bn a year.
    inputs : pandas.DataFrame
        The levers moved: ``path``, ``group``, ``low``, ``high``, ``mode``, ``p10``, ``p90``.
    design_rows : int
        Rows of the Saltelli design, one path each.
    p_reach_in_design : float
        Share of the design's rows that reach the target.
    sobol : pandas.DataFrame
        Long table (:data:`SOBOL_COLUMNS`): output, group, index (``first_order`` or ``total``), value, ci95_low, ci95_high.
    tornado : Tornado
    discovery : Discovery
    manifest : dict
    """

    scenario: str
    scenario_sha256: str
    year: int
    seed: int
    target_usd_bn: float
    inputs: pd.DataFrame
    design_rows: int
    p_reach_in_design: float
    sobol: pd.DataFrame
    tornado: Tornado
    discovery: Discovery
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        """The outputs with Sobol indices, in order (``reached_by_YEAR``, ``trade_YEAR_usd_bn``)."""
        return list(dict.fromkeys(self.sobol["output"]))

    def indices(self, output: str) -> pd.DataFrame:
        """One output's indices: indexed by group (in order), columns ``first_order``, ``first_order_ci95_low`` ... ``total_ci95_high``."""
        rows = self.sobol[self.sobol["output"] == output]
        wide = rows.pivot(index="group", columns="index", values=["value", "ci95_low", "ci95_high"])
        wide.columns = [f"{index}" if what == "value" else f"{index}_{what}" for what, index in wide.columns]
        return wide.reindex(list(dict.fromkeys(rows["group"])))

    def first_order_sum(self, output: str) -> float:
        """Sum of one output's first-order indices (the rest of the variance comes from interactions)."""
        values = self.sobol[(self.sobol["output"] == output) & (self.sobol["index"] == "first_order")]["value"]
        return float(sum(values.tolist()))

    # -- the edge ---------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """``sensitivity.json`` as a JSON-ready dict."""
        sobol: dict[str, Any] = {}
        for r in self.sobol.itertuples():
            sobol.setdefault(r.output, {}).setdefault(r.group, {})[r.index] = {"value": r.value, "ci95": [r.ci95_low, r.ci95_high]}
        data = {
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "year": self.year,
            "seed": self.seed,
            "target_usd_bn": self.target_usd_bn,
            "inputs": self.inputs.to_dict("records"),
            "design_rows": self.design_rows,
            "p_reach_in_design": self.p_reach_in_design,
            "sobol": sobol,
            "sobol_sums": {out: {"first_order": self.first_order_sum(out)} for out in self.outputs},
            "tornado": self.tornado.to_json(),
            "discovery": self.discovery.to_json(),
        }
        return to_json_ready(data)

    @property
    def data(self) -> dict[str, Any]:
        """``sensitivity.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> Sensitivity:
        """A sensitivity study from ``sensitivity.json`` (missing numbers are NaN)."""
        sobol = [
            (output, group, index, number((e.get(index) or {}).get("value")), *_pair((e.get(index) or {}).get("ci95")))
            for output, table in data["sobol"].items()
            for group, e in table.items()
            for index in ("first_order", "total")
        ]
        return cls(
            scenario=data["scenario"],
            scenario_sha256=data["scenario_sha256"],
            year=int(data["year"]),
            seed=int(data["seed"]),
            target_usd_bn=number(data["target_usd_bn"]),
            inputs=pd.DataFrame(data["inputs"], columns=list(INPUT_COLUMNS)),
            design_rows=int(data["design_rows"]),
            p_reach_in_design=number(data["p_reach_in_design"]),
            sobol=pd.DataFrame(sobol, columns=list(SOBOL_COLUMNS)),
            tornado=Tornado.from_json(data["tornado"]),
            discovery=Discovery.from_json(data["discovery"]),
            manifest=dict(manifest or {}),
        )

    # -- tables ---------------------------------------------------------
    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows of the indices: output, group, index, value, interval."""
        return self.sobol.to_dict("records")

    def table(self) -> pd.DataFrame:
        """The Sobol indices as a ``pandas.DataFrame``: output, group, index, value, ci95_low, ci95_high."""
        return self.sobol.copy()

    def tornado_table(self) -> pd.DataFrame:
        """The tornado bars as a ``pandas.DataFrame``, largest swing first (:data:`TORNADO_COLUMNS`)."""
        return self.tornado.bars[list(TORNADO_COLUMNS)].copy()

    def _repr_html_(self) -> str:
        """For notebooks: the base probability and each group's Sobol total index and tornado swing."""
        output = self.outputs[0] if self.outputs else None
        totals = self.indices(output)["total"] if output else pd.Series(dtype=float)
        cells = "".join(
            f"<tr><td>{r.group}</td><td>{totals.get(r.group, math.nan):.2f}</td><td>{100 * r.diff_low:+.1f}</td><td>{100 * r.diff_high:+.1f}</td></tr>"
            for r in self.tornado.bars.itertuples()
        )
        return (
            f"<div><b>{self.scenario}</b>: P(target {self.target_usd_bn:g} USD bn reached by {self.year}) = {100 * self.tornado.p_base:.1f}%; "
            f"{len(self.discovery.boxes)} PRIM box(es) where it is missed.</div>"
            f"<table><tr><th>input group</th><th>Sobol total index</th><th>at 10th pct., points</th><th>at 90th pct., points</th></tr>{cells}</table>"
        )


def sobol_design(problem: dict[str, Any], base_rows: int, seed: int) -> np.ndarray:
    """Saltelli's design on a scrambled Sobol sequence (SALib), shape ``(N * (groups + 2), inputs)``."""
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, base_rows, calc_second_order=False, seed=seed % (2**32))


def sobol_indices(problem: dict[str, Any], y: np.ndarray, seed: int) -> dict[str, Any]:
    """First-order and total indices by group with 95% bootstrap intervals (SALib, 200 resamples)."""
    from SALib.analyze import sobol as sobol_analyze

    groups = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    if np.var(y) == 0:
        zero = {"value": 0.0, "ci95": [0.0, 0.0]}
        return {g: {"first_order": dict(zero), "total": dict(zero)} for g in groups}
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200, seed=seed % (2**32))
    return {
        g: {
            "first_order": {
                "value": float(res["S1"][i]),
                "ci95": [float(res["S1"][i] - res["S1_conf"][i]), float(res["S1"][i] + res["S1_conf"][i])],
            },
            "total": {
                "value": float(res["ST"][i]),
                "ci95": [float(res["ST"][i] - res["ST_conf"][i]), float(res["ST"][i] + res["ST_conf"][i])],
            },
        }
        for i, g in enumerate(groups)
    }


def _run_rows(base, levers, settings, paths, seed, year, workers, dask, progress, label) -> np.ndarray:
    parts: list[np.ndarray] = []
    bar = ProgressBar(settings.shape[0], progress, label)

    def keep(start: int, stop: int, result: np.ndarray) -> bool:
        parts.append(result)
        bar.update(stop - start)
        return False

    ranges = ((a, min(a + ROWS_PER_TASK, settings.shape[0])) for a in range(0, settings.shape[0], ROWS_PER_TASK))
    try:
        with open_executor(workers, dask) as (executor, slots):
            stream_chunks(executor, slots, _rows_task, (base, list(levers), settings, paths, seed, year), ranges, keep)
    finally:
        bar.close()
    return np.concatenate(parts, axis=0)


def _tornado(base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int, workers: int, dask: Any) -> Tornado:
    with open_executor(workers, dask) as (executor, slots):
        return _tornado_on(executor, slots, base, levers, year, paths, seed)


def _tornado_on(executor, slots: int, base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int) -> Tornado:
    k = base.years.index(year)

    def reached(s: Scenario) -> np.ndarray:
        total = paths_on(executor, slots, s, paths, seed).flow(s.trade.target_flow)
        return reached_by(total, s.trade.target_usd_bn)[:, k]

    baseline = reached(base)
    bars = []
    for group in dict.fromkeys(lev.group for lev in levers):
        members = [lev for lev in levers if lev.group == group]
        entry: dict[str, Any] = {"group": group, "inputs": tuple(lev.path for lev in members)}
        for side, attr in (("low", "p10"), ("high", "p90")):
            moved = reached(base.replace({lev.path: lev.change(base, getattr(lev, attr)) for lev in members}))
            counts = [np.sum(baseline & moved), np.sum(baseline & ~moved), np.sum(~baseline & moved), np.sum(~baseline & ~moved)]
            diff, lo, hi = newcombe_paired_interval(*(np.array([c]) for c in counts))
            entry[f"p_{side}"] = float(moved.mean())
            entry[f"diff_{side}"], entry[f"diff_{side}_ci95_low"], entry[f"diff_{side}_ci95_high"] = (
                float(diff[0]),
                float(lo[0]),
                float(hi[0]),
            )
        entry["swing"] = abs(entry["diff_high"] - entry["diff_low"])
        bars.append(entry)
    bars.sort(key=lambda e: -e["swing"])
    return Tornado(year, paths, float(baseline.mean()), _bars_frame(bars))


def sensitivity(
    scenario: Scenario,
    year: int | None = None,
    *,
    base_rows: int = 512,
    tornado_paths: int = 1000,
    discovery_paths: int = 4000,
    levers: Sequence[Lever] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    dask: Any = None,
    progress: bool | None = None,
) -> Sensitivity:
    """Sobol indices, tornado and scenario discovery for ``P(target reached by year)``.

    Parameters
    ----------
    scenario : Scenario
    year : int, optional
        The target year (default 2030, or the horizon if earlier).
    base_rows : int
        Sobol base sample size N; the design has ``N * (groups + 2)`` rows, one path each.
    tornado_paths : int
        Paths per tornado run (each group twice, plus the baseline).
    discovery_paths : int
        Paths of the scenario whose drawn inputs scenario discovery explains.
    levers : sequence of Lever, optional
        Inputs to vary; default :func:`sim.levers.default_levers`.
    """
    year = min(2030, scenario.run.horizon_year) if year is None else year
    if year not in scenario.years:
        raise ScenarioError(
            scenario.source, [("--year", f"must be a simulated year, {scenario.years[0]} to {scenario.years[-1]} (got {year})")]
        )
    check_path_count(scenario, base_rows, "--base-rows")
    check_path_count(scenario, tornado_paths, "--tornado-paths")
    check_path_count(scenario, discovery_paths, "--discovery-paths")
    seed = scenario.run.seed if seed is None else seed
    workers = default_workers() if workers is None else workers
    levers = list(default_levers(scenario) if levers is None else levers)
    started = time.time()

    names = [lev.path for lev in levers] + [RANDOMNESS]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[lev.low, lev.high] for lev in levers] + [[0.0, 1.0]],
        "groups": [lev.group for lev in levers] + [RANDOMNESS],
    }
    design = sobol_design(problem, base_rows, seed)
    path_index = np.floor(design[:, -1] * 2**40).astype(np.int64)
    outputs = _run_rows(scenario, levers, design[:, :-1], path_index, seed, year, workers, dask, progress, "sensitivity")

    sobol = [
        (output, group, index, e[index]["value"], *e[index]["ci95"])
        for column, output in ((0, f"reached_by_{year}"), (1, f"trade_{year}_usd_bn"))
        for group, e in sobol_indices(problem, outputs[:, column], seed).items()
        for index in ("first_order", "total")
    ]

    # scenario discovery on the paths' own drawn inputs
    feature_names = discovery_features(scenario, seed, year, 0, 1)[0]
    parts: list[np.ndarray] = []
    with open_executor(workers, dask) as (executor, slots):
        stream_chunks(
            executor,
            slots,
            _discovery_task,
            (scenario, seed, year),
            ((a, min(a + 250, discovery_paths)) for a in range(0, discovery_paths, 250)),
            lambda a, b, r: parts.append(r) or False,
        )
    table = np.concatenate(parts, axis=0)
    features, missed = table[:, :-1], table[:, -1] == 1.0
    boxes = prim_boxes(features, missed, feature_names) if 0 < missed.sum() < missed.size else []

    tornado = _tornado(scenario, levers, year, tornado_paths, seed, workers, dask)
    finished = time.time()
    return Sensitivity(
        scenario=scenario.name,
        scenario_sha256=scenario.sha256,
        year=year,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        inputs=pd.DataFrame(
            [(lev.path, lev.group, lev.low, lev.high, lev.mode, lev.p10, lev.p90) for lev in levers],
            columns=list(INPUT_COLUMNS),
        ),
        design_rows=int(design.shape[0]),
        p_reach_in_design=float(outputs[:, 0].mean()),
        sobol=pd.DataFrame(sobol, columns=list(SOBOL_COLUMNS)),
        tornado=tornado,
        discovery=Discovery(
            method="PRIM",
            rows=int(missed.size),
            share_missed=float(missed.mean()),
            features=pd.DataFrame(features, columns=feature_names),
            missed=missed,
            boxes=tuple(replace(b, text=b.describe(year)) for b in boxes),
        ),
        manifest=study_manifest(scenario, seed, started, finished),
    )
