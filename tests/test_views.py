"""Specification of views as of a date (:mod:`sim.scenario.view`): what a scenario with ``trade.releases`` takes
from the dated record ``seeds/uz_cn_releases.csv`` as it stood on ``trade.as_of``, and that nothing published
after that day changes it (no look-ahead)."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import REFERENCE, ROOT, organic_only, stated_reference_text
from scipy import special

from sim.cli import main
from sim.engine import simulate_chunk
from sim.engine.chunk import simulate_batches
from sim.releases import FLOWS
from sim.scenario import Scenario, load_scenario, scenario_from_dict

D = dt.date
RECORD = ROOT / "seeds" / "uz_cn_releases.csv"
HEADER = "year,months,partner,flow,value_usd_bn,same_months_year_before_usd_bn,reporter,status,published,source_kind,source\n"


def _workspace(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of ``scenarios/`` and ``seeds/``: the reference scenario and the record it reads."""
    for folder in ("scenarios", "seeds"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path / "scenarios" / "uz_cn_2025.toml", tmp_path / "seeds" / "uz_cn_releases.csv"


def _add_rows(record: Path, rows: list[str], *, in_order: bool) -> None:
    """Append ``rows`` to ``record``, or put them where the shipped file's order puts them (year, months, partner, flow, ...)."""
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    body = lines[1:] + [r + "\n" for r in rows]
    if in_order:

        def key(line: str) -> tuple[Any, ...]:
            r = next(csv.reader([line]))
            return (int(r[0]), int(r[1]), r[2], FLOWS.index(r[3]), r[6], r[8], r[10])

        body.sort(key=key)
    else:
        body = lines[1:] + [r + "\n" for r in rows]
    record.write_text(lines[0] + "".join(body), encoding="utf-8")


def _without_flows(as_of: dt.date, **nowcast: Any) -> Scenario:
    """The reference's trade tables and shocks (no portfolio, pipeline or measures) as of ``as_of``: any date of the record fits it."""
    raw = load_scenario(REFERENCE).to_json()
    for key in ("portfolio", "pipeline", "measures"):
        raw.pop(key, None)
    raw["trade"]["as_of"] = as_of
    raw["trade"]["nowcast"].update(nowcast)
    return scenario_from_dict(raw, source="without_flows", base_dir=REFERENCE.parent)


def _same_paths(a: Scenario, b: Scenario, paths: int = 16) -> bool:
    x, y = simulate_chunk(a, 3, 0, paths), simulate_chunk(b, 3, 0, paths)
    return bool(np.array_equal(x.trade, y.trade) and np.array_equal(x.country_total, y.country_total, equal_nan=True))


# ---------------------------------------------------------------- the reference view


def test_the_reference_takes_2024_its_total_its_split_and_january_to_july_2025_from_the_record_as_of_10_september_2025():
    s = load_scenario(REFERENCE)
    assert s.trade.as_of == D(2025, 9, 10) and s.view is not None
    assert (s.trade.base_year, s.trade.base_usd_bn, s.trade.structural.total_base_usd_bn) == (2024, 12.4, 65.9)
    assert s.trade.base_exports_usd_bn == pytest.approx(12.4 - 10.35, rel=1e-12)  # the 2024 imports in force, 10.35
    obs = s.observation
    assert (obs.year, obs.months, obs.value_usd_bn, obs.source_kind) == (2025, 7, 8.78, "ministry_statement")
    assert obs.yoy_growth == pytest.approx(8.78 / 7.14 - 1, rel=1e-12) and obs.total is None
    assert obs.seasonal is s.view.seasonal and obs.seasonal.years >= 5

    # every figure used names its row of the record, and the row there holds that figure
    text = RECORD.read_text(encoding="utf-8").splitlines()
    used = {u.what: u.release for u in s.view.used}
    assert set(used) == {
        "base year 2024, turnover",
        "base year 2024, the country's total",
        "the split: imports",
        "the split: turnover",
        "first year 2025, turnover",
        "the same months of 2024",
    }
    for what, r in used.items():
        assert text[r.line - 1].startswith(f"{r.year if 'same months' not in what else r.year + 1},"), what
        assert r.published <= s.trade.as_of
    assert text[used["first year 2025, turnover"].line - 1].startswith(
        "2025,7,CN,turnover,8.78,7.14,UZ,confirmed,2025-09-10,ministry_statement"
    )
    assert text[used["base year 2024, turnover"].line - 1].startswith("2024,12,CN,turnover,12.4,")
    assert text[used["base year 2024, the country's total"].line - 1].startswith("2024,12,world,turnover,65.9,")
    assert text[used["the split: imports"].line - 1].startswith("2024,12,CN,imports,10.35,")

    lines = s.view.lines()
    assert lines[0].startswith("as of 2025-09-10 (") and "uz_cn_releases.csv" in lines[0]
    line = used["first year 2025, turnover"].line
    assert f"  first year 2025, turnover: 8.78 USD bn, January-July 2025, published 2025-09-10 (ministry_statement, line {line})" in lines
    assert any(x.startswith("  base year 2024, the country's total: 65.9 USD bn, full year 2024, published 2025-01-21") for x in lines)
    assert len(lines) == 1 + len(s.view.used)


# ---------------------------------------------------------------- no look-ahead

LATER = [
    '2025,7,CN,turnover,9.4,,UZ,confirmed,2025-09-11,statistics_release,"a statistics release of January-July, a day later"',
    '2025,10,CN,turnover,12.9,10.8,UZ,confirmed,2025-11-30,statistics_release,"January-October, with a comparison"',
    '2025,12,CN,turnover,17.2,12.9,UZ,confirmed,2026-01-26,statistics_release,"the full year, restating 2024"',
    '2024,12,CN,turnover,12.9,,UZ,confirmed,2026-03-01,statistics_release,"a revision of 2024"',
    '2024,12,CN,exports,3.0,,UZ,confirmed,2026-03-01,statistics_release,"a revision of the 2024 split"',
    '2024,12,world,turnover,70.0,,UZ,confirmed,2025-12-01,statistics_release,"a revision of the total"',
    '2025,12,world,turnover,81.2,66.0,UZ,confirmed,2026-01-22,statistics_release,"the 2025 total"',
]


@pytest.mark.parametrize("in_order", [False, True], ids=["appended", "in_the_files_order"])
def test_rows_published_after_as_of_change_neither_the_scenario_identity_nor_a_single_bit_of_the_paths(tmp_path: Path, in_order: bool):
    path, record = _workspace(tmp_path)
    before = load_scenario(path)
    a = simulate_chunk(before, 5, 0, 24)
    _add_rows(record, LATER, in_order=in_order)
    after = load_scenario(path)
    assert after.sha256 == before.sha256
    assert after.view.to_json()["used"] == [
        {**u, "line": v["line"]} for u, v in zip(before.view.to_json()["used"], after.view.to_json()["used"], strict=True)
    ]
    b = simulate_chunk(after, 5, 0, 24)
    np.testing.assert_array_equal(a.trade, b.trade)
    np.testing.assert_array_equal(a.country_total, b.country_total)
    np.testing.assert_array_equal(a.partner_share, b.partner_share)


@pytest.mark.parametrize(
    "row",
    [
        '2025,7,CN,turnover,9.4,,UZ,confirmed,2025-09-10,statistics_release,"a statistics release the same day outranks the ministry"',
        '2024,12,CN,turnover,12.9,,UZ,confirmed,2025-09-01,statistics_release,"a revision of the base year before as_of"',
        '2024,12,world,turnover,70.0,,UZ,confirmed,2025-03-01,statistics_release,"a revision of the total before as_of"',
    ],
)
def test_a_row_published_by_as_of_that_changes_a_figure_used_changes_the_identity_and_the_paths(tmp_path: Path, row: str):
    path, record = _workspace(tmp_path)
    before = load_scenario(path)
    _add_rows(record, [row], in_order=False)
    after = load_scenario(path)
    assert after.sha256 != before.sha256
    assert not _same_paths(before, after)
    value = float(row.split(",")[4])
    assert value in (after.observation.value_usd_bn, after.trade.base_usd_bn, after.trade.structural.total_base_usd_bn)


# ---------------------------------------------------------------- moving as_of


def test_moving_as_of_moves_the_base_year_and_the_observation_as_the_record_says():
    s = load_scenario(REFERENCE).replace({"trade.as_of": D(2026, 1, 4)})
    assert (s.trade.base_year, s.trade.base_usd_bn, s.trade.structural.total_base_usd_bn) == (2024, 12.4, 65.9)
    obs = s.observation
    assert (obs.year, obs.months, obs.value_usd_bn, obs.source_kind) == (2025, 11, 14.6, "statistics_release")
    assert (obs.total.months, obs.total.value_usd_bn) == (9, 59.8)  # the country's January-September 2025

    later = _without_flows(D(2026, 2, 20))  # the reference's projects are dated for a 2025 start
    assert (later.trade.base_year, later.trade.base_usd_bn, later.trade.structural.total_base_usd_bn) == (2025, 17.2, 81.2)
    # the 2025 split: only January-November's exports and turnover are published, 1.9 of 14.6
    assert later.trade.base_exports_usd_bn == pytest.approx(17.2 * 1.9 / 14.6, rel=1e-12)
    # January 2026's figures (the pair's derived from an uncertain total) are uncertain: nothing of 2026 is observed
    assert later.observation is None

    # the day before 2025's first figure the view has 2024 and no observation
    early = _without_flows(D(2025, 1, 20))
    assert (early.trade.base_year, early.trade.base_usd_bn) == (2023, 13.7)
    assert early.observation.year == 2024 and early.observation.months == 11


def test_a_first_year_whose_full_figure_is_out_before_the_countrys_total_is_observed_in_all_twelve_months():
    # 10 February 2024: 2023's turnover with China (13.7, an analysis of 9 February) is out, the country's 2023 total
    # (24 February) is not: the base year is 2022 and 2023 is observed whole, the country's total over nine months
    s = _without_flows(D(2024, 2, 10), revision_sd={"analysis": 0.05})
    assert (s.trade.base_year, s.trade.base_usd_bn, s.trade.structural.total_base_usd_bn) == (2022, 9.06, 50.01)
    obs = s.observation
    assert (obs.year, obs.months, obs.value_usd_bn, obs.source_kind) == (2023, 12, 13.7, "analysis")
    assert (obs.total.months, obs.total.value_usd_bn) == (9, 44.7) and obs.revision_sd == pytest.approx(0.05)
    inputs = [x for batch, _, _ in simulate_batches(s, 11, 0, 40) for x in batch]
    paths = simulate_chunk(s, 11, 0, 40)
    revision = np.array([x.revision_log for x in inputs])
    assert np.std(revision) > 0.01  # the revision is drawn, and the shocks of the year are in the figure
    np.testing.assert_allclose(paths.turnover[:, 0], 13.7 * np.exp(revision), rtol=1e-12)
    assert np.all(paths.country_total[:, 0] > paths.turnover[:, 0])

    exact = _without_flows(D(2024, 2, 10), revision_sd={"analysis": 0.0})
    assert exact.observation.revision_sd == 0.0
    np.testing.assert_allclose(simulate_chunk(exact, 11, 0, 40).turnover[:, 0], 13.7, rtol=1e-12)


# ---------------------------------------------------------------- errors


def _validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> list[str]:
    path, _ = _workspace(tmp_path)
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if line.strip()]


