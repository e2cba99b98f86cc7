"""The results of a run, typed, and the results folder they are saved in and loaded from.

* :mod:`sim.results.results` -- :class:`Results` (integer years, DataFrames
  indexed by year, :class:`HitYear`, :class:`LawOutcome`, :class:`Precision`), built from
  typed fields by the run; ``Results.from_json`` and ``to_json()`` the one reader and
  writer of ``summary.json``;
* :mod:`sim.results.frames` -- the shape of each of its tables, built from arrays or
  read from and written to ``summary.json``'s mappings;
* :mod:`sim.results.folder` -- the atomic folder writer with its manifest of
  SHA-256 checksums, and the JSON and CSV writers;
* :mod:`sim.results.manifest` -- the manifest's schema, the checksums' check on
  loading, and reading only the files the manifest lists;
* :mod:`sim.results.destination` -- every output path checked before any work,
  what ``--force`` may replace, and single files written atomically.
* :mod:`sim.results.provenance` -- :func:`run_manifest`, the manifest of a run or a comparison.

Nothing here draws: :mod:`sim.plots` and :mod:`sim.output` sit above.
"""

from .destination import OutputError, check_destination, check_file_target, write_text_atomically
from .folder import to_json_ready, write_folder, write_json, write_table
from .manifest import ResultsError
from .provenance import run_manifest
from .results import ALL_LENDERS, FINANCE_STATISTICS, HitYear, LawOutcome, Precision, Results

__all__ = [
    "ALL_LENDERS",
    "FINANCE_STATISTICS",
    "HitYear",
    "LawOutcome",
    "OutputError",
    "Precision",
    "Results",
    "ResultsError",
    "check_destination",
    "check_file_target",
    "run_manifest",
    "to_json_ready",
    "write_folder",
    "write_json",
    "write_text_atomically",
    "write_table",
]
