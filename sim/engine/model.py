"""The discrete-event model of one path (SimPy).

One ``simpy.Environment`` per path (:func:`_run_events`; a path where nothing asks for finance and nothing
strikes, as in an organic-only scenario, has no event to run and needs none). Time is in years from 1 January of the
first simulated year. The processes:

* **lenders** (:mod:`sim.engine.lenders`): one process each. Capacity
  arrives at yearly refills (with the lender's trend and shock sensitivity,
  drawn up front) and lapses when unused for ``capacity_lapse_years``;
  requests wait first come, first served, strictly in order (a request that
  does not fit blocks those behind it, as with a ``simpy.Container`` get
  queue), ranked requests of ``portfolio.priority`` ahead of the others; a
  request whose patience runs out leaves, for the lender's ``fallback``
  (once, with a fresh patience) or for good.
* **named projects** awaiting finance: one process each asks its financier
  and waits for the first of its funding and the end of its patience
  (``funded | deadline``); funded, it builds for its drawn duration; out of
  patience, it takes its request back and asks the fallback, or withdraws.
  Those operating or under construction need no process (their completion is
  drawn). A cancelled project stops all flows at the start. One that its own
  company finances (``own_finance``) asks no lender: it starts building at
  its request and takes nobody's capacity (:func:`own_financed_times`).
* **generic projects** (pipeline launches and the backlog), usually hundreds a
  path, are not one process each: each lender decides its own in batches,
  with running totals of capex against its level (see
  :mod:`sim.engine.lenders`). ``tests/oracle_model.py`` holds the
  one-process-per-project version and a test proves both give the same log.
* **implementation capacity** (optional): at most ``max_concurrent_builds``
  generic projects build at once, first funded, first built (a FIFO
  ``simpy.Resource``, computed with a heap of builder free times).
* **shocks**: processes that strike at their drawn times. Measures need no
  process: they take effect at the dates the scenario gives.

The result is an :class:`EventLog`; trade is assembled from it with numpy
(:mod:`sim.engine.trade`), and the finance statistics from its
:class:`~sim.engine.finance_book.FinanceLog` (:func:`finance_tables`).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import simpy

from ..scenario import Scenario
from .finance_book import FinanceBook, FinanceLog, Outcome
from .fixed import read_only, scenario_tables
from .lender_queue import Lane
from .lenders import LATE, Lender, at
from .sampling import STAGE_CODES, PathInputs

__all__ = [
    "EventLog",
    "FINANCE_COLUMNS",
    "finance_requests",
    "finance_tables",
    "own_financed_times",
    "priority_ranks",
    "simulate_path",
    "wait_bin",
    "wait_bins",
]

_AWAITING = STAGE_CODES["awaiting_finance"]
_INT16_MAX = int(np.iinfo(np.int16).max)  # (np.iinfo builds an object at each call: some microseconds a path)
_SKIP_IDLE = True
"""Whether paths with no project skip the finance model (:func:`_idle_log`) and chunks without projects, requests or shocks
the sums that would give zeros or ones (:func:`finance_tables`, :func:`sim.engine.flows.project_cumulative` and
:func:`~sim.engine.flows.multipliers`). Tests turn it off to compare with the full computation."""


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
    finance : FinanceLog
        Every request for finance made from the start, and what became of it.
    """

    generic_funded: np.ndarray
    generic_start: np.ndarray
    generic_end: np.ndarray
    flagship_start: np.ndarray
    flagship_end: np.ndarray
    flagship_stop: np.ndarray
    shock_time: np.ndarray
    measure_start: np.ndarray
    finance: FinanceLog


@dataclass(frozen=True)
class FinanceRequests:
    """The first request for finance of every project on one path, in queue order.

    ``kind`` is 0 for a named project and 1 for a generic one; ``index`` points
    into the flagship or generic arrays. Requests at the same time keep the
    order: named projects (file order), then generic ones (backlog first).
    ``rank`` is the position in ``portfolio.priority`` of the entry naming the
    request's project, and the length of that list for projects it does not
    name. ``patience_years`` (shape ``(n, 2)``) is the project's patience at
    its financier, then at that financier's fallback.
    """

    time: np.ndarray
    capex_usd_bn: np.ndarray
    financier: np.ndarray
    kind: np.ndarray
    index: np.ndarray
    rank: np.ndarray
    patience_years: np.ndarray


