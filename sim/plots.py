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

Charts comparing runs: :func:`overlay_fan_charts` and
:func:`overlay_reach_probability`. :func:`save_figures` writes the charts of
one run as PNG files.

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
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from .results import Results

__all__ = [
    "fan_chart",
    "reach_probability",
    "hit_year_distribution",
    "composition",
    "overlay_fan_charts",
    "overlay_reach_probability",
    "save_figures",
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
