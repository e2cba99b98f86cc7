"""Organic trade by direction: the partner's share of the country's imports and of its exports less gold.

A law of organic trade (``[trade.laws.NAME]`` of kind ``by_direction``, whose ``directions`` table the
law's scenario holds as ``[trade.directions]``) that follows each flow on its own::

    O      = s_imp * W_imp + s_exp * (W_exp - G)
    W_imp, W_exp - G, G   the country's imports, exports less gold and gold, each a [trade.growth] law
    logit s_imp, s_exp    the partner's share of each, a share law (logit AR(1), or a walk)

The exports share of organic turnover is ``x = s_exp (W_exp - G) / O`` (the scenario's
``[trade.exports_share]`` is not used), the country's total trade ``W = W_imp + W_exp`` and the
partner's share of it ``s = O / W``. Both shares stay in (0, 1) (their logits are clipped as every
share law's), so ``O < W_imp + W_exp - G <= W`` on every path.

The base year: ``W_imp = imports_fraction * total_base_usd_bn``, gold ``gold_fraction`` of the exports
``W_exp = total_base_usd_bn - W_imp``; the partner's imports and exports are the scenario's base split
(``base_usd_bn``, ``base_exports_usd_bn``), so the shares start from what they leave, and a view of the
record (a new base year) moves them with it.

**A partly observed first year** fixes organic turnover ``O`` in that year (the level
:func:`sim.engine.organic.observed_first_year` gives), which one bilateral total cannot split between
the directions. The law honours it exactly this way: when the view holds the country's total trade over
some months, the three totals are scaled together to the year's total that figure implies (its
seasonal law, as the structural law does); then both bilateral flows are scaled by the same factor to
the observed ``O`` (the surprise goes to the partner's two shares in proportion, the path's split
between directions is the law's draw); where that would take a flow to more than
:data:`SHARE_CAP` of its total, the total is raised instead. Later years grow from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

from ..scenario import Scenario
from .organic import _LOGIT_LIMIT, Organic, _first_total, _share_step, _stack
from .sampling import DirectionInputs, GrowthInputs, PathInputs, ShareInputs

__all__ = ["SHARE_CAP", "direction_organic_sd", "direction_turnover", "direction_base"]

SHARE_CAP = 0.999
"""Most of a total the partner's flow may take when an observed first year is honoured (a share stays below 1)."""


def direction_base(s: Scenario) -> dict[str, float]:
    """The base year of the law by direction: the country's imports, exports less gold and gold, and the partner's two shares."""
    d, structural = s.trade.directions, s.trade.structural
    assert d is not None and structural is not None and structural.total_base_usd_bn is not None
    assert s.trade.base_usd_bn is not None and s.trade.base_exports_usd_bn is not None
    total = structural.total_base_usd_bn
    imports = d.imports_fraction * total
    gold = d.gold_fraction * (total - imports)
    nongold = total - imports - gold
    return {
        "imports": imports,
        "nongold": nongold,
        "gold": gold,
        "imports_share": (s.trade.base_usd_bn - s.trade.base_exports_usd_bn) / imports,
        "exports_share": s.trade.base_exports_usd_bn / nongold,
    }


def _directions(inputs: Sequence[PathInputs]) -> list[DirectionInputs]:
    out = [x.directions for x in inputs]
    assert all(d is not None for d in out), "the law by direction's draws are missing (the path's scenario has no [trade.directions])"
    return out  # type: ignore[return-value]


def _growth_paths(law_persistence: float, draws: Sequence[GrowthInputs], start: float, n: int) -> np.ndarray:
    """Log levels ``(paths, n)`` of a total under its growth law from ``start`` (AR(1) deviations, as the random-walk law)."""
    mu = np.array([g.mean for g in draws])
    sd = np.array([g.sd for g in draws])
    eps = np.stack([g.innovations for g in draws])
    phi = law_persistence
    out = np.empty((len(draws), n))
    dev = sd * eps[:, 0]
    log_level = math.log(start) + mu + dev
    out[:, 0] = log_level
    scale = sd * math.sqrt(1.0 - phi * phi)
    for k in range(1, n):
        dev = phi * dev + scale * eps[:, k]
        log_level = log_level + mu + dev
        out[:, k] = log_level
    return out


def _share_arrays(draws: Sequence[ShareInputs]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([x.long_run_logit for x in draws]),
        np.array([x.persistence for x in draws]),
        np.array([x.sd for x in draws]),
        np.array([x.drift for x in draws]),
        np.stack([x.innovations for x in draws]),
    )


