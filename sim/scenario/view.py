"""A view as of a date: the base year, its values and the partly observed first year, taken from the dated
record of releases (``trade.releases``) as it stood on ``trade.as_of``.

Rules (``docs/calibration.md``, "Views as of a date"), all on the figures in force on ``as_of``
(:func:`sim.nowcast.figure`: rows published by then with a statistical status, the most
authoritative kind of source, the latest among those):

* **Base year**: the latest year whose full-year turnover with the partner, by ``trade.reporter``, is
  in force; with the structural law, the latest year whose country total (partner ``world``) is in
  force too. ``base_usd_bn`` and ``total_base_usd_bn`` are those figures.
* **The base split**: exports over turnover (or one less imports over turnover, or exports over
  exports plus imports) of the latest year and months with such a pair of figures, the base year's
  full year first, then its partial years, then earlier years.
* **The first simulated year**: its figure covering the most months (a partial year, or the full
  year when the country's total for it is not out yet), with its seasonal law learnt from the
  record (:func:`sim.nowcast.fit_seasonal`) and the revision sd of its kind of source
  (:func:`sim.nowcast.revision_sd`). Under the structural law, the country's total over the most
  months of that year, with its own seasonal law, conditions the split of a surprise between total
  trade and the share.

A row published after ``as_of`` changes none of these, so a view is the same bit for bit however
the record grows after it (``tests/test_views.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..nowcast import (
    SeasonalLaw,
    SeasonalPrior,
    figure,
    fit_seasonal,
    full_years,
    latest_months,
    published_by,
    revision_sd,
    seasonal_points,
)
from ..releases import Release
from .messages import ScenarioError, one_line
from .observation import Observation, PartialTotal
from .schema import Nowcast, ScenarioFile

__all__ = ["WORLD", "Used", "View", "base_year_as_of", "derive_view", "view_identity"]

WORLD = "world"
"""The ``partner`` code of the country's trade with all partners in a releases file."""


@dataclass(frozen=True)
class Used:
    """One figure a view used: what it is used as, and its row of the record."""

    what: str
    release: Release

    def to_json(self) -> dict[str, Any]:
        """Plain dict: what, the figure's key and value, when and by what kind of source it was published, its line."""
        r = self.release
        return {
            "what": self.what,
            "year": r.year,
            "months": r.months,
            "partner": r.partner,
            "flow": r.flow,
            "reporter": r.reporter,
            "value_usd_bn": r.value_usd_bn,
            "published": r.published.isoformat(),
            "source_kind": r.source_kind,
            "line": r.line,
        }


@dataclass(frozen=True)
class View:
    """What a view as of ``as_of`` took from the record ``releases``: the figures it used and the laws it learnt."""

    as_of: dt.date
    releases: str
    used: tuple[Used, ...]
    seasonal: SeasonalLaw
    total_seasonal: SeasonalLaw | None
    revisions_used: int
    rows_known: int = field(default=0)

    def to_json(self) -> dict[str, Any]:
        """Plain dict for ``summary.json``."""
        return {
            "as_of": self.as_of.isoformat(),
            "releases": self.releases,
            "rows_known": self.rows_known,
            "used": [u.to_json() for u in self.used],
            "seasonal": self.seasonal.to_json(),
            "total_seasonal": self.total_seasonal.to_json() if self.total_seasonal is not None else None,
            "revisions_used": self.revisions_used,
        }

    def lines(self) -> list[str]:
        """One line per figure used, for the terminal and the report."""
        out = [f"as of {self.as_of.isoformat()} ({self.rows_known} rows of {self.releases} published by then):"]
        for u in self.used:
            r = u.release
            months = "full year" if r.months == 12 else f"January-{_MONTHS[r.months]}"
            out.append(
                f"  {u.what}: {r.value_usd_bn:g} USD bn, {months} {r.year}, published {r.published.isoformat()} ({r.source_kind}, line {r.line})"
            )
        return out


_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def _prior(n: Nowcast) -> SeasonalPrior:
    return SeasonalPrior(n.prior_offset, n.prior_offset_years, n.prior_spread, n.prior_spread_years)


def _split(known: list[Release], base_year: int, partner: str, reporter: str) -> tuple[float, list[Used]]:
    """The exports share of the latest split in force (module docstring), and the figures it came from."""
    years = sorted({r.year for r in known if r.partner == partner and r.reporter == reporter and r.year <= base_year}, reverse=True)
    for year in years:
        for months in range(12, 0, -1):
            exports, imports, turnover = (
                figure(known, year, months, partner, flow, reporter) for flow in ("exports", "imports", "turnover")
            )
            if exports is not None and turnover is not None and exports.value_usd_bn < turnover.value_usd_bn:
                return exports.value_usd_bn / turnover.value_usd_bn, [
                    Used("the split: exports", exports),
                    Used("the split: turnover", turnover),
                ]
            if imports is not None and turnover is not None and imports.value_usd_bn < turnover.value_usd_bn:
                return 1.0 - imports.value_usd_bn / turnover.value_usd_bn, [
                    Used("the split: imports", imports),
                    Used("the split: turnover", turnover),
                ]
            if exports is not None and imports is not None:
                share = exports.value_usd_bn / (exports.value_usd_bn + imports.value_usd_bn)
                return share, [Used("the split: exports", exports), Used("the split: imports", imports)]
    raise ValueError("no split")  # a signal to view_at, which makes it a ScenarioError naming trade.as_of


