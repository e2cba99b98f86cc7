"""The straightforward model: one SimPy process per project, real Containers and a Resource.

The test oracle for :func:`sim.engine.model.simulate_path`: given the same drawn
inputs it must produce the same event log. It reads the inputs exactly as the
package does but decides every project on its own, event by event.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.engine.model import EventLog
from sim.engine.sampling import STAGE_CODES, PathInputs
from sim.scenario import Scenario

AWAITING = STAGE_CODES["awaiting_finance"]


def simulate_path_oracle(s: Scenario, x: PathInputs) -> EventLog:
    env = simpy.Environment()
    horizon = float(len(s.years))
    f, g = x.flagships, x.generic
    lenders = [simpy.Container(env) for _ in range(x.capacity_usd_bn.shape[0])]
    impl = s.portfolio.implementation if s.portfolio else None
    builders = simpy.Resource(env, capacity=impl.max_concurrent_builds) if impl else None

    duration = g.build_years + g.delay_years
    g_funded = np.where((g.request_time < 0) & ~g.cancelled, g.request_time, math.inf)
    g_start = g_funded.copy()
    g_end = g_funded + duration
    f_start = np.where(f.cancelled & (f.stage == AWAITING), math.inf, f.start_time)
    f_end = np.where(f.cancelled & (f.stage == AWAITING), math.inf, f.end_time)

    def flagship(j: int):
        t = max(f.request_time[j], 0.0)
        if t > 0:
            yield env.timeout(t)
        yield lenders[f.financier[j]].get(f.capex_usd_bn[j])
        f_start[j] = env.now
        f_end[j] = env.now + f.build_years[j]

    def generic(i: int):
        if g.request_time[i] > 0:
            yield env.timeout(g.request_time[i])
        yield lenders[g.financier[i]].get(g.capex_usd_bn[i])
        g_funded[i] = env.now
        if builders is None:
            g_start[i] = env.now
            g_end[i] = env.now + duration[i]
            return
        with builders.request() as slot:
            yield slot
            g_start[i] = env.now
            g_end[i] = env.now + duration[i]
            yield env.timeout(duration[i])

    def refill(k: int):
        for added in x.capacity_usd_bn[k]:
            if added > 0:
                yield lenders[k].put(added)
            yield env.timeout(1.0)

    # processes start in creation order: requests at time 0 queue before the first refill
    for j in np.flatnonzero((f.stage == AWAITING) & ~f.cancelled):
        env.process(flagship(int(j)))
    for i in np.flatnonzero((g.request_time >= 0) & ~g.cancelled):
        env.process(generic(int(i)))
    for k in range(len(lenders)):
        env.process(refill(k))
    env.run(until=horizon)
    g_start[~np.isfinite(g_funded)] = math.inf
    g_end[~np.isfinite(g_start)] = math.inf
    return EventLog(
        generic_funded=g_funded,
        generic_start=g_start,
        generic_end=g_end,
        flagship_start=f_start,
        flagship_end=f_end,
        flagship_stop=np.where(f.cancelled, 0.0, math.inf),
        shock_time=x.shocks.time.copy(),
        measure_start=np.array([m.start - s.start_year for m in s.measures], dtype=float),
    )
