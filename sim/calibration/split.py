"""Bilateral turnover and its split into exports and imports, fitted jointly.

The two organic laws of exports and imports are parametrised as log turnover
``y_t`` and the logit of the exports share ``z_t`` (exports over exports plus
imports)::

    y_t = y_{t-1} + mean + sd * e1_t                              random walk with drift
    z_t = zbar + phi * (z_{t-1} - zbar) + share_sd * e2_t          share law (sim.calibration.shares)
    (e1_t, e2_t) iid bivariate standard normal with correlation rho

Exports are ``expit(z) * exp(y)``, imports the rest. The scenario carries the
share law and ``rho`` as ``[trade.exports_share]`` (:meth:`TurnoverSplitFit.exports_share_law`);
the turnover law itself is ``[trade.growth]``.

Likelihood (:func:`turnover_split_loglik`)
------------------------------------------
Turnover is observed in its years, the exports share only where the split is
published. A year with turnover and no split still informs the fit (the split
is missing, not zero): the likelihood is the exact Gaussian likelihood of all
observed components, computed by a Kalman filter on the state ``(y_t, z_t)``
over every calendar year from the first turnover year, each year updating on
whichever components are observed (none, one or both; the observations are
exact, without measurement noise). The filter starts at the first turnover
year **conditional on the values observed there**: ``y`` at its observed
value, ``z`` at its observed value when the split is published that year,
otherwise from its stationary law ``N(zbar, share_sd**2 / (1 - phi**2))``
(independent of the level of ``y``, a random walk without a stationary law).

Fit (:func:`fit_turnover_split`)
--------------------------------
Maximum likelihood in ``(mean, ln sd, zbar, atanh phi, ln share_sd, atanh rho)``
with ``phi`` and ``rho`` on (-0.99, 0.99) (:mod:`sim.calibration.estimation`). The turnover
``mean`` and ``sd`` come out close to, not equal to, the normal random walk of
:func:`sim.calibration.fit_growth` on the same series. Log turnover does not
depend on the share, so the joint likelihood is the random walk's likelihood
of turnover times the likelihood of the shares given turnover; when
``rho != 0`` the latter depends on the turnover innovations of the years with
a published split (a surprise in turnover predicts one in the share), so the
split years add information on ``mean`` and ``sd`` through ``rho``. On the
shipped data the two fits differ by less than 1e-4 (the share's own
parameters absorb most of that pull); ``fit_growth`` may also choose another
law than the normal one by AICc.

Where to make a change
----------------------
* The joint likelihood: :func:`_kalman_loglik`; bounds and starts: ``_BOUNDS``, :func:`_starts`.
* The ``[trade.exports_share]`` block: :meth:`TurnoverSplitFit.block`; the share law's part
  of it is shared with :mod:`sim.calibration.shares`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..errors import UsageError
from .blocks import SD_MAX, se_text, significant, toml_block, year_ranges
from .estimation import ATANH_MAX, hessian_standard_errors, maximise_loglik
from .series import MIN_OBSERVATIONS, check_series
from .shares import LAW_NOTE, SHARE_SD_MAX, ShareFit, check_shares, persistence_check_lines

__all__ = ["MIN_SPLIT_YEARS", "TurnoverSplitFit", "turnover_split_loglik", "fit_turnover_split"]

MIN_SPLIT_YEARS = 4
"""Fewest years with a published split a joint fit accepts."""

# mean, ln sd, zbar, atanh phi, ln share_sd, atanh rho
_BOUNDS = [
    (-5.0, 5.0),
    (math.log(1e-4), math.log(SD_MAX)),
    (-15.0, 15.0),
    (-ATANH_MAX, ATANH_MAX),
    (math.log(1e-4), math.log(SHARE_SD_MAX)),
    (-ATANH_MAX, ATANH_MAX),
]
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class _Observed:
    """Log turnover ``y`` and exports-share logit ``z`` in every calendar year from the first turnover year (NaN: not observed)."""

    years: np.ndarray
    y: np.ndarray
    z: np.ndarray


def _observed(turnover_years: ArrayLike, turnover: ArrayLike, split_years: ArrayLike, exports_share: ArrayLike) -> _Observed:
    """The checked series on the calendar grid from the first turnover year (NaN where not observed)."""
    ty, tv = check_series(turnover_years, turnover)
    sy, ss = check_shares(split_years, exports_share)
    if ty.size == 0:
        raise UsageError("the joint fit needs turnover in at least one year")
    if sy.size and sy[0] < ty[0]:
        raise UsageError(f"the split is published in {sy[0]}, before the first turnover year {ty[0]}; drop those years")
    years = np.arange(ty[0], max(ty[-1], sy[-1] if sy.size else ty[-1]) + 1)
    y = np.full(years.size, math.nan)
    z = np.full(years.size, math.nan)
    y[ty - ty[0]] = np.log(tv)
    z[sy - ty[0]] = special.logit(ss)
    return _Observed(years, y, z)


def _kalman_loglik(obs: _Observed, mean: float, sd: float, zbar: float, phi: float, share_sd: float, rho: float) -> float:
    """Exact Gaussian log-likelihood of the observed components, by a Kalman filter on ``(y, z)`` (see the module notes)."""
    q11, q22, q12 = sd * sd, share_sd * share_sd, rho * sd * share_sd
    y, z = obs.y.tolist(), obs.z.tolist()
    m1, p11, p12 = y[0], 0.0, 0.0
    m2, p22 = (z[0], 0.0) if not math.isnan(z[0]) else (zbar, q22 / (1.0 - phi * phi))
    ll = 0.0
    for a, b in zip(y[1:], z[1:], strict=True):
        m1, m2 = m1 + mean, zbar + phi * (m2 - zbar)
        p11, p12, p22 = p11 + q11, phi * p12 + q12, phi * phi * p22 + q22
        has_a, has_b = not math.isnan(a), not math.isnan(b)
        if has_a and has_b:
            det = p11 * p22 - p12 * p12
            if not det > 0:
                return -math.inf
            v1, v2 = a - m1, b - m2
            ll -= _LOG_2PI + 0.5 * math.log(det) + 0.5 * (p22 * v1 * v1 - 2.0 * p12 * v1 * v2 + p11 * v2 * v2) / det
            m1, m2, p11, p12, p22 = a, b, 0.0, 0.0, 0.0
        elif has_a:
            v = a - m1
            ll -= 0.5 * (_LOG_2PI + math.log(p11) + v * v / p11)
            gain = p12 / p11
            m1, m2, p22, p11, p12 = a, m2 + gain * v, max(p22 - gain * p12, 0.0), 0.0, 0.0
        elif has_b:
            if not p22 > 0:
                return -math.inf
            v = b - m2
            ll -= 0.5 * (_LOG_2PI + math.log(p22) + v * v / p22)
            gain = p12 / p22
            m1, m2, p11, p22, p12 = m1 + gain * v, b, max(p11 - gain * p12, 0.0), 0.0, 0.0
    return ll


def turnover_split_loglik(
    turnover_years: ArrayLike,
    turnover: ArrayLike,
    split_years: ArrayLike,
    exports_share: ArrayLike,
    mean: float,
    sd: float,
    long_run: float,
    persistence: float,
    share_sd: float,
    correlation: float,
) -> float:
    """Exact Gaussian log-likelihood of turnover and the published exports shares (see the module notes).

    Parameters
    ----------
    turnover_years, turnover : array-like, shape (n,)
        Years (strictly increasing, gaps allowed) and bilateral turnover, USD bn.
    split_years, exports_share : array-like, shape (m,)
        Years with a published split (none before the first turnover year) and
        the exports share of turnover in them, in (0, 1).
    mean, sd : float
        Drift and yearly sd of log turnover, log points a year.
    long_run : float
        ``expit(zbar)``, the long-run exports share.
    persistence : float
        ``phi`` in (-1, 1).
    share_sd : float
        Yearly sd of the exports-share logit innovations, > 0.
    correlation : float
        ``rho`` in (-1, 1), between the two innovations of a year.

    Returns
    -------
    float
        Log density of every observed component after the first turnover
        year (log turnover, and the share logit where published), conditional
        on the values observed in the first turnover year; a share not
        published in that year starts from its stationary law.
    """
    obs = _observed(turnover_years, turnover, split_years, exports_share)
    return _kalman_loglik(obs, mean, sd, float(special.logit(long_run)), persistence, share_sd, correlation)


@dataclass(frozen=True)
class TurnoverSplitFit:
    """The jointly fitted law of bilateral turnover and its exports share.

    Attributes
    ----------
    mean, mean_se : float
        Drift of log turnover (log points a year) and its standard error.
    sd, log_sd_se : float
        Yearly sd of log turnover and the standard error of ``ln sd``.
    share : ShareFit
        The exports share's law (its ``loglik`` is the joint one, its
        ``years``/``shares`` the published splits).
    correlation, atanh_correlation_se : float
        ``rho`` and the standard error of ``atanh(rho)`` (NaN when not identified).
    loglik : float
        Maximised joint log-likelihood.
    turnover_years : tuple of int
        Years with turnover.
    source : str
        Description of the data.
    """

    mean: float
    mean_se: float
    sd: float
    log_sd_se: float
    share: ShareFit
    correlation: float
    atanh_correlation_se: float
    loglik: float
    turnover_years: tuple[int, ...]
    source: str = "given series"

    @property
    def correlation_se(self) -> float:
        """Standard error of ``rho`` (delta method)."""
        return (1.0 - self.correlation**2) * self.atanh_correlation_se

    def exports_share_law(self) -> dict[str, Any]:
        """The ``[trade.exports_share]`` table: the share law (:meth:`ShareFit.law`) and ``correlation``, the estimate as a number."""
        return {**self.share.law(), "correlation": significant(min(max(self.correlation, -1.0), 1.0))}

    def block(self) -> str:
        """A TOML ``[trade.exports_share]`` block with comments naming the data, estimates and standard errors."""
        s = self.share
        pairs = ", ".join(f"{y}: {v:.4f}" for y, v in zip(s.years, s.shares, strict=True))
        lines = [
            "# Exports share of bilateral turnover (logit AR(1)) and its correlation with turnover growth, fitted jointly",
            "# with log turnover (random walk with drift) by sim.calibration.fit_turnover_split (exact likelihood, Kalman filter).",
            f"# Source: {self.source}.",
            f"# Turnover years: {year_ranges(self.turnover_years)}; split published in {year_ranges(s.years)} ({pairs}).",
            f"# Turnover (standard error): mean {self.mean:.4f} ({se_text(self.mean_se)}), sd {self.sd:.4f} ({se_text(self.sd * self.log_sd_se)})"
            " log points a year.",
            s.estimates_line(),
            f"# Correlation of the share's logit innovation with the turnover innovation: {self.correlation:.3f} ({se_text(self.correlation_se)}).",
            LAW_NOTE,
            *persistence_check_lines(s),
            "# correlation: the estimate, a plain number.",
        ]
        return toml_block(lines, "trade.exports_share", self.exports_share_law())

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the estimates and standard errors."""
        return {
            "mean": self.mean,
            "mean_se": self.mean_se,
            "sd": self.sd,
            "sd_se": self.sd * self.log_sd_se,
            "exports_share": self.share.to_json(),
            "correlation": self.correlation,
            "correlation_se": self.correlation_se,
            "loglik": self.loglik,
            "turnover_years": list(self.turnover_years),
            "source": self.source,
        }