def view_identity(view: View, observation: Observation | None) -> str:
    """What a view took from the record, as text for the scenario's identity (``sha256``).

    Each figure counts by its content (key, value, day, kind and source), not by its line: a row
    published after ``as_of`` and filed before the rows used (the record is sorted by year, not by
    day) moves their lines but changes nothing the view took.
    """
    used = tuple(Used(u.what, replace(u.release, line=0)) for u in view.used)
    unlined = replace(observation, source=view.releases) if observation is not None else None
    return repr((replace(view, used=used), unlined))


def _base_year(pair: dict[int, Release], world: dict[int, Release], structural: bool) -> int | None:
    """The latest year of ``pair`` (and, under the structural law, of ``world`` too); None if there is none."""
    years = [y for y in pair if not structural or y in world]
    return max(years) if years else None


def base_year_as_of(known: list[Release], partner: str, reporter: str, structural: bool) -> int | None:
    """The base year of a view whose rows in force are ``known`` (module docstring); None if the record holds none yet."""
    pair = full_years(known, partner, "turnover", reporter)
    return _base_year(pair, full_years(known, WORLD, "turnover", reporter) if structural else {}, structural)


def derive_view(s: ScenarioFile, source: str, record: list[Release]) -> tuple[dict[str, Any], View, Observation | None]:
    """The keys a scenario with ``trade.releases`` takes from the record, its :class:`View` and its observation (or None).

    Raises
    ------
    ScenarioError
        The record (``record``, every row of ``trade.releases``) holds no base year (or no split) published by ``trade.as_of``.
    """
    t = s.trade
    assert t.releases is not None and t.as_of is not None and t.partner is not None and t.base_year is None
    known = published_by(record, t.as_of)
    partner, reporter, structural = t.partner, t.reporter, t.structural is not None
    name = Path(t.releases).name
    pair = full_years(known, partner, "turnover", reporter)
    world = full_years(known, WORLD, "turnover", reporter) if structural else {}
    base_year = _base_year(pair, world, structural)
    if base_year is None:
        what = f"turnover with {partner} by {reporter}" + (" and of the country's total (partner 'world')" if structural else "")
        raise ScenarioError(
            source, [("trade.as_of", f"{t.as_of.isoformat()}: no full year of {what} was published by then in {one_line(name)}")]
        )
    used = [Used(f"base year {base_year}, turnover", pair[base_year])]
    derived: dict[str, Any] = {"base_year": base_year, "base_usd_bn": pair[base_year].value_usd_bn}
    if structural:
        used.append(Used(f"base year {base_year}, the country's total", world[base_year]))
        derived["structural"] = {"total_base_usd_bn": world[base_year].value_usd_bn}
    try:
        share, split_used = _split(known, base_year, partner, reporter)
    except ValueError:
        raise ScenarioError(
            source,
            [
                (
                    "trade.as_of",
                    f"{t.as_of.isoformat()}: no split of trade with {partner} into exports and imports was published by then in {one_line(name)}",
                )
            ],
        ) from None
    used.extend(split_used)
    derived["base_exports_usd_bn"] = pair[base_year].value_usd_bn * share

    nowcast = t.nowcast if t.nowcast is not None else Nowcast()
    seasonal = fit_seasonal(seasonal_points(known, partner, "turnover", reporter), _prior(nowcast))
    total_seasonal = fit_seasonal(seasonal_points(known, WORLD, "turnover", reporter), _prior(nowcast)) if structural else None
    first = base_year + 1
    observation = None
    revisions_used = 0
    row = latest_months(known, first, partner, "turnover", reporter)
    if row is not None:
        used.append(Used(f"first year {first}, turnover", row))
        same = figure(known, base_year, row.months, partner, "turnover", reporter)
        if same is not None:
            used.append(Used(f"the same months of {base_year}", same))
        sd, revisions_used = revision_sd(
            known, row.source_kind, nowcast.revision_sd.get(row.source_kind, 0.0), nowcast.revision_prior_weight
        )
        total = None
        if structural:
            total_row = latest_months(known, first, WORLD, "turnover", reporter)
            if total_row is not None:
                used.append(Used(f"first year {first}, the country's total", total_row))
                assert total_seasonal is not None
                total = PartialTotal(total_row.months, total_row.value_usd_bn, total_seasonal)
        observation = Observation(
            year=first,
            months=row.months,
            value_usd_bn=row.value_usd_bn,
            yoy_growth=row.value_usd_bn / same.value_usd_bn - 1.0 if same is not None else math.nan,
            source=f"{name}, line {row.line}",
            revision_sd=sd,
            seasonal=seasonal,
            total=total,
            source_kind=row.source_kind,
        )
    view = View(
        t.as_of, name, tuple(used), seasonal, total_seasonal, revisions_used, rows_known=len({r.line for r in known})
    )  # file rows: a row stating its year-before figure counts once
    return {"trade": derived}, view, observation
