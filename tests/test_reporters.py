"""The gap between reporters: fitted from history, carried into the simulation, refused when inconsistent."""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest
from helpers import ROOT, build, organic_only, reference, stated_tables

from sim.calibration.reporters import fit_reporter_gap, gap_from_values
from sim.engine import simulate_chunk
from sim.history import HistoryError
from sim.scenario import ScenarioError

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"


def test_the_gap_fit_recovers_known_parameters_from_simulated_figures():
    rng = np.random.default_rng(11)
    years = np.arange(1700, 2100)
    uz = np.exp(rng.normal(1.0, 0.5, years.size))
    cn = uz * np.exp(0.05 + 0.03 * rng.standard_normal(years.size))
    fit = gap_from_values(years, uz, cn, "UZ", "CN")
    assert abs(fit.mean - 0.05) < 3 * fit.mean_se
    assert fit.mean_se == pytest.approx(0.03 / math.sqrt(years.size), rel=0.15)
    assert abs(math.log(fit.sd / 0.03)) < 3 * fit.log_sd_se


def test_the_gap_uses_only_years_both_report_with_duplicates_by_median_and_claims_left_out(tmp_path):
    csv = tmp_path / "h.csv"
    csv.write_text(
        "year,value_usd_bn,reporter,status,source\n"
        "2010,2.0,UZ,confirmed,a\n2010,2.2,CN,confirmed,b\n"
        "2011,3.0,UZ,confirmed,a\n"  # only one reporter: skipped
        "2012,4.0,UZ,confirmed,a\n2012,4.2,UZ,confirmed,a2\n2012,4.4,CN,confirmed,b\n"  # UZ median 4.1
        "2013,5.0,UZ,confirmed,a\n2013,5.0,CN,claim,c\n2013,5.5,CN,derived,b\n"  # the claim is left out
        "2014,6.0,UZ,uncertain,a\n2014,6.6,CN,confirmed,b\n"  # an uncertain figure is left out
    )
    fit = fit_reporter_gap(csv, "UZ", "CN")
    assert fit.years == (2010, 2012, 2013)
    want = np.log([2.2 / 2.0, 4.4 / 4.1, 5.5 / 5.0])
    assert np.allclose(fit.log_ratios, want)
    assert fit.mean == pytest.approx(want.mean())
    assert fit.sd == pytest.approx(want.std(ddof=1))
    with pytest.raises(HistoryError, match="only 2 years with both a UZ and a CN figure"):
        fit_reporter_gap(csv, "UZ", "CN", since=2011)


def test_the_fitted_gap_block_is_a_valid_reporter_gap_table():
    fit = fit_reporter_gap(HISTORY, "UZ", "CN")
    assert fit.years == (2010, 2011, 2018, 2023, 2024)
    table = tomllib.loads(fit.block())["trade"]["reporter_gap"]
    raw = organic_only()
    raw["trade"]["reporter_gap"] = table
    raw["trade"]["target_reporter"] = "CN"
    s = build(raw)
    assert s.trade.reporter_gap.reporter == "CN"
    assert s.trade.reporter_gap.mean.ppf(np.array([0.5]))[0] == pytest.approx(fit.mean, rel=1e-5)
    assert s.trade.reporter_gap.sd.ppf(np.array([0.5]))[0] == pytest.approx(fit.sd, rel=1e-3)


def test_a_fixed_gap_scales_every_component_of_every_path_exactly():
    raw = organic_only(mean=0.06, sd=0.1)
    raw["trade"]["reporter_gap"] = {"reporter": "CN", "mean": 0.05, "sd": 0.0}
    own = simulate_chunk(build(raw), 3, 0, 50).trade
    raw["trade"]["target_reporter"] = "CN"
    other = simulate_chunk(build(raw), 3, 0, 50).trade
    assert np.allclose(other, own * math.exp(0.05), rtol=1e-13, atol=0)


