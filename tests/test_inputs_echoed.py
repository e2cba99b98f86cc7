"""Whatever the input, a message quotes a readable prefix of it: a huge name is refused in one short line, quickly.

Every message that quotes a user's value (a name in a scenario file, a key of ``--set``, ``--years``,
``--input``, an option argparse refuses) shows at most its first 60 characters and how long it is
(:func:`sim.scenario.messages.clip`), and "did you mean" is not searched for a value longer than
every valid name: the search costs time and memory in the value's length.
"""

from __future__ import annotations

import difflib

import pytest
from helpers import REFERENCE, ROOT, reference

from sim.cli import main
from sim.scenario import ScenarioError, scenario_from_dict
from sim.scenario.messages import clip, suggest

SHORT = 300
"""The most characters a message line may have, whatever the input."""


@pytest.fixture
def no_closeness_search(monkeypatch):
    """Fail if "did you mean" is searched (difflib) at all."""

    def refuse(*args, **kwargs):
        raise AssertionError("difflib.get_close_matches was called")

    monkeypatch.setattr(difflib, "get_close_matches", refuse)


def _one_short_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines[:3]
    assert len(lines[0]) < SHORT, lines[0][:400]
    return lines[0]


def test_clip_shows_a_prefix_and_how_long_the_value_is():
    assert clip("cbd") == "cbd"
    shown = clip("x" * 1_000_000)
    assert shown == "x" * 60 + "... (1,000,000 characters)"
    assert clip("a\nb") == "a\\nb"  # one line, control characters escaped


def test_a_one_megabyte_lender_name_is_refused_in_one_short_line_without_did_you_mean(tmp_path, monkeypatch, capsys, no_closeness_search):
    monkeypatch.chdir(tmp_path)
    name = "a" * 1_000_000
    (tmp_path / "big.toml").write_text(f'extends = "{REFERENCE.as_posix()}"\n[portfolio.financiers.cdb]\nfallback = "{name}"\n')
    assert main(["validate", "big.toml"]) == 2
    line = _one_short_line(capsys.readouterr().err)
    assert line.startswith("big.toml: portfolio.financiers.cdb.fallback: 'aaaa")
    assert "(1,000,000 characters)" in line and "allowed: cdb" in line and "did you mean" not in line


def test_a_one_megabyte_table_key_is_refused_in_one_short_line(tmp_path, monkeypatch, capsys, no_closeness_search):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.toml").write_text(
        f'extends = "{REFERENCE.as_posix()}"\n[portfolio.financiers.{"b" * 1_000_000}]\ncapacity_usd_bn_per_year = 1\n'
    )
    assert main(["validate", "big.toml"]) == 2
    assert "characters)" in _one_short_line(capsys.readouterr().err)


def test_a_twenty_megabyte_name_gets_no_did_you_mean_search(no_closeness_search):
    raw = reference().to_json()
    raw["portfolio"]["financiers"]["cdb"]["fallback"] = "c" * 20_000_000
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(raw, source="big.toml", base_dir=REFERENCE.parent)
    line = _one_short_line(str(info.value))
    assert "(20,000,000 characters)" in line and "did you mean" not in line


def test_a_name_within_reach_of_a_valid_one_still_gets_did_you_mean():
    assert suggest("cbd", ["cdb", "eximbank"]) == "; did you mean 'cdb'?"
    assert suggest("c" * 100, ["cdb", "eximbank"]) == "; allowed: cdb, eximbank"
    many = [f"lender_{k:02d}" for k in range(30)]
    assert suggest("z" * 100, many).endswith("and 22 more")


@pytest.mark.parametrize(
    "arguments",
    [
        ["run", "scenarios/uz_cn_2025.toml", "--set", "k" * 100_000],
        ["run", "scenarios/uz_cn_2025.toml", "--set", "k" * 100_000 + "=[1,"],
        ["run", "scenarios/uz_cn_2025.toml", "--years", "9" * 100_000 + "x"],
        ["run", "scenarios/uz_cn_2025.toml", "--paths", "p" * 100_000],
        ["prioritise", "scenarios/uz_cn_2025.toml", "--year", "2030", "--budget-usd-bn", "5", "--method", "m" * 100_000],
        ["run", "scenarios/uz_cn_2025.toml", "u" * 100_000],
    ],
    ids=["set-key", "set-value", "years", "paths", "choice", "unrecognised"],
)
def test_a_long_command_line_value_is_refused_in_one_short_line(monkeypatch, capsys, arguments):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as info:
        main(arguments)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err[-1]) < SHORT and "characters)" in err[-1]


def test_a_long_set_key_that_names_nothing_is_refused_in_one_short_line(monkeypatch, capsys, no_closeness_search):
    monkeypatch.chdir(ROOT)
    assert main(["validate", "scenarios/uz_cn_2025.toml", "--set", "trade." + "k" * 100_000 + "=1"]) == 2
    assert "characters)" in _one_short_line(capsys.readouterr().err)


def test_a_long_sensitivity_input_is_refused_in_one_short_line(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(ROOT)
    command = ["sensitivity", "scenarios/uz_cn_2025.toml", "--out", str(tmp_path / "s"), "--input", "trade.growth.mean=" + "9" * 100_000]
    assert main(command) == 2
    assert "characters)" in _one_short_line(capsys.readouterr().err)
