"""Specification of :mod:`sim.nowcast`: figures in force as of a date, the seasonal law of partial years
(a normal-inverse-chi-square posterior with a Student-t predictive) and the revisions of preliminary
figures, each against a closed form or a synthetic record whose truth is known."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import special, stats

from sim.nowcast import (
    SeasonalLaw,
    SeasonalPoint,
    SeasonalPrior,
    expanded,
    figure,
    fit_seasonal,
    published_by,
    revision_sd,
    revisions,
)
from sim.releases import Release

D = dt.date


def _row(
    year: int,
    months: int,
    value: float,
    published: dt.date,
    kind: str = "statistics_release",
    *,
    status: str = "confirmed",
    same: float | None = None,
    partner: str = "CN",
    flow: str = "turnover",
    reporter: str = "UZ",
    line: int = 2,
    source: str = "a release",
) -> Release:
    return Release(year, months, partner, flow, value, same, reporter, status, published, kind, source, line)


_ANY = _row(2000, 12, 1.0, D(2001, 1, 1))


def _point(year: int, months: int, offset: float) -> SeasonalPoint:
    """A point whose share of its year is ``expit(logit(months / 12) + offset)``."""
    share = float(special.expit(special.logit(months / 12.0) + offset))
    return SeasonalPoint(year, months, share, _ANY, _ANY)


# ---------------------------------------------------------------- the seasonal law against its closed form


def test_with_one_point_a_year_the_seasonal_law_is_the_normal_inverse_chi_square_posterior_computed_by_hand():
    # offsets 0.1, -0.2, 0.3 from three years; prior c0 = 0 worth 1 year, s0 = 0.25 worth 4 degrees of freedom:
    # n = 3, mean 1/15, sum of squares around it 0.126667 (v = 0.063333)
    points = [_point(2017, 3, 0.1), _point(2018, 6, -0.2), _point(2019, 9, 0.3)]
    law = fit_seasonal(points, SeasonalPrior(offset=0.0, offset_years=1.0, spread=0.25, spread_years=4.0))
    assert law.offset == pytest.approx((3 * (1 / 15)) / 4, rel=1e-9)  # (kappa0 c0 + n cbar) / (kappa0 + n) = 0.05
    assert law.offset_years == 4.0 and law.dof == 6.0 and (law.years, law.points) == (3, 3)
    # (nu0 s0^2 + (n - 1) v + kappa0 n / (kappa0 + n) (cbar - c0)^2) / (nu0 + n - 1) = (0.25 + 0.126667 + 0.003333) / 6
    assert law.spread == pytest.approx(math.sqrt(0.38 / 6), rel=1e-9)
    assert law.scale == pytest.approx(math.sqrt(0.38 / 6) * math.sqrt(1.25), rel=1e-9)


def test_several_points_of_one_year_count_as_one_year_of_information_on_the_offset_and_the_degrees_of_freedom():
    prior = SeasonalPrior(offset=-0.1, offset_years=2.0, spread=0.3, spread_years=5.0)
    points = [
        _point(2020, 3, 0.1),
        _point(2020, 6, 0.3),
        _point(2021, 5, -0.2),
        *(_point(2022, k, o) for k, o in ((2, 0.0), (7, 0.2), (10, 0.4))),
    ]
    law = fit_seasonal(points, prior)
    # the years' means 0.2, -0.2, 0.2: cbar = 1/15 however many points each year has
    cbar = (0.2 - 0.2 + 0.2) / 3
    offsets = np.array([0.1, 0.3, -0.2, 0.0, 0.2, 0.4])
    v = float(np.sum((offsets - cbar) ** 2)) / 5  # all points' spread around cbar
    assert (law.years, law.points, law.offset_years, law.dof) == (3, 6, 5.0, 7.0)  # kappa0 + 3 and nu0 + 3 - 1: years, not points
    assert law.offset == pytest.approx((2.0 * -0.1 + 3 * cbar) / 5.0, rel=1e-9)
    ss = 5.0 * 0.09 + 2 * v + 2.0 * 3 / 5.0 * (cbar + 0.1) ** 2
    assert law.spread == pytest.approx(math.sqrt(ss / 7.0), rel=1e-9)
    # one point at each year's mean moves the offset exactly as the year's several points do
    means = fit_seasonal([_point(2020, 6, 0.2), _point(2021, 5, -0.2), _point(2022, 7, 0.2)], prior)
    assert means.offset == pytest.approx(law.offset, rel=1e-12) and means.dof == law.dof and means.offset_years == law.offset_years


def test_without_points_the_law_is_the_prior():
    law = fit_seasonal([], SeasonalPrior(offset=-0.2, offset_years=1.5, spread=0.3, spread_years=4.0))
    assert (law.offset, law.spread, law.dof, law.offset_years, law.years, law.points) == (-0.2, 0.3, 4.0, 1.5, 0, 0)


def test_with_a_flat_prior_the_predictive_intervals_of_a_new_year_cover_as_often_as_stated_on_synthetic_records():
    # logit q(y, k) = logit(k / 12) + c + sigma e with a random k each year; the fit of six years predicts the
    # seventh year's full value from its January-k figure. With a flat prior (weights 1e-9) the predictive is the
    # textbook t_{n-1}(cbar, s^2 (1 + 1 / n)), whose coverage is exact for any n.
    rng = np.random.default_rng(np.random.SeedSequence(20250910))
    records, years, c, sigma = 4000, 6, -0.15, 0.2
    flat = SeasonalPrior(offset=0.0, offset_years=1e-9, spread=0.25, spread_years=1e-9)
    months = rng.integers(1, 12, size=(records, years + 1))
    logit_q = special.logit(months / 12.0) + c + sigma * rng.standard_normal((records, years + 1))
    full = np.exp(rng.normal(2.5, 0.3, size=records))  # the new year's full value, USD bn
    hits = {0.9: 0, 0.5: 0}
    for i in range(records):
        points = [SeasonalPoint(2010 + y, int(months[i, y]), float(special.expit(logit_q[i, y])), _ANY, _ANY) for y in range(years)]
        law = fit_seasonal(points, flat)
        assert law.dof == pytest.approx(years - 1)
        k = int(months[i, years])
        partial = float(full[i] * special.expit(logit_q[i, years]))
        for level in hits:
            low, high = law.interval(partial, k, level)
            hits[level] += low <= full[i] <= high
    for level, count in hits.items():
        se = math.sqrt(level * (1 - level) / records)
        assert abs(count / records - level) < 3 * se, (level, count / records)


LAW = SeasonalLaw(offset=-0.15, spread=0.12, dof=9.0, offset_years=10.0, years=9, points=30)


def test_the_full_year_interval_narrows_as_more_months_are_known_and_is_a_point_at_twelve():
    for level in (0.5, 0.9):
        widths = []
        for k in range(1, 12):
            low, high = LAW.interval(5.0, k, level)
            assert 5.0 < low < high
            widths.append(math.log(high / low))
        assert all(a > b for a, b in zip(widths, widths[1:], strict=False)), widths
        assert LAW.interval(17.2, 12, level) == (17.2, 17.2)
    assert LAW.full_year_log_sd(12) == 0.0
    assert all(LAW.full_year_log_sd(k) > LAW.full_year_log_sd(k + 1) for k in range(1, 11))


def test_the_full_year_log_sd_is_the_spread_of_the_drawn_shares_linearised():
    z = np.random.default_rng(np.random.SeedSequence(7)).standard_normal(200_000)
    for k in (2, 6, 10):
        drawn = -np.log(special.expit(LAW.logit_share(k, z)))  # ln(full year / January-k)
        assert LAW.full_year_log_sd(k) == pytest.approx(float(np.std(drawn)), rel=0.08), k


def test_a_normal_draw_is_mapped_to_the_student_t_of_the_law_by_its_quantile():
    p = np.array([0.001, 0.05, 0.25, 0.5, 0.8, 0.975, 0.999])
    for k in (1, 7, 11):
        expected = special.logit(k / 12.0) + LAW.offset + LAW.scale * stats.t.ppf(p, LAW.dof)
        np.testing.assert_allclose(LAW.logit_share(k, special.ndtri(p)), expected, rtol=1e-9, atol=1e-12)
    low, high = LAW.interval(5.0, 7, 0.9)
    q_high, q_low = special.expit(special.logit(7 / 12) + LAW.offset + LAW.scale * stats.t.ppf([0.95, 0.05], LAW.dof))
    assert (low, high) == (pytest.approx(5.0 / q_high, rel=1e-9), pytest.approx(5.0 / q_low, rel=1e-9))


# ---------------------------------------------------------------- figures in force


def _in_force(rows: list[Release], as_of: dt.date, year: int = 2024, months: int = 12) -> float | None:
    found = figure(published_by(rows, as_of), year, months, "CN", "turnover", "UZ")
    return None if found is None else found.value_usd_bn


def test_the_most_authoritative_kind_of_source_wins_over_a_later_less_authoritative_one():
    rows = [
        _row(2024, 12, 12.5, D(2025, 2, 15), "analysis", line=3),
        _row(2024, 12, 12.4, D(2025, 1, 21), "statistics_release", line=2),
        _row(2024, 12, 13.1, D(2025, 3, 1), "ministry_statement", line=4),
        _row(2024, 12, 14.0, D(2025, 6, 17), "news_report", line=5),
    ]
    assert _in_force(rows, D(2025, 1, 20)) is None
    assert _in_force(rows, D(2025, 1, 21)) == 12.4
    assert _in_force(rows, D(2025, 12, 31)) == 12.4
    assert _in_force(rows[2:], D(2025, 12, 31)) == 13.1  # a ministry's statement over a later news report
    assert _in_force([rows[0], rows[2]], D(2025, 12, 31)) == 12.5  # an analysis over a later ministry statement


def test_a_later_release_of_the_same_kind_is_a_revision_and_wins_once_published():
    rows = [
        _row(2023, 12, 62.5, D(2024, 2, 24), partner="world", line=2),
        _row(2023, 12, 63.5, D(2025, 1, 21), partner="world", line=3),
    ]
    known = published_by(rows, D(2024, 12, 31))
    assert figure(known, 2023, 12, "world", "turnover", "UZ").value_usd_bn == 62.5
    assert figure(published_by(rows, D(2025, 1, 21)), 2023, 12, "world", "turnover", "UZ").value_usd_bn == 63.5
    # published the same day by the same kind: the later line of the file
    same_day = [_row(2024, 12, 12.4, D(2025, 1, 21), line=7), _row(2024, 12, 12.45, D(2025, 1, 21), line=9)]
    assert _in_force(same_day, D(2025, 1, 21)) == 12.45


def test_rows_published_after_the_date_and_rows_without_a_statistical_status_are_ignored():
    rows = [
        _row(2024, 12, 12.4, D(2025, 1, 21)),
        _row(2024, 12, 99.0, D(2025, 1, 22)),  # a revision one day too late
        _row(2024, 12, 14.0, D(2025, 1, 10), "statistics_release", status="claim"),
        _row(2024, 12, 13.0, D(2025, 1, 11), "statistics_release", status="uncertain"),
        _row(2024, 12, 12.6, D(2025, 1, 12), "statistics_release", status="derived"),  # derived is a statistic
    ]
    assert _in_force(rows, D(2025, 1, 10)) is None
    assert _in_force(rows, D(2025, 1, 12)) == 12.6
    assert _in_force(rows, D(2025, 1, 21)) == 12.4
    assert {r.value_usd_bn for r in published_by(rows, D(2025, 1, 21))} == {12.4, 12.6}


def test_a_same_months_comparison_is_a_figure_for_the_year_before_published_that_day_by_the_same_source():
    row = _row(2025, 7, 8.78, D(2025, 9, 10), "ministry_statement", same=7.14, line=164)
    out = expanded([row])
    assert out[0] is row and len(out) == 2
    before = out[1]
    assert (before.year, before.months, before.value_usd_bn, before.published, before.source_kind, before.line) == (
        2024,
        7,
        7.14,
        D(2025, 9, 10),
        "ministry_statement",
        164,
    )
    assert before.same_months_year_before_usd_bn is None and before.source.startswith("the same months a year before")
    assert _in_force([row], D(2025, 9, 9), 2024, 7) is None
    assert _in_force([row], D(2025, 9, 10), 2024, 7) == 7.14
    # a comparison, derived from a rounded growth rate, does not replace a published level of the same kind ...
    rows = [_row(2024, 12, 65.9, D(2025, 1, 21), partner="world"), _row(2025, 12, 81.2, D(2026, 1, 22), partner="world", same=67.27)]
    assert figure(published_by(rows, D(2026, 1, 22)), 2024, 12, "world", "turnover", "UZ").value_usd_bn == 65.9
    # ... but stands where there is none, or where the level comes from a less authoritative kind of source
    assert figure(published_by(rows[1:], D(2026, 1, 22)), 2024, 12, "world", "turnover", "UZ").value_usd_bn == 67.27
    weaker = [_row(2024, 12, 66.0, D(2025, 1, 21), "ministry_statement", partner="world"), rows[1]]
    assert figure(published_by(weaker, D(2026, 1, 22)), 2024, 12, "world", "turnover", "UZ").value_usd_bn == 67.27


# ---------------------------------------------------------------- revisions


def test_the_revision_sd_is_the_posterior_of_the_prior_and_the_records_revisions_of_that_kind():
    rows = [
        # statistics: 10.0 revised twice (first 10.0, latest 10.2) and 5.0 revised to 4.9
        _row(2023, 12, 10.0, D(2024, 1, 20), line=2),
        _row(2023, 12, 10.5, D(2024, 3, 1), line=3),
        _row(2023, 12, 10.2, D(2024, 6, 1), line=4),
        _row(2023, 6, 5.0, D(2023, 7, 20), line=5),
        _row(2023, 6, 4.9, D(2023, 9, 1), line=6),
        # a ministry's figure revised by a later statistics release is filed under the ministry (the first)
        _row(2024, 7, 8.0, D(2024, 9, 10), "ministry_statement", line=7),
        _row(2024, 7, 8.8, D(2024, 10, 1), "statistics_release", line=8),
        # a comparison restating 2023 January-June differently is no revision of its own
        _row(2024, 6, 5.8, D(2024, 7, 25), same=5.3, line=9),
        # published after the date: not yet a revision
        _row(2023, 6, 6.0, D(2025, 1, 1), line=10),
    ]
    known = published_by(rows, D(2024, 12, 31))
    assert sorted((r.first.line, r.latest.line) for r in revisions(known)) == [(2, 4), (5, 6), (7, 8)]
    r1, r2 = math.log(10.2 / 10.0), math.log(4.9 / 5.0)
    sd, m = revision_sd(known, "statistics_release", 0.02, 2.0)
    assert m == 2 and sd == pytest.approx(math.sqrt((2.0 * 0.02**2 + r1 * r1 + r2 * r2) / 4.0), rel=1e-12)
    sd, m = revision_sd(known, "ministry_statement", 0.05, 3.0)
    assert m == 1 and sd == pytest.approx(math.sqrt((3.0 * 0.05**2 + math.log(1.1) ** 2) / 4.0), rel=1e-12)
    assert revision_sd(known, "news_report", 0.05, 2.0) == (0.05, 0)  # no revision of that kind: the prior
    assert revision_sd(known, "news_report", 0.05, 0.0) == (0.05, 0)
    sd, m = revision_sd(known, "statistics_release", 0.02, 0.0)  # no prior weight: the record's alone
    assert m == 2 and sd == pytest.approx(math.sqrt((r1 * r1 + r2 * r2) / 2.0), rel=1e-12)
