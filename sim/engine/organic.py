"""Organic trade: the two organic laws, the exports share, and a partly observed first year.

Organic turnover ``O`` (:func:`organic_turnover`) follows one of two laws:

* *random walk*: log-growth from the base-year value, AR(1) deviations around
  the path's mean (``[trade.growth]``);
* *structural*: the country's total trade with all partners ``W`` (its own
  growth law, ``[trade.structural.total_growth]``) times the partner's share
  ``s`` of it, which reverts to a long-run level on the logit scale
  (``[trade.structural.share]``). ``O = s W`` can never exceed ``W``.

A third law, by direction (``[trade.directions]``, a candidate law of kind ``by_direction``), is
:mod:`sim.engine.directions`; it reuses this module's share step and observed first year.

Its exports share ``x`` (``[trade.exports_share]``) is a share law whose
innovations may correlate with organic growth; constant without it.

**A partly observed first year** (:func:`observed_first_year`) fixes total
trade, all components, over its observed months to the published value (times
a drawn revision). The modelled flows of those months are known, so organic
trade there is what remains; the same months of the base year held ``value /
(1 + yoy_growth)`` (the published pair gives the seasonality), so organic
growth over the observed months follows, and the unobserved months grow from
the base year's remaining months by a drawn log-growth centred on it. Later
years grow from that organic level. A project that adds flows in the observed
months therefore explains part of the observed growth instead of adding to it.
Under the structural law the year's organic level is split between total trade
and the share by conditioning their joint normal law (linearised in the share)
on the observed level, and the share is then set exactly to ``O / W``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from scipy import special

from ..scenario import Scenario
from .sampling import LOGIT_LIMIT, PathInputs

__all__ = ["Organic", "observed_first_year", "organic_turnover"]

_U_CLIP = 8.0  # standardised organic innovations are clipped here before they move the exports share
_LOGIT_LIMIT = LOGIT_LIMIT  # share laws' logits stay within this, so that a share stays strictly inside (0, 1)
_RELINEARISE = 4  # Gauss-Newton steps of the observed year's split between total trade and the share


class Organic(NamedTuple):
    """Organic trade of several paths, each ``(paths, n_years)``.

    ``level``: organic turnover before the multiplier (USD bn), with year 0's
    observed months as observed; ``exports_share``: its exports share;
    ``total``/``share``: the country's total trade and the partner's share of it
    (structural law; NaN otherwise); ``observed``: organic turnover of year 0's
    observed months, shape ``(paths,)`` USD bn (None without an observation),
    set by :func:`sim.engine.trade.assemble_with_organic`; ``base_flows``: the
    modelled flows of the base year, shape ``(paths, 1, 3, 2)`` USD bn
    (construction, operations, measures by direction), also set there: what a
    counterfactual kept on this run's organic trade measures its flows against
    (attribution on levels).
    """

    level: np.ndarray
    exports_share: np.ndarray
    total: np.ndarray
    share: np.ndarray
    observed: np.ndarray | None = None
    base_flows: np.ndarray | None = None


def _stack(inputs: Sequence[PathInputs], pick: Callable[[PathInputs], float]) -> np.ndarray:
    """One drawn number of each path, shape ``(paths,)``."""
    return np.array([pick(x) for x in inputs], dtype=float)


def _share_step(
    z: np.ndarray, long_run: np.ndarray, persistence: np.ndarray, sd: np.ndarray, innovation: np.ndarray, drift: np.ndarray | float = 0.0
) -> np.ndarray:
    """One year of a logit share law: ``zbar + persistence (z - zbar) + drift + sd e``.

    The logit is kept within +/-30 (a share within 1e-13 of 0 or 1), so that the
    share stays strictly inside (0, 1) in floating point, however wide the law.
    """
    step = long_run + persistence * (z - long_run) + sd * innovation
    if np.any(drift):  # a law without drift adds nothing, to the bit
        step = step + drift
    return np.clip(step, -_LOGIT_LIMIT, _LOGIT_LIMIT)


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
        drift = _stack(inputs, lambda x: x.partner_share.drift)
        eta = np.stack([x.partner_share.innovations for x in inputs])
        log_w0 = math.log(structural.total_base_usd_bn)
        z_mean = _share_step(math.log(base / (structural.total_base_usd_bn - base)), zbar, rho, 0.0, 0.0, drift)
        slope = 1.0 - special.expit(z_mean)  # d ln(share) / d logit(share) at the prior mean
        spread = np.sqrt(sd * sd + (slope * sd_z) ** 2)  # sd of ln(organic) in the first year, linearised
        a, prior_mean, prior_sd = _first_total(s, log_w0 + mu, sd, eps[:, 0], first_year is not None)
        z = np.clip(z_mean + sd_z * eta[:, 0], -_LOGIT_LIMIT, _LOGIT_LIMIT)
        centre = prior_mean + np.log(special.expit(z_mean))
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
                variance = prior_sd * prior_sd + (slope * sd_z) ** 2
                gain = np.divide(slope * sd_z * sd_z, variance, out=np.zeros(paths), where=variance > 0)
                expected = prior_mean + np.log(special.expit(around)) + slope * (z_mean - around)
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
                z = _share_step(z, zbar, rho, sd_z, eta[:, k], drift)
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
    ze_drift = _stack(inputs, lambda x: x.exports_share.drift)
    ze = np.full(paths, float(special.logit(s.trade.base_exports_usd_bn / base)))
    exports_share = np.empty((paths, n))
    if law is None:
        exports_share[:] = special.expit(ze)[:, None]
        return Organic(level, exports_share, total, share)
    own = np.stack([x.exports_share.innovations for x in inputs])
    mixed = correlation * np.clip(u, -_U_CLIP, _U_CLIP) + math.sqrt(1.0 - correlation * correlation) * own
    for k in range(n):
        ze = _share_step(ze, ze_bar, ze_rho, ze_sd, mixed[:, k], ze_drift)
        exports_share[:, k] = special.expit(ze)
    return Organic(level, exports_share, total, share)


def _first_total(
    s: Scenario, mean: np.ndarray, sd: np.ndarray, eps: np.ndarray, observed: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first year's log total trade per path, with the mean and sd of its law, each ``(paths,)``.

    From the total growth law, unless the first year is observed and the view holds the country's
    total over some of its months: then from that figure and its seasonal law (the path's draw
    ``eps`` mapped to the law's Student-t), with the law's linearised log sd.
    """
    total = s.observation.total if observed and s.observation is not None else None
    if total is None:
        return mean + sd * eps, mean, sd
    log_value = math.log(total.value_usd_bn)
    if total.months >= 12:
        known = np.full_like(eps, log_value)
        return known, known, np.zeros_like(eps)
    law = total.seasonal
    centre = log_value - math.log(special.expit(special.logit(total.months / 12.0) + law.offset))
    drawn = log_value - np.log(special.expit(law.logit_share(total.months, eps)))
    return drawn, np.full_like(eps, centre), np.full_like(eps, law.full_year_log_sd(total.months))


