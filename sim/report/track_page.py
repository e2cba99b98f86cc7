"""The report page of a track record (:class:`~sim.studies.track.Track`), and its tidy rows (the folder's CSV tables, the terminal tables).

Registered on :func:`sim.report.pages.report_page` when :mod:`sim.report` is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from ..studies.track import Track
from .pages import Figure, Page, Section, Table, Text, _interval, pct, points, report_page

__all__ = ["COLUMN_WORDS", "score_reading", "track_score_rows", "track_view_rows", "view_cells"]

COLUMN_WORDS = (
    "n: forecasts scored; mean PIT: the share of paths below the outcome, averaged (0.5 when calibrated, near 1: outcomes above); "
    "50%/90% held: the share of outcomes inside the central range (nominal 50% and 90%); CRPS: mean continuous ranked probability "
    "score, USD bn, lower is better, of the model and of a no-drift random walk; ratio: model over random walk (below 1: the model is better)"
)
"""What each column of the scores by horizon means, in one line (the terminal and the report say it)."""


def track_view_rows(track: Track) -> list[dict[str, Any]]:
    """One tidy row a view (``views.csv``): its day, base year and value, what of the first year it observed, P by each year with its 95% interval."""
    rows = []
    for v in track.views:
        row: dict[str, Any] = {
            "as_of": v.as_of.isoformat(),
            "base_year": v.base_year,
            "base_usd_bn": v.base_usd_bn,
            "observed": v.observed,
            "law_years": " ".join(str(y) for y in v.law_years),
            "same_as": v.same_as.isoformat() if v.same_as else "",
        }
        for year in track.years:
            p, lo, hi = v.p_reach.get(year, (math.nan, math.nan, math.nan))
            row.update({f"p_by_{year}": p, f"p_by_{year}_low": lo, f"p_by_{year}_high": hi})
        rows.append(row)
    return rows


def track_score_rows(track: Track) -> list[dict[str, Any]]:
    """One tidy row a forecast scored (``scores.csv``), the random walk's scores beside the model's."""
    return [{**asdict(s), "as_of": s.as_of.isoformat()} for s in track.scores]


def view_cells(track: Track, view_index: int) -> list[str]:
    """A view as text cells: day, base year, what was observed, P by each year with its interval (or "same as <day>")."""
    v = track.views[view_index]
    cells = [v.as_of.isoformat(), f"{v.base_year} ({v.base_usd_bn:g})", v.observed or "nothing"]
    for year in track.years:
        p = v.p_reach.get(year)
        cells.append("n/a" if p is None else f"{pct(p[0])} ({_interval(p[1], p[2])})")
    cells.append(f"same as {v.same_as.isoformat()}" if v.same_as else "")
    return cells


def score_reading(track: Track) -> str:
    """The scores over all forecasts in plain words: how often the 90% ranges held, and the CRPS against the random walk's."""
    overall = next((r for r in track.by_horizon() if r["horizon"] == "all"), None)
    if overall is None:
        return f"No forecast can be scored yet: no full-year outcome was published after a view's day (the record ends {track.final.isoformat()})."
    n = overall["n"]
    ratio = overall["crps_ratio"]
    better = "better" if ratio < 1 else "worse"
    return (
        f"The 90% ranges held the outcome in {round(overall['coverage90'] * n)} of {n} forecasts, the 50% ranges in "
        f"{round(overall['coverage50'] * n)}; the mean PIT is {overall['mean_pit']:.2f} (0.5 when calibrated). The model's CRPS is "
        f"{ratio:.2f} times the random walk's ({better} than the benchmark). Forecasts of one view share its paths and the views "
        "share outcomes, so these counts are far from independent."
    )


