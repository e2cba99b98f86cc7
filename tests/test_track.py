"""The track record (``coopsim track``, :func:`sim.studies.track.track`): scores on constructed records whose answer is known, the results folder, the command.

The record is synthetic: a pair's yearly turnover that grows by exactly ``exp(0.08)`` times a known
noise (sd 0.05, from a seeded generator) from 2000 to 2024, its full years published on 15 February
of the next year, a January-June figure each 20 July, and China's customs' figure for the year each
20 January (a release of another reporter: nothing new for a view on Uzbek figures). The scenario is
organic only, a random walk refitted at every view on the full years published by then.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import dump_toml, organic_only

import sim
from sim.cli import main
from sim.output import LOADERS, load, save
from sim.releases import load_releases
from sim.scenario import ScenarioError, load_scenario
from sim.studies.track import Track, track

PATHS = 200
SINCE = dt.date(2015, 1, 1)
FIRST_YEAR, LAST_YEAR = 2000, 2024
REVISED = dt.date(2025, 3, 1)


def _values() -> dict[int, float]:
    """Each year the previous times exp(0.08 + 0.05 z), z from a seeded generator."""
    rng = np.random.default_rng(20240611)
    v = {FIRST_YEAR: 1.0}
    for y in range(FIRST_YEAR + 1, LAST_YEAR + 1):
        v[y] = v[y - 1] * math.exp(0.08 + 0.05 * rng.standard_normal())
    return v


def _write_record(folder: Path, jump: float = 1.0) -> Path:
    """The synthetic record and a scenario on it; with ``jump``, every year from 2014 revised to ``jump`` times on 2025-03-01."""
    rows: list[dict[str, object]] = []

    def row(year: int, months: int, flow: str, value: float, reporter: str, published: dt.date, kind: str = "statistics_release") -> None:
        rows.append(
            {
                "year": year,
                "months": months,
                "partner": "CN",
                "flow": flow,
                "value_usd_bn": round(value, 6),
                "same_months_year_before_usd_bn": "",
                "reporter": reporter,
                "status": "confirmed",
                "published": published.isoformat(),
                "source_kind": kind,
                "source": f"synthetic {year} {months} {flow} {reporter} {published}",
            }
        )

    for y, x in _values().items():
        row(y, 12, "turnover", x, "UZ", dt.date(y + 1, 2, 15))
        row(y, 12, "exports", 0.2 * x, "UZ", dt.date(y + 1, 2, 15))
        if y >= 2010:
            row(y, 6, "turnover", 0.48 * x, "UZ", dt.date(y, 7, 20))
            row(y, 12, "turnover", 1.05 * x, "CN", dt.date(y + 1, 1, 20), "customs_release")
        if jump != 1.0 and y >= 2014:
            row(y, 12, "turnover", jump * x, "UZ", REVISED)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "record.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    scenario = {
        "name": "synthetic",
        "trade": {
            "reporter": "UZ",
            "releases": "record.csv",
            "as_of": dt.date(2015, 3, 1),
            "partner": "CN",
            "target_usd_bn": 6.0,
            "growth": {"mean": 0.08, "sd": 0.05},
        },
        "run": {"paths": PATHS, "seed": 7, "horizon_year": 2030},
    }
    (folder / "synthetic.toml").write_text(dump_toml(scenario), encoding="utf-8")
    return folder / "synthetic.toml"


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Track]:
    path = _write_record(tmp_path_factory.mktemp("track") / "steady")
    return path, track(load_scenario(path), paths=PATHS, since=SINCE, workers=1)


@pytest.fixture(scope="module")
def jumped(tmp_path_factory: pytest.TempPathFactory) -> Track:
    path = _write_record(tmp_path_factory.mktemp("track") / "jumped", jump=3.0)
    return track(load_scenario(path), paths=PATHS, since=SINCE, workers=1)


def _overall(t: Track) -> dict:
    return next(r for r in t.by_horizon() if r["horizon"] == "all")


# -- scores whose answer is known -----------------------------------------------------------------
def test_forecasts_of_a_steady_random_walk_are_calibrated(steady: tuple[Path, Track]) -> None:
    """The record follows the model's own law: the 90% ranges hold most outcomes, the PIT centres near one half, the model beats the no-drift walk."""
    _, t = steady
    all_ = _overall(t)
    assert all_["n"] > 100
    assert all_["coverage90"] >= 0.8
    assert 0.3 <= all_["mean_pit"] <= 0.75
    assert all_["crps_ratio"] < 1  # the walk has no drift; trade that grows 8% a year leaves it behind
    nowcast = next(r for r in t.by_horizon() if r["horizon"] == "1 (nowcast)")
    assert nowcast["coverage90"] >= 0.8  # half the year observed: the tightest forecasts hold too


