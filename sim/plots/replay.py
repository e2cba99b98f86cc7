"""The chart of a replay (:class:`~sim.studies.replay.ReplayResult`): :func:`replay_chart`.

The portfolio's modelled project flows over the record's years (mean and 5-95%
band) beside the recorded exports to and imports from the partner: project
exports against recorded exports, construction imports against recorded imports.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..studies.replay import ReplayResult
from .style import BLUE, GREEN, INK, LABEL_SIZE, ORANGE, VERMILLION, add_legend, chart_axes, source_line, subtitle_room, year_axis

__all__ = ["replay_chart"]


def replay_chart(result: ReplayResult, ax: Axes | None = None) -> Figure:
    """Modelled project flows (band: 5-95% of paths) and the recorded flows with the partner, by year.

    Parameters
    ----------
    result : ReplayResult
    ax : Axes, optional
        Draw into these axes (no title block); default: a new slide-shaped figure.
    """
    ex, cx = result.exports_fit, result.construction_fit
    fig, ax, own = chart_axes(
        ax,
        "Projects on the record: modelled project flows against recorded trade",
        f"{result.scenario} replayed {result.years[1]}-{result.years[-1]}, bands 5-95% of paths.\nFitted scales: exports {ex.median:.2f} "
        f"[{ex.low:.2f}, {ex.high:.2f}], construction imports {cx.median:.2f} [{cx.low:.2f}, {cx.high:.2f}] (1 = as assumed)",
        source_line("replay of the portfolio", result.paths, result.seed, [result.reporter] if result.reporter else [], result.scenario),
    )
    years = np.array(result.years, dtype=float)
    for comp, color, label in (
        ("operating_exports", GREEN, "modelled project exports"),
        ("construction_imports", ORANGE, "modelled construction imports"),
    ):
        ax.fill_between(years, result.low[comp], result.high[comp], color=color, alpha=0.18, linewidth=0)
        ax.plot(years, result.mean[comp], color=color, linewidth=2.2, label=label)
    for series, color, label in (
        ("partner_exports", BLUE, f"recorded exports to {result.partner}"),
        ("partner_imports", VERMILLION, f"recorded imports from {result.partner}"),
    ):
        points = [(y, result.recorded(series, y)) for y in result.years if not math.isnan(result.recorded(series, y))]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, color=color, linestyle="none", marker="o", markersize=7, label=label)
    year_axis(ax, years[0], years[-1])
    ax.set_ylabel("USD bn a year", fontsize=LABEL_SIZE, color=INK)
    recorded = [result.recorded(s, y) for s in ("partner_exports", "partner_imports") for y in result.years]
    highest = max(
        [v for v in recorded if not math.isnan(v)] + [float(np.max(result.high[c])) for c in ("operating_exports", "construction_imports")]
    )
    ax.set_ylim(0.0, 1.3 * highest)  # room for the legend above the points
    add_legend(ax, ncol=2)
    if own:
        subtitle_room(fig, 2)
    return fig
