"""The discrete-event model of one path (SimPy).

One ``simpy.Environment`` per path. Time is in years from 1 January of the
first simulated year. The processes:

* **financiers**: one yearly process refills every financier, in scenario
  order, with that year's drawn lending capacity (unused capacity carries
  over). Projects wait for finance first come, first served, strictly in order:
  a request that does not fit blocks those behind it, as with a
  ``simpy.Container`` get queue. Requests that ``portfolio.priority`` names
  join the queue ahead of the waiting requests it ranks lower, in its order
  (:class:`_Financier`).
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

__all__ = ["EventLog", "finance_requests", "priority_ranks", "simulate_path"]

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
    """Every request for finance on one path, in order of arrival.

    ``kind`` is 0 for a named project and 1 for a generic one; ``index`` points
    into the flagship or generic arrays. Requests at the same time keep the
    order: named projects (file order), then generic ones (backlog first).
    ``rank`` is the position in ``portfolio.priority`` of the entry naming the
    request, and the length of that list for requests it does not name.
    """

    time: np.ndarray
    capex_usd_bn: np.ndarray
    financier: np.ndarray
    kind: np.ndarray
    index: np.ndarray
    rank: np.ndarray


def priority_ranks(s: Scenario, x: PathInputs) -> tuple[np.ndarray, np.ndarray]:
    """Rank in ``portfolio.priority`` of each named project and each generic project of a path.

    Returns
    -------
    (named, generic) : int arrays of shapes ``(f,)`` and ``(m,)``
        The position of the entry naming the project (its name, or ``backlog.SECTOR``
        for a backlog project); the length of the list for projects it does not name.
    """
    priority = s.portfolio.priority if s.portfolio else []
    rank = {entry: k for k, entry in enumerate(priority)}
    last = len(priority)
    projects = s.pipeline.projects if s.pipeline else []
    named = np.array([rank.get(p.name, last) for p in projects], dtype=np.int64)
    by_sector = np.array([rank.get(f"backlog.{name}", last) for name in (s.pipeline.sectors if s.pipeline else [])], dtype=np.int64)
    generic = np.full(x.generic.sector.size, last, dtype=np.int64)
    generic[x.generic.backlog] = by_sector[x.generic.sector[x.generic.backlog]]
    return named, generic


def finance_requests(x: PathInputs, ranks: tuple[np.ndarray, np.ndarray] | None = None) -> FinanceRequests:
    """The queue of finance requests of a path (named awaiting projects and generic projects from the start).

    ``ranks`` are :func:`priority_ranks` (default: none named, all rank 0).
    """
    f, g = x.flagships, x.generic
    fl = np.flatnonzero((f.stage == _AWAITING) & ~f.cancelled)
    ge = np.flatnonzero((g.request_time >= 0) & ~g.cancelled)
    named_rank, generic_rank = ranks if ranks is not None else (np.zeros(f.stage.size, np.int64), np.zeros(g.sector.size, np.int64))
    time = np.concatenate([np.maximum(f.request_time[fl], 0.0), g.request_time[ge]])
    order = np.argsort(time, kind="stable")
    return FinanceRequests(
        time=time[order],
        capex_usd_bn=np.concatenate([f.capex_usd_bn[fl], g.capex_usd_bn[ge]])[order],
        financier=np.concatenate([f.financier[fl], g.financier[ge]])[order],
        kind=np.concatenate([np.zeros(fl.size, np.int64), np.ones(ge.size, np.int64)])[order],
        index=np.concatenate([fl, ge])[order],
        rank=np.concatenate([named_rank[fl], generic_rank[ge]])[order],
    )


class _Financier:
    """A lender's queue: capacity added yearly, requests served strictly in order.

    Behaves as a ``simpy.Container`` whose get requests queue in order (a
    request that does not fit blocks those behind it). Without priorities the
    funded requests are always a prefix of the queue: ``next`` marks its end
    and one binary search on the running total of capex decides a year. With
    priorities (``rank`` not all equal) a request joins the queue ahead of the
    waiting requests of a worse rank: the refill serves those waiting in order
    of (rank, arrival), and a request arriving during the year is served on
    arrival if it is ahead of every request still waiting and fits.
    """

    def __init__(self, time: np.ndarray, capex: np.ndarray, n_years: int, rank: np.ndarray):
        self.time = time
        self.capex = capex
        self.spent = np.cumsum(capex).tolist()  # running total of the queue's capex
        self.year_end = np.searchsorted(time, np.arange(1, n_years + 1), side="left").tolist()
        self.rank = rank if rank.size and rank.min() < rank.max() else None
        self.waiting = np.empty(0, dtype=np.int64)  # with priorities: requests waiting, in no particular order
        self.funded_year = np.full(time.size, -1.0)
        self.level = 0.0
        self.next = 0  # first request not yet funded (with priorities: the first yet to arrive)

    def refill(self, year: int, added: float) -> range | np.ndarray:
        """Add a year's capacity and fund, in order, waiting requests and the year's arrivals.

        A request waiting at the refill is funded at the refill; one arriving
        later in the year is funded on arrival if it is then at the head of the
        queue and fits. Returns the positions funded.
        """
        self.level += added
        lo, hi = self.next, self.year_end[year]
        if self.rank is not None:
            return self._refill_ranked(year, lo, hi)
        if lo >= hi:
            return range(lo, lo)
        before = self.spent[lo - 1] if lo else 0.0
        stop = bisect.bisect_right(self.spent, self.level + before, lo, hi)
        if stop > lo:
            self.level -= self.spent[stop - 1] - before
            self.next = stop
            self.funded_year[lo:stop] = year
        return range(lo, stop)

    def _refill_ranked(self, year: int, lo: int, hi: int) -> np.ndarray:
        """A year of a queue with priorities: the refill serves those waiting by (rank, arrival); an arrival is served if it is ahead of all who wait."""
        assert self.rank is not None
        at_refill = int(np.searchsorted(self.time, year, side="right"))
        waiting = np.concatenate([self.waiting, np.arange(lo, max(lo, at_refill))])
        order = waiting[np.lexsort((waiting, self.rank[waiting]))]
        stop = int(np.searchsorted(np.cumsum(self.capex[order]), self.level, side="right"))
        funded = order[:stop].tolist()
        self.level -= float(self.capex[order[:stop]].sum())
        left = order[stop:].tolist()
        # the head of the queue does not fit now and capacity only falls until the next refill: an arrival is
        # served only if it goes ahead of every request waiting (a better rank) and fits
        head = (int(self.rank[left[0]]), left[0]) if left else None
        rank, capex = self.rank.tolist(), self.capex.tolist()
        for i in range(max(lo, at_refill), hi):
            key = (rank[i], i)
            if head is None or key < head:
                if capex[i] <= self.level:
                    funded.append(i)
                    self.level -= capex[i]
                    continue
                head = key
            left.append(i)
        self.waiting = np.array(left, dtype=np.int64)
        self.next = hi
        served = np.array(funded, dtype=np.int64)
        self.funded_year[served] = year
        return served

    def funded_time(self) -> np.ndarray:
        """Funding time of each request (inf if never): its arrival or the refill that reached it."""
        year = self.funded_year
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

    requests = finance_requests(x, priority_ranks(s, x))
    n_years = x.capacity_usd_bn.shape[1]
    mine = [np.flatnonzero(requests.financier == k) for k in range(x.capacity_usd_bn.shape[0])]
    lenders = [_Financier(requests.time[rows], requests.capex_usd_bn[rows], n_years, requests.rank[rows]) for rows in mine]
    flagship_rows = [np.flatnonzero(requests.kind[rows] == 0).tolist() for rows in mine]
    capacity = x.capacity_usd_bn.tolist()

    def refills():
        """At the start of each year, every financier in scenario order gets its capacity and funds what it can."""
        for year in range(n_years):
            for k, lender in enumerate(lenders):
                funded = lender.refill(year, capacity[k][year])
                for local in flagship_rows[k]:
                    if local in funded:
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
        # the order financiers serve projects funded at one instant: financier, then priority, then queue position
        rank = np.zeros(g.request_time.size, dtype=np.int64)
        is_generic = requests.kind == 1
        serve_order = np.lexsort((np.arange(requests.time.size), requests.rank, requests.financier))
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
