"""The structural organic law and the exports share against closed forms; trade that adds up on every path."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from helpers import build, organic_only, reference
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sim import simulate
from sim.engine import simulate_chunk

# Monte Carlo paths for the closed-form checks: every tolerance below is derived from the standard error at this
# count (at least 4 of them), and each check still fails for a law 20% off in the parameter it checks.
PATHS = 5_000
# 4 standard errors of a normal sample's variance, relative: sd(s^2) / sigma^2 = sqrt(2 / n)
VAR_REL = 4 * math.sqrt(2 / PATHS)


def structural(total_growth: dict, share: dict, total: float = 65.9, horizon: int = 2030) -> dict:
    """An organic-only scenario with the structural law: base 12.4 of Uzbekistan's ``total``."""
    raw = organic_only(horizon=horizon)
    del raw["trade"]["growth"]
    raw["trade"]["structural"] = {"total_base_usd_bn": total, "total_growth": total_growth, "share": share}
    return raw


def test_a_fixed_share_times_lognormal_total_trade_has_the_closed_form_exceedance():
    # base share 12.4 / 62 = 0.2, kept there exactly (sd 0, long run 0.2): P(0.2 W_n >= 20) = P(ln W_n >= ln 100)
    raw = structural({"mean": 0.06, "sd": 0.12}, {"long_run": 0.2, "persistence": 0.0, "sd": 0.0}, total=62.0)
    results = simulate(build(raw), paths=PATHS, seed=11, workers=1)
    n = np.arange(1, 7)
    expected = stats.norm.sf((math.log(100.0) - math.log(62.0) - 0.06 * n) / (0.12 * np.sqrt(n)))
    p = np.array([results.summary["p_above_in_year"][y]["p"] for y in results.summary["years"]])
    assert np.all(np.abs(p - expected) <= 4.5 * np.sqrt(expected * (1 - expected) / PATHS) + 1e-4), (p, expected)


def test_a_certain_share_reverts_to_its_long_run_at_the_stated_speed():
    raw = structural({"mean": 0.05, "sd": 0.0}, {"long_run": 0.25, "persistence": 0.6, "sd": 0.0})
    paths = simulate_chunk(build(raw), 1, 0, 2)
    z0, zbar = special.logit(12.4 / 65.9), special.logit(0.25)
    k = np.arange(1, 7)
    share = special.expit(zbar + 0.6**k * (z0 - zbar))
    total = 65.9 * np.exp(0.05 * k)
    for path in range(2):
        np.testing.assert_allclose(paths.partner_share[path], share, rtol=1e-12)
        np.testing.assert_allclose(paths.country_total[path], total, rtol=1e-12)
        np.testing.assert_allclose(paths.turnover[path], share * total, rtol=1e-12)


def test_the_share_logit_has_the_ar1_mean_and_variance():
    phi, sd = 0.5, 0.1
    raw = structural({"mean": 0.0, "sd": 0.0}, {"long_run": 0.186, "persistence": phi, "sd": sd}, horizon=2027)
    z = special.logit(simulate_chunk(build(raw), 2, 0, PATHS).partner_share)
    z0, zbar = special.logit(12.4 / 65.9), special.logit(0.186)
    for k in range(3):
        mean = zbar + phi ** (k + 1) * (z0 - zbar)
        var = sd**2 * (1 - phi ** (2 * (k + 1))) / (1 - phi**2)
        assert z[:, k].mean() == pytest.approx(mean, abs=4 * math.sqrt(var / PATHS))
        assert z[:, k].var() == pytest.approx(var, rel=VAR_REL)


@pytest.mark.parametrize("median, p90", [(1e-300, 0.19), (0.18, 1 - 2**-53)])
def test_a_long_run_share_drawn_so_near_0_or_1_that_it_rounds_there_still_gives_finite_shares(median, p90):
    # a logit-normal this wide draws long-run shares of exactly 0 or 1 in floating point on some paths; their logit
    # is kept within the same bound as every later year's, not infinite (which made every later year NaN)
    share = {"long_run": {"dist": "logitnormal", "median": median, "p90": p90}, "persistence": 0.5, "sd": 0.1}
    paths = simulate_chunk(build(structural({"mean": 0.05, "sd": 0.1}, share)), 3, 0, 200)
    assert np.all(np.isfinite(paths.partner_share)) and np.all(np.isfinite(paths.turnover))
    assert np.all((paths.partner_share > 0) & (paths.partner_share < 1))
    assert np.any(paths.partner_share < 1e-12) or np.any(paths.partner_share > 1 - 1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    long_run=st.floats(0.001, 0.999),
    persistence=st.floats(0.0, 0.99),
    share_sd=st.floats(0.0, 5.0),
    growth_sd=st.floats(0.0, 2.0),
    observed=st.booleans(),
)
def test_the_share_stays_strictly_inside_zero_and_one_and_trade_never_exceeds_the_countrys(
    long_run: float, persistence: float, share_sd: float, growth_sd: float, observed: bool
):
    raw = structural({"mean": 0.05, "sd": growth_sd}, {"long_run": long_run, "persistence": persistence, "sd": share_sd})
    if observed:
        raw["trade"]["observed"] = {"months": 7, "value_usd_bn": 8.78, "yoy_growth": 0.23}
    paths = simulate_chunk(build(raw), 5, 0, 50)
    assert np.all((paths.partner_share > 0) & (paths.partner_share < 1))
    assert np.all(paths.turnover < paths.country_total)
    assert np.all(np.isfinite(paths.trade))


