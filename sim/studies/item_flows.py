"""What each item of the portfolio adds gross: its own flows in the baseline's paths, in levels, in one year.

An item's **gross** flows are those of its own projects as they happen in the
baseline (construction imports and operating flows, or a measure's effect),
counted whole in the year studied, not as changes from the base year: what the
item puts into that year's trade before anything it does to others. The
attribution's **net** effect (baseline less the world without the item) adds
what the item's absence would do to other projects: the finance it takes from
them (crowding out), the capacity it leaves unused.

Whose projects: a named project, its own; the generic pipeline, every generic
project the baseline's path models (the warm-up projects still building or
ramping up in the base year, the launches after it and the backlog); the
portfolio, all of them and the named projects; a lender, the projects whose
request it funded from the start (warm-up projects were funded before it and
are nobody's); a sector's backlog, its backlog projects; a measure, its effect.
Flows are in the target reporter's statistics (the path's reporter ratio) and
before the bound on import substitution (a year's exports or imports never
below zero, :mod:`sim.engine.trade`), which binds on few paths. A transport
link's uplift of organic trade (``trade_level_uplift``) is not a flow of its
own and is not in its gross: it shows in its net (the railway's, after it opens).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from ..engine import EventLog, PathInputs
from ..engine.finance_book import Outcome
from ..engine.flows import DIRECTIONS, measure_cumulative, project_cumulative
from ..scenario import Scenario

__all__ = ["gross_flows"]


def _only(log: EventLog, generic: np.ndarray | None, named: np.ndarray | None) -> EventLog:
    """The log with every project not selected never started (no flows); ``None`` keeps none of that kind."""
    g_start = log.generic_start if generic is None else np.where(generic, log.generic_start, np.inf)
    f_start = log.flagship_start if named is None else np.where(named, log.flagship_start, np.inf)
    return dataclasses.replace(log, generic_start=g_start, flagship_start=f_start)


def _funded_by(log: EventLog, lender: int, kind: int, size: int) -> np.ndarray:
    """Projects of ``kind`` (0 named, 1 generic) whose request ``lender`` funded."""
    fin = log.finance
    rows = (fin.lender == lender) & (fin.kind == kind) & (fin.outcome == Outcome.FUNDED)
    out = np.zeros(size, dtype=bool)
    out[fin.index[rows]] = True
    return out


def _select(item_kind: str, index: int, x: PathInputs, log: EventLog) -> tuple[np.ndarray, np.ndarray]:
    """The generic and named projects of an item on one path (boolean masks)."""
    g_n, f_n = x.generic.sector.size, x.flagships.stage.size
    none_g, none_f = np.zeros(g_n, dtype=bool), np.zeros(f_n, dtype=bool)
    if item_kind == "project":
        named = none_f.copy()
        named[index] = True
        return none_g, named
    if item_kind == "pipeline":
        return np.ones(g_n, dtype=bool), none_f
    if item_kind == "portfolio":
        return np.ones(g_n, dtype=bool), np.ones(f_n, dtype=bool)
    if item_kind == "lender":
        return _funded_by(log, index, 1, g_n), _funded_by(log, index, 0, f_n)
    if item_kind == "backlog":
        return x.generic.backlog & (x.generic.sector == index), none_f
    return none_g, none_f


def _flow(values: np.ndarray, flow: str) -> np.ndarray:
    """``(paths, 2)`` exports and imports reduced to the target's flow."""
    return values.sum(axis=1) if flow == "turnover" else values[:, DIRECTIONS.index(flow)]


def gross_flows(
    s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], items: Sequence[tuple[str, int, str]], k: int
) -> np.ndarray:
    """Each item's own flows in simulated year ``k`` of the baseline's paths, in levels, USD bn of the target's flow.

    Parameters
    ----------
    s : Scenario
        The baseline.
    inputs, logs : sequences of equal length
        The baseline's draws and event logs of the paths.
    items : sequence of (kind, index, name)
        Each item's kind (:data:`sim.studies.attribute.KINDS` or ``backlog``), its index among the named
        projects, lenders or sectors, and its name (a measure's).
    k : int
        The simulated year's index.

    Returns
    -------
    ndarray, shape (items, paths)
    """
    edges = np.array([float(k), k + 1.0])
    flow = s.trade.target_flow
    out = np.zeros((len(items), len(inputs)))
    ratio = np.ones(len(inputs))
    if s.trade.measured_by != s.trade.reporter:
        ratio = np.exp(np.array([x.reporter_log_ratio[k] for x in inputs]))
    names = [m.name for m in s.measures]
    for i, (kind, index, name) in enumerate(items):
        if kind == "measure":
            j = names.index(name)
            only = [
                dataclasses.replace(x, measure_effect_usd_bn=np.where(np.arange(len(names)) == j, x.measure_effect_usd_bn, 0.0))
                for x in inputs
            ]
            cumulative = measure_cumulative(s, only, logs, edges)
            out[i] = _flow(cumulative[:, 1] - cumulative[:, 0], flow)
            continue
        masked = [_only(log, *_select(kind, index, x, log)) for x, log in zip(inputs, logs, strict=True)]
        construction, operating = project_cumulative(s, inputs, masked, edges)
        year = operating[:, 1] - operating[:, 0]
        year[:, DIRECTIONS.index("imports")] += construction[:, 1] - construction[:, 0]
        out[i] = _flow(year, flow)
    return out * ratio
