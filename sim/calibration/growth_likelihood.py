"""The growth law of yearly log-growth and its likelihood on an observed series.

The organic law of the simulator (:func:`sim.engine.organic.organic_turnover`) says the yearly
log-growth of trade is ``g_t = mean + e_t``, where the deviations ``e_t``
follow a stationary AR(1) process with standard deviation ``sd`` and
coefficient ``persistence``, driven by normal or unit-variance Student-t
innovations with ``df`` degrees of freedom. The same law describes
the country's total trade in the structural law (:mod:`sim.calibration.structural`).

* **Observations.** Between consecutive available years ``y_j < y_{j+1}``
  (a gap of ``k = y_{j+1} - y_j`` years) the observation is the ``k``-year log
  change ``D_j = ln(V_{j+1} / V_j)``, the sum of ``k`` yearly growths: mean
  ``k * mean`` (:class:`sim.calibration.series.LogChanges`). Gaps are therefore used, not dropped.
* **Normal models** (``normal``, ``normal_ar1``). The vector of observations
  is exactly Gaussian. Its covariance follows from the AR(1) autocovariance
  ``sd**2 * persistence**|s - t|``: the variance of a sum of ``k`` stationary
  terms is ``sd**2 * (k + 2 sum_{h<k} (k - h) persistence**h)``
  (:func:`ar1_sum_variance`), and two disjoint blocks ``i < j`` covary by
  ``sd**2 * persistence**(first_j - last_i) * G(k_i) * G(k_j)`` with
  ``G(k) = sum_{a<k} persistence**a``. The log-likelihood is the exact,
  *unconditional* (stationary start) Gaussian likelihood of all observations,
  evaluated as a product of one-step prediction densities: a scalar Kalman
  filter on the deviation in the last year of each observed block gives the
  same prediction errors as the Cholesky factor of that covariance, in O(n).
* **Student-t models** (``t``, ``t_ar1``). The same one-step prediction
  errors and variances are used, but the error of a one-year observation is
  given a unit-variance Student-t density (scaled to the prediction variance).
  This is exact for every one-year observation of the ``t`` model and for a
  one-year observation that directly follows another one-year observation in
  ``t_ar1`` (its error is then exactly the innovation). It is an
  approximation for the first observation of ``t_ar1`` and for one-year
  observations after a gap. A multi-year observation (a sum of several
  t-distributed growths, which has no closed form) is given the **normal
  density with the same conditional mean and variance** (normal approximation).

Where to make a change
----------------------
* A new candidate law: :data:`MODELS` and :func:`changes_loglik` here; its
  parameters and search bounds in :mod:`sim.calibration.growth`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..errors import UsageError
from .series import LogChanges, check_series, log_changes

__all__ = ["MODELS", "ar1_sum_variance", "changes_loglik", "growth_loglik", "check_model"]

MODELS: tuple[str, ...] = ("normal", "normal_ar1", "t", "t_ar1")
"""Candidate growth laws: iid normal, normal AR(1), iid Student-t, Student-t AR(1)."""


def ar1_sum_variance(k: ArrayLike, persistence: float) -> np.ndarray:
    """Variance of the sum of ``k`` consecutive terms of a stationary AR(1) with unit variance.

    Parameters
    ----------
    k : int or array of int
        Number of consecutive years (>= 1).
    persistence : float
        AR(1) coefficient in (-1, 1).

    Returns
    -------
    ndarray
        ``k + 2 * sum_{h=1}^{k-1} (k - h) * persistence**h``, in units of the
        yearly variance (multiply by ``sd**2``); equals ``k`` for independent years.
    """
    k = np.asarray(k, dtype=np.int64)
    phi = float(persistence)
    if phi == 0.0:
        return k.astype(float)
    kf = k.astype(float)
    return kf * (1.0 + phi) / (1.0 - phi) - 2.0 * phi * (1.0 - phi**kf) / (1.0 - phi) ** 2


def _block_terms(k: int, phi: float) -> tuple[float, float, float, float, float]:
    """State-space terms of a block of ``k`` years after the state ``x`` (deviation in the year before the block).

    With innovations ``eta`` of variance 1 (multiply the variances by
    ``sd**2 * (1 - phi**2)``): the block sum is ``S = a x + noise`` and the
    deviation in its last year ``x' = b x + noise``, with noise variances
    ``vss`` and ``vxx`` and covariance ``vsx``. Returns ``(a, b, vss, vxx, vsx)``.
    """
    m = np.arange(1, k + 1, dtype=float)
    g = (1.0 - phi**m) / (1.0 - phi)  # G(m) = sum_{a<m} phi**a
    return (
        phi * float(g[-1]),
        phi**k,
        float(np.sum(g * g)),
        float(np.sum(phi ** (2.0 * (m - 1.0)))),
        float(np.sum(g * phi ** (m - 1.0))),
    )


def _prediction_errors(ch: LogChanges, resid: np.ndarray, sd: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
    """One-step prediction errors and their sd for AR(1) deviations observed as block sums (exact Gaussian).

    A scalar Kalman filter on ``x``, the deviation in the last year of the
    latest observed block (blocks of consecutive available years are
    adjacent), started from the stationary law ``N(0, sd**2)`` in the first
    year with a value. Equivalent to the Cholesky factorisation of the exact
    covariance of the observations, in O(n).
    """
    q = sd * sd * (1.0 - phi * phi)
    terms = {int(k): _block_terms(int(k), phi) for k in np.unique(ch.k)}
    mean_x, var_x = 0.0, sd * sd
    err = np.empty(ch.n)
    var = np.empty(ch.n)
    for j, (k, r) in enumerate(zip(ch.k.tolist(), resid.tolist(), strict=True)):
        a, b, vss, vxx, vsx = terms[k]
        f = a * a * var_x + q * vss
        e = r - a * mean_x
        cross = a * b * var_x + q * vsx
        mean_x, var_x = b * mean_x + cross / f * e, b * b * var_x + q * vxx - cross * cross / f
        err[j], var[j] = e, f
    return err, np.sqrt(var)


def _log_t_unit_variance(z: np.ndarray, df: float) -> np.ndarray:
    """Log density of a Student-t variable scaled to unit variance, at ``z``."""
    c2 = (df - 2.0) / df  # squared scale of the unit-variance t
    x2 = z * z / c2
    return (
        special.gammaln((df + 1.0) / 2.0)
        - special.gammaln(df / 2.0)
        - 0.5 * math.log(df * math.pi * c2)
        - (df + 1.0) / 2.0 * np.log1p(x2 / df)
    )


def changes_loglik(ch: LogChanges, mean: float, sd: float, phi: float, df: float | None) -> float:
    """Log-likelihood of observed log changes under a growth law (see the module notes for the t models).

    Parameters
    ----------
    ch : LogChanges
        The observations: ``n`` log changes and their lengths in years.
    mean, sd : float
        Mean and standard deviation of yearly log-growth (log points a year).
    phi : float
        AR(1) coefficient in (-1, 1); 0 for independent years.
    df : float or None
        Degrees of freedom of unit-variance t innovations (> 2); None for normal ones.

    Returns
    -------
    float
        The log-likelihood; ``-inf`` where it is not finite.
    """
    resid = ch.d - mean * ch.k
    if phi == 0.0:
        v = sd * np.sqrt(ch.k.astype(float))
        z = resid / v
    else:
        err, v = _prediction_errors(ch, resid, sd, phi)
        if not np.all(v > 0):
            return -math.inf
        z = err / v
    dens = -0.5 * math.log(2.0 * math.pi) - 0.5 * z * z
    if df is not None:
        # one-year observations: t density of the standardised prediction error
        one = ch.k == 1
        dens = np.where(one, _log_t_unit_variance(z, df), dens)
    out = float(np.sum(dens - np.log(v)))
    return out if math.isfinite(out) else -math.inf


def growth_loglik(
    years: ArrayLike,
    values: ArrayLike,
    model: str,
    mean: float,
    sd: float,
    persistence: float = 0.0,
    df: float | None = None,
) -> float:
    """Log-likelihood of a yearly series under a growth law (gaps as multi-year changes).

    Parameters
    ----------
    years, values : array-like
        Calendar years (increasing) and values (USD bn, positive).
    model : {"normal", "normal_ar1", "t", "t_ar1"}
        Which law; ``persistence`` is ignored (taken as 0) for ``normal`` and
        ``t``, ``df`` is required for the t models and ignored otherwise.
    mean : float
        Mean yearly log-growth (log points a year).
    sd : float
        Standard deviation of yearly log-growth (log points).
    persistence : float
        AR(1) coefficient in (-1, 1).
    df : float, optional
        Degrees of freedom of the t innovations, > 2.

    Returns
    -------
    float
        Natural-log likelihood of the observed log changes.
    """
    check_model(model)
    y, v = check_series(years, values)
    phi = persistence if model.endswith("_ar1") else 0.0
    if model.startswith("t"):
        if df is None or not df > 2.0:
            raise UsageError(f"model {model!r} needs df > 2 (got {df})")
    else:
        df = None
    return changes_loglik(log_changes(y, v), mean, sd, phi, df)


def check_model(model: str) -> str:
    """``model`` if it names a candidate law of :data:`MODELS`; a UsageError listing them otherwise."""
    if model not in MODELS:
        raise UsageError(f"unknown growth model {model!r}; allowed: {', '.join(MODELS)}")
    return model
