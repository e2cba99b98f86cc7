"""Yearly series for the fits: reading one reporter's history, checking a series, and its log changes.

A series is two arrays of equal length: calendar years, strictly increasing
(missing years are gaps), and values (USD bn for trade, a fraction for a
share). Between two consecutive available years ``y_j < y_{j+1}`` (a gap of
``k = y_{j+1} - y_j`` years) the observation of a growth law is the ``k``-year
log change ``ln(V_{j+1} / V_j)`` (:class:`LogChanges`): gaps are used, not
dropped.

Where to make a change
----------------------
* How a history CSV is read: :mod:`sim.history` (shared with the scenario
  loader and the charts); which of its figures a fit uses: :func:`load_series`.
* The series of the trade context (total trade, the split): :mod:`sim.calibration.context`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from ..errors import UsageError
from ..history import STATISTICAL_STATUSES, load_history, main_reporter

__all__ = ["MIN_OBSERVATIONS", "LogChanges", "load_series", "check_years", "check_series", "log_changes"]

MIN_OBSERVATIONS = 5
"""Fewest log changes (pairs of consecutive available years) a fit accepts; for a share law, fewest transitions."""


def load_series(
    path: str | Path, reporter: str | None = None, since: int | None = None, statuses: tuple[str, ...] = STATISTICAL_STATUSES
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly values of one reporter from a history CSV.

    Parameters
    ----------
    path : str or Path
        CSV with ``year, value_usd_bn, reporter, status`` columns
        (``seeds/<pair>_trade_history.csv``).
    reporter : str, optional
        Reporter code to keep; default: the file's main reporter (:func:`sim.history.main_reporter`).
    since : int, optional
        First calendar year kept.
    statuses : tuple of str
        Statuses kept (default: confirmed and derived figures).

    Returns
    -------
    years : ndarray of int, shape (n,)
        Calendar years with a value, increasing; missing years are gaps.
    values : ndarray of float, shape (n,)
        USD bn; several figures for one year are combined by their median
        (:func:`sim.history.load_history`).
    """
    reporter = reporter if reporter is not None else main_reporter(path, statuses)
    rows = [(y, v) for y, v in load_history(path, reporter, statuses) if since is None or y >= since]
    years = np.array([y for y, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=float)
    return years, values


def check_years(years: ArrayLike, values: ArrayLike, what: str, duplicates_hint: str = "") -> tuple[np.ndarray, np.ndarray]:
    """``(years, values)`` as arrays, with whole, strictly increasing years.

    Parameters
    ----------
    years, values : array-like, shape (n,)
        Calendar years and one value each.
    what : str
        What the values are, for messages (``"values"``, ``"shares"``).
    duplicates_hint : str
        Appended to the message on years that do not increase.

    Returns
    -------
    years : ndarray of int64, shape (n,)
    values : ndarray of float, shape (n,)

    Raises
    ------
    UsageError
        Arrays not one-dimensional or of unequal length, years not whole or not strictly increasing.
    """
    y = np.asarray(years)
    v = np.asarray(values, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.size != v.size:
        raise UsageError(f"years and {what} must be one-dimensional and of equal length (got {y.shape} and {v.shape})")
    if y.size and not np.all(np.asarray(y, dtype=float) == np.round(np.asarray(y, dtype=float))):
        raise UsageError("years must be whole numbers")
    y = y.astype(np.int64)
    if np.any(np.diff(y) <= 0):
        raise UsageError(f"years must be strictly increasing{duplicates_hint}")
    return y, v


def check_series(years: ArrayLike, values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(years, values)`` of a trade series: whole increasing years, positive finite values (USD bn).

    Raises
    ------
    UsageError
        Malformed years (:func:`check_years`), or a value that is not finite and positive.
    """
    y, v = check_years(years, values, "values", " (combine duplicate figures first, e.g. with load_series)")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise UsageError("values must be finite and positive (USD bn)")
    return y, v


@dataclass(frozen=True)
class LogChanges:
    """Observed log changes of a series: ``d[j]`` log points over ``k[j]`` years (both shape (n,))."""

    d: np.ndarray
    k: np.ndarray

    @property
    def n(self) -> int:
        """Number of observed log changes."""
        return int(self.d.size)


def log_changes(years: np.ndarray, values: np.ndarray) -> LogChanges:
    """The log changes between consecutive available years of a checked series (:func:`check_series`)."""
    return LogChanges(d=np.diff(np.log(values)), k=np.diff(years))
