"""A scenario as seen on another day: the view as of ``as_of`` with its organic laws refitted on what was published by then.

A scenario with ``trade.releases`` is a view as of its own ``trade.as_of``: its base year, split and
partly observed first year come from the record (:mod:`sim.scenario.view`), its laws are the numbers in
its file. :func:`view_at` moves the view to another day and refits what the record can refit:

* **The organic law** on the full years in force on ``as_of`` up to the view's base year: under the
  structural law, the growth law of the country's total trade (:func:`sim.calibration.fit_growth`)
  and the law of the partner's share of it (:func:`sim.calibration.fit_share_law`); under the random
  walk, the growth law of the pair's turnover. The share's long run keeps the file's offset from its
  own fit (the part of the share the modelled flows take, ``docs/calibration.md``): the file's
  ``long_run`` median, on the logit scale, less the fit at the file's ``as_of``, added to the new fit.
* **Named projects** are restated at the view's start: one the file has operating but that completes
  after the start was still building then; one building whose completion law starts before the start
  has its law cut there (a PERT, triangular or uniform law's ``min``, and ``mode``, raised to the start;
  a fixed completion before the start makes it operating).

The exports-share law, the portfolio's numbers and every other assumption stay as in the file: the
record cannot refit them (``docs/calibration.md`` says why). So does a candidate law of kind
``by_direction``: the record of releases holds no split of the country's trade by direction nor gold
(its data, the shipped direction file, start 2017 with gaps), so its tables stay the file's;
its base-year shares follow the view's base split and total trade (:mod:`sim.engine.directions`).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from ..history import HistoryError
from ..nowcast import full_years, published_by
from ..releases import load_releases
from ..scenario import Scenario, ScenarioError, ShareLaw
from ..scenario.view import WORLD, base_year_as_of
from .growth import fit_growth
from .shares import fit_share_law
from .walks import WalkFit, fit_share_walk

__all__ = ["LawFit", "fitted_laws", "view_at"]

_Z90 = 1.2815515655446004


@dataclass(frozen=True)
class LawFit:
    """The organic law's tables fitted on the record as of ``as_of``: the changes for :meth:`Scenario.replace` and the years used."""

    as_of: dt.date
    changes: dict[str, Any]
    years: tuple[int, ...]
    share_logit: float | None
    walks: dict[str, WalkFit] = field(default_factory=dict)

    def describe(self) -> str:
        """One line: which law, on which years."""
        years = ", ".join(str(y) for y in self.years)
        return f"organic law refitted on the full years in force on {self.as_of.isoformat()}: {years}"


def _record(s: Scenario) -> list[Any]:
    path = s._relative(s.trade.releases)
    assert path is not None
    try:
        return load_releases(path)
    except HistoryError as exc:  # the scenario loaded it already; a file changed since is still an input error
        raise ScenarioError(s.source, [("trade.releases", str(exc))]) from None


def fitted_laws(s: Scenario, as_of: dt.date, base_year: int) -> LawFit:
    """The organic law of ``s`` fitted on the full years in force on ``as_of``, up to ``base_year``.

    A fit is a function of the figures it is fitted on: the same figures, day and laws give the same
    fit, computed once in a process (a track record refits the file's own view for every day it looks at).

    Raises
    ------
    ScenarioError
        Too few full years for a fit (naming ``trade.as_of``).
    """
    t = s.trade
    assert t.releases is not None and t.partner is not None
    known = published_by(_record(s), as_of)
    pair = {y: r.value_usd_bn for y, r in full_years(known, t.partner, "turnover", t.reporter, until=base_year).items()}
    world = None
    if t.structural is not None:
        world = tuple((y, r.value_usd_bn) for y, r in full_years(known, WORLD, "turnover", t.reporter, until=base_year).items())
    laws = tuple((name, law.kind, law.total_growth is not None, law.share is not None) for name, law in (t.laws or {}).items())
    return copy.deepcopy(_fit(s.source, str(t.releases), as_of, tuple(pair.items()), world, laws))


@functools.lru_cache(maxsize=64)
def _fit(
    source: str,
    releases: str,
    as_of: dt.date,
    pair_items: tuple[tuple[int, float], ...],
    world_items: tuple[tuple[int, float], ...] | None,
    laws: tuple[tuple[str, str, bool, bool], ...],
) -> LawFit:
    """:func:`fitted_laws` on its figures: the pair's and (structural law) the country's full years, USD bn; each
    candidate law as ``(name, kind, has total_growth, has share)``. Cached: callers get a copy."""
    pair = dict(pair_items)
    label = f"{releases} as of {as_of}"
    try:
        if world_items is None:
            years = tuple(sorted(pair))
            fit = fit_growth(list(years), [pair[y] for y in years], source=label)
            return LawFit(as_of, {"trade.growth": fit.growth_law()}, years, None)
        world = dict(world_items)
        total_years = sorted(world)
        share_years = [y for y in total_years if y in pair]
        total = fit_growth(total_years, [world[y] for y in total_years], source=label)
        share = fit_share_law(share_years, [pair[y] / world[y] for y in share_years], source=label)
    except ValueError as exc:
        raise ScenarioError(
            source, [("trade.as_of", f"{as_of.isoformat()}: too few full years in the record to refit the organic law ({exc})")]
        ) from None
    changes: dict[str, Any] = {"trade.structural.total_growth": total.growth_law(), "trade.structural.share": share.law()}
    walks: dict[str, WalkFit] = {}
    for name, kind, has_total_growth, has_share in laws:
        # each candidate law refitted its own way on the same years (its own tables only; the others are the structural ones)
        if kind == "by_direction":
            continue  # kept as the file gives it: the record of releases holds no directions (its base moves with the view)
        if has_total_growth:
            changes[f"trade.laws.{name}.total_growth"] = total.growth_law()
        if kind == "reverting":
            if has_share:
                changes[f"trade.laws.{name}.share"] = share.law()
            continue
        shares = [pair[y] / world[y] for y in share_years]
        walks[name] = fit_share_walk(share_years, shares, kind, source=label)  # type: ignore[arg-type]
        changes[f"trade.laws.{name}.share"] = walks[name].law()
    return LawFit(as_of, changes, tuple(sorted(set(total_years) | set(share_years))), share.zbar, walks)


