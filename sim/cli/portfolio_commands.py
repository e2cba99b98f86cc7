"""The commands on the portfolio: ``attribute`` and ``prioritise``, and their terminal tables.

:func:`add_portfolio_parsers` registers both commands on the ``coopsim``
parser (:func:`sim.cli.parser.build_parser` calls it with its shared study
options); each command takes the parsed arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import math
import textwrap

from ..studies import Attribution, Priorities, attribute, prioritise
from ..studies.attribute import WHY_PARTS_EXCEED_WHOLE, told_from_zero
from ..studies.stability import stability_sentence
from .common import destination, finish_study, load_scenario_arg, run_options
from .tables import stability_lines

__all__ = ["attribute_command", "attribution_table", "prioritise_command", "priorities_table"]

TOP_PER_USD_BN = 5
"""Items listed as worth most per USD bn under the attribution table."""


def _range(low: float, high: float, scale: float = 1.0, digits: int = 2) -> str:
    return "" if math.isnan(low) else f"{scale * low:+.{digits}f} to {scale * high:+.{digits}f}"


def attribution_table(result: Attribution) -> str:
    """The terminal tables of an attribution: trade in the year (gross and net, USD bn) and P(target) (points), each ranked on its own scale."""
    lo, hi = result.baseline_ci95
    width = max(len(str(r)) for r in result.rows["item"]) + 2
    y = result.year
    laws = "" if result.by_law.empty else f"{'range over laws':>18}"
    lines = [
        f"{result.scenario}: P(target {result.target_usd_bn:g} USD bn reached by {y}) = {100 * result.baseline_p:.1f}% "
        f"({100 * lo:.1f}% to {100 * hi:.1f}%), mean trade in {y} {result.baseline_mean_trade_usd_bn:.2f} USD bn, "
        f"{result.paths:,} paths, seed {result.seed}",
        "What each item adds, on levels: gross, its own flows in the baseline; net, the baseline less the world that never had it "
        "(common random numbers, organic trade kept).",
        "",
        f"Trade in {y}, USD bn, ranked by net:",
        f"  {'item':<{width}}{'kind':<11}{'gross [95% interval]':>24}{'net [95% interval]':>24}{laws}",
    ]
    for r in result.by_net_trade().itertuples():
        gross = "" if math.isnan(r.gross_usd_bn) else f"{r.gross_usd_bn:+.2f} [{r.gross_ci95_low:+.2f}, {r.gross_ci95_high:+.2f}]"
        net = f"{r.trade_difference_usd_bn:+.2f} [{r.trade_ci95_low:+.2f}, {r.trade_ci95_high:+.2f}]"
        spread = f"{_range(r.trade_laws_low, r.trade_laws_high):>18}" if laws else ""
        words = told_from_zero(r, "trade")
        lines.append(f"  {r.item:<{width}}{r.kind:<11}{gross:>24}{net:>24}{spread}{'  net ' + words if words else ''}")
    lines += ["", f"P(target by {y}), percentage points, ranked:"]
    lines.append(f"  {'item':<{width}}{'capex':>8}{'points [95% interval]':>26}{laws}{'per USD bn':>12}")
    for r in result.rows.itertuples():
        rate = "" if math.isnan(r.difference_per_usd_bn) else f"{100 * r.difference_per_usd_bn:+.2f}"
        spread = f"{_range(r.difference_laws_low, r.difference_laws_high, 100, 1):>18}" if laws else ""
        words = told_from_zero(r, "p")
        lines.append(
            f"  {r.item:<{width}}{r.capex_usd_bn:>8.2f}"
            f"{f'{100 * r.difference:+.1f} [{100 * r.ci95_low:+.1f}, {100 * r.ci95_high:+.1f}]':>26}{spread}{rate:>12}"
            f"{'  ' + words if words else ''}"
        )
    top = result.per_usd_bn().head(TOP_PER_USD_BN)
    lines += ["", f"  worth most per USD bn: {', '.join(f'{r.item} ({100 * r.difference_per_usd_bn:+.2f})' for r in top.itertuples())}", ""]
    lines += textwrap.wrap(WHY_PARTS_EXCEED_WHOLE, 118)
    return "\n".join(lines)


def priorities_table(result: Priorities) -> str:
    """The terminal table of a prioritisation: the list found and what it does on fresh paths."""
    lo, hi = result.difference_ci95
    lines = [
        f"{result.scenario}: finance first, within {result.budget_usd_bn:g} USD bn of capex, for P(target reached by {result.year}) "
        f"({result.method} search, {result.evaluations} lists evaluated on {result.paths:,} paths, seed {result.seed})",
        "",
    ]
    lines += [
        f"  {int(r.order)}. {r.item} ({r.capex_usd_bn:.2f} USD bn): {100 * r.p_search:.1f}% on the search paths"
        for r in result.chosen.itertuples()
    ]
    if not len(result.chosen):
        lines.append(f"  nothing: no candidate within the budget raises P on the search paths ({100 * result.search_baseline_p:.1f}%)")
    lines += [
        "",
        f"  on {result.paths:,} fresh paths: {100 * result.baseline_p:.1f}% -> {100 * result.prioritised_p:.1f}%, "
        f"{100 * result.difference:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}]",
    ]
    if len(result.stability) > 1:
        lines += ["", "  stability of the choice:", *stability_lines(result.stability, "chosen", "same_choice", "item", "list")]
        lines.append(f"    {stability_sentence(result.stability, 'list')}")
    return "\n".join(lines)


def attribute_command(args: argparse.Namespace) -> int:
    """``coopsim attribute``: what each item of the portfolio adds to P(target by the year)."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, f"attribute_{scenario.name}", [scenario.name])
    result = attribute(scenario, args.year, paths=args.paths, **run_options(args))
    return finish_study(args, scenario, result, out, attribution_table(result))


def prioritise_command(args: argparse.Namespace) -> int:
    """``coopsim prioritise``: which awaiting projects to finance first, within a budget."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, f"prioritise_{scenario.name}", [scenario.name])
    result = prioritise(
        scenario, args.year, args.budget_usd_bn, paths=args.paths, method=args.method, stability=not args.no_stability, **run_options(args)
    )
    return finish_study(args, scenario, result, out, priorities_table(result))
