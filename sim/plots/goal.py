"""The chart of a goal search (:class:`~sim.studies.goal.GoalResult`): :func:`goal_chart`.

P(target by the year) against the lever's setting, the wanted probability,
the setting found with its interval, and the scenario's own setting.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..studies.goal import GoalResult
from .style import (
    BLUE,
    GREEN,
    GRID_COLOR,
    INK,
    LABEL_SIZE,
    NOTE_SIZE,
    SUBTITLE_WIDTH,
    TARGET_COLOR,
    add_legend,
    chart_axes,
    ci_pair,
    money,
    num,
    percent_axis,
    subtitle_room,
)

__all__ = ["goal_chart"]


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


_UNITS = (
    ("growth.mean", "mean log-growth a year"),
    ("growth.sd", "sd of log-growth a year"),
    ("_per_capex_per_year", "USD a year per USD of capex"),
    ("usd_bn_per_year", "USD bn a year"),
    ("usd_bn", "USD bn"),
    ("probability_per_year", "probability a year"),
    ("probability", "probability"),
    ("launches_per_year", "projects a year"),
    ("launch_trend", "growth a year"),
    ("_years", "years"),
    ("_year", "calendar year"),
    ("start", "calendar year"),
    ("_share", "share, 0 to 1"),
    ("long_run", "share, 0 to 1"),
    ("depth", "fall of trade, share"),
    ("uplift", "share of trade"),
)
"""The unit of a lever by the end of its dotted path; the first match wins, so the more specific ends come first."""


def lever_unit(path: str) -> str:
    """The unit of a scenario input for an axis label: ``"trade.growth.mean"`` -> ``"mean log-growth a year"`` (``""`` if unknown)."""
    return next((words for end, words in _UNITS if path.endswith(end)), "")


def goal_chart(goal: GoalResult, ax: Axes | None = None) -> Figure:
    """Goal seeking: the probability of the target against one lever's setting, and the setting needed.

    Parameters
    ----------
    goal : GoalResult
        Uses ``lever``, ``year``, ``probability`` (wanted), ``value`` and
        ``ci95`` (the setting found, None when out of reach), ``curve``,
        ``message``, ``current`` (the scenario's own setting), ``paths``,
        ``seed``, ``scenario`` and ``target_usd_bn`` (the title names it when known).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the probability curve has gid ``"probability"`` (xdata the
        settings, sorted), its band gid ``"ci95"``, the wanted probability
        line gid ``"wanted"``, the found setting gid ``"value"`` with its
        interval gid ``"value_ci95"`` (both absent when out of reach) and the
        scenario's current setting gid ``"current"``.
    """
    lever, year, wanted = goal.lever, goal.year, goal.probability
    value = num(goal.value)
    v_lo, v_hi = ci_pair(goal.ci95)
    current = num(goal.current)
    target = num(goal.target_usd_bn)
    curve = goal.curve[np.isfinite(goal.curve["setting"])].sort_values("setting")
    s, p, lo, hi = curve[["setting", "p_reach", "ci95_low", "ci95_high"]].to_numpy().T
    what = f"P({money(target)} by {year})" if math.isfinite(target) else f"P(target by {year})"
    message = textwrap.wrap(goal.message, width=SUBTITLE_WIDTH) or [""]

    fig, ax, own = chart_axes(
        ax,
        f"What it takes: {what} = {_pct_exact(wanted)}",
        "\n".join(message),
        f"Source: coopsim goal seeking on {lever}. Scenario {goal.scenario} ({goal.paths:,} paths per setting, seed "
        f"{goal.seed}); every setting runs on the same paths (common random numbers).",
    )
    if own:
        subtitle_room(fig, len(message))
    band = ax.fill_between(s, lo, hi, color=BLUE, alpha=0.22, linewidth=0, label="Wilson 95% interval of the probability", zorder=2)
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
                label=f"95% interval of the setting (delta method): {_setting(v_lo)} to {_setting(v_hi)}",
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
    percent_axis(ax, f"P(target reached by {year})")
    ax.set_ylim(0, 1.02)
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    unit = lever_unit(lever)
    setting = "median of its distribution" if goal.lever_mode == "median" else "setting"
    ax.set_xlabel(f"{lever} ({setting}{', ' + unit if unit else ''})", fontsize=LABEL_SIZE, color=INK)
    add_legend(ax, ncol=1, loc="best")
    return fig
