"""Attribution on levels: what each item of the portfolio adds to trade in year Y (gross and net) and to P(target by Y).

Every item is removed in a **counterfactual** of the scenario, run on the same
seed and paths as the baseline (common random numbers) through
:func:`sim.engine.simulate_counterfactuals`: the counterfactual draws its own
projects, finance and flows, but each path keeps the organic trade it has in
the baseline (its organic turnover, exports share and, under the structural
law, total trade and partner share). With the 2025 observation, removing a
project that builds in the observed months therefore removes its flows
without handing its observed share to organic growth. A transport link's
uplift of trade goes with the project; shocks stay.

**Levels, not changes.** The engine measures flows as changes from the base
year, whose trade already holds the flows of the projects building or
operating then. A counterfactual measures its flows against the *baseline's*
base-year flows, not its own: "without X" is the world where X never
existed, so X's base-year flows leave the base too. The difference, baseline
less without, is then X's flows in year Y in levels plus what its absence
does to others; a project that builds in the base year and never after is
worth its construction imports while it builds and nothing after, not minus
its base-year imports for ever (which the world without it never had). For
an item whose removal leaves the base year as it was (a lender, whose
projects ask after the start; a measure starting later) levels and changes
coincide. Organic trade grows from a base year that held the projects'
flows; on levels, the world without them starts that much lower.

The items (:func:`portfolio_items`):

* each **named project** (``project``), removed from ``[[pipeline.projects]]``,
  with its base-year flows; one awaiting finance frees its lender's capacity
  for the requests behind it;
* each **measure** (``measure``), removed from ``[[measures]]``;
* each **lender** (``lender``), its capacity set to zero: its projects wait
  (or do what the finance model says of a lender that never lends); the
  warm-up projects were funded before the start and stay;
* the **generic pipeline** (``pipeline``): no generic project ever, neither
  the warm-up launches (projects building or ramping up in the base year;
  older ones, fully ramped up, are part of organic trade and are not
  modelled), nor launches after the base year, nor the backlog;
* the whole **portfolio** (``portfolio``): the pipeline and every named project
  (the measures stay). Without it, trade is the baseline's organic trade less
  the base-year flows of every modelled project, plus the measures.

**Gross and net.** An item's *gross* effect is its own flows in year Y in the
baseline's paths, on levels (:mod:`sim.studies.item_flows`; a lender's are
those of the projects it funds); its *net* effect is the baseline less the
counterfactual: its flows less what its absence gives others. A project that
draws a national pool (a company's investment counted in the pool of the
partner's direct investment) takes finance other projects would have had: net
below gross, possibly negative (crowding out). One financed by its own
company's money (``own_finance``) takes none. Parts need not add to the whole
(interactions, crowding out, and P(target) moving only where a path crosses
the threshold: :data:`WHY_PARTS_EXCEED_WHOLE`).

Differences are baseline less counterfactual. The difference in P is paired,
with Newcombe's hybrid score interval (method 10,
:func:`sim.studies.compare.newcombe_paired_interval`); the difference in mean
trade and the gross flows have normal intervals from the per-path values; an
interval that includes zero is said in words (:func:`reading`). Under a
mixture of organic laws (``Scenario.laws``; each path draws its law) each
item's effect is also given law by law (:attr:`Attribution.by_law`) with the
range across laws beside the Monte Carlo interval. Each item's capex is its
mean per path over the paths run (see :func:`item_capex`).
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
from .compare import _Paired
from .effect_words import WHY_PARTS_EXCEED_WHOLE, reading, told_from_zero
from .items import Item, Outcomes, item_capex, outcome_chunk, removal_chunk, removals

__all__ = [
    "Attribution",
    "Item",
    "Outcomes",
    "WHY_PARTS_EXCEED_WHOLE",
    "attribute",
    "check_year",
    "item_capex",
    "outcome_chunk",
    "portfolio_items",
    "reading",
    "removal_chunk",
    "removals",
    "told_from_zero",
    "variant",
]

KINDS = ("project", "measure", "lender", "pipeline", "portfolio")
"""Kinds of attributed items, in the order :func:`portfolio_items` lists them."""
ROW_COLUMNS = (
    "item",
    "kind",
    "capex_usd_bn",
    "p_without",
    "difference",
    "ci95_low",
    "ci95_high",
    "difference_per_usd_bn",
    "trade_difference_usd_bn",
    "trade_ci95_low",
    "trade_ci95_high",
    "gross_usd_bn",
    "gross_ci95_low",
    "gross_ci95_high",
    "difference_laws_low",
    "difference_laws_high",
    "trade_laws_low",
    "trade_laws_high",
)
"""Columns of :attr:`Attribution.rows` and of ``attribution.csv``."""
LAW_COLUMNS = ("law", "paths", "item", "difference", "trade_difference_usd_bn", "gross_usd_bn")
"""Columns of :attr:`Attribution.by_law`: each item's effects on the paths of each organic law."""


