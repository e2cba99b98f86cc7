"""Report pages of the portfolio studies: what each part of the portfolio is worth, and what to finance first.

Registered on :func:`sim.report.pages.report_page` when :mod:`sim.report` is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..studies.attribute import Attribution
from ..studies.effect_words import WHY_PARTS_EXCEED_WHOLE, told_from_zero
from ..studies.prioritise import Priorities
from ..studies.stability import stability_sentence
from .pages import Figure, Page, Section, Table, Text, _interval, pct, points, report_page

__all__: list[str] = []

TOP = 5
"""Items listed as worth most per USD bn."""


def _per_usd(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:+.2f} points per USD bn"


@report_page.register
def _(attribution: Attribution, years: Sequence[int] | None = None) -> Page:
    rows = attribution.rows
    portfolio = rows[rows["kind"] == "portfolio"]
    worth = (
        f"without the whole portfolio it would be {pct(float(portfolio['p_without'].iloc[0]))}: the portfolio adds "
        f"{points(float(portfolio['difference'].iloc[0]))} ({_interval(float(portfolio['ci95_low'].iloc[0]), float(portfolio['ci95_high'].iloc[0]), points)})"
        if len(portfolio)
        else "the scenario has no portfolio to remove"
    )
    lo, hi = attribution.baseline_ci95
    table = Table(
        (
            "item",
            "kind",
            "capex or capacity, USD bn",
            "P without",
            "difference, points",
            "paired 95% interval",
            "range over laws",
            "per USD bn",
        ),
        tuple(
            (
                r.item,
                r.kind,
                f"{r.capex_usd_bn:.2f}",
                pct(r.p_without),
                points(r.difference) + (f" ({told_from_zero(r, 'p')})" if told_from_zero(r, "p") else ""),
                _interval(r.ci95_low, r.ci95_high, points),
                "" if math.isnan(r.difference_laws_low) else _interval(r.difference_laws_low, r.difference_laws_high, points),
                _per_usd(r.difference_per_usd_bn),
            )
            for r in rows.itertuples()
        ),
        f"{attribution.paths:,} paths, every item removed on the same paths (common random numbers); each path keeps the organic trade "
        "of the baseline and the world without an item never had it (on levels). Intervals: Newcombe's for paired proportions. "
        "Ranked in points only.",
    )
    usd = lambda v: f"{v:+.2f}"  # noqa: E731
    trade = Table(
        ("item", "kind", "gross, USD bn", "95% interval", "net, USD bn", "95% interval", "range over laws (net)"),
        tuple(
            (
                r.item,
                r.kind,
                "" if math.isnan(r.gross_usd_bn) else usd(r.gross_usd_bn),
                "" if math.isnan(r.gross_usd_bn) else f"{usd(r.gross_ci95_low)} to {usd(r.gross_ci95_high)}",
                usd(r.trade_difference_usd_bn) + (f" ({told_from_zero(r, 'trade')})" if told_from_zero(r, "trade") else ""),
                f"{usd(r.trade_ci95_low)} to {usd(r.trade_ci95_high)}",
                "" if math.isnan(r.trade_laws_low) else f"{usd(r.trade_laws_low)} to {usd(r.trade_laws_high)}",
            )
            for r in attribution.by_net_trade().itertuples()
        ),
        f"Trade in {attribution.year}, USD bn, ranked by net. Gross: the item's own flows in the baseline; net: baseline less the "
        f"world without it. {WHY_PARTS_EXCEED_WHOLE}",
    )
    best = attribution.per_usd_bn().head(TOP)
    return Page(
        title=f"What each part of the portfolio is worth: {attribution.scenario}, {attribution.year}",
        question=f"How much does each project, measure, lender and the portfolio as a whole add to the probability of reaching "
        f"${attribution.target_usd_bn:g} bn by {attribution.year}?",
        answer=f"P(reached by {attribution.year}) is {pct(attribution.baseline_p)} ({_interval(lo, hi)}); {worth}.",
        sections=(
            Section(
                "Difference each item makes",
                (Figure("attribution", "Baseline P less P without the item, with paired 95% intervals, ranked."), table),
            ),
            Section(f"What each item adds to trade in {attribution.year}, gross and net", (trade,)),
            Section(
                f"Worth most per USD bn (the {TOP} largest)",
                (Text(tuple(f"{r.item} ({r.kind}): {_per_usd(r.difference_per_usd_bn)}" for r in best.itertuples())),),
            ),
        ),
    )


@report_page.register
def _(priorities: Priorities, years: Sequence[int] | None = None) -> Page:
    chosen = ", ".join(f"{r.item} ({r.capex_usd_bn:.2f} USD bn)" for r in priorities.chosen.itertuples()) or "nothing"
    lo, hi = priorities.difference_ci95
    return Page(
        title=f"What to finance first within {priorities.budget_usd_bn:g} USD bn: {priorities.scenario}, {priorities.year}",
        question=f"Which awaiting projects should move to the front of their lenders' queues, within {priorities.budget_usd_bn:g} USD bn, "
        f"to make ${priorities.target_usd_bn:g} bn by {priorities.year} most likely?",
        answer=f"Finance first: {chosen}. On fresh paths P moves from {pct(priorities.baseline_p)} to {pct(priorities.prioritised_p)}, "
        f"{points(priorities.difference)} ({_interval(lo, hi, points)}).",
        sections=(
            Section(
                "The choice and what it changes",
                (
                    Figure("priorities", "P with and without the chosen priorities, evaluated on paths the search did not see."),
                    Table(
                        ("order", "item", "capex, USD bn"),
                        tuple((str(r.order), r.item, f"{r.capex_usd_bn:.2f}") for r in priorities.chosen.itertuples()),
                        f"Method: {priorities.method}; {priorities.evaluations:,} lists evaluated on {priorities.paths:,} search paths.",
                    ),
                ),
            ),
            *_stability_section(priorities),
        ),
    )


def _stability_section(priorities: Priorities) -> tuple[Section, ...]:
    """The search rerun on twice the paths and on a second seed, and the verdict (none when the study skipped it)."""
    table = priorities.stability
    if len(table) < 2:
        return ()
    yes = lambda flag: "yes" if flag else "no"  # noqa: E731
    return (
        Section(
            "How stable the choice is",
            (
                Text((stability_sentence(table, "list").capitalize() + ".",)),
                Table(
                    ("search paths", "seed", "list chosen", "same first item", "same list"),
                    tuple(
                        (
                            f"{r.paths:,}",
                            str(r.seed),
                            r.chosen,
                            "" if r.Index == 0 else yes(r.same_first),
                            "" if r.Index == 0 else yes(r.same_choice),
                        )
                        for r in table.itertuples()
                    ),
                    "The first row is the search reported above; the others rerun it on twice the paths and on a second seed. "
                    "Same list: the same items in the same order.",
                ),
            ),
        ),
    )
