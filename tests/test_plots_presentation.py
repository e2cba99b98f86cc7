"""Presentation of the charts: source lines naming the statistics, the forecast horizon, words instead of raw numbers, units."""

from __future__ import annotations

import math

import numpy as np
from test_plots import fake_results
from test_plots_compare import LABELS, fake_runs
from test_plots_sensitivity import fake_goal, fake_sensitivity

from sim import plots
from sim.plots.goal import lever_unit
from sim.plots.sensitivity import box_words
from sim.plots.style import FORECAST_HORIZON_YEARS, short_description
from sim.studies.goal import GoalResult
from sim.studies.prim import Box
from sim.studies.sensitivity import Sensitivity


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in [*fig.texts, *(t for ax in fig.axes for t in ax.texts)])


def test_source_line_names_paths_seed_and_whose_history() -> None:
    fig = plots.fan_chart(fake_results(paths=10_000, seed=7))
    assert "Source: coopsim Monte Carlo simulation of uz_cn_2025, 10,000 paths, seed 7; history: Uzbek Statistics Agency (UZ) figures." in (
        fig.texts[-1].get_text().replace("\n", " ")
    )


def test_fan_chart_marks_the_years_past_the_forecast_horizon_and_clips_the_band() -> None:
    results = fake_results(growth=0.12)  # a wide fan: its 95th percentile in 2035 is far above the forecast years'
    fig = plots.fan_chart(results)
    ax = fig.axes[0]
    horizon = results.base_year + FORECAST_HORIZON_YEARS
    (shade,) = [p for p in ax.patches if p.get_gid() == "beyond_horizon"]
    assert shade.get_x() == horizon + 0.5
    notes = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert f"After {horizon}" in notes and "not a forecast" in notes and "cut at the top" in notes
    assert ax.get_ylim()[1] < results.annual_trade_usd_bn.loc[results.years[-1], "p95"]
    # the forecast years are all on the chart
    assert ax.get_ylim()[1] > results.annual_trade_usd_bn.loc[horizon, "p95"]


def test_no_horizon_mark_on_a_run_that_ends_before_it() -> None:
    fig = plots.fan_chart(fake_results(last_year=2029))
    assert not [p for p in fig.axes[0].patches if p.get_gid() == "beyond_horizon"]


def test_each_chart_names_its_statistics() -> None:
    runs = fake_runs()
    assert "Wilson 95% interval" in " ".join(t.get_text() for t in plots.reach_probability(runs[0]).axes[0].get_legend().get_texts())
    assert "Wilson 95% intervals" in _texts(plots.overlay_reach_probability(runs, LABELS))
    assert "percentiles" in _texts(plots.fan_chart(runs[0]))
    sens = Sensitivity.from_json(fake_sensitivity(rows=300))
    assert "Newcombe 95% intervals" in _texts(plots.tornado_chart(sens))
    assert "bootstrap 95% intervals" in _texts(plots.sobol_chart(sens))


def test_scenario_descriptions_make_short_wrapped_legends() -> None:
    assert short_description("Reference: Uzbek statistics basis, 2025 partly observed") == "Reference"
    assert short_description("Railway completion three years later (mode 2033.5)") == "Railway completion three years later"
    assert short_description("No clause mark at all") == "No clause mark at all"
    long = "BYD phase 3 financed from the start and automotive projects five times as frequent as in the reference"
    fig = plots.overlay_fan_charts(fake_runs(), ["Reference", long, "Finance squeeze"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[0] == "Reference" and all(len(line) <= 42 for line in legend[1].split("\n")) and legend[1].count("\n") >= 1


def test_discovery_boxes_in_words_with_rounded_bounds() -> None:
    box = Box(
        limits={"realised organic growth to 2030 (log a year)": (-0.1118, 0.01929), "cku_railway completion year": (2031.37, math.inf)},
        coverage=0.523,
        density=0.8123,
        support=0.1401,
    )
    words = box_words(box, 2030)
    assert words == (
        "realised organic growth to 2030 from \u221211.2% a year (log) to +1.9% a year (log) and cku_railway completion year above 2031.4: "
        "target missed by 2030 in 81% of such paths (14% of all paths), covering 52% of all misses"
    )
    data = fake_sensitivity(rows=400)
    data["discovery"]["boxes"][0]["limits"] = {"trade.growth.mean": [-0.0123456, 0.0551234]}
    subtitle = plots.discovery_chart(Sensitivity.from_json(data)).texts[1].get_text().replace("\n", " ")
    assert "trade.growth.mean from \u22120.012 to 0.055" in subtitle and "0.0551234" not in subtitle


def test_goal_chart_axis_has_the_levers_unit() -> None:
    goal = fake_goal()
    assert plots.goal_chart(GoalResult.from_json(goal)).axes[0].get_xlabel() == "trade.growth.mean (setting, mean log-growth a year)"
    goal.update(lever="portfolio.financiers.cdb.capacity_usd_bn_per_year", lever_mode="median")
    label = plots.goal_chart(GoalResult.from_json(goal)).axes[0].get_xlabel()
    assert label == "portfolio.financiers.cdb.capacity_usd_bn_per_year (median of its distribution, USD bn a year)"
    assert lever_unit("pipeline.projects.cku_railway.completion_year") == "calendar year"
    assert lever_unit("pipeline.sectors.energy.exports_per_capex_per_year") == "USD a year per USD of capex"
    assert lever_unit("something.else") == ""


def test_figures_draw_without_error() -> None:
    for fig in (plots.fan_chart(fake_results(growth=0.12)), plots.overlay_fan_charts(fake_runs(), LABELS)):
        fig.canvas.draw()
        assert np.isfinite(fig.axes[0].get_ylim()).all()
