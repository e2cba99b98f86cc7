"""Specification of the dated record of trade releases (``seeds/uz_cn_releases.csv``, :mod:`sim.releases`).

Every row is read through :func:`sim.history.read_data_file` with :data:`sim.releases.RELEASES_FILE`:
a figure cannot be published before the months it covers have ended, a date is strictly
``YYYY-MM-DD``, and the comparison with the same months a year before may be left empty.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from sim.history import Column, HistoryError, read_data_file
from sim.releases import FLOWS, RELEASES_FILE, SOURCE_KINDS, first_day_after, load_releases

SHIPPED = Path(__file__).resolve().parents[1] / "seeds" / "uz_cn_releases.csv"
HEADER = "year,months,partner,flow,value_usd_bn,same_months_year_before_usd_bn,reporter,status,published,source_kind,source\n"


def _write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "releases.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_shipped_releases_file_passes_its_schema_and_covers_2010_2011_2013_and_2015_to_2026() -> None:
    releases = load_releases(SHIPPED)
    assert {r.year for r in releases} == {2010, 2011, 2013} | set(range(2015, 2027))
    assert {r.flow for r in releases} <= set(FLOWS) and {r.source_kind for r in releases} <= set(SOURCE_KINDS)
    assert all(r.published >= first_day_after(r.year, r.months) for r in releases)


def test_the_shipped_releases_file_has_every_full_year_the_growth_laws_and_the_base_year_split_need() -> None:
    full_year = {(r.year, r.partner, r.flow, r.reporter) for r in load_releases(SHIPPED) if r.months == 12}
    for year in (2010, *range(2017, 2026)):
        assert {(year, "world", flow, "UZ") for flow in FLOWS} <= full_year, year
        assert (year, "CN", "turnover", "UZ") in full_year, year
    for year in (2010, 2017, 2020, 2022, 2023, 2024):
        assert {(year, "CN", "exports", "UZ"), (year, "CN", "imports", "UZ")} <= full_year, year


def test_the_shipped_releases_file_is_sorted_and_quotes_every_source_as_seeds_readme_says() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    flow = {f: i for i, f in enumerate(FLOWS)}
    order = [(int(r["year"]), int(r["months"]), r["partner"], flow[r["flow"]], r["reporter"], r["published"], r["source"]) for r in rows]
    assert order == sorted(order)
    assert all(line.split(",", 10)[10].startswith('"') for line in text.splitlines()[1:])


def test_a_row_published_before_its_months_ended_is_refused_naming_file_line_and_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '2019,6,CN,turnover,3.6,,UZ,confirmed,2019-07-01,statistics_release,"a"',
        '2019,6,CN,turnover,3.6,,UZ,confirmed,2019-06-30,statistics_release,"b"',
    )
    with pytest.raises(HistoryError) as caught:
        load_releases(path)
    assert str(caught.value) == (
        f"{path}: line 3: published: 2019-06-30 is before the end of January-6 2019: "
        "a figure for those months is published on 2019-07-01 or later"
    )


def test_a_full_year_figure_cannot_be_published_within_its_year(tmp_path: Path) -> None:
    path = _write(tmp_path, '2024,12,CN,turnover,12.4,,UZ,confirmed,2024-12-31,statistics_release,"a"')
    with pytest.raises(HistoryError, match="line 2: published: 2024-12-31 is before the end of January-12 2024"):
        load_releases(path)
    assert first_day_after(2024, 12) == dt.date(2025, 1, 1)


def test_an_empty_same_months_cell_is_accepted_as_none_but_a_blank_or_zero_one_is_refused(tmp_path: Path) -> None:
    [release] = load_releases(_write(tmp_path, '2024,10,CN,turnover,10.2,,UZ,confirmed,2024-11-23,statistics_release,"a"'))
    assert release.same_months_year_before_usd_bn is None and release.value_usd_bn == 10.2
    for cell in (" ", "0"):
        path = _write(tmp_path, f'2024,10,CN,turnover,10.2,{cell},UZ,confirmed,2024-11-23,statistics_release,"a"')
        with pytest.raises(HistoryError, match="line 2: same_months_year_before_usd_bn: must be empty or a finite number above 0"):
            load_releases(path)


def test_an_optional_column_allows_an_empty_cell_and_a_required_one_does_not() -> None:
    optional = Column("x", "number", 0.0, above=True, optional=True)
    assert optional.parse("") is None and optional.parse("1.5") == 1.5
    assert optional.allowed() == "empty or a finite number above 0"
    with pytest.raises(ValueError, match="^a finite number above 0$"):
        Column("x", "number", 0.0, above=True).parse("")


@pytest.mark.parametrize("cell", ["2019-7-01", "20190701", "2019-02-30", "01/07/2019", "2019-07-01 ", "1989-12-31", "2101-01-01", ""])
def test_a_malformed_or_out_of_range_date_is_refused(tmp_path: Path, cell: str) -> None:
    path = _write(tmp_path, f'2019,6,CN,turnover,3.6,,UZ,confirmed,{cell},statistics_release,"a"')
    with pytest.raises(HistoryError) as caught:
        load_releases(path)
    assert f"{path}: line 2: published: must be a date YYYY-MM-DD from 1990-01-01 to 2100-12-31 (got {cell!r})" == str(caught.value)


def test_the_loader_returns_the_releases_sorted_by_publication_date_with_typed_fields(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '2024,12,CN,turnover,12.4,13.7,UZ,confirmed,2025-01-21,statistics_release,"late"',
        '2019,4,world,turnover,12.5711,10.0852,UZ,confirmed,2019-05-23,statistics_release,"early"',
        '2024,12,CN,turnover,13.78,14.04,CN,confirmed,2025-01-21,customs_release,"same day, later line"',
    )
    releases = load_releases(path)
    assert [r.source for r in releases] == ["early", "late", "same day, later line"]
    first = releases[0]
    assert (first.year, first.months, first.partner, first.flow, first.published, first.line) == (
        2019,
        4,
        "world",
        "turnover",
        dt.date(2019, 5, 23),
        3,
    )
    with pytest.raises(AttributeError):
        first.value_usd_bn = 1.0  # type: ignore[misc]


def test_a_flow_or_source_kind_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, '2024,10,CN,balance,10.2,,UZ,confirmed,2024-11-23,forum,"a"')
    with pytest.raises(HistoryError) as caught:
        load_releases(path)
    message = str(caught.value)
    assert "line 2: flow: must be one of turnover, exports, imports (got 'balance')" in message
    assert "line 2: source_kind: must be one of " + ", ".join(SOURCE_KINDS) + " (got 'forum')" in message


def test_the_same_release_twice_is_refused_but_two_publication_dates_are_two_releases(tmp_path: Path) -> None:
    row = '2024,10,CN,turnover,10.2,,UZ,confirmed,{},statistics_release,"a"'
    assert len(read_data_file(_write(tmp_path, row.format("2024-11-23"), row.format("2024-12-01")), RELEASES_FILE)) == 2
    with pytest.raises(HistoryError, match="line 3: repeats line 2"):
        load_releases(_write(tmp_path, row.format("2024-11-23"), row.format("2024-11-23")))