def _reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace('reporter = "UZ"\n', 'reporter = "UZ"\nbase_year = 2024\n', 1),
            "trade.base_year: is taken from trade.releases as of trade.as_of; remove it (or remove trade.releases)",
        ),
        (
            lambda t: t.replace('reporter = "UZ"\n', 'reporter = "UZ"\nbase_usd_bn = 12.4\n', 1),
            "trade.base_usd_bn: is taken from trade.releases",
        ),
        (lambda t: t.replace("as_of = 2025-09-10\n", ""), "trade.as_of: required key is missing (trade.releases needs it)"),
        (lambda t: t.replace('partner = "CN"\n', ""), "trade.partner: required key is missing (trade.releases needs it)"),
        (
            lambda t: t.replace("as_of = 2025-09-10\n", "as_of = 2011-01-01\n"),
            "trade.as_of: 2011-01-01: no full year of turnover with CN by UZ and of the country's total (partner 'world') was published by then in uz_cn_releases.csv",
        ),
        (
            lambda t: t.replace("news_report = 0.05 }", "news_report = 0.05, forum = 0.1 }"),
            "trade.nowcast.revision_sd.forum: is not a kind of source; one of statistics_release, customs_release, ministry_statement, analysis, news_report",
        ),
        (
            lambda t: stated_reference_text(t).replace('reporter = "UZ"\n', 'reporter = "UZ"\nas_of = 2025-09-10\n', 1),
            "trade.as_of: only with trade.releases (the dated record it reads)",
        ),
        (
            lambda t: stated_reference_text(t).replace('reporter = "UZ"\n', 'reporter = "UZ"\npartner = "CN"\n', 1),
            "trade.partner: only with trade.releases (the dated record it reads)",
        ),
        (
            lambda t: stated_reference_text(t).replace(
                "[trade.structural]\n", "[trade.nowcast]\nprior_offset = 0.0\n\n[trade.structural]\n", 1
            ),
            "trade.nowcast: only with trade.releases (the dated record it reads)",
        ),
    ],
    ids=[
        "base_year_with_releases",
        "base_usd_bn_with_releases",
        "releases_without_as_of",
        "releases_without_partner",
        "as_of_before_any_full_year",
        "unknown_kind_of_source",
        "as_of_without_releases",
        "partner_without_releases",
        "nowcast_without_releases",
    ],
)
def test_a_wrong_view_is_one_line_naming_the_file_and_the_key_and_exit_status_2(tmp_path: Path, capsys, change, expected: str):
    text = change(_reference_text())
    assert text != _reference_text()
    lines = _validate(tmp_path, capsys, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(str(tmp_path / "scenarios" / "uz_cn_2025.toml") + ": ") and expected in lines[0]


# ---------------------------------------------------------------- the seasonal nowcast is used


def test_an_organic_view_takes_the_full_year_from_the_partial_one_by_the_seasonal_share_the_record_shows(tmp_path: Path):
    # fifteen years whose January-June is exactly 0.4 of the year (the calendar says 0.5), then January-June 2025 = 6.0
    rows = []
    for i, year in enumerate(range(2010, 2025)):
        full = round(10.0 * 1.05**i, 6)
        rows.append(f'{year},6,CN,turnover,{0.4 * full:.6f},,UZ,confirmed,{year}-07-20,statistics_release,"half {year}"')
        rows.append(f'{year},12,CN,turnover,{full},,UZ,confirmed,{year + 1}-01-20,statistics_release,"year {year}"')
    rows.append('2024,12,CN,exports,3.0,,UZ,confirmed,2025-01-20,statistics_release,"split 2024"')
    rows.append('2025,6,CN,turnover,6.0,,UZ,confirmed,2025-07-20,statistics_release,"half 2025"')
    record = tmp_path / "record.csv"
    record.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    raw = organic_only(mean=0.08, sd=0.15, horizon=2030)
    for key in ("base_year", "base_usd_bn", "base_exports_usd_bn"):
        del raw["trade"][key]
    raw["trade"].update(releases=str(record), as_of=D(2025, 8, 1), partner="CN")
    raw["trade"]["nowcast"] = {"prior_offset": 0.0, "prior_offset_years": 1e-6, "prior_spread": 0.001, "prior_spread_years": 3.0}
    s = scenario_from_dict(copy.deepcopy(raw), base_dir=tmp_path)
    assert (s.trade.base_year, s.trade.base_usd_bn, s.observation.months, s.observation.value_usd_bn) == (
        2024,
        round(10.0 * 1.05**14, 6),
        6,
        6.0,
    )
    law = s.observation.seasonal
    assert law.years == 15 and law.offset == pytest.approx(float(special.logit(0.4)), abs=1e-4) and law.spread < 0.001
    assert s.observation.revision_sd == 0.0
    first = simulate_chunk(s, 7, 0, 200).turnover[:, 0]
    assert float(np.median(first)) == pytest.approx(6.0 / 0.4, rel=2e-3)
    assert math.isclose(float(np.median(first)), 15.0, rel_tol=2e-3) and not math.isclose(float(np.median(first)), 12.0, rel_tol=0.05)
