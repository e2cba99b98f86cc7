"""Turning paths' event logs and organic trade into annual exports and imports by component.

Annual trade in simulated year ``k`` (calendar ``start_year + k``), for each
direction ``d`` (the country's exports to the partner, its imports from it)::

    T_d(k) = O(k) * x_d(k) * M(k) / M(base) + dC_d(k) + dP_d(k) + dE_d(k)

and turnover is ``T_exports + T_imports``.

* ``O``: organic turnover. Two laws (:func:`organic_turnover`):

  - *random walk*: log-growth from the base-year value, AR(1) deviations around
    the path's mean (``[trade.growth]``);
  - *structural*: the country's total trade with all partners ``W`` (its own
    growth law, ``[trade.structural.total_growth]``) times the partner's share
    ``s`` of it, which reverts to a long-run level on the logit scale
    (``[trade.structural.share]``). ``O = s W`` can never exceed ``W``.

* ``x_d``: the exports share of organic turnover and its complement
  (``[trade.exports_share]``, a share law whose innovations may correlate with
  organic growth; constant without it).
* ``M``: the yearly mean of the multiplier from shocks and transport links.
* ``dC`` (imports only), ``dP``, ``dE``: construction imports, operating
  effects (exports and imports, negative for import substitution) and measures,
  each measured as the change from its base-year flow. Negative changes never
  take a year's exports or imports below zero (:func:`_bound_substitution`). The base-year value
  already contains the flows of projects that were building or operating then
  (the pipeline's warm-up launches model those), so only changes add to it.

**A partly observed first year** fixes total trade, all components, over its
observed months to the published value (times a drawn revision). The modelled
flows of those months are known, so organic trade there is what remains; the
same months of the base year held ``value / (1 + yoy_growth)`` (the published
pair gives the seasonality), so organic growth over the observed months
follows, and the unobserved months grow from the base year's remaining months
by a drawn log-growth centred on it. Later years grow from that organic level.
A project that adds flows in the observed months therefore explains part of
the observed growth instead of adding to it. Under the structural law the
year's organic level is split between total trade and the share by
conditioning their joint normal law (linearised in the share) on the observed
level, and the share is then set exactly to ``O / W``.

Trade is in the statistics of ``trade.reporter``; when the target is another
reporter's figure, every component of year ``k`` is multiplied by
``exp(g(k))``, the path's drawn log ratio between the two reporters' figures.

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
from typing import NamedTuple

import numpy as np
from scipy import special

from .model import EventLog
from .sampling import PathInputs
from .scenario import Scenario

__all__ = ["COMPONENTS", "DIRECTIONS", "FLOWS", "TradePaths", "assemble_chunk", "organic_turnover"]

COMPONENTS = ("organic", "construction", "operations", "measures")
"""Trade components, in the order of axis 2 of trade arrays."""
DIRECTIONS = ("exports", "imports")
"""The country's exports to the partner and its imports from it, in the order of axis 3 of trade arrays."""
FLOWS = ("turnover", "exports", "imports")
"""What a target can be set on."""

GRID_PER_YEAR = 48
_TINY = 1e-300
_U_CLIP = 8.0  # standardised organic innovations are clipped here before they move the exports share
_LOGIT_LIMIT = 30.0
_RELINEARISE = 4  # Gauss-Newton steps of the observed year's split between total trade and the share


