"""Candidate organic laws: each law's closed forms, the mixture, one law named alone, the fits, the weights, responsiveness."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from helpers import build, organic_only, reference
from scipy import optimize, special, stats

from sim import simulate
from sim.calibration.shares import fit_share_law
from sim.calibration.stacking import bootstrap_stacking, group_weights, leave_one_group_out, mixture_log_score, stacking_weights
from sim.calibration.walks import fit_share_walk
from sim.engine import simulate_chunk
from sim.engine.sampling import PathStreams, law_of_paths
from sim.scenario import ScenarioError, scenario_from_dict

# Monte Carlo paths for the closed-form checks: every tolerance below is at least 4 standard errors at this count,
# and each check still fails for a law 20% off in the variance (or sd) it checks.
PATHS = 5_000
# 4 standard errors of a normal sample's variance, relative: sd(s^2) / sigma^2 = sqrt(2 / n)
VAR_REL = 4 * math.sqrt(2 / PATHS)
# the mixture's reverting law draws half the paths: 8,000 give it about 4,000
MIXTURE_PATHS = 8_000
Z0 = special.logit(12.4 / 65.9)


def structural(share: dict, total_growth: dict | None = None, horizon: int = 2030) -> dict:
    """An organic-only scenario with the structural law: base 12.4 of Uzbekistan's 65.9."""
    raw = organic_only(horizon=horizon)
    del raw["trade"]["growth"]
    raw["trade"]["structural"] = {
        "total_base_usd_bn": 65.9,
        "total_growth": total_growth or {"mean": 0.0, "sd": 0.0},
        "share": share,
    }
    return raw


REVERTING = {"long_run": 0.186, "persistence": 0.5, "sd": 0.1}
LOCAL_LEVEL = {"long_run": 0.2, "persistence": 1.0, "sd": 0.12}
TREND = {"long_run": 0.2, "persistence": 1.0, "sd": 0.08, "drift": 0.05}


def mixture(weights: tuple[float, float, float] = (0.5, 0.3, 0.2), law: str | None = None) -> dict:
    raw = structural(REVERTING, {"mean": 0.06, "sd": 0.1})
    raw["trade"]["laws"] = {
        "reverting": {"kind": "reverting", "weight": weights[0]},
        "level": {"kind": "local_level", "weight": weights[1], "share": LOCAL_LEVEL},
        "trend": {"kind": "trend", "weight": weights[2], "share": TREND},
    }
    if law is not None:
        raw["trade"]["law"] = law
    return raw


# ---------------------------------------------------------------- each law against its closed form


def test_a_local_level_keeps_its_start_in_the_mean_and_its_variance_grows_with_the_horizon():
    z = special.logit(simulate_chunk(build(structural(LOCAL_LEVEL, horizon=2028)), 3, 0, PATHS).partner_share)
    for k in range(4):
        var = (k + 1) * 0.12**2
        assert z[:, k].mean() == pytest.approx(Z0, abs=4 * math.sqrt(var / PATHS))
        assert z[:, k].var() == pytest.approx(var, rel=VAR_REL)


def test_a_trend_moves_the_logit_by_its_drift_a_year():
    z = special.logit(simulate_chunk(build(structural(TREND, horizon=2028)), 4, 0, PATHS).partner_share)
    for k in range(4):
        var = (k + 1) * 0.08**2
        assert z[:, k].mean() == pytest.approx(Z0 + 0.05 * (k + 1), abs=4 * math.sqrt(var / PATHS))
        assert z[:, k].var() == pytest.approx(var, rel=VAR_REL)


def test_a_drawn_drift_adds_its_own_variance_growing_with_the_square_of_the_horizon():
    share = {**TREND, "sd": 0.0, "drift": {"dist": "normal", "mean": 0.03, "sd": 0.02}}
    z = special.logit(simulate_chunk(build(structural(share, horizon=2027)), 5, 0, PATHS).partner_share)
    for k in range(3):
        h = k + 1
        assert z[:, k].mean() == pytest.approx(Z0 + 0.03 * h, abs=4 * 0.02 * h / math.sqrt(PATHS))
        assert z[:, k].std() == pytest.approx(0.02 * h, rel=VAR_REL / 2)  # sd(s) / sigma = sqrt(1 / 2n)


