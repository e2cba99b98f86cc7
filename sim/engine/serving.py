"""How a lender funds: requests in order of rank then arrival, each while it fits the capacity left.

:class:`Serving` is the part of :class:`~sim.engine.lenders.Lender` that funds: at an empty queue,
arrivals are funded on arrival in runs (one binary search on the running total of a lane's capex);
behind a head, waiting requests are served in order while the head fits, those whose patience ran
out passed over one by one (lazy deletion). What others see of it (a named project funded) is
emitted as a SimPy event at its exact time.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

import numpy as np
import simpy
from simpy.events import NORMAL

from .capacity import Capacity
from .finance_book import FinanceBook
from .lender_queue import LATE, Handed, Lane, at

__all__ = ["Serving"]


class Serving:
    """Funding of a lender's queue (a base of :class:`~sim.engine.lenders.Lender`, which sets these attributes)."""

    env: simpy.Environment
    book: FinanceBook
    capacity: Capacity
    lanes: list[Lane]
    head: tuple[Lane, int] | Handed | None
    named_waiting: list[Handed]

    def _emit(self, when: float, late: bool, act: Callable[..., object], *args: int) -> None:
        """Do ``act(*args)`` at ``when``: now if that is now (in its phase), else as an event then."""
        env = self.env
        if when == env.now and (not late or self.book.context == LATE):
            act(*args)
        else:
            at(env, when, LATE if late else NORMAL).callbacks.append(lambda _event: act(*args))

    def _fund_on_arrival(self, lane: Lane, first: int, stop: int, capacity: Capacity, commit: bool) -> int | None:
        """Requests ``first`` to ``stop - 1`` of a lane arrive at an empty queue: funded on arrival up to the first that does not fit (returned; None if all fit)."""
        cum = lane.cum
        base = cum[first]
        fits = bisect.bisect_right(cum, base + capacity.level, first + 1, stop + 1) - 1
        if fits > first:
            capacity.spend(cum[fits] - base)
            if commit:
                book = self.book
                context = book.now_phase
                book.now_phase = NORMAL
                book.fund_on_arrival(lane.record[first:fits], lane.time[first:fits])
                book.now_phase = context
        return fits if fits < stop else None

    def _arrive_at_empty(self, main: Lane, before: int, now: float, capacity: Capacity, commit: bool) -> int | None:
        """The unranked lane's requests before ``before`` arrive at an empty queue, funded on arrival, capacity arriving and
        lapsing in between (before ``now``): the first that does not fit (None if all do). Without ``commit``, a look ahead."""
        first = main.arrived
        added, vintages = capacity.added, capacity.vintages
        while True:
            # the capacity's next change (:meth:`~sim.engine.capacity.Capacity.next_change`, inline)
            change = capacity.refills if capacity.refills < len(added) else math.inf
            if vintages and vintages[0][0] < change:
                change = vintages[0][0]
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
            rank = head.rank if isinstance(head, Handed) else head[0].rank
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
        order = sorted((lane.record.item(i), lane, i) for lane, first, stop in arriving for i in range(first, stop))
        for _, lane, i in order:
            lane.arrived = i + 1
            head = self.head
            if head is not None and lane.rank >= (head.rank if isinstance(head, Handed) else head[0].rank):
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

    def _serve_lane(self, lane: Lane, now: float) -> bool:
        """Fund the lane's waiting requests in order while they fit; True if one blocks (it is then the head)."""
        i = lane.next
        capacity, cum, handed = self.capacity, lane.cum, lane.handed
        while True:
            stop = handed[0].position if handed else lane.arrived
            if i < stop:
                base = cum[i]
                fits = bisect.bisect_right(cum, base + capacity.level, i + 1, stop + 1) - 1
                # a request in the run that left (taken out at -inf, or its patience ran out) is passed over one by one
                if min(lane.deadlines[i : fits + 1 if fits < stop else stop]) < now:
                    i = self._serve_past_gone(lane, i, stop, now)
                else:
                    if fits > i:
                        capacity.spend(cum[fits] - base)
                        self.book.fund(lane.record[i:fits], now)
                    i = fits
                if i < stop:
                    lane.next = i
                    self.head = (lane, i)
                    return True
            lane.next = i
            if not handed:
                return False
            h = handed[0]
            if h.deadline < now:
                handed.pop(0)  # its patience ran out while it waited behind others (the book marks it withdrawn)
            elif h.capex <= capacity.level:
                handed.pop(0)
                capacity.spend(h.capex)
                self.book.fund(np.array([h.record]), now)
                if h.funded is not None:
                    self.named_waiting.remove(h)
                    self._emit(now, self.book.now_phase == LATE, h.funded.succeed)
            else:
                self.head = h
                return True

    def _serve_past_gone(self, lane: Lane, i: int, stop: int, now: float) -> int:
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
            first, last = funded[0], funded[-1]
            # often a run without a gap (those passed over came before it): a slice, else take (cheaper than fancy indexing)
            self.book.fund(lane.record[first : last + 1] if last - first + 1 == len(funded) else lane.record.take(funded), now)
        return i
