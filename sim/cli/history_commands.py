"""The commands on history files: ``calibrate`` (fits printed as scenario blocks) and ``backtest``.

Each takes the parsed arguments and returns the exit status. A history or
context file the fits cannot use is a :class:`~sim.history.HistoryError`
(exit status 2); so is a fit the data cannot support.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..calibration import (
    LAWS,
    LawsBacktest,
    ReporterGapFit,
    TradeContext,
    backtest,
    backtest_laws,
    fit_growth,
    fit_reporter_gap,
    fit_structural,
    fit_turnover_split,
    load_series,
    load_trade_context,
)
from ..calibration.directions import load_directions
from ..errors import InputError
from ..history import HistoryError, load_history, main_reporter, other_reporters
from ..results import check_destination, check_file_target, write_text_atomically
from ..scenario.messages import quote
from .tables import backtest_table

__all__ = ["backtest_command", "calibrate_command"]


def _history_source(args: argparse.Namespace) -> str:
    """Where the fitted figures come from, for the printed blocks and the backtest's source."""
    since = f", since {args.since}" if args.since else ""
    return f"{args.history}, reporter {args.reporter}, confirmed/derived figures (duplicates by median){since}"


def _choose_reporter(args: argparse.Namespace) -> None:
    """``--reporter``, or the history's main reporter when none is named (a tie needs one: :func:`sim.history.main_reporter`)."""
    if args.reporter is None:
        args.reporter = main_reporter(args.history)


