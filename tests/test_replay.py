"""Projects on the record: the replay of the portfolio over the record's years, the fit of its scales, and ``[pipeline.flow_scale]``.

The replay runs the engine on a replay variant of the scenario (``sim.studies.replay``); the fit recovers a
scale factor from a record; the scales, drawn from a stream of their own, change the projects' coefficients
and nothing else, and a scenario without them draws as before.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT, build, dump_toml, one_project, organic_only, reference

from sim.cli import main
from sim.engine.sampling import draw_paths
from sim.studies.replay import (
    COMPONENTS,
    fit_scale,
    load_direction_record,
    replay,
    replay_flows,
    replay_scenario,
)

RECORD = ROOT / "seeds" / "uz_direction_history.csv"


def _one_project_scenario():
    """One named project, operating at the scenario's start: built 2018.0-2020.0, capex 1, share 0.5, exports 0.15, imports 0.05, ramp 1."""
    raw = one_project({"capex_usd_bn": 1.0, "stage": "operating", "construction_start": 2018.0, "completion_year": 2020.0})
    raw["pipeline"]["flow_scale"] = {"exports": 0.0, "construction_imports": 0.0}  # the replay measures the coefficients as drawn
    return build(raw)


def test_the_replay_of_one_project_gives_its_hand_computed_flows_by_year():
    r = replay_scenario(_one_project_scenario(), 2017, 2022)
    flows = replay_flows(r, seed=3, paths=range(4))
    # years 2016 (the replay's base year) to 2022; construction 0.5 / 2 years; exports 0.15 and imports 0.05 ramped over a year
    construction = [0.0, 0.0, 0.25, 0.25, 0.0, 0.0, 0.0]
    exports = [0.0, 0.0, 0.0, 0.0, 0.075, 0.15, 0.15]
    imports = [0.0, 0.0, 0.0, 0.0, 0.025, 0.05, 0.05]
    for path in flows:
        np.testing.assert_allclose(path, np.column_stack([construction, exports, imports]), atol=1e-12)


def test_the_replay_variant_launches_at_the_stated_rate_run_back_with_real_dates_and_no_backlog():
    s = reference()
    r = replay_scenario(s)
    p, rp = s.pipeline, r.pipeline
    assert r.start_year == 2017 and r.years[-1] == 2025
    # 71 requests a year in 2024, the base year, run back seven years along the 5% trend
    assert rp.launches_per_year == pytest.approx(p.launches_per_year * math.exp(-p.launch_trend * 7))
    assert r.portfolio.backlog is None and rp.flow_scale is None and not r.measures and not r.shocks
    named = {q.name: q for q in rp.projects}
    assert "china_energy_solar" not in named and "byd_phase3" not in named  # awaiting finance: not on the record
    assert named["byd_phase1"].stage == "construction" and named["byd_phase1"].construction_start == 2023.0
    assert named["olefin_complex"].construction_start == 2022.0


def test_the_fit_recovers_a_known_scale_from_a_record_built_with_it():
    years = range(2017, 2026)
    driver = {y: 12.0 * 1.08 ** (y - 2017) for y in years}
    flow = {y: 0.8 + 0.45 * (y - 2017) + 0.3 * math.sin(y) for y in years}
    noise = {y: 0.004 * math.cos(3.0 * y) for y in years}  # a little organic noise on the share
    record = {y: (0.14 + noise[y]) * driver[y] + 0.6 * flow[y] for y in years}
    fit = fit_scale("exports", record, driver, flow)
    assert fit.estimate == pytest.approx(0.6, abs=0.05)
    assert fit.organic_share == pytest.approx(0.14, abs=0.005)
    assert fit.low < 0.6 < fit.high
    # a record without the flows bounds the scale near zero; it is never negative
    flat = fit_scale("exports", {y: 0.14 * driver[y] * (1 + noise[y]) for y in years}, driver, flow)
    assert 0.0 <= flat.low < flat.median < flat.high < 0.2


