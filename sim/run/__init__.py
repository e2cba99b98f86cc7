"""Running many paths: executors, checkpoints, streaming statistics, and :func:`simulate`.

* :mod:`~sim.run.simulate`: :func:`simulate` (a scenario's statistics and
  ``Results``), :func:`run_paths` (every path's trade, for tests and studies),
  and :func:`check_run_arguments`;
* :mod:`~sim.run.executors`: in-process, process-pool and Dask executors, the
  chunk loop that merges chunks in path order (:func:`stream_chunks`), and the
  stop request of the command line's signal handlers;
* :mod:`~sim.run.checkpoint`: finished chunks kept on disk for a resumed run;
* :mod:`~sim.run.statistics`: the streaming aggregator and its quantile sketch;
* :mod:`~sim.run.progress`: the progress bar.

One path's simulation is :mod:`sim.engine`.
"""

from .executors import STOP, chunk_ranges, default_workers, open_executor, stream_chunks
from .progress import ProgressBar
from .simulate import (
    DEFAULT_MAX_PATHS,
    check_path_count,
    check_run_arguments,
    counterfactual_study_manifest,
    known_history,
    package_versions,
    paths_on,
    paths_seed_workers,
    run_paths,
    run_results,
    simulate,
    study_manifest,
)

__all__ = [
    "DEFAULT_MAX_PATHS",
    "STOP",
    "ProgressBar",
    "check_path_count",
    "check_run_arguments",
    "chunk_ranges",
    "counterfactual_study_manifest",
    "default_workers",
    "known_history",
    "open_executor",
    "package_versions",
    "paths_on",
    "paths_seed_workers",
    "run_paths",
    "run_results",
    "simulate",
    "stream_chunks",
    "study_manifest",
]
