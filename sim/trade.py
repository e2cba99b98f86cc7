"""Turning paths' event logs and organic growth into annual trade by component.

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

``T`` is in the statistics of ``trade.reporter``. When the target is another
reporter's figure (``trade.target_reporter``), every component of year ``k`` is
multiplied by ``exp(g(k))``, the path's drawn log ratio between the two
reporters' figures (``[trade.reporter_gap]``).

All flows are integrated exactly over each year; ``M`` is averaged on a grid
of 48 points a year (its within-year shape has no closed-form mean when
shocks overlap). The hundreds of generic projects of a path are summed without
a project-by-year table: each flow's integral is a sum of hinge functions
``max(t - corner, 0)**k``, which prefix sums over the sorted corners give at
every year boundary at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .model import EventLog
from .sampling import PathInputs
from .scenario import Scenario

__all__ = ["COMPONENTS", "assemble_trade", "assemble_chunk", "windows"]

COMPONENTS = ("organic", "construction", "operations", "measures")
"""Trade components, in the order of the last axis of trade arrays."""

GRID_PER_YEAR = 48
_TINY = 1e-300


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
    """Integral from -inf to ``t`` of a ramp rising linearly from 0 at ``origin`` to 1 after ``ramp`` years.

    Equals ``x**2 / (2 ramp)`` while ``x = t - origin < ramp``, then ``x - ramp / 2``.
    """
    r = np.maximum(ramp, _TINY)  # a zero ramp is a step: the rising part vanishes
    x = np.maximum(t - origin, 0.0)
    rising = np.minimum(x, r)
    return rising * rising / (2.0 * r) + (x - rising)


def _hinge_sums(corner: np.ndarray, weight: np.ndarray, edges: np.ndarray, power: int) -> np.ndarray:
    """``sum_j weight_j * max(t - corner_j, 0) ** power`` at every ``t`` in ``edges`` (power 1 or 2).

    Sorting the corners once turns the sum into prefix sums of ``weight * corner**i``
    read at each edge: O(J log J) instead of O(J x edges).
    """
    order = np.argsort(corner)
    a, w = corner[order], weight[order]
    k = np.searchsorted(a, edges, side="right")  # corners left of each edge
    moments = [w, w * a] if power == 1 else [w, w * a, w * a * a]
    prefix = [np.concatenate([[0.0], np.cumsum(m)])[k] for m in moments]
    if power == 1:
        return edges * prefix[0] - prefix[1]
    return edges * edges * prefix[0] - 2.0 * edges * prefix[1] + prefix[2]


def _generic_cumulative(edges: np.ndarray, start, end, capex, share, coef, ramp) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports and operating flows of one path's generic projects at ``edges``, USD bn.

    Construction imports accumulate at ``capex * share / (end - start)`` a year
    between start and end: ``w * (max(t - start, 0) - max(t - end, 0))``. The
    operating flow ``capex * coef`` ramps in linearly over ``ramp`` years from
    ``end``; its integral is ``(max(t - end, 0)**2 - max(t - end - ramp, 0)**2) / (2 ramp)``
    (a plain ``max(t - end, 0)`` when ``ramp`` is 0). Both are sums of hinges.
    """
    rate = capex * share / (end - start)
    construction = _hinge_sums(start, rate, edges, 1) - _hinge_sums(end, rate, edges, 1)
    flow = capex * coef
    stepped = ramp <= 0
    curved = ~stepped
    half = flow[curved] / (2.0 * ramp[curved])
    operating = (
        _hinge_sums(end[curved], half, edges, 2)
        - _hinge_sums(end[curved] + ramp[curved], half, edges, 2)
        + _hinge_sums(end[stepped], flow[stepped], edges, 1)
    )
    return construction, operating