def _series(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """The yearly figures fitted: years and values (USD bn), at least 6 of them."""
    years, values = load_series(args.history, reporter=args.reporter, since=args.since)
    if years.size < 6:
        raise HistoryError(f"{args.history}: only {years.size} years with a {args.reporter} figure; fitting needs at least 6")
    return years, values


def calibrate_command(args: argparse.Namespace) -> int:
    """``coopsim calibrate``: fit the organic growth law and the reporter gap (and the structural law with ``--context``)."""
    if args.out is not None:  # before any fitting; never over the history or context file it reads
        check_file_target(args.out, args.force, protected=[p for p in (args.history, args.context) if p is not None])
    _choose_reporter(args)
    years, values = _series(args)
    fit = fit_growth(years, values, source=_history_source(args))
    block = fit.growth_block() + "".join("\n" + gap.block() for gap in _gap_fits(args))
    if args.context is not None:
        block += "".join("\n" + b for b in _context_blocks(args, years, values))
    print(block)
    if args.out is not None:
        write_text_atomically(
            check_file_target(args.out, args.force, protected=[p for p in (args.history, args.context) if p is not None]), block + "\n"
        )
        print(f"\n# written to {args.out}")
    return 0


def _trade_context(args: argparse.Namespace) -> TradeContext:
    """The country's trade with all partners and its split with the partner (``--context``)."""
    return load_trade_context(args.context, args.history, reporter=args.reporter, since=args.since, partner=args.partner)


def _context_blocks(args: argparse.Namespace, years: np.ndarray, values: np.ndarray) -> list[str]:
    """The structural law and the exports share fitted with ``--context``; a fit the data cannot support is a :class:`HistoryError`."""
    ctx = _trade_context(args)
    try:
        structural = fit_structural(ctx.total.years, ctx.total.values, ctx.partner_share.years, ctx.partner_share.values, source=ctx.source)
        split = fit_turnover_split(years, values, ctx.exports_share.years, ctx.exports_share.values, source=ctx.source)
    except HistoryError:
        raise
    except ValueError as exc:
        raise HistoryError(f"{args.context}: {exc}") from None
    return [structural.block(), split.block()]


def _gap_fits(args: argparse.Namespace) -> list[ReporterGapFit]:
    """Reporter-gap fits for ``calibrate``: the one asked for, or every other reporter with enough common years."""
    if args.gap_to is not None:
        return [fit_reporter_gap(args.history, args.reporter, args.gap_to, since=args.since)]
    fits = []
    for other in other_reporters(args.history, args.reporter):
        try:
            fits.append(fit_reporter_gap(args.history, args.reporter, other, since=args.since))
        except HistoryError:
            continue  # too few common years: no gap to report for this reporter
    return fits


def _backtest_laws(args: argparse.Namespace) -> list[str]:
    """The laws ``backtest`` scores: ``--laws``, else ``--law``, or by default the random walk, and both laws with ``--context``."""
    if getattr(args, "laws", None) is not None:
        names = [n.strip() for n in args.laws.split(",")]
        if not names or any(n not in LAWS for n in names) or len(set(names)) != len(names):
            raise InputError(f"--laws: a comma-separated list of distinct laws among {', '.join(LAWS)} (got {quote(args.laws)})")
        if "structural" in names and args.context is None:
            raise InputError("--laws structural: the structural law needs --context FILE (total trade with all partners)")
        if "by_direction" in names and getattr(args, "directions", None) is None:
            raise InputError(
                "--laws by_direction: the law by direction needs --directions FILE (the country's imports, exports, gold exports and its flows with the partner)"
            )
        return names
    law = args.law or ("both" if args.context is not None else "random_walk")
    if law != "random_walk" and args.context is None:
        raise InputError(f"--law {law}: the structural law needs --context FILE (total trade with all partners)")
    return ["random_walk", "structural"] if law == "both" else [law]


def backtest_command(args: argparse.Namespace) -> int:
    """``coopsim backtest``: rolling-origin backtest of the organic law(s), written to a results folder."""
    from ..output import Backtest, save

    try:
        horizons = tuple(int(h) for h in args.horizons.split(","))
    except ValueError:
        raise InputError(f"--horizons: a comma-separated list of whole years, e.g. 1,2,3 (got {quote(args.horizons)})") from None
    if not horizons or min(horizons) < 1:
        raise InputError(f"--horizons: years ahead must be at least 1 (got {quote(args.horizons)})")
    laws = _backtest_laws(args)
    _choose_reporter(args)
    out = args.out if args.out is not None else Path("results") / f"backtest_{args.reporter}"
    check_destination(out, args.force)
    years, values = _series(args)
    context = _trade_context(args) if args.context is not None else None
    directions = load_directions(args.directions, partner=args.partner) if "by_direction" in laws else None
    source = _history_source(args) + (f"; total trade from {args.context}" if context is not None else "")
    source += f"; trade by direction from {args.directions}" if directions is not None else ""
    try:
        if len(laws) > 1:
            result = backtest_laws(
                years, values, context, laws, horizons=horizons, paths=args.paths, seed=args.seed, source=source, directions=directions
            )
        else:
            result = backtest(
                years,
                values,
                horizons=horizons,
                paths=args.paths,
                seed=args.seed,
                source=source,
                law=laws[0],
                context=context,
                directions=directions,
            )
    except HistoryError:
        raise
    except ValueError as exc:
        raise HistoryError(f"{args.context or args.directions or args.history}: {exc}") from None
    manifest = {"history_file": str(args.history), "reporter": args.reporter, "seed": args.seed, "paths": args.paths}
    if context is not None:
        manifest.update(context_file=str(args.context), laws=laws)
    if directions is not None:
        manifest.update(directions_file=str(args.directions), laws=laws)
    save(Backtest(result, load_history(args.history, args.reporter), manifest), out, force=args.force)
    if not args.quiet:
        if isinstance(result, LawsBacktest):
            print(backtest_table(result))
        else:
            law = "" if laws[0] == "random_walk" else f" of the {laws[0]} law"
            summary = result.table("scores").loc["all"]
            print(
                f"{int(summary['n_forecasts'])} forecasts{law} from {args.history} ({args.reporter}): coverage of the 50% interval {summary['coverage_50']:.0%}, "
                f"of the 90% interval {summary['coverage_90']:.0%}; CRPS {summary['crps']:.2f} USD bn against {summary['crps_random_walk']:.2f} for a random walk"
            )
        print(f"\nresults written to {out}/")
    return 0
