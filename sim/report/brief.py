"""A run's briefing: one printable A4 page for a minister's slide (``coopsim report FOLDER --brief``, ``brief.html``).

The page says four things and no more: the figure to quote (the probability of
the target by the headline year, its Monte Carlo interval and, under a
mixture of organic laws, the range across them), the fan chart, what moved
since the previous view and why, and the three things that drive the answer.
It claims nothing the folders do not hold: given an earlier run of the same
question (``--since``), it says how far the probability moved, whether the two
Monte Carlo intervals overlap, and what differed in what the two views knew
(figures new, revised or no longer used, the base, the law, paths and seed),
without claiming how much each explains; given none, it says there is nothing
to compare. Either way it lists what this view knew (its ``as_of`` day and the
figures it took from the record, or the base the scenario states). A run's folder holds no sensitivity study, so the drivers are the
mean trade of the headline year by component (organic growth from the base
year, project construction and operations, measures), and the page says so.

The HTML is a Jinja2 template with autoescape on, its only markup the fan
chart's SVG (matplotlib's own, ids prefixed as in the report); no script, no
link, no font; ``@page`` A4 portrait.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..plots.style import money, observed_months, reporter_words
from ..results import Results
from .pages import pct, year_words
from .render import _environment, inline_svg

__all__ = ["BRIEF_FIGURE", "NOTHING_TO_COMPARE", "Brief", "Driver", "brief_page", "drivers", "moved", "render_brief"]

BRIEF_FIGURE = "fan_chart"
"""The chart of the brief, by file stem (:func:`sim.output.figure_makers`)."""
_COMPONENT_WORDS = {
    "organic": "Organic growth of trade from the base year",
    "construction": "Construction of the projects (imports of equipment and materials)",
    "operations": "Operations of the completed projects",
    "measures": "Trade measures",
}


@dataclass(frozen=True)
class Driver:
    """One thing that drives the answer: what it is and how much it adds to the headline year's mean trade (USD bn)."""

    name: str
    usd_bn: float

    @property
    def amount(self) -> str:
        """``"+4.00"`` or ``"\u22120.1"`` USD bn."""
        return f"{self.usd_bn:+,.2f}".replace("-", "\u2212") + " USD bn"


@dataclass(frozen=True)
class Brief:
    """What the briefing page says, every number formatted here; :func:`render_brief` only lays it out."""

    title: str
    question: str
    probability: str
    interval: str
    law_range: str
    quote: str
    year_note: str
    moved: tuple[str, ...]
    knew: tuple[str, ...]
    drivers_source: str
    drivers: tuple[Driver, ...]
    drivers_note: str
    footer: tuple[str, ...]


def _flow_words(results: Results) -> str:
    return "trade turnover (exports plus imports)" if results.target_flow == "turnover" else results.target_flow


def _pair(results: Results) -> str:
    country, partner = results.names.get("country"), results.names.get("partner")
    return f"{country}\u2013{partner}" if country and partner else results.scenario


def _knew(results: Results) -> tuple[str, ...]:
    """What the view knew: its day and the figures it took from the record; or, for a stated scenario, its base and observation."""
    lines = []
    view = results.view
    if view:
        lines.append(
            f"The view as of {view['as_of']}, from {view.get('rows_known', 0):,} rows of {view['releases']} published by then, used:"
        )
        for u in view.get("used", []):
            months = "full year" if u.get("months") == 12 else observed_months(int(u["months"]))
            lines.append(f"{u['what']}: {u['value_usd_bn']:g} USD bn ({months} {u['year']}, published {u['published']}).")
    else:
        lines.append(
            f"The scenario states its base: {results.base_usd_bn:g} USD bn of turnover in {results.base_year} "
            f"({reporter_words(results.reporter, results.reporter_labels)} figures); it is not a dated view of the record."
        )
        if results.observation:
            o = results.observation
            lines.append(f"Observed of {o['year']}: {observed_months(o['months'])}, {o['value_usd_bn']:g} USD bn, from {o['source']}.")
    return tuple(lines)


def _base_of_flow(results: Results) -> float | None:
    """The base year's value of the target's flow (USD bn), None when the base's split is not known."""
    if results.target_flow == "turnover":
        return results.base_usd_bn
    if results.base_exports_usd_bn is None:
        return None
    return results.base_exports_usd_bn if results.target_flow == "exports" else results.base_usd_bn - results.base_exports_usd_bn


