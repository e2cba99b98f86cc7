"""Sensitivity, scenario discovery and goal seeking, checked against known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import build, dump_toml, organic_only
from scipy import stats

from sim.cli import main
from sim.studies.goal import goal
from sim.studies.levers import lever
from sim.studies.sensitivity import prim_boxes, sensitivity, sobol_design, sobol_indices


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_match_the_ishigami_function():
    # known values for a = 7, b = 0.1 (Ishigami and Homma 1990; Sobol' 1993)
    a, b = 7.0, 0.1
    variance = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    first = {"x1": v1 / variance, "x2": v2 / variance, "x3": 0.0}
    total = {"x1": (v1 + v13) / variance, "x2": v2 / variance, "x3": v13 / variance}
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    design = sobol_design(problem, 4096, seed=3)
    indices = sobol_indices(problem, _ishigami(design), seed=3)
    for name in ("x1", "x2", "x3"):
        for kind, truth in (("first_order", first[name]), ("total", total[name])):
            e = indices[name][kind]
            assert abs(e["value"] - truth) < 0.03, (name, kind, e, truth)
            assert e["ci95"][0] - 0.01 <= truth <= e["ci95"][1] + 0.01


def test_prim_finds_the_box_where_outcomes_fail():
    rng = np.random.default_rng(2)
    x = rng.random((4000, 4))
    missed = (x[:, 0] < 0.3) & (x[:, 2] > 0.6)
    missed |= rng.random(4000) < 0.02  # some noise outside the box
    boxes = prim_boxes(x, missed, ["a", "b", "c", "d"])
    box = boxes[0]
    assert set(box.limits) == {"a", "c"}
    assert box.limits["a"][1] == pytest.approx(0.3, abs=0.05)
    assert box.limits["c"][0] == pytest.approx(0.6, abs=0.05)
    assert box.density > 0.9 and box.coverage > 0.8


def test_model_sensitivity_sums_sensibly_and_growth_mean_drives_an_organic_scenario():
    s = build(organic_only(mean={"dist": "normal", "mean": 0.08, "sd": 0.04}, sd=0.1, horizon=2030))
    study = sensitivity(s, 2028, base_rows=128, tornado_paths=300, discovery_paths=500, workers=2, progress=False)
    indices = study.data["sobol"]["reached_by_2028"]
    assert set(indices) == {"organic growth mean", "organic growth spread", "path randomness"}
    firsts = [e["first_order"]["value"] for e in indices.values()]
    assert sum(firsts) <= 1.15 and all(-0.15 <= v <= 1.1 for v in firsts)
    assert indices["organic growth mean"]["total"]["value"] > 0.1
    assert indices["path randomness"]["total"]["value"] > 0.1
    bar = next(b for b in study.data["tornado"]["bars"] if b["group"] == "organic growth mean")
    assert bar["diff_low"] < 0 < bar["diff_high"]
    assert study.data["discovery"]["boxes"], "misses should be explained by low realised growth"
    assert "realised organic growth" in study.data["discovery"]["boxes"][0]["text"]


def test_goal_seeking_matches_the_closed_form_growth_rate():
    # first year, no persistence: P(12.4 exp(mu + sd z) >= 20) = p exactly when mu = log(20 / 12.4) + sd * z_p
    s = build(organic_only(mean=0.05, sd=0.15, horizon=2026))
    result = goal(s, "trade.growth.mean", 2025, 0.7, paths=4000, low=0.0, high=1.0, workers=1)
    truth = math.log(20 / 12.4) + 0.15 * stats.norm.ppf(0.7)
    lo, hi = result.data["ci95"]
    assert lo <= truth <= hi
    assert hi - lo < 0.02


def test_goal_seeking_with_deterministic_growth_finds_the_needed_rate():
    s = build(organic_only(mean=0.05, sd=0.0, horizon=2030))
    result = goal(s, "trade.growth.mean", 2027, 0.5, paths=50, low=0.0, high=0.4, workers=1)
    assert result.value == pytest.approx(math.log(20 / 12.4) / 3, abs=0.4 / 8 / 2**6)


def _organic_file(tmp_path, mean, horizon: int):
    """An organic-only scenario file (sd 0.1, run defaults but the horizon) for the command-line tests."""
    raw = organic_only(mean=mean, sd=0.1, horizon=horizon)
    raw["run"] = {"horizon_year": horizon}
    path = tmp_path / "organic.toml"
    path.write_text(dump_toml(raw))
    return path


def test_goal_out_of_reach_says_so_plainly(tmp_path, capsys):
    path = _organic_file(tmp_path, mean=0.05, horizon=2027)
    out = tmp_path / "g"
    code = main(
        [
            "goal",
            str(path),
            "--lever",
            "trade.growth.mean",
            "--year",
            "2025",
            "--probability",
            "0.9",
            "--range",
            "0:0.1",
            "--paths",
            "200",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads((out / "goal.json").read_text())
    assert {"lever", "year", "probability", "value", "ci95"} <= set(data)
    assert data["value"] is None and data["ci95"] is None and not data["reachable"]
    assert "out of reach" in capsys.readouterr().out


def test_levers_of_repeated_distributions_move_their_median():
    s = build(organic_only())
    raw = s.to_json()
    raw["portfolio"] = {"financiers": {"bank": {"capacity_usd_bn_per_year": {"dist": "lognormal", "median": 2.0, "p90": 3.0}}}}
    raw["pipeline"] = {
        "launches_per_year": 10,
        "capex_usd_bn": 0.1,
        "build_years": 1.0,
        "sectors": {"s": {"construction_import_share": 0.3, "exports_per_capex_per_year": 0.1, "imports_per_capex_per_year": 0.0}},
        "sector_mix": {"s": 1},
        "financier_mix": {"bank": 1},
    }
    s = build(raw)
    lev = lever(s, "portfolio.financiers.bank.capacity_usd_bn_per_year")
    assert lev.mode == "median" and lev.current == pytest.approx(2.0)
    moved = s.replace({lev.path: lev.change(s, 3.0)})
    assert moved.get(lev.path) == {"dist": "lognormal", "median": pytest.approx(3.0), "p90": pytest.approx(4.5)}


def test_sensitivity_command_writes_indices_tornado_boxes_and_figures(tmp_path, capsys):
    path = _organic_file(tmp_path, mean={"dist": "normal", "mean": 0.08, "sd": 0.04}, horizon=2030)
    out = tmp_path / "s"
    args = [
        "sensitivity",
        str(path),
        "--year",
        "2029",
        "--base-rows",
        "32",
        "--tornado-paths",
        "100",
        "--discovery-paths",
        "250",
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    assert {"sensitivity.json", "sobol_indices.csv", "tornado.csv", "tornado.png", "sobol_reached.png", "manifest.json"} <= {
        p.name for p in out.iterdir()
    }
    data = json.loads((out / "sensitivity.json").read_text())
    assert set(data["sobol"]["reached_by_2029"]) == {"organic growth mean", "organic growth spread", "path randomness"}
    assert "Sobol indices" in capsys.readouterr().out


def test_sensitivity_module_exports_the_study_from_its_parts_and_its_table_is_a_dataframe(tmp_path):
    import importlib

    import pandas as pd
    from test_plots_sensitivity import fake_sensitivity

    from sim.output import write_data
    from sim.studies import discovery, sobol, tornado
    from sim.studies.sensitivity import Discovery, Sensitivity, Tornado, discovery_features, evaluate_rows

    assert set(importlib.import_module("sim.studies.sensitivity").__all__) == {
        "Discovery", "Sensitivity", "Tornado", "sensitivity", "evaluate_rows", "prim_boxes",
        "sobol_design", "sobol_indices", "discovery_features", "RANDOMNESS",
    }  # fmt: skip
    assert (Tornado, Discovery, discovery_features, evaluate_rows) == (
        tornado.Tornado,
        discovery.Discovery,
        discovery.discovery_features,
        sobol.evaluate_rows,
    )
    study = Sensitivity.from_json(fake_sensitivity(rows=50))
    table = study.table()
    assert isinstance(table, pd.DataFrame) and list(table.columns) == ["output", "group", "index", "value", "ci95_low", "ci95_high"]
    assert not hasattr(study, "rows")  # one vocabulary: table() for DataFrames
    # sobol_indices.csv is the table, one row per output, group and index
    assert "sobol_indices.csv" in write_data(study, tmp_path)
    written = pd.read_csv(tmp_path / "sobol_indices.csv")
    assert len(written) == len(table) and list(written.columns) == list(table.columns)
