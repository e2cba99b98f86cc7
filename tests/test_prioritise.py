"""portfolio.priority in the finance model, and the prioritisation study: greedy against enumeration, files, exit statuses."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from helpers import build, one_project, organic_only, reference
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim import Priorities, load, prioritise, save
from sim.cli import main
from sim.cli.portfolio_commands import priorities_table
from sim.engine import draw_path, simulate_counterfactuals, simulate_path
from sim.engine.finance_book import Outcome
from sim.engine.model import priority_ranks
from sim.plots import priorities_chart
from sim.report import render_report
from sim.scenario import ScenarioError
from sim.studies.prioritise import METHODS
from sim.studies.stability import stability_sentence, stability_table


def fake_priorities() -> dict:
    """A ``priorities.json`` dict: two items chosen within 5 USD bn out of three candidates."""
    return {
        "scenario": "uz_cn_2025",
        "year": 2028,
        "budget_usd_bn": 5.0,
        "method": "greedy",
        "paths": 4000,
        "seed": 1,
        "target_usd_bn": 20.0,
        "chosen": [
            {"item": "china_energy_solar", "capex_usd_bn": 2.0, "order": 1, "p_search": 0.49},
            {"item": "backlog.energy", "capex_usd_bn": 2.9, "order": 2, "p_search": 0.497},
        ],
        "baseline": {"p": 0.47, "ci95": [0.455, 0.485]},
        "prioritised": {"p": 0.488, "ci95": [0.473, 0.503]},
        "difference": {"value": 0.018, "ci95": [0.012, 0.024]},
        "search": {
            "paths": [0, 4000],
            "baseline_p": 0.476,
            "evaluations": 6,
            "candidates": [
                {"item": "china_energy_solar", "capex_usd_bn": 2.0, "p_alone": 0.49, "gain_per_usd_bn": 0.007},
                {"item": "backlog.energy", "capex_usd_bn": 2.9, "p_alone": 0.48, "gain_per_usd_bn": 0.0014},
                {"item": "backlog.automotive", "capex_usd_bn": 0.3, "p_alone": 0.474, "gain_per_usd_bn": -0.0067},
            ],
        },
        "evaluation_paths": [4000, 8000],
    }


def _three_waiting(priority: list[str]) -> dict:
    """Projects a (0.6), b (0.6) and c (0.3) asking one bank of 1.0 a year for finance at the start."""
    raw = one_project({"capex_usd_bn": 0.6, "stage": "awaiting_finance", "financier": "bank", "build_years": 1.0}, capacity=1.0)
    base = raw["pipeline"]["projects"][0]
    raw["pipeline"]["projects"] = [{**base, "name": "a"}, {**base, "name": "b"}, {**base, "name": "c", "capex_usd_bn": 0.3}]
    raw["portfolio"]["priority"] = priority
    return raw


def test_priority_serves_the_named_request_ahead_of_those_waiting_in_its_order():
    # without priority: a at 0, b blocks c until year 1 (test_model). With c then b first: c and b at 0 (0.9 of 1.0), a waits.
    log = simulate_path(s := build(_three_waiting(["c", "b"])), draw_path(s, 1, 0))
    np.testing.assert_array_equal(log.flagship_start, [1.0, 0.0, 0.0])
    log = simulate_path(s := build(_three_waiting(["b"])), draw_path(s, 1, 0))
    np.testing.assert_array_equal(log.flagship_start, [1.0, 0.0, 1.0])  # b (0.6); a (0.6) does not fit and blocks c until year 1


def test_priority_ranks_name_projects_and_backlog_sectors():
    s = reference().replace({"portfolio.priority": ["backlog.energy", "bostanlyk_hydro"]})
    x = draw_path(s, 2, 0)
    named, generic = priority_ranks(s, x)
    names = [p.name for p in s.pipeline.projects]
    assert (
        named[names.index("bostanlyk_hydro")] == 1
        and np.sum(named == 1) == 1
        and np.all(np.delete(named, names.index("bostanlyk_hydro")) == 2)
    )
    energy = list(s.pipeline.sectors).index("energy")
    wanted = x.generic.backlog & (x.generic.sector == energy)
    assert wanted.sum() > 0 and np.all(generic[wanted] == 0) and np.all(generic[~wanted] == 2)


def test_a_prioritised_request_arriving_later_takes_no_capacity_already_lent():
    # a (0.6) asks in March and is financed on arrival, c (0.3) in May beside it (0.9 of 1.0); b (0.6, prioritised) asks
    # in July: nothing was held back for it, so it waits for the next refill
    raw = _three_waiting(["b"])
    for project, asks in zip(raw["pipeline"]["projects"], (2025.2, 2025.5, 2025.4), strict=True):
        project["finance_request_year"] = asks
    log = simulate_path(s := build(raw), draw_path(s, 1, 0))
    np.testing.assert_allclose(log.flagship_start, [0.2, 1.0, 0.4])


def test_with_priorities_a_lender_never_lends_more_than_its_capacity_nor_serves_a_request_while_a_better_one_waits():
    s = reference().replace(
        {
            "portfolio.financiers.chinese_investment.capacity_usd_bn_per_year": {"dist": "lognormal", "median": 4.0, "p90": 6.0},
            "portfolio.priority": ["byd_phase3", "backlog.energy", "backlog.mining_metals"],  # the solar plant needs no lender
        }
    )
    overtaken = 0
    for path in range(4):
        x = draw_path(s, 3, path)
        log = simulate_path(s, x).finance  # every request at every lender it asked (a project at its fallback too)
        named, generic = priority_ranks(s, x)
        rank = np.where(log.kind == 0, named[np.where(log.kind == 0, log.index, 0)], generic[np.where(log.kind == 1, log.index, 0)])
        for k in range(x.capacity_usd_bn.shape[0]):
            mine = np.flatnonzero(log.lender == k)
            asks, capex, r, decided = log.asked[mine], log.capex_usd_bn[mine], rank[mine], log.decided[mine]
            t = np.where(log.outcome[mine] == Outcome.FUNDED, decided, math.inf)
            done = np.isfinite(t)
            assert np.all(t[done] >= asks[done])
            for year in range(x.capacity_usd_bn.shape[1]):
                assert capex[done & (t < year + 1)].sum() <= x.capacity_usd_bn[k, : year + 1].sum() + 1e-9
            position = np.empty(mine.size, np.int64)
            position[np.lexsort((mine, asks))] = np.arange(mine.size)  # order of arrival at this lender
            for i in np.flatnonzero(done):
                better = (r < r[i]) | ((r == r[i]) & (position < position[i]))
                waiting = (asks <= t[i]) & (decided > t[i])  # asked, and neither funded nor gone by then
                assert not np.any(better & waiting)  # none better was waiting when i was served
                overtaken += int(np.sum(~better & (position < position[i]) & waiting))
    assert overtaken > 0  # prioritised requests did go ahead of earlier ones


def test_priority_must_name_a_project_awaiting_finance_or_a_backlog_sector():
    with pytest.raises(ScenarioError, match=r"portfolio.priority\[0\].*cku_railway.*not a named project awaiting finance"):
        reference().replace({"portfolio.priority": ["cku_railway"]})
    with pytest.raises(ScenarioError, match=r"portfolio.priority\[1\].*listed twice"):
        reference().replace({"portfolio.priority": ["backlog.energy", "backlog.energy"]})
    with pytest.raises(ScenarioError, match=r"backlog.enrgy.*backlog.energy"):
        reference().replace({"portfolio.priority": ["backlog.enrgy"]})


# ---------------------------------------------------------------- the study


def _three_lenders() -> dict:
    """Three lenders of 1.0 a year, each with a blocker of 2.5 (no flows) ahead of a candidate that imports its whole capex in one year.

    Prioritised, a candidate is financed at once and adds its capex to 2025's trade; otherwise it waits for its
    blocker until 2027. Organic trade is random, so P(target 15 by 2026) rises smoothly with what is imported in 2025.
    """
    raw = organic_only(mean=0.05, sd=0.1, horizon=2028)
    raw["trade"]["target_usd_bn"] = 15.0
    raw["portfolio"] = {"financiers": {f"bank_{x}": {"capacity_usd_bn_per_year": 1.0} for x in "abc"}}
    flows = {"construction_import_share": 1.0, "exports_per_capex_per_year": 0.0, "imports_per_capex_per_year": 0.0}
    projects = []
    for x, capex in (("a", 0.4), ("b", 0.8), ("c", 1.0)):
        waiting = {"sector": "s", "stage": "awaiting_finance", "financier": f"bank_{x}", "build_years": 1.0}
        projects += [
            {**waiting, **flows, "name": f"blocker_{x}", "capex_usd_bn": 2.5, "construction_import_share": 0.0},
            {**waiting, **flows, "name": f"plant_{x}", "capex_usd_bn": capex},
        ]
    raw["pipeline"] = {
        "launches_per_year": 0,
        "capex_usd_bn": 0.1,
        "build_years": 1.0,
        "sectors": {"s": {**flows, "ramp_up_years": 1.0}},
        "projects": projects,
    }
    return raw


def _enumerated(s, year: int, budget: float, paths: int, seed: int) -> tuple[set[str], float]:
    """The best subset of candidates within the budget, by P on the search paths, every subset simulated here."""
    capex = {p.name: p.capex_usd_bn.value for p in s.pipeline.projects}
    names = [p.name for p in s.pipeline.projects if p.stage == "awaiting_finance"]
    subsets = [c for r in range(len(names) + 1) for c in itertools.combinations(names, r) if sum(capex[n] for n in c) <= budget]
    runs = simulate_counterfactuals(s, [s.replace({"portfolio.priority": list(c)}) for c in subsets], seed, 0, paths)
    k = s.years.index(year)
    p = [float(np.mean(np.any(run.turnover[:, : k + 1] >= s.trade.target_usd_bn, axis=1))) for run in runs[1:]]
    best = int(np.argmax(p))
    return set(subsets[best]), p[best]


def test_prioritise_finds_the_optimum_found_by_enumerating_every_subset():
    # budget 1.0: one plant fits. Greedy by gain per USD bn takes plant a (0.4), then nothing else fits; the best single
    # item, plant c (1.0 imported in 2025), does better and replaces it: the classic correction finds the optimum.
    s = build(_three_lenders())
    best, p_best = _enumerated(s, 2026, 1.0, 400, 5)
    assert best == {"plant_c"}
    for method in METHODS:  # the choice, not its stability (tested below): no reruns
        result = prioritise(s, 2026, 1.0, paths=400, seed=5, method=method, stability=False, workers=1, progress=False)
        assert set(result.chosen["item"]) == best and result.chosen["p_search"].iloc[-1] == p_best
    assert result.difference > 0 and result.difference_ci95[0] > 0  # on fresh paths too


def test_exhaustive_search_finds_the_optimum_where_greedy_keeps_at_least_half_of_its_gain():
    # budget 1.3: plants a and b (1.2 imported in 2025) beat c alone (1.0), but c has the best gain per USD bn and, once
    # taken, leaves no room for both: P is not additive (the target is a threshold), and greedy settles for less
    s = build(_three_lenders())
    best, p_best = _enumerated(s, 2026, 1.3, 400, 5)
    assert best == {"plant_a", "plant_b"}
    # the choice, not its stability (tested below): no reruns
    exhaustive = prioritise(s, 2026, 1.3, paths=400, seed=5, method="exhaustive", stability=False, workers=1, progress=False)
    assert set(exhaustive.chosen["item"]) == best and exhaustive.chosen["p_search"].iloc[-1] == p_best
    assert exhaustive.chosen["capex_usd_bn"].sum() <= 1.3
    greedy = prioritise(s, 2026, 1.3, paths=400, seed=5, method="greedy", stability=False, workers=1, progress=False)
    gain = greedy.chosen["p_search"].iloc[-1] - greedy.search_baseline_p
    assert 0.5 * (p_best - greedy.search_baseline_p) <= gain <= p_best - greedy.search_baseline_p


def test_prioritise_reports_the_choice_on_fresh_paths_and_is_identical_for_one_and_two_workers(tmp_path):
    s = build(_three_lenders())
    # 300 paths: two chunks (250 and 50) for the search and for the fresh paths, so two workers share each; the
    # stability reruns (the same search on other paths, three times the work) are tested on their own below
    one = prioritise(s, 2026, 1.3, paths=300, seed=2, method="exhaustive", stability=False, workers=1, progress=False)
    two = prioritise(s, 2026, 1.3, paths=300, seed=2, method="exhaustive", stability=False, workers=2, progress=False)
    assert json.dumps(one.to_json()) == json.dumps(two.to_json())
    chosen = s.replace({"portfolio.priority": list(one.chosen["item"])})
    fresh = simulate_counterfactuals(s, [chosen], 2, 300, 600)
    reached = [np.mean(np.any(run.turnover[:, :2] >= 15.0, axis=1)) for run in fresh]
    assert (one.baseline_p, one.prioritised_p) == pytest.approx(reached)
    assert list(one.chosen["order"]) == [1, 2]
    folder = save(one, tmp_path / "pri")
    assert {p.name for p in folder.iterdir()} == {
        "priorities.json",
        "candidates.csv",
        "priorities.png",
        "priorities.svg",
        "manifest.json",
    }
    data = json.loads((folder / "priorities.json").read_text())
    assert set(data) >= {"year", "budget_usd_bn", "method", "chosen", "baseline", "prioritised", "difference"}
    assert set(data["chosen"][0]) >= {"item", "capex_usd_bn", "order"} and set(data["difference"]) == {"value", "ci95"}
    back = Priorities.from_json(data)
    assert back.to_json() == one.to_json()
    assert "plant_a" in one._repr_html_()
    fig = priorities_chart(back)
    gains = [p.get_width() for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == "gain"]
    assert gains == pytest.approx(100 * np.diff([back.search_baseline_p, *back.chosen["p_search"]]))
    ax = Figure().add_subplot()
    assert priorities_chart(back, ax=ax) is ax.figure


def test_the_command_writes_its_folder_and_refuses_bad_arguments_with_status_2(tmp_path, capsys):
    out = tmp_path / "pri"
    command = ["prioritise", "scenarios/uz_cn_2025.toml", "--year", "2026", "--budget-usd-bn", "2", "--paths", "25", "--workers", "1"]
    assert main([*command, "--out", str(out)]) == 0
    assert "fresh paths" in capsys.readouterr().out
    assert {"priorities.json", "candidates.csv", "priorities.png", "manifest.json"} <= {p.name for p in out.iterdir()}
    for bad, message in ((["--budget-usd-bn", "0"], "positive amount"), (["--method", "best"], "invalid choice")):
        with pytest.raises(SystemExit) as stop:
            main([*command, *bad])
        assert stop.value.code == 2 and message in capsys.readouterr().err
    assert main([*command[:2], "--year", "2040", *command[4:], "--out", str(tmp_path / "x")]) == 2
    assert "year: must be a simulated year" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="budget_usd_bn: must be a positive amount"):
        prioritise(reference(), 2026, math.inf, paths=10)
    ref = reference()
    # 7 sectors' backlogs, 2 named projects awaiting a lender (the solar plant finances itself), 4 more sectors: 13
    extra = {f"extra_{i}": ref.get("pipeline.sectors.energy") for i in range(4)}
    many = ref.replace(
        {
            "pipeline.sectors": {**ref.get("pipeline.sectors"), **extra},
            "pipeline.sector_mix": {**ref.get("pipeline.sector_mix"), **dict.fromkeys(extra, 0.1)},
        }
    )
    with pytest.raises(ScenarioError, match="exhaustive search of 13 candidates is 8,192 subsets"):
        prioritise(many, 2026, 5.0, paths=10, method="exhaustive")


def test_prioritise_reruns_its_search_on_twice_the_paths_and_a_second_seed_and_says_stable_when_one_candidate_dominates(tmp_path):
    # budget 1.0: plant c (1.0 imported in 2025) beats a (0.4) and b (0.8) on any paths; both reruns pick it again
    s = build(_three_lenders())
    result = prioritise(s, 2026, 1.0, paths=300, seed=5, workers=1, progress=False)
    table = result.stability
    assert list(table.columns) == ["paths", "seed", "chosen", "same_first", "same_choice"]
    assert list(zip(table["paths"], table["seed"], strict=True)) == [(300, 5), (600, 5), (300, 6)]
    assert list(table["chosen"]) == ["plant_c"] * 3 and table["same_first"].all() and table["same_choice"].all()
    assert stability_sentence(table).startswith("stable:")
    # each rerun is the search itself on its paths: the same list as a study run there
    assert list(prioritise(s, 2026, 1.0, paths=300, seed=6, stability=False, workers=1, progress=False).chosen["item"]) == ["plant_c"]
    folder = save(result, tmp_path / "pri", report=True)
    assert (folder / "stability.csv").read_text().splitlines()[1:] == [
        "300,5,plant_c,True,True",
        "600,5,plant_c,True,True",
        "300,6,plant_c,True,True",
    ]
    back = load(folder)
    assert back.stability.equals(table) and back.to_json() == result.to_json()
    html = (folder / "report.html").read_text()
    assert "How stable the choice is" in html and "Stable: the same list on twice the paths and on a second seed." in html
    assert "stable: the same list" in priorities_table(result)


def test_the_stability_sentence_says_not_stable_when_a_rerun_chooses_another_list():
    table = stability_table(300, 5, ["a", "b"], [(600, 5, ["a"]), (300, 6, ["b", "a"])])
    assert list(table["same_first"]) == [True, True, False] and list(table["same_choice"]) == [True, False, False]
    assert list(table["chosen"]) == ["a, b", "a", "b, a"]
    assert stability_sentence(table).startswith("not stable:") and "a different first item" in stability_sentence(table)
    assert stability_sentence(stability_table(300, 5, [], [])) == ""


def test_no_stability_skips_the_reruns_and_an_old_folder_without_the_table_still_loads(tmp_path, capsys):
    s = build(_three_lenders())
    skipped = prioritise(s, 2026, 1.0, paths=100, seed=5, stability=False, workers=1, progress=False)
    assert skipped.stability.empty and skipped.to_json()["stability"] == []
    out = tmp_path / "pri"
    command = ["prioritise", "scenarios/uz_cn_2025.toml", "--year", "2026", "--budget-usd-bn", "2", "--paths", "25", "--workers", "1"]
    assert main([*command, "--no-stability", "--out", str(out)]) == 0
    assert "stability of the choice" not in capsys.readouterr().out and not (out / "stability.csv").exists()
    old = Priorities.from_json(fake_priorities())  # written before the table existed: no "stability" key
    assert old.stability.empty and list(old.stability.columns) == ["paths", "seed", "chosen", "same_first", "same_choice"]
    assert "How stable" not in render_report(old, {})
