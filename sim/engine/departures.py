"""The end of a request's patience at a lender: it leaves the queue, and turns to the lender's fallback or withdraws.

:class:`Departures` is the part of :class:`~sim.engine.lenders.Lender` that finds the requests whose
patience ends at an instant and lets them go in the order they were made, each departure followed by
serving (:class:`~sim.engine.serving.Serving`); and, while a request blocks the queue, schedules ahead
the turns that are then certain, each a SimPy event at its deadline.
"""

from __future__ import annotations

import bisect
import math
from typing import Protocol

from .finance_book import Outcome
from .lender_queue import Handed, Lane
from .serving import Serving

__all__ = ["Departures"]


class Fallback(Protocol):
    """What a lender needs of its fallback (a :class:`~sim.engine.lenders.Lender`): its position and a way to hand it a request."""

    k: int

    def hand(self, record: int, rank: int) -> None: ...


class Departures(Serving):
    """Departures at the end of patience and turns to the fallback (a base of :class:`~sim.engine.lenders.Lender`)."""

    fallback: Fallback | None
    handed_deadlines: set[float]

    def _leaving(self, now: float) -> bool:
        """Whether a waiting request's patience may end at ``now`` (:meth:`_leave` finds which)."""
        if now in self.handed_deadlines:
            return True
        # a membership test of the waiting range (a copy of a few values): most calls find none, and a failed
        # ``index`` would raise, which costs more than the copy
        return any(now in lane.deadlines[lane.next : lane.arrived] for lane in self.lanes if lane.next < lane.arrived)

    def _leave(self, now: float) -> None:
        """Requests whose patience ends now leave, in the order they were made, each departure followed by serving."""
        book = self.book
        leaving: list[tuple[float, int, Lane, int | Handed]] = []
        for lane in self.lanes:
            deadlines = lane.deadlines
            leaving += [(lane.times[i], lane.record.item(i), lane, i) for i in range(lane.next, lane.arrived) if deadlines[i] == now]
            for h in lane.handed:
                if h.deadline == now:
                    leaving.append((book.asked.item(h.record), h.record, lane, h))
        leaving.sort(key=lambda item: item[:2])
        for _, record, lane, which in leaving:
            if isinstance(which, Handed):
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
        gone = -math.inf
        for lane in self.lanes:
            first, stop = lane.next, bisect.bisect_left(lane.times, until, lane.arrived) if lane is main else lane.arrived
            deadlines = lane.deadlines
            if first < stop and min(deadlines[first:stop]) < until:  # gone ones are at -inf, passed over below
                turning += [(deadlines[i], lane.record.item(i), lane, i) for i in range(first, stop) if gone < deadlines[i] < until]
        turning.sort(key=lambda item: item[:2])
        for deadline, record, lane, i in turning:
            lane.leave(i)  # out of the queue for serving: nothing could fund it before
            self._emit(deadline, True, self._turn, record, lane.rank)

    def _turn(self, record: int, rank: int) -> None:
        """A request's patience ended: it leaves for the fallback now."""
        book, fallback = self.book, self.fallback
        assert fallback is not None
        now = self.env.now
        book.decided[record] = now
        book.outcome[record] = Outcome.TURNED
        fallback.hand(book.second(record, fallback.k, now), rank)
