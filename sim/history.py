"""Reading observed trade: the yearly history (``seeds/uz_cn_trade_history.csv``) and partial years
(``seeds/uz_cn_trade_partial_2025.csv``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from .errors import InputError

__all__ = ["STATISTICAL_STATUSES", "load_history", "load_partial_year", "other_reporters", "read_rows", "HistoryError", "PartialYear"]

STATISTICAL_STATUSES = ("confirmed", "derived")
"""Statuses of figures treated as statistics (claims and uncertain figures are left out)."""


class HistoryError(InputError, ValueError):
    """A history file that cannot be read, with the file and the reason."""


def load_history(path: str | Path, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> list[tuple[int, float]]:
    """Yearly values of one reporter, USD bn, sorted by year.

    Parameters
    ----------
    path : str or Path
        CSV with at least the columns ``year``, ``value_usd_bn``, ``reporter``, ``status``.
    reporter : str
        Reporter code to keep (``UZ``, ``CN``).
    statuses : tuple of str
        Statuses to keep. Several values for one year (two releases of the same
        statistics) are combined by their median.
    """
    p = Path(path)
    rows = read_rows(p)
    by_year: dict[int, list[float]] = {}
    for line, row in enumerate(rows, start=2):
        try:
            if row["reporter"] != reporter or row["status"] not in statuses:
                continue
            by_year.setdefault(int(row["year"]), []).append(float(row["value_usd_bn"]))
        except (KeyError, TypeError, ValueError):
            raise HistoryError(
                f"{p}: line {line}: needs year, value_usd_bn, reporter and status columns with a whole year and a number"
            ) from None
    return [(y, median(v)) for y, v in sorted(by_year.items())]


def other_reporters(path: str | Path, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> list[str]:
    """Reporters other than ``reporter`` with statistical figures in a history CSV, sorted."""
    return sorted({row.get("reporter") or "" for row in read_rows(Path(path)) if row.get("status") in statuses} - {reporter, ""})


def read_rows(p: Path) -> list[dict[str, str]]:
    """The CSV's rows as dicts; a file that cannot be read is a :class:`HistoryError` naming it."""
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{p}: cannot be read ({exc})") from None


@dataclass(frozen=True)
class PartialYear:
    """One row of a partial-year file: turnover over the first ``months`` of ``year`` and its growth over the same months a year before."""

    year: int
    months: int
    value_usd_bn: float
    yoy_growth: float
    line: int


def load_partial_year(path: str | Path, year: int, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> PartialYear | None:
    """The partial-year figure of ``year`` to condition a forecast on, or None if the file has none.

    Parameters
    ----------
    path : str or Path
        CSV with the columns ``year, months, value_usd_bn, yoy_growth, reporter, status``.
    year : int
        The partly observed year (a scenario's first simulated year).
    reporter : str
        Only this reporter's rows are used (another reporter's figure is a different statistic).
    statuses : tuple of str
        Statuses kept.

    Returns
    -------
    PartialYear or None
        Among the rows of ``year`` and ``reporter``, the one with the most months
        (the latest publication); ties go to the later line. Publishing a new
        figure is adding a row.
    """
    p = Path(path)
    best: PartialYear | None = None
    for line, row in enumerate(read_rows(p), start=2):
        try:
            if int(row["year"]) != year or row["reporter"] != reporter or row["status"] not in statuses:
                continue
            found = PartialYear(year, int(row["months"]), float(row["value_usd_bn"]), float(row["yoy_growth"]), line)
        except (KeyError, TypeError, ValueError):
            raise HistoryError(
                f"{p}: line {line}: needs year, months, value_usd_bn, yoy_growth, reporter and status columns, "
                "with whole numbers for year and months and numbers for the value and the growth"
            ) from None
        if best is None or found.months >= best.months:
            best = found
    return best
