"""Calibration: the organic laws fitted to observed trade, written as scenario blocks, and backtested.

``coopsim calibrate`` prints the blocks of these fits; ``coopsim backtest``
scores their forecasts.

Modules, and where to make a change
-----------------------------------
* :mod:`~sim.calibration.series`: a reporter's yearly series (:func:`load_series`), its checks and log changes.
* :mod:`~sim.calibration.context`: the country's trade with all partners and its split with the partner
  (:func:`load_trade_context`), and the shares derived from them.
* :mod:`~sim.calibration.growth_likelihood`: the growth law (random walk with AR(1), normal or t deviations)
  and its exact likelihood with gaps (:func:`growth_loglik`).
* :mod:`~sim.calibration.growth`: its fit by maximum likelihood and AICc (:func:`fit_growth`, :class:`GrowthFit`),
  the ``[trade.growth]`` block, and its simulation (:func:`simulate_organic`).
* :mod:`~sim.calibration.shares`: the logit AR(1) law of a share (:func:`fit_share_law`).
* :mod:`~sim.calibration.split`: turnover and its exports share fitted jointly (:func:`fit_turnover_split`).
* :mod:`~sim.calibration.structural`: bilateral trade as the partner's share of total trade (:func:`fit_structural`).
* :mod:`~sim.calibration.reporters`: the gap between two reporters' figures (:func:`fit_reporter_gap`).
* :mod:`~sim.calibration.estimation`: maximum likelihood in transformed coordinates and Hessian standard errors,
  shared by the fits.
* :mod:`~sim.calibration.blocks`: how fitted values are written as TOML (numbers, distribution tables, comments).
* :mod:`~sim.calibration.backtest` and :mod:`~sim.calibration.scores`: rolling-origin forecasts and their CRPS.
* :mod:`~sim.calibration.whole_trade`: a scenario's total trade summarised as a fitted law (:func:`whole_trade_law`).

The readers of the history CSV itself stay in :mod:`sim.history`, which the
scenario loader uses too.
"""

from .backtest import LAWS, BacktestResult, ForecastRow, LawsBacktest, backtest, backtest_laws, backtest_origins
from .blocks import SD_MAX, lognormal_as_pert
from .context import TradeContext, YearlySeries, exports_share, load_context, load_trade_context, partner_share
from .estimation import numerical_hessian
from .growth import PERSISTENCE_CLIP, GrowthFit, ModelScore, fit_growth, simulate_organic
from .growth_likelihood import MODELS, ar1_sum_variance, growth_loglik
from .reporters import DirectionGapFit, ReporterGapFit, fit_gap_by_direction, fit_reporter_gap, gap_from_values, implied_direction_gap
from .scores import crps_lognormal, crps_normal, crps_samples
from .series import MIN_OBSERVATIONS, load_series
from .shares import ShareFit, fit_share_law
from .split import TurnoverSplitFit, fit_turnover_split
from .structural import StructuralFit, fit_structural
from .walks import WalkFit, fit_share_walk
from .whole_trade import WholeTradeLaw, whole_trade_law

__all__ = [
    "WalkFit",
    "fit_share_walk",
    "LAWS",
    "MIN_OBSERVATIONS",
    "MODELS",
    "PERSISTENCE_CLIP",
    "SD_MAX",
    "BacktestResult",
    "ForecastRow",
    "GrowthFit",
    "LawsBacktest",
    "ModelScore",
    "DirectionGapFit",
    "ReporterGapFit",
    "ShareFit",
    "StructuralFit",
    "TradeContext",
    "TurnoverSplitFit",
    "WholeTradeLaw",
    "YearlySeries",
    "ar1_sum_variance",
    "backtest",
    "backtest_laws",
    "backtest_origins",
    "partner_share",
    "crps_lognormal",
    "crps_normal",
    "crps_samples",
    "exports_share",
    "fit_growth",
    "fit_gap_by_direction",
    "fit_reporter_gap",
    "implied_direction_gap",
    "fit_share_law",
    "fit_structural",
    "fit_turnover_split",
    "gap_from_values",
    "growth_loglik",
    "load_context",
    "load_series",
    "load_trade_context",
    "lognormal_as_pert",
    "numerical_hessian",
    "simulate_organic",
    "whole_trade_law",
]
