"""The new-money study: where additional finance adds most, its shadow prices, its floor (reordering alone), files and exit statuses."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import build, reference
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from test_prioritise import _three_lenders

from sim.cli import main
from sim.engine import simulate_counterfactuals
from sim.plots.new_money import new_money_chart
from sim.scenario import ScenarioError
from sim.studies.money_plans import MoneyPlan, facility_scenario, money_chunk
from sim.studies.new_money import NewMoney, new_money, verdict


def _with_idle_lender(raw: dict) -> dict:
    """The scenario with one more lender, ``idle`` (1.0 a year), that no project asks."""
    raw["portfolio"]["financiers"]["idle"] = {"capacity_usd_bn_per_year": 1.0}
    return raw


def _never_binding() -> dict:
    """The three lenders' scenario with capacity of 100 a year each: every request is funded on arrival anyway."""
    raw = _with_idle_lender(_three_lenders())
    for name in ("bank_a", "bank_b", "bank_c"):
        raw["portfolio"]["financiers"][name]["capacity_usd_bn_per_year"] = 100.0
    return raw


def test_the_facility_lender_with_no_money_leaves_every_path_as_it_was_to_the_bit():
    s = reference()
    base, same = simulate_counterfactuals(s, [facility_scenario(s)], 3, 0, 30)
    for a, b in zip(base, same, strict=True):
        if a is not None and a.shape != b.shape:  # by lender (scenario order, then all): the facility's, lending nothing
            np.testing.assert_array_equal(b[:, :, -2], 0.0)
            b = np.delete(b, -2, axis=2)
        if a is not None:
            np.testing.assert_array_equal(a, b)
    reached = money_chunk(s, [(facility_scenario(s), MoneyPlan())], 2028, 3, 0, 0, 30)
    np.testing.assert_array_equal(reached[0], reached[1])


def test_plans_sharing_a_scenario_draw_once_and_get_what_each_drawing_its_own_gets():
    s = reference()
    plans = [MoneyPlan().plus("lender", 3, 3.0), MoneyPlan().plus("backlog", 0, 3.0).plus("project", 6, 0.0)]
    shared = facility_scenario(s)
    once = money_chunk(s, [(shared, p) for p in plans], 2028, 7, 0, 0, 24)
    apart = money_chunk(s, [(facility_scenario(s), p) for p in plans], 2028, 7, 0, 0, 24)
    np.testing.assert_array_equal(once, apart)


def test_new_money_to_a_lender_whose_queue_never_binds_is_worth_zero_within_its_interval():
    s = build(_never_binding())
    result = new_money(s, 2026, 2.0, paths=200, seed=4, reorder=False, stability=False, workers=1, progress=False)
    lenders = result.options[result.options["kind"] == "lender"]
    assert len(lenders) == 4 and (lenders["gain_search"] == 0).all()
    shadow = result.shadow_prices.set_index("lender")
    assert (shadow["per_usd_bn"] == 0).all() and (shadow["ci95_low"] <= 0).all() and (shadow["ci95_high"] >= 0).all()
    assert set(shadow["verdict"]) == {"cannot be told from zero"}
    assert not (result.plan["kind"] == "lender").any()  # nothing given to a lender that does not need it
    plan = result.comparisons.set_index("comparison").loc["plan"]
    assert plan["ci95_low"] <= 0 <= plan["ci95_high"] and plan["verdict"] == "cannot be told from zero"


def test_new_money_is_never_worth_less_than_reordering_alone():
    # reordering gains here (a plant moved ahead of its blocker imports its capex in 2025); the plan is built on it
    s = build(_with_idle_lender(_three_lenders()))
    result = new_money(s, 2026, 2.0, paths=300, seed=5, stability=False, workers=1, progress=False)
    assert result.reorder  # reordering alone gains
    rows = result.comparisons.set_index("comparison")
    assert rows.loc["reorder", "difference"] > 0
    assert len(result.plan) and result.plan["p_search"].is_monotonic_increasing
    first = result.options["p_search"] - result.options["gain_search"]  # P with the reordering alone, search paths
    assert (result.plan["p_search"] >= first.iloc[0]).all()
    assert rows.loc["plan_vs_reorder", "ci95_high"] >= 0 and rows.loc["plan", "difference"] >= rows.loc["reorder", "ci95_low"]
    back = NewMoney.from_json(json.loads(json.dumps(result.to_json())))
    assert back.to_json() == result.to_json()
    ax = Figure().add_subplot()
    assert new_money_chart(back, ax=ax) is ax.figure
    steps = [p.get_width() for p in ax.patches if isinstance(p, Rectangle) and p.get_gid() == "step"]
    assert steps == pytest.approx(100 * np.diff([first.iloc[0], *result.plan["p_search"]]))


def test_shadow_prices_are_non_negative_within_their_interval_and_zero_for_a_lender_no_one_asks():
    s = build(_with_idle_lender(_three_lenders()))
    result = new_money(s, 2026, 2.0, paths=300, seed=6, reorder=False, stability=False, workers=1, progress=False)
    shadow = result.shadow_prices.set_index("lender")
    assert (shadow["ci95_high"] >= 0).all()
    assert shadow.loc["idle", "per_usd_bn"] == 0 and shadow.loc["idle", "ci95_low"] <= 0 <= shadow.loc["idle", "ci95_high"]
    assert shadow.loc[["bank_a", "bank_b", "bank_c"], "per_usd_bn"].max() > 0  # capacity that lets a plant skip its blocker


def test_verdict_says_in_words_when_a_gain_cannot_be_told_from_zero():
    assert verdict(-0.01, 0.02) == "cannot be told from zero"
    assert verdict(0.001, 0.02) == "a gain" and verdict(-0.02, -0.001) == "a loss"


def test_the_command_writes_its_folder_with_stability_and_refuses_bad_arguments_with_status_2(tmp_path, capsys):
    out = tmp_path / "nm"
    command = ["new-money", "scenarios/uz_cn_2025.toml", "--year", "2026", "--budget", "2", "--paths", "12", "--workers", "1"]
    assert main([*command, "--no-reorder", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "fresh paths" in text and "shadow prices" in text and "stability of the choice" in text
    assert {"new_money.json", "options.csv", "shadow_prices.csv", "new_money.png", "new_money.svg", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    data = json.loads((out / "new_money.json").read_text())
    assert [r["paths"] for r in data["stability"]] == [12, 24, 12] and data["money_years"] == [2026]
    assert {r["comparison"] for r in data["comparisons"]} == {"reorder", "plan", "plan_vs_reorder"}
    for bad, message in ((["--budget", "0"], "--budget: must be a positive amount"), (["--paths", "0"], "--paths")):
        with pytest.raises(SystemExit) as stop:
            main([*command, *bad])
        assert stop.value.code == 2 and message in capsys.readouterr().err
    assert main([*command, "--tranche", "3", "--out", str(tmp_path / "x")]) == 2
    assert "tranche_usd_bn: must be at most the budget" in capsys.readouterr().err
    assert main([*command[:2], "--year", "2040", *command[4:], "--out", str(tmp_path / "y")]) == 2
    assert "year: must be a simulated year" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="budget_usd_bn: must be a positive amount"):
        new_money(reference(), 2026, float("nan"), paths=10)
