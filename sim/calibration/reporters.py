"""The gap between two reporters' figures for the same trade, fitted from history.

Two countries' statistics of the same bilateral trade differ: valuation (CIF
imports against FOB exports), goods in transit, the timing of records and
what counts as trade (temporary imports of construction equipment). coopsim
models the gap as a yearly log ratio::

    g(y) = ln(other reporter's figure / scenario reporter's figure)
         = mu + sd * e(y),    e(y) independent standard normal

with ``mu`` and ``sd`` drawn once per path from their estimation uncertainty.
:func:`fit_reporter_gap` estimates them from the years both reporters cover;
:meth:`ReporterGapFit.block` writes the ``[trade.reporter_gap]`` table a
scenario includes, so a scenario simulated in one reporter's statistics can
target the other's figure (``trade.target_reporter``).

Where to make a change
----------------------
* The estimates or the block: here. The simulation draws the gap of each path
  in :mod:`sim.engine.sampling`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..history import STATISTICAL_STATUSES, HistoryError, load_history
from .blocks import lognormal_as_pert, significant, significant_table, toml_block, year_ranges

__all__ = ["ReporterGapFit", "fit_reporter_gap", "gap_from_values"]

MIN_COMMON_YEARS = 3
"""Fewest years both reporters must cover for a gap to be fitted."""

GAP_SD_CAP = 1.0
"""Largest year-to-year sd of the log ratio the schema accepts."""


@dataclass(frozen=True)
class ReporterGapFit:
    """Estimated gap between two reporters' figures.

    Attributes
    ----------
    reporter, other : str
        The scenario's reporter and the other reporter; the gap is ln(other / reporter).
    years : tuple of int
        Years both reporters cover.
    log_ratios : tuple of float
        ln(other / reporter) in each of those years.
    mean, mean_se : float
        Mean log ratio and its standard error (``sd / sqrt(n)``).
    sd, log_sd_se : float
        Year-to-year standard deviation (``ddof=1``) and the standard error of
        its logarithm (``1 / sqrt(2 (n - 1))``, the normal-theory value).
    source : str
        Where the figures came from (for the block's comments).
    """

    reporter: str
    other: str
    years: tuple[int, ...]
    log_ratios: tuple[float, ...]
    mean: float
    mean_se: float
    sd: float
    log_sd_se: float
    source: str = field(default="")

    @property
    def n(self) -> int:
        """Number of years both reporters cover."""
        return len(self.years)

    def gap_law(self) -> dict[str, Any]:
        """The ``[trade.reporter_gap]`` table as a dict (``mean`` normal; ``sd`` a lognormal-shaped PERT, or 0)."""
        sd: Any = 0.0
        if self.sd > 0:
            sd = significant_table(lognormal_as_pert(self.sd, self.log_sd_se, cap=GAP_SD_CAP))
        mean: Any = (
            {"dist": "normal", "mean": significant(self.mean), "sd": significant(self.mean_se)}
            if self.mean_se > 0
            else significant(self.mean)
        )
        return {"reporter": self.other, "mean": mean, "sd": sd}

    def block(self) -> str:
        """A TOML ``[trade.reporter_gap]`` block, with comments naming the source, years and estimates."""
        pairs = ", ".join(f"{y}: {r:+.3f}" for y, r in zip(self.years, self.log_ratios, strict=True))
        lines = [
            f"# Gap between {self.other}'s and {self.reporter}'s figures fitted by sim.calibration.fit_reporter_gap.",
            f"# Source: {self.source}." if self.source else "# Source: figures given directly.",
            f"# ln({self.other} / {self.reporter}) in the {self.n} years both report ({year_ranges(self.years)}): {pairs}.",
            f"# Estimates (standard error): mean {self.mean:.4f} ({self.mean_se:.4f}), year-to-year sd {self.sd:.4f}"
            f" (log-sd {self.log_sd_se:.3f}).",
            "# mean: normal(estimate, standard error); sd: lognormal(median = estimate) as a PERT. Drawn once per path;",
            f'# add `target_reporter = "{self.other}"` to [trade] to measure the target in {self.other}\'s figures.',
        ]
        return toml_block(lines, "trade.reporter_gap", self.gap_law())

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the estimates and the data behind them."""
        return {
            "reporter": self.reporter,
            "other": self.other,
            "years": list(self.years),
            "log_ratios": list(self.log_ratios),
            "mean": self.mean,
            "mean_se": self.mean_se,
            "sd": self.sd,
            "log_sd_se": self.log_sd_se,
            "source": self.source,
        }


def gap_from_values(
    years: Sequence[int], reporter_values: Sequence[float], other_values: Sequence[float], reporter: str, other: str, source: str = ""
) -> ReporterGapFit:
    """Fit the gap from paired yearly figures.

    Parameters
    ----------
    years : sequence of int, shape (n,)
        Years both reporters cover (n >= 3).
    reporter_values, other_values : sequences of float, shape (n,)
        The two reporters' figures for those years, USD bn, > 0.
    reporter, other : str
        Reporter codes.
    source : str
        Free text for the block's comments.

    Returns
    -------
    ReporterGapFit
    """
    y = np.asarray(years, dtype=int)
    a = np.asarray(reporter_values, dtype=float)
    b = np.asarray(other_values, dtype=float)
    if not (y.shape == a.shape == b.shape) or y.ndim != 1:
        raise ValueError("years and both reporters' values need the same length")
    if y.size < MIN_COMMON_YEARS:
        raise ValueError(f"the gap between {reporter} and {other} needs at least {MIN_COMMON_YEARS} years both report (got {y.size})")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(a > 0) and np.all(b > 0)):
        raise ValueError("reporters' values must be finite and positive")
    r = np.log(b / a)
    n = r.size
    sd = float(np.std(r, ddof=1))
    return ReporterGapFit(
        reporter=reporter,
        other=other,
        years=tuple(int(v) for v in y),
        log_ratios=tuple(float(v) for v in r),
        mean=float(r.mean()),
        mean_se=sd / math.sqrt(n),
        sd=sd,
        log_sd_se=1.0 / math.sqrt(2.0 * (n - 1)),
        source=source,
    )


