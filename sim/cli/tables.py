"""The terminal tables the commands print: a run's headline, a comparison, a sensitivity study, a backtest, a search's stability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from ..plots.style import observed_months
from ..report.pages import headline_years, year_words
from ..report.pages import pct as _pct
from ..results import Results

if TYPE_CHECKING:  # a run's headline imports neither the studies nor the calibration
    from ..calibration import LawsBacktest
    from ..studies import Comparison, Sensitivity

__all__ = ["backtest_table", "comparison_table", "headline", "sensitivity_table", "stability_lines"]


def stability_lines(table: pd.DataFrame, words: str, same: str, item: str, whole: str) -> list[str]:
    """One line for each search of a stability table: its paths, seed and choice in words (column ``words``), and for
    each rerun whether its first ``item`` (``same_first``) and its ``whole`` choice (column ``same``) match the first search's."""
    lines = []
    for r in table.itertuples():
        match = (
            ""
            if r.Index == 0
            else f"  (same first {item}: {'yes' if r.same_first else 'no'}; same {whole}: {'yes' if getattr(r, same) else 'no'})"
        )
        lines.append(f"    {r.paths:,} paths, seed {r.seed}: {getattr(r, words)}{match}")
    return lines


def _flow_words(results: Results) -> str:
    """The flow the target is on, in words."""
    flow = results.target_flow
    return "turnover (exports plus imports)" if flow == "turnover" else flow


def _observation_line(results: Results) -> str:
    """What the run took as observed, in one line (or that nothing was)."""
    obs = results.observation
    view = results.view
    day = f" as of {view['as_of']}" if view else ""
    if not obs:
        return f"observed{day}: nothing of {results.years[0]} (its whole year is simulated)"
    growth = f" ({obs['yoy_growth']:+.0%} on a year before)" if obs.get("yoy_growth") is not None else ""
    return f"observed{day}: {obs['year']} {observed_months(obs['months'])}, {obs['value_usd_bn']:g} USD bn{growth}, all of trade; from {obs['source']}"


def view_lines(results: Results) -> list[str]:
    """The figures a view took from the record, one line each (none for a stated scenario)."""
    view = results.view
    if not view:
        return []
    lines = [f"the view as of {view['as_of']} used, of {view['rows_known']} rows of {view['releases']} published by then:"]
    for u in view["used"]:
        months = "the full year" if u["months"] == 12 else observed_months(u["months"])
        lines.append(f"  {u['what']}: {u['value_usd_bn']:g} USD bn ({months} {u['year']}, published {u['published']}, line {u['line']})")
    return lines


def quote_line(results: Results) -> str:
    """The figure to quote: the probability by the headline year, its Monte Carlo interval and, under a mixture, the range across laws."""
    year = results.headline_year
    p, lo, hi = results.p_reach(year)
    text = f"  to quote: {_pct(p)} by {year} (95% Monte Carlo interval {_pct(lo)} to {_pct(hi)}"
    if results.by_law:
        low, high = results.law_spread(year)
        text += f"; {_pct(low)} to {_pct(high)} across the organic laws"
    return text + f"). {year_words(results)}"


def law_lines(results: Results, years: Sequence[int] | None = None) -> list[str]:
    """Each candidate organic law's probability of the target on its own paths, beside the combined one (none without a mixture)."""
    if not results.by_law:
        return []
    shown = headline_years(results.years, years, results.headline_year)
    head = f"  {'organic law':<16}{'weight':>8}{'paths':>9}" + "".join(f"{'by ' + str(y):>22}" for y in shown)
    lines = ["", "  model uncertainty: each path follows one organic law, drawn with its weight; by law, on its own paths:", head]

    def cell(p: float, lo: float, hi: float) -> str:
        return f"{_pct(p)} [{_pct(lo)}, {_pct(hi)}]"

    for name, law in results.by_law.items():
        lines.append(f"  {name:<16}{law.weight:>8.3g}{law.paths:>9,}" + "".join(f"{cell(*law.p_reach(y)):>22}" for y in shown))
    lines.append(f"  {'combined':<16}{'':>8}{results.n_paths:>9,}" + "".join(f"{cell(*results.p_reach(y)):>22}" for y in shown))
    lines.append("  [ ]: 95% Monte Carlo interval; the laws' spread is model uncertainty, which more paths do not shrink")
    return lines


def headline(results: Results, years: Sequence[int] | None = None) -> str:
    """The terminal table: both readings of reaching the target in the headline ``years`` (default :func:`sim.report.headline_years`), and the hit year."""
    last = results.years[-1]
    law = {"structural": "structural (the country's total trade x the partner's share)", "random_walk": "random walk with drift"}
    if results.by_law:
        law = {"structural": f"structural, the partner's share by {len(results.by_law)} candidate laws (below)"}
    lines = [
        f"{results.scenario}: {results.n_paths:,} paths, seed {results.seed}; target {results.target_usd_bn:g} USD bn a year of "
        f"{_flow_words(results)}{results.pair_words} ({results.reporter} statistics)",
        f"organic law: {law.get(results.organic_law)}; {_observation_line(results)}",
        *view_lines(results),
        "",
        f"  {'year':<8}{'reached by the year':>22}{'95% interval':>18}{'at or above in the year':>27}{'95% interval':>18}",
    ]
    for year in headline_years(results.years, years, results.headline_year):
        p, lo, hi = results.p_reach(year)
        above = results.p_above_in_year.loc[year]
        lines.append(
            f"  {year:<8}{_pct(p):>22}{_pct(lo) + ' to ' + _pct(hi):>18}{_pct(above['p']):>27}"
            f"{_pct(above['ci95_low']) + ' to ' + _pct(above['ci95_high']):>18}"
        )
    lines += law_lines(results, years)
    hy = results.hit_year

    def year_or_later(v: int | None) -> str:
        return str(v) if v is not None else f"later than {last}"

    lines += [
        "",
        "  reached by the year: in that year or an earlier one (the year the target can be announced as met);",
        "  at or above in the year: trade of that year itself at or above the target (met and held).",
        f"  median year first reached   {year_or_later(hy.p50)}",
        f"  10% of paths reach it by {year_or_later(hy.p10)}; 90% by {year_or_later(hy.p90)}",
        f"  not reached by {last}: {_pct(hy.share_never)} of paths",
        "",
        quote_line(results),
    ]
    return "\n".join(lines)


