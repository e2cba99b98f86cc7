"""Backtest: rolling-origin forecasts of an organic law, scored against what was observed.

For every observed year ``Y`` with at least ``min_fit_points`` log changes
up to it, the law is fitted to the data up to ``Y`` only, and the value of
each later observed year ``Y + h`` (``h`` in ``horizons``) is forecast by
simulating organic trade from the observed ``V_Y`` exactly as a scenario with
the fitted block would: per path, ``mean`` and ``sd`` are drawn from their
distributions, then an AR(1) path starting from its stationary law (like the
simulator, the forecast does not condition on the last observed deviation).
Forecasts are scored on the **level scale, USD bn**: the share of actual
values inside the central 50% and 90% ranges, and the continuous ranked
probability score (CRPS, lower is better; same unit as the data,
:mod:`sim.calibration.scores`), compared with the CRPS of a naive random walk
in logs (zero drift, yearly sd = sample sd of the log changes up to ``Y``,
each ``k``-year change divided by ``sqrt(k)``), whose lognormal CRPS is
computed in closed form.

``backtest(..., law="structural", context=...)`` forecasts with the structural
law instead (the partner's share of the country's total trade,
:mod:`sim.calibration.structural`), fitted at each origin to the total-trade
and share data up to it; :func:`backtest_laws` scores several laws on exactly
the same origins and forecast years (those where every law can be fitted).

Where to make a change
----------------------
* A new organic law to backtest: :data:`LAWS`, :func:`backtest_origins` and
  the forecast step of :func:`backtest`.
* A new score: :mod:`sim.calibration.scores`, and ``_summarise`` here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import UnknownName, UsageError
from ..run import run_paths
from ..scenario import scenario_from_dict
from .context import TradeContext
from .directions import DirectionData, DirectionsFit, direction_origins, forecast_directions
from .growth import GrowthFit, fit_growth, simulate_organic
from .growth_likelihood import MODELS
from .scores import crps_lognormal, crps_samples
from .series import MIN_OBSERVATIONS, LogChanges, check_series, log_changes
from .structural import StructuralFit, forecast_structural, structural_origins

__all__ = [
    "LAWS",
    "ForecastRow",
    "BacktestResult",
    "LawsBacktest",
    "backtest",
    "backtest_origins",
    "backtest_laws",
    "simulate_with_runner",
]

LAWS: tuple[str, ...] = ("random_walk", "structural", "local_level", "trend", "by_direction")
SHARE_LAWS = ("structural", "local_level", "trend")
"""Laws of the partner's share of total trade: reverting (the structural law), a local level and a trend (:mod:`sim.calibration.walks`)."""
"""Organic laws a backtest can forecast with: the random walk on bilateral turnover, the structural law (sim.calibration.structural)
and the law by direction (sim.calibration.directions)."""


def simulate_with_runner(law: dict[str, Any], origin: int, base_usd_bn: float, years: int, paths: int, seed: int) -> np.ndarray:
    """Organic trade paths of a ``[trade.growth]`` law drawn by the simulator itself (``engine="runner"`` of :func:`backtest`).

    The same law as :func:`sim.calibration.simulate_organic`, through an
    organic-only scenario based in ``origin`` and :func:`sim.run.run_paths`
    (the tests compare the two).

    Parameters
    ----------
    law : dict
        A ``[trade.growth]`` table (:meth:`sim.calibration.GrowthFit.growth_law`).
    origin : int
        The scenario's base year.
    base_usd_bn : float
        Turnover in ``origin``, USD bn.
    years, paths, seed : int
        Simulated years after the origin, paths, and the root seed.

    Returns
    -------
    ndarray, shape (paths, years)
        Turnover, USD bn, in ``origin + 1`` to ``origin + years``.
    """
    raw = {
        "name": "backtest",
        "trade": {
            "reporter": "backtest",
            "base_year": origin,
            "base_usd_bn": base_usd_bn,
            "base_exports_usd_bn": base_usd_bn / 2.0,  # the split does not change turnover
            "target_usd_bn": base_usd_bn,
            "growth": law,
        },
        "run": {"paths": paths, "seed": seed, "horizon_year": origin + years},
    }
    return run_paths(scenario_from_dict(raw, source="<backtest>"), paths, seed).turnover


