"""The chart of the new-money study: :func:`new_money_chart` of a :class:`~sim.studies.new_money.NewMoney`."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..studies.new_money import NewMoney
from .portfolio import _points_axis
from .sensitivity import _bar_labels, _bar_style, _whiskers
from .style import BLUE, GREEN, MUTED, SKY, chart_axes, money, signed, subtitle_room

__all__ = ["new_money_chart"]

FRESH_ROWS = (("reorder", "reordering alone, fresh paths"), ("plan", "new money and reordering, fresh paths"))
"""The comparisons drawn under the steps, with their labels."""


def new_money_chart(result: NewMoney, ax: Axes | None = None) -> Figure:
    """Where the new money goes, step by step, and what the plan and reordering alone add on fresh paths.

    One bar per greedy step (first on top): the rise of P(target by the year)
    on the search paths. Then reordering alone and the whole plan (on top of
    it), each a paired difference on fresh paths with its 95% interval.

    Parameters
    ----------
    result : NewMoney
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The steps' bars have gid ``"step"`` (width in points), the fresh rows gid ``"fresh"`` with whiskers ``"fresh_ci95"``.
    """
    plan = result.plan
    first = (
        float(result.options["p_search"].iloc[0] - result.options["gain_search"].iloc[0])
        if len(result.options)
        else result.search_baseline_p
    )
    gains = np.diff(np.concatenate([[first], plan["p_search"].to_numpy(dtype=float)])) * 100.0
    rows = result.comparisons.set_index("comparison")
    fresh = np.array([rows.loc[c, "difference"] for c, _ in FRESH_ROWS]) * 100.0
    low = np.array([rows.loc[c, "ci95_low"] for c, _ in FRESH_ROWS]) * 100.0
    high = np.array([rows.loc[c, "ci95_high"] for c, _ in FRESH_ROWS]) * 100.0
    labels = [f"{int(r.step)}. {r.option} ({money(r.cost_usd_bn, 1)})" for r in plan.itertuples()] + [label for _, label in FRESH_ROWS]
    y = np.arange(len(labels), dtype=float)[::-1]
    fig, ax, own = chart_axes(
        ax,
        f"Where {money(result.budget_usd_bn)} of new money adds most to P(target by {result.year})",
        f"Greedy in tranches of {result.tranche_usd_bn:g} bn on {result.paths:,} search paths: {result.plan_words}.\n"
        "Bars: the rise of P at each step (search paths); last rows: paired 95% intervals on as many fresh paths",
        f"Source: coopsim new-money. Scenario {result.scenario}, seed {result.seed}; each path keeps its organic trade.",
    )
    if own:
        subtitle_room(fig, 2)
    for rect in ax.barh(y[: len(gains)], gains, height=0.6, color=BLUE, zorder=3):
        rect.set_gid("step")
    for rect, color in zip(ax.barh(y[len(gains) :], fresh, height=0.6, zorder=3), (SKY, GREEN), strict=True):
        rect.set_gid("fresh")
        rect.set_color(color)
    _whiskers(ax, y[len(gains) :], low, high, "fresh_ci95")
    _bar_style(ax, labels, y, own)
    _points_axis(ax, f"Change in P(target reached by {result.year}), percentage points", np.array([*gains, *fresh, *low, *high]))
    _bar_labels(ax, y, np.array([*gains, *fresh]), np.array([*gains, *low]), np.array([*gains, *high]), lambda v: signed(v, "pp"))
    if not len(plan):
        ax.text(0.5, 0.75, "No use of new money raises the probability", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig
