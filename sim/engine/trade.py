"""Annual exports and imports by component, assembled from paths' event logs and organic trade.

Annual trade in simulated year ``k`` (calendar ``start_year + k``), for each
direction ``d`` (the country's exports to the partner, its imports from it)::

    T_d(k) = O(k) * x_d(k) * M(k) / M(base) + dC_d(k) + dP_d(k) + dE_d(k)

and turnover is ``T_exports + T_imports``.

* ``O``: organic turnover, and ``x_d``: its exports share and the complement
  (:mod:`sim.engine.organic`; with a partly observed first year, organic trade
  of the observed months is what the observed total leaves).
* ``M``: the yearly mean of the multiplier from shocks and transport links
  (:func:`sim.engine.flows.multipliers`).
* ``dC`` (imports only), ``dP``, ``dE``: construction imports, operating
  effects (exports and imports, negative for import substitution) and measures
  (:mod:`sim.engine.flows`), each measured as the change from its base-year
  flow. Negative changes never take a year's exports or imports below zero
  (:func:`_bound_substitution`). The base-year value already contains the
  flows of projects that were building or operating then (the pipeline's
  warm-up launches model those), so only changes add to it.

Trade is in the statistics of ``trade.reporter``; when the target is another
reporter's figure, every component of year ``k`` is multiplied by
``exp(g(k))``, the path's drawn log ratio between the two reporters' figures.

The country's total trade with all partners (structural law) is the bilateral
trade plus the rest of the world's, ``(1 - s) W``, which shocks move but
transport links and projects do not.

**Counterfactuals** (:func:`assemble_with_organic` with ``organic_from``): a
variant of a scenario (a project removed, a lender without capacity) is
assembled with the organic trade ``O``, ``x_d`` (and ``W``, ``s``) of the
baseline's same paths instead of its own, and its flows ``dC``, ``dP``,
``dE`` are measured against the **baseline's** base-year flows, not its own
(attribution on levels): the base year's trade holds the flows of the
baseline's projects, and in the world without a project that builds in the
base year its construction imports were never there. The counterfactual less
the baseline is then the variant's flows less the baseline's, year by year
in levels: a project that builds in the base year and never after is worth
its own flows (zero after completion), not minus its base-year imports. A
variant whose base-year flows are the baseline's (a lender removed, whose
projects ask after the start) is unchanged by this. With a partly observed first year,
the variant's own organic trade would absorb the flows it lost in the
observed months (organic trade there is what the observed total leaves); kept
from the baseline, it does not, and the variant differs from the baseline by
the item's flows alone. The multiplier ``M`` stays the variant's own: a
transport link removed takes its uplift with it, shocks are common.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..scenario import Scenario
from .directions import direction_organic_sd, direction_turnover
from .flows import DIRECTIONS, GRID_PER_YEAR, measure_cumulative, multipliers, project_cumulative
from .model import EventLog, finance_tables
from .organic import Organic, observed_first_year, organic_turnover
from .sampling import PathInputs

__all__ = ["COMPONENTS", "DIRECTIONS", "TradePaths", "assemble_chunk", "assemble_with_organic", "at_or_above", "reached_by"]

COMPONENTS = ("organic", "construction", "operations", "measures")
"""Trade components, in the order of axis 2 of trade arrays (:data:`DIRECTIONS` is axis 3)."""


class TradePaths(NamedTuple):
    """Simulated annual trade of several paths.

    Attributes
    ----------
    trade : ndarray, shape (paths, n_years, 4, 2)
        USD bn by component (:data:`COMPONENTS`) and direction (:data:`DIRECTIONS`);
        exports plus imports of all components is turnover.
    country_total : ndarray, shape (paths, n_years)
        The country's trade with all partners, USD bn, in the simulated
        reporter's statistics (structural law; NaN under the random-walk law).
    partner_share : ndarray, shape (paths, n_years)
        Bilateral turnover over ``country_total`` (NaN under the random-walk law).
    finance : ndarray, shape (paths, n_years, n_financiers + 1, 4)
        Finance by year and lender (scenario order, then all lenders together):
        :data:`~sim.engine.model.FINANCE_COLUMNS`, capex requested, funded and
        withdrawn (USD bn) and the sum of the waits of the requests funded (years)
        (:func:`~sim.engine.model.finance_tables`).
    wait_counts : ndarray, shape (paths, n_years, n_financiers + 1, n_bins)
        Requests funded in the year by the bin of their wait (:func:`~sim.engine.model.wait_bins`).
    law : ndarray, shape (paths,), int8
        The organic law each path followed: its index in :attr:`sim.scenario.Scenario.laws` (0 without a mixture).
    """

    trade: np.ndarray
    country_total: np.ndarray
    partner_share: np.ndarray
    finance: np.ndarray
    wait_counts: np.ndarray
    law: np.ndarray

    @property
    def turnover(self) -> np.ndarray:
        """Annual turnover, shape ``(paths, n_years)``, USD bn."""
        return self.trade.sum(axis=(2, 3))

    @property
    def by_component(self) -> np.ndarray:
        """Annual turnover by component, shape ``(paths, n_years, 4)``, USD bn."""
        return self.trade.sum(axis=3)

    def flow(self, name: str) -> np.ndarray:
        """Annual ``turnover``, ``exports`` or ``imports``, shape ``(paths, n_years)``, USD bn."""
        if name == "turnover":
            return self.turnover
        return self.trade[:, :, :, DIRECTIONS.index(name)].sum(axis=2)

    def __getitem__(self, index):  # type: ignore[override]
        """Fields by position (a tuple), or a selection of paths (slice or index array) as ``TradePaths``."""
        if isinstance(index, int):
            return tuple.__getitem__(self, index)
        return TradePaths(*(field[index] for field in tuple.__iter__(self)))

    @staticmethod
    def concat(parts: Sequence[TradePaths]) -> TradePaths:
        """Paths of several chunks, in the order given."""
        return TradePaths(*(np.concatenate([p[i] for p in parts], axis=0) for i in range(len(TradePaths._fields))))


def at_or_above(values: np.ndarray, target: float) -> np.ndarray:
    """Whether trade is at or above the target in each year (equality counts as reaching it).

    Parameters
    ----------
    values : ndarray, shape (..., n_years)
        Annual trade of the target's flow, USD bn; the last axis is the simulated years.
    target : float
        The target, USD bn a year (``trade.target_usd_bn``).

    Returns
    -------
    ndarray of bool, the shape of ``values``
        True in a year whose trade is at or above ``target``; NaN is never at or above.
    """
    return np.asarray(values) >= target


def reached_by(values: np.ndarray, target: float) -> np.ndarray:
    """Whether the target has been reached by each year: at or above it in that year or any earlier one.

    A path that reaches the target and falls back below it stays reached;
    ``reached_by(values, target)[..., k]`` is ``at_or_above(values[..., : k + 1], target).any(axis=-1)``.

    Parameters
    ----------
    values : ndarray, shape (..., n_years)
        Annual trade of the target's flow, USD bn; the last axis is the simulated years, in order.
    target : float
        The target, USD bn a year (``trade.target_usd_bn``).

    Returns
    -------
    ndarray of bool, the shape of ``values``
        True from the first year at or above ``target`` on (cumulative along the last axis).
    """
    return np.maximum.accumulate(at_or_above(values, target), axis=-1)


def _bound_substitution(out: np.ndarray) -> None:
    """Scale down, in place, negative flows that would take a year's exports or imports below zero.

    Import substitution (a local car plant) can replace only the imports there
    are: on a path where organic trade is low and negative flows are large, the
    negative changes of that path, year and direction are scaled so that the
    direction's total is zero, not less. ``out`` is ``(paths, n_years, 4, 2)``.
    """
    flows = out[:, :, 1:]
    total = out.sum(axis=2)  # (paths, n_years, 2)
    negative = np.minimum(flows, 0.0).sum(axis=2)
    over = total < 0
    if not over.any():
        return
    scale = np.where(over, (total - negative) / np.where(over, -negative, 1.0), 1.0)  # positive parts over negative ones
    flows[...] = np.where(flows < 0, flows * scale[:, :, None, :], flows)


def assemble_chunk(s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog]) -> TradePaths:
    """Annual trade of several paths by component and direction.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.

    Returns
    -------
    TradePaths
        USD bn per path, simulated year, component and direction.
    """
    return assemble_with_organic(s, inputs, logs)[0]


def _organic(s: Scenario, inputs: Sequence[PathInputs], first_year: np.ndarray | None = None) -> Organic:
    """Organic trade under the scenario's law: by direction when it has ``[trade.directions]``."""
    if s.trade.directions is not None:
        return direction_turnover(s, inputs, first_year)
    return organic_turnover(s, inputs, first_year)


