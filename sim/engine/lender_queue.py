"""A lender's queue: its requests by rank (:class:`Lane`), requests handed to it (:class:`Handed`), and the instants they meet.

The queue's rules are those of :mod:`sim.engine.lenders`. What is here is what every part of a
lender reads: the order of things within an instant (:data:`ARRIVE`, :data:`REFILL`, :data:`DEPART`,
:data:`END`; :data:`LATE` for departures), events at an exact time (:func:`at`), and the requests as
the lender keeps them (lists where it looks at a value or two at a time, running totals of capex).
"""

from __future__ import annotations

import math
from itertools import accumulate

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


class Lane:
    """The requests of one rank at a lender: its own generic requests in arrival order, and requests handed to it.

    Own requests with index below ``next`` are decided (funded, or passed
    over because their patience had run out); those from ``next`` to
    ``arrived`` are in the queue, some perhaps past their deadline (lazy
    deletion). A handed request sits before the own request at its
    ``position``. ``cum[i]`` is the capex of the own requests before ``i``.
    """

    __slots__ = ("arrived", "capexes", "cum", "deadlines", "handed", "next", "rank", "record", "time", "times")

    def __init__(self, rank: int, time: np.ndarray, record: np.ndarray, times: list[float], capexes: list[float], deadlines: list[float]):
        """``time`` and ``record`` as arrays (funded runs are slices of them), ``times``, ``capexes`` and ``deadlines`` as
        lists (where the lender looks at a value or two at a time, bisect and scans, lists are faster than numpy; a
        path's lanes are cut from one list each, see :func:`sim.engine.model.simulate_path`); ``deadlines`` is the lane's
        own list (it changes)."""
        self.rank = rank
        self.time, self.record = time, record
        self.times = times
        self.capexes = capexes
        # running totals added one at a time from 0.0, as np.cumsum adds them (the same floats), without its array
        self.cum: list[float] = list(accumulate(capexes, initial=0.0))
        self.deadlines = deadlines  # -inf once a request left explicitly
        self.next = 0
        self.arrived = 0
        self.handed: list[Handed] = []

    @classmethod
    def empty(cls, rank: int) -> Lane:
        """A lane of ``rank`` without own requests (requests handed to the lender may join it)."""
        return cls(rank, _NO_TIMES, _NO_RECORDS, [], [], [])

    def leave(self, i: int) -> None:
        """Request ``i`` is out of the queue."""
        self.deadlines[i] = -math.inf