def test_the_replay_recovers_the_scale_of_a_record_made_from_its_own_flows():
    s = reference()
    r = replay_scenario(s)
    flows = replay_flows(r, s.run.seed, range(60)).mean(axis=0)  # years 2016-2025
    record = load_direction_record(RECORD)
    nongold = {y: record["total_exports"][y] - record["gold_exports"][y] for y in range(2017, 2026) if y in record["gold_exports"]}
    synthetic = {k: dict(v) for k, v in record.items()}
    synthetic["partner_exports"] = {y: 0.1 * nongold[y] + 0.5 * flows[y - 2016, 1] for y in nongold}
    synthetic["partner_imports"] = {
        y: 0.2 * record["total_imports"][y] + 0.7 * flows[y - 2016, 0] + flows[y - 2016, 2] for y in range(2017, 2026)
    }
    result = replay(s, synthetic, paths=60)
    assert result.exports_fit.estimate == pytest.approx(0.5, abs=1e-6)
    assert result.construction_fit.estimate == pytest.approx(0.7, abs=1e-6)
    assert len(result.exports_fit.years) >= 6  # 2021 has no gold figure


def test_the_reference_replay_is_far_above_the_recorded_exports_and_its_fit_bounds_the_scales():
    result = replay(reference(), load_direction_record(RECORD), paths=200, last=2024)
    k2024 = result.years.index(2024)
    # the projects as drawn would export more to China in 2024 than all of the recorded exports (2.05)
    assert result.mean["operating_exports"][k2024] > result.recorded("partner_exports", 2024)
    for fit in (result.exports_fit, result.construction_fit):
        assert 0.0 <= fit.low < fit.median < 0.5 < fit.high < 2.5
        table = fit.as_pert()
        assert table["min"] == 0.0 and table["max"] == pytest.approx(float(fit.quantile(0.99)), rel=1e-3)
    # its table is a DataFrame, one row a year with an integer year, the fitted flows at the fitted scales
    frame = result.table()
    assert list(frame["year"]) == result.years and frame["year"].dtype.kind == "i"
    assert frame.set_index("year").loc[2024, "fitted_operating_exports"] == pytest.approx(
        result.exports_fit.median * result.mean["operating_exports"][k2024]
    )


def test_flow_scales_change_the_coefficients_and_nothing_else():
    s = reference()
    without = s.replace({"pipeline.flow_scale": {}})  # every factor at its default, 1
    with_one = s.replace({"pipeline.flow_scale": {"exports": 1.0, "imports": 1.0, "construction_imports": 1.0}})
    drawn = s  # the reference's fitted PERTs
    paths = list(range(6))
    a, b, c = draw_paths(without, 1, paths), draw_paths(with_one, 1, paths), draw_paths(drawn, 1, paths)
    for x, y, z in zip(a, b, c, strict=True):
        # a factor of 1 is the identity, bit for bit
        for name in ("sector_import_share", "sector_exports_per_capex", "sector_imports_per_capex"):
            np.testing.assert_array_equal(getattr(x, name), getattr(y, name))
        # every other draw is untouched by the factors' stream
        np.testing.assert_array_equal(x.generic.request_time, z.generic.request_time)
        np.testing.assert_array_equal(x.generic.capex_usd_bn, z.generic.capex_usd_bn)
        np.testing.assert_array_equal(x.capacity_usd_bn, z.capacity_usd_bn)
        np.testing.assert_array_equal(x.innovations, z.innovations)
        np.testing.assert_array_equal(x.flagships.end_time, z.flagships.end_time)
        assert x.growth_mean == z.growth_mean
        # the coefficients are scaled, by one factor a path for all sectors and named projects alike
        ratio = z.sector_exports_per_capex / np.where(x.sector_exports_per_capex == 0, np.nan, x.sector_exports_per_capex)
        finite = ratio[np.isfinite(ratio)]
        assert finite.size and np.allclose(finite, finite[0])
        olefin = [q.name for q in s.pipeline.projects].index("olefin_complex")
        share_ratio = z.flagships.import_share[olefin] / x.flagships.import_share[olefin]
        np.testing.assert_allclose(z.sector_import_share, np.minimum(x.sector_import_share * share_ratio, 1.0))


def test_a_scenario_without_flow_scale_draws_exactly_as_with_the_table_removed():
    """Without the table nothing is drawn from its stream: the draws are those of the engine before it existed."""
    s = reference().replace({"pipeline.flow_scale": {}})
    raw = s.to_json()
    del raw["pipeline"]["flow_scale"]
    bare = reference().replace({})
    bare_raw = bare.to_json()
    del bare_raw["pipeline"]["flow_scale"]
    assert raw == bare_raw
    x = draw_paths(s, 5, [0, 1, 2])
    y = draw_paths(reference().replace({"pipeline.flow_scale.exports": 1.0, "pipeline.flow_scale.construction_imports": 1.0}), 5, [0, 1, 2])
    for a, b in zip(x, y, strict=True):
        np.testing.assert_array_equal(a.sector_exports_per_capex, b.sector_exports_per_capex)
        np.testing.assert_array_equal(a.flagships.import_share, b.flagships.import_share)


