"""Reading the data files a scenario or a command reads: the yearly history
(``seeds/<pair>_trade_history.csv``), partial years (``seeds/<pair>_trade_partial_<year>.csv``)
and the trade context (``seeds/<country>_trade_context.csv``, read by :mod:`sim.calibration.context`).

Every row of every data file is checked against the schema of its kind of file
(:data:`HISTORY_FILE`, :data:`PARTIAL_YEAR_FILE`, :data:`CONTEXT_FILE`) when the
file is read, whether or not the row is then used: a reader never skips a row it
cannot read. :func:`read_data_file` is the one place the rules live; every
reader goes through it.

Where to make a change
----------------------
* A column, its type or its range, or the key of a kind of file: its :class:`FileSchema` here.
* A new kind of data file: a new :class:`FileSchema` here, read with :func:`read_data_file`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import median
from types import MappingProxyType
from typing import Any

from .errors import InputError, UnknownName, clip, one_line, quote

__all__ = [
    "CONTEXT_FILE",
    "DATE_RANGE",
    "HISTORY_FILE",
    "PARTIAL_YEAR_FILE",
    "STATISTICAL_STATUSES",
    "STATUSES",
    "Column",
    "DataRow",
    "FileSchema",
    "HistoryError",
    "PartialYear",
    "load_history",
    "load_partial_year",
    "main_reporter",
    "other_reporters",
    "read_data_file",
]

STATUSES = ("confirmed", "derived", "uncertain", "claim")
"""Every status a figure may have (``seeds/README.md``)."""
STATISTICAL_STATUSES = ("confirmed", "derived")
"""Statuses of figures treated as statistics (claims and uncertain figures are left out)."""
MAX_PROBLEMS_LISTED = 8
"""Problems of one file listed in a message; the rest are counted (the scenario loader lists as many)."""


class HistoryError(InputError, ValueError):
    """A data file that cannot be used, with the file and every problem found in it.

    Parameters
    ----------
    message : str
        The whole message (when ``problems`` is empty).
    path : str or Path, optional
        The data file.
    problems : sequence of str
        One line each, without the file (``"line 5: value_usd_bn: must be ..."``);
        the message lists the first :data:`MAX_PROBLEMS_LISTED`, each after the file.
    """

    def __init__(self, message: str = "", *, path: str | Path | None = None, problems: Sequence[str] = ()):
        self.path = path
        self.problems = list(problems)
        if self.problems:
            lines = [f"{path}: {one_line(p)}" for p in self.problems[:MAX_PROBLEMS_LISTED]]
            if len(self.problems) > MAX_PROBLEMS_LISTED:
                lines.append(f"{path}: ... and {len(self.problems) - MAX_PROBLEMS_LISTED} more problems")
            message = "\n".join(lines)
        super().__init__(message)


# ---------------------------------------------------------------- the schemas

# ASCII digits only: Python's int() and float() would also read other scripts' digits and "1_000"
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_RANGE = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))
"""First and last date a ``"date"`` column allows (a publication date of these statistics)."""


def _names(header: list[str]) -> str:
    """The header's column names for a message, clipped at 100 characters."""
    return clip(",".join(header), 100)


