"""Tests of the scenario-comparison charts of :mod:`sim.plots` on fabricated results."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from test_plots import assert_only_standard_pngs, fake_results

from sim import plots
from sim.output import write_figures
from sim.results import Results
from sim.studies.compare import Comparison

BASELINE = "uz_cn_2025"
NAMES = (BASELINE, "uz_cn_railway_late", "uz_cn_finance_squeeze")
LABELS = ["reference", "railway late", "finance squeeze"]
SEED = 20250902
PATHS = 3000


def fake_runs() -> list[Results]:
    """Three runs on the same seed and paths: the baseline, a slower and a much slower scenario."""
    return [
        fake_results(NAMES[0], paths=PATHS, seed=SEED, growth=0.07),
        fake_results(NAMES[1], paths=PATHS, seed=SEED, growth=0.06),
        fake_results(NAMES[2], paths=PATHS, seed=SEED, growth=0.045),
    ]


def fake_comparison(runs: list[Results]) -> dict[str, Any]:
    """A ``comparison.json`` dict of ``runs`` against the first, with plausible paired intervals."""
    base = runs[0].summary
    years = list(base["years"])
    paths = base["paths"]

    def entry(diff: float, sd: float) -> dict[str, Any]:
        return {"diff": diff, "ci95": [diff - 1.96 * sd, diff + 1.96 * sd]}

    differences: dict[str, Any] = {}
    for r in runs[1:]:
        s = r.summary
        p_reach, mean, median = {}, {}, {}
        for y in years:
            d = s["p_reach_by_year"][y]["p"] - base["p_reach_by_year"][y]["p"]
            # paired: the only paths that differ are those that switch, so the sd is small
            p_reach[y] = entry(d, math.sqrt(max(abs(d), 1e-4) / paths))
            dm = s["annual_trade_usd_bn"][y]["mean"] - base["annual_trade_usd_bn"][y]["mean"]
            mean[y] = entry(dm, 0.02 + 0.03 * abs(dm))
            dq = s["annual_trade_usd_bn"][y]["p50"] - base["annual_trade_usd_bn"][y]["p50"]
            median[y] = entry(dq, 0.03 + 0.04 * abs(dq))
        h0, h1 = base["hit_year"]["p50"], s["hit_year"]["p50"]
        differences[s["scenario"]] = {
            "p_reach_by_year": p_reach,
            "mean_trade_usd_bn": mean,
            "median_trade_usd_bn": median,
            "median_hit_year_shift": None if h0 is None or h1 is None else h1 - h0,
        }
    return {
        "baseline": base["scenario"],
        "scenarios": [r.summary["scenario"] for r in runs],
        "paths": paths,
        "seed": base["seed"],
        "years": years,
        "summaries": {r.summary["scenario"]: r.summary for r in runs},
        "differences": differences,
    }


@pytest.fixture(scope="module")
def runs() -> list[Results]:
    return fake_runs()


@pytest.fixture
def comparison(runs: list[Results]) -> dict[str, Any]:
    return copy.deepcopy(fake_comparison(runs))


def _render(fig: Figure) -> None:
    fig.canvas.draw()


def _band_vertices(collection: Any) -> np.ndarray:
    return np.concatenate([path.vertices for path in collection.get_paths()])


def _color(artist: Any) -> tuple[float, ...]:
    """RGB of a bar's face, a band's fill, or a line (its marker face if it is a marker only)."""
    if isinstance(artist, Rectangle):
        return to_rgb(artist.get_facecolor())
    if isinstance(artist, Line2D):
        return to_rgb(artist.get_markerfacecolor() if artist.get_linestyle() in ("None", "none", "") else artist.get_color())
    return to_rgb(artist.get_facecolor()[0])


# -- hit-year comparison ------------------------------------------------------------------
def test_hit_year_comparison_bar_heights_are_the_shares(runs: list[Results]) -> None:
    fig = plots.hit_year_comparison(runs, LABELS)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    years = runs[0].summary["years"]
    colors = set()
    for i, r in enumerate(runs):
        bars = [p for p in ax.patches if p.get_gid() == f"hit_share_{i}"]
        assert len(bars) == len(years) + 1
        heights = [b.get_height() for b in bars]
        np.testing.assert_allclose(heights[:-1], [r.summary["hit_year_share"][y] for y in years])
        assert heights[-1] == pytest.approx(r.summary["hit_year_share"]["never"])
        # grouped: each bar sits inside its year's slot, scenarios left to right
        centres = [b.get_x() + b.get_width() / 2 for b in bars[:-1]]
        assert all(abs(c - int(y)) < 0.45 for c, y in zip(centres, years, strict=True))
        assert bars[-1].get_x() > int(years[-1]) + 0.8  # "not by" group set apart
        assert bars[-1].get_hatch()  # and visibly different
        colors.add(_color(bars[0]))
    assert len(colors) == len(runs)
    # same year, different scenarios: side by side, not stacked
    firsts = [next(p for p in ax.patches if p.get_gid() == f"hit_share_{i}") for i in range(len(runs))]
    assert all(b.get_y() == 0 for b in firsts)
    assert firsts[0].get_x() < firsts[1].get_x() < firsts[2].get_x()
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "not by 2035"
    _render(fig)
    assert any(t.get_text().endswith("%") for t in ax.get_yticklabels())
    captions = " ".join(t.get_text() for t in fig.texts)
    assert all(name in captions for name in NAMES) and f"seed {SEED}" in captions


def test_hit_year_comparison_marks_median_years(runs: list[Results]) -> None:
    fig = plots.hit_year_comparison(runs, LABELS)
    ax = fig.axes[0]
    markers = [ln for ln in ax.get_lines() if ln.get_gid() == "median_hit_year"]
    with_median = [(i, r) for i, r in enumerate(runs) if r.summary["hit_year"]["p50"] is not None]
    assert len(markers) == len(with_median) >= 2
    for marker, (i, r) in zip(markers, with_median, strict=True):
        year = int(r.summary["hit_year"]["p50"])
        assert abs(marker.get_xdata()[0] - year) < 0.45
        bar = [p for p in ax.patches if p.get_gid() == f"hit_share_{i}"][r.years.index(year)]
        assert marker.get_xdata()[0] == pytest.approx(bar.get_x() + bar.get_width() / 2)
        assert marker.get_ydata()[0] > bar.get_height()
        assert _color(marker) == pytest.approx(_color(bar))
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for label, r in zip(LABELS, runs, strict=True):
        p50 = r.summary["hit_year"]["p50"]
        assert f"{label} (median {p50})" in legend if p50 is not None else f"{label} (median after 2035)" in legend


def test_hit_year_comparison_uses_first_years_and_missing_is_zero(runs: list[Results]) -> None:
    short = fake_results("uz_cn_short", paths=500, seed=3, last_year=2031)
    fig = plots.hit_year_comparison([runs[0], short], ["long", "short"])
    bars = [p for p in fig.axes[0].patches if p.get_gid() == "hit_share_1"]
    assert len(bars) == len(runs[0].years) + 1
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights[:7], [short.summary["hit_year_share"][str(y)] for y in range(2025, 2032)])
    assert heights[7:11] == [0, 0, 0, 0]
    _render(fig)


def test_hit_year_comparison_rejects_mismatched_labels(runs: list[Results]) -> None:
    with pytest.raises(ValueError):
        plots.hit_year_comparison(runs, ["a"])
    with pytest.raises(ValueError):
        plots.hit_year_comparison([], [])


# -- paired differences --------------------------------------------------------------------
def _difference_lines(fig: Figure) -> list[Line2D]:
    return [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "difference"]


def _bands(fig: Figure) -> list[Any]:
    return [c for c in fig.axes[0].collections if c.get_gid() == "ci95"]


def test_paired_difference_p_reach_in_percentage_points(comparison: dict[str, Any]) -> None:
    fig = plots.paired_difference(Comparison.from_json(comparison))
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    lines = _difference_lines(fig)
    bands = _bands(fig)
    compared = NAMES[1:]
    assert len(lines) == len(bands) == len(compared)
    years = comparison["years"]
    for line, band, name in zip(lines, bands, compared, strict=True):
        table = comparison["differences"][name]["p_reach_by_year"]
        assert line.get_label().startswith(name)
        assert list(line.get_xdata()) == [int(y) for y in years]
        np.testing.assert_allclose(line.get_ydata(), [100 * table[y]["diff"] for y in years])
        # the band spans ci95, in percentage points, at every year
        v = _band_vertices(band)
        for y in years:
            at = v[np.isclose(v[:, 0], int(y)), 1]
            assert at.min() == pytest.approx(100 * table[y]["ci95"][0])
            assert at.max() == pytest.approx(100 * table[y]["ci95"][1])
        assert _color(band) == pytest.approx(_color(line))
    # the scenarios are slower than the baseline: negative differences, drawn below zero
    assert np.nanmin(lines[-1].get_ydata()) < -5
    zero = [ln for ln in ax.get_lines() if ln.get_gid() == "zero"]
    assert len(zero) == 1 and np.allclose(np.asarray(zero[0].get_ydata(), float), 0.0)
    assert ax.get_ylim()[0] < np.nanmin(lines[-1].get_ydata()) and ax.get_ylim()[1] > 0
    assert "percentage points" in ax.get_ylabel()
    assert len({_color(ln) for ln in lines}) == len(lines)
    _render(fig)
    title = " ".join(t.get_text() for t in fig.texts)
    assert f"against {BASELINE}" in title
    assert "common random numbers" in title and "same seed and paths" in title
    assert f"{PATHS:,} paths" in title and f"seed {SEED}" in title
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "median hit year" in legend


def test_paired_difference_colours_match_overlays(runs: list[Results], comparison: dict[str, Any]) -> None:
    overlay = plots.overlay_reach_probability(runs, LABELS)
    overlay_colors = [_color(ln) for ln in overlay.axes[0].get_lines() if ln.get_gid() == "p_reach"]
    diff_colors = [_color(ln) for ln in _difference_lines(plots.paired_difference(Comparison.from_json(comparison)))]
    assert diff_colors == overlay_colors[1:]


@pytest.mark.parametrize("metric", ["mean_trade_usd_bn", "median_trade_usd_bn"])
def test_paired_difference_trade_in_usd_bn(comparison: dict[str, Any], metric: str) -> None:
    fig = plots.paired_difference(Comparison.from_json(comparison), metric)
    ax = fig.axes[0]
    years = comparison["years"]
    for line, band, name in zip(_difference_lines(fig), _bands(fig), NAMES[1:], strict=True):
        table = comparison["differences"][name][metric]
        np.testing.assert_allclose(line.get_ydata(), [table[y]["diff"] for y in years])
        v = _band_vertices(band)
        assert v[:, 1].min() == pytest.approx(min(table[y]["ci95"][0] for y in years))
        assert v[:, 1].max() == pytest.approx(max(table[y]["ci95"][1] for y in years))
    assert "USD bn" in ax.get_ylabel()
    assert len([ln for ln in ax.get_lines() if ln.get_gid() == "zero"]) == 1
    _render(fig)


def test_paired_difference_none_values_are_gaps(comparison: dict[str, Any]) -> None:
    d = comparison["differences"]["uz_cn_railway_late"]
    d["p_reach_by_year"]["2028"]["diff"] = None
    d["p_reach_by_year"]["2029"]["ci95"] = None
    d["p_reach_by_year"]["2030"]["ci95"] = [None, 0.01]
    del d["p_reach_by_year"]["2031"]
    d["median_hit_year_shift"] = None
    comparison["differences"]["uz_cn_finance_squeeze"]["p_reach_by_year"]["2035"] = {"diff": None, "ci95": [None, None]}
    comparison["differences"]["uz_cn_finance_squeeze"]["mean_trade_usd_bn"]["2025"]["diff"] = None
    fig = plots.paired_difference(Comparison.from_json(comparison))
    _render(fig)
    first = _difference_lines(fig)[0]
    assert math.isnan(first.get_ydata()[3]) and math.isnan(first.get_ydata()[6])
    assert math.isfinite(first.get_ydata()[4])
    assert "shift n/a" in first.get_label()
    _render(plots.paired_difference(Comparison.from_json(comparison), "mean_trade_usd_bn"))


def test_paired_difference_only_baseline_and_unknown_metric(comparison: dict[str, Any]) -> None:
    alone = {**comparison, "scenarios": [BASELINE], "differences": {}}
    fig = plots.paired_difference(Comparison.from_json(alone))
    assert _difference_lines(fig) == []
    _render(fig)
    with pytest.raises(ValueError):
        plots.paired_difference(Comparison.from_json(comparison), "no_such_metric")


# -- files ------------------------------------------------------------------------------------
def test_save_comparison_figures_writes_five_pngs(runs: list[Results], comparison: dict[str, Any], tmp_path) -> None:
    names = write_figures(Comparison.from_json(comparison, results=runs), tmp_path)
    assert names == [
        "fan_charts.png",
        "reach_probability.png",
        "hit_years.png",
        "difference_p_reach.png",
        "difference_mean_trade.png",
    ]
    assert_only_standard_pngs(tmp_path, names)


def test_new_functions_are_public() -> None:
    for name in ("hit_year_comparison", "paired_difference"):
        assert name in plots.__all__
    from sim import output

    assert "write_figures" in output.__all__  # the comparison's figures are written by sim.output


def test_texts_stay_inside_the_figure(runs: list[Results], comparison: dict[str, Any]) -> None:
    figs = [
        plots.hit_year_comparison(runs, LABELS),
        plots.paired_difference(Comparison.from_json(comparison)),
        plots.paired_difference(Comparison.from_json(comparison), "mean_trade_usd_bn"),
    ]
    for fig in figs:
        _render(fig)
        width, height = fig.bbox.width, fig.bbox.height
        for text in [*fig.texts, *fig.axes[0].texts]:
            box = text.get_window_extent()
            assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1 and box.y1 <= height + 1, text.get_text()
        # the subtitle ends above the axes
        axes_top = fig.axes[0].get_window_extent().y1
        assert min(t.get_window_extent().y0 for t in fig.texts[:2]) > axes_top
