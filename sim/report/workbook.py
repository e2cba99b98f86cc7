"""A run's or a comparison's results as an Excel workbook, ``results.xlsx``.

Sheets: ``summary`` (identity and the headline table), one sheet per tidy
table (numbers as numbers; probabilities as fractions shown as percentages),
and ``paths``: one row per path with its drawn inputs (experiments) then its
outcomes, in EMA Workbench's convention, for the first :data:`MAX_PATH_ROWS`
paths. The paths are drawn again from the scenario the manifest names by the
``experiments`` function the caller hands over (:func:`sim.studies.experiments.path_table`,
from :func:`sim.output.save`): the report layer lays tables out and simulates nothing.
When the scenario file cannot give the scenario that was run, or no function
is given, the sheet says why instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import singledispatch
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import InputError
from ..results import Results
from ..results.results import QUANTILE_COLUMNS
from ..studies.compare import Comparison
from .pages import headline_years
from .sources import ScenarioSource, manifest_scenarios, scenario_labels

__all__ = ["MAX_PATH_ROWS", "PERCENT", "PathTable", "has_workbook", "write_workbook"]

PathTable = Callable[[Any, int, int, Sequence[int]], tuple[pd.DataFrame, pd.DataFrame]]
"""``(scenario, seed, paths, years) -> (experiments, outcomes)``: the drawn inputs and outcomes of paths 0 to ``paths - 1``
(:func:`sim.studies.experiments.path_table`)."""

MAX_PATH_ROWS = 10_000
"""Rows of the ``paths`` sheet at most (all scenarios of a comparison together): a workbook stays quick to open."""
PERCENT = "0.0%"
"""Number format of probabilities (stored as fractions)."""
NUMBER = "#,##0.000"
"""Number format of other quantities (USD bn, shares, years as decimals)."""
PROBABILITY_COLUMNS = {"p", "p_reach_by_year", "p_above_in_year", "ci95_low", "ci95_high", "hit_share", "share_never"}
"""Columns whose values are probabilities, in every sheet but ``comparison`` (where the metric decides)."""
_BOLD = Font(bold=True)


def _cell(value: Any) -> Any:
    """A value Excel can store: numpy numbers as Python ones, NaN and None as empty cells."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _write_frame(ws: Worksheet, frame: pd.DataFrame, first_row: int = 1, percent: Sequence[str] = ()) -> int:
    """Write ``frame`` with a bold header at ``first_row``; columns in ``percent`` as percentages, other floats as numbers. The next free row."""
    for k, name in enumerate(frame.columns, start=1):
        ws.cell(first_row, k, str(name)).font = _BOLD
    for r, row in enumerate(frame.itertuples(index=False), start=first_row + 1):
        for k, (name, value) in enumerate(zip(frame.columns, row, strict=True), start=1):
            cell = ws.cell(r, k, _cell(value))
            if isinstance(cell.value, float):
                cell.number_format = PERCENT if name in percent else NUMBER
    for k, name in enumerate(frame.columns, start=1):
        ws.column_dimensions[get_column_letter(k)].width = max(10, min(48, len(str(name)) + 2))
    return first_row + len(frame) + 2


def _identity(ws: Worksheet, rows: Sequence[tuple[str, Any]], percent: Sequence[str] = ()) -> int:
    """Key-value rows at the top of the summary sheet (the keys in ``percent`` as percentages); the next free row."""
    for r, (key, value) in enumerate(rows, start=1):
        ws.cell(r, 1, key).font = _BOLD
        cell = ws.cell(r, 2, _cell(value))
        if key in percent:
            cell.number_format = PERCENT
    ws.column_dimensions["A"].width = 34
    return len(rows) + 2


