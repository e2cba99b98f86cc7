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
process each. The lender keeps its own requests in lists and decides them in
batches with running totals: at a refill, the funded requests are the prefix
whose running total fits the level (requests that gave up are passed over when
the queue reaches them: lazy deletion); while its queue is empty, the arrivals
until its next event are funded on arrival, up to the first that does not fit.
It decides ahead what no one else can change, and makes what others see (a
request handed to the fallback, a named project funded) a SimPy event at its
exact time; the notes of :class:`Lender` say when it wakes.

The outcome of every request is kept in a :class:`~sim.engine.finance_book.FinanceBook`;
its records become a path's :class:`~sim.engine.finance_book.FinanceLog`. The capacity
is a :class:`~sim.engine.capacity.Capacity`.

A :class:`Lender` is built in parts, each a module: its queue's requests and the instants they meet
(:mod:`~sim.engine.lender_queue`), funding in order (:mod:`~sim.engine.serving`), departures at the
end of patience and turns to the fallback (:mod:`~sim.engine.departures`); here, how it is driven,
requests from outside, deciding ahead and when to wake.
"""

from __future__ import annotations

import bisect
import math

import simpy
from simpy.events import NORMAL

from .capacity import Capacity, first_refill_fitting
from .departures import Departures
from .finance_book import FinanceBook
from .lender_queue import ARRIVE, DEPART, END, LATE, REFILL, Handed, Lane, at

__all__ = ["LATE", "Lender", "at"]


class Lender(Departures):
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
    lanes : dict of int to Lane
        By rank: the own generic requests, in queue order (an empty unranked lane is added if missing).
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
        lanes: dict[int, Lane],
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
            lanes = {unranked: Lane.empty(unranked), **lanes}
        self.lanes = [lanes[rank] for rank in sorted(lanes)]  # the unranked lane last
        self.capacity = Capacity(capacity, lapse_years)
        self.head: tuple[Lane, int] | Handed | None = None  # the request blocking the queue (None: the queue is empty)
        self.named_asks = named_asks
        self.named_waiting: list[Handed] = []  # named projects in its queue
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
        """At the end of the run: decide what is left (the book then settles what was funded, :meth:`~sim.engine.finance_book.FinanceBook.settle`)."""
        self._run_to(self.horizon, ARRIVE)

    # -- requests from outside ------------------------------------------------------
    def hand(self, record: int, rank: int, funded: simpy.Event | None = None, first: bool = False) -> None:
        """Queue a request made now: a named project's (``funded`` succeeds when it is funded; its process
        takes it back at its deadline) or one turning from another lender (it leaves at its deadline).

        ``first``: a named project's first request, which comes before the generic arrivals and the refill
        of its instant; a request turning from another lender comes after everything of its instant.
        """
        now, book = self.env.now, self.book
        if funded is None and self.fallback is None and not self.named_waiting:  # quiet (:meth:`_quiet`)
            self.pending.append((now, record, rank))  # nothing it does is seen outside: decided when needed
            return
        book.context = book.now_phase = NORMAL if first else LATE
        self._run_to(now, ARRIVE if first else END)
        if first:
            self.named_asks.pop(0)
        head, fundings, quiet = self.head, book.fundings, self._quiet()
        lane = self._lane(rank)
        h = Handed(record, rank, lane.arrived, book.capex.item(record), book.deadline.item(record), funded)
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

    def _lane(self, rank: int) -> Lane:
        """The lane of ``rank``, made (empty of own requests) for a ranked request turning from another lender."""
        position = next((i for i, lane in enumerate(self.lanes) if lane.rank >= rank), len(self.lanes))
        if self.lanes[position].rank == rank:  # the unranked lane, last, always exists
            return self.lanes[position]
        lane = Lane.empty(rank)
        self.lanes.insert(position, lane)
        return lane

    def _quiet(self) -> bool:
        """Nothing this lender does is seen outside: no fallback, no named project waiting."""
        return self.fallback is None and not self.named_waiting

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
        # locals for the loop (it turns some five times a call): the lane's times never change, nor whether it has a fallback
        main_times, bisect_left, turns = main.times, bisect.bisect_left, self.fallback is not None
        n_main, inf = len(main_times), math.inf
        refills_until = math.nextafter(t, inf) if phase > REFILL else t  # a refill at t comes before departures
        while True:
            ranked = inf
            if len(lanes) > 1:
                ranked = min((lane.times[lane.arrived] for lane in lanes[:-1] if lane.arrived < len(lane.times)), default=inf)
            head = self.head
            # each `when` below is the min() it replaces, compared in the same order (the first of equals kept)
            if head is None:
                when = t
                if ranked < when:
                    when = ranked
                if pending and pending[0][0] < when:
                    when = pending[0][0]
                blocked = self._arrive_at_empty(main, bisect_left(main_times, when, main.arrived), when, capacity, commit=True)
                if blocked is not None:
                    main.next = blocked
                    self.head = (main, blocked)
                    continue
                main.next = main.arrived
            else:
                if type(head) is tuple:
                    lane, i = head
                    capex, leaves, rank = lane.capexes[i], lane.deadlines[i], lane.rank
                else:
                    capex, leaves, rank = head.capex, head.deadline, head.rank
                when = first_refill_fitting(capacity, capex, refills_until)
                if leaves < when:
                    when = leaves
                if ranked < when:
                    when = ranked
                if t < when:
                    when = t
                # requests handed over while it was quiet that cannot go ahead of the head join behind it as they came
                while pending and pending[0][0] < when:
                    if pending[0][2] < rank:
                        when = pending[0][0]  # it goes ahead of the head: its arrival comes next
                        break
                    self._take_pending(pending[0][0], serve=False)
                if turns:
                    self._schedule_turns(when)
                main.arrived = bisect_left(main_times, when, main.arrived)  # they join behind the head
                capacity.change_until(when)
            upto = END if when < t else phase
            if upto == ARRIVE:
                break
            # the instant `when`, up to `upto`
            context = book.now_phase
            if capacity.vintages:
                capacity.lapse_until(when)
            arrived = main.arrived
            if (arrived < n_main and main_times[arrived] == when) or (
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
            deadline = book.deadline.item(record)
            lane.handed.append(Handed(record, rank, position, book.capex.item(record), deadline, None))
            self.handed_deadlines.add(deadline)
        if serve:
            self._serve(now)

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
            refill = first_refill_fitting(capacity, capex, until)
            return (deadline, LATE) if deadline < refill else (refill, NORMAL)
        head = self.head
        if isinstance(head, Handed):
            capex, deadline, expires = head.capex, head.deadline, head.expires
        else:
            capex, deadline = head[0].capexes[head[1]], head[0].deadlines[head[1]]
            expires = deadline
        refill = first_refill_fitting(self.capacity, capex, until)
        if self.fallback is not None:
            self._schedule_turns(min(expires, refill))
        return (deadline, LATE) if deadline < refill else (refill, NORMAL)
