"""A partly observed first year fixes total trade over its months; organic trade is what the modelled flows leave."""

from __future__ import annotations

import copy
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import REFERENCE, build, dump_toml, organic_only, stated_reference_text

from sim.cli import main
from sim.engine import simulate_chunk
from sim.scenario import load_scenario

V, G, MONTHS = 8.78, 0.23, 7
"""The January-July 2025 observation: 8.78 USD bn, +23% on a year before."""
SAME_MONTHS = V / (1 + G)
REST = 12.4 - SAME_MONTHS
"""The base year's January-July (implied by the published pair) and August-December."""


def _observed(raw: dict) -> dict:
    raw = copy.deepcopy(raw)
    raw["trade"]["observed"] = {"months": MONTHS, "value_usd_bn": V, "yoy_growth": G}
    return raw


def _with_importing_project(raw: dict) -> dict:
    """A named project building through 2025 (not in the base year) that imports 2.0 a year from the partner."""
    raw = copy.deepcopy(raw)
    raw["portfolio"] = {"financiers": {"bank": {"capacity_usd_bn_per_year": 1.0}}}
    raw["pipeline"] = {
        "launches_per_year": 0,
        "capex_usd_bn": 0.1,
        "build_years": 1.0,
        "sectors": {"s": {"construction_import_share": 0.5, "exports_per_capex_per_year": 0.0, "imports_per_capex_per_year": 0.0}},
        "projects": [
            {
                "name": "p",
                "sector": "s",
                "capex_usd_bn": 4.0,
                "stage": "construction",
                "construction_start": 2025.0,
                "completion_year": 2026.0,
            }
        ],
    }
    return raw


def test_a_project_in_the_observed_year_explains_part_of_the_observation_instead_of_adding_to_it():
    # deterministic organic law (mean 0.1, sd 0): every number below is computed by hand
    plain = _observed(organic_only(mean=0.1, sd=0.0, horizon=2027))
    with_project = _with_importing_project(plain)
    a = simulate_chunk(build(plain), 1, 0, 1)
    b = simulate_chunk(build(with_project), 1, 0, 1)

    # without the project: organic growth over January-July is the observed +23%, and so is the rest of the year's
    first = V + REST * (1 + G)
    np.testing.assert_allclose(a.turnover[0], [first, first * math.exp(0.1), first * math.exp(0.2)], rtol=1e-12)

    # with it: 2.0 x 7/12 of the observed months are the project's imports, organic trade is the rest
    organic_observed = V - 2.0 * MONTHS / 12
    organic_growth = organic_observed / SAME_MONTHS
    organic_first = organic_observed + REST * organic_growth
    organic = b.by_component[0, :, 0]
    np.testing.assert_allclose(organic, [organic_first, organic_first * math.exp(0.1), organic_first * math.exp(0.2)], rtol=1e-12)
    np.testing.assert_allclose(b.trade[0, 0, 1], [0.0, 2.0], atol=1e-12)  # construction: imports only
    # the observed months' total is unchanged: the year differs only by the rest of the year's organic trade and the
    # project's imports of August-December
    np.testing.assert_allclose(b.turnover[0, 0] - (REST * organic_growth + 2.0 * (12 - MONTHS) / 12), V, rtol=1e-12)
    # and later organic trade is lower by what the project explains: about 2 bn in 2026, as the issue reckoned
    lost = a.turnover[0, 1] - b.turnover[0, 1]
    assert lost == pytest.approx((2.0 * MONTHS / 12) * (1 + REST / SAME_MONTHS) * math.exp(0.1), rel=1e-12)
    assert 2.0 < lost < 2.3


