"""Drawing every random input of a path up front, from per-path streams.

Path ``i`` of a run with root seed ``s`` owns the seed sequence
``SeedSequence(s, spawn_key=(i,))``, the same as child ``i`` of
``SeedSequence(s).spawn(n)``, which seeds the path's PCG64 generator. Inside
the path, every entity that draws random numbers has its own stream, keyed by
the entity's name rather than by its position: the path's PCG64 stream advanced
by ``key(name) * 2**80`` steps, with ``key`` a stable 40-bit hash of the name.
Streams of different entities are thus at least ``2**80`` draws apart (a path
uses a few thousand), and making one costs a state copy and a jump instead of
a new seed sequence (7 instead of 28 microseconds, for 25 entities a path).
Adding or removing a project changes no other entity's draws, and scenarios
compared on the same seed share their random inputs.

Every uncertain value is drawn by inversion (``dist.ppf(u)``), so a change of a
parameter moves each path's value monotonically (smooth goal seeking, common
random numbers). This module is the only place where random streams are made.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

from ..distributions import Distribution, Fixed, Uniform
from ..scenario import Pipeline, Scenario, ShareLaw

__all__ = [
    "CONSTANT_SHARE",
    "FlagshipInputs",
    "GenericProjects",
    "PathInputs",
    "PathStreams",
    "ShareInputs",
    "ShockStrikes",
    "draw_path",
    "shock_log_multiplier",
]

STAGE_CODES = {"operating": 0, "construction": 1, "awaiting_finance": 2}
"""Integer codes of the project stages in :class:`FlagshipInputs`."""


@lru_cache(maxsize=4096)
def _entity_offset(entity: str) -> int:
    """Jump of an entity's stream from the path's origin: a 40-bit name hash times ``2**80``."""
    return int.from_bytes(hashlib.blake2b(entity.encode(), digest_size=5).digest(), "little") << 80


class PathStreams:
    """The random streams of one path, keyed by entity name.

    Parameters
    ----------
    seed : int
        Root seed of the run.
    path : int
        Path index (0-based).

    Notes
    -----
    ``streams(entity)`` returns one shared generator positioned at the start of
    that entity's stream: use it fully before asking for the next entity.
    """

    def __init__(self, seed: int, path: int):
        self._bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(path,)))
        self._origin = self._bits.state
        self._generator = np.random.Generator(self._bits)

    def __call__(self, entity: str) -> np.random.Generator:
        self._bits.state = self._origin
        self._bits.advance(_entity_offset(entity))
        return self._generator


@dataclass(frozen=True)
class GenericProjects:
    """Generic projects of one path (backlog, then pipeline launches), shape ``(m,)`` each.

    ``request_time`` is in years from the start (negative for warm-up launches,
    which are taken as financed when launched); the finance queue orders the
    rows by it (:func:`sim.engine.model.finance_requests`). ``backlog`` marks the
    backlog's rows (``portfolio.priority`` ranks them by sector).
    ``patience_years`` has shape ``(m, 2)``: the years a project waits at its
    lender, then at that lender's fallback (inf: for ever; its sector's
    ``patience_years``).
    """

    request_time: np.ndarray
    capex_usd_bn: np.ndarray
    sector: np.ndarray
    financier: np.ndarray
    build_years: np.ndarray
    delay_years: np.ndarray
    cancelled: np.ndarray
    backlog: np.ndarray
    patience_years: np.ndarray


@dataclass(frozen=True)
class FlagshipInputs:
    """Drawn inputs of the named projects of one path, shape ``(f,)`` each (file order).

    Times are years from the start. ``start_time`` and ``end_time`` are set for
    stages operating and construction (delays included); ``request_time``,
    ``build_years`` and ``patience_years`` (shape ``(f, 2)``: at the financier, then at
    its fallback; inf for ever) for stage awaiting finance. ``stage`` holds
    :data:`STAGE_CODES`; ``financier`` is -1 where none is given.
    """

    stage: np.ndarray
    financier: np.ndarray
    capex_usd_bn: np.ndarray
    start_time: np.ndarray
    end_time: np.ndarray
    request_time: np.ndarray
    build_years: np.ndarray
    patience_years: np.ndarray
    cancelled: np.ndarray
    import_share: np.ndarray
    exports_per_capex: np.ndarray
    imports_per_capex: np.ndarray
    ramp_up_years: np.ndarray
    level_uplift: np.ndarray
    growth_uplift: np.ndarray


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
    """A share law's draws on one path (logit scale): long-run level, persistence, innovation sd, unit innovations ``(n_years,)``.

    A scenario without the law has ``sd = 0`` and ``persistence = 1``: the share stays where it starts.
    """

    long_run_logit: float
    persistence: float
    sd: float
    innovations: np.ndarray


CONSTANT_SHARE = ShareInputs(0.0, 1.0, 0.0, np.zeros(0))
"""The draws of a share that stays where it starts (innovations are never read when ``sd`` is 0)."""


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
    reporter_log_ratio : ndarray, shape (n_years,)
        ln(target reporter's figure / simulated reporter's figure) in each
        simulated year; zeros when the target is the scenario's own reporter.
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


def _pick(weights: dict[str, float], names: list[str], u: np.ndarray) -> np.ndarray:
    """Index into ``names`` chosen by cumulative ``weights`` (by name) at uniforms ``u``."""
    if u.size == 0:
        return np.empty(0, dtype=np.int64)
    cum = _cumulative_shares(tuple(weights.get(n, 0.0) for n in names))
    return np.minimum(np.searchsorted(cum, u, side="right"), len(names) - 1)


@lru_cache(maxsize=64)
def _cumulative_shares(weights: tuple[float, ...]) -> np.ndarray:
    """Running totals of ``weights`` as shares of their sum (the same for every path of a scenario: kept)."""
    w = np.array(weights, dtype=float)
    return np.cumsum(w / w.sum())


def _ppf(d: Distribution, u: float) -> float:
    """The value of ``d`` at the uniform ``u``, by inversion; a fixed value as given."""
    if d.is_fixed:
        return d.value  # type: ignore[attr-defined]
    return float(d.ppf(np.asarray(u)))


def _ppf_or(d: Distribution | None, u: float, default: float) -> float:
    """A project's own value at ``u``, or ``default`` (its sector's drawn value) when the project gives none."""
    return default if d is None else _ppf(d, u)


# Columns of one generic-project row; the layout is part of the reproducibility contract.
_GENERIC_COLUMNS = ("gap", "cancel", "capex", "sector", "financier", "build", "delay_flag", "delay_len")
_C = {name: i for i, name in enumerate(_GENERIC_COLUMNS)}


def _rows_until(rng: np.random.Generator, enough, first_guess: int) -> np.ndarray:
    """Draw rows of uniforms until ``enough(rows)``; row ``k`` never depends on the batch size."""
    rows = rng.random((max(first_guess, 1), len(_GENERIC_COLUMNS)))
    while not enough(rows):
        rows = np.vstack([rows, rng.random((max(rows.shape[0], 16), len(_GENERIC_COLUMNS)))])
    return rows


def _pipeline_arrival_times(p: Pipeline, horizon: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Launch times of a Poisson process of rate ``L exp(g t)`` on ``[-W, horizon)``.

    Generated as a unit-rate process mapped through the inverse cumulative
    intensity, so arrival ``k`` keeps its attributes when the rate changes and
    only its time moves.
    """
    L, g, W = p.launches_per_year, p.launch_trend, float(p.warmup_years)
    if L <= 0:
        return np.empty(0), np.empty((0, len(_GENERIC_COLUMNS)))

    def cumulative(t: float) -> float:
        return L * (t + W) if g == 0 else L * (math.exp(g * t) - math.exp(-g * W)) / g

    total = cumulative(horizon)

    def enough(rows: np.ndarray) -> bool:
        return float(-np.log1p(-rows[:, _C["gap"]]).sum()) > total

    rows = _rows_until(rng, enough, int(total + 6 * math.sqrt(total) + 10))
    lam = np.cumsum(-np.log1p(-rows[:, _C["gap"]]))
    n = int(np.searchsorted(lam, total, side="left"))
    lam, rows = lam[:n], rows[:n]
    times = -W + lam / L if g == 0 else np.log(math.exp(-g * W) + g * lam / L) / g
    return times, rows


