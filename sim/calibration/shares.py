"""Shares that revert to a long run: the logit AR(1) share law, its likelihood, its fit and its simulation.

A share ``s_t`` in (0, 1) (the partner's share of the country's turnover, exports'
share of bilateral turnover) is modelled on the logit scale, ``z_t = logit(s_t)``,
as a mean-reverting AR(1)::

    z_t = zbar + phi * (z_{t-1} - zbar) + sd * eps_t,    eps_t iid standard normal

A scenario gives the law as a "share law" table (:meth:`ShareFit.law`):
``long_run = expit(zbar)``, ``persistence = phi`` (every value in [0, 0.99]) and
``sd`` (every value in [0, 5], logit points a year), each a number or a
distribution drawn once per path.

Likelihood (:func:`share_loglik`)
---------------------------------
Between observed years ``t`` and ``t + k`` (a gap of ``k`` years) the logit
moves by ``k`` steps of the AR(1), so given ``z_t`` it is normal with mean
``zbar + phi**k (z_t - zbar)`` and variance ``sd**2 (1 - phi**(2k)) / (1 - phi**2)``.
The likelihood is the product of these transition densities, **conditional on
the first observation**: the first year of the shipped series (2010) comes
from before the country opened up in 2017 (the shipped first case), when the partner's share was about half
its later level; a stationary start would treat it as a draw from the
long-run law and drag the long run down. The likelihood is that of the
logits (the share's own density differs by the Jacobian ``-sum ln(s (1 - s))``,
which does not depend on the parameters).

Fit (:func:`fit_share_law`)
---------------------------
Maximum likelihood in ``(zbar, atanh phi, ln sd)`` with ``phi`` searched on
(-0.99, 0.99) (:func:`sim.calibration.estimation.maximise_loglik`), standard errors from
the inverse Hessian in those coordinates, carried to ``phi`` and ``sd`` by the
delta method.

Where to make a change
----------------------
* The likelihood, the fit or the vectorised simulation of a share: here. The
  simulator's own share step is in :mod:`sim.engine.organic`: a change of the law changes both.
* How the estimates become distributions in the block: :meth:`ShareFit.law`, :func:`persistence_law`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from ..distributions import Z90, as_distribution
from ..errors import UsageError
from .blocks import lognormal_as_pert, pert_quantiles, se_text, significant, significant_table, toml_block, year_ranges
from .estimation import ATANH_MAX, hessian_standard_errors, maximise_loglik
from .series import MIN_OBSERVATIONS, check_years

__all__ = [
    "PERSISTENCE_RANGE",
    "SHARE_SD_MAX",
    "LAW_NOTE",
    "ShareFit",
    "check_shares",
    "ar1_step_variance",
    "logit_transition_loglik",
    "share_loglik",
    "fit_share_law",
    "persistence_law",
    "persistence_check_lines",
    "simulate_shares",
]

PERSISTENCE_RANGE = (0.0, 0.99)
"""Range every value of a share law's ``persistence`` must lie in."""
SHARE_SD_MAX = 5.0
"""Largest ``sd`` (logit points a year) every value of a share law's distribution may take."""

_BOUNDS = [(-15.0, 15.0), (-ATANH_MAX, ATANH_MAX), (math.log(1e-4), math.log(SHARE_SD_MAX))]  # zbar, atanh phi, ln sd
LAW_NOTE = (
    "# long_run: logit-normal(median = estimate, logit sd = se of the long-run logit); persistence: tanh(normal(atanh estimate,\n"
    "# its se)) on [0, 0.99] as a PERT; sd: lognormal(median = estimate, log-sd = se of ln sd) as a PERT. Drawn once per path."
)
"""Comment lines explaining how a share law's estimates and standard errors become distributions."""


# ---------------------------------------------------------------- likelihood


