"""The two reference views are what the record says on their days, and the numbers the docs quote are theirs.

``uz_cn_2025.toml`` is the view as of 10 September 2025, ``uz_cn_latest.toml`` the view as of the latest
release. Their law numbers are written in the files; these tests say which number is out of step
if the record, the fits or the files change (``docs/model.md``, ``docs/calibration.md``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import ROOT
from scipy import special, stats

from sim.calibration.views import fitted_laws, view_at
from sim.releases import load_releases
from sim.scenario import load_scenario

U = (np.arange(20_000) + 0.5) / 20_000


@pytest.fixture(scope="module")
def september():
    return load_scenario(ROOT / "scenarios" / "uz_cn_2025.toml")


@pytest.fixture(scope="module")
def latest():
    return load_scenario(ROOT / "scenarios" / "uz_cn_latest.toml")


def test_the_september_view_learns_the_seasonal_law_the_model_page_quotes(september):
    law = september.observation.seasonal
    assert (law.years, law.points, law.dof) == (6, 20, 9.0)
    assert law.offset == pytest.approx(-0.166, abs=5e-4) and law.scale == pytest.approx(0.240, abs=5e-4)
    share = special.expit(special.logit(7 / 12) + law.offset + law.scale * stats.t.ppf([0.05, 0.5, 0.95], law.dof))
    np.testing.assert_allclose(share, [0.43, 0.54, 0.65], atol=0.005)
    assert [round(law.full_year_log_sd(k), 2) for k in (1, 7, 11)] == [0.25, 0.12, 0.03]


def test_the_september_view_takes_the_ministrys_figure_with_its_kinds_revision_sd(september):
    obs = september.observation
    assert (obs.months, obs.value_usd_bn, obs.source_kind) == (7, 8.78, "ministry_statement")
    assert obs.revision_sd == pytest.approx(0.05)  # the prior: the record holds no revision of a ministry's figure


def test_the_latest_view_is_the_day_of_the_latest_release_in_the_record(latest):
    record = load_releases(ROOT / "seeds" / "uz_cn_releases.csv")
    assert latest.trade.as_of == max(r.published for r in record)
    assert (latest.trade.base_year, latest.trade.base_usd_bn, latest.trade.structural.total_base_usd_bn) == (2025, 17.2, 81.2)


@pytest.mark.parametrize("name", ["uz_cn_2025", "uz_cn_latest"])
def test_each_reference_views_organic_law_is_the_fit_of_the_record_on_its_day(name, september):
    s = load_scenario(ROOT / "scenarios" / f"{name}.toml")
    fit = fitted_laws(s, s.trade.as_of, s.trade.base_year)
    law = s.trade.structural
    fitted_total = fit.changes["trade.structural.total_growth"]
    assert law.total_growth.mean.ppf(U).mean() == pytest.approx(fitted_total["mean"]["mean"], abs=1e-5)
    assert law.total_growth.mean.ppf(U).std() == pytest.approx(fitted_total["mean"]["sd"], rel=0.01)
    fitted_share = fit.changes["trade.structural.share"]
    sd = law.share.sd.ppf(np.array([0.5]))[0]
    assert sd == pytest.approx(fitted_share["sd"]["mode"], rel=0.1)  # the September file's shares came from the context file
    # the long run: the record's fit moved by the reference's allowance for the modelled flows
    own = fitted_laws(september, september.trade.as_of, september.trade.base_year)
    allowance = special.logit(september.trade.structural.share.long_run.ppf(np.array([0.5]))[0]) - own.share_logit
    median = law.share.long_run.ppf(np.array([0.5]))[0]
    assert special.logit(median) == pytest.approx(fit.share_logit + allowance, abs=1e-5)


def test_moving_the_september_view_to_its_own_day_keeps_its_answer(september):
    moved, fit = view_at(september, september.trade.as_of)
    assert moved.observation == september.observation and moved.trade.base_year == september.trade.base_year
    assert fit.years == (2010, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024)


def test_a_view_moved_to_another_day_restates_the_projects_at_its_start(september):
    early, _ = view_at(september, dt.date(2023, 8, 24))  # base year 2022: BYD's first plant (June 2024) was still building
    assert early.trade.base_year == 2022
    byd = next(p for p in early.pipeline.projects if p.name == "byd_phase1")
    assert byd.stage == "construction"
    late, _ = view_at(september, dt.date(2026, 2, 20))  # start 2026: a wind farm due from late 2025 completes after it
    wind = next(p for p in late.pipeline.projects if p.name == "sany_wind")
    assert wind.completion_year.support()[0] == 2026.0


def test_a_views_charts_draw_only_the_years_it_knew(september):
    from sim.run import known_history

    early, _ = view_at(september, dt.date(2023, 8, 24))
    assert [y for y, _ in known_history(early)][-1] == 2022  # 2023 and 2024 were not out yet
    assert dict(known_history(september))[2024] == 12.4


def test_a_fit_is_computed_once_for_the_same_figures_and_each_caller_gets_its_own_copy(tmp_path):
    import csv
    import shutil

    import sim.calibration.views as views

    for sub in ("scenarios", "seeds"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    path = tmp_path / "scenarios" / "uz_cn_2025.toml"
    s = load_scenario(path)
    views._fit.cache_clear()
    first = fitted_laws(s, s.trade.as_of, s.trade.base_year)
    first.changes["trade.structural.share"]["sd"] = "changed by a caller"
    again = fitted_laws(s, s.trade.as_of, s.trade.base_year)
    assert views._fit.cache_info().hits == 1
    assert again.changes["trade.structural.share"]["sd"] != "changed by a caller"  # the cache's copy is untouched
    views._fit.cache_clear()
    assert fitted_laws(s, s.trade.as_of, s.trade.base_year) == again  # the same as computed afresh
    # the same file, its record changed by the user: the 2024 figure for the pair, as published in 2025 (the view's
    # day comes before 2025's full year restates it), is fitted again
    releases = tmp_path / "seeds" / "uz_cn_releases.csv"
    rows = list(csv.DictReader(releases.open(newline="")))
    for row in rows:
        if (row["year"], row["months"], row["partner"], row["flow"]) == ("2024", "12", "CN", "turnover"):
            row["value_usd_bn"] = str(float(row["value_usd_bn"]) * 1.2)
    with releases.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    changed = load_scenario(path)
    assert changed.source == s.source
    other = fitted_laws(changed, changed.trade.as_of, changed.trade.base_year)
    assert views._fit.cache_info().misses == 2
    assert other.changes["trade.structural.share"] != again.changes["trade.structural.share"]
