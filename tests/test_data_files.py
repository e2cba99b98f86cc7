"""Specification of the data files: every row of every CSV a scenario or a command reads is checked.

The history (``trade.history``), the partial-year observations (``trade.observed.file``) and the
trade context (``coopsim calibrate/backtest --context``) are read by :func:`sim.history.read_data_file`
against one schema per kind of file. A row is checked whether or not it is then used; a row that
cannot be read is an error naming the file, the line and the column, never a row skipped in silence.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import stated_reference_text

from sim.calibration.context import load_context
from sim.cli import main
from sim.history import HistoryError, load_history, load_partial_year
from sim.scenario import ScenarioError, load_scenario

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
HISTORY = "uz_cn_trade_history.csv"
PARTIAL = "uz_cn_trade_partial_2025.csv"
CONTEXT = "uz_trade_context.csv"
PARTIAL_HEADER = "year,months,value_usd_bn,yoy_growth,reporter,status,source\n"
SHIPPED_ROW = '2025,7,8.78,0.23,UZ,confirmed,"Uzbek Ministry"\n'
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A copy of the reference scenario in its stated form (reading the history and partial-year files) and its seeds; returns the scenario's path."""
    (tmp_path / "scenarios").mkdir()
    shutil.copytree(SEEDS, tmp_path / "seeds", ignore=shutil.ignore_patterns("*.md"))
    path = tmp_path / "scenarios" / "uz_cn_2025.toml"
    path.write_text(stated_reference_text(), encoding="utf-8")
    return path


def seed(scenario: Path, name: str) -> Path:
    return scenario.parents[1] / "seeds" / name


