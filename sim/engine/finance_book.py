"""Requests for finance on one path and what came of them: the book a path's lenders keep while it runs, and its log.

A project's first request is made at its lender; one whose patience runs out
there may make a second at that lender's fallback (:mod:`sim.engine.lenders`).
Each request is a record; its outcome is one of :class:`Outcome`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from simpy.events import NORMAL

__all__ = ["FinanceBook", "FinanceLog", "Outcome"]


class Outcome:
    """Codes of a request's outcome in :class:`FinanceLog`."""

    WAITING = 0
    """Still waiting at the horizon."""
    FUNDED = 1
    WITHDRAWN = 2
    """Left at its deadline and gave up."""
    TURNED = 3
    """Left at its deadline for the lender's fallback (the next record of the project)."""


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
        self._second_of: list[int] = []  # the first request of each second request (records ``first`` on), and its lender
        self._second_lender: list[int] = []
        self.now_phase = NORMAL  # the phase (NORMAL or LATE) of what is being decided
        self.context = NORMAL  # the SimPy phase of the event being processed

    @property
    def stage(self) -> np.ndarray:
        """0 for a project's request at its lender, 1 at the fallback (the records so far)."""
        return (np.arange(self.size) >= self.first).astype(np.int64)

    def second(self, record: int, lender: int, now: float) -> int:
        """Record the request a project makes at its lender's fallback at ``now``; its id.

        Its capex, time and deadline are written at once; its kind, index, first request and lender at the end
        of the run (:meth:`settle`), as nothing reads them before.
        """
        r = self.size
        self.size += 1
        # what the lenders read while the run goes on is written now; the project's kind, index, first request
        # and the lender asked (read only once the run is over) are copied at the end, all at once (:meth:`settle`)
        self._second_of.append(record)
        self._second_lender.append(lender)
        self.capex[r], self.asked[r], self.deadline[r] = self.capex[record], now, now + self.fresh_patience[record]
        return r

    def fund(self, records: np.ndarray, when: float) -> None:
        """The requests ``records`` are funded at ``when`` (in the phase ``now_phase``)."""
        self._runs.append(records)
        self._run_times.append(when)
        if self.ordered:  # (as in :meth:`_count`, inline: this is called at every funding)
            self._service.append((records, self.now_phase, self.fundings))
        self.fundings += records.size

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
        """At the end of the run: the second requests' projects and lenders, the outcome and time of every funded request, and
        with ``ordered`` their phase and order."""
        if self._second_of:
            seconds, first = np.array(self._second_of), np.arange(self.first, self.size)
            for a in (self.kind, self.index, self.first_asked):
                a[first] = a[seconds]
            self.lender[first] = self._second_lender
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
