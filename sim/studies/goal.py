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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine import reached_by
from ..results import to_json_ready
from ..results.results import number
from ..run import check_path_count, default_workers, open_executor, paths_on, study_manifest
from ..run.statistics import Z95, wilson_interval
from ..scenario import Scenario, ScenarioError
from .levers import lever

__all__ = ["GoalResult", "goal"]

GRID_POINTS = 9
BISECTIONS = 6


@dataclass(frozen=True, eq=False)
class GoalResult:
    """The answer of a goal search.

    Attributes
    ----------
    scenario : str
    lever : str
        Dotted path of the input moved; ``lever_mode`` ``"value"`` or ``"median"`` (see :mod:`sim.studies.levers`).
    year : int
        Target year.
    probability : float
        Wanted P(target reached by ``year``).
    value : float or None
        The setting found, in the lever's units (None when out of reach in ``range``), with its 95% interval ``ci95``.
    reachable : bool
    current : float or None
        The scenario's own setting.
    range : (float, float) or None
        The settings searched.
    paths, seed : int
        Paths per setting (the same paths for every setting) and root seed.
    target_usd_bn : float or None
        The target, USD bn a year.
    message : str
        The answer in one sentence.
    curve : pandas.DataFrame
        One row per setting tried, sorted: ``setting``, ``p_reach`` and its 95% interval ``ci95_low``, ``ci95_high``.
    manifest : dict
    """

    scenario: str
    lever: str
    lever_mode: str | None
    year: int
    probability: float
    value: float | None
    ci95: tuple[float, float] | None
    reachable: bool
    current: float | None
    range: tuple[float, float] | None
    paths: int
    seed: int
    target_usd_bn: float | None
    message: str
    curve: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``goal.json`` as a JSON-ready dict."""
        data = {name: getattr(self, name) for name in _JSON_FIELDS}
        data["curve"] = self.curve.to_numpy().tolist()
        return to_json_ready(data)

    @property
    def data(self) -> dict[str, Any]:
        """``goal.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> GoalResult:
        """A goal result from ``goal.json`` (keys of earlier versions it lacks are None)."""
        curve = [[number(v) for v in row] for row in data.get("curve") or []]
        fields = {name: data.get(name) for name in _JSON_FIELDS}
        for name in ("ci95", "range"):  # pairs of numbers
            fields[name] = None if fields[name] is None else (number(fields[name][0]), number(fields[name][1]))
        fields["message"] = fields["message"] or ""
        return cls(
            **fields,
            curve=pd.DataFrame(curve, columns=list(CURVE_COLUMNS), dtype=float).sort_values("setting", ignore_index=True),
            manifest=dict(manifest or {}),
        )

    def _repr_html_(self) -> str:
        """For notebooks: the answer and the probability at each setting tried."""
        cells = "".join(
            f"<tr><td>{r.setting:.4g}</td><td>{100 * r.p_reach:.1f}%</td><td>{100 * r.ci95_low:.1f}% to {100 * r.ci95_high:.1f}%</td></tr>"
            for r in self.curve.itertuples()
        )
        return (
            f"<div><b>{self.scenario}</b>, {self.lever}: {self.message}</div>"
            f"<table><tr><th>setting</th><th>P(reached by {self.year})</th><th>95% interval</th></tr>{cells}</table>"
        )


CURVE_COLUMNS = ("setting", "p_reach", "ci95_low", "ci95_high")
"""Columns of :attr:`GoalResult.curve` and of ``goal_curve.csv``."""
_JSON_FIELDS = tuple(f for f in GoalResult.__dataclass_fields__ if f not in ("curve", "manifest"))
"""The fields of ``goal.json`` before its curve, in its order."""


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
                cache[setting] = float(np.mean(reached_by(total, variant.trade.target_usd_bn)[:, k]))
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
    manifest = study_manifest(scenario, seed, started, finished)
    return GoalResult(
        scenario=scenario.name,
        lever=lev.path,
        lever_mode=lev.mode,
        year=year,
        probability=probability,
        value=value,
        ci95=None if ci is None else (ci[0], ci[1]),
        reachable=reachable,
        current=lev.current,
        range=(lev.low, lev.high),
        paths=paths,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        message=message,
        curve=pd.DataFrame(
            [[v, cache[v], float(lo_), float(hi_)] for v, lo_, hi_ in zip(settings, band_lo, band_hi, strict=True)],
            columns=list(CURVE_COLUMNS),
        ),
        manifest=manifest,
    )
