"""The typed :class:`Results` of a run: integer years, arrays and DataFrames inside, ``summary.json`` only at the edge.

A ``Results`` is built from typed fields: by the run layer from its
accumulated statistics (:func:`sim.run.run_results`), or from a results
folder's ``summary.json`` by :meth:`Results.from_json`, the one reader of that
shape (:meth:`Results.load` uses it); :meth:`Results.to_json` is the one
writer, with the same keys in the same order and years as strings. Saving is
:func:`sim.output.save`; nothing here draws or writes figures.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..engine import COMPONENTS, DIRECTIONS, TradePaths
from ..errors import UnknownName, UsageError
from .folder import to_json_ready
from .frames import (
    ALL_LENDERS,
    FINANCE_STATISTICS,
    QUANTILE_COLUMNS,
    finance_frame,
    finance_json,
    finance_table,
    number,
    probability_frame,
    probability_json,
    quantile_frame,
    records_json,
)
from .manifest import listed, read_listed_json, read_manifest, reading

__all__ = [
    "ALL_LENDERS",
    "FINANCE_STATISTICS",
    "FLOW_KEYS",
    "PATH_FILES",
    "QUANTILE_COLUMNS",
    "HitYear",
    "LawOutcome",
    "Precision",
    "Results",
    "number",
    "probability_frame",
]

FLOW_KEYS = {
    "exports": "annual_exports_usd_bn",
    "imports": "annual_imports_usd_bn",
    "balance": "annual_balance_usd_bn",
    "country_total": "country_total_usd_bn",
    "partner_share": "partner_share",
}
"""Rows of the ``annual_flows`` table and the summary keys they come from (the last two under the structural law only)."""
PATH_FILES = {
    "trade": "paths.npy",
    "country_total": "paths_country_total.npy",
    "partner_share": "paths_partner_share.npy",
    "finance": "paths_finance.npy",
    "wait_counts": "paths_wait_counts.npy",
    "law": "paths_law.npy",
}
"""Files of kept paths, by field of :class:`sim.engine.TradePaths`."""
FORECAST_HORIZON_YEARS = 6
"""Years after the base year up to which a fan chart reads as a forecast (2030 for a 2024 base): the default headline year."""

_IDENTITY_DEFAULTS = {
    "target_flow": "turnover",
    "organic_law": "random_walk",
    "base_exports_usd_bn": None,
    "observation": None,
    "view": None,
    "target_year": None,
    "names": None,
}
"""Identity keys that summaries of earlier versions may lack, and what they meant then."""


@dataclass(frozen=True)
class HitYear:
    """The first year the target is reached, over paths.

    Attributes
    ----------
    p10, p50, p90 : int or None
        First calendar year by which 10%, 50% and 90% of paths have reached the target (None: not by the horizon).
    share_never : float
        Share of paths that have not reached it by the horizon.
    """

    p10: int | None
    p50: int | None
    p90: int | None
    share_never: float


@dataclass(frozen=True)
class LawOutcome:
    """One candidate organic law's answer within a run: its kind, weight, paths and ``p_reach_by_year`` (as :attr:`Results.p_reach_by_year`)."""

    kind: str
    weight: float
    paths: int
    p_reach_by_year: pd.DataFrame

    def p_reach(self, year: int) -> tuple[float, float, float]:
        """Probability of the target by ``year`` on this law's paths, with its 95% interval ``(p, low, high)``."""
        row = self.p_reach_by_year.loc[int(year)]
        return float(row.p), float(row.ci95_low), float(row.ci95_high)


