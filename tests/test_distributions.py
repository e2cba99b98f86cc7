"""The uncertain-input vocabulary: each fast quantile function equals its scipy.stats counterpart."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.distributions import Choice, Lognormal, Pert, Uncertain

U = np.linspace(0.0005, 0.9995, 2001)
PARSE = TypeAdapter(Uncertain).validate_python


@pytest.mark.parametrize(
    "table",
    [
        {"dist": "uniform", "min": -1.0, "max": 3.0},
        {"dist": "triangular", "min": 1.0, "mode": 1.5, "max": 4.0},
        {"dist": "triangular", "min": 0.0, "mode": 0.0, "max": 1.0},
        {"dist": "normal", "mean": 0.07, "sd": 0.03},
        {"dist": "lognormal", "median": 0.095, "p90": 0.34},
        {"dist": "logitnormal", "median": 0.186, "p90": 0.21},
        {"dist": "logitnormal", "median": 0.5, "p90": 0.9},
    ],
)
def test_quantiles_equal_scipy(table):
    d = PARSE(table)
    np.testing.assert_allclose(d.ppf(U), d.to_scipy().ppf(U), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode", [1.0, 1.01, 1.3, 2.0, 2.5, 3.9, 4.0])
@pytest.mark.parametrize("lamb", [2.0, 4.0, 8.0])
def test_pert_quantiles_are_within_1e_5_of_the_range_of_scipy(mode, lamb):
    d = Pert(dist="pert", min=1.0, mode=mode, max=4.0, lamb=lamb)
    u = np.concatenate([np.linspace(0, 1, 200_001), [1e-12, 0.00999, 0.01, 0.99, 0.99001, 1 - 1e-12]])
    assert np.max(np.abs(d.ppf(u) - d.to_scipy().ppf(u))) <= 1e-5 * 3.0


def test_pert_mean_is_the_classic_formula():
    d = Pert(dist="pert", min=1.0, mode=2.0, max=4.0)
    assert d.to_scipy().mean() == pytest.approx((1 + 4 * 2 + 4) / 6)


def test_lognormal_is_given_by_median_and_p90():
    d = Lognormal(dist="lognormal", median=3.0, p90=4.5)
    assert d.to_scipy().median() == pytest.approx(3.0)
    assert d.to_scipy().ppf(0.9) == pytest.approx(4.5)


def test_logitnormal_is_a_share_given_by_median_and_p90():
    d = PARSE({"dist": "logitnormal", "median": 0.186, "p90": 0.25})
    assert d.to_scipy().median() == pytest.approx(0.186)
    assert d.to_scipy().ppf(0.9) == pytest.approx(0.25)
    assert d.support() == (0.0, 1.0)
    draws = d.ppf(np.random.default_rng(1).random(100_000))
    assert 0.0 < draws.min() and draws.max() < 1.0


def test_choice_picks_values_with_their_weights():
    d = Choice(dist="choice", values=[2029.0, 2030.0, 2033.0], weights=[1, 2, 1])
    draws = d.ppf(np.random.default_rng(0).random(40_000))
    shares = [np.mean(draws == v) for v in (2029.0, 2030.0, 2033.0)]
    np.testing.assert_allclose(shares, [0.25, 0.5, 0.25], atol=0.01)
    assert d.to_scipy().pmf(1) == pytest.approx(0.5)


def test_a_plain_number_is_a_fixed_value():
    d = PARSE(4.665)
    assert d.is_fixed and np.all(d.ppf(U) == 4.665)


def test_quantiles_are_monotone_in_u_for_common_random_numbers():
    for table in ({"dist": "pert", "min": 1, "mode": 2, "max": 4}, {"dist": "triangular", "min": 0, "mode": 1, "max": 5}):
        assert np.all(np.diff(PARSE(table).ppf(U)) >= 0)
