"""The tornado: each input group moved alone to its inputs' 10th and 90th percentiles.

Every run is on the same paths (common random numbers), so the bars are
paired differences in ``P(target by Y)`` from the scenario as it is, with
Newcombe's paired 95% intervals (:func:`sim.studies.compare.newcombe_paired_interval`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..engine import reached_by
from ..results.results import number
from ..run import open_executor, paths_on
from ..scenario import Scenario
from .compare import newcombe_paired_interval
from .levers import Lever

__all__ = ["TORNADO_COLUMNS", "Tornado", "ci95_pair", "tornado_bars"]

TORNADO_COLUMNS = ("group", "p_low", "diff_low", "p_high", "diff_high", "swing")
"""Columns of ``tornado.csv`` (:meth:`~sim.studies.sensitivity.Sensitivity.tornado_table`)."""


def ci95_pair(value: Any) -> tuple[float, float]:
    """``[low, high]`` as floats (NaN for a missing pair or bound)."""
    low, high = value or (None, None)
    return number(low), number(high)


@dataclass(frozen=True, eq=False)
class Tornado:
    """Each input group moved alone to its inputs' 10th and 90th percentiles, on common random numbers.

    Attributes
    ----------
    year : int
        The target year.
    paths : int
        Paths per run.
    p_base : float
        P(target reached by ``year``) of the scenario as it is.
    bars : pandas.DataFrame
        One row per group, largest swing first: ``group``, ``inputs`` (tuple of
        dotted paths), ``p_low``, ``diff_low`` (paired difference from ``p_base``)
        with ``diff_low_ci95_low``, ``diff_low_ci95_high``, the same for ``high``, and ``swing``.
    """

    year: int
    paths: int
    p_base: float
    bars: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        bars = []
        for r in self.bars.itertuples():
            bar: dict[str, Any] = {"group": r.group, "inputs": list(r.inputs)}
            for side in ("low", "high"):
                bar[f"p_{side}"] = getattr(r, f"p_{side}")
                bar[f"diff_{side}"] = getattr(r, f"diff_{side}")
                bar[f"diff_{side}_ci95"] = [getattr(r, f"diff_{side}_ci95_low"), getattr(r, f"diff_{side}_ci95_high")]
            bar["swing"] = r.swing
            bars.append(bar)
        return {"year": self.year, "paths": self.paths, "p_base": self.p_base, "bars": bars}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tornado:
        rows = []
        for bar in data["bars"]:
            row: dict[str, Any] = {"group": bar["group"], "inputs": tuple(bar.get("inputs") or ())}
            for side in ("low", "high"):
                row[f"p_{side}"] = number(bar.get(f"p_{side}"))
                row[f"diff_{side}"] = number(bar.get(f"diff_{side}"))
                row[f"diff_{side}_ci95_low"], row[f"diff_{side}_ci95_high"] = ci95_pair(bar.get(f"diff_{side}_ci95"))
            row["swing"] = number(bar.get("swing"))
            rows.append(row)
        return cls(int(data["year"]), int(data["paths"]), number(data["p_base"]), _bars_frame(rows))


_BAR_COLUMNS = [
    "group",
    "inputs",
    "p_low",
    "diff_low",
    "diff_low_ci95_low",
    "diff_low_ci95_high",
    "p_high",
    "diff_high",
    "diff_high_ci95_low",
    "diff_high_ci95_high",
    "swing",
]
"""Columns of :attr:`Tornado.bars`."""


def _bars_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Tornado bars as a DataFrame, numbers as floats even when there are no bars."""
    return pd.DataFrame(rows, columns=_BAR_COLUMNS).astype(dict.fromkeys(_BAR_COLUMNS[2:], float))


def tornado_bars(base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int, workers: int, dask: Any) -> Tornado:
    """Each group of ``levers`` moved alone to its 10th and 90th percentiles, ``paths`` paths a run, largest swing first."""
    with open_executor(workers, dask) as (executor, slots):
        return _tornado_on(executor, slots, base, levers, year, paths, seed)


def _tornado_on(executor, slots: int, base: Scenario, levers: Sequence[Lever], year: int, paths: int, seed: int) -> Tornado:
    k = base.years.index(year)

    def reached(s: Scenario) -> np.ndarray:
        total = paths_on(executor, slots, s, paths, seed).flow(s.trade.target_flow)
        return reached_by(total, s.trade.target_usd_bn)[:, k]

    baseline = reached(base)
    bars = []
    for group in dict.fromkeys(lev.group for lev in levers):
        members = [lev for lev in levers if lev.group == group]
        entry: dict[str, Any] = {"group": group, "inputs": tuple(lev.path for lev in members)}
        for side, attr in (("low", "p10"), ("high", "p90")):
            moved = reached(base.replace({lev.path: lev.change(base, getattr(lev, attr)) for lev in members}))
            counts = [np.sum(baseline & moved), np.sum(baseline & ~moved), np.sum(~baseline & moved), np.sum(~baseline & ~moved)]
            diff, lo, hi = newcombe_paired_interval(*(np.array([c]) for c in counts))
            entry[f"p_{side}"] = float(moved.mean())
            entry[f"diff_{side}"], entry[f"diff_{side}_ci95_low"], entry[f"diff_{side}_ci95_high"] = (
                float(diff[0]),
                float(lo[0]),
                float(hi[0]),
            )
        entry["swing"] = abs(entry["diff_high"] - entry["diff_low"])
        bars.append(entry)
    bars.sort(key=lambda e: -e["swing"])
    return Tornado(year, paths, float(baseline.mean()), _bars_frame(bars))
