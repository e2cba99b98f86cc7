"""A results folder on disk: written atomically with a manifest of SHA-256 checksums, verified on loading.

This is the edge where typed results meet files: JSON and CSV writers that
turn numpy numbers into Python ones and non-finite floats into ``null`` or
empty cells, the atomic folder writer, and the check that every file a
folder's ``manifest.json`` lists is there and unchanged.

A run's files are written into a hidden temporary folder next to the
destination and renamed into place at the end, so an interrupted run leaves
no folder that looks complete. An existing destination is replaced only with
``force=True`` and only if it is empty or an earlier coopsim results folder
(it has a ``manifest.json``); other folders are never deleted.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError

__all__ = [
    "MANIFEST",
    "OutputError",
    "ResultsError",
    "check_destination",
    "file_sha256",
    "read_manifest",
    "to_json_ready",
    "write_folder",
    "write_json",
    "write_table",
]

MANIFEST = "manifest.json"


class OutputError(InputError):
    """The results folder cannot be written (the message says why and what to do)."""


class ResultsError(InputError, ValueError):
    """A results folder that cannot be trusted: missing, truncated or edited files."""


def to_json_ready(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python numbers, tuples to lists, non-finite floats to None."""
    if isinstance(value, Mapping):
        return {k: to_json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    return value


def write_json(path: Path, value: Any) -> None:
    """Write ``value`` as indented JSON (:func:`to_json_ready` first), with a final newline."""
    path.write_text(json.dumps(to_json_ready(value), indent=2) + "\n", encoding="utf-8")


def write_table(path: Path, rows: Sequence[Mapping[str, Any]]) -> None:
    """Write tidy rows (mappings with the same keys) as a CSV file; non-finite numbers become empty cells."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(to_json_ready(list(rows)))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder, after checking every file it lists against its SHA-256.

    Raises
    ------
    ResultsError
        Naming the folder and the file that is missing or does not match.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ResultsError(f"{folder}: not a complete coopsim results folder (no readable {MANIFEST} listing its files)") from None
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise ResultsError(f"{folder}: {name} is missing")
        if file_sha256(path) != digest:
            raise ResultsError(f"{folder}: {name} does not match its checksum in {MANIFEST} (truncated or edited); rerun to recreate it")
    return manifest


def check_destination(out: Path, force: bool) -> None:
    """Refuse, before any work, a destination that would lose the user's files."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise OutputError(f"{out}: folder exists and is not empty; choose another --out or add --force to replace earlier results")
        if not (out / MANIFEST).is_file():
            raise OutputError(f"{out}: is not a coopsim results folder (no {MANIFEST}); coopsim will not replace it even with --force")


def write_folder(out: str | Path, write: Callable[[Path], list[str]], manifest: dict[str, Any], force: bool = False) -> Path:
    """Write a results folder atomically.

    Parameters
    ----------
    out : path
        Destination folder.
    write : callable
        Writes the files into the folder it is given and returns their names.
    manifest : dict
        Written as ``manifest.json`` with a ``files`` entry of SHA-256 checksums added.
    force : bool
        Replace an earlier results folder at ``out``.
    """
    out = Path(out)
    check_destination(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; results are ordinary folders
    try:
        names = write(tmp)
        manifest = {**manifest, "files": {n: file_sha256(tmp / n) for n in names}}
        write_json(tmp / MANIFEST, manifest)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
