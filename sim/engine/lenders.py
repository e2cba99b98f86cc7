"""The lenders of one path: first come, first served queues with patience, fallback, lapse and priority.

Each lender is a SimPy process (:class:`Lender`). The semantics, exactly as
the one-process-per-project oracle (``tests/oracle_model.py``) has them:

* **Capacity** arrives at yearly refills (times 0, 1, ...) and is used oldest
  first; capacity added at ``y`` can fund requests until just before
  ``y + capacity_lapse_years``, then what is left of it lapses.
* **Queue**: a ``simpy.Container`` get queue in order of rank (the position of
  the request's project in ``portfolio.priority``, unranked last), then of
  arrival. The request at the head is funded as soon as it fits; one that does
  not fit blocks those behind it. A request that leaves the queue unblocks
  those behind it.
* **Patience**: a request waits at most its patience; at its deadline it is
  still served if it can be (a refill at that very moment comes first), then
  it leaves: it joins the lender's ``fallback`` queue at that moment with a
  fresh patience (once), or withdraws.
* **Order within an instant**: capacity lapses, then requests arrive (named
  projects, then generic ones in queue order), then lenders refill and serve,
  then requests whose patience ends leave, in the order they were made, each
  departure followed by serving.

What makes it fast: the hundreds of generic requests of a lender are not one
process each. The lender keeps its own requests in arrays and decides them in
batches with cumulative sums: at a refill, the funded requests of a lane are
the alive prefix whose running total fits the level; while its queue is empty,
the arrivals until its next event are funded on arrival by one running total,
up to the first that does not fit. Requests that gave up are skipped when the
queue reaches them (lazy deletion). The lender wakes (``AnyOf`` of a timer and
a signal) only at refills, at lapses of capacity it still holds, at the
deadline of the request at the head of its queue (or of any waiting request
when it has a fallback, to hand that request on at its exact time), at the
arrival of a ranked request, and when a named project or another lender hands
it a request or takes one back. Arrivals into an empty queue need no wake: the
lender computes ahead where the first of them will block and wakes at that
request's deadline.

The outcome of every request is kept in a :class:`FinanceBook`; its records
become a path's :class:`FinanceLog`.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import NORMAL

__all__ = ["LATE", "FinanceBook", "FinanceLog", "Lender", "Outcome", "at", "WAIT_BIN_YEARS"]

LATE = 2
"""SimPy priority of departures at the end of patience: after every refill, arrival and funding of the same instant."""
EMPTY = 1e-12
"""Capacity below this (USD bn) is taken as used up (rounding of running totals)."""
ARRIVE, REFILL, DEPART, END = range(4)
"""The order of things at one instant, after capacity lapses: requests arrive, the refill, departures (and requests handed over then)."""
WAIT_BIN_YEARS = 0.25
"""Width of the bins of the wait histogram, years (the first bin holds waits of exactly 0)."""


class Outcome:
    """Codes of a request's outcome in :class:`FinanceLog`."""

    WAITING = 0
    """Still waiting at the horizon."""
    FUNDED = 1
    WITHDRAWN = 2
    """Left at its deadline and gave up."""
    TURNED = 3
    """Left at its deadline for the lender's fallback (the next record of the project)."""


def at(env: simpy.Environment, when: float, priority: int) -> simpy.Event:
    """An event at exactly the time ``when`` (years), processed with SimPy ``priority`` (``URGENT``, ``NORMAL`` or :data:`LATE`) among events of that instant.

    SimPy schedules at ``now + delay``; the delay is nudged so that this sum is
    ``when`` to the last bit, as deadlines and refills are compared exactly.
    """
    now = env.now
    delay = when - now
    while now + delay < when:
        delay = math.nextafter(delay, math.inf)
    while now + delay > when:
        delay = math.nextafter(delay, -math.inf)
    event = simpy.Event(env)
    event._ok = True  # what simpy.Timeout sets, with a priority of our choice
    event._value = None
    env.schedule(event, priority, delay)
    return event


@dataclass(frozen=True)
class FinanceLog:
    """Every request for finance on one path, one record per request (a project that turns to a fallback has two).

    Attributes
    ----------
    kind, index : ndarray of int, shape (r,)
        0 for a named project, 1 for a generic one; the row in the flagship or generic inputs.
    stage : ndarray of int, shape (r,)
        0 at the project's lender, 1 at that lender's fallback.
    lender : ndarray of int, shape (r,)
        The financier asked (scenario order).
    asked, first_asked : ndarray, shape (r,)
        When this request was made, and when the project first asked (years from the start).
    capex_usd_bn : ndarray, shape (r,)
    decided : ndarray, shape (r,)
        When it was funded or left the queue (inf: still waiting at the horizon).
    outcome : ndarray of int, shape (r,)
        :class:`Outcome` codes.
    """

    kind: np.ndarray
    index: np.ndarray
    stage: np.ndarray
    lender: np.ndarray
    asked: np.ndarray
    first_asked: np.ndarray
    capex_usd_bn: np.ndarray
    decided: np.ndarray
    outcome: np.ndarray