def drivers(results: Results, year: int) -> tuple[tuple[Driver, ...], str]:
    """The three components of the target's flow that move the headline year's mean trade most, and a note of what the rest adds.

    Organic trade is counted as its growth from the base year (its level in ``year`` less the base);
    projects and measures are already changes from the base year. Ranked by size, whatever the sign.
    """
    by_direction = results.components_by_direction_mean_usd_bn.loc[year]
    directions = ("exports", "imports") if results.target_flow == "turnover" else (results.target_flow,)
    total = {
        c: float(sum(by_direction[(d, c)] for d in directions if (d, c) in by_direction.index))
        for c in by_direction.index.unique("component")
    }
    base = _base_of_flow(results)
    found = []
    for component, usd_bn in total.items():
        if component == "organic" and base is not None:
            usd_bn -= base
        if math.isfinite(usd_bn):
            found.append(Driver(_COMPONENT_WORDS.get(component, component), usd_bn))
    ranked = sorted(found, key=lambda d: -abs(d.usd_bn))
    top, rest = tuple(ranked[:3]), ranked[3:]
    mean = sum(total.values())
    start = f"from {money(base, 2)} in {results.base_year} " if base is not None else ""
    note = f"Mean {results.target_flow} {start}to {money(mean, 2)} in {year}"
    if rest:
        note += "; the rest (" + ", ".join(f"{d.name.lower()} {d.amount}" for d in rest) + ")"
    return top, note + "."


NOTHING_TO_COMPARE = (
    "Nothing to compare: no earlier view was given (coopsim report FOLDER --brief --since EARLIER_FOLDER), so this page does "
    "not say what moved. What this view knew is below; a later view can be set against it."
)


def _figure_key(u: Mapping[str, Any]) -> str:
    """A figure a view used, named by what it was for and the months it covers (``first year 2025, turnover (January to July)``)."""
    months = "" if u.get("months") == 12 else f" ({observed_months(int(u['months']))})"
    return f"{u['what']}{months}"


def _view_day(results: Results) -> str:
    return f"the view as of {results.view['as_of']}" if results.view else f"the run of {results.scenario}"


def _figures_changed(results: Results, previous: Results) -> list[str]:
    """What differs between the figures the two views took from the record: added, revised, no longer used."""
    now = {_figure_key(u): u for u in (results.view or {}).get("used", [])}
    before = {_figure_key(u): u for u in (previous.view or {}).get("used", [])}
    lines = [f"new: {k}, {u['value_usd_bn']:g} USD bn (published {u['published']})" for k, u in now.items() if k not in before]
    lines += [
        f"revised: {k}, {before[k]['value_usd_bn']:g} to {u['value_usd_bn']:g} USD bn (published {u['published']})"
        for k, u in now.items()
        if k in before and u["value_usd_bn"] != before[k]["value_usd_bn"]
    ]
    lines += [f"no longer used: {k}, {u['value_usd_bn']:g} USD bn" for k, u in before.items() if k not in now]
    return lines


