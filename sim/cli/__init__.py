"""The command line: ``coopsim run | compare | sensitivity | goal | attribute | prioritise | track | replay | report | calibrate | backtest | validate | keys``.

A thin layer over the Python API: the parser and its shared options
(:mod:`~sim.cli.parser`), what commands do with those options
(:mod:`~sim.cli.common`), ``run`` (:mod:`~sim.cli.run_command`), the other commands on scenario files and results folders
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
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence

from ..errors import CoopsimError, RunFailed
from ..run import STOP
from ..scenario import ScenarioError
from .parser import build_parser

__all__ = ["main"]

STDOUT_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
"""Errors of a device that cannot take the output (``coopsim keys > /dev/full``): one line and exit status 3, no traceback."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""Exit status after SIGTERM (128 + SIGTERM)."""


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The command ``name`` of ``module`` (in :mod:`sim.cli`), imported when it runs: ``coopsim run`` does not import
    the studies, the calibration or the report (about a second of start-up)."""

    def command(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module, __package__), name)(args)

    command.__name__ = command.__qualname__ = name
    return command


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _command(".run_command", "run_command"),
    "compare": _command(".scenario_commands", "compare_command"),
    "sensitivity": _command(".scenario_commands", "sensitivity_command"),
    "goal": _command(".scenario_commands", "goal_command"),
    "attribute": _command(".portfolio_commands", "attribute_command"),
    "prioritise": _command(".portfolio_commands", "prioritise_command"),
    "new-money": _command(".new_money_command", "new_money_command"),
    "track": _command(".track_command", "track_command"),
    "replay": _command(".replay_command", "replay_command"),
    "report": _command(".scenario_commands", "report_command"),
    "calibrate": _command(".history_commands", "calibrate_command"),
    "backtest": _command(".history_commands", "backtest_command"),
    "validate": _command(".validate_command", "validate_command"),
    "keys": _command(".validate_command", "keys_command"),
}
"""Each command's function: parsed arguments in, exit status out (its module imported when it runs)."""


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
