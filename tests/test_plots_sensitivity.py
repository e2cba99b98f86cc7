"""Tests of the sensitivity and goal-seeking charts of :mod:`sim.plots` on fabricated ``sensitivity.json`` and ``goal.json`` dicts."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from test_plots import PNG_SIGNATURE

from sim import plots
from sim.output import write_figures
from sim.studies.goal import GoalResult
from sim.studies.sensitivity import Sensitivity

YEAR = 2030
TARGET = 20.0
# group, diff at the 10th percentile, at the 90th (shuffled: the chart sorts by swing)
TORNADO = [
    ("financing capacity", -0.04, 0.03),
    ("organic growth mean", -0.13, 0.12),
    ("trade shocks", 0.02, -0.05),
    ("railway opening", 0.06, -0.09),
    ("path randomness", 0.0, 0.0),
    ("sector trade coefficients", -0.05, 0.06),
    ("build durations and delays", 0.01, -0.01),
]
INPUTS = [
    {"path": "trade.growth.mean", "group": "organic growth mean", "low": 0.03, "high": 0.11, "mode": "value", "p10": 0.045, "p90": 0.095},
    {
        "path": "pipeline.projects.railway.completion_year",
        "group": "railway opening",
        "low": 2028.0,
        "high": 2034.0,
        "mode": "value",
        "p10": 2028.6,
        "p90": 2033.4,
    },
    {
        "path": "portfolio.financiers.cdb.capacity_usd_bn_per_year",
        "group": "financing capacity",
        "low": 0.5,
        "high": 1.5,
        "mode": "median",
        "p10": 0.6,
        "p90": 1.4,
    },
    {
        "path": "shocks.sanctions.probability_per_year",
        "group": "trade shocks",
        "low": 0.0,
        "high": 0.1,
        "mode": "value",
        "p10": 0.01,
        "p90": 0.09,
    },
]


def fake_sensitivity(rows: int = 4000, seed: int = 7) -> dict[str, Any]:
    """A ``sensitivity.json`` dict with plausible tornado bars, Sobol indices and a PRIM discovery."""
    rng = np.random.default_rng(seed)
    bars = []
    for group, low, high in TORNADO:
        sd_low, sd_high = 0.004 + 0.05 * abs(low), 0.004 + 0.05 * abs(high)
        bars.append(
            {
                "group": group,
                "inputs": [i["path"] for i in INPUTS if i["group"] == group],
                "p_low": 0.81 + low,
                "p_high": 0.81 + high,
                "diff_low": low,
                "diff_low_ci95": [low - sd_low, low + sd_low],
                "diff_high": high,
                "diff_high_ci95": [high - sd_high, high + sd_high],
                "swing": abs(high - low),
            }
        )
    groups = {
        "organic growth mean": (0.35, 0.48),
        "path randomness": (0.18, 0.40),
        "railway opening": (0.08, 0.15),
        "financing capacity": (0.02, 0.05),
        "trade shocks": (-0.01, 0.03),
        "sector trade coefficients": (0.04, 0.09),
    }

    def index(v: float, half: float) -> dict[str, Any]:
        return {"value": v, "ci95": [v - half, v + half]}

    sobol = {
        f"reached_by_{YEAR}": {g: {"first_order": index(s1, 0.03), "total": index(st, 0.04)} for g, (s1, st) in groups.items()},
        f"trade_{YEAR}_usd_bn": {
            g: {"first_order": index(0.8 * s1, 0.02), "total": index(0.9 * st, 0.03)} for g, (s1, st) in groups.items()
        },
    }
    features = {i["path"]: rng.uniform(i["low"], i["high"], rows) for i in INPUTS}
    growth = features["trade.growth.mean"]
    railway = features["pipeline.projects.railway.completion_year"]
    missed = ((growth < 0.055) & (railway > 2031.0) & (rng.uniform(size=rows) < 0.9)) | (rng.uniform(size=rows) < 0.06)
    in_box = (growth <= 0.055) & (railway >= 2031.0)
    box = {
        "limits": {"trade.growth.mean": [None, 0.055], "pipeline.projects.railway.completion_year": [2031.0, math.inf]},
        "coverage": float(missed[in_box].sum() / missed.sum()),
        "density": float(missed[in_box].mean()),
        "support": float(in_box.mean()),
        "text": "trade.growth.mean below 0.055 and pipeline.projects.railway.completion_year above 2031: target missed by 2030 in 91% of such paths (13% of all paths), covering 60% of all misses",
    }
    return {
        "scenario": "uz_cn_2025",
        "scenario_sha256": "0" * 64,
        "year": YEAR,
        "seed": 1,
        "target_usd_bn": TARGET,
        "inputs": INPUTS,
        "design_rows": 2048,
        "p_reach_in_design": 0.78,
        "sobol": sobol,
        "sobol_sums": {out: {"first_order": sum(e["first_order"]["value"] for e in t.values())} for out, t in sobol.items()},
        "tornado": {"year": YEAR, "paths": 1000, "p_base": 0.81, "bars": bars},
        "discovery": {
            "method": "PRIM",
            "rows": rows,
            "share_missed": float(missed.mean()),
            "features": {k: v.tolist() for k, v in features.items()},
            "missed": missed.tolist(),
            "boxes": [box],
        },
    }


def fake_goal(reachable: bool = True) -> dict[str, Any]:
    """A ``goal.json`` dict for ``trade.growth.mean``: found at 0.093, or out of reach."""
    settings = np.linspace(0.03, 0.11, 9)
    p = 1 / (1 + np.exp(-(settings - 0.065) / 0.012))
    if not reachable:
        p = 0.8 * p
    half = 1.96 * np.sqrt(p * (1 - p) / 4000)
    goal = {
        "lever": "trade.growth.mean",
        "year": YEAR,
        "probability": 0.9,
        "value": 0.093 if reachable else None,
        "ci95": [0.091, 0.095] if reachable else None,
        "reachable": reachable,
        "curve": [[float(s), float(q), float(q - h), float(q + h)] for s, q, h in zip(settings, p, half, strict=True)],
        "message": (
            "P(target by 2030) reaches 90% with trade.growth.mean at 0.093 (95% interval 0.091 to 0.095), against 0.07 in the scenario."
            if reachable
            else "P(target by 2030) stays below 90% over the range tried (0.03 to 0.11): at most 80% with trade.growth.mean at 0.11."
        ),
        "paths": 4000,
        "seed": 1,
        "scenario": "uz_cn_2025",
        "current": 0.07,
    }
    return goal


def rects(fig: Figure, gid: str) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle) and p.get_gid() == gid]


def segments(fig: Figure, gid: str) -> list[np.ndarray]:
    found = [c for c in fig.axes[0].collections if isinstance(c, LineCollection) and c.get_gid() == gid]
    assert len(found) == 1
    return found[0].get_segments()


def sorted_bars() -> list[dict[str, Any]]:
    return sorted(fake_sensitivity(rows=50)["tornado"]["bars"], key=lambda b: -b["swing"])


# -- tornado ---------------------------------------------------------------------------------
def test_tornado_bar_lengths_are_percentage_points_of_the_differences() -> None:
    fig = plots.tornado_chart(Sensitivity.from_json(fake_sensitivity(rows=50)))
    bars = sorted_bars()
    for side in ("low", "high"):
        drawn = rects(fig, f"tornado_{side}")
        assert len(drawn) == len(bars)
        for rect, bar in zip(drawn, bars, strict=True):
            assert rect.get_x() == pytest.approx(0.0)
            assert rect.get_width() == pytest.approx(100 * bar[f"diff_{side}"])


def test_tornado_largest_swing_is_on_top_and_labels_follow() -> None:
    fig = plots.tornado_chart(Sensitivity.from_json(fake_sensitivity(rows=50)))
    bars = sorted_bars()
    centres = [r.get_y() + r.get_height() / 2 for r in rects(fig, "tornado_low")]
    assert centres == sorted(centres, reverse=True)  # the drawing order, top down, is the swing order
    ax = fig.axes[0]
    by_height = [t.get_text() for _, t in sorted(zip(ax.get_yticks(), ax.get_yticklabels(), strict=True), key=lambda pair: -pair[0])]
    assert by_height == [b["group"] for b in bars]
    assert by_height[0] == "organic growth mean"


def test_tornado_whiskers_match_the_intervals() -> None:
    fig = plots.tornado_chart(Sensitivity.from_json(fake_sensitivity(rows=50)))
    bars = sorted_bars()
    for side in ("low", "high"):
        segs = segments(fig, f"tornado_{side}_ci95")
        centres = [r.get_y() + r.get_height() / 2 for r in rects(fig, f"tornado_{side}")]
        assert len(segs) == len(bars)
        for seg, bar, y in zip(segs, bars, centres, strict=True):
            lo, hi = bar[f"diff_{side}_ci95"]
            assert seg[:, 0] == pytest.approx([100 * lo, 100 * hi])
            assert seg[:, 1] == pytest.approx([y, y])


def test_tornado_text_names_target_base_probability_and_common_random_numbers() -> None:
    fig = plots.tornado_chart(Sensitivity.from_json(fake_sensitivity(rows=50)))
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "What moves the probability of $20 bn by 2030" in texts
    assert "81%" in texts and "common random numbers" in texts
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["inputs at their 10th percentile", "inputs at their 90th percentile"]
    zero = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "zero"]
    assert len(zero) == 1 and list(zero[0].get_xdata()) == [0, 0]


def test_tornado_with_missing_values_and_no_bars() -> None:
    data = fake_sensitivity(rows=50)
    data["tornado"]["bars"][0]["diff_low"] = None
    data["tornado"]["bars"][0]["diff_high_ci95"] = [None, None]
    data["tornado"]["bars"][1]["swing"] = None
    assert isinstance(plots.tornado_chart(Sensitivity.from_json(data)), Figure)
    data["tornado"]["bars"] = []
    assert isinstance(plots.tornado_chart(Sensitivity.from_json(data)), Figure)


# -- Sobol -------------------------------------------------------------------------------------
def test_sobol_defaults_to_the_first_output_and_sorts_by_total() -> None:
    data = fake_sensitivity(rows=50)
    table = data["sobol"][f"reached_by_{YEAR}"]
    order = sorted(table, key=lambda g: -table[g]["total"]["value"])
    fig = plots.sobol_chart(Sensitivity.from_json(data))
    assert [r.get_width() for r in rects(fig, "total")] == pytest.approx([table[g]["total"]["value"] for g in order])
    assert [r.get_width() for r in rects(fig, "first_order")] == pytest.approx([table[g]["first_order"]["value"] for g in order])
    for key in ("first_order", "total"):
        segs = segments(fig, f"{key}_ci95")
        assert [tuple(s[:, 0]) for s in segs] == [pytest.approx(tuple(table[g][key]["ci95"])) for g in order]
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "path randomness" in texts and "shares of the variance" in texts and "$20 bn by 2030" in texts
    lo, hi = fig.axes[0].get_xlim()
    assert -0.1 < lo <= -0.04 and hi == pytest.approx(1.0)  # the lowest whisker (-0.04) is shown, the axis stops above -0.1


def test_sobol_second_output_axis_clipped_and_errors() -> None:
    data = fake_sensitivity(rows=50)
    out = f"trade_{YEAR}_usd_bn"
    data["sobol"][out]["trade shocks"]["first_order"] = {"value": -0.3, "ci95": [-0.5, -0.1]}
    data["sobol"][out]["financing capacity"]["total"] = {"value": None, "ci95": None}
    fig = plots.sobol_chart(Sensitivity.from_json(data), out)
    assert fig.axes[0].get_xlim()[0] == pytest.approx(-0.1)
    assert "annual trade in 2030" in fig.texts[0].get_text()
    with pytest.raises(ValueError, match="no Sobol indices"):
        plots.sobol_chart(Sensitivity.from_json(data), "nonsense")
    data["sobol"] = {}
    with pytest.raises(ValueError):
        plots.sobol_chart(Sensitivity.from_json(data))


# -- discovery -------------------------------------------------------------------------------
def box_polygon(fig: Figure, k: int = 1) -> np.ndarray:
    found = [p for p in fig.axes[0].patches if isinstance(p, Polygon) and p.get_gid() == f"box_{k}"]
    assert len(found) == 1
    assert found[0].get_linestyle() == "--"
    return found[0].get_xy()


def test_discovery_draws_the_box_on_its_two_inputs_clipped_to_the_data() -> None:
    data = fake_sensitivity(rows=800)
    fig = plots.discovery_chart(Sensitivity.from_json(data))
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("trade.growth.mean")
    assert ax.get_ylabel().startswith("pipeline.projects.railway.completion_year")
    feats = data["discovery"]["features"]
    xy = box_polygon(fig)
    assert xy[:, 0].min() == pytest.approx(min(feats["trade.growth.mean"]))  # null lower bound: the data's minimum
    assert xy[:, 0].max() == pytest.approx(0.055)
    assert xy[:, 1].min() == pytest.approx(2031.0)
    assert xy[:, 1].max() == pytest.approx(max(feats["pipeline.projects.railway.completion_year"]))  # infinite: the maximum
    missed = np.array(data["discovery"]["missed"])
    scatters = {c.get_gid(): c for c in ax.collections if c.get_gid() in ("missed", "reached")}
    assert len(scatters["missed"].get_offsets()) == missed.sum()
    assert len(scatters["reached"].get_offsets()) == (~missed).sum()
    assert "Box 1: trade.growth.mean below 0.055" in fig.texts[1].get_text()


def test_discovery_one_restricted_input_uses_the_most_correlated_other() -> None:
    data = fake_sensitivity(rows=800)
    data["discovery"]["boxes"][0]["limits"] = {
        "pipeline.projects.railway.completion_year": [2031.0, None],
        "trade.growth.mean": [-math.inf, math.inf],
    }
    fig = plots.discovery_chart(Sensitivity.from_json(data))
    assert fig.axes[0].get_xlabel().startswith("pipeline.projects.railway.completion_year")
    assert fig.axes[0].get_ylabel().startswith("trade.growth.mean")
    xy = box_polygon(fig)
    assert xy[:, 1].min() == pytest.approx(min(data["discovery"]["features"]["trade.growth.mean"]))


def test_discovery_without_boxes_or_features() -> None:
    data = fake_sensitivity(rows=300)
    data["discovery"]["boxes"] = []
    fig = plots.discovery_chart(Sensitivity.from_json(data))
    assert fig.axes[0].get_xlabel().startswith(INPUTS[0]["path"]) and fig.axes[0].get_ylabel().startswith(INPUTS[1]["path"])
    only_boxes = copy.deepcopy(fake_sensitivity(rows=50))
    del only_boxes["discovery"]["features"], only_boxes["discovery"]["missed"]
    xy = box_polygon(plots.discovery_chart(Sensitivity.from_json(only_boxes)))
    assert xy[:, 0].min() == pytest.approx(0.03)  # the input's range stands in for the data's
    nothing = fake_sensitivity(rows=50)
    nothing["discovery"] = {"method": "PRIM", "rows": 0, "share_missed": 0.0, "boxes": []}
    assert isinstance(plots.discovery_chart(Sensitivity.from_json(nothing)), Figure)
    bad = fake_sensitivity(rows=50)
    bad["discovery"]["missed"] = bad["discovery"]["missed"][:-1]
    with pytest.raises(ValueError, match="differ in length"):
        plots.discovery_chart(Sensitivity.from_json(bad))


# -- goal seeking ------------------------------------------------------------------------------
def test_goal_chart_found() -> None:
    goal = fake_goal()
    fig = plots.goal_chart(GoalResult.from_json(goal))
    ax = fig.axes[0]
    lines = {ln.get_gid(): ln for ln in ax.get_lines()}
    assert list(lines["probability"].get_xdata()) == pytest.approx([row[0] for row in goal["curve"]])
    assert list(lines["wanted"].get_ydata()) == [0.9, 0.9]
    assert list(lines["value"].get_xdata()) == [0.093, 0.093]
    span = [p for p in ax.patches if p.get_gid() == "value_ci95"]
    assert len(span) == 1 and span[0].get_x() == pytest.approx(0.091) and span[0].get_width() == pytest.approx(0.004)
    assert lines["current"].get_xdata()[0] == pytest.approx(0.07)
    assert fig.texts[0].get_text() == "What it takes: P(target by 2030) = 90%"
    assert fig.texts[1].get_text().startswith("P(target by 2030) reaches 90%")
    goal["target_usd_bn"] = 20.0
    assert plots.goal_chart(GoalResult.from_json(goal)).texts[0].get_text() == "What it takes: P($20 bn by 2030) = 90%"


def test_goal_chart_out_of_reach() -> None:
    fig = plots.goal_chart(GoalResult.from_json(fake_goal(reachable=False)))
    ax = fig.axes[0]
    gids = {ln.get_gid() for ln in ax.get_lines()}
    assert "value" not in gids and "wanted" in gids
    assert not [p for p in ax.patches if p.get_gid() == "value_ci95"]
    assert any("out of reach" in t.get_text() for t in ax.texts)
    nearly_sure = fake_goal(reachable=False)
    nearly_sure["probability"] = 0.995
    assert plots.goal_chart(GoalResult.from_json(nearly_sure)).texts[0].get_text().endswith("= 99.5%")  # not rounded to 100%
    empty = fake_goal(reachable=False)
    empty.update(curve=[], current=None, message=None)
    assert isinstance(plots.goal_chart(GoalResult.from_json(empty)), Figure)


# -- files -------------------------------------------------------------------------------------
def test_save_sensitivity_figures_writes_pngs(tmp_path) -> None:
    names = write_figures(Sensitivity.from_json(fake_sensitivity(rows=300)), tmp_path)
    assert names == ["tornado.png", "sobol_reached.png", "sobol_trade.png", "discovery.png"]
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE


def test_save_sensitivity_figures_skips_what_is_missing(tmp_path) -> None:
    data = fake_sensitivity(rows=50)
    data["sobol"].pop(f"trade_{YEAR}_usd_bn")
    data["discovery"] = {"method": "PRIM", "rows": 0, "share_missed": 0.0, "boxes": []}
    assert write_figures(Sensitivity.from_json(data), tmp_path) == ["tornado.png", "sobol_reached.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sobol_reached.png", "tornado.png"]


def test_save_goal_figure_writes_png(tmp_path) -> None:
    assert write_figures(GoalResult.from_json(fake_goal(reachable=False)), tmp_path) == ["goal.png"]
    assert (tmp_path / "goal.png").read_bytes()[:8] == PNG_SIGNATURE
