"""The straightforward model: one SimPy process per project, real Containers and a Resource.

The test oracle for :func:`sim.engine.model.simulate_path`: given the same drawn
inputs it must produce the same event log. It reads the inputs exactly as the
package does but decides every project on its own, event by event: each
project asks its lender's ``Container`` (``get``) and waits for the first of
its funding and the end of its patience (``get | deadline``); out of patience
it cancels its request, which lets the queue move on, and asks the lender's
fallback once. A lender is a ``Container`` whose get queue is ordered by
priority rank, then by the order requests were made, and whose capacity is
kept by the year it was added, used oldest first and lapsing when unused.
A named project its own company finances (``own_finance``) is a process that
asks no lender: it builds from its request.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import deque

import numpy as np
import simpy
from simpy.events import URGENT
from simpy.resources.container import ContainerGet

from sim.engine.capacity import EMPTY
from sim.engine.finance_book import FinanceLog, Outcome
from sim.engine.lenders import LATE, at
from sim.engine.model import EventLog, finance_requests, priority_ranks
from sim.engine.sampling import STAGE_CODES, PathInputs
from sim.scenario import Scenario

AWAITING = STAGE_CODES["awaiting_finance"]


class _RankedQueue(list):
    """A get queue kept in order of the requests' keys: (priority rank, order made)."""

    def append(self, event) -> None:
        self.insert(bisect.bisect_right([e.key for e in self], event.key), event)


class _Ask(ContainerGet):
    def __init__(self, container: simpy.Container, amount: float, key: tuple[int, int]):
        self.key = key
        super().__init__(container, amount)


class _Lender(simpy.Container):
    """A Container with ranked requests and capacity that lapses ``lapse`` years after it was added."""

    GetQueue = _RankedQueue

    def __init__(self, env: simpy.Environment, lapse: float | None):
        super().__init__(env)
        self.lapse = lapse
        self.vintages: deque[list[float]] = deque()

    def _do_put(self, event) -> bool:
        self._level += event.amount
        if self.lapse is not None:
            expiry = self._env.now + self.lapse
            self.vintages.append([expiry, event.amount])
            at(self._env, expiry, URGENT).callbacks.append(self._expire)
        event.succeed()
        return True

    def _do_get(self, event) -> bool | None:
        if self._level < event.amount:
            return None
        self._level -= event.amount
        amount = event.amount
        while amount > 0 and self.vintages:
            if self.vintages[0][1] > amount + EMPTY:
                self.vintages[0][1] -= amount
                break
            amount -= self.vintages.popleft()[1]
        event.succeed()
        return True

    def _expire(self, _event) -> None:
        while self.vintages and self.vintages[0][0] <= self._env.now:
            self._level -= self.vintages.popleft()[1]

    def leave(self, ask: _Ask) -> None:
        """A request gives up: out of the queue, and those behind it are served if they now can be."""
        ask.cancel()
        self._trigger_get(None)


def simulate_path_oracle(s: Scenario, x: PathInputs) -> EventLog:
    env = simpy.Environment()
    horizon = float(len(s.years))
    f, g = x.flagships, x.generic
    financiers = list(s.portfolio.financiers.values())
    names = list(s.portfolio.financiers)
    lenders = [_Lender(env, fin.capacity_lapse_years) for fin in financiers]
    fallback = [names.index(fin.fallback) if fin.fallback else None for fin in financiers]
    impl = s.portfolio.implementation
    builders = simpy.Resource(env, capacity=impl.max_concurrent_builds) if impl else None
    made = itertools.count()
    records: list[list] = []

    duration = g.build_years + g.delay_years
    g_funded = np.where((g.request_time < 0) & ~g.cancelled, g.request_time, math.inf)
    g_start = g_funded.copy()
    g_end = g_funded + duration
    f_start = np.where(f.cancelled & (f.stage == AWAITING), math.inf, f.start_time)
    f_end = np.where(f.cancelled & (f.stage == AWAITING), math.inf, f.end_time)

    def project(kind: int, j: int, k: int, rank: int, asked: float, capex: float, patience: np.ndarray):
        if asked > 0:
            yield env.timeout(asked)
        first = env.now
        for stage in (0, 1):
            record = [kind, j, stage, k, env.now, first, capex, math.inf, Outcome.WAITING]
            records.append(record)
            ask = _Ask(lenders[k], capex, (rank, next(made)))
            yield ask | at(env, env.now + patience[stage], LATE) if math.isfinite(patience[stage]) else ask
            if ask.triggered:
                record[7:] = [env.now, Outcome.FUNDED]
                break
            lenders[k].leave(ask)
            turn = fallback[k] if stage == 0 else None
            record[7:] = [env.now, Outcome.WITHDRAWN if turn is None else Outcome.TURNED]
            if turn is None:
                return
            k = turn
        if kind == 0:
            f_start[j] = env.now
            f_end[j] = env.now + f.build_years[j]
            return
        g_funded[j] = env.now
        if builders is None:
            g_start[j] = env.now
            g_end[j] = env.now + duration[j]
            return
        with builders.request() as slot:
            yield slot
            g_start[j] = env.now
            g_end[j] = env.now + duration[j]
            yield env.timeout(duration[j])

    def own_money(j: int):
        """A project its own company finances: no lender, no queue; it builds from its request."""
        if f.request_time[j] > 0:
            yield env.timeout(f.request_time[j])
        f_start[j] = env.now
        f_end[j] = env.now + f.build_years[j]

    def refill(k: int):
        for added in x.capacity_usd_bn[k]:
            if added > 0:
                yield lenders[k].put(added)
            yield env.timeout(1.0)

    # processes start in creation order: requests at time 0 (named projects first) queue before the first refill
    q = finance_requests(x, priority_ranks(s, x))
    for r in range(q.time.size):
        env.process(
            project(int(q.kind[r]), int(q.index[r]), int(q.financier[r]), int(q.rank[r]), q.time[r], q.capex_usd_bn[r], q.patience_years[r])
        )
    for j in np.flatnonzero((f.stage == AWAITING) & f.own_finance & ~f.cancelled & (f.request_time < horizon)):
        env.process(own_money(int(j)))
    for k in range(len(lenders)):
        env.process(refill(k))
    env.run(until=horizon)
    g_start[~np.isfinite(g_funded)] = math.inf
    g_end[~np.isfinite(g_start)] = math.inf
    columns = list(zip(*records, strict=True)) if records else [()] * 9
    kinds = (np.int64, np.int64, np.int64, np.int64, float, float, float, float, np.int64)
    return EventLog(
        generic_funded=g_funded,
        generic_start=g_start,
        generic_end=g_end,
        flagship_start=f_start,
        flagship_end=f_end,
        flagship_stop=np.where(f.cancelled, 0.0, math.inf),
        shock_time=x.shocks.time.copy(),
        measure_start=np.array([m.start - s.start_year for m in s.measures], dtype=float),
        finance=FinanceLog(*(np.array(c, dtype=d) for c, d in zip(columns, kinds, strict=True))),
    )
