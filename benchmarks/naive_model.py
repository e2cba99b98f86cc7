"""The straightforward SimPy implementation of coopsim's model, for speed comparison only.

Everything a first implementation would do: one SimPy process per project
(generic and named), a financier ``Container`` per lender refilled by its own
process, a Poisson launch process, shock and measure processes, draws made as
they are needed from one generator per path, and a monthly ticker process that
adds up every project's flows month by month. Same model, same scenario file;
its random numbers are drawn differently, so its results agree with
``sim.simulate`` only in distribution (the benchmark prints both).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.scenario import Scenario

MONTH = 1.0 / 12.0


def _draw(dist, rng: np.random.Generator) -> float:
    return float(dist.ppf(np.asarray(rng.random())))


class _Project:
    __slots__ = ("capex", "share", "coef", "ramp", "start", "end", "stop")

    def __init__(self, capex: float, share: float, coef: float, ramp: float):
        self.capex, self.share, self.coef, self.ramp = capex, share, coef, ramp
        self.start = self.end = math.inf
        self.stop = math.inf

    def flow(self, t: float) -> tuple[float, float]:
        """Construction imports and operating flow at time t, USD bn a year."""
        if t >= self.stop:
            return 0.0, 0.0
        if self.start <= t < self.end:
            return self.capex * self.share / (self.end - self.start), 0.0
        if t >= self.end:
            ramp = 1.0 if self.ramp <= 0 else min((t - self.end) / self.ramp, 1.0)
            return 0.0, self.capex * self.coef * ramp
        return 0.0, 0.0


def simulate_path_naive(s: Scenario, seed: int, path: int) -> np.ndarray:
    """Annual trade by component of one path, shape ``(n_years, 4)``, the straightforward way."""
    rng = np.random.default_rng([seed, path])
    p, pf = s.pipeline, s.portfolio
    n = len(s.years)
    warmup = float(p.warmup_years)
    env = simpy.Environment(initial_time=-warmup)
    lenders = {name: simpy.Container(env) for name in pf.financiers}
    sector_share = {k: _draw(v.construction_import_share, rng) for k, v in p.sectors.items()}
    sector_coef = {k: _draw(v.trade_per_capex_per_year, rng) for k, v in p.sectors.items()}
    names, weights = list(p.sector_mix), np.array(list(p.sector_mix.values()), dtype=float)
    fin_names, fin_weights = list(p.financier_mix), np.array(list(p.financier_mix.values()), dtype=float)
    projects: list[_Project] = []
    shocks: list[tuple[float, float, float]] = []
    effects = {m.name: _draw(m.effect_usd_bn_per_year, rng) for m in s.measures}

    def refill(name: str, fin):
        while env.now < 0:
            yield env.timeout(1.0)
        for _ in range(n):
            amount = _draw(fin.capacity_usd_bn_per_year, rng)
            if amount > 0:
                yield lenders[name].put(amount)
            yield env.timeout(1.0)

    def generic(cancel: float, capex: float | None = None):
        sector = names[rng.choice(len(names), p=weights / weights.sum())]
        lender = fin_names[rng.choice(len(fin_names), p=fin_weights / fin_weights.sum())]
        capex = _draw(p.capex_usd_bn, rng) if capex is None else capex
        proj = _Project(capex, sector_share[sector], sector_coef[sector], p.sectors[sector].ramp_up_years)
        if rng.random() < cancel:
            return
        projects.append(proj)
        if env.now >= 0:
            yield lenders[lender].get(proj.capex)
        build = _draw(p.build_years, rng) + (_draw(p.delay_years, rng) if rng.random() < p.delay_probability else 0.0)
        proj.start = env.now
        proj.end = env.now + build
        yield env.timeout(build)

    def launches():
        while True:
            rate = p.launches_per_year * math.exp(p.launch_trend * env.now)
            yield env.timeout(rng.exponential(1.0 / rate))
            if env.now >= n:
                return
            env.process(generic(p.cancel_probability))

    def backlog():
        yield env.timeout(warmup)
        total = 0.0
        cancel = pf.backlog.cancel_probability if pf.backlog.cancel_probability is not None else p.cancel_probability
        while total < pf.backlog.capex_usd_bn:
            capex = _draw(p.capex_usd_bn, rng)
            env.process(generic(cancel, capex))
            total += capex

    def flagship(proj_spec):
        sector = p.sectors[proj_spec.sector]
        share = (
            _draw(proj_spec.construction_import_share, rng)
            if proj_spec.construction_import_share is not None
            else sector_share[proj_spec.sector]
        )
        coef = (
            _draw(proj_spec.trade_per_capex_per_year, rng)
            if proj_spec.trade_per_capex_per_year is not None
            else sector_coef[proj_spec.sector]
        )
        ramp = proj_spec.ramp_up_years if proj_spec.ramp_up_years is not None else sector.ramp_up_years
        proj = _Project(_draw(proj_spec.capex_usd_bn, rng), share, coef, ramp)
        projects.append(proj)
        if rng.random() < proj_spec.cancel_probability:
            proj.stop = 0.0
        t0 = s.start_year
        if proj_spec.stage == "awaiting_finance":
            yield env.timeout(warmup + max((proj_spec.finance_request_year or t0) - t0, 0.0))
            if proj.stop == 0.0:
                return
            yield lenders[proj_spec.financier].get(proj.capex)
            proj.start = env.now
            proj.end = env.now + _draw(proj_spec.build_years, rng)
        else:
            proj.start = proj_spec.construction_start - t0
            proj.end = _draw(proj_spec.completion_year, rng) - t0

    def shock_process(shock):
        yield env.timeout(warmup)
        for year in range(n):
            if rng.random() < shock.probability_per_year:
                shocks.append((year + rng.random(), _draw(shock.depth, rng), _draw(shock.recovery_years, rng)))
            yield env.timeout(1.0)

    base = s.trade.base_usd_bn
    g = s.trade.growth
    mu, sd = _draw(g.mean, rng), _draw(g.sd, rng)
    out = np.zeros((n, 4))
    baseline = np.zeros(4)

    def ticker():
        """Every month: organic level and every project's and measure's flow."""
        level = base
        dev = 0.0
        yield env.timeout(warmup - 1.0)  # the base year, for the baseline flows
        while env.now < n:
            t = env.now + MONTH / 2
            if env.now >= 0 and abs(env.now - round(env.now)) < 1e-9:
                obs = s.trade.observed
                if obs is not None and round(env.now) == 0:
                    w = obs.months / 12.0
                    new = base * (w * (1 + obs.growth) + (1 - w) * math.exp(math.log1p(obs.growth) + sd * rng.standard_normal()))
                    dev = math.log(new / level) - mu
                    level = new
                else:
                    z = rng.standard_t(g.df) * math.sqrt((g.df - 2) / g.df) if g.df else rng.standard_normal()
                    dev = g.persistence * dev + sd * math.sqrt(1 - g.persistence**2) * z
                    level *= math.exp(mu + dev)
            mult = 1.0
            for tau, depth, rec in shocks:
                if t >= tau:
                    mult *= 1.0 - depth * max(0.0, 1.0 - (t - tau) / rec) if rec > 0 else 1.0
            c = o = 0.0
            for proj in projects:
                dc, do = proj.flow(t)
                c += dc
                o += do
            e = sum(effects[m.name] * min(max((t - (m.start - s.start_year)) / max(m.ramp_up_years, 1e-9), 0.0), 1.0) for m in s.measures)
            row = (level * mult * MONTH, c * MONTH, o * MONTH, e * MONTH)
            if env.now < 0:
                baseline[:] += row
            else:
                out[int(env.now + 1e-9)] += row
            yield env.timeout(MONTH)

    for proj_spec in p.projects:
        env.process(flagship(proj_spec))
    env.process(launches())
    if pf.backlog is not None:
        env.process(backlog())
    for name, fin in pf.financiers.items():
        env.process(refill(name, fin))
    for shock in s.shocks:
        env.process(shock_process(shock))
    env.process(ticker())
    env.run(until=float(n))
    out[:, 1:] -= baseline[1:]
    return out
