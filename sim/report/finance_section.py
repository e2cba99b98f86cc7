"""The finance of a run's report: what the projects asked of each lender, what was funded, what was given up, and the wait.

The numbers are ``summary.json``'s ``finance`` block (:attr:`sim.results.Results.finance`):
yearly means over paths, by lender and for all lenders together (a project
turning to a fallback lender counted once). Money is summed over the
simulated years up to the headline year (a sum of yearly means is the mean of
the sums, so this is the mean capex of those years together); waits cannot be
summed and are those of the requests funded in the headline year itself.
This module formats the numbers; :mod:`sim.report.pages` lays them out as the report's section.
"""

from __future__ import annotations

import math

from ..results import ALL_LENDERS, Results

__all__ = ["FINANCE_FIGURE_CAPTION", "finance_rows", "finance_table"]


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%" if math.isfinite(p) else "n/a"  # as sim.report.pages.pct, which imports this module


def _usd(x: float) -> str:
    return f"{x:,.2f}" if math.isfinite(x) else "n/a"


def _years(x: float) -> str:
    return f"{x:.2f}" if math.isfinite(x) else "n/a"


def finance_rows(results: Results, year: int) -> tuple[tuple[str, ...], ...]:
    """One row per lender (all lenders together first): capex requested, funded and withdrawn from the first simulated year to
    ``year`` (USD bn, means over paths), the share of the requested funded, and the mean and 90th-percentile wait in ``year``."""
    table = results.finance
    rows = []
    for lender in table.index.unique("lender"):
        one = table.xs(lender, level="lender")
        upto = one.loc[one.index <= year]
        requested, funded, withdrawn = (float(upto[c].sum()) for c in ("requested_usd_bn", "funded_usd_bn", "withdrawn_usd_bn"))
        share = _pct(funded / requested) if requested > 0 else "n/a"
        last = one.loc[year] if year in one.index else None
        waits = (_years(last.wait_mean_years), _years(last.wait_p90_years)) if last is not None else ("n/a", "n/a")
        rows.append((lender, _usd(requested), _usd(funded), _usd(withdrawn), share, *waits))
    return tuple(rows)


def finance_table(results: Results) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...], str] | None:
    """The report's finance table as (columns, rows, caption): one row per lender, all lenders together first; None for a run
    without finance statistics (an organic-only scenario, or a version without them)."""
    if not len(results.finance) or ALL_LENDERS not in results.finance.index.unique("lender"):
        return None
    year, first = results.headline_year, results.years[0]
    columns = (
        "lender",
        f"requested {first}\u2013{year}",
        f"funded {first}\u2013{year}",
        f"withdrawn {first}\u2013{year}",
        "share funded",
        f"mean wait {year}",
        f"90th-percentile wait {year}",
    )
    caption = (
        f"Capex, USD bn, mean over paths of the years {first} to {year} together; waits in years, of the requests funded in "
        f"{year}. A project turning to its lender's fallback counts once under {ALL_LENDERS}; a lender's wait runs from the request "
        "made to it, the overall wait from the project's first request."
    )
    return columns, finance_rows(results, year), caption


FINANCE_FIGURE_CAPTION = (
    "Capex requested, funded and withdrawn for good each year (all lenders together, mean over paths), and the mean and "
    "90th-percentile wait of the requests funded in the year."
)
"""The caption of the finance chart (``finance.svg``, :func:`sim.plots.finance_chart`) in the report."""
