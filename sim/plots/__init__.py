"""Presentation-ready charts: functions of typed results that return a matplotlib Figure.

Every chart takes ``ax=`` (the composition, two panels, ``axes=``): given, it
draws into the caller's axes and returns ``ax.figure``; without it, it makes a
slide-shaped figure with title, subtitle and source line. No ``pyplot``: see
:mod:`sim.plots.style` for the shared look. Writing PNG files is
:func:`sim.output.save`'s job.

One run (:mod:`sim.plots.run`, from :class:`~sim.results.Results`):
:func:`fan_chart`, :func:`reach_probability`, :func:`hit_year_distribution`,
:func:`composition`.

Comparing runs (:mod:`sim.plots.compare`): :func:`overlay_fan_charts`,
:func:`overlay_reach_probability`, :func:`hit_year_comparison` (lists of
``Results`` and labels) and :func:`paired_difference` (a
:class:`~sim.studies.compare.Comparison`).

Sensitivity (:mod:`sim.plots.sensitivity`, from a
:class:`~sim.studies.sensitivity.Sensitivity`): :func:`tornado_chart`,
:func:`sobol_chart`, :func:`discovery_chart`; :func:`box_words` says a PRIM box in words.

Goal seeking (:mod:`sim.plots.goal`): :func:`goal_chart` of a :class:`~sim.studies.goal.GoalResult`;
:func:`lever_unit` names the unit of a scenario input.

Every chart ends with a source line (:func:`source_line`); legends name
scenarios by the first clause of their description when the caller passes it
(:func:`short_description`). Fan charts mark the years past
:data:`FORECAST_HORIZON_YEARS` after the base year as no forecast.

Calibration (:mod:`sim.plots.backtest`): :func:`backtest_chart` of a backtest result and the observed series.
"""

from .backtest import backtest_chart
from .compare import hit_year_comparison, overlay_fan_charts, overlay_reach_probability, paired_difference
from .goal import goal_chart, lever_unit
from .run import composition, fan_chart, hit_year_distribution, reach_probability
from .sensitivity import box_words, discovery_chart, sobol_chart, tornado_chart
from .style import COMPONENT_LABELS, DPI, FORECAST_HORIZON_YEARS, reporter_words, short_description, source_line

__all__ = [
    "COMPONENT_LABELS",
    "DPI",
    "FORECAST_HORIZON_YEARS",
    "backtest_chart",
    "box_words",
    "composition",
    "discovery_chart",
    "fan_chart",
    "goal_chart",
    "hit_year_comparison",
    "hit_year_distribution",
    "lever_unit",
    "overlay_fan_charts",
    "overlay_reach_probability",
    "paired_difference",
    "reach_probability",
    "reporter_words",
    "short_description",
    "sobol_chart",
    "source_line",
    "tornado_chart",
]
