"""A lender's queue: its requests by rank (:class:`Lane`), requests handed to it (:class:`Handed`), and the instants they meet.

The queue's rules are those of :mod:`sim.engine.lenders`. What is here is what every part of a
lender reads: the order of things within an instant (:data:`ARRIVE`, :data:`REFILL`, :data:`DEPART`,
:data:`END`; :data:`LATE` for departures), events at an exact time (:func:`at`), and the requests as
the lender keeps them (lists where it looks at a value or two at a time, running totals of capex).
"""

from __future__ import annotations

import math
from array import array

import numpy as np
import simpy

__all__ = ["ARRIVE", "DEPART", "END", "LATE", "REFILL", "Handed", "Lane", "at"]

LATE = 2
"""SimPy priority of departures at the end of patience: after every refill, arrival and funding of the same instant."""
ARRIVE, REFILL, DEPART, END = range(4)
"""The order of things at one instant, after capacity lapses: requests arrive, the refill, departures (and requests handed over then)."""


def at(env: simpy.Environment, when: float, priority: int) -> simpy.Event:
    """An event at exactly the time ``when`` (years), processed with SimPy ``priority`` (``URGENT``, ``NORMAL`` or :data:`LATE`) among events of that instant.

    SimPy schedules at ``now + delay``; the delay is nudged so that this sum is
    ``when`` to the last bit, as deadlines and refills are compared exactly.
    """
    now = env.now
    delay = when - now
    if now + delay != when:  # mostly it is exact already
        while now + delay < when:
            delay = math.nextafter(delay, math.inf)
        while now + delay > when:
            delay = math.nextafter(delay, -math.inf)
    event = simpy.Event(env)
    event._ok = True  # what simpy.Timeout sets, with a priority of our choice
    event._value = None
    env.schedule(event, priority, delay)
    return event


class Handed:
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


_NO_TIMES = np.empty(0)
_NO_RECORDS = np.empty(0, dtype=np.int64)
"""The arrays of a lane without own requests (never written: slices of them are empty)."""


def _doubles(a: np.ndarray) -> array[float]:
    """A copy of a 1-d float array as an ``array.array`` of doubles."""
    out = array("d")
    out.frombytes(a.astype(float, copy=False).tobytes())
    return out


class Lane:
    """The requests of one rank at a lender: its own generic requests in arrival order, and requests handed to it.

    Own requests with index below ``next`` are decided (funded, or passed
    over because their patience had run out); those from ``next`` to
    ``arrived`` are in the queue, some perhaps past their deadline (lazy
    deletion). A handed request sits before the own request at its
    ``position``. ``cum[i]`` is the capex of the own requests before ``i``.

    Parameters
    ----------
    rank : int
    time : ndarray, shape (n,)
        The own requests' times (years from the start), in queue order.
    record : ndarray of int, shape (n,)
        Their records in the path's :class:`~sim.engine.finance_book.FinanceBook`.
    capex : ndarray, shape (n,)
        Their capex, USD bn.
    deadline : ndarray, shape (n,)
        When each one's patience ends.
    """

    __slots__ = ("arrived", "capexes", "cum", "deadlines", "handed", "next", "rank", "record", "time", "times")

    def __init__(self, rank: int, time: np.ndarray, record: np.ndarray, capex: np.ndarray, deadline: np.ndarray):
        self.rank = rank
        self.time, self.record = time, record
        # the values the lender looks at one or two at a time (bisect, scans) as arrays of the standard library: made by
        # copying bytes (no Python float a request up front, as a list has; a path has a thousand requests) and faster
        # to read one value from than numpy
        self.times = _doubles(time)
        self.capexes = _doubles(capex)
        # running totals from 0.0, each added to the one before as np.cumsum adds them (the same floats)
        self.cum = _doubles(np.cumsum(capex)) if capex.size else array("d")
        self.cum.insert(0, 0.0)
        # a list: read in runs (min of a slice, a membership test, scans), where an array would make a float a value
        self.deadlines: list[float] = deadline.tolist()  # -inf once a request left explicitly
        self.next = 0
        self.arrived = 0
        self.handed: list[Handed] = []

    @classmethod
    def empty(cls, rank: int) -> Lane:
        """A lane of ``rank`` without own requests (requests handed to the lender may join it)."""
        return cls(rank, _NO_TIMES, _NO_RECORDS, _NO_TIMES, _NO_TIMES)

    def leave(self, i: int) -> None:
        """Request ``i`` is out of the queue."""
        self.deadlines[i] = -math.inf
