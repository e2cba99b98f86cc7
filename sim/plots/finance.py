"""The finance chart of one run's :class:`~sim.results.Results`.

* :func:`finance_chart` -- capex requested, funded and withdrawn each year (bars, all
  lenders together), and the mean and 90th-percentile wait of the requests funded that
  year on a second axis.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..results import ALL_LENDERS, Results
from .run import run_identity
from .style import BLUE, GREEN, INK, LABEL_SIZE, MUTED, NOTE_SIZE, ORANGE, VERMILLION, add_legend, chart_axes, top_with_room, year_axis

__all__ = ["finance_chart"]


def finance_chart(results: Results, ax: Axes | None = None) -> Figure:
    """Finance of all lenders by year: capex requested, funded and withdrawn, and how long funded requests waited.

    A project turning to a fallback lender counts once, in the year it first asked; it counts as
    withdrawn only when it gives up for good. Waits run from that first request.

    Parameters
    ----------
    results : Results
        Uses ``finance`` (the rows of :data:`~sim.results.ALL_LENDERS`). A run without finance
        statistics (an organic-only scenario, or a version without them) gives an empty chart with a note.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the waits on a twin axis); default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. The bars (rectangles) have gids ``"requested"``, ``"funded"`` and ``"withdrawn"``;
        the wait lines ``"wait_mean"`` and ``"wait_p90"`` (on the twin axis).
    """
    fig, ax, own = chart_axes(
        ax,
        "Finance of the projects: asked, funded, given up, and the wait",
        "Mean capex a year over simulated paths, all lenders together; waits of the requests funded in the year",
        f"Source: coopsim Monte Carlo simulation. Scenario {run_identity(results)}.",
    )
    table = results.finance
    if not len(table) or ALL_LENDERS not in table.index.unique("lender"):
        ax.text(0.5, 0.5, "no finance in these results", transform=ax.transAxes, ha="center", va="center", color=MUTED, fontsize=LABEL_SIZE)
        return fig
    overall = table.xs(ALL_LENDERS, level="lender")
    years = overall.index.to_numpy()
    width = 0.27
    for offset, column, colour, label in (
        (-width, "requested_usd_bn", BLUE, "requested"),
        (0.0, "funded_usd_bn", GREEN, "funded"),
        (width, "withdrawn_usd_bn", VERMILLION, "withdrawn for good"),
    ):
        for bar in ax.bar(years + offset, overall[column].to_numpy(), width=width, color=colour, label=label, zorder=2):
            bar.set_gid(column.removesuffix("_usd_bn"))
    year_axis(ax, years[0], years[-1])
    ax.set_ylabel("Capex, USD bn a year", fontsize=LABEL_SIZE, color=INK)
    ax.set_ylim(0, top_with_room(overall[["requested_usd_bn", "funded_usd_bn"]].to_numpy().ravel().tolist(), 1.0, 1.25))

    if own:
        fig.subplots_adjust(right=0.91)  # room for the second axis
    waits = ax.twinx()
    for side in ("top", "left"):
        waits.spines[side].set_visible(False)
    (mean,) = waits.plot(
        years, overall["wait_mean_years"].to_numpy(), color=INK, linewidth=2.0, marker="o", markersize=5, label="mean wait"
    )
    (p90,) = waits.plot(
        years,
        overall["wait_p90_years"].to_numpy(),
        color=ORANGE,
        linewidth=2.0,
        linestyle="--",
        marker="s",
        markersize=4,
        label="90th-percentile wait",
    )
    mean.set_gid("wait_mean")
    p90.set_gid("wait_p90")
    longest = np.nanmax(overall["wait_p90_years"].to_numpy()) if np.isfinite(overall["wait_p90_years"].to_numpy()).any() else math.nan
    waits.set_ylim(0, max(1.0, 1.3 * longest) if math.isfinite(longest) else 1.0)
    waits.set_ylabel("Wait of the requests funded, years", fontsize=LABEL_SIZE, color=INK)
    waits.tick_params(labelsize=NOTE_SIZE + 1, colors=INK)
    handles = [*ax.get_legend_handles_labels()[0], mean, p90]
    add_legend(ax, handles=handles, ncol=3, loc="upper left")
    return fig
