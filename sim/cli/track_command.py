"""The command ``coopsim track``: the view at every release date of a scenario's dated record, and its forecasts scored; its terminal tables.

It takes the parsed arguments and returns the exit status. A scenario without a dated record, a
``--since`` after the record's last release, or a year the scenario does not simulate is refused
before any view runs (exit status 2, one line).
"""

from __future__ import annotations

import argparse
from collections import Counter

from ..errors import InputError
from ..report import headline_years
from ..report.track_page import view_cells
from ..scenario import ScenarioError
from ..studies import Track, track
from .common import destination, finish_study, load_scenario_arg

__all__ = ["DEFAULT_YEARS", "track_command", "track_tables"]

DEFAULT_YEARS = (2026, 2028, 2030)
"""The years whose P(target by then) ``coopsim track`` follows without ``--years``."""
TERMINAL_WORDS = (
    "horizon: years after the view's base year, nowcast: first year partly observed; mean PIT: share of paths below the outcome, "
    "0.5 when calibrated; held: outcomes inside the central range; CRPS, USD bn, lower is better: model, random walk; ratio: model / random walk"
)
"""The line under the scores that says what each column means."""


def _requested_years(args: argparse.Namespace) -> tuple[int, ...] | None:
    """``--years`` as one tuple (given as ``2026 2028`` or ``2026,2028``); a year named twice is refused."""
    if not args.years:
        return None
    years = tuple(y for group in args.years for y in group)
    repeated = sorted(y for y, count in Counter(years).items() if count > 1)
    if repeated:
        raise InputError(f"--years: names {', '.join(map(str, repeated))} more than once; give each year once")
    return years


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows under a header, the first column left-aligned, the others right-aligned, two spaces of margin."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        out.append("  " + r[0].ljust(widths[0]) + "".join("  " + c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)))
    return [line.rstrip() for line in out]


def track_tables(result: Track) -> str:
    """The terminal tables of a track record: the views, then the scores by horizon, each with a line saying what its columns mean."""
    n_views = len(result.views)
    distinct = sum(v.same_as is None for v in result.views)
    lines = [
        f"{result.scenario}: {n_views} release dates from {result.views[0].as_of.isoformat()} to {result.views[-1].as_of.isoformat()} "
        f"({distinct} distinct views), {result.paths:,} paths each, seed {result.seed}; target {result.target_usd_bn:g} USD bn",
        "",
    ]
    header = ["release", "base year", "first year observed", *(f"P(by {y}) [95%]" for y in result.years), "same as"]
    rows = []
    for k in range(n_views):
        cells = view_cells(result, k)
        cells[1] = cells[1].split(" ")[0]  # the base year alone; its value is in views.csv
        cells[-1] = cells[-1].removeprefix("same as ")
        cells[3:-1] = [c.replace(" (", " [").replace(" to ", ", ").replace(")", "]") for c in cells[3:-1]]
        rows.append(cells)
    lines += _table(header, rows)
    lines += [
        "  (P(by Y): the probability of the target by year Y in the view as of the release date, its 95% Monte Carlo interval;",
        "   same as: the view took nothing new from the record and repeats that earlier view)",
        "",
        f"Forecasts scored against the full-year outcomes in force on {result.final.isoformat()}, published after each view's day:",
        "",
    ]
    scores = result.by_horizon()
    if scores:
        header = ["horizon", "n", "mean PIT", "50% held", "90% held", "CRPS", "random walk", "ratio"]
        lines += _table(
            header,
            [
                [
                    str(r["horizon"]),
                    str(r["n"]),
                    f"{r['mean_pit']:.2f}",
                    f"{r['coverage50']:.0%}",
                    f"{r['coverage90']:.0%}",
                    f"{r['crps']:.2f}",
                    f"{r['rw_crps']:.2f}",
                    f"{r['crps_ratio']:.2f}",
                ]
                for r in scores
            ],
        )
        lines.append(f"  ({TERMINAL_WORDS})")
    else:
        lines.append("  (none: no full-year outcome was published after a view's day)")
    lines += law_tables(result)
    return "\n".join(lines)


def law_tables(result: Track) -> list[str]:
    """Each candidate law's scores on its own paths over the distinct views, and the stacking weights (none without a mixture)."""
    rows = result.by_law()
    if not rows:
        return []
    lines = ["", "Each organic law scored on its own paths of the same views (distinct views only):", ""]
    header = ["law", "weight", "forecasts", "n", "mean PIT", "50% held", "90% held", "CRPS", "log score", "ratio to RW"]
    lines += _table(
        header,
        [
            [
                r["law"],
                "" if r["law"] == "combined" else f"{r['weight']:.3g}",
                r["horizon"],
                str(r["n"]),
                f"{r['mean_pit']:.2f}",
                f"{r['coverage50']:.0%}",
                f"{r['coverage90']:.0%}",
                f"{r['crps']:.2f}",
                f"{r['log_score']:.2f}",
                f"{r['crps_ratio']:.2f}",
            ]
            for r in rows
        ],
    )
    lines.append(
        "  (log score: mean log density of the outcome's log, nats, higher is better; the random walk's over all: "
        f"{next(r['rw_log_score'] for r in rows if r['horizon'] == 'all'):.2f})"
    )
    stack = result.stacking()
    if stack:
        laws = list(result.weights)
        lines += [
            "",
            f"Weights from the record: {stack['forecasts']} forecasts of the outcome years {', '.join(map(str, stack['outcome_years']))}, "
            "each year counting once:",
            "",
        ]
        header = ["fitted on", *laws]
        body = [["stacking, all years", *(f"{stack['weights'][law]:.2f}" for law in laws)]]
        body += [[f"stacking, without {y}", *(f"{w[law]:.2f}" for law in laws)] for y, w in stack["without_year"].items()]
        boot = stack["bootstrap"]
        body.append(["Bayesian bootstrap", *(f"{boot['weights'][law]:.2f} ± {boot['sd'][law]:.2f}" for law in laws)])
        body.append(["the scenario's", *(f"{result.weights[law]:.2f}" for law in laws)])
        lines += _table(header, body)
        rt = stack["real_time"]
        if rt:
            scored = ", ".join(f"{law} {rt[law]:.2f}" for law in laws)
            lines.append(
                f"  real time (each view weighted as its own day's record allowed): mean log score {rt['real_time_weights']:.2f}; "
                f"equal weights {rt['equal']:.2f}; {scored}"
            )
        lines.append("  (weights that swing when one outcome year is left out, or a wide bootstrap: the record cannot tell the laws apart)")
    return lines


def track_command(args: argparse.Namespace) -> int:
    """``coopsim track``: the view at every release date of the scenario's record, its P(target) by each year and its forecasts scored."""
    scenario = load_scenario_arg(args.scenario, args)
    if scenario.trade.releases is None:
        raise ScenarioError(
            str(args.scenario), [("trade.releases", "coopsim track needs a scenario with a dated record (trade.releases, as_of, partner)")]
        )
    years = headline_years(scenario.years, _requested_years(args) or [y for y in DEFAULT_YEARS if y in scenario.years])
    out = destination(args, f"track_{scenario.name}", [scenario.name])
    result = track(scenario, paths=args.paths, seed=args.seed, since=args.since, years=years, workers=args.workers)
    return finish_study(args, scenario, result, out, track_tables(result))
