"""The engine's entry points: the annual trade of a range of paths, from their draws to their trade.

A path's trade depends only on the scenario, the root seed and the path's
index, so any range of paths can be simulated anywhere, in any order
(:mod:`sim.run` merges ranges in path order).

:func:`simulate_counterfactuals` runs variants of a baseline (a project
removed, a lender without capacity, a priority order) on the same paths, each
path keeping the organic trade it has in the baseline and measuring its
flows against the baseline's base year (:func:`sim.engine.trade.assemble_with_organic`): the counterfactual hook of
the attribution and prioritisation studies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..scenario import Scenario
from . import model
from .model import EventLog, simulate_path
from .organic import Organic
from .removal import Removal, without
from .sampling import BATCH_PATHS, PathInputs, draw_paths, law_of_paths
from .trade import TradePaths, assemble_with_organic

__all__ = ["ASSEMBLY_PATHS", "counterfactual_batches", "simulate_batches", "simulate_chunk", "simulate_counterfactuals"]

ASSEMBLY_PATHS = BATCH_PATHS
"""Paths drawn and assembled together (:data:`sim.engine.sampling.BATCH_PATHS`)."""


def _simulated(scenario: Scenario, seed: int, paths: Sequence[int]) -> tuple[list[PathInputs], list[EventLog]]:
    """Draw and simulate a few paths: their inputs and event logs."""
    inputs = draw_paths(scenario, seed, paths)
    return inputs, [simulate_path(scenario, x) for x in inputs]


def _by_law(scenario: Scenario, seed: int, paths: Sequence[int]) -> list[tuple[int, Scenario, np.ndarray]]:
    """The paths of each law of ``scenario``: (law index, the law's scenario, positions in ``paths``); the scenario itself without laws."""
    if not scenario.laws:
        return [(0, scenario, np.arange(len(paths)))]
    codes = law_of_paths(scenario, seed, paths)
    groups = [(k, law.scenario, np.flatnonzero(codes == k)) for k, law in enumerate(scenario.laws)]
    return [g for g in groups if g[2].size]


def _pick(organic: Organic, rows: np.ndarray) -> Organic:
    return Organic(*(None if f is None else f[rows] for f in organic))


def _merge(n: int, parts: list[tuple[np.ndarray, TradePaths, Organic]]) -> tuple[TradePaths, Organic]:
    """Rows of each law's paths put back in path order."""
    if len(parts) == 1 and parts[0][0].size == n:
        return parts[0][1], parts[0][2]
    trade = [np.empty((n, *f.shape[1:]), dtype=f.dtype) for f in parts[0][1]]
    organic = [None if f is None else np.empty((n, *f.shape[1:]), dtype=f.dtype) for f in parts[0][2]]
    for rows, paths, own in parts:
        for out, f in zip(trade, paths, strict=True):
            out[rows] = f
        for out, f in zip(organic, own, strict=True):
            if out is not None and f is not None:
                out[rows] = f
    return TradePaths(*trade), Organic(*organic)


def one_assembly(scenario: Scenario) -> bool:
    """True when a mixture's paths can be assembled together: its laws differ only in what each path's drawn inputs carry
    (the share's long run, persistence, sd and drift; total trade's mean and sd), not in what assembly reads from the
    scenario (total trade's AR(1) persistence and Student-t innovations; the law by direction's tables)."""
    base = scenario.trade.structural
    return base is not None and all(
        law.scenario.trade.structural is not None
        and law.scenario.trade.directions is None
        and law.scenario.trade.structural.total_growth.persistence == base.total_growth.persistence
        and law.scenario.trade.structural.total_growth.df == base.total_growth.df
        for law in scenario.laws
    )


def _run(
    scenario: Scenario, seed: int, paths: Sequence[int], organic_from: Organic | None = None
) -> tuple[list[PathInputs], list[EventLog], TradePaths, Organic]:
    """Draw, simulate and assemble a few paths (on ``organic_from``'s organic trade when given): inputs, logs, trade, organic.

    Under a mixture of organic laws, each path is simulated as its law's scenario simulates it
    (:func:`sim.engine.sampling.law_of_paths`): the same path, bit for bit, as a run of that law alone. Laws that
    differ only in drawn inputs (:func:`one_assembly`) are assembled together, the others law by law.
    """
    if not scenario.laws or one_assembly(scenario):
        inputs, logs = _simulated(scenario, seed, paths)
        trade, organic = assemble_with_organic(scenario, inputs, logs, organic_from)
        if scenario.laws:
            trade = trade._replace(law=np.array([x.law for x in inputs], dtype=np.int8))
        return inputs, logs, trade, organic
    parts = []
    inputs: list[PathInputs | None] = [None] * len(paths)
    logs: list[EventLog | None] = [None] * len(paths)
    for k, own, rows in _by_law(scenario, seed, paths):
        got, events = _simulated(own, seed, [paths[i] for i in rows])
        trade, organic = assemble_with_organic(own, got, events, None if organic_from is None else _pick(organic_from, rows))
        parts.append((rows, trade._replace(law=np.full(rows.size, k, dtype=np.int8)), organic))
        for i, x, log in zip(rows, got, events, strict=True):
            inputs[i], logs[i] = x, log
    trade, organic = _merge(len(paths), parts)
    return inputs, logs, trade, organic  # type: ignore[return-value]


def _assembled(scenario: Scenario, seed: int, paths: Sequence[int], organic_from: Organic | None = None) -> tuple[TradePaths, Organic]:
    """:func:`_run`'s trade and organic trade."""
    return _run(scenario, seed, paths, organic_from)[2:]


IDLE_ASSEMBLY_PATHS = 250
"""Paths drawn and assembled together by :func:`simulate_chunk` for a scenario without a pipeline (no project to finance:
a path's arrays are a few numbers a year, and a batch's fixed cost, not its size, is what costs)."""


def _batches(start: int, stop: int, size: int = ASSEMBLY_PATHS) -> list[range]:
    return [range(a, min(a + size, stop)) for a in range(start, stop, size)]


def simulate_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> TradePaths:
    """Simulate paths ``start`` to ``stop - 1``.

    Parameters
    ----------
    scenario : Scenario
    seed : int
        Root seed of the run.
    start, stop : int
        The range of path indices.

    Returns
    -------
    TradePaths
        Annual trade by component and direction, shape ``(stop - start, n_years, 4, 2)``, USD bn,
        with the country's total trade and the partner's share (structural law).
    """
    # a path's trade depends on its index alone, not on the paths drawn and assembled with it (tested), so batches may differ
    size = IDLE_ASSEMBLY_PATHS if scenario.pipeline is None and model._SKIP_IDLE else ASSEMBLY_PATHS
    return TradePaths.concat([_assembled(scenario, seed, batch)[0] for batch in _batches(start, stop, size)])


def simulate_batches(scenario: Scenario, seed: int, start: int, stop: int) -> Iterator[tuple[list[PathInputs], list[EventLog], TradePaths]]:
    """Paths ``start`` to ``stop - 1`` a batch at a time, for studies that read each path's inputs and events beside its trade.

    Each batch of :data:`ASSEMBLY_PATHS` paths is drawn, simulated and assembled together, exactly as
    :func:`simulate_chunk` does it (the same trade, to the bit).

    Yields
    ------
    (inputs, logs, trade) : list of PathInputs, list of EventLog, TradePaths
        The batch's paths in order; ``trade`` of shape ``(paths in the batch, n_years, 4, 2)``, USD bn.
    """
    for batch in _batches(start, stop):
        yield _run(scenario, seed, batch)[:3]


def _assembled_as_run(
    scenario: Scenario, inputs: list[PathInputs], logs: list[EventLog], law: np.ndarray, organic_from: Organic
) -> TradePaths:
    """Trade of paths already drawn and simulated, assembled as :func:`_run` assembles them (law by law where it must)."""
    if not scenario.laws or one_assembly(scenario):
        trade = assemble_with_organic(scenario, inputs, logs, organic_from)[0]
        return trade._replace(law=law.copy()) if scenario.laws else trade
    parts = []
    for k, _, rows in _by_law_codes(scenario, law):
        trade, organic = assemble_with_organic(
            scenario.laws[k].scenario, [inputs[i] for i in rows], [logs[i] for i in rows], _pick(organic_from, rows)
        )
        parts.append((rows, trade._replace(law=np.full(rows.size, k, dtype=np.int8)), organic))
    return _merge(len(inputs), parts)[0]


def _by_law_codes(scenario: Scenario, law: np.ndarray) -> list[tuple[int, Scenario, np.ndarray]]:
    groups = [(k, entry.scenario, np.flatnonzero(law == k)) for k, entry in enumerate(scenario.laws)]
    return [g for g in groups if g[2].size]


def counterfactual_batches(
    baseline: Scenario,
    variants: Sequence[Scenario],
    seed: int,
    start: int,
    stop: int,
    removals: Sequence[Removal | None] | None = None,
) -> Iterator[tuple[list[PathInputs], list[EventLog], list[TradePaths]]]:
    """:func:`simulate_counterfactuals` a batch at a time, with the baseline's inputs and event logs (drawn once).

    ``removals`` (one per variant, or None) names variants that are the baseline without an item touching no finance
    (:mod:`sim.engine.removal`): their draws and events are the baseline's with the item deleted, assembled without
    running the finance model again; the same trade, to the bit, as simulating them.

    Yields
    ------
    (inputs, logs, runs) : list of PathInputs, list of EventLog, list of TradePaths
        The baseline's draws and events for the batch's paths, and the trade of the baseline then of each variant.
    """
    removals = list(removals) if removals is not None else [None] * len(variants)
    for batch in _batches(start, stop):
        inputs, logs, trade, organic = _run(baseline, seed, batch)
        runs = [trade]
        for variant, removal in zip(variants, removals, strict=True):
            if removal is None:
                runs.append(_assembled(variant, seed, batch, organic)[0])
                continue
            own = [without(x, log, removal) for x, log in zip(inputs, logs, strict=True)]
            runs.append(_assembled_as_run(variant, [x for x, _ in own], [log for _, log in own], trade.law, organic))
        yield inputs, logs, runs


def simulate_counterfactuals(baseline: Scenario, variants: Sequence[Scenario], seed: int, start: int, stop: int) -> list[TradePaths]:
    """Paths ``start`` to ``stop - 1`` of a baseline and of variants of it, each path keeping its baseline organic trade.

    Every variant draws its own inputs on the same seed and paths (common random
    numbers: entities it shares with the baseline draw the same numbers), runs
    its own finance model and flows, and takes each path's organic turnover
    level, exports share and (structural law) total trade and partner share
    from the baseline's run of that path, and measures its flows against the
    baseline's base-year flows (on levels: a project removed takes its
    base-year flows with it, :mod:`sim.engine.trade`). With a partly observed
    first year, the flows a variant loses in the observed months are thus not
    handed to organic trade. The multiplier of transport links is the variant's own;
    shocks are the same.

    Parameters
    ----------
    baseline : Scenario
    variants : sequence of Scenario
        The baseline changed in its modelled flows only (same trade law, observation and years).
    seed : int
        Root seed of the run.
    start, stop : int
        The range of path indices.

    Returns
    -------
    list of TradePaths
        The baseline's paths (as :func:`simulate_chunk` gives them), then each variant's, in order;
        trade of shape ``(stop - start, n_years, 4, 2)``, USD bn.
    """
    parts: list[list[TradePaths]] = [[] for _ in range(len(variants) + 1)]
    for _, _, runs in counterfactual_batches(baseline, variants, seed, start, stop):
        for out, trade in zip(parts, runs, strict=True):
            out.append(trade)
    return [TradePaths.concat(p) for p in parts]
