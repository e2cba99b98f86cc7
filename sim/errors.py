"""The errors coopsim raises on purpose, and the exit status of each on the command line.

Every error a user can cause or meet is a :class:`CoopsimError`; the command
line prints its message and ends with its ``exit_status``, in one place
(:func:`sim.cli.main`). Anything else is a bug and surfaces as a traceback.

* :class:`InputError` (exit status 2): the input cannot be used: a scenario
  (``ScenarioError``), an option or argument, a history file
  (``HistoryError``), an output folder that would be lost (``OutputError``),
  a results folder that cannot be trusted (``ResultsError``), an executor
  that cannot start (Dask missing, a scheduler out of reach). Nothing ran.
* :class:`RunFailed` (exit status 3): a run that could not finish (a worker
  died); nothing was written.

The subclasses named in brackets live next to the code that raises them.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["CoopsimError", "InputError", "RunFailed"]


class CoopsimError(Exception):
    """Base of the errors coopsim raises on purpose.

    Attributes
    ----------
    exit_status : int
        The command line's exit status for this error.
    """

    exit_status: ClassVar[int] = 1


class InputError(CoopsimError):
    """Input that cannot be used (scenario, option, history file, output folder, executor); nothing was run or written."""

    exit_status: ClassVar[int] = 2


class RunFailed(CoopsimError):
    """A run that could not finish (a worker died); nothing was written."""

    exit_status: ClassVar[int] = 3