def test_without_an_observation_a_project_adds_to_organic_trade():
    plain = organic_only(mean=0.1, sd=0.0, horizon=2026)
    a = simulate_chunk(build(plain), 1, 0, 1)
    b = simulate_chunk(build(_with_importing_project(plain)), 1, 0, 1)
    np.testing.assert_allclose(b.by_component[0, :, 0], a.by_component[0, :, 0], rtol=1e-12)
    np.testing.assert_allclose(b.turnover[0] - a.turnover[0], [2.0, 0.0], atol=1e-12)


def test_the_structural_law_conditions_total_trade_and_the_share_on_the_observation():
    raw = _observed(organic_only(horizon=2026))
    del raw["trade"]["growth"]
    raw["trade"]["structural"] = {
        "total_base_usd_bn": 65.9,
        "total_growth": {"mean": 0.08, "sd": 0.13},
        "share": {"long_run": 0.186, "persistence": 0.3, "sd": 0.085},
    }
    raw["trade"]["observed"]["rest_of_year_log_growth"] = math.log1p(G)  # organic level of 2025 fixed: V + REST x 1.23
    organic_first = V + REST * (1 + G)
    paths = simulate_chunk(build(raw), 3, 0, 4000)
    bilateral = paths.turnover[:, 0]
    np.testing.assert_allclose(bilateral, organic_first, rtol=1e-12)  # fixed by the observation on every path
    share = paths.partner_share[:, 0]
    total = paths.country_total[:, 0]
    np.testing.assert_allclose(share * total, organic_first, rtol=1e-12)
    # the surprise splits between total trade and the share in proportion to their prior variances (linearised)
    z_prior = math.log(0.186 / 0.814) + 0.3 * (math.log(12.4 / (65.9 - 12.4)) - math.log(0.186 / 0.814))
    slope = 1 - 1 / (1 + math.exp(-z_prior))
    gain = slope * 0.085**2 / (0.13**2 + (slope * 0.085) ** 2)
    surprise = math.log(organic_first) - (math.log(65.9) + 0.08 + math.log(1 / (1 + math.exp(-z_prior))))
    logit = np.log(share / (1 - share))
    assert np.mean(logit) == pytest.approx(z_prior + gain * surprise, abs=0.004)
    # conditioning shrinks the share's spread: Var(z | y) = vb - (slope vb)^2 / (va + slope^2 vb)
    posterior_var = 0.085**2 - (slope * 0.085**2) ** 2 / (0.13**2 + (slope * 0.085) ** 2)
    assert np.var(logit) == pytest.approx(posterior_var, rel=0.08)


@pytest.mark.parametrize(("share_sd", "total_sd"), [(0.0, 0.13), (0.085, 0.0)])
def test_with_one_side_certain_the_other_absorbs_the_whole_observation(share_sd: float, total_sd: float):
    raw = _observed(organic_only(horizon=2025))
    del raw["trade"]["growth"]
    raw["trade"]["structural"] = {
        "total_base_usd_bn": 65.9,
        "total_growth": {"mean": 0.08, "sd": total_sd},
        "share": {"long_run": 0.186, "persistence": 0.0, "sd": share_sd},
    }
    raw["trade"]["observed"]["rest_of_year_log_growth"] = 0.2
    paths = simulate_chunk(build(raw), 3, 0, 200)
    organic_first = V + REST * math.exp(0.2)
    if share_sd == 0:
        np.testing.assert_allclose(paths.partner_share[:, 0], 0.186, rtol=1e-12)
        np.testing.assert_allclose(paths.country_total[:, 0], organic_first / 0.186, rtol=1e-12)
    else:
        # the share takes it all (the Gauss-Newton steps solve ln(share) = ln(organic / total) to high precision)
        np.testing.assert_allclose(paths.country_total[:, 0], 65.9 * math.exp(0.08), rtol=1e-8)
        np.testing.assert_allclose(paths.partner_share[:, 0], organic_first / (65.9 * math.exp(0.08)), rtol=1e-8)
    np.testing.assert_allclose(paths.partner_share[:, 0] * paths.country_total[:, 0], organic_first, rtol=1e-12)