def test_coopsim_replay_writes_its_table_fits_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "r"
    code = main(["replay", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "50", "--out", str(out), "--last", "2024"])
    text = capsys.readouterr().out
    assert code == 0
    assert "scale on operating exports" in text and '[pipeline.flow_scale] exports = {dist = "pert"' in text
    assert {p.name for p in out.iterdir()} >= {"replay.csv", "replay_fit.json", "replay.png", "replay.svg", "manifest.json"}
    rows = list(csv.DictReader(open(out / "replay.csv", encoding="utf-8")))
    assert [int(r["year"]) for r in rows] == list(range(2016, 2025))
    assert all(f"{c}_mean" in rows[0] for c in COMPONENTS)
    fits = json.loads((out / "replay_fit.json").read_text())
    assert fits["exports"]["scenario_table"]["dist"] == "pert"


def test_coopsim_replay_on_a_record_without_the_splits_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    record = tmp_path / "record.csv"
    lines = [line for line in RECORD.read_text(encoding="utf-8").splitlines() if "cn_exports_from_uz" not in line]
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(
        ["replay", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "20", "--record", str(record), "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert str(record) in err and "at least three years" in err
    assert not (tmp_path / "o").exists()


def test_coopsim_replay_of_a_scenario_without_projects_exits_2_naming_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    scenario = tmp_path / "organic.toml"
    scenario.write_text(dump_toml(organic_only()), encoding="utf-8")
    code = main(["replay", str(scenario), "--paths", "20", "--record", str(RECORD), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and f"{scenario}: pipeline: the replay needs [pipeline]" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--first", "2020", "--last", "2018"], "--first 2020 is after --last 2018"),
        (["--last", "2030"], "--last 2030: the replay covers the record's years, at most the scenario's first year (2025)"),
    ],
)
def test_coopsim_replay_refuses_years_outside_the_record_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], fragment: str
):
    code = main(["replay", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "10", "--out", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2 and fragment in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_the_replay_chart_draws_into_the_axes_it_is_given():
    from matplotlib.figure import Figure

    from sim.plots import replay_chart

    result = replay(reference(), load_direction_record(RECORD), paths=30, last=2024)
    fig = Figure()
    ax = fig.add_subplot()
    assert replay_chart(result, ax=ax) is fig
    assert len(ax.lines) == 4  # two modelled flows, two recorded series
    assert replay_chart(result) is not fig  # without axes: a slide of its own


def test_coopsim_replay_report_shows_the_model_against_the_record_by_year_and_the_fitted_scales(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "r"
    code = main(["replay", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "30", "--out", str(out), "--last", "2024", "--report"])
    assert code == 0 and "results written" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert "report.html" in json.dumps(manifest["files"])  # listed, so checked like the folder's other files
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "<img" not in page and "replay.svg" not in page  # the chart inline, nothing fetched
    body = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, flags=re.S)]
    rows = list(csv.DictReader(open(out / "replay.csv", encoding="utf-8")))
    for row in rows:  # every year, with its recorded exports and the model's mean and band
        assert row["year"] in cells
        assert (
            f"{float(row['operating_exports_mean']):.2f} [{float(row['operating_exports_p05']):.2f}, {float(row['operating_exports_p95']):.2f}]"
            in cells
        )
    assert "2.46" in cells  # exports to China recorded in 2023 (seeds/uz_direction_history.csv)
    fits = json.loads((out / "replay_fit.json").read_text())
    for key in ("exports", "construction_imports"):
        fit = fits[key]
        assert f"{fit['median']:.2f}" in cells and f"{fit['low']:.2f} to {fit['high']:.2f}" in cells
        assert f"{fit['median']:.2f} (5% to 95%: {fit['low']:.2f} to {fit['high']:.2f})" in page  # the answer
    assert "1 keeps the coefficients as assumed" in page  # what a scale means
    assert (
        main(["replay", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "10", "--out", str(tmp_path / "n"), "--last", "2024"]) == 0
    )
    assert not (tmp_path / "n" / "report.html").exists()  # only when asked for
