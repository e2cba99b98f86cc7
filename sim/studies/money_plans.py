"""New money as scenario variants: what a plan of additional finance changes on a path, run on common random numbers.

A :class:`MoneyPlan` says where additional finance goes:

* to a **lender** (``lenders``: USD bn by lender index): its yearly capacity is
  raised by the amount spread evenly over the years it is lent in
  (:func:`money_years`), added after the drawn capacity's trend and shocks (the
  minister's money does not shrink in a trade shock). Evenly, not at once:
  lenders' unused capacity lapses (after one year for the investors, three for
  the policy banks), so a lump sum in the first year would mostly lapse unused;
  and money after the year studied cannot help P(target by that year);
* to a **sector's backlog** (``backlogs``: USD bn by sector index): a dedicated
  facility, committed at the first year it lends in, that finances that sector's
  backlog projects as they ask for finance, in the order they ask, each one it can
  still pay for in full (first fit), up to the end of the year studied; the others
  stay with their own lenders;
* to a **named project** awaiting finance (``projects``: indices): financed
  outright by the facility, on its request or at the first year the money lends
  in, whichever is later.

The facility is one more lender, :data:`FACILITY`, appended to the scenario's
financiers with no capacity of its own (its draws are keyed by its name, so the
other lenders' draws and the generic projects' lenders are unchanged: the
variant with an empty plan is the baseline to the bit,
``tests/test_new_money.py``). Each path's draws are then changed as the plan
says (:func:`apply_plan`) and simulated on the baseline's organic trade, as
:func:`sim.engine.simulate_counterfactuals` does for scenario variants.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..engine import PathInputs, assemble_with_organic, draw_paths, reached_by, simulate_path
from ..engine.chunk import ASSEMBLY_PATHS, one_assembly
from ..scenario import Scenario, ScenarioError

__all__ = ["FACILITY", "MoneyPlan", "apply_plan", "facility_scenario", "money_chunk", "money_years"]

FACILITY = "new_money_facility"
"""Name of the lender that holds the new money given to sectors' backlogs and named projects."""


@dataclass(frozen=True)
class MoneyPlan:
    """Where additional finance goes, and the priority list it is combined with.

    Attributes
    ----------
    lenders : tuple of (int, float)
        Lender index and USD bn added to its capacity, spread over :func:`money_years`; sorted by index.
    backlogs : tuple of (int, float)
        Sector index and USD bn of a facility financing its backlog requests; sorted by index.
    projects : tuple of int
        Indices of named projects awaiting finance, financed outright; sorted.
    priority : tuple of str
        Entries appended to ``portfolio.priority`` (a reordering, :mod:`sim.studies.prioritise`).
    """

    lenders: tuple[tuple[int, float], ...] = ()
    backlogs: tuple[tuple[int, float], ...] = ()
    projects: tuple[int, ...] = ()
    priority: tuple[str, ...] = ()

    def plus(self, kind: str, index: int, amount: float) -> MoneyPlan:
        """This plan with ``amount`` more to a lender or a backlog, or with a named project financed (``kind`` ``"project"``)."""
        if kind == "project":
            return dataclasses.replace(self, projects=tuple(sorted({*self.projects, index})))
        field = "lenders" if kind == "lender" else "backlogs"
        held = dict(getattr(self, field))
        held[index] = round(held.get(index, 0.0) + amount, 12)  # rounded: the same plan reached in two orders is one key
        return dataclasses.replace(self, **{field: tuple(sorted(held.items()))})

    @property
    def money(self) -> bool:
        """Whether the plan adds any finance."""
        return bool(self.lenders or self.backlogs or self.projects)


def money_years(scenario: Scenario, year: int) -> range:
    """Indices of the simulated years whose refills the new money is added at: from the first year after the view's date to ``year``.

    Money decided on the view's date (``trade.as_of``) cannot be lent in the
    months before it: with a view dated in the first simulated year, the money
    starts with the next year's refill; without a date, with the first year.
    The last year is ``year`` itself if the view's date falls in it.
    """
    k = scenario.years.index(year)
    as_of = scenario.trade.as_of
    first = 1 if as_of is not None and as_of.year >= scenario.years[0] else 0
    return range(min(first, k), k + 1)


