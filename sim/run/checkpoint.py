"""Checkpoints: every finished chunk kept in a folder, so that a killed run resumes where it stopped.

A run started again with the same scenario, seed and arguments reads the
chunks an earlier run finished and runs only the others; its results are
bit-identical to an uninterrupted run's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..engine import TradePaths, simulate_chunk
from ..errors import clip
from ..results.folder import OutputError
from ..scenario import Scenario
from .executors import CHUNK_PATHS

__all__ = ["CHECKPOINT_IDENTITY", "checkpointed_chunk", "open_checkpoint"]

CHECKPOINT_IDENTITY = "coopsim-checkpoint.json"


def open_checkpoint(folder: str | os.PathLike, scenario: Scenario, seed: int) -> Path:
    """Create or reopen a checkpoint folder; refuse one made for another scenario or seed.

    Only this run's chunk files and ``coopsim-checkpoint.json`` are ever written
    there, and nothing in it is deleted.
    """
    path = Path(folder)
    identity = {"scenario_sha256": scenario.sha256, "seed": seed, "chunk_paths": CHUNK_PATHS}
    marker = path / CHECKPOINT_IDENTITY
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: exists and is not a folder; choose another --checkpoint")
    if marker.is_file():
        try:
            found = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            raise OutputError(f"{marker}: unreadable; choose another --checkpoint folder") from None
        if found != identity:
            raise OutputError(f"{path}: holds checkpoints of another scenario or seed ({found}); choose another --checkpoint folder")
    elif path.is_dir() and any(path.iterdir()):
        raise OutputError(f"{path}: folder exists, is not empty and is not a coopsim checkpoint; choose another --checkpoint")
    else:
        try:
            path.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps(identity) + "\n", encoding="utf-8")
        except OSError as exc:  # under a file, in a folder that cannot be created, a name too long
            raise OutputError(f"{clip(str(path))}: cannot be created ({exc.strerror or exc}); choose another --checkpoint") from None
    return path


def checkpointed_chunk(scenario: Scenario, seed: int, folder: str, start: int, stop: int) -> TradePaths:
    """:func:`simulate_chunk`, read from the checkpoint folder when an earlier run finished it, else run and kept there.

    A chunk file is written under a temporary name and renamed, so a kill
    leaves either the whole chunk or none of it.
    """
    target = Path(folder) / f"chunk_{start:012d}_{stop:012d}.npz"
    if target.is_file():
        try:
            with np.load(target, allow_pickle=False) as kept:
                return TradePaths(*(kept[name] for name in TradePaths._fields))
        except (OSError, ValueError, KeyError):
            pass  # an unreadable chunk is simply run again
    paths = simulate_chunk(scenario, seed, start, stop)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with open(partial, "wb") as fh:
        np.savez(fh, **paths._asdict())
    os.replace(partial, target)
    return paths
