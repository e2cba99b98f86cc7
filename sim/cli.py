"""The command line: ``coopsim run | compare | sensitivity | goal | calibrate | backtest | validate | keys``.

A thin layer over the Python API. Problems with the user's input (scenario,
options, output folder) end with one readable message on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from .compare import Comparison, compare
from .errors import CoopsimError, InputError
from .goal import goal
from .history import HistoryError
from .levers import lever, parse_range
from .outputs import OutputError, check_destination
from .results import Results
from .runner import DEFAULT_MAX_PATHS, STOP, simulate
from .scenario import LIMITS, ScenarioError, key_reference, load_scenario
from .sensitivity import Sensitivity, sensitivity

__all__ = ["main"]

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + SIGTERM)."""
HEADLINE_YEARS = (2026, 2028, 2030)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(InputError.exit_status, f"coopsim: error: {message}\n")


def _positive_int(limit: int):
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit:,} (got {value:,})")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1 (got {value})")
    return value


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 0.01 (got {text!r})") from None
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5, e.g. 0.01 for +/-1 point (got {text})")
    return value


def _add_engine_options(cmd: argparse.ArgumentParser, keep_paths: bool = True) -> None:
    """Options shared by every command that runs paths."""
    cmd.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores; 1 runs in-process)")
    cmd.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster: a scheduler address (tcp://host:8786) or 'local'")
    cmd.add_argument(
        "--precision", type=_precision, metavar="EPS", help="add paths until every probability's 95%% half-width is at most EPS (e.g. 0.01)"
    )
    cmd.add_argument(
        "--max-paths",
        type=_positive_int(LIMITS["max_paths"]),
        default=DEFAULT_MAX_PATHS,
        help="cap on paths with --precision (default %(default)s)",
    )
    if keep_paths:
        cmd.add_argument("--keep-paths", action="store_true", help="also save every path's annual trade by component (paths.npy)")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def _add_study_options(cmd: argparse.ArgumentParser, name: str) -> None:
    """Options shared by the studies (sensitivity, goal): seed, output folder, executor, quiet."""
    cmd.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    cmd.add_argument("--out", type=Path, help=f"results folder (default: results/{name}_<scenario>)")
    cmd.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    cmd.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores)")
    cmd.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="coopsim", description="Monte Carlo simulator of bilateral trade targets and the cooperation projects behind them."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run", help="simulate a scenario and write a results folder", description="Simulate a scenario and write a results folder."
    )
    run.add_argument("scenario", type=Path, help="scenario file (TOML)")
    run.add_argument("--paths", type=_positive_int(LIMITS["max_paths"]), help="Monte Carlo paths (default: the scenario's run.paths)")
    run.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    run.add_argument("--out", type=Path, help="results folder (default: results/<scenario name>)")
    run.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    run.add_argument(
        "--checkpoint",
        type=Path,
        metavar="DIR",
        help="keep finished chunks in DIR; the same command run again after a kill resumes from them",
    )
    _add_engine_options(run)

    val = sub.add_parser(
        "validate", help="check scenario files without running them", description="Check scenario files fully, without running them."
    )
    val.add_argument("scenarios", type=Path, nargs="+", help="scenario files (TOML)")

    cmp = sub.add_parser(
        "compare",
        help="compare scenarios with the first on common random numbers",
        description="Compare scenarios with the first (the baseline) on common random numbers: same seed, same paths, paired differences.",
    )
    cmp.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO", help="the baseline, then one or more scenarios (TOML)")
    cmp.add_argument("--paths", type=_positive_int(LIMITS["max_paths"]), help="Monte Carlo paths (default: the baseline's run.paths)")
    cmp.add_argument("--seed", type=_seed, help="root seed (default: the baseline's run.seed)")
    cmp.add_argument("--out", type=Path, help="results folder (default: results/compare_<baseline>)")
    cmp.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    cmp.add_argument(
        "--common-years",
        action="store_true",
        help="compare scenarios with different base years, targets or horizons on the years they share",
    )
    _add_engine_options(cmp, keep_paths=False)

    sens = sub.add_parser(
        "sensitivity",
        help="what drives P(target by year): Sobol indices, tornado chart, scenario discovery",
        description="Sobol indices (first-order and total, with intervals), a tornado chart and PRIM scenario discovery for P(target reached by year).",
    )
    sens.add_argument("scenario", type=Path, help="scenario file (TOML)")
    sens.add_argument("--year", type=int, help="target year (default 2030)")
    sens.add_argument(
        "--input",
        action="append",
        metavar="KEY[=LOW:HIGH]",
        help="an input to vary, by dotted path, with an optional range; repeat for several (default: the scenario's uncertain inputs)",
    )
    sens.add_argument(
        "--base-rows",
        type=_positive_int(1_000_000),
        default=512,
        help="Sobol base sample N; the design has N x (groups + 2) paths (default %(default)s)",
    )
    sens.add_argument(
        "--tornado-paths", type=_positive_int(LIMITS["max_paths"]), default=1000, help="paths per tornado run (default %(default)s)"
    )
    sens.add_argument(
        "--discovery-paths",
        type=_positive_int(LIMITS["max_paths"]),
        default=4000,
        help="paths explained by scenario discovery (default %(default)s)",
    )
    _add_study_options(sens, "sensitivity")

    gl = sub.add_parser(
        "goal",
        help="the value of one input at which the target is reached with a wanted probability",
        description="Find the value of one scenario input (a lever) at which P(target reached by YEAR) = PROBABILITY, on common random numbers.",
    )
    gl.add_argument("scenario", type=Path, help="scenario file (TOML)")
    gl.add_argument("--lever", required=True, metavar="KEY", help="dotted path of the input, e.g. trade.growth.mean")
    gl.add_argument("--year", type=int, required=True, help="target year")
    gl.add_argument("--probability", type=float, required=True, help="wanted probability, e.g. 0.9")
    gl.add_argument("--range", metavar="LOW:HIGH", help="the lever's valid range to search (default: around its current setting)")
    gl.add_argument("--paths", type=_positive_int(LIMITS["max_paths"]), default=4000, help="paths per evaluation (default %(default)s)")
    _add_study_options(gl, "goal")

    cal = sub.add_parser(
        "calibrate",
        help="fit the organic growth law and the reporter gap to a history CSV",
        description=(
            "Fit the organic growth law (mean, spread, persistence, tails; chosen by AICc) to a yearly history and print a "
            "[trade.growth] block, with a [trade.reporter_gap] block for each other reporter with 3+ years in common. With "
            "--context, also the structural law ([trade.structural] with total_growth and share) and the exports share "
            "([trade.exports_share])."
        ),
    )
    cal.add_argument("history", type=Path, help="history CSV (year,value_usd_bn,reporter,status,...)")
    cal.add_argument("--reporter", default="UZ", help="reporter whose figures are fitted (default %(default)s)")
    cal.add_argument("--since", type=int, help="first year used")
    cal.add_argument(
        "--gap-to",
        metavar="REPORTER",
        help="also fit the gap to this reporter's figures ([trade.reporter_gap]); default: every other reporter with 3+ years in common",
    )
    cal.add_argument(
        "--context",
        type=Path,
        metavar="FILE",
        help="Uzbekistan's trade with all partners and the split with China (year,series,value_usd_bn,reporter,status,...): "
        "also fit the structural law and the exports share",
    )
    cal.add_argument("--out", type=Path, help="also write the printed blocks to this .toml file (refused if it exists, unless --force)")
    cal.add_argument("--force", action="store_true", help="replace an existing --out file")

    bt = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of the organic growth law",
        description=(
            "Fit on data up to each year, forecast the next years with the organic model, and score the forecasts. With --context, "
            "the structural law (China's share of Uzbekistan's total trade) too, on the same origins."
        ),
    )
    bt.add_argument("history", type=Path, help="history CSV (year,value_usd_bn,reporter,status,...)")
    bt.add_argument("--reporter", default="UZ", help="reporter whose figures are used (default %(default)s)")
    bt.add_argument("--since", type=int, help="first year used")
    bt.add_argument("--horizons", default="1,2,3", help="forecast horizons in years, comma-separated (default %(default)s)")
    bt.add_argument(
        "--context", type=Path, metavar="FILE", help="trade context CSV (total trade with all partners): enables the structural law"
    )
    bt.add_argument(
        "--law",
        choices=("random_walk", "structural", "both"),
        help="organic law(s) to backtest; both: scored on the same origins (default: random_walk, or both with --context)",
    )
    bt.add_argument("--paths", type=_positive_int(1_000_000), default=4000, help="paths per forecast (default %(default)s)")
    bt.add_argument("--seed", type=_seed, default=0, help="root seed (default %(default)s)")
    bt.add_argument("--out", type=Path, help="results folder (default: results/backtest_<reporter>)")
    bt.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    bt.add_argument("--quiet", action="store_true", help="errors only")

    sub.add_parser(
        "keys",
        help="print every scenario key with its type and meaning (Markdown)",
        description="Print every scenario key with its type and meaning.",
    )
    return parser


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def _flow_words(summary: dict) -> str:
    flow = summary.get("target_flow", "turnover")
    return "turnover (exports plus imports)" if flow == "turnover" else flow


