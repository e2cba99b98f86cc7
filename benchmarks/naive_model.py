"""The straightforward SimPy implementation of coopsim's model, for speed comparison only.

Everything a first implementation would do: one SimPy process per project
(generic and named), a financier ``Container`` per lender refilled by its own
process, a Poisson launch process, shock and measure processes, draws made as
they are needed from one generator per path, and a monthly ticker process that
adds up every project's flows month by month. Same model, same scenario file;
its random numbers are drawn differently, so its results agree with
``sim.simulate`` only in distribution (the benchmark prints both). Organic
trade (either law, with the partial-year observation fixing the observed
months' total) is computed after the run from the recorded monthly flows.
It has no nowcast of a view's partly observed year (0.3.0): the rest of an
observed year grows as the observed months did, so it agrees with coopsim on a
view before the first year's first release (the benchmark's sanity check).
"""

from __future__ import annotations

import math

import numpy as np
import simpy
from scipy.special import expit, logit

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
    sector_coef = {k: _draw(v.exports_per_capex_per_year, rng) + _draw(v.imports_per_capex_per_year, rng) for k, v in p.sectors.items()}
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
        asks = pf.backlog.request_years
        while total < pf.backlog.capex_usd_bn:
            capex = _draw(p.capex_usd_bn, rng)
            env.process(later(0.0 if asks is None else _draw(asks, rng), cancel, capex))
            total += capex

    def later(wait: float, cancel: float, capex: float):
        yield env.timeout(wait)  # a backlog project asks for finance when its drawn request year comes
        yield from generic(cancel, capex)

    def flagship(proj_spec):
        sector = p.sectors[proj_spec.sector]
        share = (
            _draw(proj_spec.construction_import_share, rng)
            if proj_spec.construction_import_share is not None
            else sector_share[proj_spec.sector]
        )
        exports = _draw(proj_spec.exports_per_capex_per_year, rng) if proj_spec.exports_per_capex_per_year is not None else None
        imports = _draw(proj_spec.imports_per_capex_per_year, rng) if proj_spec.imports_per_capex_per_year is not None else None
        coef = sector_coef[proj_spec.sector] if exports is None and imports is None else (exports or 0.0) + (imports or 0.0)
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

    obs = s.observation
    months = np.zeros((12 * n, 4))  # multiplier, construction, operations, measures by month
    baseline = np.zeros(4)

    def ticker():
        """Every month: the multiplier of organic trade and every project's and measure's flow."""
        yield env.timeout(warmup - 1.0)  # the base year, for the baseline flows
        while env.now < n:
            t = env.now + MONTH / 2
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
            if env.now < 0:
                baseline[:] += (MONTH, c * MONTH, o * MONTH, e * MONTH)
            else:
                months[int(env.now * 12 + 1e-9)] = (mult * MONTH, c * MONTH, o * MONTH, e * MONTH)
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
    flows = months[:, 1:] - baseline[1:] / 12.0  # changes from the base year's flows, by month
    multiplier = months[:, 0].reshape(n, 12) * 12.0
    out = np.zeros((n, 4))
    out[:, 1:] = flows.reshape(n, 12, 3).sum(axis=1)
    observed = obs.value_usd_bn - flows[: obs.months].sum() if obs is not None else None
    level = _organic_levels(s, rng, observed)
    out[:, 0] = level * multiplier.mean(axis=1)
    if observed is not None:
        out[0, 0] = observed + (level[0] - observed) * multiplier[0, obs.months :].mean()
    return out


def _organic_levels(s: Scenario, rng: np.random.Generator, observed: float | None) -> np.ndarray:
    """Organic turnover each year before the multiplier, drawn year by year (``observed``: organic trade of the observed months)."""
    n, base, obs = len(s.years), s.trade.base_usd_bn, s.observation
    structural = s.trade.structural
    g = structural.total_growth if structural is not None else s.trade.growth
    mu, sd = _draw(g.mean, rng), _draw(g.sd, rng)
    if structural is not None:
        law = structural.share
        zbar, phi, sd_z = float(logit(_draw(law.long_run, rng))), _draw(law.persistence, rng), _draw(law.sd, rng)
        z = float(logit(base / structural.total_base_usd_bn))
    first = None
    if observed is not None:
        same = obs.base_same_months_usd_bn
        spread = sd if structural is None else math.hypot(sd, (1 - base / structural.total_base_usd_bn) * sd_z)
        first = observed + (base - same) * math.exp(math.log(observed / same) + spread * rng.standard_normal())
    out = np.empty(n)
    if structural is None:
        level = base
        for k in range(n):
            level = first if (k == 0 and first is not None) else level * math.exp(mu + sd * rng.standard_normal())
            out[k] = level
        return out
    total = structural.total_base_usd_bn
    for k in range(n):
        z_mean = zbar + phi * (z - zbar)
        total *= math.exp(mu + sd * rng.standard_normal())
        z = z_mean + sd_z * rng.standard_normal()
        if k == 0 and first is not None:
            slope = 1.0 - float(expit(z_mean))
            surprise = math.log(first) - (math.log(total) + math.log(expit(z_mean)) + slope * (z - z_mean))
            z += slope * sd_z**2 / (sd**2 + (slope * sd_z) ** 2) * surprise
            total = first / float(expit(z))
        out[k] = float(expit(z)) * total
    return out
