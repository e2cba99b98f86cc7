"""The portfolio's random inputs for a batch of paths: generic projects, named projects and lenders' capacity.

Each path draws its uniforms from its own streams (:class:`~sim.engine.streams.PathStreams`),
in a fixed layout per entity; the quantile functions then run once over the
batch (:func:`~sim.engine.streams.ppf_each`), which gives every path exactly the
values it would have alone: a path's inputs never depend on the paths it is
drawn with (tested), so runs split over any number of workers agree bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..distributions import Distribution, Fixed, Uniform
from ..scenario import Pipeline, Scenario
from .streams import PathStreams, ppf_each, uniforms

__all__ = [
    "STAGE_CODES",
    "FlagshipInputs",
    "GenericProjects",
    "capacity_draws",
    "flagship_draws",
    "flow_scale_draws",
    "generic_draws",
    "sector_draws",
]

STAGE_CODES = {"operating": 0, "construction": 1, "awaiting_finance": 2}
"""Integer codes of the project stages in :class:`FlagshipInputs`."""


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
    :data:`STAGE_CODES`; ``financier`` is -1 where none is given; ``own_finance``
    marks projects awaiting finance that their own company finances (no lender).
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
    own_finance: np.ndarray


def _pick(weights: dict[str, float], names: list[str], u: np.ndarray) -> np.ndarray:
    """Index into ``names`` chosen by cumulative ``weights`` (by name) at uniforms ``u``."""
    if u.size == 0:
        return np.empty(0, dtype=np.int64)
    cum = _cumulative_shares(tuple(weights.get(n, 0.0) for n in names))
    if cum.size > _FEW_CHOICES:
        return np.minimum(np.searchsorted(cum, u, side="right"), len(names) - 1)
    # searchsorted's count of edges at or below u, one comparison an edge: several times faster for a few edges
    index = (u >= cum[0]).astype(np.int64)
    for edge in cum[1:].tolist():
        index += u >= edge
    return np.minimum(index, len(names) - 1)


_FEW_CHOICES = 16
"""Up to this many choices, :func:`_pick` compares each uniform with every edge instead of a binary search."""


@lru_cache(maxsize=64)
def _cumulative_shares(weights: tuple[float, ...]) -> np.ndarray:
    """Running totals of ``weights`` as shares of their sum (the same for every path of a scenario: kept)."""
    w = np.array(weights, dtype=float)
    return np.cumsum(w / w.sum())


# Columns of one generic-project row; the layout is part of the reproducibility contract.
_GENERIC_COLUMNS = ("gap", "cancel", "capex", "sector", "financier", "build", "delay_flag", "delay_len")
_C = {name: i for i, name in enumerate(_GENERIC_COLUMNS)}


def _rows_until(
    rng: np.random.Generator, value: Callable[[np.ndarray], np.ndarray], enough: Callable[[np.ndarray], bool], first_guess: int
) -> tuple[np.ndarray, np.ndarray]:
    """Draw rows of uniforms until ``enough(value(rows))``: the rows and their values (kept: computed once a draw).

    Row ``k`` never depends on the batch size.
    """
    rows = rng.random((max(first_guess, 1), len(_GENERIC_COLUMNS)))
    values = value(rows)
    while not enough(values):
        rows = np.vstack([rows, rng.random((max(rows.shape[0], 16), len(_GENERIC_COLUMNS)))])
        values = value(rows)
    return rows, values


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

    def gaps(rows: np.ndarray) -> np.ndarray:  # unit-rate exponential gaps between arrivals
        return -np.log1p(-rows[:, _C["gap"]])

    rows, gap = _rows_until(rng, gaps, lambda v: float(v.sum()) > total, int(total + 6 * math.sqrt(total) + 10))
    lam = np.cumsum(gap)
    n = int(np.searchsorted(lam, total, side="left"))
    lam, rows = lam[:n], rows[:n]
    times = -W + lam / L if g == 0 else np.log(math.exp(-g * W) + g * lam / L) / g
    return times, rows


def _generic_rows(s: Scenario, streams: PathStreams, n_years: int, median_capex: float) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """One path's generic projects as uniforms: request times and rows of :data:`_GENERIC_COLUMNS` in parts (backlog, then
    launches: the batch joins every path's parts in one copy), and how many are backlog; ``median_capex`` is the
    pipeline's median capex (the first guess of the backlog's size)."""
    p = s.pipeline
    assert p is not None and s.portfolio is not None
    horizon = float(n_years)
    if p.last_launch_year is not None:  # launches end with that year; arrival k keeps its draws, so earlier ones are the same
        horizon = min(horizon, max(float(p.last_launch_year - s.trade.base_year), -float(p.warmup_years)))
    times, rows = _pipeline_arrival_times(p, horizon, streams("pipeline"))

    backlog_total = s.portfolio.backlog.capex_usd_bn if s.portfolio.backlog else 0.0
    if backlog_total > 0:
        brows, size = _rows_until(
            streams("portfolio.backlog"),
            lambda r: p.capex_usd_bn.ppf(r[:, _C["capex"]]),
            lambda v: float(v.sum()) >= backlog_total,
            int(1.5 * backlog_total / max(median_capex, 1e-9)) + 8,
        )
        # projects are taken while the running total is below the backlog; the last one crosses it
        m = int(np.searchsorted(np.cumsum(size), backlog_total, side="left")) + 1
        brows = brows[:m]
        # a backlog project has no launch gap: that uniform draws when it asks for finance
        asks = s.portfolio.backlog.request_years.ppf(brows[:, _C["gap"]])  # type: ignore[union-attr]
        return [np.broadcast_to(asks, (m,)).astype(float), times], [brows, rows], m
    return [times], [rows], 0


def generic_draws(s: Scenario, streams: Sequence[PathStreams], n_years: int) -> list[GenericProjects]:
    """The generic projects (backlog, then launches) of each path of a batch.

    Parameters
    ----------
    s : Scenario
        With a pipeline and a portfolio.
    streams : sequence of PathStreams
        One per path, in batch order.
    n_years : int
        Simulated years (launches stop at the horizon, or after ``pipeline.last_launch_year``).

    Returns
    -------
    list of GenericProjects
        One per path; arrays of shape ``(m,)`` (``m`` varies by path), capex in USD bn, times in years from the start.
    """
    p, portfolio = s.pipeline, s.portfolio
    if p is None or portfolio is None:
        empty, no = np.empty(0), np.empty(0, dtype=bool)
        none = np.empty(0, dtype=np.int64)
        return [GenericProjects(empty, empty, none, none, empty, empty, no, no, np.empty((0, 2)))] * len(streams)  # empty: shared
    median_capex = float(p.capex_usd_bn.ppf(np.asarray(0.5)))
    drawn = [_generic_rows(s, st, n_years, median_capex) for st in streams]
    sizes = np.array([sum(part.size for part in times) for times, _, _ in drawn])
    n_backlog = np.array([nb for _, _, nb in drawn])
    times = np.concatenate([part for t, _, _ in drawn for part in t])
    rows = np.concatenate([part for _, r, _ in drawn for part in r])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    backlog = np.arange(times.size) - np.repeat(offsets[:-1], sizes) < np.repeat(n_backlog, sizes)

    delayed = rows[:, _C["delay_flag"]] < p.delay_probability
    cancel = np.full(times.size, p.cancel_probability)
    if portfolio.backlog is not None and portfolio.backlog.capex_usd_bn > 0 and portfolio.backlog.cancel_probability is not None:
        cancel[backlog] = portfolio.backlog.cancel_probability
    sector = _pick(p.sector_mix, list(p.sectors), rows[:, _C["sector"]])
    cancelled = rows[:, _C["cancel"]] < cancel
    capex = ppf_each(p.capex_usd_bn, rows[:, _C["capex"]], sizes)
    financier = _pick(p.financier_mix, list(portfolio.financiers), rows[:, _C["financier"]])
    build = ppf_each(p.build_years, rows[:, _C["build"]], sizes)
    delay = np.where(delayed, ppf_each(p.delay_years, rows[:, _C["delay_len"]], sizes), 0.0)
    patience = _generic_patience(p, streams, sector, sizes, n_backlog, (times >= 0) & ~cancelled)
    out = []
    for i in range(len(streams)):
        a, b = offsets[i], offsets[i + 1]
        out.append(
            GenericProjects(
                request_time=times[a:b],
                capex_usd_bn=capex[a:b],
                sector=sector[a:b],
                financier=financier[a:b],
                build_years=build[a:b],
                delay_years=delay[a:b],
                cancelled=cancelled[a:b],
                backlog=backlog[a:b],
                patience_years=patience[a:b],
            )
        )
    return out


def _generic_patience(
    p: Pipeline, streams: Sequence[PathStreams], sector: np.ndarray, sizes: np.ndarray, n_backlog: np.ndarray, asking: np.ndarray
) -> np.ndarray:
    """Patience of each generic project of the batch at its lender and at the fallback, shape ``(m, 2)``, years (inf: for ever).

    Uniforms come from streams of their own, one row per project (backlog,
    then launches, each in its order), so a scenario without patience keeps
    every other draw, and a launch keeps its patience when the launch rate
    changes. Only projects that ask for finance (``asking``) need one.
    """
    laws = tuple(sec.patience_years for sec in p.sectors.values())
    if all(law is None for law in laws):
        return np.full((sector.size, 2), math.inf)
    u = np.empty((sector.size, 2))
    first = 0
    for st, m, nb in zip(streams, sizes.tolist(), n_backlog.tolist(), strict=True):
        st("portfolio.backlog.patience").random(out=u[first : first + nb])
        st("pipeline.patience").random(out=u[first + nb : first + m])
        first += m
    affine = _affine_patience(laws)
    if affine is not None:
        low, width = affine
        # low + u * width in place (u is not needed after; a sum is the same either way round); gathered, then a new axis
        # ([sector, None] is slower)
        out = u
        out *= width[sector][:, None]
        out += low[sector][:, None]
    else:
        out = np.full((sector.size, 2), math.inf)
        path = np.repeat(np.arange(sizes.size), sizes)
        for k, law in enumerate(laws):
            if law is not None:
                mine = sector == k
                # each path's values as its own (values of the sector, 2) array gives them
                out[mine] = ppf_each(law, u[mine].reshape(-1), 2 * np.bincount(path[mine], minlength=sizes.size)).reshape(-1, 2)
    out[np.flatnonzero(~asking)] = math.inf  # rows by index: a mask on a 2-d array is slower
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


def sector_draws(s: Scenario, streams: Sequence[PathStreams]) -> np.ndarray:
    """Each path's sector coefficients, shape ``(paths, 3, n_sectors)``: construction import share, and exports and imports
    per USD of capex a year."""
    sectors = s.pipeline.sectors if s.pipeline is not None else {}
    out = np.zeros((len(streams), 3, len(sectors)))
    for k, (name, sector) in enumerate(sectors.items()):
        u = uniforms(streams, f"sector:{name}", 3)
        for c, law in enumerate((sector.construction_import_share, sector.exports_per_capex_per_year, sector.imports_per_capex_per_year)):
            out[:, c, k] = ppf_each(law, u[:, c])
    return out


def flow_scale_draws(s: Scenario, streams: Sequence[PathStreams]) -> np.ndarray | None:
    """Each path's scale factors on the projects' coefficients, shape ``(paths, 3)`` in the order of :func:`sector_draws`
    (construction import share, exports, imports per USD of capex); None without ``[pipeline.flow_scale]``.

    Three uniforms a path from a stream of their own (``pipeline.flow_scale``): a scenario without the table
    draws nothing from it, and every other draw is the same with or without it.
    """
    fs = s.pipeline.flow_scale if s.pipeline is not None else None
    if fs is None:
        return None
    u = uniforms(streams, "pipeline.flow_scale", 3)
    laws = (fs.construction_imports, fs.exports, fs.imports)
    return np.stack([ppf_each(law, u[:, c]) for c, law in enumerate(laws)], axis=1)


def scaled(coefficients: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """Coefficients ``(paths, 3, k)`` times each path's scale factors ``(paths, 3)``; a construction share capped at 1."""
    if scale is None:
        return coefficients
    out = coefficients * scale[:, :, None]
    out[:, 0] = np.minimum(out[:, 0], 1.0)
    return out


