"""Turnover and its split into exports and imports, fitted jointly (sim.calibration.split)."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from helpers import ROOT
from scipy import special, stats

from sim.calibration import fit_growth, growth_loglik
from sim.calibration.context import load_trade_context
from sim.calibration.shares import share_loglik
from sim.calibration.split import fit_turnover_split, turnover_split_loglik

# turnover with gaps; the split published in some turnover years, in a year without turnover (2002) and after the last (2010)
TURNOVER_YEARS = np.array([2000, 2001, 2003, 2004, 2005, 2008])
TURNOVER = np.array([2.0, 2.3, 2.9, 3.1, 3.0, 4.4])
SPLIT_YEARS = np.array([2001, 2002, 2005, 2006, 2010])
SPLIT = np.array([0.4, 0.36, 0.3, 0.33, 0.25])


def _direct_loglik(ty, tv, sy, ss, mean, sd, long_run, phi, share_sd, rho) -> float:
    """The multivariate normal log density of every observed component, from the linear model written out in full.

    Unknowns: the stationary start of the share logit (when the split is not
    published in the first turnover year) and the yearly innovation pairs.
    ``y_t = y_0 + mean t + sd sum_{u<=t} e1_u``;
    ``z_t = zbar + phi**t (z_0 - zbar) + share_sd sum_{u<=t} phi**(t-u) e2_u``.
    """
    t0, last = int(ty[0]), int(max(ty[-1], sy[-1]))
    n = last - t0 + 1
    zbar = special.logit(long_run)
    z0_seen = t0 in set(sy.tolist())
    z0 = special.logit(ss[list(sy).index(t0)]) if z0_seen else zbar
    n_noise = 2 * (n - 1) + (0 if z0_seen else 1)
    noise_cov = np.eye(n_noise)
    for u in range(1, n):
        i = 2 * (u - 1)
        noise_cov[i, i + 1] = noise_cov[i + 1, i] = rho
    w = n_noise - 1  # index of the stationary start (if any)
    means, rows, values = [], [], []
    for year, v in zip(ty[1:], tv[1:], strict=True):
        t = int(year) - t0
        row = np.zeros(n_noise)
        row[[2 * (u - 1) for u in range(1, t + 1)]] = sd
        means.append(math.log(tv[0]) + mean * t)
        rows.append(row)
        values.append(math.log(v))
    for year, s in zip(sy, ss, strict=True):
        t = int(year) - t0
        if t == 0:
            continue
        row = np.zeros(n_noise)
        for u in range(1, t + 1):
            row[2 * (u - 1) + 1] = share_sd * phi ** (t - u)
        if not z0_seen:
            row[w] = phi**t * share_sd / math.sqrt(1 - phi**2)
        means.append(zbar + phi**t * (z0 - zbar))
        rows.append(row)
        values.append(special.logit(s))
    a = np.array(rows)
    return float(stats.multivariate_normal(np.array(means), a @ noise_cov @ a.T).logpdf(np.array(values)))


@pytest.mark.parametrize(
    ("phi", "rho"),
    [(0.02, 0.0), (0.5, 0.6), (0.95, -0.8), (0.02, -0.3), (0.95, 0.0)],
)
@pytest.mark.parametrize("split_in_first_year", [False, True])
def test_kalman_likelihood_with_missing_splits_equals_the_direct_multivariate_normal(phi, rho, split_in_first_year):
    sy, ss = SPLIT_YEARS, SPLIT
    if split_in_first_year:
        sy, ss = np.concatenate([[2000], sy]), np.concatenate([[0.45], ss])
    params = {"mean": 0.08, "sd": 0.15, "long_run": 0.35, "persistence": phi, "share_sd": 0.2, "correlation": rho}
    got = turnover_split_loglik(TURNOVER_YEARS, TURNOVER, sy, ss, **params)
    expected = _direct_loglik(TURNOVER_YEARS, TURNOVER, sy, ss, 0.08, 0.15, 0.35, phi, 0.2, rho)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_without_correlation_the_joint_likelihood_is_the_random_walk_times_the_share_law():
    ty, tv = np.arange(2000, 2012), np.exp(np.linspace(0.5, 1.6, 12) + 0.1 * np.sin(np.arange(12)))
    sy, ss = np.array([2000, 2001, 2004, 2005, 2009]), np.array([0.45, 0.41, 0.38, 0.35, 0.3])
    joint = turnover_split_loglik(ty, tv, sy, ss, 0.1, 0.12, 0.3, 0.6, 0.2, 0.0)
    # the split is published in the first year, so the share's start is conditional in both
    assert joint == pytest.approx(growth_loglik(ty, tv, "normal", 0.1, 0.12) + share_loglik(sy, ss, 0.3, 0.6, 0.2), rel=1e-12)


def test_a_turnover_only_year_informs_the_share_only_through_the_correlation():
    ty, tv = np.arange(2000, 2012), np.exp(np.linspace(0.5, 1.6, 12) + 0.1 * np.sin(np.arange(12)))
    sy, ss = np.array([2000, 2003, 2006, 2009]), np.array([0.45, 0.41, 0.35, 0.3])
    without = np.ones(ty.size, dtype=bool)
    without[5] = False  # 2005: turnover, no split
    for rho, share_term_moves in ((0.0, False), (-0.6, True)):
        params = (0.1, 0.12, 0.3, 0.6, 0.2, rho)
        change = turnover_split_loglik(ty, tv, sy, ss, *params) - turnover_split_loglik(ty[without], tv[without], sy, ss, *params)
        turnover_term = growth_loglik(ty, tv, "normal", 0.1, 0.12) - growth_loglik(ty[without], tv[without], "normal", 0.1, 0.12)
        assert (abs(change - turnover_term) > 1e-3) == share_term_moves, rho
        if not share_term_moves:
            assert change == pytest.approx(turnover_term, abs=1e-12)


def _simulated(n: int, mean, sd, zbar, phi, share_sd, rho, seed: int):
    rng = np.random.default_rng(seed)
    e = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)
    y, z = np.empty(n), np.empty(n)
    y[0], z[0] = math.log(2.0), zbar + share_sd / math.sqrt(1 - phi**2) * rng.standard_normal()
    for t in range(1, n):
        y[t] = y[t - 1] + mean + sd * e[t, 0]
        z[t] = zbar + phi * (z[t - 1] - zbar) + share_sd * e[t, 1]
    return np.arange(1900, 1900 + n), np.exp(y), special.expit(z)


def test_joint_fit_recovers_known_parameters_with_the_split_seen_every_third_year():
    truth = {"mean": 0.06, "sd": 0.12, "zbar": special.logit(0.35), "phi": 0.7, "share_sd": 0.25, "rho": -0.5}
    years, turnover, share = _simulated(150, *truth.values(), seed=3)
    seen = np.arange(1, 150, 3)  # the split is missing in the first year and two years out of three
    fit = fit_turnover_split(years, turnover, years[seen], share[seen])
    assert abs(fit.mean - truth["mean"]) < 3 * fit.mean_se
    assert abs(math.log(fit.sd / truth["sd"])) < 3 * fit.log_sd_se
    assert abs(fit.share.zbar - truth["zbar"]) < 3 * fit.share.zbar_se
    assert abs(math.atanh(fit.share.persistence) - math.atanh(truth["phi"])) < 3 * fit.share.atanh_persistence_se
    assert abs(math.log(fit.share.sd / truth["share_sd"])) < 3 * fit.share.log_sd_se
    assert abs(math.atanh(fit.correlation) - math.atanh(truth["rho"])) < 3 * fit.atanh_correlation_se
    # every standard error is finite and positive (no parameter at a bound)
    ses = [fit.mean_se, fit.log_sd_se, fit.share.zbar_se, fit.share.atanh_persistence_se, fit.share.log_sd_se, fit.atanh_correlation_se]
    assert all(math.isfinite(s) and s > 0 for s in ses)
    # the reported maximum is the likelihood at the estimates
    estimates = (fit.mean, fit.sd, fit.share.long_run, fit.share.persistence, fit.share.sd, fit.correlation)
    assert turnover_split_loglik(years, turnover, years[seen], share[seen], *estimates) == pytest.approx(fit.loglik, abs=1e-8)


def test_joint_fit_on_the_uzbek_data_is_close_to_the_random_walk_fit_and_writes_an_exports_share_table():
    ctx = load_trade_context(ROOT / "seeds" / "uz_trade_context.csv", ROOT / "seeds" / "uz_cn_trade_history.csv")
    fit = fit_turnover_split(ctx.bilateral.years, ctx.bilateral.values, ctx.exports_share.years, ctx.exports_share.values, source="ctx")
    walk = fit_growth(ctx.bilateral.years, ctx.bilateral.values, models=("normal",))
    assert abs(fit.mean - walk.mean) < 0.2 * walk.mean_se
    assert abs(fit.sd - walk.sd) < 0.2 * walk.sd_se
    table = tomllib.loads(fit.block())["trade"]["exports_share"]
    assert set(table) == {"long_run", "persistence", "sd", "correlation"}
    assert -1.0 <= table["correlation"] <= 1.0
    assert table["correlation"] == pytest.approx(fit.correlation, rel=1e-5)
    assert fit.share.years == (2010, 2011, 2020, 2022, 2023)


def test_joint_fit_refuses_too_few_splits_and_splits_before_the_turnover():
    with pytest.raises(ValueError, match="4 with a published split"):
        fit_turnover_split(np.arange(2000, 2010), np.linspace(1, 2, 10), [2001, 2005], [0.4, 0.3])
    with pytest.raises(ValueError, match="before the first turnover year"):
        turnover_split_loglik([2001, 2002], [1.0, 1.1], [2000], [0.4], 0.1, 0.1, 0.3, 0.5, 0.2, 0.0)
