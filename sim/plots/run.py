"""Charts of one run's :class:`~sim.results.Results`.

* :func:`fan_chart` -- annual trade: 90% and 50% ranges, median, target,
  base year and observed history.
* :func:`reach_probability` -- probability the target is reached by each year,
  and that trade is at or above it in that year.
* :func:`hit_year_distribution` -- the year the target is first reached.
* :func:`composition` -- mean annual exports and imports by component, on two panels.

Each takes the typed results and ``ax=`` (``axes=``, a pair, for the
composition) and returns the Figure. Missing statistics (NaN) are drawn as gaps.
The helpers at the top, shared with :mod:`sim.plots.compare`, read a run's series.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ..results import Results
from .style import (
    BLACK,
    BLUE,
    COMPONENT_COLORS,
    COMPONENT_LABELS,
    FORECAST_HORIZON_YEARS,
    INK,
    LABEL_SIZE,
    LEGEND_SIZE,
    MUTED,
    NEVER_GREY,
    NOTE_SIZE,
    ORANGE,
    SCENARIO_COLORS,
    SKY,
    add_legend,
    chart_axes,
    forecast_horizon,
    house_style,
    money,
    pct,
    percent_axis,
    slide_figure,
    source_line,
    target_line,
    top_with_room,
    year_axis,
)

__all__ = ["fan_chart", "reach_probability", "hit_year_distribution", "composition"]


# -- a run's series -----------------------------------------------------------------
def quantile_series(results: Results) -> dict[str, np.ndarray]:
    """Arrays of ``mean``, ``p5`` ... ``p95`` of annual trade over the simulated years, USD bn."""
    return {k: results.annual_trade_usd_bn[k].to_numpy() for k in results.annual_trade_usd_bn.columns}


def _converted(results: Results) -> bool:
    """Whether the reported figures are another reporter's, converted from the simulated reporter's."""
    return results.simulated_reporter != results.reporter


def _base_value(results: Results) -> float:
    """The base year's value in the reported figures' basis (NaN when they are converted: the base is not in them)."""
    return math.nan if _converted(results) else results.base_usd_bn


def _basis_note(results: Results) -> str:
    """``"; CN figures, converted from UZ statistics by the reporter gap"`` for converted figures, else ``""``."""
    if not _converted(results):
        return ""
    return f"; {results.reporter} figures, converted from {results.simulated_reporter} statistics by the reporter gap"


def with_base(results: Results, years: np.ndarray, series: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Prepend the base year (all quantiles at the base value) so the fan opens from the known point."""
    base = _base_value(results)
    if not math.isfinite(base) or len(years) == 0 or results.base_year >= years[0]:
        return years, series
    return np.concatenate([[results.base_year], years]), {k: np.concatenate([[base], v]) for k, v in series.items()}


def run_identity(results: Results) -> str:
    """``pair_2025 (2,000 paths, seed 1)``."""
    return f"{results.scenario} ({results.n_paths:,} paths, seed {results.seed})"


def _caption(results: Results) -> str:
    """The source line of a run's charts: scenario, paths, seed and, when the chart shows history, whose figures it is."""
    return source_line(
        "Monte Carlo simulation",
        results.n_paths,
        results.seed,
        [results.reporter] if results.history else [],
        results.scenario,
        results.reporter_labels,
    )


def history_series(results: Results) -> tuple[np.ndarray, np.ndarray]:
    """The observed years and values (USD bn), sorted."""
    hist = sorted((int(y), float(v)) for y, v in results.history)
    if not hist:
        return np.array([], dtype=int), np.array([])
    years, values = zip(*hist, strict=True)
    return np.array(years), np.array(values)


def history_label(results: Results) -> str:
    return f"observed ({results.reporter} statistics)"


