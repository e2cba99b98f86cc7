"""The trade context: reading the file, the partner's share of the country's turnover, the exports share (sim.calibration.context)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT

from sim.calibration.context import YearlySeries, exports_share, load_context, load_trade_context, partner_share
from sim.history import HistoryError

CONTEXT = ROOT / "seeds" / "uz_trade_context.csv"
HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"
HEADER = "year,series,value_usd_bn,reporter,status,source\n"


def test_the_shipped_context_keeps_confirmed_and_derived_figures_only():
    series = load_context(CONTEXT)
    total = series["total_turnover"]
    assert total.years.tolist() == [2010, *range(2017, 2025)]  # 2011 is uncertain
    assert total.values[-1] == 65.9
    # exports to China in 2024 is uncertain: no 2024 split; 2012 and 2017 are uncertain too
    assert exports_share(series["cn_exports_from_uz"], series["cn_imports_to_uz"]).years.tolist() == [2010, 2011, 2020, 2022, 2023]


def test_several_figures_for_a_year_are_combined_by_their_median_and_since_drops_earlier_years(tmp_path):
    csv = tmp_path / "ctx.csv"
    csv.write_text(
        HEADER + "2020,total_turnover,36.3,UZ,confirmed,a\n2020,total_turnover,36.1,UZ,derived,b\n2020,total_turnover,40,UZ,claim,c\n"
        "2019,total_turnover,42.2,UZ,confirmed,a\n2021,gdp_nominal,69.6,WB,confirmed,d\n",
        encoding="utf-8",
    )
    series = load_context(csv)
    assert series["total_turnover"].years.tolist() == [2019, 2020]
    assert series["total_turnover"].values.tolist() == pytest.approx([42.2, 36.2])
    assert set(series) == {"total_turnover", "gdp_nominal"}
    assert load_context(csv, since=2020)["total_turnover"].years.tolist() == [2020]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("20x0,total_turnover,1.0,UZ,confirmed,a", "line 3: year: must be a whole number from 1900 to 2100"),
        ("2020,total_turnover,-1.0,UZ,confirmed,a", "line 3: value_usd_bn: must be a finite number above 0"),
        ("2020,,1.0,UZ,confirmed,a", "line 3: series: must be a code of 1 to 64"),
    ],
)
def test_a_bad_row_is_an_error_naming_the_file_and_line(tmp_path, row, message):
    csv = tmp_path / "ctx.csv"
    csv.write_text(HEADER + "2019,total_turnover,42.2,UZ,confirmed,a\n" + row + "\n", encoding="utf-8")
    with pytest.raises(HistoryError, match=message) as info:
        load_context(csv)
    assert str(csv) in str(info.value)


def test_a_context_without_the_needed_series_names_what_is_missing(tmp_path):
    csv = tmp_path / "ctx.csv"
    csv.write_text(HEADER + "2019,total_turnover,42.2,UZ,confirmed,a\n", encoding="utf-8")
    with pytest.raises(
        HistoryError, match="no confirmed or derived figures of <partner>_exports_from_<country>, <partner>_imports_to_<country>"
    ):
        load_trade_context(csv, HISTORY)
    with pytest.raises(HistoryError, match="cannot be read"):
        load_trade_context(tmp_path / "missing.csv", HISTORY)


def test_partner_share_is_bilateral_over_total_and_close_to_the_published_percentages():
    ctx = load_trade_context(CONTEXT, HISTORY)
    share = ctx.partner_share
    assert share.years.tolist() == [2010, *range(2017, 2025)]
    totals, bilateral = ctx.total.as_dict(), ctx.bilateral.as_dict()
    for y, s in share.as_dict().items():
        assert s * totals[y] == pytest.approx(bilateral[y], rel=1e-12)  # bilateral = share x total, exactly
    published = load_context(CONTEXT)["cn_share_pct"].as_dict()
    gaps = {y: 100 * share.as_dict()[y] - p for y, p in published.items()}
    assert set(gaps) == set(range(2019, 2025))
    worst = max(gaps, key=lambda y: abs(gaps[y]))
    assert worst == 2022 and gaps[2022] == pytest.approx(100 * 9.06 / 50.01 - 17.8)
    assert max(abs(g) for g in gaps.values()) < 0.33


def test_exports_share_is_exports_over_exports_plus_imports_where_both_exist():
    exports = YearlySeries("x", np.array([2010, 2011, 2012]), np.array([1.0, 2.0, 3.0]))
    imports = YearlySeries("m", np.array([2011, 2012, 2013]), np.array([2.0, 1.0, 5.0]))
    share = exports_share(exports, imports)
    assert share.years.tolist() == [2011, 2012]
    assert share.values.tolist() == pytest.approx([0.5, 0.75])


def test_a_bilateral_value_above_the_total_is_refused():
    bilateral = YearlySeries("b", np.array([2020]), np.array([50.0]))
    total = YearlySeries("t", np.array([2020]), np.array([40.0]))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        partner_share(bilateral, total)


def test_a_context_with_the_split_of_several_partners_takes_the_one_named_and_asks_which_otherwise(tmp_path):
    csv = tmp_path / "ctx.csv"
    rows = [f"{y},total_turnover,{40 + y - 2017},UZ,confirmed,a" for y in range(2017, 2025)]
    rows += [f"{y},cn_exports_from_uz,2,UZ,confirmed,a\n{y},cn_imports_to_uz,6,UZ,confirmed,a" for y in (2020, 2022)]
    rows += [f"{y},kz_exports_from_uz,1,UZ,confirmed,a\n{y},kz_imports_to_uz,3,UZ,confirmed,a" for y in (2021, 2023)]
    csv.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(HistoryError, match="several partners \\(cn, kz\\): name one with --partner"):
        load_trade_context(csv, HISTORY)
    assert load_trade_context(csv, HISTORY, partner="KZ").exports_share.years.tolist() == [2021, 2023]
    assert load_trade_context(csv, HISTORY, partner="CN").exports_share.years.tolist() == [2020, 2022]
    with pytest.raises(HistoryError, match="no confirmed or derived figures of xx_exports_from_<country>"):
        load_trade_context(csv, HISTORY, partner="XX")


def test_without_a_reporter_the_history_with_most_years_decides_and_a_tie_asks_for_one(tmp_path):
    from sim.history import main_reporter

    assert main_reporter(HISTORY) == "UZ"  # 13 statistical years against China's customs' 6
    tied = tmp_path / "tied.csv"
    tied.write_text(
        "year,value_usd_bn,reporter,status,source\n2020,1,AA,confirmed,a\n2021,1,AA,confirmed,a\n2020,1,BB,confirmed,b\n2021,1,BB,confirmed,b\n",
        encoding="utf-8",
    )
    with pytest.raises(HistoryError, match="reporters AA, BB have figures in as many years each; name one with --reporter"):
        main_reporter(tied)
