"""The ``Results`` of a run: headline statistics, tidy tables, saving and loading.

Statistics are accumulated chunk by chunk (:class:`Aggregator`) so a run never
needs all its paths at once. Probabilities carry 95% Wilson score intervals.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .trade import COMPONENTS

__all__ = ["Aggregator", "Results", "wilson_interval", "QUANTILES"]

QUANTILES = (5, 25, 50, 75, 95)
"""Percentiles of annual trade reported for every year."""

Z95 = 1.959963984540054


def wilson_interval(successes: np.ndarray | int, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int or ndarray
        Number of paths with the outcome.
    n : int
        Number of paths.
    z : float
        Normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : ndarrays of the same shape as ``successes``.
    """
    x = np.asarray(successes, dtype=float)
    p = x / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


@dataclass
class Aggregator:
    """Accumulates the statistics of paths as chunks arrive, in path order.

    Parameters
    ----------
    years : list of int
        Simulated calendar years.
    target_usd_bn : float
        The trade target.
    """

    years: list[int]
    target_usd_bn: float
    paths: int = 0
    first_hit: np.ndarray = field(init=False)
    above: np.ndarray = field(init=False)
    component_sum: np.ndarray = field(init=False)
    _totals: list[np.ndarray] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.years)
        self.first_hit = np.zeros(n + 1, dtype=np.int64)  # last slot: never by the horizon
        self.above = np.zeros(n, dtype=np.int64)
        self.component_sum = np.zeros((n, len(COMPONENTS)))

    def add(self, trade: np.ndarray) -> None:
        """Add a chunk of paths, shape ``(m, n_years, 4)``, USD bn."""
        total = trade.sum(axis=2)
        reached = total >= self.target_usd_bn
        hit = np.where(reached.any(axis=1), reached.argmax(axis=1), len(self.years))
        self.first_hit += np.bincount(hit, minlength=len(self.years) + 1)
        self.above += reached.sum(axis=0)
        self.component_sum += trade.sum(axis=0)
        self._totals.append(total)
        self.paths += trade.shape[0]

    def summary(self) -> dict[str, Any]:
        """Headline statistics (the statistical part of ``summary.json``)."""
        n = self.paths
        years = [str(y) for y in self.years]
        reach = np.cumsum(self.first_hit[:-1])
        lo, hi = wilson_interval(reach, n)
        alo, ahi = wilson_interval(self.above, n)
        totals = np.concatenate(self._totals, axis=0)
        q = np.percentile(totals, QUANTILES, axis=0)
        mean = totals.mean(axis=0)
        comp = self.component_sum / n
        share = self.first_hit / n
        return {
            "p_reach_by_year": {y: {"p": reach[k] / n, "ci95": [lo[k], hi[k]]} for k, y in enumerate(years)},
            "p_above_in_year": {y: {"p": self.above[k] / n, "ci95": [alo[k], ahi[k]]} for k, y in enumerate(years)},
            "hit_year": {**_hit_quantiles(self.years, share), "share_never": share[-1]},
            "hit_year_share": {**{y: share[k] for k, y in enumerate(years)}, "never": share[-1]},
            "annual_trade_usd_bn": {
                y: {"mean": mean[k], **{f"p{p}": q[i, k] for i, p in enumerate(QUANTILES)}} for k, y in enumerate(years)
            },
            "components_mean_usd_bn": {y: {c: comp[k, i] for i, c in enumerate(COMPONENTS)} for k, y in enumerate(years)},
        }


def _hit_quantiles(years: list[int], share: np.ndarray) -> dict[str, int | None]:
    """First year by which a share ``q`` of paths has reached the target (None if not by the horizon)."""
    cum = np.cumsum(share[:-1])
    out: dict[str, int | None] = {}
    for q in (10, 50, 90):
        k = int(np.searchsorted(cum, q / 100 - 1e-12, side="left"))
        out[f"p{q}"] = years[k] if k < len(years) else None
    return out


