"""Fuzzing the data files: mutated copies of the shipped CSVs end cleanly, and exactly when they break the schema.

A copy of the reference scenario reads copies of the shipped history and partial-year files;
one of them is mutated (a field dropped or added, random text, NaN, infinity, negative or huge
numbers in a cell, a row repeated with or without a change, a row deleted, a header renamed,
a byte-order mark, CRLF or CR line endings, every field quoted, an empty file, random bytes
inserted, the file cut short), then ``coopsim validate`` runs on the scenario. The property:

* the command ends with exit status 0 or 2, never an exception, within the time limit;
* exit status 2 comes with a short message, every line naming the scenario (no traceback);
* the exit status is 0 exactly when the mutated file satisfies its schema as documented in
  docs/scenario-format.md, restated here independently (:func:`expected`): every row has the
  header's number of fields and values of its columns' types and ranges, no two rows share a
  key, and the observed row (if any) is a partial year below the base year's trade;
* when it is 0, the scenario's observation is the one the documented rule picks in the
  mutated file (the row of 2025 and reporter UZ, confirmed or derived, with the most months).

The context file is read by ``calibrate --context`` only: the same schema property is checked on
:func:`sim.calibration.context.load_context` directly.

Profiles: as tests/test_fuzz.py (``COOPSIM_FUZZ_PROFILE=ci``, the default, or ``fuzz``).
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import stated_reference_text
from hypothesis import given, note
from hypothesis import strategies as st
from test_fuzz import PROFILE, cli, judge_message

from sim.calibration.context import load_context
from sim.history import HistoryError
from sim.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
BASE_USD_BN = 12.4
"""The reference's ``trade.base_usd_bn``: the observed months of 2024 must hold less."""
OBSERVED_YEAR, REPORTER = 2025, "UZ"

# ---------------------------------------------------------------- the documented schema, restated


def _whole(low: int, high: int) -> Callable[[str], Any]:
    def parse(cell: str) -> int | None:
        t = cell.strip()
        digits = t[1:] if t[:1] in ("+", "-") else t
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
            return None
        return int(t) if low <= int(t) <= high else None

    return parse


def _number(above: float, at_most: float = float("inf")) -> Callable[[str], Any]:
    def parse(cell: str) -> float | None:
        t = cell.strip()
        if not t.isascii() or "_" in t or re.search(r"[a-df-zA-DF-Z]", t):  # no inf, nan, hex, 1_000
            return None
        try:
            value = float(t)
        except ValueError:
            return None
        return value if above < value <= at_most and value != float("inf") else None

    return parse


def _code(longest: int) -> Callable[[str], Any]:
    return lambda cell: cell if 0 < len(cell) <= longest and cell == cell.strip() and cell.isprintable() else None


def _status(cell: str) -> str | None:
    return cell if cell in ("confirmed", "derived", "uncertain", "claim") else None


def _text(cell: str) -> str | None:
    return cell if cell.strip() and all(c.isprintable() or c in "\n\r\t" for c in cell) else None


@dataclass(frozen=True)
class Spec:
    name: str
    columns: dict[str, Callable[[str], Any]]
    key: tuple[str, ...]
    rows_required: bool


YEAR, VALUE, REPORTER_CODE, SOURCE = _whole(1900, 2100), _number(0.0), _code(32), _text
HISTORY = Spec(
    "uz_cn_trade_history.csv",
    {"year": YEAR, "value_usd_bn": VALUE, "reporter": REPORTER_CODE, "status": _status, "source": SOURCE},
    ("year", "reporter", "status", "source"),
    True,
)
PARTIAL = Spec(
    "uz_cn_trade_partial_2025.csv",
    {
        "year": YEAR,
        "months": _whole(1, 12),
        "value_usd_bn": VALUE,
        "yoy_growth": _number(-1.0),
        "reporter": REPORTER_CODE,
        "status": _status,
        "source": SOURCE,
    },
    ("year", "months", "reporter", "status", "source"),
    False,
)
CONTEXT = Spec(
    "uz_trade_context.csv",
    {"year": YEAR, "series": _code(64), "value_usd_bn": VALUE, "reporter": REPORTER_CODE, "status": _status, "source": SOURCE},
    ("year", "series", "reporter", "status", "source"),
    True,
)