def validate(scenario: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``coopsim validate SCENARIO``: its exit status and its stderr (stdout must be empty on a rejection)."""
    code = main(["validate", str(scenario)])
    out, err = capsys.readouterr()
    if code != 0:
        assert out == "" and "Traceback" not in err
    return code, err


# ---------------------------------------------------------------- no row skipped in silence


def test_an_observation_row_cut_short_is_an_error_not_no_observation(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + "2025,7,8.78\n", encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2
    assert f"{ws}: trade.observed.file: ../seeds/{PARTIAL}: line 2: has 3 fields where the header has 7" in err


def test_a_row_with_a_field_too_many_is_an_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + "2025,7,8,78,0.23,UZ,confirmed,x\n", encoding="utf-8")  # a decimal comma
    code, err = validate(ws, capsys)
    assert code == 2 and "line 2: has 8 fields where the header has 7" in err


def test_an_empty_observation_file_is_an_error_and_a_header_alone_means_nothing_published_yet(
    ws: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(ws, PARTIAL).write_bytes(b"")
    code, err = validate(ws, capsys)
    assert code == 2 and f"trade.observed.file: ../seeds/{PARTIAL}: is empty: needs the header line {PARTIAL_HEADER.strip()}" in err
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER, encoding="utf-8")
    assert validate(ws, capsys)[0] == 0
    assert load_scenario(ws).observation is None


def test_an_empty_history_or_one_with_a_header_alone_is_an_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for text, message in [("", "is empty"), ("year,value_usd_bn,reporter,status,source\r\n", "has a header and no rows")]:
        seed(ws, HISTORY).write_text(text, encoding="utf-8")
        code, err = validate(ws, capsys)
        assert code == 2 and f"trade.history: ../seeds/{HISTORY}: {message}" in err


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024,15,3.0,0.1,UZ,confirmed,another year", "line 3: months: must be a whole number from 1 to 12 (got '15')"),
        ("2025,7,-3,0.1,CN,confirmed,another reporter", "line 3: value_usd_bn: must be a finite number above 0 (got '-3')"),
        ("2025,8,nan,0.1,UZ,claim,a claim", "line 3: value_usd_bn: must be a finite number above 0 (got 'nan')"),
        ("2025,8,9.9,inf,UZ,uncertain,x", "line 3: yoy_growth: must be a finite number above -1 (got 'inf')"),
        ("2025,8,9.9,-1,UZ,uncertain,x", "line 3: yoy_growth: must be a finite number above -1 (got '-1')"),
        ("2025,8,9.9,0.1,UZ,Confirmed,x", "line 3: status: must be one of confirmed, derived, uncertain, claim (got 'Confirmed')"),
        ("2025,8,9.9,0.1, UZ,confirmed,x", "line 3: reporter: must be a code of 1 to 32 printable characters without spaces around it"),
        ("2025,8,9.9,0.1,,confirmed,x", "line 3: reporter: must be a code"),
        ("2025,8,9.9,0.1,UZ,confirmed,", "line 3: source: must be text, not empty"),
        ("1066,8,9.9,0.1,UZ,confirmed,x", "line 3: year: must be a whole number from 1900 to 2100 (got '1066')"),
        ("2025,7.5,9.9,0.1,UZ,confirmed,x", "line 3: months: must be a whole number from 1 to 12 (got '7.5')"),
        ("2025,8,1_000,0.1,UZ,confirmed,x", "line 3: value_usd_bn: must be a finite number above 0 (got '1_000')"),
    ],
)
def test_every_row_of_the_observation_file_is_checked_even_one_no_reader_uses(
    ws: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + SHIPPED_ROW + row + "\n", encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2
    assert f"{ws}: trade.observed.file: ../seeds/{PARTIAL}: {message}" in err


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2030,-3,unclear,uncertain,x", "line 27: value_usd_bn: must be a finite number above 0 (got '-3')"),
        ("20x0,3,CN,confirmed,x", "line 27: year: must be a whole number from 1900 to 2100 (got '20x0')"),
        ("2030,3,CN,confrimed,x", "line 27: status: must be one of confirmed, derived, uncertain, claim (got 'confrimed')"),
    ],
)
def test_every_row_of_the_history_is_checked_for_validate_calibrate_and_backtest(
    ws: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    history = seed(ws, HISTORY)
    history.write_text(history.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2 and f"{ws}: trade.history: ../seeds/{HISTORY}: {message}" in err
    for command in (["calibrate", str(history)], ["backtest", str(history), "--paths", "50", "--out", str(tmp_path / "bt")]):
        assert main(command) == 2
        out, err = capsys.readouterr()
        assert f"{history}: {message}" in err and "Traceback" not in err
    assert not (tmp_path / "bt").exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "2024,cn_share_pct,118.9,UZ,confirmed,x",
            "line 75: value_usd_bn: the series cn_share_pct is a percentage: must be above 0 and at most 100",
        ),
        ("2024,gdp_nominal,115.0,UZ,unsure,x", "line 75: status: must be one of confirmed, derived, uncertain, claim (got 'unsure')"),
        ("2024,total_turnover,65.9,UZ", "line 75: has 4 fields where the header has 6"),
    ],
)
def test_every_row_of_the_context_is_checked(ws: Path, capsys: pytest.CaptureFixture[str], row: str, message: str) -> None:
    context = seed(ws, CONTEXT)
    context.write_text(context.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    assert main(["calibrate", str(seed(ws, HISTORY)), "--context", str(context)]) == 2
    assert f"{context}: {message}" in capsys.readouterr().err


def test_a_missing_column_is_named_with_the_columns_found(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = seed(ws, HISTORY)
    history.write_text(history.read_text(encoding="utf-8").replace("status", "Status", 1), encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2
    assert f"../seeds/{HISTORY}: line 1: no column status in the header (it has: year, value_usd_bn, reporter, Status, source)" in err


def test_a_row_of_the_observed_year_naming_the_reporter_in_other_letters_is_an_error(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + "2025,7,8.78,0.23,uz,confirmed,x\n", encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2 and "line 2: reporter: 'uz' is not 'UZ'; reporter codes are case-sensitive" in err


# ---------------------------------------------------------------- duplicates


def test_two_rows_with_the_same_key_and_different_values_contradict_each_other_while_two_sources_are_two_releases(
    tmp_path: Path,
) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text("year,value_usd_bn,reporter,status,source\n2024,12.4,UZ,confirmed,a\n2024,12.5,UZ,confirmed,b\n", encoding="utf-8")
    assert load_history(csv, "UZ") == [(2024, pytest.approx(12.45))]  # two releases, combined by their median
    csv.write_text("year,value_usd_bn,reporter,status,source\n2024,12.4,UZ,confirmed,a\n2024,12.6,UZ,confirmed,a\n", encoding="utf-8")
    with pytest.raises(
        HistoryError, match=r"line 3: contradicts line 2: same year, reporter, status, source but value_usd_bn 12.4 there, 12.6 here"
    ):
        load_history(csv, "UZ")


def test_a_row_repeated_exactly_is_an_error_as_it_would_count_twice_in_a_median(tmp_path: Path) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text(
        "year,value_usd_bn,reporter,status,source\n2024,12.4,UZ,confirmed,a\n2024,12.5,UZ,confirmed,b\n2024,12.4,UZ,confirmed,a\n",
        encoding="utf-8",
    )
    with pytest.raises(HistoryError, match=r"line 4: repeats line 2 \(same year, reporter, status, source and values\)"):
        load_history(csv, "UZ")


def test_partial_years_of_different_months_are_different_figures_but_the_same_months_twice_contradict(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    csv.write_text(PARTIAL_HEADER + "2025,7,8.78,0.23,UZ,confirmed,a\n2025,9,11.6,0.21,UZ,confirmed,a\n", encoding="utf-8")
    assert load_partial_year(csv, 2025, "UZ").months == 9
    csv.write_text(PARTIAL_HEADER + "2025,7,8.78,0.23,UZ,confirmed,a\n2025,7,8.78,0.25,UZ,confirmed,a\n", encoding="utf-8")
    with pytest.raises(
        HistoryError, match="line 3: contradicts line 2: same year, months, reporter, status, source but yoy_growth 0.23 there, 0.25 here"
    ):
        load_partial_year(csv, 2025, "UZ")


# ---------------------------------------------------------------- encodings, line endings, quotes


def test_a_byte_order_mark_and_windows_line_endings_are_read_as_the_same_file(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = load_scenario(ws)
    for name in (HISTORY, PARTIAL, CONTEXT):
        path = seed(ws, name)
        path.write_bytes(BOM + path.read_bytes().replace(b"\n", b"\r\n"))
    assert validate(ws, capsys)[0] == 0
    after = load_scenario(ws)
    assert after.observation == before.observation
    assert load_history(seed(ws, HISTORY), "UZ") == load_history(SEEDS / HISTORY, "UZ")
    assert load_context(seed(ws, CONTEXT)).keys() == load_context(SEEDS / CONTEXT).keys()


def test_a_file_that_is_not_utf8_names_the_byte(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = BOM + (PARTIAL_HEADER + "2025,7,8.78,0.23,UZ,confirmed,").encode()
    seed(ws, PARTIAL).write_bytes(start + "\u00e9t\u00e9\n".encode("latin-1"))  # the byte counted from the file's start
    code, err = validate(ws, capsys)
    assert code == 2 and f"../seeds/{PARTIAL}: is not UTF-8 text (byte {len(start)}); save it as CSV UTF-8" in err


def test_line_numbers_count_the_lines_of_a_source_quoted_over_several(tmp_path: Path) -> None:
    csv = tmp_path / "h.csv"
    csv.write_text('year,value_usd_bn,reporter,status,source\n2023,13.7,UZ,confirmed,"first line\nsecond line"\n2024,abc,UZ,confirmed,a\n')
    with pytest.raises(HistoryError, match=r"h.csv: line 4: value_usd_bn"):
        load_history(csv, "UZ")


# ---------------------------------------------------------------- every problem, one line each


def test_validate_lists_every_problem_of_a_data_file_one_line_each_up_to_a_cap(ws: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = ["2025,7,8.78,x,UZ,confirmed,a", "2025,13,8.78,0.2,UZ,confirmed,b", "2025,7"]
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + "\n".join(bad) + "\n", encoding="utf-8")
    code, err = validate(ws, capsys)
    assert code == 2
    lines = err.splitlines()
    assert [line.split(f"../seeds/{PARTIAL}: ")[1].split(":")[0] for line in lines] == ["line 2", "line 3", "line 4"]
    assert all(line.startswith(f"{ws}: trade.observed.file: ") for line in lines)
    seed(ws, PARTIAL).write_text(PARTIAL_HEADER + "".join(f"2025,{i % 12 + 1},x,0.1,UZ,claim,s{i}\n" for i in range(30)), encoding="utf-8")
    code, err = validate(ws, capsys)
    lines = err.splitlines()
    assert code == 2 and len(lines) == 9 and lines[-1] == f"{ws}: ... and 22 more problems"


def test_the_scenario_error_keeps_each_problem_under_the_scenario_key(ws: Path) -> None:
    seed(ws, HISTORY).write_text(
        "year,value_usd_bn,reporter,status,source\n2024,-1,UZ,confirmed,a\n2024,x,CN,confirmed,a\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(ws)
    assert [key for key, _ in info.value.problems] == ["trade.history", "trade.history"]
    assert [message.split(": ")[1] for _, message in info.value.problems] == ["line 2", "line 3"]


def test_a_data_file_changed_between_two_reads_is_read_again_and_its_rows_are_read_only(tmp_path: Path):
    # read_data_file keeps parsed rows by the file's bytes (studies read the same files for every variant)
    from sim.history import HISTORY_FILE, read_data_file

    path = tmp_path / "history.csv"
    header = "year,reporter,value_usd_bn,status,source\n"
    path.write_text(header + "2023,UZ,10.0,confirmed,a\n")
    first = read_data_file(path, HISTORY_FILE)
    assert [r["value_usd_bn"] for r in first] == [10.0]
    path.write_text(header + "2023,UZ,11.0,confirmed,a\n2024,UZ,12.0,confirmed,a\n")
    assert [r["value_usd_bn"] for r in read_data_file(path, HISTORY_FILE)] == [11.0, 12.0]
    with pytest.raises(TypeError):
        first[0].values["value_usd_bn"] = 99.0  # shared between reads: not to be changed by a caller
    first.clear()  # the list is the caller's own
    path.write_text(header + "2023,UZ,10.0,confirmed,a\n")
    assert [r["value_usd_bn"] for r in read_data_file(path, HISTORY_FILE)] == [10.0]


def test_a_scenario_tree_is_copied_whole_so_a_variant_never_changes_its_parent():
    from sim.scenario.loading import _copied

    tree = {"a": [{"b": 1.5, "c": [1, 2]}], "d": {"e": "x"}}
    copy = _copied(tree)
    assert copy == tree
    copy["a"][0]["c"].append(3)
    copy["d"]["e"] = "y"
    assert tree == {"a": [{"b": 1.5, "c": [1, 2]}], "d": {"e": "x"}}
    reference = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "uz_cn_2025.toml")
    variant = reference.replace({"trade.target_usd_bn": 21.0})
    assert reference.get("trade.target_usd_bn") == 20.0 and variant.get("trade.target_usd_bn") == 21.0