def _walk_allowance(table: dict[str, Any], fit: WalkFit, own: WalkFit, given: ShareLaw, raw_drift: Any) -> dict[str, Any]:
    """A walk's refitted share law with the file's allowance for the modelled flows kept.

    A local level keeps the file's drift (not fitted: the allowance itself); a trend's drift is the new
    fit's, moved by the file's offset from its own fit (the mean of its drift less the fit at the file's
    ``as_of``), its standard error the new fit's.
    """
    out = dict(table)
    if fit.kind == "local_level":
        if given.drift is not None:
            out["drift"] = raw_drift
        return out
    assert given.drift is not None
    offset = float(given.drift.ppf(np.array([0.5]))[0]) - own.drift
    out["drift"] = {**table["drift"], "mean": float(table["drift"]["mean"]) + offset}
    return out


def _long_run(fit: LawFit, own: LawFit, s: Scenario, given: ShareLaw | None = None) -> dict[str, Any]:
    """The new fit's long run moved by the file's offset from its own fit (logit scale), its spread kept."""
    assert s.trade.structural is not None and fit.share_logit is not None and own.share_logit is not None
    law = given if given is not None else s.trade.structural.share
    median = float(law.long_run.ppf(np.array([0.5]))[0])
    offset = float(special.logit(median)) - own.share_logit
    law = copy.deepcopy(fit.changes["trade.structural.share"]["long_run"])
    if isinstance(law, dict):
        spread = float(special.logit(law["p90"])) - float(special.logit(law["median"]))
        centre = fit.share_logit + offset
        return {"dist": "logitnormal", "median": float(special.expit(centre)), "p90": float(special.expit(centre + spread))}
    return float(special.expit(fit.share_logit + offset))


def _restated(projects: list[dict[str, Any]], start: int) -> list[dict[str, Any]]:
    """Named projects restated at a view's start year (module docstring)."""
    out = []
    for p in copy.deepcopy(projects):
        completion = p.get("completion_year")
        stage = p.get("stage")
        if stage in ("operating", "construction") and completion is not None:
            low, high = _support(completion)
            if stage == "operating" and high > start:
                p["stage"] = "construction"
                stage = "construction"
            if stage == "construction" and low < start:
                if high <= start:
                    p["stage"] = "operating"
                elif isinstance(completion, dict):
                    completion["min"] = float(start)
                    if "mode" in completion:
                        completion["mode"] = max(float(completion["mode"]), float(start))
        out.append(p)
    return out


def _support(value: Any) -> tuple[float, float]:
    if isinstance(value, dict):
        return float(value.get("min", -math.inf)), float(value.get("max", math.inf))
    return float(value), float(value)


def view_at(s: Scenario, as_of: dt.date) -> tuple[Scenario, LawFit]:
    """``s`` as seen on ``as_of``: the record's figures in force then, the organic law refitted on them, projects restated.

    Parameters
    ----------
    s : Scenario
        A scenario with ``trade.releases`` (a view as of its own ``trade.as_of``).
    as_of : datetime.date

    Returns
    -------
    (Scenario, LawFit)
        The view, and what its law was fitted on.

    Raises
    ------
    ScenarioError
        ``s`` has no record, or the record as of ``as_of`` holds too little for a view or a fit.
    """
    t = s.trade
    if t.releases is None or t.as_of is None or t.partner is None:
        raise ScenarioError(s.source, [("trade.releases", "--as-of needs a scenario with a dated record (trade.releases and trade.as_of)")])
    base_year = base_year_as_of(published_by(_record(s), as_of), t.partner, t.reporter, t.structural is not None)
    if base_year is None:
        s.replace({"trade.as_of": as_of})  # refused: the view says what the record lacks, naming it
        raise AssertionError(f"a view as of {as_of} without a base year was accepted")
    fit = fitted_laws(s, as_of, base_year)
    changes: dict[str, Any] = {"trade.as_of": as_of, **fit.changes}
    if t.structural is not None:
        own = fitted_laws(s, t.as_of, s.trade.base_year)  # type: ignore[arg-type]
        changes["trade.structural.share"] = {**fit.changes["trade.structural.share"], "long_run": _long_run(fit, own, s)}
        for name, law in (t.laws or {}).items():
            key = f"trade.laws.{name}.share"
            if law.kind == "reverting" and law.share is not None:
                changes[key] = {**fit.changes[key], "long_run": _long_run(fit, own, s, law.share)}
            elif law.kind in ("local_level", "trend"):
                given = law.share or t.structural.share
                raw_trade = s.to_json()["trade"]
                raw_share = raw_trade["laws"][name].get("share") or raw_trade["structural"]["share"]
                changes[key] = _walk_allowance(fit.changes[key], fit.walks[name], own.walks[name], given, raw_share.get("drift"))
    raw = s.to_json()
    if raw.get("pipeline", {}).get("projects"):
        changes["pipeline.projects"] = _restated(raw["pipeline"]["projects"], base_year + 1)
    return s.replace(changes), fit