def _dense_cumulative(edges: np.ndarray, start, end, stop, capex, share, coef, ramp) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_generic_cumulative`, project by project, for the few projects whose flows may stop early.

    Returns two ``(J, E)`` arrays.
    """
    t = np.minimum(edges[None, :], stop[:, None])  # flows end at a cancellation
    duration = end - start
    built = np.clip(t - start[:, None], 0.0, duration[:, None])
    construction = built * (capex * share / duration)[:, None]
    operating = _ramp_integral(t, end[:, None], ramp[:, None]) * (capex * coef)[:, None]
    return construction, operating


def _multiplier(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], n: int) -> np.ndarray:
    """Multiplier of organic trade on the grid of midpoints over ``[-1, n)``, shape ``(paths, G * (n + 1))``."""
    t = -1.0 + (np.arange(GRID_PER_YEAR * (n + 1)) + 0.5) / GRID_PER_YEAR
    log_m = np.zeros((len(inputs), t.size))
    for p, (x, log) in enumerate(zip(inputs, logs, strict=True)):
        struck = np.isfinite(log.shock_time)
        if struck.any():
            tau = log.shock_time[struck][:, None]
            depth, rec = x.shocks.depth[struck][:, None], x.shocks.recovery_years[struck][:, None]
            since = t[None, :] - tau
            lasting = np.where(rec > 0, 1.0 - since / np.maximum(rec, _TINY), (t[None, :] < np.floor(tau) + 1.0).astype(float))
            fade = np.where(since >= 0, np.clip(lasting, 0.0, 1.0), 0.0)
            log_m[p] += np.log1p(-depth * fade).sum(axis=0)
        f = x.flagships
        for j in np.flatnonzero((f.level_uplift != 0) | (f.growth_uplift != 0)):
            opened, stop, r = log.flagship_end[j], log.flagship_stop[j], f.ramp_up_years[j]
            if not math.isfinite(opened):
                continue
            since = np.maximum(np.minimum(t, stop) - opened, 0.0)
            level = np.minimum(since / r, 1.0) if r > 0 else (since > 0).astype(float)
            log_m[p] += np.log1p(f.level_uplift[j] * level) + f.growth_uplift[j] * since
    return np.exp(log_m)


def _organic(s: Scenario, inputs: Sequence[PathInputs], n: int) -> tuple[np.ndarray, float]:
    """Yearly organic trade levels ``O(k)``, shape ``(paths, n)``, and the observed part of year 0 (USD bn)."""
    base = s.trade.base_usd_bn
    mu = np.array([x.growth_mean for x in inputs])
    sd = np.array([x.growth_sd for x in inputs])
    eps = np.stack([x.innovations for x in inputs])
    phi = s.trade.growth.persistence
    log_level = np.empty((len(inputs), n))
    obs = s.trade.observed
    observed_part = 0.0
    if obs is not None:
        w = obs.months / 12.0
        observed_part = base * w * (1.0 + obs.growth)
        rest = np.array([x.rest_of_year_log_growth for x in inputs])
        dev = np.log((observed_part + base * (1.0 - w) * np.exp(rest)) / base) - mu
    else:
        dev = sd * eps[:, 0]
    log_level[:, 0] = math.log(base) + mu + dev
    scale = sd * math.sqrt(1.0 - phi * phi)
    for k in range(1, n):
        dev = phi * dev + scale * eps[:, k]
        log_level[:, k] = log_level[:, k - 1] + mu + dev
    return np.exp(log_level), observed_part


def _project_cumulative(
    s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports and operating flows at ``edges`` for each path, two ``(paths, E)`` arrays."""
    sector_ramp = np.array([sec.ramp_up_years for sec in s.pipeline.sectors.values()]) if s.pipeline else np.empty(0)
    construction = np.zeros((len(inputs), edges.size))
    operating = np.zeros((len(inputs), edges.size))
    for p, (x, log) in enumerate(zip(inputs, logs, strict=True)):
        g, f = x.generic, x.flagships
        ramp = sector_ramp[g.sector]
        # projects fully ramped up before the base year have the same flows in every year: no change to count
        live = np.isfinite(log.generic_start) & (log.generic_end + ramp > -1.0)
        if live.any():
            sector = g.sector[live]
            construction[p], operating[p] = _generic_cumulative(
                edges,
                log.generic_start[live],
                log.generic_end[live],
                g.capex_usd_bn[live],
                x.sector_import_share[sector],
                x.sector_trade_per_capex[sector],
                ramp[live],
            )
        live_f = np.isfinite(log.flagship_start)
        if live_f.any():
            c, o = _dense_cumulative(
                edges,
                log.flagship_start[live_f],
                log.flagship_end[live_f],
                log.flagship_stop[live_f],
                f.capex_usd_bn[live_f],
                f.import_share[live_f],
                f.trade_per_capex[live_f],
                f.ramp_up_years[live_f],
            )
            construction[p] += c.sum(axis=0)
            operating[p] += o.sum(axis=0)
    return construction, operating


def assemble_chunk(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog]) -> np.ndarray:
    """Annual trade of several paths by component.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.

    Returns
    -------
    ndarray, shape (paths, n_years, 4)
        USD bn per path and simulated year, columns :data:`COMPONENTS`; their sum is turnover.
    """
    n, paths = len(s.years), len(inputs)
    a, b = windows(s)
    length = b - a
    # window 0 is the base year [-1, 0); windows 1.. are the simulated years
    wa = np.concatenate([[-1.0], a])
    wb = np.concatenate([[0.0], b])

    # flows are integrated as differences of cumulative values at the window edges
    edges, edge_index = np.unique(np.concatenate([wa, wb]), return_inverse=True)
    ia, ib = edge_index[: wa.size], edge_index[wa.size :]
    c_cum, p_cum = _project_cumulative(s, inputs, logs, edges)
    e_cum = np.zeros((paths, edges.size))
    if s.measures:
        ramps = np.array([m.ramp_up_years for m in s.measures])[:, None]
        starts = logs[0].measure_start[:, None]
        e_cum = np.stack([x.measure_effect_usd_bn for x in inputs]) @ _ramp_integral(edges[None, :], starts, ramps)

    out = np.empty((paths, n, len(COMPONENTS)))
    for col, cum in ((1, c_cum), (2, p_cum), (3, e_cum)):
        flow = cum[:, ib] - cum[:, ia]
        out[:, :, col] = flow[:, 1:] - length[None, :] * flow[:, :1]

    level, observed_part = _organic(s, inputs, n)
    per_year = _multiplier(s, inputs, logs, n).reshape(paths, n + 1, GRID_PER_YEAR)
    base_mean = per_year[:, 0].mean(axis=1)
    year_mean = per_year[:, 1:].mean(axis=2)
    if s.trade.observed is not None:
        first = int(round(a[0] * GRID_PER_YEAR))
        year_mean[:, 0] = per_year[:, 1, first:].mean(axis=1)
        out[:, 0, 0] = observed_part + (level[:, 0] - observed_part) * year_mean[:, 0] / base_mean
        out[:, 1:, 0] = level[:, 1:] * year_mean[:, 1:] / base_mean[:, None]
    else:
        out[:, :, 0] = level * year_mean / base_mean[:, None]
    if s.trade.measured_by != s.trade.reporter:
        # the target reporter's figure: every component scaled by the year's reporter ratio
        out *= np.exp(np.stack([x.reporter_log_ratio for x in inputs]))[:, :, None]
    return out


def assemble_trade(s: Scenario, x: PathInputs, log: EventLog) -> np.ndarray:
    """Annual trade of one path by component, shape ``(n_years, 4)``, USD bn (see :func:`assemble_chunk`)."""
    return assemble_chunk(s, [x], [log])[0]
