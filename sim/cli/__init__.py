"""The command line: ``coopsim run | compare | sensitivity | goal | attribute | prioritise | track | replay | report | calibrate | backtest | validate | keys``.

A thin layer over the Python API: the parser and its shared options
(:mod:`~sim.cli.parser`), what commands do with those options
(:mod:`~sim.cli.common`), the commands on scenario files and results folders
(:mod:`~sim.cli.scenario_commands`) and on history files
(:mod:`~sim.cli.history_commands`), the track record (:mod:`~sim.cli.track_command`), and the tables they print
(:mod:`~sim.cli.tables`).

Exit statuses are decided here, in one place: 0 on success; the
``exit_status`` of a :class:`~sim.errors.CoopsimError` (2 for bad input, 3
for a run that failed, and 3 when standard output cannot take the output, a
full disk), after one readable message on stderr and no traceback; 130 after Ctrl-C and 143 after SIGTERM, once the workers are
stopped. Any other exception is a bug and surfaces as a traceback. A reader
that closes the pipe early (``coopsim run ... | head -1``) ends the output
quietly: the results are written by then, and the exit status is 0.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from ..errors import CoopsimError, RunFailed
from ..run import STOP
from ..scenario import ScenarioError
from .history_commands import backtest_command, calibrate_command
from .new_money_command import new_money_command
from .parser import build_parser
from .portfolio_commands import attribute_command, prioritise_command
from .replay_command import replay_command
from .scenario_commands import (
    compare_command,
    goal_command,
    keys_command,
    report_command,
    run_command,
    sensitivity_command,
    validate_command,
)
from .track_command import track_command

__all__ = ["main"]

STDOUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
"""Errors of a device that cannot take the output (``coopsim keys > /dev/full``): one line and exit status 3, no traceback."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + SIGTERM)."""

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": run_command,
    "compare": compare_command,
    "sensitivity": sensitivity_command,
    "goal": goal_command,
    "attribute": attribute_command,
    "prioritise": prioritise_command,
    "new-money": new_money_command,
    "track": track_command,
    "replay": replay_command,
    "report": report_command,
    "calibrate": calibrate_command,
    "backtest": backtest_command,
    "validate": validate_command,
    "keys": keys_command,
}
"""Each command's function: parsed arguments in, exit status out."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C."""


def _on_signal(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM: stop the run (raised here, and flagged for the chunk loop in case it is swallowed)."""
    exc = _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
    STOP.set(exc)
    raise exc


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``coopsim`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program's name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status.
    """
    args = build_parser().parse_args(argv)
    STOP.clear()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return status
    except BrokenPipeError:
        # the reader has gone (| head): further output, the interpreter's last flush included, goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno not in STDOUT_FULL:
            raise
        # only standard output is left unwrapped (results folders turn an OSError into an OutputError): a full disk or pipe device
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(
            f"coopsim: standard output cannot be written ({exc.strerror}); a results folder the command writes is complete before it prints",
            file=sys.stderr,
        )
        return RunFailed.exit_status
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
