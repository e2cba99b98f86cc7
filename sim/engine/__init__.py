"""The simulation engine: one path's random inputs, its events, and its annual trade.

* :mod:`~sim.engine.sampling`: every random input of a path, drawn up front
  from streams keyed by path and entity name (:func:`draw_path`; a batch at a time,
  :func:`draw_paths`), the portfolio's in :mod:`~sim.engine.portfolio_draws`, the
  streams and batched quantile functions in :mod:`~sim.engine.streams`;
* :mod:`~sim.engine.model`: the discrete-event finance model of one path
  (SimPy), giving its :class:`EventLog` (:func:`simulate_path`);
* :mod:`~sim.engine.lenders`: the lenders of a path, SimPy processes with
  queues, patience, fallback, lapse and priority (their queues in
  :mod:`~sim.engine.lender_queue`, funding in :mod:`~sim.engine.serving`,
  departures in :mod:`~sim.engine.departures`); their capacity
  (:mod:`~sim.engine.capacity`) and the book of requests
  (:mod:`~sim.engine.finance_book`);
* :mod:`~sim.engine.flows`: what the events add to trade (projects, measures,
  the multiplier of shocks and transport links);
* :mod:`~sim.engine.organic`: organic trade (the two organic laws, the exports
  share, a partly observed first year);
* :mod:`~sim.engine.trade`: the assembly of annual trade by component and
  direction (:class:`TradePaths`, :func:`assemble_chunk`);
* :mod:`~sim.engine.chunk`: all of it for a range of paths (:func:`simulate_chunk`),
  and variants of a scenario on the baseline's organic trade (:func:`simulate_counterfactuals`).

Running many paths on executors and reducing them is :mod:`sim.run`.
"""

from .chunk import counterfactual_batches, simulate_batches, simulate_chunk, simulate_counterfactuals
from .model import EventLog, simulate_path
from .sampling import PathInputs, draw_path, draw_paths, iter_paths
from .trade import COMPONENTS, DIRECTIONS, TradePaths, assemble_chunk, assemble_with_organic, at_or_above, reached_by

__all__ = [
    "COMPONENTS",
    "DIRECTIONS",
    "EventLog",
    "PathInputs",
    "TradePaths",
    "assemble_chunk",
    "assemble_with_organic",
    "at_or_above",
    "counterfactual_batches",
    "draw_path",
    "draw_paths",
    "iter_paths",
    "reached_by",
    "simulate_batches",
    "simulate_chunk",
    "simulate_counterfactuals",
    "simulate_path",
]
