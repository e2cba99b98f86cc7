"""The report pages of the studies compared and explored from one scenario: a comparison, a sensitivity study, a goal search.

Registered with :func:`sim.report.pages.report_page` when this module is imported (the first time a page of a type
not registered yet is asked for, :data:`sim.report.pages.PAGE_MODULES`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..plots.goal import lever_unit
from ..plots.sensitivity import box_words
from ..plots.style import money
from ..studies.compare import Comparison
from ..studies.goal import GoalResult
from ..studies.sensitivity import RANDOMNESS, Sensitivity
from .pages import (
    Block,
    Figure,
    Page,
    Section,
    Table,
    Text,
    _interval,
    _signed_usd,
    _usd,
    answer_year,
    headline_years,
    pct,
    points,
    report_page,
)
from .sources import scenario_labels

__all__ = ["MIN_SOBOL_BASE_ROWS", "SOBOL_RANGE", "sobol_caveats"]

MIN_SOBOL_BASE_ROWS = 64
"""Below this many Sobol base rows the bootstrap intervals are too wide for the indices to rank anything."""
SOBOL_RANGE = (-0.1, 1.1)
"""Indices outside this range are sampling noise, not shares of variance: a sign of too small a sample."""


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
