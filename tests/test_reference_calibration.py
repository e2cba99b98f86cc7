"""The reference scenario's growth law and reporter gap are the ones the history gives.

If the history, the fit or the scenario changes, these tests say which number
is out of step, so the reference cannot drift away from its calibration.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import ROOT, reference

from sim.calibration import fit_growth, load_series, whole_trade_law
from sim.reporters import fit_reporter_gap

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"


@pytest.fixture(scope="module")
def fit():
    return fit_growth(*load_series(HISTORY, reporter="UZ"))


def test_the_history_gives_the_fit_the_reference_cites(fit):
    # [GROWTH-FIT] in seeds/facts.md and the comments of scenarios/uz_cn_2025.toml
    assert fit.model == "normal"
    assert fit.mean == pytest.approx(0.1276, abs=5e-5)
    assert fit.mean_se == pytest.approx(0.0497, abs=5e-5)
    assert fit.sd == pytest.approx(0.1859, abs=5e-5)
    assert fit.log_sd_se == pytest.approx(0.2136, abs=5e-4)


def test_the_reference_carries_the_fits_parameter_uncertainty(fit):
    g = reference().trade.growth
    u = (np.arange(100_000) + 0.5) / 100_000
    assert g.mean.ppf(u).std() == pytest.approx(fit.mean_se, rel=0.01)
    sd = g.sd.ppf(np.array([0.5, 0.9]))
    # the organic sd has the fit's relative uncertainty: p90 / median = exp(1.2816 se(ln sd))
    assert sd[1] / sd[0] == pytest.approx(np.exp(1.2816 * fit.log_sd_se), rel=0.01)
    assert g.persistence == 0.0 and g.df is None


def test_the_reference_as_a_whole_grows_like_the_history(fit):
    law = whole_trade_law(reference(), paths=3000, seed=0)
    # Monte Carlo standard error of the mean is about 0.0013 (path-mean sd 0.072 / sqrt(3000))
    assert law.mean == pytest.approx(fit.mean, abs=0.005)
    assert law.sd == pytest.approx(fit.sd, abs=0.01)
    # projects and measures add a positive, modest part of the growth (about 0.009 a year)
    assert 0.002 < law.mean - law.organic_mean < 0.03


def test_the_reference_gap_is_the_fitted_gap():
    gap = fit_reporter_gap(HISTORY, "UZ", "CN")
    table = reference().trade.reporter_gap
    assert table.reporter == "CN"
    u = (np.arange(100_000) + 0.5) / 100_000
    assert table.mean.ppf(u).mean() == pytest.approx(gap.mean, abs=1e-4)
    assert table.mean.ppf(u).std() == pytest.approx(gap.mean_se, abs=1e-4)
    assert table.sd.ppf(np.array([0.5]))[0] == pytest.approx(gap.sd, rel=0.01)
