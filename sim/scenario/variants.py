"""Variants: a scenario with values changed at dotted keys (``--set``), named so it never passes for the scenario it came from.

:meth:`Scenario.replace <sim.scenario.Scenario.replace>` changes values and
keeps the name (the API's choice: a study's inner variants are still the
scenario). A variant the user asked for, on the command line, is another
scenario: :func:`variant` gives it :func:`variant_name`, which says that it is
one and which keys changed, and :func:`uncertainty_removed` lists the keys
whose distribution the change replaced by a number.

Where to make a change
----------------------
* How a variant is named: :func:`variant_name` (its tests: ``tests/test_cli_run.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from .loading import Scenario

__all__ = ["MAX_VARIANT_NAME", "uncertainty_removed", "variant", "variant_name"]

MAX_VARIANT_NAME = 100
"""Longest variant name (a folder name); longer ones name the count of changes and a digest of them instead."""

_SAFE = re.compile(r"[A-Za-z0-9_.-]{1,24}")
"""A text value written as it is in a variant's name (folder-safe on every system, no shell quoting)."""

_SAFE_KEY = re.compile(r"[A-Za-z0-9_.\[\]-]+")


def _digest(value: Any, length: int = 6) -> str:
    """A short, deterministic digest of a JSON-able value (its canonical JSON)."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _token(value: Any) -> str:
    """A value as a variant's name writes it: a number or short word as it is, a table or long text by a digest."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str) and _SAFE.fullmatch(value):
        return value
    if isinstance(value, dict) and isinstance(value.get("dist"), str) and _SAFE.fullmatch(value["dist"]):
        return f"{value['dist']}-{_digest(value)}"
    kind = "table" if isinstance(value, dict) else "array" if isinstance(value, list) else "text"
    return f"{kind}-{_digest(value)}"


def variant_name(name: str, changes: Mapping[str, Any]) -> str:
    """The name of ``name`` with ``changes``: ``pair_2025+trade.target_usd_bn=25`` (keys in order, one ``+`` each).

    Deterministic (the same changes give the same name, in any order), safe as
    a folder name on every system and in a shell without quotes, and at most
    :data:`MAX_VARIANT_NAME` characters: past that, or for a key with other
    characters, ``pair_2025+3-changes-1a2b3c4d``. No changes: ``name`` itself.
    """
    if not changes:
        return name
    items = sorted(changes.items())
    text = name + "".join(f"+{key}={_token(value)}" for key, value in items)
    if len(text) <= MAX_VARIANT_NAME and all(_SAFE_KEY.fullmatch(key) for key, _ in items):
        return text
    count = f"{len(items)}-changes" if len(items) > 1 else "1-change"
    return f"{name[:40]}+{count}-{_digest([[k, v] for k, v in items], 8)}"


def uncertainty_removed(scenario: Scenario, changes: Mapping[str, Any]) -> list[str]:
    """The keys whose distribution (a ``{dist = ...}`` table that is not fixed) ``changes`` replace by one number.

    Keys that name nothing are left to :meth:`Scenario.replace` to refuse.
    """
    removed = []
    for key, value in changes.items():
        try:
            now = scenario.get(key)
        except ValueError:
            continue
        uncertain = isinstance(now, dict) and isinstance(now.get("dist"), str) and now["dist"] != "fixed"
        fixed = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, dict) and value.get("dist") == "fixed"
        )
        if uncertain and fixed:
            removed.append(key)
    return sorted(removed)


def variant(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """``scenario.replace(changes)`` named by :func:`variant_name` (the scenario itself when there are no changes).

    The name is the variant's only: its values, its identity (``sha256``) and
    :meth:`~Scenario.to_json` are those of ``replace``, so the same file and
    changes read again give the same scenario.
    """
    if not changes:
        return scenario
    return scenario.replace(changes).model_copy(update={"name": variant_name(scenario.name, changes)})
