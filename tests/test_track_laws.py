"""The track of a mixture of organic laws: each law scored on its own paths, the mixture weighed as the scenario says,
and weights that follow the record."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import dump_toml
from scipy import special

from sim.calibration import crps_samples
from sim.scenario import load_scenario
from sim.studies.track import Track, track
from sim.studies.track_scores import path_weights, weighted_crps, weighted_quantile, weighted_reach

FIRST_YEAR, LAST_YEAR = 2000, 2024


def _record(folder: Path) -> Path:
    """A record whose partner's share of the country's trade trends up (logit drift 0.08 a year), and a scenario with two laws."""
    rng = np.random.default_rng(5)
    rows = []
    w, z = 10.0, special.logit(0.08)
    for y in range(FIRST_YEAR, LAST_YEAR + 1):
        w *= math.exp(0.07 + 0.05 * rng.standard_normal())
        z += 0.08 + 0.04 * rng.standard_normal()
        pair = float(special.expit(z)) * w
        for partner, flow, value in (("CN", "turnover", pair), ("CN", "exports", 0.2 * pair), ("world", "turnover", w)):
            rows.append(
                {
                    "year": y,
                    "months": 12,
                    "partner": partner,
                    "flow": flow,
                    "value_usd_bn": round(value, 6),
                    "same_months_year_before_usd_bn": "",
                    "reporter": "UZ",
                    "status": "confirmed",
                    "published": dt.date(y + 1, 2, 15).isoformat(),
                    "source_kind": "statistics_release",
                    "source": f"synthetic {y} {partner} {flow}",
                }
            )
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "record.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    walk = {"long_run": 0.3, "persistence": 1.0, "sd": 0.04}
    scenario = {
        "name": "synthetic_laws",
        "trade": {
            "reporter": "UZ",
            "releases": "record.csv",
            "as_of": dt.date(2018, 3, 1),
            "partner": "CN",
            "target_usd_bn": 30.0,
            "structural": {
                "total_growth": {"mean": 0.07, "sd": 0.05},
                "share": {"long_run": 0.2, "persistence": 0.3, "sd": 0.04},
            },
            "laws": {
                "reverting": {"kind": "reverting", "weight": 0.7},
                "trend": {"kind": "trend", "weight": 0.3, "share": {**walk, "drift": {"dist": "normal", "mean": 0.08, "sd": 0.01}}},
            },
        },
        "run": {"paths": 300, "seed": 3, "horizon_year": 2030},
    }
    (folder / "laws.toml").write_text(dump_toml(scenario), encoding="utf-8")
    return folder / "laws.toml"


@pytest.fixture(scope="module")
def trended(tmp_path_factory: pytest.TempPathFactory) -> Track:
    path = _record(tmp_path_factory.mktemp("track_laws"))
    return track(load_scenario(path), paths=400, since=dt.date(2019, 1, 1), workers=1)


def test_each_law_is_scored_on_its_own_paths_for_every_forecast_of_the_mixture(trended: Track) -> None:
    assert trended.weights == {"reverting": 0.7, "trend": 0.3}
    keys = {(s.as_of, s.year) for s in trended.scores}
    for law in trended.weights:
        assert {(s.as_of, s.year) for s in trended.law_scores if s.law == law} == keys
    rows = {(r["law"], r["horizon"]) for r in trended.by_law()}
    assert {("combined", "all"), ("reverting", "all"), ("trend", "all")} <= rows


def test_the_mixtures_pit_is_its_laws_pits_weighed_by_the_scenario(trended: Track) -> None:
    # the views ran the laws on an equal footing; the scenario's weights weigh them back
    by_key = {(s.as_of, s.year, s.law): s for s in trended.law_scores}
    for s in trended.scores:
        expected = 0.7 * by_key[(s.as_of, s.year, "reverting")].pit + 0.3 * by_key[(s.as_of, s.year, "trend")].pit
        assert s.pit == pytest.approx(expected, abs=1e-12)


def test_a_record_whose_share_trends_scores_the_trend_above_the_reverting_law_and_weights_it(trended: Track) -> None:
    rows = {r["law"]: r for r in trended.by_law() if r["horizon"] == "all"}
    assert rows["trend"]["log_score"] > rows["reverting"]["log_score"]
    assert rows["trend"]["crps"] < rows["reverting"]["crps"]
    stack = trended.stacking()
    assert stack["weights"]["trend"] > 0.8 and stack["bootstrap"]["weights"]["trend"] > 0.6
    # the real-time weighting starts from equal weights and learns: it beats the scenario's 0.7 on the wrong law
    assert stack["real_time"]["real_time_weights"] > stack["real_time"]["reverting"]


def test_the_folder_keeps_the_laws_scores_and_weights(trended: Track, tmp_path: Path) -> None:
    again = Track.from_json(trended.to_json())
    assert again.law_scores == trended.law_scores and again.weights == trended.weights and again.published == trended.published
    assert again.views[0].p_reach_by_law == trended.views[0].p_reach_by_law


def test_weighted_scores_with_equal_weights_are_the_plain_ones() -> None:
    rng = np.random.default_rng(0)
    x = rng.lognormal(2.0, 0.3, 500)
    w = np.full(500, 1 / 500)
    assert weighted_crps(x, w, 8.0) == pytest.approx(crps_samples(x, 8.0), rel=1e-12)
    assert weighted_quantile(x, w, 0.5) == pytest.approx(float(np.median(x)), rel=0.01)


def test_path_weights_give_each_law_its_weight_whatever_its_share_of_the_paths() -> None:
    codes = np.array([0] * 10 + [1] * 30)
    w = path_weights(codes, [0.5, 0.5])
    assert w[codes == 0].sum() == pytest.approx(0.5) and w[codes == 1].sum() == pytest.approx(0.5)
    reached = np.zeros((40, 1))
    reached[:10] = 1.0  # every path of law 0 reached, none of law 1
    p, lo, hi = weighted_reach(reached, codes, [0.5, 0.5], 0)
    assert p == pytest.approx(0.5) and lo == pytest.approx(0.5) and hi == pytest.approx(0.5)
