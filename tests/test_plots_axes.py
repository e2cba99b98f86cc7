"""Every chart draws into a given axes and returns that axes' figure; typed results round-trip through a results folder."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.figure import Figure
from test_attribute import fake_attribution
from test_plots import fake_results
from test_plots_compare import LABELS, fake_comparison, fake_runs
from test_plots_sensitivity import fake_goal, fake_sensitivity
from test_prioritise import fake_priorities

from sim import Attribution, Priorities, Results, plots, save
from sim.studies.compare import Comparison
from sim.studies.goal import GoalResult
from sim.studies.sensitivity import Sensitivity
from sim.studies.track import Track, TrackScore, TrackView


def fake_track() -> Track:
    """Three views (the second repeating the first) and their scores, made by hand."""
    day = [dt.date(2025, 1, 21), dt.date(2025, 2, 15), dt.date(2025, 9, 10)]
    views = [
        TrackView(day[0], 2024, 12.4, "", {2026: (0.06, 0.05, 0.07), 2028: (0.27, 0.25, 0.29)}, {2025: 13.0, 2026: 13.6}, (2010, 2024)),
        TrackView(
            day[1], 2024, 12.4, "", {2026: (0.06, 0.05, 0.07), 2028: (0.27, 0.25, 0.29)}, {2025: 13.0, 2026: 13.6}, (2010, 2024), day[0]
        ),
        TrackView(
            day[2], 2024, 12.4, "2025 January-7: 8.78", {2026: (0.15, 0.13, 0.17), 2028: (0.48, 0.45, 0.51)}, {2025: 16.0}, (2010, 2024)
        ),
    ]
    scores = [
        TrackScore(day[0], 2025, 1, 0, 17.2, 0.99, 3.1, False, False, 0.9, 2.5, False, True),
        TrackScore(day[1], 2025, 1, 0, 17.2, 0.99, 3.1, False, False, 0.9, 2.5, False, True),
        TrackScore(day[2], 2025, 1, 7, 17.2, 0.72, 0.8, True, True, 0.9, 2.5, False, True),
    ]
    return Track("fake", 20.0, 100, 1, day[2], [2026, 2028], views, scores)


def _charts() -> dict[str, tuple]:
    runs = fake_runs()
    comparison = Comparison.from_json(fake_comparison(runs), results=runs)
    study = Sensitivity.from_json(fake_sensitivity(rows=200))
    return {
        "fan_chart": (plots.fan_chart, runs[0]),
        "reach_probability": (plots.reach_probability, runs[0]),
        "hit_year_distribution": (plots.hit_year_distribution, runs[0]),
        "finance_chart": (plots.finance_chart, fake_results()),
        "overlay_fan_charts": (plots.overlay_fan_charts, runs, LABELS),
        "overlay_reach_probability": (plots.overlay_reach_probability, runs, LABELS),
        "hit_year_comparison": (plots.hit_year_comparison, runs, LABELS),
        "paired_difference": (plots.paired_difference, comparison),
        "tornado_chart": (plots.tornado_chart, study),
        "sobol_chart": (plots.sobol_chart, study),
        "discovery_chart": (plots.discovery_chart, study),
        "goal_chart": (plots.goal_chart, GoalResult.from_json(fake_goal())),
        "attribution_chart": (plots.attribution_chart, Attribution.from_json(fake_attribution())),
        "priorities_chart": (plots.priorities_chart, Priorities.from_json(fake_priorities())),
        "track_probability": (plots.track_probability, fake_track()),
        "track_pit": (plots.track_pit, fake_track()),
        "track_coverage": (plots.track_coverage, fake_track()),
    }


CHARTS = _charts()


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_draws_into_the_given_axes(name: str) -> None:
    make, *args = CHARTS[name]
    fig = Figure(figsize=(12, 4))
    left, right = fig.subplots(1, 2)
    assert make(*args, ax=right) is fig
    assert right.has_data() and not left.has_data()
    assert fig.texts == []  # no title block or source line on the caller's figure
    fig.canvas.draw()


def test_composition_draws_into_a_given_pair_of_axes() -> None:
    fig = Figure()
    axes = fig.subplots(2, 1)
    assert plots.composition(fake_results(), axes=axes) is fig
    assert all(ax.has_data() for ax in axes) and len(fig.axes) == 2
    fig.canvas.draw()


def test_backtest_chart_draws_into_the_given_axes() -> None:
    from sim.calibration import backtest

    years = list(range(2010, 2025))
    values = [2.0 * 1.08**k for k in range(len(years))]
    result = backtest(years, values, horizons=(1,), paths=200, seed=1)
    fig = Figure()
    ax = fig.subplots()
    assert plots.backtest_chart(result, list(zip(years, values, strict=True)), ax=ax) is fig
    assert ax.has_data()


def test_every_chart_is_exported_and_listed_in_the_docstring() -> None:
    charts = [name for name in plots.__all__ if name.islower()]
    assert sorted(CHARTS) == sorted(set(charts) - {"composition", "backtest_chart", "replay_chart"})  # replay: tests/test_replay.py
    for name in charts:
        assert f":func:`{name}`" in plots.__doc__


def test_saved_results_load_back_typed(tmp_path) -> None:
    from helpers import reference

    from sim import simulate

    results = simulate(reference(), paths=250, seed=4, workers=1)
    save(results, tmp_path / "r", figures=False)
    loaded = Results.load(tmp_path / "r")
    assert loaded.years == results.years and all(isinstance(y, int) for y in loaded.years)
    assert loaded.p_reach_by_year.index.tolist() == list(results.years)
    np.testing.assert_array_equal(loaded.p_reach_by_year.to_numpy(), results.p_reach_by_year.to_numpy())
    np.testing.assert_array_equal(loaded.annual_trade_usd_bn.to_numpy(), results.annual_trade_usd_bn.to_numpy())
    np.testing.assert_array_equal(loaded.hit_year_share.to_numpy(), results.hit_year_share.to_numpy())
    assert loaded.hit_year == results.hit_year
    for name, frame in results.flows.items():
        np.testing.assert_array_equal(loaded.flows[name].to_numpy(), frame.to_numpy())
    assert loaded.to_json() == results.to_json()
    assert loaded.p_reach(2030) == results.p_reach(2030)


def test_save_refuses_what_it_cannot_save(tmp_path) -> None:
    with pytest.raises(TypeError, match="cannot save a dict"):
        save({"not": "results"}, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_importing_results_does_not_import_the_plots() -> None:
    code = "import sys, sim.results; print(sorted(m for m in sys.modules if m.startswith(('sim.plots', 'sim.output', 'matplotlib'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_html_tables_of_the_studies() -> None:
    runs = fake_runs()
    comparison = Comparison.from_json(fake_comparison(runs), results=runs)
    html = comparison._repr_html_()
    assert "<table>" in html and "uz_cn_2025 (baseline)" in html and "difference, points" in html
    assert f"{100 * runs[0].p_reach(2030)[0]:.1f}%" in html
    study = Sensitivity.from_json(fake_sensitivity(rows=50))
    html = study._repr_html_()
    assert "<table>" in html and "organic growth mean" in html and "81.0%" in html and "1 PRIM box" in html
    goal = GoalResult.from_json(fake_goal())
    html = goal._repr_html_()
    assert "<table>" in html and "trade.growth.mean" in html and "reaches 90%" in html and len(goal.curve) == html.count("<tr>") - 1


def test_charts_drawn_in_forked_processes_are_the_same_files_as_drawn_in_one(tmp_path, monkeypatch) -> None:
    from sim import output

    results = fake_results()
    together = tmp_path / "forked"
    together.mkdir()
    monkeypatch.setattr(output.threading, "active_count", lambda: 1)
    names = output.write_figures(results, together, ("png", "svg"))
    alone = tmp_path / "one_process"
    alone.mkdir()
    monkeypatch.setattr(output.threading, "active_count", lambda: 2)  # another thread: drawn in this process
    assert output.write_figures(results, alone, ("png", "svg")) == names
    assert len(names) >= 8
    for name in names:
        assert (together / name).read_bytes() == (alone / name).read_bytes(), name
