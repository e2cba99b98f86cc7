"""A lender's capacity on one path: yearly refills, used oldest first, lapsing after a while."""

from __future__ import annotations

import math
from collections import deque

__all__ = ["EMPTY", "Capacity", "first_refill_fitting"]

EMPTY = 1e-12
"""Capacity below this (USD bn) is taken as used up (rounding of running totals)."""


class Capacity:
    """A lender's capacity: the level, what is left of each refill until it lapses (oldest first), and the refills done."""

    __slots__ = ("added", "lapse_years", "level", "refills", "vintages")

    def __init__(self, added: list[float], lapse_years: float | None):
        self.added = added
        self.lapse_years = lapse_years
        self.level = 0.0
        self.refills = 0
        self.vintages: deque[list[float]] = deque()  # [expiry, amount left], with a lapse only

    def copy(self) -> Capacity:
        other = Capacity(self.added, self.lapse_years)
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
        added, vintages = self.added, self.vintages
        while True:
            # :meth:`next_change`, inline: most calls find nothing before ``when``
            change = self.refills if self.refills < len(added) else math.inf
            if vintages and vintages[0][0] < change:
                change = vintages[0][0]
            if change >= when:
                return
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


def first_refill_fitting(capacity: Capacity, capex: float, until: float) -> float:
    """The first refill before ``until`` after which the level reaches ``capex`` (``until`` if none); ``capacity`` is left as it is."""
    added, refill = capacity.added, capacity.refills
    last = min(len(added), math.ceil(until))
    if refill >= last:
        return until  # no refill before ``until`` (often so: the next is after it)
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
