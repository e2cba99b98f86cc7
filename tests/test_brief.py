"""The one-page briefing of a run (``coopsim report FOLDER --brief``): its numbers are summary.json's, it says only what the folder
holds, and it prints on exactly one A4 page in headless Chromium, for both shipped cases.

The browser test needs the Debian package ``chromium``: without it it is skipped, unless ``CI`` or
``COOPSIM_REQUIRE_BROWSER`` is set (then it fails).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import open_page
from helpers import ROOT

from sim.cli import main
from sim.output import BRIEF, REPORT, load
from sim.report.brief import NOTHING_TO_COMPARE, brief_page, drivers, moved
from sim.report.pages import pct

PATHS = 200
CASES = ("uz_cn_2025", "uz_kz_2030")
A4_POINTS = (595, 842)
"""A4 portrait in PDF points (210 x 297 mm), as Chromium rounds its media box."""


@pytest.fixture(scope="module")
def april_view(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference scenario's view as of 30 April 2025, before the first months of 2025 were published (few paths)."""
    folder = tmp_path_factory.mktemp("brief") / "april"
    scenario = str(ROOT / "scenarios" / "uz_cn_2025.toml")
    args = [
        "run",
        scenario,
        "--as-of",
        "2025-04-30",
        "--paths",
        str(PATHS),
        "--out",
        str(folder),
        "--workers",
        "1",
        "--quiet",
        "--no-figures",
    ]
    assert main(args) == 0
    return folder


@pytest.fixture(scope="module", params=CASES)
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A shipped case run from the command line (few paths) and its brief written by ``coopsim report --brief``.

    The reference writes its chart files and the brief takes its fan chart from ``fan_chart.svg``; the second case
    writes none (``--no-figures``) and the brief draws the chart itself.
    """
    name = request.param
    folder = tmp_path_factory.mktemp("brief") / name
    scenario = str(ROOT / "scenarios" / f"{name}.toml")
    charts = [] if name == CASES[0] else ["--no-figures"]
    assert main(["run", scenario, "--paths", str(PATHS), "--out", str(folder), "--workers", "1", "--quiet", *charts]) == 0
    assert main(["report", str(folder), "--brief"]) == 0
    return name, folder


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def _text(html: str) -> str:
    """The page's words: markup and the chart dropped, entities of the escaped apostrophe read back."""
    html = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))).replace("&#39;", "'")


def test_the_brief_quotes_the_headline_of_summary_json_with_its_interval_and_names(case: tuple[str, Path]) -> None:
    name, folder = case
    summary, html = _summary(folder), (folder / BRIEF).read_text()
    text = _text(html)
    year = str(load(folder).headline_year)
    p = summary["p_reach_by_year"][year]
    assert f"To quote: {pct(p['p'])} by {year} (95% Monte Carlo interval {pct(p['ci95'][0])} to {pct(p['ci95'][1])}" in text
    names = summary["names"] or {}
    if name == "uz_kz_2030":  # the second case: a target of 10 by 2030, its names from the scenario file
        assert year == "2030" and summary["target_usd_bn"] == 10
        assert "Uzbekistan\u2013Kazakhstan: $10 bn a year by 2030?" in text
        assert "between Uzbekistan and Kazakhstan" in text and names["reporter_labels"]["UZ"] in text
    if summary.get("by_law"):
        low, high = summary["by_law"]["spread"][year]
        assert f"{pct(low)} to {pct(high)} across the organic laws" in text
    else:
        assert "One organic law" in text and "across the organic laws" not in text
    assert html.count("<svg ") == 1 and "Projected annual trade" in html  # the fan chart, inline


def test_without_an_earlier_view_the_brief_says_there_is_nothing_to_compare_and_what_the_view_knew(case: tuple[str, Path]) -> None:
    _, folder = case
    summary, text = _summary(folder), _text((folder / BRIEF).read_text())
    assert NOTHING_TO_COMPARE in text  # no earlier view given: nothing is said to have moved
    view = summary["view"]
    assert f"The view as of {view['as_of']}" in text
    for used in view["used"]:
        assert f"{used['what']}: {used['value_usd_bn']:g} USD bn" in text


def test_the_brief_names_three_drivers_from_the_components_and_says_so(case: tuple[str, Path]) -> None:
    _, folder = case
    results = load(folder)
    year = results.headline_year
    top, _ = drivers(results, year)
    assert len(top) == 3 and [abs(d.usd_bn) for d in top] == sorted((abs(d.usd_bn) for d in top), reverse=True)
    components = _summary(folder)["components_mean_usd_bn"][str(year)]
    organic = next(d for d in top if d.name.startswith("Organic"))
    assert organic.usd_bn == pytest.approx(components["organic"] - results.base_usd_bn)
    text = _text((folder / BRIEF).read_text())
    assert "No sensitivity study was run with this result" in text
    for d in top:
        assert f"{d.name}: {d.amount}" in text


