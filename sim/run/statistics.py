"""Statistics of many paths, accumulated chunk by chunk in constant memory.

* Probabilities are exact counts with 95% Wilson score intervals.
* Means are exact sums (chunks are added in path order, so the floating-point
  sums are the same for any executor).
* Quantiles of annual turnover come from a :class:`QuantileSketch`: a histogram
  on a logarithmic grid whose cells are 0.01% wide, so a reported quantile is
  within 0.01% (relative) of the exact sample quantile, and memory does not
  grow with the number of paths. Exports, imports, the balance (on a mirrored
  grid for negative values) and the country's total trade use cells 0.1% wide.
* Finance (:class:`FinanceStatistics`): capex requested, funded and withdrawn
  by year and lender are exact sums; the wait of the requests funded in a year
  is an exact mean and a 90th percentile read from the paths' wait histograms
  (bins of :func:`sim.engine.model.wait_bins`, a quarter of a year wide up to
  four years), interpolated by rank inside its bin.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..engine import COMPONENTS, DIRECTIONS, TradePaths, at_or_above
from ..engine.model import wait_bins
from ..results import ALL_LENDERS, HitYear, LawOutcome
from ..results.frames import finance_table, probability_table, quantile_table

__all__ = [
    "MIN_PATHS_FOR_PRECISION",
    "QUANTILES",
    "Aggregator",
    "FinanceStatistics",
    "QuantileSketch",
    "histogram_quantile",
    "wilson_half_width",
    "wilson_interval",
]

QUANTILES = (5, 25, 50, 75, 95)
"""Percentiles of annual trade reported for every year."""

Z95 = 1.959963984540054
MIN_PATHS_FOR_PRECISION = 2_000
"""Fewest paths before a precision target may stop a run (guards against stopping on a lucky start)."""


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int or ndarray
        Number of paths with the outcome.
    n : int
        Number of paths.
    z : float
        Normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : ndarrays of the same shape as ``successes``.
    """
    x = np.asarray(successes, dtype=float)
    p = x / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # exact ends where no path (or every path) has the outcome, free of rounding
    low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def wilson_half_width(successes: np.ndarray | int, n: int) -> np.ndarray:
    """Half the width of the 95% Wilson interval."""
    lo, hi = wilson_interval(successes, n)
    return (hi - lo) / 2.0


