"""Stacking of predictive distributions: the mixture weights that score best out of sample.

Given the predictive densities ``p_k(y_i)`` of laws ``k`` at outcomes ``y_i`` of forecasts made
before the outcome was known, stacking (Yao, Vehtari, Simpson and Gelman, 2018) chooses the
weights on the simplex that maximise the log score of the mixture::

    w = argmax sum_i ln sum_k w_k p_k(y_i),   w_k >= 0,  sum_k w_k = 1.

The objective is concave in ``w``; it is maximised over the softmax of free parameters. The record
of a trade pair holds few outcome years and many forecasts of each (every view before a year's figure
forecasts it), so each outcome year counts once (:func:`group_weights`) and the weights are fitted again
leaving out each outcome year in turn (:func:`leave_one_group_out`): weights that swing between the
folds say the record cannot tell the laws apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from ..errors import UsageError

__all__ = ["bootstrap_stacking", "group_weights", "leave_one_group_out", "mixture_log_score", "stacking_weights"]


def _forecast_weights(n: int, forecast_weight: ArrayLike | None) -> np.ndarray:
    c = np.ones(n) if forecast_weight is None else np.asarray(forecast_weight, dtype=float)
    if c.shape != (n,) or np.any(c < 0) or not c.sum() > 0:
        raise UsageError("forecast weights must be one non-negative number a forecast, not all zero")
    return c / c.sum()


def mixture_log_score(log_density: ArrayLike, weights: ArrayLike, forecast_weight: ArrayLike | None = None) -> float:
    """Mean log score of the mixture with ``weights``: ``sum_i c_i ln sum_k w_k p_k(y_i)``, ``c`` the forecasts' weights (equal by default).

    Parameters
    ----------
    log_density : array-like, shape (n_forecasts, n_laws)
        ``ln p_k(y_i)``.
    weights : array-like, shape (n_laws,)
    forecast_weight : array-like, shape (n_forecasts,), optional
        What each forecast counts for (normalised to sum to 1).
    """
    lp = np.asarray(log_density, dtype=float)
    w = np.asarray(weights, dtype=float)
    c = _forecast_weights(lp.shape[0], forecast_weight)
    with np.errstate(divide="ignore"):
        return float(np.sum(c * special.logsumexp(lp + np.log(w)[None, :], axis=1)))


def stacking_weights(log_density: ArrayLike, forecast_weight: ArrayLike | None = None) -> np.ndarray:
    """The stacking weights of laws whose log predictive densities at the outcomes are ``log_density``.

    Parameters
    ----------
    log_density : array-like, shape (n_forecasts, n_laws)
        ``ln p_k(y_i)`` of each forecast ``i`` under each law ``k`` (finite).
    forecast_weight : array-like, shape (n_forecasts,), optional
        What each forecast counts for (e.g. ``1 / forecasts of its outcome year``, so that each outcome year counts once).

    Returns
    -------
    ndarray, shape (n_laws,)
        Weights >= 0 summing to 1 that maximise :func:`mixture_log_score`.
    """
    lp = np.asarray(log_density, dtype=float)
    if lp.ndim != 2 or lp.shape[0] == 0 or lp.shape[1] == 0 or not np.all(np.isfinite(lp)):
        raise UsageError("stacking needs a finite (forecasts, laws) array of log densities with at least one of each")
    k = lp.shape[1]
    c = _forecast_weights(lp.shape[0], forecast_weight)
    if k == 1:
        return np.ones(1)

    def loss(theta: np.ndarray) -> float:
        return -float(np.sum(c * special.logsumexp(lp + special.log_softmax(np.append(theta, 0.0))[None, :], axis=1)))

    best = optimize.minimize(loss, np.zeros(k - 1), method="BFGS")
    return special.softmax(np.append(best.x, 0.0))


def group_weights(groups: Sequence[object]) -> np.ndarray:
    """Forecast weights that make each group (an outcome year) count once: ``1 / size of the forecast's group``."""
    labels = [str(g) for g in groups]
    sizes = {g: labels.count(g) for g in set(labels)}
    return np.array([1.0 / sizes[g] for g in labels])


def leave_one_group_out(log_density: ArrayLike, groups: Sequence[object]) -> dict[object, np.ndarray]:
    """Stacking weights fitted without each group's forecasts (one outcome year, say), each remaining group counting once."""
    lp = np.asarray(log_density, dtype=float)
    labels = np.asarray([str(g) for g in groups])
    out: dict[object, np.ndarray] = {}
    for g in dict.fromkeys(groups):
        keep = labels != str(g)
        if keep.any():
            out[g] = stacking_weights(lp[keep], group_weights([a for a, k in zip(groups, keep, strict=True) if k]))
    return out


def bootstrap_stacking(log_density: ArrayLike, groups: Sequence[object], draws: int = 1000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stacking weights averaged over a Bayesian bootstrap of the groups (outcome years): their mean and sd, each ``(n_laws,)``.

    Each draw gives the groups Dirichlet(1, ..., 1) weights (spread equally over a group's forecasts) and
    fits :func:`stacking_weights` with them; the mean over draws is the weighting that carries the
    uncertainty of a few outcome years instead of betting on the law that happened to score best on
    them (Yao, Vehtari, Simpson and Gelman, 2018, on pseudo-BMA+ weights). The draws come from
    ``numpy.random.SeedSequence(seed)``: the same input gives the same weights.
    """
    lp = np.asarray(log_density, dtype=float)
    labels = [str(g) for g in groups]
    names = sorted(set(labels))
    index = np.array([names.index(g) for g in labels])
    share = group_weights(groups)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out = np.empty((draws, lp.shape[1]))
    for d in range(draws):
        g = rng.dirichlet(np.ones(len(names)))
        out[d] = stacking_weights(lp, share * g[index])
    return out.mean(axis=0), out.std(axis=0)
