"""Fitting the growth law to a yearly series, and the fitted law as a ``[trade.growth]`` block.

The law and its likelihood are in :mod:`sim.calibration.growth_likelihood`.

* **Estimation** (:func:`fit_growth`). Maximum likelihood with
  :func:`scipy.optimize.minimize` (SLSQP within wide bounds, a few starting
  points; :func:`sim.calibration.estimation.maximise_loglik`) on transformed,
  unbounded parameters ``(mean, ln sd, atanh persistence, ln(df - 2))``.
  Standard errors come from the inverse of a central-difference Hessian of
  the negative log-likelihood in those coordinates
  (:func:`sim.calibration.estimation.hessian_standard_errors`), carried back
  by the delta method; a parameter that ends at a search bound is held fixed
  there and has no standard error. Persistence is estimated on (-1, 1); the
  scenario block clips it to [0, 0.95].
* **Model choice.** By the small-sample corrected Akaike criterion
  ``AICc = -2 lnL + 2 k + 2 k (k + 1) / (n - k - 1)`` with ``k`` parameters
  and ``n`` observed log changes; a model with ``n <= k + 1`` is not eligible
  (infinite AICc). The lowest AICc wins.
* **The block** (:meth:`GrowthFit.growth_block`). ``mean`` and ``sd`` are
  distributions drawn once per path: this is how the estimation uncertainty
  of the parameters is carried into the simulation. ``mean`` is normal around
  its estimate with its standard error; ``sd`` follows the lognormal law with
  median ``sd`` and log-scale spread ``se(ln sd)``. The scenario schema only
  accepts a ``sd`` whose every possible value is at most 5, which an
  unbounded lognormal is not, so that lognormal is written as the PERT
  distribution with the same median and 90th percentile on the lognormal's
  0.1-99.9% range (:func:`sim.calibration.blocks.lognormal_as_pert`).
* **Simulation** (:func:`simulate_organic`): paths of a fitted law, drawn as
  the simulator draws them, for the backtest and the structural law.

Where to make a change
----------------------
* Search bounds, starting points, the criterion: here.
* The comments or values of the block: :meth:`GrowthFit.growth_block` here,
  how values are written: :mod:`sim.calibration.blocks`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..distributions import Z90, as_distribution
from ..errors import UsageError
from .blocks import SD_MAX, lognormal_as_pert, se_text, significant, significant_table, toml_block, year_ranges
from .estimation import ATANH_MAX, hessian_standard_errors, maximise_loglik
from .growth_likelihood import MODELS, changes_loglik, check_model
from .series import MIN_OBSERVATIONS, LogChanges, check_series, log_changes

__all__ = ["PERSISTENCE_CLIP", "ModelScore", "GrowthFit", "fit_growth", "simulate_organic"]

PERSISTENCE_CLIP = (0.0, 0.95)
"""Range the scenario block clips the fitted persistence to."""

_N_PARAMS = {"normal": 2, "normal_ar1": 3, "t": 3, "t_ar1": 4}
# search bounds on the transformed parameters (mean, ln sd, atanh phi, ln(df - 2))
_BOUNDS = {
    "mean": (-5.0, 5.0),
    "log_sd": (math.log(1e-4), math.log(SD_MAX)),
    "atanh_phi": (-ATANH_MAX, ATANH_MAX),
    "log_df": (math.log(0.05), math.log(998.0)),
}
# SLSQP settings of the growth fit (the share and split fits use estimation's defaults)
_MAXITER, _FTOL = 500, 1e-11


def _param_names(model: str) -> list[str]:
    """Names of the transformed parameters of ``model``, in the order of the optimiser's vector."""
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

    def to_json(self) -> dict[str, Any]:
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
    """Small-sample corrected AIC of ``k`` parameters on ``n`` observations; infinite when ``n <= k + 1`` or the fit failed."""
    if n - k - 1 <= 0 or not math.isfinite(loglik):
        return math.inf
    return -2.0 * loglik + 2.0 * k + 2.0 * k * (k + 1) / (n - k - 1)


def _starts(model: str, ch: LogChanges) -> list[np.ndarray]:
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


def _loglik(model: str, ch: LogChanges) -> Callable[[np.ndarray], float]:
    """The log-likelihood of ``model`` as a function of its transformed parameters."""

    def loglik(theta: np.ndarray) -> float:
        return changes_loglik(ch, *_unpack(model, theta))

    return loglik


def _fit_one(model: str, ch: LogChanges) -> tuple[np.ndarray, float]:
    """Maximum-likelihood transformed parameters and the maximised log-likelihood."""
    bounds = [_BOUNDS[n] for n in _param_names(model)]
    return maximise_loglik(_loglik(model, ch), _starts(model, ch), bounds, maxiter=_MAXITER, ftol=_FTOL)


