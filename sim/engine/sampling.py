"""Drawing every random input of a path up front, from per-path streams.

Every entity of a path draws from its own stream (:mod:`sim.engine.streams`:
keyed by path and entity name, so adding or removing a project changes no
other entity's draws, and scenarios compared on the same seed share their
random inputs). Every uncertain value is drawn by inversion (``dist.ppf(u)``),
so a change of a parameter moves each path's value monotonically (smooth goal
seeking, common random numbers). Random streams are made only here and in
:mod:`sim.engine.portfolio_draws` (the portfolio's inputs).

:func:`draw_paths` draws a batch of paths: each path's uniforms from its own
streams, then each quantile function once over the batch (under a mixture of
organic laws, the trade laws' once over the paths of each law); every path gets
exactly what :func:`draw_path` gives it alone (tested), whatever the batch.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

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
from .streams import REPORTER_GAP_STREAMS, PathStreams, ppf_each, uniforms

LOGIT_LIMIT = 30.0
"""Share laws' logits stay within +/- this (a share within 1e-13 of 0 or 1), so that a share stays strictly inside
(0, 1) in floating point however wide its law: a long-run share drawn so near 0 or 1 that it rounds to exactly 0 or 1
would otherwise have an infinite logit and turn every later year into NaN."""

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


def _shocks(s: Scenario, streams: Sequence[PathStreams], n_years: int) -> list[ShockStrikes]:
    """The shocks that strike on each path (each shock's strikes in year order, shock by shock in the file's order)."""
    m = len(streams)
    if not s.shocks:
        none = ShockStrikes(np.empty(0), np.empty(0), np.empty(0))
        return [none] * m
    first = s.observation.months / 12.0 if s.observation else 0.0
    parts = []  # by shock: each path's strikes' (time, depth, recovery) one path after the other, and the offsets
    for shock in s.shocks:
        u = uniforms(streams, f"shock:{shock.name}", n_years * 4).reshape(m, n_years, 4)
        path, year = np.nonzero(u[:, :, 0] < shock.probability_per_year)
        sizes = np.bincount(path, minlength=m)
        # a shock cannot strike inside the observed months of the first year
        lo = np.where(year == 0, first, 0.0)
        struck = u[path, year]
        time = year + lo + struck[:, 1] * (1.0 - lo)
        # each path's strikes through the quantile function as its own array (ppf_each: PERT by its count)
        depth, recovery = ppf_each(shock.depth, struck[:, 2], sizes), ppf_each(shock.recovery_years, struck[:, 3], sizes)
        parts.append((time, depth, recovery, np.concatenate([[0], np.cumsum(sizes)]).tolist()))
    out = []
    for i in range(m):
        own = [tuple(a[o[i] : o[i + 1]] for a in (time, depth, recovery)) for time, depth, recovery, o in parts]
        out.append(ShockStrikes(*(np.concatenate(c) for c in zip(*own, strict=True))) if len(own) > 1 else ShockStrikes(*own[0]))
    return out


def _innovations(u: np.ndarray, df: float | None) -> np.ndarray:
    if df is None:
        return special.ndtri(u)
    return special.stdtrit(df, u) * math.sqrt((df - 2.0) / df)


def _reporter_log_ratio(s: Scenario, streams: Sequence[PathStreams], n_years: int) -> np.ndarray:
    """Yearly ln(target reporter's figure / simulated figure) of each path: the path's mean plus independent yearly noise.

    Shape ``(paths, n_years)`` (one ratio for every flow), or ``(paths, n_years, 2)`` (exports, imports) when the scenario
    gives a gap by direction: each given direction from its own stream, one not given from the turnover's law.
    """
    gap = s.trade.reporter_gap
    if gap is None or s.trade.measured_by == s.trade.reporter:
        return np.zeros((len(streams), n_years))
    if gap.exports is None and gap.imports is None:
        return _log_ratio(gap.mean, gap.sd, uniforms(streams, "trade.reporter_gap", 2 + n_years))
    columns = []
    for direction in ("exports", "imports"):
        law = getattr(gap, direction)
        if law is None:
            columns.append(_log_ratio(gap.mean, gap.sd, uniforms(streams, "trade.reporter_gap", 2 + n_years)))
        else:
            columns.append(_log_ratio(law.mean, law.sd, uniforms(streams, REPORTER_GAP_STREAMS[direction], 2 + n_years)))
    return np.stack(columns, axis=2)


def _log_ratio(mean: Distribution, sd: Distribution | None, u: np.ndarray) -> np.ndarray:
    """Each path's mean (``u[:, 0]``) plus its sd (``u[:, 1]``) times standard normal years (``u[:, 2:]``); no sd is 0."""
    spread = ppf_each(sd, u[:, 1])[:, None] if sd is not None else 0.0
    return ppf_each(mean, u[:, 0])[:, None] + spread * special.ndtri(u[:, 2:])


def _share(law: ShareLaw | None, streams: Sequence[PathStreams], entity: str, n_years: int) -> list[ShareInputs]:
    """A share law's per-path parameters and yearly unit innovations, for each path (layout: long run, persistence, sd,
    innovations).

    A drift is drawn from a stream of its own (``ENTITY.drift``), so that a law without one draws exactly as before.
    The long run's logit is kept within :data:`LOGIT_LIMIT`, like every later year's.
    """
    if law is None:
        return [CONSTANT_SHARE] * len(streams)
    u = uniforms(streams, entity, 3 + n_years)
    long_run = np.clip(special.logit(ppf_each(law.long_run, u[:, 0])), -LOGIT_LIMIT, LOGIT_LIMIT).tolist()
    persistence = ppf_each(law.persistence, u[:, 1]).tolist()
    sd = ppf_each(law.sd, u[:, 2]).tolist()
    innovations = special.ndtri(u[:, 3:])
    drift = ppf_each(law.drift, uniforms(streams, f"{entity}.drift", 1)[:, 0]).tolist() if law.drift is not None else [0.0] * len(streams)
    return [ShareInputs(*row, innovations[i], drift[i]) for i, row in enumerate(zip(long_run, persistence, sd, strict=True))]


def _growth(law: Growth, streams: Sequence[PathStreams], entity: str, n_years: int) -> list[GrowthInputs]:
    """A growth law's per-path mean and sd and its yearly unit innovations, for each path (layout: mean, sd, innovations)."""
    u = uniforms(streams, entity, 2 + n_years)
    innovations = _innovations(u[:, 2:], law.df)
    mean, sd = ppf_each(law.mean, u[:, 0]).tolist(), ppf_each(law.sd, u[:, 1]).tolist()
    return [GrowthInputs(mean[i], sd[i], innovations[i]) for i in range(len(streams))]


def _directions(s: Scenario, streams: Sequence[PathStreams], n_years: int) -> list[DirectionInputs | None]:
    """The law by direction's draws of each path, each table from its own stream ``trade.directions.TABLE`` (None without
    the law)."""
    d = s.trade.directions
    if d is None:
        return [None] * len(streams)
    tables = (
        *(
            _growth(g, streams, f"trade.directions.{k}", n_years)
            for k, g in (("imports_growth", d.imports_growth), ("exports_growth", d.exports_growth), ("gold_growth", d.gold_growth))
        ),
        _share(d.imports_share, streams, "trade.directions.imports_share", n_years),
        _share(d.exports_share, streams, "trade.directions.exports_share", n_years),
    )
    return [DirectionInputs(*row) for row in zip(*tables, strict=True)]


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
    # a mixture: each path's trade law drawn as its law's scenario draws it (each entity has its own stream: the same numbers),
    # the paths of a law together
    codes = law_of_paths(s, seed, paths, streams)
    if not s.laws:
        return _paths_inputs(s, paths, streams, capacity, coefficients, generic, flagships, 0)
    out: list[PathInputs | None] = [None] * len(paths)
    for k, law in enumerate(s.laws):
        rows = np.flatnonzero(codes == k).tolist()
        if rows:
            got = _paths_inputs(
                law.scenario,
                [paths[i] for i in rows],
                [streams[i] for i in rows],
                capacity[rows],
                coefficients[rows],
                [generic[i] for i in rows],
                [flagships[i] for i in rows],
                k,
            )
            for i, x in zip(rows, got, strict=True):
                out[i] = x
    return out  # type: ignore[return-value]


BATCH_PATHS = 25
"""Paths drawn together (:func:`iter_paths`, and a chunk's batches): enough to spread the quantile functions' overhead
and fill numpy's arrays, few enough to stay in cache."""


def iter_paths(s: Scenario, seed: int, paths: Sequence[int]) -> Iterator[PathInputs]:
    """The inputs of ``paths`` one after the other, drawn :data:`BATCH_PATHS` at a time (:func:`draw_paths`)."""
    for first in range(0, len(paths), BATCH_PATHS):
        yield from draw_paths(s, seed, paths[first : first + BATCH_PATHS])


def _paths_inputs(
    s: Scenario,
    paths: Sequence[int],
    streams: Sequence[PathStreams],
    capacity_drawn: np.ndarray,
    coefficients: np.ndarray,
    generic: Sequence[GenericProjects],
    flagships: Sequence[FlagshipInputs],
    law: int,
) -> list[PathInputs]:
    """The inputs of paths that follow the same scenario (its law ``law``): their trade laws, shocks and measures drawn
    here, each quantile function once over the paths (:func:`~sim.engine.streams.ppf_each`: what each path's own value
    would be), their portfolio's drawn with the batch."""
    n_years, m = len(s.years), len(paths)
    structural = s.trade.structural
    # the growth law: of organic turnover (random walk) or of the country's total trade (structural)
    g = structural.total_growth if structural is not None else s.trade.growth
    assert g is not None
    u = uniforms(streams, "trade.structural.total_growth" if structural is not None else "trade.growth", 3 + n_years)
    growth_mean, growth_sd = ppf_each(g.mean, u[:, 0]).tolist(), ppf_each(g.sd, u[:, 1]).tolist()
    innovations = _innovations(u[:, 3:], g.df)
    rest_z = special.ndtri(u[:, 2]).tolist()
    rest_dist = s.trade.observed.rest_of_year_log_growth if s.trade.observed is not None else None
    rest = ppf_each(rest_dist, u[:, 2]).tolist() if rest_dist is not None else [math.nan] * m
    obs = s.observation
    revision = (
        (obs.revision_sd * special.ndtri(uniforms(streams, "trade.observed", 1)[:, 0])).tolist()
        if obs is not None and obs.revision_sd > 0
        else [0.0] * m
    )
    shocks = _shocks(s, streams, n_years)
    effects = np.empty((m, len(s.measures)))
    for j, measure in enumerate(s.measures):
        effects[:, j] = ppf_each(measure.effect_usd_bn_per_year, uniforms(streams, f"measure:{measure.name}", 1)[:, 0])
    partner_share = _share(structural.share if structural is not None else None, streams, "trade.structural.share", n_years)
    exports_share = _share(s.trade.exports_share, streams, "trade.exports_share", n_years)
    capacity = _capacity(s, capacity_drawn, shocks, n_years)
    reporter = _reporter_log_ratio(s, streams, n_years)
    directions = _directions(s, streams, n_years)
    return [
        PathInputs(
            path=path,
            growth_mean=growth_mean[i],
            growth_sd=growth_sd[i],
            innovations=innovations[i],
            partner_share=partner_share[i],
            exports_share=exports_share[i],
            rest_of_year_z=rest_z[i],
            rest_of_year_log_growth=rest[i],
            revision_log=revision[i],
            capacity_usd_bn=capacity[i],
            sector_import_share=coefficients[i, 0],
            sector_exports_per_capex=coefficients[i, 1],
            sector_imports_per_capex=coefficients[i, 2],
            generic=generic[i],
            flagships=flagships[i],
            measure_effect_usd_bn=effects[i],
            shocks=shocks[i],
            reporter_log_ratio=reporter[i],
            law=law,
            directions=directions[i],
        )
        for i, path in enumerate(paths)
    ]


def _capacity(s: Scenario, drawn: np.ndarray, shocks: Sequence[ShockStrikes], n_years: int) -> np.ndarray:
    """Capacity each lender adds at the start of each year on each path, shape ``(paths, n_financiers, n_years)``, USD bn.

    Year ``k``'s draw times ``exp(capacity_trend * k)`` times the shock
    multiplier of organic trade at time ``k`` raised to ``shock_sensitivity``.
    """
    financiers = list(s.portfolio.financiers.values()) if s.portfolio else []
    trend = np.array([fin.capacity_trend for fin in financiers]).reshape(-1, 1)
    sensitivity = np.array([fin.shock_sensitivity for fin in financiers]).reshape(-1, 1)
    year = np.arange(n_years, dtype=float)
    shocked = np.zeros((len(shocks), 1, n_years))
    for row, x in zip(shocked, shocks, strict=True):
        if x.time.size:
            row[0] = shock_log_multiplier(x.time, x.depth, x.recovery_years, year)
    return drawn * np.exp(trend * year + sensitivity * shocked)
