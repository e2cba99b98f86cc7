"""The charts of a track record (:class:`~sim.studies.track.Track`): :func:`track_probability`, :func:`track_pit`, :func:`track_coverage`.

* how P(target by each year) moved as releases came out, a view holding until the next release;
* the PIT histogram of every forecast scored (flat when the forecasts are calibrated);
* the share of outcomes the central 50% and 90% ranges held, by horizon, for the model and the random walk.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..studies.track import Track, TrackScore
from .style import (
    BLUE,
    GRID_COLOR,
    INK,
    LABEL_SIZE,
    MUTED,
    NOTE_SIZE,
    ORANGE,
    SUBTITLE_WIDTH,
    TARGET_COLOR,
    add_legend,
    chart_axes,
    money,
    percent_axis,
    scenario_color,
    subtitle_room,
)

__all__ = ["PIT_BINS", "horizon_label", "track_coverage", "track_pit", "track_probability"]

PIT_BINS = 10
"""Bins of the PIT histogram: each holds a tenth of the forecasts when they are calibrated."""


def _source(track: Track) -> str:
    return (
        f"Source: coopsim track record of {track.scenario}: a view at every release date of its record, {track.paths:,} paths each, "
        f"seed {track.seed}; outcomes: the full-year figures in force on {track.final.isoformat()}."
    )


def horizon_label(score: TrackScore) -> str:
    """A score's horizon as the tables group it: ``"1 (nowcast)"`` for a partly observed first year, else the years ahead."""
    return f"{score.horizon} (nowcast)" if score.horizon == 1 and score.months_known > 0 else str(score.horizon)


def _steps(days: Sequence[dt.date], values: Sequence[float], end: dt.date) -> tuple[list[dt.date], list[float]]:
    """Points of a step line: each view's value held from its day until the next (the last until ``end``)."""
    return [*days, max(end, days[-1])], [*values, values[-1]]


def track_probability(track: Track, ax: Axes | None = None) -> Figure:
    """P(target by each year of ``track.years``) as it stood on every release date, with its 95% Monte Carlo band.

    A view holds until the next release, so the lines are steps; a diamond marks each view whose base
    year moved (the first view included), labelled with its base year.

    Parameters
    ----------
    track : Track
        Uses ``views`` (``as_of``, ``base_year``, ``p_reach``), ``years``, ``final``, ``target_usd_bn``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the line of year ``y`` has gid ``f"by_{y}"``, its band ``f"band_{y}"``,
        the base-year markers ``"base_year_changed"``.
    """
    views = track.views
    first, last = (views[0], views[-1]) if views else (None, None)
    moved = (
        "" if first is None else f"; base year {first.base_year} on {first.as_of.isoformat()}, {last.base_year} on {last.as_of.isoformat()}"
    )
    subtitle = textwrap.wrap(
        f"P(target reached by the year) in the view as of each release date, 95% Monte Carlo band{moved}", SUBTITLE_WIDTH
    )
    fig, ax, own = chart_axes(
        ax, f"How the chance of {money(track.target_usd_bn)} moved as releases came out", "\n".join(subtitle), _source(track)
    )
    if own:
        subtitle_room(fig, len(subtitle))
    days = [v.as_of for v in views]
    for i, year in enumerate(track.years):
        color = scenario_color(i)
        rows = [(v.as_of, v.p_reach.get(year, (math.nan, math.nan, math.nan))) for v in views]
        if not rows:
            continue
        x, p = _steps(days, [r[1][0] for r in rows], track.final)
        _, lo = _steps(days, [r[1][1] for r in rows], track.final)
        _, hi = _steps(days, [r[1][2] for r in rows], track.final)
        band = ax.fill_between(x, lo, hi, step="post", color=color, alpha=0.18, linewidth=0, zorder=2)
        band.set_gid(f"band_{year}")
        ax.step(x, p, where="post", color=color, linewidth=2.2, label=f"by {year}", zorder=3, gid=f"by_{year}")
    changed = [k for k, v in enumerate(views) if k == 0 or v.base_year != views[k - 1].base_year]
    if changed and track.years:
        ys = [views[k].p_reach.get(track.years[-1], (math.nan,))[0] for k in changed]
        ax.plot(
            [views[k].as_of for k in changed],
            ys,
            linestyle="none",
            marker="D",
            markersize=7,
            markerfacecolor="white",
            markeredgecolor=INK,
            markeredgewidth=1.6,
            zorder=5,
            gid="base_year_changed",
        )
        for k, y in zip(changed, ys, strict=True):
            if math.isfinite(y):
                ax.annotate(
                    f"base {views[k].base_year}",
                    (mdates.date2num(views[k].as_of), y),
                    xytext=(0, 9),
                    textcoords="offset points",
                    ha="center",
                    fontsize=NOTE_SIZE,
                    color=MUTED,
                )
    percent_axis(ax, "P(target reached by the year)")
    ax.set_ylim(0, 1.05)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
    ax.set_xlabel("Release date (the view as of that day)", fontsize=LABEL_SIZE, color=INK)
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    handles = [Line2D([], [], color=scenario_color(i), linewidth=2.2, label=f"by {y}") for i, y in enumerate(track.years)]
    handles.append(Patch(color=MUTED, alpha=0.25, label="95% Monte Carlo interval"))
    handles.append(Line2D([], [], linestyle="none", marker="D", markerfacecolor="white", markeredgecolor=INK, label="base year moved"))
    add_legend(ax, handles=handles, ncol=len(handles), loc="upper left")
    if not views:
        ax.text(0.5, 0.5, "No view to show", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig


def track_pit(track: Track, ax: Axes | None = None) -> Figure:
    """The PIT histogram of every forecast scored: the share of each tenth, and the flat line of calibrated forecasts.

    Piled on the right: outcomes above what the views expected; on the left: below; in the middle (a hump):
    ranges too wide; at both ends (a U): too narrow.

    Returns
    -------
    matplotlib.figure.Figure
        Every bar has gid ``"pit"`` (heights the shares of :data:`PIT_BINS` bins), the flat line ``"uniform"``.
    """
    pits = np.array([s.pit for s in track.scores], dtype=float)
    n = len(pits)
    mean = f"mean PIT {pits.mean():.2f} (0.50 when calibrated)" if n else "no forecast scored yet"
    fig, ax, own = chart_axes(
        ax,
        "Where the outcomes fell in the forecasts",
        f"PIT (the share of simulated paths below the outcome) of {n} forecasts scored; {mean}",
        _source(track),
    )
    edges = np.linspace(0.0, 1.0, PIT_BINS + 1)
    counts = np.histogram(np.clip(pits, 0.0, 1.0), bins=edges)[0] if n else np.zeros(PIT_BINS)
    shares = counts / n if n else counts.astype(float)
    bars = ax.bar(edges[:-1], shares, width=1.0 / PIT_BINS, align="edge", color=BLUE, alpha=0.8, edgecolor="white", label="forecasts")
    for bar in bars:
        bar.set_gid("pit")
    ax.axhline(1.0 / PIT_BINS, color=TARGET_COLOR, linestyle="--", linewidth=1.8, label="calibrated: a tenth in each bin", gid="uniform")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, max(0.3, float(shares.max()) * 1.15 if n else 0.3))
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f}%")
    ax.set_xlabel("PIT: share of paths below the outcome", fontsize=LABEL_SIZE, color=INK)
    ax.set_ylabel("Share of forecasts", fontsize=LABEL_SIZE, color=INK)
    add_legend(ax, ncol=1, loc="upper left")
    return fig


