"""Charts of a :class:`~sim.studies.sensitivity.Sensitivity` study.

* :func:`tornado_chart` -- what moves P(target by the year): each input group at its 10th and 90th percentile.
* :func:`sobol_chart` -- first-order and total Sobol indices of one output, by input group.
* :func:`discovery_chart` -- scenario discovery: the paths on two inputs, misses highlighted, with the PRIM boxes.

Each takes the typed study and ``ax=`` and returns the Figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..errors import UsageError
from ..studies.prim import Box
from ..studies.sensitivity import Sensitivity
from .style import (
    BLUE,
    FIGSIZE,
    GREEN,
    GRID_COLOR,
    INK,
    LABEL_SIZE,
    MARGINS,
    MUTED,
    NOTE_SIZE,
    ORANGE,
    PURPLE,
    SKY,
    SUBTITLE_WIDTH,
    VERMILLION,
    add_legend,
    chart_axes,
    ci_pair,
    money,
    pct,
    signed,
    signed_tick,
    subtitle_room,
)

__all__ = ["box_words", "discovery_chart", "sobol_chart", "tornado_chart"]

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


def _bar_style(ax: Axes, labels: Sequence[str], rows: np.ndarray, own: bool) -> None:
    """Horizontal-bar look: category labels on the left (margin widened to fit on a figure the chart owns), grid along x."""
    ax.set_yticks(rows)
    ax.set_yticklabels(labels)
    ax.tick_params(axis="y", length=0)
    ax.grid(False, axis="y")
    ax.grid(True, axis="x", color=GRID_COLOR, linewidth=0.8)
    longest = max((len(s) for s in labels), default=0)
    if own:
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


def _bound_words(name: str, value: float) -> tuple[str, str]:
    """A feature's name without its unit, and one bound in words with the unit, rounded for reading.

    ``("realised organic growth to 2030 (log a year)", -0.1118)`` -> ``("realised organic growth to 2030", "\u221211.2% a year (log)")``.
    """
    minus = "\u2212"
    if name.endswith("(log a year)"):
        return name.removesuffix("(log a year)").strip(), f"{100 * value:+.1f}% a year (log)".replace("-", minus)
    if name.endswith("(USD bn a year)"):
        return name.removesuffix("(USD bn a year)").strip(), f"{money(value, 1)} a year".replace("$-", f"{minus}$")
    if name.endswith("year"):
        return name, f"{value:.1f}"
    text = f"{value:.2g}" if abs(value) < 100 else f"{value:.0f}"
    if "e" in text:  # .2g of a tiny number: say it as a plain decimal
        text = f"{value:.4f}".rstrip("0").rstrip(".")
    return name, text.replace("-", minus)


def box_words(box: Box, year: int) -> str:
    """A PRIM box as a sentence with rounded bounds: which inputs, from what to what, and how many paths miss the target in it.

    ``"realised organic growth to 2030 below +1.9% a year (log): target missed by 2030 in 81% of such paths (14% of all paths),
    covering 52% of all misses"``.
    """
    rules = []
    for name, (low, high) in box.limits.items():
        label, lo = _bound_words(name, low)
        hi = _bound_words(name, high)[1]
        if math.isfinite(low) and math.isfinite(high):
            rules.append(f"{label} from {lo} to {hi}")
        elif math.isfinite(high):
            rules.append(f"{label} below {hi}")
        elif math.isfinite(low):
            rules.append(f"{label} above {lo}")
    return (
        " and ".join(rules)
        + f": target missed by {year} in {pct(box.density)} of such paths ({pct(box.support)} of all paths), covering {pct(box.coverage)} of all misses"
    )


def _sensitivity_caption(sens: Sensitivity, what: str) -> str:
    return f"Source: coopsim sensitivity analysis ({what}). Scenario {sens.scenario}, seed {sens.seed}."


def _target_words(target: float, year: Any) -> str:
    """``"$20 bn by 2030"`` (or ``"the target by 2030"`` when the target is unknown)."""
    return f"{money(target) if math.isfinite(target) else 'the target'} by {year}"


def tornado_chart(sens: Sensitivity, ax: Axes | None = None) -> Figure:
    """What moves ``P(target by year)``: each input group moved alone to its 10th and 90th percentile.

    Two horizontal bars per input group, in percentage points from the base
    probability (100 x ``diff_low`` and 100 x ``diff_high``), with their 95%
    intervals as whiskers. The group with the largest swing is on top. Every
    run shares common random numbers with the base run, so the bars are
    paired differences.

    Parameters
    ----------
    sens : Sensitivity
        Uses ``target_usd_bn``, ``scenario``, ``seed`` and ``tornado``
        (:class:`~sim.studies.tornado.Tornado`: ``year``, ``paths``,
        ``p_base`` and the ``bars``). NaN values are drawn as gaps.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. The bars are rectangles with gid ``"tornado_low"`` and
        ``"tornado_high"`` (top group first, width 100 x diff, 0 where
        missing), their whiskers line collections with gid
        ``"tornado_low_ci95"`` and ``"tornado_high_ci95"``; the zero line has
        gid ``"zero"``. The y tick labels are the groups, bottom to top.
    """
    tornado = sens.tornado
    bars = tornado.bars.sort_values("swing", ascending=False, kind="stable", na_position="last")
    year = tornado.year
    target = sens.target_usd_bn
    paths_txt = f"{tornado.paths:,} paths"
    n = len(bars)
    rows = np.arange(n, dtype=float)[::-1]  # the largest swing on top
    half = 0.2

    fig, ax, own = chart_axes(
        ax,
        f"What moves the probability of {_target_words(target, year)}",
        f"Base probability {pct(tornado.p_base)}. Each input group is moved alone to its 10th or 90th percentile.\n"
        f"All runs share common random numbers (the same {paths_txt}): bars are paired differences, whiskers Newcombe 95% intervals",
        _sensitivity_caption(sens, f"tornado, {paths_txt} per run"),
    )
    if own:
        subtitle_room(fig, 2)
    extent = [1.0]
    labels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for side, offset, color, label in (
        ("low", half, LOW_COLOR, "inputs at their 10th percentile"),
        ("high", -half, HIGH_COLOR, "inputs at their 90th percentile"),
    ):
        diff = bars[f"diff_{side}"].to_numpy() * 100.0
        ci = bars[[f"diff_{side}_ci95_low", f"diff_{side}_ci95_high"]].to_numpy().reshape(n, 2) * 100.0
        drawn = ax.barh(rows + offset, np.nan_to_num(diff), height=2 * half * 0.9, color=color, label=label, zorder=3)
        for rect in drawn:
            rect.set_gid(f"tornado_{side}")
        _whiskers(ax, rows + offset, ci[:, 0], ci[:, 1], f"tornado_{side}_ci95")
        labels.append((rows + offset, diff, ci))
        extent += [abs(v) for v in [*diff, *ci.ravel()] if math.isfinite(v)]
    zero = ax.axvline(0, color=INK, linewidth=1.1, zorder=5)
    zero.set_gid("zero")

    _bar_style(ax, bars["group"].tolist(), rows, own)
    reach = max(extent) * 1.3
    ax.set_xlim(-reach, reach)
    for y, diff, ci in labels:
        _bar_labels(ax, y, diff, ci[:, 0], ci[:, 1], lambda v: signed(v, "pp"))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10], symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(signed_tick))
    ax.set_xlabel(f"Change in P(target reached by {year}), percentage points", fontsize=LABEL_SIZE, color=INK)
    if n:
        add_legend(ax, ncol=1, loc="lower right")
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


def sobol_chart(sens: Sensitivity, output: str | None = None, ax: Axes | None = None) -> Figure:
    """Sobol indices of one output: first-order and total index of each input group.

    The indices are shares of the variance of the output: first order, the
    share due to the group alone; total, including its interactions with the
    others. ``"path randomness"`` stands for each path's own draws (growth
    innovations, projects drawn, shocks). Groups are sorted by total index,
    largest on top; estimates slightly below zero (sampling noise) are shown
    down to -0.1.

    Parameters
    ----------
    sens : Sensitivity
        Uses ``sobol`` (by output, group and index, with 95% intervals),
        ``design_rows``, ``target_usd_bn``, ``scenario`` and ``seed``.
    output : str, optional
        The output to chart (``"reached_by_2030"``, ``"trade_2030_usd_bn"``);
        default the first of ``sens.outputs``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Bars with gid ``"first_order"`` and ``"total"`` (top group
        first, width the index, 0 where missing), whiskers as line collections
        with gid ``"first_order_ci95"`` and ``"total_ci95"``.

    Raises
    ------
    ValueError
        If ``sens`` has no Sobol indices or none for ``output``.
    """
    outputs = sens.outputs
    if not outputs:
        raise UsageError("the sensitivity data has no Sobol indices")
    output = outputs[0] if output is None else output
    if output not in outputs:
        raise UsageError(f"no Sobol indices for {output!r}; available: {', '.join(outputs)}")
    entries = sens.indices(output).sort_values("total", ascending=False, kind="stable", na_position="last")
    n = len(entries)
    rows = np.arange(n, dtype=float)[::-1]
    half = 0.2
    title_words, outcome = _output_words(output, sens.target_usd_bn)
    first_sum = sens.first_order_sum(output)
    if not math.isfinite(first_sum):
        first_sum = float(np.nansum(entries["first_order"]))
    design = f"Saltelli design, {sens.design_rows:,} rows of one path each"

    lines = textwrap.wrap(
        f"Indices are shares of the variance of {outcome}: first order, the group alone; total, with its interactions. "
        '"path randomness" is each path\'s own draws (growth innovations, projects drawn, shocks). Whiskers: bootstrap 95% intervals',
        width=SUBTITLE_WIDTH,
    )
    fig, ax, own = chart_axes(
        ax,
        f"What drives {title_words}: Sobol indices",
        "\n".join(lines),
        _sensitivity_caption(sens, design)
        + f" First-order indices sum to {first_sum:.2f}; the rest of the variance comes from interactions.",
    )
    if own:
        subtitle_room(fig, len(lines))
    values: list[float] = [0.0, 1.0]
    labels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for key, offset, color, label in (
        ("first_order", half, FIRST_ORDER_COLOR, "first order (the group alone)"),
        ("total", -half, TOTAL_COLOR, "total (with its interactions)"),
    ):
        v = entries[key].to_numpy()
        ci = entries[[f"{key}_ci95_low", f"{key}_ci95_high"]].to_numpy().reshape(n, 2)
        drawn = ax.barh(rows + offset, np.nan_to_num(v), height=2 * half * 0.9, color=color, label=label, zorder=3)
        for rect in drawn:
            rect.set_gid(key)
        _whiskers(ax, rows + offset, ci[:, 0], ci[:, 1], f"{key}_ci95")
        labels.append((rows + offset, v, ci))
        values += [x for x in [*v, *ci.ravel()] if math.isfinite(x)]
    zero = ax.axvline(0, color=INK, linewidth=1.1, zorder=5)
    zero.set_gid("zero")

    _bar_style(ax, [str(g) for g in entries.index], rows, own)
    low, high = min(values), max(values)
    ax.set_xlim(0.0 if low >= 0 else max(-0.1, low - 0.02), 1.0 if high <= 1.0 else min(1.1, high + 0.02))
    for y, v, ci in labels:
        _bar_labels(ax, y, v, ci[:, 0], ci[:, 1], _index_text, outward=False)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.set_xlabel("Sobol index (share of variance)", fontsize=LABEL_SIZE, color=INK)
    if n:
        add_legend(ax, ncol=1, loc="lower right")
    return fig


def _limit(pair: tuple[float, float] | None, lo: float, hi: float) -> tuple[float, float]:
    """A box side ``(low, high)`` within ``[lo, hi]``; a missing side or an infinite bound is the range's end."""
    a, b = ci_pair(pair)
    a = lo if not math.isfinite(a) else min(max(a, lo), hi)
    b = hi if not math.isfinite(b) else min(max(b, lo), hi)
    return a, b


