"""What a path's events add to trade: the flows of projects and measures, and the multiplier of organic trade.

Each flow is measured as a cumulative integral (USD bn) at the edges of the
simulated years, from which :mod:`sim.engine.trade` takes yearly totals and
their changes from the base year:

* **construction imports** of a project accumulate at ``capex * share /
  (end - start)`` a year while it builds (imports only);
* its **operating flows**, ``capex`` times the exports and imports per USD of
  capex a year, ramp in linearly from completion over its ramp-up years
  (negative for import substitution);
* **measures** ramp in from their start dates to their drawn yearly effect,
  on the exports or imports side.

All are integrated exactly. The hundreds of generic projects of a path are
summed without a project-by-year table: each flow's integral is a sum of hinge
functions ``max(t - corner, 0)**k``, a polynomial in ``t`` whose coefficients
are running totals, over the gaps between year boundaries, of the corners'
moments (:func:`_hinge_sums`: one ``bincount`` for the projects of all the paths
assembled together). The few named projects, whose flows a cancellation can
stop, are integrated one by one.

The **multiplier** of organic trade (shocks and transport links) has no
closed-form yearly mean when shocks overlap: it is evaluated on a grid of
:data:`GRID_PER_YEAR` points a year and averaged.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ..scenario import Scenario
from . import model as _model
from .model import EventLog
from .sampling import PathInputs, shock_log_multiplier

__all__ = ["DIRECTIONS", "GRID_PER_YEAR", "measure_cumulative", "multipliers", "project_cumulative"]

DIRECTIONS = ("exports", "imports")
"""The country's exports to the partner and its imports from it, in the order of the last axis of flow and trade arrays."""
GRID_PER_YEAR = 48
"""Points a year at which the multiplier of organic trade is evaluated (midpoints of equal steps)."""
_TINY = 1e-300


def _ramp_integral(t: np.ndarray, origin: np.ndarray, ramp: np.ndarray) -> np.ndarray:
    """Integral from -inf to ``t`` of a ramp rising linearly from 0 at ``origin`` to 1 after ``ramp`` years.

    Equals ``x**2 / (2 ramp)`` while ``x = t - origin < ramp``, then ``x - ramp / 2``.
    """
    r = np.maximum(ramp, _TINY)  # a zero ramp is a step: the rising part vanishes
    x = np.maximum(t - origin, 0.0)
    rising = np.minimum(x, r)
    return rising * rising / (2.0 * r) + (x - rising)


def _hinge_sums(gap: np.ndarray, corner: np.ndarray, weight: np.ndarray, paths: int, edges: np.ndarray, power: int) -> np.ndarray:
    """For each path ``p``: ``sum_j weight_j * max(t - corner_j, 0) ** power`` over its corners, at every ``t`` in ``edges``.

    ``corner`` has shape ``(J,)``, ``weight`` ``(J, d)``, the result ``(paths, E, d)``; ``edges`` increasing;
    power 1 or 2; ``gap`` is :func:`_gaps` of the corners and their paths. The sum is a polynomial in
    ``t`` whose coefficients are the moments ``sum_j w_j * corner_j**i`` of the corners left of ``t``:
    running totals over the gaps between edges, each gap's moments summed with one ``bincount`` for
    all paths. O(J), no sort.
    """
    size = edges.size
    if corner.size == 0:
        return np.zeros((paths, size, weight.shape[1]))
    t = edges[None, :]
    out = np.empty((paths, size, weight.shape[1]))
    for c in range(weight.shape[1]):  # column by column, each contiguous (the moments and bincount's weights)
        w = np.ascontiguousarray(weight[:, c])
        moments = [w, w * corner]
        if power == 2:
            moments.append(moments[1] * corner)
        totals = [
            np.cumsum(np.bincount(gap, weights=m, minlength=paths * (size + 1)).reshape(paths, size + 1), axis=1)[:, :size] for m in moments
        ]
        out[:, :, c] = t * totals[0] - totals[1] if power == 1 else t * t * totals[0] - 2.0 * t * totals[1] + totals[2]
    return out


