"""Fitting the organic growth law to the observed history, and backtesting it.

The organic law of the simulator (:func:`sim.trade._organic`) says the yearly
log-growth of trade is ``g_t = mean + e_t``, where the deviations ``e_t``
follow a stationary AR(1) process with standard deviation ``sd`` and
coefficient ``persistence``, driven by normal or unit-variance Student-t
innovations with ``df`` degrees of freedom. This module estimates that law
from a yearly series (USD bn) and checks how well it would have forecast.

Fitting (:func:`fit_growth`)
----------------------------
* **Observations.** Between consecutive available years ``y_j < y_{j+1}``
  (a gap of ``k = y_{j+1} - y_j`` years) the observation is the ``k``-year log
  change ``D_j = ln(V_{j+1} / V_j)``, the sum of ``k`` yearly growths: mean
  ``k * mean``. Gaps are therefore used, not dropped.
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
* **Estimation.** Maximum likelihood with :func:`scipy.optimize.minimize`
  (SLSQP within wide bounds, a few starting points) on transformed, unbounded parameters
  ``(mean, ln sd, atanh persistence, ln(df - 2))``. Standard errors come from
  the inverse of a central-difference Hessian of the negative log-likelihood
  in those coordinates (:func:`numerical_hessian`), carried back by the delta
  method; a parameter that ends at a search bound is held fixed there and has
  no standard error. Persistence is estimated on (-1, 1); the scenario block
  clips it to [0, 0.95].
* **Model choice.** By the small-sample corrected Akaike criterion
  ``AICc = -2 lnL + 2 k + 2 k (k + 1) / (n - k - 1)`` with ``k`` parameters
  and ``n`` observed log changes; a model with ``n <= k + 1`` is not eligible
  (infinite AICc). The lowest AICc wins.

The fit is written as a ``[trade.growth]`` block (:meth:`GrowthFit.growth_block`)
in which ``mean`` and ``sd`` are distributions drawn once per path: this is
how the estimation uncertainty of the parameters is carried into the
simulation. ``mean`` is normal around its estimate with its standard error;
``sd`` follows the lognormal law with median ``sd`` and log-scale spread
``se(ln sd)``. The scenario schema only accepts a ``sd`` whose every possible
value is at most 5, which an unbounded lognormal is not, so that lognormal is
written as the PERT distribution with the same median and 90th percentile on
the lognormal's 0.1-99.9% range (:func:`lognormal_as_pert`).

Backtest (:func:`backtest`)
---------------------------
Rolling origin: for every observed year ``Y`` with at least ``min_fit_points``
log changes up to it, the law is fitted to the data up to ``Y`` only, and the
value of each later observed year ``Y + h`` (``h`` in ``horizons``) is
forecast by simulating organic trade from the observed ``V_Y`` exactly as a
scenario with the fitted block would: per path, ``mean`` and ``sd`` are drawn
from their distributions, then an AR(1) path starting from its stationary
law (like the simulator, the forecast does not condition on the last
observed deviation). Forecasts are scored on the **level scale, USD bn**: the
share of actual values inside the central 50% and 90% ranges, and the
continuous ranked probability score (CRPS, lower is better; same unit as the
data), compared with the CRPS of a naive random walk in logs (zero drift,
yearly sd = sample sd of the log changes up to ``Y``, each ``k``-year change
divided by ``sqrt(k)``), whose lognormal CRPS is computed in closed form.

``backtest(..., law="structural", context=...)`` forecasts with the structural
law instead (China's share of Uzbekistan's total trade, :mod:`sim.structural`),
fitted at each origin to the total-trade and share data up to it;
:func:`backtest_laws` scores several laws on exactly the same origins and
forecast years (those where every law can be fitted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from .distributions import DISTRIBUTIONS, Distribution
from .history import STATISTICAL_STATUSES, load_history

__all__ = [
    "WholeTradeLaw",
    "whole_trade_law",
    "MODELS",
    "MIN_OBSERVATIONS",
    "GrowthFit",
    "ModelScore",
    "ForecastRow",
    "BacktestResult",
    "load_series",
    "fit_growth",
    "growth_loglik",
    "ar1_sum_variance",
    "numerical_hessian",
    "lognormal_as_pert",
    "simulate_organic",
    "crps_samples",
    "crps_normal",
    "crps_lognormal",
    "backtest",
    "backtest_origins",
    "backtest_laws",
    "LawsBacktest",
    "LAWS",
]

MODELS: tuple[str, ...] = ("normal", "normal_ar1", "t", "t_ar1")
"""Candidate growth laws: iid normal, normal AR(1), iid Student-t, Student-t AR(1)."""
MIN_OBSERVATIONS = 5
"""Fewest log changes (pairs of consecutive available years) a fit accepts."""
LAWS: tuple[str, ...] = ("random_walk", "structural")
"""Organic laws a backtest can forecast with: the random walk on bilateral turnover, and the structural law (sim.structural)."""
PERSISTENCE_CLIP = (0.0, 0.95)
"""Range the scenario block clips the fitted persistence to."""
SD_MAX = 5.0
"""Largest ``sd`` the scenario schema accepts for every value of its distribution."""

_Z90 = float(special.ndtri(0.9))
_Z999 = float(special.ndtri(0.999))
_N_PARAMS = {"normal": 2, "normal_ar1": 3, "t": 3, "t_ar1": 4}
# search bounds on the transformed parameters (mean, ln sd, atanh phi, ln(df - 2))
_BOUNDS = {
    "mean": (-5.0, 5.0),
    "log_sd": (math.log(1e-4), math.log(SD_MAX)),
    "atanh_phi": (-math.atanh(0.99), math.atanh(0.99)),
    "log_df": (math.log(0.05), math.log(998.0)),
}
_AT_BOUND = 1e-3


# ---------------------------------------------------------------- data


def load_series(
    path: str | Path, reporter: str = "UZ", since: int | None = None, statuses: tuple[str, ...] = STATISTICAL_STATUSES
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly values of one reporter from a history CSV.

    Parameters
    ----------
    path : str or Path
        CSV with ``year, value_usd_bn, reporter, status`` columns
        (``seeds/uz_cn_trade_history.csv``).
    reporter : str
        Reporter code to keep (``UZ``, ``CN``).
    since : int, optional
        First calendar year kept.
    statuses : tuple of str
        Statuses kept (default: confirmed and derived figures).

    Returns
    -------
    years : ndarray of int
        Calendar years with a value, increasing; missing years are gaps.
    values : ndarray of float
        USD bn; several figures for one year are combined by their median
        (:func:`sim.history.load_history`).
    """
    rows = [(y, v) for y, v in load_history(path, reporter, statuses) if since is None or y >= since]
    years = np.array([y for y, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=float)
    return years, values


@dataclass(frozen=True)
class _Changes:
    """Observed log changes: value ``d`` (log points) over ``k`` years, covering years ``first`` to ``last``."""

    d: np.ndarray
    k: np.ndarray
    first: np.ndarray
    last: np.ndarray

    @property
    def n(self) -> int:
        return int(self.d.size)


def _check_series(years: ArrayLike, values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(years, values)``: whole increasing years, positive finite values."""
    y = np.asarray(years)
    v = np.asarray(values, dtype=float)
    if y.ndim != 1 or v.ndim != 1 or y.size != v.size:
        raise ValueError(f"years and values must be one-dimensional and of equal length (got {y.shape} and {v.shape})")
    if y.size and not np.all(np.asarray(y, dtype=float) == np.round(np.asarray(y, dtype=float))):
        raise ValueError("years must be whole numbers")
    y = y.astype(np.int64)
    if np.any(np.diff(y) <= 0):
        raise ValueError("years must be strictly increasing (combine duplicate figures first, e.g. with load_series)")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("values must be finite and positive (USD bn)")
    return y, v


def _changes(years: np.ndarray, values: np.ndarray) -> _Changes:
    k = np.diff(years)
    return _Changes(d=np.diff(np.log(values)), k=k, first=years[:-1] + 1, last=years[1:])


# ---------------------------------------------------------------- likelihood


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


def _prediction_errors(ch: _Changes, resid: np.ndarray, sd: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
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


def _loglik(ch: _Changes, mean: float, sd: float, phi: float, df: float | None) -> float:
    """Log-likelihood of the observed log changes (see the module notes for the t models)."""
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
    _model_name(model)
    y, v = _check_series(years, values)
    phi = persistence if model.endswith("_ar1") else 0.0
    if model.startswith("t"):
        if df is None or not df > 2.0:
            raise ValueError(f"model {model!r} needs df > 2 (got {df})")
    else:
        df = None
    return _loglik(_changes(y, v), mean, sd, phi, df)


def _model_name(model: str) -> str:
    if model not in MODELS:
        raise ValueError(f"unknown growth model {model!r}; allowed: {', '.join(MODELS)}")
    return model


# ---------------------------------------------------------------- fitting


def _param_names(model: str) -> list[str]:
    names = ["mean", "log_sd"]
    if model.endswith("_ar1"):
        names.append("atanh_phi")
    if model.startswith("t"):
        names.append("log_df")
    return names


def _unpack(model: str, theta: np.ndarray) -> tuple[float, float, float, float | None]:
    """``(mean, sd, persistence, df)`` from transformed parameters."""
    p = dict(zip(_param_names(model), (float(t) for t in theta), strict=True))
    phi = math.tanh(p["atanh_phi"]) if "atanh_phi" in p else 0.0
    df = 2.0 + math.exp(p["log_df"]) if "log_df" in p else None
    return p["mean"], math.exp(p["log_sd"]), phi, df


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


@dataclass(frozen=True)
class ModelScore:
    """One candidate law's fit: parameters, ``k`` free parameters, log-likelihood and AICc."""

    model: str
    k: int
    loglik: float
    aicc: float
    mean: float
    sd: float
    persistence: float
    df: float | None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (non-finite AICc as ``None``)."""
        return {
            "model": self.model,
            "k": self.k,
            "loglik": self.loglik,
            "aicc": self.aicc if math.isfinite(self.aicc) else None,
            "mean": self.mean,
            "sd": self.sd,
            "persistence": self.persistence,
            "df": self.df,
        }


def _aicc(loglik: float, k: int, n: int) -> float:
    if n - k - 1 <= 0 or not math.isfinite(loglik):
        return math.inf
    return -2.0 * loglik + 2.0 * k + 2.0 * k * (k + 1) / (n - k - 1)


def _starts(model: str, ch: _Changes) -> list[np.ndarray]:
    """Starting points for the optimiser in transformed coordinates."""
    mean0 = float(ch.d.sum() / ch.k.sum())
    sd0 = float(np.std((ch.d - mean0 * ch.k) / np.sqrt(ch.k), ddof=1)) if ch.n > 1 else 0.1
    log_sd0 = math.log(min(max(sd0, 1e-3), SD_MAX / 2))
    phis = [0.0, 0.5] if model.endswith("_ar1") else [None]
    dfs = [4.0, 30.0] if model.startswith("t") else [None]
    out = []
    for phi in phis:
        for df in dfs:
            theta = [mean0, log_sd0]
            if phi is not None:
                theta.append(math.atanh(phi))
            if df is not None:
                theta.append(math.log(df - 2.0))
            out.append(np.array(theta))
    return out


def _fit_one(model: str, ch: _Changes) -> tuple[np.ndarray, float]:
    """Maximum-likelihood transformed parameters and the maximised log-likelihood."""
    names = _param_names(model)
    bounds = [_BOUNDS[n] for n in names]

    def negll(theta: np.ndarray) -> float:
        value = -_loglik(ch, *_unpack(model, theta))
        return value if math.isfinite(value) else 1e12

    best_theta, best = None, math.inf
    for start in _starts(model, ch):
        res = optimize.minimize(negll, start, method="SLSQP", bounds=bounds, options={"maxiter": 500, "ftol": 1e-11})
        if res.fun < best:
            best_theta, best = np.asarray(res.x, dtype=float), float(res.fun)
    assert best_theta is not None
    return best_theta, -best


def _standard_errors(model: str, ch: _Changes, theta: np.ndarray) -> dict[str, float]:
    """Standard errors of the transformed parameters from the inverse numerical Hessian (NaN when not identified)."""
    names = _param_names(model)
    bounds = [_BOUNDS[n] for n in names]
    free = [i for i, (lo, hi) in enumerate(bounds) if theta[i] - lo > _AT_BOUND and hi - theta[i] > _AT_BOUND]
    se = {n: math.nan for n in names}
    if not free:
        return se

    def negll_free(x: np.ndarray) -> float:
        full = theta.copy()
        full[free] = x
        return -_loglik(ch, *_unpack(model, full))

    hess = numerical_hessian(negll_free, theta[free])
    if not np.all(np.isfinite(hess)):
        return se
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return se
    for j, i in enumerate(free):
        if cov[j, j] > 0:
            se[names[i]] = math.sqrt(cov[j, j])
    return se


def fit_growth(
    years: ArrayLike,
    values: ArrayLike,
    models: Sequence[str] = MODELS,
    *,
    source: str = "given series",
) -> GrowthFit:
    """Fit the organic growth law to a yearly series by maximum likelihood; choose the law by AICc.

    Parameters
    ----------
    years : array-like of int
        Calendar years with a value, strictly increasing; missing years are
        gaps, each giving one multi-year log change (see the module notes).
        Combine duplicate figures for a year first (:func:`load_series` takes
        their median).
    values : array-like of float
        Trade turnover, USD bn, positive.
    models : sequence of str
        Candidate laws among ``"normal"``, ``"normal_ar1"``, ``"t"``, ``"t_ar1"``.
    source : str
        Description of the series, written into :meth:`GrowthFit.growth_block`.

    Returns
    -------
    GrowthFit
        The candidate with the lowest AICc (``-2 lnL + 2k + 2k(k+1)/(n-k-1)``,
        ``n`` log changes, ``k`` parameters), its standard errors and the
        table of every candidate.

    Raises
    ------
    ValueError
        Fewer than :data:`MIN_OBSERVATIONS` log changes, malformed input, an
        unknown model, or no candidate with ``n > k + 1``.
    """
    y, v = _check_series(years, values)
    models = tuple(_model_name(m) for m in models)
    if not models:
        raise ValueError("at least one candidate model is needed")
    ch = _changes(y, v)
    if ch.n < MIN_OBSERVATIONS:
        raise ValueError(
            f"fitting the growth law needs at least {MIN_OBSERVATIONS} log changes, i.e. {MIN_OBSERVATIONS + 1} years with a value "
            f"(got {y.size} year{'s' if y.size != 1 else ''}: {', '.join(str(int(a)) for a in y) or 'none'})"
        )
    fits: dict[str, tuple[np.ndarray, float]] = {}
    scores: list[ModelScore] = []
    for m in models:
        k = _N_PARAMS[m]
        if ch.n - k - 1 <= 0:
            scores.append(ModelScore(m, k, math.nan, math.inf, math.nan, math.nan, math.nan, None))
            continue
        theta, ll = _fit_one(m, ch)
        fits[m] = (theta, ll)
        mean, sd, phi, df = _unpack(m, theta)
        scores.append(ModelScore(m, k, ll, _aicc(ll, k, ch.n), mean, sd, phi, df))
    eligible = [s for s in scores if math.isfinite(s.aicc)]
    if not eligible:
        raise ValueError(f"no candidate model can be fitted to {ch.n} log changes (each needs more changes than parameters + 1)")
    best = min(eligible, key=lambda s: s.aicc)
    theta, ll = fits[best.model]
    se = _standard_errors(best.model, ch, theta)
    mean, sd, phi, df = _unpack(best.model, theta)
    phi_se = (1.0 - phi * phi) * se["atanh_phi"] if "atanh_phi" in se else None
    df_se = (df - 2.0) * se["log_df"] if df is not None else None
    return GrowthFit(
        model=best.model,
        mean=mean,
        sd=sd,
        persistence=phi,
        df=df,
        mean_se=se["mean"],
        sd_se=sd * se["log_sd"],
        log_sd_se=se["log_sd"],
        persistence_se=phi_se,
        df_se=df_se,
        loglik=ll,
        aicc=best.aicc,
        n_obs=ch.n,
        years=tuple(int(a) for a in y),
        candidates=tuple(scores),
        source=source,
    )


# ---------------------------------------------------------------- the fitted law


def _pert_quantiles(a: float, mode: float, b: float, lamb: float, q: np.ndarray) -> np.ndarray:
    span = b - a
    alpha = 1.0 + lamb * (mode - a) / span
    beta = 1.0 + lamb * (b - mode) / span
    return a + span * special.betaincinv(alpha, beta, q)


def lognormal_as_pert(median: float, log_sd: float, cap: float = SD_MAX) -> dict[str, Any]:
    """A PERT table with the median and 90th percentile of a lognormal, on its 0.1-99.9% range.

    The scenario schema accepts for ``trade.growth.sd`` only distributions
    whose every value lies in [0, 5]; an unbounded lognormal is refused. This
    bounded stand-in has ``min`` and ``max`` at the lognormal's 0.1% and 99.9%
    quantiles (``max`` at most ``cap``) and ``mode`` and ``lamb`` solved so that
    its median and 90th percentile equal the lognormal's.

    Parameters
    ----------
    median : float
        Median of the lognormal (log points a year for a growth sd), > 0.
    log_sd : float
        Standard deviation of its logarithm, > 0.
    cap : float
        Largest allowed value.

    Returns
    -------
    dict
        ``{"dist": "pert", "min", "mode", "max", "lamb"}``. When the two
        quantiles cannot both be matched (a very wide lognormal cut at ``cap``)
        it is the least-squares compromise on the log scale; check with
        ``Pert(**table).ppf([0.5, 0.9])``.
    """
    if not (median > 0 and log_sd > 0 and math.isfinite(median) and math.isfinite(log_sd)):
        raise ValueError(f"lognormal_as_pert needs a positive median and log_sd (got {median}, {log_sd})")
    a = median * math.exp(-_Z999 * log_sd)
    b = min(median * math.exp(_Z999 * log_sd), cap)
    if not b > median:
        raise ValueError(f"the lognormal's median {median:g} is not below the cap {cap:g}")
    p90 = median * math.exp(_Z90 * log_sd)
    target = np.log([median, p90])
    q = np.array([0.5, 0.9])

    def residual(x: np.ndarray) -> np.ndarray:
        w = special.expit(x[0])
        return np.log(_pert_quantiles(a, a + w * (b - a), b, math.exp(x[1]), q)) - target

    mode_ln = median * math.exp(-log_sd * log_sd)
    w0 = min(max((mode_ln - a) / (b - a), 0.02), 0.98)
    sol = optimize.least_squares(residual, [special.logit(w0), math.log(4.0)], xtol=1e-12, ftol=1e-12)
    mode, lamb = a + float(special.expit(sol.x[0])) * (b - a), math.exp(float(sol.x[1]))
    return {"dist": "pert", "min": a, "mode": mode, "max": b, "lamb": lamb}


def _sig(x: float, digits: int = 6) -> float:
    """``x`` rounded to ``digits`` significant digits."""
    return float(f"{x:.{digits}g}")


def _toml_number(x: float) -> str:
    text = repr(float(x))
    return text if ("." in text or "e" in text or "n" in text) else text + ".0"


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return _toml_number(value)


@dataclass(frozen=True)
class GrowthFit:
    """The fitted organic growth law of yearly log-growth.

    Attributes
    ----------
    model : str
        Chosen law: ``"normal"``, ``"normal_ar1"``, ``"t"`` or ``"t_ar1"``.
    mean : float
        Mean yearly log-growth, log points a year (0.10 is about +10.5%).
    sd : float
        Standard deviation of yearly log-growth around the mean, log points.
    persistence : float
        AR(1) coefficient of the yearly deviations (0 for laws without AR(1)).
    df : float or None
        Degrees of freedom of the unit-variance t innovations (None: normal).
    mean_se, sd_se, log_sd_se : float
        Standard errors of ``mean``, ``sd`` and ``ln sd`` (NaN if not identified).
    persistence_se, df_se : float or None
        Standard errors of ``persistence`` and ``df``; None when the law does
        not estimate them, NaN when not identified (e.g. ``df`` at its bound).
    loglik : float
        Maximised log-likelihood.
    aicc : float
        Small-sample corrected AIC of the chosen law (the selection criterion).
    n_obs : int
        Number of observed log changes (years with a value minus one).
    years : tuple of int
        Years whose values were used.
    candidates : tuple of ModelScore
        Every candidate law with its fit and AICc, in the order tried.
    source : str
        Description of the series.
    """

    model: str
    mean: float
    sd: float
    persistence: float
    df: float | None
    mean_se: float
    sd_se: float
    log_sd_se: float
    persistence_se: float | None
    df_se: float | None
    loglik: float
    aicc: float
    n_obs: int
    years: tuple[int, ...]
    candidates: tuple[ModelScore, ...] = field(default=())
    source: str = "given series"

    def growth_law(self) -> dict[str, Any]:
        """The ``[trade.growth]`` table as a dict (values rounded to 6 significant digits).

        ``mean`` is ``{dist = "normal", mean = mean, sd = mean_se}``; ``sd`` is
        the lognormal with median ``sd`` and 90th percentile
        ``sd * exp(1.2816 * log_sd_se)``, written as a PERT (see
        :func:`lognormal_as_pert`); ``persistence`` is clipped to [0, 0.95];
        ``df`` is present for t laws. A parameter without a finite positive
        standard error is written as a plain number.
        """
        law: dict[str, Any] = {}
        if math.isfinite(self.mean_se) and self.mean_se > 0:
            law["mean"] = {"dist": "normal", "mean": _sig(self.mean), "sd": _sig(self.mean_se)}
        else:
            law["mean"] = _sig(self.mean)
        sd = min(self.sd, SD_MAX)
        if math.isfinite(self.log_sd_se) and self.log_sd_se > 0:
            law["sd"] = {k: (v if isinstance(v, str) else _sig(v)) for k, v in lognormal_as_pert(sd, self.log_sd_se).items()}
        else:
            law["sd"] = _sig(sd)
        law["persistence"] = _sig(min(max(self.persistence, PERSISTENCE_CLIP[0]), PERSISTENCE_CLIP[1]))
        if self.df is not None:
            law["df"] = _sig(min(max(self.df, 2.0 + 1e-3), 1000.0))
        return law

    def growth_block(self, title: str = "trade.growth") -> str:
        """A TOML ``[trade.growth]`` block carrying the estimates and their uncertainty.

        Comment lines name the source series, the years used, the chosen law
        and the criterion (AICc); ``mean`` and ``sd`` are distributions drawn
        once per path, so the simulation carries the estimation uncertainty.

        Parameters
        ----------
        title : str
            The table's dotted name: ``"trade.growth"``, or
            ``"trade.structural.total_growth"`` for a law of total trade.
        """
        law = self.growth_law()
        table = ", ".join(f"{s.model} {s.aicc:.2f}" if math.isfinite(s.aicc) else f"{s.model} n/a" for s in self.candidates)
        lines = [
            f"# {'Organic growth' if title == 'trade.growth' else 'Growth'} law fitted by coopsim.calibration.fit_growth (maximum likelihood).",
            f"# Source: {self.source}.",
            f"# Years: {_year_ranges(self.years)} ({self.n_obs} log changes; a gap of k years is one k-year change).",
            f"# Model: {self.model}, chosen by lowest AICc among: {table}.",
            f"# Estimates (standard error): mean {self.mean:.4f} ({_fmt(self.mean_se)}), sd {self.sd:.4f} ({_fmt(self.sd_se)})"
            + (f", persistence {self.persistence:.3f} ({_fmt(self.persistence_se)})" if self.model.endswith("_ar1") else "")
            + (f", df {self.df:.2f} ({_fmt(self.df_se)})" if self.df is not None else "")
            + ".",
            "# mean: normal(estimate, standard error); sd: lognormal(median = estimate, log-sd = se of ln sd),",
            "# written as the PERT with the same median and p90 (the schema needs a bounded sd). Drawn once per path.",
        ]
        if isinstance(law["sd"], dict):
            got = _distribution(law["sd"]).ppf(np.array([0.5, 0.9]))
            want = (self.sd, self.sd * math.exp(_Z90 * self.log_sd_se))
            lines.append(f"# sd PERT median {got[0]:.4f}, p90 {got[1]:.4f} (lognormal: median {want[0]:.4f}, p90 {want[1]:.4f}).")
        if self.model.endswith("_ar1") and not PERSISTENCE_CLIP[0] <= self.persistence <= PERSISTENCE_CLIP[1]:
            lines.append(f"# persistence clipped to [{PERSISTENCE_CLIP[0]}, {PERSISTENCE_CLIP[1]}] from {self.persistence:.3f}.")
        lines.append(f"[{title}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in law.items()]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the estimates, standard errors and candidate table."""
        return {
            "model": self.model,
            "mean": self.mean,
            "mean_se": self.mean_se,
            "sd": self.sd,
            "sd_se": self.sd_se,
            "log_sd_se": self.log_sd_se,
            "persistence": self.persistence,
            "persistence_se": self.persistence_se,
            "df": self.df,
            "df_se": self.df_se,
            "loglik": self.loglik,
            "aicc": self.aicc,
            "n_obs": self.n_obs,
            "years": list(self.years),
            "candidates": [c.to_dict() for c in self.candidates],
            "source": self.source,
        }


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.4f}"


def _year_ranges(years: Sequence[int]) -> str:
    """``[2010, 2011, 2013, 2016, 2017, 2018]`` -> ``"2010-2011, 2013, 2016-2018"``."""
    parts: list[str] = []
    start = prev = None
    for y in years:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = y
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


# ---------------------------------------------------------------- simulating the fitted law


def _distribution(value: Any) -> Distribution:
    table = value if isinstance(value, dict) else {"dist": "fixed", "value": float(value)}
    return DISTRIBUTIONS[table["dist"]].model_validate(table)


def simulate_organic(law: dict[str, Any], base_usd_bn: float, years: int, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Organic trade paths of a ``[trade.growth]`` law, as the simulator draws them (vectorised).

    Per path, ``mean`` and ``sd`` are drawn once by inversion of their
    distributions; the yearly deviations follow the stationary AR(1) with
    normal or unit-variance t innovations, starting from the stationary law;
    ``log V_t = log V_{t-1} + mean + deviation_t`` from ``V_0 = base_usd_bn``.
    The same law as :func:`sim.trade._organic` for a scenario without a
    partly observed year (checked against :func:`sim.runner.run_paths` in the tests).

    Parameters
    ----------
    law : dict
        A ``[trade.growth]`` table (:meth:`GrowthFit.growth_law`).
    base_usd_bn : float
        Value in the origin year, USD bn.
    years : int
        Number of simulated years after the origin.
    paths : int
        Number of paths.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray, shape (paths, years)
        Organic trade, USD bn, in years 1 to ``years`` after the origin.
    """
    u = rng.random((paths, 2 + years))
    mu = _distribution(law["mean"]).ppf(u[:, 0])
    sd = _distribution(law["sd"]).ppf(u[:, 1])
    phi = float(law.get("persistence", 0.0))
    df = law.get("df")
    eps = special.ndtri(u[:, 2:]) if df is None else special.stdtrit(df, u[:, 2:]) * math.sqrt((df - 2.0) / df)
    scale = sd * math.sqrt(1.0 - phi * phi)
    log_level = np.empty((paths, years))
    dev = sd * eps[:, 0]
    log_level[:, 0] = math.log(base_usd_bn) + mu + dev
    for t in range(1, years):
        dev = phi * dev + scale * eps[:, t]
        log_level[:, t] = log_level[:, t - 1] + mu + dev
    return np.exp(log_level)


def _simulate_with_runner(law: dict[str, Any], origin: int, base_usd_bn: float, years: int, paths: int, seed: int) -> np.ndarray:
    """As :func:`simulate_organic`, through an organic-only scenario and :func:`sim.runner.run_paths`."""
    from .run import run_paths
    from .scenario import scenario_from_dict

    raw = {
        "name": "backtest",
        "trade": {
            "reporter": "backtest",
            "base_year": origin,
            "base_usd_bn": base_usd_bn,
            "base_exports_usd_bn": base_usd_bn / 2.0,  # the split does not change turnover
            "target_usd_bn": base_usd_bn,
            "growth": law,
        },
        "run": {"paths": paths, "seed": seed, "horizon_year": origin + years},
    }
    return run_paths(scenario_from_dict(raw, source="<backtest>"), paths, seed).turnover


# ---------------------------------------------------------------- a scenario against the fit


@dataclass(frozen=True)
class WholeTradeLaw:
    """The yearly log growth of *total* trade that a scenario implies, in the terms of a fitted law.

    Attributes
    ----------
    mean : float
        Mean yearly log change of total trade over paths and years (log points a year).
    sd : float
        Root mean square over paths of the within-path standard deviation of the
        yearly log changes (``ddof=1``): comparable with a fitted ``sd``.
    path_mean_sd : float
        Standard deviation over paths of each path's mean log change.
    organic_mean : float
        As ``mean`` for the organic component alone (it includes the multiplier
        of shocks and transport links); ``mean - organic_mean`` is what the
        projects and measures add.
    years : tuple of int
        The calendar years whose change from the year before is counted.
    paths : int
    """

    mean: float
    sd: float
    path_mean_sd: float
    organic_mean: float
    years: tuple[int, ...]
    paths: int

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def whole_trade_law(scenario: Any, paths: int = 2000, seed: int = 0) -> WholeTradeLaw:
    """Simulate a scenario and summarise the growth of its total trade as a fitted law would.

    A growth law fitted to history describes *whole* trade, while a scenario's
    ``[trade.growth]`` is its organic part, with projects, measures, shocks and
    transport links added by the model. Comparing this summary with the fit
    (:func:`fit_growth`) checks that the scenario, as a whole, grows like the
    history it was calibrated to. Changes are counted between simulated years
    (from the first to the second, and so on): the change from the base year
    into the first is left out, and so is the change out of a partly observed
    first year, whose level the observation pins (its flows and organic trade are
    fixed together, not by the law).

    Parameters
    ----------
    scenario : Scenario
    paths : int
        Paths to simulate (in this process).
    seed : int
        Root seed.

    Returns
    -------
    WholeTradeLaw
    """
    from .engine import simulate_chunk

    first = 1 if scenario.observation is not None else 0
    simulated = simulate_chunk(scenario, seed, 0, paths)
    if simulated.trade.shape[1] - first < 4:
        raise ValueError("whole_trade_law needs at least three simulated year-on-year changes after any observed year")
    years = tuple(scenario.years[first + 1 :])
    total = np.log(simulated.turnover[:, first:])
    organic = np.log(simulated.by_component[:, first:, 0])
    d = np.diff(total, axis=1)
    path_mean = d.mean(axis=1)
    within_var = ((d - path_mean[:, None]) ** 2).sum(axis=1) / (d.shape[1] - 1)
    return WholeTradeLaw(
        mean=float(d.mean()),
        sd=float(math.sqrt(within_var.mean())),
        path_mean_sd=float(path_mean.std(ddof=1)),
        organic_mean=float(np.diff(organic, axis=1).mean()),
        years=years,
        paths=paths,
    )


# ---------------------------------------------------------------- scores


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


# ---------------------------------------------------------------- backtest


@dataclass(frozen=True)
class ForecastRow:
    """One out-of-sample forecast: from ``origin`` for ``year = origin + horizon``; values in USD bn."""

    origin: int
    year: int
    horizon: int
    actual: float
    p5: float
    p25: float
    p50: float
    p75: float
    p95: float
    crps: float
    crps_random_walk: float
    model: str
    law: str = "random_walk"

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _summarise(rows: Sequence[ForecastRow]) -> dict[str, Any]:
    n = len(rows)
    if n == 0:
        return {
            "coverage_50": math.nan,
            "coverage_90": math.nan,
            "crps": math.nan,
            "crps_random_walk": math.nan,
            "crps_skill": math.nan,
            "n_forecasts": 0,
        }
    c50 = sum(r.p25 <= r.actual <= r.p75 for r in rows) / n
    c90 = sum(r.p5 <= r.actual <= r.p95 for r in rows) / n
    crps = float(np.mean([r.crps for r in rows]))
    rw = float(np.mean([r.crps_random_walk for r in rows]))
    return {
        "coverage_50": c50,
        "coverage_90": c90,
        "crps": crps,
        "crps_random_walk": rw,
        "crps_skill": 1.0 - crps / rw if rw > 0 else math.nan,
        "n_forecasts": n,
    }


@dataclass(frozen=True)
class BacktestResult:
    """Rolling-origin forecasts of the organic law and their scores (level scale, USD bn).

    Attributes
    ----------
    forecasts : tuple of ForecastRow
        Every forecast, by origin then horizon.
    fits : tuple of GrowthFit or StructuralFit
        The law fitted at each origin (:class:`GrowthFit` for the random walk,
        :class:`sim.structural.StructuralFit` for the structural law).
    horizons : tuple of int
        Horizons asked for, years.
    paths, seed : int
        Monte Carlo paths per origin and root seed.
    models : tuple of str
        Candidate laws at each origin.
    engine : str
        ``"numpy"`` (vectorised) or ``"runner"`` (:func:`sim.runner.run_paths`).
    source : str
        Description of the series.
    law : str
        The organic law forecast: ``"random_walk"`` or ``"structural"`` (see :func:`backtest`).
    """

    forecasts: tuple[ForecastRow, ...]
    fits: tuple[Any, ...]
    horizons: tuple[int, ...]
    paths: int
    seed: int
    models: tuple[str, ...]
    engine: str
    source: str = "given series"
    law: str = "random_walk"

    def rows(self) -> list[dict[str, Any]]:
        """One dict per forecast: origin, year, horizon, actual, p5-p95, crps, crps_random_walk (USD bn), model and law."""
        return [r.to_dict() for r in self.forecasts]

    def to_dict(self) -> dict[str, Any]:
        """Scores over all forecasts and per horizon.

        Keys: ``coverage_50`` and ``coverage_90`` (share of actual values
        inside the central 50% / 90% forecast range), ``crps`` and
        ``crps_random_walk`` (mean CRPS, USD bn), ``crps_skill``
        (``1 - crps / crps_random_walk``), ``n_forecasts``, ``horizons``,
        ``by_horizon`` (the same scores for each horizon, keyed by ``str(h)``),
        ``origins``, ``scale``, ``paths``, ``seed``, ``models``, ``engine``, ``source``, ``law``.
        """
        out = _summarise(self.forecasts)
        out["horizons"] = list(self.horizons)
        out["by_horizon"] = {str(h): _summarise([r for r in self.forecasts if r.horizon == h]) for h in self.horizons}
        out["origins"] = sorted({r.origin for r in self.forecasts})
        out["scale"] = "level, USD bn"
        out.update(paths=self.paths, seed=self.seed, models=list(self.models), engine=self.engine, source=self.source, law=self.law)
        return out


def _random_walk_sd(ch: _Changes) -> float:
    """Sample sd of the log changes, each divided by the square root of its length in years."""
    return float(np.std(ch.d / np.sqrt(ch.k), ddof=1))


def _backtest_horizons(horizons: Sequence[int]) -> tuple[int, ...]:
    hs = tuple(sorted({int(h) for h in horizons}))
    if not hs or hs[0] < 1:
        raise ValueError(f"horizons must be whole years >= 1 (got {tuple(horizons)})")
    return hs


def _law_name(law: str, context: Any) -> str:
    if law not in LAWS:
        raise ValueError(f"unknown organic law {law!r}; allowed: {', '.join(LAWS)}")
    if law == "structural" and context is None:
        raise ValueError("the structural law needs the trade context (total trade with all partners): pass context=")
    return law


def backtest_origins(
    years: ArrayLike,
    values: ArrayLike,
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    law: str = "random_walk",
    context: Any = None,
) -> list[int]:
    """Years from which a law can be fitted and at least one horizon checked against an observed value.

    Parameters
    ----------
    years, values : array-like
        Bilateral turnover (years increasing, USD bn).
    horizons : sequence of int
        Years ahead to forecast.
    min_fit_points : int
        Random walk: fewest log changes of the series up to an origin.
        Structural law: fewest log changes of total trade and transitions of
        China's share up to an origin (:func:`sim.structural.structural_origins`).
    law : {"random_walk", "structural"}
    context : sim.context.TradeContext, optional
        Needed for the structural law (its ``total`` series).

    Returns
    -------
    list of int
        Origin years, increasing.
    """
    y, v = _check_series(years, values)
    hs = _backtest_horizons(horizons)
    if _law_name(law, context) == "random_walk":
        fittable = [int(a) for a in y[min_fit_points:]]
    else:
        from .structural import structural_origins

        fittable = structural_origins(y, v, context.total, min_fit_points)
    observed = set(y.tolist())
    return [o for o in fittable if any(o + h in observed for h in hs)]


def backtest(
    years: ArrayLike,
    values: ArrayLike,
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    paths: int = 4000,
    seed: int = 0,
    models: Sequence[str] = MODELS,
    *,
    engine: Literal["numpy", "runner"] = "numpy",
    source: str = "given series",
    law: Literal["random_walk", "structural"] = "random_walk",
    context: Any = None,
    origins: Sequence[int] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the fitted organic law, with parameter uncertainty.

    For every observed year ``Y`` with at least ``min_fit_points`` log changes
    up to it and an observed value at some ``Y + h``: fit the law on the data
    up to ``Y`` (:func:`fit_growth`, chosen by AICc), simulate ``paths`` organic
    paths from the observed value of ``Y`` with the fitted ``[trade.growth]``
    law (``mean`` and ``sd`` drawn per path), and score the forecast of each
    observed ``Y + h`` on the level scale (USD bn): central 50% and 90% ranges
    and the sample CRPS, next to the closed-form CRPS of a zero-drift
    lognormal random walk from ``V_Y`` with the sample sd of the log changes up
    to ``Y`` (:func:`crps_lognormal`).

    With ``law="structural"`` the forecast is the structural law instead
    (:mod:`sim.structural`): at each origin ``Y`` the growth law of total
    trade and the law of China's share are fitted to the data up to ``Y``
    only, ``W`` and the share are simulated from the observed ``W_Y`` and
    ``s_Y = V_Y / W_Y`` with parameter uncertainty, and the forecast is
    ``share * W``, scored exactly as above (same benchmark). Origins are the
    years where both fits have ``min_fit_points`` changes
    (:func:`backtest_origins`).

    Parameters
    ----------
    years, values : array-like
        The series (years increasing, values USD bn); gaps allowed.
    horizons : sequence of int
        Years ahead to forecast (>= 1).
    min_fit_points : int
        Fewest log changes up to an origin (at least :data:`MIN_OBSERVATIONS`).
    paths : int
        Simulated paths per origin.
    seed : int
        Root seed; origin ``i`` (in increasing order) uses child ``i`` of ``numpy.random.SeedSequence(seed)``.
    models : sequence of str
        Candidate laws (of total trade, for the structural law).
    engine : {"numpy", "runner"}
        ``"numpy"``: :func:`simulate_organic`; ``"runner"``: an organic-only
        scenario through :func:`sim.runner.run_paths` (slower, same law;
        random walk only).
    source : str
        Description of the series for reports and charts.
    law : {"random_walk", "structural"}
        The organic law forecast.
    context : sim.context.TradeContext, optional
        Total trade with all partners; needed for the structural law.
    origins : sequence of int, optional
        Origin years to use, each one :func:`backtest_origins` allows
        (default: all of them); :func:`backtest_laws` passes the origins common to several laws.

    Returns
    -------
    BacktestResult

    Raises
    ------
    ValueError
        No origin qualifies, or bad arguments.
    """
    y, v = _check_series(years, values)
    hs = _backtest_horizons(horizons)
    if min_fit_points < MIN_OBSERVATIONS:
        raise ValueError(f"min_fit_points must be at least {MIN_OBSERVATIONS} (got {min_fit_points})")
    if paths < 2:
        raise ValueError(f"paths must be at least 2 (got {paths})")
    if engine not in ("numpy", "runner"):
        raise ValueError(f"engine must be 'numpy' or 'runner' (got {engine!r})")
    if _law_name(law, context) == "structural" and engine != "numpy":
        raise ValueError("the structural law is backtested with engine='numpy' only")
    allowed = backtest_origins(y, v, hs, min_fit_points, law, context)
    chosen = allowed if origins is None else sorted({int(o) for o in origins})
    if set(chosen) - set(allowed):
        bad = ", ".join(map(str, sorted(set(chosen) - set(allowed))))
        raise ValueError(f"{bad}: not an origin the {law} law can be backtested from (allowed: {', '.join(map(str, allowed)) or 'none'})")
    if not chosen:
        raise ValueError(
            f"no origin year has {min_fit_points} log changes before it and an observed value {', '.join(map(str, hs))} year(s) later"
            + (" (with total trade and China's share observed)" if law == "structural" else "")
        )
    value_at = {int(a): float(b) for a, b in zip(y, v, strict=True)}
    position = {int(a): i for i, a in enumerate(y)}
    children = np.random.SeedSequence(seed).spawn(len(chosen))
    rows: list[ForecastRow] = []
    fits: list[Any] = []
    for origin, child in zip(chosen, children, strict=True):
        i = position[origin]
        span = max(h for h in hs if origin + h in value_at)
        if law == "structural":
            from .structural import forecast_structural

            fit, sims = forecast_structural(y, v, context.total, origin, span, paths, np.random.default_rng(child), models, source)
        else:
            fit = fit_growth(y[: i + 1], v[: i + 1], models, source=source)
            if engine == "numpy":
                sims = simulate_organic(fit.growth_law(), float(v[i]), span, paths, np.random.default_rng(child))
            else:
                seed_i = int(child.generate_state(1, dtype=np.uint64)[0] >> 1)
                sims = _simulate_with_runner(fit.growth_law(), origin, float(v[i]), span, paths, seed_i)
        fits.append(fit)
        rw_sd = _random_walk_sd(_changes(y[: i + 1], v[: i + 1]))
        rows += _scored(origin, float(v[i]), sims, value_at, hs, rw_sd, fit.model, law)
    return BacktestResult(
        forecasts=tuple(rows),
        fits=tuple(fits),
        horizons=hs,
        paths=paths,
        seed=seed,
        models=tuple(models),
        engine=engine,
        source=source,
        law=law,
    )


def _scored(
    origin: int, base: float, sims: np.ndarray, value_at: dict[int, float], hs: tuple[int, ...], rw_sd: float, model: str, law: str
) -> list[ForecastRow]:
    """The forecast rows of one origin: quantiles and CRPS of ``sims[:, h - 1]`` against each observed ``origin + h``."""
    rows = []
    for h in hs:
        if origin + h not in value_at:
            continue
        actual = value_at[origin + h]
        draws = sims[:, h - 1]
        q = np.quantile(draws, [0.05, 0.25, 0.5, 0.75, 0.95])
        rows.append(
            ForecastRow(
                origin=origin,
                year=origin + h,
                horizon=h,
                actual=actual,
                p5=float(q[0]),
                p25=float(q[1]),
                p50=float(q[2]),
                p75=float(q[3]),
                p95=float(q[4]),
                crps=crps_samples(draws, actual),
                crps_random_walk=crps_lognormal(math.log(base), rw_sd * math.sqrt(h), actual),
                model=model,
                law=law,
            )
        )
    return rows


@dataclass(frozen=True)
class LawsBacktest:
    """Several organic laws backtested on the same origins, horizons and forecast years.

    Attributes
    ----------
    results : tuple of BacktestResult
        One per law, in the order asked for.
    origins : tuple of int
        The origins common to every law.
    """

    results: tuple[BacktestResult, ...]
    origins: tuple[int, ...]

    @property
    def laws(self) -> tuple[str, ...]:
        """The laws, in order."""
        return tuple(r.law for r in self.results)

    def rows(self) -> list[dict[str, Any]]:
        """Every forecast of every law (:meth:`BacktestResult.rows`, with its ``law``)."""
        return [row for r in self.results for row in r.rows()]

    def to_dict(self) -> dict[str, Any]:
        """Each law's scores under ``laws`` (:meth:`BacktestResult.to_dict`: overall and ``by_horizon``), and what they share.

        Keys: ``laws`` (by law name), ``origins``, ``forecasts`` (the common
        ``[origin, year]`` pairs), ``horizons``, ``scale``, ``paths``, ``seed``, ``source``.
        """
        first = self.results[0]
        return {
            "laws": {r.law: r.to_dict() for r in self.results},
            "origins": list(self.origins),
            "forecasts": [[f.origin, f.year] for f in first.forecasts],
            "horizons": list(first.horizons),
            "scale": "level, USD bn",
            "paths": first.paths,
            "seed": first.seed,
            "source": first.source,
        }


def backtest_laws(
    years: ArrayLike,
    values: ArrayLike,
    context: Any,
    laws: Sequence[str] = LAWS,
    horizons: Sequence[int] = (1, 2, 3),
    min_fit_points: int = MIN_OBSERVATIONS,
    paths: int = 4000,
    seed: int = 0,
    models: Sequence[str] = MODELS,
    *,
    source: str = "given series",
) -> LawsBacktest:
    """Backtest several organic laws on exactly the same forecasts: the origins where every law can be fitted.

    Parameters
    ----------
    years, values : array-like
        Bilateral turnover (years increasing, USD bn).
    context : sim.context.TradeContext
        Total trade with all partners (for the structural law).
    laws : sequence of str
        Among ``"random_walk"`` and ``"structural"``.
    horizons, min_fit_points, paths, seed, models, source
        As for :func:`backtest`; every law uses the same seed.

    Returns
    -------
    LawsBacktest

    Raises
    ------
    ValueError
        No origin common to every law, or bad arguments.
    """
    names = [_law_name(law, context) for law in laws]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"laws must name each law once (got {list(laws)})")
    common = sorted(set.intersection(*(set(backtest_origins(years, values, horizons, min_fit_points, law, context)) for law in names)))
    if not common:
        raise ValueError(f"no origin year from which every law ({', '.join(names)}) can be fitted and checked")
    results = tuple(
        backtest(years, values, horizons, min_fit_points, paths, seed, models, source=source, law=law, context=context, origins=common)
        for law in names
    )
    return LawsBacktest(results=results, origins=tuple(common))