def priority_ranks(s: Scenario, x: PathInputs) -> tuple[np.ndarray, np.ndarray]:
    """Rank in ``portfolio.priority`` of each named project and each generic project of a path.

    Returns
    -------
    (named, generic) : int arrays of shapes ``(f,)`` and ``(m,)``
        The position of the entry naming the project (its name, or ``backlog.SECTOR``
        for a backlog project); the length of the list for projects it does not name.
        ``named`` is the scenario's (:func:`~sim.engine.fixed.scenario_tables`), read-only.
    """
    tables = scenario_tables(s)
    if tables.backlog_rank is None:  # every project unnamed: all at rank 0, the length of the list
        return tables.named_rank, np.zeros(x.generic.sector.size, dtype=np.int64)
    generic = np.full(x.generic.sector.size, tables.unranked, dtype=np.int64)
    generic[x.generic.backlog] = tables.backlog_rank[x.generic.sector[x.generic.backlog]]
    named = tables.named_rank
    return named, generic


def finance_requests(x: PathInputs, ranks: tuple[np.ndarray, np.ndarray] | None = None) -> FinanceRequests:
    """The queue of first finance requests of a path (named awaiting projects and generic projects from the start),
    made before the horizon (a backlog spread over more years than the run holds asks partly after it).

    ``ranks`` are :func:`priority_ranks` (default: none named, all rank 0).
    """
    f, g = x.flagships, x.generic
    horizon = x.capacity_usd_bn.shape[1]
    # a project its own company finances asks no lender (:func:`own_financed_times`)
    # (.nonzero()[0] of a 1-d mask: np.flatnonzero's result without its ravel and dispatch, a path's fixed cost)
    fl = ((f.stage == _AWAITING) & ~f.own_finance & ~f.cancelled & (f.request_time < horizon)).nonzero()[0]
    ge = ((g.request_time >= 0) & (g.request_time < horizon) & ~g.cancelled).nonzero()[0]
    named_rank, generic_rank = ranks if ranks is not None else (np.zeros(f.stage.size, np.int64), np.zeros(g.sector.size, np.int64))
    time = np.concatenate([np.maximum(f.request_time[fl], 0.0), g.request_time[ge]])
    order = time.argsort(kind="stable")
    return FinanceRequests(
        time=time[order],
        capex_usd_bn=np.concatenate([f.capex_usd_bn[fl], g.capex_usd_bn[ge]])[order],
        financier=np.concatenate([f.financier[fl], g.financier[ge]])[order],
        kind=(order >= fl.size).astype(np.int64),  # the named projects come first in the concatenation
        index=np.concatenate([fl, ge])[order],
        rank=np.concatenate([named_rank[fl], generic_rank[ge]])[order],
        # take: rows of a 2-d array, much faster than fancy indexing
        patience_years=np.concatenate([f.patience_years.take(fl, axis=0), g.patience_years.take(ge, axis=0)]).take(order, axis=0),
    )