def _gaps(corner: np.ndarray, path: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Where each corner falls among ``edges``, by path: ``path * (E + 1)`` plus the first edge at or after it
    (a corner at or right of an edge adds nothing there)."""
    return path * (edges.size + 1) + _edges_below(corner, edges)


def _edges_below(corner: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.searchsorted(edges, corner, side="left")``: how many edges lie strictly below each corner.

    When ``edges`` are consecutive whole numbers ``a, a + 1, ..., b`` and at most one other number (the years' edges
    and a partly observed first year's), counted by arithmetic, several times faster than the binary search:
    ``clip(ceil(c) - a, 0, b - a + 1)`` whole edges, plus one if the other edge is below.
    """
    whole = edges == np.floor(edges)
    ints, other = edges[whole], edges[~whole]
    if (
        ints.size == 0
        or other.size > 1
        or not np.array_equal(ints, np.arange(ints[0], ints[0] + ints.size))
        or not np.isfinite(corner).all()  # a NaN: searchsorted puts it last
    ):
        return np.searchsorted(edges, corner, side="left")
    below = np.clip(np.ceil(corner) - ints[0], 0.0, float(ints.size)).astype(np.int64)
    return below + (corner > other[0]) if other.size else below


def _generic_cumulative(
    edges: np.ndarray,
    path: np.ndarray,
    paths: int,
    start: np.ndarray,
    end: np.ndarray,
    capex: np.ndarray,
    share: np.ndarray,
    coef: np.ndarray,
    ramp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports ``(paths, E)`` and operating flows ``(paths, E, 2)`` of generic projects, USD bn.

    One row per project, of the path ``path``. Construction imports accumulate at
    ``capex * share / (end - start)`` a year between start and end:
    ``w * (max(t - start, 0) - max(t - end, 0))``. The operating flows ``capex * coef``
    (``coef`` of shape ``(J, 2)``: exports and imports per USD of capex) ramp in linearly
    over ``ramp`` years from ``end``; their integral is
    ``(max(t - end, 0)**2 - max(t - end - ramp, 0)**2) / (2 ramp)`` (a plain
    ``max(t - end, 0)`` when ``ramp`` is 0). All are sums of hinges.
    """
    at_end = _gaps(end, path, edges)
    rate = (capex * share / (end - start))[:, None]
    construction = _hinge_sums(_gaps(start, path, edges), start, rate, paths, edges, 1) - _hinge_sums(at_end, end, rate, paths, edges, 1)
    flow = capex[:, None] * coef
    # rows by index with np.take: a mask, or an index array, picks rows of a 2-d array ten times slower
    stepped = np.flatnonzero(ramp <= 0)
    curved = np.flatnonzero(~(ramp <= 0))
    half = np.take(flow, curved, axis=0) / (2.0 * ramp[curved][:, None])
    ramped = end[curved] + ramp[curved]
    operating = (
        _hinge_sums(at_end[curved], end[curved], half, paths, edges, 2)
        - _hinge_sums(_gaps(ramped, path[curved], edges), ramped, half, paths, edges, 2)
        + _hinge_sums(at_end[stepped], end[stepped], np.take(flow, stepped, axis=0), paths, edges, 1)
    )
    return construction[:, :, 0], operating


def _dense_cumulative(
    edges: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    stop: np.ndarray,
    capex: np.ndarray,
    share: np.ndarray,
    coef: np.ndarray,
    ramp: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_generic_cumulative`, project by project, for the few projects whose flows may stop early.

    Returns ``(J, E)`` construction imports and ``(J, E, 2)`` operating flows.
    """
    t = np.minimum(edges[None, :], stop[:, None])  # flows end at a cancellation
    duration = end - start
    built = np.clip(t - start[:, None], 0.0, duration[:, None])
    construction = built * (capex * share / duration)[:, None]
    operating = _ramp_integral(t, end[:, None], ramp[:, None])[:, :, None] * (capex[:, None] * coef)[:, None, :]
    return construction, operating


def project_cumulative(
    s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative construction imports and operating flows of every project, at ``edges``.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.
    edges : ndarray, shape (E,)
        Times in years from the start of the first simulated year, increasing.

    Returns
    -------
    construction : ndarray, shape (paths, E)
        Construction imports from ``-inf`` to each edge, USD bn.
    operating : ndarray, shape (paths, E, 2)
        Operating flows by direction (:data:`DIRECTIONS`) from ``-inf`` to each edge, USD bn.
    """
    sector_ramp = np.array([sec.ramp_up_years for sec in s.pipeline.sectors.values()]) if s.pipeline else np.empty(0)
    paths = len(inputs)
    construction = np.zeros((paths, edges.size))
    operating = np.zeros((paths, edges.size, 2))
    if not paths or (_model._SKIP_IDLE and all(x.generic.sector.size == 0 and x.flagships.stage.size == 0 for x in inputs)):
        return construction, operating  # no path, or no project on any path (organic only): no flow, the zeros the sums below give
    # every path's generic projects one path after the other, the live ones picked at once
    generic = [x.generic for x in inputs]
    path = np.repeat(np.arange(paths), [g.sector.size for g in generic])
    sector = np.concatenate([g.sector for g in generic])
    start = np.concatenate([log.generic_start for log in logs])
    end = np.concatenate([log.generic_end for log in logs])
    ramp = sector_ramp[sector]
    # projects fully ramped up before the base year have the same flows in every year: no change to count
    live = np.flatnonzero(np.isfinite(start) & (end + ramp > -1.0))
    path, sector = path[live], sector[live]

    n_sectors = sector_ramp.size
    at = path * n_sectors + sector

    def by_sector(field: str) -> np.ndarray:  # each live project's sector coefficient on its path (a flat gather: faster)
        return np.take(np.stack([getattr(x, field) for x in inputs]).reshape(-1), at)

    construction, operating = _generic_cumulative(
        edges,
        path,
        paths,
        start[live],
        end[live],
        np.concatenate([g.capex_usd_bn for g in generic])[live],
        by_sector("sector_import_share"),
        np.stack([by_sector("sector_exports_per_capex"), by_sector("sector_imports_per_capex")], axis=1),
        ramp[live],
    )
    # the named projects: every path's live ones integrated together, summed path by path as each path's alone
    flag_start = np.stack([log.flagship_start for log in logs])
    own, j = np.nonzero(np.isfinite(flag_start))
    if own.size:
        f = [x.flagships for x in inputs]

        def field(name: str) -> np.ndarray:
            return np.stack([getattr(x, name) for x in f])[own, j]

        c, o = _dense_cumulative(
            edges,
            flag_start[own, j],
            np.stack([log.flagship_end for log in logs])[own, j],
            np.stack([log.flagship_stop for log in logs])[own, j],
            field("capex_usd_bn"),
            field("import_share"),
            np.stack([field("exports_per_capex"), field("imports_per_capex")], axis=1),
            field("ramp_up_years"),
        )
        bounds = np.flatnonzero(np.diff(own, prepend=-1, append=paths)).tolist()
        for a, b in itertools.pairwise(bounds):
            construction[own[a]] += c[a:b].sum(axis=0)
            operating[own[a]] += o[a:b].sum(axis=0)
    return construction, operating


def measure_cumulative(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], edges: np.ndarray) -> np.ndarray:
    """Cumulative flows of the measures at ``edges``.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.
    edges : ndarray, shape (E,)
        Times in years from the start of the first simulated year.

    Returns
    -------
    ndarray, shape (paths, E, 2)
        Flows by direction (:data:`DIRECTIONS`) from ``-inf`` to each edge, USD bn.
    """
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


def multipliers(inputs: Sequence[PathInputs], logs: Sequence[EventLog], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers of organic trade on the grid of midpoints over ``[-1, n)`` (the base year and ``n`` simulated years).

    Parameters
    ----------
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.
    n : int
        Number of simulated years.

    Returns
    -------
    whole, shocks : ndarray, shape (paths, GRID_PER_YEAR * (n + 1))
        The whole multiplier (shocks and transport links), and that of the
        shocks alone (they hit the country's trade with every partner; a
        transport link adds bilateral trade only). Dimensionless, 1 without either.
    """
    t = -1.0 + (np.arange(GRID_PER_YEAR * (n + 1)) + 0.5) / GRID_PER_YEAR
    if _model._SKIP_IDLE and all(log.shock_time.size == 0 and x.flagships.stage.size == 0 for x, log in zip(inputs, logs, strict=True)):
        return np.ones((len(inputs), t.size)), np.ones((len(inputs), t.size))  # exp(0): neither shocks nor links on any path
    log_shock = np.zeros((len(inputs), t.size))
    log_link = np.zeros((len(inputs), t.size))
    for p, (x, log) in enumerate(zip(inputs, logs, strict=True)):
        struck = np.flatnonzero(np.isfinite(log.shock_time))
        if struck.size:  # none: the row stays 0
            log_shock[p] = shock_log_multiplier(log.shock_time[struck], x.shocks.depth[struck], x.shocks.recovery_years[struck], t)
    if inputs:
        # transport links, named project by named project (each path adds its links in file order), all paths at once
        level_uplift = np.stack([x.flagships.level_uplift for x in inputs])
        growth_uplift = np.stack([x.flagships.growth_uplift for x in inputs])
        ramp = np.stack([x.flagships.ramp_up_years for x in inputs])
        opened = np.stack([log.flagship_end for log in logs])
        stop = np.stack([log.flagship_stop for log in logs])
        linked = ((level_uplift != 0) | (growth_uplift != 0)) & np.isfinite(opened)
        for j in np.flatnonzero(linked.any(axis=0)).tolist():
            for rows in (np.flatnonzero(linked[:, j] & (ramp[:, j] > 0)), np.flatnonzero(linked[:, j] & ~(ramp[:, j] > 0))):
                if not rows.size:
                    continue
                since = np.maximum(np.minimum(t, stop[rows, j, None]) - opened[rows, j, None], 0.0)
                r = ramp[rows, j, None]
                level = np.minimum(since / r, 1.0) if r[0, 0] > 0 else (since > 0).astype(float)
                log_link[rows] += np.log1p(level_uplift[rows, j, None] * level) + growth_uplift[rows, j, None] * since
    return np.exp(log_shock + log_link), np.exp(log_shock)
