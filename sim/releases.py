"""The dated record of trade releases (``seeds/<pair>_releases.csv``): each published cumulative
January–k figure, with the day it was first published and the kind of its source.

The file is read through :func:`sim.history.read_data_file` with the schema :data:`RELEASES_FILE`,
so every row is checked as every other data file's rows are. Nothing in a scenario reads it yet:
it is the ground for knowing what had been published on a given day (a forecast made then can
only have used those rows).

Where to make a change
----------------------
* A column, its range or the key: :data:`RELEASES_FILE`.
* A new kind of source: :data:`SOURCE_KINDS` (and its list in ``seeds/README.md``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .history import STATUSES, Column, FileSchema, read_data_file

__all__ = ["FLOWS", "RELEASES_FILE", "SOURCE_KINDS", "Release", "first_day_after", "load_releases"]

FLOWS = ("turnover", "exports", "imports")
"""The flows a release gives: both directions together, or the country's exports or imports."""
SOURCE_KINDS = ("statistics_release", "customs_release", "ministry_statement", "analysis", "news_report")
"""Where a figure comes from (``seeds/README.md`` says what each means): a statistics office's release,
the partner's customs, a ministry or government office's statement (a forum figure is one, not a
statistics release), a later analysis or compilation of published statistics, a news report that names
no release."""


def first_day_after(year: int, months: int) -> dt.date:
    """The first day after January–``months`` of ``year``: the earliest day a figure for them can be published."""
    return dt.date(year + 1, 1, 1) if months == 12 else dt.date(year, months + 1, 1)


def _published_after_the_months(row: dict[str, Any]) -> tuple[str, str] | None:
    """A figure cannot be published before the months it covers have ended."""
    earliest = first_day_after(row["year"], row["months"])
    if row["published"] < earliest:
        return "published", (
            f"{row['published']} is before the end of January-{row['months']} {row['year']}: "
            f"a figure for those months is published on {earliest} or later"
        )
    return None


RELEASES_FILE = FileSchema(
    "releases",
    (
        Column("year", "whole", 1900, 2100),
        Column("months", "whole", 1, 12),
        Column("partner", "code"),
        Column("flow", "choice", choices=FLOWS),
        Column("value_usd_bn", "number", 0.0, above=True),
        Column("same_months_year_before_usd_bn", "number", 0.0, above=True, optional=True),
        Column("reporter", "code"),
        Column("status", "choice", choices=STATUSES),
        Column("published", "date"),
        Column("source_kind", "choice", choices=SOURCE_KINDS),
        Column("source", "text"),
    ),
    key=("year", "months", "partner", "flow", "reporter", "published", "source"),
    check_row=_published_after_the_months,
)
"""``year,months,partner,flow,value_usd_bn,same_months_year_before_usd_bn,reporter,status,published,source_kind,source``:
one published cumulative January–``months`` figure a row (``months`` 12 is the full year)."""


@dataclass(frozen=True)
class Release:
    """One published figure: the flow with ``partner`` (``CN``, or ``world`` for all partners) over January–``months`` of ``year``.

    ``same_months_year_before_usd_bn`` is None where the release gives no comparison; ``line`` is the
    row's first line in its file.
    """

    year: int
    months: int
    partner: str
    flow: str
    value_usd_bn: float
    same_months_year_before_usd_bn: float | None
    reporter: str
    status: str
    published: dt.date
    source_kind: str
    source: str
    line: int


def load_releases(path: str | Path) -> list[Release]:
    """Every release of a releases file, sorted by publication date (rows published the same day in file order).

    Raises
    ------
    HistoryError
        The file or one of its rows breaks :data:`RELEASES_FILE` (:func:`sim.history.read_data_file`),
        a row published before its months ended included.
    """
    releases = [Release(**row.values, line=row.line) for row in read_data_file(path, RELEASES_FILE)]
    return sorted(releases, key=lambda r: r.published)
