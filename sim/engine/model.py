"""The discrete-event model of one path (SimPy).

One ``simpy.Environment`` per path. Time is in years from 1 January of the
first simulated year. The processes:

* **financiers**: one yearly process refills every financier, in scenario
  order, with that year's drawn lending capacity (unused capacity carries
  over). Projects wait for finance first come, first served, strictly in order:
  a request that does not fit blocks those behind it, as with a
  ``simpy.Container`` get queue.
* **named projects** awaiting finance: one process each asks its financier,
  then builds for its drawn duration. Those operating or under construction
  need no process (their completion is drawn). A cancelled project stops all
  flows at the start.
* **generic projects** (pipeline launches and the backlog), usually hundreds a
  path, are not one process each: the financier decides them in batches at
  its refill events. Because service is strictly in order, the funded set is
  always a prefix of the request queue, so one cumulative sum against the
  available capacity decides a whole year. ``tests/oracle_model.py`` holds the
  one-process-per-project version and a test proves both give the same log.
* **implementation capacity** (optional): at most ``max_concurrent_builds``
  generic projects build at once, first funded, first built (a FIFO
  ``simpy.Resource``, computed with a heap of builder free times).
* **shocks**: processes that strike at their drawn times. Measures need no
  process: they take effect at the dates the scenario gives.

The result is an :class:`EventLog`; trade is assembled from it with numpy
(:mod:`sim.engine.trade`).
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass

import numpy as np
import simpy

from ..scenario import Scenario
from .sampling import STAGE_CODES, PathInputs

__all__ = ["EventLog", "simulate_path", "finance_requests"]

_AWAITING = STAGE_CODES["awaiting_finance"]


@dataclass(frozen=True)
class EventLog:
    """What happened on one path. Times in years from the start; ``inf`` for never.

    Attributes
    ----------
    generic_funded, generic_start, generic_end : ndarray, shape (m,)
        Finance, construction start and completion of each generic project.
    flagship_start, flagship_end : ndarray, shape (f,)
        Construction start and completion of each named project.
    flagship_stop : ndarray, shape (f,)
        Time after which a named project has no flows (0 if cancelled, else inf).
    shock_time : ndarray, shape (k,)
        Times the shocks struck (same order as ``PathInputs.shocks``).
    measure_start : ndarray, shape (n_measures,)
        Times the measures took effect.
    """

    generic_funded: np.ndarray
    generic_start: np.ndarray
    generic_end: np.ndarray
    flagship_start: np.ndarray
    flagship_end: np.ndarray
    flagship_stop: np.ndarray
    shock_time: np.ndarray
    measure_start: np.ndarray


@dataclass(frozen=True)
class FinanceRequests:
    """Every request for finance on one path, in queue order.

    ``kind`` is 0 for a named project and 1 for a generic one; ``index`` points
    into the flagship or generic arrays. Requests at the same time keep the
    order: named projects (file order), then generic ones (backlog first).
    """

    time: np.ndarray
    capex_usd_bn: np.ndarray
    financier: np.ndarray
    kind: np.ndarray
    index: np.ndarray


def finance_requests(x: PathInputs) -> FinanceRequests:
    """The queue of finance requests of a path (named awaiting projects and generic projects from the start)."""
    f, g = x.flagships, x.generic
    fl = np.flatnonzero((f.stage == _AWAITING) & ~f.cancelled)
    ge = np.flatnonzero((g.request_time >= 0) & ~g.cancelled)
    time = np.concatenate([np.maximum(f.request_time[fl], 0.0), g.request_time[ge]])
    order = np.argsort(time, kind="stable")
    return FinanceRequests(
        time=time[order],
        capex_usd_bn=np.concatenate([f.capex_usd_bn[fl], g.capex_usd_bn[ge]])[order],
        financier=np.concatenate([f.financier[fl], g.financier[ge]])[order],
        kind=np.concatenate([np.zeros(fl.size, np.int64), np.ones(ge.size, np.int64)])[order],
        index=np.concatenate([fl, ge])[order],
    )


class _Financier:
    """A lender's queue: capacity added yearly, requests served strictly in order.

    Behaves as a ``simpy.Container`` whose get requests queue in order (a
    request that does not fit blocks those behind it). Because service is in
    order, the funded requests are always a prefix of the queue: ``next`` marks
    its end and one binary search on the running total of capex decides a year.
    """

    def __init__(self, time: np.ndarray, capex: np.ndarray, n_years: int):
        self.time = time
        self.spent = np.cumsum(capex).tolist()  # running total of the queue's capex
        self.year_end = np.searchsorted(time, np.arange(1, n_years + 1), side="left").tolist()
        self.funded: list[tuple[int, int, int]] = []  # (first, stop, year) of each funded batch
        self.level = 0.0
        self.next = 0  # first request not yet funded

    def refill(self, year: int, added: float) -> tuple[int, int]:
        """Add a year's capacity and fund, in order, waiting requests and the year's arrivals.

        A request waiting at the refill is funded at the refill; one arriving
        later in the year is funded on arrival if everything before it was.
        Returns the range ``(first, stop)`` of requests funded.
        """
        self.level += added
        lo, hi = self.next, self.year_end[year]
        if lo >= hi:
            return lo, lo
        before = self.spent[lo - 1] if lo else 0.0
        stop = bisect.bisect_right(self.spent, self.level + before, lo, hi)
        if stop > lo:
            self.level -= self.spent[stop - 1] - before
            self.next = stop
            self.funded.append((lo, stop, year))
        return lo, stop

    def funded_time(self) -> np.ndarray:
        """Funding time of each request (inf if never): its arrival or the refill that reached it."""
        year = np.full(self.time.size, -1.0)
        for lo, stop, when in self.funded:
            year[lo:stop] = when
        return np.where(year >= 0, np.maximum(self.time, year), math.inf)


def _builders_fifo(funded: np.ndarray, duration: np.ndarray, builders: int, tie: np.ndarray) -> np.ndarray:
    """Start times under ``builders`` concurrent builds, first funded first built.

    Projects funded at the same time are taken in the order of ``tie``: the
    order in which their financiers served them (financiers in scenario order,
    each in queue order), as a SimPy ``Resource`` would see their requests.
    """
    start = np.full(funded.shape, math.inf)
    free: list[float] = [0.0] * builders
    for i in np.lexsort((tie, funded)):
        if not math.isfinite(funded[i]):
            break
        t = max(funded[i], heapq.heappop(free))
        start[i] = t
        heapq.heappush(free, t + duration[i])
    return start


def simulate_path(s: Scenario, x: PathInputs) -> EventLog:
    """Run the discrete-event model of one path.

    Parameters
    ----------
    s : Scenario
    x : PathInputs
        The path's random inputs, from :func:`sim.engine.sampling.draw_path`.
    """
    env = simpy.Environment()
    horizon = float(len(s.years))
    f, g = x.flagships, x.generic
    n_flag = f.stage.size

    generic_funded = np.where((g.request_time < 0) & ~g.cancelled, g.request_time, math.inf)
    flagship_start = np.where(f.cancelled & (f.stage == _AWAITING), math.inf, f.start_time)
    flagship_end = np.where(f.cancelled & (f.stage == _AWAITING), math.inf, f.end_time)
    flagship_stop = np.where(f.cancelled, 0.0, math.inf)
    funded_events = {int(j): env.event() for j in np.flatnonzero((f.stage == _AWAITING) & ~f.cancelled)}

    requests = finance_requests(x)
    n_years = x.capacity_usd_bn.shape[1]
    mine = [np.flatnonzero(requests.financier == k) for k in range(x.capacity_usd_bn.shape[0])]
    lenders = [_Financier(requests.time[rows], requests.capex_usd_bn[rows], n_years) for rows in mine]
    flagship_rows = [np.flatnonzero(requests.kind[rows] == 0).tolist() for rows in mine]
    capacity = x.capacity_usd_bn.tolist()

    def refills():
        """At the start of each year, every financier in scenario order gets its capacity and funds what it can."""
        for year in range(n_years):
            for k, lender in enumerate(lenders):
                first, stop = lender.refill(year, capacity[k][year])
                for local in flagship_rows[k]:
                    if first <= local < stop:
                        j = int(requests.index[mine[k][local]])
                        when = max(float(lender.time[local]), float(year))
                        env.timeout(when - env.now).callbacks.append(lambda _e, ev=funded_events[j]: ev.succeed())
            yield env.timeout(1.0)

    env.process(refills())

    def awaiting_project(j: int):
        yield funded_events[j]
        flagship_start[j] = env.now
        yield env.timeout(f.build_years[j])
        flagship_end[j] = env.now

    for j in funded_events:
        env.process(awaiting_project(j))

    shock_time = np.full(x.shocks.time.size, math.inf)

    def shock(i: int):
        yield env.timeout(x.shocks.time[i])
        shock_time[i] = env.now

    for i in range(x.shocks.time.size):
        env.process(shock(i))

    measure_start = np.array([m.start - s.start_year for m in s.measures], dtype=float)
    env.run(until=horizon)

    for rows, lender in zip(mine, lenders, strict=True):
        generic = requests.kind[rows] == 1
        generic_funded[requests.index[rows[generic]]] = lender.funded_time()[generic]

    # funded but not started by the horizon (awaiting processes still waiting) stay inf
    if n_flag:
        flagship_end = np.where(
            np.isfinite(flagship_start) & ~np.isfinite(flagship_end) & (f.stage == _AWAITING), flagship_start + f.build_years, flagship_end
        )

    duration = g.build_years + g.delay_years
    builders = s.portfolio.implementation.max_concurrent_builds if s.portfolio and s.portfolio.implementation else None
    if builders is None:
        generic_start = generic_funded.copy()
    else:
        # warm-up projects were built before the start, outside the capacity limit
        generic_start = np.where(g.request_time < 0, generic_funded, math.inf)
        later = g.request_time >= 0
        # the order financiers serve projects funded at one instant: financier, then queue position
        rank = np.zeros(g.request_time.size, dtype=np.int64)
        is_generic = requests.kind == 1
        serve_order = np.lexsort((np.arange(requests.time.size), requests.financier))
        position = np.empty_like(serve_order)
        position[serve_order] = np.arange(serve_order.size)
        rank[requests.index[is_generic]] = position[is_generic]
        starts = _builders_fifo(generic_funded[later], duration[later], builders, rank[later])
        generic_start[later] = np.where(starts < horizon, starts, math.inf)  # not started within the run
    return EventLog(
        generic_funded=generic_funded,
        generic_start=generic_start,
        generic_end=generic_start + duration,
        flagship_start=flagship_start,
        flagship_end=flagship_end,
        flagship_stop=flagship_stop,
        shock_time=shock_time,
        measure_start=measure_start,
    )