class QuantileSketch:
    """Quantiles of many values per year from a fine logarithmic histogram.

    Cells of magnitude span ``[low, high)`` with edges ``low * (1 + step)**i``;
    a magnitude below ``low`` falls in a central cell, one above ``high`` in an
    overflow cell, and the exact minimum and maximum are kept. With
    ``signed=True`` negative values get mirrored cells (for a trade balance);
    otherwise every value below ``low``, negative or not, shares the lowest
    cell. A quantile is interpolated linearly by rank inside its cell, so it lies
    within ``step`` (relative) of the exact sample quantile (numpy's default
    linear rule) whenever it falls inside the grid.

    Parameters
    ----------
    n_years : int
        Number of simulated years (one histogram each).
    low, high : float
        Smallest and largest magnitude on the grid (USD bn, or a share).
    step : float
        Relative width of a cell.
    signed : bool
        Mirror the grid for negative values.
    """

    LOW = 1e-2
    HIGH = 1e6
    STEP = 1e-4
    BLOCK = 512
    """Cells a flag of :attr:`touched` covers."""

    def __init__(self, n_years: int, low: float = LOW, high: float = HIGH, step: float = STEP, signed: bool = False):
        self.low_edge, self.step, self.signed = low, step, signed
        self.cells = int(math.ceil(math.log(high / low) / math.log1p(step)))
        self.centre = self.cells + 1 if signed else 0  # index of the cell of magnitudes below ``low``
        width = 2 * (self.cells + 1) + 1 if signed else self.cells + 2
        self.counts = np.zeros((n_years, width), dtype=np.int64)
        # which blocks of BLOCK cells hold a value: a quantile reads those alone, not the whole grid (hundreds of
        # thousands of cells a year, mostly empty: scanning them all cost a small run more than its paths)
        self.touched = np.zeros((n_years, -(-width // self.BLOCK)), dtype=bool)
        self.low = np.full(n_years, math.inf)
        self.high = np.full(n_years, -math.inf)

    def add(self, values: np.ndarray) -> None:
        """Add values of shape ``(m, n_years)``."""
        if values.size == 0:
            return
        n_years, width = self.counts.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.log(np.abs(values) / self.low_edge) / math.log1p(self.step)
        magnitude = np.where(np.abs(values) > 0, np.clip(np.floor(pos) + 1, 0, self.cells + 1), 0).astype(np.int64)
        if self.signed:
            cell = self.centre + np.where(values < 0, -magnitude, magnitude)
        else:
            cell = np.where(values > 0, magnitude, 0)
        flat = (cell + np.arange(n_years)[None, :] * width).ravel()
        np.add.at(self.counts.reshape(-1), flat, 1)
        self.touched.reshape(-1)[(cell // self.BLOCK + np.arange(n_years)[None, :] * self.touched.shape[1]).ravel()] = True
        self.low = np.minimum(self.low, values.min(axis=0))
        self.high = np.maximum(self.high, values.max(axis=0))

    def _edge(self, i: int) -> float:
        return self.low_edge * math.exp(i * math.log1p(self.step))

    def _bounds(self, k: int) -> tuple[float, float]:
        """Value range of cell ``k`` (infinite beyond the grid: clipped to the extremes by the caller)."""
        m = k - self.centre
        if m == 0:
            return (-self.low_edge if self.signed else -math.inf), self.low_edge
        if m > 0:
            return self._edge(m - 1), (self._edge(m) if m <= self.cells else math.inf)
        return (-self._edge(-m) if -m <= self.cells else -math.inf), -self._edge(-m - 1)

    def _order_statistic(self, ends: tuple[float, float], cells: list[int], cum: list[int], j: int) -> float:
        """The ``j``-th smallest value (0-based), placed evenly inside its cell; exact at the ends.

        ``ends`` are the year's smallest and largest values, ``cells`` its cells that hold values (ascending) and
        ``cum`` their running count: the cells in between are empty, so the cell is the first whose running count
        passes ``j``. (Python numbers: a few hundred calls a run, each a handful of operations.)
        """
        low, high = ends
        if j <= 0:
            return low
        if j >= cum[-1] - 1:
            return high
        i = bisect.bisect_right(cum, j)
        before = cum[i - 1] if i else 0
        a, b = self._bounds(cells[i])
        lo, hi = max(a, low), min(b, high)
        count = cum[i] - before
        return float(lo + (j - before + 0.5) / count * (hi - lo))

    def quantiles(self, qs: Sequence[float]) -> np.ndarray:
        """The ``q``-quantile (0..1) of each year by numpy's linear rule for each of ``qs``, shape ``(len(qs), n_years)``.

        Each year's cells that hold values are found once for every ``q``, in the blocks :attr:`touched` flags
        (a run of a few thousand paths fills a few thousand of the grid's hundreds of thousands of cells).
        """
        out = np.empty((len(qs), self.counts.shape[0]))
        width = self.counts.shape[1]
        for year, counts in enumerate(self.counts):
            near = (np.flatnonzero(self.touched[year])[:, None] * self.BLOCK + np.arange(self.BLOCK)).ravel()
            near = near[near < width]
            found = near[np.flatnonzero(counts[near])]
            cells = found.tolist()
            cum = np.cumsum(counts[found]).tolist() if cells else [0]  # a year without values: its ends (inf, -inf)
            ends = (float(self.low[year]), float(self.high[year]))
            for row, q in enumerate(qs):
                rank = q * (cum[-1] - 1)
                j = int(math.floor(rank))
                below = self._order_statistic(ends, cells, cum, j)
                above = self._order_statistic(ends, cells, cum, j + 1) if rank > j else below
                out[row, year] = below + (rank - j) * (above - below)
        return out

    def quantile(self, q: float) -> np.ndarray:
        """The ``q``-quantile (0..1) of each year by numpy's linear rule, shape ``(n_years,)``."""
        return self.quantiles([q])[0]


class _Series:
    """Sum and quantile sketch of one yearly quantity over paths (mean and percentiles in the summary)."""

    def __init__(self, n_years: int, **sketch: Any):
        self.total = np.zeros(n_years)
        self.sketch = QuantileSketch(n_years, **sketch)

    def add(self, values: np.ndarray) -> None:
        self.total += values.sum(axis=0)
        self.sketch.add(values)

    def table(self, years: Sequence[int], paths: int) -> pd.DataFrame:
        """Mean and percentiles by year (:func:`sim.results.frames.quantile_table`)."""
        mean = self.total / paths
        q = self.sketch.quantiles([p / 100 for p in QUANTILES])
        return quantile_table(years, np.column_stack([mean, q.T]))


def histogram_quantile(counts: np.ndarray, edges: np.ndarray, q: float) -> np.ndarray:
    """The ``q``-quantile (0..1) of values counted in bins, interpolated by rank inside the bin it falls in.

    Parameters
    ----------
    counts : ndarray, shape (..., n_bins)
        How many values fall in each bin: the first holds values of exactly ``edges[0]``, bin ``i`` those in
        ``(edges[i - 1], edges[i]]``.
    edges : ndarray, shape (n_bins,)
        Upper edges of the bins.
    q : float

    Returns
    -------
    ndarray, shape (...)
        NaN where there are no values.
    """
    cum = np.cumsum(counts, axis=-1)
    total = cum[..., -1]
    rank = q * total
    k = np.minimum((cum < rank[..., None]).sum(axis=-1), edges.size - 1)  # the bin where the cumulative count reaches the rank
    before = np.take_along_axis(cum, k[..., None], axis=-1)[..., 0] - np.take_along_axis(counts, k[..., None], axis=-1)[..., 0]
    inside = np.take_along_axis(counts, k[..., None], axis=-1)[..., 0]
    low = np.where(k > 0, edges[np.maximum(k - 1, 0)], edges[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        value = low + (edges[k] - low) * np.clip((rank - before) / inside, 0.0, 1.0)
    return np.where(total > 0, value, np.nan)


class FinanceStatistics:
    """Finance of many paths by year and lender, summed as chunks arrive.

    Parameters
    ----------
    n_years : int
    """

    WAIT_QUANTILE = 0.9

    def __init__(self, n_years: int):
        self.edges = wait_bins(n_years)
        self.amounts: np.ndarray | None = None  # (n_years, slots, 4), summed over paths
        self.waits: np.ndarray | None = None  # (n_years, slots, n_bins), summed over paths

    def add(self, finance: np.ndarray, wait_counts: np.ndarray) -> None:
        """Add a chunk's ``finance`` ``(paths, n_years, slots, 4)`` and ``wait_counts`` ``(paths, n_years, slots, n_bins)``."""
        amounts, waits = finance.sum(axis=0), wait_counts.sum(axis=0, dtype=np.int64)
        if self.amounts is None:
            self.amounts, self.waits = amounts, waits
        else:
            self.amounts += amounts
            self.waits += waits

    def table(self, years: Sequence[int], paths: int, lenders: Sequence[str] = ()) -> pd.DataFrame:
        """Finance by ``(year, lender)`` (:attr:`sim.results.Results.finance`): all lenders first in each year, then each lender.

        Amounts are means over paths (USD bn); waits (years) are over the requests funded in the year, of
        every path: at a lender, from the request there; overall, from the project's first request.
        ``lenders`` names the lender slots (their index where it does not). Empty before any chunk.
        """
        if self.amounts is None or self.waits is None:
            return finance_table([])
        count = self.waits.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_wait = np.where(count > 0, self.amounts[..., 3] / count, np.nan)
        p90 = histogram_quantile(self.waits, self.edges, self.WAIT_QUANTILE)
        amounts = self.amounts[..., :3] / paths
        slots = amounts.shape[1]
        names = [lenders[i] if i < len(lenders) else str(i) for i in range(slots - 1)]
        # the last slot is all lenders together (a project counted once), listed first as summary.json does
        order = [(slots - 1, ALL_LENDERS), *enumerate(names)]
        rows = [(y, name, (*amounts[k, slot], mean_wait[k, slot], p90[k, slot])) for k, y in enumerate(years) for slot, name in order]
        return finance_table(rows)


FLOW_STEP = 1e-3
"""Relative accuracy of the reported percentiles of exports, imports, the balance and the country's total trade."""


class Aggregator:
    """Accumulates the statistics of paths as chunks arrive, in path order.

    Parameters
    ----------
    years : list of int
        Simulated calendar years.
    target_usd_bn : float
        The trade target.
    target_flow : {"turnover", "exports", "imports"}
        The flow the target is on.
    laws : sequence of (name, kind, weight)
        The scenario's candidate organic laws (:attr:`sim.scenario.Scenario.laws`), in order; empty without a mixture.
    """

    def __init__(self, years: list[int], target_usd_bn: float, target_flow: str = "turnover", laws: Sequence[tuple[str, str, float]] = ()):
        n = len(years)
        self.laws = list(laws)
        self.law_first_hit = np.zeros((len(self.laws), n + 1), dtype=np.int64)
        self.years = years
        self.target_usd_bn = target_usd_bn
        self.target_flow = target_flow
        self.paths = 0
        self.first_hit = np.zeros(n + 1, dtype=np.int64)  # last slot: never by the horizon
        self.above = np.zeros(n, dtype=np.int64)
        self.component_sum = np.zeros((n, len(COMPONENTS), len(DIRECTIONS)))
        self.turnover = _Series(n)
        self.flows = {
            "exports": _Series(n, step=FLOW_STEP),
            "imports": _Series(n, step=FLOW_STEP),
            "balance": _Series(n, step=FLOW_STEP, signed=True),
        }
        self.economy: dict[str, _Series] | None = None  # the country's total trade and the partner's share (structural law)
        self.finance = FinanceStatistics(n)

    def add(self, chunk: TradePaths) -> None:
        """Add a chunk of paths."""
        turnover = chunk.turnover
        reached = at_or_above(chunk.flow(self.target_flow), self.target_usd_bn)
        hit = np.where(reached.any(axis=1), reached.argmax(axis=1), len(self.years))
        self.first_hit += np.bincount(hit, minlength=len(self.years) + 1)
        for k in range(len(self.laws)):
            self.law_first_hit[k] += np.bincount(hit[chunk.law == k], minlength=len(self.years) + 1)
        self.above += reached.sum(axis=0)
        self.component_sum += chunk.trade.sum(axis=0)
        self.turnover.add(turnover)
        exports, imports = chunk.flow("exports"), chunk.flow("imports")
        self.flows["exports"].add(exports)
        self.flows["imports"].add(imports)
        self.flows["balance"].add(exports - imports)
        if not np.isnan(chunk.country_total).all():
            if self.economy is None:
                n = len(self.years)
                self.economy = {
                    "country_total": _Series(n, step=FLOW_STEP),
                    "partner_share": _Series(n, low=1e-6, high=2.0, step=FLOW_STEP),
                }
            self.economy["country_total"].add(chunk.country_total)
            self.economy["partner_share"].add(chunk.partner_share)
        self.finance.add(chunk.finance, chunk.wait_counts)
        self.paths += chunk.trade.shape[0]

    def reach_counts(self) -> np.ndarray:
        """Paths that reached the target by each year, shape ``(n_years,)``."""
        return np.cumsum(self.first_hit[:-1])

    def precision_met(self, half_width: float) -> bool:
        """True once every ``p_reach_by_year`` has a 95% half-width at most ``half_width``."""
        if self.paths < MIN_PATHS_FOR_PRECISION:
            return False
        return bool(np.all(wilson_half_width(self.reach_counts(), self.paths) <= half_width))

    def summary(self, lenders: Sequence[str] = ()) -> dict[str, Any]:
        """The statistics of the paths so far, as the keywords of :class:`sim.results.Results` they fill.

        ``p_reach_by_year``, ``p_above_in_year`` (with 95% Wilson intervals), ``hit_year``, ``hit_year_share``,
        ``annual_trade_usd_bn``, ``flows``, ``components_mean_usd_bn``, ``components_by_direction_mean_usd_bn``,
        ``finance`` (``lenders`` names the financiers) and ``by_law``: typed, every table indexed by integer year.
        """
        n = self.paths
        years = self.years
        index = pd.Index(years, name="year")
        reach = self.reach_counts()
        comp = self.component_sum / n
        share = self.first_hit / n
        flows = {name: series.table(years, n) for name, series in self.flows.items()}
        if self.economy is not None:
            flows.update({name: series.table(years, n) for name, series in self.economy.items()})
        columns = pd.MultiIndex.from_tuples([(d, c) for d in DIRECTIONS for c in COMPONENTS], names=["direction", "component"])
        return {
            "p_reach_by_year": probability_table(years, reach / n, *wilson_interval(reach, n)),
            "p_above_in_year": probability_table(years, self.above / n, *wilson_interval(self.above, n)),
            "hit_year": _hit_year(years, share),
            "hit_year_share": pd.Series(share[:-1], index=index, name="share", dtype=float),
            "annual_trade_usd_bn": self.turnover.table(years, n),
            "flows": flows,
            # summed over the two directions one component at a time, as summary.json has always given it
            "components_mean_usd_bn": pd.DataFrame(
                [[comp[k, i].sum() for i in range(len(COMPONENTS))] for k in range(len(years))],
                index=index,
                columns=list(COMPONENTS),
                dtype=float,
            ),
            "components_by_direction_mean_usd_bn": pd.DataFrame(
                comp.transpose(0, 2, 1).reshape(len(years), -1), index=index, columns=columns, dtype=float
            ),
            "finance": self.finance.table(years, n, lenders),
            "by_law": self.by_law(),
        }

    def by_law(self) -> dict[str, LawOutcome]:
        """Each law's kind, weight, paths and probability of the target by each year (Wilson 95% intervals), from its own paths.

        NaN for a law without paths; empty without a mixture. The spread across laws is
        :meth:`sim.results.Results.law_spread`.
        """
        n_years = len(self.years)
        laws: dict[str, LawOutcome] = {}
        for (name, kind, weight), first in zip(self.laws, self.law_first_hit, strict=True):
            m = int(first.sum())
            reach = np.cumsum(first[:-1])
            if m:
                p, (lo, hi) = reach / m, wilson_interval(reach, m)
            else:
                p = lo = hi = np.full(n_years, np.nan)
            laws[name] = LawOutcome(kind, float(weight), m, probability_table(self.years, p, lo, hi))
        return laws


def _hit_year(years: Sequence[int], share: np.ndarray) -> HitYear:
    """First years by which 10%, 50% and 90% of paths have reached the target (None if not by the horizon), and the share never."""
    cum = np.cumsum(share[:-1])
    found: list[int | None] = []
    for q in (10, 50, 90):
        k = int(np.searchsorted(cum, q / 100 - 1e-12, side="left"))
        found.append(years[k] if k < len(years) else None)
    return HitYear(*found, float(share[-1]))
