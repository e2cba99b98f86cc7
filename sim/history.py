"""Reading the observed trade history (``seeds/uz_cn_trade_history.csv`` and alike)."""

from __future__ import annotations

import csv
from pathlib import Path
from statistics import median

__all__ = ["load_history", "other_reporters", "HistoryError"]

STATISTICAL_STATUSES = ("confirmed", "derived")
"""Statuses of figures treated as statistics (claims and uncertain figures are left out)."""


class HistoryError(ValueError):
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
    rows = _rows(p)
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
    return sorted({row.get("reporter") or "" for row in _rows(Path(path)) if row.get("status") in statuses} - {reporter, ""})


def _rows(p: Path) -> list[dict[str, str]]:
    """The CSV's rows as dicts; a file that cannot be read is a :class:`HistoryError` naming it."""
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{p}: cannot be read ({exc})") from None