def test_outcomes_far_above_every_forecast_score_a_pit_of_one_and_no_coverage(jumped: Track) -> None:
    """Every scored year revised to three times its figure after the views: PIT near 1 (an inverted PIT would read near 0), nothing covered, by the walk neither."""
    all_ = _overall(jumped)
    assert all_["n"] > 100
    assert all_["mean_pit"] > 0.95
    assert all_["coverage50"] == 0 and all_["coverage90"] == 0
    assert all_["rw_coverage90"] == 0  # the random walk is no better a forecaster of the jump
    assert all_["crps"] > 1 and all_["rw_crps"] > 1
    assert not [v for v in jumped.views if v.as_of >= REVISED and any(s.as_of == v.as_of for s in jumped.scores)]


def test_no_score_uses_an_outcome_published_on_or_before_its_views_day(steady: tuple[Path, Track], jumped: Track) -> None:
    path, t = steady
    record = load_releases(path.parent / "record.csv")
    fulls = [r for r in record if (r.months, r.flow, r.reporter, r.partner) == (12, "turnover", "UZ", "CN")]
    first = {year: min(r.published for r in fulls if r.year == year) for year in {r.year for r in fulls}}
    assert t.scores
    for s in t.scores + jumped.scores:
        # no figure of the whole year, first or restated, was out on the view's day
        assert first[s.year] > s.as_of, s
        view = next(v for v in t.views if v.as_of == s.as_of)
        assert s.year > view.base_year and s.horizon == s.year - view.base_year
    assert all(s.as_of < REVISED for s in jumped.scores)  # the revision is the outcome: a view that knows it scores nothing


def test_a_view_that_took_nothing_new_repeats_the_earlier_view(steady: tuple[Path, Track]) -> None:
    """China's customs' release on 20 January changes nothing a view on Uzbek figures takes: the view is marked ``same_as`` the one before."""
    _, t = steady
    repeated = [v for v in t.views if v.same_as is not None]
    assert len(repeated) == 10  # 2016-01-20 ... 2025-01-20
    assert all(v.as_of.month == 1 and v.as_of.day == 20 for v in repeated)
    by_day = {v.as_of: v for v in t.views}
    for v in repeated:
        earlier = by_day[v.same_as]
        assert earlier.same_as is None and earlier.as_of < v.as_of
        assert (v.p_reach, v.median, v.base_year, v.observed, v.law_years) == (
            earlier.p_reach,
            earlier.median,
            earlier.base_year,
            earlier.observed,
            earlier.law_years,
        )
    assert [v.same_as for v in t.views if v.observed == ""] == [None] * sum(v.observed == "" for v in t.views)  # a new base year is new


def test_p_by_a_year_never_falls_with_the_year(steady: tuple[Path, Track]) -> None:
    _, t = steady
    for v in t.views:
        ps = [v.p_reach[y][0] for y in t.years]
        assert ps == sorted(ps), v.as_of
        assert all(lo <= p <= hi for p, lo, hi in v.p_reach.values())


def test_horizons_are_listed_in_order_of_years_ahead(steady: tuple[Path, Track]) -> None:
    labels = [r["horizon"] for r in steady[1].by_horizon()]
    assert labels[:3] == ["1", "1 (nowcast)", "2"]
    overall = labels.index("all")
    assert labels[overall - 1] == "11" and labels[overall + 1 :] in ([], ["all, distinct views"])


