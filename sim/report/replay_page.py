"""The report page of a replay (:class:`~sim.studies.replay.ReplayResult`): the portfolio's modelled flows against the record, as a figure and a table, and the fitted scales.

Registered on :func:`sim.report.pages.report_page` when :mod:`sim.report` is
imported; ``coopsim replay --report`` writes it as ``report.html`` in the
replay's folder (:func:`sim.report.render_report`, the chart inline as SVG).
Everything shown comes from the :class:`~sim.studies.replay.ReplayResult`:
this module renders, it computes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..studies.replay import ReplayResult, ScaleFit
from .pages import Figure, Page, Section, Table, Text, report_page

__all__ = ["SCALE_MEANING", "replay_year_cells", "scale_reading"]

SCALE_MEANING = (
    "A scale multiplies the scenario's coefficients of a project flow ([pipeline.flow_scale]): 1 keeps the coefficients as "
    "assumed, 0.5 halves the flows, 2 doubles them. It is fitted on the partner's share of the country's trade in that direction, "
    "an organic share plus the projects' flows times the scale, over the years with a recorded split; the interval is the "
    "posterior's 5% to 95% with the scale kept at or above 0 (a Student t truncated at 0). Few years and a noisy record give "
    "wide intervals: an interval that holds 1 does not reject the coefficients, one below 1 says the record shows less than "
    "the portfolio implies."
)
"""What the fitted scales mean, in the words the report prints under them."""


def _usd(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:.2f}"


def _band(row: dict[str, Any], component: str) -> str:
    return f"{row[f'{component}_mean']:.2f} [{row[f'{component}_p05']:.2f}, {row[f'{component}_p95']:.2f}]"


def replay_year_cells(result: ReplayResult) -> list[tuple[str, ...]]:
    """One row of text cells a year: recorded exports beside modelled project exports, recorded imports beside construction and operating imports, and the flows at the fitted scales."""
    return [
        (
            str(row["year"]),
            _usd(row["recorded_exports_to_partner"]),
            _band(row, "operating_exports"),
            _usd(row["fitted_operating_exports"]),
            _usd(row["recorded_imports_from_partner"]),
            _band(row, "construction_imports"),
            _usd(row["fitted_construction_imports"]),
            _band(row, "operating_imports"),
        )
        for row in result.table().to_dict("records")
    ]


def scale_reading(fit: ScaleFit) -> str:
    """A fitted scale in words: its median and interval, and whether the coefficients as assumed (1) lie inside."""
    where = (
        "holds 1: the record does not reject the coefficients as assumed"
        if fit.low <= 1.0 <= fit.high
        else "lies below 1: the record shows less than the coefficients imply"
        if fit.high < 1.0
        else "lies above 1: the record shows more than the coefficients imply"
    )
    return f"{fit.median:.2f} (5% to 95%: {fit.low:.2f} to {fit.high:.2f}); the interval {where}"


def _scale_row(label: str, fit: ScaleFit) -> tuple[str, ...]:
    table = fit.as_pert()
    pert = ", ".join(f"{k} = {v}" if isinstance(v, str) else f"{k} = {v:g}" for k, v in table.items())
    return (
        label,
        f"{fit.median:.2f}",
        f"{fit.low:.2f} to {fit.high:.2f}",
        f"{fit.estimate:+.2f} ({fit.se:.2f})",
        f"{fit.organic_share:.3f}",
        ", ".join(map(str, fit.years)),
        pert,
    )


@report_page.register
def _(result: ReplayResult, years: Sequence[int] | None = None) -> Page:
    ex, cx = result.exports_fit, result.construction_fit
    span = f"{result.years[1]}-{result.years[-1]}"
    return Page(
        title=f"Projects on the record: {result.scenario} replayed {span}",
        question=f"Do the portfolio's modelled project flows match the recorded exports to and imports from {result.partner} over {span}, "
        "and by how much should its flow coefficients be scaled?",
        answer=f"Fitted scale on project exports {scale_reading(ex)}; on construction imports {scale_reading(cx)}.",
        sections=(
            Section(
                "The model against the record",
                (
                    Figure(
                        "replay",
                        f"Modelled project exports and construction imports (mean, band 5-95% of {result.paths:,} paths) and the "
                        f"recorded exports to and imports from {result.partner}, USD bn a year.",
                    ),
                    Table(
                        (
                            "year",
                            f"exports to {result.partner}, recorded",
                            "project exports, model [5%, 95%]",
                            "at the fitted scale",
                            f"imports from {result.partner}, recorded",
                            "construction imports, model [5%, 95%]",
                            "at the fitted scale",
                            "operating imports, model [5%, 95%]",
                        ),
                        tuple(replay_year_cells(result)),
                        f"USD bn a year; the first row is the replay's base year. {result.paths:,} paths, seed {result.seed}; "
                        f"{result.launches_per_year:.1f} launches in {result.years[1]}, growing as the scenario's trend; every "
                        f"launch financed when it asks. The recorded flows are the whole trade with {result.partner}, organic trade "
                        "included; the model's are the projects' alone: the fit below separates them. A dash: no record that year.",
                    ),
                ),
            ),
            Section(
                "The fitted scales",
                (
                    Table(
                        ("flow", "median", "5% to 95%", "least squares (se)", "organic share", "years fitted", "[pipeline.flow_scale]"),
                        (_scale_row("project exports", ex), _scale_row("construction imports", cx)),
                        "The scenario table is a PERT with the posterior's median and 90th percentile, bounded at its 99th.",
                    ),
                    Text((SCALE_MEANING,)),
                ),
            ),
        ),
    )
