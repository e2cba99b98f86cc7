"""Turning a path's event log and organic growth into annual trade by component.

Annual turnover in simulated year ``k`` (calendar ``start_year + k``)::

    T(k) = O(k) * M(k) / M(base) + dC(k) + dP(k) + dE(k)

* ``O``: organic trade, a log-growth process from the base-year value (AR(1)
  deviations around the path's mean); a partly observed first year takes the
  observed months as given and draws only the rest of the year.
* ``M``: the yearly mean of the multiplier from shocks and transport links.
* ``dC``, ``dP``, ``dE``: construction imports, operating effects and measures,
  each measured as the change from its base-year flow. The base-year value
  already contains the flows of projects that were building or operating then
  (the pipeline's warm-up launches model those), so only changes add to it.

All flows are integrated exactly over each year; ``M`` is averaged on a grid
of 48 points a year (its within-year shape has no closed-form mean when
shocks overlap).
"""

from __future__ import annotations

import math

import numpy as np

from .model import EventLog
from .sampling import PathInputs
from .scenario import Scenario

__all__ = ["COMPONENTS", "assemble_trade", "windows"]

COMPONENTS = ("organic", "construction", "operations", "measures")
"""Trade components, in the order of the last axis of trade arrays."""

GRID_PER_YEAR = 48


