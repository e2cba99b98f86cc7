"""The command line's parser: every command, its arguments and their checks (argparse).

A malformed or out-of-range option ends with argparse's usage message and exit
status 2 (:class:`~sim.errors.InputError`'s), before anything runs.

The options several commands share are added by one function each, so a new
command takes them in one line and they read the same everywhere:
:func:`add_scenario_options` (``--set``), :func:`add_paths_option`
(``--paths``), :func:`add_output_options` (``--out``, ``--force``, ``--pdf``,
``--report``, and ``--xlsx`` where asked), :func:`add_years_option`
(``--years``), :func:`add_json_option` (``--json``) and
:func:`add_study_options` (all a study takes: seed, output, ``--set``,
executor, ``--quiet``). :mod:`sim.cli.common` reads them back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import MAX_SHOWN_CHARACTERS, InputError, clip, one_line, quote
from ..history import HISTORY_FILE
from ..run import DEFAULT_MAX_PATHS
from ..scenario import LIMITS
from ..scenario.messages import clip_key

__all__ = [
    "add_json_option",
    "add_output_options",
    "add_paths_option",
    "add_scenario_options",
    "add_study_options",
    "add_years_option",
    "build_parser",
]


class _Parser(argparse.ArgumentParser):
    """argparse with the exit status of bad input and the program's name on its message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        # argparse quotes what was typed ("invalid choice: '...'", "unrecognized arguments: ..."): long words are clipped
        message = re.sub(rf"[^\s']{{{MAX_SHOWN_CHARACTERS + 21},}}", lambda m: clip(m.group()), message)
        self.exit(InputError.exit_status, f"coopsim: error: {one_line(message)}\n")


PRIORITISE_METHODS, TRACK_PATHS = ("greedy", "exhaustive"), 3000
"""The studies' ``METHODS`` and ``DEFAULT_TRACK_PATHS``, here so that the parser imports no study (held equal by tests/test_lazy_exports.py)."""


def _positive_int(limit: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``limit`` (underscores allowed, as in 10_000)."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {quote(text)})") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit:,} (got {value:,})")
        return value

    return parse


def _seed(text: str) -> int:
    """An argparse type: a root seed, 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {quote(text)})") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63 - 1 (got {value})")
    return value


def _precision(text: str) -> float:
    """An argparse type: a target 95% half-width, strictly between 0 and 0.5."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number such as 0.01 (got {quote(text)})") from None
    if not 0 < value < 0.5:
        raise argparse.ArgumentTypeError(f"must be between 0 and 0.5, e.g. 0.01 for +/-1 point (got {text})")
    return value


NAME_KEYS = ("trade.law",)
"""Keys of ``--set`` whose value is a name (a string): a bare name is taken as that text, quoted or not."""