def observation_line(summary: dict) -> str:
    """What the run took as observed, in one line (or that nothing was)."""
    obs = summary.get("observation")
    if not obs:
        return f"observed: nothing of {summary['years'][0]} (its whole year is simulated)"
    return (
        f"observed: {obs['year']} January to month {obs['months']}, {obs['value_usd_bn']:g} USD bn ({obs['yoy_growth']:+.0%} on a year before), "
        f"all of trade; from {obs['source']}"
    )


def headline(results: Results) -> str:
    """The terminal table: both readings of reaching the target, and the hit year."""
    s = results.summary
    last = s["years"][-1]
    law = {"structural": "structural (the country's total trade x the partner's share)", "random_walk": "random walk with drift"}
    lines = [
        f"{s['scenario']}: {s['paths']:,} paths, seed {s['seed']}; target {s['target_usd_bn']:g} USD bn a year of "
        f"{_flow_words(s)} ({s['reporter']} statistics)",
        f"organic law: {law.get(s.get('organic_law', 'random_walk'))}; {observation_line(s)}",
        "",
        f"  {'year':<8}{'reached by the year':>22}{'95% interval':>18}{'at or above in the year':>27}{'95% interval':>18}",
    ]
    for year in [y for y in HEADLINE_YEARS if str(y) in s["p_reach_by_year"]] + [int(last)]:
        p, lo, hi = results.p_reach(year)
        above = s["p_above_in_year"][str(year)]
        lines.append(
            f"  {year:<8}{_pct(p):>22}{_pct(lo) + ' to ' + _pct(hi):>18}{_pct(above['p']):>27}"
            f"{_pct(above['ci95'][0]) + ' to ' + _pct(above['ci95'][1]):>18}"
        )
    hy = s["hit_year"]

    def year_or_later(v: int | None) -> str:
        return str(v) if v is not None else f"later than {last}"

    lines += [
        "",
        "  reached by the year: in that year or an earlier one (the year the target can be announced as met);",
        "  at or above in the year: trade of that year itself at or above the target (met and held).",
        f"  median year first reached   {year_or_later(hy['p50'])}",
        f"  10% of paths reach it by {year_or_later(hy['p10'])}; 90% by {year_or_later(hy['p90'])}",
        f"  not reached by {last}: {_pct(hy['share_never'])} of paths",
    ]
    return "\n".join(lines)