def _generic_projects(s: Scenario, streams: PathStreams, n_years: int) -> GenericProjects:
    p = s.pipeline
    assert p is not None and s.portfolio is not None
    sectors, financiers = list(p.sectors), list(s.portfolio.financiers)
    horizon = float(n_years)
    if p.last_launch_year is not None:  # launches end with that year; arrival k keeps its draws, so earlier ones are the same
        horizon = min(horizon, max(float(p.last_launch_year - s.trade.base_year), -float(p.warmup_years)))
    times, rows = _pipeline_arrival_times(p, horizon, streams("pipeline"))
    n_launches = times.size

    backlog_total = s.portfolio.backlog.capex_usd_bn if s.portfolio.backlog else 0.0
    if backlog_total > 0:
        rng = streams("portfolio.backlog")

        def enough(r: np.ndarray) -> bool:
            return float(p.capex_usd_bn.ppf(r[:, _C["capex"]]).sum()) >= backlog_total

        median = float(p.capex_usd_bn.ppf(np.asarray(0.5)))
        brows = _rows_until(rng, enough, int(1.5 * backlog_total / max(median, 1e-9)) + 8)
        size = p.capex_usd_bn.ppf(brows[:, _C["capex"]])
        # projects are taken while the running total is below the backlog; the last one crosses it
        m = int(np.searchsorted(np.cumsum(size), backlog_total, side="left")) + 1
        brows = brows[:m]
        # a backlog project has no launch gap: that uniform draws when it asks for finance
        asks = s.portfolio.backlog.request_years.ppf(brows[:, _C["gap"]])  # type: ignore[union-attr]
        times = np.concatenate([np.broadcast_to(asks, (m,)).astype(float), times])
        rows = np.vstack([brows, rows])

    n_backlog = times.size - n_launches
    delayed = rows[:, _C["delay_flag"]] < p.delay_probability
    cancel = np.full(times.size, p.cancel_probability)
    if backlog_total > 0 and s.portfolio.backlog.cancel_probability is not None:  # type: ignore[union-attr]
        cancel[:n_backlog] = s.portfolio.backlog.cancel_probability  # type: ignore[union-attr]
    sector = _pick(p.sector_mix, sectors, rows[:, _C["sector"]])
    cancelled = rows[:, _C["cancel"]] < cancel
    return GenericProjects(
        request_time=times,
        capex_usd_bn=p.capex_usd_bn.ppf(rows[:, _C["capex"]]),
        sector=sector,
        financier=_pick(p.financier_mix, financiers, rows[:, _C["financier"]]),
        build_years=p.build_years.ppf(rows[:, _C["build"]]),
        delay_years=np.where(delayed, p.delay_years.ppf(rows[:, _C["delay_len"]]), 0.0),
        cancelled=cancelled,
        backlog=np.arange(times.size) < n_backlog,
        patience_years=_generic_patience(p, streams, sector, n_backlog, (times >= 0) & ~cancelled),
    )


