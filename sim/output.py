"""One way to save: every results folder (a run, a comparison, a sensitivity study, a goal search, an attribution, priorities, a backtest).

:func:`save` writes the data files (JSON, CSV tables, kept paths), the figures
(PNG at :data:`sim.plots.style.DPI`) and ``manifest.json`` with the files'
SHA-256 checksums, atomically (:func:`sim.results.write_folder`: a temporary
folder renamed into place; ``force`` replaces only an earlier coopsim folder,
never a user's folder). This layer sits above results, studies and plots and
is the only one that imports them all; :meth:`sim.results.Results.load` reads
a run's folder back.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import singledispatch
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from matplotlib.figure import Figure

from . import plots
from .calibration import BacktestResult, LawsBacktest
from .results import Results, write_folder, write_json, write_table
from .results.results import PATH_FILES
from .studies.attribute import Attribution
from .studies.compare import Comparison
from .studies.goal import GoalResult
from .studies.prioritise import Priorities
from .studies.sensitivity import Sensitivity

__all__ = ["Backtest", "figure_makers", "save", "write_data", "write_figures"]

Savable = Results | Comparison | Sensitivity | GoalResult | Attribution | Priorities


@dataclass(frozen=True)
class Backtest:
    """A backtest with what its folder needs beside the result: the observed series (for the chart) and its provenance.

    Attributes
    ----------
    result : BacktestResult or LawsBacktest
    history : sequence of (year, USD bn)
        The observed series the forecasts are drawn against.
    manifest : mapping
        History file, reporter, seed, paths (and context file and laws).
    """

    result: BacktestResult | LawsBacktest
    history: Sequence[tuple[int, float]]
    manifest: Mapping[str, Any] = field(default_factory=dict)


def save(obj: Savable | Backtest, folder: str | Path, *, force: bool = False, figures: bool = True) -> Path:
    """Write a results folder atomically: data files, figures and ``manifest.json``.

    Parameters
    ----------
    obj : Results, Comparison, Sensitivity, GoalResult, Attribution, Priorities or Backtest
        What to save.
    folder : path
        Destination; an existing non-empty folder is refused unless ``force``
        and it holds earlier coopsim results.
    force : bool
        Replace earlier results at ``folder``.
    figures : bool
        Also write the PNG figures.

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    if not isinstance(obj, (Results, Comparison, Sensitivity, GoalResult, Attribution, Priorities, Backtest)):
        _refuse(obj)  # before the destination is touched

    def write(tmp: Path) -> list[str]:
        names = write_data(obj, tmp)
        return names + write_figures(obj, tmp) if figures else names

    return write_folder(folder, write, obj.manifest, force=force)


# -- data files ----------------------------------------------------------------------
def _refuse(obj: Any) -> NoReturn:
    raise TypeError(
        f"coopsim cannot save a {type(obj).__name__}; save takes Results, Comparison, Sensitivity, GoalResult, Attribution, Priorities or Backtest"
    )


@singledispatch
def write_data(obj: Any, folder: Path) -> list[str]:
    """Write ``obj``'s data files into the existing ``folder``; return their names in order."""
    _refuse(obj)


