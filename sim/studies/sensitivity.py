"""What drives the outcome: Sobol indices, a tornado chart and scenario discovery.

**Sobol indices** (:mod:`sim.studies.sobol`; SALib: Saltelli's sampling scheme on a scrambled Sobol
sequence, Saltelli 2010 and Jansen estimators, bootstrap confidence
intervals). The model of one path is ``y = g(x, e)``: ``x`` the scenario
inputs moved as :class:`sim.levers.Lever` settings, ``e`` the path's own
randomness (yearly growth innovations, the projects drawn, shocks). ``e``
enters the design as one more input, *path randomness*, whose setting picks
the path index; rows that share it share ``e``, which is what the estimators
need. The outputs are the indicator "target reached by year Y" (so the
indices decompose the variance behind ``P(target by Y)``) and annual trade in
year Y. Related inputs are grouped (all sectors' trade coefficients, all
financiers' capacities...) so the indices read as answers.

**Tornado** (:mod:`sim.studies.tornado`): each group moved alone to its inputs' 10th and 90th percentiles,
every run on the same paths (common random numbers), so the bars are paired
differences in ``P(target by Y)`` with their intervals.

**Scenario discovery** (:mod:`sim.studies.discovery`; PRIM, :mod:`sim.studies.prim`): on the drawn inputs
of the scenario's own paths, boxes of input values in which the target is
missed by year Y.

The outcome is a typed :class:`Sensitivity` (:class:`Tornado` and
:class:`Discovery` inside, tables as DataFrames); ``to_json()`` gives
``sensitivity.json``.
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
from ..run import check_path_count, default_workers, study_manifest
from ..scenario import Scenario, ScenarioError
from .discovery import Discovery, discover, discovery_features
from .levers import Lever, default_levers
from .prim import prim_boxes
from .sobol import RANDOMNESS, SOBOL_COLUMNS, evaluate_rows, run_rows, sobol_design, sobol_indices
from .tornado import TORNADO_COLUMNS, Tornado, ci95_pair, tornado_bars

__all__ = [
    "Discovery",
    "Sensitivity",
    "Tornado",
    "sensitivity",
    "evaluate_rows",
    "prim_boxes",
    "sobol_design",
    "sobol_indices",
    "discovery_features",
    "RANDOMNESS",
]

INPUT_COLUMNS = ("path", "group", "low", "high", "mode", "p10", "p90")
"""Columns of :attr:`Sensitivity.inputs`: each lever's dotted path, group, range, mode and tornado settings."""


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """Sobol indices, tornado bars and discovered boxes of a scenario.

    Attributes
    ----------
    scenario, scenario_sha256 : str
    year, seed : int
        The target year and root seed.
    target_usd_bn : float
        The target, USD bn a year.
    inputs : pandas.DataFrame
        The levers moved: ``path``, ``group``, ``low``, ``high``, ``mode``, ``p10``, ``p90``.
    design_rows : int
        Rows of the Saltelli design, one path each.
    p_reach_in_design : float
        Share of the design's rows that reach the target.
    sobol : pandas.DataFrame
        Long table (:data:`SOBOL_COLUMNS`): output, group, index (``first_order`` or ``total``), value, ci95_low, ci95_high.
    tornado : Tornado
    discovery : Discovery
    manifest : dict
    """

    scenario: str
    scenario_sha256: str
    year: int
    seed: int
    target_usd_bn: float
    inputs: pd.DataFrame
    design_rows: int
    p_reach_in_design: float
    sobol: pd.DataFrame
    tornado: Tornado
    discovery: Discovery
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def outputs(self) -> list[str]:
        """The outputs with Sobol indices, in order (``reached_by_YEAR``, ``trade_YEAR_usd_bn``)."""
        return list(dict.fromkeys(self.sobol["output"]))

    def indices(self, output: str) -> pd.DataFrame:
        """One output's indices: indexed by group (in order), columns ``first_order``, ``first_order_ci95_low`` ... ``total_ci95_high``."""
        rows = self.sobol[self.sobol["output"] == output]
        wide = rows.pivot(index="group", columns="index", values=["value", "ci95_low", "ci95_high"])
        wide.columns = [f"{index}" if what == "value" else f"{index}_{what}" for what, index in wide.columns]
        return wide.reindex(list(dict.fromkeys(rows["group"])))

    def first_order_sum(self, output: str) -> float:
        """Sum of one output's first-order indices (the rest of the variance comes from interactions)."""
        values = self.sobol[(self.sobol["output"] == output) & (self.sobol["index"] == "first_order")]["value"]
        return float(sum(values.tolist()))

    # -- the edge ---------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """``sensitivity.json`` as a JSON-ready dict."""
        sobol: dict[str, Any] = {}
        for r in self.sobol.itertuples():
            sobol.setdefault(r.output, {}).setdefault(r.group, {})[r.index] = {"value": r.value, "ci95": [r.ci95_low, r.ci95_high]}
        data = {
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "year": self.year,
            "seed": self.seed,
            "target_usd_bn": self.target_usd_bn,
            "inputs": self.inputs.to_dict("records"),
            "design_rows": self.design_rows,
            "p_reach_in_design": self.p_reach_in_design,
            "sobol": sobol,
            "sobol_sums": {out: {"first_order": self.first_order_sum(out)} for out in self.outputs},
            "tornado": self.tornado.to_json(),
            "discovery": self.discovery.to_json(),
        }
        return to_json_ready(data)

    @property
    def data(self) -> dict[str, Any]:
        """``sensitivity.json`` (:meth:`to_json`), read-only."""
        return self.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> Sensitivity:
        """A sensitivity study from ``sensitivity.json`` (missing numbers are NaN)."""
        sobol = [
            (output, group, index, number((e.get(index) or {}).get("value")), *ci95_pair((e.get(index) or {}).get("ci95")))
            for output, table in data["sobol"].items()
            for group, e in table.items()
            for index in ("first_order", "total")
        ]
        return cls(
            scenario=data["scenario"],
            scenario_sha256=data["scenario_sha256"],
            year=int(data["year"]),
            seed=int(data["seed"]),
            target_usd_bn=number(data["target_usd_bn"]),
            inputs=pd.DataFrame(data["inputs"], columns=list(INPUT_COLUMNS)),
            design_rows=int(data["design_rows"]),
            p_reach_in_design=number(data["p_reach_in_design"]),
            sobol=pd.DataFrame(sobol, columns=list(SOBOL_COLUMNS)),
            tornado=Tornado.from_json(data["tornado"]),
            discovery=Discovery.from_json(data["discovery"]),
            manifest=dict(manifest or {}),
        )

    # -- tables ---------------------------------------------------------
    def table(self) -> pd.DataFrame:
        """The Sobol indices as a ``pandas.DataFrame``: output, group, index, value, ci95_low, ci95_high."""
        return self.sobol.copy()

    def tornado_table(self) -> pd.DataFrame:
        """The tornado bars as a ``pandas.DataFrame``, largest swing first (:data:`TORNADO_COLUMNS`)."""
        return self.tornado.bars[list(TORNADO_COLUMNS)].copy()

    def _repr_html_(self) -> str:
        """For notebooks: the base probability and each group's Sobol total index and tornado swing."""
        output = self.outputs[0] if self.outputs else None
        totals = self.indices(output)["total"] if output else pd.Series(dtype=float)
        cells = "".join(
            f"<tr><td>{r.group}</td><td>{totals.get(r.group, math.nan):.2f}</td><td>{100 * r.diff_low:+.1f}</td><td>{100 * r.diff_high:+.1f}</td></tr>"
            for r in self.tornado.bars.itertuples()
        )
        return (
            f"<div><b>{self.scenario}</b>: P(target {self.target_usd_bn:g} USD bn reached by {self.year}) = {100 * self.tornado.p_base:.1f}%; "
            f"{len(self.discovery.boxes)} PRIM box(es) where it is missed.</div>"
            f"<table><tr><th>input group</th><th>Sobol total index</th><th>at 10th pct., points</th><th>at 90th pct., points</th></tr>{cells}</table>"
        )