def facility_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` with the :data:`FACILITY` lender appended (no capacity of its own, no lapse, no fallback)."""
    assert scenario.portfolio is not None
    if FACILITY in scenario.portfolio.financiers:
        raise ScenarioError(
            scenario.source, [(f"portfolio.financiers.{FACILITY}", "is the name the new-money study gives its facility; rename it")]
        )
    raw = scenario.to_json()
    raw["portfolio"]["financiers"][FACILITY] = {"capacity_usd_bn_per_year": 0.0, "description": "new money (coopsim new-money)"}
    return scenario.replace({"portfolio": raw["portfolio"]})


def with_priority(scenario: Scenario, priority: Sequence[str]) -> Scenario:
    """``scenario`` with ``priority`` appended to ``portfolio.priority``."""
    assert scenario.portfolio is not None
    if not priority:
        return scenario
    return scenario.replace({"portfolio.priority": [*scenario.portfolio.priority, *priority]})


def apply_plan(plan: MoneyPlan, x: PathInputs, years: range) -> PathInputs:
    """A path's draws (of the scenario with the facility, the facility last) changed as ``plan`` says.

    Parameters
    ----------
    plan : MoneyPlan
    x : PathInputs
    years : range
        :func:`money_years`: lender money is spread evenly over them; the
        facility's money is all there at the first; backlog projects asking
        from the first to the end of the last are the facility's to finance.
    """
    if not plan.money:
        return x
    capacity = x.capacity_usd_bn.copy()
    facility = capacity.shape[0] - 1
    for k, amount in plan.lenders:
        capacity[k, years.start : years.stop] += amount / len(years)
    committed = 0.0
    g, f = x.generic, x.flagships
    generic, flagships = g, f
    if plan.backlogs:
        financier = g.financier.copy()
        for sector, amount in plan.backlogs:
            asks = np.flatnonzero(
                g.backlog & ~g.cancelled & (g.sector == sector) & (g.request_time >= years.start) & (g.request_time < years.stop)
            )
            spent = 0.0
            for i in asks[np.argsort(g.request_time[asks], kind="stable")].tolist():
                if spent + g.capex_usd_bn[i] <= amount + 1e-12:  # first fit: each project it can still pay for in full
                    spent += float(g.capex_usd_bn[i])
                    financier[i] = facility
            committed += amount
        generic = dataclasses.replace(g, financier=financier)
    if plan.projects:
        financier = f.financier.copy()
        for j in plan.projects:
            financier[j] = facility
            committed += float(f.capex_usd_bn[j])
        flagships = dataclasses.replace(f, financier=financier)
    capacity[facility, years.start] += committed
    return dataclasses.replace(x, capacity_usd_bn=capacity, generic=generic, flagships=flagships)


def money_chunk(
    baseline: Scenario, variants: Sequence[tuple[Scenario, MoneyPlan]], year: int, seed: int, offset: int, start: int, stop: int
) -> np.ndarray:
    """Whether the target is reached by ``year`` on paths ``offset + start`` to ``offset + stop - 1``: baseline first, then each variant.

    Each variant is a scenario (the baseline with the facility and a priority
    list) and the plan applied to its draws; every path keeps the organic trade
    it has in the baseline. Runs on a worker (:func:`sim.run.stream_chunks` appends ``start, stop``).

    Returns
    -------
    ndarray of bool, shape ``(1 + len(variants), stop - start)``
    """
    k = baseline.years.index(year)
    years = money_years(baseline, year)
    target, flow = baseline.trade.target_usd_bn, baseline.trade.target_flow
    reached = np.zeros((len(variants) + 1, stop - start), dtype=bool)
    for a in range(offset + start, offset + stop, ASSEMBLY_PATHS):
        batch = range(a, min(a + ASSEMBLY_PATHS, offset + stop))
        rows = slice(a - offset - start, a - offset - start + len(batch))
        inputs = draw_paths(baseline, seed, batch)
        trade, organic = assemble_with_organic(baseline, inputs, [simulate_path(baseline, x) for x in inputs])
        reached[0, rows] = reached_by(trade.flow(flow), target)[:, k]
        draws: dict[
            int, list[PathInputs]
        ] = {}  # variants of one scenario draw the same inputs: drawn once (apply_plan copies what it changes)
        for i, (scenario, plan) in enumerate(variants, start=1):
            if id(scenario) not in draws:
                draws[id(scenario)] = draw_paths(scenario, seed, batch)
            drawn = [apply_plan(plan, x, years) for x in draws[id(scenario)]]
            own, _ = assemble_with_organic(scenario, drawn, [simulate_path(scenario, x) for x in drawn], organic)
            reached[i, rows] = reached_by(own.flow(flow), target)[:, k]
    return reached


def check_assembly(scenario: Scenario) -> None:
    """A ScenarioError if the scenario's organic laws cannot be assembled together (the study runs paths in batches of one law mixture)."""
    if scenario.laws and not one_assembly(scenario):
        raise ScenarioError(
            scenario.source,
            [("trade.laws", "the new-money study needs laws that differ only in drawn inputs (structural laws of one persistence)")],
        )
