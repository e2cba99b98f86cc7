"""``coopsim replay``: the portfolio replayed over the record's years, its flows against the record, and the scales fitted.

Writes a results folder (whole or not at all, :func:`sim.results.write_folder`):
``replay.csv`` (one row a year, :meth:`~sim.studies.replay.ReplayResult.table`),
``replay_fit.json`` (the fitted scales, with the ``[pipeline.flow_scale]``
tables they give), ``replay.png`` and ``replay.svg`` (:func:`sim.plots.replay.replay_chart`),
with ``--report`` a self-contained ``report.html`` (:mod:`sim.report.replay_page`: the chart inline,
the table by year, the fitted scales and what they mean) and ``manifest.json``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

from ..history import HistoryError
from ..plots.replay import replay_chart
from ..plots.style import DPI
from ..report import render_report
from ..results import write_folder, write_json, write_table, write_text_atomically
from ..studies.replay import ReplayResult, load_direction_record, replay
from .common import destination, finish, load_scenario_arg, record_scenarios

__all__ = ["DIRECTION_FILE", "replay_command", "replay_table"]

DIRECTION_FILE = "*direction_history.csv"
"""The record by direction read by default: the one file matching this pattern beside the scenario's ``trade.history`` (several or none: ``--record FILE``)."""


def _cell(value: float, width: int = 7) -> str:
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:>{width}.2f}"


def replay_table(result: ReplayResult) -> str:
    """The terminal table: each year's recorded flows beside the modelled project flows (mean [5%, 95%]), and the fits."""
    ex, cx = result.exports_fit, result.construction_fit
    lines = [
        f"{result.scenario} replayed {result.years[1]}-{result.years[-1]}: {result.paths:,} paths, seed {result.seed}, "
        f"{result.launches_per_year:.1f} launches in {result.years[1]} growing as the scenario's trend; USD bn a year",
        "",
        f"  {'year':<6}{'exports to ' + result.partner:>14}{'project exports':>24}{'imports from ' + result.partner:>17}"
        f"{'construction imports':>24}{'operating imports':>24}",
        f"  {'':<6}{'recorded':>14}{'model [5%, 95%]':>24}{'recorded':>17}{'model [5%, 95%]':>24}{'model [5%, 95%]':>24}",
    ]
    for row in result.table().to_dict("records"):

        def band(c: str, r: dict = row) -> str:
            return f"{r[f'{c}_mean']:.2f} [{r[f'{c}_p05']:.2f}, {r[f'{c}_p95']:.2f}]"

        lines.append(
            f"  {row['year']:<6}{_cell(row['recorded_exports_to_partner'], 14)}{band('operating_exports'):>24}"
            f"{_cell(row['recorded_imports_from_partner'], 17)}{band('construction_imports'):>24}{band('operating_imports'):>24}"
        )
    lines.append("")
    for fit in (ex, cx):
        lines.append(
            f"  scale on {fit.name}: {fit.median:.2f} [{fit.low:.2f}, {fit.high:.2f}] (median [5%, 95%], >= 0; least squares "
            f"{fit.estimate:+.2f}, se {fit.se:.2f}; organic share {fit.organic_share:.3f}; years {', '.join(map(str, fit.years))})"
        )
    lines.append(f"  [pipeline.flow_scale] exports = {_toml(ex.as_pert())}")
    lines.append(f"  [pipeline.flow_scale] construction_imports = {_toml(cx.as_pert())}")
    return "\n".join(lines)


def _toml(table: dict) -> str:
    """A distribution table as an inline TOML table."""
    return "{" + ", ".join(f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v:g}" for k, v in table.items()) + "}"


def _write(result: ReplayResult, folder: Path, formats: tuple[str, ...], report: bool = False) -> list[str]:
    """The folder's files: table, fits, the chart and (``report``) ``report.html`` with the chart's SVG inline."""
    write_table(folder / "replay.csv", result.table().to_dict("records"))
    write_json(folder / "replay_fit.json", result.to_json())
    fig = replay_chart(result)
    names = ["replay.csv", "replay_fit.json"]
    with matplotlib.rc_context({"svg.hashsalt": "coopsim"}):
        for fmt in formats:
            options = {"metadata": {"Date": None}} if fmt == "svg" else {"metadata": {"CreationDate": None}} if fmt == "pdf" else {}
            fig.savefig(folder / f"replay.{fmt}", format=fmt, dpi=DPI, facecolor="white", **options)
            names.append(f"replay.{fmt}")
    if report:
        figures = {"replay": (folder / "replay.svg").read_text(encoding="utf-8")}
        write_text_atomically(folder / "report.html", render_report(result, figures))
        names.append("report.html")
    return names


def replay_command(args: argparse.Namespace) -> int:
    """``coopsim replay``: the portfolio over the record's years against the record, and its scales fitted."""
    scenario = load_scenario_arg(args.scenario, args)
    record_path = args.record
    if record_path is None:
        history = scenario.history_path()
        if history is None:
            raise HistoryError(
                f"{args.scenario}: the scenario has no trade.history beside which to find {DIRECTION_FILE}: give --record FILE"
            )
        found = sorted(history.parent.glob(DIRECTION_FILE))
        if len(found) != 1:
            what = f"{len(found)} files {DIRECTION_FILE}" + (f" ({', '.join(f.name for f in found)})" if found else "")
            raise HistoryError(f"{args.scenario}: {what} beside its trade.history: give --record FILE")
        record_path = found[0]
    record = load_direction_record(record_path, scenario.trade.reporter, scenario.trade.partner)
    out = destination(args, f"replay_{scenario.name}", [scenario.name])
    result = replay(scenario, record, paths=args.paths, seed=args.seed, first=args.first, last=args.last, record_source=str(record_path))
    record_scenarios(result.manifest, [args.scenario], args, [scenario.name])
    result.manifest["record_file"] = str(record_path)
    formats = ("png", "svg", "pdf") if args.pdf else ("png", "svg")
    write_folder(out, lambda folder: _write(result, folder, formats, args.report), result.manifest, force=args.force)
    finish(args, replay_table(result), out)
    return 0