# -- single-run charts ---------------------------------------------------------------
def fan_chart(results: Results, ax: Axes | None = None) -> Figure:
    """Annual trade over the simulated years as a fan chart.

    Shows the 5--95% and 25--75% ranges of the simulated paths, their median,
    the target as a dashed line, the base-year value and the observed history.
    The fan opens from the base-year value when the base year precedes the
    first simulated year.

    Parameters
    ----------
    results : Results
        A run's results; uses ``annual_trade_usd_bn``, ``target_usd_bn``,
        ``base_year``, ``base_usd_bn``, ``reporter`` and ``history``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (of the caller's figure); default a new slide-shaped figure with title and source line.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. The median line has gid ``"median"``, the target line gid ``"target"``.
    """
    target = results.target_usd_bn
    years = np.array(results.years)
    x, q = with_base(results, years, quantile_series(results))
    hy, hv = history_series(results)

    fig, ax, own = chart_axes(
        ax,
        f"Projected annual trade against the {money(target)} target",
        f"Trade turnover: median, 25th-75th and 5th-95th percentiles of {results.n_paths:,} simulated paths{_basis_note(results)}",
        _caption(results),
    )
    ax.fill_between(x, q["p5"], q["p95"], color=SKY, alpha=0.30, linewidth=0, label="90% of paths (5th-95th pct.)", zorder=1)
    ax.fill_between(x, q["p25"], q["p75"], color=BLUE, alpha=0.35, linewidth=0, label="50% of paths (25th-75th pct.)", zorder=2)
    (median,) = ax.plot(x, q["p50"], color=BLUE, linewidth=2.6, label="median", zorder=3)
    median.set_gid("median")
    target_line(ax, target)
    if len(hy):
        ax.plot(hy, hv, color=INK, linewidth=1.8, marker="o", markersize=5, label=history_label(results), zorder=5, gid="observed")
    base_year, base = results.base_year, _base_value(results)
    if math.isfinite(base):
        ax.plot(
            [base_year],
            [base],
            linestyle="none",
            marker="D",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor=INK,
            markeredgewidth=2,
            label=f"base year {base_year}: {money(base)}",
            zorder=6,
        )
    if len(years) and math.isfinite(q["p50"][-1]):
        if own:
            fig.subplots_adjust(right=0.875)
        ax.annotate(
            f"median {years[-1]}:\n{money(q['p50'][-1])}",
            (x[-1], q["p50"][-1]),
            xytext=(10, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=NOTE_SIZE,
            color=BLUE,
            fontweight="bold",
            annotation_clip=False,
        )

    first = min([*(hy.tolist() if len(hy) else []), *x.tolist()]) if len(x) or len(hy) else 0
    last = max([*x.tolist(), *(hy.tolist() if len(hy) else [])]) if len(x) or len(hy) else 1
    year_axis(ax, first, last)
    # past the forecast horizon the upper band compounds a decade of assumptions: it may run off the chart rather than squash the forecast
    horizon = results.base_year + FORECAST_HORIZON_YEARS
    top = top_with_room([*q["p95"][x <= horizon], *q["p50"], *hv, target], 1.0, 1.15)
    clipped = np.nanmax(q["p95"], initial=0.0) > top
    ax.set_ylim(0, top)
    forecast_horizon(
        ax, results.base_year, last, f"The 90% band is cut at the top ({int(x[-1])}: {money(q['p95'][-1])})." if clipped else ""
    )
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    add_legend(ax, ncol=2)
    return fig


def reach_probability(results: Results, ax: Axes | None = None) -> Figure:
    """Probability that the target has been reached by each year.

    Parameters
    ----------
    results : Results
        Uses ``p_reach_by_year`` and ``p_above_in_year`` (``p``, ``ci95_low``,
        ``ci95_high``), ``target_usd_bn`` and ``hit_year.p50``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the probability line has gid ``"p_reach"`` and
        ydata the ``p`` column (NaN where missing).
    """
    target = results.target_usd_bn
    years = np.array(results.years)
    p, lo, hi = results.p_reach_by_year[["p", "ci95_low", "ci95_high"]].to_numpy().T
    fig, ax, _ = chart_axes(
        ax,
        f"Probability of reaching {money(target)} by each year",
        "Share of simulated paths at or above the target in that year or earlier, and in that year itself; shading: Wilson 95% intervals",
        _caption(results),
    )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.3, zorder=1)
    ax.fill_between(years, lo, hi, color=BLUE, alpha=0.22, linewidth=0, label="Wilson 95% interval (Monte Carlo noise)", zorder=2)
    (line,) = ax.plot(years, p, color=BLUE, linewidth=2.4, marker="o", markersize=6, label="reached in the year or before", zorder=3)
    line.set_gid("p_reach")
    a, alo, ahi = results.p_above_in_year[["p", "ci95_low", "ci95_high"]].to_numpy().T
    if np.isfinite(a).any():
        ax.fill_between(years, alo, ahi, color=ORANGE, alpha=0.22, linewidth=0, zorder=2)
        (above,) = ax.plot(
            years, a, color=ORANGE, linewidth=2.0, linestyle="--", marker="s", markersize=5, label="at or above in that year", zorder=3
        )
        above.set_gid("p_above")
    year_axis(ax, years[0] if len(years) else 0, years[-1] if len(years) else 1)
    percent_axis(ax, "Probability")
    ax.set_ylim(0, 1.02)
    ax.text(ax.get_xlim()[0] + 0.1, 0.5, " even odds", color=MUTED, fontsize=NOTE_SIZE, va="bottom", ha="left")
    _annotate_median_year(ax, results, p, years)
    if len(years) and math.isfinite(p[-1]):
        ax.annotate(
            f"by {years[-1]}: {pct(p[-1])}",
            (years[-1], p[-1]),
            xytext=(0, 12 if p[-1] < 0.9 else -18),
            textcoords="offset points",
            ha="right",
            fontsize=NOTE_SIZE,
            color=BLUE,
            fontweight="bold",
        )
    add_legend(ax, ncol=1, loc="upper left")
    return fig


