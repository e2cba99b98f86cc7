"""The results folders of the studies: each study's data files and charts, registered with :func:`sim.output.write_data`
and :func:`sim.output.figure_makers`.

Imported by :mod:`sim.output` the first time it meets a study's result (a run's folder needs none of this, nor the
studies it imports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from matplotlib.figure import Figure

from .. import plots
from ..report.sources import scenario_labels
from ..report.track_page import track_score_rows, track_view_rows
from ..results import write_json, write_table
from ..studies import Attribution, Comparison, GoalResult, Priorities, Sensitivity, Track
from . import figure_makers, write_data, write_json_and_tables

__all__: list[str] = []


# -- data files ----------------------------------------------------------------------
@write_data.register
def _(comparison: Comparison, folder: Path) -> list[str]:
    return write_json_and_tables(folder, "comparison.json", comparison.to_json(), {"comparison": comparison.table()})


@write_data.register
def _(study: Sensitivity, folder: Path) -> list[str]:
    tables = {"sobol_indices": study.table(), "tornado": study.tornado_table()}
    return write_json_and_tables(folder, "sensitivity.json", study.to_json(), tables)


@write_data.register
def _(result: GoalResult, folder: Path) -> list[str]:
    return write_json_and_tables(folder, "goal.json", result.to_json(), {"goal_curve": result.curve})


@write_data.register
def _(attribution: Attribution, folder: Path) -> list[str]:
    return write_json_and_tables(folder, "attribution.json", attribution.to_json(), {"attribution": attribution.table()})


@write_data.register
def _(priorities: Priorities, folder: Path) -> list[str]:
    tables = {"candidates": priorities.candidates, **({"stability": priorities.stability} if len(priorities.stability) else {})}
    return write_json_and_tables(folder, "priorities.json", priorities.to_json(), tables)


@write_data.register
def _(result: Track, folder: Path) -> list[str]:
    """``track.json``, and the views, the scores, the scores by horizon and (a mixture) each law's scores as CSV tables."""
    write_json(folder / "track.json", result.to_json())
    names = ["track.json"]
    law_rows = [{**asdict(s), "as_of": s.as_of.isoformat()} for s in result.law_scores]
    for stem, rows in (
        ("views", track_view_rows(result)),
        ("scores", track_score_rows(result)),
        ("track_by_horizon", result.by_horizon()),
        ("law_scores", law_rows),
        ("track_by_law", result.by_law()),
    ):
        if rows:
            write_table(folder / f"{stem}.csv", rows)
            names.append(f"{stem}.csv")
    return names


# -- figures ---------------------------------------------------------------------------
@figure_makers.register
def _(comparison: Comparison) -> dict[str, Callable[[], Figure]]:
    """The overlays and paired differences, the scenarios named by the first clause of their descriptions (:func:`sim.report.sources.scenario_labels`)."""
    runs = comparison.results
    labels = scenario_labels(comparison.scenarios, comparison.manifest)
    by_name = dict(zip(comparison.scenarios, labels, strict=True))
    return {
        "fan_charts": lambda: plots.overlay_fan_charts(runs, labels),
        "reach_probability": lambda: plots.overlay_reach_probability(runs, labels),
        "hit_years": lambda: plots.hit_year_comparison(runs, labels),
        "difference_p_reach": lambda: plots.paired_difference(comparison, "p_reach_by_year", labels=by_name),
        "difference_mean_trade": lambda: plots.paired_difference(comparison, "mean_trade_usd_bn", labels=by_name),
    }


@figure_makers.register
def _(study: Sensitivity) -> dict[str, Callable[[], Figure]]:
    """The tornado, one Sobol chart per output (at most two) and, when there is anything to show, the discovery chart."""
    makers: dict[str, Callable[[], Figure]] = {"tornado": lambda: plots.tornado_chart(study)}
    for name, output in zip(("sobol_reached", "sobol_trade"), study.outputs, strict=False):
        makers[name] = lambda output=output: plots.sobol_chart(study, output)
    if study.discovery.boxes or len(study.discovery.features.columns):
        makers["discovery"] = lambda: plots.discovery_chart(study)
    return makers


@figure_makers.register
def _(result: GoalResult) -> dict[str, Callable[[], Figure]]:
    return {"goal": lambda: plots.goal_chart(result)}


@figure_makers.register
def _(attribution: Attribution) -> dict[str, Callable[[], Figure]]:
    return {"attribution": lambda: plots.attribution_chart(attribution)}


@figure_makers.register
def _(priorities: Priorities) -> dict[str, Callable[[], Figure]]:
    return {"priorities": lambda: plots.priorities_chart(priorities)}


@figure_makers.register
def _(result: Track) -> dict[str, Callable[[], Figure]]:
    return {
        "track_probability": lambda: plots.track_probability(result),
        "track_pit": lambda: plots.track_pit(result),
        "track_coverage": lambda: plots.track_coverage(result),
    }