class TradePaths(NamedTuple):
    """Simulated annual trade of several paths.

    Attributes
    ----------
    trade : ndarray, shape (paths, n_years, 4, 2)
        USD bn by component (:data:`COMPONENTS`) and direction (:data:`DIRECTIONS`);
        exports plus imports of all components is turnover.
    country_total : ndarray, shape (paths, n_years)
        The country's trade with all partners, USD bn, in the simulated
        reporter's statistics (structural law; NaN under the random-walk law).
    partner_share : ndarray, shape (paths, n_years)
        Bilateral turnover over ``country_total`` (NaN under the random-walk law).
    """

    trade: np.ndarray
    country_total: np.ndarray
    partner_share: np.ndarray

    @property
    def turnover(self) -> np.ndarray:
        """Annual turnover, shape ``(paths, n_years)``, USD bn."""
        return self.trade.sum(axis=(2, 3))

    @property
    def by_component(self) -> np.ndarray:
        """Annual turnover by component, shape ``(paths, n_years, 4)``, USD bn."""
        return self.trade.sum(axis=3)

    def flow(self, name: str) -> np.ndarray:
        """Annual ``turnover``, ``exports`` or ``imports``, shape ``(paths, n_years)``, USD bn."""
        if name == "turnover":
            return self.turnover
        return self.trade[:, :, :, DIRECTIONS.index(name)].sum(axis=2)

    def __getitem__(self, index):  # type: ignore[override]
        """Fields by position (a tuple), or a selection of paths (slice or index array) as ``TradePaths``."""
        if isinstance(index, int):
            return tuple.__getitem__(self, index)
        return TradePaths(self.trade[index], self.country_total[index], self.partner_share[index])

    @staticmethod
    def concat(parts: Sequence[TradePaths]) -> TradePaths:
        """Paths of several chunks, in the order given."""
        return TradePaths(*(np.concatenate([p[i] for p in parts], axis=0) for i in range(3)))


# ---------------------------------------------------------------- flows of projects and measures


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

    ``weight`` has shape ``(J,)`` or ``(J, d)``; the result ``(E,)`` or ``(E, d)``.
    Sorting the corners once turns the sum into prefix sums of ``weight * corner**i``
    read at each edge: O(J log J) instead of O(J x edges).
    """
    order = np.argsort(corner)
    a, w = corner[order], weight[order]
    k = np.searchsorted(a, edges, side="right")  # corners left of each edge
    extra = (1,) * (w.ndim - 1)
    a = a.reshape(-1, *extra)
    t = edges.reshape(-1, *extra)
    moments = [w, w * a] if power == 1 else [w, w * a, w * a * a]
    prefix = [np.concatenate([np.zeros((1, *w.shape[1:])), np.cumsum(m, axis=0)])[k] for m in moments]
    if power == 1:
        return t * prefix[0] - prefix[1]
    return t * t * prefix[0] - 2.0 * t * prefix[1] + prefix[2]


def _generic_cumulative(edges: np.ndarray, start, end, capex, share, coef, ramp) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports ``(E,)`` and operating flows ``(E, 2)`` of one path's generic projects, USD bn.

    Construction imports accumulate at ``capex * share / (end - start)`` a year
    between start and end: ``w * (max(t - start, 0) - max(t - end, 0))``. The
    operating flows ``capex * coef`` (``coef`` of shape ``(J, 2)``: exports and
    imports per USD of capex) ramp in linearly over ``ramp`` years from ``end``;
    their integral is ``(max(t - end, 0)**2 - max(t - end - ramp, 0)**2) / (2 ramp)``
    (a plain ``max(t - end, 0)`` when ``ramp`` is 0). All are sums of hinges.
    """
    rate = capex * share / (end - start)
    construction = _hinge_sums(start, rate, edges, 1) - _hinge_sums(end, rate, edges, 1)
    flow = capex[:, None] * coef
    stepped = ramp <= 0
    curved = ~stepped
    half = flow[curved] / (2.0 * ramp[curved, None])
    operating = (
        _hinge_sums(end[curved], half, edges, 2)
        - _hinge_sums(end[curved] + ramp[curved], half, edges, 2)
        + _hinge_sums(end[stepped], flow[stepped], edges, 1)
    )
    return construction, operating


