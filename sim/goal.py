"""Goal seeking: the value of one input at which the target is reached with a wanted probability.

The probability ``P(v)`` of reaching the target by year Y is estimated at
lever setting ``v`` from the same paths every time (common random numbers), so
it moves smoothly and, for a lever that helps trade, monotonically in ``v``.
The search first evaluates a grid over the lever's range (the curve shown in
the figure), then narrows the bracket that contains the wanted probability by
bisection. The uncertainty of the value found is that of ``P`` turned into
lever units by the local slope (the delta method):
``se(v) = se(P) / |dP/dv|``, with the slope from the final bracket, which
common random numbers make precise.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .levers import lever
from .run import check_path_count, default_workers, open_executor, paths_on, study_manifest
from .run.statistics import Z95, wilson_interval
from .scenario import Scenario, ScenarioError

__all__ = ["GoalResult", "goal"]

GRID_POINTS = 9
BISECTIONS = 6


@dataclass
class GoalResult:
    """The answer of a goal search; ``data`` is ``goal.json``."""

    data: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def value(self) -> float | None:
        return self.data["value"]

    def save(self, folder, *, force: bool = False, figures: bool = True):
        """Write ``goal.json``, ``goal_curve.csv``, the figure and ``manifest.json`` atomically."""
        import csv
        import json
        from pathlib import Path

        from .outputs import write_folder
        from .plots import save_goal_figure
        from .results import to_json_ready

        def write(tmp: Path) -> list[str]:
            (tmp / "goal.json").write_text(json.dumps(to_json_ready(self.data), indent=2) + "\n", encoding="utf-8")
            with open(tmp / "goal_curve.csv", "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["setting", "p_reach", "ci95_low", "ci95_high"])
                writer.writerows(to_json_ready(self.data["curve"]))
            names = ["goal.json", "goal_curve.csv"]
            if figures:
                names += save_goal_figure(to_json_ready(self.data), tmp)
            return names

        return write_folder(folder, write, to_json_ready(self.manifest), force=force)


def _search(lev, p_at, probability: float, paths: int):
    """Grid, then bisection inside the bracket; returns (value, ci95, reachable, grid probabilities, grid)."""
    grid = np.linspace(lev.low, lev.high, GRID_POINTS)
    ps = np.array([p_at(float(v)) for v in grid])
    increasing = ps[-1] >= ps[0]
    reachable = bool(ps.min() <= probability <= ps.max()) and ps[-1] != ps[0]
    if not reachable:
        return None, None, False, ps, grid
    above = ps >= probability if increasing else ps <= probability
    i = int(np.argmax(above))  # first grid point on the far side of the goal
    lo, hi = float(grid[max(i - 1, 0)]), float(grid[i])
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        if (p_at(mid) >= probability) == increasing:
            hi = mid
        else:
            lo = mid
    p_lo, p_hi = p_at(lo), p_at(hi)
    value = lo + (probability - p_lo) / (p_hi - p_lo) * (hi - lo) if p_hi != p_lo else 0.5 * (lo + hi)
    # slope near the value over one grid step, which common random numbers make a smooth estimate
    span = (lev.high - lev.low) / (GRID_POINTS - 1)
    a, b = max(lev.low, value - span / 2), min(lev.high, value + span / 2)
    slope = (p_at(b) - p_at(a)) / (b - a)
    se_p = math.sqrt(probability * (1 - probability) / paths)
    half = Z95 * se_p / abs(slope) if slope != 0 else math.inf
    return value, [value - half, value + half], True, ps, grid


def goal(
    scenario: Scenario,
    lever_path: str,
    year: int,
    probability: float,
    *,
    paths: int = 4000,
    low: float | None = None,
    high: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    dask: Any = None,
) -> GoalResult:
    """Find the lever setting at which ``P(target reached by year) = probability``.

    Parameters
    ----------
    scenario : Scenario
    lever_path : str
        Dotted path of the input, e.g. ``trade.growth.mean``. For a distribution
        the setting is its median; its spread is kept (see :mod:`sim.levers`).
    year : int
        Target year.
    probability : float
        Wanted probability, in (0, 1).
    paths : int
        Paths per evaluation (the same paths every time).
    low, high : float, optional
        The lever's valid range to search (default: a range around the current setting).

    Returns
    -------
    GoalResult
        ``value`` is None when the goal is out of reach within the range.
    """
    if not 0 < probability < 1:
        raise ScenarioError(scenario.source, [("--probability", f"must be between 0 and 1, e.g. 0.9 (got {probability})")])
    if year not in scenario.years:
        raise ScenarioError(
            scenario.source, [("--year", f"must be a simulated year, {scenario.years[0]} to {scenario.years[-1]} (got {year})")]
        )
    check_path_count(scenario, paths, "--paths")
    lev = lever(scenario, lever_path, low, high, keep_spread=True)
    seed = scenario.run.seed if seed is None else seed
    workers = default_workers() if workers is None else workers
    k = scenario.years.index(year)
    started = time.time()
    cache: dict[float, float] = {}

    with open_executor(workers, dask) as (executor, slots):

        def p_at(setting: float) -> float:
            if setting not in cache:
                variant = scenario.replace({lev.path: lev.change(scenario, setting)})
                total = paths_on(executor, slots, variant, paths, seed).flow(variant.trade.target_flow)
                cache[setting] = float(np.mean(np.any(total[:, : k + 1] >= variant.trade.target_usd_bn, axis=1)))
            return cache[setting]

        value, ci, reachable, ps, grid = _search(lev, p_at, probability, paths)
    if reachable:
        message = f"{lev.path} = {value:.4g} (95% interval {ci[0]:.4g} to {ci[1]:.4g}) gives P(target by {year}) = {probability:.0%}; the scenario has {lev.current:.4g}"
    else:
        message = (
            f"out of reach: within {lev.path} from {lev.low:.4g} to {lev.high:.4g}, P(target by {year}) stays between {ps.min():.1%} and {ps.max():.1%}, "
            f"never {probability:.0%}; widen the range with --range if a wider one is valid"
        )
    settings = sorted(cache)
    counts = np.array([round(cache[v] * paths) for v in settings])
    band_lo, band_hi = wilson_interval(counts, paths)
    finished = time.time()
    data = {
        "scenario": scenario.name,
        "lever": lev.path,
        "lever_mode": lev.mode,
        "year": year,
        "probability": probability,
        "value": value,
        "ci95": ci,
        "reachable": reachable,
        "current": lev.current,
        "range": [lev.low, lev.high],
        "paths": paths,
        "seed": seed,
        "target_usd_bn": scenario.trade.target_usd_bn,
        "message": message,
        "curve": [[v, cache[v], float(lo_), float(hi_)] for v, lo_, hi_ in zip(settings, band_lo, band_hi, strict=True)],
    }
    manifest = study_manifest(scenario, seed, started, finished)
    return GoalResult(data, manifest)
