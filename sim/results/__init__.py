"""The results of a run, typed, and the results folder they are saved in and loaded from.

* :mod:`sim.results.results` -- :class:`Results` (integer years, DataFrames
  indexed by year, :class:`HitYear`, :class:`Precision`), built from the
  aggregator's statistics or from ``summary.json``; ``to_json()`` for the edge.
* :mod:`sim.results.folder` -- the atomic folder writer with its manifest of
  SHA-256 checksums, their check on loading, and the JSON and CSV writers.
* :mod:`sim.results.provenance` -- :func:`run_manifest`, the manifest of a run or a comparison.

Nothing here draws: :mod:`sim.plots` and :mod:`sim.output` sit above.
"""

from .folder import OutputError, ResultsError, check_destination, to_json_ready, write_folder, write_json, write_table
from .provenance import run_manifest
from .results import ALL_LENDERS, FINANCE_STATISTICS, HitYear, Precision, Results

__all__ = [
    "ALL_LENDERS",
    "FINANCE_STATISTICS",
    "HitYear",
    "OutputError",
    "Precision",
    "Results",
    "ResultsError",
    "check_destination",
    "run_manifest",
    "to_json_ready",
    "write_folder",
    "write_json",
    "write_table",
]