def rows_if_valid(data: bytes, spec: Spec) -> list[dict[str, Any]] | None:
    """The file's rows parsed, or None if it breaks the documented schema."""
    try:
        records = [r for r in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) if r]
    except (UnicodeDecodeError, csv.Error):
        return None
    if not records:
        return None
    header, body = records[0], records[1:]
    if len(set(header)) < len(header) or any(not h.strip() for h in header) or not set(spec.columns) <= set(header):
        return None
    rows, keys = [], set()
    for record in body:
        if len(record) != len(header):
            return None
        cells = dict(zip(header, record, strict=True))
        row = {name: parse(cells[name]) for name, parse in spec.columns.items()}
        if any(v is None for v in row.values()):
            return None
        if str(row.get("series", "")).endswith("_pct") and row["value_usd_bn"] > 100:
            return None
        key = tuple(row[k] for k in spec.key)
        if key in keys:
            return None
        keys.add(key)
        rows.append(row)
    if spec.rows_required and not rows:
        return None
    return rows


def expected(data: bytes, spec: Spec) -> tuple[bool, tuple[int, float, float] | None]:
    """Whether the scenario validates with this file, and the observation (months, value, growth) it then has."""
    rows = rows_if_valid(data, spec)
    if rows is None:
        return False, None
    if spec is HISTORY:
        return True, (7, 8.78, 0.23)  # the shipped observation file is untouched
    of_year = [r for r in rows if r["year"] == OBSERVED_YEAR]
    if any(r["reporter"] != REPORTER and r["reporter"].casefold() == REPORTER.casefold() for r in of_year):
        return False, None  # "uz" for "UZ" would be left out without a word
    best = None
    for r in of_year:
        if r["reporter"] == REPORTER and r["status"] in ("confirmed", "derived") and (best is None or r["months"] >= best["months"]):
            best = r
    if best is None:
        return True, None
    if best["months"] == 12 or best["value_usd_bn"] / (1 + best["yoy_growth"]) >= BASE_USD_BN:
        return False, None
    return True, (best["months"], best["value_usd_bn"], best["yoy_growth"])


# ---------------------------------------------------------------- mutations

SPECIAL_CELLS = [
    "", " ", "nan", "NaN", "inf", "-inf", "1e309", "-3", "0", "-0", "1e300", "1e-300", "12", "13", "7.0", " 7 ", "2_025",
    "\u0662\u0660\u0662\u0665", "2025", "1899", "2101", "-1", "-0.999", "UZ", "uz", " UZ", "CN", "claim", "confirmed",
    "Confirmed", "derived", "uncertain", "cn_share_pct", "101", "x" * 40, '"', "a,b", "line\nbreak", "\x00", "\r",
]  # fmt: skip


