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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from typing import Any, ClassVar

from ..errors import InputError
from ..plots.goal import lever_unit
from ..plots.sensitivity import box_words
from ..plots.style import FORECAST_HORIZON_YEARS, money, observed_months, reporter_words
from ..results import Results
from ..studies.compare import Comparison
from ..studies.goal import GoalResult
from ..studies.sensitivity import RANDOMNESS, Sensitivity
from .finance_section import FINANCE_FIGURE_CAPTION, finance_table
from .sources import scenario_labels

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
    "sobol_caveats",
]

MIN_SOBOL_BASE_ROWS = 64
"""Below this many Sobol base rows the bootstrap intervals are too wide for the indices to rank anything."""
SOBOL_RANGE = (-0.1, 1.1)
"""Indices outside this range are sampling noise, not shares of variance: a sign of too small a sample."""


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


@report_page.register
def _(comparison: Comparison, years: Sequence[int] | None = None) -> Page:
    base = comparison.results[0]
    shown = headline_years(comparison.years, years)
    year = base.headline_year if base.headline_year in comparison.years else answer_year(base.base_year, comparison.years)
    labels = scenario_labels(comparison.scenarios, comparison.manifest)
    named = dict(zip(comparison.scenarios, labels, strict=True))
    target = money(base.target_usd_bn)
    p0 = base.p_reach_by_year.loc[year, "p"]
    diffs = sorted((comparison.difference(s, "p_reach_by_year", year), s) for s in comparison.compared)
    if len(diffs) == 1:
        (d, lo, hi), s = diffs[0]
        moves = f"{named[s]} changes that by {points(d)} points (Newcombe 95% interval {points(lo)} to {points(hi)})"
    else:
        (low, _, _), s_low = diffs[0]
        (high, _, _), s_high = diffs[-1]
        moves = f"the other scenarios change that by {points(low)} points ({named[s_low]}) to {points(high)} points ({named[s_high]})"
    answer = (
        f"By {year} the baseline reaches the target in {pct(p0)} of {comparison.n_paths:,} paths; {moves}, paired on common random numbers."
    )
    last = shown[-1]
    rows = []
    for name, res in zip(comparison.scenarios, comparison.results, strict=True):
        cells = [f"{named[name]} ({name})" + (", baseline" if name == comparison.baseline else "")]
        for y in shown:
            cell = pct(res.p_reach_by_year.loc[y, "p"])
            if name != comparison.baseline:
                d, lo, hi = comparison.difference(name, "p_reach_by_year", y)
                cell += f"\n{points(d)} [{points(lo)},\u00a0{points(hi)}]"  # an interval never breaks across lines
            cells.append(cell)
        mean = res.annual_trade_usd_bn.loc[last, "mean"]
        cell = _usd(mean)
        if name != comparison.baseline:
            d, lo, hi = comparison.difference(name, "mean_trade_usd_bn", last)
            cell += f"\n{_signed_usd(d)} [{_signed_usd(lo)},\u00a0{_signed_usd(hi)}]"
        cells.append(cell)
        hit = res.hit_year.p50
        shift = comparison.median_hit_year_shift.get(name)
        cells.append(f"{hit or 'later than ' + str(comparison.years[-1])}" + (f" ({shift:+d})" if isinstance(shift, int) else ""))
        rows.append(tuple(cells))
    return Page(
        title=f"Comparing {len(comparison.scenarios)} scenarios against {comparison.baseline}",
        question=f"What does each scenario change in the chance of reaching {target} a year, against the baseline {comparison.baseline}?",
        answer=answer,
        sections=(
            Section(
                "Probabilities and paired differences",
                (
                    Table(
                        ("scenario", *(f"reached by {y}" for y in shown), f"mean trade {last}, USD bn", "median year reached"),
                        tuple(rows),
                        "Probability of reaching the target by the year; below it, the paired difference from the baseline in "
                        "percentage points with its Newcombe 95% interval (for mean trade, in USD bn with a normal 95% interval); "
                        "the median year first reached, with its shift in years.",
                    ),
                    Text(
                        (
                            "Every scenario ran on the same seed and the same paths (common random numbers), so each difference is "
                            "estimated path by path: its interval is the Monte Carlo uncertainty of the difference itself, much "
                            "narrower than the two scenarios' own intervals.",
                        )
                    ),
                ),
            ),
            Section(
                "The scenarios overlaid",
                (
                    Figure(
                        "reach_probability", "Probability of reaching the target by each year, per scenario, with Wilson 95% intervals."
                    ),
                    Figure("fan_charts", "Median annual trade and the middle 50% of paths, per scenario."),
                    Figure("hit_years", "Share of paths first reaching the target in each year, per scenario."),
                ),
            ),
            Section(
                "Paired differences",
                (
                    Figure("difference_p_reach", "Each scenario minus the baseline: probability of reaching the target by each year."),
                    Figure("difference_mean_trade", "Each scenario minus the baseline: mean annual trade, USD bn."),
                ),
            ),
        ),
    )


def sobol_caveats(study: Sensitivity) -> list[str]:
    """Why a study's Sobol indices may mean nothing: too few base rows, or indices outside [-0.1, 1.1] (sampling noise)."""
    groups = study.sobol["group"].nunique()
    base_rows = study.design_rows // (groups + 2) if groups else 0
    caveats = []
    if base_rows < MIN_SOBOL_BASE_ROWS:
        caveats.append(
            f"Sobol indices from {base_rows} base rows are too few to mean anything (use at least {MIN_SOBOL_BASE_ROWS}; "
            "the default is 512): read them as noise."
        )
    low, high = SOBOL_RANGE
    outside = study.sobol[(study.sobol["value"] < low) | (study.sobol["value"] > high)]
    for r in outside.itertuples():
        caveats.append(
            f"The {r.index.replace('_', '-')} Sobol index of '{r.group}' for {r.output} is {r.value:.2f}, outside [{low}, {high}]: "
            "the sample is too small for the indices to be shares of variance."
        )
    return caveats


