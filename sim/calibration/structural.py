"""The structural organic law: bilateral turnover as the partner's share of the country's total trade.

The random-walk law (``[trade.growth]`` on bilateral turnover) compounds
without bound. The structural law ties bilateral turnover to the country's
trade with all partners::

    O_k = expit(z_k) * W_k
    log W_k = log W_{k-1} + mu_W + dev_k       the [trade.growth] law, fitted to total trade
    z_k = zbar + phi (z_{k-1} - zbar) + sd eps_k   the share law of the partner's share (sim.calibration.shares)

``mu_W`` and ``sd_W`` (and ``zbar``, ``phi``, ``sd``) are drawn once per path
from their distributions; ``dev`` is the stationary AR(1) deviation of
``[trade.growth]`` (normal or Student-t innovations); ``z`` starts from the
observed share at the origin. A scenario carries the law as
``[trade.structural]`` with ``total_base_usd_bn`` and the sub-tables
``total_growth`` and ``share`` (:meth:`StructuralFit.law`).

Where to make a change
----------------------
* The two laws it combines: :mod:`sim.calibration.growth` (total trade) and
  :mod:`sim.calibration.shares` (the partner's share); their combination, its fit at an
  origin and its forecast: here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import UsageError
from .blocks import significant
from .context import YearlySeries, partner_share
from .growth import GrowthFit, fit_growth, simulate_organic
from .growth_likelihood import MODELS
from .shares import ShareFit, fit_share_law, simulate_shares
from .walks import WalkFit, fit_share_walk

__all__ = ["StructuralFit", "fit_structural", "simulate_structural", "structural_origins", "forecast_structural"]


@dataclass(frozen=True)
class StructuralFit:
    """The fitted structural organic law.

    Attributes
    ----------
    total : GrowthFit
        Growth law of the country's total trade (:func:`sim.calibration.fit_growth`).
    share : ShareFit
        Law of the partner's share of that trade (:func:`sim.calibration.shares.fit_share_law`).
    base_year : int
        Last year of the total-trade series.
    total_base_usd_bn : float
        Total trade in ``base_year``, USD bn.
    """

    total: GrowthFit
    share: ShareFit | WalkFit
    base_year: int
    total_base_usd_bn: float

    @property
    def model(self) -> str:
        """Short description for backtest rows: the total-trade law and the share law."""
        if isinstance(self.share, WalkFit):
            return f"total {self.total.model} x share logit {self.share.kind.replace('_', ' ')}"
        return f"total {self.total.model} x share logit AR(1)"

    def law(self) -> dict[str, Any]:
        """The ``[trade.structural]`` table: ``total_base_usd_bn``, ``total_growth`` (a ``[trade.growth]`` table) and ``share`` (a share law)."""
        return {
            "total_base_usd_bn": significant(self.total_base_usd_bn),
            "total_growth": self.total.growth_law(),
            "share": self.share.law(),
        }

    def block(self) -> str:
        """TOML ``[trade.structural]``, ``[trade.structural.total_growth]`` and ``[trade.structural.share]`` blocks with comments."""
        head = [
            "# Structural organic law: bilateral turnover = the partner's share of the country's turnover x the country's turnover with all",
            "# partners (sim.calibration.structural). The share starts from base_usd_bn / total_base_usd_bn in the base year.",
            "[trade.structural]",
            f"total_base_usd_bn = {significant(self.total_base_usd_bn)!r}  # the country's trade with all partners in {self.base_year}, USD bn"
            " (the last value of the series; set it for the scenario's base year)",
        ]
        return (
            "\n".join(head)
            + "\n\n"
            + self.total.growth_block("trade.structural.total_growth")
            + "\n"
            + self.share.block("trade.structural.share")
        )

    def to_json(self) -> dict[str, Any]:
        """Plain dict of both fits and the base."""
        return {
            "total": self.total.to_json(),
            "share": self.share.to_json(),
            "base_year": self.base_year,
            "total_base_usd_bn": self.total_base_usd_bn,
        }


def fit_structural(
    total_years: ArrayLike,
    total: ArrayLike,
    share_years: ArrayLike,
    shares: ArrayLike,
    models: Sequence[str] = MODELS,
    *,
    source: str = "given series",
    share_kind: str = "reverting",
) -> StructuralFit:
    """Fit the growth law of total trade and the law of the partner's share of it.

    Parameters
    ----------
    total_years, total : array-like, shape (n,)
        Years and the country's trade with all partners, USD bn (gaps allowed).
    share_years, shares : array-like, shape (m,)
        Years and the partner's share of that trade, in (0, 1)
        (:func:`sim.calibration.context.partner_share`).
    models : sequence of str
        Candidate growth laws of total trade (chosen by AICc).
    source : str
        Description of the data for the blocks' comments.
    share_kind : {"reverting", "local_level", "trend"}
        The law of the share: a logit AR(1) (:func:`sim.calibration.shares.fit_share_law`) or a walk of its logit
        (:func:`sim.calibration.walks.fit_share_walk`).

    Returns
    -------
    StructuralFit

    Raises
    ------
    UsageError
        Too few observations for either fit.
    """
    fit_total = fit_growth(total_years, total, models, source=f"{source}; series total_turnover")
    share_source = f"{source}; the partner's share = bilateral / total_turnover"
    if share_kind == "reverting":
        fit_share: ShareFit | WalkFit = fit_share_law(share_years, shares, source=share_source)
    else:
        fit_share = fit_share_walk(share_years, shares, share_kind, source=share_source)  # type: ignore[arg-type]
    return StructuralFit(
        total=fit_total, share=fit_share, base_year=int(np.asarray(total_years)[-1]), total_base_usd_bn=float(np.asarray(total)[-1])
    )


def simulate_structural(law: dict[str, Any], start_share: float, years: int, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Organic bilateral turnover under the structural law, as the engine draws it (vectorised).

    ``W`` follows ``law["total_growth"]`` from ``law["total_base_usd_bn"]``
    exactly as :func:`sim.calibration.simulate_organic` draws a
    ``[trade.growth]`` law; the share follows ``law["share"]`` from
    ``start_share`` (:func:`sim.calibration.shares.simulate_shares`), independently of ``W``.

    Parameters
    ----------
    law : dict
        A ``[trade.structural]`` table (:meth:`StructuralFit.law`).
    start_share : float
        The partner's share of total trade at the origin, in (0, 1).
    years : int
        Simulated years after the origin.
    paths : int
        Number of paths.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (paths, years)
        Bilateral organic turnover ``expit(z_k) * W_k``, USD bn, in years 1 to ``years`` after the origin.
    """
    total = simulate_organic(law["total_growth"], float(law["total_base_usd_bn"]), years, paths, rng)
    return simulate_shares(law["share"], start_share, years, paths, rng) * total


