"""The tables of a :class:`~sim.results.Results`: one shape each, built from the run's arrays or read from ``summary.json``.

Every table is a DataFrame indexed by integer year (finance: by year and lender).
The run layer builds them from its accumulated arrays (:func:`probability_table`,
:func:`quantile_table`, :func:`finance_table`); :meth:`Results.from_json
<sim.results.Results.from_json>` reads them from ``summary.json``'s mappings
(years as strings, ``None`` for a non-finite number) through the same builders,
and the ``*_json`` writers give those mappings back, so both ways meet in one shape.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALL_LENDERS",
    "FINANCE_STATISTICS",
    "QUANTILE_COLUMNS",
    "finance_json",
    "finance_table",
    "number",
    "probability_frame",
    "probability_json",
    "probability_table",
    "quantile_frame",
    "quantile_table",
    "records_json",
]

QUANTILE_COLUMNS = ("mean", "p5", "p25", "p50", "p75", "p95")
"""Columns of a yearly quantity's table: the mean over paths and its percentiles."""
FINANCE_STATISTICS = ("requested_usd_bn", "funded_usd_bn", "withdrawn_usd_bn", "wait_mean_years", "wait_p90_years")
"""Columns of :attr:`Results.finance`: mean capex requested, funded and withdrawn (USD bn), mean and 90th-percentile wait (years)."""
ALL_LENDERS = "all lenders"
"""The ``lender`` of :attr:`Results.finance` rows for all lenders together (a project counted once)."""


def number(value: Any) -> float:
    """A float, with ``None`` (a non-finite number in JSON) as NaN."""
    return math.nan if value is None else float(value)


def _years(years: Sequence[int]) -> pd.Index:
    return pd.Index([int(y) for y in years], name="year")


# -- built from arrays (the run) -------------------------------------------------------------
def probability_table(years: Sequence[int], p: Sequence[float], low: Sequence[float], high: Sequence[float]) -> pd.DataFrame:
    """Probabilities by year with their 95% intervals: columns ``p``, ``ci95_low``, ``ci95_high``, indexed by integer year."""
    data = np.column_stack([np.asarray(p, dtype=float), np.asarray(low, dtype=float), np.asarray(high, dtype=float)])
    return pd.DataFrame(data.reshape(len(years), 3), index=_years(years), columns=["p", "ci95_low", "ci95_high"], dtype=float)


def quantile_table(years: Sequence[int], values: np.ndarray) -> pd.DataFrame:
    """A yearly quantity's mean and percentiles, ``values`` of shape ``(n_years, 6)`` in :data:`QUANTILE_COLUMNS` order."""
    return pd.DataFrame(
        np.asarray(values, dtype=float).reshape(len(years), len(QUANTILE_COLUMNS)),
        index=_years(years),
        columns=list(QUANTILE_COLUMNS),
        dtype=float,
    )


def finance_table(rows: Sequence[tuple[int, str, Sequence[float]]]) -> pd.DataFrame:
    """Finance by ``(year, lender)`` from ``(year, lender, values)`` rows, values in :data:`FINANCE_STATISTICS` order."""
    index = pd.MultiIndex.from_tuples([(int(y), lender) for y, lender, _ in rows], names=["year", "lender"])
    data = [[float(v) for v in values] for _, _, values in rows]
    return pd.DataFrame(data, index=index, columns=list(FINANCE_STATISTICS), dtype=float)


# -- read from summary.json -------------------------------------------------------------------
def probability_frame(table: Mapping[str, Any], years: Sequence[int]) -> pd.DataFrame:
    """``{year: {"p", "ci95": [low, high]}}`` as a DataFrame indexed by integer year: ``p``, ``ci95_low``, ``ci95_high``.

    A missing year, probability or interval bound is NaN.
    """
    entries = [table.get(str(y)) or {} for y in years]
    cis = [e.get("ci95") or (None, None) for e in entries]
    return probability_table(years, [number(e.get("p")) for e in entries], [number(c[0]) for c in cis], [number(c[1]) for c in cis])


def quantile_frame(table: Mapping[str, Any], years: Sequence[int]) -> pd.DataFrame:
    """``{year: {"mean", "p5" ... "p95"}}`` as a DataFrame indexed by integer year (USD bn, or a share); NaN where missing."""
    return quantile_table(years, np.array([[number((table.get(str(y)) or {}).get(k)) for k in QUANTILE_COLUMNS] for y in years]))


def finance_frame(table: Mapping[str, Any], years: Sequence[int]) -> pd.DataFrame:
    """``summary.json``'s ``finance`` as a DataFrame indexed by (integer year, lender), :data:`ALL_LENDERS` first; empty if absent."""
    rows = []
    for y in years:
        entry = table.get(str(y))
        if not entry:
            continue
        for lender, values in ((ALL_LENDERS, entry), *(entry.get("by_lender") or {}).items()):
            rows.append((y, lender, [number(values.get(k)) for k in FINANCE_STATISTICS]))
    return finance_table(rows)


# -- written to summary.json ------------------------------------------------------------------
def probability_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A :func:`probability_table` as ``{year: {"p", "ci95": [low, high]}}``."""
    return {str(y): {"p": r.p, "ci95": [r.ci95_low, r.ci95_high]} for y, r in zip(frame.index, frame.itertuples(), strict=True)}


def records_json(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """A table indexed by year as ``{year: {column: value}}``."""
    return {str(y): dict(zip(frame.columns, row, strict=True)) for y, row in zip(frame.index, frame.itertuples(index=False), strict=True)}


def finance_json(frame: pd.DataFrame) -> dict[str, Any]:
    """A :func:`finance_table` as ``{year: {statistic: value, "by_lender": {lender: {statistic: value}}}}``."""
    out: dict[str, Any] = {}
    for (year, lender), row in frame.iterrows():
        values = {k: row[k] for k in FINANCE_STATISTICS}
        if lender == ALL_LENDERS:
            out[str(year)] = {**values, "by_lender": {}}
        else:
            out[str(year)]["by_lender"][lender] = values
    return out
