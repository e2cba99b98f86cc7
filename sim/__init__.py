"""coopsim: Monte Carlo simulation of bilateral trade targets and the project portfolios behind them.

The public API::

    from sim import load_scenario, simulate
    scenario = load_scenario("scenarios/pair_2025.toml")
    results = simulate(scenario, paths=2000, seed=1)
    results.p_reach(2030)                   # (p, low, high)
    save(results, "results/demo")           # summary.json, CSV tables, figures, manifest.json
    load("results/demo")                    # back (any kind of results folder), checked against the manifest's checksums

Also ``compare``, ``sensitivity``, ``goal``, ``attribute``, ``prioritise``, ``track`` (mirroring the commands of the same
names, each result saved with ``save``), ``load_history``, ``fit_growth``, ``load_series``, ``backtest``,
``whole_trade_law`` and ``fit_reporter_gap`` (history and calibration);
``load_context`` and ``load_trade_context`` (the country's trade with all
partners), ``fit_share_law``, ``fit_structural``, ``fit_turnover_split`` and
``backtest_laws`` (the structural law, the exports split, and both laws
backtested on the same forecasts); and the figures in :mod:`sim.plots`, each a
function of typed results (with ``ax=``) returning a matplotlib Figure.

Every error raised on purpose is a :class:`CoopsimError` (:mod:`sim.errors`):
an :class:`InputError` (``ScenarioError``, ``HistoryError``, ``OutputError``,
``ResultsError``, and ``UsageError``, ``UnknownName``, ``WrongKind`` for a call
the API cannot serve) for input that cannot be used, :class:`RunFailed` for a run
that could not finish.
"""

from .calibration import (
    backtest,
    backtest_laws,
    fit_growth,
    fit_reporter_gap,
    fit_share_law,
    fit_structural,
    fit_turnover_split,
    load_context,
    load_series,
    load_trade_context,
    whole_trade_law,
)
from .engine import COMPONENTS, DIRECTIONS, TradePaths
from .errors import CoopsimError, InputError, RunFailed, UnknownName, UsageError, WrongKind
from .history import HistoryError, load_history
from .results import OutputError, Results, ResultsError
from .run import simulate
from .scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from .studies import (
    Attribution,
    Comparison,
    GoalResult,
    Priorities,
    Sensitivity,
    Track,
    attribute,
    compare,
    goal,
    prioritise,
    sensitivity,
    track,
)

__all__ = [
    "Attribution",
    "COMPONENTS",
    "DIRECTIONS",
    "TradePaths",
    "Comparison",
    "CoopsimError",
    "HistoryError",
    "InputError",
    "OutputError",
    "Priorities",
    "Results",
    "ResultsError",
    "RunFailed",
    "Scenario",
    "ScenarioError",
    "UnknownName",
    "UsageError",
    "WrongKind",
    "attribute",
    "backtest",
    "backtest_laws",
    "compare",
    "fit_growth",
    "fit_reporter_gap",
    "fit_share_law",
    "fit_structural",
    "fit_turnover_split",
    "load_context",
    "load_history",
    "load",
    "load_trade_context",
    "load_series",
    "prioritise",
    "goal",
    "GoalResult",
    "Sensitivity",
    "sensitivity",
    "load_scenario",
    "save",
    "scenario_from_dict",
    "simulate",
    "Track",
    "track",
    "whole_trade_law",
]
__version__ = "0.5.0"


def __getattr__(name: str):
    # ``save`` and ``load`` live with the figures: imported on first use, so ``import sim`` (and ``sim.results``) stays free of matplotlib
    if name in ("save", "load"):
        from . import output

        return getattr(output, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
