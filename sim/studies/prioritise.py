"""Prioritisation: which awaiting projects to move to the front of their lenders' queues, within a budget.

The candidates (:func:`awaiting_items`) are the named projects awaiting finance
and the backlog of each sector (``backlog.SECTOR``), as ``portfolio.priority``
names them. A choice is a priority list (the scenario's own entries first,
then the chosen items in order); its cost is the sum of the chosen items'
capex (mean per path: a named project's capex, the capex of a sector's backlog
projects that ask for finance). The objective is P(target reached by year Y).

**Sample-average approximation.** Every choice is evaluated on one common set
of search paths (paths ``0`` to ``N - 1`` of the seed) with the counterfactual
hook of :func:`sim.engine.simulate_counterfactuals` (each path keeps its
baseline organic trade), so P is a deterministic function of the choice and
differences between choices are paired. Two searches:

* ``"greedy"`` (default): add, one at a time, the item with the largest gain
  in P per USD bn of capex that still fits the budget, while the gain is
  positive; then compare with the best single item that fits and keep the
  better. For an additive objective this is the classic knapsack heuristic,
  at least half the optimum. P is not additive (items of one lender compete,
  the target is a threshold), so no bound holds in general: the gap is
  measured against ``"exhaustive"`` where that is affordable. It costs about
  ``k (k + 1) / 2`` evaluations for ``k`` candidates.
* ``"exhaustive"``: every subset within the budget (each in the order of its
  items' gain per USD bn alone): the exact optimum of the sample average, at
  ``2**k`` evaluations (refused beyond :data:`MAX_SUBSETS`).

The P of the choice found on the search paths is biased upwards (it was
picked for being high there), so the reported baseline, prioritised P and
their paired difference (Newcombe's interval) are estimated on fresh paths,
``N`` to ``2N - 1``, on common random numbers.

**Stability.** Where candidates differ by less than the Monte Carlo noise,
other paths pick another list. Unless ``stability=False``, the search is rerun
on ``2N`` paths and on ``N`` paths of ``seed + 1``
(:mod:`sim.studies.stability`); the ``stability`` table says whether each
rerun chose the same first item and the same list (same items, same order).
"""

from __future__ import annotations

import html
import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..results import to_json_ready
from ..results.results import number
from ..run import (
    ProgressBar,
    chunk_ranges,
    counterfactual_study_manifest,
    open_executor,
    paths_seed_workers,
    stream_chunks,
)
from ..run.statistics import wilson_interval
from ..scenario import Scenario, ScenarioError
from .attribute import Item, Outcomes, check_year, outcome_chunk
from .compare import _Paired
from .stability import reruns, stability_from_records, stability_sentence, stability_table

__all__ = ["METHODS", "Priorities", "awaiting_items", "prioritise"]

METHODS = ("greedy", "exhaustive")
"""Searches of :func:`prioritise`."""
MAX_SUBSETS = 4096
"""Most subsets the exhaustive search evaluates (12 candidates)."""
VARIANTS_PER_PASS = 24
"""Priority lists evaluated together on each chunk of paths (bounds a worker's memory)."""
CHOSEN_COLUMNS = ("item", "capex_usd_bn", "order", "p_search")
CANDIDATE_COLUMNS = ("item", "capex_usd_bn", "p_alone", "gain_per_usd_bn")


def awaiting_items(scenario: Scenario) -> list[Item]:
    """The candidates: named projects awaiting finance, then each sector's backlog (sectors with generic projects), not already prioritised."""
    p, portfolio = scenario.pipeline, scenario.portfolio
    if p is None or portfolio is None:
        return []
    # a project its own company finances asks no lender: no queue to move it up in
    items = [Item(q.name, "project", j) for j, q in enumerate(p.projects) if q.stage == "awaiting_finance" and not q.own_finance]
    if portfolio.backlog is not None and portfolio.backlog.capex_usd_bn > 0:
        items += [Item(f"backlog.{name}", "backlog", k) for k, name in enumerate(p.sectors) if p.sector_mix.get(name, 0.0) > 0]
    return [item for item in items if item.name not in portfolio.priority]