def structural_origins(years: ArrayLike, values: ArrayLike, total: YearlySeries, min_fit_points: int) -> list[int]:
    """Years from which the structural law can be fitted and a forecast started.

    A year qualifies when both bilateral turnover and total trade are observed
    in it (the share at the origin is their ratio) and, up to it, total trade
    has at least ``min_fit_points`` log changes and the share at least
    ``min_fit_points`` transitions.

    Parameters
    ----------
    years, values : array-like, shape (n,)
        Bilateral turnover, USD bn.
    total : YearlySeries
        Total trade, USD bn.
    min_fit_points : int
        Fewest changes of each series up to an origin.

    Returns
    -------
    list of int
        Qualifying years, increasing.
    """
    share = partner_share(YearlySeries("bilateral", np.asarray(years, dtype=np.int64), np.asarray(values, dtype=float)), total)
    return [
        int(y) for y in share.years if np.sum(total.years <= y) - 1 >= min_fit_points and np.sum(share.years <= y) - 1 >= min_fit_points
    ]


def forecast_structural(
    years: ArrayLike,
    values: ArrayLike,
    total: YearlySeries,
    origin: int,
    horizon: int,
    paths: int,
    rng: np.random.Generator,
    models: Sequence[str] = MODELS,
    source: str = "given series",
    share_kind: str = "reverting",
) -> tuple[StructuralFit, np.ndarray]:
    """Fit the structural law on the data up to ``origin`` and simulate bilateral turnover after it.

    Parameters
    ----------
    years, values : array-like, shape (n,)
        Bilateral turnover, USD bn; ``origin`` must be one of ``years`` with total trade observed too.
    total : YearlySeries
        Total trade, USD bn.
    origin : int
        Last year of data used.
    horizon : int
        Years simulated after the origin.
    paths : int
    rng : numpy.random.Generator
    models : sequence of str
        Candidate growth laws of total trade.
    source : str
        Description of the data.
    share_kind : {"reverting", "local_level", "trend"}
        The law of the partner's share (:func:`fit_structural`).

    Returns
    -------
    fit : StructuralFit
        Fitted on the data up to ``origin`` (its base is total trade in ``origin``).
    bilateral : ndarray, shape (paths, horizon)
        Simulated bilateral turnover, USD bn, in years ``origin + 1`` to ``origin + horizon``.
    """
    bilateral = YearlySeries("bilateral", np.asarray(years, dtype=np.int64), np.asarray(values, dtype=float)).until(origin)
    known_total = total.until(origin)
    share = partner_share(bilateral, known_total)
    if share.years.size == 0 or share.years[-1] != origin or known_total.years[-1] != origin:
        raise UsageError(f"the structural law starts from a year with both bilateral and total trade; {origin} lacks one")
    fit = fit_structural(known_total.years, known_total.values, share.years, share.values, models, source=source, share_kind=share_kind)
    return fit, simulate_structural(fit.law(), float(share.values[-1]), horizon, paths, rng)