def check_shares(years: ArrayLike, shares: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(years, shares)``: whole, strictly increasing years; shares strictly inside (0, 1).

    Raises
    ------
    UsageError
        Malformed years (:func:`sim.calibration.series.check_years`) or a share outside (0, 1).
    """
    y, s = check_years(years, shares, "shares")
    if not np.all((s > 0) & (s < 1)):
        raise UsageError("shares must lie strictly between 0 and 1")
    return y, s


def ar1_step_variance(k: ArrayLike, persistence: float) -> np.ndarray:
    """Variance of ``k`` steps of an AR(1) with unit innovation variance, ``sum_{j<k} phi**(2 j)``.

    Parameters
    ----------
    k : int or array of int, >= 1
        Years between two observations.
    persistence : float
        ``phi`` in (-1, 1).

    Returns
    -------
    ndarray
        ``(1 - phi**(2k)) / (1 - phi**2)``; ``k`` years of independent steps give 1.
    """
    kf = np.asarray(k, dtype=float)
    phi2 = float(persistence) ** 2
    return (1.0 - phi2**kf) / (1.0 - phi2)


def logit_transition_loglik(z_prev: np.ndarray, z_next: np.ndarray, k: np.ndarray, zbar: float, phi: float, sd: float) -> float:
    """Log density of the logits ``z_next`` given ``z_prev`` ``k`` years before, summed (all arrays shape (n,))."""
    mean = zbar + phi**k * (z_prev - zbar)
    var = sd * sd * ar1_step_variance(k, phi)
    return float(np.sum(-0.5 * np.log(2.0 * math.pi * var) - 0.5 * (z_next - mean) ** 2 / var))


def share_loglik(years: ArrayLike, shares: ArrayLike, long_run: float, persistence: float, sd: float) -> float:
    """Log-likelihood of observed shares under the logit AR(1) law, conditional on the first observation.

    Parameters
    ----------
    years : array-like of int, shape (n,)
        Years with a share, strictly increasing; gaps allowed (a gap of ``k``
        years is one ``k``-step transition).
    shares : array-like of float, shape (n,)
        Shares in (0, 1).
    long_run : float
        ``expit(zbar)``, in (0, 1).
    persistence : float
        ``phi`` in (-1, 1).
    sd : float
        Yearly sd of the logit innovations, > 0.

    Returns
    -------
    float
        Log density of the logits of years 2..n given the logit of year 1.
    """
    y, s = check_shares(years, shares)
    z = special.logit(s)
    return logit_transition_loglik(z[:-1], z[1:], np.diff(y), float(special.logit(long_run)), persistence, sd)


# ---------------------------------------------------------------- the fitted law


def persistence_law(persistence: float, atanh_se: float) -> Any:
    """The scenario value of a fitted AR(1) coefficient: a PERT on [0, 0.99], or a plain number.

    The asymptotic law of ``atanh(phi)`` is normal with mean ``atanh(estimate)``
    and sd ``atanh_se``. ``phi = tanh`` of it is **conditioned on** [0, 0.99],
    the range the scenario accepts (a negative coefficient, a share
    overshooting its long run every other year, is not part of the law), and
    written as the PERT on [0, 0.99] with that conditional law's median and
    90th percentile (``mode`` and ``lamb`` solved; the least-squares
    compromise when both cannot be met exactly, e.g. mass piled against 0.99).

    Parameters
    ----------
    persistence : float
        Estimate of ``phi``.
    atanh_se : float
        Standard error of ``atanh(phi)``; NaN when not identified.

    Returns
    -------
    float or dict
        The estimate clipped to [0, 0.99] (rounded to 6 significant digits)
        when the standard error is not finite or the conditional law has
        (almost) no mass in [0, 0.99]; otherwise ``{dist = "pert", min = 0, mode, max = 0.99, lamb}``.
    """
    low, high = PERSISTENCE_RANGE
    plain = significant(min(max(persistence, low), high))
    quantiles = _conditional_persistence_quantiles(persistence, atanh_se)
    if quantiles is None:
        return plain
    return significant_table(_pert_matching(low, high, *quantiles))


def _conditional_persistence_quantiles(persistence: float, atanh_se: float) -> tuple[float, float] | None:
    """Median and 90th percentile of ``tanh(normal(atanh phi, atanh_se))`` conditioned on [0, 0.99]; None without that law."""
    if not (math.isfinite(atanh_se) and atanh_se > 0):
        return None
    a = math.atanh(persistence)
    lo, hi = (special.ndtr((math.atanh(b) - a) / atanh_se) for b in PERSISTENCE_RANGE)
    if hi - lo < 1e-9:
        return None
    median, p90 = np.tanh(a + atanh_se * special.ndtri(lo + np.array([0.5, 0.9]) * (hi - lo)))
    return float(median), float(p90)


def _pert_matching(low: float, high: float, median: float, p90: float) -> dict[str, Any]:
    """The PERT on [low, high] whose median and 90th percentile are (closest, in least squares) to the given ones."""
    target = np.array([median, p90])
    q = np.array([0.5, 0.9])

    def residual(x: np.ndarray) -> np.ndarray:
        mode = low + float(special.expit(x[0])) * (high - low)
        return (pert_quantiles(low, mode, high, math.exp(x[1]), q) - target) / (high - low)

    w0 = min(max((median - low) / (high - low), 0.02), 0.98)
    sol = optimize.least_squares(residual, [special.logit(w0), math.log(4.0)], xtol=1e-12, ftol=1e-12)
    return {
        "dist": "pert",
        "min": low,
        "mode": low + float(special.expit(sol.x[0])) * (high - low),
        "max": high,
        "lamb": math.exp(sol.x[1]),
    }


def _sd_law(sd: float, log_sd_se: float) -> Any:
    """The scenario value of a fitted ``sd``: the lognormal of the estimate and ``se(ln sd)`` as a capped PERT, or a number."""
    sd = min(sd, SHARE_SD_MAX)
    if math.isfinite(log_sd_se) and log_sd_se > 0 and sd < SHARE_SD_MAX:
        return significant_table(lognormal_as_pert(sd, log_sd_se, cap=SHARE_SD_MAX))
    return significant(sd)


def _long_run_law(zbar: float, zbar_se: float) -> Any:
    """The scenario value of the long-run share: a logit-normal with the estimate as median, or a number without a usable se."""
    median = significant(float(special.expit(zbar)))
    if math.isfinite(zbar_se) and zbar_se > 0:
        p90 = significant(float(special.expit(zbar + Z90 * zbar_se)))
        if median < p90 < 1.0:
            return {"dist": "logitnormal", "median": median, "p90": p90}
    return median


@dataclass(frozen=True)
class ShareFit:
    """The fitted logit AR(1) law of a share.

    Attributes
    ----------
    zbar, zbar_se : float
        Long-run logit and its standard error (NaN when not identified).
    persistence : float
        AR(1) coefficient ``phi`` of the logit, estimated on (-0.99, 0.99).
    atanh_persistence_se : float
        Standard error of ``atanh(phi)``.
    sd, log_sd_se : float
        Yearly sd of the logit innovations (logit points) and the standard error of ``ln sd``.
    loglik : float
        Maximised log-likelihood of the fit the estimates come from.
    years : tuple of int
        Years with an observed share.
    shares : tuple of float
        The observed shares.
    source : str
        Description of the series.
    """

    zbar: float
    zbar_se: float
    persistence: float
    atanh_persistence_se: float
    sd: float
    log_sd_se: float
    loglik: float
    years: tuple[int, ...]
    shares: tuple[float, ...]
    source: str = "given series"

    @property
    def long_run(self) -> float:
        """``expit(zbar)``, the long-run share."""
        return float(special.expit(self.zbar))

    @property
    def persistence_se(self) -> float:
        """Standard error of ``phi`` (delta method: ``(1 - phi**2) * se(atanh phi)``)."""
        return (1.0 - self.persistence**2) * self.atanh_persistence_se

    @property
    def sd_se(self) -> float:
        """Standard error of ``sd`` (delta method: ``sd * se(ln sd)``)."""
        return self.sd * self.log_sd_se

    @property
    def n_obs(self) -> int:
        """Number of observed transitions (observed years minus one)."""
        return len(self.years) - 1

    def law(self) -> dict[str, Any]:
        """The share-law table: ``long_run``, ``persistence``, ``sd`` (values rounded to 6 significant digits).

        ``long_run`` is ``{dist = "logitnormal", median = expit(zbar), p90 =
        expit(zbar + 1.2816 se(zbar))}``; ``persistence`` is
        :func:`persistence_law`; ``sd`` the lognormal with median ``sd`` and
        log-sd ``se(ln sd)`` as a PERT on its 0.1-99.9% range, capped at 5
        (:func:`sim.calibration.blocks.lognormal_as_pert`). A parameter without a
        finite standard error is a plain number.
        """
        return {
            "long_run": _long_run_law(self.zbar, self.zbar_se),
            "persistence": persistence_law(self.persistence, self.atanh_persistence_se),
            "sd": _sd_law(self.sd, self.log_sd_se),
        }

    def estimates_line(self) -> str:
        """One comment line with the estimates and their standard errors."""
        return (
            f"# Estimates (standard error): long run {self.long_run:.4f} (logit {self.zbar:.4f} ({se_text(self.zbar_se)})),"
            f" persistence {self.persistence:.3f} ({se_text(self.persistence_se)}), sd {self.sd:.4f} ({se_text(self.sd_se)}) logit points."
        )

    def block(self, title: str) -> str:
        """A TOML share-law table with comments naming the source, years, estimates and standard errors.

        Parameters
        ----------
        title : str
            The table's dotted name, e.g. ``"trade.structural.share"``.
        """
        pairs = ", ".join(f"{y}: {s:.4f}" for y, s in zip(self.years, self.shares, strict=True))
        lines = [
            "# Share law (logit AR(1)) fitted by sim.calibration.fit_share_law (maximum likelihood, conditional on the first year).",
            f"# Source: {self.source}.",
            f"# Years: {year_ranges(self.years)} ({self.n_obs} transitions; a gap of k years is one k-year transition).",
            f"# Shares: {pairs}.",
            self.estimates_line(),
            LAW_NOTE,
            *persistence_check_lines(self),
        ]
        return toml_block(lines, title, self.law())

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the estimates, standard errors and data."""
        return {
            "long_run": self.long_run,
            "zbar": self.zbar,
            "zbar_se": self.zbar_se,
            "persistence": self.persistence,
            "persistence_se": self.persistence_se,
            "sd": self.sd,
            "sd_se": self.sd_se,
            "loglik": self.loglik,
            "years": list(self.years),
            "shares": list(self.shares),
            "source": self.source,
        }


def persistence_check_lines(fit: ShareFit) -> list[str]:
    """A comment with the median and p90 of the persistence PERT next to those of the law it stands for."""
    value = fit.law()["persistence"]
    quantiles = _conditional_persistence_quantiles(fit.persistence, fit.atanh_persistence_se)
    if not isinstance(value, dict) or quantiles is None:
        return []
    got = as_distribution(value).ppf(np.array([0.5, 0.9]))
    return [
        f"# persistence PERT median {got[0]:.3f}, p90 {got[1]:.3f} (tanh-normal on [0, 0.99]: median {quantiles[0]:.3f}, p90 {quantiles[1]:.3f})."
    ]


# ---------------------------------------------------------------- fitting


def fit_share_law(years: ArrayLike, shares: ArrayLike, *, source: str = "given series") -> ShareFit:
    """Fit the logit AR(1) share law by maximum likelihood, conditional on the first observation.

    Parameters
    ----------
    years : array-like of int, shape (n,)
        Years with a share, strictly increasing; gaps allowed.
    shares : array-like of float, shape (n,)
        Shares in (0, 1).
    source : str
        Description of the series, written into :meth:`ShareFit.block`.

    Returns
    -------
    ShareFit

    Raises
    ------
    UsageError
        Fewer than :data:`sim.calibration.MIN_OBSERVATIONS` transitions, or malformed input.
    """
    y, s = check_shares(years, shares)
    if y.size - 1 < MIN_OBSERVATIONS:
        raise UsageError(
            f"fitting a share law needs at least {MIN_OBSERVATIONS} transitions, i.e. {MIN_OBSERVATIONS + 1} years with a share "
            f"(got {y.size}: {', '.join(map(str, y.tolist())) or 'none'})"
        )
    z = special.logit(s)
    z_prev, z_next, k = z[:-1], z[1:], np.diff(y)

    def loglik(theta: np.ndarray) -> float:
        return logit_transition_loglik(z_prev, z_next, k, float(theta[0]), math.tanh(theta[1]), math.exp(theta[2]))

    zbar0 = float(z_next.mean())
    log_sd0 = math.log(max(float(z_next.std()), 1e-2))
    starts = [np.array([zbar0, math.atanh(phi), log_sd0]) for phi in (0.0, 0.5, 0.9)]
    theta, ll = maximise_loglik(loglik, starts, _BOUNDS)
    se = hessian_standard_errors(loglik, theta, _BOUNDS)
    return ShareFit(
        zbar=float(theta[0]),
        zbar_se=float(se[0]),
        persistence=math.tanh(theta[1]),
        atanh_persistence_se=float(se[1]),
        sd=math.exp(theta[2]),
        log_sd_se=float(se[2]),
        loglik=ll,
        years=tuple(int(a) for a in y),
        shares=tuple(float(a) for a in s),
        source=source,
    )


# ---------------------------------------------------------------- simulation


def simulate_shares(law: dict[str, Any], start_share: float, years: int, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Paths of a share under a share law, as the engine draws them (vectorised).

    Per path, ``long_run``, ``persistence``, ``sd`` (and ``drift``, when the law has one) are drawn once by
    inversion of their distributions; then
    ``z_t = zbar + phi (z_{t-1} - zbar) + drift + sd * eps_t`` from ``z_0 = logit(start_share)``.

    Parameters
    ----------
    law : dict
        A share-law table (:meth:`ShareFit.law`).
    start_share : float
        Observed share at the origin, in (0, 1).
    years : int
        Simulated years after the origin.
    paths : int
        Number of paths.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (paths, years)
        Shares in years 1 to ``years`` after the origin.
    """
    u = rng.random((paths, 3 + years))
    zbar = special.logit(as_distribution(law["long_run"]).ppf(u[:, 0]))
    phi = as_distribution(law["persistence"]).ppf(u[:, 1])
    sd = as_distribution(law["sd"]).ppf(u[:, 2])
    eps = special.ndtri(u[:, 3:])
    drift = as_distribution(law["drift"]).ppf(rng.random(paths)) if law.get("drift") is not None else 0.0
    z = np.full(paths, float(special.logit(start_share)))
    out = np.empty((paths, years))
    for t in range(years):
        z = zbar + phi * (z - zbar) + drift + sd * eps[:, t]
        out[:, t] = special.expit(z)
    return out
