"""Charts of the portfolio studies: :func:`attribution_chart` and :func:`priorities_chart`.

* :func:`attribution_chart` -- what each item of the portfolio adds to P(target by the year), ranked, with paired intervals
  (:class:`~sim.studies.attribute.Attribution`).
* :func:`priorities_chart` -- the priority list found within a budget: each item's gain on the search paths, and the
  whole list's on fresh paths with its interval (:class:`~sim.studies.prioritise.Priorities`).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..studies.attribute import KINDS, Attribution
from ..studies.prioritise import Priorities
from .sensitivity import _bar_labels, _bar_style, _whiskers
from .style import (
    BLUE,
    GREEN,
    INK,
    LABEL_SIZE,
    MUTED,
    ORANGE,
    PURPLE,
    SKY,
    add_legend,
    chart_axes,
    money,
    pct,
    signed,
    signed_tick,
    subtitle_room,
)

__all__ = ["attribution_chart", "priorities_chart"]

KIND_COLORS = dict(zip(KINDS, (BLUE, PURPLE, ORANGE, SKY, GREEN), strict=True))
"""Bar colour of each kind of attributed item."""
KIND_LABELS = {
    "project": "named project",
    "measure": "measure",
    "lender": "lender (capacity set to zero)",
    "pipeline": "generic pipeline",
    "portfolio": "whole portfolio",
}


def _points_axis(ax: Axes, label: str, values: np.ndarray) -> None:
    """A symmetric x axis in signed percentage points wide enough for ``values`` (points) and their labels."""
    finite = np.abs(values[np.isfinite(values)])
    reach = max(float(finite.max()) if finite.size else 0.0, 0.5) * 1.35
    ax.set_xlim(-reach, reach)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10], symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(signed_tick))
    ax.set_xlabel(label, fontsize=LABEL_SIZE, color=INK)
    ax.axvline(0, color=INK, linewidth=1.1, zorder=5, gid="zero")


def attribution_chart(attribution: Attribution, ax: Axes | None = None) -> Figure:
    """What each item of the portfolio adds to P(target by the year): ranked bars with paired 95% intervals.

    Each bar is the baseline's probability less the probability without the
    item, in percentage points, on common random numbers with each path's
    organic trade kept; the largest on top, coloured by kind. The item's
    labels give its capex (mean per path) where it has one.

    Parameters
    ----------
    attribution : Attribution
        Uses ``rows``, ``year``, ``target_usd_bn``, ``baseline_p``, ``baseline_ci95``, ``paths``, ``seed`` and ``scenario``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Bars are rectangles with gid ``"difference"`` (top
        item first, width 100 x difference), their whiskers a line collection
        with gid ``"difference_ci95"``; the y tick labels name the items, bottom to top.
    """
    rows = attribution.rows
    n = len(rows)
    y = np.arange(n, dtype=float)[::-1]
    diff = rows["difference"].to_numpy() * 100.0
    low, high = rows["ci95_low"].to_numpy() * 100.0, rows["ci95_high"].to_numpy() * 100.0
    lo, hi = attribution.baseline_ci95
    fig, ax, own = chart_axes(
        ax,
        f"What each item adds to P({money(attribution.target_usd_bn)} by {attribution.year})",
        f"Baseline {pct(attribution.baseline_p)} ({pct(lo)} to {pct(hi)}). Each item is removed alone on the same paths "
        "(common random numbers),\nevery path keeping its organic trade: bars are paired differences, whiskers 95% intervals",
        f"Source: coopsim attribution. Scenario {attribution.scenario} ({attribution.paths:,} paths per counterfactual, seed {attribution.seed}).",
    )
    if own:
        subtitle_room(fig, 2)
    colors = [KIND_COLORS.get(kind, MUTED) for kind in rows["kind"]]
    for rect in ax.barh(y, np.nan_to_num(diff), height=0.7, color=colors, zorder=3):
        rect.set_gid("difference")
    _whiskers(ax, y, low, high, "difference_ci95")
    names = [
        f"{r.item} ({money(r.capex_usd_bn, 2 if r.capex_usd_bn < 1 else 1)})" if r.capex_usd_bn > 0 else r.item for r in rows.itertuples()
    ]
    _bar_style(ax, names, y, own)
    _points_axis(
        ax, f"P(target reached by {attribution.year}) with the item less without, percentage points", np.concatenate([diff, low, high])
    )
    _bar_labels(ax, y, diff, low, high, lambda v: signed(v, "pp"))
    kinds = list(dict.fromkeys(rows["kind"]))
    if kinds:
        add_legend(ax, [Patch(color=KIND_COLORS.get(k, MUTED), label=KIND_LABELS.get(k, k)) for k in kinds], ncol=1, loc="lower right")
    return fig


def priorities_chart(priorities: Priorities, ax: Axes | None = None) -> Figure:
    """The priority list found within a budget: what each item adds on the search paths, and the list's gain on fresh paths.

    One bar per chosen item, in order (first on top): the rise of P(target by
    the year) when it joins the list, on the search paths. The last row is the
    whole list's paired difference on fresh paths, with its 95% interval.

    Parameters
    ----------
    priorities : Priorities
        Uses ``chosen``, ``search_baseline_p``, ``difference`` and ``difference_ci95``, ``baseline_p``,
        ``prioritised_p``, ``budget_usd_bn``, ``method``, ``year``, ``target_usd_bn``, ``paths``, ``seed`` and ``scenario``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. The items' bars have gid ``"gain"`` (first item on
        top, width in points), the whole list's bar gid ``"difference"`` with
        its whisker gid ``"difference_ci95"``.
    """
    chosen = priorities.chosen
    p_search = chosen["p_search"].to_numpy()
    gains = np.diff(np.concatenate([[priorities.search_baseline_p], p_search])) * 100.0
    labels = [f"{int(r.order)}. {r.item} ({money(r.capex_usd_bn, 2)})" for r in chosen.itertuples()] + ["whole list, fresh paths"]
    n = len(labels)
    y = np.arange(n, dtype=float)[::-1]
    total = priorities.difference * 100.0
    low, high = (v * 100.0 for v in priorities.difference_ci95)
    spent = float(chosen["capex_usd_bn"].sum())
    fig, ax, own = chart_axes(
        ax,
        # one dollar sign per text (two would start mathtext): the budget has it, the target stays a word
        f"What to finance first within {money(priorities.budget_usd_bn)}, for P(target by {priorities.year})",
        f"{priorities.method.capitalize()} search on {priorities.paths:,} paths; {len(chosen)} item(s), {money(spent, 2)} of capex. "
        f"On {priorities.paths:,} fresh paths P goes from {100 * priorities.baseline_p:.1f}% to {100 * priorities.prioritised_p:.1f}%\n"
        "Bars: the rise of P as each item joins the list (search paths); last row: the whole list, paired 95% interval",
        f"Source: coopsim prioritisation. Scenario {priorities.scenario}, seed {priorities.seed}; each path keeps its organic trade.",
    )
    if own:
        subtitle_room(fig, 2)
    for rect in ax.barh(y[:-1], gains, height=0.6, color=BLUE, zorder=3):
        rect.set_gid("gain")
    (whole,) = ax.barh(y[-1:], [total], height=0.6, color=GREEN, zorder=3)
    whole.set_gid("difference")
    _whiskers(ax, y[-1:], np.array([low]), np.array([high]), "difference_ci95")
    _bar_style(ax, labels, y, own)
    _points_axis(ax, f"Change in P(target reached by {priorities.year}), percentage points", np.array([*gains, total, low, high]))
    _bar_labels(ax, y, np.array([*gains, total]), np.array([*gains, low]), np.array([*gains, high]), lambda v: signed(v, "pp"))
    if not len(chosen):
        ax.text(
            0.5, 0.75, "No item raises the probability within the budget", transform=ax.transAxes, ha="center", va="center", color=MUTED
        )
    return fig
