"""Where results go: every output path checked before any work, and what ``--force`` may replace.

Rules (docs/outputs.md, "Where results are written"):

* ``--out`` is never a symbolic link (dangling or not): coopsim writes only to a
  real path, never through a link onto something else. Links among the parent
  folders are followed (the path is resolved first).
* The parent chain must be creatable: no component is a regular file or a
  dangling link, and the nearest existing folder is writable. This is checked
  before any simulation, so a path that cannot be written costs nothing.
* An existing non-empty folder is replaced only with ``force`` and only if it
  is coopsim's own (:func:`check_replaceable`): a schema-valid manifest, every
  listed file a regular file with its checksum, and nothing in the folder the
  manifest does not list. A file the user added, or edited since, is never
  deleted: the folder is refused, naming the files, and the user moves them out.
  A manifest with coopsim's marker (manifest version 1 on) may miss listed
  files (the user deleted some); an older, unmarked manifest must have every
  listed file present, which is how such a folder is known to be coopsim's.
* A single output file (the report, calibrate's blocks) is refused when it
  is a link, a folder, an existing file without ``force``, or resolves to a
  protected file (the results it is made from, the inputs); it is written to a
  temporary file beside it and renamed into place (:func:`write_text_atomically`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import InputError, clip
from .manifest import MANIFEST, ResultsError, file_sha256, is_marked, parse_manifest

__all__ = [
    "OutputError",
    "check_destination",
    "check_file_target",
    "check_replaceable",
    "real_destination",
    "write_text_atomically",
]

NAME_MAX = 255
"""Longest file or folder name, in bytes, the file systems coopsim writes to allow (Linux, macOS, Windows)."""
PATH_MAX = 4096
"""Length in bytes from which Linux refuses a path."""
SHOWN_NAMES = 5
"""Unlisted files named in a refusal; the rest are counted."""


class OutputError(InputError):
    """The results folder cannot be written (the message says why and what to do)."""


def _names(names: list[str]) -> str:
    """A readable prefix of a list of file names."""
    shown = ", ".join(names[:SHOWN_NAMES])
    return shown + (f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else "")


def _refuse_link(out: Path, option: str) -> None:
    if os.path.islink(out):
        state = "a dangling symbolic link" if not out.exists() else "a symbolic link"
        raise OutputError(f"{out}: is {state} (to {os.readlink(out)}); coopsim never writes through a link: give a real path as {option}")


def real_destination(out: str | Path, option: str = "--out") -> Path:
    """``out`` as an absolute path whose parent folders are resolved (links followed); the last component itself must not be a link."""
    path = Path(os.path.abspath(out))
    if any(len(os.fsencode(part)) > NAME_MAX for part in path.parts) or len(os.fsencode(path)) >= PATH_MAX:
        raise OutputError(
            f"{clip(str(out))}: a name longer than {NAME_MAX} bytes or a path of {PATH_MAX} bytes or more cannot be created; choose another {option}"
        )
    if not path.name:
        raise OutputError(f"{out}: is the root folder; choose another {option}")
    _refuse_link(path, option)
    for ancestor in path.parents:  # before resolving, which would follow a dangling link to wherever it points
        if os.path.islink(ancestor) and not ancestor.exists():
            raise OutputError(f"{ancestor}: is a dangling symbolic link, so {out} cannot be created; choose another {option}")
    try:
        return path.parent.resolve() / path.name
    except OSError as exc:  # a loop of links among the parents, say
        raise OutputError(f"{out}: its folders cannot be resolved ({exc.strerror or exc}); choose another {option}") from None


def _check_creatable(out: Path, option: str) -> None:
    """Refuse now an ``out`` whose parent chain cannot be created or written (``out`` absolute)."""
    ancestor = out.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{ancestor}: is a file, not a folder, so {out} cannot be created under it; choose another {option}")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(f"{ancestor}: not writable (permission denied), so {out} cannot be written; choose another {option}")
    try:  # the permission bits do not tell everything (root, /proc, a read-only file system): make a folder there and remove it
        os.rmdir(tempfile.mkdtemp(prefix=".coopsim-probe-", dir=ancestor))
    except OSError as exc:
        raise OutputError(
            f"{ancestor}: nothing can be created there ({exc.strerror or exc}), so {out} cannot be written; choose another {option}"
        ) from None


def check_replaceable(folder: Path, shown: Path | None = None) -> None:
    """Refuse, naming what would be lost, a non-empty ``folder`` that ``--force`` may not replace (module docstring).

    ``shown`` is the path named in messages (``folder`` may have been moved aside to be checked once more).
    """
    shown = shown or folder
    try:
        manifest = parse_manifest(folder)
    except ResultsError as exc:
        reason = str(exc).split("; ")[0]  # what is wrong, without the advice to rerun (this folder is not coopsim's to replace)
        raise OutputError(f"{shown}: is not a coopsim results folder ({reason}); coopsim will not replace it even with --force") from None
    files = manifest["files"]
    if not files:
        raise OutputError(f"{shown}: its {MANIFEST} lists no files, so it is not a coopsim results folder; coopsim will not replace it")
    unlisted = sorted(name for name in os.listdir(folder) if name != MANIFEST and name not in files)
    if unlisted:
        raise OutputError(
            f"{shown}: holds {len(unlisted)} file(s) coopsim did not write ({_names(unlisted)}); "
            "--force never deletes them: move them out of the folder, or choose another --out"
        )
    marked = is_marked(manifest)
    for name, digest in files.items():
        path = folder / name
        if os.path.islink(path) or (os.path.lexists(path) and not path.is_file()):
            raise OutputError(
                f"{shown / name}: is not the file coopsim wrote (a link or a folder); move it out of the folder, or choose another --out"
            )
        if not path.exists():
            if marked:
                continue  # coopsim's own file, deleted since: nothing of the user's is lost
            raise OutputError(
                f"{shown}: {name}, listed in its {MANIFEST}, is missing and the manifest predates coopsim's marker, "
                "so coopsim cannot tell the folder is its own; it will not replace it: choose another --out"
            )
        try:
            found = file_sha256(path)
        except OSError as exc:
            raise OutputError(
                f"{shown / name}: cannot be read ({exc.strerror}), so coopsim cannot tell it is its own; it will not replace it"
            ) from None
        if found != digest:
            raise OutputError(
                f"{shown / name}: changed since coopsim wrote it (its checksum differs from {MANIFEST}); "
                "--force never deletes edited files: move it out of the folder, or choose another --out"
            )


def check_destination(out: str | Path, force: bool, option: str = "--out") -> Path:
    """Refuse, before any work, a destination that cannot be written or would lose the user's files; the real path written to."""
    real = real_destination(out, option)
    _check_creatable(real, option)
    if real.exists() and not real.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; choose another {option}")
    if real.is_dir() and any(real.iterdir()):
        if not force:
            raise OutputError(f"{out}: folder exists and is not empty; choose another {option} or add --force to replace earlier results")
        check_replaceable(real, Path(out))
    return real


