"""The manifest of a run: which scenarios, seed and paths, on which executor, with which package versions, when.

One builder for :func:`sim.simulate` (one scenario) and :func:`sim.compare`
(several, the baseline first), so the two ``manifest.json`` files cannot drift
apart.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..scenario import Scenario

__all__ = ["run_manifest"]


def _local_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(seconds))


def run_manifest(
    scenarios: Sequence[Scenario],
    seed: int,
    paths: int,
    *,
    workers: int,
    dask: Any,
    versions: Mapping[str, str],
    started: float,
    finished: float,
) -> dict[str, Any]:
    """``manifest.json`` of a run (before the file checksums are added).

    Parameters
    ----------
    scenarios : sequence of Scenario
        One scenario (keys ``scenario_file``, ``scenario_sha256``) or several
        compared, the baseline first (keys ``scenario_files``, ``scenario_sha256`` as lists).
    seed, paths : int
        Root seed and paths simulated (per scenario).
    workers : int
        Worker processes; with ``dask`` the executor is a Dask cluster.
    versions : mapping
        Python's and the main packages' versions (:func:`sim.run.package_versions`).
    started, finished : float
        Wall-clock times, seconds since the epoch.
    """
    if len(scenarios) == 1:
        identity: dict[str, Any] = {"scenario_file": scenarios[0].source, "scenario_sha256": scenarios[0].sha256}
    else:
        identity = {"scenario_files": [s.source for s in scenarios], "scenario_sha256": [s.sha256 for s in scenarios]}
    return {
        **identity,
        "seed": seed,
        "paths": paths,
        "executor": "dask" if dask is not None else ("process pool" if workers > 1 else "in-process"),
        "workers": workers,
        "versions": dict(versions),
        "started": _local_time(started),
        "finished": _local_time(finished),
        "seconds": round(finished - started, 3),
    }