def test_since_an_earlier_view_the_brief_says_how_far_it_moved_and_what_the_views_knew_differently(
    case: tuple[str, Path], april_view: Path, tmp_path: Path, capsys
) -> None:
    name, folder = case
    out = tmp_path / "since.html"
    assert main(["report", str(folder), "--brief", "--since", str(april_view), "--out", str(out)]) == 0
    text = _text(out.read_text())
    assert NOTHING_TO_COMPARE not in text
    if name == "uz_kz_2030":  # another pair and target: nothing is said to have moved
        assert "Not comparable with the view as of 2025-04-30: it asks another question" in text
        return
    before, now = _summary(april_view)["p_reach_by_year"]["2028"], _summary(folder)["p_reach_by_year"]["2028"]
    change = f"{100 * (now['p'] - before['p']):+.1f}".replace("-", "\u2212")
    assert f"Since the view as of 2025-04-30 ({pct(before['p'])} by 2028" in text
    assert f"the probability has moved {change} points to {pct(now['p'])}" in text
    # why: the September view took the first seven months of 2025, which the April view could not know
    assert "new: first year 2025, turnover (January to July), 8.78 USD bn (published 2025-09-10)" in text
    assert "How much of the move each explains is not measured here" in text
    page = open_page(out, css_page_size=True)
    assert page.errors == [] and len(re.findall(rb"/Type\s*/Page\b", page.pdf)) == 1
    capsys.readouterr()
    assert main(["report", str(folder), "--since", str(april_view), "--out", str(tmp_path / "x.html")]) == 2
    assert "--since" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


def test_the_brief_is_listed_in_the_folder_and_refused_for_a_comparison(case: tuple[str, Path], tmp_path: Path, capsys) -> None:
    _, folder = case
    manifest = json.loads((folder / "manifest.json").read_text())
    assert BRIEF in manifest["files"] and REPORT not in manifest["files"]
    assert load(folder).n_paths == PATHS  # the folder still reads back, checksums and all
    assert main(["report", str(folder), "--brief"]) == 2  # exists: replaced only with --force
    assert main(["report", str(folder), "--brief", "--force"]) == 0
    capsys.readouterr()
    compared = tmp_path / "cmp"
    scenarios = [str(ROOT / "scenarios" / f"{n}.toml") for n in ("uz_cn_2025", "uz_cn_railway_late")]
    assert main(["compare", *scenarios, "--paths", "40", "--out", str(compared), "--workers", "1", "--quiet", "--no-figures"]) == 0
    assert main(["report", str(compared), "--brief"]) == 2
    err = capsys.readouterr().err
    assert "--brief" in err and "Comparison" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_brief_page_of_a_stated_base_says_the_base_it_was_given(case: tuple[str, Path]) -> None:
    _, folder = case
    results = load(folder)
    results.view = None  # as a scenario that states its base year and value instead of reading the record
    knew = brief_page(results).knew
    assert knew[0].startswith(f"The scenario states its base: {results.base_usd_bn:g} USD bn of turnover in {results.base_year}")


def test_the_brief_prints_on_exactly_one_a4_page_in_headless_chromium(case: tuple[str, Path]) -> None:
    _, folder = case
    summary = _summary(folder)
    page = open_page(folder / BRIEF, css_page_size=True)
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert not [a for a in page.attributes if re.match(r"\s*(https?:)?//", a)]
    year = str(load(folder).headline_year)
    assert f"{pct(summary['p_reach_by_year'][year]['p'])} by {year}" in page.text
    assert page.pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", page.pdf)) == 1  # one page, not a second for an overflowing line
    boxes = {tuple(round(float(v)) for v in box.split()[2:]) for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", page.pdf)}
    assert boxes == {A4_POINTS}


def test_the_brief_never_calls_an_unchanged_probability_a_move(case: tuple[str, Path]) -> None:
    _, folder = case
    results, previous = load(folder), load(folder)
    year = results.headline_year
    same = moved(results, previous, year)
    assert "the probability has not moved" in same[0] and "same scenario with the same figures, paths and seed" in same[1]
    previous.scenario_sha256 = "0" * 64  # another scenario that happens to give the same probability
    other = moved(results, previous, year)
    assert f"a changed assumption did not move it by {year}" in other[1] and "moved it" not in other[1].replace("not move it", "")
    previous.target_usd_bn += 1  # another question
    assert moved(results, previous, year)[0].startswith("Not comparable")
