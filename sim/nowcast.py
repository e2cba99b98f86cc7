"""What was known on a day, and the full year it implies: figures in force as of a date, the seasonal law of
partial years and the revisions of preliminary figures, all learnt from the dated record (:mod:`sim.releases`).

Figures in force
----------------
A figure is a cumulative January–``months`` value of one ``(year, months, partner, flow, reporter)``.
As of a day, the figure in force is, among the record's rows published by then with a statistical
status (:data:`sim.history.STATISTICAL_STATUSES`), the one from the most authoritative kind of source
(:data:`SOURCE_RANK`), the latest published among those (a later release of the same kind is a revision).
A release's comparison with the same months a year before (``same_months_year_before_usd_bn``) is a
figure for the year before, published that day by the same source (:func:`expanded`); it is used where
no published level of that kind is in force (it is derived from a rounded growth rate, so a level a
year old is the better figure of the two).

The seasonal law
----------------
The share ``q`` of a year's full value that its first ``k`` months hold is modelled on the logit scale
as a calendar share ``k / 12`` moved by an offset common to every ``k`` and year plus noise::

    logit q(y, k) = logit(k / 12) + c + e(y, k),      e ~ N(0, sigma^2)

A year that grows within itself holds less than ``k / 12`` in its first months (``c < 0``). Given the
record's points ``o = logit q - logit(k / 12)`` from ``n`` distinct years, ``c`` and ``sigma`` have the
normal-inverse-chi-square posterior of a normal sample with prior mean ``c0`` worth ``kappa0`` years
and prior spread ``s0`` worth ``nu0`` degrees of freedom (:class:`SeasonalPrior`, stated in the
scenario). Points of one year are not independent (a strong second half moves every ``k`` of that
year), so the data are counted as ``n`` years, not as points: the degrees of freedom grow by
``n - 1``, and ``c``'s precision by ``n`` (:func:`fit_seasonal`). A new ``logit q`` is then
Student-t with ``nu0 + n - 1`` degrees of freedom, centre ``c_n`` and scale
``s_n sqrt(1 + 1 / (kappa0 + n))`` (:meth:`SeasonalLaw.logit_share`).

The full year implied by ``X`` over January–``k`` is ``X / q``; its log error is about
``(1 - q) (logit q - E logit q)``, so it falls with ``k`` and is zero at ``k = 12``, as a record of
partial years says it does (:meth:`SeasonalLaw.full_year_log_sd`).

Revisions
---------
A figure that a later release of the same key replaced gives a log revision ``ln(later / first)``,
filed by the kind of source of the first (:func:`revisions`). The revision sd of a preliminary
figure from a kind of source is the posterior of the scenario's prior sd (worth ``prior_weight``
observations) and the record's revisions of that kind (:func:`revision_sd`).

Where to make a change
----------------------
* Which kind of source is trusted over which: :data:`SOURCE_RANK`.
* The seasonal model's form: :func:`fit_seasonal` and :class:`SeasonalLaw` (``docs/model.md`` says it too).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from .history import STATISTICAL_STATUSES
from .releases import Release

__all__ = [
    "SOURCE_RANK",
    "Revision",
    "SeasonalLaw",
    "SeasonalPoint",
    "SeasonalPrior",
    "expanded",
    "figure",
    "fit_seasonal",
    "full_years",
    "latest_months",
    "published_by",
    "revision_sd",
    "revisions",
    "seasonal_points",
]

SOURCE_RANK = {"statistics_release": 0, "customs_release": 0, "analysis": 1, "ministry_statement": 2, "news_report": 3}
"""Lower is more authoritative: a statistics office's or customs' own release, then an analysis of
published statistics, then a ministry's statement (a forum figure), then a news report naming no release."""


def expanded(releases: Iterable[Release]) -> list[Release]:
    """The record's rows and, for every row comparing with the same months a year before, that comparison as a row of its own.

    The comparison is the year before's figure as the same source published it that day (its
    ``line`` is the row's, its ``source`` says it is a comparison).
    """
    out: list[Release] = []
    for r in releases:
        out.append(r)
        if r.same_months_year_before_usd_bn is not None:
            out.append(
                replace(
                    r,
                    year=r.year - 1,
                    value_usd_bn=r.same_months_year_before_usd_bn,
                    same_months_year_before_usd_bn=None,
                    source=f"{_COMPARISON}{r.source}",
                )
            )
    return out


def published_by(releases: Iterable[Release], as_of: dt.date, statuses: Sequence[str] = STATISTICAL_STATUSES) -> list[Release]:
    """The rows published on or before ``as_of`` with one of ``statuses``, comparisons included (:func:`expanded`)."""
    return [r for r in expanded(releases) if r.published <= as_of and r.status in statuses]


_COMPARISON = "the same months a year before, in: "


