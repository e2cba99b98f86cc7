"""Fixtures shared by the test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


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
