"""A share whose logit walks: the local level and the trend, fitted on a record with gaps.

The two candidate laws of the partner's share that keep a surprise instead of undoing it
(``[trade.laws.NAME]`` of kind ``local_level`` and ``trend``)::

    z(y) = z(y - 1) + drift + sd e(y)      z = logit(share), e independent standard normal

with ``drift = 0`` for the local level. Over a gap of ``k`` years the change is normal with mean
``k drift`` and variance ``k sd**2``, so the likelihood of changes ``dz_i`` over ``k_i`` years is in
closed form and so is its maximum:

* ``drift = sum(dz) / sum(k)`` (trend), with standard error ``sd / sqrt(sum(k))``;
* ``sd**2 = mean((dz - k drift)**2 / k)``, with standard error of ``ln sd`` about ``1 / sqrt(2 n)``.

The drift's standard error uses the unbiased ``sd`` (``n - 1`` in the denominator), so that one
fitted parameter does not make the trend look surer than the record allows.

Where to make a change
----------------------
* The reverting share law (logit AR(1)): :mod:`sim.calibration.shares`.
* How a view refits each candidate law: :mod:`sim.calibration.views`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..errors import UsageError
from .blocks import significant, significant_table
from .series import MIN_OBSERVATIONS
from .shares import _sd_law, check_shares

__all__ = ["WalkFit", "fit_share_walk"]


@dataclass(frozen=True)
class WalkFit:
    """The fitted random walk (with or without drift) of a share's logit.

    Attributes
    ----------
    kind : {"local_level", "trend"}
    drift, drift_se : float
        Yearly drift of the logit and its standard error (0 and NaN for the local level).
    sd, log_sd_se : float
        Yearly sd of the logit's innovations and the standard error of ``ln sd``.
    loglik : float
        Maximised log-likelihood of the changes.
    years, shares : tuple
        The observed years and shares.
    source : str
    """

    kind: Literal["local_level", "trend"]
    drift: float
    drift_se: float
    sd: float
    log_sd_se: float
    loglik: float
    years: tuple[int, ...]
    shares: tuple[float, ...]
    source: str = "given series"

    @property
    def last_share(self) -> float:
        """The share of the last year of the record."""
        return self.shares[-1]

    def law(self) -> dict[str, Any]:
        """The share-law table: ``persistence = 1``, ``sd`` as a PERT of its lognormal law, ``drift`` (trend) as a normal.

        ``long_run`` is not used by a walk; it is written as the last observed share, which the schema requires.
        """
        out: dict[str, Any] = {"long_run": significant(self.last_share), "persistence": 1.0, "sd": _sd_law(self.sd, self.log_sd_se)}
        if self.kind == "trend":
            out["drift"] = significant_table({"dist": "normal", "mean": self.drift, "sd": self.drift_se})
        return out

    def describe(self) -> str:
        """One line of estimates."""
        drift = f"drift {self.drift:+.4f} (se {self.drift_se:.4f}), " if self.kind == "trend" else ""
        return f"share logit {self.kind.replace('_', ' ')}: {drift}sd {self.sd:.4f} (se of ln sd {self.log_sd_se:.3f}), {len(self.years)} years"

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the fit."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def fit_share_walk(
    years: ArrayLike, shares: ArrayLike, kind: Literal["local_level", "trend"] = "local_level", *, source: str = "given series"
) -> WalkFit:
    """Fit a random walk of a share's logit (with drift for ``kind="trend"``) by maximum likelihood.

    Parameters
    ----------
    years : array-like of int, shape (n,)
        Years with a share, strictly increasing; gaps allowed (a gap of ``k`` years is one change of variance ``k sd**2``).
    shares : array-like of float, shape (n,)
        Shares in (0, 1).
    kind : {"local_level", "trend"}
    source : str

    Returns
    -------
    WalkFit

    Raises
    ------
    UsageError
        Fewer than :data:`sim.calibration.MIN_OBSERVATIONS` changes, or malformed input.
    """
    if kind not in ("local_level", "trend"):
        raise UsageError(f"kind must be 'local_level' or 'trend' (got {kind!r})")
    y, s = check_shares(years, shares)
    n = y.size - 1
    if n < MIN_OBSERVATIONS:
        raise UsageError(
            f"fitting a walk of a share needs at least {MIN_OBSERVATIONS} changes, i.e. {MIN_OBSERVATIONS + 1} years with a share (got {y.size})"
        )
    dz, k = np.diff(special.logit(s)), np.diff(y).astype(float)
    drift = float(dz.sum() / k.sum()) if kind == "trend" else 0.0
    squares = (dz - k * drift) ** 2 / k
    sd = math.sqrt(float(squares.mean()))
    if kind == "trend":
        unbiased = math.sqrt(float(squares.sum()) / (n - 1))
        drift_se = unbiased / math.sqrt(float(k.sum()))
    else:
        drift_se = math.nan
    loglik = float(np.sum(-0.5 * np.log(2.0 * math.pi * k * sd * sd) - squares / (2.0 * sd * sd))) if sd > 0 else math.inf
    return WalkFit(
        kind=kind,
        drift=drift,
        drift_se=drift_se,
        sd=sd,
        log_sd_se=1.0 / math.sqrt(2.0 * n),
        loglik=loglik,
        years=tuple(int(a) for a in y),
        shares=tuple(float(a) for a in s),
        source=source,
    )
