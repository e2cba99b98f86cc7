"""Loading: a TOML file (or a dict) to a validated :class:`Scenario`.

:func:`load_scenario` reads the file and the files it ``extends`` (merged:
tables by key, arrays of named tables by ``name``; ``remove`` drops keys or
entries), then :func:`scenario_from_dict` validates: the schema
(:mod:`sim.scenario.schema`, errors worded by :mod:`sim.scenario.messages`),
the rules across keys (:mod:`sim.scenario.checks`), the history file, and
the partial-year observation (``[trade.observed]``: a row of its CSV or the
inline values), resolved into an :class:`Observation`.

Where to make a change
----------------------
* How files are read, merged or identified (``sha256``): here.
* What a scenario object offers (``get``, ``replace``, ``history_path``): :class:`Scenario` here.
* A key or a rule: :mod:`sim.scenario.schema`, :mod:`sim.scenario.checks`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr, ValidationError

from ..history import HistoryError, load_history, load_partial_year
from ..releases import load_releases
from .checks import base_problems, check_consistency
from .messages import ScenarioError, clip, describe_error, one_line, quote, show, suggest
from .observation import Observation
from .schema import ScenarioFile
from .view import View, derive_view, view_identity


class Scenario(ScenarioFile):
    """A validated scenario: the tables of its file, where it came from, its partial-year observation and its variants.

    Build with :func:`load_scenario` or :func:`scenario_from_dict`; the keys are
    those of :class:`sim.scenario.schema.ScenarioFile`.
    """

    _source: str = PrivateAttr(default="<scenario>")
    _sha256: str = PrivateAttr(default="")
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _base_dir: Path | None = PrivateAttr(default=None)
    _observation: Observation | None = PrivateAttr(default=None)
    _view: View | None = PrivateAttr(default=None)
    _laws: tuple[Law, ...] = PrivateAttr(default=())

    # -- identity -------------------------------------------------------
    @property
    def source(self) -> str:
        """The file the scenario came from, or ``"<scenario>"``."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the file bytes (of the canonical TOML-like dict for scenarios built in code)."""
        return self._sha256

    @property
    def observation(self) -> Observation | None:
        """The partly observed first year, resolved from ``[trade.observed]`` (None if there is none)."""
        return self._observation

    @property
    def view(self) -> View | None:
        """What a scenario with ``trade.releases`` took from the record as of ``trade.as_of`` (None without a record)."""
        return self._view

    @property
    def laws(self) -> tuple[Law, ...]:
        """The candidate organic laws its paths are drawn from (``[trade.laws]``), each as a scenario of its own; empty without a mixture.

        With ``trade.law`` only that law, of weight 1.
        """
        return self._laws

    def history_path(self) -> Path | None:
        """The history CSV resolved relative to the scenario file (None if not set)."""
        return self._relative(self.trade.history)

    def _relative(self, name: str | None) -> Path | None:
        """A file named in the scenario, resolved against the scenario file's folder (the working folder for dicts)."""
        if name is None:
            return None
        base = self._base_dir if self._base_dir is not None else Path.cwd()
        return (base / name).resolve()

    # -- variants -------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """The scenario as a plain nested dict (the shape of the TOML file)."""
        return _copied(self._raw)

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. ``get("trade.growth.mean")``."""
        node: Any = self._raw
        for part in path.split("."):
            node = _child(node, part, path, self._source)
        return _copied(node)

    def replace(self, changes: Mapping[str, Any]) -> Scenario:
        """A new scenario with values at dotted paths replaced, validated as a file would be.

        Parameters
        ----------
        changes : mapping of dotted path to value
            e.g. ``{"trade.growth.mean": 0.15, "run.horizon_year": 2030}``.
            Values are numbers, strings or distribution tables (dicts).
        """
        raw = self.to_json()
        for path, value in changes.items():
            parts = path.split(".")
            node: Any = raw
            for part in parts[:-1]:
                node = _child(node, part, path, self._source)
            if isinstance(node, list) or not isinstance(node, dict):
                raise ScenarioError(self._source, [(path, "does not name a key of a table")])
            node[parts[-1]] = value
        keys = ", ".join(changes)
        # the keys changed, unless so long that they would crowd out the problem (which names its key anyway)
        label = f"{self._source} (with {keys if len(keys) <= 100 else f'{len(changes)} changes'})" if changes else self._source
        return scenario_from_dict(raw, source=label, base_dir=self._base_dir)


_IMMUTABLE = (str, int, float, bool, type(None), dt.date, dt.time)
"""What a scenario's tree holds at its leaves (TOML's values; ``datetime`` is a ``date``): shared, not copied."""


def _copied(tree: Any) -> Any:
    """A deep copy of a scenario's tree of tables, arrays and values (``copy.deepcopy``'s result, several times faster:
    a study copies its scenario for every variant, four times each with a mixture of laws)."""
    if isinstance(tree, dict):
        return {key: _copied(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_copied(value) for value in tree]
    if isinstance(tree, _IMMUTABLE):
        return tree
    return copy.deepcopy(tree)  # anything else a caller put in a dict given to scenario_from_dict


def _child(node: Any, part: str, path: str, source: str) -> Any:
    """The entry ``part`` of a table (by key) or of an array of tables (by ``name``), for the dotted ``path``."""
    if isinstance(node, dict):
        if part not in node:
            raise ScenarioError(source, [(path, f"no key {quote(part)} here{suggest(part, list(node))}")])
        return node[part]
    if isinstance(node, list):
        for entry in node:
            if isinstance(entry, dict) and entry.get("name") == part:
                return entry
        names = [e.get("name") for e in node if isinstance(e, dict)]
        raise ScenarioError(source, [(path, f"no entry named {quote(part)}{suggest(part, [n for n in names if isinstance(n, str)])}")])
    raise ScenarioError(source, [(path, "goes below a value that is not a table")])


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file.

    A file may start from another with ``extends = "other.toml"`` (a path
    relative to the file): its tables are merged over the other's, entries of
    ``[[pipeline.projects]]``, ``[[measures]]`` and ``[[shocks]]`` are merged
    by ``name``, and ``remove = ["pipeline.projects.bostanlyk_hydro", ...]``
    drops keys or named entries.

    Parameters
    ----------
    path : str or Path
        A TOML scenario file.

    Raises
    ------
    ScenarioError
        Naming the file, the key path and what is allowed, for every problem found.
    """
    p = Path(path)
    if "\x00" in str(path):
        raise ScenarioError(one_line(str(path)), [("", "a file name cannot contain a NUL character")])
    digest = hashlib.sha256()
    raw = _read_with_extends(p, str(path), digest, chain=())
    scenario = scenario_from_dict(raw, source=str(path), base_dir=p.resolve().parent)
    observed = scenario._relative(scenario.trade.observed.file) if scenario.trade.observed else None
    if observed is not None:
        digest.update(observed.read_bytes())  # the observation changes the results: it is part of the scenario's identity
    if scenario.view is not None:
        # what the view took from the record, not the record's bytes: rows published after as_of change nothing
        digest.update(view_identity(scenario.view, scenario.observation).encode())
    scenario._sha256 = digest.hexdigest()
    return scenario