# ---------------------------------------------------------------- items and their counterfactuals


def check_year(scenario: Scenario, year: int) -> int:
    """The index of ``year`` among the simulated years; a ScenarioError naming ``year`` if it is not one."""
    if year not in scenario.years:
        raise ScenarioError(
            scenario.source, [("year", f"must be a simulated year, {scenario.years[0]} to {scenario.years[-1]} (got {year})")]
        )
    return scenario.years.index(year)


def variant(scenario: Scenario, raw: Mapping[str, Any]) -> Scenario:
    """The scenario with its ``pipeline``, ``portfolio`` and ``measures`` tables replaced by those of ``raw`` (a dict it may change).

    A pipeline left with no launches, no backlog and no named project is
    dropped (with the backlog table), as an organic-only scenario has none;
    ``portfolio.priority`` keeps only the entries that still name something.
    """
    raw = {"pipeline": raw.get("pipeline"), "portfolio": raw.get("portfolio"), "measures": raw.get("measures", [])}
    pipeline, portfolio = raw["pipeline"], raw["portfolio"]
    backlog = (portfolio or {}).get("backlog") or {}
    if pipeline is not None and pipeline["launches_per_year"] == 0 and not backlog.get("capex_usd_bn") and not pipeline.get("projects"):
        raw["pipeline"] = pipeline = None
    if pipeline is None and portfolio:
        portfolio.pop("backlog", None)  # a backlog needs a pipeline to give its projects sizes and sectors
    if portfolio and portfolio.get("priority"):
        awaiting = {p["name"] for p in (pipeline or {}).get("projects", []) if p["stage"] == "awaiting_finance"}
        sectors = {f"backlog.{name}" for name in (pipeline or {}).get("sectors", {})}
        portfolio["priority"] = [entry for entry in portfolio["priority"] if entry in awaiting | sectors]
    return scenario.replace(raw)


def portfolio_items(scenario: Scenario) -> list[tuple[Item, Scenario]]:
    """Each item of the scenario's portfolio with its counterfactual (the scenario without it), in :data:`KINDS` order."""
    out: list[tuple[Item, Scenario]] = []
    for j, project in enumerate(scenario.pipeline.projects if scenario.pipeline else []):
        raw = scenario.to_json()
        raw["pipeline"]["projects"] = [p for p in raw["pipeline"]["projects"] if p["name"] != project.name]
        out.append((Item(project.name, "project", j), variant(scenario, raw)))
    for measure in scenario.measures:
        raw = scenario.to_json()
        raw["measures"] = [m for m in raw["measures"] if m["name"] != measure.name]
        out.append((Item(measure.name, "measure"), variant(scenario, raw)))
    for k, name in enumerate(scenario.portfolio.financiers if scenario.portfolio else {}):
        raw = scenario.to_json()
        raw["portfolio"]["financiers"][name]["capacity_usd_bn_per_year"] = 0.0
        out.append((Item(name, "lender", k), variant(scenario, raw)))
    if scenario.pipeline is None:
        return out
    backlog = scenario.portfolio.backlog if scenario.portfolio else None
    if scenario.pipeline.launches_per_year > 0 or (backlog is not None and backlog.capex_usd_bn > 0):
        out.append((Item("generic_pipeline", "pipeline"), variant(scenario, _without_generic_projects(scenario))))
    raw = _without_generic_projects(scenario)
    raw["pipeline"]["projects"] = []
    out.append((Item("whole_portfolio", "portfolio"), variant(scenario, raw)))
    return out


def _without_generic_projects(scenario: Scenario) -> dict[str, Any]:
    """The scenario's tables with no generic project ever: no warm-up launches, none after the base year, no backlog.

    On levels the world without the pipeline never had it: the warm-up projects building or ramping up in the base
    year go too, and with them their base-year flows (the counterfactual is measured against the baseline's base year).
    """
    raw = scenario.to_json()
    raw["pipeline"]["launches_per_year"] = 0.0
    raw["pipeline"]["warmup_years"] = 0
    raw["pipeline"].pop("last_launch_year", None)
    if (raw.get("portfolio") or {}).get("backlog"):
        raw["portfolio"]["backlog"]["capex_usd_bn"] = 0.0
    return raw