def _with_room(a: np.ndarray, room: int) -> np.ndarray:
    """A copy of ``a`` with room for ``room`` values (those after ``a`` unset)."""
    out = np.empty(room, a.dtype)
    out[: a.size] = a
    return out


class FinanceBook:
    """The records of a path's requests while it runs: first requests in queue order, then second requests as they are made.

    Parameters
    ----------
    kind, index, lender, asked, capex, patience : ndarray, shape (n,)
        The first request of each project in queue order; ``patience`` has shape ``(n, 2)`` (years at the lender, at its fallback).
    """

    def __init__(self, kind: np.ndarray, index: np.ndarray, lender: np.ndarray, asked: np.ndarray, capex: np.ndarray, patience: np.ndarray):
        n = asked.size
        self.size = self.first = n
        room = 2 * n  # every project may turn once; the records after ``size`` are written as they are made
        self.kind, self.index, self.lender, self.asked, self.first_asked, self.capex, self.deadline = (
            _with_room(a, room) for a in (kind, index, lender, asked, asked, capex, asked + patience[:, 0])
        )
        self.fresh_patience = patience[:, 1]
        self.decided = np.full(room, math.inf)
        self.outcome = np.zeros(room, np.int64)
        # the order of fundings at one instant, as a SimPy Resource sees the funded projects' requests:
        # in the phase of refills, lender by lender, each in its order of service; after departures, as they come
        self.ordered = False  # whether to keep that order (only implementation capacity needs it)
        self.served = self.phase = np.zeros(0, np.int64)
        self.fundings = 0  # fundings so far, all lenders
        # what the lenders funded (the arrays learn it at the end, :meth:`settle`): runs funded at one time, runs funded on
        # arrival (each at its request's time), and with ``ordered`` each run's phase and place among the fundings
        self._runs: list[np.ndarray] = []
        self._run_times: list[float] = []
        self._arrival_runs: list[np.ndarray] = []
        self._arrival_times: list[np.ndarray] = []
        self._service: list[tuple[np.ndarray, int, int]] = []
        self.now_phase = NORMAL  # the phase (NORMAL or LATE) of what is being decided
        self.context = NORMAL  # the SimPy phase of the event being processed

    @property
    def stage(self) -> np.ndarray:
        """0 for a project's request at its lender, 1 at the fallback (the records so far)."""
        return (np.arange(self.size) >= self.first).astype(np.int64)

    def second(self, record: int, lender: int, now: float) -> int:
        """Record the request a project makes at its lender's fallback at ``now``; its id."""
        r = self.size
        self.size += 1
        self.kind[r], self.index[r], self.capex[r], self.first_asked[r] = (
            self.kind[record],
            self.index[record],
            self.capex[record],
            self.first_asked[record],
        )
        self.lender[r], self.asked[r], self.deadline[r] = lender, now, now + self.fresh_patience[record]
        return r

    def fund(self, records: np.ndarray, when: float) -> None:
        """The requests ``records`` are funded at ``when`` (in the phase ``now_phase``)."""
        self._runs.append(records)
        self._run_times.append(when)
        self._count(records)

    def fund_on_arrival(self, records: np.ndarray, times: np.ndarray) -> None:
        """The requests ``records`` are funded the moment they are made, at ``times``."""
        self._arrival_runs.append(records)
        self._arrival_times.append(times)
        self._count(records)

    def _count(self, records: np.ndarray) -> None:
        if self.ordered:
            self._service.append((records, self.now_phase, self.fundings))
        self.fundings += records.size

    def settle(self) -> None:
        """At the end of the run: the outcome and time of every funded request, and with ``ordered`` their phase and order."""
        if self._runs:
            records = np.concatenate(self._runs)
            self.outcome[records] = Outcome.FUNDED
            self.decided[records] = np.repeat(self._run_times, [r.size for r in self._runs])
        if self._arrival_runs:
            records = np.concatenate(self._arrival_runs)
            self.outcome[records] = Outcome.FUNDED
            self.decided[records] = np.concatenate(self._arrival_times)
        if self.ordered:
            self.phase, self.served = np.zeros(self.size, np.int64), np.zeros(self.size, np.int64)
            for records, phase, order in self._service:
                self.phase[records] = phase
                self.served[records] = np.arange(order, order + records.size)

    def log(self, horizon: float) -> FinanceLog:
        """The records (the book is done with), with requests that waited past their deadline without funding marked withdrawn at it."""
        n = self.size
        outcome, decided = self.outcome[:n], self.decided[:n]
        gave_up = (outcome == Outcome.WAITING) & (self.deadline[:n] < horizon)
        outcome[gave_up] = Outcome.WITHDRAWN
        decided[gave_up] = self.deadline[:n][gave_up]
        return FinanceLog(
            self.kind[:n],
            self.index[:n],
            self.stage,
            self.lender[:n],
            self.asked[:n],
            self.first_asked[:n],
            self.capex[:n],
            decided,
            outcome,
        )


