"""Sobol indices of a scenario's outcome: Saltelli's design, one path per row, the estimators.

SALib: Saltelli's sampling scheme on a scrambled Sobol sequence, Saltelli 2010
and Jansen estimators, bootstrap confidence intervals. The model of one path is
``y = g(x, e)``: ``x`` the scenario inputs moved as :class:`sim.levers.Lever`
settings, ``e`` the path's own randomness (yearly growth innovations, the
projects drawn, shocks). ``e`` enters the design as one more input, *path
randomness* (:data:`RANDOMNESS`), whose setting picks the path index; rows that
share it share ``e``, which is what the estimators need. The outputs
(:func:`evaluate_rows`) are the indicator "target reached by year Y" (so the
indices decompose the variance behind ``P(target by Y)``) and annual trade in
year Y. Related inputs are grouped (all sectors' trade coefficients, all
financiers' capacities...) so the indices read as answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import assemble_chunk, draw_path, reached_by, simulate_path
from ..run import ProgressBar, open_executor, stream_chunks
from ..scenario import Scenario
from .levers import Lever

__all__ = ["RANDOMNESS", "SOBOL_COLUMNS", "evaluate_rows", "run_rows", "sobol_design", "sobol_indices"]

RANDOMNESS = "path randomness"
"""The group standing for each path's own random draws."""
ROWS_PER_TASK = 120
SOBOL_COLUMNS = ("output", "group", "index", "value", "ci95_low", "ci95_high")
"""Columns of :attr:`~sim.studies.sensitivity.Sensitivity.sobol` and of ``sobol_indices.csv``."""


def evaluate_rows(base: Scenario, levers: Sequence[Lever], settings: np.ndarray, paths: np.ndarray, seed: int, year: int) -> np.ndarray:
    """Run one path per row with the levers at the row's settings.

    Parameters
    ----------
    settings : ndarray, shape (rows, len(levers))
    paths : ndarray of int, shape (rows,)
        Path index of each row (its random streams).

    Returns
    -------
    ndarray, shape (rows, 2)
        For each row: 1.0 if the target is reached by ``year`` else 0.0, and annual trade in ``year`` (USD bn).
    """
    out = np.empty((settings.shape[0], 2))
    k = base.years.index(year)
    for row, (setting, path) in enumerate(zip(settings, paths, strict=True)):
        s = base.replace({lev.path: lev.change(base, x) for lev, x in zip(levers, setting, strict=True)})
        x = draw_path(s, seed, int(path))
        total = assemble_chunk(s, [x], [simulate_path(s, x)]).flow(s.trade.target_flow)[0]
        out[row] = (float(reached_by(total, s.trade.target_usd_bn)[k]), total[k])
    return out


def _rows_task(
    base: Scenario, levers: Sequence[Lever], settings: np.ndarray, paths: np.ndarray, seed: int, year: int, start: int, stop: int
) -> np.ndarray:
    return evaluate_rows(base, levers, settings[start:stop], paths[start:stop], seed, year)


def sobol_design(problem: dict[str, Any], base_rows: int, seed: int) -> np.ndarray:
    """Saltelli's design on a scrambled Sobol sequence (SALib), shape ``(N * (groups + 2), inputs)``."""
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(problem, base_rows, calc_second_order=False, seed=seed % (2**32))


def sobol_indices(problem: dict[str, Any], y: np.ndarray, seed: int) -> dict[str, Any]:
    """First-order and total indices by group with 95% bootstrap intervals (SALib, 200 resamples)."""
    from SALib.analyze import sobol as sobol_analyze

    groups = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    if np.var(y) == 0:
        zero = {"value": 0.0, "ci95": [0.0, 0.0]}
        return {g: {"first_order": dict(zero), "total": dict(zero)} for g in groups}
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=200, seed=seed % (2**32))
    return {
        g: {
            "first_order": {
                "value": float(res["S1"][i]),
                "ci95": [float(res["S1"][i] - res["S1_conf"][i]), float(res["S1"][i] + res["S1_conf"][i])],
            },
            "total": {
                "value": float(res["ST"][i]),
                "ci95": [float(res["ST"][i] - res["ST_conf"][i]), float(res["ST"][i] + res["ST_conf"][i])],
            },
        }
        for i, g in enumerate(groups)
    }


def run_rows(
    base: Scenario,
    levers: Sequence[Lever],
    settings: np.ndarray,
    paths: np.ndarray,
    seed: int,
    year: int,
    workers: int,
    dask: Any,
    progress: bool | None,
    label: str,
) -> np.ndarray:
    """:func:`evaluate_rows` on the executors, :data:`ROWS_PER_TASK` rows a task; shape ``(rows, 2)``, rows in order."""
    parts: list[np.ndarray] = []
    bar = ProgressBar(settings.shape[0], progress, label)

    def keep(start: int, stop: int, result: np.ndarray) -> bool:
        parts.append(result)
        bar.update(stop - start)
        return False

    ranges = ((a, min(a + ROWS_PER_TASK, settings.shape[0])) for a in range(0, settings.shape[0], ROWS_PER_TASK))
    try:
        with open_executor(workers, dask) as (executor, slots):
            stream_chunks(executor, slots, _rows_task, (base, list(levers), settings, paths, seed, year), ranges, keep)
    finally:
        bar.close()
    return np.concatenate(parts, axis=0)