def _cmd_run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / scenario.name
    check_destination(out, args.force)
    results = simulate(
        scenario,
        paths=args.paths,
        seed=args.seed,
        workers=args.workers,
        dask=args.dask,
        precision=args.precision,
        max_paths=args.max_paths,
        keep_paths=args.keep_paths,
        progress=False if args.quiet else None,
        checkpoint=args.checkpoint,
    )
    results.save(out, force=args.force)
    if not args.quiet:
        print(headline(results))
        print(f"\nresults written to {out}/")
    return 0


def comparison_table(comparison: Comparison) -> str:
    """The terminal table of a comparison: probabilities, median hit year, paired differences."""
    data = comparison.data
    years = [y for y in (str(y) for y in HEADLINE_YEARS) if y in data["years"]]
    rows = [["scenario", *(f"by {y}" for y in years), "median year"]]
    for name in data["scenarios"]:
        summary = data["summaries"][name]
        baseline = name == data["baseline"]
        cells = [name + (" (baseline)" if baseline else "")]
        for y in years:
            cell = _pct(summary["p_reach_by_year"][y]["p"])
            if not baseline:
                d = data["differences"][name]["p_reach_by_year"][y]
                cell += f"  {100 * d['diff']:+.1f} [{100 * d['ci95'][0]:+.1f}, {100 * d['ci95'][1]:+.1f}]"
            cells.append(cell)
        hit = summary["hit_year"]["p50"]
        shift = None if baseline else data["differences"][name]["median_hit_year_shift"]
        cells.append(f"{hit if hit is not None else 'later'}" + (f" ({shift:+d})" if isinstance(shift, int) else ""))
        rows.append(cells)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"{len(data['scenarios'])} scenarios on common random numbers: {data['paths']:,} paths, seed {data['seed']}",
        "Probability of reaching the target by the year; after it, the paired difference from the",
        "baseline in percentage points with its 95% interval.",
        "",
    ]
    for r in rows:
        lines.append("  " + r[0].ljust(widths[0]) + "".join("   " + c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)))
    return "\n".join(lines)