class _Capacity:
    """A lender's capacity: the level, what is left of each refill until it lapses (oldest first), and the refills done."""

    __slots__ = ("added", "lapse_years", "level", "refills", "vintages")

    def __init__(self, added: list[float], lapse_years: float | None):
        self.added = added
        self.lapse_years = lapse_years
        self.level = 0.0
        self.refills = 0
        self.vintages: deque[list[float]] = deque()  # [expiry, amount left], with a lapse only

    def copy(self) -> _Capacity:
        other = _Capacity(self.added, self.lapse_years)
        other.level, other.refills = self.level, self.refills
        if self.vintages:
            other.vintages = deque([v[:] for v in self.vintages])
        return other

    def next_change(self) -> float:
        """Time of the next refill or lapse."""
        refill = self.refills if self.refills < len(self.added) else math.inf
        if self.vintages and self.vintages[0][0] < refill:
            return self.vintages[0][0]
        return refill

    def change_until(self, when: float) -> None:
        """Refills and lapses before ``when`` happen (nothing is funded in between)."""
        while (change := self.next_change()) < when:
            self.lapse_until(change)
            if self.refills == change:
                self.refill(change)

    def refill(self, now: float) -> None:
        added = self.added[self.refills]
        self.refills += 1
        if added > 0:
            self.level += added
            if self.lapse_years is not None:
                self.vintages.append([now + self.lapse_years, added])

    def lapse_until(self, now: float) -> None:
        """Capacity whose time is up by ``now`` lapses."""
        while self.vintages and self.vintages[0][0] <= now:
            self.level -= self.vintages.popleft()[1]
        if self.level < EMPTY:
            self.level = 0.0

    def spend(self, amount: float) -> None:
        """Take ``amount`` from the level, oldest capacity first."""
        self.level -= amount
        if self.level < EMPTY:
            self.level = 0.0
        while amount > 0 and self.vintages:
            oldest = self.vintages[0]
            if oldest[1] > amount + EMPTY:
                oldest[1] -= amount
                return
            amount -= oldest[1]
            self.vintages.popleft()


class _Handed:
    """A request handed to a lender while it runs: a named project's, or one turning from another lender."""

    __slots__ = ("capex", "deadline", "expires", "funded", "position", "rank", "record")

    def __init__(self, record: int, rank: int, position: int, capex: float, expires: float, funded: simpy.Event | None):
        self.record = record
        self.rank = rank
        self.position = position  # the lane's own requests before it
        self.capex = capex
        self.expires = expires  # when its patience ends
        self.deadline = math.inf if funded is not None else expires  # when the lender takes it out (a named project's process does it)
        self.funded = funded


class _Lane:
    """The requests of one rank at a lender: its own generic requests in arrival order, and requests handed to it.

    Own requests with index below ``next`` are decided (funded, or passed
    over because their patience had run out); those from ``next`` to
    ``arrived`` are in the queue, some perhaps past their deadline (lazy
    deletion). A handed request sits before the own request at its
    ``position``. ``cum[i]`` is the capex of the own requests before ``i``.
    """

    __slots__ = ("arrived", "capexes", "cum", "deadlines", "handed", "next", "rank", "record", "time", "times")

    def __init__(self, rank: int, time: np.ndarray, capex: np.ndarray, deadline: np.ndarray, record: np.ndarray):
        self.rank = rank
        self.time, self.record = time, record
        # lists where the lender looks at a value or two at a time (bisect, scans): faster there than numpy
        self.times: list[float] = time.tolist()
        self.capexes: list[float] = capex.tolist()
        cum = np.zeros(capex.size + 1)
        np.cumsum(capex, out=cum[1:])
        self.cum: list[float] = cum.tolist()
        self.deadlines: list[float] = deadline.tolist()  # -inf once a request left explicitly
        self.next = 0
        self.arrived = 0
        self.handed: list[_Handed] = []

    def leave(self, i: int) -> None:
        """Request ``i`` is out of the queue."""
        self.deadlines[i] = -math.inf