def direction_turnover(s: Scenario, inputs: Sequence[PathInputs], first_year: np.ndarray | None = None) -> Organic:
    """Organic turnover of several paths under the law by direction, year by year (module docstring).

    Parameters
    ----------
    s : Scenario
        A scenario with ``[trade.directions]`` (a law of kind ``by_direction``).
    inputs : sequence of PathInputs
    first_year : ndarray, shape (paths,), optional
        The first year's organic level fixed by a partial observation (USD bn); None to draw it.

    Returns
    -------
    Organic
        Level, exports share, the country's total trade ``W`` and the partner's share ``O / W``.
    """
    d = s.trade.directions
    assert d is not None
    n, paths = len(s.years), len(inputs)
    draws = _directions(inputs)
    base = direction_base(s)
    log_m = _growth_paths(d.imports_growth.persistence, [x.imports for x in draws], base["imports"], n)
    log_x = _growth_paths(d.exports_growth.persistence, [x.exports for x in draws], base["nongold"], n)
    log_g = _growth_paths(d.gold_growth.persistence, [x.gold for x in draws], base["gold"], n) if base["gold"] > 0 else None
    shares = []
    for start, pick in ((base["imports_share"], lambda x: x.imports_share), (base["exports_share"], lambda x: x.exports_share)):
        zbar, rho, sd, drift, eta = _share_arrays([pick(x) for x in draws])
        z = np.full(paths, float(special.logit(start)))
        out = np.empty((paths, n))
        for k in range(n):
            z = _share_step(z, zbar, rho, sd, eta[:, k], drift)
            out[:, k] = z
        shares.append(out)
    z_m, z_x = shares
    imports, nongold = np.exp(log_m), np.exp(log_x)
    gold = np.exp(log_g) if log_g is not None else np.zeros((paths, n))
    s_m, s_x = special.expit(z_m), special.expit(z_x)
    if first_year is not None:
        _honour_first_year(s, inputs, first_year, imports, nongold, gold, s_m, s_x)
    with_m, with_x = s_m * imports, s_x * nongold  # imports from and exports to the partner
    level = with_m + with_x
    if first_year is not None:
        level[:, 0] = first_year  # exact (the flows were scaled to it): the observed part is measured against it
    total = imports + nongold + gold
    return Organic(level, with_x / level, total, level / total)


def _honour_first_year(
    s: Scenario,
    inputs: Sequence[PathInputs],
    first_year: np.ndarray,
    imports: np.ndarray,
    nongold: np.ndarray,
    gold: np.ndarray,
    s_m: np.ndarray,
    s_x: np.ndarray,
) -> None:
    """Year 0 set to the observed organic level (module docstring), in place; later years move with their year 0.

    Totals scaled in year 0 scale every later year by the same factor (their growth is from year 0), and a share
    moved in year 0 moves later years as its law carries a deviation: recomputed from the new start.
    """
    total0 = imports[:, 0] + nongold[:, 0] + gold[:, 0]
    if s.observation is not None and s.observation.total is not None:
        eps = _stack(inputs, lambda x: x.innovations[0])
        log_total, _, _ = _first_total(s, np.zeros(len(inputs)), np.zeros(len(inputs)), eps, True)
        factor = np.exp(log_total) / total0
        for a in (imports, nongold, gold):
            a *= factor[:, None]
    ratio = first_year / (s_m[:, 0] * imports[:, 0] + s_x[:, 0] * nongold[:, 0])
    draws = _directions(inputs)
    for share, whole, pick in (
        (s_m, imports, lambda x: x.imports_share),
        (s_x, nongold, lambda x: x.exports_share),
    ):
        flow = share[:, 0] * whole[:, 0] * ratio
        raised = np.maximum(whole[:, 0], flow / SHARE_CAP)
        whole *= (raised / whole[:, 0])[:, None]
        new0 = np.clip(special.logit(flow / raised), -_LOGIT_LIMIT, _LOGIT_LIMIT)
        # the share's law from the new start: the same innovations, its deviation carried by the persistence
        zbar, rho, sd, drift, eta = _share_arrays([pick(x) for x in draws])
        z = new0
        share[:, 0] = special.expit(z)
        for k in range(1, share.shape[1]):
            z = _share_step(z, zbar, rho, sd, eta[:, k], drift)
            share[:, k] = special.expit(z)


def direction_organic_sd(s: Scenario, inputs: Sequence[PathInputs]) -> np.ndarray:
    """Each path's sd of organic turnover's yearly log-growth under the law by direction, linearised at the base year.

    ``ln O`` moves by ``w_imp (dln W_imp + (1 - s_imp) dz_imp) + w_exp (dln X + (1 - s_exp) dz_exp)``, with
    ``w`` each direction's part of the base year's organic turnover: what the unobserved months of a partly
    observed first year grow by (:func:`sim.engine.organic.observed_first_year`), as the other laws' yearly sd.
    """
    base = direction_base(s)
    with_m, with_x = base["imports_share"] * base["imports"], base["exports_share"] * base["nongold"]
    w_m, w_x = with_m / (with_m + with_x), with_x / (with_m + with_x)
    draws = _directions(inputs)
    var_m = np.array([x.imports.sd**2 + ((1.0 - base["imports_share"]) * x.imports_share.sd) ** 2 for x in draws])
    var_x = np.array([x.exports.sd**2 + ((1.0 - base["exports_share"]) * x.exports_share.sd) ** 2 for x in draws])
    return np.sqrt(w_m * w_m * var_m + w_x * w_x * var_x)
