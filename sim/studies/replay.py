"""Projects on the record: the portfolio replayed over the years the record covers, and its flows fitted to it.

The reference's project flows are changes from the base year, never confronted
with the years before it. The replay runs the same portfolio over
``first``-``last`` (2017-2025 by default) through the engine itself
(:func:`~sim.engine.sampling.draw_paths`, :func:`~sim.engine.model.simulate_path`,
:func:`~sim.engine.flows.project_cumulative`) on a **replay variant** of the
scenario (:func:`replay_scenario`):

* the start moves back to ``first`` (base year ``first - 1``), the horizon to ``last``;
* the pipeline launches at the rate the scenario's facts state, run backwards:
  ``launches_per_year`` is the rate of the scenario's base year (64 realised in
  2024 for the reference), ``launch_trend`` its yearly log-growth, and the
  warm-up launches run before ``first`` as before the scenario's start;
* launches are realised launches (the record's 64 a year are projects that went
  ahead): every lender's capacity is unlimited, so a launch is financed when it
  asks; the backlog (agreed after the base year) and named projects still
  awaiting finance at the scenario's start are left out; named projects building
  or operating keep their real dates;
* the sector coefficients are drawn as in the scenario's own run (the same
  streams: path ``i`` of the replay has the coefficients of path ``i`` of a run on
  the same seed), and ``[pipeline.flow_scale]`` is dropped: the replay measures
  the coefficients as drawn; measures and shocks are left out (no project flow).

Each year's flows are **levels**: construction imports, operating exports and
operating imports of every project launched since the warm-up began (projects
ramped up before ``first - 1`` are counted at their constant flow).

**The fit** (:func:`fit_scales`). The partner's share of the country's trade in a
direction is an organic share plus the projects' flows, scaled::

    R_t / D_t = c + a * P_t / D_t + e_t,    e_t ~ N(0, sigma^2) independent

with ``R`` the recorded flow (exports to the partner; imports from it less the
modelled operating imports), ``D`` the country's trade in that direction
(exports less gold, which is sold on a world market, not to the partner; imports), ``P`` the replay's
mean project flow (operating exports; construction imports) and ``a`` the scale
factor on its coefficients (1: the coefficients as assumed). With flat priors
on ``c`` and on ``a >= 0`` and ``sigma`` integrated out (prior ``1/sigma``), the
posterior of ``a`` is a Student t with ``n - 2`` degrees of freedom centred on
the least-squares value, truncated at 0: :class:`ScaleFit` gives its median
and 5-95% interval. The years are those with a recorded split (six years,
2017 to 2025, in the shipped record).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..calibration.context import split_series
from ..engine.flows import project_cumulative
from ..engine.model import simulate_path
from ..engine.sampling import iter_paths
from ..errors import InputError, UsageError
from ..history import CONTEXT_FILE, HistoryError, read_data_file
from ..run import study_manifest
from ..scenario import Scenario, ScenarioError, scenario_from_dict

__all__ = [
    "COMPONENTS",
    "RECORD_SERIES",
    "ReplayResult",
    "ScaleFit",
    "fit_scale",
    "load_direction_record",
    "replay",
    "replay_flows",
    "replay_scenario",
]

COMPONENTS = ("construction_imports", "operating_exports", "operating_imports")
"""The project flows the replay measures, in the order of the last axis of :func:`replay_flows`."""
RECORD_SERIES = ("partner_exports", "partner_imports", "total_exports", "total_imports", "gold_exports")
"""The series of the direction file the comparison reads (``seeds/uz_direction_history.csv``)."""
RECORD_STATUSES = ("confirmed", "derived", "uncertain")
"""Statuses read (as :data:`sim.calibration.directions.DIRECTION_STATUSES`: without the uncertain splits too few years)."""
UNLIMITED_USD_BN = 10_000.0
"""A lender's yearly capacity in the replay: more than any year's launches, so every launch is financed when it asks."""


def replay_scenario(s: Scenario, first: int = 2017, last: int = 2025) -> Scenario:
    """The replay variant of ``s``: its portfolio from ``first`` to ``last`` at the launch rate its facts state (module notes).

    Raises
    ------
    ScenarioError
        ``s`` has no pipeline or portfolio, or its base year is not after ``first`` (exit status 2).
    InputError
        The years are not ``first <= last`` (exit status 2).
    """
    if s.pipeline is None or s.portfolio is None:
        raise ScenarioError(s.source, [("pipeline", "the replay needs [pipeline] and [portfolio]: a scenario with projects")])
    if last < first:
        raise InputError(f"the replay's years must run forward: --first {first} is after --last {last}")
    if s.trade.base_year is not None and last > s.trade.base_year + 1:
        raise InputError(
            f"--last {last}: the replay covers the record's years, at most the scenario's first year ({s.trade.base_year + 1})"
        )
    if s.trade.base_year is None or s.trade.base_year < first:
        raise ScenarioError(
            s.source, [("trade.base_year", f"the replay starts in {first}: the scenario's base year must not be before it")]
        )
    raw = s.to_json()
    base = s.trade.base_year
    assert base is not None
    # the trade tables play no part in project flows: a plain random walk keeps the variant valid
    raw["trade"] = {
        "reporter": s.trade.reporter,
        "base_year": first - 1,
        "base_usd_bn": 1.0,
        "base_exports_usd_bn": 0.5,
        "target_usd_bn": s.trade.target_usd_bn,
        "growth": {"mean": 0.0, "sd": 0.0},
    }
    for fin in raw["portfolio"]["financiers"].values():
        fin.update(capacity_usd_bn_per_year=UNLIMITED_USD_BN, capacity_trend=0.0, shock_sensitivity=0.0)
        fin.pop("capacity_lapse_years", None)
    for key in ("backlog", "implementation", "priority"):
        raw["portfolio"].pop(key, None)
    pipe = raw["pipeline"]
    p = s.pipeline
    # the rate of the scenario's base year, run back to the replay's first year along the launch trend
    pipe["launches_per_year"] = p.launches_per_year * math.exp(-p.launch_trend * (base - first))
    pipe.pop("last_launch_year", None)
    pipe.pop("flow_scale", None)
    kept = []
    for proj, parsed in zip(pipe.get("projects", []), p.projects, strict=True):
        if parsed.stage == "awaiting_finance":
            continue  # not under way at the scenario's start: not on the record
        assert parsed.completion_year is not None
        # the stage as seen from the replay's start: a plant completed in 2024 was building in 2017
        lo, _ = parsed.completion_year.support()
        proj["stage"] = "construction" if lo >= first else parsed.stage
        kept.append(proj)
    pipe["projects"] = kept
    raw["measures"], raw["shocks"] = [], []
    raw["run"] = {**raw["run"], "horizon_year": last}
    raw["name"] = f"{s.name}_replay"
    return scenario_from_dict(raw, source=f"{s.source} (replayed {first}-{last})", base_dir=getattr(s, "_base_dir", None))


def replay_flows(r: Scenario, seed: int, paths: Sequence[int]) -> np.ndarray:
    """Yearly project flows of a replay variant, shape ``(paths, years, 3)`` (:data:`COMPONENTS`), USD bn.

    ``years`` are the replay's base year and simulated years (``first - 1`` to ``last``). Projects whose
    flows were constant from the base year on (ramped up before it) are added at that constant flow.
    """
    n = len(r.years)
    edges = np.arange(-1.0, n + 1.0)  # the base year and each simulated year
    ramps = np.array([sec.ramp_up_years for sec in r.pipeline.sectors.values()])  # type: ignore[union-attr]
    out = np.zeros((len(paths), n + 1, 3))
    inputs = list(iter_paths(r, seed, list(paths)))
    logs = [simulate_path(r, x) for x in inputs]
    construction, operating = project_cumulative(r, inputs, logs, edges)
    out[:, :, 0] = np.diff(construction, axis=1)
    out[:, :, 1:] = np.diff(operating, axis=1)
    for i, (x, log) in enumerate(zip(inputs, logs, strict=True)):
        g = x.generic
        steady = np.isfinite(log.generic_start) & (log.generic_end + ramps[g.sector] <= -1.0)  # as project_cumulative leaves out
        sector = g.sector[steady]
        out[i, :, 1] += float(g.capex_usd_bn[steady] @ x.sector_exports_per_capex[sector])
        out[i, :, 2] += float(g.capex_usd_bn[steady] @ x.sector_imports_per_capex[sector])
    return out


def load_direction_record(path: str | Path, reporter: str | None = None, partner: str | None = None) -> dict[str, dict[int, float]]:
    """``{series: {year: USD bn}}`` of :data:`RECORD_SERIES` from a direction file (several figures of a year: their median).

    The file's split with the partner is found by its series names, ``<partner>_exports_from_<country>`` and
    ``<partner>_imports_to_<country>`` (:func:`sim.calibration.context.split_series`), and read as
    ``partner_exports`` and ``partner_imports``; ``reporter`` is whose figures are read (default: the country of
    the split's names), ``partner`` picks one partner when the file has several.

    Raises
    ------
    HistoryError
        The file cannot be read or a row breaks its schema.
    UsageError
        Several partners' splits and none named.
    """
    rows = list(read_data_file(path, CONTEXT_FILE))
    split = split_series({row["series"] for row in rows}, partner)
    names = {"total_exports": "total_exports", "total_imports": "total_imports", "gold_exports": "gold_exports"}
    if split is not None:
        names[split[0]], names[split[1]] = "partner_exports", "partner_imports"
        if reporter is None:
            reporter = split[0].rsplit("_", 1)[1].upper()
    figures: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        name = names.get(row["series"])
        if name is not None and (reporter is None or row["reporter"] == reporter) and row["status"] in RECORD_STATUSES:
            figures.setdefault(name, {}).setdefault(row["year"], []).append(row["value_usd_bn"])
    return {name: {y: median(v) for y, v in sorted(by_year.items())} for name, by_year in figures.items()}


@dataclass(frozen=True)
class ScaleFit:
    """A scale factor on project coefficients fitted to the record (module notes).

    ``estimate`` is the least-squares value (may be negative: the record moves against the flows);
    ``median``, ``low`` and ``high`` the posterior median and 5% and 95% quantiles with ``a >= 0``;
    ``organic_share`` the fitted organic share ``c``; ``sd`` the residual sd of the share; ``years`` those fitted.
    """

    name: str
    estimate: float
    se: float
    dof: int
    median: float
    low: float
    high: float
    organic_share: float
    sd: float
    years: tuple[int, ...]

    def quantile(self, q: float | np.ndarray) -> float | np.ndarray:
        """The posterior quantile ``q`` of the scale: a Student t truncated at 0."""
        t = stats.t(self.dof, loc=self.estimate, scale=self.se)
        below = t.cdf(0.0)
        return t.ppf(below + np.asarray(q) * (1.0 - below))

    def as_pert(self) -> dict[str, float | str]:
        """A PERT on ``[0, 99th percentile]`` with the posterior's median and 90th percentile: the scenario table of the scale.

        The truncated t has no bounded support; the PERT keeps the scenario key bounded (``[pipeline.flow_scale]``
        allows 0 to 10) and matches the two quantiles that carry the fit (its mode and ``lamb`` chosen by least squares).
        """
        top = float(self.quantile(0.99))
        want = np.array([self.median, float(self.quantile(0.9))]) / top

        def miss(z: np.ndarray) -> float:
            mode, lamb = special.expit(z[0]), math.exp(z[1])
            a, b = 1.0 + lamb * mode, 1.0 + lamb * (1.0 - mode)
            return float(((special.betaincinv(a, b, np.array([0.5, 0.9])) - want) ** 2).sum())

        best = min(
            (optimize.minimize(miss, np.array([m, math.log(4.0)]), method="Nelder-Mead") for m in (-3.0, -1.0, 0.5)), key=lambda o: o.fun
        )
        mode, lamb = float(special.expit(best.x[0])), float(math.exp(best.x[1]))
        return {"dist": "pert", "min": 0.0, "mode": round(mode * top, 4), "max": round(top, 4), "lamb": round(lamb, 4)}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready fields, and the scenario table (:meth:`as_pert`)."""
        out = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
        out["scenario_table"] = self.as_pert()
        return out


def fit_scale(name: str, record: Mapping[int, float], driver: Mapping[int, float], flow: Mapping[int, float]) -> ScaleFit:
    """Fit ``record / driver = c + a * flow / driver + e`` over the years all three give (module notes).

    Raises
    ------
    ValueError
        Fewer than three years, or a flow that never moves relative to the driver (``a`` not identified).
    """
    years = tuple(sorted(set(record) & set(driver) & set(flow)))
    if len(years) < 3:
        raise UsageError(f"{name}: the fit needs at least three years with a record, a total and a modelled flow (got {len(years)})")
    d = np.array([driver[y] for y in years])
    y = np.array([record[y] for y in years]) / d
    x = np.array([flow[y] for y in years]) / d
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    dof = len(years) - 2
    resid = y - design @ coef
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(design.T @ design)
    se = math.sqrt(cov[1, 1])
    if not (se > 0 and math.isfinite(se)):
        raise UsageError(f"{name}: the modelled flow does not move against the total: its scale is not identified")
    fit = ScaleFit(name, float(coef[1]), se, dof, 0.0, 0.0, 0.0, float(coef[0]), math.sqrt(s2), years)
    lo, mid, hi = (float(v) for v in fit.quantile(np.array([0.05, 0.5, 0.95])))
    return ScaleFit(name, fit.estimate, se, dof, mid, lo, hi, fit.organic_share, fit.sd, years)


@dataclass
class ReplayResult:
    """The replay of a scenario's portfolio over the record's years, and the scale factors fitted to the record.

    Attributes
    ----------
    scenario : str
    years : list of int
        The replay's years (its base year first).
    mean, low, high : dict of str to ndarray
        By component (:data:`COMPONENTS`): the paths' mean and 5% and 95% quantiles each year, USD bn.
    record : dict of str to dict of int to float
        The recorded series (:data:`RECORD_SERIES`), by year.
    exports_fit, construction_fit : ScaleFit
        The scale on operating exports, and on construction imports (record of imports less operating imports).
    paths, seed : int
    launches_per_year : float
        The replay's launch rate at its first simulated year.
    manifest : dict
    partner, reporter : str
        The partner's name as the scenario gives it (``trade.partner_name``, else its code) and whose statistics the
        record is (``trade.reporter``): what the chart and the report call them.
    """

    scenario: str
    years: list[int]
    mean: dict[str, np.ndarray]
    low: dict[str, np.ndarray]
    high: dict[str, np.ndarray]
    record: dict[str, dict[int, float]]
    exports_fit: ScaleFit
    construction_fit: ScaleFit
    paths: int
    seed: int
    launches_per_year: float
    manifest: dict[str, Any] = field(default_factory=dict)
    partner: str = "the partner"
    reporter: str = ""

    def recorded(self, series: str, year: int) -> float:
        """A recorded value, NaN where the record has none."""
        return self.record.get(series, {}).get(year, math.nan)

    def table(self) -> pd.DataFrame:
        """One row a year (``replay.csv``): the record, the model (mean, 5%, 95%) by component, and the fitted projects' flows."""
        out = []
        for k, y in enumerate(self.years):
            row: dict[str, Any] = {
                "year": y,
                "recorded_exports_to_partner": self.recorded("partner_exports", y),
                "recorded_imports_from_partner": self.recorded("partner_imports", y),
            }
            for c in COMPONENTS:
                row[f"{c}_mean"] = float(self.mean[c][k])
                row[f"{c}_p05"] = float(self.low[c][k])
                row[f"{c}_p95"] = float(self.high[c][k])
            row["fitted_operating_exports"] = self.exports_fit.median * row["operating_exports_mean"]
            row["fitted_construction_imports"] = self.construction_fit.median * row["construction_imports_mean"]
            out.append(row)
        return pd.DataFrame(out)

    def to_json(self) -> dict[str, Any]:
        """``replay_fit.json``: the fits and the run's settings, JSON-ready."""
        return {
            "scenario": self.scenario,
            "paths": self.paths,
            "seed": self.seed,
            "launches_per_year_first_year": self.launches_per_year,
            "exports": self.exports_fit.to_json(),
            "construction_imports": self.construction_fit.to_json(),
        }


def replay(
    s: Scenario,
    record: Mapping[str, Mapping[int, float]],
    *,
    paths: int = 1000,
    seed: int | None = None,
    first: int = 2017,
    last: int = 2025,
    record_source: str = "the record",
) -> ReplayResult:
    """Replay ``s``'s portfolio over ``first``-``last`` and fit the scales of its exports and construction imports to ``record``.

    Parameters
    ----------
    s : Scenario
    record : mapping
        :func:`load_direction_record` of the direction file.
    paths : int
    seed : int, optional
        Default: the scenario's ``run.seed`` (the coefficients of a run on it).
    record_source : str
        The record's file, for messages.

    Raises
    ------
    HistoryError
        The record has too few years with both directions' figures for a fit (exit status 2).
    """
    started = time.time()
    seed = s.run.seed if seed is None else seed
    r = replay_scenario(s, first, last)
    flows = replay_flows(r, seed, range(paths))
    years = [r.start_year - 1, *r.years]
    mean = {c: flows[:, :, k].mean(axis=0) for k, c in enumerate(COMPONENTS)}
    low = {c: np.quantile(flows[:, :, k], 0.05, axis=0) for k, c in enumerate(COMPONENTS)}
    high = {c: np.quantile(flows[:, :, k], 0.95, axis=0) for k, c in enumerate(COMPONENTS)}
    by_year = {c: dict(zip(years, mean[c].tolist(), strict=True)) for c in COMPONENTS}
    rec = {k: dict(v) for k, v in record.items()}
    exports, gold = rec.get("total_exports", {}), rec.get("gold_exports", {})
    inside = set(years[1:])  # the replay's simulated years
    nongold = {y: v - gold[y] for y, v in exports.items() if y in gold and y in inside}
    imports_less_operating = {y: v - by_year["operating_imports"][y] for y, v in rec.get("partner_imports", {}).items() if y in inside}
    exports_to = {y: v for y, v in rec.get("partner_exports", {}).items() if y in inside}
    try:
        exports_fit = fit_scale("operating exports", exports_to, nongold, by_year["operating_exports"])
        construction_fit = fit_scale(
            "construction imports", imports_less_operating, rec.get("total_imports", {}), by_year["construction_imports"]
        )
    except ValueError as exc:
        raise HistoryError(f"{record_source}: {exc} (series {', '.join(RECORD_SERIES)}, {first}-{last})") from None
    manifest = study_manifest(s, seed, started, time.time())
    assert r.pipeline is not None
    return ReplayResult(
        s.name,
        years,
        mean,
        low,
        high,
        rec,
        exports_fit,
        construction_fit,
        paths,
        seed,
        r.pipeline.launches_per_year,
        manifest,
        partner=s.trade.partner_name or s.trade.partner or "the partner",
        reporter=s.trade.reporter or "",
    )