# ---------------------------------------------------------------- the result


def _row_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(ROW_COLUMNS)).astype({c: float for c in ROW_COLUMNS[2:]})


def _law_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(LAW_COLUMNS)).astype({"paths": int, **{c: float for c in LAW_COLUMNS[3:]}})


@dataclass(frozen=True, eq=False)
class Attribution:
    """What each item of the portfolio adds to P(target by ``year``) and to mean trade in ``year``.

    Attributes
    ----------
    scenario : str
    year : int
        The year studied.
    paths, seed : int
        Paths per counterfactual (the same paths for all) and root seed.
    target_usd_bn : float
        The target, USD bn a year.
    baseline_p : float
        P(target reached by ``year``) in the baseline, with its 95% Wilson interval ``baseline_ci95``.
    baseline_mean_trade_usd_bn : float
        Mean annual trade in ``year``, USD bn.
    rows : pandas.DataFrame
        One row per item, ranked by ``difference`` (largest first), columns
        :data:`ROW_COLUMNS`: ``kind`` (:data:`KINDS`); ``capex_usd_bn`` (mean per
        path, :func:`item_capex`); ``p_without`` (P without the item);
        ``difference`` = baseline less without, with its paired 95% interval
        ``ci95_low``, ``ci95_high``; ``difference_per_usd_bn`` (NaN where capex
        is 0); ``trade_difference_usd_bn`` (mean trade in ``year``, baseline
        less without: the **net** effect, on levels) with its 95% interval;
        ``gross_usd_bn`` (the item's own flows in ``year`` in the baseline, on
        levels, :mod:`sim.studies.item_flows`) with its 95% interval; the
        lowest and highest of ``difference`` and of the net trade difference
        over the organic laws of a mixture (``*_laws_low``, ``*_laws_high``;
        NaN without one).
    by_law : pandas.DataFrame
        Under a mixture of organic laws, each item's ``difference``, net trade
        difference and gross flows on the paths of each law, columns
        :data:`LAW_COLUMNS` (empty without a mixture).
    manifest : dict
        Provenance (:func:`sim.results.run_manifest`).
    """

    scenario: str
    year: int
    paths: int
    seed: int
    target_usd_bn: float
    baseline_p: float
    baseline_ci95: tuple[float, float]
    baseline_mean_trade_usd_bn: float
    rows: pd.DataFrame
    by_law: pd.DataFrame = field(default_factory=lambda: _law_frame([]))
    manifest: dict[str, Any] = field(default_factory=dict)

    def by_net_trade(self) -> pd.DataFrame:
        """The rows ranked by the net trade difference in USD bn (largest first): one scale, no points."""
        return self.rows.sort_values("trade_difference_usd_bn", ascending=False, kind="stable", ignore_index=True)

    def per_usd_bn(self) -> pd.DataFrame:
        """The rows with a capex, ranked by ``difference_per_usd_bn`` (largest first)."""
        return self.rows.dropna(subset=["difference_per_usd_bn"]).sort_values("difference_per_usd_bn", ascending=False, kind="stable")

    def to_json(self) -> dict[str, Any]:
        """``attribution.json`` as a JSON-ready dict (non-finite numbers as None)."""
        return to_json_ready(
            {
                "scenario": self.scenario,
                "year": self.year,
                "paths": self.paths,
                "seed": self.seed,
                "target_usd_bn": self.target_usd_bn,
                "baseline": {"p": self.baseline_p, "ci95": list(self.baseline_ci95), "mean_trade_usd_bn": self.baseline_mean_trade_usd_bn},
                "rows": [
                    {
                        "item": r.item,
                        "kind": r.kind,
                        "capex_usd_bn": r.capex_usd_bn,
                        "p_without": r.p_without,
                        "difference": r.difference,
                        "ci95": [r.ci95_low, r.ci95_high],
                        "difference_per_usd_bn": r.difference_per_usd_bn,
                        "trade_difference_usd_bn": r.trade_difference_usd_bn,
                        "trade_ci95": [r.trade_ci95_low, r.trade_ci95_high],
                        "gross_usd_bn": r.gross_usd_bn,
                        "gross_ci95": [r.gross_ci95_low, r.gross_ci95_high],
                        "difference_laws_range": [r.difference_laws_low, r.difference_laws_high],
                        "trade_laws_range": [r.trade_laws_low, r.trade_laws_high],
                        "reading": reading(r),
                    }
                    for r in self.rows.itertuples()
                ],
                "by_law": self.by_law.to_dict("records"),
                "note": WHY_PARTS_EXCEED_WHOLE,
            }
        )

    @property
    def data(self) -> dict[str, Any]:
        """``attribution.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> Attribution:
        """An attribution from ``attribution.json``."""
        rows = [
            (
                r["item"],
                r["kind"],
                number(r["capex_usd_bn"]),
                number(r["p_without"]),
                number(r["difference"]),
                number(r["ci95"][0]),
                number(r["ci95"][1]),
                number(r["difference_per_usd_bn"]),
                number(r["trade_difference_usd_bn"]),
                number(r["trade_ci95"][0]),
                number(r["trade_ci95"][1]),
                # attributions saved before gross, net and laws (before 0.5.0) have none: NaN
                number(r.get("gross_usd_bn")),
                *(number(v) for v in r.get("gross_ci95", [None, None])),
                *(number(v) for v in r.get("difference_laws_range", [None, None])),
                *(number(v) for v in r.get("trade_laws_range", [None, None])),
            )
            for r in data["rows"]
        ]
        laws = [
            (r["law"], r["paths"], r["item"], number(r["difference"]), number(r["trade_difference_usd_bn"]), number(r["gross_usd_bn"]))
            for r in data.get("by_law", [])
        ]
        base = data["baseline"]
        return cls(
            scenario=data["scenario"],
            year=int(data["year"]),
            paths=int(data["paths"]),
            seed=int(data["seed"]),
            target_usd_bn=number(data["target_usd_bn"]),
            baseline_p=number(base["p"]),
            baseline_ci95=(number(base["ci95"][0]), number(base["ci95"][1])),
            baseline_mean_trade_usd_bn=number(base["mean_trade_usd_bn"]),
            rows=_row_frame(rows),
            by_law=_law_frame(laws),
            manifest=dict(manifest or {}),
        )

    def table(self) -> pd.DataFrame:
        """The table of ``attribution.csv``: :attr:`rows`, each with its :func:`reading` in words."""
        return self.rows.assign(reading=[reading(r) for r in self.rows.itertuples()])

    def _repr_html_(self) -> str:
        """For notebooks: the baseline probability and each item's difference in points, ranked."""
        lo, hi = self.baseline_ci95
        cells = "".join(
            f"<tr><td>{r.item}</td><td>{r.kind}</td><td>{r.capex_usd_bn:.2f}</td><td>{100 * r.difference:+.1f}</td>"
            f"<td>{100 * r.ci95_low:+.1f} to {100 * r.ci95_high:+.1f}</td>"
            f"<td>{'' if math.isnan(r.difference_per_usd_bn) else f'{100 * r.difference_per_usd_bn:+.2f}'}</td>"
            f"<td>{r.gross_usd_bn:+.2f}</td><td>{r.trade_difference_usd_bn:+.2f}</td><td>{reading(r)}</td></tr>"
            for r in self.rows.itertuples()
        )
        return (
            f"<div><b>{self.scenario}</b>: P(target {self.target_usd_bn:g} USD bn reached by {self.year}) = {100 * self.baseline_p:.1f}% "
            f"({100 * lo:.1f}% to {100 * hi:.1f}%), {self.paths:,} paths, seed {self.seed}; what each item adds (common random numbers, "
            f"organic trade kept).</div><table><tr><th>item</th><th>kind</th><th>capex, USD bn</th><th>difference, points</th>"
            f"<th>95% interval</th><th>points per USD bn</th><th>gross, trade in {self.year}, USD bn</th>"
            f"<th>net, trade in {self.year}, USD bn</th><th>reading</th></tr>{cells}</table><p>{WHY_PARTS_EXCEED_WHOLE}</p>"
        )