def own_financed_times(x: PathInputs, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Construction start and completion of the named projects their own company finances; NaN for the others.

    Such a project takes no lender's capacity and waits for none: it starts
    building at its request (the start if it asked before), for its drawn
    build years; cancelled, or asking after the horizon, it never starts (inf).
    """
    f = x.flagships
    own = (f.stage == _AWAITING) & f.own_finance
    start = np.where(f.cancelled | (f.request_time >= horizon), math.inf, np.maximum(f.request_time, 0.0))
    return np.where(own, start, math.nan), np.where(own, start + f.build_years, math.nan)


def _builders_fifo(funded: np.ndarray, duration: np.ndarray, builders: int, tie: np.ndarray) -> np.ndarray:
    """Start times under ``builders`` concurrent builds, first funded first built.

    Projects funded at the same time are taken in the order of ``tie``: the
    order in which their financiers served them (financiers in scenario order,
    each in its order of service), as a SimPy ``Resource`` would see their requests.
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


def _lenders(s: Scenario, x: PathInputs, env: simpy.Environment, requests: FinanceRequests, book: FinanceBook) -> list[Lender]:
    """One :class:`~sim.engine.lenders.Lender` per financier, with its own generic requests by rank and its fallback."""
    tables = scenario_tables(s)
    lapse_years, unranked = tables.lapse_years, tables.unranked
    horizon = float(x.capacity_usd_bn.shape[1])
    # generic requests by lender, then rank, each in queue order
    generic = np.flatnonzero(requests.kind == 1)
    key = requests.financier[generic] * (unranked + 1) + requests.rank[generic]
    if len(lapse_years) * (unranked + 1) <= _INT16_MAX:
        key = key.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort: the same order, faster than a merge sort
    sort = key.argsort(kind="stable")
    generic, key = generic[sort], key[sort]
    cuts = (np.flatnonzero(key[1:] != key[:-1]) + 1).tolist()
    # each lane is a run of the sorted rows: gathered once, then sliced
    times, capexes, deadlines = requests.time[generic], requests.capex_usd_bn[generic], book.deadline[generic]
    lanes: list[dict[int, Lane]] = [{} for _ in lapse_years]
    for first, stop in zip([0, *cuts], [*cuts, generic.size], strict=True):
        if first < stop:
            k, rank = divmod(int(key[first]), unranked + 1)
            lanes[k][rank] = Lane(rank, times[first:stop], generic[first:stop], capexes[first:stop], deadlines[first:stop])
    named_asks: list[list[float]] = [[] for _ in lapse_years]  # by lender, in queue order
    for record in np.flatnonzero(requests.kind == 0).tolist():
        named_asks[requests.financier.item(record)].append(requests.time.item(record))
    capacity = x.capacity_usd_bn.tolist()
    lenders = [Lender(env, k, capacity[k], lapse, book, lanes[k], unranked, named_asks[k], horizon) for k, lapse in enumerate(lapse_years)]
    for lender, fallback in zip(lenders, tables.fallback, strict=True):
        if fallback is not None:
            lender.fallback = lenders[fallback]
            lender.fallback.target = True
    for lender in lenders:
        lender.start()
    return lenders


def _run_events(
    s: Scenario,
    x: PathInputs,
    requests: FinanceRequests,
    book: FinanceBook,
    horizon: float,
    flagship_start: np.ndarray,
    flagship_end: np.ndarray,
    shock_time: np.ndarray,
) -> None:
    """The SimPy part of :func:`simulate_path`: the lenders, the named projects awaiting finance and the shocks, run to the
    horizon. Writes the named projects' start and end, the shocks' times and the book's records in place."""
    env = simpy.Environment()
    f = x.flagships

    def named_project(record: int, j: int, lender: Lender):
        """Ask, wait for the first of funding and the end of patience; then build, or ask the fallback once, or withdraw."""
        rank = requests.rank.item(record)  # kept at the fallback
        if book.asked[record] > 0:
            yield env.timeout(book.asked[record])
        for stage in (0, 1):
            funded = env.event()
            lender.hand(record, rank, funded, first=stage == 0)
            patience = f.patience_years[j, stage]
            yield funded | at(env, book.asked[record] + patience, LATE) if math.isfinite(patience) else funded
            if funded.triggered:
                flagship_start[j] = env.now
                yield env.timeout(f.build_years[j])
                flagship_end[j] = env.now
                return
            fallback = lender.fallback if stage == 0 else None
            lender.take_back(record, Outcome.TURNED if fallback is not None else Outcome.WITHDRAWN)
            if fallback is None:
                return
            record, lender = book.second(record, fallback.k, env.now), fallback

    lenders = _lenders(s, x, env, requests, book)
    for record in np.flatnonzero(requests.kind == 0).tolist():
        j = requests.index.item(record)
        env.process(named_project(record, j, lenders[f.financier[j]]))

    def shock(i: int):
        yield env.timeout(x.shocks.time[i])
        shock_time[i] = env.now

    for i in range(x.shocks.time.size):
        env.process(shock(i))

    env.run(until=horizon)
    for lender in lenders:
        lender.finish()


_NO_TIMES, _NO_CODES = read_only(np.empty(0)), read_only(np.empty(0, np.int64))
"""Shared by the logs of :func:`_idle_log` (of size 0 and read-only: no path can change what another reads)."""
_NO_FINANCE = FinanceLog(_NO_CODES, _NO_CODES, _NO_CODES, _NO_CODES, _NO_TIMES, _NO_TIMES, _NO_TIMES, _NO_TIMES, _NO_CODES)


def _idle_log(x: PathInputs, horizon: float, measure_start: np.ndarray) -> EventLog:
    """The log of a path with no project and no shock on it (an organic-only scenario), without the finance model.

    Nothing can ask for finance, so the book, its requests and its log are empty: the arrays :func:`simulate_path`
    builds there, of size 0 and the same dtypes (tested). A shock alone needs no event either: it strikes at its drawn
    time when that is before the horizon (SimPy stops at the horizon before an event due then).
    """
    t = x.shocks.time
    shock_time = np.where(t < horizon, t, math.inf) if t.size else _NO_TIMES
    return EventLog(_NO_TIMES, _NO_TIMES, _NO_TIMES, _NO_TIMES, _NO_TIMES, _NO_TIMES, shock_time, measure_start, _NO_FINANCE)


def simulate_path(s: Scenario, x: PathInputs) -> EventLog:
    """Run the discrete-event model of one path.

    Parameters
    ----------
    s : Scenario
    x : PathInputs
        The path's random inputs, from :func:`sim.engine.sampling.draw_path`.
    """
    tables = scenario_tables(s)
    horizon = tables.horizon
    f, g = x.flagships, x.generic
    if _SKIP_IDLE and not (f.stage.size or g.request_time.size):
        return _idle_log(x, horizon, tables.measure_start)

    generic_funded = np.where((g.request_time < 0) & ~g.cancelled, g.request_time, math.inf)
    dropped = f.cancelled & (f.stage == _AWAITING)
    flagship_start = np.where(dropped, math.inf, f.start_time)
    flagship_end = np.where(dropped, math.inf, f.end_time)
    flagship_stop = np.where(f.cancelled, 0.0, math.inf)
    if f.own_finance.any():  # (none in most scenarios: their times are all NaN, nothing to put in)
        own = own_financed_times(x, horizon)
        flagship_start = np.where(np.isnan(own[0]), flagship_start, own[0])
        flagship_end = np.where(np.isnan(own[1]), flagship_end, own[1])

    requests = finance_requests(x, priority_ranks(s, x))
    book = FinanceBook(requests.kind, requests.index, requests.financier, requests.time, requests.capex_usd_bn, requests.patience_years)
    builders = tables.builders
    book.ordered = builders is not None

    shock_time = np.full(x.shocks.time.size, math.inf)
    measure_start = tables.measure_start
    if requests.time.size or x.shocks.time.size:
        _run_events(s, x, requests, book, horizon, flagship_start, flagship_end, shock_time)
    # else nothing asks for finance and nothing strikes (projects, but none asking a lender in the run): no event to run
    book.settle()

    finance = book.log(horizon)
    funded_generic = (finance.kind == 1) & (finance.outcome == Outcome.FUNDED)
    generic_funded[finance.index[funded_generic]] = finance.decided[funded_generic]

    # funded but not started by the horizon (awaiting processes still waiting) stay inf
    if f.stage.size:
        flagship_end = np.where(
            np.isfinite(flagship_start) & ~np.isfinite(flagship_end) & (f.stage == _AWAITING), flagship_start + f.build_years, flagship_end
        )

    duration = g.build_years + g.delay_years
    if builders is None:
        generic_start = generic_funded.copy()
    else:
        # warm-up projects were built before the start, outside the capacity limit
        generic_start = np.where(g.request_time < 0, generic_funded, math.inf)
        later = g.request_time >= 0
        # projects funded at one instant ask for builders as they were funded: in the phase of refills lender
        # by lender, each in its order of service; after departures, in the order of the departures
        rank = np.zeros(g.request_time.size, dtype=np.int64)
        records = np.flatnonzero(book.outcome[: book.size] == Outcome.FUNDED)
        records = records[book.kind[records] == 1]
        phase = book.phase[records]
        order = np.lexsort((book.served[records], np.where(phase == LATE, 0, book.lender[records]), phase))
        rank[book.index[records[order]]] = np.arange(order.size)
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
        finance=finance,
    )