@write_data.register
def _(results: Results, folder: Path) -> list[str]:
    """``summary.json``, the tidy CSV tables, ``history.csv`` and (if kept) the paths' ``.npy`` files."""
    write_json(folder / "summary.json", results.to_json())
    names = ["summary.json"]
    for stem, frame in results.tables().items():
        if len(frame):
            write_table(folder / f"{stem}.csv", frame.to_dict("records"))
            names.append(f"{stem}.csv")
    if results.history:
        with open(folder / "history.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["year", "value_usd_bn"])
            writer.writerows(results.history)
        names.append("history.csv")
    if results.paths is not None:
        # float64: trade (paths, years, components, directions), the others (paths, years); years in summary.json
        for name, array in results.paths._asdict().items():
            np.save(folder / PATH_FILES[name], np.asarray(array), allow_pickle=False)
            names.append(PATH_FILES[name])
    return names


@write_data.register
def _(comparison: Comparison, folder: Path) -> list[str]:
    write_json(folder / "comparison.json", comparison.to_json())
    write_table(folder / "comparison.csv", comparison.rows())
    return ["comparison.json", "comparison.csv"]


@write_data.register
def _(study: Sensitivity, folder: Path) -> list[str]:
    write_json(folder / "sensitivity.json", study.to_json())
    write_table(folder / "sobol_indices.csv", study.rows())
    write_table(folder / "tornado.csv", study.tornado_table().to_dict("records"))
    return ["sensitivity.json", "sobol_indices.csv", "tornado.csv"]


@write_data.register
def _(result: GoalResult, folder: Path) -> list[str]:
    write_json(folder / "goal.json", result.to_json())
    write_table(folder / "goal_curve.csv", result.curve.to_dict("records"))
    return ["goal.json", "goal_curve.csv"]


@write_data.register
def _(attribution: Attribution, folder: Path) -> list[str]:
    write_json(folder / "attribution.json", attribution.to_json())
    write_table(folder / "attribution.csv", attribution.table_rows())
    return ["attribution.json", "attribution.csv"]


@write_data.register
def _(priorities: Priorities, folder: Path) -> list[str]:
    write_json(folder / "priorities.json", priorities.to_json())
    write_table(folder / "candidates.csv", priorities.candidates.to_dict("records"))
    return ["priorities.json", "candidates.csv"]


@write_data.register
def _(backtest: Backtest, folder: Path) -> list[str]:
    write_json(folder / "backtest.json", backtest.result.to_dict())
    write_table(folder / "backtest.csv", backtest.result.rows())
    return ["backtest.json", "backtest.csv"]


# -- figures ---------------------------------------------------------------------------
@singledispatch
def figure_makers(obj: Any) -> dict[str, Callable[[], Figure]]:
    """The PNG files of ``obj``'s folder, in order, each with the chart that draws it (drawn only when written)."""
    _refuse(obj)


@figure_makers.register
def _(results: Results) -> dict[str, Callable[[], Figure]]:
    return {
        "fan_chart.png": lambda: plots.fan_chart(results),
        "reach_probability.png": lambda: plots.reach_probability(results),
        "hit_year.png": lambda: plots.hit_year_distribution(results),
        "composition.png": lambda: plots.composition(results),
    }


@figure_makers.register
def _(comparison: Comparison) -> dict[str, Callable[[], Figure]]:
    runs, labels = comparison.results, comparison.labels
    return {
        "fan_charts.png": lambda: plots.overlay_fan_charts(runs, labels),
        "reach_probability.png": lambda: plots.overlay_reach_probability(runs, labels),
        "hit_years.png": lambda: plots.hit_year_comparison(runs, labels),
        "difference_p_reach.png": lambda: plots.paired_difference(comparison, "p_reach_by_year"),
        "difference_mean_trade.png": lambda: plots.paired_difference(comparison, "mean_trade_usd_bn"),
    }


@figure_makers.register
def _(study: Sensitivity) -> dict[str, Callable[[], Figure]]:
    """The tornado, one Sobol chart per output (at most two) and, when there is anything to show, the discovery chart."""
    makers: dict[str, Callable[[], Figure]] = {"tornado.png": lambda: plots.tornado_chart(study)}
    for name, output in zip(("sobol_reached.png", "sobol_trade.png"), study.outputs, strict=False):
        makers[name] = lambda output=output: plots.sobol_chart(study, output)
    if study.discovery.boxes or len(study.discovery.features.columns):
        makers["discovery.png"] = lambda: plots.discovery_chart(study)
    return makers


@figure_makers.register
def _(result: GoalResult) -> dict[str, Callable[[], Figure]]:
    return {"goal.png": lambda: plots.goal_chart(result)}


@figure_makers.register
def _(attribution: Attribution) -> dict[str, Callable[[], Figure]]:
    return {"attribution.png": lambda: plots.attribution_chart(attribution)}


@figure_makers.register
def _(priorities: Priorities) -> dict[str, Callable[[], Figure]]:
    return {"priorities.png": lambda: plots.priorities_chart(priorities)}


@figure_makers.register
def _(backtest: Backtest) -> dict[str, Callable[[], Figure]]:
    return {"backtest.png": lambda: plots.backtest_chart(backtest.result, backtest.history)}


def write_figures(obj: Savable | Backtest, folder: Path) -> list[str]:
    """Draw ``obj``'s figures and write them as PNG files at :data:`sim.plots.DPI` into the existing ``folder``; the names, in order."""
    names: list[str] = []
    for name, make in figure_makers(obj).items():
        make().savefig(Path(folder) / name, dpi=plots.DPI, facecolor="white")
        names.append(name)
    return names
