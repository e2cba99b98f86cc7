"""Shortcuts that make a run cheaper give what the plain computation gives: per-scenario tables kept between paths, a
path's stream origin kept between the variants of a study, quantiles read from the cells that hold values, package
versions read once a process."""

from __future__ import annotations

import gc
import itertools
import math

import numpy as np
import pytest

from sim import load_scenario
from sim.engine import draw_paths, fixed, simulate_path, streams
from sim.engine.fixed import scenario_tables
from sim.engine.lender_queue import Lane
from sim.engine.model import priority_ranks
from sim.engine.streams import PathStreams
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


# ---------------------------------------------------------------- a scenario's tables, kept between its paths


@pytest.fixture(scope="module")
def reference_scenario(reference_scenario_path):
    return load_scenario(reference_scenario_path)


def test_a_scenarios_tables_are_worked_out_once_and_kept_while_it_lives(reference_scenario):
    s = reference_scenario
    assert scenario_tables(s) is scenario_tables(s)
    assert scenario_tables(s).measure_start.tolist() == [m.start - s.start_year for m in s.measures]
    assert scenario_tables(s).backlog_rank is None  # no priority list: every rank 0


def test_a_changed_scenario_gets_its_own_tables(reference_scenario):
    s = reference_scenario
    changed = s.replace({"portfolio.priority": ["backlog.energy", "bostanlyk_hydro"], "run.horizon_year": s.run.horizon_year - 2})
    mine, theirs = scenario_tables(s), scenario_tables(changed)
    assert theirs is not mine
    assert (theirs.horizon, mine.horizon) == (mine.horizon - 2, len(s.years))
    assert theirs.unranked == 2 and mine.unranked == 0
    assert theirs.backlog_rank.tolist() == [0 if name == "energy" else 2 for name in s.pipeline.sectors]
    assert theirs.named_rank.tolist() == [1 if p.name == "bostanlyk_hydro" else 2 for p in s.pipeline.projects]
    assert scenario_tables(s) is mine  # the first scenario's are unchanged


def test_no_path_can_change_the_tables_the_next_path_reads(reference_scenario):
    s = reference_scenario
    before = scenario_tables(s)
    saved = (before.measure_start.copy(), before.named_rank.copy())
    logs = [simulate_path(s, x) for x in draw_paths(s, 7, range(3))]
    with pytest.raises(ValueError, match="read-only"):
        logs[0].measure_start[0] = 99.0  # shared by every path's log: a caller must copy it to change it
    with pytest.raises(ValueError, match="read-only"):
        priority_ranks(s, draw_paths(s, 7, [0])[0])[0][0] = 5
    assert scenario_tables(s) is before
    np.testing.assert_array_equal(before.measure_start, saved[0])
    np.testing.assert_array_equal(before.named_rank, saved[1])


def test_the_tables_of_a_scenario_that_died_are_dropped(reference_scenario_path):
    s = load_scenario(reference_scenario_path)
    scenario_tables(s)
    key = id(s)
    assert key in fixed._KEPT
    del s
    gc.collect()
    assert key not in fixed._KEPT


# ---------------------------------------------------------------- a path's stream origin, kept for the variants of a study


@pytest.mark.parametrize(("seed", "path"), [(7, 0), (7, 3), (2**40 + 5, 11)])
def test_a_paths_kept_stream_origin_is_the_state_pcg64_seeds_it_with(seed, path):
    state = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(path,))).state["state"]
    assert streams._path_origin(seed, path) == (state["state"], state["inc"])
    assert streams._path_origin(seed, path) is streams._path_origin(seed, path)  # kept
    assert streams._path_origin(seed + 1, path) != streams._path_origin(seed, path)


def test_streams_made_after_the_origin_is_kept_draw_as_a_fresh_generator_advanced():
    first = PathStreams(5, 2)("pipeline").random(4)
    again = PathStreams(5, 2)("pipeline").random(4)  # from the kept origin
    bits = np.random.PCG64(np.random.SeedSequence(5, spawn_key=(2,)))
    bits.advance(streams._entity_offset("pipeline"))
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(again, np.random.Generator(bits).random(4))


# ---------------------------------------------------------------- a lane's values, copied once a path


def test_a_lanes_running_totals_are_the_sums_from_zero_added_one_at_a_time():
    capex = np.random.default_rng(3).lognormal(0.0, 1.5, 500)
    lane = Lane(0, np.arange(500.0), np.arange(500), capex, np.full(500, np.inf))
    assert list(lane.cum) == list(itertools.accumulate(capex.tolist(), initial=0.0))
    assert list(lane.times) == list(range(500)) and list(lane.capexes) == capex.tolist()
    lane.leave(3)
    assert lane.deadlines[3] == -math.inf and lane.deadlines[4] == math.inf
    assert list(Lane.empty(2).cum) == [0.0] and len(Lane.empty(2).times) == 0