# ---------------------------------------------------------------- the study


def attribute(
    scenario: Scenario,
    year: int,
    *,
    paths: int = 4000,
    seed: int | None = None,
    workers: int | None = None,
    dask: Any = None,
    progress: bool | None = None,
) -> Attribution:
    """What P(target reached by ``year``) and mean trade in ``year`` lose without each item of the portfolio.

    Parameters
    ----------
    scenario : Scenario
    year : int
        A simulated year.
    paths : int
        Paths per counterfactual, the same for all (common random numbers).
    seed : int, optional
        Root seed; default ``scenario.run.seed``.
    workers, dask
        As in :func:`sim.simulate`; the result is the same for any executor.
    progress : bool, optional
        Show a progress bar; default: when someone can see it.

    Returns
    -------
    Attribution
    """
    check_year(scenario, year)
    n, seed, workers = paths_seed_workers(scenario, paths, seed, workers)
    pairs = portfolio_items(scenario)
    if not pairs:
        raise ScenarioError(scenario.source, [("pipeline", "the scenario has no projects, measures or lenders to attribute")])
    items = [item for item, _ in pairs]
    paired = [_Paired(1) for _ in items]
    gross = [_Paired(1) for _ in items]  # only its running mean and interval are read
    reached = 0
    trade_sum = 0.0
    capex_sum = np.zeros(len(items))
    laws = max(len(scenario.laws), 1)
    # by law: paths, then per item the sums of the difference in reaching, of the net trade difference and of gross flows
    law_paths = np.zeros(laws, dtype=np.int64)
    law_sums = np.zeros((laws, 3, len(items)))
    bar = ProgressBar(n, progress, f"{scenario.name}: {len(items)} counterfactuals")

    def on_chunk(start: int, stop: int, out: Outcomes) -> bool:
        nonlocal reached, trade_sum
        reached += int(out.reached[0].sum())
        trade_sum += float(out.trade[0].sum())
        capex_sum[:] += out.capex.sum(axis=1)
        net = out.trade[0] - out.trade[1:]  # (items, paths)
        reach = out.reached[0].astype(float) - out.reached[1:]
        for i, stats in enumerate(paired, start=1):
            # "base" is the counterfactual: the paired difference is baseline less without
            stats.add(out.reached[i][:, None], out.reached[0][:, None], net[i - 1][:, None])
            gross[i - 1].add(out.reached[0][:, None], out.reached[0][:, None], out.gross[i - 1][:, None])
        for k in range(laws):
            mine = out.law == k
            law_paths[k] += int(mine.sum())
            law_sums[k] += [reach[:, mine].sum(axis=1), net[:, mine].sum(axis=1), out.gross[:, mine].sum(axis=1)]
        bar.update(stop - start)
        return False

    started = time.time()
    try:
        with open_executor(workers, dask) as (executor, slots):
            args = (scenario, [cf for _, cf in pairs], items, removals(scenario, items), year, seed, 0)
            stream_chunks(executor, slots, removal_chunk, args, chunk_ranges(n), on_chunk)
    finally:
        bar.close()
    finished = time.time()

    capex = capex_sum / n
    with np.errstate(invalid="ignore", divide="ignore"):
        law_means = law_sums / law_paths[:, None, None]  # (laws, 3, items); NaN for a law no path drew
    mixture = len(scenario.laws) > 0
    rows = []
    for i, (item, cost, stats) in enumerate(zip(items, capex, paired, strict=True)):
        (diff,), (low,), (high,) = stats.reach()
        (trade,), (t_low,), (t_high,) = stats.mean_interval()
        (own,), (g_low,), (g_high,) = gross[i].mean_interval()
        p_without = (stats.counts[0, 0] + stats.counts[1, 0]) / n
        spread = [math.nan] * 4
        if mixture and np.isfinite(law_means[:, 0, i]).any():
            spread = [
                np.nanmin(law_means[:, 0, i]),
                np.nanmax(law_means[:, 0, i]),
                np.nanmin(law_means[:, 1, i]),
                np.nanmax(law_means[:, 1, i]),
            ]
        rate = diff / cost if cost > 0 else math.nan
        rows.append((item.name, item.kind, cost, p_without, diff, low, high, rate, trade, t_low, t_high, own, g_low, g_high, *spread))
    frame = _row_frame(rows).sort_values("difference", ascending=False, kind="stable", ignore_index=True)
    by_law = _law_frame(
        [
            (law.name, int(law_paths[k]), item.name, *law_means[k, :, i])
            for k, law in enumerate(scenario.laws)
            for i, item in enumerate(items)
            if law_paths[k]
        ]
    )
    low, high = wilson_interval(reached, n)
    return Attribution(
        scenario=scenario.name,
        year=year,
        paths=n,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        baseline_p=reached / n,
        baseline_ci95=(float(low), float(high)),
        baseline_mean_trade_usd_bn=trade_sum / n,
        rows=frame,
        by_law=by_law,
        manifest=counterfactual_study_manifest(
            scenario, seed, n, workers, dask, started, finished, {"study": "attribute", "year": year, "counterfactuals": len(items)}
        ),
    )
