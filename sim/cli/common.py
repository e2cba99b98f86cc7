"""What every command on a scenario does the same way with the shared options of :mod:`sim.cli.parser`.

* :func:`load_scenario_arg`: a scenario file with the ``--set`` values applied;
* :func:`destination`: the results folder, refused before any work if writing it would lose files;
* :func:`record_scenarios`: the manifest names the files as given and the ``--set`` values
  (so a report reads the right file and re-applies them);
* :func:`save_with_options`: :func:`sim.output.save` with ``--pdf``, ``--report``, ``--xlsx`` and the headline years;
* :func:`finish`: the table (or ``--json``) and where the results are.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..output import FIGURE_FORMATS, save
from ..results import check_destination, to_json_ready
from ..scenario import Scenario, load_scenario

__all__ = ["destination", "finish", "load_scenario_arg", "record_scenarios", "save_with_options", "settings"]


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--set`` values by dotted key (a later one for the same key wins)."""
    return dict(getattr(args, "set", None) or [])


def load_scenario_arg(path: Path, args: argparse.Namespace) -> Scenario:
    """The scenario file at ``path`` with the ``--set`` values applied, validated like a file.

    Raises
    ------
    ScenarioError
        Naming the file and the key whose value cannot be used (exit status 2).
    """
    scenario = load_scenario(path)
    changes = settings(args)
    return scenario.replace(changes) if changes else scenario


def destination(args: argparse.Namespace, default_name: str) -> Path:
    """The results folder (``--out``, else ``results/<default_name>``), refused now, before any simulation, if it cannot be written or writing it would lose files.

    Refused: a symbolic link (dangling or not), a path under a regular file or
    a dangling link, a folder that cannot be created or written, an existing
    file, and a non-empty folder unless ``--force`` and it is coopsim's own
    with nothing in it the manifest does not list (:func:`sim.results.destination.check_replaceable`).
    """
    out = args.out if args.out is not None else Path("results") / default_name
    check_destination(out, args.force)
    return out


def record_scenarios(manifest: dict[str, Any], paths: Sequence[Path], args: argparse.Namespace) -> None:
    """Name in ``manifest`` the scenario files as given on the command line and the ``--set`` values applied to them.

    A scenario changed by ``--set`` carries a label, not its file, as its
    source; the manifest keeps the file and the changes apart.
    """
    key = "scenario_files" if "scenario_files" in manifest else "scenario_file"
    manifest[key] = [str(p) for p in paths] if key == "scenario_files" else str(paths[0])
    changes = settings(args)
    if changes:
        manifest["overrides"] = changes


def save_with_options(obj: Any, out: Path, args: argparse.Namespace, years: Sequence[int] | None = None) -> Path:
    """Save ``obj`` to ``out`` with the output options: ``--force``, ``--pdf``, ``--report``, ``--xlsx`` (where the command has it)."""
    formats = (*FIGURE_FORMATS, "pdf") if args.pdf else FIGURE_FORMATS
    return save(obj, out, force=args.force, formats=formats, report=args.report, xlsx=getattr(args, "xlsx", False), years=years)


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