def _prioritised(scenario: Scenario, chosen: Sequence[str]) -> Scenario:
    assert scenario.portfolio is not None
    return scenario.replace({"portfolio.priority": [*scenario.portfolio.priority, *chosen]})


class _Evaluator:
    """P(target by the year) of priority lists on the search paths, each list evaluated once; counts the evaluations."""

    def __init__(self, executor: Any, slots: int, scenario: Scenario, year: int, seed: int, paths: int, bar: ProgressBar):
        self.executor, self.slots = executor, slots
        self.scenario, self.year, self.seed, self.paths = scenario, year, seed, paths
        self.bar = bar
        self.cache: dict[tuple[str, ...], float] = {}

    def run(self, variants: Sequence[Scenario], items: Sequence[Item], offset: int, on_chunk: Any) -> None:
        """Stream the baseline and ``variants`` over ``paths`` paths from ``offset``."""
        args = (self.scenario, list(variants), list(items), self.year, self.seed, offset)
        stream_chunks(self.executor, self.slots, outcome_chunk, args, chunk_ranges(self.paths), on_chunk)

    def p(self, lists: Sequence[tuple[str, ...]], items: Sequence[Item] = ()) -> tuple[list[float], np.ndarray]:
        """P of each list (evaluated once), and the mean capex per path of ``items`` (read on the first pass; give them on the first call)."""
        todo = [c for c in dict.fromkeys(lists) if c not in self.cache]
        capex = np.zeros(len(items))
        for first in range(0, len(todo), VARIANTS_PER_PASS):
            group = todo[first : first + VARIANTS_PER_PASS]
            counts = np.zeros(len(group) + 1, dtype=np.int64)

            def add(start: int, stop: int, out: Outcomes, counts: np.ndarray = counts) -> bool:
                counts[:] += out.reached.sum(axis=1)
                capex[:] += out.capex.sum(axis=1)
                self.bar.update(stop - start)
                return False

            self.run([_prioritised(self.scenario, c) for c in group], items if first == 0 else (), 0, add)
            self.cache[()] = counts[0] / self.paths
            self.cache.update({c: counts[i] / self.paths for i, c in enumerate(group, start=1)})
        return [self.cache[c] for c in lists], capex / self.paths


def _greedy(evaluate: _Evaluator, names: list[str], capex: np.ndarray, alone: np.ndarray, budget: float) -> list[str]:
    """Items by largest gain in P per USD bn that fit, while the gain is positive; the best single item if it does better."""
    chosen: list[str] = []
    p_now, left = evaluate.cache[()], budget
    while True:
        fits = [i for i, name in enumerate(names) if name not in chosen and capex[i] <= left]
        if not fits:
            break
        ps, _ = evaluate.p([(*chosen, names[i]) for i in fits])
        gains = np.array(ps) - p_now
        ratios = gains / capex[fits]
        best = int(np.argmax(ratios))  # the first of equal ratios: candidates' order breaks ties
        if gains[best] <= 0:
            break
        chosen.append(names[fits[best]])
        p_now, left = ps[best], left - capex[fits[best]]
    singles = [i for i in range(len(names)) if capex[i] <= budget]
    if singles:
        top = max(singles, key=lambda i: alone[i])
        if alone[top] > p_now:
            return [names[top]]
    return chosen