@dataclass(frozen=True)
class Precision:
    """How a run with a precision target stopped.

    Attributes
    ----------
    target_half_width : float
        The 95% half-width asked for every ``p_reach_by_year``.
    achieved_half_width : pandas.Series
        The half-width reached, indexed by integer year.
    met : bool
        Whether every year met the target.
    max_paths : int
        The cap on paths.
    cap_reached : bool
        Whether the cap stopped the run before the target was met.
    """

    target_half_width: float
    achieved_half_width: pd.Series
    met: bool
    max_paths: int
    cap_reached: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Precision:
        achieved = {int(y): number(v) for y, v in data["achieved_half_width"].items()}
        return cls(
            float(data["target_half_width"]),
            pd.Series(achieved, name="half_width", dtype=float).rename_axis("year"),
            bool(data["met"]),
            int(data["max_paths"]),
            bool(data["cap_reached"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "target_half_width": self.target_half_width,
            "achieved_half_width": {str(y): v for y, v in self.achieved_half_width.items()},
            "met": self.met,
            "max_paths": self.max_paths,
            "cap_reached": self.cap_reached,
        }


@dataclass(kw_only=True, eq=False, repr=False)
class Results:
    """The outcome of a run, typed: integer years, probability and quantile tables as DataFrames indexed by year.

    Every attribute below is a keyword of the constructor (``n_paths`` too), typed as listed; the
    constructor takes them as they are (integer years, DataFrames indexed by year), parsing nothing.
    ``summary.json``'s mapping is read by :meth:`from_json` and written by :meth:`to_json`.
    ``simulated_reporter`` defaults to ``reporter``; ``names``, ``finance``, ``precision``, ``target_year``,
    ``by_law``, ``history``, ``paths`` and ``manifest`` may be left out (none, empty).

    Attributes
    ----------
    scenario, scenario_sha256 : str
        The scenario's name and the SHA-256 of its file.
    n_paths, seed : int
        Paths simulated and root seed.
    reporter, simulated_reporter : str
        Whose statistics the figures are in, and whose the simulation ran in (they differ when converted by the reporter gap).
    target_usd_bn : float
        The target, USD bn a year, on ``target_flow`` (``"turnover"``, ``"exports"`` or ``"imports"``).
    organic_law : str
        ``"random_walk"`` or ``"structural"``.
    base_year : int
        The last observed year; ``base_usd_bn`` and ``base_exports_usd_bn`` (or None) its values, USD bn.
    observation : mapping or None
        What the run took as observed of its first simulated year.
    view : mapping or None
        A view from the dated record: its day, the figures it used (each with its row and publication date)
        and the seasonal laws it learnt (:meth:`sim.scenario.view.View.to_json`); None for a stated scenario.
    years : tuple of int
        Simulated calendar years.
    p_reach_by_year, p_above_in_year : pandas.DataFrame
        Indexed by year; ``p``, ``ci95_low``, ``ci95_high``: the target reached in the year or before, and trade at or above it in the year.
    hit_year : HitYear
    hit_year_share : pandas.Series
        Share of paths first reaching the target in each year, indexed by year (the rest: ``hit_year.share_never``).
    annual_trade_usd_bn : pandas.DataFrame
        Turnover by year: ``mean``, ``p5`` ... ``p95``, USD bn.
    flows : dict of str to pandas.DataFrame
        The same for ``exports``, ``imports``, ``balance`` and, under the structural law, ``country_total`` (USD bn) and ``partner_share``.
    components_mean_usd_bn : pandas.DataFrame
        Mean annual trade by component (columns), USD bn, indexed by year.
    components_by_direction_mean_usd_bn : pandas.DataFrame
        The same by (direction, component) column pairs.
    finance : pandas.DataFrame
        Finance by year and lender (index ``(year, lender)``; :data:`ALL_LENDERS` for all together, a project
        counted once): :data:`FINANCE_STATISTICS`, the mean capex requested, funded and withdrawn a year (USD bn)
        and the mean and 90th-percentile wait of the requests funded in the year (years). Empty for runs of
        versions without it.
    precision : Precision or None
        How a run with a precision target stopped.
    target_year : int or None
        The year the target is for (``trade.target_year``).
    names : mapping
        The country's and partner's names and the reporters' labels, as the scenario gives them (empty if none).
    by_law : dict of str to LawOutcome
        Each candidate organic law's answer on its own paths; empty without a mixture.
    history : list of (year, USD bn)
        Observed values of the scenario's reporter, for the charts.
    paths : TradePaths or None
        Every path's annual trade by component and direction (:data:`sim.engine.COMPONENTS`,
        :data:`sim.engine.DIRECTIONS`), the country's total trade and the partner's share, when kept.
    manifest : dict
        Provenance: scenario file and hash, seed, paths, package versions, times.
    """

    # a field defaulting to None (or to an empty tuple) is filled in by __post_init__: its type is what it holds after
    scenario: str
    scenario_sha256: str
    n_paths: int
    seed: int
    reporter: str
    simulated_reporter: str = None  # type: ignore[assignment]
    names: Mapping[str, Any] = None  # type: ignore[assignment]
    target_usd_bn: float
    target_flow: str = "turnover"
    organic_law: str = "random_walk"
    base_year: int
    base_usd_bn: float
    base_exports_usd_bn: float | None = None
    observation: Mapping[str, Any] | None = None
    view: Mapping[str, Any] | None = None
    years: tuple[int, ...]
    p_reach_by_year: pd.DataFrame
    p_above_in_year: pd.DataFrame
    hit_year: HitYear
    hit_year_share: pd.Series
    annual_trade_usd_bn: pd.DataFrame
    flows: dict[str, pd.DataFrame]
    components_mean_usd_bn: pd.DataFrame
    components_by_direction_mean_usd_bn: pd.DataFrame
    finance: pd.DataFrame = None  # type: ignore[assignment]
    precision: Precision | None = None
    target_year: int | None = None
    by_law: dict[str, LawOutcome] = None  # type: ignore[assignment]
    history: list[tuple[int, float]] = ()  # type: ignore[assignment]
    paths: TradePaths | None = None
    manifest: dict[str, Any] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        """Fields left out take their defaults; sequences and mappings given are copied into the types listed."""
        if self.simulated_reporter is None:
            self.simulated_reporter = self.reporter
        self.names = self.names or {}
        self.years = tuple(self.years)
        self.flows = dict(self.flows)
        if self.finance is None:
            self.finance = finance_table([])
        self.by_law = dict(self.by_law or {})
        self.history = list(self.history)
        self.manifest = dict(self.manifest or {})

    @classmethod
    def from_json(
        cls,
        summary: Mapping[str, Any],
        history: Sequence[tuple[int, float]] = (),
        paths: TradePaths | None = None,
        manifest: Mapping[str, Any] | None = None,
    ) -> Results:
        """A ``Results`` from ``summary.json``'s mapping (years as strings, ``None`` for non-finite numbers): the one reader of that shape.

        Keys that summaries of earlier versions lack take what they meant then; ``history``, ``paths``
        and ``manifest`` are as the constructor's.
        """
        s = {**_IDENTITY_DEFAULTS, **summary}
        years = tuple(int(y) for y in s["years"])
        index = pd.Index(years, name="year")
        hit = s["hit_year"]
        shares = s["hit_year_share"]
        by_direction = s["components_by_direction_mean_usd_bn"]
        columns = [(d, c) for d, comps in by_direction[str(years[0])].items() for c in comps]
        laws = (s.get("by_law") or {}).get("laws", {})
        return cls(
            scenario=s["scenario"],
            scenario_sha256=s["scenario_sha256"],
            n_paths=int(s["paths"]),
            seed=int(s["seed"]),
            reporter=s["reporter"],
            simulated_reporter=s.get("simulated_reporter", s["reporter"]),
            names=s["names"],
            target_usd_bn=float(s["target_usd_bn"]),
            target_flow=s["target_flow"],
            organic_law=s["organic_law"],
            base_year=int(s["base_year"]),
            base_usd_bn=float(s["base_usd_bn"]),
            base_exports_usd_bn=s["base_exports_usd_bn"],
            observation=s["observation"],
            view=s["view"],
            years=years,
            p_reach_by_year=probability_frame(s["p_reach_by_year"], years),
            p_above_in_year=probability_frame(s["p_above_in_year"], years),
            hit_year=HitYear(hit["p10"], hit["p50"], hit["p90"], number(shares.get("never", hit["share_never"]))),
            hit_year_share=pd.Series([number(shares.get(str(y))) for y in years], index=index, name="share", dtype=float),
            annual_trade_usd_bn=quantile_frame(s["annual_trade_usd_bn"], years),
            flows={name: quantile_frame(s[key], years) for name, key in FLOW_KEYS.items() if key in s},
            components_mean_usd_bn=pd.DataFrame(
                [[number(v) for v in s["components_mean_usd_bn"][str(y)].values()] for y in years],
                index=index,
                columns=list(s["components_mean_usd_bn"][str(years[0])]),
                dtype=float,
            ),
            components_by_direction_mean_usd_bn=pd.DataFrame(
                [[number(by_direction[str(y)][d][c]) for d, c in columns] for y in years],
                index=index,
                columns=pd.MultiIndex.from_tuples(columns, names=["direction", "component"]),
                dtype=float,
            ),
            finance=finance_frame(s.get("finance") or {}, years),
            precision=Precision.from_json(s["precision"]) if "precision" in s else None,
            target_year=None if s["target_year"] is None else int(s["target_year"]),
            by_law={
                name: LawOutcome(law["kind"], float(law["weight"]), int(law["paths"]), probability_frame(law["p_reach_by_year"], years))
                for name, law in laws.items()
            },
            history=history,
            paths=paths,
            manifest=manifest,
        )

    # -- the edge ---------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """``summary.json`` as a JSON-ready dict: the same keys as the aggregator's, years as strings, non-finite numbers as None."""
        hit = self.hit_year
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "paths": self.n_paths,
            "seed": self.seed,
            "reporter": self.reporter,
            "simulated_reporter": self.simulated_reporter,
            "names": dict(self.names) or None,
            "target_usd_bn": self.target_usd_bn,
            "target_flow": self.target_flow,
            "organic_law": self.organic_law,
            "base_year": self.base_year,
            "base_usd_bn": self.base_usd_bn,
            "base_exports_usd_bn": self.base_exports_usd_bn,
            "observation": self.observation,
            "view": self.view,
            "years": [str(y) for y in self.years],
            "p_reach_by_year": probability_json(self.p_reach_by_year),
            "p_above_in_year": probability_json(self.p_above_in_year),
            "hit_year": {"p10": hit.p10, "p50": hit.p50, "p90": hit.p90, "share_never": hit.share_never},
            "hit_year_share": {**{str(y): v for y, v in self.hit_year_share.items()}, "never": hit.share_never},
            "annual_trade_usd_bn": records_json(self.annual_trade_usd_bn),
            **{FLOW_KEYS[name]: records_json(self.flows[name]) for name in ("exports", "imports", "balance") if name in self.flows},
            "components_mean_usd_bn": records_json(self.components_mean_usd_bn),
            "components_by_direction_mean_usd_bn": {
                str(y): {d: dict(row[d].items()) for d in row.index.unique("direction")}
                for y, row in self.components_by_direction_mean_usd_bn.iterrows()
            },
            **{FLOW_KEYS[name]: records_json(self.flows[name]) for name in ("country_total", "partner_share") if name in self.flows},
        }
        if len(self.finance):
            out["finance"] = finance_json(self.finance)
        if self.precision is not None:
            out["precision"] = self.precision.to_json()
        out["target_year"] = self.target_year
        if self.by_law:
            out["by_law"] = {
                "laws": {
                    name: {
                        "kind": law.kind,
                        "weight": law.weight,
                        "paths": law.paths,
                        "p_reach_by_year": probability_json(law.p_reach_by_year),
                    }
                    for name, law in self.by_law.items()
                },
                "spread": {str(y): list(self.law_spread(y)) for y in self.years},
            }
        return to_json_ready(out)

    @property
    def reporter_labels(self) -> dict[str, str]:
        """What the scenario calls each reporter code (``trade.reporter_labels``); empty when it names none."""
        return dict(self.names.get("reporter_labels") or {})

    @property
    def pair_words(self) -> str:
        """``" between COUNTRY and PARTNER"`` from the scenario's ``trade.country_name`` and ``partner_name``; empty without both."""
        country, partner = self.names.get("country"), self.names.get("partner")
        return f" between {country} and {partner}" if country and partner else ""

    @property
    def headline_year(self) -> int:
        """The year every headline leads with: the target's year where a source gives one (``trade.target_year``) and the run
        simulates it, else six years after the base year (the last a fan chart reads as a forecast), or the horizon if earlier
        (:func:`sim.report.pages.year_words` says which)."""
        if self.target_year is not None and self.target_year in self.years:
            return self.target_year
        return min(self.base_year + FORECAST_HORIZON_YEARS, self.years[-1])

    def law_spread(self, year: int) -> tuple[float, float]:
        """The lowest and highest probability of the target by ``year`` among the laws with paths (NaN, NaN without a mixture)."""
        ps = [law.p_reach(year)[0] for law in self.by_law.values() if law.paths]
        return (min(ps), max(ps)) if ps else (math.nan, math.nan)

    @property
    def summary(self) -> dict[str, Any]:
        """``summary.json`` (:meth:`to_json`), read-only: a fresh dict on every access, for notebooks and scripts."""
        return self.to_json()

    def p_reach(self, year: int) -> tuple[float, float, float]:
        """Probability the target is reached by ``year``, with its 95% interval ``(p, low, high)``."""
        row = self.p_reach_by_year.loc[int(year)]
        return float(row.p), float(row.ci95_low), float(row.ci95_high)

    # -- tables ---------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every tidy table (one row per observation) by file stem, as :meth:`table` gives them."""
        years = pd.Index(self.years, name="year")
        reach = pd.DataFrame(
            {
                "p_reach_by_year": self.p_reach_by_year["p"],
                "ci95_low": self.p_reach_by_year["ci95_low"],
                "ci95_high": self.p_reach_by_year["ci95_high"],
                "p_above_in_year": self.p_above_in_year["p"],
                "hit_share": self.hit_year_share,
            },
            index=years,
        )
        components = self.components_by_direction_mean_usd_bn.stack(["direction", "component"], future_stack=True)
        components = components.rename("mean_usd_bn").reset_index()[["year", "component", "direction", "mean_usd_bn"]]
        flows = [frame.reset_index().assign(flow=name) for name, frame in self.flows.items()]
        return {
            "annual_trade": self.annual_trade_usd_bn.reset_index(),
            "target_probability": reach.reset_index(),
            "components": components,
            "annual_flows": pd.concat(flows, ignore_index=True)[["year", "flow", *QUANTILE_COLUMNS]] if flows else pd.DataFrame(),
            "finance": self.finance.reset_index(),
        }

    def table(self, name: str) -> pd.DataFrame:
        """A tidy table as a ``pandas.DataFrame`` with an integer ``year`` column.

        ``annual_trade``: one row per year, USD bn (mean and percentiles).
        ``target_probability``: one row per year: P(reached by the year) with its
        95% interval, P(above the target in the year), share first reaching it then.
        ``components``: one row per year, component and direction, mean USD bn.
        ``annual_flows``: one row per year and flow (exports, imports, balance and,
        under the structural law, the country's total trade and the partner's share): mean and percentiles.
        ``finance``: one row per year and lender (and all lenders together): capex requested, funded and
        withdrawn (USD bn, means over paths) and the mean and 90th-percentile wait of the requests funded (years).
        """
        tables = self.tables()
        if name not in tables:
            raise UnknownName(f"no table {name!r}; the tables are {', '.join(tables)}")
        return tables[name]

    def paths_frame(self) -> pd.DataFrame:
        """Every kept path's annual trade as a long ``DataFrame`` (path, year, component, direction, usd_bn)."""
        if self.paths is None:
            raise UsageError("paths were not kept: run with keep_paths=True (coopsim run --keep-paths)")
        arr = np.asarray(self.paths.trade)
        paths, years, comps, dirs = np.meshgrid(
            np.arange(arr.shape[0]), self.years, np.arange(len(COMPONENTS)), np.arange(len(DIRECTIONS)), indexing="ij"
        )
        return pd.DataFrame(
            {
                "path": paths.ravel(),
                "year": years.ravel(),
                "component": np.array(COMPONENTS)[comps.ravel()],
                "direction": np.array(DIRECTIONS)[dirs.ravel()],
                "usd_bn": arr.ravel(),
            }
        )

    def _repr_html_(self) -> str:
        """A short summary for notebooks: the headline probabilities and hit year."""
        median = self.annual_trade_usd_bn["p50"]
        cells = "".join(
            f"<tr><td>{y}</td><td>{100 * r.p:.1f}%</td><td>{100 * r.ci95_low:.1f}% to {100 * r.ci95_high:.1f}%</td>"
            f"<td>{median[y]:.1f}</td></tr>"
            for y, r in zip(self.years, self.p_reach_by_year.itertuples(), strict=True)
        )
        p50 = self.hit_year.p50
        return (
            f"<div><b>{self.scenario}</b>: {self.n_paths:,} paths, seed {self.seed}; target {self.target_usd_bn:g} USD bn ({self.reporter} statistics). "
            f"Median year reached: {p50 if p50 is not None else f'after {self.years[-1]}'}.</div>"
            f"<table><tr><th>year</th><th>P(reached by year)</th><th>95% interval</th><th>median trade, USD bn</th></tr>{cells}</table>"
        )

    # -- files ----------------------------------------------------------
    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by :func:`sim.output.save` or ``coopsim run`` (no pickle involved).

        The manifest is checked against its schema and every file it lists
        against its SHA-256 first, so a truncated or edited folder is refused
        with a clear error; only files the manifest lists are read (a
        ``history.csv`` or ``summary.json`` it does not list is never shown).

        Raises
        ------
        ResultsError
            Naming the folder and the file that is missing, does not match, is not listed or is not what coopsim writes.
        """
        folder = Path(folder)
        manifest = read_manifest(folder)
        summary = read_listed_json(folder, "summary.json", manifest)
        history: list[tuple[int, float]] = []
        if listed(manifest, "history.csv"):
            with reading(folder, "history.csv"), open(folder / "history.csv", newline="", encoding="utf-8") as fh:
                history = [(int(r["year"]), float(r["value_usd_bn"])) for r in csv.DictReader(fh)]
        paths = None
        if all(listed(manifest, name) for name in PATH_FILES.values()):
            with reading(folder, PATH_FILES["trade"]):
                paths = TradePaths(*(np.load(folder / PATH_FILES[name], mmap_mode="r", allow_pickle=False) for name in TradePaths._fields))
        with reading(folder, "summary.json"):
            if not isinstance(summary, dict):
                raise TypeError(f"a JSON {type(summary).__name__}, not an object")  # reading() makes it a ResultsError
            return cls.from_json(summary, history=history, paths=paths, manifest=manifest)
