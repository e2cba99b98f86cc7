"""The reference scenario's organic laws, exports split and reporter gap are the ones the history gives.

If the history, the fits or the scenario change, these tests say which number
is out of step, so the reference cannot drift away from its calibration.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT, reference
from scipy import special

from sim.calibration import fit_growth, load_series, whole_trade_law
from sim.calibration.context import load_trade_context
from sim.calibration.reporters import fit_reporter_gap
from sim.calibration.shares import fit_share_law
from sim.calibration.split import fit_turnover_split
from sim.calibration.views import fitted_laws
from sim.engine import simulate_chunk
from sim.releases import load_releases
from sim.scenario import load_scenario

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"
CONTEXT = ROOT / "seeds" / "uz_trade_context.csv"
U = (np.arange(100_000) + 0.5) / 100_000


@pytest.fixture(scope="module")
def fit():
    return fit_growth(*load_series(HISTORY, reporter="UZ"))


@pytest.fixture(scope="module")
def context():
    return load_trade_context(CONTEXT, HISTORY)


def test_the_history_gives_the_fit_the_random_walk_variant_cites(fit):
    # [GROWTH-FIT] in seeds/facts.md and the comments of scenarios/uz_cn_random_walk.toml
    assert fit.model == "normal"
    assert fit.mean == pytest.approx(0.1276, abs=5e-5)
    assert fit.mean_se == pytest.approx(0.0497, abs=5e-5)
    assert fit.sd == pytest.approx(0.1859, abs=5e-5)
    assert fit.log_sd_se == pytest.approx(0.2136, abs=5e-4)


def test_the_random_walk_variant_as_a_whole_grows_like_the_history(fit):
    variant = load_scenario(ROOT / "scenarios" / "uz_cn_random_walk.toml")
    g = variant.trade.growth
    assert g.mean.ppf(U).std() == pytest.approx(fit.mean_se, rel=0.01)
    sd = g.sd.ppf(np.array([0.5, 0.9]))
    assert sd[1] / sd[0] == pytest.approx(np.exp(1.2816 * fit.log_sd_se), rel=0.01)
    law = whole_trade_law(variant, paths=3000, seed=0)
    # Monte Carlo standard error of the mean is about 0.0013 (path-mean sd 0.072 / sqrt(3000))
    assert law.mean == pytest.approx(fit.mean, abs=0.005)
    assert law.sd == pytest.approx(fit.sd, abs=0.01)
    assert 0.002 < law.mean - law.organic_mean < 0.03


def test_the_reference_total_trade_law_is_the_fit_of_uzbekistans_total_trade(context):
    # [TOTAL-FIT]
    total = fit_growth(context.total.years, context.total.values)
    assert total.model == "normal"
    assert total.mean == pytest.approx(0.0789, abs=5e-5) and total.mean_se == pytest.approx(0.0361, abs=5e-5)
    law = reference().trade.structural
    assert law.total_base_usd_bn == context.total.as_dict()[2024]
    assert law.total_growth.mean.ppf(U).mean() == pytest.approx(total.mean, abs=1e-5)
    assert law.total_growth.mean.ppf(U).std() == pytest.approx(total.mean_se, rel=0.01)
    assert law.total_growth.sd.ppf(np.array([0.5]))[0] == pytest.approx(total.sd, rel=0.01)


def test_the_reference_share_law_is_the_fit_less_what_the_modelled_flows_add(context):
    # [SHARE-FIT]: persistence and sd as fitted; the long run lowered by the flows' share (next test)
    share = fit_share_law(context.partner_share.years, context.partner_share.values)
    assert special.expit(share.zbar) == pytest.approx(0.186, abs=5e-4)
    law = reference().trade.structural.share
    long_run_logit = special.logit(law.long_run.ppf(U))
    assert long_run_logit.std() == pytest.approx(share.zbar_se, rel=0.01)
    assert law.sd.ppf(np.array([0.5]))[0] == pytest.approx(share.sd, rel=0.01)
    assert law.persistence.support() == (0.0, 0.99)


def test_the_reference_as_a_whole_keeps_chinas_share_at_its_fitted_long_run(context):
    share = fit_share_law(context.partner_share.years, context.partner_share.values)
    # the railway's uplift aside (a route the record does not contain), 2026-2035
    s = reference().replace({"pipeline.projects.cku_railway.trade_level_uplift": 0.0, "trade.law": "reverting"})
    # 1,000 paths: the standard error of the whole share is about 0.0004 and of the flows' share 0.0004, so the
    # tolerance 0.004 and the flows' bounds are 7 or more of them away (a long run 20% off moves the share by 0.03)
    paths = simulate_chunk(s, 0, 0, 1000)
    whole = paths.partner_share[:, 1:].mean()
    assert whole == pytest.approx(special.expit(share.zbar), abs=0.004)
    # and the flows are what lifts it above the organic share: about half a point of Uzbekistan's trade since
    # [pipeline.flow_scale] scales them as the record allows ([REPLAY-FIT]; 2.5 points with the coefficients as first assumed)
    organic = paths.by_component[:, 1:, 0]
    flows_share = (paths.turnover[:, 1:] - organic) / paths.country_total[:, 1:]
    assert 0.002 < flows_share.mean() < 0.01


@pytest.mark.parametrize(("law", "kind"), [("local_level", "local_level"), ("trend", "trend")])
def test_under_a_walk_the_reference_as_a_whole_moves_chinas_share_as_the_fitted_walk_does(law: str, kind: str):
    """The allowance for the modelled flows (0.0035 logit a year off the organic drift, the flows scaled as [REPLAY-FIT] allows) gives the whole share the fitted walk's
    drift over 2026-2035: none for the local level, the record's for the trend (the railway's uplift aside)."""
    s = reference().replace({"pipeline.projects.cku_railway.trade_level_uplift": 0.0, "trade.law": law})
    record = load_releases(ROOT / "seeds" / "uz_cn_releases.csv")
    fit = fitted_laws(s, s.trade.as_of, 2024).walks[law]
    paths = simulate_chunk(s, 0, 0, 3000)
    z = special.logit(paths.partner_share[:, 1:11]).mean(axis=0)
    slope = np.polyfit(np.arange(10), z, 1)[0]
    assert record and fit.kind == kind
    # the mean logit's slope has a Monte Carlo error of about 0.002 a year with 3,000 paths
    assert slope == pytest.approx(fit.drift, abs=0.006), (slope, fit.drift)


def test_the_reference_exports_share_law_is_the_joint_fit_with_turnover(context):
    # [SPLIT-FIT]: persistence, sd and correlation as fitted; the long run (not identified) an argued assumption
    split = fit_turnover_split(context.bilateral.years, context.bilateral.values, context.exports_share.years, context.exports_share.values)
    law = reference().trade.exports_share
    assert law.correlation == pytest.approx(split.correlation, abs=1e-5)
    assert law.sd.ppf(np.array([0.5]))[0] == pytest.approx(split.share.sd, rel=0.01)
    assert split.share.zbar_se > 1.0  # why the long run is an assumption
    assert law.long_run.ppf(np.array([0.5]))[0] == pytest.approx(2.05 / 12.4, abs=1e-3)  # the 2024 share [T-2024-SPLIT]


def test_the_reference_gap_is_the_fitted_gap():
    gap = fit_reporter_gap(HISTORY, "UZ", "CN")
    table = reference().trade.reporter_gap
    assert table.reporter == "CN"
    assert table.mean.ppf(U).mean() == pytest.approx(gap.mean, abs=1e-4)
    assert table.mean.ppf(U).std() == pytest.approx(gap.mean_se, abs=1e-4)
    assert table.sd.ppf(np.array([0.5]))[0] == pytest.approx(gap.sd, rel=0.01)


def test_uzbekistans_total_trade_in_the_reference_grows_like_its_fit(context):
    # shocks and the flows ride on the fitted law of total trade: the whole must still look like the record
    total = fit_growth(context.total.years, context.total.values)
    # 1,500 paths: standard errors about 0.0015 for the mean growth (about 0.003 above the fit: shocks and flows) and 0.0014
    # for the within-path sd (about 0.009 above): both at least 4 of them inside the tolerances; a law 20% off in either
    # its mean or its sd moves them by 0.016 or 0.027, outside
    paths = simulate_chunk(reference(), 0, 0, 1500)
    d = np.diff(np.log(paths.country_total[:, 1:]), axis=1)  # whole years after the observed 2025
    within = np.sqrt((((d - d.mean(axis=1, keepdims=True)) ** 2).sum(axis=1) / (d.shape[1] - 1)).mean())
    assert d.mean() == pytest.approx(total.mean, abs=0.01)
    assert within == pytest.approx(total.sd, abs=0.015)
