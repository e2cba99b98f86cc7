"""Organic trade against closed forms: a lognormal growth law has an exact probability of exceeding a level."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import build, organic_only
from scipy import stats

from sim import simulate
from sim.engine import simulate_chunk

# Monte Carlo paths for the exceedance checks: the tolerance in _check is 4.5 binomial standard errors at the count
# used. 5,000 paths still catch a growth sd or mean 20% off; the persistence and the uncertain mean keep 20,000
# (at 5,000 a persistence of 0.48 for 0.6, or tau 20% off, would pass).
PATHS = 5_000
PRECISE_PATHS = 20_000


def _exceedance(mean_log: np.ndarray, var_log: np.ndarray) -> np.ndarray:
    """P(12.4 * exp(X) >= 20) for X normal with the given mean and variance."""
    return stats.norm.sf((math.log(20.0 / 12.4) - mean_log) / np.sqrt(var_log))


def _check(results, expected: np.ndarray, paths: int = PATHS) -> None:
    p = np.array([results.summary["p_above_in_year"][y]["p"] for y in results.summary["years"]])
    tolerance = 4.5 * np.sqrt(expected * (1 - expected) / paths) + 1e-4
    assert np.all(np.abs(p - expected) <= tolerance), (p, expected)


def test_independent_years_match_the_lognormal_law():
    n = np.arange(1, 7)
    results = simulate(build(organic_only(mean=0.08, sd=0.15)), paths=PATHS, seed=1, workers=1)
    _check(results, _exceedance(0.08 * n, 0.15**2 * n))
    # in the first year "reached by" and "above in" coincide
    first = results.summary["years"][0]
    assert results.summary["p_reach_by_year"][first]["p"] == results.summary["p_above_in_year"][first]["p"]


def test_persistent_years_match_the_ar1_variance_of_a_sum():
    phi, sd = 0.6, 0.12
    n = np.arange(1, 7)
    # Var(sum of n stationary AR(1) deviations) = sd^2 (n + 2 sum_{k<n} (n - k) phi^k)
    var = np.array([sd**2 * (m + 2 * sum((m - k) * phi**k for k in range(1, m))) for m in n])
    results = simulate(build(organic_only(mean=0.05, sd=sd, persistence=phi)), paths=PRECISE_PATHS, seed=2, workers=1)
    _check(results, _exceedance(0.05 * n, var), PRECISE_PATHS)


def test_uncertain_mean_adds_n_squared_times_its_variance():
    tau = 0.04
    n = np.arange(1, 7)
    scenario = build(organic_only(mean={"dist": "normal", "mean": 0.07, "sd": tau}, sd=0.1))
    results = simulate(scenario, paths=PRECISE_PATHS, seed=3, workers=1)
    _check(results, _exceedance(0.07 * n, 0.1**2 * n + (tau * n) ** 2), PRECISE_PATHS)


def test_heavy_tails_keep_the_stated_spread():
    # independent years: each path's six years are six draws of the law, so 3,500 paths give 21,000 draws (a t with
    # 4 degrees of freedom has no fourth moment: the sample sd needs that many draws to sit within 10% of 0.2)
    organic = simulate_chunk(build(organic_only(mean=0.0, sd=0.2, df=4.0, horizon=2030)), 4, 0, 3_500).by_component[:, :, 0]
    log_growth = np.diff(np.log(np.column_stack([np.full(organic.shape[0], 12.4), organic])), axis=1).ravel()
    assert log_growth.size == 21_000
    assert abs(log_growth.std() - 0.2) < 0.02
    # fatter tails than the normal law with the same sd
    assert stats.kurtosis(log_growth) > 1.0


def test_partly_observed_year_keeps_the_observed_months():
    # 7.0 over January-June, +20%: the same months of 2024 held 7.0 / 1.2, the rest of 2024 12.4 - 7.0 / 1.2
    raw = organic_only(mean=0.1, sd=0.0, horizon=2027)
    raw["trade"]["observed"] = {"months": 6, "value_usd_bn": 7.0, "yoy_growth": 0.2, "rest_of_year_log_growth": 0.05}
    trade = simulate_chunk(build(raw), 1, 0, 3).by_component
    o2025 = 7.0 + (12.4 - 7.0 / 1.2) * math.exp(0.05)
    expected = [o2025, o2025 * math.exp(0.1), o2025 * math.exp(0.2)]
    for path in trade:
        np.testing.assert_allclose(path[:, 0], expected, rtol=1e-12)


def test_observed_year_with_default_rest_of_year_is_centred_on_the_observed_growth():
    raw = organic_only(mean=0.0, sd=0.1, horizon=2025)
    raw["trade"]["observed"] = {"year": 2025, "months": 7, "value_usd_bn": 8.78, "yoy_growth": 0.23}
    trade = simulate_chunk(build(raw), 1, 0, 4000).by_component[:, 0, 0]
    rest = (trade - 8.78) / (12.4 - 8.78 / 1.23)
    assert abs(np.median(np.log(rest)) - math.log(1.23)) < 0.01
    assert abs(np.log(rest).std() - 0.1) < 0.01


def test_a_revised_observation_moves_the_observed_months_by_the_drawn_revision():
    raw = organic_only(mean=0.0, sd=0.0, horizon=2025)
    raw["trade"]["observed"] = {"months": 7, "value_usd_bn": 8.78, "yoy_growth": 0.23, "revision_sd": 0.05, "rest_of_year_log_growth": 0.0}
    trade = simulate_chunk(build(raw), 1, 0, 4000).by_component[:, 0, 0]
    revised = trade - (12.4 - 8.78 / 1.23)  # the unobserved months do not grow (rest_of_year_log_growth = 0)
    assert abs(np.log(revised / 8.78).std() - 0.05) < 0.003
    assert abs(np.median(np.log(revised / 8.78))) < 0.005


@pytest.mark.parametrize("year_index", [0, 3, 5])
def test_deterministic_growth_hits_the_target_in_the_computed_year(year_index):
    # with no noise, 12.4 exp(mu n) >= 20 first when n = ceil(log(20/12.4) / mu)
    mu = math.log(20 / 12.4) / (year_index + 1) + 1e-6
    results = simulate(build(organic_only(mean=mu, sd=0.0)), paths=10, seed=1)
    assert results.summary["hit_year"]["p50"] == 2025 + year_index
    assert results.summary["hit_year"]["share_never"] == 0.0
