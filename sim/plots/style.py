"""The house look shared by every chart, and the small helpers that draw it.

Figures are built with the object-oriented API only (``Figure()`` directly,
never ``pyplot``), so they work headless, in worker processes and without any
global backend or state. One look: a left-aligned title and subtitle, axis
labels with units, a light grid, no top/right spines, a colour-blind-safe
palette (Okabe & Ito) and a source line naming the scenario, paths, seed and
the statistics the history comes from (:func:`source_line`).

:func:`chart_axes` is how every chart starts: on the caller's axes (only the
look of the axes is applied; the caller's figure keeps its layout) or on a
new slide-shaped figure with the title block and source line.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator, PercentFormatter, StrMethodFormatter

from ..results.results import FORECAST_HORIZON_YEARS

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

# FORECAST_HORIZON_YEARS: years after the base year up to which a fan chart reads as a forecast (2030 for a 2024
# base); beyond it the paths compound assumptions about a decade ahead, and the charts say so. Defined with the
# results (the default headline year), imported here.

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


# -- small helpers ---------------------------------------------------------------
def num(value: Any) -> float:
    """A float, with ``None`` (non-finite in JSON) as NaN."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def money(usd_bn: float, decimals: int = 1) -> str:
    """``20.0`` -> ``"$20 bn"``, ``26.72`` -> ``"$26.7 bn"`` (one dollar sign per text: no mathtext)."""
    if not math.isfinite(usd_bn):
        return "n/a"
    text = f"{usd_bn:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"${text} bn"


def pct(p: float) -> str:
    """A share as a percent for labels; below 1% with one decimal."""
    if not math.isfinite(p):
        return "n/a"
    if 0 < p < 0.01:
        return f"{100 * p:.1f}%"
    return f"{100 * p:.0f}%"


def reporter_words(reporter: str, labels: Mapping[str, str] | None = None) -> str:
    """A reporter code with who publishes its figures, from the scenario's ``trade.reporter_labels``.

    ``reporter_words("XX", {"XX": "Statistics Office"})`` -> ``"Statistics Office (XX)"``; a code without a label as it is.
    """
    name = (labels or {}).get(reporter)
    return f"{name} ({reporter})" if name else reporter


def observed_months(months: int) -> str:
    """The months a partial-year figure covers: ``7`` -> ``"January to July"``, ``1`` -> ``"January"``."""
    names = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
    return names[0] if months == 1 else f"{names[0]} to {names[months - 1]}"


def source_line(
    study: str, paths: int, seed: int, reporters: Sequence[str] = (), scenario: str = "", labels: Mapping[str, str] | None = None
) -> str:
    """The source line of a chart: who made the numbers, from how many paths and which seed, and whose history.

    ``source_line("Monte Carlo simulation", 10000, 1, ["XX"], "xx_yy", {"XX": "Statistics Office"})`` ->
    ``"Source: coopsim Monte Carlo simulation of xx_yy, 10,000 paths, seed 1; history: Statistics Office (XX) figures."``
    """
    of = f" of {scenario}" if scenario else ""
    history = f"; history: {', '.join(reporter_words(r, labels) for r in dict.fromkeys(reporters))} figures" if reporters else ""
    return f"Source: coopsim {study}{of}, {paths:,} paths, seed {seed}{history}."


def short_description(description: str) -> str:
    """A scenario's description cut to its first clause, for legends: ``"Reference: statistics basis, ..."`` -> ``"Reference"``."""
    cut = min((i for i in (description.find(mark) for mark in (":", ";", ",", " (")) if i > 0), default=len(description))
    return description[:cut].strip()


def legend_label(text: str, width: int = 42) -> str:
    """A legend entry wrapped onto lines of at most ``width`` characters, so long scenario descriptions keep the legend narrow."""
    return "\n".join(textwrap.wrap(text, width=width)) or text


def forecast_horizon(ax: Axes, base_year: int, last_year: float, note: str = "") -> int | None:
    """Shade the years past :data:`FORECAST_HORIZON_YEARS` after the base year and say on the chart that they are no forecast.

    The words go at the foot of the shaded years, with ``note`` (one more
    sentence about them) after; returns the horizon year, or None when the
    chart ends before it.
    """
    horizon = base_year + FORECAST_HORIZON_YEARS
    if last_year <= horizon:
        return None
    ax.axvspan(horizon + 0.5, last_year + 0.5, color="#F2F2F2", linewidth=0, zorder=0, gid="beyond_horizon")
    words = f"After {horizon}, {FORECAST_HORIZON_YEARS} years past {base_year}: where the assumptions lead, not a forecast. {note}"
    ax.text(
        horizon + 0.6,
        0.02,
        textwrap.fill(words.strip(), width=max(18, int(5.5 * (last_year - horizon)))),
        transform=ax.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=NOTE_SIZE - 1.5,
        color=MUTED,
        linespacing=1.25,
        bbox={"boxstyle": "round,pad=0.25", "facecolor": "#F2F2F2", "edgecolor": "none", "alpha": 0.9},
        zorder=6,
        gid="horizon_note",
    )
    return horizon