def flagship_draws(
    s: Scenario, streams: Sequence[PathStreams], coefficients: np.ndarray, scale: np.ndarray | None = None
) -> list[FlagshipInputs]:
    """The named projects of each path of a batch.

    Parameters
    ----------
    s : Scenario
    streams : sequence of PathStreams
        One per path, in batch order.
    coefficients : ndarray, shape (paths, 3, n_sectors)
        The paths' sector draws (construction import share, exports and imports per USD of capex a year),
        already scaled: a project without its own value takes its sector's.
    scale : ndarray, shape (paths, 3), optional
        The paths' :func:`flow_scale_draws`, applied to a project's own values.

    Returns
    -------
    list of FlagshipInputs
        One per path, each array of shape ``(f,)`` in file order.
    """
    p = s.pipeline
    projects = p.projects if p is not None else []
    n, f = len(streams), len(projects)
    out = {
        k: np.zeros((n, f)) for k in ("capex", "start", "end", "request", "build", "share", "exports", "imports", "ramp", "level", "growth")
    }
    stage = np.zeros(f, dtype=np.int64)
    financier = np.full(f, -1, dtype=np.int64)
    own_finance = np.array([proj.own_finance and proj.stage == "awaiting_finance" for proj in projects], dtype=bool)
    patience = np.full((n, f, 2), math.inf)
    cancelled = np.zeros((n, f), dtype=bool)
    financier_names = list(s.portfolio.financiers) if s.portfolio else []
    sector_names = list(p.sectors) if p is not None else []
    t0 = float(s.start_year)

    def value(d: Distribution, u: np.ndarray) -> np.ndarray | float:
        return d.value if d.is_fixed else ppf_each(d, u)  # type: ignore[attr-defined]  # a fixed value broadcasts

    def own_or(d: Distribution | None, u: np.ndarray, default: np.ndarray) -> np.ndarray | float:
        return default if d is None else value(d, u)

    for j, proj in enumerate(projects):
        # fixed layout of uniforms: capex, timing, delay flag, delay length, cancel, share, exports, level, growth, imports,
        # patience at the financier, patience at its fallback
        u = uniforms(streams, f"project:{proj.name}", 12)
        sec = sector_names.index(proj.sector)
        sector = p.sectors[proj.sector]  # type: ignore[union-attr]
        stage[j] = STAGE_CODES[proj.stage]
        financier[j] = financier_names.index(proj.financier) if proj.financier else -1
        out["capex"][:, j] = value(proj.capex_usd_bn, u[:, 0])
        delay = np.where(u[:, 2] < proj.delay_probability, value(proj.delay_years, u[:, 3]), 0.0)
        if proj.stage == "awaiting_finance":
            out["request"][:, j] = (proj.finance_request_year - t0) if proj.finance_request_year is not None else 0.0
            out["build"][:, j] = value(proj.build_years, u[:, 1]) + delay  # type: ignore[arg-type]
            out["start"][:, j] = out["end"][:, j] = math.inf
            if proj.patience_years is not None:
                patience[:, j] = value(proj.patience_years, u[:, 10:12])
        else:
            out["start"][:, j] = proj.construction_start - t0  # type: ignore[operator]
            completion = value(proj.completion_year, u[:, 1]) - t0  # type: ignore[arg-type]
            out["end"][:, j] = completion + (delay if proj.stage == "construction" else 0.0)
            out["request"][:, j] = math.nan
        cancelled[:, j] = u[:, 4] < proj.cancel_probability
        out["share"][:, j] = own_or(proj.construction_import_share, u[:, 5], coefficients[:, 0, sec])
        out["exports"][:, j] = own_or(proj.exports_per_capex_per_year, u[:, 6], coefficients[:, 1, sec])
        out["imports"][:, j] = own_or(proj.imports_per_capex_per_year, u[:, 9], coefficients[:, 2, sec])
        if scale is not None:  # a project's own values take the path's factors too (the sector's have them already)
            for c, (key, own) in enumerate(
                (
                    ("share", proj.construction_import_share),
                    ("exports", proj.exports_per_capex_per_year),
                    ("imports", proj.imports_per_capex_per_year),
                )
            ):
                if own is not None:
                    out[key][:, j] *= scale[:, c]
            out["share"][:, j] = np.minimum(out["share"][:, j], 1.0)
        out["ramp"][:, j] = proj.ramp_up_years if proj.ramp_up_years is not None else sector.ramp_up_years
        out["level"][:, j] = value(proj.trade_level_uplift, u[:, 7])
        out["growth"][:, j] = value(proj.trade_growth_uplift, u[:, 8])
    # without named projects every path's arrays are empty: one FlagshipInputs, shared (an empty array cannot change)
    made = [
        FlagshipInputs(
            stage=stage.copy(),
            financier=financier.copy(),
            capex_usd_bn=out["capex"][i],
            start_time=out["start"][i],
            end_time=out["end"][i],
            request_time=out["request"][i],
            build_years=out["build"][i],
            patience_years=patience[i],
            cancelled=cancelled[i],
            import_share=out["share"][i],
            exports_per_capex=out["exports"][i],
            imports_per_capex=out["imports"][i],
            ramp_up_years=out["ramp"][i],
            level_uplift=out["level"][i],
            growth_uplift=out["growth"][i],
            own_finance=own_finance.copy(),
        )
        for i in range(n if f else min(n, 1))
    ]
    return made if f else made * n


def capacity_draws(s: Scenario, streams: Sequence[PathStreams], n_years: int) -> np.ndarray:
    """Each lender's drawn capacity for each year, before trend and shocks, shape ``(paths, n_financiers, n_years)``, USD bn."""
    financiers = list(s.portfolio.financiers.items()) if s.portfolio else []
    drawn = np.zeros((len(streams), len(financiers), n_years))
    for k, (name, fin) in enumerate(financiers):
        u = uniforms(streams, f"financier:{name}", n_years)
        drawn[:, k] = ppf_each(fin.capacity_usd_bn_per_year, u)
    return drawn