@dataclass(frozen=True)
class ForecastRow:
    """One out-of-sample forecast: from ``origin`` for ``year = origin + horizon``; values in USD bn."""

    origin: int
    year: int
    horizon: int
    actual: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    crps: float
    crps_random_walk: float
    model: str
    law: str = "random_walk"

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the row."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


SCORES = ("coverage_50", "coverage_90", "crps", "crps_random_walk", "crps_skill", "n_forecasts")
"""Scores of a set of forecasts: coverage of the central 50% and 90% ranges, mean CRPS of the forecast and of the
no-drift random walk (USD bn), the skill ``1 - crps / crps_random_walk``, and how many forecasts."""


def _summarise(rows: Sequence[ForecastRow]) -> dict[str, Any]:
    """Coverage of the central 50% and 90% ranges, mean CRPS of the forecast and of the random walk, and the skill, over ``rows``."""
    n = len(rows)
    if n == 0:
        return {
            "coverage_50": math.nan,
            "coverage_90": math.nan,
            "crps": math.nan,
            "crps_random_walk": math.nan,
            "crps_skill": math.nan,
            "n_forecasts": 0,
        }
    c50 = sum(r.p25 <= r.actual <= r.p75 for r in rows) / n
    c90 = sum(r.p5 <= r.actual <= r.p95 for r in rows) / n
    crps = float(np.mean([r.crps for r in rows]))
    rw = float(np.mean([r.crps_random_walk for r in rows]))
    return {
        "coverage_50": c50,
        "coverage_90": c90,
        "crps": crps,
        "crps_random_walk": rw,
        "crps_skill": 1.0 - crps / rw if rw > 0 else math.nan,
        "n_forecasts": n,
    }


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin forecasts of the organic law and their scores (level scale, USD bn).

    Attributes
    ----------
    forecasts : tuple of ForecastRow
        Every forecast, by origin then horizon.
    fits : tuple of GrowthFit or StructuralFit
        The law fitted at each origin (:class:`GrowthFit` for the random walk,
        :class:`sim.calibration.structural.StructuralFit` for the structural law).
    horizons : tuple of int
        Horizons asked for, years.
    paths, seed : int
        Monte Carlo paths per origin and root seed.
    models : tuple of str
        Candidate laws at each origin.
    engine : str
        ``"numpy"`` (vectorised) or ``"runner"`` (:func:`sim.run.run_paths`).
    source : str
        Description of the series.
    law : str
        The organic law forecast: ``"random_walk"`` or ``"structural"`` (see :func:`backtest`).
    """

    forecasts: tuple[ForecastRow, ...]
    fits: tuple[GrowthFit | StructuralFit | DirectionsFit, ...]
    horizons: tuple[int, ...]
    paths: int
    seed: int
    models: tuple[str, ...]
    engine: str
    source: str = "given series"
    law: str = "random_walk"

    def table(self, name: str = "forecasts") -> pd.DataFrame:
        """A table of the backtest (:meth:`tables`): ``"forecasts"`` (the default) or ``"scores"``; only that one is built."""
        if name == "forecasts":
            return self._forecasts_table()
        if name == "scores":
            return self._scores_table()
        raise UnknownName(f"no table {name!r}; the tables are forecasts, scores")

    def tables(self) -> dict[str, pd.DataFrame]:
        """``forecasts``: one row per forecast (``backtest.csv``): origin, year, horizon, actual, p5-p95, crps,
        crps_random_walk (USD bn), model and law. ``scores``: indexed by ``horizon`` (``"all"``, then each horizon
        as text), the :data:`SCORES` of its forecasts (as in :meth:`to_json`), with the ``law``."""
        return {"forecasts": self._forecasts_table(), "scores": self._scores_table()}

    def _forecasts_table(self) -> pd.DataFrame:
        return pd.DataFrame([r.to_json() for r in self.forecasts], columns=list(ForecastRow.__dataclass_fields__))

    def _scores_table(self) -> pd.DataFrame:
        groups = [("all", list(self.forecasts)), *((str(h), [r for r in self.forecasts if r.horizon == h]) for h in self.horizons)]
        scores = pd.DataFrame(
            [_summarise(rows) for _, rows in groups], index=pd.Index([g for g, _ in groups], name="horizon"), columns=list(SCORES)
        )
        return scores.assign(law=self.law)

    def to_json(self) -> dict[str, Any]:
        """Scores over all forecasts and per horizon.

        Keys: ``coverage_50`` and ``coverage_90`` (share of actual values
        inside the central 50% / 90% forecast range), ``crps`` and
        ``crps_random_walk`` (mean CRPS, USD bn), ``crps_skill``
        (``1 - crps / crps_random_walk``), ``n_forecasts``, ``horizons``,
        ``by_horizon`` (the same scores for each horizon, keyed by ``str(h)``),
        ``origins``, ``scale``, ``paths``, ``seed``, ``models``, ``engine``, ``source``, ``law``.
        """
        out = _summarise(self.forecasts)
        out["horizons"] = list(self.horizons)
        out["by_horizon"] = {str(h): _summarise([r for r in self.forecasts if r.horizon == h]) for h in self.horizons}
        out["origins"] = sorted({r.origin for r in self.forecasts})
        out["scale"] = "level, USD bn"
        out.update(paths=self.paths, seed=self.seed, models=list(self.models), engine=self.engine, source=self.source, law=self.law)
        return out


def _random_walk_sd(ch: LogChanges) -> float:
    """Sample sd of the log changes, each divided by the square root of its length in years."""
    return float(np.std(ch.d / np.sqrt(ch.k), ddof=1))


def _backtest_horizons(horizons: Sequence[int]) -> tuple[int, ...]:
    """The horizons asked for, sorted, without duplicates; a UsageError unless all are whole years >= 1."""
    hs = tuple(sorted({int(h) for h in horizons}))
    if not hs or hs[0] < 1:
        raise UsageError(f"horizons must be whole years >= 1 (got {tuple(horizons)})")
    return hs


def _law_name(law: str, context: TradeContext | None, directions: DirectionData | None = None) -> str:
    """``law`` if it is one of :data:`LAWS` and has the data it needs (the structural law ``context``, the law by direction ``directions``)."""
    if law not in LAWS:
        raise UsageError(f"unknown organic law {law!r}; allowed: {', '.join(LAWS)}")
    if law in SHARE_LAWS and context is None:
        raise UsageError(f"the {law} law needs the trade context (total trade with all partners): pass context=")
    if law == "by_direction" and directions is None:
        raise UsageError("the law by direction needs imports, exports, gold exports and the partner's flows: pass directions=")
    return law


def backtest_origins(
    years: ArrayLike,
    values: ArrayLike,
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    law: str = "random_walk",
    context: TradeContext | None = None,
    directions: DirectionData | None = None,
) -> list[int]:
    """Years from which a law can be fitted and at least one horizon checked against an observed value.

    Parameters
    ----------
    years, values : array-like
        Bilateral turnover (years increasing, USD bn).
    horizons : sequence of int
        Years ahead to forecast.
    min_fit_points : int
        Random walk: fewest log changes of the series up to an origin.
        Structural law: fewest log changes of total trade and transitions of
        The partner's share up to an origin (:func:`sim.calibration.structural.structural_origins`).
    law : {"random_walk", "structural"}
    context : sim.calibration.context.TradeContext, optional
        Needed for the structural law (its ``total`` series).
    directions : sim.calibration.directions.DirectionData, optional
        Needed for the law by direction (:func:`sim.calibration.directions.direction_origins`).

    Returns
    -------
    list of int
        Origin years, increasing.
    """
    y, v = check_series(years, values)
    hs = _backtest_horizons(horizons)
    name = _law_name(law, context, directions)
    if name == "random_walk":
        fittable = [int(a) for a in y[min_fit_points:]]
    elif name in SHARE_LAWS:
        fittable = structural_origins(y, v, context.total, min_fit_points)
    else:
        fittable = direction_origins(directions, min_fit_points)
    observed = set(y.tolist())
    return [o for o in fittable if any(o + h in observed for h in hs)]


def backtest(
    years: ArrayLike,
    values: ArrayLike,
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    paths: int = 4000,
    seed: int = 0,
    models: Sequence[str] = MODELS,
    *,
    engine: Literal["numpy", "runner"] = "numpy",
    source: str = "given series",
    law: Literal["random_walk", "structural", "local_level", "trend", "by_direction"] = "random_walk",
    context: TradeContext | None = None,
    origins: Sequence[int] | None = None,
    directions: DirectionData | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the fitted organic law, with parameter uncertainty.

    For every observed year ``Y`` with at least ``min_fit_points`` log changes
    up to it and an observed value at some ``Y + h``: fit the law on the data
    up to ``Y`` (:func:`fit_growth`, chosen by AICc), simulate ``paths`` organic
    paths from the observed value of ``Y`` with the fitted ``[trade.growth]``
    law (``mean`` and ``sd`` drawn per path), and score the forecast of each
    observed ``Y + h`` on the level scale (USD bn): central 50% and 90% ranges
    and the sample CRPS, next to the closed-form CRPS of a zero-drift
    lognormal random walk from ``V_Y`` with the sample sd of the log changes up
    to ``Y`` (:func:`crps_lognormal`).

    With ``law="structural"`` the forecast is the structural law instead
    (:mod:`sim.calibration.structural`): at each origin ``Y`` the growth law of total
    trade and the law of the partner's share are fitted to the data up to ``Y``
    only, ``W`` and the share are simulated from the observed ``W_Y`` and
    ``s_Y = V_Y / W_Y`` with parameter uncertainty, and the forecast is
    ``share * W``, scored exactly as above (same benchmark). Origins are the
    years where both fits have ``min_fit_points`` changes
    (:func:`backtest_origins`).

    Parameters
    ----------
    years, values : array-like
        The series (years increasing, values USD bn); gaps allowed.
    horizons : sequence of int
        Years ahead to forecast (>= 1).
    min_fit_points : int
        Fewest log changes up to an origin (at least :data:`MIN_OBSERVATIONS`).
    paths : int
        Simulated paths per origin.
    seed : int
        Root seed; origin ``i`` (in increasing order) uses child ``i`` of ``numpy.random.SeedSequence(seed)``.
    models : sequence of str
        Candidate laws (of total trade, for the structural law).
    engine : {"numpy", "runner"}
        ``"numpy"``: :func:`simulate_organic`; ``"runner"``: an organic-only
        scenario through :func:`sim.run.run_paths` (slower, same law;
        random walk only).
    source : str
        Description of the series for reports and charts.
    law : {"random_walk", "structural"}
        The organic law forecast.
    context : sim.calibration.context.TradeContext, optional
        Total trade with all partners; needed for the structural law.
    origins : sequence of int, optional
        Origin years to use, each one :func:`backtest_origins` allows
        (default: all of them); :func:`backtest_laws` passes the origins common to several laws.
    directions : sim.calibration.directions.DirectionData, optional
        Imports, non-gold exports and the partner's shares of each; needed for
        ``law="by_direction"``, which at each origin fits
        :func:`sim.calibration.directions.fit_directions` to the data up to it
        and forecasts ``s_m M + s_x X`` from that year's observed flows.

    Returns
    -------
    BacktestResult

    Raises
    ------
    UsageError
        No origin qualifies, or bad arguments.
    """
    y, v = check_series(years, values)
    hs = _backtest_horizons(horizons)
    if min_fit_points < MIN_OBSERVATIONS:
        raise UsageError(f"min_fit_points must be at least {MIN_OBSERVATIONS} (got {min_fit_points})")
    if paths < 2:
        raise UsageError(f"paths must be at least 2 (got {paths})")
    if engine not in ("numpy", "runner"):
        raise UsageError(f"engine must be 'numpy' or 'runner' (got {engine!r})")
    if _law_name(law, context, directions) != "random_walk" and engine != "numpy":
        raise UsageError(f"the {law} law is backtested with engine='numpy' only")
    allowed = backtest_origins(y, v, hs, min_fit_points, law, context, directions)
    chosen = allowed if origins is None else sorted({int(o) for o in origins})
    if set(chosen) - set(allowed):
        bad = ", ".join(map(str, sorted(set(chosen) - set(allowed))))
        raise UsageError(f"{bad}: not an origin the {law} law can be backtested from (allowed: {', '.join(map(str, allowed)) or 'none'})")
    if not chosen:
        raise UsageError(
            f"no origin year has {min_fit_points} log changes before it and an observed value {', '.join(map(str, hs))} year(s) later"
            + (" (with total trade and the partner's share observed)" if law in SHARE_LAWS else "")
        )
    value_at = {int(a): float(b) for a, b in zip(y, v, strict=True)}
    position = {int(a): i for i, a in enumerate(y)}
    children = np.random.SeedSequence(seed).spawn(len(chosen))
    rows: list[ForecastRow] = []
    fits: list[GrowthFit | StructuralFit | DirectionsFit] = []
    for origin, child in zip(chosen, children, strict=True):
        i = position[origin]
        span = max(h for h in hs if origin + h in value_at)
        if law in SHARE_LAWS:
            kind = "reverting" if law == "structural" else law
            fit, sims = forecast_structural(
                y, v, context.total, origin, span, paths, np.random.default_rng(child), models, source, share_kind=kind
            )
        elif law == "by_direction":
            fit, sims = forecast_directions(directions, origin, span, paths, np.random.default_rng(child), models, source)
        else:
            fit = fit_growth(y[: i + 1], v[: i + 1], models, source=source)
            if engine == "numpy":
                sims = simulate_organic(fit.growth_law(), float(v[i]), span, paths, np.random.default_rng(child))
            else:
                seed_i = int(child.generate_state(1, dtype=np.uint64)[0] >> 1)
                sims = simulate_with_runner(fit.growth_law(), origin, float(v[i]), span, paths, seed_i)
        fits.append(fit)
        rw_sd = _random_walk_sd(log_changes(y[: i + 1], v[: i + 1]))
        rows += _scored(origin, float(v[i]), sims, value_at, hs, rw_sd, fit.model, law)
    return BacktestResult(
        forecasts=tuple(rows),
        fits=tuple(fits),
        horizons=hs,
        paths=paths,
        seed=seed,
        models=tuple(models),
        engine=engine,
        source=source,
        law=law,
    )