def _restricts(pair: tuple[float, float] | None) -> bool:
    a, b = ci_pair(pair)
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


def discovery_chart(sens: Sensitivity, ax: Axes | None = None) -> Figure:
    """Scenario discovery: the sampled paths on two inputs, misses highlighted, with the PRIM boxes.

    The axes are the two inputs the first box restricts (the first two
    features if there is no box; if the box restricts only one input, the
    other axis is the input most correlated with missing the target). Each
    box is drawn as a dashed rectangle; a side it leaves unbounded is drawn at
    the end of the data range. The boxes' rules are written under the title.

    Parameters
    ----------
    sens : Sensitivity
        Uses ``discovery`` (:class:`~sim.studies.discovery.Discovery`:
        ``rows``, ``share_missed``, ``method``, ``features``, ``missed`` and
        ``boxes``, each with ``limits`` by input, an infinite bound meaning
        unbounded, and ``text``), ``inputs`` (ranges, used when the features
        are missing), ``year``, ``target_usd_bn``, ``scenario`` and ``seed``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; the scatters have gid ``"reached"`` and ``"missed"``, box
        ``k`` (from 1) is a dashed polygon with gid ``"box_k"``.
    """
    disc = sens.discovery
    year = sens.year
    target = sens.target_usd_bn
    features = {str(k): disc.features[k].to_numpy(dtype=float) for k in disc.features.columns}
    missed = disc.missed
    boxes = disc.boxes
    inputs = {row.path: row for row in sens.inputs.itertuples()}

    first = [k for k, v in boxes[0].limits.items() if _restricts(v) and (not features or k in features)] if boxes else []
    names = list(features) or list(dict.fromkeys([*first, *(k for b in boxes for k in b.limits)]))
    if len(first) >= 2:
        x_name, y_name = first[0], first[1]
    elif len(first) == 1:
        x_name = first[0]
        y_name = _most_correlated(features, missed, x_name) if features and missed.size else None
        y_name = y_name or next((k for k in names if k != x_name), None)
    else:
        x_name = names[0] if names else None
        y_name = names[1] if len(names) > 1 else None

    method = disc.method
    intro = f"Sampled inputs of {disc.rows:,} paths; the target is missed by {year} on {pct(disc.share_missed)} of them. {method} boxes where misses concentrate:"
    lines = [intro]
    for k, b in enumerate(boxes, start=1):
        lines += textwrap.wrap(f"Box {k}: {box_words(b, year)}", width=SUBTITLE_WIDTH)
    if not boxes:
        lines.append("No box found: the misses do not concentrate in a simple region of the inputs.")
    fig, ax, own = chart_axes(
        ax,
        f"Where {_target_words(target, year)} is missed: scenario discovery",
        "\n".join(lines),
        _sensitivity_caption(sens, f"{method} on the drawn inputs of the scenario's own paths"),
    )
    if own:
        subtitle_room(fig, len(lines))
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
            lo, hi = float(inputs[name].low), float(inputs[name].high)
        else:
            ends = [e for b in boxes for e in b.limits.get(name, ()) if math.isfinite(e)]
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
        limits = b.limits
        if not (_restricts(limits.get(x_name)) or (y_name is not None and _restricts(limits.get(y_name)))):
            continue  # restricts only inputs not on this chart
        x0, x1 = _limit(limits.get(x_name), *xr)
        y0, y1 = _limit(limits.get(y_name), *yr) if y_name is not None else yr
        color = BOX_COLORS[(k - 1) % len(BOX_COLORS)]
        (poly,) = ax.fill([x0, x1, x1, x0], [y0, y0, y1, y1], fill=False, edgecolor=color, linestyle="--", linewidth=2.0, zorder=4)
        poly.set_gid(f"box_{k}")
        density = b.density
        note = f"box {k}" + (f": {pct(density)} missed" if math.isfinite(density) else "")
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
        group = inputs[name].group if name in inputs else None
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
        if own:
            fig.subplots_adjust(left=MARGINS["left"] + (0.02 if y_group else 0.0))
    handles: list[Any] = [
        Line2D([], [], linestyle="none", marker="o", markersize=6, markeredgewidth=0, color=c.get_facecolor()[0], label=c.get_label())
        for c in ax.collections[::-1]
        if c.get_gid() in ("missed", "reached")
    ]
    if any(p.get_gid() and p.get_gid().startswith("box_") for p in ax.patches):
        handles.append(Line2D([], [], color=INK, linestyle="--", linewidth=2.0, label=f"{method} box (open sides: unbounded)"))
    if handles:
        add_legend(ax, handles=handles, ncol=len(handles), loc="upper left")
    return fig