def _better(a: Release, b: Release) -> bool:
    """True when ``a`` is in force over ``b``: a more authoritative kind of source; else a published level over a
    comparison derived from a growth rate (rounded, and of another vintage); else published later (else later in the file)."""
    ka, kb = SOURCE_RANK[a.source_kind], SOURCE_RANK[b.source_kind]
    if ka != kb:
        return ka < kb
    ca, cb = a.source.startswith(_COMPARISON), b.source.startswith(_COMPARISON)
    if ca != cb:
        return cb
    return (a.published, a.line) > (b.published, b.line)


def figure(known: Iterable[Release], year: int, months: int, partner: str, flow: str, reporter: str) -> Release | None:
    """The figure in force among ``known`` (rows already filtered by :func:`published_by`) for one key; None if none."""
    best: Release | None = None
    for r in known:
        if (r.year, r.months, r.partner, r.flow, r.reporter) == (year, months, partner, flow, reporter):
            if best is None or _better(r, best):
                best = r
    return best


def full_years(known: Iterable[Release], partner: str, flow: str, reporter: str, until: int | None = None) -> dict[int, Release]:
    """The full-year figure in force of every year (up to ``until``), by year."""
    rows = [r for r in known if r.months == 12 and (r.partner, r.flow, r.reporter) == (partner, flow, reporter)]
    years = sorted({r.year for r in rows if until is None or r.year <= until})
    out: dict[int, Release] = {}
    for year in years:
        found = figure(rows, year, 12, partner, flow, reporter)
        assert found is not None
        out[year] = found
    return out


def latest_months(known: Iterable[Release], year: int, partner: str, flow: str, reporter: str) -> Release | None:
    """The figure in force covering the most months of ``year`` (a partial year, or the full year); None if none."""
    rows = [r for r in known if r.year == year and (r.partner, r.flow, r.reporter) == (partner, flow, reporter)]
    if not rows:
        return None
    return figure(rows, year, max(r.months for r in rows), partner, flow, reporter)


# ---------------------------------------------------------------- the seasonal law


@dataclass(frozen=True)
class SeasonalPoint:
    """One year's January–``months`` share of its full year, from two figures in force."""

    year: int
    months: int
    share: float
    partial: Release
    full: Release

    @property
    def offset(self) -> float:
        """``logit(share) - logit(months / 12)``."""
        return float(special.logit(self.share) - special.logit(self.months / 12.0))


def seasonal_points(known: Sequence[Release], partner: str, flow: str, reporter: str) -> list[SeasonalPoint]:
    """Every (year, months < 12) whose partial and full-year figures are both in force among ``known``.

    A partial figure not below its full year (a revision between them, or different definitions)
    says nothing about the share and is left out.
    """
    fulls = full_years(known, partner, flow, reporter)
    points = []
    for year, full in fulls.items():
        for months in sorted(
            {r.months for r in known if r.year == year and r.months < 12 and (r.partner, r.flow, r.reporter) == (partner, flow, reporter)}
        ):
            partial = figure(known, year, months, partner, flow, reporter)
            assert partial is not None
            share = partial.value_usd_bn / full.value_usd_bn
            if 0.0 < share < 1.0:
                points.append(SeasonalPoint(year, months, share, partial, full))
    return points


@dataclass(frozen=True)
class SeasonalPrior:
    """What is assumed about the seasonal law before the record: the offset ``c0`` worth ``offset_years``
    years, and the spread ``s0`` worth ``spread_years`` degrees of freedom (logit scale)."""

    offset: float = 0.0
    offset_years: float = 1.0
    spread: float = 0.25
    spread_years: float = 4.0


@dataclass(frozen=True)
class SeasonalLaw:
    """The posterior seasonal law of one series: ``logit q(k) = logit(k / 12) + offset + scale t_dof``.

    Attributes
    ----------
    offset : float
        Posterior mean of ``c`` (logit).
    spread : float
        Posterior scale ``s_n`` of the noise (logit).
    dof : float
        Degrees of freedom of the predictive Student-t, ``nu0 + n - 1`` (at least the prior's).
    offset_years : float
        ``kappa0 + n``: the years' worth of information on ``c``.
    years, points : int
        Distinct years and (year, months) points of the record used.
    """

    offset: float
    spread: float
    dof: float
    offset_years: float
    years: int
    points: int

    @property
    def scale(self) -> float:
        """Scale of the predictive Student-t of a new year's logit share, ``s_n sqrt(1 + 1 / (kappa0 + n))``."""
        return self.spread * math.sqrt(1.0 + 1.0 / self.offset_years)

    def logit_share(self, months: int, z: np.ndarray) -> np.ndarray:
        """A new year's logit share of January–``months`` for standard normal draws ``z`` (mapped to the Student-t by their quantile)."""
        t = special.stdtrit(self.dof, special.ndtr(np.asarray(z, dtype=float)))
        return special.logit(months / 12.0) + self.offset + self.scale * t

    def full_year_log_sd(self, months: int) -> float:
        """The sd of ``ln(full year)`` given January–``months``, linearised: ``(1 - q) scale sqrt(dof / (dof - 2))``."""
        if months >= 12:
            return 0.0
        q = float(special.expit(special.logit(months / 12.0) + self.offset))
        t_sd = math.sqrt(self.dof / (self.dof - 2.0)) if self.dof > 2.0 else math.inf
        return (1.0 - q) * self.scale * t_sd

    def interval(self, partial_usd_bn: float, months: int, level: float) -> tuple[float, float]:
        """The central ``level`` predictive interval of the full year implied by ``partial_usd_bn`` over January–``months`` (USD bn)."""
        if months >= 12:
            return partial_usd_bn, partial_usd_bn
        tail = (1.0 - level) / 2.0
        t = special.stdtrit(self.dof, np.array([1.0 - tail, tail]))
        logit_q = special.logit(months / 12.0) + self.offset + self.scale * t
        low, high = partial_usd_bn / special.expit(logit_q)
        return float(low), float(high)

    def to_json(self) -> dict[str, float]:
        """Plain dict of the fields."""
        return {
            "offset": self.offset,
            "spread": self.spread,
            "dof": self.dof,
            "offset_years": self.offset_years,
            "years": self.years,
            "points": self.points,
        }


