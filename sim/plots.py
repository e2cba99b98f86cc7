"""Presentation-ready charts of a run's :class:`~sim.results.Results`.

Every public function takes results and returns a
:class:`matplotlib.figure.Figure` built with the object-oriented API only
(``Figure()`` directly, never ``pyplot``), so it works headless, in worker
processes and without any global backend or state. Figures share one look
(:func:`_style` and the module constants): a left-aligned title and subtitle,
axis labels with units, a light grid, no top/right spines, a colour-blind-safe
palette (Okabe & Ito) and a source line naming the scenario, paths and seed.

Charts of one run:

* :func:`fan_chart` -- annual trade: 90% and 50% ranges, median, target,
  base year and observed history.
* :func:`reach_probability` -- probability the target is reached by each year,
  and that trade is at or above it in that year.
* :func:`hit_year_distribution` -- the year the target is first reached.
* :func:`composition` -- mean annual exports and imports by component.

Charts comparing runs: :func:`overlay_fan_charts`,
:func:`overlay_reach_probability`, :func:`hit_year_comparison` (grouped bars
of the first year the target is reached) and :func:`paired_difference` (each
scenario minus the baseline, paired on common random numbers, from
``comparison.json``). :func:`save_figures` writes the charts of one run and
:func:`save_comparison_figures` the charts of a comparison as PNG files.

Missing statistics (``None`` in ``summary.json`` for non-finite values) are
drawn as gaps, never as errors.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter, StrMethodFormatter

from .results import Results

__all__ = [
    "fan_chart",
    "reach_probability",
    "hit_year_distribution",
    "composition",
    "overlay_fan_charts",
    "overlay_reach_probability",
    "hit_year_comparison",
    "paired_difference",
    "save_figures",
    "save_comparison_figures",
    "backtest_chart",
    "COMPARISON_PNG_NAMES",
    "COMPONENT_LABELS",
    "DPI",
]

# -- look ---------------------------------------------------------------------
# Okabe & Ito colour-blind-safe palette.
BLUE = "#0072B2"
SKY = "#56B4E9"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
BLACK = "#000000"
INK = "#222222"
"""Text colour."""
MUTED = "#666666"
"""Subtitles, captions and guides."""
NEVER_GREY = "#A0A0A0"

TARGET_COLOR = VERMILLION
"""The target line, the same on every chart."""
SCENARIO_COLORS = (BLUE, ORANGE, GREEN, PURPLE, SKY, BLACK, YELLOW)
"""One colour per scenario on overlay charts (cycled); vermillion is kept for the target."""
COMPONENT_COLORS = {"organic": BLUE, "construction": ORANGE, "operations": GREEN, "measures": PURPLE}
COMPONENT_LABELS = {
    "organic": "organic trade",
    "construction": "construction imports",
    "operations": "operating effects",
    "measures": "measures",
}
"""Legend names of the trade components of ``components_mean_usd_bn``."""

FIGSIZE = (10.0, 5.625)
"""Inches, 16:9 like a slide."""
DPI = 150
"""Resolution of saved PNG files."""
MARGINS = {"left": 0.085, "right": 0.975, "top": 0.80, "bottom": 0.15}
"""Axes position in figure fractions (fixed, so every chart lines up on a slide)."""
TITLE_SIZE = 16
SUBTITLE_SIZE = 11.5
LABEL_SIZE = 12
TICK_SIZE = 11
LEGEND_SIZE = 10
NOTE_SIZE = 10
CAPTION_SIZE = 8.5
GRID_COLOR = "#DDDDDD"

PNG_NAMES = {
    "fan_chart": "fan_chart.png",
    "reach_probability": "reach_probability.png",
    "hit_year": "hit_year.png",
    "composition": "composition.png",
}


# -- small helpers ---------------------------------------------------------------
def _num(value: Any) -> float:
    """A float, with ``None`` (non-finite in JSON) as NaN."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _money(usd_bn: float, decimals: int = 1) -> str:
    """``20.0`` -> ``"$20 bn"``, ``26.72`` -> ``"$26.7 bn"`` (one dollar sign per text: no mathtext)."""
    if not math.isfinite(usd_bn):
        return "n/a"
    text = f"{usd_bn:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"${text} bn"


def _pct(p: float) -> str:
    """A share as a percent for labels; below 1% with one decimal."""
    if not math.isfinite(p):
        return "n/a"
    if 0 < p < 0.01:
        return f"{100 * p:.1f}%"
    return f"{100 * p:.0f}%"


def _target_label(target: float) -> str:
    return f"target {_money(target, decimals=2)}"


def _year_strings(results: Results) -> list[str]:
    return [str(y) for y in results.summary["years"]]


def _quantile_series(results: Results) -> dict[str, np.ndarray]:
    """Arrays of ``mean``, ``p5`` ... ``p95`` of annual trade over the simulated years."""
    table = results.summary.get("annual_trade_usd_bn") or {}
    keys = ("mean", "p5", "p25", "p50", "p75", "p95")
    rows = [table.get(y) or {} for y in _year_strings(results)]
    return {k: np.array([_num(r.get(k)) for r in rows]) for k in keys}


def _prob_series(results: Results, key: str = "p_reach_by_year") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p, low, high)`` arrays of a probability entry of the summary over the years."""
    table = results.summary.get(key) or {}
    p, lo, hi = [], [], []
    for y in _year_strings(results):
        entry = table.get(y) or {}
        p.append(_num(entry.get("p")))
        ci = entry.get("ci95") or (None, None)
        if len(ci) != 2:
            ci = (None, None)
        lo.append(_num(ci[0]))
        hi.append(_num(ci[1]))
    return np.array(p), np.array(lo), np.array(hi)


def _converted(summary: dict[str, Any]) -> bool:
    """Whether the reported figures are another reporter's, converted from the simulated reporter's."""
    return summary.get("simulated_reporter", summary.get("reporter")) != summary.get("reporter")


def _base_point(summary: dict[str, Any]) -> tuple[Any, float]:
    """Base year and value in the reported figures' basis (nan when they are converted: the base is not in them)."""
    return summary.get("base_year"), math.nan if _converted(summary) else _num(summary.get("base_usd_bn"))


def _basis_note(summary: dict[str, Any]) -> str:
    """``"; CN figures, converted from UZ statistics by the reporter gap"`` for converted figures, else ``""``."""
    if not _converted(summary):
        return ""
    return f"; {summary.get('reporter')} figures, converted from {summary.get('simulated_reporter')} statistics by the reporter gap"


