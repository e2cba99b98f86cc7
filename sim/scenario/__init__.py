"""Scenarios: the schema of a scenario file, loading it, and every problem reported as ``file: key: what is allowed``.

A scenario file has the groups ``[trade]``, ``[portfolio]``, ``[pipeline]``,
``[[measures]]``, ``[[shocks]]`` and ``[run]``. Every key is declared once,
with its type, allowed range and meaning; the README's key reference is
generated from these declarations (``coopsim keys`` prints it) and a test
keeps the two in step.

Inputs are addressed by dotted paths (``trade.growth.mean``,
``portfolio.financiers.cdb.capacity_usd_bn_per_year``,
``pipeline.projects.cku_railway.capex_usd_bn``): entries of arrays of tables
(projects, measures, shocks) are addressed by their ``name``. Every problem
is reported as a :class:`ScenarioError` naming the file, the key path and
what is allowed.

Modules, and where to make a change
-----------------------------------
* :mod:`~sim.scenario.schema`: the tables and field types. To add a key: here.
* :mod:`~sim.scenario.checks`: rules across keys. A new rule: here.
* :mod:`~sim.scenario.messages`: :class:`ScenarioError`, the wording of
  validation errors, suggestions, renamed keys.
* :mod:`~sim.scenario.loading`: TOML files, ``extends``/``remove``,
  :class:`Scenario`, :func:`load_scenario`, :func:`scenario_from_dict`,
  the partial-year :class:`Observation`.
* :mod:`~sim.scenario.keys`: the generated key reference, :func:`key_reference`.
"""

from .keys import key_reference
from .loading import Law, Observation, Scenario, load_scenario, scenario_from_dict
from .messages import ScenarioError
from .schema import LAW_KINDS, LIMITS, Growth, Pipeline, ShareLaw

__all__ = [
    "Growth",
    "LAW_KINDS",
    "LIMITS",
    "Law",
    "Observation",
    "Pipeline",
    "Scenario",
    "ScenarioError",
    "ShareLaw",
    "key_reference",
    "load_scenario",
    "scenario_from_dict",
]
