"""The README's examples run as written and its key reference matches the schema."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario import key_reference

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder laid out like the repository (scenarios and seeds), as the README's commands expect."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _coopsim(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, env=env)


def test_key_reference_is_in_step_with_the_schema():
    section = README.split("<!-- keys:start -->\n", 1)[1].split("\n<!-- keys:end -->", 1)[0]
    assert section == key_reference()


def test_python_examples_run(workspace):
    blocks = _blocks("python")
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (workspace / "results" / "faster_growth" / "summary.json").is_file()


def test_reference_run_prints_the_table_shown(workspace):
    shown = next(b for b in _blocks("console") if b.startswith("$ coopsim run scenarios/uz_cn_2025.toml\n"))
    command, *expected = shown.strip().splitlines()
    done = _coopsim(*command.removeprefix("$ coopsim ").split())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected


def test_validation_examples_print_the_messages_shown(workspace):
    examples = [b for b in _blocks("console") if b.startswith("$ coopsim validate broken.toml\n")]
    assert len(examples) == 2
    text = (workspace / "scenarios" / "uz_cn_2025.toml").read_text()
    # the README's broken file: a misspelt key, a probability above 1, a misspelt financier
    text = text.replace('financier = "cdb"  ', 'financier = "cbd"  ').replace("../seeds/", "seeds/")
    broken = text.replace('mean = {dist = "normal", mean = 0.111, sd = 0.0497}', "meen = 0.07").replace(
        "probability_per_year = 0.08", "probability_per_year = 1.5"
    )
    for content, example in ((broken, examples[0]), (text, examples[1])):
        Path("broken.toml").write_text(content)
        done = _coopsim("validate", "broken.toml")
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == example.strip().splitlines()[1:]


def test_comparison_prints_the_table_shown(workspace):
    shown = next(b for b in _blocks("console") if b.startswith("$ coopsim compare "))
    command, *expected = shown.strip().splitlines()
    done = _coopsim(*command.removeprefix("$ coopsim ").split())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected


def test_goal_example_prints_the_answer_shown(workspace):
    shown = next(b for b in _blocks("console") if b.startswith("$ coopsim goal "))
    command, *expected = shown.strip().splitlines()
    done = _coopsim(*command.removeprefix("$ coopsim ").split())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines() == expected
