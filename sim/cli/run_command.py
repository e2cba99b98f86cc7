"""``coopsim run``: simulate a scenario and write its results folder (a module of its own: the command imports no study)."""

from __future__ import annotations

import argparse

from ..report.pages import headline_years
from ..run import simulate
from .common import destination, engine_options, finish, load_scenario_arg, record_scenarios, save_with_options
from .tables import headline

__all__ = ["run_command"]


def run_command(args: argparse.Namespace) -> int:
    """``coopsim run``: simulate a scenario and write its results folder."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, scenario.name, [scenario.name])
    years = headline_years(scenario.years, args.years, scenario.trade.target_year)
    results = simulate(
        scenario, paths=args.paths, seed=args.seed, keep_paths=args.keep_paths, checkpoint=args.checkpoint, **engine_options(args)
    )
    record_scenarios(results.manifest, [args.scenario], args, [scenario.name])
    save_with_options(results, out, args, years)
    finish(args, headline(results, years), out, results.to_json())
    return 0
