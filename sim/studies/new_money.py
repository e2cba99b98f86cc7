"""Where new money adds most: B USD bn of additional finance, and the use that raises P(target reached by year Y) most.

The question a minister asks is not the order of a queue whose capacity is
fixed (:mod:`sim.studies.prioritise`: 92% of requests are funded anyway) but
where additional finance would add most. The uses (:func:`money_options`):

* **a lender** (``lender``): its yearly capacity raised, the money spread
  evenly over the years from the view's date to Y (:func:`~sim.studies.money_plans.money_years`;
  capacity lapses, so a lump sum would mostly lapse unused);
* **a sector's backlog** (``backlog``): a dedicated facility financing that
  sector's backlog requests as they ask, in order, up to its amount;
* **a named project** awaiting finance (``project``): financed outright, at its capex;
* **reordering** (``reorder``, at no cost): the priority list of
  :func:`sim.studies.prioritise.prioritise` within B of capex. Every new-money
  plan is built on top of it, so new money is never worth less than
  reordering alone on the search paths (``plan_vs_reorder`` says by how much on fresh ones).

**Search.** Greedy in tranches: each step gives the next ``tranche`` USD bn
(or a named project's capex) to the use with the largest gain in P per USD bn
on the search paths (paths ``0`` to ``N - 1``, common random numbers, each
path keeping its baseline organic trade), while a gain is positive and money
is left. Uses whose first tranche gains nothing are not tried again, and after
the first step only the :data:`FOLLOWED` best are (a lender whose queue never
binds stays worth nothing with more). The plan's gain is then re-estimated on
fresh paths (``N`` to ``2N - 1``) with Newcombe's paired interval.

**Shadow prices.** The marginal value of a USD bn of each lender's capacity:
the paired difference in P with ``delta`` USD bn more (spread as above), divided
by ``delta``, on the fresh paths, with its interval likewise divided.

**Stability.** The search is rerun on ``2N`` paths and on ``N`` paths of a
second seed (``seed + 1``); the study says whether the same first use and the
same plan win.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..results import to_json_ready
from ..run import (
    ProgressBar,
    chunk_ranges,
    counterfactual_study_manifest,
    open_executor,
    paths_seed_workers,
    stream_chunks,
)
from ..scenario import Scenario, ScenarioError
from .attribute import check_year
from .compare import _Paired
from .money_plans import MoneyPlan, check_assembly, facility_scenario, money_chunk, money_years, with_priority
from .prioritise import prioritise
from .stability import rerun_rows, reruns

__all__ = ["NewMoney", "Option", "money_options", "new_money", "verdict"]

KINDS = ("lender", "backlog", "project")
"""Uses of new money."""
FOLLOWED = 6
"""Uses tried again after the first step: the best by gain per USD bn (the first step tries all)."""
VARIANTS_PER_PASS = 24
"""Plans evaluated together on each chunk of paths (bounds a worker's memory)."""


@dataclass(frozen=True)
class Option:
    """One use of new money: ``name`` (a lender, ``backlog.SECTOR`` or a named project), ``kind`` (:data:`KINDS`), its index, its cost per step (USD bn)."""

    name: str
    kind: str
    index: int
    cost_usd_bn: float


def money_options(scenario: Scenario, tranche: float) -> list[Option]:
    """Every use: each lender, each sector's backlog (sectors with generic projects, when there is a backlog), each named project awaiting finance."""
    portfolio, p = scenario.portfolio, scenario.pipeline
    if portfolio is None:
        return []
    out = [Option(name, "lender", k, tranche) for k, name in enumerate(portfolio.financiers)]
    if p is not None and portfolio.backlog is not None and portfolio.backlog.capex_usd_bn > 0:
        out += [Option(f"backlog.{name}", "backlog", k, tranche) for k, name in enumerate(p.sectors) if p.sector_mix.get(name, 0.0) > 0]
    for j, q in enumerate(p.projects if p is not None else []):
        if q.stage == "awaiting_finance":
            capex = q.capex_usd_bn
            out.append(Option(q.name, "project", j, float(getattr(capex, "value", None) or capex.mean())))
    return out


def verdict(low: float, high: float) -> str:
    """In words: whether a difference with 95% interval ``[low, high]`` can be told from zero."""
    if low > 0:
        return "a gain"
    if high < 0:
        return "a loss"
    return "cannot be told from zero"


def describe(plan: MoneyPlan, options: Sequence[Option]) -> str:
    """A plan in words, e.g. ``partner_investment 3, backlog.energy 1, energy_solar 2`` (USD bn); ``nothing`` if none."""
    by = {(o.kind, o.index): o for o in options}
    parts = [f"{by['lender', k].name} {amount:g}" for k, amount in plan.lenders]
    parts += [f"{by['backlog', k].name} {amount:g}" for k, amount in plan.backlogs]
    parts += [f"{by['project', j].name} {by['project', j].cost_usd_bn:g}" for j in plan.projects]
    return ", ".join(parts) or "nothing"


class _Search:
    """P(target by the year) of plans on ``paths`` paths from ``offset``, each plan evaluated once."""

    def __init__(self, executor: Any, slots: int, scenario: Scenario, year: int, seed: int, paths: int, bar: ProgressBar):
        self.executor, self.slots, self.scenario, self.year, self.seed, self.paths, self.bar = (
            executor,
            slots,
            scenario,
            year,
            seed,
            paths,
            bar,
        )
        self.facility = facility_scenario(scenario)
        self.cache: dict[MoneyPlan, float] = {}
        self.ordered: dict[tuple[str, ...], Scenario] = {}  # one scenario object per priority list: its draws are made once per batch
        self.baseline = math.nan

    def run(self, plans: Sequence[MoneyPlan], offset: int, on_chunk: Any) -> None:
        for plan in plans:
            if plan.priority not in self.ordered:
                self.ordered[plan.priority] = with_priority(self.facility, plan.priority)
        variants = [(self.ordered[plan.priority], plan) for plan in plans]
        args = (self.scenario, variants, self.year, self.seed, offset)
        stream_chunks(self.executor, self.slots, money_chunk, args, chunk_ranges(self.paths), on_chunk)

    def p(self, plans: Sequence[MoneyPlan]) -> list[float]:
        todo = [plan for plan in dict.fromkeys(plans) if plan not in self.cache]
        for first in range(0, len(todo), VARIANTS_PER_PASS):
            group = todo[first : first + VARIANTS_PER_PASS]
            counts = np.zeros(len(group) + 1, dtype=np.int64)

            def add(start: int, stop: int, reached: np.ndarray, counts: np.ndarray = counts) -> bool:
                counts[:] += reached.sum(axis=1)
                self.bar.update(stop - start)
                return False

            self.run(group, 0, add)
            self.baseline = counts[0] / self.paths
            self.cache.update({plan: counts[i] / self.paths for i, plan in enumerate(group, start=1)})
        return [self.cache[plan] for plan in plans]


def _greedy(
    search: _Search, options: Sequence[Option], start: MoneyPlan, budget: float
) -> tuple[list[tuple[Option, float]], dict[int, float]]:
    """The steps of the greedy allocation (each use and P after it, search paths), and P of each use's first step (by option index; uses within the budget)."""
    plan, left = start, budget
    (p_now,) = search.p([plan])
    steps: list[tuple[Option, float]] = []
    alone: dict[int, float] = {}
    active = list(range(len(options)))
    while True:
        fits = [
            i
            for i in active
            if options[i].cost_usd_bn <= left + 1e-9 and not (options[i].kind == "project" and options[i].index in plan.projects)
        ]
        if not fits:
            break
        ps = search.p([plan.plus(options[i].kind, options[i].index, options[i].cost_usd_bn) for i in fits])
        ratios = [(p - p_now) / options[i].cost_usd_bn for i, p in zip(fits, ps, strict=True)]
        if not steps:
            alone = dict(zip(fits, ps, strict=True))
            ranked = sorted((i for i, r in zip(fits, ratios, strict=True) if r > 0), key=lambda i: -ratios[fits.index(i)])
            active = ranked[:FOLLOWED]
        best = int(np.argmax(ratios))  # the first of equal ratios: options' order breaks ties
        if ratios[best] <= 0:
            break
        o = options[fits[best]]
        plan, p_now, left = plan.plus(o.kind, o.index, o.cost_usd_bn), ps[best], left - o.cost_usd_bn
        steps.append((o, p_now))
    return steps, alone


def _plan_of(steps: Sequence[tuple[Option, float]], start: MoneyPlan) -> MoneyPlan:
    plan = start
    for o, _ in steps:
        plan = plan.plus(o.kind, o.index, o.cost_usd_bn)
    return plan


@dataclass(frozen=True, eq=False)
class NewMoney:
    """Where ``budget_usd_bn`` of new money adds most to P(target reached by ``year``).

    Attributes
    ----------
    scenario : str
    year : int
    budget_usd_bn, tranche_usd_bn, delta_usd_bn : float
        The money, the step of the greedy allocation, and the step of the shadow prices.
    money_years : list of int
        The years whose refills lender money is spread over.
    paths, seed : int
        Search paths (0 to ``paths - 1``), fresh paths (``paths`` to ``2 paths - 1``) and the root seed.
    target_usd_bn : float
    reorder : list of str
        The priority list of reordering alone (empty if none gains, or none asked for).
    options : pandas.DataFrame
        Each use's first step on top of the reordering, search paths: ``option``, ``kind``, ``cost_usd_bn``,
        ``p_search``, ``gain_search``, ``gain_per_usd_bn``.
    plan : pandas.DataFrame
        The greedy steps in order: ``step``, ``option``, ``kind``, ``cost_usd_bn``, ``p_search`` (P after it).
    comparisons : pandas.DataFrame
        Fresh paths: ``comparison`` (``reorder``, ``plan``: reordering and new money, ``plan_vs_reorder``), ``p``
        (the plan's P), ``p_against``, ``difference``, ``ci95_low``, ``ci95_high``, ``verdict``.
    shadow_prices : pandas.DataFrame
        ``lender``, ``per_usd_bn`` (dP per USD bn of capacity), ``ci95_low``, ``ci95_high``, ``verdict``; fresh paths.
    stability : pandas.DataFrame
        ``paths``, ``seed``, ``first`` (first use), ``plan`` (in words), ``same_first``, ``same_plan``.
    search_baseline_p, baseline_p : float
        P without new money or reordering on the search and on the fresh paths.
    manifest : dict
    """

    scenario: str
    year: int
    budget_usd_bn: float
    tranche_usd_bn: float
    delta_usd_bn: float
    money_years: list[int]
    paths: int
    seed: int
    target_usd_bn: float
    reorder: list[str]
    options: pd.DataFrame
    plan: pd.DataFrame
    plan_words: str
    comparisons: pd.DataFrame
    shadow_prices: pd.DataFrame
    stability: pd.DataFrame
    search_baseline_p: float
    baseline_p: float
    manifest: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``new_money.json`` as a JSON-ready dict."""
        return to_json_ready(
            {
                "scenario": self.scenario,
                "year": self.year,
                "budget_usd_bn": self.budget_usd_bn,
                "tranche_usd_bn": self.tranche_usd_bn,
                "delta_usd_bn": self.delta_usd_bn,
                "money_years": self.money_years,
                "paths": self.paths,
                "seed": self.seed,
                "target_usd_bn": self.target_usd_bn,
                "reorder": self.reorder,
                "plan": {"words": self.plan_words, "steps": self.plan.to_dict("records")},
                "baseline": {"search_p": self.search_baseline_p, "p": self.baseline_p},
                "comparisons": self.comparisons.to_dict("records"),
                "shadow_prices": self.shadow_prices.to_dict("records"),
                "options": self.options.to_dict("records"),
                "stability": self.stability.to_dict("records"),
                "search_paths": [0, self.paths],
                "evaluation_paths": [self.paths, 2 * self.paths],
            }
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> NewMoney:
        """A new-money study from ``new_money.json``."""

        def frame(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
            return pd.DataFrame([[r[c] for c in columns] for r in records], columns=list(columns))

        return cls(
            scenario=data["scenario"],
            year=int(data["year"]),
            budget_usd_bn=float(data["budget_usd_bn"]),
            tranche_usd_bn=float(data["tranche_usd_bn"]),
            delta_usd_bn=float(data["delta_usd_bn"]),
            money_years=[int(y) for y in data["money_years"]],
            paths=int(data["paths"]),
            seed=int(data["seed"]),
            target_usd_bn=float(data["target_usd_bn"]),
            reorder=list(data["reorder"]),
            options=frame(data["options"], ["option", "kind", "cost_usd_bn", "p_search", "gain_search", "gain_per_usd_bn"]),
            plan=frame(data["plan"]["steps"], ["step", "option", "kind", "cost_usd_bn", "p_search"]),
            plan_words=data["plan"]["words"],
            comparisons=frame(data["comparisons"], ["comparison", "p", "p_against", "difference", "ci95_low", "ci95_high", "verdict"]),
            shadow_prices=frame(data["shadow_prices"], ["lender", "per_usd_bn", "ci95_low", "ci95_high", "verdict"]),
            stability=frame(data["stability"], ["paths", "seed", "first", "plan", "same_first", "same_plan"]),
            search_baseline_p=float(data["baseline"]["search_p"]),
            baseline_p=float(data["baseline"]["p"]),
            manifest=dict(manifest or {}),
        )


def _check(scenario: Scenario, budget: float, tranche: float, delta: float) -> None:
    for key, value in (("budget_usd_bn", budget), ("tranche_usd_bn", tranche), ("delta_usd_bn", delta)):
        if not (math.isfinite(value) and value > 0):
            raise ScenarioError(scenario.source, [(key, f"must be a positive amount of USD bn, e.g. 1 (got {value})")])
    if tranche > budget:
        raise ScenarioError(scenario.source, [("tranche_usd_bn", f"must be at most the budget, {budget:g} USD bn (got {tranche:g})")])
    if scenario.portfolio is None:
        raise ScenarioError(scenario.source, [("portfolio", "the scenario has no lenders to give new money to")])
    check_assembly(scenario)


def new_money(
    scenario: Scenario,
    year: int | None = None,
    budget_usd_bn: float = 5.0,
    *,
    tranche_usd_bn: float = 1.0,
    delta_usd_bn: float | None = None,
    paths: int = 500,
    seed: int | None = None,
    reorder: bool = True,
    stability: bool = True,
    workers: int | None = None,
    dask: Any = None,
    progress: bool | None = None,
) -> NewMoney:
    """Where ``budget_usd_bn`` of new money adds most to P(target reached by ``year``), beside reordering alone.

    Parameters
    ----------
    scenario : Scenario
    year : int, optional
        A simulated year; default the scenario's ``trade.target_year``.
    budget_usd_bn : float
        The new money, USD bn; > 0.
    tranche_usd_bn : float
        Step of the greedy allocation to a lender or a backlog, USD bn; at most the budget.
    delta_usd_bn : float, optional
        Step of the shadow prices' finite difference, USD bn; default ``tranche_usd_bn``.
    paths : int
        Search paths; the choice is evaluated on as many fresh paths.
    seed : int, optional
        Root seed; default ``scenario.run.seed``.
    reorder : bool
        Find the best reordering (:func:`sim.studies.prioritise.prioritise`, greedy, within the budget of capex) and build on it.
    stability : bool
        Rerun the search on twice the paths and on a second seed.
    workers, dask, progress
        As in :func:`sim.simulate`; the result is the same for any executor.
    """
    year = scenario.trade.target_year if year is None else year
    check_year(scenario, year)
    delta = tranche_usd_bn if delta_usd_bn is None else delta_usd_bn
    _check(scenario, budget_usd_bn, tranche_usd_bn, delta)
    n, seed, workers = paths_seed_workers(scenario, paths, seed, workers)
    options = money_options(scenario, tranche_usd_bn)
    started = time.time()
    order: list[str] = []
    if reorder and any(o.kind != "lender" for o in options):
        order = list(
            prioritise(
                scenario, year, budget_usd_bn, paths=n, seed=seed, stability=False, workers=workers, dask=dask, progress=False
            ).chosen["item"]
        )
    start = MoneyPlan(priority=tuple(order))
    lenders = [o for o in options if o.kind == "lender"]
    bar = ProgressBar(None, progress, f"{scenario.name}: new money, {len(options)} uses")
    try:
        with open_executor(workers, dask) as (executor, slots):
            search = _Search(executor, slots, scenario, year, seed, n, bar)
            steps, alone = _greedy(search, options, start, budget_usd_bn)
            plan = _plan_of(steps, start)
            (p_start,) = search.p([start])
            fresh = [start, plan, *(MoneyPlan().plus("lender", o.index, delta) for o in lenders)]
            pairs = [(0, 1), (0, 2), (1, 2), *((0, 3 + i) for i in range(len(lenders)))]  # against, then the plan
            stats = [_Paired(1) for _ in pairs]
            counts = np.zeros(len(fresh) + 1, dtype=np.int64)

            def add(begin: int, stop: int, reached: np.ndarray) -> bool:
                counts[:] += reached.sum(axis=1)
                for (a, b), s in zip(pairs, stats, strict=True):
                    s.add(reached[a][:, None], reached[b][:, None], np.zeros((stop - begin, 1)))
                bar.update(stop - begin)
                return False

            search.run(fresh, n, add)
            runs = []
            if stability:
                for m, other in reruns(n, seed):
                    again = _Search(executor, slots, scenario, year, other, m, bar)
                    runs.append((m, other, _greedy(again, options, start, budget_usd_bn)[0]))
    finally:
        bar.close()
    finished = time.time()

    def row(name: str, k: int, against: int) -> tuple[Any, ...]:
        (d,), (lo,), (hi,) = stats[k].reach()
        return (name, counts[pairs[k][1]] / n, counts[against] / n, float(d), float(lo), float(hi), verdict(lo, hi))

    comparisons = pd.DataFrame(
        [row("reorder", 0, 0), row("plan", 1, 0), row("plan_vs_reorder", 2, 1)],
        columns=["comparison", "p", "p_against", "difference", "ci95_low", "ci95_high", "verdict"],
    )
    shadow = []
    for i, o in enumerate(lenders):
        (d,), (lo,), (hi,) = stats[3 + i].reach()
        shadow.append((o.name, float(d) / delta, float(lo) / delta, float(hi) / delta, verdict(lo, hi)))
    words = describe(plan, options)
    settings = {"study": "new_money", "year": year, "budget_usd_bn": budget_usd_bn, "tranche_usd_bn": tranche_usd_bn}
    return NewMoney(
        scenario=scenario.name,
        year=year,
        budget_usd_bn=budget_usd_bn,
        tranche_usd_bn=tranche_usd_bn,
        delta_usd_bn=delta,
        money_years=[scenario.years[k] for k in money_years(scenario, year)],
        paths=n,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        reorder=order,
        options=pd.DataFrame(
            [
                (o.name, o.kind, o.cost_usd_bn, alone[i], alone[i] - p_start, (alone[i] - p_start) / o.cost_usd_bn)
                for i, o in enumerate(options)
                if i in alone
            ],
            columns=["option", "kind", "cost_usd_bn", "p_search", "gain_search", "gain_per_usd_bn"],
        ),
        plan=pd.DataFrame(
            [(r, o.name, o.kind, o.cost_usd_bn, p) for r, (o, p) in enumerate(steps, start=1)],
            columns=["step", "option", "kind", "cost_usd_bn", "p_search"],
        ).astype({"step": int, "cost_usd_bn": float, "p_search": float}),
        plan_words=words,
        comparisons=comparisons,
        shadow_prices=pd.DataFrame(shadow, columns=["lender", "per_usd_bn", "ci95_low", "ci95_high", "verdict"]),
        stability=pd.DataFrame(
            rerun_rows(
                (n, seed, steps),
                runs,
                lambda s: s[0][0].name if s else "nothing",
                lambda s: describe(_plan_of(s, start), options),
                lambda a, b: _plan_of(a, start) == _plan_of(b, start),
            ),
            columns=["paths", "seed", "first", "plan", "same_first", "same_plan"],
        ),
        search_baseline_p=search.baseline,
        baseline_p=counts[0] / n,
        manifest=counterfactual_study_manifest(scenario, seed, n, workers, dask, started, finished, settings),
    )
