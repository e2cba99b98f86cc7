"""Scores of probabilistic forecasts: the continuous ranked probability score (CRPS).

``CRPS(F, y) = integral (F(x) - 1{x >= y})**2 dx``, in the unit of ``y``;
lower is better, 0 for a perfect point forecast. The backtest
(:mod:`sim.calibration.backtest`) scores simulated forecasts with
:func:`crps_samples` and the naive random walk in logs with
:func:`crps_lognormal`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

__all__ = ["crps_samples", "crps_normal", "crps_lognormal"]


def crps_samples(samples: ArrayLike, y: float) -> float:
    """Continuous ranked probability score of a sample forecast against the outcome ``y``.

    ``CRPS = E|X - y| - 0.5 * E|X - X'|`` for ``X, X'`` drawn independently
    from the empirical distribution of the samples (all ``n**2`` pairs), which
    is the CRPS of that empirical distribution. ``E|X - X'|`` is computed in
    O(n log n) from the sorted samples: ``2 / n**2 * sum_i (2 i - n - 1) x_(i)``.

    Parameters
    ----------
    samples : array-like
        Draws of the forecast (same unit as ``y``).
    y : float
        Observed value.

    Returns
    -------
    float
        Same unit as ``y``; lower is better, 0 for a perfect point forecast.
    """
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    if n == 0:
        raise ValueError("crps_samples needs at least one sample")
    i = np.arange(1, n + 1)
    spread = 2.0 / (n * n) * float(np.sum((2 * i - n - 1) * x))
    return float(np.mean(np.abs(x - y))) - 0.5 * spread


def crps_normal(mu: float, sigma: float, y: float) -> float:
    """Closed-form CRPS of a normal forecast: ``sigma * (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi))``, ``z = (y - mu) / sigma``."""
    z = (y - mu) / sigma
    return float(
        sigma * (z * (2.0 * special.ndtr(z) - 1.0) + 2.0 * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) - 1.0 / math.sqrt(math.pi))
    )


def crps_lognormal(mu: float, sigma: float, y: float) -> float:
    """Closed-form CRPS of a lognormal forecast with log-mean ``mu`` and log-sd ``sigma``, on the level scale.

    ``y (2 Phi(z) - 1) - 2 exp(mu + sigma**2 / 2) (Phi(z - sigma) + Phi(sigma / sqrt 2) - 1)``
    with ``z = (ln y - mu) / sigma`` (Baran and Lerch, 2015); ``y > 0``, same unit as ``y``.
    """
    z = (math.log(y) - mu) / sigma
    mean = math.exp(mu + 0.5 * sigma * sigma)
    return float(y * (2.0 * special.ndtr(z) - 1.0) - 2.0 * mean * (special.ndtr(z - sigma) + special.ndtr(sigma / math.sqrt(2.0)) - 1.0))
