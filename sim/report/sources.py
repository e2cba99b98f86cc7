"""The scenario files behind a results folder: their keys with values and comments, their cited facts, their descriptions.

A results folder's ``manifest.json`` names the scenario file(s) it was run
from, their SHA-256 and any ``--set`` overrides. :func:`manifest_scenarios`
reads each file again (and the files it ``extends``), checks that it still
gives the scenario that was run, and lists every key with its value as
written and the comment that explains it: the lines of ``#`` just above the
key and the comment at the end of its line. Comments cite facts of
``seeds/facts.md`` as ``[ID]`` or say ``ASSUMPTION:``; :func:`cited_facts`
finds those facts in the ``facts.md`` next to the scenario's history file.

Nothing here draws: the report (:mod:`sim.report.render`) shows these lists,
the charts' legends use :func:`scenario_labels`.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CoopsimError
from ..plots.style import short_description
from ..scenario import Scenario, load_scenario
from ..scenario.variants import variant

__all__ = [
    "KeyEntry",
    "ScenarioSource",
    "SourceFile",
    "TableEntry",
    "cited_facts",
    "manifest_scenarios",
    "parse_scenario_text",
    "scenario_labels",
]

CITATION = re.compile(r"\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)\]")
"""A fact's ID as scenario comments cite it: ``[T-2024-UZ]``."""
_FACT = re.compile(r"^\*\*\[([A-Z][A-Z0-9-]*)\]\*\*\s*(.*)", re.DOTALL)
"""A fact's paragraph in ``facts.md``: ``**[ID]** value — status. Source...``."""
FACT_WORDS = 320
"""Characters of a fact's paragraph shown in a report (its value, status and the start of its source)."""


@dataclass(frozen=True)
class KeyEntry:
    """One ``key = value`` line of a scenario file.

    Attributes
    ----------
    key : str
        The key as written (``base_usd_bn``; dotted keys stay dotted).
    value : str
        The value as written in TOML (``12.4``, ``{dist = "pert", ...}``).
    comment : str
        The ``#`` lines just above the key and the comment at the end of its line, joined.
    """

    key: str
    value: str
    comment: str

    @property
    def citations(self) -> list[str]:
        """The fact IDs the comment cites, in order."""
        return list(dict.fromkeys(CITATION.findall(self.comment)))

    @property
    def assumption(self) -> bool:
        """Whether the comment marks the value as an assumption (``ASSUMPTION:``)."""
        return "ASSUMPTION" in self.comment

    def comment_parts(self) -> list[tuple[str, bool]]:
        """The comment cut into plain text and citations (``(text, is_citation)``), for highlighting without building markup."""
        parts: list[tuple[str, bool]] = []
        last = 0
        for match in CITATION.finditer(self.comment):
            parts += [(self.comment[last : match.start()], False), (match.group(0), True)]
            last = match.end()
        return [p for p in [*parts, (self.comment[last:], False)] if p[0]]


@dataclass(frozen=True)
class TableEntry:
    """The keys of one table of a scenario file (``[trade]``, ``[[pipeline.projects]] cku_railway``), in file order."""

    header: str
    note: str
    keys: tuple[KeyEntry, ...]


@dataclass(frozen=True)
class SourceFile:
    """One scenario file: its path, what it ``extends``, its opening comment and its tables (top-level keys under ``""``)."""

    path: str
    extends: str | None
    note: str
    tables: tuple[TableEntry, ...]