def _with_base(results: Results, years: np.ndarray, series: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Prepend the base year (all quantiles at the base value) so the fan opens from the known point."""
    base_year, base = _base_point(results.summary)
    if base_year is None or not math.isfinite(base) or len(years) == 0 or int(base_year) >= years[0]:
        return years, series
    return np.concatenate([[int(base_year)], years]), {k: np.concatenate([[base], v]) for k, v in series.items()}


def _caption(results: Results) -> str:
    s = results.summary
    return f"Source: coopsim Monte Carlo simulation. Scenario {_run_identity(s)}."


def _run_identity(s: dict[str, Any]) -> str:
    paths = s.get("paths")
    paths_txt = f"{int(paths):,} paths" if paths is not None else "paths n/a"
    return f"{s.get('scenario', 'unnamed')} ({paths_txt}, seed {s.get('seed', 'n/a')})"


def _caption_many(results_list: Sequence[Results], labels: Sequence[str]) -> str:
    parts = [f"{label}: {_run_identity(r.summary)}" for r, label in zip(results_list, labels, strict=True)]
    return "Source: coopsim Monte Carlo simulation. Scenarios -- " + "; ".join(parts) + "."


def _style(ax: Axes) -> None:
    """The house look: light grid behind the data, no top/right spines, readable ticks."""
    ax.set_axisbelow(True)
    ax.grid(True, axis="y", color=GRID_COLOR, linewidth=0.8)
    ax.grid(False, axis="x")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")
        ax.spines[side].set_linewidth(0.8)
    ax.tick_params(labelsize=TICK_SIZE, colors=INK, length=4, width=0.8)
    ax.tick_params(axis="both", which="both", color="#888888")


def _new_figure(title: str, subtitle: str, caption: str) -> tuple[Figure, Axes]:
    """A styled slide-shaped figure with one axes, a title block on top and a source line at the bottom."""
    fig = Figure(figsize=FIGSIZE, facecolor="white")
    ax = fig.add_subplot()
    fig.subplots_adjust(**MARGINS)
    _style(ax)
    x0 = 0.015
    fig.text(x0, 0.965, title, fontsize=TITLE_SIZE, fontweight="bold", color=INK, ha="left", va="top")
    fig.text(x0, 0.905, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, ha="left", va="top")
    wrapped = textwrap.fill(caption, width=140)
    fig.text(x0, 0.015, wrapped, fontsize=CAPTION_SIZE, color=MUTED, ha="left", va="bottom", linespacing=1.3)
    extra_lines = wrapped.count("\n")
    if extra_lines:
        fig.subplots_adjust(bottom=MARGINS["bottom"] + 0.03 * extra_lines)
    return fig, ax


def _year_axis(ax: Axes, first: float, last: float) -> None:
    """Calendar years as plain integers (no offset, no decimals)."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=14, integer=True))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xlabel("Year", fontsize=LABEL_SIZE, color=INK)


def _percent_axis(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel(label, fontsize=LABEL_SIZE, color=INK)


def _legend(ax: Axes, handles: Sequence[Any] | None = None, ncol: int = 3, loc: str = "upper left") -> None:
    kwargs: dict[str, Any] = {"handles": list(handles)} if handles is not None else {}
    leg = ax.legend(loc=loc, ncol=ncol, fontsize=LEGEND_SIZE, frameon=True, framealpha=0.92, edgecolor="none", **kwargs)
    for text in leg.get_texts():
        text.set_color(INK)


def _target_line(ax: Axes, target: float) -> Line2D | None:
    """The dashed target line (labelled for the legend); ``None`` if the target is unknown."""
    if not math.isfinite(target):
        return None
    line = ax.axhline(target, color=TARGET_COLOR, linestyle="--", linewidth=1.8, label=_target_label(target), zorder=4)
    line.set_gid("target")
    return line


def _history(results: Results) -> tuple[np.ndarray, np.ndarray]:
    hist = sorted((int(y), _num(v)) for y, v in (results.history or []))
    if not hist:
        return np.array([], dtype=int), np.array([])
    years, values = zip(*hist, strict=True)
    return np.array(years), np.array(values)


def _history_label(results: Results) -> str:
    reporter = results.summary.get("reporter")
    return f"observed ({reporter} statistics)" if reporter else "observed"


def _top_with_room(values: Sequence[float], floor: float, factor: float = 1.12) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return max([floor, *finite]) * factor


# -- single-run charts ---------------------------------------------------------------
def fan_chart(results: Results) -> Figure:
    """Annual trade over the simulated years as a fan chart.

    Shows the 5--95% and 25--75% ranges of the simulated paths, their median,
    the target as a dashed line, the base-year value and the observed history.
    The fan opens from the base-year value when the base year precedes the
    first simulated year.

    Parameters
    ----------
    results : Results
        A run's results; uses ``annual_trade_usd_bn``, ``target_usd_bn``,
        ``base_year``, ``base_usd_bn``, ``reporter`` and ``results.history``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. The median line has gid ``"median"``, the target line gid ``"target"``.
    """
    s = results.summary
    target = _num(s.get("target_usd_bn"))
    years = np.array(results.years)
    q = _quantile_series(results)
    x, q = _with_base(results, years, q)
    hy, hv = _history(results)

    fig, ax = _new_figure(
        f"Projected annual trade against the {_money(target)} target",
        f"Trade turnover, median and ranges of {int(s.get('paths') or 0):,} simulated paths{_basis_note(s)}",
        _caption(results),
    )
    ax.fill_between(x, q["p5"], q["p95"], color=SKY, alpha=0.30, linewidth=0, label="90% of paths (5th-95th pct.)", zorder=1)
    ax.fill_between(x, q["p25"], q["p75"], color=BLUE, alpha=0.35, linewidth=0, label="50% of paths (25th-75th pct.)", zorder=2)
    (median,) = ax.plot(x, q["p50"], color=BLUE, linewidth=2.6, label="median", zorder=3)
    median.set_gid("median")
    _target_line(ax, target)
    if len(hy):
        ax.plot(hy, hv, color=INK, linewidth=1.8, marker="o", markersize=5, label=_history_label(results), zorder=5, gid="observed")
    base_year, base = _base_point(s)
    if base_year is not None and math.isfinite(base):
        ax.plot(
            [int(base_year)],
            [base],
            linestyle="none",
            marker="D",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor=INK,
            markeredgewidth=2,
            label=f"base year {int(base_year)}: {_money(base)}",
            zorder=6,
        )
    if len(years) and math.isfinite(q["p50"][-1]):
        fig.subplots_adjust(right=0.875)
        ax.annotate(
            f"median {years[-1]}:\n{_money(q['p50'][-1])}",
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
    _year_axis(ax, first, last)
    ax.set_ylim(0, _top_with_room([*q["p95"], *hv, target], 1.0, 1.1))
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    _legend(ax, ncol=2)
    return fig


def reach_probability(results: Results) -> Figure:
    """Probability that the target has been reached by each year.

    Parameters
    ----------
    results : Results
        Uses ``p_reach_by_year`` (``p`` and ``ci95``), ``target_usd_bn`` and
        ``hit_year["p50"]``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the probability line has gid ``"p_reach"`` and ydata equal
        to the summary's ``p`` values (NaN where missing).
    """
    s = results.summary
    target = _num(s.get("target_usd_bn"))
    years = np.array(results.years)
    p, lo, hi = _prob_series(results)
    fig, ax = _new_figure(
        f"Probability of reaching {_money(target)} by each year",
        "Share of simulated paths at or above the target in that year or earlier, and in that year itself",
        _caption(results),
    )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.3, zorder=1)
    ax.fill_between(years, lo, hi, color=BLUE, alpha=0.22, linewidth=0, label="95% Monte Carlo interval", zorder=2)
    (line,) = ax.plot(years, p, color=BLUE, linewidth=2.4, marker="o", markersize=6, label="reached in the year or before", zorder=3)
    line.set_gid("p_reach")
    a, alo, ahi = _prob_series(results, "p_above_in_year")
    if np.isfinite(a).any():
        ax.fill_between(years, alo, ahi, color=ORANGE, alpha=0.22, linewidth=0, zorder=2)
        (above,) = ax.plot(
            years, a, color=ORANGE, linewidth=2.0, linestyle="--", marker="s", markersize=5, label="at or above in that year", zorder=3
        )
        above.set_gid("p_above")
    _year_axis(ax, years[0] if len(years) else 0, years[-1] if len(years) else 1)
    _percent_axis(ax, "Probability")
    ax.set_ylim(0, 1.02)
    ax.text(ax.get_xlim()[0] + 0.1, 0.5, " even odds", color=MUTED, fontsize=NOTE_SIZE, va="bottom", ha="left")
    _annotate_median_year(ax, results, p, years)
    if len(years) and math.isfinite(p[-1]):
        ax.annotate(
            f"by {years[-1]}: {_pct(p[-1])}",
            (years[-1], p[-1]),
            xytext=(0, 12 if p[-1] < 0.9 else -18),
            textcoords="offset points",
            ha="right",
            fontsize=NOTE_SIZE,
            color=BLUE,
            fontweight="bold",
        )
    _legend(ax, ncol=1, loc="upper left")
    return fig


def _annotate_median_year(ax: Axes, results: Results, p: np.ndarray, years: np.ndarray) -> None:
    """Mark where the probability first reaches 50% (``hit_year["p50"]``), if within the horizon."""
    median_year = (results.summary.get("hit_year") or {}).get("p50")
    if median_year is None:
        return
    k = np.flatnonzero(years == int(median_year))
    if not len(k) or not math.isfinite(p[k[0]]):
        return
    ax.annotate(
        f"50% reached by {int(median_year)}",
        (years[k[0]], p[k[0]]),
        xytext=(12, -26),
        textcoords="offset points",
        fontsize=NOTE_SIZE,
        color=INK,
        ha="left",
        arrowprops={"arrowstyle": "-", "color": MUTED, "linewidth": 1},
    )


def hit_year_distribution(results: Results) -> Figure:
    """Share of paths first reaching the target in each year, and not by the horizon.

    Parameters
    ----------
    results : Results
        Uses ``hit_year_share`` (per year and ``"never"``), ``hit_year["p50"]``
        and ``target_usd_bn``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the year bars carry the label ``"first reached in year"``,
        the separate grey hatched bar ``"not by {last year}"``.
    """
    s = results.summary
    target = _num(s.get("target_usd_bn"))
    years = np.array(results.years)
    share_table = s.get("hit_year_share") or {}
    shares = np.array([_num(share_table.get(y)) for y in _year_strings(results)])
    never = _num(share_table.get("never", (s.get("hit_year") or {}).get("share_never")))
    last = int(years[-1]) if len(years) else 0
    never_x = last + 1.6
    never_label = f"not by {last}"

    fig, ax = _new_figure(
        f"When trade first reaches {_money(target)}",
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
                _pct(value),
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

    median_year = (s.get("hit_year") or {}).get("p50")
    legend_loc = "upper left"
    if median_year is not None:
        k = np.flatnonzero(years == int(median_year))
        if len(k) and k[0] < len(years) / 2:
            legend_loc = "upper right"  # keep the median note clear of the legend
        if len(k):
            height = shares[k[0]] if math.isfinite(shares[k[0]]) else 0.0
            ax.annotate(
                f"median: {int(median_year)}\nhalf of paths reach the target by then",
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
    _legend(ax, ncol=1, loc=legend_loc)
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


def composition(results: Results) -> Figure:
    """Mean annual exports and imports by component, as stacked bars on two panels.

    On each panel positive parts are stacked upward from zero and negative
    parts (import substitution, projects ending) downward, so the bars' net
    height is the mean flow, drawn as a black line with markers. Construction
    imports appear only on the imports panel.

    Parameters
    ----------
    results : Results
        Uses ``components_by_direction_mean_usd_bn`` (``{year: {direction: {component: USD bn}}}``).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes (exports, imports); each component's bars carry its legend
        name (:data:`COMPONENT_LABELS`), each total line gid ``"total"``.
    """
    s = results.summary
    years = np.array(results.years)
    table = s.get("components_by_direction_mean_usd_bn") or {}
    fig, first = _new_figure(
        "Where the trade comes from: mean exports and imports by component",
        "Mean over simulated paths; project and measure flows are changes from the base year",
        _caption(results),
    )
    fig.delaxes(first)
    axes = fig.subplots(1, 2, sharey=False)
    fig.subplots_adjust(wspace=0.22)
    handles: dict[str, Any] = {}
    for ax, direction, title in zip(axes, ("exports", "imports"), ("Exports to the partner", "Imports from the partner"), strict=True):
        _style(ax)
        rows = [(table.get(y) or {}).get(direction) or {} for y in _year_strings(results)]
        names = [c for c in COMPONENT_LABELS if any(abs(_num(r.get(c)) or 0.0) > 0 for r in rows)]
        values = {c: np.array([_num(r.get(c)) for r in rows]) for c in names}
        parts, line, low, high = _stack_components(ax, years, values)
        for handle in parts:
            handles.setdefault(handle.get_label(), handle)
        handles["mean total"] = line
        _year_axis(ax, years[0] if len(years) else 0, years[-1] if len(years) else 1)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        span = high - low
        ax.set_ylim(low - 0.06 * span if low < 0 else 0, high + 0.12 * span)
        ax.set_title(title, fontsize=LABEL_SIZE, color=INK, loc="left")
    axes[0].set_ylabel("Mean annual flow, USD bn", fontsize=LABEL_SIZE, color=INK)
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


# -- comparing runs -----------------------------------------------------------------
def _check_many(results_list: Sequence[Results], labels: Sequence[str]) -> None:
    if len(results_list) == 0:
        raise ValueError("need at least one Results to overlay")
    if len(labels) != len(results_list):
        raise ValueError(f"got {len(results_list)} results but {len(labels)} labels")


def _shared_target(results_list: Sequence[Results]) -> float:
    targets = {round(_num(r.summary.get("target_usd_bn")), 9) for r in results_list}
    targets = {t for t in targets if math.isfinite(t)}
    return targets.pop() if len(targets) == 1 else math.nan


def overlay_fan_charts(results_list: Sequence[Results], labels: Sequence[str]) -> Figure:
    """Median annual trade and 25--75% range of several runs on shared axes.

    Parameters
    ----------
    results_list : sequence of Results
        The runs to compare (typically scenarios with the same target).
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one median line per run (gid ``"median"``, label the
        run's label) and one target line per distinct target (gid ``"target"``).

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    _check_many(results_list, labels)
    shared = _shared_target(results_list)
    fig, ax = _new_figure(
        f"Projected annual trade by scenario{'' if not math.isfinite(shared) else ' against the ' + _money(shared) + ' target'}",
        "Median (line) and middle 50% of simulated paths (band, 25th-75th percentile)",
        _caption_many(results_list, labels),
    )
    xs: list[float] = []
    tops: list[float] = []
    seen_history: set[str] = set()
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        x, q = _with_base(r, np.array(r.years), _quantile_series(r))
        ax.fill_between(x, q["p25"], q["p75"], color=color, alpha=0.18, linewidth=0, zorder=1)
        (line,) = ax.plot(x, q["p50"], color=color, linewidth=2.4, label=str(label), zorder=3)
        line.set_gid("median")
        xs += x.tolist()
        tops += q["p75"].tolist()
        hy, hv = _history(r)
        hist_label = _history_label(r)
        if len(hy) and hist_label not in seen_history:
            marker = "os^v"[len(seen_history) % 4]
            ax.plot(hy, hv, color=INK, linewidth=1.6, marker=marker, markersize=4.5, label=hist_label, zorder=5, gid="observed")
            seen_history.add(hist_label)
            xs += hy.tolist()
            tops += hv.tolist()
    targets = sorted({t for t in (_num(r.summary.get("target_usd_bn")) for r in results_list) if math.isfinite(t)})
    for t in targets:
        _target_line(ax, t)
        tops.append(t)
    if xs:
        _year_axis(ax, min(xs), max(xs))
    ax.set_ylim(0, _top_with_room(tops, 1.0, 1.12))
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    lines = ax.get_lines()
    handles = (
        [ln for ln in lines if ln.get_gid() == "median"]
        + [ln for ln in lines if ln.get_gid() == "observed"]
        + [ln for ln in lines if ln.get_gid() == "target"]
    )
    _legend(ax, handles=handles, ncol=2 if len(handles) > 4 else 1)
    return fig


def overlay_reach_probability(results_list: Sequence[Results], labels: Sequence[str]) -> Figure:
    """Probability of reaching the target by each year for several runs.

    Parameters
    ----------
    results_list : sequence of Results
        The runs to compare.
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one probability line per run (gid ``"p_reach"``) and its
        shaded 95% interval.

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    _check_many(results_list, labels)
    shared = _shared_target(results_list)
    fig, ax = _new_figure(
        f"Probability of reaching {_money(shared) if math.isfinite(shared) else 'the target'} by each year, by scenario",
        "Share of simulated paths at or above the target by that year; shading: 95% confidence interval",
        _caption_many(results_list, labels),
    )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.3, zorder=1)
    xs: list[int] = []
    markers = "osD^v<>"
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        years = np.array(r.years)
        p, lo, hi = _prob_series(r)
        ax.fill_between(years, lo, hi, color=color, alpha=0.18, linewidth=0, zorder=2)
        (line,) = ax.plot(
            years, p, color=color, linewidth=2.2, marker=markers[i % len(markers)], markersize=5.5, label=str(label), zorder=3
        )
        line.set_gid("p_reach")
        xs += years.tolist()
    if xs:
        _year_axis(ax, min(xs), max(xs))
    _percent_axis(ax, "Probability target reached")
    ax.set_ylim(0, 1.02)
    ax.text(ax.get_xlim()[0] + 0.1, 0.5, " even odds", color=MUTED, fontsize=NOTE_SIZE, va="bottom", ha="left")
    _legend(ax, ncol=1)
    return fig


# -- files ----------------------------------------------------------------------------
def save_figures(results: Results, folder: Path) -> list[str]:
    """Write the four single-run charts as PNG files at :data:`DPI` into ``folder``.

    Parameters
    ----------
    results : Results
        The run to chart.
    folder : pathlib.Path
        An existing directory.

    Returns
    -------
    list of str
        The file names written: ``fan_chart.png``, ``reach_probability.png``,
        ``hit_year.png``, ``composition.png``.
    """
    charts = {
        PNG_NAMES["fan_chart"]: fan_chart,
        PNG_NAMES["reach_probability"]: reach_probability,
        PNG_NAMES["hit_year"]: hit_year_distribution,
        PNG_NAMES["composition"]: composition,
    }
    return _write_pngs({name: (lambda chart=chart: chart(results)) for name, chart in charts.items()}, folder)


def _write_pngs(makers: dict[str, Callable[[], Figure]], folder: Path) -> list[str]:
    """Draw each figure and write it as ``folder / name`` at :data:`DPI`; the names written, in order."""
    names: list[str] = []
    for name, make in makers.items():
        make().savefig(Path(folder) / name, dpi=DPI, facecolor="white")
        names.append(name)
    return names


# -- comparing scenarios on common random numbers --------------------------------------
COMPARISON_PNG_NAMES = {
    "fan_charts": "fan_charts.png",
    "reach_probability": "reach_probability.png",
    "hit_years": "hit_years.png",
    "difference_p_reach": "difference_p_reach.png",
    "difference_mean_trade": "difference_mean_trade.png",
}
"""File names written by :func:`save_comparison_figures`, in order."""

MEDIAN_MARKER = "v"
"""Marker of a scenario's median hit year on :func:`hit_year_comparison`."""


def _scenario_color(i: int) -> str:
    return SCENARIO_COLORS[i % len(SCENARIO_COLORS)]


def hit_year_comparison(results_list: Sequence[Results], labels: Sequence[str]) -> Figure:
    """The year the target is first reached, several runs side by side.

    Grouped bars: for each year of the first run, one bar per run with its
    share of paths first reaching the target in that year
    (``hit_year_share[year]``), and a separate group ``"not by {last year}"``
    (``hit_year_share["never"]``), hatched. A triangle above a run's bar marks
    its median hit year (``hit_year["p50"]``); the legend repeats it.

    Parameters
    ----------
    results_list : sequence of Results
        The runs to compare. The years are those of the first run; the other
        runs are looked up by the same year strings (a missing year counts as
        0). Compare runs on common years.
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. The bars of run ``i`` carry the gid ``"hit_share_{i}"``
        (years first, then the "not by" bar), its median marker the gid
        ``"median_hit_year"`` (none when ``hit_year["p50"]`` is ``None``).

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    _check_many(results_list, labels)
    first = results_list[0]
    year_keys = _year_strings(first)
    years = np.array(first.years, dtype=float)
    last = int(years[-1]) if len(years) else 0
    n = len(results_list)
    group = 0.8
    width = group / n
    offsets = (np.arange(n) - (n - 1) / 2) * width
    # the "not by" group is set apart and a little wider, so its percent labels fit over its bars
    never_group = max(group, min(1.3, 0.42 * n))
    never_width = never_group / n
    never_offsets = (np.arange(n) - (n - 1) / 2) * never_width
    never_x = last + 0.8 + 0.3 + never_group / 2
    never_label = f"not by {last}"
    shared = _shared_target(results_list)

    fig, ax = _new_figure(
        f"When trade first reaches {_money(shared) if math.isfinite(shared) else 'the target'}, by scenario",
        "Share of simulated paths first reaching the target in each year; \u25bc marks each scenario's median year",
        _caption_many(results_list, labels),
    )
    heights: list[float] = []
    handles: list[Any] = []
    medians: list[tuple[float, float, str]] = []
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = _scenario_color(i)
        s = r.summary
        table = s.get("hit_year_share") or {}
        shares = np.array([_num(table.get(y, 0.0)) for y in year_keys])
        never = _num(table.get("never", (s.get("hit_year") or {}).get("share_never")))
        xs = years + offsets[i]
        bars = ax.bar(xs, np.nan_to_num(shares), width=width * 0.92, color=color, linewidth=0, zorder=3)
        nbar = ax.bar(
            [never_x + never_offsets[i]],
            [0.0 if not math.isfinite(never) else never],
            width=never_width * 0.92,
            color=color,
            alpha=0.55,
            edgecolor="white",
            hatch="//",
            linewidth=0,
            zorder=3,
        )
        for rect in [*bars, *nbar]:
            rect.set_gid(f"hit_share_{i}")
        if math.isfinite(never):
            ax.annotate(
                _pct(never),
                (never_x + never_offsets[i], never),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=NOTE_SIZE - 1.5,
                color=INK,
            )
        heights += [*shares.tolist(), never]

        median_year = (s.get("hit_year") or {}).get("p50")
        k = np.flatnonzero(years == int(median_year)) if median_year is not None else np.array([], dtype=int)
        if len(k):
            h = shares[k[0]] if math.isfinite(shares[k[0]]) else 0.0
            medians.append((xs[k[0]], h, color))
            note = f"median {int(median_year)}"
        elif median_year is not None:
            note = f"median {int(median_year)}"
        else:
            note = f"median after {last}"
        handles.append(Patch(facecolor=color, label=f"{label} ({note})"))

    highest = max([0.02, *(v for v in heights if math.isfinite(v))])
    # the legend goes in the upper corner over the lower bars; leave its rows clear of them
    per_year = len(year_keys) + 1
    left_half = [heights[j * per_year + k] for j in range(n) for k in range(per_year) if k < per_year * 0.55]
    right_half = [heights[j * per_year + k] for j in range(n) for k in range(per_year) if k >= per_year * 0.45]
    left_max = max([0.0, *(v for v in left_half if math.isfinite(v))])
    right_max = max([0.0, *(v for v in right_half if math.isfinite(v))])
    legend_loc = "upper left" if left_max <= right_max else "upper right"
    top = max(highest * 1.3, min(left_max, right_max) / 0.55)
    pad = 0.035 * top
    for x, h, color in medians:
        ax.plot(
            [x],
            [h + pad],
            linestyle="none",
            marker=MEDIAN_MARKER,
            markersize=9,
            markerfacecolor=color,
            markeredgecolor="white",
            markeredgewidth=1.0,
            zorder=5,
            gid="median_hit_year",
        )
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker=MEDIAN_MARKER,
            markersize=9,
            color=INK,
            label="median year: half of paths have reached the target",
        )
    )
    handles.append(Patch(facecolor=NEVER_GREY, edgecolor="white", hatch="//", label=f"not reached by {last} (hatched)"))

    ax.axvline(last + 0.8, color="#BBBBBB", linewidth=1, linestyle="-", zorder=1)
    ax.set_ylim(0, top)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    if top > 1.0:
        ax.set_yticks([t for t in ax.yaxis.get_major_locator().tick_values(0, 1.0) if -1e-9 <= t <= 1.0 + 1e-9])
        ax.spines["left"].set_bounds(0, 1.0)
    ax.set_ylabel("Share of paths", fontsize=LABEL_SIZE, color=INK)
    ax.set_xticks([*years.tolist(), never_x])
    ax.set_xticklabels([str(int(y)) for y in years] + [never_label])
    ax.set_xlim((years[0] if len(years) else 0) - 0.7, never_x + never_group / 2 + 0.2)
    ax.set_xlabel("Year the target is first reached", fontsize=LABEL_SIZE, color=INK)
    _legend(ax, handles=handles, ncol=1, loc=legend_loc)
    return fig


_DIFF_METRICS = {
    "p_reach_by_year": (
        100.0,
        "pp",
        "Difference, percentage points",
        "probability of reaching the target by each year",
    ),
    "mean_trade_usd_bn": (1.0, "USD bn", "Difference, USD bn", "mean annual trade"),
    "median_trade_usd_bn": (1.0, "USD bn", "Difference, USD bn", "median annual trade"),
}
"""metric -> (scale, unit, y label, what is compared)."""


def _metric_info(metric: str) -> tuple[float, str, str, str]:
    if metric in _DIFF_METRICS:
        return _DIFF_METRICS[metric]
    if metric.startswith("p_"):
        return 100.0, "pp", "Difference, percentage points", metric
    if metric.endswith("_usd_bn"):
        return 1.0, "USD bn", "Difference, USD bn", metric
    return 1.0, "", f"Difference in {metric}", metric


def _signed(value: float, unit: str) -> str:
    """``-3.14, "pp"`` -> ``"\u22123.1 pp"``; ``0.5, "USD bn"`` -> ``"+$0.5 bn"``."""
    if not math.isfinite(value):
        return "n/a"
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "\u00b1")
    mag = abs(value)
    if unit == "USD bn":
        return sign + _money(mag, decimals=2 if mag < 1 else 1)
    text = f"{mag:.1f}" if mag < 10 else f"{mag:.0f}"
    return f"{sign}{text}{' ' + unit if unit else ''}"


def _signed_tick(x: float, _pos: Any = None) -> str:
    """Tick label of a difference axis: ``"+10"``, ``"0"``, ``"\u22122.5"`` (typographic minus)."""
    x = round(float(x), 9)
    if x == 0:
        return "0"
    return ("+" if x > 0 else "\u2212") + f"{abs(x):g}"


def _shift_note(shift: Any) -> str:
    if shift is None or not math.isfinite(_num(shift)):
        return "median hit year shift n/a"
    years = int(round(_num(shift)))
    if years == 0:
        return "median hit year unchanged"
    sign = "+" if years > 0 else "\u2212"
    unit = "yr" if abs(years) == 1 else "yrs"
    return f"median hit year {sign}{abs(years)} {unit}"


def _difference_series(table: dict[str, Any], year_keys: Sequence[str], scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(diff, low, high)`` arrays of one scenario's metric over the years, scaled, NaN where missing."""
    d, lo, hi = [], [], []
    for y in year_keys:
        entry = table.get(y) or {}
        d.append(_num(entry.get("diff")) * scale)
        ci = entry.get("ci95") or (None, None)
        if len(ci) != 2:
            ci = (None, None)
        lo.append(_num(ci[0]) * scale)
        hi.append(_num(ci[1]) * scale)
    return np.array(d), np.array(lo), np.array(hi)


def _spread_labels(values: list[float], min_gap: float) -> list[float]:
    """Nudge sorted label positions apart by at least ``min_gap`` (keeps their order and mean)."""
    if len(values) < 2:
        return list(values)
    order = sorted(range(len(values)), key=lambda k: values[k])
    pos = [values[k] for k in order]
    for _ in range(50):
        moved = False
        for j in range(1, len(pos)):
            gap = pos[j] - pos[j - 1]
            if gap < min_gap:
                shift = (min_gap - gap) / 2
                pos[j - 1] -= shift
                pos[j] += shift
                moved = True
        if not moved:
            break
    out = [0.0] * len(values)
    for k, p in zip(order, pos, strict=True):
        out[k] = p
    return out


def paired_difference(
    comparison: dict[str, Any],
    metric: str = "p_reach_by_year",
    *,
    labels: dict[str, str] | None = None,
) -> Figure:
    """Paired difference of each scenario against the baseline, by year, with its 95% interval.

    The scenarios of a comparison run on common random numbers (same seed
    and paths), so each difference is computed path by path and its interval
    is the Monte Carlo uncertainty of the difference itself -- much narrower
    than the two runs' own intervals.

    Parameters
    ----------
    comparison : dict
        The content of ``comparison.json``: ``baseline``, ``scenarios``,
        ``paths``, ``seed``, ``years`` and ``differences[scenario][metric][year]``
        as ``{"diff": ..., "ci95": [low, high]}`` (plus
        ``differences[scenario]["median_hit_year_shift"]``). ``None`` values
        are drawn as gaps.
    metric : str
        ``"p_reach_by_year"`` (drawn in percentage points, i.e. 100 x diff),
        ``"mean_trade_usd_bn"`` or ``"median_trade_usd_bn"`` (USD bn).
    labels : dict of str to str, optional
        Legend name by scenario name; defaults to the scenario names.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; per compared scenario a line with gid ``"difference"``
        (label: the scenario's legend name, ydata the scaled differences) and
        a shaded 95% band (a ``fill_between`` collection with gid
        ``"ci95"``); the zero line has gid ``"zero"``. Colours follow the
        scenario's position in ``comparison["scenarios"]`` so they match the
        overlay charts.

    Raises
    ------
    ValueError
        If no compared scenario has ``metric``.
    """
    scale, unit, ylabel, what = _metric_info(metric)
    unit_name = {"pp": "percentage points", "USD bn": "USD bn"}.get(unit, "difference")
    baseline = str(comparison.get("baseline", "baseline"))
    scenarios = [str(s) for s in comparison.get("scenarios") or []]
    differences = comparison.get("differences") or {}
    compared = [s for s in scenarios if s != baseline and s in differences]
    compared += [s for s in differences if s not in compared and s != baseline]
    if compared and not any(metric in (differences[s] or {}) for s in compared):
        raise ValueError(f"no scenario of the comparison has the metric {metric!r}")
    year_keys = [str(y) for y in comparison.get("years") or []]
    years = np.array([int(y) for y in year_keys], dtype=float)
    names = labels or {}

    paths = comparison.get("paths")
    paths_txt = f"{int(paths):,} paths" if paths is not None else "paths n/a"
    caption = (
        f"Source: coopsim Monte Carlo simulation. Paired comparison against {baseline} of "
        + ", ".join(compared or ["no other scenario"])
        + f"; every scenario run with the same {paths_txt} and seed {comparison.get('seed', 'n/a')}."
    )
    fig, ax = _new_figure(
        f"What each scenario changes against {names.get(baseline, baseline)}",
        f"Scenario minus baseline: {what}, {unit_name}\n"
        "Paired on common random numbers (same seed and paths), so the bands show the Monte Carlo uncertainty\n"
        "of the difference itself (95% interval)",
        caption,
    )
    fig.subplots_adjust(top=MARGINS["top"] - 0.065)  # three-line subtitle
    zero = ax.axhline(0, color=INK, linewidth=1.1, zorder=2)
    zero.set_gid("zero")

    values: list[float] = [0.0]
    ends: list[tuple[float, float, str, str]] = []
    for s in compared:
        i = scenarios.index(s) if s in scenarios else len(scenarios) + compared.index(s)
        color = _scenario_color(i)
        entry = differences[s] or {}
        d, lo, hi = _difference_series(entry.get(metric) or {}, year_keys, scale)
        band = ax.fill_between(years, lo, hi, color=color, alpha=0.20, linewidth=0, zorder=3)
        band.set_gid("ci95")
        label = str(names.get(s, s))
        if metric == "p_reach_by_year":
            label += f" ({_shift_note(entry.get('median_hit_year_shift'))})"
        (line,) = ax.plot(years, d, color=color, linewidth=2.3, marker="o", markersize=5, label=label, zorder=4)
        line.set_gid("difference")
        values += [*d.tolist(), *lo.tolist(), *hi.tolist()]
        finite = np.flatnonzero(np.isfinite(d))
        if len(finite):
            k = finite[-1]
            ends.append((years[k], d[k], color, f"{_signed(d[k], unit)} in {int(years[k])}"))

    finite_values = [v for v in values if math.isfinite(v)]
    low, high = min(finite_values), max(finite_values)
    span = max(high - low, 1.0 if unit == "pp" else 0.1)
    ax.set_ylim(low - 0.08 * span, high + 0.30 * span)  # headroom for the legend
    if len(years):
        _year_axis(ax, years[0], years[-1])
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(_signed_tick))

    if ends:
        fig.subplots_adjust(right=0.845)
        ymin, ymax = ax.get_ylim()
        spread = _spread_labels([e[1] for e in ends], 0.085 * (ymax - ymin))
        for (x, y, color, text), y_text in zip(ends, spread, strict=True):
            ax.annotate(
                text,
                (x, y),
                xytext=(x + 0.35, y_text),
                textcoords="data",
                va="center",
                ha="left",
                fontsize=NOTE_SIZE,
                color=color,
                fontweight="bold",
                annotation_clip=False,
            )
        _legend(ax, ncol=1, loc="upper left")
    else:
        ax.text(0.5, 0.5, "No scenario to compare with the baseline", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig


def save_comparison_figures(
    results_list: Sequence[Results],
    labels: Sequence[str],
    comparison: dict[str, Any],
    folder: Path,
) -> list[str]:
    """Write the charts comparing scenarios as PNG files at :data:`DPI` into ``folder``.

    Parameters
    ----------
    results_list : sequence of Results
        The compared runs (baseline first, as in ``comparison["scenarios"]``).
    labels : sequence of str
        Legend name of each run, same length as ``results_list``; also used
        for the difference charts, matched by ``summary["scenario"]``.
    comparison : dict
        The content of ``comparison.json`` (see :func:`paired_difference`).
    folder : pathlib.Path
        An existing directory.

    Returns
    -------
    list of str
        The file names written, in order: ``fan_charts.png``,
        ``reach_probability.png``, ``hit_years.png``,
        ``difference_p_reach.png``, ``difference_mean_trade.png``.
    """
    _check_many(results_list, labels)
    folder = Path(folder)
    by_name = {str(r.summary.get("scenario")): str(label) for r, label in zip(results_list, labels, strict=True)}
    makers = {
        COMPARISON_PNG_NAMES["fan_charts"]: lambda: overlay_fan_charts(results_list, labels),
        COMPARISON_PNG_NAMES["reach_probability"]: lambda: overlay_reach_probability(results_list, labels),
        COMPARISON_PNG_NAMES["hit_years"]: lambda: hit_year_comparison(results_list, labels),
        COMPARISON_PNG_NAMES["difference_p_reach"]: lambda: paired_difference(comparison, "p_reach_by_year", labels=by_name),
        COMPARISON_PNG_NAMES["difference_mean_trade"]: lambda: paired_difference(comparison, "mean_trade_usd_bn", labels=by_name),
    }
    return _write_pngs(makers, folder)


# -- calibration -------------------------------------------------------------------
def backtest_chart(result: Any, history: Sequence[tuple[int, float]]) -> Figure:
    """How the fitted organic growth law (or laws) would have forecast the observed years.

    The observed series as a line with markers; for each forecast origin of a
    rolling-origin backtest, the 1-year-ahead forecast (solid) and the 2- and
    3-year-ahead forecasts (dotted 90% line, lighter 50% bar; further horizons
    alike) as vertical bars: median (open circle), central 50% range (thick)
    and 90% range (thin),
    drawn just beside the year forecast. The subtitle states how many outcomes
    fell inside the ranges and the mean CRPS against a no-drift random walk.

    When the rows come from several laws (``coopsim backtest --law both``,
    :func:`sim.calibration.backtest_laws`), each law has its colour and the
    bars of the laws stand side by side for each horizon; the subtitle has one
    line per law.

    Parameters
    ----------
    result : sim.calibration.BacktestResult or sim.calibration.LawsBacktest
        Uses ``rows()`` (origin, year, horizon, actual, p5 ... p95, USD bn,
        and ``law`` when present) and ``to_dict()`` (coverage, CRPS, paths,
        seed, source; per law under ``laws`` for several laws).
    history : sequence of (year, value)
        The observed series, USD bn, e.g. :func:`sim.history.load_history`
        or ``zip(*sim.calibration.load_series(...))``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. The observed line has gid ``"observed"``; the medians of
        horizon ``h`` are one line of markers with gid ``f"median_h{h}"``
        (one law) or ``f"median_{law}_h{h}"`` (several laws).
    """
    labels = {"random_walk": "Random-walk", "structural": "Structural (share of total trade)"}

    def score_line(law: str, mine: Sequence[dict[str, Any]]) -> str:
        """One subtitle line: a law's coverage and mean CRPS."""
        inside90 = sum(r["p5"] <= r["actual"] <= r["p95"] for r in mine)
        inside50 = sum(r["p25"] <= r["actual"] <= r["p75"] for r in mine)
        crps = float(np.mean([_num(r["crps"]) for r in mine])) if mine else math.nan
        return (
            f"{labels.get(law, law)} law: 90% ranges held {inside90} of {len(mine)} outcomes, 50% ranges {inside50} of {len(mine)}; "
            f"mean CRPS {crps:.2f} USD bn"
        )

    rows = result.rows()
    summary = result.to_dict()
    laws = list(dict.fromkeys(str(r.get("law", "random_walk")) for r in rows)) or ["random_walk"]
    several = len(laws) > 1
    horizons = [int(h) for h in summary.get("horizons") or sorted({r["horizon"] for r in rows})]
    hist = sorted((int(y), _num(v)) for y, v in history)
    hy = np.array([y for y, _ in hist], dtype=float)
    hv = np.array([v for _, v in hist])
    origins = sorted({int(r["origin"]) for r in rows})
    span = f"{origins[0]}-{origins[-1]}" if len(origins) > 1 else (str(origins[0]) if origins else "n/a")
    paths = summary.get("paths")
    paths_txt = f"{int(paths):,} simulated paths per origin" if paths is not None else "paths n/a"
    if several:
        scores = [score_line(law, [r for r in rows if r.get("law") == law]) for law in laws]
        crps_rw = _num(next(iter(summary["laws"].values())).get("crps_random_walk"))
        subtitle = (
            f"Forecasts made each year {span} from each law fitted only to the data up to then, on the same years\n"
            + "\n".join(scores)
            + f"\nNo-drift random walk: mean CRPS {crps_rw:.2f} USD bn (lower is better)"
        )
    else:
        n = int(summary.get("n_forecasts") or len(rows))
        inside90 = sum(r["p5"] <= r["actual"] <= r["p95"] for r in rows)
        inside50 = sum(r["p25"] <= r["actual"] <= r["p75"] for r in rows)
        crps, crps_rw = _num(summary.get("crps")), _num(summary.get("crps_random_walk"))
        what = "growth law" if laws[0] == "random_walk" else f"{labels.get(laws[0], laws[0])} law"
        subtitle = (
            f"Forecasts made each year {span} from the {what} fitted only to the data up to then\n"
            f"90% ranges held {inside90} of {n} outcomes, 50% ranges {inside50} of {n}\n"
            f"Mean CRPS {crps:.2f} USD bn against {crps_rw:.2f} for a no-drift random walk (lower is better)"
        )
    fig, ax = _new_figure(
        "How past forecasts of organic trade would have fared",
        subtitle,
        f"Source: coopsim calibration backtest (rolling origin, organic growth only, parameter uncertainty included; "
        f"{paths_txt}, seed {summary.get('seed', 'n/a')}). Series: {summary.get('source', 'n/a')}.",
    )
    fig.subplots_adjust(top=MARGINS["top"] - 0.065 - (0.035 * (len(laws) - 1) if several else 0.0))  # multi-line subtitle

    if len(hy):
        ax.plot(hy, hv, color=INK, linewidth=1.8, marker="o", markersize=5, label="observed", zorder=5, gid="observed")
    handles: list[Any] = [Line2D([], [], color=INK, linewidth=1.8, marker="o", markersize=5, label="observed")] if len(hy) else []
    tops: list[float] = [*hv.tolist()]
    width = 0.7 / (len(horizons) * len(laws))
    for j, h in enumerate(horizons):
        style = "solid" if j == 0 else (0, (1, 1.3))
        for k, law in enumerate(laws):
            mine = [r for r in rows if int(r["horizon"]) == h and str(r.get("law", "random_walk")) == law]
            if several:
                color = SCENARIO_COLORS[k % len(SCENARIO_COLORS)]
                offset = -0.35 + (j * len(laws) + k + 0.5) * width  # the laws side by side, horizons left to right
            else:
                color = SCENARIO_COLORS[j % len(SCENARIO_COLORS)]
                offset = -0.2 if j == 0 else 0.05 + 0.15 * j  # beside the observed marker, 1 year ahead on the left
            x = np.array([r["year"] + offset for r in mine], dtype=float)
            p = {q: np.array([_num(r[q]) for r in mine]) for q in ("p5", "p25", "p50", "p75", "p95")}
            ax.vlines(x, p["p5"], p["p95"], colors=color, linewidth=1.4, linestyles=style, zorder=3)
            ax.vlines(x, p["p25"], p["p75"], colors=color, linewidth=5.0 if not several else 3.5, alpha=0.85 if j == 0 else 0.5, zorder=3)
            ax.plot(
                x,
                p["p50"],
                linestyle="none",
                marker="o",
                markersize=5 if not several else 4,
                markerfacecolor="white",
                markeredgecolor=color,
                markeredgewidth=1.6,
                zorder=4,
                gid=f"median_{law}_h{h}" if several else f"median_h{h}",
            )
            tops += p["p95"].tolist()
        ahead = f"{h} year{'s' if h > 1 else ''} ahead"
        if not several:
            handles.append(
                Line2D([], [], color=color, linewidth=2.4, linestyle=style, marker="o", markerfacecolor="white", label=f"forecast {ahead}")
            )
        else:
            handles.append(Line2D([], [], color=MUTED, linewidth=1.4, linestyle=style, label=f"forecast {ahead}"))
    if several:
        handles += [
            Line2D([], [], color=SCENARIO_COLORS[k % len(SCENARIO_COLORS)], linewidth=3.5, label=f"{labels.get(law, law)} law")
            for k, law in enumerate(laws)
        ]
    if rows:
        note = "bars: thick 50%, thin 90% range; circle: median" + ("; horizons left to right" if several else "")
        handles.append(Line2D([], [], color=MUTED, linewidth=0, label=note))
    first = min([*hy.tolist(), *(float(r["year"]) for r in rows)], default=0.0)
    last = max([*hy.tolist(), *(float(r["year"]) for r in rows)], default=1.0)
    _year_axis(ax, first, last)
    ax.set_ylim(0, _top_with_room(tops, 1.0, 1.08))
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    if not rows:
        ax.text(0.5, 0.5, "No forecast to show", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    _legend(ax, handles=handles, ncol=1, loc="upper left")
    return fig


# -- sensitivity analysis and goal seeking ---------------------------------------------
__all__ += [
    "tornado_chart",
    "sobol_chart",
    "discovery_chart",
    "goal_chart",
    "save_sensitivity_figures",
    "save_goal_figure",
    "SENSITIVITY_PNG_NAMES",
    "GOAL_PNG_NAME",
]

SENSITIVITY_PNG_NAMES = {
    "tornado": "tornado.png",
    "sobol_reached": "sobol_reached.png",
    "sobol_trade": "sobol_trade.png",
    "discovery": "discovery.png",
}
"""File names written by :func:`save_sensitivity_figures`, in order (each only when its data is there)."""
GOAL_PNG_NAME = "goal.png"
"""File name written by :func:`save_goal_figure`."""

LOW_COLOR = BLUE
"""Tornado bars of an input group at its 10th percentile."""
HIGH_COLOR = ORANGE
"""Tornado bars of an input group at its 90th percentile."""
FIRST_ORDER_COLOR = SKY
TOTAL_COLOR = BLUE
MISSED_COLOR = VERMILLION
"""Paths that miss the target on the scenario-discovery chart."""
REACHED_COLOR = "#BDBDBD"
BOX_COLORS = (INK, PURPLE, GREEN, BLUE)
"""Outline of the 1st, 2nd... scenario-discovery box."""
SUBTITLE_LINE = 0.034
"""Height of one subtitle line in figure fractions (the axes move down under a longer subtitle)."""
SUBTITLE_WIDTH = 110
"""Characters per subtitle line when wrapping long texts."""


def _ci_pair(value: Any) -> tuple[float, float]:
    """``[low, high]`` as floats, NaN where missing or malformed."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return math.nan, math.nan
    return _num(value[0]), _num(value[1])


def _subtitle_room(fig: Figure, lines: int) -> None:
    """Lower the top of the axes under a subtitle of ``lines`` lines."""
    if lines > 1:
        fig.subplots_adjust(top=MARGINS["top"] - SUBTITLE_LINE * (lines - 1))


def _bar_style(ax: Axes, labels: Sequence[str], rows: np.ndarray) -> None:
    """Horizontal-bar look: category labels on the left (margin widened to fit), grid along x."""
    ax.set_yticks(rows)
    ax.set_yticklabels(labels)
    ax.tick_params(axis="y", length=0)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    longest = max((len(s) for s in labels), default=0)
    ax.figure.subplots_adjust(left=min(0.42, max(MARGINS["left"], 0.03 + 0.0080 * longest)))
    ax.set_ylim(-0.6, len(rows) - 0.4)


def _whiskers(ax: Axes, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, gid: str) -> None:
    """95% interval whiskers with end caps; rows with a missing bound get none.

    The whiskers are one line collection with gid ``gid`` whose segments run
    from ``(lo, y)`` to ``(hi, y)``, in row order.
    """
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(y)
    lines = ax.hlines(y[ok], lo[ok], hi[ok], color=INK, linewidth=1.1, zorder=4)
    lines.set_gid(gid)
    ax.plot(
        np.concatenate([lo[ok], hi[ok]]),
        np.concatenate([y[ok], y[ok]]),
        linestyle="none",
        marker="|",
        markersize=6,
        markeredgewidth=1.1,
        color=INK,
        zorder=4,
        gid=f"{gid}_caps",
    )


def _bar_labels(ax: Axes, y: np.ndarray, values: np.ndarray, lo: np.ndarray, hi: np.ndarray, text: Any, outward: bool = True) -> None:
    """Value labels just past each bar's end (or its whisker's): outward from zero, or all on the right.

    Call after setting the x limits: a label that would fall outside them is
    put just inside the axes instead, on a white ground.
    """
    left_end, right_end = ax.get_xlim()
    for yk, v, a, b in zip(y, values, lo, hi, strict=True):
        if not math.isfinite(v):
            continue
        right = v >= 0 or not outward
        if right:
            end = max(x for x in (v, b, 0.0 if not outward else v) if math.isfinite(x))
        else:
            end = min(v, a) if math.isfinite(a) else v
        inside = end > right_end if right else end < left_end
        if inside:
            end, right = (right_end, False) if right else (left_end, True)
        ax.annotate(
            text(v),
            (end, yk),
            xytext=(5 if right else -5, 0),
            textcoords="offset points",
            ha="left" if right else "right",
            va="center",
            fontsize=NOTE_SIZE - 1.5,
            color=INK,
            annotation_clip=False,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9} if inside else None,
            zorder=6,
        )


def _sensitivity_caption(data: dict[str, Any], what: str) -> str:
    return f"Source: coopsim sensitivity analysis ({what}). Scenario {data.get('scenario', 'unnamed')}, seed {data.get('seed', 'n/a')}."


def _target_words(target: float, year: Any) -> str:
    """``"$20 bn by 2030"`` (or ``"the target by 2030"`` when the target is unknown)."""
    return f"{_money(target) if math.isfinite(target) else 'the target'} by {year}"


def _swing_order(bar: dict[str, Any]) -> tuple[int, float]:
    swing = _num(bar.get("swing"))
    return (0, -swing) if math.isfinite(swing) else (1, 0.0)


def tornado_chart(data: dict[str, Any]) -> Figure:
    """What moves ``P(target by year)``: each input group moved alone to its 10th and 90th percentile.

    Two horizontal bars per input group, in percentage points from the base
    probability (100 x ``diff_low`` and 100 x ``diff_high``), with their 95%
    intervals as whiskers. The group with the largest swing is on top. Every
    run shares common random numbers with the base run, so the bars are
    paired differences.

    Parameters
    ----------
    data : dict
        The content of ``sensitivity.json``; uses ``target_usd_bn``,
        ``scenario``, ``seed`` and ``tornado``: ``year``, ``paths``,
        ``p_base`` and ``bars``, each ``{"group", "diff_low",
        "diff_low_ci95", "diff_high", "diff_high_ci95", "swing"}``. ``None``
        values are drawn as gaps.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. The bars are rectangles with gid ``"tornado_low"`` and
        ``"tornado_high"`` (top group first, width 100 x diff, 0 where
        missing), their whiskers line collections with gid
        ``"tornado_low_ci95"`` and ``"tornado_high_ci95"``; the zero line has
        gid ``"zero"``. The y tick labels are the groups, bottom to top.
    """
    tornado = data.get("tornado") or {}
    bars = sorted(tornado.get("bars") or [], key=_swing_order)
    year = tornado.get("year", data.get("year"))
    target = _num(data.get("target_usd_bn"))
    paths = tornado.get("paths")
    paths_txt = f"{int(paths):,} paths" if paths is not None else "paths"
    n = len(bars)
    rows = np.arange(n, dtype=float)[::-1]  # the largest swing on top
    half = 0.2

    fig, ax = _new_figure(
        f"What moves the probability of {_target_words(target, year)}",
        f"Base probability {_pct(_num(tornado.get('p_base')))}. Each input group is moved alone to its 10th or 90th percentile.\n"
        f"All runs share common random numbers (the same {paths_txt}): bars are paired differences, whiskers 95% intervals",
        _sensitivity_caption(data, f"tornado, {paths_txt} per run"),
    )
    _subtitle_room(fig, 2)
    extent = [1.0]
    labels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for side, offset, color, label in (
        ("low", half, LOW_COLOR, "inputs at their 10th percentile"),
        ("high", -half, HIGH_COLOR, "inputs at their 90th percentile"),
    ):
        diff = np.array([_num(b.get(f"diff_{side}")) for b in bars]) * 100.0
        ci = np.array([_ci_pair(b.get(f"diff_{side}_ci95")) for b in bars]).reshape(n, 2) * 100.0
        drawn = ax.barh(rows + offset, np.nan_to_num(diff), height=2 * half * 0.9, color=color, label=label, zorder=3)
        for rect in drawn:
            rect.set_gid(f"tornado_{side}")
        _whiskers(ax, rows + offset, ci[:, 0], ci[:, 1], f"tornado_{side}_ci95")
        labels.append((rows + offset, diff, ci))
        extent += [abs(v) for v in [*diff, *ci.ravel()] if math.isfinite(v)]
    zero = ax.axvline(0, color=INK, linewidth=1.1, zorder=5)
    zero.set_gid("zero")

    _bar_style(ax, [str(b.get("group", "?")) for b in bars], rows)
    reach = max(extent) * 1.3
    ax.set_xlim(-reach, reach)
    for y, diff, ci in labels:
        _bar_labels(ax, y, diff, ci[:, 0], ci[:, 1], lambda v: _signed(v, "pp"))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10], symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(_signed_tick))
    ax.set_xlabel(f"Change in P(target reached by {year}), percentage points", fontsize=LABEL_SIZE, color=INK)
    if n:
        _legend(ax, ncol=1, loc="lower right")
    else:
        ax.text(0.5, 0.5, "No input groups were moved", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig


def _output_words(output: str, target: float) -> tuple[str, str]:
    """Title and subtitle words for a Sobol output: ``reached_by_2030``, ``trade_2030_usd_bn``..."""
    if output.startswith("reached_by_"):
        year = output.removeprefix("reached_by_")
        return f"reaching {_target_words(target, year)}", f"whether the target is reached by {year}"
    parts = output.split("_")
    if len(parts) >= 2 and parts[0] == "trade" and parts[1].isdigit():
        return f"annual trade in {parts[1]}", f"annual trade in {parts[1]}"
    return output, output


def _index_text(x: float) -> str:
    """A Sobol index for a label: ``0.42``, ``\u22120.03`` (typographic minus), ``0.00`` (never ``-0.00``)."""
    text = f"{x:.2f}"
    return "0.00" if text == "-0.00" else text.replace("-", "\u2212")


def _total_order(entry: tuple[str, Any]) -> tuple[int, float]:
    total = _num(((entry[1] or {}).get("total") or {}).get("value"))
    return (0, -total) if math.isfinite(total) else (1, 0.0)


def sobol_chart(data: dict[str, Any], output: str | None = None) -> Figure:
    """Sobol indices of one output: first-order and total index of each input group.

    The indices are shares of the variance of the output: first order, the
    share due to the group alone; total, including its interactions with the
    others. ``"path randomness"`` stands for each path's own draws (growth
    innovations, projects drawn, shocks). Groups are sorted by total index,
    largest on top; estimates slightly below zero (sampling noise) are shown
    down to -0.1.

    Parameters
    ----------
    data : dict
        The content of ``sensitivity.json``; uses ``sobol[output][group]`` as
        ``{"first_order": {"value", "ci95"}, "total": {"value", "ci95"}}``,
        ``sobol_sums``, ``design_rows``, ``target_usd_bn``, ``scenario`` and
        ``seed``.
    output : str, optional
        The output to chart (``"reached_by_2030"``, ``"trade_2030_usd_bn"``);
        default the first of ``data["sobol"]``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. Bars with gid ``"first_order"`` and ``"total"`` (top group
        first, width the index, 0 where missing), whiskers as line collections
        with gid ``"first_order_ci95"`` and ``"total_ci95"``.

    Raises
    ------
    ValueError
        If ``data`` has no Sobol indices or none for ``output``.
    """
    sobol = data.get("sobol") or {}
    if not sobol:
        raise ValueError("the sensitivity data has no Sobol indices")
    output = next(iter(sobol)) if output is None else output
    if output not in sobol:
        raise ValueError(f"no Sobol indices for {output!r}; available: {', '.join(sobol)}")
    entries = sorted((sobol[output] or {}).items(), key=_total_order)
    n = len(entries)
    rows = np.arange(n, dtype=float)[::-1]
    half = 0.2
    title_words, outcome = _output_words(output, _num(data.get("target_usd_bn")))
    first_sum = _num(((data.get("sobol_sums") or {}).get(output) or {}).get("first_order"))
    if not math.isfinite(first_sum):
        first_sum = float(sum(np.nan_to_num([_num(((e or {}).get("first_order") or {}).get("value")) for _, e in entries])))
    design_rows = data.get("design_rows")
    design = f"Saltelli design, {int(design_rows):,} rows of one path each" if design_rows is not None else "Saltelli design"

    lines = textwrap.wrap(
        f"Indices are shares of the variance of {outcome}: first order, the group alone; total, with its interactions. "
        '"path randomness" is each path\'s own draws (growth innovations, projects drawn, shocks). Whiskers: 95% intervals',
        width=SUBTITLE_WIDTH,
    )
    fig, ax = _new_figure(
        f"What drives {title_words}: Sobol indices",
        "\n".join(lines),
        _sensitivity_caption(data, design)
        + f" First-order indices sum to {first_sum:.2f}; the rest of the variance comes from interactions.",
    )
    _subtitle_room(fig, len(lines))
    values: list[float] = [0.0, 1.0]
    labels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for key, offset, color, label in (
        ("first_order", half, FIRST_ORDER_COLOR, "first order (the group alone)"),
        ("total", -half, TOTAL_COLOR, "total (with its interactions)"),
    ):
        v = np.array([_num(((e or {}).get(key) or {}).get("value")) for _, e in entries])
        ci = np.array([_ci_pair(((e or {}).get(key) or {}).get("ci95")) for _, e in entries]).reshape(n, 2)
        drawn = ax.barh(rows + offset, np.nan_to_num(v), height=2 * half * 0.9, color=color, label=label, zorder=3)
        for rect in drawn:
            rect.set_gid(key)
        _whiskers(ax, rows + offset, ci[:, 0], ci[:, 1], f"{key}_ci95")
        labels.append((rows + offset, v, ci))
        values += [x for x in [*v, *ci.ravel()] if math.isfinite(x)]
    zero = ax.axvline(0, color=INK, linewidth=1.1, zorder=5)
    zero.set_gid("zero")

    _bar_style(ax, [str(g) for g, _ in entries], rows)
    low, high = min(values), max(values)
    ax.set_xlim(0.0 if low >= 0 else max(-0.1, low - 0.02), 1.0 if high <= 1.0 else min(1.1, high + 0.02))
    for y, v, ci in labels:
        _bar_labels(ax, y, v, ci[:, 0], ci[:, 1], _index_text, outward=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Sobol index (share of variance)", fontsize=LABEL_SIZE, color=INK)
    if n:
        _legend(ax, ncol=1, loc="lower right")
    return fig


def _limit(pair: Any, lo: float, hi: float) -> tuple[float, float]:
    """A box side ``[low, high]`` within ``[lo, hi]``; a missing, null or infinite bound is the range's end."""
    a, b = _ci_pair(pair)
    a = lo if not math.isfinite(a) else min(max(a, lo), hi)
    b = hi if not math.isfinite(b) else min(max(b, lo), hi)
    return a, b


def _restricts(pair: Any) -> bool:
    a, b = _ci_pair(pair)
    return math.isfinite(a) or math.isfinite(b)


def _most_correlated(features: dict[str, np.ndarray], missed: np.ndarray, exclude: str) -> str | None:
    """The feature other than ``exclude`` whose values correlate most (in absolute value) with ``missed``."""
    best, best_r = None, -1.0
    y = missed.astype(float)
    for name, x in features.items():
        if name == exclude:
            continue
        ok = np.isfinite(x)
        r = 0.0
        if ok.sum() > 2 and np.std(x[ok]) > 0 and np.std(y[ok]) > 0:
            r = abs(float(np.corrcoef(x[ok], y[ok])[0, 1]))
        if best is None or r > best_r:
            best, best_r = name, r
    return best


def discovery_chart(data: dict[str, Any]) -> Figure:
    """Scenario discovery: the sampled paths on two inputs, misses highlighted, with the PRIM boxes.

    The axes are the two inputs the first box restricts (the first two
    features if there is no box; if the box restricts only one input, the
    other axis is the input most correlated with missing the target). Each
    box is drawn as a dashed rectangle; a side it leaves unbounded is drawn at
    the end of the data range. The boxes' rules are written under the title.

    Parameters
    ----------
    data : dict
        The content of ``sensitivity.json``; uses ``discovery``
        (``rows``, ``share_missed``, ``method``, ``features`` as input name ->
        per-path values, ``missed`` as per-path booleans and ``boxes``, each
        with ``limits`` as input name -> ``[low, high]``, ``None`` or infinite
        meaning unbounded, and ``text``), ``inputs`` (ranges, used when the
        features are missing), ``year``, ``target_usd_bn``, ``scenario`` and
        ``seed``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the scatters have gid ``"reached"`` and ``"missed"``, box
        ``k`` (from 1) is a dashed polygon with gid ``"box_k"``.

    Raises
    ------
    ValueError
        If ``missed`` and the features have different lengths.
    """
    disc = data.get("discovery") or {}
    year = data.get("year", (data.get("tornado") or {}).get("year"))
    target = _num(data.get("target_usd_bn"))
    features = {str(k): np.array([_num(v) for v in values], dtype=float) for k, values in (disc.get("features") or {}).items()}
    missed = np.array([bool(m) for m in disc.get("missed") or []], dtype=bool)
    sizes = {len(v) for v in features.values()}
    if len(sizes) > 1 or (sizes and missed.size and sizes != {missed.size}):
        raise ValueError(f"discovery features and 'missed' differ in length: {sorted(sizes | {missed.size})}")
    boxes = [b or {} for b in disc.get("boxes") or []]
    inputs = {str(i.get("path")): i for i in data.get("inputs") or []}

    first = [k for k, v in (boxes[0].get("limits") or {}).items() if _restricts(v) and (not features or k in features)] if boxes else []
    names = list(features) or list(dict.fromkeys([*first, *(k for b in boxes for k in b.get("limits") or {})]))
    if len(first) >= 2:
        x_name, y_name = first[0], first[1]
    elif len(first) == 1:
        x_name = first[0]
        y_name = _most_correlated(features, missed, x_name) if features and missed.size else None
        y_name = y_name or next((k for k in names if k != x_name), None)
    else:
        x_name = names[0] if names else None
        y_name = names[1] if len(names) > 1 else None

    share = _num(disc.get("share_missed"))
    rows_n = disc.get("rows")
    method = disc.get("method", "PRIM")
    intro = (
        f"Sampled inputs of {int(rows_n):,} paths; " if rows_n is not None else "Sampled inputs; "
    ) + f"the target is missed by {year} on {_pct(share)} of them. {method} boxes where misses concentrate:"
    lines = [intro]
    for k, b in enumerate(boxes, start=1):
        lines += textwrap.wrap(f"Box {k}: {b.get('text') or 'no description'}", width=SUBTITLE_WIDTH)
    if not boxes:
        lines.append("No box found: the misses do not concentrate in a simple region of the inputs.")
    fig, ax = _new_figure(
        f"Where {_target_words(target, year)} is missed: scenario discovery",
        "\n".join(lines),
        _sensitivity_caption(data, f"{method} on the drawn inputs of the scenario's own paths"),
    )
    _subtitle_room(fig, len(lines))
    if x_name is None:
        ax.text(0.5, 0.5, "No scenario discovery data", transform=ax.transAxes, ha="center", va="center", color=MUTED)
        return fig

    def value_range(name: str | None) -> tuple[float, float]:
        if name is None:
            return 0.0, 1.0
        v = features.get(name, np.array([]))
        v = v[np.isfinite(v)]
        if v.size:
            lo, hi = float(v.min()), float(v.max())
        elif name in inputs:
            lo, hi = _num(inputs[name].get("low")), _num(inputs[name].get("high"))
        else:
            ends = [e for b in boxes for e in _ci_pair((b.get("limits") or {}).get(name)) if math.isfinite(e)]
            lo, hi = (min(ends), max(ends)) if ends else (0.0, 1.0)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            lo, hi = 0.0, 1.0
        if hi <= lo:
            lo, hi = lo - 0.5 * max(abs(lo), 1e-9), hi + 0.5 * max(abs(hi), 1e-9)
        return lo, hi

    xr, yr = value_range(x_name), value_range(y_name)
    if x_name in features:
        xv = features[x_name]
        yv = features[y_name] if y_name in features else np.random.default_rng(0).uniform(0, 1, xv.size)
        hit = missed if missed.size == xv.size else np.zeros(xv.size, dtype=bool)
        reached_label = f"target reached by {year} ({int((~hit).sum()):,} paths)" if missed.size else f"paths ({xv.size:,})"
        ax.scatter(xv[~hit], yv[~hit], s=7, color=REACHED_COLOR, alpha=0.6, linewidths=0, label=reached_label, zorder=2, gid="reached")
        if hit.any():
            ax.scatter(
                xv[hit],
                yv[hit],
                s=9,
                color=MISSED_COLOR,
                alpha=0.65,
                linewidths=0,
                label=f"target missed ({int(hit.sum()):,} paths)",
                zorder=3,
                gid="missed",
            )

    for k, b in enumerate(boxes, start=1):
        limits = b.get("limits") or {}
        if not (_restricts(limits.get(x_name)) or (y_name is not None and _restricts(limits.get(y_name)))):
            continue  # restricts only inputs not on this chart
        x0, x1 = _limit(limits.get(x_name), *xr)
        y0, y1 = _limit(limits.get(y_name), *yr) if y_name is not None else yr
        color = BOX_COLORS[(k - 1) % len(BOX_COLORS)]
        (poly,) = ax.fill([x0, x1, x1, x0], [y0, y0, y1, y1], fill=False, edgecolor=color, linestyle="--", linewidth=2.0, zorder=4)
        poly.set_gid(f"box_{k}")
        density = _num(b.get("density"))
        note = f"box {k}" + (f": {_pct(density)} missed" if math.isfinite(density) else "")
        ax.annotate(
            note,
            (x0, y1),
            xytext=(5, -5),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=NOTE_SIZE,
            fontweight="bold",
            color=color,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            zorder=6,
        )

    def group_of(name: str | None) -> str | None:
        group = (inputs.get(name) or {}).get("group") if name else None
        return str(group) if group and group != name else None

    pad_x, pad_y = 0.03 * (xr[1] - xr[0]), 0.03 * (yr[1] - yr[0])
    ax.set_xlim(xr[0] - pad_x, xr[1] + pad_x)
    ax.set_ylim(yr[0] - pad_y, yr[1] + 0.16 * (yr[1] - yr[0]))  # headroom for the legend
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    x_group = group_of(x_name)
    ax.set_xlabel(f"{x_name} ({x_group})" if x_group else str(x_name), fontsize=LABEL_SIZE, color=INK)
    if y_name is None:
        ax.set_yticks([])
        ax.set_ylabel("paths (spread out vertically)", fontsize=LABEL_SIZE, color=INK)
    else:
        # a dotted path can be long: shrink the label to the axes' height, the group on a second line
        y_group = group_of(y_name)
        height_pt = FIGSIZE[1] * 72 * (fig.subplotpars.top - fig.subplotpars.bottom)
        size = max(7.5, min(LABEL_SIZE, height_pt / (0.62 * max(len(y_name), len(y_group or "") + 2))))
        ax.set_ylabel(f"{y_name}\n({y_group})" if y_group else y_name, fontsize=size, color=INK, linespacing=1.2)
        fig.subplots_adjust(left=MARGINS["left"] + (0.02 if y_group else 0.0))
    handles: list[Any] = [
        Line2D([], [], linestyle="none", marker="o", markersize=6, markeredgewidth=0, color=c.get_facecolor()[0], label=c.get_label())
        for c in ax.collections[::-1]
        if c.get_gid() in ("missed", "reached")
    ]
    if any(p.get_gid() and p.get_gid().startswith("box_") for p in ax.patches):
        handles.append(Line2D([], [], color=INK, linestyle="--", linewidth=2.0, label=f"{method} box (open sides: unbounded)"))
    if handles:
        _legend(ax, handles=handles, ncol=len(handles), loc="upper left")
    return fig


def _pct_exact(p: float) -> str:
    """A wanted probability: ``90%``, ``92.5%``, ``99.5%`` (never rounded to ``100%``)."""
    if not math.isfinite(p):
        return "n/a"
    return f"{100 * p:.1f}".rstrip("0").rstrip(".") + "%"


def _setting(value: float) -> str:
    """A lever setting for labels: ``0.0925``, ``2031``, ``1.5``."""
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def goal_chart(goal: dict[str, Any]) -> Figure:
    """Goal seeking: the probability of the target against one lever's setting, and the setting needed.

    Parameters
    ----------
    goal : dict
        The content of ``goal.json``: ``lever``, ``year``, ``probability``
        (wanted), ``value`` and ``ci95`` (the setting found, ``None`` when
        out of reach), ``curve`` as ``[setting, p, low, high]`` rows,
        ``message``, ``current`` (the scenario's own setting), ``paths``,
        ``seed``, ``scenario`` and optionally ``target_usd_bn``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the probability curve has gid ``"probability"`` (xdata the
        settings, sorted), its band gid ``"ci95"``, the wanted probability
        line gid ``"wanted"``, the found setting gid ``"value"`` with its
        interval gid ``"value_ci95"`` (both absent when out of reach) and the
        scenario's current setting gid ``"current"``.
    """
    lever = str(goal.get("lever", "lever"))
    year = goal.get("year")
    wanted = _num(goal.get("probability"))
    value = _num(goal.get("value"))
    v_lo, v_hi = _ci_pair(goal.get("ci95"))
    current = _num(goal.get("current"))
    target = _num(goal.get("target_usd_bn"))
    curve = sorted(
        (r for r in ([_num(c) for c in row][:4] + [math.nan] * (4 - len(row)) for row in goal.get("curve") or []) if math.isfinite(r[0])),
        key=lambda r: r[0],
    )
    s, p, lo, hi = (np.array(col, dtype=float) for col in zip(*curve, strict=True)) if curve else (np.array([]),) * 4
    paths = goal.get("paths")
    paths_txt = f"{int(paths):,} paths" if paths is not None else "paths"
    what = f"P({_money(target)} by {year})" if math.isfinite(target) else f"P(target by {year})"
    message = textwrap.wrap(str(goal.get("message") or ""), width=SUBTITLE_WIDTH) or [""]

    fig, ax = _new_figure(
        f"What it takes: {what} = {_pct_exact(wanted)}",
        "\n".join(message),
        f"Source: coopsim goal seeking on {lever}. Scenario {goal.get('scenario', 'unnamed')} ({paths_txt} per setting, seed "
        f"{goal.get('seed', 'n/a')}); every setting runs on the same paths (common random numbers).",
    )
    _subtitle_room(fig, len(message))
    band = ax.fill_between(s, lo, hi, color=BLUE, alpha=0.22, linewidth=0, label="95% interval of the probability", zorder=2)
    band.set_gid("ci95")
    (line,) = ax.plot(s, p, color=BLUE, linewidth=2.4, marker="o", markersize=5, label=f"P(target reached by {year})", zorder=3)
    line.set_gid("probability")
    if math.isfinite(wanted):
        ax.axhline(wanted, color=TARGET_COLOR, linestyle="--", linewidth=1.8, label=f"wanted: {_pct_exact(wanted)}", zorder=4, gid="wanted")
    xs = [*s.tolist()]
    if math.isfinite(value):
        if math.isfinite(v_lo) and math.isfinite(v_hi):
            span = ax.axvspan(
                v_lo,
                v_hi,
                color=GREEN,
                alpha=0.18,
                linewidth=0,
                zorder=1,
                label=f"95% interval of the setting: {_setting(v_lo)} to {_setting(v_hi)}",
            )
            span.set_gid("value_ci95")
            xs += [v_lo, v_hi]
        ax.axvline(value, color=GREEN, linewidth=2.2, label=f"needed: {_setting(value)}", zorder=4, gid="value")
        xs.append(value)
    elif math.isfinite(wanted):
        # on the wanted line, at the end where the curve is farthest from it
        ends = p[np.isfinite(p)]
        at_left = len(ends) < 2 or abs(wanted - ends[0]) >= abs(wanted - ends[-1])
        ax.annotate(
            "out of reach in the settings tried",
            (0.0 if at_left else 1.0, wanted),
            xycoords=("axes fraction", "data"),
            xytext=(6 if at_left else -6, 5 if wanted < 0.93 else -14),
            textcoords="offset points",
            ha="left" if at_left else "right",
            fontsize=NOTE_SIZE,
            fontweight="bold",
            color=TARGET_COLOR,
        )
    if math.isfinite(current):
        label = f"scenario now: {_setting(current)}"
        if len(s) and s[0] <= current <= s[-1] and np.isfinite(p).any():
            ok = np.isfinite(p)
            ax.plot(
                [current],
                [float(np.interp(current, s[ok], p[ok]))],
                linestyle="none",
                marker="D",
                markersize=8,
                markerfacecolor="white",
                markeredgecolor=INK,
                markeredgewidth=2,
                label=label,
                zorder=6,
                gid="current",
            )
        else:
            ax.axvline(current, color=INK, linestyle=":", linewidth=1.5, label=label, zorder=4, gid="current")
        xs.append(current)
    if xs:
        first, last = min(xs), max(xs)
        pad = 0.04 * (last - first) if last > first else max(abs(first) * 0.05, 0.01)
        ax.set_xlim(first - pad, last + pad)
    _percent_axis(ax, f"P(target reached by {year})")
    ax.set_ylim(0, 1.02)
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    ax.set_xlabel(f"{lever} (setting)", fontsize=LABEL_SIZE, color=INK)
    _legend(ax, ncol=1, loc="best")
    return fig


def save_sensitivity_figures(data: dict[str, Any], folder: Path) -> list[str]:
    """Write the sensitivity charts as PNG files at :data:`DPI` into ``folder``.

    Parameters
    ----------
    data : dict
        The content of ``sensitivity.json``.
    folder : pathlib.Path
        An existing directory.

    Returns
    -------
    list of str
        The file names written, in order, each only when its data is there:
        ``tornado.png`` (:func:`tornado_chart`), ``sobol_reached.png`` (the
        first Sobol output), ``sobol_trade.png`` (the second),
        ``discovery.png`` (when there are boxes or features).
    """
    folder = Path(folder)
    outputs = list(data.get("sobol") or {})
    disc = data.get("discovery") or {}
    makers: dict[str, Any] = {}
    if data.get("tornado") is not None:
        makers[SENSITIVITY_PNG_NAMES["tornado"]] = lambda: tornado_chart(data)
    if outputs:
        makers[SENSITIVITY_PNG_NAMES["sobol_reached"]] = lambda: sobol_chart(data, outputs[0])
    if len(outputs) > 1:
        makers[SENSITIVITY_PNG_NAMES["sobol_trade"]] = lambda: sobol_chart(data, outputs[1])
    if disc.get("boxes") or disc.get("features"):
        makers[SENSITIVITY_PNG_NAMES["discovery"]] = lambda: discovery_chart(data)
    return _write_pngs(makers, folder)


def save_goal_figure(goal: dict[str, Any], folder: Path) -> list[str]:
    """Write :func:`goal_chart` as ``goal.png`` at :data:`DPI` into ``folder``.

    Parameters
    ----------
    goal : dict
        The content of ``goal.json``.
    folder : pathlib.Path
        An existing directory.

    Returns
    -------
    list of str
        ``["goal.png"]``.
    """
    return _write_pngs({GOAL_PNG_NAME: lambda: goal_chart(goal)}, folder)