# ---------------------------------------------------------------- the observations file


def _workspace(tmp_path: Path, extra_rows: str = "") -> Path:
    (tmp_path / "scenarios").mkdir(parents=True)
    (tmp_path / "seeds").mkdir()
    for name in ("uz_cn_trade_history.csv", "uz_cn_trade_partial_2025.csv"):
        shutil.copy(REFERENCE.parents[1] / "seeds" / name, tmp_path / "seeds" / name)
    with open(tmp_path / "seeds" / "uz_cn_trade_partial_2025.csv", "a", encoding="utf-8") as fh:
        fh.write(extra_rows)
    target = tmp_path / "scenarios" / "uz_cn_2025.toml"
    target.write_text(stated_reference_text(), encoding="utf-8")
    return target


def test_the_shipped_observation_is_the_published_january_to_july_figure(tmp_path: Path):
    obs = load_scenario(_workspace(tmp_path)).observation
    assert (obs.year, obs.months, obs.value_usd_bn, obs.yoy_growth) == (2025, 7, 8.78, 0.23)
    assert obs.source == "uz_cn_trade_partial_2025.csv, line 2"


def test_a_newly_published_figure_is_one_more_row_and_no_scenario_edit(tmp_path: Path):
    before = load_scenario(_workspace(tmp_path))
    newer = '2025,9,11.6,0.21,UZ,confirmed,"a later release"\n2025,11,15.9,0.2,CN,confirmed,"another reporter"\n'
    after = load_scenario(_workspace(tmp_path / "b", newer))
    assert (after.observation.months, after.observation.value_usd_bn) == (9, 11.6)  # most months, the scenario's reporter
    assert after.sha256 != before.sha256  # the observation is part of the scenario's identity
    a = simulate_chunk(before, 1, 0, 50)
    b = simulate_chunk(after, 1, 0, 50)
    assert not np.allclose(a.turnover[:, 0], b.turnover[:, 0])


def test_a_partial_year_file_with_a_bad_row_is_one_clear_message(tmp_path: Path, capsys):
    path = _workspace(tmp_path, "2025,seven,9.0,0.2,UZ,confirmed,x\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "trade.observed.file: ../seeds/uz_cn_trade_partial_2025.csv: line 3: months: must be a whole number from 1 to 12 (got 'seven')"
        in err
    )
    assert "Traceback" not in err


def test_a_row_of_a_whole_year_is_refused(tmp_path: Path, capsys):
    path = _workspace(tmp_path, "2025,12,15.0,0.2,UZ,confirmed,x\n")
    assert main(["validate", str(path)]) == 2
    assert "months must be 1 to 11 (got 12)" in capsys.readouterr().err


def test_no_row_for_the_first_simulated_year_means_no_observation():
    raw = organic_only(horizon=2030)
    raw["trade"]["base_year"] = 2025  # 2026 is the first simulated year; the file has only 2025 rows
    raw["trade"]["observed"] = {"file": str(REFERENCE.parents[1] / "seeds" / "uz_cn_trade_partial_2025.csv")}
    assert build(raw).observation is None


def test_an_inline_observation_written_back_as_toml_gives_the_same_paths(tmp_path: Path):
    stated = _workspace(tmp_path / "stated")
    raw = load_scenario(stated).to_json()
    raw["trade"]["observed"] = {"months": MONTHS, "value_usd_bn": V, "yoy_growth": G, "revision_sd": 0.02}
    raw["trade"]["history"] = str(REFERENCE.parents[1] / "seeds" / "uz_cn_trade_history.csv")
    inline = tmp_path / "inline.toml"
    inline.write_text(dump_toml(raw), encoding="utf-8")
    a = simulate_chunk(load_scenario(stated), 2, 0, 30)
    b = simulate_chunk(load_scenario(inline), 2, 0, 30)
    np.testing.assert_array_equal(a.trade, b.trade)
