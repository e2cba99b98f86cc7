"""Inputs at the edge of what is allowed: a year given twice, a shock that would end all trade, a lever left at its default."""

from __future__ import annotations

import warnings

import pytest
from helpers import ROOT, reference

from sim import simulate
from sim.cli import main
from sim.scenario import ScenarioError
from sim.studies import lever
from sim.studies.levers import value_at


@pytest.mark.parametrize(
    ("years", "words"),
    [
        ("2026,2026", "names 2026 more than once"),
        ("2028,2026,2028", "names 2028 more than once"),
        ("2026,,2028", "has an empty item"),
        ("2026,", "has an empty item"),
    ],
)
def test_years_given_twice_or_an_empty_item_are_refused(monkeypatch, capsys, years, words):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(["run", "scenarios/uz_cn_2025.toml", "--years", years])
    assert info.value.code == 2
    assert words in capsys.readouterr().err


def test_a_year_outside_the_simulated_ones_is_refused_before_any_work(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(ROOT)
    assert main(["run", "scenarios/uz_cn_2025.toml", "--years", "2099", "--out", str(tmp_path / "r")]) == 2
    assert "2099 not simulated" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("depth", [1.0, {"dist": "uniform", "min": 0.5, "max": 1.0}], ids=["number", "distribution"])
def test_a_shock_depth_of_one_would_end_all_trade_and_is_refused(depth):
    s = reference()
    shock = {"name": "end", "probability_per_year": 0.5, "depth": depth, "recovery_years": 0.0}
    with pytest.raises(ScenarioError, match=r"shocks\.end\.depth: must be >= 0 and < 1.*would end all trade"):
        s.replace({"shocks": [shock]})


def test_a_shock_just_short_of_ending_trade_runs_without_a_numpy_warning():
    shock = {"name": "near_end", "probability_per_year": 1.0, "depth": 0.9999, "recovery_years": 0.0}
    s = reference().replace({"shocks": [shock]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning (log of zero) fails the test
        r = simulate(s, paths=50, seed=1, workers=1, progress=False)
    assert r.n_paths == 50


def test_a_lever_on_a_key_left_at_its_default_starts_from_the_default():
    s = reference()
    key = "portfolio.financiers.cdb.shock_sensitivity"
    assert value_at(s, key) == 0.0  # not in the file: the schema's default
    lev = lever(s, key)
    assert lev.current == 0.0 and lev.low < 0 < lev.high
    moved = s.replace({key: lev.change(s, 0.5)})
    assert moved.portfolio.financiers["cdb"].shock_sensitivity == 0.5


def test_a_lever_on_a_key_the_schema_does_not_know_is_still_refused():
    with pytest.raises(ScenarioError, match="no key 'shock_sensitivty' here"):
        lever(reference(), "portfolio.financiers.cdb.shock_sensitivty")


def test_sensitivity_input_on_a_key_left_at_its_default_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(ROOT)
    command = [
        "sensitivity",
        "scenarios/uz_cn_2025.toml",
        "--paths",
        "80",
        "--workers",
        "1",
        "--quiet",
        "--no-figures",
        "--out",
        str(tmp_path / "s"),
    ]
    assert main([*command, "--input", "portfolio.financiers.cdb.shock_sensitivity=0:1"]) == 0
    assert (tmp_path / "s" / "sensitivity.json").is_file()


def _reference_copy(tmp_path, extra: str = "", **replace: str):
    """The reference scenario written into ``tmp_path`` (its data files named by absolute path), changed as asked."""
    text = (ROOT / "scenarios" / "uz_cn_2025.toml").read_text(encoding="utf-8").replace('"../seeds/', f'"{ROOT}/seeds/')
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "s.toml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def test_a_scenario_nested_deeper_than_any_key_is_refused_in_one_line(tmp_path, capsys):
    # tomllib builds a long dotted key as nested tables without recursing; copying the tree recursed past Python's limit
    path = _reference_copy(tmp_path, "\n" + ".".join(["a"] * 3000) + " = 1\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "levels deep" in err[0] and len(err[0]) < 300


def test_a_set_value_nested_too_deeply_is_refused_by_the_parser(capsys):
    deep = "{a = " * 3000 + "1" + "}" * 3000
    with pytest.raises(SystemExit) as info:
        main(["run", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--set", f"a={deep}"])
    assert info.value.code == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_an_impossible_horizon_is_quoted_clipped_and_no_count_is_derived_from_it(tmp_path, capsys):
    huge = "1" + "0" * 300
    path = _reference_copy(tmp_path, **{"horizon_year = 2035": f"horizon_year = {huge}"})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err  # the pipeline's project count over 10**300 years is not computed, nor printed
    assert "run.horizon_year" in err[0] and "(301 characters)" in err[0] and len(err[0]) < 300


@pytest.mark.parametrize("command", ["calibrate", "backtest"])
def test_a_reporter_code_on_the_command_line_follows_the_data_files_rule_and_is_echoed_clipped(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, str(ROOT / "seeds" / "uz_cn_trade_history.csv"), "--reporter", "R" * 100_000])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "a code of 1 to 32 printable characters" in err and "(100,000 characters)" in err and len(err) < 400


def test_a_checkpoint_folder_that_cannot_be_created_is_one_line_before_any_work(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    argv = ["run", str(ROOT / "scenarios" / "uz_cn_2025.toml"), "--paths", "20", "--workers", "1", "--quiet"]
    assert main([*argv, "--checkpoint", str(a_file / "ck"), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot be created (Not a directory); choose another --checkpoint" in err[0]
    assert a_file.read_text() == "mine" and not (tmp_path / "r").exists()