def comparison_table(comparison: Comparison, years: Sequence[int] | None = None) -> str:
    """The terminal table of a comparison in the headline ``years``: probabilities, mean trade in the last of them, median hit year, paired differences."""
    shown = headline_years(comparison.years, years)
    last = shown[-1]
    rows = [["scenario", *(f"by {y}" for y in shown), f"mean trade {last}, USD bn", "median year"]]
    for name, results in zip(comparison.scenarios, comparison.results, strict=True):
        baseline = name == comparison.baseline
        cells = [name + (" (baseline)" if baseline else "")]
        for y in shown:
            cell = _pct(results.p_reach_by_year.loc[y, "p"])
            if not baseline:
                d, lo, hi = comparison.difference(name, "p_reach_by_year", y)
                cell += f"  {100 * d:+.1f} [{100 * lo:+.1f}, {100 * hi:+.1f}]"
            cells.append(cell)
        cell = f"{results.annual_trade_usd_bn.loc[last, 'mean']:.1f}"
        if not baseline:
            d, lo, hi = comparison.difference(name, "mean_trade_usd_bn", last)
            cell += f"  {d:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        cells.append(cell)
        hit = results.hit_year.p50
        shift = None if baseline else comparison.median_hit_year_shift.get(name)
        cells.append(f"{hit if hit is not None else 'later'}" + (f" ({shift:+d})" if isinstance(shift, int) else ""))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"{len(comparison.scenarios)} scenarios on common random numbers: {comparison.n_paths:,} paths, seed {comparison.seed}",
        "Probability of reaching the target by the year, and mean annual trade; after each, the paired",
        "difference from the baseline (percentage points, USD bn) with its 95% interval.",
        "",
    ]
    for r in rows:
        lines.append("  " + r[0].ljust(widths[0]) + "".join("   " + c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)))
    return "\n".join(lines)


def sensitivity_table(study: Sensitivity) -> str:
    """The terminal summary of a sensitivity study."""
    d = study.data
    out = next(iter(d["sobol"]))
    lines = [
        f"{d['scenario']}: what drives P(target {d['target_usd_bn']:g} USD bn reached by {d['year']}) = {d['tornado']['p_base']:.1%}",
        "",
        "  Sobol indices (share of variance; 95% interval)",
    ]
    rows = sorted(d["sobol"][out].items(), key=lambda kv: -kv[1]["total"]["value"])
    width = max(len(g) for g, _ in rows) + 2
    lines.append(f"  {'input group':<{width}}{'first order':>24}{'total':>24}")
    for group, e in rows:
        f, t = e["first_order"], e["total"]
        lines.append(
            f"  {group:<{width}}{f['value']:>8.2f} [{f['ci95'][0]:+.2f}, {f['ci95'][1]:+.2f}]{t['value']:>8.2f} [{t['ci95'][0]:+.2f}, {t['ci95'][1]:+.2f}]"
        )
    lines += ["", "  Tornado: P(target) with each group at its inputs' 10th / 90th percentiles, points"]
    for bar in d["tornado"]["bars"]:
        lines.append(f"  {bar['group']:<{width}}{100 * bar['diff_low']:>+8.1f}{100 * bar['diff_high']:>+8.1f}")
    lines += ["", "  Where the target is missed (PRIM boxes):"]
    from ..plots.sensitivity import box_words

    lines += [f"  - {box_words(b, study.year)}" for b in study.discovery.boxes] or ["  (no box found)"]
    return "\n".join(lines)


def backtest_table(result: LawsBacktest) -> str:
    """Terminal table of several laws' scores: overall and by horizon (:meth:`~sim.calibration.LawsBacktest.table` ``"scores"``)."""
    lines = [
        f"{len(result.results[0].forecasts)} forecasts per law from the origins {', '.join(map(str, result.origins))} "
        "(the same origins and years for every law)",
        "",
        f"  {'law':<13}{'horizon':>8}{'n':>4}{'50% held':>10}{'90% held':>10}{'CRPS':>8}{'random walk':>13}",
    ]
    for r in result.results:
        for label, s in r.table("scores").iterrows():
            lines.append(
                f"  {r.law:<13}{label:>8}{int(s['n_forecasts']):>4}{s['coverage_50']:>10.0%}{s['coverage_90']:>10.0%}"
                f"{s['crps']:>8.2f}{s['crps_random_walk']:>13.2f}"
            )
    lines.append("  (CRPS: mean continuous ranked probability score, USD bn, lower is better; random walk: no-drift lognormal benchmark)")
    return "\n".join(lines)