def moved(results: Results, previous: Results | None, year: int) -> tuple[str, ...]:
    """What moved since ``previous`` and what differed in what the two knew; that there is nothing to compare without one.

    The two runs' probabilities are compared with their own Monte Carlo intervals: when the intervals
    overlap, the page says the move may be simulation noise rather than claim it. The reasons given are
    the differences the two folders hold (the figures used, the base year, the organic law, paths and
    seed); how much of the move each explains is not measured, and the page says so.
    """
    if previous is None:
        return (NOTHING_TO_COMPARE,)
    same_question = all(
        getattr(previous, key) == getattr(results, key) for key in ("target_usd_bn", "target_flow", "reporter", "pair_words")
    )
    if not same_question or year not in previous.years:
        return (
            f"Not comparable with {_view_day(previous)}: it asks another question (a target of {money(previous.target_usd_bn)} of "
            f"{previous.target_flow}{previous.pair_words} in {previous.reporter} figures, simulated {previous.years[0]} to {previous.years[-1]}), so this page "
            "does not say what moved.",
        )
    p0, lo0, hi0 = previous.p_reach(year)
    p1, lo1, hi1 = results.p_reach(year)
    change = f"{100 * (p1 - p0):+.1f}".replace("-", "\u2212")
    since = f"Since {_view_day(previous)} ({pct(p0)} by {year}, interval {pct(lo0)} to {pct(hi0)}), the probability has "
    if p1 == p0:
        out = [since + f"not moved ({pct(p1)})."]
    else:
        overlap = lo1 <= hi0 and lo0 <= hi1
        out = [
            since
            + f"moved {change} points to {pct(p1)}."
            + (" The two 95% Monte Carlo intervals overlap: the move may be partly simulation noise." if overlap else "")
        ]
    why = _figures_changed(results, previous)
    if previous.base_year != results.base_year or previous.base_usd_bn != results.base_usd_bn:
        why.append(
            f"base: {previous.base_usd_bn:g} USD bn in {previous.base_year}, now {results.base_usd_bn:g} USD bn in {results.base_year}"
        )
    if previous.organic_law != results.organic_law:
        why.append(f"organic law: {previous.organic_law}, now {results.organic_law}")
    if (previous.n_paths, previous.seed) != (results.n_paths, results.seed):
        why.append(f"simulation: {previous.n_paths:,} paths, seed {previous.seed}; now {results.n_paths:,} paths, seed {results.seed}")
    if why:
        out.append("What differs between the two: " + "; ".join(why) + ". How much of the move each explains is not measured here.")
    elif previous.scenario_sha256 == results.scenario_sha256:
        out.append("The two are runs of the same scenario with the same figures, paths and seed.")
    else:
        out.append(
            "The two folders show no difference in the figures used, the base, the organic law, the paths or the seed, but the "
            f"scenarios differ (their SHA-256): a changed assumption {'moved it' if p1 != p0 else 'did not move it by ' + str(year)} "
            "(compare the two reports' assumption tables)."
        )
    return tuple(out)


def brief_page(results: Results, previous: Results | None = None) -> Brief:
    """What the briefing page of a run says (the headline year :attr:`sim.results.Results.headline_year`), since ``previous`` if given."""
    year = results.headline_year
    p, low, high = results.p_reach(year)
    target = money(results.target_usd_bn)
    interval = f"The share of {results.n_paths:,} simulated paths that reach {target} by {year}"
    if results.by_law:
        lo_law, hi_law = results.law_spread(year)
        law_range = (
            f"{pct(lo_law)} to {pct(hi_law)} across the organic laws ({len(results.by_law)} candidate laws; more paths do not narrow this)"
        )
        quote_range = f"; {pct(lo_law)} to {pct(hi_law)} across the organic laws"
    else:
        law_range = "One organic law: the scenario gives no other law to show a range across."
        quote_range = ""
    quote = f"{pct(p)} by {year} (95% Monte Carlo interval {pct(low)} to {pct(high)}{quote_range})."
    top, note = drivers(results, year)
    return Brief(
        title=f"{_pair(results)}: {target} a year by {year}?",
        question=(
            f"How likely is annual {_flow_words(results)}{results.pair_words} to reach {target} by {year}, "
            f"in {reporter_words(results.reporter, results.reporter_labels)} figures?"
        ),
        probability=pct(p),
        interval=interval,
        law_range=law_range,
        quote=quote,
        year_note=year_words(results),
        moved=moved(results, previous, year),
        knew=_knew(results),
        drivers_source=(
            f"No sensitivity study was run with this result, so what moves the probability most is not measured here. What the run holds: "
            f"the change in mean {results.target_flow} from the base year to {year}, by component, largest first."
        ),
        drivers=top,
        drivers_note=note,
        footer=(
            f"Source: coopsim {__version__} Monte Carlo simulation of {results.scenario} ({results.n_paths:,} paths, seed {results.seed}).",
            "The interval says how precisely the paths estimate the probability, not how uncertain the assumptions are; every number "
            "follows from the scenario's assumptions (coopsim report gives them with their sources).",
        ),
    )


def render_brief(results: Results, figures: Mapping[str, str], previous: Results | None = None) -> str:
    """The briefing page as one self-contained HTML document, the fan chart (``figures["fan_chart"]``, SVG text) inline;
    with ``previous`` (an earlier run of the same question), what moved since it and what differed in what the views knew."""
    figure = inline_svg(figures[BRIEF_FIGURE], "b0") if BRIEF_FIGURE in figures else None
    return _environment().get_template("brief.html.j2").render(brief=brief_page(results, previous), figure=figure, version=__version__)
