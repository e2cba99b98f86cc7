"""Charts comparing runs: overlays of several :class:`~sim.results.Results` and the paired differences of a :class:`~sim.studies.compare.Comparison`.

* :func:`overlay_fan_charts` -- median annual trade and middle 50% of each run.
* :func:`overlay_reach_probability` -- probability of reaching the target by each year, per run.
* :func:`hit_year_comparison` -- grouped bars of the first year the target is reached.
* :func:`paired_difference` -- each scenario minus the baseline, paired on common random numbers.

Each takes ``ax=`` and returns the Figure; colours follow the runs' order, so they match across charts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from ..errors import UsageError
from ..results import Results
from ..studies.compare import Comparison
from .run import history_label, history_series, quantile_series, run_identity, with_base
from .style import (
    INK,
    LABEL_SIZE,
    MARGINS,
    MUTED,
    NEVER_GREY,
    NOTE_SIZE,
    SCENARIO_COLORS,
    add_legend,
    chart_axes,
    forecast_horizon,
    legend_label,
    money,
    pct,
    percent_axis,
    reporter_words,
    scenario_color,
    signed,
    signed_tick,
    source_line,
    target_line,
    top_with_room,
    year_axis,
)

__all__ = ["overlay_fan_charts", "overlay_reach_probability", "hit_year_comparison", "paired_difference"]


def _labels(results_list: Sequence[Results]) -> dict[str, str]:
    """The reporter labels of every scenario overlaid (``trade.reporter_labels``), the first one's where they differ."""
    labels: dict[str, str] = {}
    for r in reversed(results_list):
        labels.update(r.reporter_labels)
    return labels


def _caption_many(results_list: Sequence[Results], labels: Sequence[str]) -> str:
    """The source line of an overlay: the scenarios, their paths and seed (once when shared) and whose history is drawn."""
    reporters = [r.reporter for r in results_list if r.history]
    if len({(r.n_paths, r.seed) for r in results_list}) == 1:
        first = results_list[0]
        names = ", ".join(r.scenario for r in results_list)
        return source_line("Monte Carlo simulation", first.n_paths, first.seed, reporters, names, _labels(results_list))
    parts = "; ".join(run_identity(r) for r in results_list)
    history = (
        f"; history: {', '.join(reporter_words(r, _labels(results_list)) for r in dict.fromkeys(reporters))} figures" if reporters else ""
    )
    return f"Source: coopsim Monte Carlo simulation of {parts}{history}."


def _check_many(results_list: Sequence[Results], labels: Sequence[str]) -> None:
    if len(results_list) == 0:
        raise UsageError("need at least one Results to overlay")
    if len(labels) != len(results_list):
        raise UsageError(f"got {len(results_list)} results but {len(labels)} labels")


def _shared_target(results_list: Sequence[Results]) -> float:
    targets = {round(r.target_usd_bn, 9) for r in results_list}
    return targets.pop() if len(targets) == 1 else math.nan


def _target_words(target: float) -> str:
    """The shared target in words (``20 USD bn``), or ``the target`` when the runs' targets differ (NaN)."""
    return money(target) if math.isfinite(target) else "the target"


def _overlay_axes(
    results_list: Sequence[Results], labels: Sequence[str], ax: Axes | None, title: Callable[[float], str], subtitle: str
) -> tuple[Figure, Axes, bool]:
    """The runs and their labels checked, and the axes of an overlay with its source line (:func:`~sim.plots.style.chart_axes`).

    ``title`` makes the title from the runs' shared target, USD bn (NaN when their targets differ).
    """
    _check_many(results_list, labels)
    return chart_axes(ax, title(_shared_target(results_list)), subtitle, _caption_many(results_list, labels))


