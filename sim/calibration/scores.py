"""Scores of probabilistic forecasts: the continuous ranked probability score (CRPS) and the log score.

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

from ..errors import UsageError

__all__ = ["crps_samples", "crps_normal", "crps_lognormal", "log_density_samples", "log_density_lognormal"]


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
        raise UsageError("crps_samples needs at least one sample")
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


def log_density_samples(samples: ArrayLike, y: float) -> float:
    """Log predictive density of ``ln y`` under a sample forecast: a Gaussian kernel estimate on the log scale.

    The bandwidth is Silverman's rule, ``0.9 min(sd, IQR / 1.34) n**(-1/5)`` of the log samples (the
    sd alone when the IQR is 0; at least 1e-6). On the log scale the density of a level is the same for
    every forecast up to the common factor ``1 / y``, so differences of log scores between forecasts
    of the same outcome do not depend on the scale chosen.

    Parameters
    ----------
    samples : array-like
        Positive draws of the forecast (USD bn).
    y : float
        Observed value, > 0.

    Returns
    -------
    float
        ``ln p(ln y)`` in nats; higher is better.
    """
    x = np.log(np.asarray(samples, dtype=float).ravel())
    n = x.size
    if n < 2:
        raise UsageError("log_density_samples needs at least two samples")
    sd = float(np.std(x, ddof=1))
    iqr = float(np.subtract(*np.percentile(x, [75, 25]))) / 1.34
    spread = min(sd, iqr) if iqr > 0 else sd
    h = max(0.9 * spread * n ** (-0.2), 1e-6)
    z = (math.log(y) - x) / h
    return float(special.logsumexp(-0.5 * z * z) - math.log(n * h * math.sqrt(2.0 * math.pi)))


def log_density_lognormal(mu: float, sigma: float, y: float) -> float:
    """Log density of ``ln y`` under a lognormal forecast (log-mean ``mu``, log-sd ``sigma``): the normal log density, nats."""
    z = (math.log(y) - mu) / sigma
    return float(-0.5 * z * z - math.log(sigma * math.sqrt(2.0 * math.pi)))
