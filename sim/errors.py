"""The errors coopsim raises on purpose, and the exit status of each on the command line.

Every error a user can cause or meet is a :class:`CoopsimError`; the command
line prints its message and ends with its ``exit_status``, in one place
(:func:`sim.cli.main`). Anything else is a bug and surfaces as a traceback.

* :class:`InputError` (exit status 2): the input cannot be used: a scenario
  (``ScenarioError``), an option or argument, a history file
  (``HistoryError``), an output folder that would be lost (``OutputError``),
  a results folder that cannot be trusted (``ResultsError``), an executor
  that cannot start (Dask missing, a scheduler out of reach). Nothing ran.

  * :class:`UsageError` (also a ``ValueError``): a call the library cannot
    serve: arguments out of range, data too short to fit, a law or option
    it does not know (``sim.calibration``, ``sim.studies``, ``sim.plots``).
  * :class:`UnknownName` (also a ``KeyError``): a name looked up that is not
    there (a table of a results folder, a column of a file kind).
  * :class:`WrongKind` (a ``UsageError`` that is also a ``TypeError``): an
    argument of a kind the call does not take (``save`` of a ``dict``).

  Each keeps the built-in class they replace as a base, so ``except
  ValueError`` / ``except KeyError`` callers keep working. Bare ``ValueError``
  and friends are raised on purpose only where a library's protocol asks for
  them (a pydantic validator, a cell parser whose caller turns them into a
  ``ScenarioError`` or ``HistoryError``); ``tests/test_errors.py`` keeps the
  list.
* :class:`RunFailed` (exit status 3): a run that could not finish (a worker
  died); nothing was written.

The subclasses named in brackets live next to the code that raises them.

Every message that quotes what a user typed or wrote shows it through
:func:`clip` or :func:`quote` (at most :data:`MAX_SHOWN_CHARACTERS`
characters, on one line, then its length): a 1 MB name is refused in one
short line, not echoed whole.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "MAX_SHOWN_CHARACTERS",
    "CoopsimError",
    "InputError",
    "RunFailed",
    "UnknownName",
    "UsageError",
    "WrongKind",
    "clip",
    "one_line",
    "quote",
]

MAX_SHOWN_CHARACTERS = 60
"""Characters of a user's value (a name, a key, an option, a cell) a message quotes; the rest are counted, not echoed."""


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


class UsageError(InputError, ValueError):
    """A call the library cannot serve (an argument out of range, data too short to fit, an unknown option); exit status 2.

    A ``ValueError`` too, so callers that catch ``ValueError`` keep working.
    """


class UnknownName(InputError, KeyError):
    """A name looked up that is not there (a results table); exit status 2.

    A ``KeyError`` too, so ``except KeyError`` callers keep working. Its message is
    the plain text (not a ``KeyError``'s quoted repr).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class WrongKind(UsageError, TypeError):
    """An argument of a kind the call does not take (``save`` of a ``dict``); exit status 2.

    A ``TypeError`` too, so ``except TypeError`` callers keep working.
    """


class RunFailed(CoopsimError):
    """A run that could not finish (a worker died); nothing was written."""

    exit_status: ClassVar[int] = 3


# -- how a message shows what a user typed or wrote ----------------------------------------
def one_line(text: str) -> str:
    """Text echoed from a file on one line: control characters shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def clip(text: Any, limit: int = MAX_SHOWN_CHARACTERS) -> str:
    """A user's value as a message shows it: on one line, at most its first ``limit`` characters, then how long it is.

    Every message that quotes what a user typed or wrote goes through here, so
    a 1 MB name is refused in one short line, not echoed whole:
    ``clip("a" * 10**6)`` is ``"aaa...a... (1,000,000 characters)"``.
    """
    text = str(text)
    if len(text) <= limit:
        return one_line(text)
    return f"{one_line(text[:limit])}... ({len(text):,} characters)"


def quote(value: Any, limit: int = MAX_SHOWN_CHARACTERS) -> str:
    """A user's value in quotes, clipped to ``limit`` characters (:func:`clip`): ``'cbd'``."""
    return f"'{clip(value, limit)}'"
