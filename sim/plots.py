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
* :func:`reach_probability` -- probability the target is reached by each year.
* :func:`hit_year_distribution` -- the year the target is first reached.
* :func:`composition` -- mean annual trade by component.

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
from collections.abc import Sequence
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


def _with_base(results: Results, years: np.ndarray, series: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Prepend the base year (all quantiles at the base value) so the fan opens from the known point."""
    base_year = results.summary.get("base_year")
    base = _num(results.summary.get("base_usd_bn"))
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
        f"Trade turnover, median and ranges of {int(s.get('paths') or 0):,} simulated paths",
        _caption(results),
    )
    ax.fill_between(x, q["p5"], q["p95"], color=SKY, alpha=0.30, linewidth=0, label="90% of paths (5th-95th pct.)", zorder=1)
    ax.fill_between(x, q["p25"], q["p75"], color=BLUE, alpha=0.35, linewidth=0, label="50% of paths (25th-75th pct.)", zorder=2)
    (median,) = ax.plot(x, q["p50"], color=BLUE, linewidth=2.6, label="median", zorder=3)
    median.set_gid("median")
    _target_line(ax, target)
    if len(hy):
        ax.plot(hy, hv, color=INK, linewidth=1.8, marker="o", markersize=5, label=_history_label(results), zorder=5, gid="observed")
    base_year = s.get("base_year")
    base = _num(s.get("base_usd_bn"))
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
        "Share of simulated paths with trade at or above the target in that year or earlier",
        _caption(results),
    )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.3, zorder=1)
    ax.fill_between(years, lo, hi, color=BLUE, alpha=0.22, linewidth=0, label="95% confidence interval", zorder=2)
    (line,) = ax.plot(years, p, color=BLUE, linewidth=2.4, marker="o", markersize=6, label="probability target reached", zorder=3)
    line.set_gid("p_reach")
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


def composition(results: Results) -> Figure:
    """Mean annual trade by component as stacked bars, with the mean total.

    Positive parts are stacked upward from zero and negative parts (e.g.
    import substitution, projects ending) downward, so the bars' net height
    is the mean total, drawn as a black line with markers.

    Parameters
    ----------
    results : Results
        Uses ``components_mean_usd_bn``.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; each component's bars carry its legend name
        (:data:`COMPONENT_LABELS`), the total line gid ``"total"``.
    """
    s = results.summary
    years = np.array(results.years)
    table = s.get("components_mean_usd_bn") or {}
    rows = [table.get(y) or {} for y in _year_strings(results)]
    names = [c for c in COMPONENT_LABELS if any(c in r for r in rows)]
    names += sorted({c for r in rows for c in r} - set(names))
    values = {c: np.array([_num(r.get(c)) for r in rows]) for c in names}

    fig, ax = _new_figure(
        "Where the trade comes from: mean annual trade by component",
        "Mean over simulated paths; construction and operating effects are changes from the base year",
        _caption(results),
    )
    up = np.zeros(len(years))
    down = np.zeros(len(years))
    extra = iter(SCENARIO_COLORS[4:] + SCENARIO_COLORS[:4])
    handles: list[Any] = []
    for c in names:
        v = np.nan_to_num(values[c])
        color = COMPONENT_COLORS.get(c) or next(extra)
        label = COMPONENT_LABELS.get(c, c)
        pos = np.where(v > 0, v, 0.0)
        neg = np.where(v < 0, v, 0.0)
        ax.bar(years, pos, bottom=up, width=0.7, color=color, edgecolor="white", linewidth=0.6, label=label, zorder=2)
        ax.bar(years, neg, bottom=down, width=0.7, color=color, edgecolor="white", linewidth=0.6, label=f"_{label} (negative)", zorder=2)
        up += pos
        down += neg
        handles.append(Patch(facecolor=color, label=label))
    total = np.array([sum(values[c][k] for c in names) if names else math.nan for k in range(len(years))])
    (line,) = ax.plot(years, total, color=BLACK, linewidth=2, marker="o", markersize=6, label="mean total", zorder=4)
    line.set_gid("total")
    handles.append(line)
    ax.axhline(0, color=INK, linewidth=0.9, zorder=3)

    _year_axis(ax, years[0] if len(years) else 0, years[-1] if len(years) else 1)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=len(years) + 1 if len(years) else 5, integer=True))
    low = float(np.min(down)) if len(down) else 0.0
    high = max(float(np.max(up)) if len(up) else 1.0, float(np.nanmax(total)) if np.isfinite(total).any() else 0.0, 1.0)
    span = high - low
    ax.set_ylim(low - 0.06 * span if low < 0 else 0, high + 0.28 * span)
    ax.set_ylabel("Mean annual trade, USD bn", fontsize=LABEL_SIZE, color=INK)
    _legend(ax, handles=handles, ncol=len(handles), loc="upper left")
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
    folder = Path(folder)
    makers = {
        PNG_NAMES["fan_chart"]: fan_chart,
        PNG_NAMES["reach_probability"]: reach_probability,
        PNG_NAMES["hit_year"]: hit_year_distribution,
        PNG_NAMES["composition"]: composition,
    }
    names: list[str] = []
    for name, make in makers.items():
        fig = make(results)
        fig.savefig(folder / name, dpi=DPI, facecolor="white")
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
    names: list[str] = []
    for name, make in makers.items():
        fig = make()
        fig.savefig(folder / name, dpi=DPI, facecolor="white")
        names.append(name)
    return names