def _cmd_compare(args: argparse.Namespace) -> int:
    if len(args.scenarios) < 2:
        raise InputError("compare needs a baseline and at least one other scenario")
    scenarios = [load_scenario(p) for p in args.scenarios]
    out = args.out if args.out is not None else Path("results") / f"compare_{scenarios[0].name}"
    check_destination(out, args.force)
    comparison = compare(
        scenarios,
        paths=args.paths,
        seed=args.seed,
        workers=args.workers,
        dask=args.dask,
        precision=args.precision,
        max_paths=args.max_paths,
        allow_different_years=args.common_years,
        progress=False if args.quiet else None,
    )
    comparison.save(out, force=args.force)
    if not args.quiet:
        print(comparison_table(comparison))
        print(f"\nresults written to {out}/")
    return 0


def sensitivity_table(study: Sensitivity) -> str:
    """The terminal summary of a sensitivity study."""
    d = study.data
    out = next(iter(d["sobol"]))
    lines = [
        f"{d['scenario']}: what drives P(target {d['target_usd_bn']:g} USD bn reached by {d['year']}) = {d['tornado']['p_base']:.1%}",
        "",
        "  Sobol indices (share of variance; 95% interval)",
    ]
    rows = sorted(d["sobol"][out].items(), key=lambda kv: -kv[1]["total"]["value"])
    width = max(len(g) for g, _ in rows) + 2
    lines.append(f"  {'input group':<{width}}{'first order':>24}{'total':>24}")
    for group, e in rows:
        f, t = e["first_order"], e["total"]
        lines.append(
            f"  {group:<{width}}{f['value']:>8.2f} [{f['ci95'][0]:+.2f}, {f['ci95'][1]:+.2f}]{t['value']:>8.2f} [{t['ci95'][0]:+.2f}, {t['ci95'][1]:+.2f}]"
        )
    lines += ["", "  Tornado: P(target) with each group at its inputs' 10th / 90th percentiles, points"]
    for bar in d["tornado"]["bars"]:
        lines.append(f"  {bar['group']:<{width}}{100 * bar['diff_low']:>+8.1f}{100 * bar['diff_high']:>+8.1f}")
    lines += ["", "  Where the target is missed (PRIM boxes):"]
    lines += [f"  - {b['text']}" for b in d["discovery"]["boxes"]] or ["  (no box found)"]
    return "\n".join(lines)


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / f"sensitivity_{scenario.name}"
    check_destination(out, args.force)
    levers = None
    if args.input:
        try:
            levers = [lever(scenario, *parse_range(text)) for text in args.input]
        except ValueError as exc:
            if isinstance(exc, ScenarioError):
                raise
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
    study.save(out, force=args.force)
    if not args.quiet:
        print(sensitivity_table(study))
        print(f"\nresults written to {out}/")
    return 0


