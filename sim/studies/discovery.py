"""Scenario discovery: on the drawn inputs of the scenario's own paths, boxes of input values in which the target is missed.

The features (:func:`discovery_features`) are what a path drew that matters for
reaching the target by year Y; PRIM (:mod:`sim.studies.prim`) finds the boxes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..engine import reached_by, simulate_batches
from ..errors import UsageError
from ..results.results import number
from ..run import open_executor, stream_chunks
from ..scenario import Scenario
from .prim import Box, prim_boxes

__all__ = ["Discovery", "discover", "discovery_features"]


@dataclass(frozen=True, eq=False)
class Discovery:
    """Scenario discovery on the scenario's own paths.

    Attributes
    ----------
    method : str
        ``"PRIM"``.
    rows : int
        Paths explained.
    share_missed : float
        Share of them missing the target by the year.
    features : pandas.DataFrame
        The paths' drawn inputs, one column per feature, shape ``(rows, features)`` (empty when not kept).
    missed : numpy.ndarray of bool, shape (rows,)
        Whether each path misses the target.
    boxes : tuple of Box
        Where the misses concentrate, in the order found.
    """

    method: str
    rows: int
    share_missed: float
    features: pd.DataFrame
    missed: np.ndarray
    boxes: tuple[Box, ...]

    def __post_init__(self) -> None:
        if len(self.features.columns) and len(self.features) != self.missed.size:
            raise UsageError(f"discovery features and 'missed' differ in length: {sorted({len(self.features), self.missed.size})}")

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rows": self.rows,
            "share_missed": self.share_missed,
            "features": {name: self.features[name].tolist() for name in self.features.columns},
            "missed": self.missed.tolist(),
            "boxes": [
                {
                    "limits": {k: list(v) for k, v in b.limits.items()},
                    "coverage": b.coverage,
                    "density": b.density,
                    "support": b.support,
                    "text": b.text,
                }
                for b in self.boxes
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Discovery:
        """From the ``discovery`` entry of ``sensitivity.json``; an open side of a box (null or infinite) is infinite."""
        features = data.get("features") or {}
        boxes = tuple(
            Box(
                limits={k: (_bound(v, 0, -math.inf), _bound(v, 1, math.inf)) for k, v in (b.get("limits") or {}).items()},
                coverage=number(b.get("coverage")),
                density=number(b.get("density")),
                support=number(b.get("support")),
                text=b.get("text") or "",
            )
            for b in data.get("boxes") or []
        )
        lengths = {len(v) for v in features.values()}
        if len(lengths) > 1:
            raise UsageError(f"discovery features differ in length: {sorted(lengths)}")
        return cls(
            method=data.get("method", "PRIM"),
            rows=int(data.get("rows") or 0),
            share_missed=number(data.get("share_missed")),
            features=pd.DataFrame({k: np.array([number(x) for x in v], dtype=float) for k, v in features.items()}),
            missed=np.array([bool(m) for m in data.get("missed") or []], dtype=bool),
            boxes=boxes,
        )


def _bound(pair: Any, side: int, open_end: float) -> float:
    """One bound of a box side; a missing pair or a null bound is the open end."""
    value = number(pair[side]) if pair else math.nan
    return open_end if math.isnan(value) else value


def discovery_features(s: Scenario, seed: int, year: int, start: int, stop: int) -> tuple[list[str], np.ndarray]:
    """The drawn inputs of paths ``start..stop-1`` that matter for reaching the target, and the outcome.

    Returns the feature names and an array of shape ``(paths, features + 1)``
    whose last column is 1.0 when the target is missed by ``year``.
    """
    k = s.years.index(year)
    horizon = float(len(s.years))
    links = [
        j
        for j, p in enumerate(s.pipeline.projects if s.pipeline else [])
        if not (p.trade_level_uplift.is_fixed and p.trade_level_uplift.value == 0)
    ]  # type: ignore[attr-defined]
    mix = np.array([s.pipeline.sector_mix.get(n, 0.0) for n in s.pipeline.sectors]) if s.pipeline else np.empty(0)
    names = [f"realised organic growth to {year} (log a year)", f"financing capacity to {year} (USD bn a year)"]
    if mix.sum() > 0:
        names.append("trade per USD of capex (exports plus imports), mix-weighted")
    names += [f"{s.pipeline.projects[j].name} completion year" for j in links]  # type: ignore[union-attr]
    if s.shocks:
        names.append(f"shocks by {year}")
    rows = []
    for xs, logs, batch in simulate_batches(s, seed, start, stop):
        for x, log, organic, total in zip(xs, logs, batch.by_component[:, k, 0], batch.flow(s.trade.target_flow), strict=True):
            row = [math.log(organic / s.trade.base_usd_bn) / (k + 1), float(x.capacity_usd_bn[:, : k + 1].sum()) / (k + 1)]
            if mix.sum() > 0:
                row.append(float(mix @ (x.sector_exports_per_capex + x.sector_imports_per_capex) / mix.sum()))
            row += [min(float(log.flagship_end[j]), horizon) + s.start_year for j in links]
            if s.shocks:
                row.append(float(np.sum(log.shock_time < k + 1)))
            row.append(float(not reached_by(total, s.trade.target_usd_bn)[k]))
            rows.append(row)
    return names, np.array(rows)


def _discovery_task(s: Scenario, seed: int, year: int, start: int, stop: int) -> np.ndarray:
    return discovery_features(s, seed, year, start, stop)[1]


def discover(scenario: Scenario, year: int, paths: int, seed: int, workers: int, dask: Any) -> Discovery:
    """PRIM boxes of drawn inputs where the target is missed by ``year``, on paths ``0..paths-1`` of the scenario."""
    feature_names = discovery_features(scenario, seed, year, 0, 1)[0]
    parts: list[np.ndarray] = []
    with open_executor(workers, dask) as (executor, slots):
        stream_chunks(
            executor,
            slots,
            _discovery_task,
            (scenario, seed, year),
            ((a, min(a + 250, paths)) for a in range(0, paths, 250)),
            lambda a, b, r: parts.append(r) or False,
        )
    table = np.concatenate(parts, axis=0)
    features, missed = table[:, :-1], table[:, -1] == 1.0
    boxes = prim_boxes(features, missed, feature_names) if 0 < missed.sum() < missed.size else []
    return Discovery(
        method="PRIM",
        rows=int(missed.size),
        share_missed=float(missed.mean()),
        features=pd.DataFrame(features, columns=feature_names),
        missed=missed,
        boxes=tuple(replace(b, text=b.describe(year)) for b in boxes),
    )