def _standard_errors(model: str, ch: LogChanges, theta: np.ndarray) -> dict[str, float]:
    """Standard errors of the transformed parameters by name, from the inverse numerical Hessian (NaN when not identified)."""
    names = _param_names(model)
    se = hessian_standard_errors(_loglik(model, ch), theta, [_BOUNDS[n] for n in names])
    return {n: float(s) for n, s in zip(names, se, strict=True)}


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
        gaps, each giving one multi-year log change (:mod:`sim.calibration.growth_likelihood`).
        Combine duplicate figures for a year first (:func:`sim.calibration.load_series` takes
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
    UsageError
        Fewer than :data:`MIN_OBSERVATIONS` log changes, malformed input, an
        unknown model, or no candidate with ``n > k + 1``.
    """
    y, v = check_series(years, values)
    models = tuple(check_model(m) for m in models)
    if not models:
        raise UsageError("at least one candidate model is needed")
    ch = log_changes(y, v)
    if ch.n < MIN_OBSERVATIONS:
        raise UsageError(
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
        raise UsageError(f"no candidate model can be fitted to {ch.n} log changes (each needs more changes than parameters + 1)")
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
            law["mean"] = {"dist": "normal", "mean": significant(self.mean), "sd": significant(self.mean_se)}
        else:
            law["mean"] = significant(self.mean)
        sd = min(self.sd, SD_MAX)
        if math.isfinite(self.log_sd_se) and self.log_sd_se > 0:
            law["sd"] = significant_table(lognormal_as_pert(sd, self.log_sd_se))
        else:
            law["sd"] = significant(sd)
        law["persistence"] = significant(min(max(self.persistence, PERSISTENCE_CLIP[0]), PERSISTENCE_CLIP[1]))
        if self.df is not None:
            law["df"] = significant(min(max(self.df, 2.0 + 1e-3), 1000.0))
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
            f"# {'Organic growth' if title == 'trade.growth' else 'Growth'} law fitted by sim.calibration.fit_growth (maximum likelihood).",
            f"# Source: {self.source}.",
            f"# Years: {year_ranges(self.years)} ({self.n_obs} log changes; a gap of k years is one k-year change).",
            f"# Model: {self.model}, chosen by lowest AICc among: {table}.",
            f"# Estimates (standard error): mean {self.mean:.4f} ({se_text(self.mean_se)}), sd {self.sd:.4f} ({se_text(self.sd_se)})"
            + (f", persistence {self.persistence:.3f} ({se_text(self.persistence_se)})" if self.model.endswith("_ar1") else "")
            + (f", df {self.df:.2f} ({se_text(self.df_se)})" if self.df is not None else "")
            + ".",
            "# mean: normal(estimate, standard error); sd: lognormal(median = estimate, log-sd = se of ln sd),",
            "# written as the PERT with the same median and p90 (the schema needs a bounded sd). Drawn once per path.",
        ]
        if isinstance(law["sd"], dict):
            got = as_distribution(law["sd"]).ppf(np.array([0.5, 0.9]))
            want = (self.sd, self.sd * math.exp(Z90 * self.log_sd_se))
            lines.append(f"# sd PERT median {got[0]:.4f}, p90 {got[1]:.4f} (lognormal: median {want[0]:.4f}, p90 {want[1]:.4f}).")
        if self.model.endswith("_ar1") and not PERSISTENCE_CLIP[0] <= self.persistence <= PERSISTENCE_CLIP[1]:
            lines.append(f"# persistence clipped to [{PERSISTENCE_CLIP[0]}, {PERSISTENCE_CLIP[1]}] from {self.persistence:.3f}.")
        return toml_block(lines, title, law)

    def to_json(self) -> dict[str, Any]:
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
            "candidates": [c.to_json() for c in self.candidates],
            "source": self.source,
        }


def simulate_organic(law: dict[str, Any], base_usd_bn: float, years: int, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Organic trade paths of a ``[trade.growth]`` law, as the simulator draws them (vectorised).

    Per path, ``mean`` and ``sd`` are drawn once by inversion of their
    distributions; the yearly deviations follow the stationary AR(1) with
    normal or unit-variance t innovations, starting from the stationary law;
    ``log V_t = log V_{t-1} + mean + deviation_t`` from ``V_0 = base_usd_bn``.
    The same law as :func:`sim.engine.organic.organic_turnover` for a scenario without a
    partly observed year (checked against :func:`sim.run.run_paths` in the tests).

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
    mu = as_distribution(law["mean"]).ppf(u[:, 0])
    sd = as_distribution(law["sd"]).ppf(u[:, 1])
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