def observed_first_year(
    s: Scenario, inputs: Sequence[PathInputs], flows_observed: np.ndarray, organic_sd: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The first year's organic level and its observed part, each ``(paths,)`` USD bn.

    ``flows_observed`` is the change of all modelled flows (projects and measures,
    both directions) over the observed months, per path; ``organic_sd`` the yearly sd of
    organic log-growth when the law gives its own (by direction), else the growth law's.
    """
    obs = s.observation
    assert obs is not None
    revision = np.exp(_stack(inputs, lambda x: x.revision_log))
    # organic trade is what the observed total leaves once the modelled flows are known (kept above 1% of it:
    # a scenario whose flows alone exceed its observation contradicts it)
    total = obs.value_usd_bn * revision
    observed_part = np.maximum(total - flows_observed, 0.01 * total)
    if obs.seasonal is not None:
        # a view from the record: the year's organic level is the observed months' over the drawn seasonal share
        if obs.months >= 12:
            return observed_part, observed_part
        logit_share = obs.seasonal.logit_share(obs.months, _stack(inputs, lambda x: x.rest_of_year_z))
        return observed_part * (1.0 + np.exp(-logit_share)), observed_part
    same_months = obs.base_same_months_usd_bn
    given = _stack(inputs, lambda x: x.rest_of_year_log_growth)
    z = _stack(inputs, lambda x: x.rest_of_year_z)
    sd = _stack(inputs, lambda x: x.growth_sd)
    if organic_sd is not None:
        sd = organic_sd
    elif s.trade.structural is not None:
        base_share = s.trade.base_usd_bn / s.trade.structural.total_base_usd_bn
        sd = np.sqrt(sd * sd + ((1.0 - base_share) * _stack(inputs, lambda x: x.partner_share.sd)) ** 2)
    rest_growth = np.where(np.isnan(given), np.log(observed_part / same_months) + sd * z, given)
    rest = (s.trade.base_usd_bn - same_months) * np.exp(rest_growth)
    return observed_part + rest, observed_part