@report_page.register
def _(study: Sensitivity, years: Sequence[int] | None = None) -> Page:
    target = money(study.target_usd_bn)
    reached = study.outputs[0] if study.outputs else None
    sections = []
    answer = f"P({target} by {study.year}) is {pct(study.tornado.p_base)}."
    if reached is not None:
        indices = study.indices(reached).sort_values("total", ascending=False)
        inputs = indices.drop(RANDOMNESS, errors="ignore")
        top = inputs.index[0] if len(inputs) else indices.index[0]
        answer = (
            f"Of the inputs, {top} explains most of the variance of reaching {target} by {study.year} (total Sobol index "
            f"{indices.loc[top, 'total']:.2f}, 95% interval {indices.loc[top, 'total_ci95_low']:.2f} to {indices.loc[top, 'total_ci95_high']:.2f})"
        )
        if RANDOMNESS in indices.index:
            answer += f"; each path's own luck has a total index of {indices.loc[RANDOMNESS, 'total']:.2f}"
        answer += "."
        for output in study.outputs:
            table = study.indices(output).sort_values("total", ascending=False)
            rows = tuple(
                (
                    str(group),
                    f"{r.first_order:.2f}",
                    f"{r.first_order_ci95_low:.2f} to {r.first_order_ci95_high:.2f}",
                    f"{r.total:.2f}",
                    f"{r.total_ci95_low:.2f} to {r.total_ci95_high:.2f}",
                )
                for group, r in table.iterrows()
            )
            chart = "sobol_reached" if output == study.outputs[0] else "sobol_trade"
            sections.append(
                Section(
                    f"Sobol indices: {output}",
                    (
                        Table(
                            ("input group", "first order", "bootstrap 95% interval", "total", "bootstrap 95% interval"),
                            rows,
                            f"Shares of the variance of {output}; Saltelli design of {study.design_rows:,} rows of one path each. "
                            f"First-order indices sum to {study.first_order_sum(output):.2f}.",
                        ),
                        Figure(chart, "First-order and total Sobol index of each input group, with bootstrap 95% intervals."),
                    ),
                )
            )
    bars = study.tornado.bars
    sections.append(
        Section(
            "Tornado",
            (
                Table(
                    ("input group", "at 10th percentile", "change, points", "at 90th percentile", "change, points"),
                    tuple((str(r.group), pct(r.p_low), points(r.diff_low), pct(r.p_high), points(r.diff_high)) for r in bars.itertuples()),
                    f"P({target} by {study.year}) with each group moved alone, {study.tornado.paths:,} paths per run on common "
                    f"random numbers; base {pct(study.tornado.p_base)}.",
                ),
                Figure("tornado", "Change in the probability with each group at its 10th and 90th percentile, Newcombe 95% intervals."),
            ),
        )
    )
    disc = study.discovery
    boxes = tuple(f"Box {k}: {box_words(b, study.year)}." for k, b in enumerate(disc.boxes, start=1))
    discovery_blocks: tuple[Block, ...] = (
        Text(
            (
                f"PRIM on the drawn inputs of {disc.rows:,} of the scenario's own paths; the target is missed by {study.year} on "
                f"{pct(disc.share_missed)} of them.",
                *(boxes or ("No box found: the misses do not concentrate in a simple region of the inputs.",)),
            )
        ),
    )
    if disc.boxes or len(disc.features.columns):
        discovery_blocks += (Figure("discovery", "The paths on the two inputs of the first box, misses highlighted, with the boxes."),)
    sections.append(Section("Where the target is missed: scenario discovery", discovery_blocks))
    sections.append(
        Section(
            "The inputs moved",
            (
                Table(
                    ("input", "group", "range", "10th percentile", "90th percentile"),
                    tuple(
                        (r.path, r.group, f"{r.low:.4g} to {r.high:.4g}", f"{r.p10:.4g}", f"{r.p90:.4g}") for r in study.inputs.itertuples()
                    ),
                    "Each input's range in the Sobol design and its settings in the tornado (a distribution's median where it is drawn many times a path).",
                ),
            ),
        )
    )
    return Page(
        title=f"What drives reaching {target} by {study.year}: {study.scenario}",
        question=f"Which uncertain inputs move the probability of reaching {target} a year by {study.year}, and where is it missed?",
        answer=answer,
        sections=tuple(sections),
        warnings=tuple(sobol_caveats(study)),
    )


@report_page.register
def _(result: GoalResult, years: Sequence[int] | None = None) -> Page:
    unit = lever_unit(result.lever)
    rows = tuple(
        (f"{r.setting:.4g}", pct(r.p_reach), _interval(r.ci95_low, r.ci95_high)) for r in result.curve.sort_values("setting").itertuples()
    )
    return Page(
        title=f"What it takes: {result.lever} for P(target by {result.year}) = {pct(result.probability)}",
        question=f"Which setting of {result.lever}{f' ({unit})' if unit else ''} gives the target a probability of "
        f"{pct(result.probability)} by {result.year}, everything else as assumed?",
        answer=result.message[:1].upper() + result.message[1:] + ".",
        sections=(
            Section(
                "The probability against the setting",
                (
                    Figure(
                        "goal", "Probability of the target by the year at each setting tried, on the same paths, with Wilson 95% intervals."
                    ),
                    Table(
                        ("setting", f"P(reached by {result.year})", "Wilson 95% interval"),
                        rows,
                        f"{result.paths:,} paths per setting, the same paths for every setting (common random numbers).",
                    ),
                ),
            ),
        ),
    )