def track_coverage(track: Track, ax: Axes | None = None) -> Figure:
    """The share of outcomes the central 50% and 90% ranges held, by horizon, for the model and the random walk, against nominal.

    Returns
    -------
    matplotlib.figure.Figure
        Bars (each bar its gid) ``"model_50"``, ``"model_90"``, ``"rw_50"``, ``"rw_90"`` (one bar a horizon, in the
        order of :meth:`Track.by_horizon` without ``all``), nominal lines ``"nominal_50"`` and ``"nominal_90"``.
    """
    rows = [r for r in track.by_horizon() if r["horizon"] != "all"]
    overall = next((r for r in track.by_horizon() if r["horizon"] == "all"), None)
    held = (
        f"the model's 90% ranges held {round(overall['coverage90'] * overall['n'])} of {overall['n']} outcomes, "
        f"the random walk's {round(overall['rw_coverage90'] * overall['n'])}"
        if overall
        else "no forecast scored yet"
    )
    subtitle = textwrap.wrap(f"Share of outcomes inside the central 50% and 90% ranges (nominal: the red lines); {held}", SUBTITLE_WIDTH)
    fig, ax, own = chart_axes(ax, "How often the ranges held the outcome, by horizon", "\n".join(subtitle), _source(track))
    if own:
        subtitle_room(fig, len(subtitle))
        fig.subplots_adjust(bottom=0.22)  # two-line tick labels and the axis label above the source line
    x = np.arange(len(rows), dtype=float)
    width = 0.2
    series = (
        ("model_50", "coverage50", BLUE, 0.45, "model, 50% range"),
        ("model_90", "coverage90", BLUE, 0.9, "model, 90% range"),
        ("rw_50", "rw_coverage50", ORANGE, 0.45, "random walk, 50% range"),
        ("rw_90", "rw_coverage90", ORANGE, 0.9, "random walk, 90% range"),
    )
    for k, (gid, key, color, alpha, label) in enumerate(series):
        bars = ax.bar(x - 1.5 * width + k * width, [r[key] for r in rows], width=width, color=color, alpha=alpha, label=label)
        for bar in bars:
            bar.set_gid(gid)
    for level, gid in ((0.5, "nominal_50"), (0.9, "nominal_90")):
        ax.axhline(level, color=TARGET_COLOR, linestyle="--" if level == 0.9 else ":", linewidth=1.5, gid=gid, zorder=4)
    ax.set_xticks(x, [f"{r['horizon']}\nn={r['n']}" for r in rows])
    ax.set_xlabel(
        "Horizon: years after the view's base year (nowcast: first year partly observed); n: forecasts", fontsize=LABEL_SIZE, color=INK
    )
    percent_axis(ax, "Outcomes inside the range")
    ax.set_ylim(0, 1.3)
    add_legend(ax, ncol=4, loc="upper left")
    if not rows:
        ax.text(0.5, 0.5, "No forecast scored yet", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig
