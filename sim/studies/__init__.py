"""Studies of a scenario that run the simulation many times and answer one question each.

* :mod:`sim.studies.levers` -- scenario inputs as levers moved over a range.
* :mod:`sim.studies.compare` -- :func:`compare` and the typed :class:`Comparison`
  (paired differences on common random numbers, as DataFrames).
* :mod:`sim.studies.sensitivity` -- :func:`sensitivity` and the typed
  :class:`Sensitivity` (Sobol indices, tornado, scenario discovery), built from
  :mod:`sim.studies.sobol`, :mod:`sim.studies.tornado` and :mod:`sim.studies.discovery`.
* :mod:`sim.studies.prim` -- PRIM boxes for scenario discovery.
* :mod:`sim.studies.goal` -- :func:`goal` and the typed :class:`GoalResult`.
* :mod:`sim.studies.attribute` -- :func:`attribute` and the typed :class:`Attribution`
  (what each item of the portfolio adds, on counterfactuals keeping organic trade).
* :mod:`sim.studies.prioritise` -- :func:`prioritise` and the typed :class:`Priorities`
  (which awaiting projects to finance first within a budget).
* :mod:`sim.studies.experiments` -- :func:`~sim.studies.experiments.path_table`: every path's drawn inputs
  and outcomes, drawn again (the workbook's ``paths`` sheet).
* :mod:`sim.studies.track` -- :func:`track` and the typed :class:`Track`
  (the view at every release date of the dated record, its forecasts scored against later outcomes).

Each result has ``to_json()`` (its JSON file) and ``from_json()``; saving is :func:`sim.output.save`.
"""

from .attribute import Attribution, attribute
from .compare import Comparison, compare
from .goal import GoalResult, goal
from .levers import Lever, default_levers, lever, parse_range
from .prioritise import Priorities, prioritise
from .sensitivity import Sensitivity, sensitivity
from .track import Track, track

__all__ = [
    "Attribution",
    "Comparison",
    "GoalResult",
    "Lever",
    "Priorities",
    "Sensitivity",
    "Track",
    "attribute",
    "compare",
    "default_levers",
    "goal",
    "lever",
    "parse_range",
    "prioritise",
    "sensitivity",
    "track",
]