def target_label(target: float) -> str:
    return f"target {money(target, decimals=2)}"


def house_style(ax: Axes) -> None:
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


def slide_figure(title: str, subtitle: str, caption: str) -> tuple[Figure, Axes]:
    """A styled slide-shaped figure with one axes, a title block on top and a source line at the bottom."""
    fig = Figure(figsize=FIGSIZE, facecolor="white")
    ax = fig.add_subplot()
    fig.subplots_adjust(**MARGINS)
    house_style(ax)
    x0 = 0.015
    fig.text(x0, 0.965, title, fontsize=TITLE_SIZE, fontweight="bold", color=INK, ha="left", va="top")
    fig.text(x0, 0.905, subtitle, fontsize=SUBTITLE_SIZE, color=MUTED, ha="left", va="top")
    wrapped = textwrap.fill(caption, width=140)
    fig.text(x0, 0.015, wrapped, fontsize=CAPTION_SIZE, color=MUTED, ha="left", va="bottom", linespacing=1.3)
    extra_lines = wrapped.count("\n")
    if extra_lines:
        fig.subplots_adjust(bottom=MARGINS["bottom"] + 0.03 * extra_lines)
    return fig, ax


def year_axis(ax: Axes, first: float, last: float) -> None:
    """Calendar years as plain integers (no offset, no decimals)."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=14, integer=True))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_xlabel("Year", fontsize=LABEL_SIZE, color=INK)


def percent_axis(ax: Axes, label: str) -> None:
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
    ax.set_ylabel(label, fontsize=LABEL_SIZE, color=INK)


def add_legend(ax: Axes, handles: Sequence[Any] | None = None, ncol: int = 3, loc: str = "upper left") -> None:
    kwargs: dict[str, Any] = {"handles": list(handles)} if handles is not None else {}
    leg = ax.legend(loc=loc, ncol=ncol, fontsize=LEGEND_SIZE, frameon=True, framealpha=0.92, edgecolor="none", **kwargs)
    for text in leg.get_texts():
        text.set_color(INK)


def target_line(ax: Axes, target: float) -> Line2D | None:
    """The dashed target line (labelled for the legend); ``None`` if the target is unknown."""
    if not math.isfinite(target):
        return None
    line = ax.axhline(target, color=TARGET_COLOR, linestyle="--", linewidth=1.8, label=target_label(target), zorder=4)
    line.set_gid("target")
    return line


def top_with_room(values: Sequence[float], floor: float, factor: float = 1.12) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return max([floor, *finite]) * factor


def signed(value: float, unit: str) -> str:
    """``-3.14, "pp"`` -> ``"\u22123.1 pp"``; ``0.5, "USD bn"`` -> ``"+$0.5 bn"``."""
    if not math.isfinite(value):
        return "n/a"
    sign = "+" if value > 0 else ("\u2212" if value < 0 else "\u00b1")
    mag = abs(value)
    if unit == "USD bn":
        return sign + money(mag, decimals=2 if mag < 1 else 1)
    text = f"{mag:.1f}" if mag < 10 else f"{mag:.0f}"
    return f"{sign}{text}{' ' + unit if unit else ''}"


def signed_tick(x: float, _pos: Any = None) -> str:
    """Tick label of a difference axis: ``"+10"``, ``"0"``, ``"\u22122.5"`` (typographic minus)."""
    x = round(float(x), 9)
    if x == 0:
        return "0"
    return ("+" if x > 0 else "\u2212") + f"{abs(x):g}"


SUBTITLE_LINE = 0.034
"""Height of one subtitle line in figure fractions (the axes move down under a longer subtitle)."""
SUBTITLE_WIDTH = 110
"""Characters per subtitle line when wrapping long texts."""


def ci_pair(value: Any) -> tuple[float, float]:
    """``[low, high]`` as floats, NaN where missing or malformed."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return math.nan, math.nan
    return num(value[0]), num(value[1])


def subtitle_room(fig: Figure, lines: int) -> None:
    """Lower the top of the axes under a subtitle of ``lines`` lines."""
    if lines > 1:
        fig.subplots_adjust(top=MARGINS["top"] - SUBTITLE_LINE * (lines - 1))


def scenario_color(i: int) -> str:
    return SCENARIO_COLORS[i % len(SCENARIO_COLORS)]


def chart_axes(ax: Axes | None, title: str, subtitle: str, caption: str) -> tuple[Figure, Axes, bool]:
    """The axes a chart draws on, its figure, and whether the chart owns that figure.

    With ``ax`` given, the house look is applied to it and the title block is
    left to the caller; otherwise a new :func:`slide_figure`. A chart adjusts
    the figure's layout (margins for labels and notes) only when it owns it.
    """
    if ax is not None:
        house_style(ax)
        return ax.figure, ax, False
    fig, ax = slide_figure(title, subtitle, caption)
    return fig, ax, True
