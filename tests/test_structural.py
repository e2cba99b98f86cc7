"""The structural organic law (China's share x Uzbekistan's total trade): fit, simulation, backtest, commands."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from scipy import special, stats

from sim import calibration as cal
from sim.calibration.context import load_trade_context
from sim.calibration.structural import fit_structural, forecast_structural, simulate_structural

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"
CONTEXT = ROOT / "seeds" / "uz_trade_context.csv"


def _context():
    return load_trade_context(CONTEXT, HISTORY)


# ---------------------------------------------------------------- simulation against closed forms


def test_with_a_fixed_share_the_forecast_is_the_lognormal_of_the_total_growth_law():
    mu, sigma, total, share = 0.07, 0.12, 60.0, 0.2
    law = {
        "total_base_usd_bn": total,
        "total_growth": {"mean": mu, "sd": sigma, "persistence": 0.0},
        "share": {"long_run": share, "persistence": 0.0, "sd": 0.0},
    }
    paths = 200_000
    sims = simulate_structural(law, share, 3, paths, np.random.default_rng(2))
    q = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    for h in (1, 2, 3):
        closed = share * total * np.exp(mu * h + sigma * math.sqrt(h) * stats.norm.ppf(q))
        # quantile standard errors are below 0.1% of the value with 200,000 paths
        assert np.quantile(sims[:, h - 1], q) == pytest.approx(closed, rel=0.005)


def test_a_share_without_noise_scales_the_total_trade_paths_exactly():
    total_law = {"mean": {"dist": "normal", "mean": 0.05, "sd": 0.02}, "sd": 0.1, "persistence": 0.3}
    law = {"total_base_usd_bn": 50.0, "total_growth": total_law, "share": {"long_run": 0.25, "persistence": 0.5, "sd": 0.0}}
    start = 0.15
    bilateral = simulate_structural(law, start, 4, 300, np.random.default_rng(9))
    # the same generator draws the total first, exactly as simulate_organic does
    total = cal.simulate_organic(total_law, 50.0, 4, 300, np.random.default_rng(9))
    zbar, z0 = special.logit(0.25), special.logit(start)
    share = special.expit(zbar + 0.5 ** np.arange(1, 5) * (z0 - zbar))
    assert np.allclose(bilateral, total * share[None, :], rtol=1e-12)


# ---------------------------------------------------------------- the fit on the shipped data


def test_structural_fit_on_the_uzbek_data_writes_the_three_tables():
    ctx = _context()
    fit = fit_structural(ctx.total.years, ctx.total.values, ctx.partner_share.years, ctx.partner_share.values, source="ctx")
    parsed = tomllib.loads(fit.block())["trade"]["structural"]
    assert parsed["total_base_usd_bn"] == 65.9 and fit.base_year == 2024
    assert {"mean", "sd", "persistence"} <= set(parsed["total_growth"]) <= {"mean", "sd", "persistence", "df"}
    assert set(parsed["share"]) == {"long_run", "persistence", "sd"}
    assert parsed == fit.law()
    assert fit.share.long_run == pytest.approx(0.186, abs=0.005)
    assert fit.share.sd == pytest.approx(0.085, abs=0.01)
    assert fit.total.model == "normal" and fit.total.years == (2010, *range(2017, 2025))


# ---------------------------------------------------------------- backtest


def test_structural_forecast_uses_only_the_data_up_to_its_origin():
    years, values = cal.load_series(HISTORY)
    ctx = _context()
    fit, sims = forecast_structural(years, values, ctx.total, 2021, 3, 500, np.random.default_rng(0))
    assert fit.total.years[-1] == 2021 and fit.share.years[-1] == 2021
    assert fit.total_base_usd_bn == 42.0
    assert sims.shape == (500, 3) and np.all(sims > 0)
    with pytest.raises(ValueError, match="2016 lacks one"):
        forecast_structural(years, values, ctx.total, 2016, 1, 10, np.random.default_rng(0))


def test_both_laws_are_scored_on_identical_origin_and_year_pairs():
    years, values = cal.load_series(HISTORY)
    ctx = _context()
    both = cal.backtest_laws(years, values, ctx, paths=400, seed=1)
    walk, structural = both.results
    assert both.laws == ("random_walk", "structural")
    pairs = [(r.origin, r.year) for r in walk.forecasts]
    assert pairs == [(r.origin, r.year) for r in structural.forecasts]
    assert both.origins == (2021, 2022, 2023)  # five changes of total trade (2010, 2017-2021) first reached in 2021
    assert pairs == [(2021, 2022), (2021, 2023), (2021, 2024), (2022, 2023), (2022, 2024), (2023, 2024)]
    # the benchmark is the same for both laws; the random walk equals its own backtest on those origins
    assert [r.crps_random_walk for r in walk.forecasts] == [r.crps_random_walk for r in structural.forecasts]
    alone = cal.backtest(years, values, paths=400, seed=1, origins=both.origins)
    pd.testing.assert_frame_equal(alone.table(), walk.table())
    out = both.to_json()
    assert set(out["laws"]) == {"random_walk", "structural"}
    assert out["forecasts"] == [list(p) for p in pairs]
    for scores in out["laws"].values():
        assert scores["n_forecasts"] == 6 and set(scores["by_horizon"]) == {"1", "2", "3"}
        assert 0 <= scores["coverage_50"] <= scores["coverage_90"] <= 1
    assert list(both.table()["law"].unique()) == ["random_walk", "structural"]


def test_the_structural_backtest_needs_the_context_and_qualifying_origins():
    years, values = cal.load_series(HISTORY)
    with pytest.raises(ValueError, match="needs the trade context"):
        cal.backtest(years, values, law="structural")
    with pytest.raises(ValueError, match="2019: not an origin the structural law"):
        cal.backtest(years, values, law="structural", context=_context(), origins=[2019, 2021])
    with pytest.raises(ValueError, match="unknown organic law"):
        cal.backtest(years, values, law="gravity")


def test_backtest_chart_shows_both_laws_side_by_side():
    from sim.plots import backtest_chart

    years, values = cal.load_series(HISTORY)
    both = cal.backtest_laws(years, values, _context(), paths=200, seed=0)
    fig = backtest_chart(both, list(zip(years.tolist(), values.tolist(), strict=True)))
    lines = {ln.get_gid(): ln for ln in fig.axes[0].get_lines()}
    for h in (1, 2, 3):
        walk, structural = lines[f"median_random_walk_h{h}"].get_xdata(), lines[f"median_structural_h{h}"].get_xdata()
        assert len(walk) == len(structural) > 0
        assert np.all(structural > walk) and np.all(structural - walk < 0.5)  # beside each other, at the same years
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "Random-walk law" in texts and "Structural" in texts
