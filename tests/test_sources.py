"""Every number in a shipped scenario cites a fact of seeds/facts.md or says ASSUMPTION, and every cited fact exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FACTS = (ROOT / "seeds" / "facts.md").read_text(encoding="utf-8")
DEFINED = set(re.findall(r"\*\*(\[[A-Z0-9-]+\])\*\*", FACTS))
CITATION = re.compile(r"\[[A-Z][A-Z0-9-]+\]")
NUMBER = re.compile(r"^\s*[a-z_]+\s*=\s*([-+0-9{.]|\{)")
RUN_SETTINGS = ("paths", "seed", "horizon_year")
"""[run] holds run settings, not facts about the world."""


def _sourced(comment: str) -> bool:
    return "ASSUMPTION" in comment or any(c in DEFINED for c in CITATION.findall(comment))


def _unsourced_numbers(text: str) -> list[str]:
    """Lines assigning a number or a distribution with no citation or ASSUMPTION in the line or in its table's comments above it."""
    missing = []
    notes = ""
    for line in text.splitlines():
        code, _, comment = line.partition("#")
        if code.strip().startswith("["):
            notes = comment  # a new table: its header's comment, then the comments that follow
            continue
        notes += " " + comment
        if NUMBER.match(code) and code.split("=")[0].strip() not in RUN_SETTINGS and not _sourced(comment + " " + notes):
            missing.append(line.strip())
    return missing


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_number_of_a_shipped_scenario_cites_a_fact_or_says_assumption(path: Path):
    assert _unsourced_numbers(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_fact_a_scenario_cites_is_in_the_facts_file(path: Path):
    cited = set(CITATION.findall(path.read_text(encoding="utf-8"))) - {"[ID]"}
    assert cited - DEFINED == set()


def test_the_check_catches_a_bare_number():
    assert _unsourced_numbers("[trade]\nbase_usd_bn = 12.4\n") == ["base_usd_bn = 12.4"]
    assert _unsourced_numbers("[trade]\nbase_usd_bn = 12.4  # [NO-SUCH-FACT]\n") == ["base_usd_bn = 12.4  # [NO-SUCH-FACT]"]
    assert _unsourced_numbers("[trade]\n# [T-2024-UZ]\nbase_usd_bn = 12.4\n") == []