def overlay_fan_charts(results_list: Sequence[Results], labels: Sequence[str], ax: Axes | None = None) -> Figure:
    """Median annual trade and 25--75% range of several runs on shared axes.

    Parameters
    ----------
    results_list : sequence of Results
        The runs to compare (typically scenarios with the same target).
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, one axes with one median line per run (gid ``"median"``, label the
        run's label) and one target line per distinct target (gid ``"target"``).

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    fig, ax, own = _overlay_axes(
        results_list,
        labels,
        ax,
        lambda shared: (
            f"Projected annual trade by scenario{'' if not math.isfinite(shared) else ' against the ' + money(shared) + ' target'}"
        ),
        "Median (line) and middle 50% of simulated paths (band, 25th-75th percentile)",
    )
    xs: list[float] = []
    tops: list[float] = []
    seen_history: set[str] = set()
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        x, q = with_base(r, np.array(r.years), quantile_series(r))
        ax.fill_between(x, q["p25"], q["p75"], color=color, alpha=0.18, linewidth=0, zorder=1)
        (line,) = ax.plot(x, q["p50"], color=color, linewidth=2.4, label=legend_label(str(label)), zorder=3)
        line.set_gid("median")
        xs += x.tolist()
        tops += q["p75"].tolist()
        hy, hv = history_series(r)
        hist_label = history_label(r)
        if len(hy) and hist_label not in seen_history:
            marker = "os^v"[len(seen_history) % 4]
            ax.plot(hy, hv, color=INK, linewidth=1.6, marker=marker, markersize=4.5, label=hist_label, zorder=5, gid="observed")
            seen_history.add(hist_label)
            xs += hy.tolist()
            tops += hv.tolist()
    targets = sorted({r.target_usd_bn for r in results_list})
    for t in targets:
        target_line(ax, t)
        tops.append(t)
    if xs:
        year_axis(ax, min(xs), max(xs))
        forecast_horizon(ax, results_list[0].base_year, max(xs))
    ax.set_ylim(0, top_with_room(tops, 1.0, 1.12))
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    lines = ax.get_lines()
    handles = (
        [ln for ln in lines if ln.get_gid() == "median"]
        + [ln for ln in lines if ln.get_gid() == "observed"]
        + [ln for ln in lines if ln.get_gid() == "target"]
    )
    add_legend(ax, handles=handles, ncol=2 if len(handles) > 4 else 1)
    return fig


def overlay_reach_probability(results_list: Sequence[Results], labels: Sequence[str], ax: Axes | None = None) -> Figure:
    """Probability of reaching the target by each year for several runs.

    Parameters
    ----------
    results_list : sequence of Results
        The runs to compare.
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, one axes with one probability line per run (gid ``"p_reach"``) and its
        shaded 95% interval.

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    fig, ax, own = _overlay_axes(
        results_list,
        labels,
        ax,
        lambda shared: f"Probability of reaching {_target_words(shared)} by each year, by scenario",
        "Share of simulated paths at or above the target by that year; shading: Wilson 95% intervals (Monte Carlo noise)",
    )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.3, zorder=1)
    xs: list[int] = []
    markers = "osD^v<>"
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        years = np.array(r.years)
        p, lo, hi = r.p_reach_by_year[["p", "ci95_low", "ci95_high"]].to_numpy().T
        ax.fill_between(years, lo, hi, color=color, alpha=0.18, linewidth=0, zorder=2)
        (line,) = ax.plot(
            years, p, color=color, linewidth=2.2, marker=markers[i % len(markers)], markersize=5.5, label=legend_label(str(label)), zorder=3
        )
        line.set_gid("p_reach")
        xs += years.tolist()
    if xs:
        year_axis(ax, min(xs), max(xs))
    percent_axis(ax, "Probability target reached")
    ax.set_ylim(0, 1.02)
    ax.text(ax.get_xlim()[0] + 0.1, 0.5, " even odds", color=MUTED, fontsize=NOTE_SIZE, va="bottom", ha="left")
    add_legend(ax, ncol=1)
    return fig


MEDIAN_MARKER = "v"
"""Marker of a scenario's median hit year on :func:`hit_year_comparison`."""