# ---------------------------------------------------------------- finance statistics of paths

FINANCE_COLUMNS = ("requested_usd_bn", "funded_usd_bn", "withdrawn_usd_bn", "wait_years_sum")
"""Columns of the last axis of :func:`finance_tables`' first array."""
WAIT_BIN_YEARS = 0.25
"""Width of the bins of the wait histogram, years (the first bin holds waits of exactly 0)."""
WAIT_FINE_YEARS = 4.0
"""Waits up to this are binned :data:`WAIT_BIN_YEARS` wide, longer ones a year wide."""


def wait_bins(n_years: int) -> np.ndarray:
    """Upper edges of the wait histogram's bins, years: 0 (funded the moment it asked), then
    :data:`WAIT_BIN_YEARS` wide to :data:`WAIT_FINE_YEARS`, then a year wide to
    ``n_years`` (the last bin also holds longer waits)."""
    fine = np.arange(0.0, WAIT_FINE_YEARS + WAIT_BIN_YEARS / 2, WAIT_BIN_YEARS)
    return np.concatenate([fine, np.arange(WAIT_FINE_YEARS + 1.0, max(n_years, WAIT_FINE_YEARS) + 0.5)])


def wait_bin(waits: np.ndarray, n_years: int) -> np.ndarray:
    """The bin of :func:`wait_bins` each wait (years, >= 0) falls in: the first whose upper edge it does not
    pass, the last for longer waits (``searchsorted`` of the edges, by arithmetic: the width is a power of two,
    so ``waits / WAIT_BIN_YEARS`` and ``waits - WAIT_FINE_YEARS`` are exact where it matters)."""
    fine = int(WAIT_FINE_YEARS / WAIT_BIN_YEARS)
    bins = np.where(waits <= WAIT_FINE_YEARS, np.ceil(waits / WAIT_BIN_YEARS), fine + np.ceil(waits - WAIT_FINE_YEARS))
    return np.minimum(bins, wait_bins(n_years).size - 1).astype(np.int64)