@dataclass(frozen=True)
class ScenarioSource:
    """A scenario named in a manifest, read again from its file.

    Attributes
    ----------
    file : str
        The scenario file as the report shows it (:func:`shown_path`: as the manifest names it, relative to the folder
        the run was made in; an absolute path by its bare name).
    sha256 : str
        The scenario's SHA-256 in the manifest.
    overrides : mapping
        ``--set`` values applied on top of the file, by dotted key.
    scenario : Scenario or None
        The scenario loaded again, when its file still gives the one that was run (same SHA-256).
    problem : str
        Why ``scenario`` is None (file missing, changed since the run, built in code), else ``""``.
    files : tuple of SourceFile
        The file and the files it extends, the file first.
    facts_file : Path or None
        The ``facts.md`` beside the scenario's history file, when there is one.
    """

    file: str
    sha256: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None
    problem: str = ""
    files: tuple[SourceFile, ...] = ()
    facts_file: Path | None = None

    @property
    def name(self) -> str:
        return self.scenario.name if self.scenario is not None else Path(self.file).stem

    @property
    def description(self) -> str:
        return (self.scenario.description or "") if self.scenario is not None else ""

    @property
    def citations(self) -> list[str]:
        """Every fact ID the files cite, in order of first appearance."""
        return list(dict.fromkeys(c for f in self.files for t in f.tables for k in t.keys for c in k.citations))

    @classmethod
    def read(cls, file: str, sha256: str, overrides: Mapping[str, Any] | None = None) -> ScenarioSource:
        """Load ``file`` with ``overrides`` and parse it and the files it extends; a file that cannot be read gives ``problem``.

        ``file`` is read as the manifest names it; the source names it as a
        shareable report may (:func:`shown_path`), never by an absolute path of
        the machine the run was made on.
        """
        overrides = dict(overrides or {})
        path = Path(file)
        shown = shown_path(file)
        if not path.is_file():
            return cls(
                shown,
                sha256,
                overrides,
                problem=f"{shown}: no such file from the folder the report was made in (the scenario was built in code, or moved)",
            )
        try:
            scenario = variant(load_scenario(path), overrides)  # named as the run named it: a variant says so
        except CoopsimError as exc:
            return cls(shown, sha256, overrides, problem=f"cannot be loaded any more: {exc}")
        files = tuple(_source_chain(path))
        history = scenario.history_path()
        facts = history.parent / "facts.md" if history is not None and (history.parent / "facts.md").is_file() else None
        if scenario.sha256 != sha256:
            changed = f"{shown} has changed since the run (its SHA-256 differs): shown as it is now"
            return cls(shown, sha256, overrides, problem=changed, files=files, facts_file=facts)
        return cls(shown, sha256, overrides, scenario=scenario, files=files, facts_file=facts)


def shown_path(file: str | Path) -> str:
    """A scenario file as a report shows it: as given when relative, else relative to the working folder, else its bare name.

    A report is shared: the folders of the analyst's machine (``/home/ana/...``)
    are no part of it. The file is still read from where the manifest says.
    """
    path = Path(file)
    if not path.is_absolute():
        return str(file)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return path.name


def _source_chain(path: Path) -> list[SourceFile]:
    """The file at ``path`` and, in order, the files it ``extends``."""
    chain: list[SourceFile] = []
    seen: set[Path] = set()
    while path.resolve() not in seen and path.is_file():
        seen.add(path.resolve())
        text = path.read_text(encoding="utf-8")
        chain.append(parse_scenario_text(text, shown_path(path)))
        parent = tomllib.loads(text).get("extends")
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    return chain


_READ_ONCE: ContextVar[dict[str, list[ScenarioSource]] | None] = ContextVar("coopsim_scenarios_read_once", default=None)
"""The scenarios read so far by :func:`manifest_scenarios` inside :func:`scenarios_read_once` (None outside it)."""


@contextmanager
def scenarios_read_once() -> Iterator[None]:
    """Inside the block, :func:`manifest_scenarios` reads each manifest's scenario files once.

    Writing one results folder asks for them several times (the comparison's chart legends, the report's
    sources and labels, the workbook); each ask loaded every file again. Outside the block every call
    reads the files as they are then; a block inside another shares the outer one's reads.
    """
    if _READ_ONCE.get() is not None:
        yield
        return
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def manifest_scenarios(manifest: Mapping[str, Any]) -> list[ScenarioSource]:
    """The scenarios a results folder's manifest names (one for a run or a study, several for a comparison), each read again
    (once in a :func:`scenarios_read_once` block)."""
    read = _READ_ONCE.get()
    key = json.dumps([manifest.get(k) for k in ("scenario_files", "scenario_sha256", "scenario_file", "overrides")], default=str)
    if read is not None and key in read:
        return list(read[key])
    overrides = manifest.get("overrides") or {}
    if "scenario_files" in manifest:
        sources = [
            ScenarioSource.read(f, h, overrides) for f, h in zip(manifest["scenario_files"], manifest["scenario_sha256"], strict=True)
        ]
    elif "scenario_file" in manifest:
        sources = [ScenarioSource.read(manifest["scenario_file"], manifest.get("scenario_sha256", ""), overrides)]
    else:
        sources = []
    if read is not None:
        read[key] = sources
    return list(sources)