def test_a_scenario_without_a_dated_record_is_refused() -> None:
    with pytest.raises(ScenarioError, match="trade.releases"):
        sim.track(sim.scenario_from_dict(organic_only()), paths=10)


# -- the folder and the command --------------------------------------------------------------------
def test_the_folder_reads_back_as_the_track(steady: tuple[Path, Track], tmp_path: Path) -> None:
    _, t = steady
    folder = save(t, tmp_path / "t", report=True)
    names = set(json.loads((folder / "manifest.json").read_text())["files"])
    charts = {f"{c}.{e}" for c in ("track_probability", "track_pit", "track_coverage") for e in ("png", "svg")}
    assert {"track.json", "views.csv", "scores.csv", "track_by_horizon.csv", "report.html"} | charts <= names
    assert "track.json" in LOADERS
    back = load(folder)
    assert isinstance(back, Track) and back.to_json() == t.to_json() and back.manifest["seed"] == 7
    with open(folder / "views.csv", encoding="utf-8") as fh:
        views = list(csv.DictReader(fh))
    assert len(views) == len(t.views) and float(views[0]["p_by_2030"]) == t.views[0].p_reach[2030][0]


def test_coopsim_track_writes_the_folder_and_prints_both_tables(steady: tuple[Path, Track], tmp_path: Path, capsys) -> None:
    path, t = steady
    out = tmp_path / "cli"
    args = ["track", str(path), "--paths", str(PATHS), "--since", SINCE.isoformat(), "--out", str(out), "--workers", "1"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "release" in printed and "P(by 2030) [95%]" in printed and "same as" in printed
    assert "mean PIT" in printed and "random walk" in printed and "ratio" in printed
    assert "2016-01-20" in printed and "2015-07-20" in printed  # a repeated view names the view it repeats
    assert load(out).to_json()["by_horizon"] == t.to_json()["by_horizon"]  # the same numbers as the API's
    assert main(args) == 2  # the folder exists: --force to replace it
    capsys.readouterr()
    assert main([*args, "--force", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--since", "2023-13-01"], "must be a date written YYYY-MM-DD"),
        (["--since", "yesterday"], "must be a date written YYYY-MM-DD"),
        (["--since", "2030-01-01"], "no release of record.csv was published on or after 2030-01-01"),
        (["--years", "2040"], "--years: 2040 not simulated"),
        (["--years", "2026", "2026"], "names 2026 more than once"),
    ],
)
def test_coopsim_track_refuses_bad_input_in_one_line(steady: tuple[Path, Track], tmp_path: Path, capsys, extra, says) -> None:
    path, _ = steady
    assert _status(["track", str(path), "--paths", "10", "--out", str(tmp_path / "x"), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert says in err[-1] and "Traceback" not in "".join(err)
    assert not (tmp_path / "x").exists()


def test_coopsim_track_refuses_a_scenario_without_a_record(tmp_path: Path, capsys) -> None:
    path = tmp_path / "stated.toml"
    path.write_text(dump_toml(organic_only()), encoding="utf-8")
    assert main(["track", str(path), "--paths", "10", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "trade.releases" in err[0] and "dated record" in err[0]


def _status(argv: list[str]) -> int:
    """The exit status of ``coopsim argv``, argparse's own (it exits) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


# -- reproducibility -----------------------------------------------------------------------------------
def test_a_track_is_bit_identical_with_one_and_two_workers(steady: tuple[Path, Track]) -> None:
    path, t = steady
    two = track(load_scenario(path), paths=PATHS, since=dt.date(2023, 1, 1), workers=2)
    one = track(load_scenario(path), paths=PATHS, since=dt.date(2023, 1, 1), workers=1)
    assert one.to_json() == two.to_json()
    later = [v for v in t.views if v.as_of >= dt.date(2023, 1, 1)]
    assert [(v.as_of, v.p_reach) for v in later] == [(v.as_of, v.p_reach) for v in one.views]  # a later since takes the same views
