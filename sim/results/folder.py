"""A results folder on disk: written atomically with a manifest of SHA-256 checksums, verified on loading.

This is the edge where typed results meet files: JSON and CSV writers that
turn numpy numbers into Python ones and non-finite floats into ``null`` or
empty cells, and the atomic folder writer. The manifest's schema and checksums
are :mod:`sim.results.manifest`; where a folder may be written and what
``--force`` may replace, :mod:`sim.results.destination`.

A run's files are written into a hidden temporary folder next to the
destination and renamed into place at the end, so an interrupted run leaves
no folder that looks complete. An existing destination is replaced only with
``force=True`` and only if it is empty or coopsim's own results folder, every
file in it listed in its manifest with a matching checksum
(:func:`~sim.results.destination.check_replaceable`); a file coopsim did not
write, or one edited since, is never deleted.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .destination import OutputError, check_destination, check_replaceable, write_text_atomically
from .manifest import MANIFEST, MANIFEST_MARK, MANIFEST_VERSION, ResultsError, file_sha256, parse_manifest, read_manifest, verify_files

__all__ = [
    "MANIFEST",
    "MANIFEST_MARK",
    "MANIFEST_VERSION",
    "OutputError",
    "add_to_manifest",
    "ResultsError",
    "check_destination",
    "check_replaceable",
    "file_sha256",
    "read_manifest",
    "to_json_ready",
    "write_folder",
    "write_json",
    "write_table",
]


def to_json_ready(value: Any) -> Any:
    """JSON-ready copy: numpy scalars to Python numbers, tuples to lists, non-finite floats to None, dates as ISO text."""
    if isinstance(value, Mapping):
        return {k: to_json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_ready(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, dt.date):  # a TOML date given with --set (trade.as_of=2025-04-30), as TOML writes it
        return value.isoformat()
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


def write_folder(out: str | Path, write: Callable[[Path], list[str]], manifest: dict[str, Any], force: bool = False) -> Path:
    """Write a results folder atomically.

    Parameters
    ----------
    out : path
        Destination folder; never a symbolic link (:func:`~sim.results.destination.check_destination`).
    write : callable
        Writes the files into the folder it is given and returns their names.
    manifest : dict
        Written as ``manifest.json`` with coopsim's marker and a ``files`` entry of SHA-256 checksums added.
    force : bool
        Replace an earlier coopsim results folder at ``out`` (only if nothing in it would be lost).

    Returns
    -------
    pathlib.Path
        ``out`` as given.
    """
    shown = Path(out)
    real = check_destination(shown, force)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.partial-", dir=real.parent))
    except OSError as exc:
        raise OutputError(f"{shown}: cannot be written ({exc.strerror}); choose another --out") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; results are ordinary folders
    try:
        names = write(tmp)
        marked = {**manifest, MANIFEST_MARK: {"manifest_version": MANIFEST_VERSION}}
        write_json(tmp / MANIFEST, {**marked, "files": {n: file_sha256(tmp / n) for n in names}})
        if os.path.lexists(real):
            _replace(real, tmp, force, shown)
        else:
            os.rename(tmp, real)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{shown}: cannot be written ({exc.strerror or exc}); nothing was written there") from None
        raise
    return shown


def _replace(real: Path, tmp: Path, force: bool, shown: Path) -> None:
    """Put the complete folder ``tmp`` in place of the existing ``real``, checked once more after it is moved aside.

    The destination was checked before the work began; moving it into a private
    folder first and checking it there closes the gap in which the user could
    have added a file, so nothing coopsim did not write is ever deleted.
    """
    old = Path(tempfile.mkdtemp(prefix=f".{real.name}.old-", dir=real.parent))
    aside = old / real.name
    os.rename(real, aside)
    try:
        if os.path.islink(aside) or not aside.is_dir():
            raise OutputError(f"{shown}: became a link or a file while coopsim worked; nothing replaced")
        if any(aside.iterdir()):
            if not force:
                raise OutputError(
                    f"{shown}: folder exists and is not empty; choose another --out or add --force to replace earlier results"
                )
            check_replaceable(aside, shown)
    except BaseException:
        os.rename(aside, real)
        os.rmdir(old)
        raise
    os.rename(tmp, real)
    shutil.rmtree(old)


def add_to_manifest(folder: Path, name: str) -> None:
    """List ``name``, a file coopsim has just written into the results ``folder``, in its manifest with its SHA-256.

    The manifest is checked first and rewritten atomically, so the folder stays
    one that ``--force`` may replace (nothing unlisted) and its loaders verify.
    """
    manifest = parse_manifest(folder)
    verify_files(folder, {**manifest, "files": {n: d for n, d in manifest["files"].items() if n != name}})  # name was just rewritten
    manifest["files"][name] = file_sha256(folder / name)
    write_text_atomically(folder / MANIFEST, json.dumps(to_json_ready(manifest), indent=2) + "\n")
