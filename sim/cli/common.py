"""What every command on a scenario does the same way with the shared options of :mod:`sim.cli.parser`.

* :func:`load_scenario_arg`: a scenario file with the ``--set`` values applied: a variant, named as one
  (:func:`sim.scenario.variants.variant_name`), with a warning for each distribution replaced by a number;
* :func:`destination`: the results folder, refused before any work if writing it would lose files or put one scenario's results in place of another's;
* :func:`refuse_replacing_another_scenario`: ``--force`` replaces a folder's results only with a new run
  of the same scenario (a variant never takes the place of its reference);
* :func:`record_scenarios`: the manifest names the files as given, the scenarios as run and the ``--set``
  values (so a report reads the right file and re-applies them);
* :func:`save_with_options`: :func:`sim.output.save` with ``--pdf``, ``--report``, ``--xlsx`` and the headline years;
* :func:`finish`: the table (or ``--json``) and where the results are;
* :func:`run_options`: ``--seed``, ``--workers``, ``--dask`` and ``--quiet`` as a study's keyword arguments;
* :func:`finish_study`: a study's manifest names its scenario, its folder is saved and its table printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..output import FIGURE_FORMATS, save
from ..results import OutputError, ResultsError, check_destination, to_json_ready
from ..results.manifest import parse_manifest
from ..scenario import Scenario, load_scenario
from ..scenario.messages import clip
from ..scenario.variants import MAX_VARIANT_NAME, uncertainty_removed, variant, variant_name

__all__ = [
    "engine_options",
    "destination",
    "finish",
    "finish_study",
    "load_scenario_arg",
    "record_scenarios",
    "refuse_replacing_another_scenario",
    "run_options",
    "save_with_options",
    "settings",
]


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` values by dotted key (a later one for the same key wins)."""
    return dict(getattr(args, "set", None) or [])


def load_scenario_arg(path: Path, args: argparse.Namespace) -> Scenario:
    """The scenario file at ``path`` with the ``--set`` values applied, validated like a file.

    With ``--set`` it is a variant, and named as one
    (``pair_2025+trade.target_usd_bn=25``): it is printed and saved under
    that name, in its own folder by default, never under the reference's. A
    ``--set`` that replaces a distribution by a number removes that input's
    uncertainty: a warning on stderr says so, and ``args.uncertainty_removed``
    keeps the keys for the manifest (:func:`record_scenarios`).

    Raises
    ------
    ScenarioError
        Naming the file and the key whose value cannot be used (exit status 2).
    """
    scenario = _as_of(load_scenario(path), args)
    changes = settings(args)
    if not changes:
        return scenario
    removed = uncertainty_removed(scenario, changes)
    done = set(getattr(args, "uncertainty_removed", None) or [])
    for key in removed:
        if key not in done:  # once per key, also when compare applies --set to several files
            print(
                f"coopsim: warning: --set {clip(key)}: a number in place of a distribution; the uncertainty of this input is removed "
                "(every path uses the one value). Set a distribution table to keep it.",
                file=sys.stderr,
            )
    args.uncertainty_removed = sorted(done | set(removed))
    return variant(scenario, changes)


