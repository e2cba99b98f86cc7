"""Tests of :mod:`sim.plots` on fabricated, realistic results."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from sim import plots
from sim.output import write_figures
from sim.results import Results

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPONENT_NAMES = ("organic", "construction", "operations", "measures")


def fake_results(
    scenario: str = "uz_cn_2025",
    paths: int = 2000,
    seed: int = 1,
    growth: float = 0.07,
    target: float = 20.0,
    base: float = 12.4,
    first_year: int = 2025,
    last_year: int = 2035,
) -> Results:
    """A Results whose summary has the shape and plausible values of a real run.

    Paths grow log-normally from ``base``; components split the total into an
    organic part, construction imports that rise then fall below the base year
    (negative later), positive operating effects and negative measures
    (import substitution).
    """
    rng = np.random.default_rng(seed)
    years = list(range(first_year, last_year + 1))
    n = len(years)
    steps = rng.normal(growth, 0.08, size=(paths, n))
    total = base * np.exp(np.cumsum(steps, axis=1))
    reached = total >= target
    hit = np.where(reached.any(axis=1), reached.argmax(axis=1), n)
    share = np.bincount(hit, minlength=n + 1) / paths
    reach = np.cumsum(share[:-1])
    above = reached.mean(axis=0)
    z = 1.959963984540054

    def ci(p: float) -> list[float]:
        denom = 1 + z * z / paths
        centre = (p + z * z / (2 * paths)) / denom
        half = z * math.sqrt(p * (1 - p) / paths + z * z / (4 * paths * paths)) / denom
        return [max(0.0, centre - half), min(1.0, centre + half)]

    q = np.percentile(total, [5, 25, 50, 75, 95], axis=0)
    mean = total.mean(axis=0)
    k = np.arange(n)
    construction = 1.2 * np.sin(np.pi * (k + 1) / 6.0) - 0.3 * k / n  # negative in later years
    operations = 0.15 * k
    measures = -0.2 - 0.05 * k
    organic = mean - construction - operations - measures
    cum = np.cumsum(share[:-1])

    def hit_q(level: float) -> int | None:
        j = int(np.searchsorted(cum, level - 1e-12))
        return years[j] if j < n else None

    ys = [str(y) for y in years]
    summary = {
        "scenario": scenario,
        "scenario_sha256": "0" * 64,
        "paths": paths,
        "seed": seed,
        "names": {"reporter_labels": {"UZ": "Uzbek Statistics Agency"}},
        "target_usd_bn": target,
        "base_year": first_year - 1,
        "base_usd_bn": base,
        "reporter": "UZ",
        "years": ys,
        "p_reach_by_year": {y: {"p": float(reach[i]), "ci95": ci(float(reach[i]))} for i, y in enumerate(ys)},
        "p_above_in_year": {y: {"p": float(above[i]), "ci95": ci(float(above[i]))} for i, y in enumerate(ys)},
        "hit_year": {"p10": hit_q(0.1), "p50": hit_q(0.5), "p90": hit_q(0.9), "share_never": float(share[-1])},
        "hit_year_share": {**{y: float(share[i]) for i, y in enumerate(ys)}, "never": float(share[-1])},
        "annual_trade_usd_bn": {
            y: {"mean": float(mean[i]), **{f"p{p}": float(q[j, i]) for j, p in enumerate((5, 25, 50, 75, 95))}} for i, y in enumerate(ys)
        },
        "components_mean_usd_bn": {
            y: {
                "organic": float(organic[i]),
                "construction": float(construction[i]),
                "operations": float(operations[i]),
                "measures": float(measures[i]),
            }
            for i, y in enumerate(ys)
        },
        # exports: a sixth of organic trade and most operating effects; imports: the rest, construction, measures
        "components_by_direction_mean_usd_bn": {
            y: {
                "exports": {
                    "organic": float(organic[i]) / 6,
                    "construction": 0.0,
                    "operations": 0.7 * float(operations[i]),
                    "measures": 0.0,
                },
                "imports": {
                    "organic": 5 * float(organic[i]) / 6,
                    "construction": float(construction[i]),
                    "operations": 0.3 * float(operations[i]),
                    "measures": float(measures[i]),
                },
            }
            for i, y in enumerate(ys)
        },
        # finance: requests growing 5% a year, a tenth of them given up, waits rising to about a year
        "finance": {y: _fake_finance(i) for i, y in enumerate(ys)},
    }
    history = [(2017, 2.6), (2018, 6.4), (2019, 7.6), (2020, 6.4), (2021, 7.4), (2022, 8.9), (2023, 10.6), (2024, 12.4)]
    return Results.from_json(summary, history=history)


def _fake_finance(k: int) -> dict:
    """One year of ``summary["finance"]``: all lenders, and two lenders sharing it 70:30."""

    def entry(scale: float) -> dict[str, float]:
        requested = scale * 12.0 * 1.05**k
        return {
            "requested_usd_bn": requested,
            "funded_usd_bn": 0.85 * requested,
            "withdrawn_usd_bn": 0.1 * requested,
            "wait_mean_years": 0.1 * k,
            "wait_p90_years": 0.25 * k,
        }

    return {**entry(1.0), "by_lender": {"bank": entry(0.7), "fund": entry(0.3)}}


@pytest.fixture
def results() -> Results:
    return fake_results()


def _lines(fig: Figure) -> list[Line2D]:
    return [line for ax in fig.axes for line in ax.get_lines()]


def _gid_lines(fig: Figure, gid: str) -> list[Line2D]:
    return [line for line in _lines(fig) if line.get_gid() == gid]


def _bars(fig: Figure) -> list[Rectangle]:
    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Rectangle)]


def _render(fig: Figure) -> None:
    """Draw fully (catches errors that only appear at draw time)."""
    fig.canvas.draw()


# -- single-run charts ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "axes"), [(plots.fan_chart, 1), (plots.reach_probability, 1), (plots.hit_year_distribution, 1), (plots.composition, 2)]
)
def test_each_chart_has_its_axes_and_a_source_line(results: Results, make, axes: int) -> None:
    fig = make(results)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == axes
    _render(fig)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "uz_cn_2025" in texts and "2,000 paths" in texts and "seed 1" in texts  # source line


def test_fan_chart_target_line_median_and_history(results: Results) -> None:
    fig = plots.fan_chart(results)
    ax = fig.axes[0]
    flat = [ln for ln in ax.get_lines() if len(ln.get_ydata()) and np.allclose(np.asarray(ln.get_ydata(), float), 20.0)]
    assert len(flat) == 1
    assert flat[0].get_linestyle() == "--"
    assert flat[0].get_label() == "target $20 bn"

    (median,) = _gid_lines(fig, "median")
    p50 = [results.summary["annual_trade_usd_bn"][y]["p50"] for y in results.summary["years"]]
    # the fan opens from the base-year value
    assert list(median.get_xdata()) == [2024, *results.years]
    np.testing.assert_allclose(median.get_ydata(), [12.4, *p50])

    observed = [ln for ln in ax.get_lines() if ln.get_label() == "observed (UZ statistics)"]
    assert len(observed) == 1
    assert list(observed[0].get_xdata()) == [y for y, _ in results.history]
    assert observed[0].get_marker() not in (None, "", "None")

    base = [ln for ln in ax.get_lines() if ln.get_label().startswith("base year 2024")]
    assert len(base) == 1 and list(base[0].get_ydata()) == [12.4]

    # x axis: plain integer calendar years, no offset
    _render(fig)
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all(lbl.isdigit() and len(lbl) == 4 for lbl in labels)
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert "USD bn" in ax.get_ylabel()


def test_reach_probability_line_matches_summary(results: Results) -> None:
    fig = plots.reach_probability(results)
    ax = fig.axes[0]
    (line,) = _gid_lines(fig, "p_reach")
    expected = [results.summary["p_reach_by_year"][y]["p"] for y in results.summary["years"]]
    np.testing.assert_allclose(line.get_ydata(), expected)
    assert list(line.get_xdata()) == list(results.years)
    assert ax.get_ylim()[0] == 0 and 1.0 <= ax.get_ylim()[1] <= 1.05
    guides = [ln for ln in ax.get_lines() if np.allclose(np.asarray(ln.get_ydata(), float), 0.5)]
    assert len(guides) == 1
    _render(fig)
    assert any(t.get_text().endswith("%") for t in ax.get_yticklabels())
    # the shaded 95% band spans the interval
    band = ax.collections[0]
    ys = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
    lows = [results.summary["p_reach_by_year"][y]["ci95"][0] for y in results.summary["years"]]
    assert ys.min() == pytest.approx(min(lows))


def test_hit_year_bars_and_never(results: Results) -> None:
    fig = plots.hit_year_distribution(results)
    ax = fig.axes[0]
    bars = _bars(fig)
    s = results.summary
    assert len(bars) == len(s["years"]) + 1
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights[:-1], [s["hit_year_share"][y] for y in s["years"]])
    assert heights[-1] == pytest.approx(s["hit_year_share"]["never"])
    assert bars[-1].get_facecolor() != bars[0].get_facecolor()  # visually distinct
    assert bars[-1].get_x() > bars[-2].get_x() + 1.0  # set apart from the years
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "not by 2035"
    notes = " ".join(t.get_text() for t in ax.texts)
    assert f"median: {s['hit_year']['p50']}" in notes
    _render(fig)


def test_composition_shows_exports_and_imports_with_negative_parts_below_zero(results: Results) -> None:
    fig = plots.composition(results)
    exports_ax, imports_ax = fig.axes
    table = results.summary["components_by_direction_mean_usd_bn"]
    for ax, direction in ((exports_ax, "exports"), (imports_ax, "imports")):
        bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() > 0]
        negatives = sum(min(v, 0.0) for v in table["2025"][direction].values())
        bars_2025 = [b for b in bars if abs(b.get_x() + b.get_width() / 2 - 2025) < 1e-9]
        lowest = min(min(b.get_y(), b.get_y() + b.get_height()) for b in bars_2025)
        # the downward stack of 2025 reaches the sum of its negative parts
        assert lowest == pytest.approx(negatives)
        (total,) = [line for line in ax.get_lines() if line.get_gid() == "total"]
        np.testing.assert_allclose(total.get_ydata(), [sum(table[y][direction].values()) for y in results.summary["years"]])
    assert min(min(b.get_y(), b.get_y() + b.get_height()) for b in imports_ax.patches) < 0  # construction imports turn negative
    legend = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    for name in ("organic trade", "construction imports", "operating effects", "measures"):
        assert name in legend


def test_composition_all_positive_stays_above_zero(results: Results) -> None:
    summary = results.summary
    for directions in summary["components_by_direction_mean_usd_bn"].values():
        for comp in directions.values():
            for key in comp:
                comp[key] = abs(comp[key])
    fig = plots.composition(Results.from_json(summary, history=results.history))
    assert min(min(b.get_y(), b.get_y() + b.get_height()) for b in _bars(fig)) >= 0


def test_reach_probability_shows_both_readings_of_reached(results: Results) -> None:
    fig = plots.reach_probability(results)
    (above,) = _gid_lines(fig, "p_above")
    expected = [results.summary["p_above_in_year"][y]["p"] for y in results.summary["years"]]
    np.testing.assert_allclose(above.get_ydata(), expected)
    (reach,) = _gid_lines(fig, "p_reach")
    assert np.all(np.asarray(reach.get_ydata()) >= np.asarray(above.get_ydata()) - 1e-12)  # first passage is never below


# -- missing values -------------------------------------------------------------------------
def test_none_values_do_not_crash(results: Results) -> None:
    s = results.summary
    s["hit_year"]["p50"] = None
    s["hit_year"]["p90"] = None
    s["p_reach_by_year"]["2027"]["ci95"] = None
    s["p_reach_by_year"]["2028"]["ci95"] = [None, 0.3]
    s["p_reach_by_year"]["2029"]["p"] = None
    s["annual_trade_usd_bn"]["2030"]["p5"] = None
    s["hit_year_share"]["2031"] = None
    s["components_mean_usd_bn"]["2032"]["measures"] = None
    s["components_by_direction_mean_usd_bn"]["2032"]["imports"]["measures"] = None
    r = Results.from_json(s, history=results.history)
    figs = [
        plots.fan_chart(r),
        plots.reach_probability(r),
        plots.hit_year_distribution(r),
        plots.composition(r),
        plots.overlay_fan_charts([r, results], ["a", "b"]),
        plots.overlay_reach_probability([r, results], ["a", "b"]),
    ]
    for fig in figs:
        _render(fig)
    (line,) = _gid_lines(figs[1], "p_reach")
    assert math.isnan(line.get_ydata()[4])
    notes = " ".join(t.get_text() for t in figs[2].axes[0].texts)
    assert "Fewer than half" in notes


def test_no_history_and_never_reached() -> None:
    r = fake_results(growth=-0.02, paths=500)
    r.history = []
    assert r.summary["hit_year"]["p50"] is None
    for make in (plots.fan_chart, plots.reach_probability, plots.hit_year_distribution, plots.composition):
        _render(make(r))


# -- comparing runs ------------------------------------------------------------------------
def test_overlays_draw_one_curve_per_scenario(results: Results) -> None:
    runs = [results, fake_results("uz_cn_fast", growth=0.10, seed=2), fake_results("uz_cn_slow", growth=0.03, seed=3)]
    labels = ["central", "fast", "slow"]

    fig = plots.overlay_fan_charts(runs, labels)
    assert len(fig.axes) == 1
    medians = _gid_lines(fig, "median")
    assert [m.get_label() for m in medians] == labels
    for m, r in zip(medians, runs, strict=True):
        p50 = [r.summary["annual_trade_usd_bn"][y]["p50"] for y in r.summary["years"]]
        np.testing.assert_allclose(m.get_ydata()[1:], p50)
    assert len(_gid_lines(fig, "target")) == 1
    assert len(fig.axes[0].collections) == 3  # one 25-75 band each
    assert len({tuple(m.get_color()) if not isinstance(m.get_color(), str) else m.get_color() for m in medians}) == 3
    _render(fig)

    fig = plots.overlay_reach_probability(runs, labels)
    assert len(fig.axes) == 1
    curves = _gid_lines(fig, "p_reach")
    assert [c.get_label() for c in curves] == labels
    for c, r in zip(curves, runs, strict=True):
        np.testing.assert_allclose(c.get_ydata(), [r.summary["p_reach_by_year"][y]["p"] for y in r.summary["years"]])
    assert len(fig.axes[0].collections) == 3
    _render(fig)


def test_overlays_reject_mismatched_labels(results: Results) -> None:
    with pytest.raises(ValueError):
        plots.overlay_fan_charts([results], ["a", "b"])
    with pytest.raises(ValueError):
        plots.overlay_reach_probability([], [])


# -- files ---------------------------------------------------------------------------------------
def test_save_figures_writes_five_pngs(results: Results, tmp_path) -> None:
    names = write_figures(results, tmp_path)
    assert names == ["fan_chart.png", "reach_probability.png", "hit_year.png", "composition.png", "finance.png"]
    assert_only_standard_pngs(tmp_path, names)


def assert_only_standard_pngs(folder, names) -> None:
    """``folder`` holds exactly ``names``, each a PNG of the standard 10 x 5.625 in at 150 dpi."""
    for name in names:
        data = (folder / name).read_bytes()
        assert len(data) > 1000
        assert data.startswith(PNG_SIGNATURE)
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width == 1500 and height in (843, 844)
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def test_module_uses_no_pyplot() -> None:
    import inspect

    source = inspect.getsource(plots)
    assert "matplotlib.pyplot" not in source and "import pyplot" not in source and "plt." not in source


def test_finance_chart_draws_requested_funded_withdrawn_and_the_waits(results: Results) -> None:
    fig = plots.finance_chart(results)
    overall = results.finance.xs("all lenders", level="lender")
    funded = [p for ax in fig.axes for p in ax.patches if p.get_gid() == "funded"]
    np.testing.assert_allclose([p.get_height() for p in funded], overall["funded_usd_bn"])
    (p90,) = _gid_lines(fig, "wait_p90")
    np.testing.assert_allclose(p90.get_ydata(), overall["wait_p90_years"])
    _render(fig)


def test_finance_chart_of_results_without_finance_says_so() -> None:
    summary = fake_results().to_json()
    del summary["finance"]
    fig = plots.finance_chart(Results.from_json(summary))
    assert any("no finance" in text.get_text() for ax in fig.axes for text in ax.texts)