def test_the_reverting_law_in_a_mixture_has_the_ar1_moments_on_its_own_paths():
    s = build(mixture())
    paths = simulate_chunk(s, 6, 0, MIXTURE_PATHS)
    z = special.logit(paths.partner_share[paths.law == 0])
    n = z.shape[0]
    zbar = special.logit(0.186)
    for k in range(3):
        var = 0.1**2 * (1 - 0.25 ** (k + 1)) / (1 - 0.25) + 0.1**2 * 0  # total trade has no effect on the share
        mean = zbar + 0.5 ** (k + 1) * (Z0 - zbar)
        assert z[:, k].mean() == pytest.approx(mean, abs=4 * math.sqrt(var / n))
        assert z[:, k].var() == pytest.approx(var, rel=4 * math.sqrt(2 / n))


# ---------------------------------------------------------------- the mixture


def test_the_mixture_draws_each_law_with_its_weight():
    s = build(mixture())
    paths = 20_000  # drawing each path's law alone is cheap: no need for fewer
    codes = law_of_paths(s, 11, range(paths))
    for k, w in enumerate((0.5, 0.3, 0.2)):
        share = float(np.mean(codes == k))
        assert share == pytest.approx(w, abs=4 * math.sqrt(w * (1 - w) / paths))


def test_a_law_of_weight_zero_draws_no_path():
    s = build(mixture((0.6, 0.0, 0.4)))
    # outside the mixture (step 15): not one of its laws, and the others' paths are the laws' of before
    assert [law.name for law in s.laws] == ["reverting", "trend"]
    codes = law_of_paths(s, 3, range(5000))
    edges = np.cumsum([0.6, 0.0, 0.4])
    u = np.array([PathStreams(3, p)("trade.law").random() for p in range(5000)])
    before = np.minimum(np.searchsorted(edges, u * edges[-1], side="right"), 2)
    assert not np.any(before == 1) and np.array_equal(np.where(before == 2, 1, 0), codes)


def test_a_path_of_the_mixture_is_that_path_of_its_law_alone_bit_for_bit():
    s = build(mixture())
    together = simulate_chunk(s, 8, 0, 300)
    for k, name in enumerate(("reverting", "level", "trend")):
        alone = simulate_chunk(build(mixture(law=name)), 8, 0, 300)
        rows = together.law == k
        assert rows.any()
        for field in ("trade", "country_total", "partner_share", "finance", "wait_counts"):
            assert np.array_equal(getattr(together, field)[rows], getattr(alone, field)[rows], equal_nan=True), (name, field)


def test_laws_that_differ_in_what_assembly_reads_are_assembled_apart_and_each_path_is_still_its_law_alone():
    # The trend law's total trade follows its own AR(1) persistence: assembly reads that from the scenario, so the
    # mixture cannot be assembled in one go (sim.engine.chunk.one_assembly is False) and each law's paths are
    # assembled with their own scenario, then put back in path order.
    from sim.engine.chunk import one_assembly

    raw = mixture()
    raw["trade"]["laws"]["trend"]["total_growth"] = {"mean": 0.06, "sd": 0.1, "persistence": 0.6}
    s = build(raw)
    assert not one_assembly(s)
    together = simulate_chunk(s, 8, 0, 300)
    for k, name in enumerate(("reverting", "level", "trend")):
        law = copy.deepcopy(raw)
        law["trade"]["law"] = name
        alone = simulate_chunk(build(law), 8, 0, 300)
        rows = together.law == k
        assert rows.any()
        for field in ("trade", "country_total", "partner_share", "finance", "wait_counts"):
            assert np.array_equal(getattr(together, field)[rows], getattr(alone, field)[rows], equal_nan=True), (name, field)
    # and the trend law's own persistence is the one its paths were assembled with: not the reverting law's
    reverting = copy.deepcopy(raw)
    reverting["trade"]["laws"]["trend"].pop("total_growth")
    other = simulate_chunk(build(reverting), 8, 0, 300)
    trend = together.law == 2
    assert not np.array_equal(together.country_total[trend], other.country_total[trend])