def fit_seasonal(points: Sequence[SeasonalPoint], prior: SeasonalPrior) -> SeasonalLaw:
    """The posterior seasonal law from a record's points (module docstring), years counted as the units of information.

    With ``n`` distinct years: ``c_n = (kappa0 c0 + n cbar) / (kappa0 + n)``, where ``cbar`` is the mean
    of the years' mean offsets; the degrees of freedom are ``nu0 + n - 1`` and the scale squared is
    ``(nu0 s0^2 + (n - 1) v + kappa0 n / (kappa0 + n) (cbar - c0)^2) / (nu0 + n - 1)``, where ``v`` is the
    sample variance of all points' offsets around ``cbar``.
    """
    by_year: dict[int, list[float]] = {}
    for p in points:
        by_year.setdefault(p.year, []).append(p.offset)
    n = len(by_year)
    k0, c0, nu0, s0 = prior.offset_years, prior.offset, prior.spread_years, prior.spread
    if n == 0:
        return SeasonalLaw(c0, s0, nu0, k0, 0, 0)
    year_means = np.array([np.mean(v) for v in by_year.values()])
    offsets = np.array([p.offset for p in points])
    cbar = float(year_means.mean())
    v = float(np.sum((offsets - cbar) ** 2) / (offsets.size - 1)) if offsets.size > 1 else 0.0
    kn = k0 + n
    dof = nu0 + n - 1
    ss = nu0 * s0 * s0 + (n - 1) * v + k0 * n / kn * (cbar - c0) ** 2
    spread = math.sqrt(ss / dof) if dof > 0 else s0
    return SeasonalLaw((k0 * c0 + n * cbar) / kn, spread, dof, kn, n, len(points))


# ---------------------------------------------------------------- revisions


@dataclass(frozen=True)
class Revision:
    """A figure replaced by a later release of the same key: the first and the latest, as of a day."""

    first: Release
    latest: Release

    @property
    def log_change(self) -> float:
        """``ln(latest / first)``."""
        return math.log(self.latest.value_usd_bn / self.first.value_usd_bn)


def revisions(known: Sequence[Release]) -> list[Revision]:
    """Every key (year, months, partner, flow, reporter) published more than once among ``known``: its first and latest figure.

    Only the record's own rows count (not the same-months comparisons, which restate a figure
    under a later release's definitions and are counted where they differ by their own row).
    """
    rows = [r for r in known if not r.source.startswith(_COMPARISON)]
    by_key: dict[tuple[int, int, str, str, str], list[Release]] = {}
    for r in rows:
        by_key.setdefault((r.year, r.months, r.partner, r.flow, r.reporter), []).append(r)
    out = []
    for group in by_key.values():
        if len(group) > 1:
            ordered = sorted(group, key=lambda r: (r.published, r.line))
            out.append(Revision(ordered[0], ordered[-1]))
    return out


def revision_sd(known: Sequence[Release], kind: str, prior_sd: float, prior_weight: float) -> tuple[float, int]:
    """The revision sd of a preliminary figure from ``kind`` of source, and the record's revisions of that kind it used.

    ``sqrt((w s0^2 + sum r^2) / (w + m))``: the prior ``s0`` worth ``w`` revisions, and the ``m`` log
    revisions ``r`` of first figures of that kind.
    """
    changes = [rev.log_change for rev in revisions(known) if rev.first.source_kind == kind]
    m = len(changes)
    if prior_weight + m == 0:
        return prior_sd, 0
    return math.sqrt((prior_weight * prior_sd**2 + sum(c * c for c in changes)) / (prior_weight + m)), m
