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

from typing import TYPE_CHECKING

from .lazy import lazy_exports

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

_EXPORTS = {
    "attribute": ".studies",
    "Attribution": ".studies",
    "backtest": ".calibration",
    "backtest_laws": ".calibration",
    "compare": ".studies",
    "Comparison": ".studies",
    "COMPONENTS": ".engine",
    "CoopsimError": ".errors",
    "DIRECTIONS": ".engine",
    "fit_growth": ".calibration",
    "fit_reporter_gap": ".calibration",
    "fit_share_law": ".calibration",
    "fit_structural": ".calibration",
    "fit_turnover_split": ".calibration",
    "goal": ".studies",
    "GoalResult": ".studies",
    "HistoryError": ".history",
    "InputError": ".errors",
    "load": ".output",
    "load_context": ".calibration",
    "load_history": ".history",
    "load_scenario": ".scenario",
    "load_series": ".calibration",
    "load_trade_context": ".calibration",
    "OutputError": ".results",
    "Priorities": ".studies",
    "prioritise": ".studies",
    "Results": ".results",
    "ResultsError": ".results",
    "RunFailed": ".errors",
    "save": ".output",
    "Scenario": ".scenario",
    "scenario_from_dict": ".scenario",
    "ScenarioError": ".scenario",
    "Sensitivity": ".studies",
    "sensitivity": ".studies",
    "simulate": ".run",
    "Track": ".studies",
    "track": ".studies",
    "TradePaths": ".engine",
    "UnknownName": ".errors",
    "UsageError": ".errors",
    "whole_trade_law": ".calibration",
    "WrongKind": ".errors",
}
"""Each public name and the module defining it, imported on first use (:func:`sim.lazy.lazy_exports`)."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # the same names for static tools (type checkers, the API reference); tests/test_lazy_exports.py compares
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
    from .output import load, save
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