def _cmd_goal(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    out = args.out if args.out is not None else Path("results") / f"goal_{scenario.name}"
    check_destination(out, args.force)
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
    result.save(out, force=args.force)
    if not args.quiet:
        print(result.data["message"])
        print(f"\nresults written to {out}/")
    return 0


def _history_source(args: argparse.Namespace) -> str:
    since = f", since {args.since}" if args.since else ""
    return f"{args.history}, reporter {args.reporter}, confirmed/derived figures (duplicates by median){since}"


def _series(args: argparse.Namespace):
    from .calibration import load_series

    years, values = load_series(args.history, reporter=args.reporter, since=args.since)
    if years.size < 6:
        raise HistoryError(f"{args.history}: only {years.size} years with a {args.reporter} figure; fitting needs at least 6")
    return years, values


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from .calibration import fit_growth

    years, values = _series(args)
    fit = fit_growth(years, values, source=_history_source(args))
    block = fit.growth_block() + "".join("\n" + gap.block() for gap in _gap_fits(args))
    if args.context is not None:
        block += "".join("\n" + b for b in _context_blocks(args, years, values))
    print(block)
    if args.out is not None:
        if args.out.exists() and not args.force:
            raise OutputError(f"{args.out}: exists; choose another --out or add --force")
        args.out.write_text(block + "\n", encoding="utf-8")
        print(f"\n# written to {args.out}")
    return 0


def _trade_context(args: argparse.Namespace):
    from .context import load_trade_context

    return load_trade_context(args.context, args.history, reporter=args.reporter, since=args.since)


def _context_blocks(args: argparse.Namespace, years, values) -> list[str]:
    """The structural law and the exports share fitted with ``--context``; a fit the data cannot support is a :class:`HistoryError`."""
    from .split import fit_turnover_split
    from .structural import fit_structural

    ctx = _trade_context(args)
    try:
        structural = fit_structural(ctx.total.years, ctx.total.values, ctx.china_share.years, ctx.china_share.values, source=ctx.source)
        split = fit_turnover_split(years, values, ctx.exports_share.years, ctx.exports_share.values, source=ctx.source)
    except HistoryError:
        raise
    except ValueError as exc:
        raise HistoryError(f"{args.context}: {exc}") from None
    return [structural.block(), split.block()]


def _gap_fits(args: argparse.Namespace) -> list:
    """Reporter-gap fits for ``calibrate``: the one asked for, or every other reporter with enough common years."""
    from .history import other_reporters
    from .reporters import fit_reporter_gap

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
    """The laws ``backtest`` scores: ``--law``, or by default the random walk, and both laws with ``--context``."""
    law = args.law or ("both" if args.context is not None else "random_walk")
    if law != "random_walk" and args.context is None:
        raise InputError(f"--law {law}: the structural law needs --context FILE (total trade with all partners)")
    return ["random_walk", "structural"] if law == "both" else [law]


def _backtest_table(summary: dict) -> str:
    """Terminal table of several laws' scores: overall and by horizon."""
    lines = [
        f"{len(summary['forecasts'])} forecasts per law from the origins {', '.join(map(str, summary['origins']))} "
        "(the same origins and years for every law)",
        "",
        f"  {'law':<13}{'horizon':>8}{'n':>4}{'50% held':>10}{'90% held':>10}{'CRPS':>8}{'random walk':>13}",
    ]
    for law, scores in summary["laws"].items():
        for label, s in [("all", scores), *((h, scores["by_horizon"][h]) for h in scores["by_horizon"])]:
            lines.append(
                f"  {law:<13}{label:>8}{s['n_forecasts']:>4}{s['coverage_50']:>10.0%}{s['coverage_90']:>10.0%}"
                f"{s['crps']:>8.2f}{s['crps_random_walk']:>13.2f}"
            )
    lines.append("  (CRPS: mean continuous ranked probability score, USD bn, lower is better; random walk: no-drift lognormal benchmark)")
    return "\n".join(lines)


def _cmd_backtest(args: argparse.Namespace) -> int:
    from .calibration import backtest, backtest_laws
    from .history import load_history
    from .outputs import write_folder
    from .plots import backtest_chart
    from .results import to_json_ready, write_table

    try:
        horizons = tuple(int(h) for h in args.horizons.split(","))
    except ValueError:
        raise InputError(f"--horizons: a comma-separated list of whole years, e.g. 1,2,3 (got {args.horizons!r})") from None
    if not horizons or min(horizons) < 1:
        raise InputError(f"--horizons: years ahead must be at least 1 (got {args.horizons!r})")
    laws = _backtest_laws(args)
    out = args.out if args.out is not None else Path("results") / f"backtest_{args.reporter}"
    check_destination(out, args.force)
    years, values = _series(args)
    context = _trade_context(args) if args.context is not None else None
    source = _history_source(args) + (f"; total trade from {args.context}" if context is not None else "")
    try:
        if len(laws) > 1:
            result = backtest_laws(years, values, context, laws, horizons=horizons, paths=args.paths, seed=args.seed, source=source)
        else:
            result = backtest(
                years, values, horizons=horizons, paths=args.paths, seed=args.seed, source=source, law=laws[0], context=context
            )
    except HistoryError:
        raise
    except ValueError as exc:
        raise HistoryError(f"{args.context or args.history}: {exc}") from None
    summary = result.to_dict()

    def write(tmp: Path) -> list[str]:
        import json

        (tmp / "backtest.json").write_text(json.dumps(to_json_ready(summary), indent=2) + "\n", encoding="utf-8")
        rows = result.rows()
        write_table(tmp / "backtest.csv", rows)
        backtest_chart(result, load_history(args.history, args.reporter)).savefig(tmp / "backtest.png", dpi=150, facecolor="white")
        return ["backtest.json", "backtest.csv", "backtest.png"]

    manifest = {"history_file": str(args.history), "reporter": args.reporter, "seed": args.seed, "paths": args.paths}
    if context is not None:
        manifest.update(context_file=str(args.context), laws=laws)
    write_folder(out, write, manifest, force=args.force)
    if not args.quiet:
        if len(laws) > 1:
            print(_backtest_table(summary))
        else:
            law = "" if laws[0] == "random_walk" else f" of the {laws[0]} law"
            print(
                f"{summary['n_forecasts']} forecasts{law} from {args.history} ({args.reporter}): coverage of the 50% interval {summary['coverage_50']:.0%}, "
                f"of the 90% interval {summary['coverage_90']:.0%}; CRPS {summary['crps']:.2f} USD bn against {summary['crps_random_walk']:.2f} for a random walk"
            )
        print(f"\nresults written to {out}/")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
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


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


def _on_signal(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop the run (raised here, and flagged for the chunk loop in case it is swallowed)."""
    exc = _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
    STOP.set(exc)
    raise exc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coopsim`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    STOP.clear()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "sensitivity":
            return _cmd_sensitivity(args)
        if args.command == "goal":
            return _cmd_goal(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        if args.command == "backtest":
            return _cmd_backtest(args)
        if args.command == "keys":
            print(key_reference())
            return 0
        return _cmd_validate(args)
    except CoopsimError as exc:
        # a scenario's problems are one a line, each starting with its file (like a compiler's); other messages name the program
        print(exc if isinstance(exc, ScenarioError) else f"coopsim: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt as exc:
        print("coopsim: interrupted; workers stopped, no results written", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, _Terminated) else EXIT_INTERRUPTED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        STOP.clear()