def test_a_scenario_that_names_one_law_reproduces_that_law_written_alone_bit_for_bit():
    named = simulate(build(mixture(law="trend")), paths=400, seed=5, keep_paths=True, workers=1)
    alone = simulate(build(structural(TREND, {"mean": 0.06, "sd": 0.1})), paths=400, seed=5, keep_paths=True, workers=1)
    assert np.array_equal(named.paths.trade, alone.paths.trade)
    assert named.p_reach_by_year.equals(alone.p_reach_by_year)
    assert list(named.by_law) == ["trend"] and named.by_law["trend"].paths == 400


def test_the_reference_named_as_its_reverting_law_reproduces_the_stated_law_of_before():
    s = reference()
    alone = copy.deepcopy(s.to_json())
    del alone["trade"]["laws"]
    one = s.replace({"trade.law": "reverting"})
    a = simulate(one, paths=200, seed=2, keep_paths=True, workers=1)
    b = simulate(scenario_from_dict(alone, base_dir=s._base_dir), paths=200, seed=2, keep_paths=True, workers=1)
    assert np.array_equal(a.paths.trade, b.paths.trade)


def test_each_laws_answer_is_the_share_of_its_own_paths_and_the_whole_is_their_weighted_sum():
    results = simulate(build(mixture()), paths=3000, seed=9, keep_paths=True, workers=1)
    reached = np.maximum.accumulate(results.paths.turnover >= 20.0, axis=1)
    total = 0.0
    for k, law in enumerate(results.by_law.values()):
        rows = results.paths.law == k
        assert law.paths == int(rows.sum())
        assert law.p_reach(2030)[0] == pytest.approx(float(reached[rows, -1].mean()), abs=1e-12)
        total += law.p_reach(2030)[0] * law.paths
    assert results.p_reach(2030)[0] == pytest.approx(total / 3000, abs=1e-12)
    low, high = results.law_spread(2030)
    assert low == min(law.p_reach(2030)[0] for law in results.by_law.values())
    assert high == max(law.p_reach(2030)[0] for law in results.by_law.values())
    assert results.summary["by_law"]["laws"]["level"]["weight"] == 0.3


def test_the_mixture_is_the_same_on_any_number_of_workers():
    s = build(mixture())
    one = simulate(s, paths=240, seed=4, workers=1, keep_paths=True)
    two = simulate(s, paths=240, seed=4, workers=2, keep_paths=True)
    assert np.array_equal(one.paths.trade, two.paths.trade) and np.array_equal(one.paths.law, two.paths.law)


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"weights": (0.5, 0.3, 0.3)}, "trade.laws", "sum to 1"),
        ({"law": "nope"}, "trade.law", "not a law"),
        ({"trend": {"kind": "trend", "weight": 0.2, "share": {**TREND, "drift": None}}}, "trade.laws.trend.share.drift", "required"),
        ({"trend": {"kind": "reverting", "weight": 0.2, "share": TREND}}, "trade.laws.trend.share.persistence", "below 1"),
        ({"level": {"kind": "local_level", "weight": 0.3, "share": {**LOCAL_LEVEL, "persistence": 0.9}}}, "persistence", "must be 1"),
    ],
)
def test_a_wrong_mixture_is_refused_naming_the_key(change: dict, key: str, words: str):
    raw = mixture(change.get("weights", (0.5, 0.3, 0.2)), change.get("law"))
    for name in ("trend", "level"):
        if name in change:
            table = copy.deepcopy(change[name])
            if table.get("share", {}).get("drift", 0) is None:
                del table["share"]["drift"]
            raw["trade"]["laws"][name] = table
    with pytest.raises(ScenarioError) as err:
        build(raw)
    assert key in str(err.value) and words in str(err.value)


