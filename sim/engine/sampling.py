"""Drawing every random input of a path up front, from per-path streams.

Every entity of a path draws from its own stream (:mod:`sim.engine.streams`:
keyed by path and entity name, so adding or removing a project changes no
other entity's draws, and scenarios compared on the same seed share their
random inputs). Every uncertain value is drawn by inversion (``dist.ppf(u)``),
so a change of a parameter moves each path's value monotonically (smooth goal
seeking, common random numbers). Random streams are made only here and in
:mod:`sim.engine.portfolio_draws` (the portfolio's inputs).

:func:`draw_paths` draws a batch of paths: each path's uniforms from its own
streams, then each quantile function once over the batch; every path gets
exactly what :func:`draw_path` gives it alone (tested), whatever the batch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import special

from ..distributions import Distribution
from ..scenario import Growth, Scenario, ShareLaw
from .portfolio_draws import (
    STAGE_CODES,
    FlagshipInputs,
    GenericProjects,
    capacity_draws,
    flagship_draws,
    flow_scale_draws,
    generic_draws,
    scaled,
    sector_draws,
)
from .streams import REPORTER_GAP_STREAMS, PathStreams, ppf_one

__all__ = [
    "CONSTANT_SHARE",
    "DirectionInputs",
    "GrowthInputs",
    "STAGE_CODES",
    "FlagshipInputs",
    "GenericProjects",
    "PathInputs",
    "PathStreams",
    "ShareInputs",
    "ShockStrikes",
    "draw_path",
    "draw_paths",
    "iter_paths",
    "law_of_paths",
    "shock_log_multiplier",
]


@dataclass(frozen=True)
class ShockStrikes:
    """Shocks that strike on one path, shape ``(k,)`` each: time (years from start), depth, recovery."""

    time: np.ndarray
    depth: np.ndarray
    recovery_years: np.ndarray


def shock_log_multiplier(time: np.ndarray, depth: np.ndarray, recovery_years: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Log of the multiplier of organic trade from shocks at times ``t``.

    A shock striking at ``time`` with ``depth`` lowers trade by ``depth`` at
    once and fades linearly over ``recovery_years`` (with no recovery, it
    lasts to the end of the year it struck in); overlapping shocks multiply.

    Parameters
    ----------
    time, depth, recovery_years : ndarray, shape (k,)
        The shocks that struck (years from the start, share, years).
    t : ndarray, shape (n,)
        Times, years from the start.

    Returns
    -------
    ndarray, shape (n,)
        ``sum_k ln(1 - depth_k * fade_k(t))``: 0 where no shock is felt.
    """
    if time.size == 0:
        return np.zeros(t.shape)
    tau, depth, rec = time[:, None], depth[:, None], recovery_years[:, None]
    since = t[None, :] - tau
    lasting = np.where(rec > 0, 1.0 - since / np.maximum(rec, 1e-300), (t[None, :] < np.floor(tau) + 1.0).astype(float))
    fade = np.where(since >= 0, np.clip(lasting, 0.0, 1.0), 0.0)
    return np.log1p(-depth * fade).sum(axis=0)


@dataclass(frozen=True)
class ShareInputs:
    """A share law's draws on one path (logit scale): long-run level, persistence, innovation sd, unit innovations ``(n_years,)``, drift.

    A scenario without the law has ``sd = 0`` and ``persistence = 1``: the share stays where it starts.
    ``drift`` is 0 unless the law gives one (a trend).
    """

    long_run_logit: float
    persistence: float
    sd: float
    innovations: np.ndarray
    drift: float = 0.0


CONSTANT_SHARE = ShareInputs(0.0, 1.0, 0.0, np.zeros(0))
"""The draws of a share that stays where it starts (innovations are never read when ``sd`` is 0)."""


@dataclass(frozen=True)
class GrowthInputs:
    """A growth law's draws on one path: mean and sd of yearly log-growth, unit innovations ``(n_years,)``."""

    mean: float
    sd: float
    innovations: np.ndarray


@dataclass(frozen=True)
class DirectionInputs:
    """The law by direction's draws on one path (``[trade.directions]``): three totals' growth, the partner's two shares."""

    imports: GrowthInputs
    exports: GrowthInputs
    gold: GrowthInputs
    imports_share: ShareInputs
    exports_share: ShareInputs


