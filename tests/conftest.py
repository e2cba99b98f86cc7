"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

REPO_ROOT = Path(__file__).resolve().parents[1]

# The property tests draw the same inputs on every run of `make test` (a hash of each test seeds its examples, no
# example database), so that the suite on a fresh machine checks what it checked here and takes as long: a new input
# that fails is found by `make fuzz`, which explores (COOPSIM_FUZZ_PROFILE=fuzz: fresh random inputs every run, and
# the failures it finds kept in .hypothesis/ to be replayed first next time).
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=DirectoryBasedExampleDatabase(REPO_ROOT / ".hypothesis" / "examples"))
settings.load_profile("explore" if os.environ.get("COOPSIM_FUZZ_PROFILE") == "fuzz" else "repeatable")


@pytest.fixture(scope="session")
def reference_scenario_path() -> Path:
    """The shipped reference scenario, ``scenarios/uz_cn_2025.toml``."""
    return REPO_ROOT / "scenarios" / "uz_cn_2025.toml"


@pytest.fixture(scope="session")
def reference_text(reference_scenario_path: Path) -> str:
    """The TOML text of the reference scenario in its stated form (``helpers.stated_reference_text``): base year
    and partly observed first year written in the file, the keys the validation tests change."""
    from helpers import stated_reference_text

    return stated_reference_text(reference_scenario_path.read_text(encoding="utf-8"))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder laid out like the repository (scenarios and seeds), the working folder of the commands, as the examples expect."""
    shutil.copytree(REPO_ROOT / "scenarios", tmp_path / "scenarios")
    shutil.copytree(REPO_ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    return tmp_path
