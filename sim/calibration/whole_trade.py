"""A scenario against the fitted law: the growth of its *total* trade, summarised as a fitted law would be.

A growth law fitted to history (:func:`sim.calibration.fit_growth`) describes
whole trade, while a scenario's ``[trade.growth]`` is its organic part, with
projects, measures, shocks and transport links added by the model.
:func:`whole_trade_law` simulates the scenario and summarises the yearly log
change of its total trade, to compare with the fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine import simulate_chunk
from ..errors import UsageError
from ..scenario import Scenario

__all__ = ["WholeTradeLaw", "whole_trade_law"]


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
        Paths simulated.
    """

    mean: float
    sd: float
    path_mean_sd: float
    organic_mean: float
    years: tuple[int, ...]
    paths: int

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the summary (``years`` as a list)."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def whole_trade_law(scenario: Scenario, paths: int = 2000, seed: int = 0) -> WholeTradeLaw:
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
        The scenario to simulate.
    paths : int
        Paths to simulate (in this process).
    seed : int
        Root seed.

    Returns
    -------
    WholeTradeLaw
    """
    first = 1 if scenario.observation is not None else 0
    simulated = simulate_chunk(scenario, seed, 0, paths)
    if simulated.trade.shape[1] - first < 4:
        raise UsageError("whole_trade_law needs at least three simulated year-on-year changes after any observed year")
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