def fit_reporter_gap(
    path: str | Path, reporter: str, other: str, since: int | None = None, statuses: tuple[str, ...] = STATISTICAL_STATUSES
) -> ReporterGapFit:
    """Fit ln(other / reporter) from a history CSV, on the years both report.

    Years where only one reporter has a figure are skipped; several figures of
    one reporter for one year are combined by their median (as in
    :func:`sim.history.load_history`); claims and uncertain figures are left
    out.

    Parameters
    ----------
    path : str or Path
        History CSV (``year, value_usd_bn, reporter, status`` columns).
    reporter, other : str
        The scenario's reporter and the other one.
    since : int, optional
        First year used.
    statuses : tuple of str
        Statuses treated as statistics.

    Raises
    ------
    HistoryError
        Fewer than :data:`MIN_COMMON_YEARS` years with both reporters' figures.
    """
    if reporter == other:
        raise HistoryError(f"{path}: the reporter gap needs two different reporters (got {reporter} twice)")
    mine = dict(load_history(path, reporter, statuses))
    theirs = dict(load_history(path, other, statuses))
    common = sorted(y for y in mine.keys() & theirs.keys() if since is None or y >= since)
    if len(common) < MIN_COMMON_YEARS:
        raise HistoryError(
            f"{path}: only {len(common)} years with both a {reporter} and a {other} figure; the gap needs at least {MIN_COMMON_YEARS}"
        )
    source = f"{path}, {other} vs {reporter}, confirmed/derived figures (duplicates by median)" + (f", since {since}" if since else "")
    return gap_from_values(common, [mine[y] for y in common], [theirs[y] for y in common], reporter, other, source)
