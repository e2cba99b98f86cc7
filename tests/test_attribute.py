"""Attribution on counterfactuals that keep each path's organic trade: exact zeros, hand computations, the observed year, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import build, one_project, reference
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim import Attribution, Results, attribute, save
from sim.cli import main
from sim.engine import TradePaths, counterfactual_batches, draw_path, simulate_chunk, simulate_counterfactuals
from sim.plots import attribution_chart
from sim.studies.attribute import portfolio_items, reading, removals

SHORT = {"run.horizon_year": 2028}  # fewer years: the tests run faster


def fake_attribution() -> dict:
    """An ``attribution.json`` dict: a lender, two projects (one that lowers P), a measure, the pipeline and the portfolio."""
    rows = [
        ("fdi_and_domestic", "lender", 36.5, 0.228, 0.249, 3.95),
        ("whole_portfolio", "portfolio", 66.1, 0.329, 0.148, 2.14),
        ("generic_pipeline", "pipeline", 53.0, 0.322, 0.155, 2.32),
        ("china_energy_solar", "project", 2.0, 0.465, 0.011, 0.19),
        ("visa_free", "measure", 0.0, 0.471, 0.006, 0.07),
        ("olefin_complex", "project", 3.3, 0.494, -0.018, -0.24),
    ]
    return {
        "scenario": "uz_cn_2025",
        "year": 2028,
        "paths": 4000,
        "seed": 1,
        "target_usd_bn": 20.0,
        "baseline": {"p": 0.476, "ci95": [0.461, 0.491], "mean_trade_usd_bn": 20.1},
        "rows": [
            {
                "item": item,
                "kind": kind,
                "capex_usd_bn": capex,
                "p_without": p,
                "difference": d,
                "ci95": [d - 0.006, d + 0.006],
                "difference_per_usd_bn": d / capex if capex else None,
                "trade_difference_usd_bn": t,
                "trade_ci95": [t - 0.02, t + 0.02],
            }
            for item, kind, capex, p, d, t in rows
        ],
    }


def _counterfactual(scenario, name):
    return next(cf for item, cf in portfolio_items(scenario) if item.name == name)


def _with_idle_items():
    """The reference with a project of zero flows, a measure of effect 0 and a measure whose effect averages 0."""
    s = reference().replace(SHORT)
    projects = s.get("pipeline.projects") + [
        {
            "name": "idle_plant",
            "sector": "manufacturing",
            "capex_usd_bn": 0.7,
            "stage": "construction",
            "construction_start": 2024.5,
            "completion_year": 2026.5,
            "construction_import_share": 0.0,
            "exports_per_capex_per_year": 0.0,
            "imports_per_capex_per_year": 0.0,
        }
    ]
    measures = s.get("measures") + [
        {"name": "paper_deal", "start": 2025.5, "direction": "exports", "effect_usd_bn_per_year": 0.0},
        {
            "name": "coin_toss",
            "start": 2025.5,
            "direction": "exports",
            "effect_usd_bn_per_year": {"dist": "uniform", "min": -0.3, "max": 0.3},
        },
    ]
    return s.replace({"pipeline.projects": projects, "measures": measures})


def test_items_without_flows_are_attributed_exactly_zero_and_a_mean_zero_measure_zero_within_its_interval():
    result = attribute(_with_idle_items(), 2027, paths=300, seed=3, workers=1, progress=False)
    rows = result.rows.set_index("item")
    for name in ("idle_plant", "paper_deal"):
        row = rows.loc[name]
        assert row.difference == 0.0 and row.trade_difference_usd_bn == 0.0
        assert row.trade_ci95_low == 0.0 == row.trade_ci95_high
        assert row.ci95_low <= 0.0 <= row.ci95_high and row.ci95_high - row.ci95_low < 0.02
        assert row.p_without == result.baseline_p
    toss = rows.loc["coin_toss"]
    assert toss.ci95_low <= 0.0 <= toss.ci95_high and toss.trade_ci95_low <= 0.0 <= toss.trade_ci95_high
    assert toss.trade_ci95_high - toss.trade_ci95_low > 0.0  # it does move trade, path by path
    assert rows.loc["idle_plant", "capex_usd_bn"] == pytest.approx(0.7)
    assert math.isnan(rows.loc["paper_deal", "difference_per_usd_bn"])
    assert list(result.rows["difference"]) == sorted(result.rows["difference"], reverse=True)


def test_without_the_whole_portfolio_trade_is_organic_less_the_base_years_project_flows_on_levels():
    # on levels the world without the portfolio never had its projects: their flows (changes from the base year in the
    # engine) are measured against the baseline's base year, so what is left is minus the base year's project flows in
    # every year (the same each year), not nothing. The base year had operating BYD phases and building plants.
    s = reference().replace({**SHORT, "pipeline.warmup_years": 0})
    plain = s.replace(
        {
            "measures": [],
            "pipeline.projects": [
                {**p, "trade_level_uplift": 0.0} if p["name"] == "cku_railway" else p for p in s.get("pipeline.projects")
            ],
        }
    )
    base, none = simulate_counterfactuals(plain, [_counterfactual(plain, "whole_portfolio")], 5, 0, 60)
    flows = none.trade[:, :, 1:3]
    np.testing.assert_allclose(flows, flows[:, :1].repeat(flows.shape[1], axis=1), atol=1e-12)  # constant: minus the base year's
    assert np.all(flows[:, :, 0, 1] < 0.0)  # the base year's construction imports are gone
    np.testing.assert_array_equal(none.trade[:, :, 0], base.trade[:, :, 0])  # the baseline's organic component, path by path
    # with the railway's uplift and the measures: the measures stay, organic trade too until the railway can open (mid-2029)
    base, none = simulate_counterfactuals(s, [_counterfactual(s, "whole_portfolio")], 5, 0, 60)
    np.testing.assert_array_equal(none.trade[:, :, 3], base.trade[:, :, 3])
    np.testing.assert_array_equal(none.trade[:, :, 0], base.trade[:, :, 0])


def test_the_pipeline_and_the_portfolio_on_levels_remove_every_generic_project_the_warm_up_included():
    # the warm-up projects building in the base year are the pipeline's: the world without the pipeline never had them
    s = reference().replace(SHORT)
    cf = _counterfactual(s, "generic_pipeline")
    assert cf.pipeline.launches_per_year == 0 and cf.pipeline.warmup_years == 0 and cf.portfolio.backlog.capex_usd_bn == 0.0
    assert [p.name for p in cf.pipeline.projects] == [p.name for p in s.pipeline.projects]
    for path in range(3):
        assert (draw_path(s, 5, path).generic.request_time < 0).sum() > 0 and draw_path(cf, 5, path).generic.sector.size == 0
    # without the whole portfolio nothing of the pipeline is left: it is dropped with the backlog, as organic-only scenarios have none
    whole = _counterfactual(s, "whole_portfolio")
    assert whole.pipeline is None and whole.portfolio.backlog is None


def test_the_whole_portfolio_adds_more_trade_than_any_one_lender_and_its_net_is_its_gross():
    # on levels the portfolio's net effect is its gross flows: nothing outside it takes finance. Only the bound on negative
    # flows parts them: without the portfolio, on a few paths of low organic exports, minus the base year's project exports
    # would take exports below zero and is cut to what there is. Each lender adds less. The named projects add their own
    # flows (the BYD phases' import substitution is negative), so the pipeline and the named projects add about the portfolio.
    result = attribute(reference().replace(SHORT), 2028, paths=300, seed=4, workers=1, progress=False)
    rows = result.rows.set_index("item")
    whole = rows.loc["whole_portfolio", "trade_difference_usd_bn"]
    assert whole == pytest.approx(rows.loc["whole_portfolio", "gross_usd_bn"], rel=0.01)
    lenders = rows[rows["kind"] == "lender"]["trade_difference_usd_bn"]
    assert whole > lenders.max() > 0.0
    named = rows[rows["kind"] == "project"]["trade_difference_usd_bn"]
    assert rows.loc["generic_pipeline", "trade_difference_usd_bn"] + named.sum() == pytest.approx(whole, abs=0.5)


def _base_year_builder(**project) -> dict:
    """A project that builds from mid-2023 to the end of 2024 (the base year) and nothing after, on flat organic trade."""
    raw = one_project(
        {"capex_usd_bn": 2.0, "stage": "construction", "construction_start": 2023.5, "completion_year": 2025.0, **project},
        capacity=1.0,
    )
    raw["trade"]["target_usd_bn"] = 13.0
    return raw


def test_a_project_that_builds_in_the_base_year_and_nothing_after_is_attributed_its_own_flows_zero_after_completion():
    # construction imports of 2.0 * 0.5 over 1.5 years: 0.667 in 2024, none from 2025; no operating flows. In the engine's
    # changes the baseline has -0.667 in every year; the world without it never had those imports: on levels the project
    # adds exactly nothing after it completes (it used to be attributed -0.667 a year for ever).
    s = build(_base_year_builder(exports_per_capex_per_year=0.0, imports_per_capex_per_year=0.0))
    result = attribute(s, 2027, paths=20, seed=1, workers=1, progress=False)
    row = result.rows.set_index("item").loc["p"]
    assert row.trade_difference_usd_bn == 0.0 and row.gross_usd_bn == 0.0
    assert row.trade_ci95_low == 0.0 == row.trade_ci95_high and row.difference == 0.0
    assert "net cannot be told from zero" in reading(row)
    base, without = simulate_counterfactuals(s, [_counterfactual(s, "p")], 1, 0, 5)
    np.testing.assert_array_equal(base.turnover, without.turnover)
    # with operating flows from 2025 (0.3 a year at full rate after a year's ramp): its own flows, year by year
    s = build(_base_year_builder())
    later = attribute(s, 2027, paths=20, seed=1, workers=1, progress=False).rows.set_index("item").loc["p"]
    assert later.trade_difference_usd_bn == pytest.approx(2.0 * (0.15 + 0.05), abs=1e-12) == later.gross_usd_bn


def test_a_project_that_builds_into_the_first_year_is_worth_its_construction_imports_of_that_year():
    # building mid-2023 to mid-2025: 0.5 a year of imports; in 2025 half a year of them (0.25) and a quarter-year of ramping
    # operations (0.2 * 2.0 * 0.5 * 0.5**2 / 1 ... computed by the engine's integral): net = gross, both its level flows
    s = build(_base_year_builder(completion_year=2025.5, exports_per_capex_per_year=0.0, imports_per_capex_per_year=0.0))
    row = attribute(s, 2025, paths=10, seed=1, workers=1, progress=False).rows.set_index("item").loc["p"]
    assert row.trade_difference_usd_bn == pytest.approx(0.25, abs=1e-12) and row.gross_usd_bn == pytest.approx(0.25, abs=1e-12)


def test_removing_a_project_that_builds_in_the_observed_months_does_not_hand_its_share_to_organic_trade():
    s = reference().replace(SHORT)
    without = _counterfactual(s, "sany_wind")  # building since mid-2024: more construction imports in Jan-Jul 2025 than in 2024
    base, kept = simulate_counterfactuals(s, [without], 2, 0, 50)
    np.testing.assert_array_equal(kept.trade[:, :, 0], base.trade[:, :, 0])
    assert np.all(kept.turnover[:, 0] < base.turnover[:, 0])  # its flows are gone from 2025 ...
    # ... whereas a plain run of the scenario without it gives its observed share to organic trade
    alone = simulate_chunk(without, 2, 0, 50)
    assert np.all(alone.by_component[:, 0, 0] > base.by_component[:, 0, 0])
    np.testing.assert_allclose(alone.turnover[:, 0], base.turnover[:, 0], rtol=0.02)


def _hand_raw() -> dict:
    """One project of 4.0 awaiting a bank of 5.0 a year, on flat organic trade of 12.4; target 13."""
    raw = one_project({"capex_usd_bn": 4.0, "stage": "awaiting_finance", "financier": "bank", "build_years": 2.0}, capacity=5.0)
    raw["trade"]["target_usd_bn"] = 13.0
    return raw


def test_a_single_deterministic_project_is_attributed_as_computed_by_hand():
    # flat organic trade of 12.4; a project of 4.0 funded at once by a bank of 5.0 a year, building 2025-2026 with half of
    # its capex imported (1.0 a year), then operating at 0.2 a year per USD (0.8) after a 1-year ramp: trade is 13.4 in
    # 2025 and 2026, 12.4 without it. Target 13: reached by 2026 on every path with it, never without.
    s = build(_hand_raw())
    result = attribute(s, 2026, paths=50, seed=1, workers=1, progress=False)
    rows = result.rows.set_index("item")
    assert set(rows.index) == {"p", "bank", "whole_portfolio"}
    assert result.baseline_p == 1.0 and result.baseline_mean_trade_usd_bn == pytest.approx(13.4, abs=1e-12)
    for name, capex in (("p", 4.0), ("bank", 10.0), ("whole_portfolio", 4.0)):  # the bank's capex: 5.0 a year over 2025-2026
        row = rows.loc[name]
        assert row.p_without == 0.0 and row.difference == 1.0
        assert row.capex_usd_bn == pytest.approx(capex) and row.difference_per_usd_bn == pytest.approx(1.0 / capex)
        assert row.trade_difference_usd_bn == pytest.approx(1.0, abs=1e-12)
        assert row.trade_ci95_low == pytest.approx(1.0, abs=1e-12) and row.trade_ci95_high == pytest.approx(1.0, abs=1e-12)
    later = attribute(s, 2028, paths=50, seed=1, workers=1, progress=False).rows.set_index("item")
    assert later.loc["p", "trade_difference_usd_bn"] == pytest.approx(0.8, abs=1e-12)  # operating at full rate in 2028


def test_attribution_is_bit_identical_for_one_and_two_workers():
    s = reference().replace(SHORT)
    # 300 paths: a whole chunk of 250 and a partial one, each worker running one
    one = attribute(s, 2027, paths=300, seed=8, workers=1, progress=False)
    two = attribute(s, 2027, paths=300, seed=8, workers=2, progress=False)
    assert json.dumps(one.to_json()) == json.dumps(two.to_json())
    assert {"project", "measure", "lender", "pipeline", "portfolio"} == set(one.rows["kind"])


def test_attribution_round_trips_through_save_and_draws_its_ranked_chart(tmp_path):
    result = attribute(build(_hand_raw()), 2026, paths=20, seed=1, workers=1, progress=False)
    folder = save(result, tmp_path / "att")
    assert {p.name for p in folder.iterdir()} == {
        "attribution.json",
        "attribution.csv",
        "attribution.png",
        "attribution.svg",
        "manifest.json",
    }
    data = json.loads((folder / "attribution.json").read_text())
    assert set(data) >= {"year", "baseline", "rows"} and set(data["baseline"]) >= {"p", "ci95"}
    assert set(data["rows"][0]) >= {
        "item",
        "kind",
        "capex_usd_bn",
        "p_without",
        "difference",
        "ci95",
        "difference_per_usd_bn",
        "trade_difference_usd_bn",
    }
    back = Attribution.from_json(data)
    assert back.to_json() == result.to_json()
    assert "whole_portfolio" in result._repr_html_()
    fig = attribution_chart(back)
    bars = [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == "difference"]
    assert [b.get_width() for b in bars] == pytest.approx(list(100 * back.rows["difference"]))
    ax = Figure().add_subplot()
    assert attribution_chart(back, ax=ax) is ax.figure
    with pytest.raises(Exception, match="summary.json"):
        Results.load(folder)  # a study's folder is not a run's


def test_the_command_writes_its_folder_and_refuses_bad_arguments_with_status_2(tmp_path, capsys):
    out = tmp_path / "att"
    command = ["attribute", "scenarios/uz_cn_2025.toml", "--year", "2026", "--paths", "30", "--workers", "1", "--out", str(out)]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "whole_portfolio" in printed and "worth most per USD bn" in printed
    assert {"attribution.json", "attribution.csv", "attribution.png", "manifest.json"} <= {p.name for p in out.iterdir()}
    assert main([*command[:3], "2040", *command[4:-1], str(tmp_path / "other")]) == 2
    assert "year: must be a simulated year, 2025 to 2035 (got 2040)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["attribute", "scenarios/uz_cn_2025.toml", "--paths", "30"])
    assert stop.value.code == 2 and "--year" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["attribute", "scenarios/uz_cn_2025.toml", "--year", "2028", "--paths", "0"])
    assert stop.value.code == 2 and "must be between 1" in capsys.readouterr().err
    assert main(command) == 2  # the folder exists: refused before any work, without --force
    assert "--force" in capsys.readouterr().err


def test_an_attribution_folder_has_a_report_and_reads_back(tmp_path):
    from sim.output import load

    result = attribute(build(_hand_raw()), 2026, paths=20, seed=1, workers=1, progress=False)
    folder = save(result, tmp_path / "a", report=True)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "What each part of the portfolio is worth" in page and "<svg" in page
    back = load(folder)
    assert back.baseline_p == result.baseline_p and list(back.rows["item"]) == list(result.rows["item"])


def test_a_counterfactual_that_touches_no_finance_taken_from_the_baselines_draws_equals_simulating_it():
    # measures and named projects that ask no lender (operating, building, own-financed) are removed from the baseline's
    # draws and events instead of re-simulated (the speed of `coopsim attribute`): the same trade, to the bit
    s = reference().replace(SHORT)
    pairs = portfolio_items(s)
    items = [item for item, _ in pairs]
    removed = removals(s, items)
    derived = {item.name for item, r in zip(items, removed, strict=True) if r is not None}
    assert {"visa_free", "melons_almonds", "olefin_complex", "cku_railway", "china_energy_solar"} <= derived
    assert not derived & {"byd_phase3", "bostanlyk_hydro", "cdb", "generic_pipeline", "whole_portfolio"}
    variants = [cf for _, cf in pairs]
    batches = [runs for _, _, runs in counterfactual_batches(s, variants, 3, 0, 40, removed)]
    fast = [TradePaths.concat([runs[i] for runs in batches]) for i in range(len(variants) + 1)]
    slow = simulate_counterfactuals(s, variants, 3, 0, 40)
    assert s.laws and len(set(fast[0].law.tolist())) > 1  # a mixture: paths of several laws
    for a, b in zip(fast, slow, strict=True):
        for field_a, field_b in zip(a, b, strict=True):
            np.testing.assert_array_equal(field_a, field_b)
