"""The commands on scenario files: ``compare``, ``sensitivity`` and ``goal``, and ``report`` on a results folder.

Each takes the parsed arguments and returns the exit status; problems with the
input are raised as :class:`~sim.errors.InputError` (reported by
:func:`sim.cli.main`). The results folder and the headline years are checked
before any work, so a destination that would lose the user's files, or a
year that is not simulated, costs nothing.
"""

from __future__ import annotations

import argparse
import math
import sys

from ..errors import InputError
from ..output import BRIEF, REPORT, load, write_brief, write_report
from ..report import headline_years, sobol_caveats
from ..results import OutputError, Results, check_file_target
from ..results.destination import real_destination
from ..results.folder import add_to_manifest
from ..results.manifest import MANIFEST
from ..scenario import ScenarioError
from ..scenario.messages import quote
from ..studies import compare, goal, lever, parse_range, sensitivity
from .common import destination, engine_options, finish, finish_study, load_scenario_arg, record_scenarios, run_options, save_with_options
from .tables import comparison_table, sensitivity_table

__all__ = [
    "compare_command",
    "goal_command",
    "report_command",
    "sensitivity_command",
    "study_budget",
]


def compare_command(args: argparse.Namespace) -> int:
    """``coopsim compare``: scenarios against the first on common random numbers (``--set`` applies to every one)."""
    if len(args.scenarios) < 2:
        raise InputError("compare needs a baseline and at least one other scenario")
    scenarios = [load_scenario_arg(p, args) for p in args.scenarios]
    out = destination(args, f"compare_{scenarios[0].name}", [s.name for s in scenarios])
    comparison = compare(scenarios, paths=args.paths, seed=args.seed, allow_different_years=args.common_years, **engine_options(args))
    years = headline_years(comparison.years, args.years)
    record_scenarios(comparison.manifest, args.scenarios, args, [s.name for s in scenarios])
    save_with_options(comparison, out, args, years)
    finish(args, comparison_table(comparison, years), out, comparison.to_json())
    return 0


def study_budget(paths: int) -> tuple[int, int, int]:
    """A sensitivity study's paths from one budget ``N``: Sobol base rows (the power of two nearest N/8), paths per tornado run (N/4), discovery paths (N).

    The command's defaults are ``study_budget(4000) == (512, 1000, 4000)``.
    """
    return 2 ** round(math.log2(max(paths / 8, 1))), max(paths // 4, 1), paths


def sensitivity_command(args: argparse.Namespace) -> int:
    """``coopsim sensitivity``: Sobol indices, tornado chart and scenario discovery; a warning when the Sobol sample is too small."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, f"sensitivity_{scenario.name}", [scenario.name])
    levers = None
    if args.input:
        try:
            levers = [lever(scenario, *parse_range(text)) for text in args.input]
        except ScenarioError:
            raise
        except ValueError as exc:
            raise ScenarioError(str(args.scenario), [("--input", str(exc))]) from None
    base_rows, tornado_paths, discovery_paths = study_budget(args.paths)
    study = sensitivity(
        scenario,
        args.year,
        base_rows=args.base_rows or base_rows,
        tornado_paths=args.tornado_paths or tornado_paths,
        discovery_paths=args.discovery_paths or discovery_paths,
        levers=levers,
        **run_options(args),
    )
    for caveat in sobol_caveats(study):
        print(f"coopsim: warning: {caveat}", file=sys.stderr)
    return finish_study(args, scenario, study, out, sensitivity_table(study))


def goal_command(args: argparse.Namespace) -> int:
    """``coopsim goal``: the value of one input at which the target is reached with a wanted probability."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, f"goal_{scenario.name}", [scenario.name])
    low = high = None
    if args.range:
        try:
            _, low, high = parse_range(f"x={args.range}")
        except ValueError:
            raise ScenarioError(
                str(args.scenario), [("--range", f"is written LOW:HIGH, e.g. 0.02:0.15 (got {quote(args.range)})")]
            ) from None
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
    return finish_study(args, scenario, result, out, result.data["message"])


def report_command(args: argparse.Namespace) -> int:
    """``coopsim report``: the HTML report of a results folder, by default ``RESULTS_DIR/report.html``.

    The folder is checked against its manifest first. The report is never
    written through a symbolic link, never onto the manifest or a data file it
    lists, nor onto a scenario file the report reads (compared after resolving
    links, by inode); missing parent folders of ``--out`` are created, and the
    page is written to a temporary file renamed into place. A report written
    into the folder it reads joins that folder's manifest (so ``--force`` may
    later replace the folder whole); with ``--force`` it may replace the
    folder's earlier ``report.html``. With ``--brief`` (a run's folder only) the page is the one-page
    briefing, ``RESULTS_DIR/brief.html`` by default, under the same rules.
    """
    obj = load(args.results)  # checks the folder against its manifest first
    manifest = obj.manifest
    page = BRIEF if args.brief else REPORT
    if args.brief and not isinstance(obj, Results):
        raise InputError(f"--brief: a briefing is of a run's results folder; {args.results} holds a {type(obj).__name__}")
    if args.since is not None and not args.brief:
        raise InputError("--since: compares a briefing with an earlier run; add --brief")
    previous = load(args.since) if args.since is not None else None  # checked against its manifest too
    if previous is not None and not isinstance(previous, Results):
        raise InputError(f"--since: an earlier run's results folder; {args.since} holds a {type(previous).__name__}")
    out = args.out if args.out is not None else args.results / page
    real = real_destination(out)
    into_folder = real.parent == args.results.resolve()
    own_page = into_folder and real.name == page
    if into_folder and not own_page and (real.name in manifest["files"] or real.name == MANIFEST):
        raise OutputError(f"{out}: is part of the results (listed in {MANIFEST}); write the report elsewhere with --out")
    kept = [name for name in manifest["files"] if not (own_page and name == page)]
    results = [args.results / MANIFEST, *(args.results / name for name in kept)]
    scenarios = manifest.get("scenario_files") or ([manifest["scenario_file"]] if "scenario_file" in manifest else [])
    check_file_target(out, args.force, protected=[*results, *scenarios])
    if args.brief:
        write_brief(obj, real, figures_in=args.results, listed_files=manifest["files"], previous=previous)
    else:
        write_report(obj, real, args.years, figures_in=args.results, listed_files=manifest["files"])
    if into_folder:
        add_to_manifest(args.results, real.name)
    print(f"{'brief' if args.brief else 'report'} written to {out}")
    return 0