MAX_EXTENDS_DEPTH = 8


def _read_toml(p: Path, label: str) -> tuple[dict[str, Any], bytes]:
    """The TOML content of one file and its bytes; every way a file can fail is a ScenarioError naming ``label``."""
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(label, [("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(label, [("", "is a directory, not a scenario file")]) from None
    except OSError as exc:
        raise ScenarioError(label, [("", f"cannot be read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(label, [("", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from None
    try:
        tree = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, [("", f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError(label, [("", "is not valid TOML: nested too deeply")]) from None
    except MemoryError:  # tomllib's work on a dotted key grows with the square of its parts
        raise ScenarioError(label, [("", "cannot be read: its keys are nested too deeply or it is too large to hold in memory")]) from None
    if _nesting_depth(tree) > MAX_NESTING:
        # tomllib builds a long dotted key (a.a.a...) as tables without recursing; everything after it would
        raise ScenarioError(label, [("", f"nests tables or arrays more than {MAX_NESTING} levels deep; a scenario needs far fewer")])
    return tree, data


MAX_NESTING = 32
"""Deepest nesting of tables and arrays a scenario file may have (the schema's deepest key is far shallower)."""


def _nesting_depth(tree: Any) -> int:
    """How many tables and arrays deep ``tree`` goes (its top table is level 1), found without recursion; walked to one level past :data:`MAX_NESTING` at most."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_NESTING:  # deeper than the limit is already an error: no need to walk it all
            stack.extend((child, level + 1) for child in children)
    return deepest


def _read_with_extends(p: Path, label: str, digest: Any, chain: tuple[Path, ...]) -> dict[str, Any]:
    """A file merged over the files it extends; each file's bytes go into ``digest``.

    ``chain`` holds the files already on the way (to refuse cycles). Paths named
    in an extended file are made absolute, as they are relative to that file.
    """
    raw, data = _read_toml(p, label)
    digest.update(data)
    trade = raw.get("trade")
    if isinstance(trade, dict) and chain:
        # a file path is relative to the file that names it, also when that file is extended
        for table, key in ((trade, "history"), (trade, "releases"), (trade.get("observed"), "file")):
            if isinstance(table, dict) and isinstance(table.get(key), str):
                table[key] = str((p.resolve().parent / table[key]).resolve())
    parent = raw.pop("extends", None)
    removals = raw.pop("remove", [])
    if not isinstance(removals, list) or not all(isinstance(r, str) for r in removals):
        raise ScenarioError(label, [("remove", "must be an array of dotted key paths (strings)")])
    if parent is None:
        if removals:
            raise ScenarioError(label, [("remove", "only allowed together with extends")])
        return raw
    if not isinstance(parent, str) or not parent.endswith(".toml"):
        raise ScenarioError(label, [("extends", f"must be the path of another .toml scenario file (got {show(parent)})")])
    try:
        target = (p.resolve().parent / parent).resolve()
        target.stat()
    except (ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ScenarioError(label, [("extends", f"file not found: {clip(parent, 240)}")]) from None
        raise ScenarioError(label, [("extends", f"not a usable file path ({exc.__class__.__name__})")]) from None
    if target in chain or target == p.resolve():
        raise ScenarioError(label, [("extends", f"{quote(parent)} extends itself through a cycle")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(label, [("extends", f"at most {MAX_EXTENDS_DEPTH} levels of extends")])
    base = _read_with_extends(target, f"{label} -> {parent}", digest, chain + (p.resolve(),))
    for path in removals:
        _remove(base, path, label)
    return _merge(base, raw)


def _merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base``: tables by key, arrays of named tables by name, the rest replaced."""
    if isinstance(base, dict) and isinstance(over, dict) and "dist" not in over and "dist" not in base:
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    if _named_list(base) and _named_list(over):
        out_list = list(base)
        index = {e["name"]: i for i, e in enumerate(out_list)}
        for entry in over:
            if entry["name"] in index:
                out_list[index[entry["name"]]] = _merge(out_list[index[entry["name"]]], entry)
            else:
                out_list.append(entry)
        return out_list
    return over


def _named_list(value: Any) -> bool:
    """True for an array of tables that all have a string ``name`` (merged by name)."""
    return isinstance(value, list) and all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in value)


def _remove(raw: dict[str, Any], path: str, label: str) -> None:
    """Drop the key or named entry at a dotted ``path`` of the extended scenario (a ``remove`` entry)."""
    parts = path.split(".")
    node: Any = raw
    for part in parts[:-1]:
        node = _child(node, part, path, label)
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
    elif isinstance(node, list) and any(isinstance(e, dict) and e.get("name") == last for e in node):
        node[:] = [e for e in node if not (isinstance(e, dict) and e.get("name") == last)]
    else:
        raise ScenarioError(label, [("remove", f"{quote(path)} names nothing in the extended scenario")])


def scenario_from_dict(raw: Mapping[str, Any], *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a nested dict shaped like a scenario file.

    Parameters
    ----------
    raw : mapping
        The content of a scenario file as nested dicts and lists.
    source : str
        Label used in error messages.
    base_dir : Path, optional
        Folder that relative paths in the scenario are resolved against.
    """
    raw = _copied(dict(raw))
    scenario = _validated(raw, source)
    view = observation = None
    derived: dict[str, Any] = {}
    if scenario.trade.releases is not None:
        # a view: the base keys come from the record as of trade.as_of (sim.scenario.view), then the whole is validated
        problems = base_problems(scenario)
        if problems:
            raise ScenarioError(source, problems)
        scenario._base_dir = base_dir
        name = scenario.trade.releases
        path = _data_file(scenario, source, "trade.releases", name)
        try:
            record = load_releases(path)
        except HistoryError as exc:
            raise ScenarioError(source, _data_problems("trade.releases", name, exc)) from None
        derived, view, observation = derive_view(scenario, source, record)
        scenario = _validated(_merge(_copied(raw), derived), source)
    problems = check_consistency(scenario)
    if problems:
        raise ScenarioError(source, problems)
    scenario._source = source
    scenario._raw = raw
    scenario._base_dir = base_dir
    _check_history(scenario, source)
    scenario._view = view
    scenario._observation = observation if view is not None else _resolve_observation(scenario, source)
    identity = repr(sorted(_flatten(raw))) + (
        view_identity(view, observation) if view is not None else repr(scenario._observation) + repr(view)
    )
    scenario._sha256 = hashlib.sha256(identity.encode()).hexdigest()
    scenario._laws = _laws(scenario, raw, derived, source)
    return scenario


@dataclass(frozen=True)
class Law:
    """One candidate organic law of a mixture: its name, kind, weight and the scenario its paths follow.

    ``scenario`` is the scenario with the law's tables in ``[trade.structural]`` and no ``[trade.laws]``:
    a path drawn to this law is exactly that scenario's path of the same index (bit for bit).
    """

    name: str
    kind: str
    weight: float
    scenario: Scenario


def _laws(scenario: Scenario, raw: dict[str, Any], derived: dict[str, Any], source: str) -> tuple[Law, ...]:
    """The laws of ``[trade.laws]`` in use, each the scenario with its tables in ``[trade.structural]`` (by direction: ``[trade.directions]``).

    A law of weight 0 is in use only when ``trade.law`` names it.

    A law differs from its scenario in organic tables alone, so it shares the scenario's view of the record
    and observation (taken, not derived again) and its identity.
    """
    t = scenario.trade
    if t.laws is None:
        return ()
    out = []
    for name, law in t.laws.items():
        if t.law is not None and name != t.law:
            continue
        own = _copied(raw)
        trade = own["trade"]
        given = trade.pop("laws")[name]
        trade.pop("law", None)
        for key in ("total_growth", "share"):
            if key in given:
                trade["structural"][key] = given[key]
        if "directions" in given:
            trade["directions"] = given["directions"]
        label = f"{source} [trade.laws.{name}]"
        one = _validated(_merge(_copied(own), derived), label)
        problems = check_consistency(one)
        if problems:
            raise ScenarioError(label, problems)
        one._source, one._raw, one._base_dir = label, own, scenario._base_dir
        one._view, one._observation, one._sha256 = scenario._view, scenario._observation, scenario._sha256
        if t.law is None and law.weight == 0.0:
            continue  # a candidate outside the mixture (checked all the same): the mixture's laws, and its paths, are as without it
        weight = 1.0 if t.law is not None else law.weight
        out.append(Law(name, law.kind, weight, one))
    return tuple(out)


def _validated(raw: dict[str, Any], source: str) -> Scenario:
    """The dict validated against the schema; a ScenarioError naming every problem."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(source, [describe_error(e, raw) for e in exc.errors(include_url=False)]) from None
    except RecursionError:
        raise ScenarioError(source, [("", "nested too deeply")]) from None


def _resolve_observation(scenario: Scenario, source: str) -> Observation | None:
    """The partly observed first year from ``[trade.observed]``: its file's best row, or the inline values."""
    obs, trade = scenario.trade.observed, scenario.trade
    if obs is None:
        return None
    if obs.file is None:
        found = Observation(scenario.start_year, obs.months, obs.value_usd_bn, obs.yoy_growth, "inline", obs.revision_sd)  # type: ignore[arg-type]
        key = "trade.observed.value_usd_bn"
    else:
        key = "trade.observed.file"
        path = _data_file(scenario, source, key, obs.file)
        try:
            row = load_partial_year(path, scenario.start_year, trade.reporter)
        except HistoryError as exc:
            raise ScenarioError(source, _data_problems(key, obs.file, exc)) from None
        if row is None:
            return None
        where = f"{path.name}, line {row.line}"
        # the file allows 1 to 12 months (a file may hold whole years); an observation is of a partial year
        if not 1 <= row.months <= 11:
            raise ScenarioError(
                source, [(key, f"{where}: months must be 1 to 11 (got {row.months}); a whole year belongs in the base year")]
            )
        found = Observation(row.year, row.months, row.value_usd_bn, row.yoy_growth, where, obs.revision_sd)
    if found.base_same_months_usd_bn >= trade.base_usd_bn:
        raise ScenarioError(
            source,
            [
                (
                    key,
                    f"implies {found.base_same_months_usd_bn:.4g} USD bn in the first {found.months} months of {trade.base_year} "
                    f"(value / (1 + yoy_growth)), not less than the whole year's trade.base_usd_bn = {trade.base_usd_bn:g}",
                )
            ],
        )
    return found


def _check_history(scenario: Scenario, source: str) -> None:
    """The history file exists and every row of it satisfies the history schema (checked before any work)."""
    name = scenario.trade.history
    if name is None:
        return
    history = _data_file(scenario, source, "trade.history", name)
    try:
        load_history(history, scenario.trade.measured_by)
    except HistoryError as exc:
        raise ScenarioError(source, _data_problems("trade.history", name, exc)) from None


def _data_file(scenario: Scenario, source: str, key: str, name: str) -> Path:
    """The data file named at ``key``, resolved against the scenario file; a ScenarioError if it is not a file."""
    try:
        path = scenario._relative(name)
        if path is None or not path.is_file():
            raise ScenarioError(source, [(key, f"file not found: {clip(path, 240)} (paths are relative to the scenario file)")])
    except (ValueError, OSError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        raise ScenarioError(source, [(key, f"not a usable file path ({exc.__class__.__name__})")]) from None
    return path


def _data_problems(key: str, name: str, exc: HistoryError) -> list[tuple[str, str]]:
    """Every problem of a data file as ``(key, "file: line N: column: what is allowed")``, one line each."""
    problems = exc.problems or [str(exc).split(": ", 1)[-1]]
    return [(key, f"{one_line(name)}: {one_line(problem)}") for problem in problems]


def _flatten(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every leaf as ``(dotted path, repr)``: the identity of a scenario built in code."""
    if isinstance(node, dict):
        return [item for k, v in node.items() for item in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(node, list):
        return [item for i, v in enumerate(node) for item in _flatten(v, f"{prefix}[{i}]")]
    return [(prefix, repr(node))]