@dataclass(frozen=True)
class PathInputs:
    """Every random input of one path.

    Attributes
    ----------
    growth_mean, growth_sd : float
        The path's growth law (yearly log-growth): of organic turnover under the
        random-walk law, of the country's total trade under the structural law.
    innovations : ndarray, shape (n_years,)
        Unit-variance innovations of that yearly log-growth.
    partner_share : ShareInputs
        The partner's share of the country's total trade (structural law; constant otherwise).
    exports_share : ShareInputs
        The exports share of organic turnover.
    rest_of_year_z : float
        A standard normal draw for the unobserved months of a partly observed first year.
    rest_of_year_log_growth : float
        Their log-growth when the scenario gives its law (nan: the default, built from ``rest_of_year_z``).
    revision_log : float
        Log revision of the preliminary observed value (0 when taken as final).
    capacity_usd_bn : ndarray, shape (n_financiers, n_years)
        Lending capacity added at the start of each simulated year, USD bn: the
        year's draw times the lender's trend and, to its ``shock_sensitivity``,
        the shock multiplier of organic trade at that moment.
    sector_import_share, sector_exports_per_capex, sector_imports_per_capex : ndarray, shape (n_sectors,)
        Sector coefficients drawn for this path.
    generic : GenericProjects
    flagships : FlagshipInputs
    measure_effect_usd_bn : ndarray, shape (n_measures,)
    shocks : ShockStrikes
    reporter_log_ratio : ndarray, shape (n_years,) or (n_years, 2)
        ln(target reporter's figure / simulated reporter's figure) in each
        simulated year (by direction, exports then imports, when the scenario
        gives a gap by direction); zeros when the target is the scenario's own reporter.
    law : int
        The organic law the path follows: its index in the scenario's laws (0 without a mixture).
    directions : DirectionInputs or None
        The law by direction's draws (None unless the path's scenario has ``[trade.directions]``).
    """

    path: int
    growth_mean: float
    growth_sd: float
    innovations: np.ndarray
    partner_share: ShareInputs
    exports_share: ShareInputs
    rest_of_year_z: float
    rest_of_year_log_growth: float
    revision_log: float
    capacity_usd_bn: np.ndarray
    sector_import_share: np.ndarray
    sector_exports_per_capex: np.ndarray
    sector_imports_per_capex: np.ndarray
    generic: GenericProjects
    flagships: FlagshipInputs
    measure_effect_usd_bn: np.ndarray
    shocks: ShockStrikes
    reporter_log_ratio: np.ndarray
    law: int = 0
    directions: DirectionInputs | None = None


def _shocks(s: Scenario, streams: PathStreams, n_years: int) -> ShockStrikes:
    first = s.observation.months / 12.0 if s.observation else 0.0
    times, depths, recoveries = [], [], []
    for shock in s.shocks:
        u = streams(f"shock:{shock.name}").random((n_years, 4))
        strikes = np.flatnonzero(u[:, 0] < shock.probability_per_year)
        # a shock cannot strike inside the observed months of the first year
        lo = np.where(strikes == 0, first, 0.0)
        times.append(strikes + lo + u[strikes, 1] * (1.0 - lo))
        depths.append(shock.depth.ppf(u[strikes, 2]))
        recoveries.append(shock.recovery_years.ppf(u[strikes, 3]))
    if not times:
        return ShockStrikes(np.empty(0), np.empty(0), np.empty(0))
    return ShockStrikes(np.concatenate(times), np.concatenate(depths), np.concatenate(recoveries))


def _innovations(u: np.ndarray, df: float | None) -> np.ndarray:
    if df is None:
        return special.ndtri(u)
    return special.stdtrit(df, u) * math.sqrt((df - 2.0) / df)


def _reporter_log_ratio(s: Scenario, streams: PathStreams, n_years: int) -> np.ndarray:
    """Yearly ln(target reporter's figure / simulated figure): the path's mean plus independent yearly noise.

    Shape ``(n_years,)`` (one ratio for every flow), or ``(n_years, 2)`` (exports, imports) when the scenario gives
    a gap by direction: each given direction from its own stream, one not given from the turnover's law.
    """
    gap = s.trade.reporter_gap
    if gap is None or s.trade.measured_by == s.trade.reporter:
        return np.zeros(n_years)
    if gap.exports is None and gap.imports is None:
        return _log_ratio(gap.mean, gap.sd, streams("trade.reporter_gap").random(2 + n_years))
    columns = []
    for direction in ("exports", "imports"):
        law = getattr(gap, direction)
        if law is None:
            columns.append(_log_ratio(gap.mean, gap.sd, streams("trade.reporter_gap").random(2 + n_years)))
        else:
            columns.append(_log_ratio(law.mean, law.sd, streams(REPORTER_GAP_STREAMS[direction]).random(2 + n_years)))
    return np.stack(columns, axis=1)