def finance_tables(logs: list[EventLog], n_years: int, n_lenders: int) -> tuple[np.ndarray, np.ndarray]:
    """Finance of several paths by year and lender, from their finance logs.

    Each request counts at the lender it asks: its capex as requested in the
    year it asks, as funded in the year it is funded, as withdrawn in the year
    it leaves that lender's queue unfunded (for good, or for the fallback).
    Overall (the last lender slot), a project counts once: requested in the
    year of its first request, withdrawn only when it gives up for good.
    Waits are those of the requests funded in the year: at the lender, from
    the request there; overall, from the project's first request.

    Parameters
    ----------
    logs : list of EventLog
    n_years : int
    n_lenders : int

    Returns
    -------
    finance : ndarray, shape (paths, n_years, n_lenders + 1, 4)
        :data:`FINANCE_COLUMNS`: capex requested, funded and withdrawn (USD bn)
        and the sum of the waits of the requests funded (years).
    wait_counts : ndarray of uint16, shape (paths, n_years, n_lenders + 1, len(wait_bins(n_years)))
        Requests funded, by the bin of :func:`wait_bins` their wait falls in.
    """
    edges = wait_bins(n_years)
    n, slots = len(logs), n_lenders + 1
    if _SKIP_IDLE and all(log.finance.kind.size == 0 for log in logs):
        # no request on any path (organic only): the sums below are all 0, integers (np.bincount of nothing counts, weights or not)
        return np.zeros((n, n_years, slots, len(FINANCE_COLUMNS)), np.int64), np.zeros((n, n_years, slots, edges.size), np.uint16)
    fields = ("lender", "asked", "first_asked", "capex_usd_bn", "decided", "outcome")
    lender, asked, first_asked, capex, decided, outcome = (np.concatenate([getattr(log.finance, f) for log in logs]) for f in fields)
    # every request's (path, year) of asking and of decision (year 0 while waiting: its weights below are 0)
    path_year = np.repeat(np.arange(n) * n_years, [log.finance.kind.size for log in logs])
    when_asked = path_year + asked.astype(np.int64)
    funded = outcome == Outcome.FUNDED
    when_decided = path_year + np.where(outcome == Outcome.WAITING, 0.0, decided).astype(np.int64)
    at_lender_asked, at_lender_decided = when_asked * n_lenders + lender, when_decided * n_lenders + lender
    gave_up = outcome == Outcome.WITHDRAWN
    wait_here = np.where(funded, decided - asked, 0.0)
    wait_all = np.where(funded, decided - first_asked, 0.0)

    # sums over every request with a weight of 0 where it does not count: the same sums, in the same order, as over those that count
    def at_lenders(index: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return np.bincount(index, weight, minlength=n * n_years * n_lenders).reshape(n, n_years, n_lenders)

    def overall(index: np.ndarray, weight: np.ndarray) -> np.ndarray:
        return np.bincount(index, weight, minlength=n * n_years).reshape(n, n_years, 1)

    funded_capex = capex * funded
    columns = [
        # a project's first request is the one made when it first asked (patience is positive: a second is later)
        (at_lenders(at_lender_asked, capex), overall(when_asked, capex * (asked == first_asked))),
        (at_lenders(at_lender_decided, funded_capex), overall(when_decided, funded_capex)),
        (at_lenders(at_lender_decided, capex * (gave_up | (outcome == Outcome.TURNED))), overall(when_decided, capex * gave_up)),
        (at_lenders(at_lender_decided, wait_here), overall(when_decided, wait_all)),
    ]
    finance = np.stack([np.concatenate(pair, axis=2) for pair in columns], axis=-1)
    waits = np.zeros(n * n_years * slots * edges.size)
    for cell, wait in ((when_decided * slots + lender, wait_here), (when_decided * slots + n_lenders, wait_all)):
        waits += np.bincount(cell * edges.size + wait_bin(wait, n_years), funded, minlength=waits.size)
    return finance, waits.reshape(n, n_years, slots, edges.size).astype(np.uint16)
