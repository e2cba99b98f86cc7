"""Fixtures shared by the test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def reference_scenario_path() -> Path:
    """The shipped reference scenario, ``scenarios/uz_cn_2025.toml``."""
    return REPO_ROOT / "scenarios" / "uz_cn_2025.toml"


@pytest.fixture(scope="session")
def reference_text(reference_scenario_path: Path) -> str:
    """The TOML text of the reference scenario."""
    return reference_scenario_path.read_text(encoding="utf-8")
