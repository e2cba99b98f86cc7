"""The organic law by direction in the engine (a candidate law of kind ``by_direction``): its closed forms, its bounds,
its place in a mixture, the observed first year, views, and its validation."""

from __future__ import annotations

import copy
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import build, organic_only, reference
from scipy import special

from sim import simulate
from sim.calibration.views import view_at
from sim.cli import main
from sim.cli.parser import _setting
from sim.engine import simulate_chunk
from sim.engine.directions import SHARE_CAP, direction_base, direction_turnover
from sim.engine.organic import _first_total
from sim.engine.sampling import draw_paths, law_of_paths
from sim.scenario import ScenarioError, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
PATHS = 20_000  # the totals' drift is checked to 0.003 (its Jensen term is about that size): 4 standard errors here
# the imports share's moments: 4 standard errors at 5,000 paths still catch a variance 20% off
SHARE_PATHS = 5_000
TOTAL, IMPORTS_FRACTION, GOLD_FRACTION = 65.9, 0.59, 0.28
BASE, BASE_EXPORTS = 12.4, 2.05


def growth(mean: float = 0.0, sd: float = 0.0) -> dict:
    return {"mean": mean, "sd": sd}


def directions(
    imports_share: dict | None = None,
    exports_share: dict | None = None,
    sd: float = 0.0,
    means: tuple[float, float, float] = (0.1, 0.04, 0.07),
) -> dict:
    """A directions table: the three totals' growth (means given, a common sd) and the two share laws."""
    return {
        "imports_fraction": IMPORTS_FRACTION,
        "gold_fraction": GOLD_FRACTION,
        "imports_growth": growth(means[0], sd),
        "exports_growth": growth(means[1], sd),
        "gold_growth": growth(means[2], sd),
        "imports_share": imports_share or {"long_run": 0.24, "persistence": 0.5, "sd": 0.0},
        "exports_share": exports_share or {"long_run": 0.15, "persistence": 0.8, "sd": 0.0},
    }


def with_laws(table: dict, weights: tuple[float, float] = (0.7, 0.3), law: str | None = None, horizon: int = 2030) -> dict:
    """An organic-only structural scenario (base 12.4 of 65.9) with a reverting law and a law by direction."""
    raw = organic_only(horizon=horizon)
    del raw["trade"]["growth"]
    raw["trade"]["structural"] = {
        "total_base_usd_bn": TOTAL,
        "total_growth": growth(0.06, 0.1),
        "share": {"long_run": 0.186, "persistence": 0.5, "sd": 0.1},
    }
    raw["trade"]["laws"] = {
        "reverting": {"kind": "reverting", "weight": weights[0]},
        "by_direction": {"kind": "by_direction", "weight": weights[1], "directions": table},
    }
    if law is not None:
        raw["trade"]["law"] = law
    return raw


def alone(table: dict, horizon: int = 2030):
    """The law by direction's own scenario (what a path drawn to it follows)."""
    return build(with_laws(table, law="by_direction", horizon=horizon)).laws[0].scenario


def organic(table: dict, paths: int = PATHS, seed: int = 3, horizon: int = 2030):
    s = alone(table, horizon)
    return s, direction_turnover(s, draw_paths(s, seed, list(range(paths))))


# ---------------------------------------------------------------- closed forms


def test_with_zero_sds_the_law_follows_its_deterministic_path():
    s, o = organic(directions(), paths=3)
    imports0 = IMPORTS_FRACTION * TOTAL
    gold0 = GOLD_FRACTION * (TOTAL - imports0)
    nongold0 = TOTAL - imports0 - gold0
    z_m0, z_x0 = special.logit((BASE - BASE_EXPORTS) / imports0), special.logit(BASE_EXPORTS / nongold0)
    for k in range(len(s.years)):
        h = k + 1
        m, x, g = imports0 * math.exp(0.1 * h), nongold0 * math.exp(0.04 * h), gold0 * math.exp(0.07 * h)
        s_m = special.expit(special.logit(0.24) + 0.5**h * (z_m0 - special.logit(0.24)))
        s_x = special.expit(special.logit(0.15) + 0.8**h * (z_x0 - special.logit(0.15)))
        level = s_m * m + s_x * x
        assert o.level[:, k] == pytest.approx(level, rel=1e-12)
        assert o.exports_share[:, k] == pytest.approx(s_x * x / level, rel=1e-12)
        assert o.total[:, k] == pytest.approx(m + x + g, rel=1e-12)
        assert o.share[:, k] == pytest.approx(level / (m + x + g), rel=1e-12)


