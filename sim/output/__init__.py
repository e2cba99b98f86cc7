"""One way to save: every results folder (a run, a comparison, a sensitivity study, a goal search, an attribution, priorities, a backtest, a track record).

:func:`save` writes the data files (JSON, CSV tables, kept paths), the figures
(PNG at :data:`sim.plots.style.DPI` and SVG, PDF on request), on request the
HTML report (``report.html``) and the workbook (``results.xlsx``), and
``manifest.json`` with the files' SHA-256 checksums, atomically
(:func:`sim.results.write_folder`: a temporary folder renamed into place;
``force`` replaces only an earlier coopsim folder, never a user's folder).
This layer sits above results, studies, plots and reports and is the only one
that imports them all; :func:`load` reads any folder it wrote back as its typed result.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import singledispatch
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from .. import plots
from ..errors import InputError, WrongKind
from ..results import Results, ResultsError, write_folder, write_json, write_table, write_text_atomically
from ..results.manifest import MANIFEST, listed, parse_manifest, read_listed_json, read_manifest, reading
from ..results.results import PATH_FILES

if TYPE_CHECKING:
    import pandas as pd

    from ..calibration import BacktestResult, LawsBacktest
    from ..studies import Attribution, Comparison, GoalResult, Priorities, Sensitivity, Track

    Savable = Results | Comparison | Sensitivity | GoalResult | Attribution | Priorities | Track

__all__ = [
    "BRIEF",
    "FIGURE_FORMATS",
    "LOADERS",
    "REPORT",
    "WORKBOOK",
    "Backtest",
    "figure_makers",
    "figure_svgs",
    "load",
    "save",
    "write_data",
    "write_figures",
    "write_json_and_tables",
    "write_brief",
    "write_report",
]

FIGURE_FORMATS = ("png", "svg")
"""Files of every chart in a results folder: PNG for slides, SVG for the web and the report; ``"pdf"`` is added on request (``--pdf``)."""
REPORT = "report.html"
"""The HTML report in a results folder (:func:`sim.report.render_report`)."""
BRIEF = "brief.html"
"""A run's one-page briefing in its results folder (:func:`sim.report.render_brief`, ``coopsim report FOLDER --brief``)."""
WORKBOOK = "results.xlsx"
"""The workbook in a results folder (:func:`sim.report.write_workbook`)."""
_SVG_OPTIONS = {"metadata": {"Date": None, "Creator": None, "Format": None, "Type": None}}
"""SVG without a date or creator block, so the same results write the same file."""


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


def save(
    obj: Savable | Backtest,
    folder: str | Path,
    *,
    force: bool = False,
    figures: bool = True,
    formats: Sequence[str] = FIGURE_FORMATS,
    report: bool = False,
    xlsx: bool = False,
    years: Sequence[int] | None = None,
) -> Path:
    """Write a results folder atomically: data files, figures, the report and workbook if asked, and ``manifest.json``.

    Parameters
    ----------
    obj : Results, Comparison, Sensitivity, GoalResult, Attribution, Priorities, Track or Backtest
        What to save.
    folder : path
        Destination; an existing non-empty folder is refused unless ``force``
        and it holds earlier coopsim results.
    force : bool
        Replace earlier results at ``folder``.
    figures : bool
        Also write the figures, one file per format.
    formats : sequence of str
        Figure formats (matplotlib's names): default PNG and SVG; add ``"pdf"`` for print.
    report : bool
        Also write ``report.html`` (:func:`write_report`): any result but a backtest.
    xlsx : bool
        Also write ``results.xlsx`` (:func:`sim.report.write_workbook`): a run or a comparison.
    years : sequence of int, optional
        Headline years of the report and workbook (default :func:`sim.report.headline_years`).

    Returns
    -------
    pathlib.Path
        The folder written.
    """
    if not _savable(obj):
        _refuse(obj)  # before the destination is touched
    from ..report.sources import scenarios_read_once

    # the legends, the report and the workbook each name the scenario files: read them once for the folder
    with scenarios_read_once():
        if report:
            from ..report import report_page

            report_page(obj, years)  # a result without a report, or headline years it does not have, fail before any work
        if xlsx:
            from ..report import write_workbook
            from ..report.workbook import has_workbook
            from ..studies.experiments import path_table

            if not has_workbook(obj):
                raise InputError(f"coopsim writes no workbook for a {type(obj).__name__}; --xlsx is for run and compare")

        def write(tmp: Path) -> list[str]:
            names = write_data(obj, tmp)
            if figures:
                names += write_figures(obj, tmp, formats)
            if report:
                names.append(write_report(obj, tmp / REPORT, years, figures_in=tmp).name)
            if xlsx:
                names.append(write_workbook(obj, tmp / WORKBOOK, years, path_table=path_table).name)
            return names

        return write_folder(folder, write, obj.manifest, force=force)