def check_file_target(out: str | Path, force: bool, protected: Iterable[str | Path] = (), option: str = "--out") -> Path:
    """Refuse, before any work, an output file that cannot be written or would overwrite what it must not; the real path written to.

    Parameters
    ----------
    out : path
        The file to write; its missing parent folders are created when it is written.
    force : bool
        Replace an existing file (never a protected one).
    protected : paths
        Files the output must never replace: the inputs, the files of the results read. Compared
        after resolving links, and by device and inode, so no other name of them slips through.
    """
    real = real_destination(out, option)
    _check_creatable(real, option)
    if real.exists() and not real.is_file():
        raise OutputError(f"{out}: exists and is not a file; choose another {option}")
    if real.exists():
        target = os.stat(real)
        for path in protected:
            try:
                same = os.path.samestat(target, os.stat(path))
            except (OSError, ValueError):
                continue  # a protected file that is not there cannot be overwritten
            if same:
                raise OutputError(f"{out}: is {path}, which this command reads; write elsewhere with {option}")
        if not force:
            raise OutputError(f"{out}: exists; choose another {option} or add --force to replace it")
    return real


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it renamed into place: never half a file, never through a link.

    Missing parent folders are created; the file gets the permissions an ordinary new file would.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.partial-", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written ({exc.strerror}); choose another --out") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{path}: cannot be written ({exc.strerror}); choose another --out") from None
        raise
