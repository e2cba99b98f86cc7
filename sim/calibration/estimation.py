"""Maximum likelihood in transformed, bounded coordinates, with Hessian standard errors.

Shared by every fit of the package: the growth law (:mod:`sim.calibration.growth`),
the share law (:mod:`sim.calibration.shares`) and the joint fit of turnover
and its split (:mod:`sim.calibration.split`). The parameters are mapped to
unbounded coordinates (logarithms of standard deviations, ``atanh`` of
correlations and AR(1) coefficients), the negative log-likelihood is
minimised from a few starting points within wide bounds
(:func:`maximise_loglik`), and the standard errors are the square roots of
the diagonal of the inverse central-difference Hessian
(:func:`numerical_hessian`, :func:`hessian_standard_errors`). A coordinate
that ends at a bound is held fixed there and gets no standard error (NaN).

Where to make a change
----------------------
* The optimiser or the standard errors of every fit: here. A fit's own
  parameters, bounds and starting points stay in its module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from ..errors import UsageError

__all__ = ["ATANH_MAX", "AT_BOUND", "numerical_hessian", "maximise_loglik", "hessian_standard_errors"]

ATANH_MAX = math.atanh(0.99)
"""Search bound of ``atanh`` of an AR(1) coefficient or a correlation: the coefficient is searched on (-0.99, 0.99)."""

AT_BOUND = 1e-3
"""Distance from a bound (transformed coordinates) under which a coordinate counts as on it."""


def numerical_hessian(f: Callable[[np.ndarray], float], x: ArrayLike, step: float = 1e-4) -> np.ndarray:
    """Hessian of a scalar function by central differences.

    Parameters
    ----------
    f : callable
        Function of a 1-d float array.
    x : array-like
        Point of evaluation.
    step : float
        Relative step: coordinate ``i`` moves by ``step * max(1, |x_i|)``.

    Returns
    -------
    ndarray, shape (n, n)
        Symmetric matrix of second derivatives, accurate to O(step**2).
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    h = step * np.maximum(1.0, np.abs(x))
    f0 = f(x)
    hess = np.empty((n, n))
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        hess[i, i] = (f(x + ei) - 2.0 * f0 + f(x - ei)) / (h[i] * h[i])
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            hess[i, j] = hess[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4.0 * h[i] * h[j])
    return hess


def _negative(loglik: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
    """``-loglik``, with a large finite value where the likelihood is not finite (the optimiser needs numbers)."""

    def negll(theta: np.ndarray) -> float:
        value = -loglik(theta)
        return value if math.isfinite(value) else 1e12

    return negll


def maximise_loglik(
    loglik: Callable[[np.ndarray], float],
    starts: Sequence[np.ndarray],
    bounds: Sequence[tuple[float, float]],
    *,
    maxiter: int = 1000,
    ftol: float = 1e-12,
) -> tuple[np.ndarray, float]:
    """The best of SLSQP runs from several starting points.

    Parameters
    ----------
    loglik : callable
        Log-likelihood of the transformed parameters, shape (p,).
    starts : sequence of ndarray, each shape (p,)
        Starting points.
    bounds : sequence of (low, high), length p
        Search bounds of the transformed parameters.
    maxiter, ftol : int, float
        SLSQP's iteration limit and tolerance on the objective.

    Returns
    -------
    theta : ndarray, shape (p,)
        Transformed parameters at the maximum.
    loglik : float
        The maximised log-likelihood.
    """
    negll = _negative(loglik)
    best_theta, best = None, math.inf
    for start in starts:
        x0 = np.clip(np.asarray(start, dtype=float), [lo for lo, _ in bounds], [hi for _, hi in bounds])
        res = optimize.minimize(negll, x0, method="SLSQP", bounds=bounds, options={"maxiter": maxiter, "ftol": ftol})
        if res.fun < best:
            best_theta, best = np.asarray(res.x, dtype=float), float(res.fun)
    if best_theta is None:
        raise UsageError("maximise_loglik needs at least one starting point")
    return best_theta, -best


def hessian_standard_errors(loglik: Callable[[np.ndarray], float], theta: np.ndarray, bounds: Sequence[tuple[float, float]]) -> np.ndarray:
    """Standard errors of the transformed parameters from the inverse Hessian of ``-loglik`` at ``theta``.

    Coordinates within :data:`AT_BOUND` of a bound are held fixed; they, and
    every coordinate when the Hessian cannot be inverted or has a
    non-positive diagonal in its inverse, get NaN.

    Returns
    -------
    ndarray, shape (p,)
        Standard errors in the transformed coordinates (NaN when not identified).
    """
    free = [i for i, (lo, hi) in enumerate(bounds) if theta[i] - lo > AT_BOUND and hi - theta[i] > AT_BOUND]
    se = np.full(theta.size, math.nan)
    if not free:
        return se

    def negll_free(x: np.ndarray) -> float:
        full = theta.copy()
        full[free] = x
        return -loglik(full)

    hess = numerical_hessian(negll_free, theta[free])
    if not np.all(np.isfinite(hess)):
        return se
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return se
    for j, i in enumerate(free):
        if cov[j, j] > 0:
            se[i] = math.sqrt(cov[j, j])
    return se
