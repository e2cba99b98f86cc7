"""What a report says about each kind of result: a :class:`Page` of sections made of tables, figures and text.

:func:`report_page` is the per-type hook: one function per result type,
registered with ``@report_page.register``, turns the typed result into a
``Page`` (the question, the answer in one sentence, its sections). The page
names its figures by the stems of the files :func:`sim.output.figure_makers`
draws (``"fan_chart"``), so the report shows the very charts of the results
folder. Every number is formatted here, as text; the template
(:mod:`sim.report.render`) only lays the page out and escapes it.

A new result type gets a report by registering a function here (or in its
own module) and its charts in :func:`sim.output.figure_makers`; nothing else changes.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any, ClassVar

from ..errors import InputError
from ..plots.style import FORECAST_HORIZON_YEARS, money, observed_months, reporter_words
from ..results import Results
from .finance_section import FINANCE_FIGURE_CAPTION, finance_table

__all__ = [
    "Figure",
    "Page",
    "Section",
    "Table",
    "Text",
    "answer_year",
    "headline_years",
    "pct",
    "points",
    "report_page",
    "year_words",
]

PAGE_MODULES = ("study_pages", "portfolio_pages", "replay_page", "track_page")
"""The modules of :mod:`sim.report` that register the studies' pages: imported the first time a page of a type not
registered yet is asked for (a run's headline and page need none of them, nor the studies they import)."""


# -- formats ---------------------------------------------------------------------------
def pct(p: float) -> str:
    """A probability as a percentage with one decimal, ``"65.8%"`` (how the report and the terminal tables print them)."""
    return f"{100 * p:.1f}%" if math.isfinite(p) else "n/a"


def points(d: float) -> str:
    """A difference of probabilities in percentage points with its sign, ``"+1.2"``, ``"\u22120.4"``."""
    return f"{100 * d:+.1f}".replace("-", "\u2212") if math.isfinite(d) else "n/a"


def _interval(low: float, high: float, fmt=pct) -> str:
    return f"{fmt(low)} to {fmt(high)}"


def _usd(x: float) -> str:
    return f"{x:,.1f}" if math.isfinite(x) else "n/a"


def _signed_usd(x: float) -> str:
    return f"{x:+,.2f}".replace("-", "\u2212") if math.isfinite(x) else "n/a"


# -- the years shown -------------------------------------------------------------------
def headline_years(years: Sequence[int], requested: Sequence[int] | None = None, target_year: int | None = None) -> list[int]:
    """The years of the headline tables: ``requested`` (``--years``) or, by default, the first simulated year + 1, + 3, + 5,
    the target's year (``trade.target_year``, when simulated) and the horizon.

    Raises
    ------
    InputError
        When a requested year is not simulated (exit status 2, naming ``--years``).
    """
    years = [int(y) for y in years]
    if requested:
        missing = [y for y in requested if y not in years]
        if missing:
            raise InputError(f"--years: {', '.join(map(str, missing))} not simulated; the scenario simulates {years[0]} to {years[-1]}")
        return sorted(set(requested))
    first = years[0]
    return sorted({y for y in (first + 1, first + 3, first + 5, target_year, years[-1]) if y in years})


def answer_year(base_year: int, years: Sequence[int]) -> int:
    """The year a report's one-sentence answer is about: the last year a fan still reads as a forecast (base + 6), or the horizon if earlier."""
    return min(base_year + FORECAST_HORIZON_YEARS, int(years[-1]))


# -- the page --------------------------------------------------------------------------
@dataclass(frozen=True)
class Table:
    """A table of text cells; the first column names the rows, the others are right-aligned numbers."""

    kind: ClassVar[str] = "table"
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart of the results folder by its file stem (``"fan_chart"``), with a caption saying what it shows."""

    kind: ClassVar[str] = "figure"
    name: str
    caption: str


@dataclass(frozen=True)
class Text:
    """Paragraphs of text (``"warning"`` style for the caveats a reader must not miss)."""

    kind: ClassVar[str] = "text"
    paragraphs: tuple[str, ...]
    style: str = "text"


Block = Table | Figure | Text


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Page:
    """What a report says: a title, the question and the answer in one sentence each, the sections, and warnings first.

    The report adds the assumptions, limitations and provenance of every page itself (:func:`sim.report.render.render_report`).
    """

    title: str
    question: str
    answer: str
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = field(default=())

    def figure_names(self) -> list[str]:
        """The stems of the charts the page shows, in order."""
        return [b.name for s in self.sections for b in s.blocks if isinstance(b, Figure)]


@singledispatch
def report_page(obj: Any, years: Sequence[int] | None = None) -> Page:
    """The report page of a result; register one function per result type.

    Parameters
    ----------
    obj : Results, Comparison, Sensitivity, GoalResult, or a registered type
    years : sequence of int, optional
        The headline years (``--years``); default :func:`headline_years`.
    """
    if report_page.dispatch(type(obj)) is report_page.dispatch(object):
        for name in PAGE_MODULES:
            importlib.import_module(f".{name}", __package__)  # registers its pages
        if report_page.dispatch(type(obj)) is not report_page.dispatch(object):
            return report_page(obj, years)
    raise InputError(f"coopsim has no report for a {type(obj).__name__}")


def _flow_words(results: Results) -> str:
    return "trade turnover (exports plus imports)" if results.target_flow == "turnover" else f"{results.target_flow}"


def _hit_words(results: Results) -> str:
    hit, last = results.hit_year, results.years[-1]
    if hit.p50 is None:
        return f"fewer than half of the paths reach it by {last} ({pct(hit.share_never)} never do)"
    return f"half of the paths reach it by {hit.p50}"


def year_words(results: Results) -> str:
    """Why the headline leads with its year, in one sentence."""
    year = results.headline_year
    if results.target_year is None:
        return f"{year}: six years after the base year; the scenario gives the target no year."
    if results.target_year == year:
        return f"{year} is the year the target is for (trade.target_year)."
    return f"The target is for {results.target_year}, which this run does not simulate; {year} is its last year shown as a forecast."


def _law_section(results: Results, shown: Sequence[int]) -> tuple[Section, ...]:
    """Model uncertainty: each candidate organic law's probability on its own paths beside the combined one (none without a mixture)."""
    if not results.by_law:
        return ()
    rows = [
        (name, f"{law.weight:.3g}", f"{law.paths:,}", *(f"{pct(law.p_reach(y)[0])} ({_interval(*law.p_reach(y)[1:])})" for y in shown))
        for name, law in results.by_law.items()
    ]
    rows.append(
        ("combined", "", f"{results.n_paths:,}", *(f"{pct(results.p_reach(y)[0])} ({_interval(*results.p_reach(y)[1:])})" for y in shown))
    )
    return (
        Section(
            "Model uncertainty: the organic laws",
            (
                Table(
                    ("organic law", "weight", "paths", *(f"reached by {y}" for y in shown)),
                    tuple(rows),
                    "Each path follows one law of the partner's share of the country's trade, drawn with its weight; by law, the share of its "
                    "own paths that reach the target (Wilson 95% interval).",
                ),
                Text(
                    (
                        "The laws fit the record about as well and answer differently: their spread is model uncertainty, which more "
                        "paths do not shrink. Quote the combined probability with its Monte Carlo interval and the range across laws.",
                    )
                ),
            ),
        ),
    )


@report_page.register
def _(results: Results, years: Sequence[int] | None = None) -> Page:
    shown = headline_years(results.years, years, results.headline_year)
    year = results.headline_year
    p, low, high = results.p_reach(year)
    target = money(results.target_usd_bn)
    question = (
        f"How likely is annual {_flow_words(results)}{results.pair_words}, in {reporter_words(results.reporter, results.reporter_labels)} figures, "
        f"to reach the target of {target} a year, and by when?"
    )
    spread = ""
    if results.by_law:
        lo_law, hi_law = results.law_spread(year)
        spread = f"; the organic laws alone give {pct(lo_law)} to {pct(hi_law)}"
    answer = (
        f"By {year} the target is reached in {pct(p)} of the {results.n_paths:,} simulated paths (Wilson 95% interval "
        f"{_interval(low, high)}{spread}); {_hit_words(results)}. {year_words(results)}"
    )
    rows = []
    for y in shown:
        r, a = results.p_reach_by_year.loc[y], results.p_above_in_year.loc[y]
        rows.append((str(y), pct(r.p), _interval(r.ci95_low, r.ci95_high), pct(a.p), _interval(a.ci95_low, a.ci95_high)))
    hit = results.hit_year
    later = f"later than {results.years[-1]}"
    readings = (
        "Reached by the year: in that year or an earlier one (the year the target can be announced as met). "
        "At or above in the year: trade of that year itself at or above the target (met and held).",
        f"Year first reached: median {hit.p50 or later}; one path in ten by {hit.p10 or later}, nine in ten by {hit.p90 or later}; "
        f"{pct(hit.share_never)} of paths not by {results.years[-1]}.",
    )
    observed = (
        f"Observed: {results.observation['year']} {observed_months(results.observation['months'])}, "
        f"{results.observation['value_usd_bn']:g} USD bn ({results.observation['yoy_growth']:+.0%} on a year before), from "
        f"{results.observation['source']}; the rest of the year is simulated."
        if results.observation
        else f"Nothing of {results.years[0]} is observed: its whole year is simulated."
    )
    trade = results.annual_trade_usd_bn
    flows = results.flows
    trade_rows = tuple(
        (
            str(y),
            _usd(trade.loc[y, "p50"]),
            f"{_usd(trade.loc[y, 'p5'])} to {_usd(trade.loc[y, 'p95'])}",
            _usd(trade.loc[y, "mean"]),
            *(_usd(flows[f].loc[y, "mean"]) if f in flows else "n/a" for f in ("exports", "imports", "balance")),
        )
        for y in shown
    )
    by_direction = results.components_by_direction_mean_usd_bn
    components = [c for c in by_direction.columns if (by_direction[c].abs() > 0).any()]
    composition_rows = tuple((str(y), *(_usd(by_direction.loc[y, c]) for c in components)) for y in shown)
    precision = results.precision
    warnings = ()
    if precision is not None and not precision.met:
        warnings = (
            f"The run stopped at its cap of {precision.max_paths:,} paths before every probability's 95% half-width reached "
            f"{precision.target_half_width:g}.",
        )
    return Page(
        title=f"Reaching {target} a year: {results.scenario}",
        question=question,
        answer=answer,
        warnings=warnings,
        sections=(
            Section(
                "Headline",
                (
                    Table(
                        ("year", "reached by the year", "Wilson 95% interval", "at or above in the year", "Wilson 95% interval"),
                        tuple(rows),
                        f"Probability that the target of {target} is reached, share of {results.n_paths:,} paths.",
                    ),
                    Text((*readings, observed)),
                ),
            ),
            *_law_section(results, shown),
            Section(
                "Annual trade",
                (
                    Figure(
                        "fan_chart", "Annual trade: median and 25th-75th and 5th-95th percentiles of the paths, with the recorded history."
                    ),
                    Table(
                        ("year", "median", "5th to 95th percentile", "mean", "mean exports", "mean imports", "mean balance"),
                        trade_rows,
                        "USD bn a year, over the simulated paths.",
                    ),
                ),
            ),
            Section(
                "Probability of reaching the target",
                (
                    Figure(
                        "reach_probability",
                        "Share of paths that have reached the target by each year, and at or above it in the year, with Wilson 95% intervals.",
                    ),
                ),
            ),
            Section(
                "Composition by direction",
                (
                    Figure(
                        "composition", "Mean exports and imports by component; project and measure flows are changes from the base year."
                    ),
                    Table(
                        ("year", *(f"{d}: {c}" for d, c in components)),
                        composition_rows,
                        "Mean annual flow by direction and component, USD bn.",
                    ),
                ),
            ),
            *_finance_section(results),
        ),
    )


def _finance_section(results: Results) -> tuple[Section, ...]:
    """The finance of the projects, by lender (none for a run without finance statistics)."""
    table = finance_table(results)
    if table is None:
        return ()
    return (Section("Finance of the projects", (Figure("finance", FINANCE_FIGURE_CAPTION), Table(*table))),)