def scenario_labels(names: Sequence[str], manifest: Mapping[str, Any]) -> list[str]:
    """Legend names of compared scenarios: the first clause of each description, else the name; a repeat gets `` (2)``.

    Parameters
    ----------
    names : sequence of str
        The scenarios' names (or labels) in the comparison, the baseline first.
    manifest : mapping
        The comparison's manifest, naming their files.
    """
    sources = manifest_scenarios(manifest)
    found = [short_description(s.description) if s.description else "" for s in sources]
    labels = [found[k] if k < len(found) and found[k] else name for k, name in enumerate(names)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def cited_facts(sources: Sequence[ScenarioSource]) -> list[tuple[str, str]]:
    """``(ID, the start of its paragraph)`` for every fact the scenarios cite, from the ``facts.md`` beside their history file.

    Facts not found are listed with ``"not found in facts.md"``; none when no
    ``facts.md`` is found (a scenario without a history file).
    """
    ids = list(dict.fromkeys(c for s in sources for c in s.citations))
    facts_file = next((s.facts_file for s in sources if s.facts_file is not None), None)
    if not ids or facts_file is None:
        return []
    facts = {}
    for paragraph in re.split(r"\n\s*\n", facts_file.read_text(encoding="utf-8")):
        match = _FACT.match(paragraph.strip())
        if match:
            words = " ".join(match.group(2).split())
            facts[match.group(1)] = words if len(words) <= FACT_WORDS else words[: FACT_WORDS - 1].rsplit(" ", 1)[0] + " \u2026"
    return [(i, facts.get(i, "not found in facts.md")) for i in ids]


# -- the TOML text ---------------------------------------------------------------------
def _outside_strings(text: str) -> Iterator[tuple[int, str]]:
    """Each character of ``text`` outside TOML strings, with its index (a backslash escapes in basic strings only)."""
    quote = ""
    k = 0
    while k < len(text):
        ch = text[k]
        if quote:
            if ch == "\\" and quote == '"':
                k += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        else:
            yield k, ch
        k += 1


def _code_and_comment(line: str) -> tuple[str, str]:
    """A line split at its comment's ``#`` (one outside strings)."""
    for k, ch in _outside_strings(line):
        if ch == "#":
            return line[:k].rstrip(), line[k + 1 :].strip()
    return line.rstrip(), ""


def _open_brackets(code: str) -> int:
    """Brackets and braces opened and not closed in ``code`` (outside strings): a value continued on the next line."""
    chars = [ch for _, ch in _outside_strings(code)]
    return chars.count("[") + chars.count("{") - chars.count("]") - chars.count("}")


def parse_scenario_text(text: str, path: str) -> SourceFile:
    """The keys of a scenario file with their values as written and their comments.

    A block of ``#`` lines goes with the key just below it (or, right above a
    table header, with that table); a blank line ends a block, so separator
    lines and the file's opening comment stay apart. The opening comment is
    the file's ``note``.
    """
    tables: list[TableEntry] = []
    header, note, keys = "", "", []
    file_note: list[str] = []
    block: list[str] = []
    started = False
    lines = text.splitlines()
    k = 0

    def close() -> None:
        if keys or note:
            tables.append(TableEntry(header, note, tuple(keys)))

    while k < len(lines):
        code, comment = _code_and_comment(lines[k])
        k += 1
        if not code and comment:
            block.append(comment)
            continue
        if not code:
            if not started:
                file_note += block
            block = []
            continue
        if not started:  # the comment at the top of the file is the file's, even without a blank line below it
            file_note, block, started = file_note + block, [], True
        if code.startswith("["):
            close()
            header, note, keys = code, " ".join(block), []
            block = []
            continue
        key, _, value = code.partition("=")
        while _open_brackets(value) > 0 and k < len(lines):  # a value over several lines
            more, extra = _code_and_comment(lines[k])
            value, comment = f"{value} {more.strip()}", " ".join(c for c in (comment, extra) if c)
            k += 1
        key = key.strip()
        if key == "name" and header.startswith("[["):
            header = f"{header} {tomllib.loads(code)['name']}"
        keys.append(KeyEntry(key, value.strip(), " ".join([*block, comment]).strip()))
        block = []
    close()
    extends = next((tomllib.loads(f"v = {e.value}")["v"] for t in tables if t.header == "" for e in t.keys if e.key == "extends"), None)
    return SourceFile(path, extends, " ".join(file_note), tuple(tables))