@dataclass(frozen=True)
class Column:
    """One column of a data file: its name, its type and the values allowed.

    Attributes
    ----------
    name : str
        The header's name for it.
    kind : str
        ``"whole"`` (a whole number), ``"number"`` (a finite decimal number),
        ``"code"`` (short text compared exactly: no spaces around it, printable),
        ``"choice"`` (one of ``choices``), ``"date"`` (an ISO date ``YYYY-MM-DD`` within
        :data:`DATE_RANGE`) or ``"text"`` (free text, not empty).
    low, high : float
        Range of a whole number or a number (``high`` included).
    above : bool
        True if the number must be strictly above ``low`` (else ``low`` is allowed).
    choices : tuple of str
        The values of a ``"choice"`` column.
    max_length : int
        Longest ``"code"``, in characters.
    optional : bool
        True if the cell may be empty (its value is then None); a cell of spaces is not empty.
    """

    name: str
    kind: str
    low: float = -math.inf
    high: float = math.inf
    above: bool = False
    choices: tuple[str, ...] = ()
    max_length: int = 32
    optional: bool = False

    def allowed(self) -> str:
        """What the column allows, in words (the end of a message ``"must be ..."``)."""
        if self.optional:
            return f"empty or {replace(self, optional=False).allowed()}"
        if self.kind in ("whole", "number"):
            what = "a whole number" if self.kind == "whole" else "a finite number"
            if self.high < math.inf:
                return f"{what} from {self.low:g} to {self.high:g}"
            return f"{what} {'above' if self.above else 'at least'} {self.low:g}"
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "code":
            return f"a code of 1 to {self.max_length} printable characters without spaces around it"
        if self.kind == "date":
            return f"a date YYYY-MM-DD from {DATE_RANGE[0]} to {DATE_RANGE[1]}"
        return "text, not empty, without control characters (line breaks and tabs allowed)"

    def parse(self, cell: str) -> int | float | str | dt.date | None:
        """The cell's value (None for an empty optional cell); a ValueError saying what is allowed if it is not one (its reader makes it a HistoryError)."""
        if self.optional and cell == "":
            return None
        if self.kind in ("whole", "number"):
            text = cell.strip()  # spaces around a number change nothing
            if not (_WHOLE if self.kind == "whole" else _NUMBER).fullmatch(text):
                raise ValueError(self.allowed())
            if self.kind == "whole" and len(text) > 30:  # far outside every range; int() refuses more than 4300 digits
                raise ValueError(self.allowed())
            value: int | float = int(text) if self.kind == "whole" else float(text)
            low_ok = value > self.low if self.above else value >= self.low
            if not (math.isfinite(value) and low_ok and value <= self.high):
                raise ValueError(self.allowed())
            return value
        if self.kind == "date":
            try:  # the pattern first: fromisoformat would also take "20190701" and "2019-W27-1"
                day = dt.date.fromisoformat(cell) if _DATE.fullmatch(cell) else None
            except ValueError:
                day = None  # "2019-02-30"
            if day is None or not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
                raise ValueError(self.allowed())
            return day
        if self.kind == "choice":
            if cell not in self.choices:
                raise ValueError(self.allowed())
            return cell
        if self.kind == "code":
            if not (0 < len(cell) <= self.max_length and cell == cell.strip() and cell.isprintable()):
                raise ValueError(self.allowed())
            return cell
        if not cell.strip() or any(not c.isprintable() and c not in "\n\r\t" for c in cell):
            raise ValueError(self.allowed())
        return cell


