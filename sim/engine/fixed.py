"""What a scenario fixes for every path of it, worked out once per scenario object (:func:`scenario_tables`).

A run simulates thousands of paths of one scenario, and the tests many small runs; the finance model of a path
read these from the scenario's tables each time (a few microseconds a path, as much as a small path's own work).
A scenario is immutable once loaded (a frozen model; :meth:`~sim.scenario.Scenario.replace` makes a new one), so
its tables are kept for as long as the scenario object lives, keyed by its identity; their arrays are read-only,
so no path can change what the next one reads. Pydantic's ``frozen`` does not reach inside lists: code that
changed one in place (``s.portfolio.priority.append(...)``) would leave these tables stale. Nothing in ``sim``
does; change a scenario with :meth:`~sim.scenario.Scenario.replace`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario

__all__ = ["ScenarioTables", "read_only", "scenario_tables"]


@dataclass(frozen=True, eq=False)  # compared by identity: its fields hold arrays
class ScenarioTables:
    """The scenario's constants the finance model of a path reads.

    Attributes
    ----------
    horizon : float
        Simulated years (the end of the run, years from the start).
    builders : int or None
        ``portfolio.implementation.max_concurrent_builds`` (None: no limit).
    measure_start : ndarray, shape (n_measures,)
        When each measure takes effect, years from the start (read-only).
    unranked : int
        The rank of projects ``portfolio.priority`` does not name (its length).
    lapse_years : tuple of (float or None)
        Each financier's ``capacity_lapse_years`` (scenario order).
    fallback : tuple of (int or None)
        The position of each financier's ``fallback`` among the financiers.
    named_rank : ndarray of int, shape (f,)
        Rank in ``portfolio.priority`` of each named project (read-only).
    backlog_rank : ndarray of int, shape (n_sectors,) or None
        Rank of a backlog project of each sector (``backlog.SECTOR``); None without a priority list (every rank 0).
    """

    horizon: float
    builders: int | None
    measure_start: np.ndarray
    unranked: int
    lapse_years: tuple[float | None, ...]
    fallback: tuple[int | None, ...]
    named_rank: np.ndarray
    backlog_rank: np.ndarray | None


def read_only(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only (shared by every path: none can change what another reads)."""
    a.flags.writeable = False
    return a


def _tables(s: Scenario) -> ScenarioTables:
    portfolio, pipeline = s.portfolio, s.pipeline
    financiers = list(portfolio.financiers.values()) if portfolio else []
    names = list(portfolio.financiers) if portfolio else []
    priority = portfolio.priority if portfolio else []
    projects = pipeline.projects if pipeline else []
    rank = {entry: k for k, entry in enumerate(priority)}
    last = len(priority)
    return ScenarioTables(
        horizon=float(len(s.years)),
        builders=portfolio.implementation.max_concurrent_builds if portfolio and portfolio.implementation else None,
        measure_start=read_only(np.array([m.start - s.start_year for m in s.measures], dtype=float)),
        unranked=last,
        lapse_years=tuple(fin.capacity_lapse_years for fin in financiers),
        fallback=tuple(None if fin.fallback is None else names.index(fin.fallback) for fin in financiers),
        # without a priority list every project is at rank 0, the length of the list
        named_rank=read_only(np.array([rank.get(p.name, last) for p in projects], dtype=np.int64)),
        backlog_rank=read_only(np.array([rank.get(f"backlog.{name}", last) for name in pipeline.sectors], dtype=np.int64))
        if priority and pipeline
        else None,
    )


_KEPT: dict[int, tuple[weakref.ref[Scenario], ScenarioTables]] = {}
"""The tables of each living scenario object, by ``id``, with a weak reference to it (an id is reused once it dies)."""


def scenario_tables(s: Scenario) -> ScenarioTables:
    """The :class:`ScenarioTables` of ``s``, worked out at its first path and kept while ``s`` lives."""
    key = id(s)
    kept = _KEPT.get(key)
    if kept is not None and kept[0]() is s:
        return kept[1]
    tables = _tables(s)
    _KEPT[key] = (weakref.ref(s, lambda _ref, key=key: _forget(key, _ref)), tables)
    return tables


def _forget(key: int, ref: weakref.ref[Scenario]) -> None:
    """Drop the tables of a scenario that died (unless its id already holds a newer scenario's)."""
    kept = _KEPT.get(key)
    if kept is not None and kept[0] is ref:
        del _KEPT[key]