def test_the_reference_gap_gives_log_ratios_with_the_mean_and_variance_of_its_law():
    ref = stated_tables(reference())  # the base stated, no partly observed first year
    ref["trade"].pop("history")
    s = build({"name": "organic", "trade": ref["trade"], "run": ref["run"]})  # organic trade only
    own = simulate_chunk(s, 5, 0, 3000).turnover
    cn = s.replace({"trade.target_reporter": "CN"})
    ratio = np.log(simulate_chunk(cn, 5, 0, 3000).turnover / own)
    gap = s.trade.reporter_gap
    u = (np.arange(200_000) + 0.5) / 200_000
    mean_mu = float(gap.mean.ppf(u).mean())
    var_mu = float(gap.mean.ppf(u).var())
    mean_sd2 = float((gap.sd.ppf(u) ** 2).mean())
    # per path: mu + sd * e_y; over paths and years the mean is E[mu], the variance Var(mu) + E[sd^2]
    per_path = ratio.mean(axis=1)
    assert abs(per_path.mean() - mean_mu) < 4 * per_path.std() / math.sqrt(per_path.size)
    assert ratio.var() == pytest.approx(var_mu + mean_sd2, rel=0.08)
    # within a path the years vary around the path's own mean with the drawn sd
    within = ratio.var(axis=1, ddof=1).mean()
    assert within == pytest.approx(mean_sd2, rel=0.08)


def test_targeting_the_other_reporter_changes_no_other_draw():
    s = reference()
    cn = s.replace({"trade.target_reporter": "CN"})
    a = simulate_chunk(s, 9, 0, 40).trade
    b = simulate_chunk(cn, 9, 0, 40).trade
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(a != 0, b / a, np.nan)  # construction exports are zero in both
    # one factor a path and year, the same for every component and direction
    factor = ratio[:, :, :1, :1]
    assert np.all(np.isnan(ratio) | np.isclose(ratio, factor, rtol=1e-12))
    assert not np.allclose(ratio, 1.0)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"target_reporter": "CN"}, "trade.target_reporter", "add [trade.reporter_gap] for 'CN'"),
        (
            {"target_reporter": "XX", "reporter_gap": {"reporter": "CN", "mean": 0.04}},
            "trade.target_reporter",
            "must be trade.reporter = 'UZ' or",
        ),
        ({"reporter_gap": {"reporter": "UZ", "mean": 0.04}}, "trade.reporter_gap.reporter", "must be another reporter"),
        ({"reporter_gap": {"reporter": "CN", "mean": 0.04, "sd": -0.1}}, "trade.reporter_gap.sd", ""),
    ],
)
def test_an_inconsistent_reporter_setting_is_refused_naming_the_key(change, key, words):
    raw = organic_only()
    raw["trade"].update(change)
    with pytest.raises(ScenarioError) as err:
        build(raw)
    text = str(err.value)
    assert key in text and words in text


def test_a_run_targeting_china_reports_in_chinas_figures(tmp_path):
    from sim.cli import main

    out = tmp_path / "cn"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "cn_customs_target.toml"),
                "--paths",
                "200",
                "--workers",
                "1",
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["reporter"] == "CN" and summary["simulated_reporter"] == "UZ"
    from sim import Results

    res = Results.load(out)
    assert dict(res.history)[2024] == pytest.approx(13.78)  # China's history on the fan chart
    from sim.plots import fan_chart

    fig = fan_chart(res)
    assert any("CN figures, converted from UZ statistics" in t.get_text() for t in fig.texts)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("CN statistics" in t for t in labels)
    assert not any(t.startswith("base year") for t in labels)  # the Uzbek base is not drawn as a China figure


def test_calibrate_prints_the_reporter_gap_block(tmp_path, capsys):
    from sim.cli import main

    block = tmp_path / "law.toml"
    assert main(["calibrate", str(HISTORY), "--out", str(block)]) == 0
    tables = tomllib.loads(block.read_text())["trade"]
    assert set(tables) == {"growth", "reporter_gap"}
    assert tables["reporter_gap"]["reporter"] == "CN"
    capsys.readouterr()
    assert main(["calibrate", str(HISTORY), "--gap-to", "XX"]) == 2
    assert "only 0 years with both a UZ and a XX figure" in capsys.readouterr().err


def test_a_distribution_for_the_gap_sd_is_drawn_once_per_path():
    raw = organic_only(mean=0.0, sd=0.0)
    raw["trade"]["reporter_gap"] = {"reporter": "CN", "mean": 0.0, "sd": {"dist": "uniform", "min": 0.0, "max": 0.1}}
    raw["trade"]["target_reporter"] = "CN"
    ratio = np.log(simulate_chunk(build(raw), 1, 0, 2000).turnover / 12.4)
    # E[sd^2] of uniform(0, 0.1) is 0.01 / 3
    assert ratio.var(axis=1, ddof=1).mean() == pytest.approx(0.01 / 3, rel=0.1)
