"""One error hierarchy: each error's exit status through the command line, and errors that name the API's parameters."""

from __future__ import annotations

import sys

import pytest
from helpers import reference

import sim
from sim import CoopsimError, HistoryError, InputError, OutputError, ResultsError, RunFailed, ScenarioError, simulate
from sim.cli import COMMANDS, main
from sim.run import check_run_arguments, open_executor

RAISED = {
    "InputError": (InputError("--option: not allowed here"), 2),
    "ScenarioError": (ScenarioError("my.toml", [("trade.base_usd_bn", "must be > 0")]), 2),
    "HistoryError": (HistoryError("history.csv: cannot be read"), 2),
    "OutputError": (OutputError("results/x: folder exists"), 2),
    "ResultsError": (ResultsError("results/x: summary.json does not match its checksum"), 2),
    "RunFailed": (RunFailed("a worker process died"), 3),
}


def _command_raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    """Make ``coopsim keys`` raise ``exc``."""

    def command(args: object) -> int:
        raise exc

    monkeypatch.setitem(COMMANDS, "keys", command)


@pytest.mark.parametrize("name", RAISED)
def test_each_error_ends_the_command_line_with_its_exit_status_and_one_message(monkeypatch, capsys, name):
    exc, status = RAISED[name]
    _command_raising(monkeypatch, exc)
    assert main(["keys"]) == status == exc.exit_status
    err = capsys.readouterr().err
    assert str(exc) in err and "Traceback" not in err
    # a scenario's problems start with its file; every other message with the program's name
    assert err.startswith("my.toml: " if isinstance(exc, ScenarioError) else "coopsim: ")


def test_a_runtime_error_inside_a_command_is_a_bug_not_bad_input(monkeypatch):
    _command_raising(monkeypatch, RuntimeError("a bug"))
    with pytest.raises(RuntimeError, match="a bug"):
        main(["keys"])


def test_every_input_error_is_one_and_keeps_the_base_it_is_caught_by():
    for cls in (ScenarioError, HistoryError, OutputError, ResultsError):
        assert issubclass(cls, InputError) and issubclass(cls, CoopsimError)
    for cls in (ScenarioError, HistoryError, ResultsError):
        assert issubclass(cls, ValueError)
    assert not issubclass(RunFailed, InputError)
    assert {"CoopsimError", "InputError", "RunFailed", "ScenarioError", "HistoryError", "OutputError", "ResultsError"} <= set(sim.__all__)


@pytest.mark.parametrize(
    ("arguments", "name"),
    [({"precision": 2}, "precision"), ({"paths": 0}, "paths"), ({"precision": 0.01, "max_paths": 0}, "max_paths")],
    ids=["precision", "paths", "max_paths"],
)
def test_simulate_refuses_arguments_out_of_range_naming_the_parameter(arguments, name):
    with pytest.raises(InputError, match=rf": {name}: must be between") as info:
        simulate(reference(), workers=1, **arguments)
    assert "--" not in str(info.value)  # the API's names, not the command line's flags


def test_check_run_arguments_returns_the_paths_to_run():
    s = reference()
    assert check_run_arguments(s, None, None, 10) == s.run.paths
    assert check_run_arguments(s, 300, None, 10) == 300
    assert check_run_arguments(s, 300, 0.01, 10) is None


def test_a_missing_dask_is_an_input_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(InputError, match="Dask is not installed"), open_executor(2, "local"):
        pass


def test_a_standard_output_that_cannot_be_written_is_one_line_and_exit_3_not_a_traceback(tmp_path):
    import subprocess

    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "sim", "keys"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == RunFailed.exit_status
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "coopsim: standard output cannot be written (No space left on device); a results folder the command writes is complete before it prints"
    ]


# -- every error raised on purpose is a CoopsimError ---------------------------------------
BUILT_IN = {"ValueError", "TypeError", "KeyError", "RuntimeError"}
PROTOCOL = {
    # pydantic validators: pydantic turns a ValueError into a ValidationError, which sim.scenario makes a ScenarioError
    *(f"sim/distributions.py:{law}._ordered" for law in ("Uniform", "Triangular", "Lognormal", "Pert", "LogitNormal")),
    "sim/distributions.py:Choice._weights",
    "sim/distributions.py:_number_or_table",
    "sim/scenario/fields.py:_within.check",
    "sim/scenario/fields.py:_plausible.check",
    # cell parsers of the data files: their caller turns the ValueError into a HistoryError naming the line and column
    "sim/history.py:Column.parse",
    # an argparse type: caught at once and made an ArgumentTypeError (argparse's exit status 2)
    "sim/cli/parser.py:as_of_date",
    # a signal to the caller in the same module, which turns it into a ScenarioError naming trade.as_of
    "sim/scenario/view.py:_split",
    # inside sim.results.manifest.reading(): what a file of the wrong shape raises becomes one ResultsError
    "sim/output/__init__.py:_study_loader.load_study",
    "sim/results/results.py:Results.load",
    # an internal check of the engine's own call (not reachable from input); the engine is left alone (bit-identical results)
    "sim/engine/trade.py:assemble_with_organic",
}
"""Where a built-in exception is raised on purpose because a library's protocol asks for it (file:function)."""


def _bare_raises() -> set[str]:
    """``file:function`` of every ``raise`` of a :data:`BUILT_IN` exception in ``sim/``."""
    import ast
    from pathlib import Path

    root = Path(sim.__file__).resolve().parent
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        where = f"sim/{path.relative_to(root).as_posix()}"

        def visit(node: ast.AST, scope: tuple[str, ...], where: str = where) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    visit(child, (*scope, child.name))
                    continue
                if isinstance(child, ast.Raise) and child.exc is not None:
                    exc = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                    if isinstance(exc, ast.Name) and exc.id in BUILT_IN:
                        found.add(f"{where}:{'.'.join(scope) or '<module>'}")
                visit(child, scope)

        visit(ast.parse(path.read_text(encoding="utf-8")), ())
    return found


def test_no_built_in_error_is_raised_on_purpose_outside_the_protocol_sites():
    bare = _bare_raises()
    assert bare - PROTOCOL == set(), "raise a sim.errors class (UsageError, UnknownName, WrongKind, ...) instead"
    assert PROTOCOL - bare == set(), "a protocol site no longer raises: take it off the list"


def test_a_calibration_misuse_is_a_usage_error_with_exit_status_2_and_still_a_value_error():
    import numpy as np

    from sim.calibration.stacking import stacking_weights
    from sim.errors import UsageError

    with pytest.raises(CoopsimError, match="at least one of each") as caught:
        stacking_weights(np.empty((0, 2)))
    assert isinstance(caught.value, UsageError) and isinstance(caught.value, ValueError)
    assert caught.value.exit_status == 2


def test_an_unknown_table_is_an_unknown_name_and_still_a_key_error_with_a_plain_message():
    from sim.errors import UnknownName

    results = simulate(reference(), paths=20, seed=1)
    with pytest.raises(KeyError) as caught:
        results.table("nope")
    assert isinstance(caught.value, UnknownName) and caught.value.exit_status == 2
    assert str(caught.value).startswith("no table 'nope'; the tables are ")


def test_a_calibration_misuse_inside_a_command_is_one_line_and_exit_2(monkeypatch, capsys):
    from sim.calibration.stacking import stacking_weights

    def command(args: object) -> int:
        stacking_weights([[1.0, float("nan")]])
        return 0

    monkeypatch.setitem(COMMANDS, "keys", command)
    assert main(["keys"]) == 2
    err = capsys.readouterr().err
    assert "stacking needs a finite" in err and "Traceback" not in err