def _setting(text: str) -> tuple[str, Any]:
    """An argparse type: ``KEY=VALUE``, a dotted scenario key and a TOML value (``0.06``, ``"text"``, ``{energy = 0.5}``)."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise argparse.ArgumentTypeError(
            f"is written KEY=VALUE with a dotted scenario key, e.g. trade.target_usd_bn=25 (got {quote(text)})"
        )
    if key in NAME_KEYS and re.fullmatch(r"[a-z][a-z0-9_]{0,63}", value.strip()):
        return key, value.strip()  # a law's name, as the docs write it (--set trade.law=trend): quotes optional
    try:
        return key, tomllib.loads(f"value = {value.strip()}")["value"]
    except tomllib.TOMLDecodeError as exc:
        raise argparse.ArgumentTypeError(
            f'{clip_key(key)}: the value must be TOML, as in a scenario file (a number, "text" in quotes, {{key = value}}): {exc}'
        ) from None
    except RecursionError:
        raise argparse.ArgumentTypeError(f"{clip_key(key)}: the value is nested too deeply to be a scenario value") from None


def _reporter(text: str) -> str:
    """An argparse type: a reporter code, as the data files' ``reporter`` column allows it (:data:`sim.history.HISTORY_FILE`)."""
    try:
        return str(HISTORY_FILE.column("reporter").parse(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"must be {exc} (got {quote(text)})") from None


def _years(text: str) -> tuple[int, ...]:
    """An argparse type: comma-separated calendar years, each once, e.g. 2026,2028,2030,2035.

    An empty item (``2026,,2028``, a comma at an end) and a year given twice
    are refused: each is a slip that would otherwise print a row twice or
    silently drop what was meant.
    """
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise argparse.ArgumentTypeError(
            f"has an empty item (two commas in a row, or a comma at an end); write years separated by single commas, "
            f"e.g. 2026,2028,2030,2035 (got {quote(text)})"
        )
    try:
        years = tuple(int(y) for y in items)
    except ValueError:
        raise argparse.ArgumentTypeError(f"is a comma-separated list of years, e.g. 2026,2028,2030,2035 (got {quote(text)})") from None
    repeated = sorted(year for year, count in Counter(years).items() if count > 1)
    if repeated:
        named = clip(", ".join(str(y) for y in repeated))
        raise argparse.ArgumentTypeError(f"names {named} more than once; give each year once (got {quote(text)})")
    return years


def as_of_date(text: str) -> dt.date:
    """An argparse type: a calendar date written YYYY-MM-DD (``--as-of``, ``--since``)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date written YYYY-MM-DD, e.g. 2025-09-10 (got {quote(text)})") from None


def add_scenario_options(cmd: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE`` (repeatable): change the scenario's value at a dotted key, validated like the file (a variant, named as one);
    ``--as-of DATE``: the scenario as seen that day (a scenario with a dated record)."""
    cmd.add_argument(
        "--as-of",
        type=as_of_date,
        default=None,
        metavar="DATE",
        help="the view as of DATE (YYYY-MM-DD) of a scenario with a dated record (trade.releases): only releases published by "
        "then, the organic law refitted on them, projects restated at the view's start (docs/calibration.md). A variant, "
        "named as one (e.g. pair_2025+trade.as_of=2026-01-04)",
    )
    cmd.add_argument(
        "--set",
        type=_setting,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a scenario value, by dotted key, the value in TOML (e.g. trade.target_usd_bn=25 or "
        "'trade.structural.total_growth.mean={dist = \"normal\", mean = 0.06, sd = 0.036}'); repeat for several; checked like "
        "the file. A plain number in place of a distribution removes that input's uncertainty (a warning says so). The run is "
        "a variant: named after the scenario and the keys set (e.g. pair_2025+trade.target_usd_bn=25), in its own results folder",
    )


def add_paths_option(cmd: argparse.ArgumentParser, default: int | None, help: str) -> None:
    """``--paths N``: the command's path count or budget (``help`` says which; ``default`` None: the scenario's ``run.paths``)."""
    cmd.add_argument("--paths", type=_positive_int(LIMITS["max_paths"]), default=default, help=help)


def add_output_options(cmd: argparse.ArgumentParser, default: str, xlsx: bool = False) -> None:
    """The results folder (``--out``, ``--force``) and what goes in it beside the data: ``--pdf``, ``--no-figures``, ``--report``, ``--xlsx``.

    ``default`` names the folder used without ``--out`` in the help, e.g. ``"results/<scenario name>"``.
    """
    cmd.add_argument("--out", type=Path, help=f"results folder (default: {default})")
    cmd.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    cmd.add_argument("--pdf", action="store_true", help="also write every chart as PDF (PNG and SVG are written unless --no-figures)")
    cmd.add_argument("--no-figures", action="store_true", help="write the data files only, no chart (faster, for batch runs)")
    cmd.add_argument("--report", action="store_true", help="also write report.html: the results as one self-contained HTML page")
    if xlsx:
        cmd.add_argument("--xlsx", action="store_true", help="also write results.xlsx: the tables and every path's inputs and outcomes")


def add_years_option(cmd: argparse.ArgumentParser) -> None:
    """``--years``: the years of the headline tables (terminal, report, workbook)."""
    cmd.add_argument(
        "--years",
        type=_years,
        metavar="Y1,Y2,...",
        help="years of the headline tables, e.g. 2026,2028,2030,2035 (default: the first simulated year + 1, + 3, + 5 and the horizon)",
    )


def add_json_option(cmd: argparse.ArgumentParser, what: str) -> None:
    """``--json``: print ``what`` (the command's JSON file) on stdout instead of the table."""
    cmd.add_argument(
        "--json", action="store_true", help=f"print {what} on stdout instead of the table (where the results are goes to stderr)"
    )


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


def add_study_options(cmd: argparse.ArgumentParser, name: str) -> None:
    """Options shared by the studies of a scenario (sensitivity, goal, ...): ``--set``, seed, output folder and files, executor, quiet.

    ``--paths`` is not among them: each study says what its paths are (:func:`add_paths_option`).
    """
    add_scenario_options(cmd)
    cmd.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    add_output_options(cmd, f"results/{name}_<scenario>")
    cmd.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores)")
    cmd.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster")
    cmd.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def _budget(text: str) -> float:
    """An argparse type: a budget in USD bn, positive and finite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an amount in USD bn such as 5 (got {quote(text)})") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive amount in USD bn, e.g. 5 (got {text})")
    return value


def _add_portfolio_parsers(sub: argparse._SubParsersAction) -> None:
    """``attribute`` and ``prioritise``: the studies of the portfolio."""
    att = sub.add_parser(
        "attribute",
        help="what P(target by year) and trade lose without each project, measure, lender and the portfolio",
        description=(
            "On common random numbers, what P(target reached by YEAR) and mean trade in YEAR lose without each named project, "
            "measure, lender (capacity set to zero), the generic pipeline and the whole portfolio; every path keeps its organic trade."
        ),
    )
    att.add_argument("scenario", type=Path, help="scenario file (TOML)")
    att.add_argument("--year", type=int, required=True, help="target year")
    add_paths_option(att, 4000, "paths per counterfactual, the same paths for every item (default %(default)s)")
    add_study_options(att, "attribute")

    pri = sub.add_parser(
        "prioritise",
        help="which awaiting projects to finance first, within a budget, for P(target by year)",
        description=(
            "Choose the named projects awaiting finance and sectors' backlogs (backlog.SECTOR) to move to the front of their lenders' "
            "queues, within BUDGET of capex, to maximise P(target reached by YEAR) on common random numbers; the choice is then "
            "evaluated on as many fresh paths."
        ),
    )
    pri.add_argument("scenario", type=Path, help="scenario file (TOML)")
    pri.add_argument("--year", type=int, required=True, help="target year")
    pri.add_argument("--budget-usd-bn", type=_budget, required=True, metavar="B", help="capex of the chosen items at most B USD bn")
    add_paths_option(pri, 4000, "search paths, and as many fresh ones to evaluate (default %(default)s)")
    pri.add_argument(
        "--method", choices=PRIORITISE_METHODS, default="greedy", help="greedy by gain per USD bn, or every subset (default %(default)s)"
    )
    pri.add_argument("--no-stability", action="store_true", help="do not rerun the search on 2N paths and on a second seed")
    add_study_options(pri, "prioritise")

    new = sub.add_parser(
        "new-money",
        help="where B USD bn of additional finance adds most to P(target by year): a lender, a backlog, a named project",
        description=(
            "Give BUDGET USD bn of new money, a tranche at a time, to the use that raises P(target reached by YEAR) most per USD bn "
            "(a lender's capacity, a facility for a sector's backlog, a named project financed outright), on top of the best "
            "reordering of the queues (prioritise); the plan is evaluated on fresh paths, beside each lender's shadow price and "
            "the choice rerun on twice the paths and a second seed."
        ),
    )
    new.add_argument("scenario", type=Path, help="scenario file (TOML)")
    new.add_argument("--budget", type=_budget, default=5.0, metavar="B", help="new money, USD bn (default %(default)s)")
    new.add_argument("--year", type=int, default=None, help="target year (default: the scenario's trade.target_year)")
    new.add_argument("--tranche", type=_budget, default=1.0, metavar="T", help="step of the allocation, USD bn (default %(default)s)")
    add_paths_option(new, 400, "search paths, and as many fresh ones to evaluate (default %(default)s)")
    new.add_argument("--no-reorder", action="store_true", help="do not build on the best reordering of the queues")
    new.add_argument("--no-stability", action="store_true", help="do not rerun the choice on 2N paths and a second seed")
    add_scenario_options(new)
    new.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    new.add_argument("--out", type=Path, help="results folder (default: results/new_money_<scenario>)")
    new.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    new.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores)")
    new.add_argument("--dask", metavar="ADDRESS", help="run on a Dask cluster")
    new.add_argument("--quiet", action="store_true", help="no progress bar and no table; errors only")


def _add_track_parser(sub: argparse._SubParsersAction) -> None:
    """``track``: the view at every release date of the dated record, and its forecasts scored."""
    trk = sub.add_parser(
        "track",
        help="the view at every release date of the record: how P(target) moved and how its forecasts fared",
        description=(
            "Re-run the scenario's view as of every release date of its dated record (trade.releases) from --since on, each knowing "
            "only what was published by then (its organic law refitted), and score every view's forecasts against the full-year "
            "outcomes published later: PIT, CRPS and the coverage of the 50% and 90% ranges by horizon, beside a no-drift random walk."
        ),
    )
    trk.add_argument("scenario", type=Path, help="scenario file (TOML) with a dated record (trade.releases)")
    add_paths_option(trk, TRACK_PATHS, "paths of each view (default %(default)s)")
    trk.add_argument(
        "--since",
        type=as_of_date,
        default=dt.date(2023, 1, 1),
        metavar="YYYY-MM-DD",
        help="the first release date to take a view on (default %(default)s)",
    )
    trk.add_argument(
        "--years",
        type=_years,
        nargs="+",
        metavar="YEAR",
        help="the years whose P(target by then) is followed, e.g. 2026 2028 2030 (or 2026,2028,2030; default 2026 2028 2030)",
    )
    # a study's options but --dask: each view runs in turn on local workers
    add_scenario_options(trk)
    trk.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed); every view uses it")
    add_output_options(trk, "results/track_<scenario>")
    trk.add_argument("--workers", type=_positive_int(4096), default=None, help="worker processes (default: all cores; 1 runs in-process)")
    trk.add_argument("--quiet", action="store_true", help="no table; errors only")


def _add_replay_parser(sub: argparse._SubParsersAction) -> None:
    """``replay``: the portfolio over the record's years against the record by direction, and its scales fitted."""
    rp = sub.add_parser(
        "replay",
        help="replay the portfolio over 2017-2025 against the recorded exports and imports, and fit its flows' scales",
        description=(
            "Replay the scenario's portfolio over the years the record covers (launches at the rate its facts state, run back "
            "along its launch trend; named projects at their real dates; sector coefficients as drawn), compare its project flows "
            "with the recorded exports to and imports from the partner, and fit a scale factor on the projects' exports and on "
            "their construction imports (docs/calibration.md, 'Projects on the record')."
        ),
    )
    rp.add_argument("scenario", type=Path, help="scenario file (TOML) with [pipeline] and [portfolio]")
    add_paths_option(rp, 2000, "paths of the replay (default %(default)s)")
    rp.add_argument(
        "--record",
        type=Path,
        metavar="FILE",
        help="the record by direction (default: uz_direction_history.csv beside the scenario's trade.history)",
    )
    rp.add_argument("--first", type=int, default=2017, metavar="YEAR", help="first year replayed (default %(default)s)")
    rp.add_argument("--last", type=int, default=2025, metavar="YEAR", help="last year replayed (default %(default)s)")
    add_scenario_options(rp)
    rp.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    rp.add_argument("--out", type=Path, help="results folder (default: results/replay_<scenario>)")
    rp.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    rp.add_argument("--pdf", action="store_true", help="also write the chart as PDF (PNG and SVG are always written)")
    rp.add_argument("--report", action="store_true", help="also write report.html: the chart, the table by year and the fitted scales")
    rp.add_argument("--quiet", action="store_true", help="no table; errors only")


def _add_history_arguments(cmd: argparse.ArgumentParser, used: str) -> None:
    """The history CSV, ``--reporter`` (whose figures are ``used``), ``--partner`` and ``--since`` of ``calibrate`` and ``backtest``."""
    cmd.add_argument("history", type=Path, help="history CSV (year,value_usd_bn,reporter,status,...)")
    cmd.add_argument(
        "--reporter",
        type=_reporter,
        help=f"reporter whose figures are {used} (default: the one with figures in the most years of the history)",
    )
    cmd.add_argument(
        "--partner", type=_reporter, help="with --context: the partner whose split the context file gives (default: its only one)"
    )
    cmd.add_argument("--since", type=int, help="first year used")


def build_parser() -> argparse.ArgumentParser:
    """The ``coopsim`` parser; ``args.command`` names the command chosen."""
    parser = _Parser(
        prog="coopsim", description="Monte Carlo simulator of bilateral trade targets and the cooperation projects behind them."
    )
    parser.add_argument("--version", action="version", version=f"coopsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser(
        "run", help="simulate a scenario and write a results folder", description="Simulate a scenario and write a results folder."
    )
    run.add_argument("scenario", type=Path, help="scenario file (TOML)")
    add_scenario_options(run)
    add_paths_option(run, None, "Monte Carlo paths (default: the scenario's run.paths)")
    run.add_argument("--seed", type=_seed, help="root seed (default: the scenario's run.seed)")
    add_output_options(run, "results/<scenario name>", xlsx=True)
    add_years_option(run)
    add_json_option(run, "summary.json")
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
    add_scenario_options(val)

    cmp = sub.add_parser(
        "compare",
        help="compare scenarios with the first on common random numbers",
        description="Compare scenarios with the first (the baseline) on common random numbers: same seed, same paths, paired differences.",
    )
    cmp.add_argument(
        "scenarios",
        type=Path,
        nargs="+",
        metavar="SCENARIO",
        help="the baseline, then one or more scenarios (TOML); the same file twice compares it with itself (exact zeros)",
    )
    add_scenario_options(cmp)
    add_paths_option(cmp, None, "Monte Carlo paths per scenario (default: the baseline's run.paths)")
    cmp.add_argument("--seed", type=_seed, help="root seed (default: the baseline's run.seed)")
    add_output_options(cmp, "results/compare_<baseline>", xlsx=True)
    add_years_option(cmp)
    add_json_option(cmp, "comparison.json")
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
    add_paths_option(
        sens,
        4000,
        "path budget N: scenario discovery explains N paths, each tornado run has N/4, the Sobol design the power of two nearest "
        "N/8 base rows (default %(default)s: 4000 / 1000 / 512); the three options below set one part each",
    )
    sens.add_argument(
        "--base-rows",
        type=_positive_int(1_000_000),
        help="Sobol base sample N; the design has N x (groups + 2) paths (default: from --paths)",
    )
    sens.add_argument("--tornado-paths", type=_positive_int(LIMITS["max_paths"]), help="paths per tornado run (default: from --paths)")
    sens.add_argument(
        "--discovery-paths", type=_positive_int(LIMITS["max_paths"]), help="paths explained by scenario discovery (default: from --paths)"
    )
    add_study_options(sens, "sensitivity")

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
    add_paths_option(gl, 4000, "paths per evaluation, the same paths for every setting (default %(default)s)")
    add_study_options(gl, "goal")
    _add_portfolio_parsers(sub)
    _add_track_parser(sub)
    _add_replay_parser(sub)

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
    _add_history_arguments(cal, "fitted")
    cal.add_argument(
        "--gap-to",
        metavar="REPORTER",
        help="also fit the gap to this reporter's figures ([trade.reporter_gap]); default: every other reporter with 3+ years in common",
    )
    cal.add_argument(
        "--context",
        type=Path,
        metavar="FILE",
        help="the country's trade with all partners and its split with the partner (year,series,value_usd_bn,reporter,status,...): "
        "also fit the structural law and the exports share",
    )
    cal.add_argument("--out", type=Path, help="also write the printed blocks to this .toml file (refused if it exists, unless --force)")
    cal.add_argument("--force", action="store_true", help="replace an existing --out file")

    bt = sub.add_parser(
        "backtest",
        help="rolling-origin backtest of the organic growth law",
        description=(
            "Fit on data up to each year, forecast the next years with the organic model, and score the forecasts. With --context, "
            "the structural law (the partner's share of the country's total trade) too, on the same origins."
        ),
    )
    _add_history_arguments(bt, "used")
    bt.add_argument("--horizons", default="1,2,3", help="forecast horizons in years, comma-separated (default %(default)s)")
    bt.add_argument(
        "--context", type=Path, metavar="FILE", help="trade context CSV (total trade with all partners): enables the structural law"
    )
    bt.add_argument(
        "--law",
        choices=("random_walk", "structural", "both"),
        help="organic law(s) to backtest; both: scored on the same origins (default: random_walk, or both with --context)",
    )
    bt.add_argument(
        "--laws",
        metavar="LIST",
        help="comma-separated organic laws scored on the same origins, among random_walk, structural, by_direction (overrides --law)",
    )
    bt.add_argument(
        "--directions",
        type=Path,
        metavar="FILE",
        help="trade by direction CSV (the country's imports, exports, gold exports and its flows with the partner): enables by_direction",
    )
    bt.add_argument("--paths", type=_positive_int(1_000_000), default=4000, help="paths per forecast (default %(default)s)")
    bt.add_argument("--seed", type=_seed, default=0, help="root seed (default %(default)s)")
    bt.add_argument("--out", type=Path, help="results folder (default: results/backtest_<reporter>)")
    bt.add_argument("--force", action="store_true", help="replace earlier coopsim results in --out")
    bt.add_argument("--pdf", action="store_true", help="also write the chart as PDF (PNG and SVG are always written)")
    bt.add_argument("--quiet", action="store_true", help="errors only")

    rep = sub.add_parser(
        "report",
        help="write the HTML report of a results folder",
        description="Write the report of a results folder (a run, a comparison, a sensitivity study, a goal search, an attribution, priorities or a track record) as one "
        "self-contained HTML file: the answer, the tables, the charts inline, the scenario's assumptions and sources, versions and seed.",
    )
    rep.add_argument("results", type=Path, metavar="RESULTS_DIR", help="a results folder written by coopsim")
    rep.add_argument("--out", type=Path, metavar="FILE", help="the HTML file (default: RESULTS_DIR/report.html)")
    rep.add_argument("--force", action="store_true", help="replace an existing --out file (never a file of the results themselves)")
    rep.add_argument(
        "--brief",
        action="store_true",
        help="of a run's folder, write instead the one-page briefing (RESULTS_DIR/brief.html by default): the figure to quote, "
        "the fan chart, what moved (with --since) and what the view knew, the three things that drive it; prints on one A4 page",
    )
    rep.add_argument(
        "--since", type=Path, metavar="EARLIER_DIR", help="with --brief: an earlier run's folder; the brief says what moved since it"
    )
    add_years_option(rep)

    sub.add_parser(
        "keys",
        help="print every scenario key with its type and meaning (Markdown)",
        description="Print every scenario key with its type and meaning.",
    )
    return parser
