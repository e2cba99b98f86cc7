"""The benchmark script runs (a quick pass; its figures are for the README, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_script_runs_and_prints_every_measure():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_engine.py"), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    for phrase in (
        "ms per path",
        "where a path's time goes",
        "finance model without",
        "paths/s",
        "parallel efficiency",
        "peak memory",
        "faster per path",
        "targets (2-core machine)",
        "under 15 s: not measured in this pass",
    ):
        assert phrase in done.stdout
