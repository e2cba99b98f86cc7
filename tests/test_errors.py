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
