"""Writing a results folder atomically, with a manifest of checksums.

A run's files are written into a hidden temporary folder next to the
destination and renamed into place at the end, so an interrupted run leaves
no folder that looks complete. An existing destination is replaced only with
``force=True`` and only if it is empty or an earlier coopsim results folder
(it has a ``manifest.json``); other folders are never deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["OutputError", "write_folder", "check_destination", "file_sha256"]

MANIFEST = "manifest.json"


class OutputError(InputError):
    """The results folder cannot be written (the message says why and what to do)."""


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
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
