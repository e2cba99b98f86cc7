"""The command line's parser: every command, its arguments and their checks (argparse).

A malformed or out-of-range option ends with argparse's usage message and exit
status 2 (:class:`~sim.errors.InputError`'s), before anything runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import InputError
from ..run import DEFAULT_MAX_PATHS
from ..scenario import LIMITS
from .portfolio_commands import add_portfolio_parsers

__all__ = ["build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse with the exit status of bad input and the program's name on its message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(InputError.exit_status, f"coopsim: error: {message}\n")


def _positive_int(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``limit`` (underscores allowed, as in 10_000)."""

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
    """An argparse type: a root seed, 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1 (got {value})")
    return value


def _precision(text: str) -> float:
    """An argparse type: a target 95% half-width, strictly between 0 and 0.5."""
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
        cmd.add_argument(
            "--keep-paths", action="store_true", help="also save every path's annual trade by component and direction (paths*.npy)"
        )
    cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def _add_study_options(cmd: argparse.ArgumentParser, name: str) -> None:
    """Options shared by the studies (sensitivity, goal): seed, output folder, executor, quiet."""
    cmd.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    cmd.add_argument("--out", type=Path, help=f"results folder (default: results/{name}_<scenario>)")
    cmd.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    cmd.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores)")
    cmd.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def build_parser() -> argparse.ArgumentParser:
    """The ``coopsim`` parser; ``args.command`` names the command chosen."""
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
    add_portfolio_parsers(sub, _add_study_options, _positive_int(LIMITS["max_paths"]))

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