def cells(column_values: list[str]) -> st.SearchStrategy[str]:
    """A cell: a special value, random text, a random number, or a value of the same column elsewhere in the file."""
    return st.one_of(
        st.sampled_from(SPECIAL_CELLS),
        st.text(max_size=12),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.integers(-(10**6), 10**6).map(str),
        st.sampled_from(column_values),
    )


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """The original CSV with 1 to 3 row mutations, written back in a drawn style, then maybe a byte-level mutation."""
    records = list(csv.reader(io.StringIO(original.decode("utf-8"), newline="")))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(records) - 1))
        row = records[i]
        kind = draw(st.sampled_from(["drop", "add", "cell", "cell", "cell", "repeat-changed", "repeat", "delete"]))
        j = draw(st.integers(0, max(len(row) - 1, 0)))
        column = [r[j] for r in records[1:] if j < len(r)] or [""]
        if kind == "drop" and row:
            del row[j]
        elif kind == "add":
            row.insert(j, draw(cells(column)))
        elif kind == "cell" and row:
            row[j] = draw(cells(column))
        elif kind in ("repeat", "repeat-changed") and i > 0:
            copy = list(row)
            if kind == "repeat-changed" and copy:
                copy[j] = draw(cells(column))
            records.insert(draw(st.integers(1, len(records))), copy)
        elif kind == "delete" and i > 0:
            del records[i]
    out = io.StringIO(newline="")
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    csv.writer(out, quoting=quoting, lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"]))).writerows(records)
    data = out.getvalue().encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    damage = draw(st.sampled_from(["none"] * 6 + ["empty", "cut", "bytes"]))
    if damage == "empty":
        data = b""
    elif damage == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "bytes":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return data


# ---------------------------------------------------------------- the properties


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the reference scenario reading copies of the shipped data files (``../seeds/``)."""
    root = tmp_path_factory.mktemp("fuzz_data")
    (root / "scenarios").mkdir()
    shutil.copytree(SEEDS, root / "seeds", ignore=shutil.ignore_patterns("*.md"))
    path = root / "scenarios" / "uz_cn_2025.toml"
    path.write_text(stated_reference_text(), encoding="utf-8")  # the form that reads the history and partial-year files
    return path


def check_scenario_with(scenario: Path, spec: Spec, data: bytes) -> None:
    """The property for one mutated file read by the scenario (the other files as shipped)."""
    target = scenario.parents[1] / "seeds" / spec.name
    try:
        target.write_bytes(data)
        ok, observation = expected(data, spec)
        outcome = cli("validate", scenario)
        note(f"{spec.name} = {data[:3000]!r}\nexpected ok={ok}, observation={observation}\nexit {outcome.code}: {outcome.err[:2000]}")
        assert outcome.error is None, f"{type(outcome.error).__name__}: {outcome.error}"
        assert outcome.code in (0, 2)
        if outcome.code == 2:
            assert judge_message(scenario, outcome) == []
            assert not ok, f"rejected a file that satisfies the schema: {outcome.err}"
            return
        assert ok, "validated a file that breaks the schema"
        obs = load_scenario(scenario).observation
        assert (None if obs is None else (obs.months, obs.value_usd_bn, obs.yoy_growth)) == observation
    finally:
        shutil.copy(SEEDS / spec.name, target)


@PROFILE
@given(data=mutated((SEEDS / PARTIAL.name).read_bytes()))
def test_a_mutated_observation_file_validates_exactly_when_it_satisfies_the_schema(scenario: Path, data: bytes) -> None:
    check_scenario_with(scenario, PARTIAL, data)


@PROFILE
@given(data=mutated((SEEDS / HISTORY.name).read_bytes()))
def test_a_mutated_history_validates_exactly_when_it_satisfies_the_schema(scenario: Path, data: bytes) -> None:
    check_scenario_with(scenario, HISTORY, data)


@PROFILE
@given(data=mutated((SEEDS / CONTEXT.name).read_bytes()))
def test_a_mutated_context_file_reads_exactly_when_it_satisfies_the_schema(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz_context.csv"
    path.write_bytes(data)
    rows = rows_if_valid(data, CONTEXT)
    try:
        series = load_context(path, statuses=("confirmed", "derived", "uncertain", "claim"))
    except HistoryError as exc:
        assert rows is None, f"refused a file that satisfies the schema: {exc}"
        assert all(line.startswith(f"{path}: ") for line in str(exc).splitlines())
        return
    assert rows is not None, "read a file that breaks the schema"
    assert {(name, int(y)) for name, s in series.items() for y in s.years} == {(r["series"], r["year"]) for r in rows}
