"""Presentation-ready charts: functions of typed results that return a matplotlib Figure.

Every chart takes ``ax=`` (the composition, two panels, ``axes=``): given, it
draws into the caller's axes and returns ``ax.figure``; without it, it makes a
slide-shaped figure with title, subtitle and source line. No ``pyplot``: see
:mod:`sim.plots.style` for the shared look. Writing PNG files is
:func:`sim.output.save`'s job.

One run (:mod:`sim.plots.run`, from :class:`~sim.results.Results`):
:func:`fan_chart`, :func:`reach_probability`, :func:`hit_year_distribution`,
:func:`composition`; and its finance (:mod:`sim.plots.finance`): :func:`finance_chart`.

Comparing runs (:mod:`sim.plots.compare`): :func:`overlay_fan_charts`,
:func:`overlay_reach_probability`, :func:`hit_year_comparison` (lists of
``Results`` and labels) and :func:`paired_difference` (a
:class:`~sim.studies.compare.Comparison`).

Sensitivity (:mod:`sim.plots.sensitivity`, from a
:class:`~sim.studies.sensitivity.Sensitivity`): :func:`tornado_chart`,
:func:`sobol_chart`, :func:`discovery_chart`.

Goal seeking (:mod:`sim.plots.goal`): :func:`goal_chart` of a :class:`~sim.studies.goal.GoalResult`.

The portfolio (:mod:`sim.plots.portfolio`): :func:`attribution_chart` of an
:class:`~sim.studies.attribute.Attribution`, :func:`priorities_chart` of
:class:`~sim.studies.prioritise.Priorities`.

Every chart ends with a source line (:func:`sim.plots.style.source_line`);
fan charts mark the years past :data:`~sim.plots.style.FORECAST_HORIZON_YEARS`
after the base year as no forecast. Words for the same things elsewhere (a
report, a terminal table): ``sim.plots.style.short_description`` (a scenario's
legend name), ``sim.plots.sensitivity.box_words`` (a PRIM box),
``sim.plots.goal.lever_unit`` (the unit of an input).

Calibration (:mod:`sim.plots.backtest`): :func:`backtest_chart` of a backtest result and the observed series.

Projects on the record (:mod:`sim.plots.replay`): :func:`replay_chart` of a :class:`~sim.studies.replay.ReplayResult`.

The track record (:mod:`sim.plots.track`, from a :class:`~sim.studies.track.Track`): :func:`track_probability`,
:func:`track_pit`, :func:`track_coverage`.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

__all__ = [
    "COMPONENT_LABELS",
    "DPI",
    "attribution_chart",
    "backtest_chart",
    "composition",
    "discovery_chart",
    "fan_chart",
    "finance_chart",
    "goal_chart",
    "hit_year_comparison",
    "hit_year_distribution",
    "overlay_fan_charts",
    "overlay_reach_probability",
    "paired_difference",
    "priorities_chart",
    "replay_chart",
    "reach_probability",
    "sobol_chart",
    "tornado_chart",
    "track_coverage",
    "track_pit",
    "track_probability",
]

_EXPORTS = {
    "attribution_chart": ".portfolio",
    "backtest_chart": ".backtest",
    "COMPONENT_LABELS": ".style",
    "composition": ".run",
    "discovery_chart": ".sensitivity",
    "DPI": ".style",
    "fan_chart": ".run",
    "finance_chart": ".finance",
    "goal_chart": ".goal",
    "hit_year_comparison": ".compare",
    "hit_year_distribution": ".run",
    "overlay_fan_charts": ".compare",
    "overlay_reach_probability": ".compare",
    "paired_difference": ".compare",
    "priorities_chart": ".portfolio",
    "reach_probability": ".run",
    "replay_chart": ".replay",
    "sobol_chart": ".sensitivity",
    "tornado_chart": ".sensitivity",
    "track_coverage": ".track",
    "track_pit": ".track",
    "track_probability": ".track",
}
"""Each chart and the module defining it, imported on first use (:func:`sim.lazy.lazy_exports`): a run's charts do not import the studies."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # the same names for static tools; tests/test_lazy_exports.py compares
    from .backtest import backtest_chart
    from .compare import hit_year_comparison, overlay_fan_charts, overlay_reach_probability, paired_difference
    from .finance import finance_chart
    from .goal import goal_chart
    from .portfolio import attribution_chart, priorities_chart
    from .replay import replay_chart
    from .run import composition, fan_chart, hit_year_distribution, reach_probability
    from .sensitivity import discovery_chart, sobol_chart, tornado_chart
    from .style import COMPONENT_LABELS, DPI
    from .track import track_coverage, track_pit, track_probability