def _dense_cumulative(edges: np.ndarray, start, end, stop, capex, share, coef, ramp) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_generic_cumulative`, project by project, for the few projects whose flows may stop early.

    Returns ``(J, E)`` construction imports and ``(J, E, 2)`` operating flows.
    """
    t = np.minimum(edges[None, :], stop[:, None])  # flows end at a cancellation
    duration = end - start
    built = np.clip(t - start[:, None], 0.0, duration[:, None])
    construction = built * (capex * share / duration)[:, None]
    operating = _ramp_integral(t, end[:, None], ramp[:, None])[:, :, None] * (capex[:, None] * coef)[:, None, :]
    return construction, operating


def _project_cumulative(
    s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports ``(paths, E)`` and operating flows ``(paths, E, 2)`` at ``edges``."""
    sector_ramp = np.array([sec.ramp_up_years for sec in s.pipeline.sectors.values()]) if s.pipeline else np.empty(0)
    construction = np.zeros((len(inputs), edges.size))
    operating = np.zeros((len(inputs), edges.size, 2))
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
                np.stack([x.sector_exports_per_capex[sector], x.sector_imports_per_capex[sector]], axis=1),
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
                np.stack([f.exports_per_capex[live_f], f.imports_per_capex[live_f]], axis=1),
                f.ramp_up_years[live_f],
            )
            construction[p] += c.sum(axis=0)
            operating[p] += o.sum(axis=0)
    return construction, operating


def _measure_cumulative(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], edges: np.ndarray) -> np.ndarray:
    """Cumulative flows of the measures at ``edges`` by direction, ``(paths, E, 2)``."""
    out = np.zeros((len(inputs), edges.size, 2))
    if not s.measures:
        return out
    ramps = np.array([m.ramp_up_years for m in s.measures])[:, None]
    integral = _ramp_integral(edges[None, :], logs[0].measure_start[:, None], ramps)  # (measures, E)
    effects = np.stack([x.measure_effect_usd_bn for x in inputs])  # (paths, measures)
    for d, direction in enumerate(DIRECTIONS):
        mine = np.array([m.direction == direction for m in s.measures])
        out[:, :, d] = effects[:, mine] @ integral[mine]
    return out


# ---------------------------------------------------------------- the multiplier of organic trade


def _multipliers(inputs: Sequence[PathInputs], logs: Sequence[EventLog], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers of organic trade on the grid of midpoints over ``[-1, n)``, two ``(paths, G * (n + 1))`` arrays.

    The first is the whole multiplier (shocks and transport links), the second
    that of the shocks alone (they hit the country's trade with every partner;
    a transport link adds bilateral trade).
    """
    t = -1.0 + (np.arange(GRID_PER_YEAR * (n + 1)) + 0.5) / GRID_PER_YEAR
    log_shock = np.zeros((len(inputs), t.size))
    log_link = np.zeros((len(inputs), t.size))
    for p, (x, log) in enumerate(zip(inputs, logs, strict=True)):
        struck = np.isfinite(log.shock_time)
        if struck.any():
            tau = log.shock_time[struck][:, None]
            depth, rec = x.shocks.depth[struck][:, None], x.shocks.recovery_years[struck][:, None]
            since = t[None, :] - tau
            lasting = np.where(rec > 0, 1.0 - since / np.maximum(rec, _TINY), (t[None, :] < np.floor(tau) + 1.0).astype(float))
            fade = np.where(since >= 0, np.clip(lasting, 0.0, 1.0), 0.0)
            log_shock[p] = np.log1p(-depth * fade).sum(axis=0)
        f = x.flagships
        for j in np.flatnonzero((f.level_uplift != 0) | (f.growth_uplift != 0)):
            opened, stop, r = log.flagship_end[j], log.flagship_stop[j], f.ramp_up_years[j]
            if not math.isfinite(opened):
                continue
            since = np.maximum(np.minimum(t, stop) - opened, 0.0)
            level = np.minimum(since / r, 1.0) if r > 0 else (since > 0).astype(float)
            log_link[p] += np.log1p(f.level_uplift[j] * level) + f.growth_uplift[j] * since
    return np.exp(log_shock + log_link), np.exp(log_shock)


# ---------------------------------------------------------------- organic trade


class Organic(NamedTuple):
    """Organic trade of several paths, each ``(paths, n_years)``.

    ``level``: organic turnover before the multiplier (USD bn), with year 0's
    observed months as observed; ``exports_share``: its exports share;
    ``total``/``share``: the country's total trade and the partner's share of it
    (structural law; NaN otherwise).
    """

    level: np.ndarray
    exports_share: np.ndarray
    total: np.ndarray
    share: np.ndarray


def _stack(inputs: Sequence[PathInputs], pick) -> np.ndarray:
    return np.array([pick(x) for x in inputs], dtype=float)


def _share_step(z: np.ndarray, long_run: np.ndarray, persistence: np.ndarray, sd: np.ndarray, innovation: np.ndarray) -> np.ndarray:
    """One year of a logit share law: ``zbar + persistence (z - zbar) + sd e``.

    The logit is kept within +/-30 (a share within 1e-13 of 0 or 1), so that the
    share stays strictly inside (0, 1) in floating point, however wide the law.
    """
    return np.clip(long_run + persistence * (z - long_run) + sd * innovation, -_LOGIT_LIMIT, _LOGIT_LIMIT)


def organic_turnover(s: Scenario, inputs: Sequence[PathInputs], first_year: np.ndarray | None = None) -> Organic:
    """Organic turnover and its split for several paths, year by year.

    Parameters
    ----------
    s : Scenario
    inputs : sequence of PathInputs
    first_year : ndarray, shape (paths,), optional
        The first year's organic level fixed by a partial observation (USD bn);
        None to draw it from the law.

    Returns
    -------
    Organic
    """
    n, paths = len(s.years), len(inputs)
    base = s.trade.base_usd_bn
    mu = _stack(inputs, lambda x: x.growth_mean)
    sd = _stack(inputs, lambda x: x.growth_sd)
    eps = np.stack([x.innovations for x in inputs])
    level = np.empty((paths, n))
    total = np.full((paths, n), math.nan)
    share = np.full((paths, n), math.nan)
    u = np.empty((paths, n))  # standardised innovations of organic turnover growth
    structural = s.trade.structural
    if structural is None:
        assert s.trade.growth is not None
        phi = s.trade.growth.persistence
        if first_year is None:
            dev = sd * eps[:, 0]
            u[:, 0] = eps[:, 0]
        else:
            dev = np.log(first_year / base) - mu
            u[:, 0] = np.divide(dev, sd, out=np.zeros(paths), where=sd > 0)
        log_level = math.log(base) + mu + dev
        level[:, 0] = np.exp(log_level)
        scale = sd * math.sqrt(1.0 - phi * phi)
        for k in range(1, n):
            dev = phi * dev + scale * eps[:, k]
            log_level = log_level + mu + dev
            level[:, k] = np.exp(log_level)
            u[:, k] = eps[:, k]
    else:
        phi = structural.total_growth.persistence
        zbar = _stack(inputs, lambda x: x.partner_share.long_run_logit)
        rho = _stack(inputs, lambda x: x.partner_share.persistence)
        sd_z = _stack(inputs, lambda x: x.partner_share.sd)
        eta = np.stack([x.partner_share.innovations for x in inputs])
        log_w0 = math.log(structural.total_base_usd_bn)
        z_mean = _share_step(math.log(base / (structural.total_base_usd_bn - base)), zbar, rho, 0.0, 0.0)
        slope = 1.0 - special.expit(z_mean)  # d ln(share) / d logit(share) at the prior mean
        spread = np.sqrt(sd * sd + (slope * sd_z) ** 2)  # sd of ln(organic) in the first year, linearised
        a = log_w0 + mu + sd * eps[:, 0]
        z = np.clip(z_mean + sd_z * eta[:, 0], -_LOGIT_LIMIT, _LOGIT_LIMIT)
        centre = log_w0 + mu + np.log(special.expit(z_mean))
        if first_year is None:
            w = np.exp(a)
            u[:, 0] = np.divide(a - log_w0 - mu + slope * (z - z_mean), spread, out=np.zeros(paths), where=spread > 0)
        else:
            # the draw conditioned on the observed level: x + Cov(x, y) / Var(y) * (y_obs - y(x)), with ln(share)
            # linearised in the logit around the conditional mean (found by a few Gauss-Newton steps, which make the
            # split exact when either side is certain)
            y_obs = np.log(first_year)
            around = np.broadcast_to(z_mean, (paths,)).astype(float)
            for _ in range(_RELINEARISE):
                slope = 1.0 - special.expit(around)
                variance = sd * sd + (slope * sd_z) ** 2
                gain = np.divide(slope * sd_z * sd_z, variance, out=np.zeros(paths), where=variance > 0)
                expected = log_w0 + mu + np.log(special.expit(around)) + slope * (z_mean - around)
                around = z_mean + gain * (y_obs - expected)
            spread = np.sqrt(variance)
            surprise = y_obs - (a + np.log(special.expit(around)) + slope * (z - around))
            z = np.clip(z + gain * surprise, -_LOGIT_LIMIT, _LOGIT_LIMIT)
            w = first_year / special.expit(z)  # exact: the share times total trade is the observed organic level
            u[:, 0] = np.divide(y_obs - centre, spread, out=np.zeros(paths), where=spread > 0)
        dev = np.log(w) - log_w0 - mu
        log_w = np.log(w)
        scale = sd * math.sqrt(1.0 - phi * phi)
        for k in range(n):
            if k > 0:
                dev = phi * dev + scale * eps[:, k]
                log_w = log_w + mu + dev
                previous = special.expit(z)
                z = _share_step(z, zbar, rho, sd_z, eta[:, k])
                step_sd = np.sqrt(scale * scale + ((1.0 - previous) * sd_z) ** 2)
                u[:, k] = np.divide(
                    scale * eps[:, k] + (1.0 - previous) * sd_z * eta[:, k], step_sd, out=np.zeros(paths), where=step_sd > 0
                )
            total[:, k] = np.exp(log_w)
            share[:, k] = special.expit(z)
            level[:, k] = share[:, k] * total[:, k]

    # the exports share of organic turnover
    law = s.trade.exports_share
    correlation = law.correlation if law is not None else 0.0
    ze_bar = _stack(inputs, lambda x: x.exports_share.long_run_logit)
    ze_rho = _stack(inputs, lambda x: x.exports_share.persistence)
    ze_sd = _stack(inputs, lambda x: x.exports_share.sd)
    ze = np.full(paths, float(special.logit(s.trade.base_exports_usd_bn / base)))
    exports_share = np.empty((paths, n))
    if law is None:
        exports_share[:] = special.expit(ze)[:, None]
        return Organic(level, exports_share, total, share)
    own = np.stack([x.exports_share.innovations for x in inputs])
    mixed = correlation * np.clip(u, -_U_CLIP, _U_CLIP) + math.sqrt(1.0 - correlation * correlation) * own
    for k in range(n):
        ze = _share_step(ze, ze_bar, ze_rho, ze_sd, mixed[:, k])
        exports_share[:, k] = special.expit(ze)
    return Organic(level, exports_share, total, share)


def _observed_first_year(s: Scenario, inputs: Sequence[PathInputs], flows_observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first year's organic level and its observed part, each ``(paths,)`` USD bn.

    ``flows_observed`` is the change of all modelled flows (projects and measures,
    both directions) over the observed months, per path.
    """
    obs = s.observation
    assert obs is not None
    revision = np.exp(_stack(inputs, lambda x: x.revision_log))
    # organic trade is what the observed total leaves once the modelled flows are known (kept above 1% of it:
    # a scenario whose flows alone exceed its observation contradicts it)
    total = obs.value_usd_bn * revision
    observed_part = np.maximum(total - flows_observed, 0.01 * total)
    same_months = obs.base_same_months_usd_bn
    given = _stack(inputs, lambda x: x.rest_of_year_log_growth)
    z = _stack(inputs, lambda x: x.rest_of_year_z)
    sd = _stack(inputs, lambda x: x.growth_sd)
    if s.trade.structural is not None:
        base_share = s.trade.base_usd_bn / s.trade.structural.total_base_usd_bn
        sd = np.sqrt(sd * sd + ((1.0 - base_share) * _stack(inputs, lambda x: x.partner_share.sd)) ** 2)
    rest_growth = np.where(np.isnan(given), np.log(observed_part / same_months) + sd * z, given)
    rest = (s.trade.base_usd_bn - same_months) * np.exp(rest_growth)
    return observed_part + rest, observed_part


# ---------------------------------------------------------------- assembly


def _bound_substitution(out: np.ndarray) -> None:
    """Scale down, in place, negative flows that would take a year's exports or imports below zero.

    Import substitution (a local car plant) can replace only the imports there
    are: on a path where organic trade is low and negative flows are large, the
    negative changes of that path, year and direction are scaled so that the
    direction's total is zero, not less. ``out`` is ``(paths, n_years, 4, 2)``.
    """
    flows = out[:, :, 1:]
    total = out.sum(axis=2)  # (paths, n_years, 2)
    negative = np.minimum(flows, 0.0).sum(axis=2)
    over = total < 0
    if not over.any():
        return
    scale = np.where(over, (total - negative) / np.where(over, -negative, 1.0), 1.0)  # positive parts over negative ones
    flows[...] = np.where(flows < 0, flows * scale[:, :, None, :], flows)


def assemble_chunk(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog]) -> TradePaths:
    """Annual trade of several paths by component and direction.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.

    Returns
    -------
    TradePaths
        USD bn per path, simulated year, component and direction.
    """
    n, paths = len(s.years), len(inputs)
    obs = s.observation
    observed_until = obs.months / 12.0 if obs is not None else 0.0
    # window 0 is the base year [-1, 0); windows 1.. are the simulated years
    edges = np.arange(-1.0, n + 1.0)
    if obs is not None:
        edges = np.union1d(edges, [observed_until])
    year_edge = np.searchsorted(edges, np.arange(-1.0, n + 1.0))
    construction, operating = _project_cumulative(s, inputs, logs, edges)
    cumulative = np.zeros((paths, edges.size, 3, 2))
    cumulative[:, :, 0, 1] = construction
    cumulative[:, :, 1] = operating
    cumulative[:, :, 2] = _measure_cumulative(s, inputs, logs, edges)
    at = cumulative[:, year_edge]  # (paths, n + 2, 3, 2) at -1, 0, 1, ..., n
    per_year = np.diff(at, axis=1)  # flows over the base year and each simulated year
    out = np.empty((paths, n, len(COMPONENTS), len(DIRECTIONS)))
    out[:, :, 1:] = per_year[:, 1:] - per_year[:, :1]  # changes from the base year's flows

    first_year = observed_part = None
    if obs is not None:
        observed_edge = int(np.searchsorted(edges, observed_until))
        window = cumulative[:, observed_edge] - cumulative[:, year_edge[1]]
        change = (window - observed_until * per_year[:, 0]).sum(axis=(1, 2))
        first_year, observed_part = _observed_first_year(s, inputs, change)
    organic = organic_turnover(s, inputs, first_year)

    full, shocks = _multipliers(inputs, logs, n)
    full = full.reshape(paths, n + 1, GRID_PER_YEAR)
    shocks = shocks.reshape(paths, n + 1, GRID_PER_YEAR)
    ratio = full[:, 1:].mean(axis=2) / full[:, 0].mean(axis=1)[:, None]
    turnover = organic.level * ratio
    if obs is not None:
        first = int(round(observed_until * GRID_PER_YEAR))
        rest_ratio = full[:, 1, first:].mean(axis=1) / full[:, 0].mean(axis=1)
        turnover[:, 0] = observed_part + (organic.level[:, 0] - observed_part) * rest_ratio
    out[:, :, 0, 0] = turnover * organic.exports_share
    out[:, :, 0, 1] = turnover * (1.0 - organic.exports_share)
    _bound_substitution(out)

    bilateral = out.sum(axis=(2, 3))
    rest_of_world = (1.0 - organic.share) * organic.total * shocks[:, 1:].mean(axis=2) / shocks[:, 0].mean(axis=1)[:, None]
    country_total = rest_of_world + bilateral
    partner_share = bilateral / country_total
    if s.trade.measured_by != s.trade.reporter:
        # the target reporter's figure: every component scaled by the year's reporter ratio
        out *= np.exp(np.stack([x.reporter_log_ratio for x in inputs]))[:, :, None, None]
    return TradePaths(out, country_total, partner_share)
