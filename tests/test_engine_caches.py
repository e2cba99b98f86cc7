"""Shortcuts that make a run cheaper give what the plain computation gives: per-scenario tables kept between paths, quantiles
read from the cells that hold values, package versions read once a process."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.run import package_versions
from sim.run.statistics import QuantileSketch


def _quantile_over_the_whole_grid(sketch: QuantileSketch, q: float) -> np.ndarray:
    """The sketch's quantile by a running count over every cell of the grid (how it was first computed)."""
    out = np.empty(sketch.counts.shape[0])
    for year, counts in enumerate(sketch.counts):
        cum = np.cumsum(counts)

        def order(j: int, year: int = year, cum: np.ndarray = cum) -> float:
            if j <= 0:
                return float(sketch.low[year])
            if j >= cum[-1] - 1:
                return float(sketch.high[year])
            k = int(np.searchsorted(cum, j, side="right"))
            before = int(cum[k - 1]) if k else 0
            a, b = sketch._bounds(k)
            lo, hi = max(a, sketch.low[year]), min(b, sketch.high[year])
            return float(lo + (j - before + 0.5) / (int(cum[k]) - before) * (hi - lo))

        rank = q * (cum[-1] - 1)
        j = int(math.floor(rank))
        below = order(j)
        above = order(j + 1) if rank > j else below
        out[year] = below + (rank - j) * (above - below)
    return out


@pytest.mark.parametrize("options", [{}, {"step": 1e-3, "signed": True}, {"low": 1e-6, "high": 2.0, "step": 1e-3}])
@pytest.mark.parametrize("n", [0, 1, 2, 7, 400])  # 0: a sketch without values gives its ends
def test_quantiles_read_from_the_cells_holding_values_equal_a_count_over_the_whole_grid(options, n):
    rng = np.random.default_rng(n)
    sketch = QuantileSketch(3, **options)
    for _ in range(3):  # chunks: blocks flagged by one chunk stay flagged
        sketch.add(rng.normal(2.0, 3.0, (n, 3)) * rng.choice([1.0, 0.0, 1e-5, 1e5, -1.0], (n, 3)))
    qs = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
    expected = np.stack([_quantile_over_the_whole_grid(sketch, q) for q in qs])
    np.testing.assert_array_equal(sketch.quantiles(qs), expected)
    np.testing.assert_array_equal(sketch.quantile(0.5), expected[3])


def test_package_versions_are_a_fresh_copy_each_call():
    first = package_versions()
    first["numpy"] = "changed by a caller"
    assert package_versions()["numpy"] == np.__version__
