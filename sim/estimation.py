"""Maximum likelihood in transformed, bounded coordinates, with Hessian standard errors.

Shared by the share law (:mod:`sim.shares`) and the joint fit of turnover and
its split (:mod:`sim.split`): the parameters are mapped to unbounded
coordinates (logarithms of standard deviations, ``atanh`` of correlations and
AR(1) coefficients), the negative log-likelihood is minimised from a few
starting points within wide bounds, and the standard errors are the square
roots of the diagonal of the inverse central-difference Hessian
(:func:`sim.calibration.numerical_hessian`). A coordinate that ends at a bound
is held fixed there and gets no standard error (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize

from .calibration import numerical_hessian

__all__ = ["maximise_loglik", "hessian_standard_errors"]

AT_BOUND = 1e-3
"""Distance from a bound (transformed coordinates) under which a coordinate counts as on it."""


def _negative(loglik: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], float]:
    def negll(theta: np.ndarray) -> float:
        value = -loglik(theta)
        return value if math.isfinite(value) else 1e12

    return negll


def maximise_loglik(
    loglik: Callable[[np.ndarray], float], starts: Sequence[np.ndarray], bounds: Sequence[tuple[float, float]]
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
        res = optimize.minimize(negll, x0, method="SLSQP", bounds=bounds, options={"maxiter": 1000, "ftol": 1e-12})
        if res.fun < best:
            best_theta, best = np.asarray(res.x, dtype=float), float(res.fun)
    if best_theta is None:
        raise ValueError("maximise_loglik needs at least one starting point")
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
