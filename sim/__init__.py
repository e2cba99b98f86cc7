"""coopsim: Monte Carlo simulation of bilateral trade targets and the project portfolios behind them.

The public API::

    from sim import load_scenario, simulate
    scenario = load_scenario("scenarios/uz_cn_2025.toml")
    results = simulate(scenario, paths=2000, seed=1)
    results.p_reach(2030)          # (p, low, high)
    results.save("results/demo")   # summary.json, CSV tables, figures, manifest.json

Also ``compare``, ``sensitivity``, ``goal`` (mirroring the commands of the same
names), ``load_history``, ``fit_growth``, ``load_series`` and ``backtest`` (history
and calibration), and the
figures in :mod:`sim.plots`, each a function of results returning a matplotlib Figure.
"""

from .calibration import backtest, fit_growth, load_series
from .compare import Comparison, compare
from .goal import GoalResult, goal
from .history import load_history
from .results import Results
from .runner import simulate
from .scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from .sensitivity import Sensitivity, sensitivity
from .trade import COMPONENTS

__all__ = [
    "COMPONENTS",
    "Comparison",
    "Results",
    "Scenario",
    "ScenarioError",
    "backtest",
    "compare",
    "fit_growth",
    "load_history",
    "load_series",
    "goal",
    "GoalResult",
    "Sensitivity",
    "sensitivity",
    "load_scenario",
    "scenario_from_dict",
    "simulate",
]
__version__ = "0.1.0"
