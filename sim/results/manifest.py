"""A results folder's ``manifest.json``: its schema, the checksums of the files it lists, and reading only those files.

The manifest is the folder's word on what coopsim wrote: a table ``files`` of
plain file names and their SHA-256 checksums, the provenance keys
(:func:`sim.results.run_manifest`) and, since manifest version 1, the marker
``"coopsim": {"manifest_version": 1}``. Loading trusts nothing else: the
manifest is checked against its schema (:func:`check_manifest`), every file it
lists against its checksum (:func:`verify_files`), and a data file is read only
if it is listed (:func:`read_listed_json`), so a file added or dropped from the
table by hand is never shown as if coopsim had computed it. Whatever is wrong
is one :class:`ResultsError` (an :class:`~sim.errors.InputError`: exit status 2,
one line naming the file), never a traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError, clip

__all__ = [
    "MANIFEST",
    "MANIFEST_MARK",
    "MANIFEST_VERSION",
    "ResultsError",
    "check_manifest",
    "file_sha256",
    "is_marked",
    "listed",
    "parse_manifest",
    "read_listed_json",
    "read_manifest",
    "reading",
    "verify_files",
]

MANIFEST = "manifest.json"
MANIFEST_MARK = "coopsim"
"""Key of the marker every manifest written since version 1 carries: ``{"manifest_version": 1}``."""
MANIFEST_VERSION = 1
"""Version of the manifest's schema written now (manifests of earlier coopsim versions have no marker)."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
"""A file name coopsim writes into a results folder: plain, no folder, no leading dot."""
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ResultsError(InputError, ValueError):
    """A results folder that cannot be trusted: missing, truncated or edited files, a manifest of the wrong shape."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


_TYPED_KEYS: dict[str, tuple[Any, str]] = {
    MANIFEST_MARK: (lambda v: isinstance(v, dict) and _is_int(v.get("manifest_version")), 'an object with an integer "manifest_version"'),
    "scenario_file": (lambda v: isinstance(v, str), "a file name (string)"),
    "scenario_files": (_is_str_list, "a list of file names"),
    "scenario_sha256": (lambda v: isinstance(v, str) or _is_str_list(v), "a checksum or a list of checksums"),
    "overrides": (lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v), "a table of --set values"),
    "versions": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), "a table of package versions"),
    "seconds": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a number of seconds"),
    "seed": (_is_int, "an integer"),
    "paths": (_is_int, "an integer"),
    "workers": (_is_int, "an integer"),
    "executor": (lambda v: isinstance(v, str), "a string"),
    "started": (lambda v: isinstance(v, str), "a time (string)"),
    "finished": (lambda v: isinstance(v, str), "a time (string)"),
}
"""The manifest keys coopsim reads back (the report's provenance and scenario sources), with the type each must have."""


def check_manifest(manifest: Any, where: Path | str) -> dict[str, Any]:
    """``manifest`` if it has the schema of a manifest coopsim writes, else a :class:`ResultsError` naming ``where``.

    ``files`` must be a table of plain file names (no folder, no ``..``, not
    absolute, not the manifest itself) and 64-digit lower-case hex SHA-256
    checksums; the keys coopsim reads back must have their types
    (:data:`_TYPED_KEYS`); a comparison names as many checksums as files.
    """

    def bad(what: str) -> ResultsError:
        return ResultsError(f"{where}: {what}; not a manifest coopsim wrote (rerun to recreate the folder)")

    if not isinstance(manifest, dict):
        raise bad(f"is a JSON {type(manifest).__name__}, not an object")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise bad('"files" is not a table of file names and SHA-256 checksums')
    for name, digest in files.items():
        if not _NAME.fullmatch(name) or ".." in name or name == MANIFEST:
            raise bad(f'"files" lists {clip(repr(name))}, not a plain file name of the folder')
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise bad(f'"files" gives {name} the checksum {clip(repr(digest))}, not 64 hex digits')
    for key, (ok, what) in _TYPED_KEYS.items():
        if key in manifest and not ok(manifest[key]):
            raise bad(f'"{key}" is {clip(repr(manifest[key]))}, not {what}')
    if "scenario_files" in manifest:
        hashes = manifest.get("scenario_sha256")
        if not isinstance(hashes, list) or len(hashes) != len(manifest["scenario_files"]):
            raise bad('"scenario_sha256" does not give one checksum per file of "scenario_files"')
    return manifest


def is_marked(manifest: Mapping[str, Any]) -> bool:
    """Whether the manifest carries coopsim's marker (written since manifest version 1)."""
    mark = manifest.get(MANIFEST_MARK)
    return isinstance(mark, dict) and _is_int(mark.get("manifest_version"))


def _decode_json(data: bytes, where: Path | str) -> Any:
    """JSON from ``data``; bytes that are not UTF-8 or not JSON (or nested beyond reason) are a :class:`ResultsError`."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ResultsError(f"{where}: not UTF-8 text; not a file coopsim wrote (rerun to recreate the folder)") from None
    except (ValueError, RecursionError) as exc:
        raise ResultsError(f"{where}: not valid JSON ({clip(str(exc), 80)}); rerun to recreate the folder") from None


def parse_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of ``folder``, checked against its schema (the files it lists are not read: :func:`verify_files`).

    Raises
    ------
    ResultsError
        No readable manifest (a folder coopsim did not write, or incomplete), a link, bad JSON or the wrong schema.
    """
    path = folder / MANIFEST
    if path.is_symlink():
        raise ResultsError(f"{path}: is a symbolic link, not the manifest coopsim wrote")
    try:
        data = path.read_bytes()
    except OSError:
        raise ResultsError(f"{folder}: not a complete coopsim results folder (no readable {MANIFEST} listing its files)") from None
    return check_manifest(_decode_json(data, path), path)


def verify_files(folder: Path, manifest: Mapping[str, Any]) -> None:
    """Check every file ``manifest`` lists: a regular file (not a link) in ``folder`` with the listed SHA-256."""
    for name, digest in manifest["files"].items():
        path = folder / name
        if path.is_symlink():
            raise ResultsError(f"{folder}: {name} is a symbolic link, not the file coopsim wrote; rerun to recreate the folder")
        if not path.is_file():
            raise ResultsError(f"{folder}: {name} is missing")
        try:
            found = file_sha256(path)
        except OSError as exc:
            raise ResultsError(f"{folder}: {name} cannot be read ({exc.strerror})") from None
        if found != digest:
            raise ResultsError(f"{folder}: {name} does not match its checksum in {MANIFEST} (truncated or edited); rerun to recreate it")


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder, checked against its schema, after checking every file it lists against its SHA-256.

    Raises
    ------
    ResultsError
        Naming the folder and the file that is missing, does not match, or the manifest's problem.
    """
    folder = Path(folder)
    manifest = parse_manifest(folder)
    verify_files(folder, manifest)
    return manifest


def listed(manifest: Mapping[str, Any], name: str) -> bool:
    """Whether ``name`` is one of the files the manifest vouches for."""
    return name in manifest["files"]


def read_listed_json(folder: Path, name: str, manifest: Mapping[str, Any]) -> Any:
    """The JSON file ``name`` of ``folder``, only if ``manifest`` lists it (checked already by :func:`verify_files`).

    A data file the manifest does not list was not written by coopsim in this
    folder (or was dropped from the table by hand): it is refused, never read.
    """
    if not listed(manifest, name):
        raise ResultsError(
            f"{folder}: {name} is not listed in {MANIFEST} (added or unlisted by hand); coopsim reads only the files its manifest vouches for"
        )
    with reading(folder, name):
        data = (folder / name).read_bytes()
    return _decode_json(data, folder / name)


@contextmanager
def reading(folder: Path, name: str) -> Iterator[None]:
    """Turn what a file of the wrong shape raises while it is read into a typed result into one :class:`ResultsError`.

    The typed constructors (``Results``, ``Comparison.from_json`` ...) index and
    convert what they are given; a file whose checksum matches a hand-made
    manifest can still hold anything. This is the one place where their
    ``KeyError``, ``TypeError``, ``ValueError`` ... become a message naming the file.
    """
    try:
        yield
    except ResultsError:
        raise
    except (OSError, KeyError, TypeError, ValueError, IndexError, AttributeError, EOFError, RecursionError) as exc:
        detail = f"{type(exc).__name__}: {clip(str(exc), 80)}" if str(exc) else type(exc).__name__
        raise ResultsError(f"{folder}: {name} is not what coopsim writes there ({detail}); rerun to recreate the folder") from None