def _plain(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python numbers, non-finite floats to None."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


@dataclass
class Results:
    """The outcome of a run.

    Attributes
    ----------
    summary : dict
        Everything in ``summary.json``: identity of the run and the statistics.
    manifest : dict
        Provenance: scenario file and hash, seed, paths, package versions, times.
    history : list of (year, USD bn)
        Observed values of the scenario's reporter, for the plots.
    paths_trade : ndarray, shape (paths, n_years, 4), optional
        Every path's annual trade by component, when kept.
    """

    summary: dict[str, Any]
    history: list[tuple[int, float]] = field(default_factory=list)
    paths_trade: np.ndarray | None = None
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        """Simulated calendar years."""
        return [int(y) for y in self.summary["years"]]

    @property
    def target_usd_bn(self) -> float:
        return float(self.summary["target_usd_bn"])

    def p_reach(self, year: int) -> tuple[float, float, float]:
        """Probability the target is reached by ``year``, with its 95% interval ``(p, low, high)``."""
        entry = self.summary["p_reach_by_year"][str(year)]
        return entry["p"], entry["ci95"][0], entry["ci95"][1]

    # -- tables ---------------------------------------------------------
    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Tidy tables (one row per observation) by file stem."""
        s = self.summary
        years = s["years"]
        annual = [{"year": y, **s["annual_trade_usd_bn"][y]} for y in years]
        reach = [
            {
                "year": y,
                "p_reach_by_year": s["p_reach_by_year"][y]["p"],
                "ci95_low": s["p_reach_by_year"][y]["ci95"][0],
                "ci95_high": s["p_reach_by_year"][y]["ci95"][1],
                "p_above_in_year": s["p_above_in_year"][y]["p"],
                "hit_share": s["hit_year_share"][y],
            }
            for y in years
        ]
        components = [{"year": y, "component": c, "mean_usd_bn": v} for y in years for c, v in s["components_mean_usd_bn"][y].items()]
        return {"annual_trade": annual, "target_probability": reach, "components": components}

    # -- files ----------------------------------------------------------
    def write_data(self, folder: Path) -> list[str]:
        """Write ``summary.json``, the CSV tables and (if kept) ``paths.npz`` into ``folder``; return the file names."""
        folder = Path(folder)
        names = ["summary.json"]
        (folder / "summary.json").write_text(json.dumps(_plain(self.summary), indent=2) + "\n", encoding="utf-8")
        for stem, rows in self.tables().items():
            with open(folder / f"{stem}.csv", "w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(_plain(rows))
            names.append(f"{stem}.csv")
        if self.history:
            with open(folder / "history.csv", "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["year", "value_usd_bn"])
                writer.writerows(self.history)
            names.append("history.csv")
        if self.paths_trade is not None:
            np.savez_compressed(
                folder / "paths.npz", trade_usd_bn=self.paths_trade, years=np.array(self.years), components=np.array(COMPONENTS)
            )
            names.append("paths.npz")
        return names

    def save(self, folder: str | Path, *, force: bool = False, figures: bool = True) -> Path:
        """Write the results folder atomically: data, tables, figures and ``manifest.json``.

        Parameters
        ----------
        folder : path
            Destination; an existing non-empty folder is refused unless ``force``
            and it holds earlier coopsim results.
        force : bool
            Replace earlier results at ``folder``.
        figures : bool
            Also write the PNG figures.
        """
        from .outputs import write_folder
        from .plots import save_figures

        def write(tmp: Path) -> list[str]:
            names = self.write_data(tmp)
            if figures:
                names += save_figures(self, tmp)
            return names

        return write_folder(folder, write, _plain(self.manifest), force=force)

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by a run (no pickle involved)."""
        folder = Path(folder)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8")) if (folder / "manifest.json").exists() else {}
        history: list[tuple[int, float]] = []
        if (folder / "history.csv").exists():
            with open(folder / "history.csv", newline="", encoding="utf-8") as fh:
                history = [(int(r["year"]), float(r["value_usd_bn"])) for r in csv.DictReader(fh)]
        paths = None
        if (folder / "paths.npz").exists():
            with np.load(folder / "paths.npz", allow_pickle=False) as z:
                paths = z["trade_usd_bn"]
        return cls(summary=summary, history=history, paths_trade=paths, manifest=manifest)