def _annotate_median_year(ax: Axes, results: Results, p: np.ndarray, years: np.ndarray) -> None:
    """Mark where the probability first reaches 50% (``hit_year["p50"]``), if within the horizon."""
    median_year = results.hit_year.p50
    if median_year is None:
        return
    k = np.flatnonzero(years == median_year)
    if not len(k) or not math.isfinite(p[k[0]]):
        return
    ax.annotate(
        f"50% reached by {median_year}",
        (years[k[0]], p[k[0]]),
        xytext=(12, -26),
        textcoords="offset points",
        fontsize=NOTE_SIZE,
        color=INK,
        ha="left",
        arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 1},
    )


def hit_year_distribution(results: Results, ax: Axes | None = None) -> Figure:
    """Share of paths first reaching the target in each year, and not by the horizon.

    Parameters
    ----------
    results : Results
        Uses ``hit_year_share``, ``hit_year`` (``p50``, ``share_never``) and ``target_usd_bn``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the year bars carry the label ``"first reached in year"``,
        the separate grey hatched bar ``"not by {last year}"``.
    """
    target = results.target_usd_bn
    years = np.array(results.years)
    shares = results.hit_year_share.to_numpy()
    never = results.hit_year.share_never
    last = int(years[-1]) if len(years) else 0
    never_x = last + 1.6
    never_label = f"not by {last}"

    fig, ax, _ = chart_axes(
        ax,
        f"When trade first reaches {money(target)}",
        "Share of simulated paths first reaching the target in each year",
        _caption(results),
    )
    bars = ax.bar(years, np.nan_to_num(shares), width=0.72, color=BLUE, label="first reached in year", zorder=3)
    nbar = ax.bar(
        [never_x],
        [0.0 if not math.isfinite(never) else never],
        width=0.72,
        color=NEVER_GREY,
        edgecolor="white",
        hatch="//",
        label=never_label,
        zorder=3,
    )
    ax.axvline(last + 0.8, color="#BBBBBB", linewidth=1, linestyle="-", zorder=1)
    for rect, value in [*zip(bars, shares, strict=True), (nbar[0], never)]:
        if math.isfinite(value) and (value > 0 or rect is nbar[0]):
            ax.annotate(
                pct(value),
                (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=NOTE_SIZE - 0.5,
                color=INK,
            )

    highest = max([0.02, *(v for v in [*shares, never] if math.isfinite(v))])
    top = highest * 1.5
    ax.set_ylim(0, top)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    if top > 1.0:  # headroom for labels, but no shares above 100% on the axis
        ax.set_yticks([t for t in ax.yaxis.get_major_locator().tick_values(0, 1.0) if -1e-9 <= t <= 1.0 + 1e-9])
        ax.spines["left"].set_bounds(0, 1.0)
    ax.set_ylabel("Share of paths", fontsize=LABEL_SIZE, color=INK)
    ticks = [*years.tolist(), never_x]
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(y) for y in years] + [never_label])
    ax.set_xlim((years[0] if len(years) else 0) - 0.7, never_x + 0.7)
    ax.set_xlabel("Year the target is first reached", fontsize=LABEL_SIZE, color=INK)

    median_year = results.hit_year.p50
    legend_loc = "upper left"
    if median_year is not None:
        k = np.flatnonzero(years == median_year)
        if len(k) and k[0] < len(years) / 2:
            legend_loc = "upper right"  # keep the median note clear of the legend
        if len(k):
            height = shares[k[0]] if math.isfinite(shares[k[0]]) else 0.0
            ax.annotate(
                f"median: {median_year}\nhalf of paths reach the target by then",
                (years[k[0]], height),
                xytext=(years[k[0]], highest * 1.2),
                textcoords="data",
                ha="center",
                va="bottom",
                fontsize=NOTE_SIZE,
                color=INK,
                fontweight="bold",
                arrowprops={"arrowstyle": "->", "color": INK, "linewidth": 1.1, "shrinkA": 3, "shrinkB": 16},
            )
    else:
        ax.text(
            last + 0.55,
            0.97,
            f"Fewer than half of paths reach\nthe target by {last}: no median year",
            transform=ax.get_xaxis_transform(),
            ha="right",
            va="top",
            fontsize=NOTE_SIZE,
            color=INK,
            fontweight="bold",
            linespacing=1.3,
        )
    add_legend(ax, ncol=1, loc=legend_loc)
    return fig


