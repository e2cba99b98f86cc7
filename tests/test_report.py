"""The HTML report and the Excel workbook of a run and of a five-scenario comparison, read back; the reports opened in headless Chromium.

The session fixtures run the reference (400 paths) and the five shipped
scenarios of the README's comparison (250 paths each) once, and save both
with ``report=True, xlsx=True``. The browser tests need the Debian package
``chromium``: without it they are skipped, unless ``CI`` or
``COOPSIM_REQUIRE_BROWSER`` is set (then they fail). With
``COOPSIM_SCREENSHOTS=DIR`` the screenshots are also copied to
``DIR/report_reference.png`` and ``DIR/report_comparison.png`` (the docs' figures).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from browser import open_page
from helpers import ROOT, dump_toml

from sim import compare, load_scenario, simulate
from sim.cli import main
from sim.output import REPORT, WORKBOOK, load, save
from sim.report import LIMITATIONS, headline_years, render_report, sobol_caveats, workbook
from sim.report.pages import pct
from sim.report.sources import parse_scenario_text
from sim.studies import sensitivity, track
from sim.studies.experiments import path_table

openpyxl = pytest.importorskip("openpyxl")

PATHS = 400
COMPARED_PATHS = 100
"""Paths of each compared scenario: the comparison's tests read its layout and numbers back, and the workbook's paths
sheet redraws every path of the five scenarios (most of the fixture's time), so one chunk each is enough."""
COMPARED = ("uz_cn_2025", "uz_cn_railway_late", "uz_cn_finance_squeeze", "uz_cn_trade_shock", "uz_cn_localisation_push")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _scenario_path(name: str) -> str:
    """A shipped scenario's path relative to the working folder, as the command line records it (the report reads the file again)."""
    return os.path.relpath(ROOT / "scenarios" / f"{name}.toml")


@pytest.fixture(scope="session")
def reference_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference run with its report and workbook; scenario paths relative to the repository, as the CLI records them."""
    results = simulate(load_scenario(_scenario_path("uz_cn_2025")), paths=PATHS, workers=1, progress=False)
    return save(results, tmp_path_factory.mktemp("report") / "reference", report=True, xlsx=True)


@pytest.fixture(scope="session")
def comparison_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenarios = [load_scenario(_scenario_path(name)) for name in COMPARED]
    comparison = compare(scenarios, paths=COMPARED_PATHS, workers=1, progress=False)  # in process: no pool to start
    return save(comparison, tmp_path_factory.mktemp("report") / "comparison", report=True, xlsx=True)


@pytest.fixture(scope="session")
def track_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference's track record over the releases from October 2025 on (few views, few paths), with its report."""
    result = track(load_scenario(_scenario_path("uz_cn_2025")), paths=60, since=dt.date(2025, 10, 1), workers=1)
    return save(result, tmp_path_factory.mktemp("report") / "track", report=True)


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


# -- the report's content ---------------------------------------------------------------------
def test_the_report_is_part_of_the_results_folder(reference_folder: Path) -> None:
    manifest = json.loads((reference_folder / "manifest.json").read_text())
    assert {REPORT, WORKBOOK, "fan_chart.png", "fan_chart.svg"} <= set(manifest["files"])
    assert load(reference_folder).n_paths == PATHS  # read back, checksums and all


def test_the_run_report_answers_with_the_numbers_of_summary_json(reference_folder: Path) -> None:
    html = (reference_folder / REPORT).read_text()
    summary = _summary(reference_folder)
    # the headline year is the target's (trade.target_year = 2028 [TARGET-YEAR-2028])
    assert f"By 2028 the target is reached in {pct(summary['p_reach_by_year']['2028']['p'])} of the {PATHS} simulated paths" in html
    assert "2028 is the year the target is for" in html
    for year in ("2026", "2028", "2030", "2035"):  # both readings, with their intervals
        reach, above = summary["p_reach_by_year"][year], summary["p_above_in_year"][year]
        row = re.search(rf"<th scope=\"row\">{year}</th>(.*?)</tr>", html).group(1)
        assert [pct(reach["p"]), pct(above["p"])] == re.findall(r"<td>([\d.]+%)</td>", row)
        assert f"{pct(reach['ci95'][0])} to {pct(reach['ci95'][1])}" in row
    assert html.count("<svg ") == 4  # fan chart, probability curve, composition, finance: inline
    assert "Limitations" in html and LIMITATIONS[0].split(":")[0] in html
    assert f"<td>{summary['seed']}</td>" in html and "numpy" in html


def test_the_run_report_shows_the_finance_by_lender_with_its_chart(reference_folder: Path) -> None:
    html = (reference_folder / REPORT).read_text()
    summary = _summary(reference_folder)
    section = html[html.index("<h2>Finance of the projects</h2>") :]
    section = section[: section.index("</section>")]
    assert "<svg " in section and "Finance of the projects: asked, funded, given up" in section  # finance.svg, inline
    lenders = list(load_scenario(_scenario_path("uz_cn_2025")).portfolio.financiers)
    assert lenders == list(summary["finance"]["2028"]["by_lender"])
    for lender in ["all lenders", *lenders]:
        assert f'<th scope="row">{lender}</th>' in section
    # all lenders: capex funded from the first simulated year to the headline year, the sum of the yearly means
    funded = sum(summary["finance"][str(y)]["funded_usd_bn"] for y in range(2025, 2029))
    row = re.search(r'<th scope="row">all lenders</th>(.*?)</tr>', section).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[1] == f"{funded:,.2f}"


def test_the_report_lists_every_key_with_its_value_and_comment(reference_folder: Path) -> None:
    html = (reference_folder / REPORT).read_text()
    source = parse_scenario_text((ROOT / "scenarios" / "uz_cn_2025.toml").read_text(), "x")
    keys = [k for t in source.tables for k in t.keys]
    assert len(keys) > 100
    for key in keys:
        assert f"<code>{key.key}</code>" in html
    target = next(k for k in keys if k.key == "target_usd_bn")
    assert (target.value, target.comment, target.citations) == ("20.0", "[TARGET-20BN]", ["TARGET-20BN"])
    assert '<span class="cite">[TARGET-20BN]</span>' in html
    assert html.count('class="assumption"') == sum(k.assumption for k in keys)
    assert "[TARGET-20BN]</dt><dd>Bilateral trade target 20" in html  # its fact, from seeds/facts.md


def test_scenario_comments_are_parsed_as_written() -> None:
    text = """# A file's opening comment
name = "x"  # inline # with a hash

[trade]
# about the reporter [T-1]
reporter = "UZ # not a comment"
mix = { a = 0.5,
        b = 0.5 }   # ASSUMPTION: even
[[pipeline.projects]]
name = "rail"
capex_usd_bn = 4.0
"""
    f = parse_scenario_text(text, "x.toml")
    assert f.note == "A file's opening comment"
    top, trade, rail = f.tables
    assert (top.keys[0].value, top.keys[0].comment) == ('"x"', "inline # with a hash")
    reporter, mix = trade.keys
    assert (reporter.value, reporter.comment, reporter.citations) == ('"UZ # not a comment"', "about the reporter [T-1]", ["T-1"])
    assert mix.value == "{ a = 0.5, b = 0.5 }" and mix.assumption
    assert rail.header == "[[pipeline.projects]] rail" and [k.key for k in rail.keys] == ["name", "capex_usd_bn"]


def test_everything_in_the_report_is_escaped(tmp_path: Path) -> None:
    variant = tmp_path / "variant.toml"
    variant.write_text(
        dump_toml(
            {"extends": str(ROOT / "scenarios" / "uz_cn_2025.toml"), "name": "variant", "description": "<script>alert(1)</script> & co"}
        )
        + '# a comment with <b>markup</b> & "quotes"\n'
        + "[run]\npaths = 50\n",
        encoding="utf-8",
    )
    results = simulate(load_scenario(variant), paths=50, workers=1, progress=False)
    html = render_report(results, {})
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<b>markup</b>" not in html and "&lt;b&gt;markup&lt;/b&gt;" in html
    assert html.count("Chart fan_chart not available.") == 1  # a chart missing is said, not silently dropped


def test_the_comparison_report_has_the_paired_differences_and_overlays(comparison_folder: Path) -> None:
    html = (comparison_folder / REPORT).read_text()
    data = json.loads((comparison_folder / "comparison.json").read_text())
    late = data["differences"]["uz_cn_railway_late"]["p_reach_by_year"]["2032"]  # a year the late railway costs reaching
    assert late["diff"] < 0
    assert f"{100 * late['diff']:+.1f}".replace("-", "\u2212") in html  # the page's minus sign, not a hyphen
    assert "Railway completion three years later than the reference (uz_cn_railway_late)" in html  # description, not the file name
    assert html.count("<svg ") == 5
    for name in COMPARED:
        assert f"{name}.toml</h3>" in html


def test_coopsim_report_writes_a_folders_report_and_keeps_its_files(reference_folder: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "again.html"
    assert main(["report", str(reference_folder), "--out", str(out), "--years", "2027,2029"]) == 0
    html = out.read_text()
    assert '<th scope="row">2027</th>' in html and '<th scope="row">2029</th>' in html and '<th scope="row">2026</th>' not in html
    assert main(["report", str(reference_folder), "--out", str(out)]) == 2  # exists
    capsys.readouterr()
    assert main(["report", str(reference_folder)]) == 2  # the folder's own report.html is replaced only with --force
    assert "report.html: exists; choose another --out or add --force" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2


def test_a_sensitivity_report_warns_about_a_small_sobol_sample(tmp_path: Path) -> None:
    study = sensitivity(
        load_scenario(ROOT / "scenarios" / "uz_cn_2025.toml"), 2030, base_rows=4, tornado_paths=40, discovery_paths=100, workers=1
    )
    caveats = sobol_caveats(study)
    assert caveats and "4 base rows are too few" in caveats[0]
    folder = save(study, tmp_path / "s", report=True)
    html = (folder / REPORT).read_text()
    assert "too few to mean anything" in html and "Tornado" in html and "Sobol indices" in html


def test_the_track_report_answers_with_the_latest_view_and_shows_its_tables_and_charts(track_folder: Path) -> None:
    html = (track_folder / REPORT).read_text()
    data = json.loads((track_folder / "track.json").read_text())
    last = data["views"][-1]
    answer = ", ".join(f"{pct(last['p_reach'][str(y)][0])} by {y}" for y in data["years"])
    assert f"As of {last['as_of']} (base year {last['base_year']}) the target is reached with {answer}; since the first view" in html
    assert html.count("<svg ") == 3  # the probability, the PIT histogram, the coverage by horizon
    assert "The 90% ranges held the outcome in" in html and "times the random walk" in html
    for view in data["views"]:
        assert f'<th scope="row">{view["as_of"]}</th>' in html
    for row in data["by_horizon"]:
        assert f'<th scope="row">{row["horizon"]}</th>' in html


def test_headline_years_default_and_requested() -> None:
    assert headline_years(range(2025, 2036)) == [2026, 2028, 2030, 2035]
    assert headline_years(range(2025, 2030)) == [2026, 2028, 2029]
    assert headline_years(range(2025, 2036), [2035, 2027, 2027]) == [2027, 2035]
    with pytest.raises(Exception, match="--years: 2040 not simulated"):
        headline_years(range(2025, 2036), [2040])


# -- the workbook -----------------------------------------------------------------------------------
def test_the_run_workbook_reads_back_equal_to_summary_json(reference_folder: Path) -> None:
    wb = openpyxl.load_workbook(reference_folder / WORKBOOK)
    assert wb.sheetnames == ["summary", "annual_trade", "target_probability", "components", "annual_flows", "finance", "paths"]
    summary = _summary(reference_folder)
    sheet = wb["summary"]
    cells = {row[0].value: row[1] for row in sheet.iter_rows() if row[0].value}
    assert cells["paths"].value == PATHS and cells["seed"].value == summary["seed"]
    header = next(r for r in sheet.iter_rows() if r[0].value == "year")
    columns = [c.value for c in header]
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        year = str(row[0].value)
        p = row[columns.index("p_reach_by_year")]
        assert p.value == summary["p_reach_by_year"][year]["p"] and p.number_format == "0.0%"
        assert row[columns.index("p_above_in_year")].value == summary["p_above_in_year"][year]["p"]
    table = wb["target_probability"]
    names = [c.value for c in table[1]]
    for row in table.iter_rows(min_row=2, values_only=True):
        entry = dict(zip(names, row, strict=True))
        assert entry["p_reach_by_year"] == summary["p_reach_by_year"][str(entry["year"])]["p"]
    trade = wb["annual_trade"]
    # Excel keeps 15-16 significant digits
    assert [c.value for c in trade[2]][1:] == pytest.approx(
        list(summary["annual_trade_usd_bn"][str(trade["A2"].value)].values()), rel=1e-15
    )


def test_the_paths_sheet_redraws_the_runs_paths(reference_folder: Path) -> None:
    paths = openpyxl.load_workbook(reference_folder / WORKBOOK)["paths"]
    assert "EMA Workbench" in paths["A1"].value and "capped" not in paths["A1"].value
    header = [c.value for c in paths[2]]
    assert header[:3] == ["scenario", "path", "total trade growth mean (log a year)"]
    assert {"cku_railway completion year", "financing capacity, all lenders (USD bn a year)", "shocks struck", "first year reached"} <= set(
        header
    )
    rows = list(paths.iter_rows(min_row=3, values_only=True))
    assert len(rows) == PATHS and [r[1] for r in rows] == list(range(PATHS))
    first = [r[header.index("first year reached")] for r in rows]
    reached_2030 = sum(1 for y in first if y is not None and y <= 2030) / PATHS
    assert reached_2030 == pytest.approx(_summary(reference_folder)["p_reach_by_year"]["2030"]["p"], abs=1e-12)


def test_the_paths_sheet_is_capped(reference_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_PATH_ROWS", 60)
    path = workbook.write_workbook(load(reference_folder), tmp_path / "small.xlsx", path_table=path_table)
    sheet = openpyxl.load_workbook(path)["paths"]
    assert "capped at 60 rows" in sheet["A1"].value and sheet.max_row == 2 + 60


def test_the_comparison_workbook(comparison_folder: Path) -> None:
    wb = openpyxl.load_workbook(comparison_folder / WORKBOOK)
    assert wb.sheetnames == [
        "summary",
        "comparison",
        "annual_trade",
        "target_probability",
        "components",
        "annual_flows",
        "finance",
        "paths",
    ]
    data = json.loads((comparison_folder / "comparison.json").read_text())
    comparison = wb["comparison"]
    names = [c.value for c in comparison[1]]
    for row in comparison.iter_rows(min_row=2):
        entry = dict(zip(names, (c.value for c in row), strict=True))
        if entry["metric"] == "difference_p_reach_by_year":
            assert entry["value"] == pytest.approx(
                data["differences"][entry["scenario"]]["p_reach_by_year"][str(entry["year"])]["diff"], rel=1e-15
            )
            assert row[names.index("value")].number_format == "0.0%"
    paths = wb["paths"]
    scenarios = [r[0] for r in paths.iter_rows(min_row=3, values_only=True)]
    assert len(scenarios) == COMPARED_PATHS * len(COMPARED) and scenarios[0] == "Reference"


# -- in a real browser ------------------------------------------------------------------------------
def _screenshot(png: bytes, name: str, tmp_path: Path) -> None:
    assert png.startswith(PNG_SIGNATURE) and len(png) > 20_000  # a page was drawn, not a blank
    (tmp_path / name).write_bytes(png)
    if os.environ.get("COOPSIM_SCREENSHOTS"):
        shutil.copy(tmp_path / name, Path(os.environ["COOPSIM_SCREENSHOTS"]) / name)


def test_the_track_report_in_headless_chromium(track_folder: Path, tmp_path: Path) -> None:
    data = json.loads((track_folder / "track.json").read_text())
    page = open_page(track_folder / REPORT)
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert f"{pct(data['views'][-1]['p_reach']['2030'][0])} by 2030; since the first view" in page.text
    assert "How the forecasts fared" in page.text and "The views" in page.text and "random walk CRPS" in page.text
    assert page.pdf.startswith(b"%PDF")
    _screenshot(page.screenshot, "report_track.png", tmp_path)


@pytest.mark.parametrize("kind", ["reference", "comparison"])
def test_the_report_in_headless_chromium(kind: str, reference_folder: Path, comparison_folder: Path, tmp_path: Path) -> None:
    folder = reference_folder if kind == "reference" else comparison_folder
    summary = _summary(folder) if kind == "reference" else json.loads((folder / "comparison.json").read_text())["summaries"]["uz_cn_2025"]
    page = open_page(folder / REPORT)
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert not [a for a in page.attributes if re.match(r"\s*(https?:)?//", a)]
    assert (
        f"By 2028 the {'target is reached in' if kind == 'reference' else 'baseline reaches the target in'} {pct(summary['p_reach_by_year']['2028']['p'])}"
        in page.text
    )
    assert page.pdf.startswith(b"%PDF") and len(page.pdf) > 100_000  # it prints
    _screenshot(page.screenshot, f"report_{kind}.png", tmp_path)


def test_the_default_headline_years_include_the_targets_year():
    from sim.report import headline_years

    years = list(range(2026, 2036))  # a base year 2025: +1, +3, +5 are 2027, 2029, 2031
    assert headline_years(years) == [2027, 2029, 2031, 2035]
    assert headline_years(years, None, 2030) == [2027, 2029, 2030, 2031, 2035]
    assert headline_years(years, None, 2040) == [2027, 2029, 2031, 2035]  # a year not simulated is not shown
    assert headline_years(years, [2028], 2030) == [2028]  # --years wins


@pytest.fixture(scope="session")
def replay_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference's replay over 2017-2024 (few paths) with its report, as ``coopsim replay --report`` writes it."""
    out = tmp_path_factory.mktemp("report") / "replay"
    assert main(["replay", _scenario_path("uz_cn_2025"), "--paths", "30", "--last", "2024", "--out", str(out), "--report", "--quiet"]) == 0
    return out


def test_the_replay_report_in_headless_chromium(replay_folder: Path, tmp_path: Path) -> None:
    fits = json.loads((replay_folder / "replay_fit.json").read_text())
    page = open_page(replay_folder / REPORT)
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert "The model against the record" in page.text and "The fitted scales" in page.text
    assert all(str(year) in page.text for year in range(2016, 2025))
    ex = fits["exports"]
    assert f"Fitted scale on project exports {ex['median']:.2f} (5% to 95%: {ex['low']:.2f} to {ex['high']:.2f})" in page.text
    assert page.pdf.startswith(b"%PDF")
    _screenshot(page.screenshot, "report_replay.png", tmp_path)


def test_a_folder_reads_its_scenario_files_once_and_each_report_reads_them_as_they_are_then(tmp_path: Path, monkeypatch) -> None:
    import sim.report.sources as sources

    loads: list[str] = []
    real = sources.load_scenario

    def counted(path, *args, **kwargs):
        loads.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(sources, "load_scenario", counted)
    names = ("uz_cn_2025", "uz_cn_railway_late")
    comparison = compare([load_scenario(_scenario_path(n)) for n in names], paths=20, workers=1, progress=False)
    folder = save(comparison, tmp_path / "c", report=True, xlsx=True)  # the legends, the page and the workbook name them
    assert sorted(loads) == sorted(f"{n}.toml" for n in names)
    loads.clear()
    from sim.output import write_report

    write_report(comparison, tmp_path / "again.html", figures_in=folder)
    write_report(comparison, tmp_path / "again.html", figures_in=folder)
    assert sorted(loads) == sorted(2 * [f"{n}.toml" for n in names])  # once for each page, never kept between them