class Lender:
    """A lender of one path as a SimPy process.

    Parameters
    ----------
    env : simpy.Environment
    k : int
        The lender's position among the scenario's financiers.
    capacity : list of float
        Capacity added at the start of each simulated year, USD bn.
    lapse_years : float or None
        Years after which unused capacity lapses (None: never).
    book : FinanceBook
    lanes : dict of int to (ndarray, ndarray, ndarray, ndarray)
        By rank: the own generic requests' arrival times, capex, deadlines and record ids, in queue order.
    unranked : int
        The rank of requests ``portfolio.priority`` does not name (the last).
    named_asks : list of float
        When the named projects that ask this lender first make their requests, in order.
    horizon : float
        End of the run, years from the start.

    Notes
    -----
    :meth:`_run_to` decides, in order, everything the lender does before a
    moment; what others see of it (a request turning to the fallback, a named
    project funded) becomes a SimPy event at its exact time. How far ahead it
    may decide depends on what can reach it from outside:

    * a lender no other lender falls back to hears from outside only when a
      named project asks or gives up, at times it knows: it decides ahead up
      to the next of those (:meth:`start`, and after each);
    * a fallback lender with nothing others can see (no fallback of its own,
      no named project waiting) decides what happened each time it is handed
      a request, and at the end;
    * otherwise it wakes (``AnyOf`` of a timer and a signal) at the refill that
      lets the head of its queue fit, at the deadline of the head, at the
      arrival that blocks its empty queue and at ranked arrivals, and plans
      the turns that are certain before then (:meth:`_plan`).
    """

    def __init__(
        self,
        env: simpy.Environment,
        k: int,
        capacity: list[float],
        lapse_years: float | None,
        book: FinanceBook,
        lanes: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        unranked: int,
        named_asks: list[float],
        horizon: float,
    ):
        self.env = env
        self.k = k
        self.book = book
        self.horizon = horizon
        self.fallback: Lender | None = None
        self.target = False  # another lender falls back to it
        if unranked not in lanes:
            empty = np.empty(0)
            lanes = {unranked: (empty, empty, empty, empty.astype(np.int64)), **lanes}
        self.lanes = [_Lane(rank, *lanes[rank]) for rank in sorted(lanes)]  # the unranked lane last
        self.capacity = _Capacity(capacity, lapse_years)
        self.head: tuple[_Lane, int] | _Handed | None = None  # the request blocking the queue (None: the queue is empty)
        self.named_asks = named_asks
        self.named_waiting: list[_Handed] = []  # named projects in its queue
        self.pending: list[tuple[float, int, int]] = []  # requests handed over while it was quiet: time, record, rank
        self.handed_deadlines: set[float] = set()  # every deadline of a request handed over (to find departures fast)
        self.signal = env.event()

    # -- driving it ------------------------------------------------------------------
    def start(self) -> None:
        """Begin: decide ahead, or start the process that wakes it."""
        if self.target:
            self.env.process(self._run())
        else:
            self._decide_ahead()

    def _decide_ahead(self) -> None:
        """A lender no other lender falls back to: decide everything until the next named project asks or gives up."""
        while True:
            stop = self._next_stop()
            self._run_to(*stop)
            if self._next_stop() == stop:
                return  # waiting there for the named project (or at the horizon)

    def _next_stop(self) -> tuple[float, int]:
        """The next moment a named project may ask this lender or take its request back."""
        until, phase = self.horizon, ARRIVE
        if self.named_asks:
            until = min(until, self.named_asks[0])
        for h in self.named_waiting:
            if h.expires < until:
                until, phase = h.expires, DEPART  # it takes its request back at the end of that instant
        return until, phase

    def _run(self):
        """A fallback lender: wake at its next event (if others can see what it does), or when handed a request."""
        env = self.env
        while True:
            when, priority = self._plan()
            if when >= self.horizon:
                yield self.signal
                self.signal = env.event()
                continue
            timer = at(env, when, priority)
            yield timer | self.signal
            if self.signal.triggered:
                self.signal = env.event()
            if timer.processed:
                self.book.context = priority
                self._run_to(env.now, DEPART if priority == NORMAL else END)

    def _wake(self) -> None:
        """Make the process look again at its next event (its state changed from outside)."""
        if self.target and not self.signal.triggered:
            self.signal.succeed()

    def finish(self) -> None:
        """At the end of the run: decide what is left (the book then settles what was funded, :meth:`FinanceBook.settle`)."""
        self._run_to(self.horizon, ARRIVE)

    # -- requests from outside ------------------------------------------------------
    def hand(self, record: int, rank: int, funded: simpy.Event | None = None, first: bool = False) -> None:
        """Queue a request made now: a named project's (``funded`` succeeds when it is funded; its process
        takes it back at its deadline) or one turning from another lender (it leaves at its deadline).

        ``first``: a named project's first request, which comes before the generic arrivals and the refill
        of its instant; a request turning from another lender comes after everything of its instant.
        """
        now, book = self.env.now, self.book
        if funded is None and self._quiet():
            self.pending.append((now, record, rank))  # nothing it does is seen outside: decided when needed
            return
        book.context = book.now_phase = NORMAL if first else LATE
        self._run_to(now, ARRIVE if first else END)
        if first:
            self.named_asks.pop(0)
        head, fundings, quiet = self.head, book.fundings, self._quiet()
        lane = self._lane(rank)
        h = _Handed(record, rank, lane.arrived, float(book.capex[record]), float(book.deadline[record]), funded)
        lane.handed.append(h)
        self.handed_deadlines.add(h.deadline)
        if funded is not None:
            self.named_waiting.append(h)
        self._serve(now)
        if not self.target:
            self._decide_ahead()
        elif not self._quiet() and (quiet or head is None or self.head != head or book.fundings != fundings):
            self._wake()  # its plan (none while quiet; else built on the head and the level) no longer holds

    def take_back(self, record: int, outcome: int) -> None:
        """A named project's patience ran out: its request leaves the queue now (``outcome`` TURNED or WITHDRAWN), unblocking those behind it."""
        now, book = self.env.now, self.book
        book.context = book.now_phase = LATE
        self._run_to(now, END)
        for lane in self.lanes:
            lane.handed = [h for h in lane.handed if h.record != record]
        self.named_waiting = [h for h in self.named_waiting if h.record != record]
        book.decided[record] = now
        book.outcome[record] = outcome
        self._serve(now)
        if self.target:
            self._wake()
        else:
            self._decide_ahead()

    def _lane(self, rank: int) -> _Lane:
        """The lane of ``rank``, made (empty of own requests) for a ranked request turning from another lender."""
        position = next((i for i, lane in enumerate(self.lanes) if lane.rank >= rank), len(self.lanes))
        if self.lanes[position].rank == rank:  # the unranked lane, last, always exists
            return self.lanes[position]
        empty = np.empty(0)
        lane = _Lane(rank, empty, empty, empty, empty.astype(np.int64))
        self.lanes.insert(position, lane)
        return lane

    def _quiet(self) -> bool:
        """Nothing this lender does is seen outside: no fallback, no named project waiting."""
        return self.fallback is None and not self.named_waiting

    # -- what others see -------------------------------------------------------------
    def _emit(self, when: float, late: bool, act: Callable[..., object], *args: int) -> None:
        """Do ``act(*args)`` at ``when``: now if that is now (in its phase), else as an event then."""
        env = self.env
        if when == env.now and (not late or self.book.context == LATE):
            act(*args)
        else:
            at(env, when, LATE if late else NORMAL).callbacks.append(lambda _event: act(*args))

    # -- deciding --------------------------------------------------------------------------
    def _run_to(self, t: float, phase: int) -> None:
        """Decide, in order, everything before the moment ``(t, phase)`` (phases of an instant: :data:`ARRIVE`,
        :data:`REFILL`, :data:`DEPART`, :data:`END`; capacity lapses before all of them).

        While the queue is empty, unranked arrivals are funded on arrival in batches, capacity arriving and
        lapsing in between. While a request blocks it, the next thing that can change it comes next: the first
        refill that lets the head fit, the head's deadline, a ranked arrival; waiting requests whose patience
        ends before are sure to leave, and with a fallback their turns are scheduled. Then the instant of that
        next thing: capacity lapses, own requests arrive, the refill, departures, and requests handed over
        while the lender was quiet.
        """
        capacity, book, lanes, pending = self.capacity, self.book, self.lanes, self.pending
        main = lanes[-1]
        refills_until = math.nextafter(t, math.inf) if phase > REFILL else t  # a refill at t comes before departures
        while True:
            ranked = math.inf
            if len(lanes) > 1:
                ranked = min((lane.times[lane.arrived] for lane in lanes[:-1] if lane.arrived < len(lane.times)), default=math.inf)
            head = self.head
            if head is None:
                when = min(t, ranked, pending[0][0] if pending else math.inf)
                blocked = self._arrive_at_empty(main, bisect.bisect_left(main.times, when, main.arrived), when, capacity, commit=True)
                if blocked is not None:
                    main.next = blocked
                    self.head = (main, blocked)
                    continue
                main.next = main.arrived
            else:
                if isinstance(head, _Handed):
                    capex, leaves, rank = head.capex, head.deadline, head.rank
                else:
                    capex, leaves, rank = head[0].capexes[head[1]], head[0].deadlines[head[1]], head[0].rank
                when = min(_first_refill_fitting(capacity, capex, refills_until), leaves, ranked, t)
                # requests handed over while it was quiet that cannot go ahead of the head join behind it as they came
                while pending and pending[0][0] < when:
                    if pending[0][2] < rank:
                        when = pending[0][0]  # it goes ahead of the head: its arrival comes next
                        break
                    self._take_pending(pending[0][0], serve=False)
                if self.fallback is not None:
                    self._schedule_turns(when)
                main.arrived = bisect.bisect_left(main.times, when, main.arrived)  # they join behind the head
                capacity.change_until(when)
            upto = END if when < t else phase
            if upto == ARRIVE:
                break
            # the instant `when`, up to `upto`
            context = book.now_phase
            if capacity.vintages:
                capacity.lapse_until(when)
            if (main.arrived < len(main.times) and main.times[main.arrived] == when) or (
                len(lanes) > 1 and any(lane.arrived < len(lane.times) and lane.times[lane.arrived] == when for lane in lanes)
            ):
                book.now_phase = NORMAL
                self._arrive_now(when)
            if upto > REFILL and capacity.refills == when:
                capacity.refill(when)
                book.now_phase = NORMAL
                self._serve(when)
            if upto > DEPART and self._leaving(when):
                book.now_phase = LATE
                self._leave(when)
            if upto == END and pending and pending[0][0] == when:
                book.now_phase = LATE
                self._take_pending(when, serve=True)
            book.now_phase = context
            if when == t:
                break
        main.arrived = bisect.bisect_left(main.times, t, main.arrived)
        capacity.change_until(t)
        capacity.lapse_until(t)  # capacity lapses first in its instant

    def _take_pending(self, now: float, serve: bool) -> None:
        """Requests handed over at ``now`` while the lender was quiet join its queue, after its own requests of that instant."""
        book, pending = self.book, self.pending
        main = self.lanes[-1]
        while pending and pending[0][0] == now:
            _, record, rank = pending.pop(0)
            lane = main if rank == main.rank else self._lane(rank)
            position = bisect.bisect_right(lane.times, now, lane.arrived) if lane is main else lane.arrived
            deadline = book.deadline[record].item()
            lane.handed.append(_Handed(record, rank, position, book.capex[record].item(), deadline, None))
            self.handed_deadlines.add(deadline)
        if serve:
            self._serve(now)

    def _fund_on_arrival(self, lane: _Lane, first: int, stop: int, capacity: _Capacity, commit: bool) -> int | None:
        """Requests ``first`` to ``stop - 1`` of a lane arrive at an empty queue: funded on arrival up to the first that does not fit (returned; None if all fit)."""
        base = lane.cum[first]
        fits = bisect.bisect_right(lane.cum, base + capacity.level, first + 1, stop + 1) - 1
        if fits > first:
            capacity.spend(lane.cum[fits] - base)
            if commit:
                context = self.book.now_phase
                self.book.now_phase = NORMAL
                self.book.fund_on_arrival(lane.record[first:fits], lane.time[first:fits])
                self.book.now_phase = context
        return fits if fits < stop else None

    def _arrive_at_empty(self, main: _Lane, before: int, now: float, capacity: _Capacity, commit: bool) -> int | None:
        """The unranked lane's requests before ``before`` arrive at an empty queue, funded on arrival, capacity arriving and
        lapsing in between (before ``now``): the first that does not fit (None if all do). Without ``commit``, a look ahead."""
        first = main.arrived
        while True:
            change = capacity.next_change()
            stop = before if change >= now else bisect.bisect_left(main.times, change, first, before)
            if first < stop:
                blocked = self._fund_on_arrival(main, first, stop, capacity, commit)
                if blocked is not None:
                    if commit:
                        main.arrived = bisect.bisect_right(main.times, main.times[blocked], blocked, before)
                    return blocked
            first = stop
            if commit:
                main.arrived = stop
            if change >= now:
                return None
            capacity.lapse_until(change)
            if capacity.refills == change:
                capacity.refill(change)

    def _arrive_now(self, now: float) -> None:
        """Own requests made at ``now`` join the queue in the order they were made, each served at once if it
        becomes the head and fits (a ranked one goes ahead of a head of lower rank)."""
        arriving = []
        for lane in self.lanes:
            stop = bisect.bisect_right(lane.times, now, lane.arrived)
            if stop > lane.arrived:
                arriving.append((lane, lane.arrived, stop))
        if not arriving:
            return
        head = self.head
        if head is not None:
            rank = head.rank if isinstance(head, _Handed) else head[0].rank
            if all(lane.rank >= rank for lane, _, _ in arriving):
                for lane, _, stop in arriving:
                    lane.arrived = stop  # they join behind the head
                return
        if len(arriving) == 1 and head is None:
            lane, first, stop = arriving[0]
            blocked = self._fund_on_arrival(lane, first, stop, self.capacity, commit=True)
            lane.next = stop if blocked is None else blocked
            lane.arrived = stop
            if blocked is not None:
                self.head = (lane, blocked)
            return
        order = sorted((int(lane.record[i]), lane, i) for lane, first, stop in arriving for i in range(first, stop))
        for _, lane, i in order:
            lane.arrived = i + 1
            head = self.head
            if head is not None and lane.rank >= (head.rank if isinstance(head, _Handed) else head[0].rank):
                continue  # joins behind the head
            # the head of the queue now (nothing of its rank or better waits): funded if it fits
            capex = lane.capexes[i]
            if capex <= self.capacity.level:
                self.capacity.spend(capex)
                self.book.fund(lane.record[i : i + 1], now)
                lane.next = i + 1
            else:
                lane.next = i
                self.head = (lane, i)

    def _serve(self, now: float) -> None:
        """Fund waiting requests in order of rank, then arrival, while the one at the head fits."""
        self.head = None
        for lane in self.lanes:
            if self._serve_lane(lane, now):
                return

    def _serve_lane(self, lane: _Lane, now: float) -> bool:
        """Fund the lane's waiting requests in order while they fit; True if one blocks (it is then the head)."""
        i = lane.next
        capacity = self.capacity
        while True:
            stop = lane.handed[0].position if lane.handed else lane.arrived
            if i < stop:
                base = lane.cum[i]
                fits = bisect.bisect_right(lane.cum, base + capacity.level, i + 1, stop + 1) - 1
                # a request in the run that left (taken out at -inf, or its patience ran out) is passed over one by one
                if min(lane.deadlines[i : min(fits + 1, stop)]) < now:
                    i = self._serve_past_gone(lane, i, stop, now)
                else:
                    if fits > i:
                        capacity.spend(lane.cum[fits] - base)
                        self.book.fund(lane.record[i:fits], now)
                    i = fits
                if i < stop:
                    lane.next = i
                    self.head = (lane, i)
                    return True
            lane.next = i
            if not lane.handed:
                return False
            h = lane.handed[0]
            if h.deadline < now:
                lane.handed.pop(0)  # its patience ran out while it waited behind others (the book marks it withdrawn)
            elif h.capex <= capacity.level:
                lane.handed.pop(0)
                capacity.spend(h.capex)
                self.book.fund(np.array([h.record]), now)
                if h.funded is not None:
                    self.named_waiting.remove(h)
                    self._emit(now, self.book.now_phase == LATE, h.funded.succeed)
            else:
                self.head = h
                return True

    def _serve_past_gone(self, lane: _Lane, i: int, stop: int, now: float) -> int:
        """As the fast path of :meth:`_serve_lane`, passing over requests whose patience ran out: returns the first not funded."""
        level, spent = self.capacity.level, 0.0
        capexes, deadlines = lane.capexes, lane.deadlines
        funded = []
        while i < stop:
            if deadlines[i] >= now:
                if spent + capexes[i] > level:
                    break
                spent += capexes[i]
                funded.append(i)
            i += 1
        if funded:
            self.capacity.spend(spent)
            self.book.fund(lane.record[funded], now)
        return i

    def _leaving(self, now: float) -> bool:
        """Whether a waiting request's patience may end at ``now`` (:meth:`_leave` finds which)."""
        if now in self.handed_deadlines:
            return True
        for lane in self.lanes:
            if lane.next < lane.arrived:
                try:
                    lane.deadlines.index(now, lane.next, lane.arrived)
                    return True
                except ValueError:
                    pass
        return False

    def _leave(self, now: float) -> None:
        """Requests whose patience ends now leave, in the order they were made, each departure followed by serving."""
        book = self.book
        leaving: list[tuple[float, int, _Lane, int | _Handed]] = []
        for lane in self.lanes:
            deadlines = lane.deadlines
            leaving += [(lane.times[i], int(lane.record[i]), lane, i) for i in range(lane.next, lane.arrived) if deadlines[i] == now]
            for h in lane.handed:
                if h.deadline == now:
                    leaving.append((float(book.asked[h.record]), h.record, lane, h))
        leaving.sort(key=lambda item: item[:2])
        for _, record, lane, which in leaving:
            if isinstance(which, _Handed):
                if which not in lane.handed:
                    continue  # funded meanwhile
                lane.handed.remove(which)
            else:
                if which < lane.next:
                    continue  # funded meanwhile
                lane.leave(which)
            turns = self.fallback is not None and record < book.first
            if turns:
                self._emit(now, True, self._turn, record, lane.rank)
            else:
                book.decided[record] = now
                book.outcome[record] = Outcome.WITHDRAWN
            self._serve(now)  # the queue moves on as it leaves; then it asks the fallback

    def _schedule_turns(self, until: float) -> None:
        """Own waiting requests (and those arriving) whose patience ends before ``until`` turn to the fallback then: scheduled now."""
        main = self.lanes[-1]
        turning = []
        for lane in self.lanes:
            first, stop = lane.next, bisect.bisect_left(lane.times, until, lane.arrived) if lane is main else lane.arrived
            deadlines = lane.deadlines
            if first < stop and min(deadlines[first:stop]) < until:  # gone ones are at -inf, passed over below
                turning += [(deadlines[i], int(lane.record[i]), lane, i) for i in range(first, stop) if -math.inf < deadlines[i] < until]
        turning.sort(key=lambda item: item[:2])
        for deadline, record, lane, i in turning:
            lane.leave(i)  # out of the queue for serving: nothing could fund it before
            self._emit(deadline, True, self._turn, record, lane.rank)

    def _turn(self, record: int, rank: int) -> None:
        """A request's patience ended: it leaves for the fallback now."""
        book, fallback = self.book, self.fallback
        assert fallback is not None
        book.decided[record] = self.env.now
        book.outcome[record] = Outcome.TURNED
        fallback.hand(book.second(record, fallback.k, self.env.now), rank)

    # -- when to wake ----------------------------------------------------------------------
    def _plan(self) -> tuple[float, int]:
        """A fallback lender's next wake, if nothing is handed to it before (see the class notes).

        With a request blocking the queue: the first refill that lets it fit, or its deadline. Until then
        nothing can be funded, so every waiting request whose patience ends before is sure to leave then:
        with a fallback, its turn is scheduled now, as an event at that moment. With an empty queue: a look
        ahead finds where the arrivals first block and plans from there (a lender with a fallback wakes at
        that arrival, to schedule the turns behind it). And the next ranked arrival, which may go ahead of the head.
        """
        if self._quiet():
            return math.inf, NORMAL  # it decides what happened when it is next handed a request, or at the end
        ranked = [lane.times[lane.arrived] for lane in self.lanes[:-1] if lane.arrived < len(lane.times)]
        until = min(min(ranked, default=math.inf), self.horizon)
        if self.head is None:
            main = self.lanes[-1]
            capacity = self.capacity.copy()
            blocked = self._arrive_at_empty(main, bisect.bisect_left(main.times, until, main.arrived), until, capacity, commit=False)
            if blocked is None:
                return until, NORMAL
            if self.fallback is not None:
                return main.times[blocked], NORMAL
            capex, deadline = main.capexes[blocked], main.deadlines[blocked]
            refill = _first_refill_fitting(capacity, capex, until)
            return (deadline, LATE) if deadline < refill else (refill, NORMAL)
        head = self.head
        if isinstance(head, _Handed):
            capex, deadline, expires = head.capex, head.deadline, head.expires
        else:
            capex, deadline = head[0].capexes[head[1]], head[0].deadlines[head[1]]
            expires = deadline
        refill = _first_refill_fitting(self.capacity, capex, until)
        if self.fallback is not None:
            self._schedule_turns(min(expires, refill))
        return (deadline, LATE) if deadline < refill else (refill, NORMAL)


def _first_refill_fitting(capacity: _Capacity, capex: float, until: float) -> float:
    """The first refill before ``until`` after which the level reaches ``capex`` (``until`` if none); ``capacity`` is left as it is."""
    added, refill = capacity.added, capacity.refills
    last = min(len(added), math.ceil(until))
    level = capacity.level
    lapse = capacity.lapse_years
    if lapse is None:
        while refill < last:
            level += added[refill]
            if level >= capex:
                return float(refill)
            refill += 1
        return until
    held = [(expiry, amount) for expiry, amount in capacity.vintages]  # what is left of each refill, and when it lapses
    while refill < last:
        held.append((refill + lapse, added[refill]))
        level = 0.0
        for expiry, amount in held:
            if expiry > refill:
                level += amount
        if level >= capex:
            return float(refill)
        refill += 1
    return until