def sensitivity(
    scenario: Scenario,
    year: int | None = None,
    *,
    base_rows: int = 512,
    tornado_paths: int = 1000,
    discovery_paths: int = 4000,
    levers: Sequence[Lever] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    dask: Any = None,
    progress: bool | None = None,
) -> Sensitivity:
    """Sobol indices, tornado and scenario discovery for ``P(target reached by year)``.

    Parameters
    ----------
    scenario : Scenario
    year : int, optional
        The target year (default 2030, or the horizon if earlier).
    base_rows : int
        Sobol base sample size N; the design has ``N * (groups + 2)`` rows, one path each.
    tornado_paths : int
        Paths per tornado run (each group twice, plus the baseline).
    discovery_paths : int
        Paths of the scenario whose drawn inputs scenario discovery explains.
    levers : sequence of Lever, optional
        Inputs to vary; default :func:`sim.levers.default_levers`.
    """
    year = min(2030, scenario.run.horizon_year) if year is None else year
    if year not in scenario.years:
        raise ScenarioError(
            scenario.source, [("--year", f"must be a simulated year, {scenario.years[0]} to {scenario.years[-1]} (got {year})")]
        )
    check_path_count(scenario, base_rows, "--base-rows")
    check_path_count(scenario, tornado_paths, "--tornado-paths")
    check_path_count(scenario, discovery_paths, "--discovery-paths")
    seed = scenario.run.seed if seed is None else seed
    workers = default_workers() if workers is None else workers
    levers = list(default_levers(scenario) if levers is None else levers)
    started = time.time()

    names = [lev.path for lev in levers] + [RANDOMNESS]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[lev.low, lev.high] for lev in levers] + [[0.0, 1.0]],
        "groups": [lev.group for lev in levers] + [RANDOMNESS],
    }
    design = sobol_design(problem, base_rows, seed)
    path_index = np.floor(design[:, -1] * 2**40).astype(np.int64)
    outputs = run_rows(scenario, levers, design[:, :-1], path_index, seed, year, workers, dask, progress, "sensitivity")

    sobol = [
        (output, group, index, e[index]["value"], *e[index]["ci95"])
        for column, output in ((0, f"reached_by_{year}"), (1, f"trade_{year}_usd_bn"))
        for group, e in sobol_indices(problem, outputs[:, column], seed).items()
        for index in ("first_order", "total")
    ]

    # scenario discovery on the paths' own drawn inputs
    discovery = discover(scenario, year, discovery_paths, seed, workers, dask)
    tornado = tornado_bars(scenario, levers, year, tornado_paths, seed, workers, dask)
    finished = time.time()
    return Sensitivity(
        scenario=scenario.name,
        scenario_sha256=scenario.sha256,
        year=year,
        seed=seed,
        target_usd_bn=scenario.trade.target_usd_bn,
        inputs=pd.DataFrame(
            [(lev.path, lev.group, lev.low, lev.high, lev.mode, lev.p10, lev.p90) for lev in levers],
            columns=list(INPUT_COLUMNS),
        ),
        design_rows=int(design.shape[0]),
        p_reach_in_design=float(outputs[:, 0].mean()),
        sobol=pd.DataFrame(sobol, columns=list(SOBOL_COLUMNS)),
        tornado=tornado,
        discovery=discovery,
        manifest=study_manifest(scenario, seed, started, finished),
    )