def _headline(results: Results, years: Sequence[int]) -> pd.DataFrame:
    reach, above = results.p_reach_by_year.loc[list(years)], results.p_above_in_year.loc[list(years)]
    return pd.DataFrame(
        {
            "year": list(years),
            "p_reach_by_year": reach["p"].to_numpy(),
            "ci95_low": reach["ci95_low"].to_numpy(),
            "ci95_high": reach["ci95_high"].to_numpy(),
            "p_above_in_year": above["p"].to_numpy(),
            "p_above_ci95_low": above["ci95_low"].to_numpy(),
            "p_above_ci95_high": above["ci95_high"].to_numpy(),
            "median_trade_usd_bn": results.annual_trade_usd_bn.loc[list(years), "p50"].to_numpy(),
        }
    )


_HEADLINE_PERCENT = ("p_reach_by_year", "ci95_low", "ci95_high", "p_above_in_year", "p_above_ci95_low", "p_above_ci95_high")


def _paths_sheet(
    ws: Worksheet,
    sources: Sequence[ScenarioSource],
    labels: Sequence[str],
    seed: int,
    paths: int,
    years: Sequence[int],
    path_table: PathTable | None,
) -> None:
    """The ``paths`` sheet: a note in its first row, then one row per path (scenario, path, experiments, outcomes)."""
    per_scenario = min(paths, MAX_PATH_ROWS // max(len(sources), 1))
    missing = [f"{s.file}: {s.problem}" for s in sources if s.scenario is None]
    if missing or not sources:
        ws.cell(1, 1, "Per-path inputs not available: " + ("; ".join(missing) or "the manifest names no scenario file."))
        return
    if path_table is None:
        ws.cell(1, 1, "Per-path inputs not available: the workbook was written without the per-path table (coopsim run --xlsx writes it).")
        return
    experiments, outcomes = [], []
    for source, label in zip(sources, labels, strict=True):
        e, o = path_table(source.scenario, seed, per_scenario, years)  # type: ignore[arg-type]
        experiments.append(e.assign(scenario=label))
        outcomes.append(o)
    inputs = pd.concat(experiments).reset_index()
    table = pd.concat(
        [
            inputs[["scenario", "path", *(c for c in inputs.columns if c not in ("scenario", "path"))]],
            pd.concat(outcomes).reset_index(drop=True),
        ],
        axis=1,
    )
    shown = f"paths 0 to {per_scenario - 1:,} of {paths:,}" + (f" (capped at {MAX_PATH_ROWS:,} rows)" if per_scenario < paths else "")
    ws.cell(
        1,
        1,
        f"One row per path, {shown}: the scenario and path, its drawn inputs (experiments, columns C to "
        f"{get_column_letter(2 + inputs.shape[1] - 2)}), then its outcomes (EMA Workbench's experiments/outcomes convention). "
        f"The same path number draws the same random numbers in every scenario (seed {seed}).",
    )
    _write_frame(ws, table, first_row=2)
    ws.freeze_panes = "C3"


@singledispatch
def write_workbook(obj: Any, path: Path, years: Sequence[int] | None = None, path_table: PathTable | None = None) -> Path:
    """Write ``results.xlsx`` of a run or a comparison to ``path``; the path written.

    Parameters
    ----------
    obj : Results or Comparison
    path : Path
        The workbook file.
    years : sequence of int, optional
        Headline years (``--years``) of the summary and of the per-path outcomes.
    path_table : callable, optional
        What fills the ``paths`` sheet (:data:`PathTable`, :func:`sim.studies.experiments.path_table`);
        without it the sheet says the per-path table was not given.
    """
    raise InputError(f"coopsim writes no workbook for a {type(obj).__name__}; --xlsx is for run and compare")


def has_workbook(obj: Any) -> bool:
    """Whether :func:`write_workbook` has a function for ``obj``'s type."""
    return write_workbook.dispatch(type(obj)) is not write_workbook.dispatch(object)


@write_workbook.register
def _(results: Results, path: Path, years: Sequence[int] | None = None, path_table: PathTable | None = None) -> Path:
    shown = headline_years(results.years, years, results.headline_year)
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    hit = results.hit_year
    row = _identity(
        ws,
        [
            ("scenario", results.scenario),
            ("scenario SHA-256", results.scenario_sha256),
            ("paths", results.n_paths),
            ("seed", results.seed),
            ("reporter (the target's figures)", results.reporter),
            ("target, USD bn a year", results.target_usd_bn),
            ("target flow", results.target_flow),
            ("organic law", results.organic_law),
            ("base year", results.base_year),
            ("base value, USD bn", results.base_usd_bn),
            ("median year first reached", hit.p50),
            ("10% of paths reach it by", hit.p10),
            ("90% of paths reach it by", hit.p90),
            ("share of paths not reaching it by the horizon", hit.share_never),
        ],
        percent=["share of paths not reaching it by the horizon"],
    )
    ws.cell(
        row, 1, "Headline: probability the target is reached by the year, and at or above it in the year (Wilson 95% intervals)"
    ).font = _BOLD
    _write_frame(ws, _headline(results, shown), first_row=row + 1, percent=_HEADLINE_PERCENT)
    for stem, frame in results.tables().items():
        if len(frame):
            _table_sheet(wb.create_sheet(stem), frame)
    _paths_sheet(
        wb.create_sheet("paths"), manifest_scenarios(results.manifest), [results.scenario], results.seed, results.n_paths, shown, path_table
    )
    wb.save(path)
    return path


def _table_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """A tidy table; probability columns as percentages, and the partner's share rows of ``annual_flows`` too."""
    _write_frame(ws, frame, percent=[c for c in frame.columns if c in PROBABILITY_COLUMNS])
    if "flow" in frame.columns:
        quantiles = [k for k, c in enumerate(frame.columns, start=1) if c in QUANTILE_COLUMNS]
        for r, flow in enumerate(frame["flow"], start=2):
            if flow == "partner_share":
                for k in quantiles:
                    ws.cell(r, k).number_format = PERCENT


@write_workbook.register
def _(comparison: Comparison, path: Path, years: Sequence[int] | None = None, path_table: PathTable | None = None) -> Path:
    shown = headline_years(comparison.years, years)
    labels = scenario_labels(comparison.scenarios, comparison.manifest)
    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    row = _identity(
        ws,
        [
            ("baseline", comparison.baseline),
            ("scenarios", ", ".join(comparison.scenarios)),
            ("paths per scenario", comparison.n_paths),
            ("seed (common random numbers)", comparison.seed),
        ],
    )
    ws.cell(row, 1, "Headline: P(reached by the year) and the paired difference from the baseline (Newcombe 95% interval)").font = _BOLD
    rows = []
    for name, label, res in zip(comparison.scenarios, labels, comparison.results, strict=True):
        for y in shown:
            p = res.p_reach_by_year.loc[y]
            d, lo, hi = (0.0, 0.0, 0.0) if name == comparison.baseline else comparison.difference(name, "p_reach_by_year", y)
            rows.append((name, label, y, p.p, p.ci95_low, p.ci95_high, d, lo, hi))
    headline = pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "label",
            "year",
            "p_reach_by_year",
            "ci95_low",
            "ci95_high",
            "difference",
            "difference_ci95_low",
            "difference_ci95_high",
        ],
    )
    _write_frame(ws, headline, first_row=row + 1, percent=headline.columns[3:])
    table = comparison.table()
    _write_frame(wb.create_sheet("comparison"), table)
    sheet = wb["comparison"]
    for r, metric in enumerate(table["metric"], start=2):
        if "p_reach" in metric:
            for k in range(4, table.shape[1] + 1):
                sheet.cell(r, k).number_format = PERCENT
    tables = [res.tables() for res in comparison.results]
    for stem in tables[0]:
        frames = [t[stem].assign(scenario=name) for name, t in zip(comparison.scenarios, tables, strict=True) if len(t[stem])]
        if frames:
            frame = pd.concat(frames, ignore_index=True)
            _table_sheet(wb.create_sheet(stem), frame[["scenario", *frame.columns[:-1]]])
    _paths_sheet(
        wb.create_sheet("paths"), manifest_scenarios(comparison.manifest), labels, comparison.seed, comparison.n_paths, shown, path_table
    )
    wb.save(path)
    return path