def _stack_components(ax: Axes, years: np.ndarray, values: dict[str, np.ndarray]) -> tuple[list[Any], Line2D, float, float]:
    """Stacked bars of components on ``ax`` (positive parts up, negative down) and the net line.

    Returns the legend handles of the components, the net line and the lowest and highest bar ends.
    """
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    extra = iter(SCENARIO_COLORS[4:] + SCENARIO_COLORS[:4])
    handles: list[Any] = []
    for c, v in values.items():
        v = np.nan_to_num(v)
        color = COMPONENT_COLORS.get(c) or next(extra)
        label = COMPONENT_LABELS.get(c, c)
        pos = np.where(v > 0, v, 0.0)
        neg = np.where(v < 0, v, 0.0)
        ax.bar(years, pos, bottom=up, width=0.7, color=color, edgecolor="white", linewidth=0.6, label=label, zorder=2)
        ax.bar(years, neg, bottom=down, width=0.7, color=color, edgecolor="white", linewidth=0.6, label=f"_{label} (negative)", zorder=2)
        up += pos
        down += neg
        handles.append(Patch(facecolor=color, label=label))
    total = np.array([sum(values[c][k] for c in values) if values else math.nan for k in range(len(years))])
    (line,) = ax.plot(years, total, color=BLACK, linewidth=2, marker="o", markersize=5, label="mean total", zorder=4)
    line.set_gid("total")
    ax.axhline(0, color=INK, linewidth=0.9, zorder=3)
    low = float(np.min(down)) if len(down) else 0.0
    high = max(float(np.max(up)) if len(up) else 1.0, float(np.nanmax(total)) if np.isfinite(total).any() else 0.0, 1.0)
    return handles, line, low, high


def composition(results: Results, axes: Sequence[Axes] | None = None) -> Figure:
    """Mean annual exports and imports by component, as stacked bars on two panels.

    On each panel positive parts are stacked upward from zero and negative
    parts (import substitution, projects ending) downward, so the bars' net
    height is the mean flow, drawn as a black line with markers. Construction
    imports appear only on the imports panel.

    Parameters
    ----------
    results : Results
        Uses ``components_by_direction_mean_usd_bn`` (USD bn by year, with (direction, component) columns).
    axes : pair of matplotlib.axes.Axes, optional
        Draw the exports and the imports panel into these (the legend then goes
        on the first); default a new slide-shaped figure with both panels.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, with the two panels (exports, imports); each component's bars carry its legend
        name (:data:`COMPONENT_LABELS`), each total line gid ``"total"``.
    """
    years = np.array(results.years)
    table = results.components_by_direction_mean_usd_bn
    own = axes is None
    if own:
        fig, first = slide_figure(
            "Where the trade comes from: mean exports and imports by component",
            "Mean over simulated paths; project and measure flows are changes from the base year",
            _caption(results),
        )
        fig.delaxes(first)
        axes = fig.subplots(1, 2, sharey=False)
        fig.subplots_adjust(wspace=0.22)
    else:
        fig = axes[0].figure
    handles: dict[str, Any] = {}
    for ax, direction, title in zip(axes, ("exports", "imports"), ("Exports to the partner", "Imports from the partner"), strict=True):
        house_style(ax)
        present = table[direction] if direction in table.columns.unique("direction") else table.iloc[:, :0]
        names = [c for c in COMPONENT_LABELS if c in present.columns and (present[c].fillna(0.0).abs() > 0).any()]
        values = {c: present[c].to_numpy() for c in names}
        parts, line, low, high = _stack_components(ax, years, values)
        for handle in parts:
            handles.setdefault(handle.get_label(), handle)
        handles["mean total"] = line
        year_axis(ax, years[0] if len(years) else 0, years[-1] if len(years) else 1)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        span = high - low
        ax.set_ylim(low - 0.06 * span if low < 0 else 0, high + 0.12 * span)
        ax.set_title(title, fontsize=LABEL_SIZE, color=INK, loc="left")
    axes[0].set_ylabel("Mean annual flow, USD bn", fontsize=LABEL_SIZE, color=INK)
    if not own:
        add_legend(axes[0], handles=list(handles.values()), ncol=1)
        return fig
    fig.subplots_adjust(top=0.74)
    fig.legend(
        handles=list(handles.values()),
        loc="upper left",
        bbox_to_anchor=(0.08, 0.845),
        ncol=len(handles),
        fontsize=LEGEND_SIZE,
        frameon=False,
    )
    return fig