def _generic_patience(p: Pipeline, streams: PathStreams, sector: np.ndarray, n_backlog: int, asking: np.ndarray) -> np.ndarray:
    """Patience of each generic project at its lender and at the fallback, shape ``(m, 2)``, years (inf: for ever).

    Uniforms come from streams of their own, one row per project (backlog,
    then launches, each in its order), so a scenario without patience keeps
    every other draw, and a launch keeps its patience when the launch rate
    changes. Only projects that ask for finance (``asking``) need one.
    """
    laws = tuple(sec.patience_years for sec in p.sectors.values())
    if all(law is None for law in laws):
        return np.full((sector.size, 2), math.inf)
    u = np.empty((sector.size, 2))
    streams("portfolio.backlog.patience").random(out=u[:n_backlog])
    streams("pipeline.patience").random(out=u[n_backlog:])
    affine = _affine_patience(laws)
    if affine is not None:
        low, width = affine
        out = low[sector, None] + u * width[sector, None]
    else:
        out = np.full((sector.size, 2), math.inf)
        for k, law in enumerate(laws):
            if law is not None:
                mine = sector == k
                out[mine] = law.ppf(u[mine])
    out[~asking] = math.inf
    return out


@lru_cache(maxsize=64)
def _affine_patience(laws: tuple[Distribution | None, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(low, width)`` by sector when every patience law is uniform or fixed (``ppf(u) = low + u * width``, the arithmetic
    of Uniform.ppf; inf for none), else None."""
    if not all(law is None or isinstance(law, (Uniform, Fixed)) for law in laws):
        return None
    low = np.array([math.inf if law is None else law.min if isinstance(law, Uniform) else law.value for law in laws])  # type: ignore[union-attr]
    width = np.array([law.max - law.min if isinstance(law, Uniform) else 0.0 for law in laws])
    return low, width


def _flagships(
    s: Scenario, streams: PathStreams, import_share: np.ndarray, exports_coef: np.ndarray, imports_coef: np.ndarray
) -> FlagshipInputs:
    p = s.pipeline
    projects = p.projects if p is not None else []
    f = len(projects)
    out = {k: np.zeros(f) for k in ("capex", "start", "end", "request", "build", "share", "exports", "imports", "ramp", "level", "growth")}
    stage = np.zeros(f, dtype=np.int64)
    financier = np.full(f, -1, dtype=np.int64)
    patience = np.full((f, 2), math.inf)
    cancelled = np.zeros(f, dtype=bool)
    financier_names = list(s.portfolio.financiers) if s.portfolio else []
    sector_names = list(p.sectors) if p is not None else []
    t0 = float(s.start_year)
    for j, proj in enumerate(projects):
        # fixed layout of uniforms: capex, timing, delay flag, delay length, cancel, share, exports, level, growth, imports,
        # patience at the financier, patience at its fallback
        u = streams(f"project:{proj.name}").random(12)
        sec = sector_names.index(proj.sector)
        sector = p.sectors[proj.sector]  # type: ignore[union-attr]
        stage[j] = STAGE_CODES[proj.stage]
        financier[j] = financier_names.index(proj.financier) if proj.financier else -1
        out["capex"][j] = _ppf(proj.capex_usd_bn, u[0])
        delay = _ppf(proj.delay_years, u[3]) if u[2] < proj.delay_probability else 0.0
        if proj.stage == "awaiting_finance":
            out["request"][j] = (proj.finance_request_year - t0) if proj.finance_request_year is not None else 0.0
            out["build"][j] = _ppf(proj.build_years, u[1]) + delay  # type: ignore[arg-type]
            out["start"][j] = out["end"][j] = math.inf
            if proj.patience_years is not None:
                patience[j] = proj.patience_years.ppf(u[10:12])
        else:
            out["start"][j] = proj.construction_start - t0  # type: ignore[operator]
            completion = _ppf(proj.completion_year, u[1]) - t0  # type: ignore[arg-type]
            out["end"][j] = completion + (delay if proj.stage == "construction" else 0.0)
            out["request"][j] = math.nan
        cancelled[j] = u[4] < proj.cancel_probability
        out["share"][j] = _ppf_or(proj.construction_import_share, u[5], import_share[sec])
        out["exports"][j] = _ppf_or(proj.exports_per_capex_per_year, u[6], exports_coef[sec])
        out["imports"][j] = _ppf_or(proj.imports_per_capex_per_year, u[9], imports_coef[sec])
        out["ramp"][j] = proj.ramp_up_years if proj.ramp_up_years is not None else sector.ramp_up_years
        out["level"][j] = _ppf(proj.trade_level_uplift, u[7])
        out["growth"][j] = _ppf(proj.trade_growth_uplift, u[8])
    return FlagshipInputs(
        stage=stage,
        financier=financier,
        capex_usd_bn=out["capex"],
        start_time=out["start"],
        end_time=out["end"],
        request_time=out["request"],
        build_years=out["build"],
        patience_years=patience,
        cancelled=cancelled,
        import_share=out["share"],
        exports_per_capex=out["exports"],
        imports_per_capex=out["imports"],
        ramp_up_years=out["ramp"],
        level_uplift=out["level"],
        growth_uplift=out["growth"],
    )


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


def _capacity(s: Scenario, streams: PathStreams, shocks: ShockStrikes, n_years: int) -> np.ndarray:
    """Capacity each lender adds at the start of each year, shape ``(n_financiers, n_years)``, USD bn.

    Year ``k``'s draw times ``exp(capacity_trend * k)`` times the shock
    multiplier of organic trade at time ``k`` raised to ``shock_sensitivity``.
    """
    financiers = list(s.portfolio.financiers.items()) if s.portfolio else []
    drawn = np.zeros((len(financiers), n_years))
    for k, (name, fin) in enumerate(financiers):
        drawn[k] = fin.capacity_usd_bn_per_year.ppf(streams(f"financier:{name}").random(n_years))
    trend = np.array([fin.capacity_trend for _, fin in financiers]).reshape(-1, 1)
    sensitivity = np.array([fin.shock_sensitivity for _, fin in financiers]).reshape(-1, 1)
    year = np.arange(n_years, dtype=float)
    shocked = shock_log_multiplier(shocks.time, shocks.depth, shocks.recovery_years, year)
    return drawn * np.exp(trend * year + sensitivity * shocked)


def _innovations(u: np.ndarray, df: float | None) -> np.ndarray:
    if df is None:
        return special.ndtri(u)
    return special.stdtrit(df, u) * math.sqrt((df - 2.0) / df)


def _reporter_log_ratio(s: Scenario, streams: PathStreams, n_years: int) -> np.ndarray:
    """Yearly ln(target reporter's figure / simulated figure): the path's mean plus independent yearly noise."""
    gap = s.trade.reporter_gap
    if gap is None or s.trade.measured_by == s.trade.reporter:
        return np.zeros(n_years)
    u = streams("trade.reporter_gap").random(2 + n_years)
    return _ppf(gap.mean, u[0]) + _ppf(gap.sd, u[1]) * special.ndtri(u[2:])


def _share(law: ShareLaw | None, streams: PathStreams, entity: str, n_years: int) -> ShareInputs:
    """A share law's per-path parameters and yearly unit innovations (layout: long run, persistence, sd, innovations)."""
    if law is None:
        return CONSTANT_SHARE
    u = streams(entity).random(3 + n_years)
    return ShareInputs(
        long_run_logit=float(special.logit(_ppf(law.long_run, u[0]))),
        persistence=_ppf(law.persistence, u[1]),
        sd=_ppf(law.sd, u[2]),
        innovations=special.ndtri(u[3:]),
    )


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
    n_years = len(s.years)
    streams = PathStreams(seed, path)
    structural = s.trade.structural
    # the growth law: of organic turnover (random walk) or of the country's total trade (structural)
    g = structural.total_growth if structural is not None else s.trade.growth
    assert g is not None
    u = streams("trade.structural.total_growth" if structural is not None else "trade.growth").random(3 + n_years)
    obs = s.trade.observed
    rest_dist = obs.rest_of_year_log_growth if obs is not None else None
    revision = (
        obs.revision_sd * float(special.ndtri(streams("trade.observed").random())) if obs is not None and obs.revision_sd > 0 else 0.0
    )

    shocks = _shocks(s, streams, n_years)
    capacity = _capacity(s, streams, shocks, n_years)

    p = s.pipeline
    sectors = list(p.sectors.items()) if p is not None else []
    coefficients = np.zeros((3, len(sectors)))  # construction import share, exports and imports per USD of capex
    for k, (name, sector) in enumerate(sectors):
        us = streams(f"sector:{name}").random(3)
        coefficients[:, k] = [
            _ppf(sector.construction_import_share, us[0]),
            _ppf(sector.exports_per_capex_per_year, us[1]),
            _ppf(sector.imports_per_capex_per_year, us[2]),
        ]

    if p is not None:
        generic = _generic_projects(s, streams, n_years)
    else:
        empty = np.empty(0)
        no = empty.astype(bool)
        generic = GenericProjects(empty, empty, empty.astype(np.int64), empty.astype(np.int64), empty, empty, no, no, np.empty((0, 2)))

    effects = np.array([_ppf(m.effect_usd_bn_per_year, streams(f"measure:{m.name}").random()) for m in s.measures])
    return PathInputs(
        path=path,
        growth_mean=_ppf(g.mean, u[0]),
        growth_sd=_ppf(g.sd, u[1]),
        innovations=_innovations(u[3:], g.df),
        partner_share=_share(structural.share if structural is not None else None, streams, "trade.structural.share", n_years),
        exports_share=_share(s.trade.exports_share, streams, "trade.exports_share", n_years),
        rest_of_year_z=float(special.ndtri(u[2])),
        rest_of_year_log_growth=_ppf(rest_dist, u[2]) if rest_dist is not None else math.nan,
        revision_log=revision,
        capacity_usd_bn=capacity,
        sector_import_share=coefficients[0],
        sector_exports_per_capex=coefficients[1],
        sector_imports_per_capex=coefficients[2],
        generic=generic,
        flagships=_flagships(s, streams, *coefficients),
        measure_effect_usd_bn=effects.reshape(len(s.measures)),
        shocks=shocks,
        reporter_log_ratio=_reporter_log_ratio(s, streams, n_years),
    )
