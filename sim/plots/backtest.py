"""The chart of a calibration backtest (:class:`sim.calibration.BacktestResult` or :class:`sim.calibration.LawsBacktest`): :func:`backtest_chart`.

The result is read as the calibration module gives it (its tables, :meth:`~sim.calibration.BacktestResult.table`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..calibration import BacktestResult, LawsBacktest
from .style import INK, LABEL_SIZE, MARGINS, MUTED, SCENARIO_COLORS, add_legend, chart_axes, num, top_with_room, year_axis

__all__ = ["backtest_chart"]


# -- calibration -------------------------------------------------------------------
def backtest_chart(result: BacktestResult | LawsBacktest, history: Sequence[tuple[int, float]], ax: Axes | None = None) -> Figure:
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
        Uses ``table()`` (origin, year, horizon, actual, p5 ... p95, USD bn,
        and ``law``), ``table("scores")`` (coverage, CRPS) and its paths,
        seed, source and horizons (the first law's for several laws).
    history : sequence of (year, value)
        The observed series, USD bn, e.g. :func:`sim.history.load_history`
        or ``zip(*sim.calibration.load_series(...))``.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; default a new slide-shaped figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. The observed line has gid ``"observed"``; the medians of
        horizon ``h`` are one line of markers with gid ``f"median_h{h}"``
        (one law) or ``f"median_{law}_h{h}"`` (several laws).
    """
    labels = {"random_walk": "Random-walk", "structural": "Structural (share of total trade)"}

    def score_line(law: str, mine: Sequence[dict[str, Any]]) -> str:
        """One subtitle line: a law's coverage and mean CRPS."""
        inside90 = sum(r["p5"] <= r["actual"] <= r["p95"] for r in mine)
        inside50 = sum(r["p25"] <= r["actual"] <= r["p75"] for r in mine)
        crps = float(np.mean([num(r["crps"]) for r in mine])) if mine else math.nan
        return (
            f"{labels.get(law, law)} law: 90% ranges held {inside90} of {len(mine)} outcomes, 50% ranges {inside50} of {len(mine)}; "
            f"mean CRPS {crps:.2f} USD bn"
        )

    rows = result.table().to_dict("records")
    first = result.results[0] if isinstance(result, LawsBacktest) else result  # the settings every law shares
    overall = first.table("scores").loc["all"]
    laws = list(dict.fromkeys(str(r.get("law", "random_walk")) for r in rows)) or ["random_walk"]
    several = len(laws) > 1
    horizons = [int(h) for h in list(first.horizons) or sorted({r["horizon"] for r in rows})]
    hist = sorted((int(y), num(v)) for y, v in history)
    hy = np.array([y for y, _ in hist], dtype=float)
    hv = np.array([v for _, v in hist])
    origins = sorted({int(r["origin"]) for r in rows})
    span = f"{origins[0]}-{origins[-1]}" if len(origins) > 1 else (str(origins[0]) if origins else "n/a")
    paths = first.paths
    paths_txt = f"{int(paths):,} simulated paths per origin" if paths is not None else "paths n/a"
    if several:
        scores = [score_line(law, [r for r in rows if r.get("law") == law]) for law in laws]
        crps_rw = num(overall["crps_random_walk"])
        subtitle = (
            f"Forecasts made each year {span} from each law fitted only to the data up to then, on the same years\n"
            + "\n".join(scores)
            + f"\nNo-drift random walk: mean CRPS {crps_rw:.2f} USD bn (lower is better)"
        )
    else:
        n = int(overall["n_forecasts"] or len(rows))
        inside90 = sum(r["p5"] <= r["actual"] <= r["p95"] for r in rows)
        inside50 = sum(r["p25"] <= r["actual"] <= r["p75"] for r in rows)
        crps, crps_rw = num(overall["crps"]), num(overall["crps_random_walk"])
        what = "growth law" if laws[0] == "random_walk" else f"{labels.get(laws[0], laws[0])} law"
        subtitle = (
            f"Forecasts made each year {span} from the {what} fitted only to the data up to then\n"
            f"90% ranges held {inside90} of {n} outcomes, 50% ranges {inside50} of {n}\n"
            f"Mean CRPS {crps:.2f} USD bn against {crps_rw:.2f} for a no-drift random walk (lower is better)"
        )
    fig, ax, own = chart_axes(
        ax,
        "How past forecasts of organic trade would have fared",
        subtitle,
        f"Source: coopsim calibration backtest (rolling origin, organic growth only, parameter uncertainty included; "
        f"{paths_txt}, seed {first.seed}). Series: {first.source}.",
    )
    if own:
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
            p = {q: np.array([num(r[q]) for r in mine]) for q in ("p5", "p25", "p50", "p75", "p95")}
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
    year_axis(ax, first, last)
    ax.set_ylim(0, top_with_room(tops, 1.0, 1.08))
    ax.set_ylabel("Trade turnover, USD bn", fontsize=LABEL_SIZE, color=INK)
    if not rows:
        ax.text(0.5, 0.5, "No forecast to show", transform=ax.transAxes, ha="center", va="center", color=MUTED)
    add_legend(ax, handles=handles, ncol=1, loc="upper left")
    return fig
