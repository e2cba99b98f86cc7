"""The engine's entry point: the annual trade of a range of paths, from their draws to their trade.

A path's trade depends only on the scenario, the root seed and the path's
index, so any range of paths can be simulated anywhere, in any order
(:mod:`sim.run` merges ranges in path order).
"""

from __future__ import annotations

from ..scenario import Scenario
from .model import simulate_path
from .sampling import draw_path
from .trade import TradePaths, assemble_chunk

__all__ = ["ASSEMBLY_PATHS", "simulate_chunk"]

ASSEMBLY_PATHS = 25
"""Paths assembled together: enough to fill numpy's arrays, few enough to stay in cache."""


def simulate_chunk(scenario: Scenario, seed: int, start: int, stop: int) -> TradePaths:
    """Simulate paths ``start`` to ``stop - 1``.

    Parameters
    ----------
    scenario : Scenario
    seed : int
        Root seed of the run.
    start, stop : int
        The range of path indices.

    Returns
    -------
    TradePaths
        Annual trade by component and direction, shape ``(stop - start, n_years, 4, 2)``, USD bn,
        with the country's total trade and the partner's share (structural law).
    """
    out = []
    for a in range(start, stop, ASSEMBLY_PATHS):
        inputs = [draw_path(scenario, seed, path) for path in range(a, min(a + ASSEMBLY_PATHS, stop))]
        out.append(assemble_chunk(scenario, inputs, [simulate_path(scenario, x) for x in inputs]))
    return TradePaths.concat(out)
