"""The logit AR(1) share law: likelihood with gaps, fit, scenario table and simulation (sim.calibration.shares)."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from scipy import special, stats

from sim.calibration import shares as sh
from sim.distributions import as_distribution

Z90 = float(stats.norm.ppf(0.9))


def _logit_path(n: int, zbar: float, phi: float, sd: float, z0: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = np.empty(n)
    z[0] = z0
    for t in range(1, n):
        z[t] = zbar + phi * (z[t - 1] - zbar) + sd * rng.standard_normal()
    return z


# ---------------------------------------------------------------- likelihood


@pytest.mark.parametrize(("phi", "sd"), [(0.0, 0.1), (0.45, 0.2), (-0.3, 0.05), (0.95, 0.3)])
def test_share_likelihood_with_gaps_is_the_conditional_multivariate_normal_of_the_logits(phi, sd):
    years = np.array([2010, 2017, 2018, 2019, 2021, 2022, 2025])
    shares = np.array([0.09, 0.18, 0.19, 0.17, 0.2, 0.22, 0.16])
    long_run = 0.2
    zbar, z = special.logit(long_run), special.logit(shares)
    # the full stationary AR(1) covariance of the observed years, then Gaussian conditioning on the first
    cov = sd**2 / (1 - phi**2) * phi ** np.abs(years[:, None] - years[None, :]).astype(float)
    c00, c0r, crr = cov[0, 0], cov[0, 1:], cov[1:, 1:]
    mean = zbar + c0r / c00 * (z[0] - zbar)
    expected = stats.multivariate_normal(mean, crr - np.outer(c0r, c0r) / c00).logpdf(z[1:])
    assert sh.share_loglik(years, shares, long_run, phi, sd) == pytest.approx(expected, rel=1e-10)


def test_share_likelihood_refuses_shares_outside_the_unit_interval():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sh.share_loglik([2020, 2021], [0.2, 1.0], 0.2, 0.1, 0.1)
    with pytest.raises(ValueError, match="increasing"):
        sh.share_loglik([2021, 2020], [0.2, 0.3], 0.2, 0.1, 0.1)


# ---------------------------------------------------------------- fit


def test_fit_recovers_a_known_share_law_from_a_gapped_series_started_far_from_its_long_run():
    zbar, phi, sd = special.logit(0.2), 0.6, 0.15
    z = _logit_path(260, zbar, phi, sd, z0=special.logit(0.03), seed=4)
    years = np.arange(1800, 2060)
    keep = np.ones(years.size, dtype=bool)
    keep[[3, 4, 50, 51, 52, 120, 200]] = False  # gaps of 2 to 4 years
    fit = sh.fit_share_law(years[keep], special.expit(z[keep]))
    assert fit.n_obs == keep.sum() - 1
    assert abs(fit.zbar - zbar) < 3 * fit.zbar_se
    assert abs(math.atanh(fit.persistence) - math.atanh(phi)) < 3 * fit.atanh_persistence_se
    assert abs(math.log(fit.sd / sd)) < 3 * fit.log_sd_se
    # standard errors of the usual size for n transitions: sd / sqrt(2n) for sd, (1 - phi^2) / sqrt(n) for phi
    n = fit.n_obs
    assert fit.sd_se == pytest.approx(sd / math.sqrt(2 * n), rel=0.3)
    assert fit.persistence_se == pytest.approx((1 - phi**2) / math.sqrt(n), rel=0.3)


def test_fit_is_the_maximum_of_the_likelihood():
    years = np.array([2010, *range(2017, 2025)])
    s = np.array([0.095, 0.178, 0.191, 0.18, 0.176, 0.176, 0.181, 0.219, 0.189])
    fit = sh.fit_share_law(years, s)
    best = sh.share_loglik(years, s, fit.long_run, fit.persistence, fit.sd)
    assert best == pytest.approx(fit.loglik, abs=1e-9)
    for d_zbar, d_phi, d_sd in ((0.02, 0, 0), (0, 0.05, 0), (0, 0, 0.01), (-0.02, -0.05, -0.01)):
        moved = sh.share_loglik(years, s, special.expit(fit.zbar + d_zbar), fit.persistence + d_phi, fit.sd + d_sd)
        assert moved < best


def test_fewer_than_five_transitions_are_refused():
    with pytest.raises(ValueError, match="at least 5 transitions"):
        sh.fit_share_law([2019, 2020, 2021, 2022, 2023], [0.18, 0.18, 0.18, 0.22, 0.19])


# ---------------------------------------------------------------- the scenario table


def test_persistence_law_is_the_tanh_normal_conditioned_on_the_scenario_range_as_a_pert():
    phi, se = 0.3, 0.4
    a = math.atanh(phi)
    cut = stats.truncnorm((0.0 - a) / se, (math.atanh(0.99) - a) / se, loc=a, scale=se)
    table = sh.persistence_law(phi, se)
    assert table["dist"] == "pert" and table["min"] == 0.0 and table["max"] == 0.99
    got = as_distribution(table).ppf(np.array([0.5, 0.9]))
    assert got == pytest.approx(np.tanh(cut.ppf([0.5, 0.9])), rel=1e-4)
    # without a finite standard error: the estimate clipped to [0, 0.99]
    assert sh.persistence_law(-0.4, math.nan) == 0.0
    assert sh.persistence_law(0.995, math.nan) == 0.99
    assert sh.persistence_law(0.5, math.nan) == 0.5


def test_share_block_parses_and_carries_the_estimates_and_their_uncertainty():
    z = _logit_path(80, special.logit(0.3), 0.5, 0.2, special.logit(0.3), seed=1)
    fit = sh.fit_share_law(np.arange(1950, 2030), special.expit(z), source="simulated")
    block = fit.block("trade.exports_share")
    assert "simulated" in block and "1950-2029" in block and "conditional on the first year" in block
    table = tomllib.loads(block)["trade"]["exports_share"]
    assert set(table) == {"long_run", "persistence", "sd"}
    long_run = table["long_run"]
    assert long_run["dist"] == "logitnormal"
    assert long_run["median"] == pytest.approx(special.expit(fit.zbar), rel=1e-5)
    assert long_run["p90"] == pytest.approx(special.expit(fit.zbar + Z90 * fit.zbar_se), rel=1e-5)
    sd = as_distribution(table["sd"])
    assert sd.ppf(np.array([0.5, 0.9])) == pytest.approx([fit.sd, fit.sd * math.exp(Z90 * fit.log_sd_se)], rel=1e-4)
    assert 0 <= sd.support()[0] and sd.support()[1] <= sh.SHARE_SD_MAX
    lo, hi = as_distribution(table["persistence"]).support()
    assert sh.PERSISTENCE_RANGE[0] <= lo and hi <= sh.PERSISTENCE_RANGE[1]


# ---------------------------------------------------------------- simulation


def test_simulated_logits_have_the_closed_form_k_step_law_of_the_ar1():
    zbar, phi, sd, start = special.logit(0.2), 0.7, 0.3, 0.08
    law = {"long_run": 0.2, "persistence": phi, "sd": sd}
    sims = sh.simulate_shares(law, start, 4, 200_000, np.random.default_rng(0))
    assert sims.shape == (200_000, 4)
    for h in range(1, 5):
        mean = zbar + phi**h * (special.logit(start) - zbar)
        spread = sd * math.sqrt((1 - phi ** (2 * h)) / (1 - phi**2))
        q = [0.05, 0.25, 0.5, 0.75, 0.95]
        # quantile standard errors are below 0.005 * spread with 200,000 paths
        assert np.quantile(special.logit(sims[:, h - 1]), q) == pytest.approx(stats.norm(mean, spread).ppf(q), abs=0.02 * spread)


def test_a_share_law_without_noise_moves_geometrically_to_its_long_run():
    law = {"long_run": 0.25, "persistence": 0.5, "sd": 0.0}
    sims = sh.simulate_shares(law, 0.1, 3, 5, np.random.default_rng(0))
    zbar, z0 = special.logit(0.25), special.logit(0.1)
    expected = special.expit(zbar + 0.5 ** np.arange(1, 4) * (z0 - zbar))
    assert np.allclose(sims, expected[None, :], rtol=1e-12)