def _log_ratio(mean: Distribution, sd: Distribution | None, u: np.ndarray) -> np.ndarray:
    """The path's mean (``u[0]``) plus its sd (``u[1]``) times standard normal years (``u[2:]``); no sd is 0."""
    return ppf_one(mean, u[0]) + (ppf_one(sd, u[1]) if sd is not None else 0.0) * special.ndtri(u[2:])


def _share(law: ShareLaw | None, streams: PathStreams, entity: str, n_years: int) -> ShareInputs:
    """A share law's per-path parameters and yearly unit innovations (layout: long run, persistence, sd, innovations).

    A drift is drawn from a stream of its own (``ENTITY.drift``), so that a law without one draws exactly as before.
    """
    if law is None:
        return CONSTANT_SHARE
    u = streams(entity).random(3 + n_years)
    return ShareInputs(
        long_run_logit=float(special.logit(ppf_one(law.long_run, u[0]))),
        persistence=ppf_one(law.persistence, u[1]),
        sd=ppf_one(law.sd, u[2]),
        innovations=special.ndtri(u[3:]),
        drift=ppf_one(law.drift, streams(f"{entity}.drift").random()) if law.drift is not None else 0.0,
    )


def _growth(law: Growth, streams: PathStreams, entity: str, n_years: int) -> GrowthInputs:
    """A growth law's per-path mean and sd and its yearly unit innovations (layout: mean, sd, innovations)."""
    u = streams(entity).random(2 + n_years)
    return GrowthInputs(ppf_one(law.mean, u[0]), ppf_one(law.sd, u[1]), _innovations(u[2:], law.df))


def _directions(s: Scenario, streams: PathStreams, n_years: int) -> DirectionInputs | None:
    """The law by direction's draws, each table from its own stream ``trade.directions.TABLE`` (None without the law)."""
    d = s.trade.directions
    if d is None:
        return None
    return DirectionInputs(
        *(
            _growth(g, streams, f"trade.directions.{k}", n_years)
            for k, g in (("imports_growth", d.imports_growth), ("exports_growth", d.exports_growth), ("gold_growth", d.gold_growth))
        ),
        _share(d.imports_share, streams, "trade.directions.imports_share", n_years),
        _share(d.exports_share, streams, "trade.directions.exports_share", n_years),
    )


def law_of_paths(scenario: Scenario, seed: int, paths: Sequence[int], streams: Sequence[PathStreams] | None = None) -> np.ndarray:
    """The organic law each path follows: its index in ``scenario.laws``, shape ``(len(paths),)``, int8.

    One uniform a path from its own stream ``trade.law``, against the laws' cumulative weights (in
    the order of the file): a path's law depends on the seed, its index and the weights alone. A
    scenario of one law (or none) draws nothing: every path is law 0.
    """
    laws = scenario.laws
    if len(laws) <= 1:
        return np.zeros(len(paths), dtype=np.int8)
    edges = np.cumsum([law.weight for law in laws])
    made = streams if streams is not None else PathStreams.batch(seed, paths)
    u = np.array([st("trade.law").random() for st in made]) * edges[-1]
    return np.minimum(np.searchsorted(edges, u, side="right"), len(laws) - 1).astype(np.int8)


def draw_path(s: Scenario, seed: int, path: int) -> PathInputs:
    """Draw every random input of one path.

    Parameters
    ----------
    s : Scenario
    seed : int
        Root seed of the run.
    path : int
        Path index; the draws depend only on ``(seed, path)`` and the scenario.
    """
    return draw_paths(s, seed, [path])[0]


def draw_paths(s: Scenario, seed: int, paths: Sequence[int]) -> list[PathInputs]:
    """Draw every random input of each of ``paths``: for each, exactly what :func:`draw_path` gives it alone.

    Parameters
    ----------
    s : Scenario
    seed : int
        Root seed of the run.
    paths : sequence of int
        Path indices (a few dozen: the quantile functions run once over them).
    """
    if not paths:
        return []
    n_years = len(s.years)
    streams = PathStreams.batch(seed, paths)
    # the portfolio's draws, once for the batch: a mixture's laws differ in their organic tables alone
    scale = flow_scale_draws(s, streams)  # None without [pipeline.flow_scale]: nothing drawn, nothing changed
    coefficients = scaled(sector_draws(s, streams), scale)
    generic = generic_draws(s, streams, n_years)
    flagships = flagship_draws(s, streams, coefficients, scale)
    capacity = capacity_draws(s, streams, n_years)
    # a mixture: each path's trade law drawn as its law's scenario draws it (each entity has its own stream: the same numbers)
    codes = law_of_paths(s, seed, paths, streams)
    own = [s.laws[k].scenario for k in codes] if s.laws else [s] * len(paths)
    return [
        replace(_path_inputs(own[i], path, st, capacity[i], coefficients[i], generic[i], flagships[i]), law=int(codes[i]))
        if s.laws
        else _path_inputs(s, path, st, capacity[i], coefficients[i], generic[i], flagships[i])
        for i, (path, st) in enumerate(zip(paths, streams, strict=True))
    ]


