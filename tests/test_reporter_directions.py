"""The reporter gap by direction: fitted where both reporters split their figures, each direction converted alone."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import ROOT, build, dump_toml, organic_only
from scipy import special

from sim.calibration.reporters import direction_gaps_block, fit_gap_by_direction, implied_direction_gap
from sim.engine import simulate_chunk
from sim.engine.sampling import draw_path
from sim.engine.streams import PathStreams, ppf_one
from sim.scenario import ScenarioError

BY_DIRECTION = ROOT / "seeds" / "uz_cn_reporters_by_direction.csv"
HEADER = "year,months,direction,reporter,value_usd_bn,status,source\n"


def _organic_cn(gap: dict) -> dict:
    raw = organic_only(mean=0.06, sd=0.1)
    raw["trade"]["reporter_gap"] = gap
    raw["trade"]["target_reporter"] = "CN"
    return raw


def test_the_direction_fit_recovers_known_means_and_sds_from_a_synthetic_two_reporter_record(tmp_path):
    rng = np.random.default_rng(5)
    truth = {"exports": (-0.4, 0.05), "imports": (0.1, 0.08)}
    rows = []
    for year in range(1900, 2101):
        for d, (mu, sd) in truth.items():
            uz = math.exp(rng.normal(1.0, 0.5))
            rows.append(f"{year},12,{d},UZ,{uz!r},confirmed,a")
            rows.append(f"{year},12,{d},CN,{uz * math.exp(mu + sd * rng.standard_normal())!r},confirmed,b")
        rows.append(f"{year},6,exports,CN,9.0,confirmed,a half year is not a year")
    csv = tmp_path / "d.csv"
    csv.write_text(HEADER + "\n".join(rows) + "\n")
    fits = fit_gap_by_direction(csv, "UZ", "CN")
    for d, (mu, sd) in truth.items():
        f = fits[d]
        assert f.method == "direct" and f.fit is not None and f.fit.n == 201
        assert abs(f.fit.mean - mu) < 3 * f.fit.mean_se
        assert f.fit.mean_se == pytest.approx(sd / math.sqrt(201), rel=0.15)
        assert abs(math.log(f.fit.sd / sd)) < 3 * f.fit.log_sd_se
    block = direction_gaps_block(fits)
    assert "[trade.reporter_gap.exports]" in block and "[trade.reporter_gap.imports]" in block


def test_a_direction_both_reporters_split_in_fewer_than_three_years_is_not_fitted_and_says_why():
    fits = fit_gap_by_direction(BY_DIRECTION, "UZ", "CN")
    for d in ("exports", "imports"):
        assert fits[d].fit is None and fits[d].method == "too few years"
        assert fits[d].years == (2023,)
        assert "only 1 full year" in fits[d].note
    assert fits["exports"].log_ratios[0] == pytest.approx(math.log(1.6 / 2.46))
    assert fits["imports"].log_ratios[0] == pytest.approx(math.log(12.4 / 11.26))
    with pytest.raises(ValueError, match="the exports have no fitted gap"):
        direction_gaps_block(fits)


def test_the_implied_gap_is_the_other_reporters_turnover_less_the_other_direction_at_its_held_gap(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text(
        HEADER + "2020,12,exports,UZ,2.0,confirmed,a\n2020,12,imports,UZ,10.0,confirmed,a\n"
        "2020,12,exports,CN,1.5,confirmed,b\n2020,12,imports,CN,11.0,confirmed,b\n"  # both split: the direct ratio
        "2021,12,exports,UZ,2.0,uncertain,a\n2021,12,imports,UZ,12.0,derived,a\n2021,12,turnover,CN,14.0,confirmed,b\n"
        "2022,12,exports,UZ,3.0,confirmed,a\n2022,12,imports,UZ,13.0,confirmed,a\n2022,12,turnover,CN,15.0,confirmed,b\n"
        "2023,12,exports,UZ,9.0,confirmed,a\n2023,12,imports,UZ,1.0,confirmed,a\n2023,12,turnover,CN,5.0,confirmed,b\n"
    )
    g = -0.3
    f = implied_direction_gap(csv, "imports", "UZ", "CN", g)
    assert f.method == "implied" and f.years == (2020, 2021, 2022)
    want = [math.log(11.0 / 10.0), math.log((14.0 - 2.0 * math.exp(g)) / 12.0), math.log((15.0 - 3.0 * math.exp(g)) / 13.0)]
    assert np.allclose(f.log_ratios, want, rtol=1e-14)
    assert "left out (the held gap leaves nothing): 2023" in f.note  # 5.0 - 9.0 e^-0.3 < 0
    assert implied_direction_gap(csv, "imports", "UZ", "CN", g, since=2021).method == "too few years"


def test_a_gap_zero_in_one_direction_converts_only_the_other_by_its_factor():
    own = simulate_chunk(build(organic_only(mean=0.06, sd=0.1)), 3, 0, 40)
    gap = {"reporter": "CN", "exports": {"mean": 0.0}, "imports": {"mean": 0.05, "sd": 0.0}}
    cn = simulate_chunk(build(_organic_cn(gap)), 3, 0, 40)
    assert np.array_equal(cn.trade[..., 0], own.trade[..., 0])  # exports: unchanged to the bit
    assert np.allclose(cn.trade[..., 1], own.trade[..., 1] * math.exp(0.05), rtol=1e-13, atol=0)
    # by hand: turnover = exports + e^0.05 imports, year by year
    exports, imports = own.trade[..., 0].sum(axis=2), own.trade[..., 1].sum(axis=2)
    assert np.allclose(cn.turnover, exports + math.exp(0.05) * imports, rtol=1e-13, atol=0)
    assert not np.allclose(cn.turnover, own.turnover * math.exp(0.05))


def test_each_direction_draws_its_own_stream_and_a_direction_left_out_keeps_the_turnovers_draw():
    normal = {"dist": "normal", "mean": 0.04, "sd": 0.02}
    sd = {"dist": "pert", "min": 0.01, "mode": 0.04, "max": 0.15}
    law = {"mean": normal, "sd": sd}
    both = build(_organic_cn({"reporter": "CN", "exports": law, "imports": law}))
    only_imports = build(_organic_cn({"reporter": "CN", "mean": normal, "sd": sd, "imports": law}))
    old = build(_organic_cn({"reporter": "CN", "mean": normal, "sd": sd}))
    n = len(old.years)
    for path in range(4):
        r_old = draw_path(old, 11, path).reporter_log_ratio
        r_both = draw_path(both, 11, path).reporter_log_ratio
        r_one = draw_path(only_imports, 11, path).reporter_log_ratio
        assert r_old.shape == (n,) and r_both.shape == r_one.shape == (n, 2)
        assert not np.allclose(r_both[:, 0], r_both[:, 1])  # the same law, two streams
        assert np.array_equal(r_one[:, 0], r_old)  # exports left out: the turnover's draw, to the bit
        assert np.array_equal(r_one[:, 1], r_both[:, 1])


def test_a_scenario_without_the_direction_tables_converts_exactly_as_before():
    """The old conversion recomputed by hand from its stream: one ratio a year for every flow, bit for bit."""
    normal = {"dist": "normal", "mean": 0.04, "sd": 0.02}
    s = build(_organic_cn({"reporter": "CN", "mean": normal, "sd": 0.05}))
    own = simulate_chunk(s.replace({"trade.target_reporter": "UZ"}), 9, 0, 20).trade
    cn = simulate_chunk(s, 9, 0, 20).trade
    n = len(s.years)
    gap = s.trade.reporter_gap
    for path in range(20):
        u = PathStreams(9, path)("trade.reporter_gap").random(2 + n)
        r = ppf_one(gap.mean, u[0]) + ppf_one(gap.sd, u[1]) * special.ndtri(u[2:])
        want = own[path] * np.exp(r)[:, None, None]
        assert np.array_equal(cn[path], want)


# the draws of the old gap, recorded with the code before the gap by direction (commit 64c8fab): unchanged
OLD_DRAWS_SHA256 = "4a41a4d405f4e0ead9e3accf5a33f5027a04f29cabe8b7dc5dab987b9f22c79a"


def test_the_turnovers_gap_draws_the_same_numbers_as_before_the_gap_by_direction():
    import hashlib

    gap = {
        "reporter": "CN",
        "mean": {"dist": "normal", "mean": 0.04, "sd": 0.02},
        "sd": {"dist": "pert", "min": 0.01, "mode": 0.04, "max": 0.15},
    }
    raw = organic_only()
    raw["trade"]["reporter_gap"] = gap
    raw["trade"]["target_reporter"] = "CN"
    s = build(raw)
    r = np.stack([draw_path(s, 11, p).reporter_log_ratio for p in range(5)])
    assert hashlib.sha256(r.tobytes()).hexdigest() == OLD_DRAWS_SHA256


@pytest.mark.parametrize(
    ("gap", "key", "words"),
    [
        ({"reporter": "CN", "exports": {"mean": 0.0}}, "trade.reporter_gap.mean", "required unless both"),
        (
            {"reporter": "CN", "mean": 0.04, "exports": {"mean": 0.0}, "imports": {"mean": 0.1}},
            "trade.reporter_gap.mean",
            "not used when both",
        ),
        (
            {"reporter": "CN", "sd": 0.04, "exports": {"mean": 0.0}, "imports": {"mean": 0.1}},
            "trade.reporter_gap.sd",
            "not used when both",
        ),
        ({"reporter": "CN", "mean": 0.04, "exports": {"mean": 0.0, "bogus": 1.0}}, "trade.reporter_gap.exports.bogus", ""),
        ({"reporter": "CN", "mean": 0.04, "imports": {"mean": 0.0, "sd": -0.2}}, "trade.reporter_gap.imports.sd", ""),
        ({"reporter": "CN", "mean": 0.04, "imports": {"sd": 0.1}}, "trade.reporter_gap.imports.mean", ""),
    ],
)
def test_a_bad_gap_by_direction_is_refused_with_exit_2_naming_the_file_and_the_key(tmp_path, capsys, gap, key, words):
    from sim.cli import main

    raw = _organic_cn(gap)
    with pytest.raises(ScenarioError) as err:
        build(raw)
    assert key in str(err.value) and words in str(err.value)
    path = tmp_path / "bad_gap.toml"
    path.write_text(dump_toml(raw))
    assert main(["validate", str(path)]) == 2
    message = capsys.readouterr().err
    assert "bad_gap.toml" in message and key in message and "Traceback" not in message


def test_the_shipped_china_target_converts_each_direction_with_its_own_gap():
    from sim.scenario import load_scenario

    s = load_scenario(ROOT / "scenarios" / "cn_customs_target.toml")
    gap = s.trade.reporter_gap
    assert gap.mean is None and gap.sd is None
    assert gap.exports is not None and gap.imports is not None
    r = draw_path(s, 1, 0).reporter_log_ratio
    assert r.shape == (len(s.years), 2)
    assert r[:, 0].mean() < -0.1  # Uzbekistan's exports to China are well below them in China's figures


def test_the_shipped_imports_gap_is_the_implied_fit_and_the_exports_mean_the_one_year_both_split():
    from sim.scenario import load_scenario

    gap = load_scenario(ROOT / "scenarios" / "cn_customs_target.toml").trade.reporter_gap
    fits = fit_gap_by_direction(BY_DIRECTION, "UZ", "CN")
    gx = fits["exports"].log_ratios[0]
    implied = implied_direction_gap(BY_DIRECTION, "imports", "UZ", "CN", gx, since=2023)
    assert implied.years == (2023, 2024, 2025)
    law = implied.fit.gap_law()
    u = np.array([0.1, 0.5, 0.9])
    assert np.allclose(gap.imports.mean.ppf(u), build_law(law["mean"]).ppf(u), rtol=1e-5)
    assert np.allclose(gap.imports.sd.ppf(u), build_law(law["sd"]).ppf(u), rtol=1e-5)
    assert gap.exports.mean.ppf(np.array([0.5]))[0] == pytest.approx(gx, abs=1e-4)


def build_law(table: dict):
    from sim.distributions import as_distribution

    return as_distribution(table)
