"""The commands on scenario files: ``run``, ``compare``, ``sensitivity``, ``goal``, ``validate`` and ``keys``.

Each takes the parsed arguments and returns the exit status; problems with the
input are raised as :class:`~sim.errors.InputError` (reported by
:func:`sim.cli.main`). The results folder is checked before any work, so a
destination that would lose the user's files costs nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..output import save
from ..results import check_destination
from ..run import simulate
from ..scenario import ScenarioError, key_reference, load_scenario
from ..studies import compare, goal, lever, parse_range, sensitivity
from .tables import comparison_table, headline, sensitivity_table

__all__ = ["compare_command", "goal_command", "keys_command", "run_command", "sensitivity_command", "validate_command"]


def _destination(args: argparse.Namespace, default_name: str) -> Path:
    """The results folder (``--out``, else ``results/<default_name>``), refused now if writing it would lose files."""
    out = args.out if args.out is not None else Path("results") / default_name
    check_destination(out, args.force)
    return out


def _engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`~sim.run.simulate` and :func:`~sim.compare.compare` given by the engine options."""
    return {
        "workers": args.workers,
        "dask": args.dask,
        "precision": args.precision,
        "max_paths": args.max_paths,
        "progress": False if args.quiet else None,
    }


def _report(args: argparse.Namespace, table: str, out: Path) -> None:
    """Print the command's table and where its results are, unless ``--quiet``."""
    if not args.quiet:
        print(table)
        print(f"\nresults written to {out}/")


def run_command(args: argparse.Namespace) -> int:
    """``coopsim run``: simulate a scenario and write its results folder."""
    scenario = load_scenario(args.scenario)
    out = _destination(args, scenario.name)
    results = simulate(
        scenario, paths=args.paths, seed=args.seed, keep_paths=args.keep_paths, checkpoint=args.checkpoint, **_engine_options(args)
    )
    save(results, out, force=args.force)
    _report(args, headline(results), out)
    return 0


def compare_command(args: argparse.Namespace) -> int:
    """``coopsim compare``: scenarios against the first on common random numbers."""
    if len(args.scenarios) < 2:
        raise InputError("compare needs a baseline and at least one other scenario")
    scenarios = [load_scenario(p) for p in args.scenarios]
    out = _destination(args, f"compare_{scenarios[0].name}")
    comparison = compare(scenarios, paths=args.paths, seed=args.seed, allow_different_years=args.common_years, **_engine_options(args))
    save(comparison, out, force=args.force)
    _report(args, comparison_table(comparison), out)
    return 0


def sensitivity_command(args: argparse.Namespace) -> int:
    """``coopsim sensitivity``: Sobol indices, tornado chart and scenario discovery."""
    scenario = load_scenario(args.scenario)
    out = _destination(args, f"sensitivity_{scenario.name}")
    levers = None
    if args.input:
        try:
            levers = [lever(scenario, *parse_range(text)) for text in args.input]
        except ScenarioError:
            raise
        except ValueError as exc:
            raise ScenarioError(str(args.scenario), [("--input", str(exc))]) from None
    study = sensitivity(
        scenario,
        args.year,
        base_rows=args.base_rows,
        tornado_paths=args.tornado_paths,
        discovery_paths=args.discovery_paths,
        levers=levers,
        seed=args.seed,
        workers=args.workers,
        dask=args.dask,
        progress=False if args.quiet else None,
    )
    save(study, out, force=args.force)
    _report(args, sensitivity_table(study), out)
    return 0


def goal_command(args: argparse.Namespace) -> int:
    """``coopsim goal``: the value of one input at which the target is reached with a wanted probability."""
    scenario = load_scenario(args.scenario)
    out = _destination(args, f"goal_{scenario.name}")
    low = high = None
    if args.range:
        try:
            _, low, high = parse_range(f"x={args.range}")
        except ValueError:
            raise ScenarioError(str(args.scenario), [("--range", f"is written LOW:HIGH, e.g. 0.02:0.15 (got {args.range!r})")]) from None
    result = goal(
        scenario,
        args.lever,
        args.year,
        args.probability,
        paths=args.paths,
        low=low,
        high=high,
        seed=args.seed,
        workers=args.workers,
        dask=args.dask,
    )
    save(result, out, force=args.force)
    _report(args, result.data["message"], out)
    return 0


def validate_command(args: argparse.Namespace) -> int:
    """``coopsim validate``: check every scenario file given, reporting each; exit status 2 if any fails."""
    failed = 0
    for path in args.scenarios:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            failed += 1
        else:
            print(f"{path}: ok")
    return InputError.exit_status if failed else 0


def keys_command(args: argparse.Namespace) -> int:
    """``coopsim keys``: every scenario key with its type and meaning (Markdown)."""
    print(key_reference())
    return 0