# -- data files ----------------------------------------------------------------------
def _savable(obj: Any) -> bool:
    """Whether :func:`save` knows ``obj``'s kind. A run's folder and a backtest's are written here; the studies'
    (:mod:`sim.output.study_files`) are registered on first need, so that saving a run does not import every study."""
    if not isinstance(obj, (Results, Backtest)) and write_data.dispatch(type(obj)) is write_data.dispatch(object):
        from . import study_files  # noqa: F401 (registers the studies' data files and figures)
    return write_data.dispatch(type(obj)) is not write_data.dispatch(object)


def _refuse(obj: Any) -> NoReturn:
    raise WrongKind(
        f"coopsim cannot save a {type(obj).__name__}; save takes Results, Comparison, Sensitivity, GoalResult, Attribution, Priorities, Track or Backtest"
    )


@singledispatch
def write_data(obj: Any, folder: Path) -> list[str]:
    """Write ``obj``'s data files into the existing ``folder``; return their names in order."""
    if _savable(obj):
        return write_data(obj, folder)
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


def write_json_and_tables(folder: Path, name: str, data: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """A result's JSON file ``name`` and each of ``tables`` as ``<stem>.csv`` (one row per row), into ``folder``; the names, in order."""
    write_json(folder / name, data)
    for stem, frame in tables.items():
        write_table(folder / f"{stem}.csv", frame.to_dict("records"))
    return [name, *(f"{stem}.csv" for stem in tables)]


@write_data.register
def _(backtest: Backtest, folder: Path) -> list[str]:
    return write_json_and_tables(folder, "backtest.json", backtest.result.to_json(), {"backtest": backtest.result.table()})


# -- figures ---------------------------------------------------------------------------
@singledispatch
def figure_makers(obj: Any) -> dict[str, Callable[[], Figure]]:
    """The charts of ``obj``'s folder by file stem, in order, each with the function that draws it (drawn only when written)."""
    if _savable(obj):
        return figure_makers(obj)
    _refuse(obj)


@figure_makers.register
def _(results: Results) -> dict[str, Callable[[], Figure]]:
    return {
        "fan_chart": lambda: plots.fan_chart(results),
        "reach_probability": lambda: plots.reach_probability(results),
        "hit_year": lambda: plots.hit_year_distribution(results),
        "composition": lambda: plots.composition(results),
        "finance": lambda: plots.finance_chart(results),
    }


@figure_makers.register
def _(backtest: Backtest) -> dict[str, Callable[[], Figure]]:
    return {"backtest": lambda: plots.backtest_chart(backtest.result, backtest.history)}


def _write_figure(fig: Figure, target: Path | io.StringIO, fmt: str) -> None:
    """One chart in one format: PNG at :data:`sim.plots.DPI`, SVG and PDF reproducible (no date; SVG ids from a fixed salt)."""
    options = _SVG_OPTIONS if fmt == "svg" else {"metadata": {"CreationDate": None}} if fmt == "pdf" else {}
    with matplotlib.rc_context({"svg.hashsalt": "coopsim"}):
        fig.savefig(target, format=fmt, dpi=plots.DPI, facecolor="white", **options)


_DRAWING: list[tuple[Callable[[], Figure], Path, tuple[str, ...]]] = []
"""The charts :func:`write_figures` is drawing: read by the forked processes that draw them (a closure cannot be pickled)."""


def _draw(index: int) -> None:
    """Draw chart ``index`` of :data:`_DRAWING` and write it in each of its formats."""
    make, stem, formats = _DRAWING[index]
    fig = make()
    for fmt in formats:
        _write_figure(fig, stem.with_name(f"{stem.name}.{fmt}"), fmt)


def write_figures(obj: Savable | Backtest, folder: Path, formats: Sequence[str] = ("png",)) -> list[str]:
    """Draw ``obj``'s figures and write each in every format of ``formats`` into the existing ``folder``; the names, in order.

    Several charts are drawn in two forked processes at once (drawing is most of a small run's time;
    the files are the same byte for byte); in one process where forking is not safe: another thread
    running (a notebook's or a Dask client's), or no ``fork`` on the system.
    """
    global _DRAWING
    makers = list(figure_makers(obj).items())
    names = [f"{stem}.{fmt}" for stem, _ in makers for fmt in formats]
    jobs = [(make, Path(folder) / stem, tuple(formats)) for stem, make in makers]
    workers = min(2, len(jobs), os.cpu_count() or 1)
    if workers > 1 and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        _DRAWING = jobs
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                list(pool.map(_draw, range(len(jobs))))
        finally:
            _DRAWING = []
    else:
        for make, stem, fmts in jobs:
            fig = make()
            for fmt in fmts:
                _write_figure(fig, stem.with_name(f"{stem.name}.{fmt}"), fmt)
    return names


def figure_svgs(
    obj: Savable, names: Sequence[str], folder: Path | None = None, listed_files: Collection[str] | None = None
) -> dict[str, str]:
    """SVG text of the charts ``names`` (file stems): read from ``folder`` where its ``.svg`` file is, else drawn now.

    With ``listed_files`` (a results folder's manifest table, checked already), a
    file is read only if it is listed: an SVG the user dropped into the folder is
    not shown as coopsim's chart. A file that holds no ``<svg`` element is drawn again.
    """
    makers = figure_makers(obj)
    out = {}
    for name in names:
        saved = folder / f"{name}.svg" if folder is not None else None
        text = None
        if saved is not None and (listed_files is None or saved.name in listed_files) and saved.is_file():
            with reading(folder, saved.name):
                text = saved.read_text(encoding="utf-8")
        if text is not None and "<svg" in text:
            out[name] = text
        elif name in makers:
            buffer = io.StringIO()
            _write_figure(makers[name](), buffer, "svg")
            out[name] = buffer.getvalue()
    return out


def write_report(
    obj: Savable,
    path: Path,
    years: Sequence[int] | None = None,
    figures_in: Path | None = None,
    listed_files: Collection[str] | None = None,
) -> Path:
    """Write ``obj``'s HTML report (:func:`sim.report.render_report`) to ``path`` atomically, its charts from the SVG files in ``figures_in`` when there (and listed in ``listed_files``, if given)."""
    from ..report import render_report, report_page
    from ..report.sources import scenarios_read_once

    with scenarios_read_once():  # the charts' legends and the page name the same files
        figures = figure_svgs(obj, report_page(obj, years).figure_names(), figures_in, listed_files)
        write_text_atomically(path, render_report(obj, figures, years))
    return path


def write_brief(
    obj: Savable,
    path: Path,
    figures_in: Path | None = None,
    listed_files: Collection[str] | None = None,
    previous: Savable | None = None,
) -> Path:
    """Write a run's one-page briefing (:func:`sim.report.render_brief`) to ``path`` atomically, its fan chart from ``figures_in`` when there;
    with ``previous`` (an earlier run's results, ``--since``), what moved since it.

    Raises
    ------
    InputError
        ``obj`` or ``previous`` is not a run's results (a comparison or a study has no briefing page; exit status 2 on the command line).
    """
    from ..report import render_brief
    from ..report.brief import BRIEF_FIGURE

    for what, result in (("--brief", obj), ("--since", previous)):
        if result is not None and not isinstance(result, Results):
            raise InputError(f"{what}: a briefing is of a run's results (summary.json); this folder holds a {type(result).__name__}")
    figures = figure_svgs(obj, [BRIEF_FIGURE], figures_in, listed_files)
    write_text_atomically(path, render_brief(obj, figures, previous))
    return path


# -- reading a folder back ------------------------------------------------------------------
def _study_loader(kind: str, name: str) -> Callable[[Path], Savable]:
    """The loader of a study's folder (``kind``: the class in :mod:`sim.studies`, imported when a folder of it is read):
    its manifest and checksums checked, ``name`` read only if listed, a wrong shape refused."""

    def load_study(folder: Path) -> Savable:
        from .. import studies

        cls = getattr(studies, kind)
        folder = Path(folder)
        manifest = read_manifest(folder)
        data = read_listed_json(folder, name, manifest)
        with reading(folder, name):
            if not isinstance(data, dict):
                raise TypeError(f"a JSON {type(data).__name__}, not an object")  # reading() makes it a ResultsError
            return cls.from_json(data, manifest=manifest)

    return load_study


LOADERS: dict[str, Callable[[Path], Savable]] = {
    "summary.json": Results.load,
    "comparison.json": _study_loader("Comparison", "comparison.json"),
    "sensitivity.json": _study_loader("Sensitivity", "sensitivity.json"),
    "goal.json": _study_loader("GoalResult", "goal.json"),
    "attribution.json": _study_loader("Attribution", "attribution.json"),
    "priorities.json": _study_loader("Priorities", "priorities.json"),
    "track.json": _study_loader("Track", "track.json"),
}
"""How to read each kind of results folder back, by the data file that marks it (and that its manifest must list); a new kind adds its entry."""


def load(folder: str | Path) -> Savable:
    """The typed result of a results folder (a run, comparison, sensitivity study, goal search, attribution, priorities or track record), its files checked against the manifest.

    The kind of folder is told by the data file its manifest lists (a file
    present but not listed does not count), and only listed files are read.

    Raises
    ------
    ResultsError
        A folder of no kind :data:`LOADERS` knows, a manifest of the wrong shape, files that do not match their
        checksums, or a data file that is not what coopsim writes (one line naming the file; exit status 2 on the command line).
    """
    folder = Path(folder)
    manifest = parse_manifest(folder)  # the kind first; the loader checks every file's checksum
    for marker, loader in LOADERS.items():
        if listed(manifest, marker):
            return loader(folder)
    known = ", ".join(LOADERS)
    raise ResultsError(
        f"{folder}: not a results folder coopsim can read back (its {MANIFEST} lists none of {known}; a backtest's folder has no report)"
    )