def _law_sections(track: Track) -> tuple[Section, ...]:
    """Each organic law's scores on its own paths and the weights the record gives them (none without a mixture)."""
    rows = track.by_law()
    if not rows:
        return ()
    laws = list(track.weights)
    score_rows = tuple(
        (
            r["law"],
            r["horizon"],
            str(r["n"]),
            f"{r['mean_pit']:.2f}",
            pct(r["coverage50"]),
            pct(r["coverage90"]),
            f"{r['crps']:.2f}",
            f"{r['log_score']:.2f}",
            f"{r['crps_ratio']:.2f}",
        )
        for r in rows
    )
    blocks: list[Any] = [
        Table(
            ("law", "forecasts", "n", "mean PIT", "50% held", "90% held", "CRPS", "log score", "CRPS / random walk"),
            score_rows,
            "Distinct views only. Each law on its own paths of the same views; combined: the paths weighed by the scenario's "
            "weights. Log score: mean log density of the outcome's log, nats, higher is better.",
        )
    ]
    stack = track.stacking()
    if stack:
        boot = stack["bootstrap"]
        weight_rows = [("stacking, every outcome year once", *(f"{stack['weights'][law]:.2f}" for law in laws))]
        weight_rows += [(f"stacking, without {y}", *(f"{w[law]:.2f}" for law in laws)) for y, w in stack["without_year"].items()]
        weight_rows.append(("Bayesian bootstrap of the years", *(f"{boot['weights'][law]:.2f} ± {boot['sd'][law]:.2f}" for law in laws)))
        weight_rows.append(("the scenario's", *(f"{track.weights[law]:.2f}" for law in laws)))
        rt = stack["real_time"]
        blocks += [
            Table(
                ("weights fitted on", *laws),
                tuple(weight_rows),
                f"{stack['forecasts']} forecasts of the outcome years {', '.join(map(str, stack['outcome_years']))}; "
                "weights that maximise the mixture's log score (stacking).",
            ),
            Text(
                (
                    f"In real time (each view weighted as the outcomes published before its day allowed, equal weights before any): "
                    f"mean log score {rt.get('real_time_weights', float('nan')):.2f}, against {rt.get('equal', float('nan')):.2f} "
                    "with equal weights and " + ", ".join(f"{rt.get(law, float('nan')):.2f} for {law} alone" for law in laws) + ".",
                )
            ),
        ]
    return (Section("The organic laws on the record", tuple(blocks)),)


@report_page.register
def _(track: Track, years: Sequence[int] | None = None) -> Page:
    views = track.views
    first, last = views[0], views[-1]
    now = ", ".join(f"{pct(last.p_reach[y][0])} by {y}" for y in track.years if y in last.p_reach)
    moved = ", ".join(
        f"{points(last.p_reach[y][0] - first.p_reach[y][0])} by {y}" for y in track.years if y in last.p_reach and y in first.p_reach
    )
    horizon_rows = tuple(
        (
            str(r["horizon"]),
            str(r["n"]),
            f"{r['mean_pit']:.2f}",
            pct(r["coverage50"]),
            pct(r["coverage90"]),
            f"{r['crps']:.2f}",
            f"{r['rw_crps']:.2f}",
            f"{r['crps_ratio']:.2f}",
        )
        for r in track.by_horizon()
    )
    distinct = sum(v.same_as is None for v in views)
    return Page(
        title=f"Track record: {track.scenario}, a view at every release since {first.as_of.isoformat()}",
        question=f"How did the chance of ${track.target_usd_bn:g} bn move as releases came out, and how did the views' forecasts fare "
        "against the outcomes published later?",
        answer=f"As of {last.as_of.isoformat()} (base year {last.base_year}) the target is reached with {now}; since the first view "
        f"({first.as_of.isoformat()}) that moved {moved} points.",
        sections=(
            Section(
                "How the answer moved",
                (
                    Figure(
                        "track_probability",
                        "P(target reached by each year) in the view as of each release date, held until the next release, with its 95% "
                        "Monte Carlo interval; diamonds mark a new base year.",
                    ),
                ),
            ),
            Section(
                "How the forecasts fared",
                (
                    Text((score_reading(track),)),
                    Table(
                        ("horizon", "n", "mean PIT", "50% held", "90% held", "CRPS", "random walk CRPS", "ratio"),
                        horizon_rows,
                        "Horizon: years after the view's base year (nowcast: a first year partly observed). " + COLUMN_WORDS + ".",
                    ),
                    Figure(
                        "track_pit",
                        "PIT of every forecast scored, in tenths; calibrated forecasts fill each tenth alike (the dashed line).",
                    ),
                    Figure(
                        "track_coverage",
                        "Share of outcomes inside the 50% and 90% ranges by horizon, model and random walk, against nominal.",
                    ),
                ),
            ),
            *_law_sections(track),
            Section(
                "The views",
                (
                    Table(
                        ("release date", "base year (USD bn)", "first year observed", *(f"P(by {y})" for y in track.years), ""),
                        tuple(tuple(view_cells(track, k)) for k in range(len(views))),
                        f"{len(views)} release dates, {distinct} distinct views ({track.paths:,} paths each, seed {track.seed}); a view that "
                        "took nothing new from the record is the same as an earlier one. Outcomes: the full-year figures in force on "
                        f"{track.final.isoformat()}.",
                    ),
                ),
            ),
        ),
    )