def assemble_with_organic(
    s: Scenario, inputs: Sequence[PathInputs], logs: Sequence[EventLog], organic_from: Organic | None = None
) -> tuple[TradePaths, Organic]:
    """Annual trade of several paths and the organic trade it is built on; optionally on another run's organic trade.

    Parameters
    ----------
    s : Scenario
    inputs, logs : sequences of equal length
        Each path's drawn inputs and event log.
    organic_from : Organic, optional
        Organic trade of the same paths in a baseline run (the second value this
        function returned for it), used instead of these paths' own: a
        counterfactual that changes the modelled flows and nothing else.
        Arrays of shape ``(paths, n_years)``, ``observed`` of shape ``(paths,)``; its ``base_flows``
        (the baseline's base-year flows) are what these paths' flows are measured against.

    Returns
    -------
    (TradePaths, Organic)
        Trade in USD bn per path, simulated year, component and direction; the organic trade used.
    """
    n, paths = len(s.years), len(inputs)
    if organic_from is not None and organic_from.level.shape != (paths, n):
        raise ValueError(f"organic_from holds {organic_from.level.shape} paths x years; these paths need {(paths, n)}")
    obs = s.observation
    observed_until = obs.months / 12.0 if obs is not None else 0.0
    # window 0 is the base year [-1, 0); windows 1.. are the simulated years
    edges = np.arange(-1.0, n + 1.0)
    if obs is not None:
        edges = np.union1d(edges, [observed_until])
    year_edge = np.searchsorted(edges, np.arange(-1.0, n + 1.0))
    construction, operating = project_cumulative(s, inputs, logs, edges)
    cumulative = np.zeros((paths, edges.size, 3, 2))
    cumulative[:, :, 0, 1] = construction
    cumulative[:, :, 1] = operating
    cumulative[:, :, 2] = measure_cumulative(s, inputs, logs, edges)
    at = cumulative[:, year_edge]  # (paths, n + 2, 3, 2) at -1, 0, 1, ..., n
    per_year = np.diff(at, axis=1)  # flows over the base year and each simulated year
    out = np.empty((paths, n, len(COMPONENTS), len(DIRECTIONS)))
    # changes from the base year's flows; a counterfactual measures against the baseline's (attribution on levels)
    base = per_year[:, :1] if organic_from is None or organic_from.base_flows is None else organic_from.base_flows
    out[:, :, 1:] = per_year[:, 1:] - base

    if organic_from is not None:
        organic = organic_from
    elif obs is not None:
        observed_edge = int(np.searchsorted(edges, observed_until))
        window = cumulative[:, observed_edge] - cumulative[:, year_edge[1]]
        change = (window - observed_until * per_year[:, 0]).sum(axis=(1, 2))
        by_direction = direction_organic_sd(s, inputs) if s.trade.directions is not None else None
        first_year, observed_part = observed_first_year(s, inputs, change, by_direction)
        organic = _organic(s, inputs, first_year)._replace(observed=observed_part, base_flows=per_year[:, :1])
    else:
        organic = _organic(s, inputs)._replace(base_flows=per_year[:, :1])

    full, shocks = multipliers(inputs, logs, n)
    full = full.reshape(paths, n + 1, GRID_PER_YEAR)
    shocks = shocks.reshape(paths, n + 1, GRID_PER_YEAR)
    ratio = full[:, 1:].mean(axis=2) / full[:, 0].mean(axis=1)[:, None]
    turnover = organic.level * ratio
    if obs is not None and obs.months < 12:
        first = int(round(observed_until * GRID_PER_YEAR))
        rest_ratio = full[:, 1, first:].mean(axis=1) / full[:, 0].mean(axis=1)
        turnover[:, 0] = organic.observed + (organic.level[:, 0] - organic.observed) * rest_ratio
    elif obs is not None:
        turnover[:, 0] = organic.observed  # the whole first year is observed: shocks and links are in the figure
    out[:, :, 0, 0] = turnover * organic.exports_share
    out[:, :, 0, 1] = turnover * (1.0 - organic.exports_share)
    _bound_substitution(out)

    bilateral = out.sum(axis=(2, 3))
    rest_of_world = (1.0 - organic.share) * organic.total * shocks[:, 1:].mean(axis=2) / shocks[:, 0].mean(axis=1)[:, None]
    country_total = rest_of_world + bilateral
    partner_share = bilateral / country_total
    if s.trade.measured_by != s.trade.reporter:
        # the target reporter's figure: every component scaled by the year's reporter ratio
        # (a gap by direction: each direction's flows by its own ratio)
        ratio = np.exp(np.stack([x.reporter_log_ratio for x in inputs]))
        out *= ratio[:, :, None, None] if ratio.ndim == 2 else ratio[:, :, None, :]
    finance = finance_tables(list(logs), n, len(s.portfolio.financiers) if s.portfolio else 0)
    return TradePaths(out, country_total, partner_share, *finance, np.zeros(paths, dtype=np.int8)), organic
