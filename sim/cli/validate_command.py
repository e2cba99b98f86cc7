"""The commands that check and describe scenario files without running them: ``validate`` and ``keys``.

A module of their own, so that checking a file imports the scenario schema and nothing of the engine's
studies, charts or reports: ``coopsim validate`` starts in about half the time of a study command.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import InputError
from ..scenario import ScenarioError, key_reference
from .common import load_scenario_arg

__all__ = ["keys_command", "validate_command"]


def validate_command(args: argparse.Namespace) -> int:
    """``coopsim validate``: check every scenario file given (with the ``--set`` values), reporting each; exit status 2 if any fails."""
    failed = 0
    for path in args.scenarios:
        try:
            load_scenario_arg(path, args)
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