def _starts(obs: _Observed) -> list[np.ndarray]:
    """Starting points of the joint fit: moments of turnover growth and of the share's logit, over a grid of ``phi`` and ``rho``."""
    seen = ~np.isnan(obs.y)
    ty, ly = obs.years[seen], obs.y[seen]
    mean0 = float((ly[-1] - ly[0]) / (ty[-1] - ty[0]))
    k = np.diff(ty)
    log_sd0 = math.log(min(max(float(np.std((np.diff(ly) - mean0 * k) / np.sqrt(k))), 1e-2), 1.0))
    z = obs.z[~np.isnan(obs.z)]
    zbar0, log_share_sd0 = float(z.mean()), math.log(min(max(float(z.std()), 1e-2), 1.0))
    return [
        np.array([mean0, log_sd0, zbar0, math.atanh(phi), log_share_sd0, math.atanh(rho)]) for phi in (0.2, 0.8) for rho in (-0.5, 0.0, 0.5)
    ]


def fit_turnover_split(
    turnover_years: ArrayLike,
    turnover: ArrayLike,
    split_years: ArrayLike,
    exports_share: ArrayLike,
    *,
    source: str = "given series",
) -> TurnoverSplitFit:
    """Fit turnover and its exports share jointly by maximum likelihood (see the module notes).

    Parameters
    ----------
    turnover_years, turnover : array-like, shape (n,)
        Years with bilateral turnover and its values, USD bn (the reporter's
        figures of the history CSV); at least :data:`sim.calibration.MIN_OBSERVATIONS` log changes.
    split_years, exports_share : array-like, shape (m,)
        Years with a published split and the exports share in them, in (0, 1);
        at least :data:`MIN_SPLIT_YEARS` years, none before the first turnover year.
    source : str
        Description of the data, written into :meth:`TurnoverSplitFit.block`.

    Returns
    -------
    TurnoverSplitFit

    Raises
    ------
    UsageError
        Too few observations or malformed input.
    """
    obs = _observed(turnover_years, turnover, split_years, exports_share)
    n_turnover, n_split = int(np.sum(~np.isnan(obs.y))), int(np.sum(~np.isnan(obs.z)))
    if n_turnover - 1 < MIN_OBSERVATIONS or n_split < MIN_SPLIT_YEARS:
        raise UsageError(
            f"the joint fit of turnover and its split needs at least {MIN_OBSERVATIONS + 1} years with turnover and {MIN_SPLIT_YEARS} "
            f"with a published split (got {n_turnover} and {n_split})"
        )

    def loglik(theta: np.ndarray) -> float:
        mean, log_sd, zbar, atanh_phi, log_share_sd, atanh_rho = (float(t) for t in theta)
        return _kalman_loglik(obs, mean, math.exp(log_sd), zbar, math.tanh(atanh_phi), math.exp(log_share_sd), math.tanh(atanh_rho))

    theta, ll = maximise_loglik(loglik, _starts(obs), _BOUNDS)
    se = hessian_standard_errors(loglik, theta, _BOUNDS)
    seen = ~np.isnan(obs.z)
    share = ShareFit(
        zbar=float(theta[2]),
        zbar_se=float(se[2]),
        persistence=math.tanh(theta[3]),
        atanh_persistence_se=float(se[3]),
        sd=math.exp(theta[4]),
        log_sd_se=float(se[4]),
        loglik=ll,
        years=tuple(int(a) for a in obs.years[seen]),
        shares=tuple(float(a) for a in special.expit(obs.z[seen])),
        source=source,
    )
    return TurnoverSplitFit(
        mean=float(theta[0]),
        mean_se=float(se[0]),
        sd=math.exp(theta[1]),
        log_sd_se=float(se[1]),
        share=share,
        correlation=math.tanh(theta[5]),
        atanh_correlation_se=float(se[5]),
        loglik=ll,
        turnover_years=tuple(int(a) for a in obs.years[~np.isnan(obs.y)]),
        source=source,
    )
