"""Messages: every problem of a scenario as a line ``file: key: what is wrong and what is allowed``.

:class:`ScenarioError` carries the problems found. :func:`describe_error` turns
one pydantic validation error into a ``(key, message)`` problem: the key as a
dotted path of the file (entries of arrays named by their ``name``), the
message saying what is allowed, a suggestion for a misspelt key
(:func:`suggest`) and what replaced a key of an earlier format (:data:`RENAMED`).

Where to make a change
----------------------
* The wording of a kind of validation error: :func:`describe_error`.
* A key renamed or replaced: an entry of :data:`RENAMED`.
* Messages of rules across keys: :mod:`sim.scenario.checks`; of files and
  ``extends``: :mod:`sim.scenario.loading`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ..distributions import DISTRIBUTION_NAMES, DISTRIBUTIONS
from ..errors import InputError, clip, one_line, quote
from .schema import NAME_PATTERN, ScenarioFile, Table

MAX_PROBLEMS_SHOWN = 8
"""Problems printed one a line; the rest are counted."""

SUGGEST_MARGIN = 8
"""A word longer than the longest option by more than this gets no "did you mean": it cannot be a typo of one."""

MAX_OPTIONS_SHOWN = 8
"""Options an "allowed: ..." list names, and parts a dotted key shows; the rest are counted."""

RENAMED = {
    "trade_per_capex_per_year": "replaced by exports_per_capex_per_year and imports_per_capex_per_year: every operating flow has a direction",
    "observed.growth": "renamed yoy_growth; give it with value_usd_bn (the published level of the observed months) and months, or use file",
}
"""Keys of earlier scenario formats, with what replaced them."""


class ScenarioError(InputError, ValueError):
    """A scenario that cannot be used, with every problem found.

    Parameters
    ----------
    source : str
        The file (or ``"<scenario>"`` for scenarios built in code).
    problems : list of (key, message)
        Dotted key path and what is wrong / allowed.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [
            f"{self.source}: {clip_key(key)}: {one_line(msg)}" if key else f"{self.source}: {one_line(msg)}"
            for key, msg in self.problems[:MAX_PROBLEMS_SHOWN]
        ]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"{self.source}: ... and {len(self.problems) - MAX_PROBLEMS_SHOWN} more problems")
        return "\n".join(lines)


def clip_key(key: str) -> str:
    """A dotted key as a message shows it: each part clipped (a table's key may be a user's long name), at most 12 parts."""
    parts = str(key).split(".")
    shown = [clip(part, 40) for part in parts[:MAX_OPTIONS_SHOWN]]
    if len(parts) > MAX_OPTIONS_SHOWN:
        shown.append(f"... ({len(parts)} parts)")
    return ".".join(shown)


def suggest(word: str, options: list[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``options``, else the list of them ("" when there are none).

    A word much longer than every option is no typo of one: it gets the list,
    without the closeness search (which costs time and memory in the word's length).
    """
    longest = max((len(o) for o in options), default=0)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6) if len(word) <= longest + SUGGEST_MARGIN else []
    if close:
        return f"; did you mean {quote(close[0])}?"
    if options:
        names = sorted(options)
        more = f" and {len(names) - MAX_OPTIONS_SHOWN} more" if len(names) > MAX_OPTIONS_SHOWN else ""
        return f"; allowed: {', '.join(clip(n) for n in names[:MAX_OPTIONS_SHOWN])}{more}"
    return ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema table class at a location (for suggesting key names)."""
    model: Any = ScenarioFile
    for part in loc:
        if isinstance(part, str) and part in DISTRIBUTIONS and not (isinstance(model, type) and part in model.model_fields):
            model = DISTRIBUTIONS[part]
            continue
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            # a key of a dict-of-tables (financier or sector name)
            continue
        model = _table_class(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _table_class(annotation: Any) -> Any:
    """The table class in a field's annotation (``Trade | None``, ``dict[str, Sector]``), or None."""
    args = getattr(annotation, "__args__", ()) or ()
    if isinstance(annotation, type) and issubclass(annotation, Table):
        return annotation
    for a in args:
        found = _table_class(a)
        if found is not None:
            return found
    return None


def _render_loc(loc: tuple[Any, ...], raw: Any) -> str:
    """A pydantic error location as the dotted key of the file: entries of arrays by name, without union tags."""
    parts: list[str] = []
    node = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            parts.append(name if isinstance(name, str) and re.match(NAME_PATTERN, name) else f"[{part}]")
            node = entry
            continue
        if part in DISTRIBUTION_NAMES and i > 0 and isinstance(node, dict) and node.get("dist") == part:
            continue  # pydantic's tag of the distribution union, not a key
        if part in DISTRIBUTION_NAMES and i > 0 and not isinstance(node, (dict, list)):
            break  # a plain number read as {dist = "fixed", value = ...}: the key is where we are
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


def describe_error(err: Mapping[str, Any], raw: Any) -> tuple[str, str]:
    """One pydantic validation error as a ``(dotted key, what is allowed)`` problem.

    Parameters
    ----------
    err : mapping
        An entry of ``ValidationError.errors()``.
    raw : dict
        The scenario as read, to name array entries and to tell a key from a union tag.
    """
    loc = tuple(err.get("loc", ()))
    key = _render_loc(loc, raw)
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    got = show(value)
    if kind == "extra_forbidden":
        renamed = RENAMED.get(str(loc[-1])) or RENAMED.get(".".join(str(p) for p in loc[-2:]))
        if renamed:
            return key, renamed
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        return key, f"unknown key{suggest(str(loc[-1]), allowed)}"
    if kind == "missing":
        return key, "required key is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sym = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        return key, f"must be {sym} {bound} (got {got})"
    if kind == "finite_number":
        return key, f"must be a finite number, not {got}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        want = "a whole number" if kind.startswith("int") else "a number"
        return key, f"must be {want} (got {got})"
    if kind in ("string_type",):
        return key, f"must be a string (got {got})"
    if kind in ("bool_type", "bool_parsing"):
        return key, f"must be true or false (got {got})"
    if kind == "string_pattern_mismatch":
        return key, f"must be lower case letters, digits and underscores, starting with a letter (got {got})"
    if kind == "string_too_long":
        return key, f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("string_too_short", "too_short"):
        return key, "must not be empty"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return key, f"must be a table (got {got})"
    if kind == "list_type":
        return key, f"must be an array (got {got})"
    if kind == "literal_error":
        return key, f"must be one of {ctx.get('expected')} (got {got})"
    if kind == "union_tag_invalid":
        return key, f"unknown distribution {quote(ctx.get('tag'))}; allowed: {', '.join(DISTRIBUTION_NAMES)}"
    if kind == "union_tag_not_found":
        return key, f"a distribution table needs a 'dist' key, one of: {', '.join(DISTRIBUTION_NAMES)}"
    if kind == "value_error":
        msg = str(ctx.get("error", err.get("msg", "")))
        return key, msg
    return key, f"{err.get('msg', 'invalid')} (got {got})"


def show(value: Any) -> str:
    """A value as the file wrote it, short: ``a table``, ``an array``, a string clipped (:func:`quote`), ``true``."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return str(value).lower()
    return clip(repr(value))
