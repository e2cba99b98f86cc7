"""Fitting the organic growth law to history and backtesting it (sim.calibration)."""

from __future__ import annotations

import io
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, organic_only
from matplotlib.figure import Figure
from scipy import stats

from sim import calibration as cal
from sim import plots
from sim.calibration.backtest import SCORES, simulate_with_runner
from sim.distributions import Pert
from sim.errors import UnknownName
from sim.history import load_history
from sim.scenario import scenario_from_dict

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"


def _series(n: int, mean: float, sd: float, phi: float = 0.0, df: float | None = None, seed: int = 0, base: float = 2.0):
    """Years 1..n and values with yearly log-growth ``mean + AR(1) deviation`` (stationary start)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal(n) if df is None else rng.standard_t(df, n) * math.sqrt((df - 2.0) / df)
    dev = np.empty(n)
    dev[0] = sd * eps[0]
    for t in range(1, n):
        dev[t] = phi * dev[t - 1] + sd * math.sqrt(1.0 - phi * phi) * eps[t]
    log_v = math.log(base) + np.concatenate([[0.0], np.cumsum(mean + dev[1:])])
    return np.arange(2000, 2000 + n), np.exp(log_v)


def _score(fit: cal.GrowthFit, model: str) -> cal.ModelScore:
    return next(s for s in fit.candidates if s.model == model)


# ---------------------------------------------------------------- likelihood with gaps


def test_variance_of_an_ar1_sum_matches_the_double_sum():
    for phi in (-0.5, 0.0, 0.3, 0.9):
        for k in (1, 2, 3, 7):
            direct = sum(phi ** abs(s - t) for s in range(k) for t in range(k))
            assert cal.ar1_sum_variance(k, phi) == pytest.approx(direct, rel=1e-12)


def test_gapped_ar1_likelihood_equals_the_brute_force_multivariate_normal():
    years = np.array([2000, 2001, 2003, 2004, 2008, 2009, 2010, 2012])
    values = np.exp(np.random.default_rng(3).normal(0.1, 0.2, years.size).cumsum())
    mean, sd, phi = 0.07, 0.18, 0.55
    # covariance of the observed changes from the yearly AR(1) autocovariance, summed over each block
    t = np.arange(years[0] + 1, years[-1] + 1)
    yearly = sd**2 * phi ** np.abs(t[:, None] - t[None, :])
    blocks = np.array([[(a < s <= b) for s in t] for a, b in zip(years[:-1], years[1:], strict=True)], dtype=float)
    d = np.diff(np.log(values))
    expected = stats.multivariate_normal(mean * np.diff(years), blocks @ yearly @ blocks.T).logpdf(d)
    assert cal.growth_loglik(years, values, "normal_ar1", mean, sd, phi) == pytest.approx(expected, rel=1e-10)


def test_gapped_iid_normal_likelihood_is_the_normal_law_of_each_k_year_change():
    years = np.array([2010, 2011, 2013, 2016, 2017, 2018])
    values = np.array([2.0, 2.5, 4.5, 4.2, 4.8, 6.4])
    k, d = np.diff(years), np.diff(np.log(values))
    expected = stats.norm(0.12 * k, 0.2 * np.sqrt(k)).logpdf(d).sum()
    assert cal.growth_loglik(years, values, "normal", 0.12, 0.2) == pytest.approx(expected, rel=1e-12)
    # the t law with huge df tends to the normal one; one-year changes get the t density
    assert cal.growth_loglik(years, values, "t", 0.12, 0.2, df=1e7) == pytest.approx(expected, rel=1e-5)


def test_gaps_leave_the_iid_normal_estimates_where_the_full_series_puts_them():
    years, values = _series(200, 0.08, 0.12, seed=11)
    keep = np.ones(years.size, dtype=bool)
    keep[[5, 6, 7, 40, 41, 90, 150]] = False  # gaps of 2 to 4 years
    full = cal.fit_growth(years, values, models=("normal",))
    gapped = cal.fit_growth(years[keep], values[keep], models=("normal",))
    assert gapped.n_obs == full.n_obs - 7
    # the mean estimate is the total log change over the total span in both cases
    assert full.mean == pytest.approx(math.log(values[-1] / values[0]) / 199, abs=1e-6)
    assert gapped.mean == pytest.approx(full.mean, abs=1e-6)
    assert gapped.mean_se == pytest.approx(full.mean_se, rel=0.05)
    assert abs(gapped.sd - full.sd) < 2 * full.sd_se


# ---------------------------------------------------------------- recovering known laws


def test_recovers_a_persistent_normal_law_and_prefers_ar1_by_aicc():
    mean, sd, phi = 0.08, 0.12, 0.4
    years, values = _series(200, mean, sd, phi, seed=5)
    fit = cal.fit_growth(years, values)
    assert _score(fit, "normal_ar1").aicc < _score(fit, "normal").aicc
    assert fit.model in ("normal_ar1", "t_ar1")
    if fit.model != "normal_ar1":
        fit = cal.fit_growth(years, values, models=("normal_ar1",))
    assert abs(fit.mean - mean) < 3 * fit.mean_se
    assert abs(fit.sd - sd) < 3 * fit.sd_se
    assert abs(fit.persistence - phi) < 3 * fit.persistence_se
    # standard errors of the right size: sd / sqrt(2n) for sd, (1 - phi^2) / sqrt(n) for phi
    assert fit.sd_se == pytest.approx(sd / math.sqrt(2 * 199), rel=0.3)
    assert fit.persistence_se == pytest.approx((1 - phi**2) / math.sqrt(199), rel=0.3)
    assert fit.n_obs == 199 and fit.years[0] == 2000 and fit.years[-1] == 2199


def test_heavy_tailed_series_selects_a_t_law():
    years, values = _series(400, 0.05, 0.1, df=4.0, seed=2)
    fit = cal.fit_growth(years, values)
    assert fit.model in ("t", "t_ar1")
    assert _score(fit, "t").aicc < _score(fit, "normal").aicc - 10
    assert fit.df is not None and abs(fit.df - 4.0) < 3 * fit.df_se
    assert abs(fit.sd - 0.1) < 3 * fit.sd_se


def test_independent_normal_series_is_not_given_extra_parameters():
    years, values = _series(150, 0.1, 0.15, seed=21)
    fit = cal.fit_growth(years, values)
    assert fit.model == "normal"
    assert fit.persistence == 0.0 and fit.persistence_se is None and fit.df is None
    # the iid normal estimates have closed forms
    d = np.diff(np.log(values))
    assert fit.mean == pytest.approx(d.mean(), abs=1e-6)
    assert fit.sd == pytest.approx(d.std(ddof=0), rel=1e-4)
    assert fit.mean_se == pytest.approx(d.std(ddof=0) / math.sqrt(d.size), rel=1e-3)


# ---------------------------------------------------------------- inputs


def test_load_series_combines_duplicate_figures_by_their_median(tmp_path):
    csv = tmp_path / "history.csv"
    csv.write_text(
        "year,value_usd_bn,reporter,status,source\n"
        "2019,7.6,UZ,confirmed,a\n"
        "2020,6.4,UZ,confirmed,a\n"
        "2020,6.6,UZ,derived,b\n"
        "2020,9.9,UZ,claim,c\n"
        "2021,7.4,UZ,confirmed,a\n"
        "2021,8.0,CN,confirmed,a\n",
        encoding="utf-8",
    )
    years, values = cal.load_series(csv)
    assert years.tolist() == [2019, 2020, 2021]
    assert values.tolist() == pytest.approx([7.6, 6.5, 7.4])
    years, values = cal.load_series(csv, since=2020)
    assert years.tolist() == [2020, 2021]
    # the real file: two Uzbek figures for 2024 (12.4 and 12.5), gaps in 2012, 2014, 2015
    years, values = cal.load_series(HISTORY)
    assert values[years.tolist().index(2024)] == pytest.approx(12.45)
    assert not {2012, 2014, 2015} & set(years.tolist())


def test_fewer_than_five_log_changes_are_refused():
    with pytest.raises(ValueError, match="at least 5 log changes"):
        cal.fit_growth([2019, 2020, 2021, 2022, 2023], [6.4, 7.4, 9.1, 13.7, 12.4])
    with pytest.raises(ValueError, match="increasing"):
        cal.fit_growth([2019, 2019, 2020, 2021, 2022, 2023], [6.4, 6.5, 7.4, 9.1, 13.7, 12.4])
    with pytest.raises(ValueError, match="positive"):
        cal.fit_growth(range(2015, 2022), [1, 2, 3, 0, 5, 6, 7])
    with pytest.raises(ValueError, match="unknown growth model"):
        cal.fit_growth(range(2015, 2022), range(1, 8), models=("laplace",))


# ---------------------------------------------------------------- the scenario block


def _validated_growth(block: str):
    parsed = tomllib.loads(block)
    raw = organic_only()
    raw["trade"]["growth"] = parsed["trade"]["growth"]
    return parsed["trade"]["growth"], scenario_from_dict(raw).trade.growth


def test_growth_block_parses_and_validates_in_a_scenario():
    years, values = cal.load_series(HISTORY)
    fit = cal.fit_growth(years, values, source="seeds/uz_cn_trade_history.csv, reporter UZ")
    block = fit.growth_block()
    assert "reporter UZ" in block and "AICc" in block and fit.model in block and "2016-2024" in block
    table, growth = _validated_growth(block)
    assert table["mean"] == {"dist": "normal", "mean": pytest.approx(fit.mean, rel=1e-5), "sd": pytest.approx(fit.mean_se, rel=1e-5)}
    # sd: a bounded stand-in for the lognormal with median sd and p90 sd * exp(z90 * se(ln sd))
    assert isinstance(growth.sd, Pert)
    median, p90 = growth.sd.ppf(np.array([0.5, 0.9]))
    assert median == pytest.approx(fit.sd, rel=1e-4)
    assert p90 == pytest.approx(fit.sd * math.exp(1.2815516 * fit.log_sd_se), rel=1e-4)
    assert 0.0 <= growth.persistence <= 0.95


def test_growth_block_of_a_t_law_carries_df_and_clips_persistence():
    years, values = _series(300, 0.05, 0.1, phi=0.97, df=4.0, seed=8)
    fit = cal.fit_growth(years, values, models=("t_ar1",))
    assert fit.persistence > 0.95
    table, growth = _validated_growth(fit.growth_block())
    assert growth.persistence == 0.95 and "clipped" in fit.growth_block()
    assert growth.df == pytest.approx(fit.df, rel=1e-5)


def test_pert_stand_in_matches_the_lognormal_quantiles():
    for median, log_sd in ((0.18, 0.24), (0.05, 0.1), (0.3, 0.45)):
        pert = Pert(**{k: v for k, v in cal.lognormal_as_pert(median, log_sd).items() if k != "dist"}, dist="pert")
        lognormal = stats.lognorm(log_sd, scale=median)
        assert pert.ppf(np.array([0.5, 0.9])) == pytest.approx(lognormal.ppf([0.5, 0.9]), rel=1e-5)
        assert pert.min == pytest.approx(lognormal.ppf(0.001)) and pert.max == pytest.approx(lognormal.ppf(0.999))


# ---------------------------------------------------------------- scores


def test_empirical_crps_matches_the_normal_closed_form():
    rng = np.random.default_rng(1)
    mu, sigma = 1.5, 0.7
    samples = rng.normal(mu, sigma, 200_000)
    for y in (1.5, 0.2, 3.9):
        closed = sigma * ((z := (y - mu) / sigma) * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi))
        assert cal.crps_normal(mu, sigma, y) == pytest.approx(closed, rel=1e-12)
        assert cal.crps_samples(samples, y) == pytest.approx(closed, rel=0.01)


def test_sorted_crps_equals_the_all_pairs_definition():
    x = np.random.default_rng(4).lognormal(0.0, 0.5, 301)
    y = 1.3
    pairs = np.abs(x[:, None] - x[None, :]).mean()
    assert cal.crps_samples(x, y) == pytest.approx(np.abs(x - y).mean() - 0.5 * pairs, rel=1e-12)
    assert cal.crps_samples([2.0], 2.0) == 0.0


def test_lognormal_crps_closed_form_matches_samples():
    samples = np.random.default_rng(2).lognormal(2.0, 0.3, 200_000)
    for y in (4.0, 7.4, 12.0):
        assert cal.crps_lognormal(2.0, 0.3, y) == pytest.approx(cal.crps_samples(samples, y), rel=0.01)


# ---------------------------------------------------------------- simulation and backtest


def test_vectorised_simulation_matches_the_simulator():
    law = {
        "mean": {"dist": "normal", "mean": 0.1, "sd": 0.04},
        "sd": cal.lognormal_as_pert(0.15, 0.25),
        "persistence": 0.4,
        "df": 5.0,
    }
    paths = 4000
    fast = cal.simulate_organic(law, 12.4, 3, paths, np.random.default_rng(0))
    slow = simulate_with_runner(law, 2024, 12.4, 3, paths, seed=3)
    assert fast.shape == slow.shape == (paths, 3)
    for k in range(3):
        assert stats.ks_2samp(fast[:, k], slow[:, k]).pvalue > 0.001
        assert np.quantile(fast[:, k], [0.05, 0.5, 0.95]) == pytest.approx(np.quantile(slow[:, k], [0.05, 0.5, 0.95]), rel=0.05)


def test_backtest_of_a_long_simulated_series_is_calibrated_and_beats_the_random_walk():
    years, values = _series(60, 0.15, 0.06, seed=9)
    result = cal.backtest(years, values, paths=1000, seed=1, models=("normal",))
    out = result.to_json()
    assert out["n_forecasts"] == 3 * (60 - 1 - 5) - 3  # origins 2005..2058, minus horizons past the end
    assert 0.8 <= out["coverage_90"] <= 0.97
    assert 0.35 <= out["coverage_50"] <= 0.65
    assert out["crps"] < 0.7 * out["crps_random_walk"]
    assert set(out["by_horizon"]) == {"1", "2", "3"}
    assert out["by_horizon"]["1"]["n_forecasts"] == 60 - 1 - 5
    # the spread grows with the horizon
    assert out["by_horizon"]["3"]["crps"] > out["by_horizon"]["1"]["crps"]


def test_backtest_on_the_uzbek_series_runs_and_is_reproducible():
    years, values = cal.load_series(HISTORY)
    result = cal.backtest(years, values, paths=600, seed=0)
    out = result.to_json()
    for key in ("coverage_50", "coverage_90", "crps", "crps_random_walk"):
        assert math.isfinite(out[key]), key
    assert 0 <= out["coverage_50"] <= out["coverage_90"] <= 1
    table = result.table()
    assert isinstance(table, pd.DataFrame) and out["n_forecasts"] == len(table) > 0
    assert out["origins"][0] == 2018  # 2010, 2011, 2013, 2016, 2017, 2018: five log changes
    row = table.iloc[0]
    assert {"origin", "year", "horizon", "actual", "p5", "p25", "p50", "p75", "p95", "crps", "crps_random_walk"} <= set(table.columns)
    assert row["p5"] <= row["p25"] <= row["p50"] <= row["p75"] <= row["p95"]
    pd.testing.assert_frame_equal(cal.backtest(years, values, paths=600, seed=0).table(), table)
    # the scores are a table too, by horizon, the same numbers backtest.json holds
    scores = result.table("scores")
    assert list(scores.index) == ["all", "1", "2", "3"] and set(result.tables()) == {"forecasts", "scores"}
    for horizon, entry in [("all", out), *out["by_horizon"].items()]:
        assert scores.loc[horizon, list(SCORES)].tolist() == [entry[k] for k in SCORES]
    with pytest.raises(UnknownName):
        result.table("nope")
    # the same law through the scenario machinery gives similar scores
    slow = cal.backtest(years, values, horizons=(1,), paths=600, seed=0, models=("normal",), engine="runner").to_json()
    fast = cal.backtest(years, values, horizons=(1,), paths=600, seed=0, models=("normal",)).to_json()
    assert slow["crps"] == pytest.approx(fast["crps"], rel=0.15)


def test_backtest_refuses_series_without_an_origin():
    years, values = _series(6, 0.1, 0.1)
    with pytest.raises(ValueError, match="no origin year"):
        cal.backtest(years, values)


def test_backtest_chart_draws_history_and_each_horizon():
    years, values = cal.load_series(HISTORY)
    result = cal.backtest(years, values, paths=300, seed=0, models=("normal",))
    fig = plots.backtest_chart(result, load_history(HISTORY, "UZ"))
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    assert lines["observed"].get_xdata().tolist() == years.tolist()
    for h in (1, 2, 3):
        medians = lines[f"median_h{h}"].get_ydata()
        assert len(medians) == (result.table()["horizon"] == h).sum()
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "How past forecasts of organic trade would have fared" in texts and "random walk" in texts
    fig.savefig(io.BytesIO(), format="png")


def test_calibrate_and_backtest_commands_write_their_outputs(tmp_path, capsys):
    from sim.cli import main

    history = str(Path(__file__).resolve().parents[1] / "seeds" / "uz_cn_trade_history.csv")
    block_file = tmp_path / "growth.toml"
    assert main(["calibrate", history, "--reporter", "UZ", "--out", str(block_file)]) == 0
    assert "[trade.growth]" in block_file.read_text()
    assert main(["calibrate", history, "--out", str(block_file)]) == 2  # never overwrites without --force
    out = tmp_path / "bt"
    assert main(["backtest", history, "--horizons", "1,2", "--paths", "500", "--out", str(out), "--quiet"]) == 0
    data = json.loads((out / "backtest.json").read_text())
    assert {"coverage_50", "coverage_90", "crps", "crps_random_walk"} <= set(data)
    assert (out / "backtest.csv").is_file() and (out / "backtest.png").is_file()
    assert main(["backtest", history, "--reporter", "XX", "--out", str(tmp_path / "none")]) == 2
    assert "fitting needs at least 6" in capsys.readouterr().err