def test_the_law_starts_from_the_base_split_of_the_scenario():
    base = direction_base(alone(directions()))
    assert base["imports_share"] * base["imports"] == pytest.approx(BASE - BASE_EXPORTS)
    assert base["exports_share"] * base["nongold"] == pytest.approx(BASE_EXPORTS)
    assert base["imports"] + base["nongold"] + base["gold"] == pytest.approx(TOTAL)


def test_the_share_of_imports_has_the_mean_and_variance_of_its_logit_ar1():
    rho, sd, zbar = 0.6, 0.2, special.logit(0.3)
    s, o = organic(directions(imports_share={"long_run": 0.3, "persistence": rho, "sd": sd}), paths=SHARE_PATHS)
    base = direction_base(s)
    # the totals and the exports share are certain: the imports share is what the level leaves
    for k in range(len(s.years)):
        h = k + 1
        m = base["imports"] * math.exp(0.1 * h)
        exported = o.level[:, k] * o.exports_share[:, k]
        z = special.logit((o.level[:, k] - exported) / m)
        mean = zbar + rho**h * (special.logit(base["imports_share"]) - zbar)
        var = sd * sd * (1 - rho ** (2 * h)) / (1 - rho * rho)
        assert z.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / SHARE_PATHS))
        assert z.var() == pytest.approx(var, rel=4 * math.sqrt(2 / SHARE_PATHS))  # sd(s^2) / sigma^2 = sqrt(2 / n)


def test_the_totals_grow_by_their_drawn_law():
    s, o = organic(directions(sd=0.1, means=(0.1, 0.1, 0.1)), horizon=2027)
    base = direction_base(s)
    # every total on the same law: W's log growth has the law's mean and variance in year 1 (normal, sd 0.1 each)
    log_w = np.log(o.total[:, 0] / (base["imports"] + base["nongold"] + base["gold"]))
    assert log_w.mean() == pytest.approx(0.1 + 0.5 * 0.01 * (1 - sum((v / TOTAL) ** 2 for v in list(base.values())[:3])), abs=0.003)


def test_the_shares_stay_inside_zero_and_one_and_no_path_trades_more_with_china_than_in_all():
    wide = {"long_run": 0.5, "persistence": 1.0, "sd": 3.0}
    s, o = organic(directions(imports_share=wide, exports_share=wide, sd=1.0), paths=4000, horizon=2040)
    assert np.all((o.share > 0) & (o.share < 1)) and np.all(o.level < o.total)
    assert np.all((o.exports_share >= 0) & (o.exports_share <= 1))  # one direction may round to all of it: shares 1e-13 apart
    trade = simulate_chunk(s, 4, 0, 2000)
    assert np.all((trade.partner_share > 0) & (trade.partner_share < 1))
    assert np.all(trade.trade.sum(axis=(2, 3)) <= trade.country_total)


# ---------------------------------------------------------------- in a mixture


def test_naming_the_law_by_direction_reproduces_its_paths_of_a_mixture_bit_for_bit():
    table = directions(sd=0.1, imports_share={"long_run": 0.24, "persistence": 0.5, "sd": 0.2})
    together = simulate_chunk(build(with_laws(table)), 8, 0, 300)
    named = simulate_chunk(build(with_laws(table, law="by_direction")), 8, 0, 300)
    rows = together.law == 1
    assert rows.any() and not rows.all()
    for field in ("trade", "country_total", "partner_share", "finance", "wait_counts"):
        assert np.array_equal(getattr(together, field)[rows], getattr(named, field)[rows], equal_nan=True), field


def test_a_law_by_direction_of_weight_zero_leaves_the_mixture_as_it_was_bit_for_bit():
    raw = with_laws(directions(), weights=(1.0, 0.0))
    without = copy.deepcopy(raw)
    del without["trade"]["laws"]["by_direction"]
    a, b = build(raw), build(without)
    assert [law.name for law in a.laws] == ["reverting"]
    assert np.array_equal(law_of_paths(a, 5, range(2000)), law_of_paths(b, 5, range(2000)))
    assert np.array_equal(simulate_chunk(a, 5, 0, 200).trade, simulate_chunk(b, 5, 0, 200).trade)


def test_the_reference_keeps_its_paths_with_its_weight_zero_law_by_direction():
    s = reference()
    assert "by_direction" in s.trade.laws and [law.name for law in s.laws] == ["reverting", "local_level", "trend"]
    raw = s.to_json()
    del raw["trade"]["laws"]["by_direction"]
    before = scenario_from_dict(raw, base_dir=s._base_dir)
    a, b = simulate(s, paths=150, seed=2, keep_paths=True), simulate(before, paths=150, seed=2, keep_paths=True)
    assert np.array_equal(a.paths.trade, b.paths.trade) and np.array_equal(a.paths.law, b.paths.law)
    assert a.p_reach_by_year.equals(b.p_reach_by_year)