def _scored(
    origin: int, base: float, sims: np.ndarray, value_at: dict[int, float], hs: tuple[int, ...], rw_sd: float, model: str, law: str
) -> list[ForecastRow]:
    """The forecast rows of one origin: quantiles and CRPS of ``sims[:, h - 1]`` against each observed ``origin + h``."""
    rows = []
    for h in hs:
        if origin + h not in value_at:
            continue
        actual = value_at[origin + h]
        draws = sims[:, h - 1]
        q = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
        rows.append(
            ForecastRow(
                origin=origin,
                year=origin + h,
                horizon=h,
                actual=actual,
                p5=float(q[0]),
                p25=float(q[1]),
                p50=float(q[2]),
                p75=float(q[3]),
                p95=float(q[4]),
                crps=crps_samples(draws, actual),
                crps_random_walk=crps_lognormal(math.log(base), rw_sd * math.sqrt(h), actual),
                model=model,
                law=law,
            )
        )
    return rows


@dataclass(frozen=True)
class LawsBacktest:
    """Several organic laws backtested on the same origins, horizons and forecast years.

    Attributes
    ----------
    results : tuple of BacktestResult
        One per law, in the order asked for.
    origins : tuple of int
        The origins common to every law.
    """

    results: tuple[BacktestResult, ...]
    origins: tuple[int, ...]

    @property
    def laws(self) -> tuple[str, ...]:
        """The laws, in order."""
        return tuple(r.law for r in self.results)

    def table(self, name: str = "forecasts") -> pd.DataFrame:
        """A table of every law's (:meth:`BacktestResult.table`), law after law, each row with its ``law``: ``"forecasts"`` or ``"scores"``."""
        frames = [r.table(name) for r in self.results]
        return pd.concat(frames, ignore_index=True) if name == "forecasts" else pd.concat(frames)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Both tables (:meth:`table`) by name."""
        return {name: self.table(name) for name in ("forecasts", "scores")}

    def to_json(self) -> dict[str, Any]:
        """Each law's scores under ``laws`` (:meth:`BacktestResult.to_json`: overall and ``by_horizon``), and what they share.

        Keys: ``laws`` (by law name), ``origins``, ``forecasts`` (the common
        ``[origin, year]`` pairs), ``horizons``, ``scale``, ``paths``, ``seed``, ``source``.
        """
        first = self.results[0]
        return {
            "laws": {r.law: r.to_json() for r in self.results},
            "origins": list(self.origins),
            "forecasts": [[f.origin, f.year] for f in first.forecasts],
            "horizons": list(first.horizons),
            "scale": "level, USD bn",
            "paths": first.paths,
            "seed": first.seed,
            "source": first.source,
        }


def backtest_laws(
    years: ArrayLike,
    values: ArrayLike,
    context: TradeContext | None,
    laws: Sequence[str] = ("random_walk", "structural"),
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    paths: int = 4000,
    seed: int = 0,
    models: Sequence[str] = MODELS,
    *,
    source: str = "given series",
    directions: DirectionData | None = None,
) -> LawsBacktest:
    """Backtest several organic laws on exactly the same forecasts: the origins where every law can be fitted.

    Parameters
    ----------
    years, values : array-like
        Bilateral turnover (years increasing, USD bn).
    context : sim.calibration.context.TradeContext
        Total trade with all partners (for the structural law).
    laws : sequence of str
        Among :data:`LAWS`.
    horizons, min_fit_points, paths, seed, models, source
        As for :func:`backtest`; every law uses the same seed.
    directions : sim.calibration.directions.DirectionData, optional
        For the law by direction.

    Returns
    -------
    LawsBacktest

    Raises
    ------
    UsageError
        No origin common to every law, or bad arguments.
    """
    names = [_law_name(law, context, directions) for law in laws]
    if not names or len(set(names)) != len(names):
        raise UsageError(f"laws must name each law once (got {list(laws)})")
    common = sorted(
        set.intersection(*(set(backtest_origins(years, values, horizons, min_fit_points, law, context, directions)) for law in names))
    )
    if not common:
        raise UsageError(f"no origin year from which every law ({', '.join(names)}) can be fitted and checked")
    results = tuple(
        backtest(
            years,
            values,
            horizons,
            min_fit_points,
            paths,
            seed,
            models,
            source=source,
            law=law,
            context=context,
            origins=common,
            directions=directions,
        )
        for law in names
    )
    return LawsBacktest(results=results, origins=tuple(common))