BATCH_PATHS = 25
"""Paths drawn together (:func:`iter_paths`, and a chunk's batches): enough to spread the quantile functions' overhead
and fill numpy's arrays, few enough to stay in cache."""


def iter_paths(s: Scenario, seed: int, paths: Sequence[int]) -> Iterator[PathInputs]:
    """The inputs of ``paths`` one after the other, drawn :data:`BATCH_PATHS` at a time (:func:`draw_paths`)."""
    for first in range(0, len(paths), BATCH_PATHS):
        yield from draw_paths(s, seed, paths[first : first + BATCH_PATHS])


def _path_inputs(
    s: Scenario,
    path: int,
    streams: PathStreams,
    capacity_drawn: np.ndarray,
    coefficients: np.ndarray,
    generic: GenericProjects,
    flagships: FlagshipInputs,
) -> PathInputs:
    """One path's inputs: its trade laws, shocks and measures drawn here, its portfolio's drawn with the batch."""
    n_years = len(s.years)
    structural = s.trade.structural
    # the growth law: of organic turnover (random walk) or of the country's total trade (structural)
    g = structural.total_growth if structural is not None else s.trade.growth
    assert g is not None
    u = streams("trade.structural.total_growth" if structural is not None else "trade.growth").random(3 + n_years)
    obs = s.observation
    rest_dist = s.trade.observed.rest_of_year_log_growth if s.trade.observed is not None else None
    revision = (
        obs.revision_sd * float(special.ndtri(streams("trade.observed").random())) if obs is not None and obs.revision_sd > 0 else 0.0
    )
    shocks = _shocks(s, streams, n_years)
    effects = np.array([ppf_one(m.effect_usd_bn_per_year, streams(f"measure:{m.name}").random()) for m in s.measures])
    return PathInputs(
        path=path,
        growth_mean=ppf_one(g.mean, u[0]),
        growth_sd=ppf_one(g.sd, u[1]),
        innovations=_innovations(u[3:], g.df),
        partner_share=_share(structural.share if structural is not None else None, streams, "trade.structural.share", n_years),
        exports_share=_share(s.trade.exports_share, streams, "trade.exports_share", n_years),
        rest_of_year_z=float(special.ndtri(u[2])),
        rest_of_year_log_growth=ppf_one(rest_dist, u[2]) if rest_dist is not None else math.nan,
        revision_log=revision,
        capacity_usd_bn=_capacity(s, capacity_drawn, shocks, n_years),
        sector_import_share=coefficients[0],
        sector_exports_per_capex=coefficients[1],
        sector_imports_per_capex=coefficients[2],
        generic=generic,
        flagships=flagships,
        measure_effect_usd_bn=effects.reshape(len(s.measures)),
        shocks=shocks,
        reporter_log_ratio=_reporter_log_ratio(s, streams, n_years),
        directions=_directions(s, streams, n_years),
    )


def _capacity(s: Scenario, drawn: np.ndarray, shocks: ShockStrikes, n_years: int) -> np.ndarray:
    """Capacity each lender adds at the start of each year, shape ``(n_financiers, n_years)``, USD bn.

    Year ``k``'s draw times ``exp(capacity_trend * k)`` times the shock
    multiplier of organic trade at time ``k`` raised to ``shock_sensitivity``.
    """
    financiers = list(s.portfolio.financiers.values()) if s.portfolio else []
    trend = np.array([fin.capacity_trend for fin in financiers]).reshape(-1, 1)
    sensitivity = np.array([fin.shock_sensitivity for fin in financiers]).reshape(-1, 1)
    year = np.arange(n_years, dtype=float)
    shocked = shock_log_multiplier(shocks.time, shocks.depth, shocks.recovery_years, year)
    return drawn * np.exp(trend * year + sensitivity * shocked)