def _as_of(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario as seen on ``--as-of`` (:func:`sim.calibration.views.view_at`), named as a variant; itself without it."""
    as_of = getattr(args, "as_of", None)
    if as_of is None:
        return scenario
    from ..calibration.views import view_at  # the calibration, imported only for --as-of

    view, fit = view_at(scenario, as_of)
    if not getattr(args, "quiet", False):
        print(f"coopsim: {scenario.name} as of {as_of.isoformat()}: {fit.describe()}", file=sys.stderr)
    return view.model_copy(update={"name": variant_name(scenario.name, {"trade.as_of": as_of.isoformat()})})


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`~sim.run.simulate` and :func:`~sim.studies.compare.compare` given by the engine options."""
    return {
        "workers": args.workers,
        "dask": args.dask,
        "precision": args.precision,
        "max_paths": args.max_paths,
        "progress": False if args.quiet else None,
    }


def destination(args: argparse.Namespace, default_name: str, names: Sequence[str]) -> Path:
    """The results folder (``--out``, else ``results/<default_name>``), refused now, before any simulation, if it cannot be written or writing it would lose files.

    Refused: a symbolic link (dangling or not), a path under a regular file or
    a dangling link, a folder that cannot be created or written, an existing
    file, a non-empty folder unless ``--force`` and it is coopsim's own
    with nothing in it the manifest does not list (:func:`sim.results.destination.check_replaceable`),
    and one that holds another scenario's results than ``names``, the scenarios
    about to run (:func:`refuse_replacing_another_scenario`).
    """
    out = args.out if args.out is not None else Path("results") / default_name
    check_destination(out, args.force)
    refuse_replacing_another_scenario(out, names, settings(args))
    return out


def refuse_replacing_another_scenario(out: Path, names: Sequence[str], overrides: Mapping[str, Any]) -> None:
    """Refuse, before any work, to replace (``--force``) the results of another scenario than the one about to run.

    A folder holds one scenario's results under its name; ``--force`` may
    replace them by a new run of that scenario (its file edited, other paths or
    seed), never by a variant's (``--set``), nor a reference's by a variant's
    or the other way round, nor by another scenario's. Compared: the
    ``--set`` values and the scenarios' names as the manifest records them
    (``scenario_names``; a folder written before the names were recorded is
    compared by its ``--set`` values alone). A folder without a manifest of
    coopsim's schema is left to :func:`destination`'s checks.

    Parameters
    ----------
    out : Path
        The results folder about to be written.
    names : sequence of str
        The names of the scenarios about to run, as :func:`load_scenario_arg` gives them.
    overrides : mapping
        The ``--set`` values (:func:`settings`).

    Raises
    ------
    OutputError
        Saying whose results the folder holds (exit status 2).
    """
    try:
        manifest = parse_manifest(out)
    except ResultsError:
        return
    old_overrides = manifest.get("overrides") or {}
    old_names = manifest.get("scenario_names")
    same_changes = _canonical(old_overrides) == _canonical(dict(overrides))
    same_names = not isinstance(old_names, list) or [str(n) for n in old_names] == list(names)
    if same_changes and same_names:
        return
    held = ", ".join(clip(str(n), MAX_VARIANT_NAME) for n in old_names) if isinstance(old_names, list) and old_names else "a scenario"
    what = ("with other --set values" if overrides else "with --set values") if old_overrides else "without --set values"
    raise OutputError(
        f"{out}: holds the results of {held} ({what}), not of {', '.join(names)}; --force replaces results only by a new run "
        "of the same scenario with the same --set values: choose another --out"
    )


def _canonical(value: Any) -> str:
    """A value as canonical JSON, to compare what a manifest recorded with what is about to be recorded."""
    return json.dumps(to_json_ready(value), sort_keys=True, default=str)


def record_scenarios(manifest: dict[str, Any], paths: Sequence[Path], args: argparse.Namespace, names: Sequence[str] | None = None) -> None:
    """Name in ``manifest`` the scenario files as given on the command line, the scenarios as run and the ``--set`` values applied to them.

    A scenario changed by ``--set`` carries a label, not its file, as its
    source; the manifest keeps the file and the changes apart, and names the
    variant (``scenario_names``), so ``--force`` never puts a variant's results
    in the place of its reference's (:func:`refuse_replacing_another_scenario`).
    The keys whose distribution ``--set`` replaced by a number are listed
    under ``uncertainty_removed``; the day of ``--as-of``, under ``as_of``.
    """
    key = "scenario_files" if "scenario_files" in manifest else "scenario_file"
    manifest[key] = [str(p) for p in paths] if key == "scenario_files" else str(paths[0])
    if names is not None:
        manifest["scenario_names"] = list(names)
    changes = settings(args)
    if changes:
        manifest["overrides"] = changes
    if getattr(args, "as_of", None) is not None:
        manifest["as_of"] = args.as_of.isoformat()  # the view was moved to this day (its laws refitted)
    removed = getattr(args, "uncertainty_removed", None)
    if removed:
        manifest["uncertainty_removed"] = list(removed)


def save_with_options(obj: Any, out: Path, args: argparse.Namespace, years: Sequence[int] | None = None) -> Path:
    """Save ``obj`` to ``out`` with the output options: ``--force``, ``--pdf``, ``--no-figures``, ``--report``, ``--xlsx`` (where the command has it).

    ``--no-figures`` writes no chart file (a report draws its charts into the page all the same); with ``--pdf`` it is refused.
    """
    if args.pdf and args.no_figures:
        raise InputError("--pdf asks for every chart as PDF and --no-figures for no chart file: give one of them")
    formats = (*FIGURE_FORMATS, "pdf") if args.pdf else FIGURE_FORMATS
    return save(
        obj,
        out,
        force=args.force,
        figures=not args.no_figures,
        formats=formats,
        report=args.report,
        xlsx=getattr(args, "xlsx", False),
        years=years,
    )


def finish(args: argparse.Namespace, table: str, out: Path, data: Mapping[str, Any] | None = None) -> None:
    """Print the command's table and where its results are, unless ``--quiet``; with ``--json``, ``data`` as JSON on stdout instead."""
    if getattr(args, "json", False):
        print(json.dumps(to_json_ready(data), indent=2))
        if not args.quiet:
            print(f"results written to {out}/", file=sys.stderr)
        return
    if not args.quiet:
        print(table)
        print(f"\nresults written to {out}/")


def run_options(args: argparse.Namespace) -> dict[str, Any]:
    """A study's ``seed``, ``workers``, ``dask`` and ``progress`` keyword arguments from the command line (no progress bar with ``--quiet``)."""
    return {"seed": args.seed, "workers": args.workers, "dask": args.dask, "progress": False if args.quiet else None}


def finish_study(args: argparse.Namespace, scenario: Scenario, result: Any, out: Path, table: str) -> int:
    """The end of a command that studies one scenario: its manifest names the scenario, the folder is saved
    with the output options (:func:`save_with_options`) and the table printed (:func:`finish`); exit status 0."""
    record_scenarios(result.manifest, [args.scenario], args, [scenario.name])
    save_with_options(result, out, args)
    finish(args, table, out)
    return 0
