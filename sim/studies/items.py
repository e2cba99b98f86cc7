"""The items of a portfolio study and their counterfactual runs: an item's capex, and the outcomes of a chunk of paths.

:func:`removal_chunk` runs a baseline and its counterfactuals on a range of
paths (on a worker) and reduces them to what :mod:`sim.studies.attribute` and
:mod:`sim.studies.prioritise` read: whether the target is reached, trade in
the year, each item's capex and gross flows, each path's organic law. A
counterfactual whose item touches no finance (:func:`removals`) is taken from
the baseline's draws and events (:mod:`sim.engine.removal`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..engine import PathInputs, counterfactual_batches, reached_by
from ..engine.removal import Removal
from ..scenario import Scenario
from .item_flows import gross_flows

__all__ = ["Item", "Outcomes", "item_capex", "outcome_chunk", "removal_chunk", "removals"]


@dataclass(frozen=True)
class Item:
    """One item of the portfolio: its name, its kind, and how its capex is read from a path's draws.

    ``index`` is the item's position among the scenario's named projects, its
    lenders or its sectors (``backlog`` items of :mod:`sim.studies.prioritise`);
    -1 where it has none.
    """

    name: str
    kind: str
    index: int = -1


def item_capex(x: PathInputs, item: Item, until: float) -> float:
    """An item's capex on one path, USD bn.

    Parameters
    ----------
    x : PathInputs
        The path's draws in the baseline.
    item : Item
    until : float
        End of the year studied, years from the start.

    Returns
    -------
    float
        A named project's capex; for the generic pipeline, the capex of the
        generic projects that ask for finance from the start to ``until``
        (abandoned ones never ask); for the portfolio, both; for a lender, the
        lending capacity it adds over those years (what removing it takes
        away); for a ``backlog`` item (a sector's backlog), the capex of its
        projects that ask for finance; 0 for a measure.
    """
    f, g = x.flagships, x.generic
    asks = (g.request_time >= 0) & (g.request_time < until) & ~g.cancelled
    if item.kind == "project":
        return float(f.capex_usd_bn[item.index])
    if item.kind == "pipeline":
        return float(g.capex_usd_bn[asks].sum())
    if item.kind == "portfolio":
        return float(f.capex_usd_bn.sum() + g.capex_usd_bn[asks].sum())
    if item.kind == "lender":
        return float(x.capacity_usd_bn[item.index, : math.ceil(until)].sum())
    if item.kind == "backlog":
        return float(g.capex_usd_bn[g.backlog & (g.sector == item.index) & ~g.cancelled].sum())
    return 0.0


class Outcomes(NamedTuple):
    """What a chunk of paths gives a study: per scenario (baseline first) and path, and per item and path.

    ``reached``: target reached by the year, bool ``(scenarios, paths)``;
    ``trade``: annual trade of the target's flow in the year, USD bn ``(scenarios, paths)``;
    ``capex``: each item's capex on the path, USD bn ``(items, paths)``;
    ``gross``: each item's own flows in the year in the baseline, on levels, USD bn ``(items, paths)``
    (:func:`sim.studies.item_flows.gross_flows`);
    ``law``: the organic law each path followed ``(paths,)``.
    """

    reached: np.ndarray
    trade: np.ndarray
    capex: np.ndarray
    gross: np.ndarray
    law: np.ndarray


def outcome_chunk(
    baseline: Scenario, variants: Sequence[Scenario], items: Sequence[Item], year: int, seed: int, offset: int, start: int, stop: int
) -> Outcomes:
    """Paths ``offset + start`` to ``offset + stop - 1`` of the baseline and its counterfactuals, reduced to a study's outcomes.

    Runs on a worker (:func:`sim.run.stream_chunks` appends ``start, stop``);
    ``items`` are those whose capex is read from the baseline's draws (none: an empty ``capex``).
    """
    return removal_chunk(baseline, variants, items, [None] * len(variants), year, seed, offset, start, stop)


def removals(scenario: Scenario, items: Sequence[Item]) -> list[Removal | None]:
    """For each item, its :class:`~sim.engine.removal.Removal` when removing it touches no finance (a measure, a named
    project that asks no lender: its counterfactual is the baseline's draws and events without it), else None."""
    projects = scenario.pipeline.projects if scenario.pipeline else []
    measures = [m.name for m in scenario.measures]
    out: list[Removal | None] = []
    for item in items:
        if item.kind == "measure":
            out.append(Removal("measure", measures.index(item.name)))
        elif item.kind == "project" and (projects[item.index].stage != "awaiting_finance" or projects[item.index].own_finance):
            out.append(Removal("project", item.index))
        else:
            out.append(None)
    return out


def removal_chunk(
    baseline: Scenario,
    variants: Sequence[Scenario],
    items: Sequence[Item],
    removed: Sequence[Removal | None],
    year: int,
    seed: int,
    offset: int,
    start: int,
    stop: int,
) -> Outcomes:
    """:func:`outcome_chunk` with each variant's :class:`~sim.engine.removal.Removal` (or None: simulated in full)."""
    k = baseline.years.index(year)
    target, flow = baseline.trade.target_usd_bn, baseline.trade.target_flow
    values, capex, gross, law = [], [], [], []
    keys = [(item.kind, item.index, item.name) for item in items]
    # the baseline is drawn and simulated once: its draws and events give the items' capex and gross flows
    for inputs, logs, runs in counterfactual_batches(baseline, variants, seed, offset + start, offset + stop, removed):
        values.append(np.stack([run.flow(flow)[:, : k + 1] for run in runs]))  # (scenarios, paths, years to Y)
        capex.append(np.array([[item_capex(x, item, k + 1.0) for x in inputs] for item in items]).reshape(len(items), len(inputs)))
        gross.append(gross_flows(baseline, inputs, logs, keys, k) if items else np.zeros((0, len(inputs))))
        law.append(runs[0].law)
    joined = np.concatenate(values, axis=1)
    return Outcomes(
        reached_by(joined, target)[:, :, -1],  # by year Y: the values stop there
        joined[:, :, -1],
        np.concatenate(capex, axis=1),
        np.concatenate(gross, axis=1),
        np.concatenate(law),
    )