def hit_year_comparison(results_list: Sequence[Results], labels: Sequence[str], ax: Axes | None = None) -> Figure:
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
        runs are looked up by the same years (a missing year counts as
        0). Compare runs on common years.
    labels : sequence of str
        Legend name of each run, same length as ``results_list``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on, one axes. The bars of run ``i`` carry the gid ``"hit_share_{i}"``
        (years first, then the "not by" bar), its median marker the gid
        ``"median_hit_year"`` (none when ``hit_year["p50"]`` is ``None``).

    Raises
    ------
    ValueError
        If ``results_list`` is empty or the lengths differ.
    """
    fig, ax, own = _overlay_axes(
        results_list,
        labels,
        ax,
        lambda shared: f"When trade first reaches {_target_words(shared)}, by scenario",
        "Share of simulated paths first reaching the target in each year; \u25bc marks each scenario's median year",
    )
    first = results_list[0]
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
    heights: list[float] = []
    handles: list[Any] = []
    medians: list[tuple[float, float, str]] = []
    for i, (r, label) in enumerate(zip(results_list, labels, strict=True)):
        color = scenario_color(i)
        shares = r.hit_year_share.reindex(first.years, fill_value=0.0).to_numpy()
        never = r.hit_year.share_never
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
                pct(never),
                (never_x + never_offsets[i], never),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=NOTE_SIZE - 1.5,
                color=INK,
            )
        heights += [*shares.tolist(), never]

        median_year = r.hit_year.p50
        k = np.flatnonzero(years == median_year) if median_year is not None else np.array([], dtype=int)
        if len(k):
            h = shares[k[0]] if math.isfinite(shares[k[0]]) else 0.0
            medians.append((xs[k[0]], h, color))
        if median_year is not None:
            note = f"median {median_year}"
        else:
            note = f"median after {last}"
        handles.append(Patch(facecolor=color, label=f"{legend_label(str(label))} ({note})"))

    highest = max([0.02, *(v for v in heights if math.isfinite(v))])
    # the legend goes in the upper corner over the lower bars; leave its rows clear of them
    per_year = len(years) + 1
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
    add_legend(ax, handles=handles, ncol=1, loc=legend_loc)
    return fig


_DIFF_METRICS = {
    "p_reach_by_year": (
        100.0,
        "pp",
        "Difference, percentage points",
        "probability of reaching the target by each year",
        "Newcombe's 95% interval for paired proportions",
    ),
    "mean_trade_usd_bn": (1.0, "USD bn", "Difference, USD bn", "mean annual trade", "normal 95% interval of the mean paired difference"),
    "median_trade_usd_bn": (1.0, "USD bn", "Difference, USD bn", "median annual trade", "95% interval from 20 sections of the paths"),
}
"""metric -> (scale, unit, y label, what is compared, the interval drawn)."""


def _metric_info(metric: str) -> tuple[float, str, str, str, str]:
    if metric in _DIFF_METRICS:
        return _DIFF_METRICS[metric]
    if metric.startswith("p_"):
        return 100.0, "pp", "Difference, percentage points", metric, "95% interval"
    if metric.endswith("_usd_bn"):
        return 1.0, "USD bn", "Difference, USD bn", metric, "95% interval"
    return 1.0, "", f"Difference in {metric}", metric, "95% interval"


def _shift_note(shift: int | None) -> str:
    if shift is None:
        return "median hit year shift n/a"
    years = int(shift)
    if years == 0:
        return "median hit year unchanged"
    sign = "+" if years > 0 else "\u2212"
    unit = "yr" if abs(years) == 1 else "yrs"
    return f"median hit year {sign}{abs(years)} {unit}"


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
    comparison: Comparison,
    metric: str = "p_reach_by_year",
    *,
    labels: dict[str, str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Paired difference of each scenario against the baseline, by year, with its 95% interval.

    The scenarios of a comparison run on common random numbers (same seed
    and paths), so each difference is computed path by path and its interval
    is the Monte Carlo uncertainty of the difference itself -- much narrower
    than the two runs' own intervals.

    Parameters
    ----------
    comparison : Comparison
        Uses ``scenarios`` (the baseline first), ``n_paths``, ``seed``,
        ``years``, ``differences`` and ``median_hit_year_shift``. NaN values
        are drawn as gaps.
    metric : str
        ``"p_reach_by_year"`` (drawn in percentage points, i.e. 100 x diff),
        ``"mean_trade_usd_bn"`` or ``"median_trade_usd_bn"`` (USD bn).
    labels : dict of str to str, optional
        Legend name by scenario name; defaults to the scenario names.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; per compared scenario a line with gid ``"difference"``
        (label: the scenario's legend name, ydata the scaled differences) and
        a shaded 95% band (a ``fill_between`` collection with gid
        ``"ci95"``); the zero line has gid ``"zero"``. Colours follow the
        scenario's position in ``comparison.scenarios`` so they match the
        overlay charts.

    Raises
    ------
    ValueError
        If no compared scenario has ``metric``.
    """
    scale, unit, ylabel, what, interval = _metric_info(metric)
    unit_name = {"pp": "percentage points", "USD bn": "USD bn"}.get(unit, "difference")
    baseline = comparison.baseline
    scenarios = list(comparison.scenarios)
    compared = [s for s in comparison.compared if s != baseline]
    if compared and metric not in comparison.differences.index.unique("metric"):
        raise UsageError(f"no scenario of the comparison has the metric {metric!r}")
    years = np.array(comparison.years, dtype=float)
    names = labels or {}

    caption = source_line(
        "paired comparison on common random numbers",
        comparison.n_paths,
        comparison.seed,
        scenario=f"{', '.join(compared or ['no other scenario'])} against {baseline}",
    )
    fig, ax, own = chart_axes(
        ax,
        f"What each scenario changes against {names.get(baseline, baseline)}",
        f"Scenario minus baseline: {what}, {unit_name}\n"
        "Paired on common random numbers (same seed and paths), so the bands show the Monte Carlo uncertainty\n"
        f"of the difference itself ({interval})",
        caption,
    )
    if own:
        fig.subplots_adjust(top=MARGINS["top"] - 0.065)  # three-line subtitle
    zero = ax.axhline(0, color=INK, linewidth=1.1, zorder=2)
    zero.set_gid("zero")

    values: list[float] = [0.0]
    ends: list[tuple[float, float, str, str]] = []
    for s in compared:
        i = scenarios.index(s) if s in scenarios else len(scenarios) + compared.index(s)
        color = scenario_color(i)
        d, lo, hi = comparison.series(s, metric)[["diff", "ci95_low", "ci95_high"]].to_numpy().T * scale
        band = ax.fill_between(years, lo, hi, color=color, alpha=0.20, linewidth=0, zorder=3)
        band.set_gid("ci95")
        label = legend_label(str(names.get(s, s)))
        if metric == "p_reach_by_year":
            label += f" ({_shift_note(comparison.median_hit_year_shift.get(s))})"
        (line,) = ax.plot(years, d, color=color, linewidth=2.3, marker="o", markersize=5, label=label, zorder=4)
        line.set_gid("difference")
        values += [*d.tolist(), *lo.tolist(), *hi.tolist()]
        finite = np.flatnonzero(np.isfinite(d))
        if len(finite):
            k = finite[-1]
            ends.append((years[k], d[k], color, f"{signed(d[k], unit)} in {int(years[k])}"))

    finite_values = [v for v in values if math.isfinite(v)]
    low, high = min(finite_values), max(finite_values)
    span = max(high - low, 1.0 if unit == "pp" else 0.1)
    ax.set_ylim(low - 0.08 * span, high + 0.30 * span)  # headroom for the legend
    if len(years):
        year_axis(ax, years[0], years[-1])
    ax.set_ylabel(ylabel, fontsize=LABEL_SIZE, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(signed_tick))

    if ends:
        if own:
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
        add_legend(ax, ncol=1, loc="upper left")
    else:
        ax.text(0.5, 0.5, "No scenario to compare with the baseline", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    return fig