@pytest.fixture(scope="module")
def reference_paths():
    """2,000 paths of the reference, simulated once for the module: the tests on them only read them."""
    return simulate_chunk(reference(), 20250902, 0, 2000)


def test_the_reference_never_trades_more_with_china_than_uzbekistan_trades_in_all(reference_paths):
    paths = reference_paths
    assert np.all(paths.turnover < paths.country_total)
    assert np.all((paths.partner_share > 0) & (paths.partner_share < 1))


def test_exports_plus_imports_is_turnover_on_every_path_and_neither_goes_below_zero(reference_paths):
    paths = reference_paths
    exports, imports = paths.flow("exports"), paths.flow("imports")
    assert np.array_equal(exports + imports, paths.trade[:, :, :, 0].sum(axis=2) + paths.trade[:, :, :, 1].sum(axis=2))
    np.testing.assert_allclose(exports + imports, paths.turnover, rtol=1e-12)
    np.testing.assert_allclose(paths.by_component.sum(axis=2), paths.turnover, rtol=1e-12)
    # import substitution replaces only the imports there are (a few low paths would otherwise go negative)
    assert np.all(exports >= 0) and np.all(imports >= -1e-12)
    assert np.mean(imports > 0) > 0.99
    np.testing.assert_array_equal(paths.trade[:, :, 1, 0], 0.0)  # construction imports are imports


def _exports_law(horizon: int = 2028, **law: float) -> dict:
    raw = organic_only(mean=0.05, sd=0.1, horizon=horizon)
    raw["trade"]["exports_share"] = law
    return raw


def test_the_exports_share_logit_has_the_ar1_mean_and_variance():
    phi, sd = 0.8, 0.2
    paths = simulate_chunk(build(_exports_law(long_run=0.3, persistence=phi, sd=sd)), 3, 0, PATHS)
    organic = paths.trade[:, :, 0]
    z = special.logit(organic[:, :, 0] / organic.sum(axis=2))
    z0, zbar = special.logit(2.05 / 12.4), special.logit(0.3)
    for k in range(4):
        mean = zbar + phi ** (k + 1) * (z0 - zbar)
        var = sd**2 * (1 - phi ** (2 * (k + 1))) / (1 - phi**2)
        assert z[:, k].mean() == pytest.approx(mean, abs=4 * math.sqrt(var / PATHS))
        assert z[:, k].var() == pytest.approx(var, rel=VAR_REL)


@pytest.mark.parametrize("correlation", [-0.9, 0.0, 0.5])
def test_the_exports_share_moves_with_organic_growth_by_the_stated_correlation(correlation: float):
    # persistence 0: the logit's deviation from the long run is sd x (rho u + sqrt(1 - rho^2) e), u the growth innovation,
    # independent from year to year: 6,000 paths of 10 pairs (to 2035) are 60,000 pairs, and the standard error of r,
    # (1 - rho^2) / sqrt(60,000), is at most 0.0041: the tolerance 0.02 is 4.9 of them, and a correlation 0.1 off is caught
    law = _exports_law(horizon=2035, long_run=0.2, persistence=0.0, sd=0.3, correlation=correlation)
    paths = simulate_chunk(build(law), 4, 0, 6_000)
    organic = paths.trade[:, :, 0]
    z = special.logit(organic[:, :, 0] / organic.sum(axis=2))
    growth = np.diff(np.log(organic.sum(axis=2)), axis=1)
    r = np.corrcoef(z[:, 1:].ravel(), growth.ravel())[0, 1]
    assert r == pytest.approx(correlation, abs=0.02)


def test_without_an_exports_share_law_organic_trade_keeps_the_base_split():
    paths = simulate_chunk(build(organic_only(mean=0.08, sd=0.2)), 1, 0, 200)
    organic = paths.trade[:, :, 0]
    np.testing.assert_allclose(organic[:, :, 0] / organic.sum(axis=2), 2.05 / 12.4, rtol=1e-12)


def test_a_target_on_exports_is_reached_on_exports():
    raw = organic_only(mean=0.08, sd=0.1)
    raw["trade"]["target_flow"] = "exports"
    raw["trade"]["target_usd_bn"] = 2.5
    results = simulate(build(copy.deepcopy(raw)), paths=4000, seed=5, workers=1)
    # organic exports are 2.05 / 12.4 of turnover: P(exports >= 2.5) = P(12.4 e^X >= 2.5 x 12.4 / 2.05)
    n = np.arange(1, 7)
    expected = stats.norm.sf((math.log(2.5 / 2.05) - 0.08 * n) / (0.1 * np.sqrt(n)))
    p = np.array([results.summary["p_above_in_year"][y]["p"] for y in results.summary["years"]])
    assert np.all(np.abs(p - expected) <= 4.5 * np.sqrt(expected * (1 - expected) / 4000) + 1e-4)
    assert results.summary["target_flow"] == "exports"