@dataclass(frozen=True)
class FileSchema:
    """One kind of data file: its columns, the columns that identify a figure, and whether it may have no rows.

    Attributes
    ----------
    name : str
        The kind of file, in words (``"history"``).
    columns : tuple of Column
        The columns it needs (others are allowed and ignored).
    key : tuple of str
        The columns that identify one published figure. Two rows with the same
        key are an error: with different values they contradict each other, with
        the same values the figure would be counted twice in a median.
    rows_required : bool
        False if a header with no rows is a valid file (nothing published yet).
    check_row : callable, optional
        A rule across the columns of one parsed row: a problem ``(column, message)`` or None.
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rows_required: bool = True
    check_row: Callable[[dict[str, Any]], tuple[str, str] | None] | None = field(default=None, compare=False)

    @property
    def header(self) -> str:
        """The column names, comma-separated."""
        return ",".join(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called ``name`` (an :class:`~sim.errors.UnknownName`, a KeyError, if the file kind has none)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise UnknownName(f"no column {name!r}; the columns are {', '.join(c.name for c in self.columns)}")


_YEAR = Column("year", "whole", 1900, 2100)
_VALUE = Column("value_usd_bn", "number", 0.0, above=True)
_REPORTER = Column("reporter", "code")
_STATUS = Column("status", "choice", choices=STATUSES)
_SOURCE = Column("source", "text")


def _percent_at_most_100(row: dict[str, Any]) -> tuple[str, str] | None:
    """A series named ``..._pct`` holds a percentage (``<partner>_share_pct``): at most 100."""
    if str(row["series"]).endswith("_pct") and row["value_usd_bn"] > 100:
        return "value_usd_bn", f"the series {row['series']} is a percentage: must be above 0 and at most 100 (got {row['value_usd_bn']:g})"
    return None


HISTORY_FILE = FileSchema("history", (_YEAR, _VALUE, _REPORTER, _STATUS, _SOURCE), key=("year", "reporter", "status", "source"))
"""``year,value_usd_bn,reporter,status,source``: one published yearly figure a row."""
PARTIAL_YEAR_FILE = FileSchema(
    "partial-year",
    (_YEAR, Column("months", "whole", 1, 12), _VALUE, Column("yoy_growth", "number", -1.0, above=True), _REPORTER, _STATUS, _SOURCE),
    key=("year", "months", "reporter", "status", "source"),
    rows_required=False,
)
"""``year,months,value_usd_bn,yoy_growth,reporter,status,source``: one published figure of the first months of a year a row.
A header with no rows is valid: nothing published yet."""
CONTEXT_FILE = FileSchema(
    "context",
    (_YEAR, Column("series", "code", max_length=64), _VALUE, _REPORTER, _STATUS, _SOURCE),
    key=("year", "series", "reporter", "status", "source"),
    check_row=_percent_at_most_100,
)
"""``year,series,value_usd_bn,reporter,status,source``: one published figure of one series a row
(a series named ``..._pct`` holds a percentage, not USD bn)."""


# ---------------------------------------------------------------- reading


PARSED_FILES = 32
"""Data files whose parsed rows are kept (:func:`read_data_file`): a scenario reads four or five."""


@dataclass(frozen=True)
class DataRow:
    """One row of a data file that satisfies its schema: its first line and its values (parsed: ints, floats, strings; read-only)."""

    line: int
    values: Mapping[str, Any]

    def __getitem__(self, column: str) -> Any:
        return self.values[column]


def read_data_file(path: str | Path, schema: FileSchema) -> list[DataRow]:
    """Every row of a data file, each checked against ``schema``, in file order.

    The file is UTF-8 text, with or without a byte-order mark (spreadsheet
    programs' "CSV UTF-8"), with any line endings; blank lines are skipped.
    The header names the columns (in any order; columns the schema does not
    know are ignored).

    Raises
    ------
    HistoryError
        With every problem found (``problems``), each naming the line and the
        column: the file cannot be read or is empty, a column is missing or
        named twice, a row has more or fewer fields than the header, a value is
        not of its column's type or range, or two rows have the same key.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise HistoryError(path=p, problems=[f"cannot be read ({exc.strerror or exc.__class__.__name__})"]) from None
    return list(_parsed(p, data, schema))


@functools.lru_cache(maxsize=PARSED_FILES)
def _parsed(p: Path, data: bytes, schema: FileSchema) -> tuple[DataRow, ...]:
    """The rows of a data file's bytes (:func:`read_data_file`), kept for the same file, bytes and schema: a study that
    builds hundreds of variants of a scenario reads its files each time, and parsing them was a third of its work.
    Keyed by the bytes, so a file changed on disk is parsed again; the rows are immutable, so sharing them is safe."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0  # spreadsheets' "CSV UTF-8" starts with one
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HistoryError(path=p, problems=[f"is not UTF-8 text (byte {bom + exc.start}); save it as CSV UTF-8"]) from None
    problems: list[str] = []
    header: list[str] | None = None
    rows: list[DataRow] = []
    seen: dict[tuple[Any, ...], DataRow] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    try:
        for fields in reader:
            line, last = last + 1, reader.line_num
            if not fields:
                continue  # a blank line
            if header is None:
                header = fields
                problems += _header_problems(header, line, schema)
                if problems:
                    break
                continue
            row = _row(fields, header, line, schema, problems)
            if row is None:
                continue
            key = tuple(row[c] for c in schema.key)
            if key in seen:
                problems.append(_duplicate(row, seen[key], schema))
                continue
            seen[key] = row
            rows.append(row)
    except csv.Error as exc:
        problems.append(f"line {last + 1}: not readable as CSV ({exc})")
    if header is None and not problems:
        problems.append(f"is empty: needs the header line {schema.header} and one row per figure")
    elif not rows and not problems and schema.rows_required:
        problems.append(f"has a header and no rows: a {schema.name} file needs one row per figure")
    if problems:
        raise HistoryError(path=p, problems=problems)
    return tuple(rows)


def _header_problems(header: list[str], line: int, schema: FileSchema) -> list[str]:
    """What is wrong with the header line: a column the schema needs missing, a name empty or twice."""
    problems = []
    missing = [c.name for c in schema.columns if c.name not in header]
    if missing:
        found = _names(header).replace(",", ", ")
        problems.append(
            f"line {line}: no column {', '.join(missing)} in the header (it has: {found}); a {schema.name} file needs {schema.header}"
        )
    twice = sorted(name for name, n in Counter(header).items() if n > 1)
    if twice:
        problems.append(f"line {line}: the column {', '.join(quote(h, 40) for h in twice[:5])} is named twice in the header")
    if any(not h.strip() for h in header):
        problems.append(f"line {line}: column {[h.strip() for h in header].index('') + 1} of the header has no name")
    return problems


def _row(fields: list[str], header: list[str], line: int, schema: FileSchema, problems: list[str]) -> DataRow | None:
    """One row parsed against the schema; its problems appended (and None) if it has any."""
    if len(fields) != len(header):
        problems.append(
            f"line {line}: has {len(fields)} fields where the header has {len(header)} ({_names(header)}); "
            "a field is missing or one too many (text with a comma goes in double quotes)"
        )
        return None
    cells = dict(zip(header, fields, strict=True))
    values: dict[str, Any] = {}
    bad = False
    for column in schema.columns:
        try:
            values[column.name] = column.parse(cells[column.name])
        except ValueError as exc:
            problems.append(f"line {line}: {column.name}: must be {exc} (got {quote(cells[column.name], 40)})")
            bad = True
    if bad:
        return None
    if schema.check_row is not None:
        problem = schema.check_row(values)
        if problem is not None:
            problems.append(f"line {line}: {problem[0]}: {problem[1]}")
            return None
    return DataRow(line, MappingProxyType(values))


def _duplicate(row: DataRow, first: DataRow, schema: FileSchema) -> str:
    """The problem of a row with the key of an earlier one: a contradiction, or a figure counted twice."""
    key = ", ".join(schema.key)
    differ = [c.name for c in schema.columns if c.name not in schema.key and row[c.name] != first[c.name]]
    if not differ:
        return f"line {row.line}: repeats line {first.line} (same {key} and values): the figure would be counted twice; delete one"
    what = "; ".join(f"{c} {first[c]!r} there, {row[c]!r} here" for c in differ)
    return f"line {row.line}: contradicts line {first.line}: same {key} but {what}; give each release its own source"


# ---------------------------------------------------------------- the readers


def load_history(path: str | Path, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> list[tuple[int, float]]:
    """Yearly values of one reporter, USD bn, sorted by year.

    Parameters
    ----------
    path : str or Path
        A history file (:data:`HISTORY_FILE`); every row is checked, kept or not.
    reporter : str
        Reporter code to keep (``UZ``, ``CN``).
    statuses : tuple of str
        Statuses to keep. Several values for one year (two releases of the same
        statistics) are combined by their median.

    Raises
    ------
    HistoryError
        The file or one of its rows breaks the schema (:func:`read_data_file`).
    """
    by_year: dict[int, list[float]] = {}
    for row in read_data_file(path, HISTORY_FILE):
        if row["reporter"] == reporter and row["status"] in statuses:
            by_year.setdefault(row["year"], []).append(row["value_usd_bn"])
    return [(y, median(v)) for y, v in sorted(by_year.items())]


def main_reporter(path: str | Path, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> str:
    """The reporter with statistical figures in the most years of a history file: the one a command fits when none is named.

    A file of one pair holds the country's own statistics for most years and the partner's for some; a tie
    (or a file with no statistical figures) cannot say which is meant, and is a HistoryError asking for one.
    """
    years: dict[str, set[int]] = {}
    for row in read_data_file(path, HISTORY_FILE):
        if row["status"] in statuses:
            years.setdefault(row["reporter"], set()).add(row["year"])
    ranked = sorted(years.items(), key=lambda item: (-len(item[1]), item[0]))
    if not ranked:
        raise HistoryError(f"{path}: no confirmed or derived figures of any reporter")
    if len(ranked) > 1 and len(ranked[0][1]) == len(ranked[1][1]):
        tied = ", ".join(r for r, y in ranked if len(y) == len(ranked[0][1]))
        raise HistoryError(f"{path}: reporters {tied} have figures in as many years each; name one with --reporter")
    return ranked[0][0]


def other_reporters(path: str | Path, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES) -> list[str]:
    """Reporters other than ``reporter`` with statistical figures in a history file, sorted."""
    return sorted({row["reporter"] for row in read_data_file(path, HISTORY_FILE) if row["status"] in statuses} - {reporter})


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
        A partial-year file (:data:`PARTIAL_YEAR_FILE`); every row is checked, used or not.
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
        figure is adding a row. None if there is no such row (nothing published
        for that year yet, or a header with no rows).

    Raises
    ------
    HistoryError
        The file or one of its rows breaks the schema, or a row of ``year`` names
        the reporter in other letter case (``uz`` for ``UZ``: it would be left out
        without a word).
    """
    p = Path(path)
    best: PartialYear | None = None
    for row in read_data_file(p, PARTIAL_YEAR_FILE):
        if row["year"] != year:
            continue
        if row["reporter"] != reporter and row["reporter"].casefold() == reporter.casefold():
            raise HistoryError(
                path=p, problems=[f"line {row.line}: reporter: {row['reporter']!r} is not {reporter!r}; reporter codes are case-sensitive"]
            )
        if row["reporter"] != reporter or row["status"] not in statuses:
            continue
        found = PartialYear(year, row["months"], row["value_usd_bn"], row["yoy_growth"], row.line)
        if best is None or found.months >= best.months:
            best = found
    return best
