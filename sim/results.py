"""The ``Results`` of a run: headline statistics, tidy tables, saving and loading."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .engine import COMPONENTS, DIRECTIONS, TradePaths
from .errors import InputError

__all__ = ["Results", "ResultsError", "to_json_ready", "write_table"]

_FLOW_KEYS = {
    "exports": "annual_exports_usd_bn",
    "imports": "annual_imports_usd_bn",
    "balance": "annual_balance_usd_bn",
    "country_total": "country_total_usd_bn",
    "partner_share": "partner_share",
}
"""Rows of the ``annual_flows`` table and the summary keys they come from."""
_PATH_FILES = {"trade": "paths.npy", "country_total": "paths_country_total.npy", "partner_share": "paths_partner_share.npy"}
"""Files of kept paths, by field of :class:`sim.trade.TradePaths`."""


class ResultsError(InputError, ValueError):
    """A results folder that cannot be trusted: missing, truncated or edited files."""


def write_table(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write tidy rows (dicts with the same keys) as a CSV file; non-finite numbers become empty cells."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(to_json_ready(rows))


def to_json_ready(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python numbers, non-finite floats to None."""
    if isinstance(value, dict):
        return {k: to_json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v) for v in value]
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
    paths : TradePaths, optional
        Every path's annual trade by component and direction (:data:`sim.trade.COMPONENTS`,
        :data:`sim.trade.DIRECTIONS`), the country's total trade and the partner's share, when kept.
    """

    summary: dict[str, Any]
    history: list[tuple[int, float]] = field(default_factory=list)
    paths: TradePaths | None = None
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
        by_direction = s["components_by_direction_mean_usd_bn"]
        components = [
            {"year": y, "component": c, "direction": d, "mean_usd_bn": v}
            for y in years
            for d, values in by_direction[y].items()
            for c, v in values.items()
        ]
        flows = [{"year": y, "flow": name, **s[key][y]} for name, key in _FLOW_KEYS.items() if key in s for y in years]
        return {"annual_trade": annual, "target_probability": reach, "components": components, "annual_flows": flows}

    def table(self, name: str) -> Any:
        """A tidy table as a ``pandas.DataFrame``: ``annual_trade``, ``target_probability`` or ``components``.

        ``annual_trade``: one row per year, USD bn (mean and percentiles).
        ``target_probability``: one row per year: P(reached by the year) with its
        95% interval, P(above the target in the year), share first reaching it then.
        ``components``: one row per year, component and direction, mean USD bn.
        ``annual_flows``: one row per year and flow (exports, imports, balance and,
        under the structural law, the country's total trade and the partner's share): mean and percentiles.
        """
        import pandas as pd

        tables = self.tables()
        if name not in tables:
            raise KeyError(f"no table {name!r}; the tables are {', '.join(tables)}")
        frame = pd.DataFrame(tables[name])
        frame["year"] = frame["year"].astype(int)
        return frame

    def paths_frame(self) -> Any:
        """Every kept path's annual trade as a long ``DataFrame`` (path, year, component, direction, usd_bn)."""
        import pandas as pd

        if self.paths is None:
            raise ValueError("paths were not kept: run with keep_paths=True (coopsim run --keep-paths)")
        arr = np.asarray(self.paths.trade)
        paths, years, comps, dirs = np.meshgrid(
            np.arange(arr.shape[0]), self.years, np.arange(len(COMPONENTS)), np.arange(len(DIRECTIONS)), indexing="ij"
        )
        return pd.DataFrame(
            {
                "path": paths.ravel(),
                "year": years.ravel(),
                "component": np.array(COMPONENTS)[comps.ravel()],
                "direction": np.array(DIRECTIONS)[dirs.ravel()],
                "usd_bn": arr.ravel(),
            }
        )

    def _repr_html_(self) -> str:
        """A short summary for notebooks: the headline probabilities and hit year."""
        s = self.summary
        cells = "".join(
            f"<tr><td>{y}</td><td>{100 * s['p_reach_by_year'][y]['p']:.1f}%</td><td>{100 * s['p_reach_by_year'][y]['ci95'][0]:.1f}% to {100 * s['p_reach_by_year'][y]['ci95'][1]:.1f}%</td>"
            f"<td>{s['annual_trade_usd_bn'][y]['p50']:.1f}</td></tr>"
            for y in s["years"]
        )
        hit = s["hit_year"]
        return (
            f"<div><b>{s['scenario']}</b>: {s['paths']:,} paths, seed {s['seed']}; target {s['target_usd_bn']:g} USD bn ({s['reporter']} statistics). "
            f"Median year reached: {hit['p50'] if hit['p50'] is not None else 'after ' + s['years'][-1]}.</div>"
            f"<table><tr><th>year</th><th>P(reached by year)</th><th>95% interval</th><th>median trade, USD bn</th></tr>{cells}</table>"
        )

    # -- files ----------------------------------------------------------
    def write_data(self, folder: Path) -> list[str]:
        """Write ``summary.json``, the CSV tables and (if kept) the paths' ``.npy`` files into ``folder``; return the file names."""
        folder = Path(folder)
        names = ["summary.json"]
        (folder / "summary.json").write_text(json.dumps(to_json_ready(self.summary), indent=2) + "\n", encoding="utf-8")
        for stem, rows in self.tables().items():
            write_table(folder / f"{stem}.csv", rows)
            names.append(f"{stem}.csv")
        if self.history:
            with open(folder / "history.csv", "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["year", "value_usd_bn"])
                writer.writerows(self.history)
            names.append("history.csv")
        if self.paths is not None:
            # float64: trade (paths, years, components, directions), the others (paths, years); years in summary.json
            for name, array in self.paths._asdict().items():
                np.save(folder / _PATH_FILES[name], np.asarray(array), allow_pickle=False)
                names.append(_PATH_FILES[name])
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

        return write_folder(folder, write, to_json_ready(self.manifest), force=force)

    @classmethod
    def load(cls, folder: str | Path) -> Results:
        """Read a results folder written by a run (no pickle involved).

        Every file listed in ``manifest.json`` is checked against its SHA-256
        first, so a truncated or edited folder is refused with a clear error.

        Raises
        ------
        ResultsError
            Naming the folder and the file that is missing or does not match.
        """
        from .outputs import MANIFEST, file_sha256

        folder = Path(folder)
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            files = manifest["files"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ResultsError(f"{folder}: not a complete coopsim results folder (no readable {MANIFEST} listing its files)") from None
        for name, digest in files.items():
            path = folder / name
            if not path.is_file():
                raise ResultsError(f"{folder}: {name} is missing")
            if file_sha256(path) != digest:
                raise ResultsError(
                    f"{folder}: {name} does not match its checksum in {MANIFEST} (truncated or edited); rerun to recreate it"
                )
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        history: list[tuple[int, float]] = []
        if (folder / "history.csv").exists():
            with open(folder / "history.csv", newline="", encoding="utf-8") as fh:
                history = [(int(r["year"]), float(r["value_usd_bn"])) for r in csv.DictReader(fh)]
        paths = None
        if all((folder / name).exists() for name in _PATH_FILES.values()):
            paths = TradePaths(*(np.load(folder / _PATH_FILES[name], mmap_mode="r", allow_pickle=False) for name in TradePaths._fields))
        return cls(summary=summary, history=history, paths=paths, manifest=manifest)