def _search(evaluate: _Evaluator, items: Sequence[Item], method: str, budget: float) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The list ``method`` picks on the evaluator's paths, and each candidate's P alone and mean capex per path there."""
    names = [item.name for item in items]
    alone_list, capex = evaluate.p([(name,) for name in names], items)
    alone = np.array(alone_list)
    costly = capex > 0  # a sector without backlog projects on these paths has nothing to prioritise
    search = _greedy if method == "greedy" else _exhaustive
    picked = search(evaluate, [nm for nm, c in zip(names, costly, strict=True) if c], capex[costly], alone[costly], budget)
    return picked, alone, capex


def _exhaustive(evaluate: _Evaluator, names: list[str], capex: np.ndarray, alone: np.ndarray, budget: float) -> list[str]:
    """The subset within the budget with the highest P (each in the order of its items' gain per USD bn alone); none if none gains."""
    ratio = (alone - evaluate.cache[()]) / capex
    ranked = sorted(range(len(names)), key=lambda i: -ratio[i])  # stable: candidates' order breaks ties
    subsets = [
        tuple(names[i] for i in ranked if i in combo)
        for r in range(1, len(names) + 1)
        for combo in itertools.combinations(range(len(names)), r)
        if capex[list(combo)].sum() <= budget
    ]
    ps, _ = evaluate.p(subsets)
    best = int(np.argmax(ps)) if subsets else -1
    return list(subsets[best]) if subsets and ps[best] > evaluate.cache[()] else []


@dataclass(frozen=True, eq=False)
class Priorities:
    """Which awaiting projects to finance first, within a budget, for P(target by ``year``).

    Attributes
    ----------
    scenario : str
    year : int
    budget_usd_bn : float
        The most the chosen items' capex may add up to, USD bn.
    method : str
        ``"greedy"`` or ``"exhaustive"`` (:data:`METHODS`).
    paths, seed : int
        Paths of the search (paths 0 to ``paths - 1``) and of the evaluation
        (paths ``paths`` to ``2 paths - 1``), and the root seed.
    target_usd_bn : float
    chosen : pandas.DataFrame
        The priority list found, in order: ``item``, ``capex_usd_bn`` (mean per
        path), ``order`` (1 first) and ``p_search`` (P with the list up to and
        including the item, on the search paths).
    candidates : pandas.DataFrame
        Every candidate: ``item``, ``capex_usd_bn``, ``p_alone`` (P with it
        alone prioritised, search paths) and ``gain_per_usd_bn``.
    search_baseline_p : float
        P without priorities on the search paths.
    evaluations : int
        Priority lists evaluated by the search.
    baseline_p, prioritised_p : float
        P without and with the list, on the evaluation paths, each with a 95% Wilson interval.
    difference : float
        ``prioritised_p - baseline_p`` with its paired 95% interval (Newcombe).
    stability : pandas.DataFrame
        The search rerun on ``2 paths`` paths and on ``paths`` paths of ``seed + 1``
        (:data:`~sim.studies.stability.STABILITY_COLUMNS`): ``paths``, ``seed``, ``chosen`` (the list in
        words), ``same_first``, ``same_choice``; the first row is this search. Empty when not asked for
        (``stability=False``) or read from a folder written before it existed.
    manifest : dict
    """

    scenario: str
    year: int
    budget_usd_bn: float
    method: str
    paths: int
    seed: int
    target_usd_bn: float
    chosen: pd.DataFrame
    candidates: pd.DataFrame
    search_baseline_p: float
    evaluations: int
    baseline_p: float
    baseline_ci95: tuple[float, float]
    prioritised_p: float
    prioritised_ci95: tuple[float, float]
    difference: float
    difference_ci95: tuple[float, float]
    stability: pd.DataFrame = field(default_factory=lambda: stability_from_records(None))
    manifest: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """``priorities.json`` as a JSON-ready dict."""
        return to_json_ready(
            {
                "scenario": self.scenario,
                "year": self.year,
                "budget_usd_bn": self.budget_usd_bn,
                "method": self.method,
                "paths": self.paths,
                "seed": self.seed,
                "target_usd_bn": self.target_usd_bn,
                "chosen": self.chosen.to_dict("records"),
                "baseline": {"p": self.baseline_p, "ci95": list(self.baseline_ci95)},
                "prioritised": {"p": self.prioritised_p, "ci95": list(self.prioritised_ci95)},
                "difference": {"value": self.difference, "ci95": list(self.difference_ci95)},
                "search": {
                    "paths": [0, self.paths],
                    "baseline_p": self.search_baseline_p,
                    "evaluations": self.evaluations,
                    "candidates": self.candidates.to_dict("records"),
                },
                "evaluation_paths": [self.paths, 2 * self.paths],
                "stability": self.stability.to_dict("records"),
            }
        )

    @property
    def data(self) -> dict[str, Any]:
        """``priorities.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> Priorities:
        """Priorities from ``priorities.json``."""

        def pair(values: Sequence[Any]) -> tuple[float, float]:
            return number(values[0]), number(values[1])

        search = data["search"]
        return cls(
            scenario=data["scenario"],
            year=int(data["year"]),
            budget_usd_bn=number(data["budget_usd_bn"]),
            method=data["method"],
            paths=int(data["paths"]),
            seed=int(data["seed"]),
            target_usd_bn=number(data["target_usd_bn"]),
            chosen=_frame(data["chosen"], CHOSEN_COLUMNS),
            candidates=_frame(search["candidates"], CANDIDATE_COLUMNS),
            search_baseline_p=number(search["baseline_p"]),
            evaluations=int(search["evaluations"]),
            baseline_p=number(data["baseline"]["p"]),
            baseline_ci95=pair(data["baseline"]["ci95"]),
            prioritised_p=number(data["prioritised"]["p"]),
            prioritised_ci95=pair(data["prioritised"]["ci95"]),
            difference=number(data["difference"]["value"]),
            difference_ci95=pair(data["difference"]["ci95"]),
            stability=stability_from_records(data.get("stability")),  # absent from folders written before 0.6
            manifest=dict(manifest or {}),
        )

    def _repr_html_(self) -> str:
        """For notebooks: the list found and what it does to P on fresh paths."""
        cells = "".join(
            f"<tr><td>{int(r.order)}</td><td>{r.item}</td><td>{r.capex_usd_bn:.2f}</td><td>{100 * r.p_search:.1f}%</td></tr>"
            for r in self.chosen.itertuples()
        )
        lo, hi = self.difference_ci95
        return (
            f"<div><b>{self.scenario}</b>: finance first, within {self.budget_usd_bn:g} USD bn ({self.method} search on {self.paths:,} paths): "
            f"P(target by {self.year}) {100 * self.baseline_p:.1f}% &rarr; {100 * self.prioritised_p:.1f}%, "
            f"{100 * self.difference:+.1f} points ({100 * lo:+.1f} to {100 * hi:+.1f}) on {self.paths:,} fresh paths.</div>"
            f"<table><tr><th>order</th><th>item</th><th>capex, USD bn</th><th>P on the search paths</th></tr>{cells}</table>"
            + (f"<p>{html.escape(stability_sentence(self.stability, 'list').capitalize())}.</p>" if len(self.stability) > 1 else "")
        )


def _frame(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A table of :data:`CHOSEN_COLUMNS` or :data:`CANDIDATE_COLUMNS` from JSON records (numbers as floats, ``order`` as int)."""
    frame = pd.DataFrame([[number(r[c]) if c != "item" else r[c] for c in columns] for r in records], columns=list(columns))
    return frame.astype({"order": int}) if "order" in columns else frame


def prioritise(
    scenario: Scenario,
    year: int,
    budget_usd_bn: float,
    *,
    paths: int = 4000,
    seed: int | None = None,
    method: str = "greedy",
    stability: bool = True,
    workers: int | None = None,
    dask: Any = None,
    progress: bool | None = None,
) -> Priorities:
    """Choose the awaiting projects to finance first, within ``budget_usd_bn`` of capex, to maximise P(target by ``year``).

    Parameters
    ----------
    scenario : Scenario
    year : int
        A simulated year.
    budget_usd_bn : float
        The most the chosen items' capex (mean per path) may add up to, USD bn; > 0.
    paths : int
        Search paths (0 to ``paths - 1``); the choice is then evaluated on as many fresh paths.
    seed : int, optional
        Root seed; default ``scenario.run.seed``.
    method : str
        ``"greedy"`` or ``"exhaustive"`` (see the module's notes on their optimality).
    stability : bool
        Rerun the search on twice the paths and on a second seed (``seed + 1``) and report whether the choice holds
        (:attr:`Priorities.stability`); about three times the search's cost.
    workers, dask, progress
        As in :func:`sim.simulate`; the result is the same for any executor.

    Returns
    -------
    Priorities
    """
    check_year(scenario, year)
    n, seed, workers = paths_seed_workers(scenario, paths, seed, workers)
    if not (math.isfinite(budget_usd_bn) and budget_usd_bn > 0):
        raise ScenarioError(scenario.source, [("budget_usd_bn", f"must be a positive amount of USD bn, e.g. 5 (got {budget_usd_bn})")])
    if method not in METHODS:
        raise ScenarioError(scenario.source, [("method", f"must be one of {', '.join(METHODS)} (got {method!r})")])
    items = awaiting_items(scenario)
    if not items:
        raise ScenarioError(scenario.source, [("pipeline", "nothing awaits finance: no named project awaiting finance and no backlog")])
    if method == "exhaustive" and 2 ** len(items) > MAX_SUBSETS:
        raise ScenarioError(
            scenario.source,
            [
                (
                    "method",
                    f"exhaustive search of {len(items)} candidates is {2 ** len(items):,} subsets, more than {MAX_SUBSETS:,}; use greedy",
                )
            ],
        )
    names = [item.name for item in items]
    bar = ProgressBar(None, progress, f"{scenario.name}: prioritising {len(items)} candidates")
    started = time.time()
    try:
        with open_executor(workers, dask) as (executor, slots):
            evaluate = _Evaluator(executor, slots, scenario, year, seed, n, bar)
            picked, alone, capex = _search(evaluate, items, method, budget_usd_bn)
            prefixes, _ = evaluate.p([tuple(picked[: r + 1]) for r in range(len(picked))])
            evaluations = len(evaluate.cache) - 1

            stats = _Paired(1)
            counts = np.zeros(2, dtype=np.int64)

            def add(start: int, stop: int, out: Outcomes) -> bool:
                counts[:] += out.reached.sum(axis=1)
                stats.add(out.reached[0][:, None], out.reached[1][:, None], np.zeros((stop - start, 1)))
                bar.update(stop - start)
                return False

            evaluate.run([_prioritised(scenario, picked)], (), n, add)
            again = []
            if stability:
                for m, other in reruns(n, seed):
                    rerun = _Evaluator(executor, slots, scenario, year, other, m, bar)
                    again.append((m, other, _search(rerun, items, method, budget_usd_bn)[0]))
    finally:
        bar.close()
    finished = time.time()

    (diff,), (low,), (high,) = stats.reach()
    (b_low, p_low), (b_high, p_high) = wilson_interval(counts, n)
    index = {name: i for i, name in enumerate(names)}
    settings = {"study": "prioritise", "year": year, "budget_usd_bn": budget_usd_bn, "method": method, "stability": stability}
    return Priorities(
        scenario=scenario.name,
        year=year,
        budget_usd_bn=budget_usd_bn,
        method=method,
        paths=n,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        chosen=pd.DataFrame(
            [(name, capex[index[name]], r, p) for r, (name, p) in enumerate(zip(picked, prefixes, strict=True), start=1)],
            columns=list(CHOSEN_COLUMNS),
        ).astype({"capex_usd_bn": float, "order": int, "p_search": float}),
        candidates=pd.DataFrame(
            [(name, c, a, (a - evaluate.cache[()]) / c if c > 0 else math.nan) for name, c, a in zip(names, capex, alone, strict=True)],
            columns=list(CANDIDATE_COLUMNS),
        ),
        search_baseline_p=evaluate.cache[()],
        evaluations=evaluations,
        baseline_p=counts[0] / n,
        baseline_ci95=(float(b_low), float(b_high)),
        prioritised_p=counts[1] / n,
        prioritised_ci95=(float(p_low), float(p_high)),
        difference=float(diff),
        difference_ci95=(float(low), float(high)),
        stability=stability_table(n, seed, picked, again),
        manifest=counterfactual_study_manifest(scenario, seed, n, workers, dask, started, finished, settings),
    )
