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

**Scenario discovery** (PRIM, the patient rule induction method of Friedman
and Fisher, 1999): on the Sobol design's independent rows, boxes of input
values in which the target is missed by year Y. PRIM was chosen because its
boxes read as rules an analyst can say in one sentence ("growth below 5% and
the railway after 2031"), it trades coverage against density openly along its
peeling trajectory, and it is the method of the scenario-discovery literature
(Bryant and Lempert, 2010). Each box is simplified by dropping restrictions
that do not raise its density.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compare import newcombe_paired_interval
from .engine import assemble_chunk, draw_path, simulate_path
from .levers import Lever, default_levers
from .run import ProgressBar, check_path_count, default_workers, open_executor, paths_on, stream_chunks, study_manifest
from .scenario import Scenario, ScenarioError

__all__ = ["Sensitivity", "sensitivity", "evaluate_rows", "prim_boxes", "sobol_design", "sobol_indices", "discovery_features", "RANDOMNESS"]

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
        out[row] = (float(np.any(total[: k + 1] >= s.trade.target_usd_bn)), total[k])
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
    for path in range(start, stop):
        x = draw_path(s, seed, path)
        log = simulate_path(s, x)
        paths = assemble_chunk(s, [x], [log])
        organic = paths.by_component[0, k, 0]
        total = paths.flow(s.trade.target_flow)[0]
        row = [math.log(organic / s.trade.base_usd_bn) / (k + 1), float(x.capacity_usd_bn[:, : k + 1].sum()) / (k + 1)]
        if mix.sum() > 0:
            row.append(float(mix @ (x.sector_exports_per_capex + x.sector_imports_per_capex) / mix.sum()))
        row += [min(float(log.flagship_end[j]), horizon) + s.start_year for j in links]
        if s.shocks:
            row.append(float(np.sum(log.shock_time < k + 1)))
        row.append(float(not np.any(total[: k + 1] >= s.trade.target_usd_bn)))
        rows.append(row)
    return names, np.array(rows)


def _discovery_task(s: Scenario, seed: int, year: int, start: int, stop: int) -> np.ndarray:
    return discovery_features(s, seed, year, start, stop)[1]


def _rows_task(
    base: Scenario, levers: Sequence[Lever], settings: np.ndarray, paths: np.ndarray, seed: int, year: int, start: int, stop: int
) -> np.ndarray:
    return evaluate_rows(base, levers, settings[start:stop], paths[start:stop], seed, year)


# ---------------------------------------------------------------- PRIM


@dataclass(frozen=True)
class Box:
    """A box of input values: ``limits[path] = (low, high)`` for the restricted inputs only."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float

    def describe(self, year: int) -> str:
        rules = []
        for path, (lo, hi) in self.limits.items():
            if math.isfinite(lo) and math.isfinite(hi):
                rules.append(f"{path} between {lo:.4g} and {hi:.4g}")
            elif math.isfinite(hi):
                rules.append(f"{path} below {hi:.4g}")
            else:
                rules.append(f"{path} above {lo:.4g}")
        return (
            " and ".join(rules)
            + f": target missed by {year} in {self.density:.0%} of such paths ({self.support:.0%} of all paths), covering {self.coverage:.0%} of all misses"
        )


def _inside(x: np.ndarray, limits: dict[int, tuple[float, float]]) -> np.ndarray:
    keep = np.ones(x.shape[0], dtype=bool)
    for d, (lo, hi) in limits.items():
        keep &= (x[:, d] >= lo) & (x[:, d] <= hi)
    return keep


def _peel(x: np.ndarray, y: np.ndarray, alpha: float, min_support: float) -> list[tuple[dict[int, tuple[float, float]], np.ndarray]]:
    """PRIM's peeling trajectory: each step removes the ``alpha`` slice that most raises the density of ``y``."""
    limits: dict[int, tuple[float, float]] = {}
    inside = np.ones(x.shape[0], dtype=bool)
    trajectory = [(dict(limits), inside)]
    while inside.mean() > min_support:
        best = None
        for d in range(x.shape[1]):
            values = x[inside, d]
            lo, hi = limits.get(d, (-math.inf, math.inf))
            for side, cut in (("low", np.quantile(values, alpha)), ("high", np.quantile(values, 1 - alpha))):
                new = inside & (x[:, d] >= cut) if side == "low" else inside & (x[:, d] <= cut)
                if new.sum() in (0, inside.sum()):
                    continue
                density = y[new].mean()
                if best is None or density > best[0]:
                    best = (density, d, (cut, hi) if side == "low" else (lo, cut), new)
        if best is None:
            break
        _, d, bounds, inside = best
        limits[d] = bounds
        trajectory.append((dict(limits), inside))
    return trajectory


def prim_boxes(
    x: np.ndarray,
    missed: np.ndarray,
    names: Sequence[str],
    boxes: int = 2,
    alpha: float = 0.05,
    min_coverage: float = 0.3,
    max_rules: int = 3,
) -> list[Box]:
    """Up to ``boxes`` PRIM boxes where the target is missed, each on the misses not yet covered.

    On each trajectory the box kept is the densest one still covering at least
    ``min_coverage`` of the misses it could cover. Then, so the box reads as a
    rule, restrictions are dropped while dropping one costs less than a point
    of density, and at most ``max_rules`` are kept (those whose removal would
    cost the most density).
    """
    total_misses = missed.sum()
    out: list[Box] = []
    remaining = np.ones(x.shape[0], dtype=bool)
    for _ in range(boxes):
        if missed[remaining].sum() < 10:
            break
        xs, ys = x[remaining], missed[remaining]
        trajectory = _peel(xs, ys, alpha, min_support=0.02)
        candidates = [(ys[inside].mean(), limits, inside) for limits, inside in trajectory if ys[inside].sum() >= min_coverage * ys.sum()]
        density, limits, inside = max(candidates, key=lambda c: c[0])
        for d in list(limits):
            trial = {k: v for k, v in limits.items() if k != d}
            within = _inside(xs, trial)
            if ys[within].mean() >= density - 0.01:
                limits, density = trial, ys[within].mean()
        while len(limits) > max_rules:
            cost = {d: density - ys[_inside(xs, {k: v for k, v in limits.items() if k != d})].mean() for d in limits}
            weakest = min(cost, key=cost.get)
            limits = {k: v for k, v in limits.items() if k != weakest}
            density = ys[_inside(xs, limits)].mean()
        if not limits:
            break
        in_box = _inside(x, limits) & remaining
        out.append(
            Box(
                limits={names[d]: limits[d] for d in sorted(limits)},
                coverage=float(missed[in_box].sum() / total_misses),
                density=float(missed[in_box].mean()),
                support=float(in_box.mean()),
            )
        )
        remaining &= ~in_box
    return out


# ---------------------------------------------------------------- the analysis


class Sensitivity:
    """Sobol indices, tornado bars and discovered boxes of a scenario. ``data`` is ``sensitivity.json``."""

    def __init__(self, data: dict[str, Any], manifest: dict[str, Any]):
        self.data = data
        self.manifest = manifest

    def table(self) -> Any:
        """The Sobol indices as a ``pandas.DataFrame``: output, group, index, value, ci95_low, ci95_high."""
        import pandas as pd

        return pd.DataFrame(self.rows())

    def tornado_table(self) -> Any:
        """The tornado bars as a ``pandas.DataFrame``, largest swing first."""
        import pandas as pd

        return pd.DataFrame([{k: v for k, v in bar.items() if not isinstance(v, list)} for bar in self.data["tornado"]["bars"]])

    def rows(self) -> list[dict[str, Any]]:
        """Tidy rows of the indices: output, group, index, value, interval."""
        out = []
        for output, table in self.data["sobol"].items():
            for group, e in table.items():
                for index in ("first_order", "total"):
                    v = e[index]
                    out.append(
                        {
                            "output": output,
                            "group": group,
                            "index": index,
                            "value": v["value"],
                            "ci95_low": v["ci95"][0],
                            "ci95_high": v["ci95"][1],
                        }
                    )
        return out

    def save(self, folder, *, force: bool = False, figures: bool = True):
        """Write ``sensitivity.json``, ``sobol_indices.csv``, ``tornado.csv``, the figures and ``manifest.json``."""
        import json
        from pathlib import Path

        from .outputs import write_folder
        from .plots import save_sensitivity_figures
        from .results import to_json_ready, write_table

        def write(tmp: Path) -> list[str]:
            (tmp / "sensitivity.json").write_text(json.dumps(to_json_ready(self.data), indent=2) + "\n", encoding="utf-8")
            for name, rows in (("sobol_indices.csv", self.rows()), ("tornado.csv", self.data["tornado"]["bars"])):
                write_table(tmp / name, [{k: v for k, v in r.items() if not isinstance(v, (list, dict))} for r in rows])
            names = ["sensitivity.json", "sobol_indices.csv", "tornado.csv"]
            if figures:
                names += save_sensitivity_figures(to_json_ready(self.data), tmp)
            return names

        return write_folder(folder, write, to_json_ready(self.manifest), force=force)


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


def _tornado(base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int, workers: int, dask: Any) -> dict[str, Any]:
    with open_executor(workers, dask) as (executor, slots):
        return _tornado_on(executor, slots, base, levers, year, paths, seed)


def _tornado_on(executor, slots: int, base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int) -> dict[str, Any]:
    k = base.years.index(year)

    def reached(s: Scenario) -> np.ndarray:
        total = paths_on(executor, slots, s, paths, seed).flow(s.trade.target_flow)
        return np.any(total[:, : k + 1] >= s.trade.target_usd_bn, axis=1)

    baseline = reached(base)
    bars = []
    for group in dict.fromkeys(lev.group for lev in levers):
        members = [lev for lev in levers if lev.group == group]
        entry: dict[str, Any] = {"group": group, "inputs": [lev.path for lev in members]}
        for side, attr in (("low", "p10"), ("high", "p90")):
            moved = reached(base.replace({lev.path: lev.change(base, getattr(lev, attr)) for lev in members}))
            counts = [np.sum(baseline & moved), np.sum(baseline & ~moved), np.sum(~baseline & moved), np.sum(~baseline & ~moved)]
            diff, lo, hi = newcombe_paired_interval(*(np.array([c]) for c in counts))
            entry[f"p_{side}"] = float(moved.mean())
            entry[f"diff_{side}"], entry[f"diff_{side}_ci95"] = float(diff[0]), [float(lo[0]), float(hi[0])]
        entry["swing"] = abs(entry["diff_high"] - entry["diff_low"])
        bars.append(entry)
    bars.sort(key=lambda e: -e["swing"])
    return {"year": year, "paths": paths, "p_base": float(baseline.mean()), "bars": bars}


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

    sobol = {
        output: sobol_indices(problem, outputs[:, column], seed)
        for column, output in ((0, f"reached_by_{year}"), (1, f"trade_{year}_usd_bn"))
    }

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
    data = {
        "scenario": scenario.name,
        "scenario_sha256": scenario.sha256,
        "year": year,
        "seed": seed,
        "target_usd_bn": scenario.trade.target_usd_bn,
        "inputs": [
            {"path": lev.path, "group": lev.group, "low": lev.low, "high": lev.high, "mode": lev.mode, "p10": lev.p10, "p90": lev.p90}
            for lev in levers
        ],
        "design_rows": int(design.shape[0]),
        "p_reach_in_design": float(outputs[:, 0].mean()),
        "sobol": sobol,
        "sobol_sums": {out: {"first_order": float(sum(e["first_order"]["value"] for e in t.values()))} for out, t in sobol.items()},
        "tornado": tornado,
        "discovery": {
            "method": "PRIM",
            "rows": int(missed.size),
            "share_missed": float(missed.mean()),
            "features": {name: features[:, i].tolist() for i, name in enumerate(feature_names)},
            "missed": missed.tolist(),
            "boxes": [
                {
                    "limits": {k: list(v) for k, v in b.limits.items()},
                    "coverage": b.coverage,
                    "density": b.density,
                    "support": b.support,
                    "text": b.describe(year),
                }
                for b in boxes
            ],
        },
    }
    manifest = study_manifest(scenario, seed, started, finished)
    return Sensitivity(data, manifest)