def windows(s: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (years from the start) of the simulated part of each year, shape ``(n_years,)``.

    A partly observed first year is simulated only after its observed months.
    """
    n = len(s.years)
    a = np.arange(n, dtype=float)
    if s.trade.observed is not None:
        a[0] = s.trade.observed.months / 12.0
    return a, np.arange(1, n + 1, dtype=float)


def _ramp_integral(t: np.ndarray, origin: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """Integral from -inf to ``t`` of a ramp rising linearly from 0 at ``origin`` to 1 after ``ramp`` years."""
    x = np.maximum(t - origin, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rising = np.where(ramp > 0, x * x / (2.0 * np.where(ramp > 0, ramp, 1.0)), x)
    return np.where(x < ramp, rising, x - ramp / 2.0)


def _flows(a: np.ndarray, b: np.ndarray, start, end, stop, capex, share, coef, ramp) -> tuple[np.ndarray, np.ndarray]:
    """Construction imports and operating flows of projects over windows ``[a, b)``.

    Project arrays have shape ``(J,)``, windows ``(K,)``; returns two ``(K,)`` sums, USD bn.
    """
    if start.size == 0:
        return np.zeros(a.size), np.zeros(a.size)
    s, e, z = start[:, None], end[:, None], stop[:, None]
    lo, hi = np.minimum(a[None, :], z), np.minimum(b[None, :], z)
    overlap = np.clip(np.minimum(e, hi) - np.maximum(s, lo), 0.0, None)
    construction = ((capex * share / (end - start))[:, None] * overlap).sum(axis=0)
    r = ramp[:, None]
    operating = ((capex * coef)[:, None] * (_ramp_integral(hi, e, r) - _ramp_integral(lo, e, r))).sum(axis=0)
    return construction, operating


def _multiplier(s: Scenario, x: PathInputs, log: EventLog, n: int) -> np.ndarray:
    """Multiplier of organic trade on the grid of midpoints over ``[-1, n)``, shape ``(G * (n + 1),)``."""
    t = -1.0 + (np.arange(GRID_PER_YEAR * (n + 1)) + 0.5) / GRID_PER_YEAR
    m = np.ones_like(t)
    sh = x.shocks
    for tau, depth, rec in zip(log.shock_time, sh.depth, sh.recovery_years, strict=True):
        if not math.isfinite(tau):
            continue
        since = t - tau
        if rec > 0:
            fade = np.clip(1.0 - since / rec, 0.0, 1.0)
        else:
            fade = (since >= 0) & (t < math.floor(tau) + 1.0)
        m *= 1.0 - depth * np.where(since >= 0, fade, 0.0)
    f = x.flagships
    for j in np.flatnonzero((f.level_uplift != 0) | (f.growth_uplift != 0)):
        opened, stop, r = log.flagship_end[j], log.flagship_stop[j], f.ramp_up_years[j]
        if not math.isfinite(opened):
            continue
        since = np.clip(np.minimum(t, stop) - opened, 0.0, None)
        level = np.minimum(since / r, 1.0) if r > 0 else (since > 0).astype(float)
        m *= (1.0 + f.level_uplift[j] * level) * np.exp(f.growth_uplift[j] * since)
    return m


def _organic(s: Scenario, x: PathInputs, n: int) -> tuple[np.ndarray, float]:
    """Yearly organic trade levels ``O(k)``, shape ``(n,)``, and the observed part of year 0 (USD bn)."""
    base = s.trade.base_usd_bn
    mu, sd = x.growth_mean, x.growth_sd
    phi = s.trade.growth.persistence
    eps = x.innovations
    log_level = np.empty(n)
    obs = s.trade.observed
    observed_part = 0.0
    if obs is not None:
        w = obs.months / 12.0
        observed_part = base * w * (1.0 + obs.growth)
        level0 = observed_part + base * (1.0 - w) * math.exp(x.rest_of_year_log_growth)
        dev = math.log(level0 / base) - mu
    else:
        dev = sd * eps[0]
    log_level[0] = math.log(base) + mu + dev
    scale = sd * math.sqrt(1.0 - phi * phi)
    for k in range(1, n):
        dev = phi * dev + scale * eps[k]
        log_level[k] = log_level[k - 1] + mu + dev
    return np.exp(log_level), observed_part


def assemble_trade(s: Scenario, x: PathInputs, log: EventLog) -> np.ndarray:
    """Annual trade of one path by component.

    Returns
    -------
    ndarray, shape (n_years, 4)
        USD bn per simulated year, columns :data:`COMPONENTS`; their sum is turnover.
    """
    n = len(s.years)
    a, b = windows(s)
    length = b - a
    # window -1 is the base year [-1, 0)
    wa = np.concatenate([[-1.0], a])
    wb = np.concatenate([[0.0], b])

    g, f = x.generic, x.flagships
    share = x.sector_import_share[g.sector] if g.sector.size else np.empty(0)
    coef = x.sector_trade_per_capex[g.sector] if g.sector.size else np.empty(0)
    ramp = np.array([sec.ramp_up_years for sec in s.pipeline.sectors.values()])[g.sector] if g.sector.size else np.empty(0)
    live = np.isfinite(log.generic_start)
    live_f = np.isfinite(log.flagship_start)
    start = np.concatenate([log.generic_start[live], log.flagship_start[live_f]])
    end = np.concatenate([log.generic_end[live], log.flagship_end[live_f]])
    stop = np.concatenate([np.full(int(live.sum()), math.inf), log.flagship_stop[live_f]])
    capex = np.concatenate([g.capex_usd_bn[live], f.capex_usd_bn[live_f]])
    c_flow, p_flow = _flows(
        wa,
        wb,
        start,
        end,
        stop,
        capex,
        np.concatenate([share[live], f.import_share[live_f]]),
        np.concatenate([coef[live], f.trade_per_capex[live_f]]),
        np.concatenate([ramp[live], f.ramp_up_years[live_f]]),
    )
    e_flow = np.zeros(n + 1)
    if s.measures:
        ramps = np.array([m.ramp_up_years for m in s.measures])
        starts = log.measure_start[:, None]
        e_flow = (
            x.measure_effect_usd_bn[:, None]
            * (_ramp_integral(wb[None, :], starts, ramps[:, None]) - _ramp_integral(wa[None, :], starts, ramps[:, None]))
        ).sum(axis=0)

    out = np.empty((n, len(COMPONENTS)))
    for col, flow in ((1, c_flow), (2, p_flow), (3, e_flow)):
        out[:, col] = flow[1:] - length * flow[0]

    level, observed_part = _organic(s, x, n)
    m = _multiplier(s, x, log, n)
    per_year = m.reshape(n + 1, GRID_PER_YEAR)
    base_mean = per_year[0].mean()
    year_mean = per_year[1:].mean(axis=1)
    if s.trade.observed is not None:
        first = int(round(a[0] * GRID_PER_YEAR))
        year_mean[0] = per_year[1, first:].mean()
        unobserved = level[0] - observed_part
        out[0, 0] = observed_part + unobserved * year_mean[0] / base_mean
        out[1:, 0] = level[1:] * year_mean[1:] / base_mean
    else:
        out[:, 0] = level * year_mean / base_mean
    return out