# ---------------------------------------------------------------- the observed first year


def test_an_observed_first_year_is_honoured_exactly_and_the_shares_stay_below_one():
    s = reference().replace({"trade.law": "by_direction"}).laws[0].scenario
    inputs = draw_paths(s, 6, list(range(40)))
    base = direction_base(s)
    wanted = np.linspace(5.0, 0.99 * (base["imports"] + base["nongold"]), 40)  # up to nearly everything the country trades
    o = direction_turnover(s, inputs, wanted)
    assert np.array_equal(o.level[:, 0], wanted)
    assert np.all((o.share > 0) & (o.share < 1)) and np.all(o.level < o.total)
    # a flow is at most SHARE_CAP of its total: the imports the partner sells, over the country's
    assert np.all(o.level[:, 0] * (1 - o.exports_share[:, 0]) <= SHARE_CAP * o.total[:, 0])


def test_the_reference_run_under_the_law_by_direction_keeps_the_observed_months():
    s = reference().replace({"trade.law": "by_direction"})
    results = simulate(s, paths=100, seed=1, keep_paths=True)
    assert s.observation is not None and results.paths.turnover.shape[0] == 100
    assert np.all(np.isfinite(results.paths.turnover)) and np.all(results.paths.partner_share < 1)


# ---------------------------------------------------------------- views and validation


def test_a_view_keeps_the_law_by_direction_as_the_file_gives_it():
    s = reference()
    view, _ = view_at(s, dt.date(2025, 3, 1))
    assert view.to_json()["trade"]["laws"]["by_direction"] == s.to_json()["trade"]["laws"]["by_direction"]


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ("imports_fraction = 1.5", "trade.laws.by_direction.directions.imports_fraction", "must be < 1.0"),
        ("imports_fraction = 0.1", "trade.laws.by_direction.directions.imports_fraction", "strictly between 0"),
        ("gold_fraction = 0.95", "trade.laws.by_direction.directions.gold_fraction", "strictly between 0"),
        (
            "imports_share = { long_run = 0.2, persistence = 0.5, sd = 0.1, drift = 0.01 }",
            "trade.laws.by_direction.directions.imports_share.drift",
            "only with persistence = 1",
        ),
    ],
)
def test_a_bad_law_by_direction_is_refused_with_exit_2_naming_the_file_and_key(tmp_path, capsys, table: str, key: str, words: str):
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{ROOT / "scenarios" / "uz_cn_2025.toml"}"\n\n[trade.laws.by_direction.directions]\n{table}\n')
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and key in err and words in err and "Traceback" not in err


def test_a_law_by_direction_without_its_tables_or_with_a_share_is_refused():
    raw = with_laws(directions())
    del raw["trade"]["laws"]["by_direction"]["directions"]
    with pytest.raises(ScenarioError, match=r"trade\.laws\.by_direction\.directions: required for, and only with"):
        build(raw)
    raw = with_laws(directions())
    raw["trade"]["laws"]["by_direction"]["share"] = {"long_run": 0.2, "sd": 0.1}
    with pytest.raises(ScenarioError, match=r"trade\.laws\.by_direction\.share: is not used"):
        build(raw)
    raw = with_laws(directions())
    raw["trade"]["laws"]["reverting"]["directions"] = directions()
    with pytest.raises(ScenarioError, match=r"trade\.laws\.reverting\.directions"):
        build(raw)


def test_a_law_is_named_on_the_command_line_with_or_without_quotes():
    assert _setting("trade.law=by_direction") == _setting('trade.law="by_direction"') == ("trade.law", "by_direction")


def test_a_view_that_observes_the_countrys_total_scales_the_three_totals_to_the_year_it_implies():
    view, _ = view_at(reference(), dt.date(2024, 6, 1))
    s = view.replace({"trade.law": "by_direction"}).laws[0].scenario
    assert s.observation is not None and s.observation.total is not None
    inputs = draw_paths(s, 9, list(range(30)))
    o = direction_turnover(s, inputs, np.full(30, 14.0))
    eps = np.array([x.innovations[0] for x in inputs])
    implied, _, _ = _first_total(s, np.zeros(30), np.zeros(30), eps, True)
    assert np.allclose(o.total[:, 0], np.exp(implied), rtol=1e-12) and np.array_equal(o.level[:, 0], np.full(30, 14.0))