def test_a_drift_on_a_reverting_share_is_refused():
    with pytest.raises(ScenarioError, match="drift"):
        build(structural({**REVERTING, "drift": 0.01}))


# ---------------------------------------------------------------- the fits


def test_the_walk_fits_are_the_maximum_of_their_likelihood_on_a_record_with_gaps():
    years = [2010, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
    shares = [0.0955, 0.1778, 0.1910, 0.1801, 0.1763, 0.1762, 0.1812, 0.2192, 0.1882]
    dz, k = np.diff(special.logit(shares)), np.diff(years).astype(float)

    def nll(theta: np.ndarray, drift: bool) -> float:
        d = theta[1] if drift else 0.0
        return -float(np.sum(stats.norm.logpdf(dz, k * d, np.sqrt(k) * math.exp(theta[0]))))

    for kind, drift in (("local_level", False), ("trend", True)):
        fit = fit_share_walk(years, shares, kind)
        best = optimize.minimize(nll, [math.log(0.1), 0.0], args=(drift,), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
        assert math.log(fit.sd) == pytest.approx(best.x[0], abs=1e-4)
        assert fit.loglik == pytest.approx(-best.fun, abs=1e-6)
        if drift:
            assert fit.drift == pytest.approx(best.x[1], abs=1e-5)
            assert fit.law()["drift"]["mean"] == pytest.approx(fit.drift, rel=1e-5)
        else:
            assert "drift" not in fit.law() and fit.law()["persistence"] == 1.0


def test_the_trend_fit_recovers_a_known_drift_within_its_standard_error():
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(200):
        z = np.cumsum(np.r_[special.logit(0.15), 0.04 + 0.1 * rng.standard_normal(15)])
        fit = fit_share_walk(np.arange(2000, 2016), special.expit(z), "trend")
        hits += abs(fit.drift - 0.04) <= 1.96 * fit.drift_se
    # the interval is a t-like one with n - 1 in its sd: about 95% of 200 (binomial sd 3)
    assert 175 <= hits <= 200


# ---------------------------------------------------------------- the weights


def test_stacking_puts_all_weight_on_the_law_that_is_right_everywhere():
    rng = np.random.default_rng(1)
    y = rng.standard_normal(200)
    lp = np.column_stack([stats.norm.logpdf(y, 0, 1), stats.norm.logpdf(y, 1.5, 1), stats.norm.logpdf(y, 0, 3)])
    w = stacking_weights(lp)
    assert w[0] > 0.9 and w.sum() == pytest.approx(1.0)
    assert mixture_log_score(lp, w) >= mixture_log_score(lp, [1 / 3] * 3)


def test_stacking_of_two_mirror_laws_gives_them_equal_weight():
    lp = np.log(np.array([[1.0, 0.5]] * 10 + [[0.5, 1.0]] * 10))
    assert stacking_weights(lp) == pytest.approx([0.5, 0.5], abs=1e-6)


def test_each_outcome_year_counts_once_however_many_views_forecast_it():
    # year A: 9 forecasts where law 0 is right; year B: 1 forecast where law 1 is right, equally strongly
    lp = np.log(np.array([[1.0, 0.1]] * 9 + [[0.1, 1.0]]))
    years = ["A"] * 9 + ["B"]
    assert stacking_weights(lp)[0] > 0.8
    assert stacking_weights(lp, group_weights(years)) == pytest.approx([0.5, 0.5], abs=1e-6)
    folds = leave_one_group_out(lp, years)
    assert folds["A"][1] > 0.99 and folds["B"][0] > 0.99


def test_the_bootstrap_weights_are_reproducible_and_sum_to_one():
    lp = np.log(np.array([[1.0, 0.4], [0.3, 1.0], [1.0, 0.8], [0.9, 1.0]]))
    years = [1, 2, 3, 3]
    a, sd = bootstrap_stacking(lp, years, 50, seed=4)
    b, _ = bootstrap_stacking(lp, years, 50, seed=4)
    assert np.array_equal(a, b) and a.sum() == pytest.approx(1.0) and np.all(sd > 0)


# ---------------------------------------------------------------- responsiveness


def _carry(fit_record: np.ndarray) -> tuple[float, float]:
    """How much of a +20% surprise in an observed first year is left three years later, in logs, under the reverting law
    fitted on ``fit_record`` (total trade certain: the surprise is the share's); and the fitted persistence cubed."""
    fit = fit_share_law(np.arange(2010, 2010 + fit_record.size), fit_record)
    law = {**fit.law(), "persistence": float(np.clip(fit.persistence, 0.0, 0.99)), "sd": fit.sd}
    base = structural(law, {"mean": 0.0, "sd": 0.0}, horizon=2028)
    medians = []
    for value in (1.0, 1.2):
        raw = copy.deepcopy(base)
        raw["trade"]["observed"] = {"months": 11, "value_usd_bn": 12.4 * 11 / 12 * value, "yoy_growth": value - 1.0, "revision_sd": 0.0}
        out = simulate(build(raw), paths=400, seed=1, keep_paths=True, workers=1).paths.turnover
        medians.append(np.median(np.log(out[:, 3])))
    return (medians[1] - medians[0]) / math.log(1.2), fit.persistence**3


def test_a_surprise_carries_into_later_years_as_much_as_the_record_says_surprises_persist():
    rng = np.random.default_rng(12)
    z_persistent = np.cumsum(np.r_[special.logit(0.19), 0.12 * rng.standard_normal(29)])  # surprises persist: a walk
    z_fleeting = special.logit(0.19) + 0.12 * rng.standard_normal(30)  # surprises do not: independent years
    (persistent, expected_p), (fleeting, expected_f) = _carry(special.expit(z_persistent)), _carry(special.expit(z_fleeting))
    # three years on, the share of the surprise left is the fitted persistence cubed (linearised in the logit)
    assert persistent == pytest.approx(expected_p, abs=0.05) and persistent > 0.3
    assert fleeting == pytest.approx(expected_f, abs=0.05) and fleeting < 0.05


def test_under_a_walk_a_surprise_stays_whole_and_under_the_mixture_in_proportion_to_the_walks_weight():
    def carry(raw: dict) -> np.ndarray:
        out = []
        for value in (1.0, 1.2):
            r = copy.deepcopy(raw)
            r["trade"]["observed"] = {"months": 11, "value_usd_bn": 12.4 * 11 / 12 * value, "yoy_growth": value - 1.0, "revision_sd": 0.0}
            out.append(simulate(build(r), paths=2000, seed=1, keep_paths=True, workers=1).paths.turnover[:, 3])
        return np.log(out[1] / out[0]) / math.log(1.2)  # the same paths: the surprise's share left, path by path

    # total trade certain, so that the surprise is all the share's
    walk = carry(structural({**LOCAL_LEVEL, "sd": 0.05}, horizon=2028))
    assert float(np.mean(walk)) == pytest.approx(1.0, abs=0.01)  # whole on average (the logit's curvature moves single paths)
    raw = mixture((0.0, 1.0, 0.0))
    raw["trade"]["laws"]["level"]["share"] = {**LOCAL_LEVEL, "sd": 0.05}
    raw["trade"]["structural"]["share"] = {**REVERTING, "sd": 0.05, "persistence": 0.0}
    raw["trade"]["structural"]["total_growth"] = {"mean": 0.0, "sd": 0.0}
    for w in (0.25, 0.75):
        raw["trade"]["laws"]["reverting"]["weight"], raw["trade"]["laws"]["level"]["weight"] = 1.0 - w, w
        left = carry(raw)
        assert float(np.mean(left)) == pytest.approx(w, abs=4 * math.sqrt(w * (1 - w) / 2000) + 0.03)
