"""Paths with nothing to finance skip the finance model, chunks without projects the sums that would give zeros, and a
scenario without a pipeline is drawn and assembled in larger batches: the same arrays, bit for bit, as the full
computation (``sim.engine.model._SKIP_IDLE`` turned off)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import simpy
from helpers import build, organic_only, reference

from sim.engine import chunk, draw_paths, model, simulate_path
from sim.engine.sampling import PathInputs, ShockStrikes
from sim.scenario import Scenario


def _organic_scenarios() -> dict[str, Scenario]:
    """Scenarios with no project: the helpers' organic-only one, the reference without its portfolio and pipeline (a mixture
    of laws, a partly observed first year, measures and shocks), with shocks more frequent, and with its lenders kept."""
    bare = reference().replace({"pipeline": None, "portfolio": None})
    return {
        "organic_only": build(organic_only()),
        "reference_without_finance": bare,
        "frequent_shocks": bare.replace({"shocks.trade_shock.probability_per_year": 0.6}),
        # lenders with capacity and nobody asking them (their finance tables: zeros for each lender)
        "lenders_without_projects": reference().replace({"pipeline": None, "portfolio.backlog": None}),
    }


SCENARIOS = _organic_scenarios()
# a pipeline launching about one project a run and no named project: paths without a project beside paths with some
COMPARED = SCENARIOS | {
    "some_paths_idle": reference().replace(
        {"pipeline.projects": [], "pipeline.launches_per_year": 0.08, "pipeline.warmup_years": 0, "portfolio.backlog": None}
    )
}


def _full(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "_SKIP_IDLE", False)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values, dtype and shape, and the same bits (``-0.0`` is not ``0.0``, NaN equals NaN)."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", list(COMPARED))
def test_an_organic_only_chunk_equals_the_full_finance_model_in_every_field(name, monkeypatch):
    s = COMPARED[name]
    # paths 3 to 299: batches of 250 then 47 (without a pipeline), against twelve of at most 25 in the full computation
    fast = chunk.simulate_chunk(s, 11, 3, 300)
    _full(monkeypatch)
    full = chunk.simulate_chunk(s, 11, 3, 300)
    for field, a, b in zip(fast._fields, fast, full, strict=True):
        assert _same_bits(a, b), field
        assert np.array_equal(a, b, equal_nan=True), field
    assert fast.trade[:, :, 0].any()  # organic trade is there: the comparison is not of empty arrays


def _late_shocks(x: PathInputs, horizon: float) -> PathInputs:
    """``x`` with shocks at 0, inside the run, at its horizon (SimPy stops first: never) and after it."""
    time = np.array([0.0, 0.25, horizon - 1e-9, horizon, horizon + 0.5])
    return dataclasses.replace(x, shocks=ShockStrikes(time, np.full(5, 0.1), np.full(5, 1.0)))


@pytest.mark.parametrize("name", list(COMPARED))
def test_the_log_of_a_path_with_nothing_to_finance_has_the_full_models_arrays_and_dtypes(name, monkeypatch):
    s = COMPARED[name]
    inputs = draw_paths(s, 5, list(range(40)))
    if name == "frequent_shocks":
        inputs.append(_late_shocks(inputs[0], float(len(s.years))))
    fast = [simulate_path(s, x) for x in inputs]
    _full(monkeypatch)
    full = [simulate_path(s, x) for x in inputs]
    struck = 0
    for a, b in zip(fast, full, strict=True):
        for f in dataclasses.fields(model.EventLog):
            if f.name != "finance":
                assert _same_bits(getattr(a, f.name), getattr(b, f.name)), f.name
        for f in dataclasses.fields(model.FinanceLog):
            assert _same_bits(getattr(a.finance, f.name), getattr(b.finance, f.name)), f.name
        struck += np.isfinite(a.shock_time).sum()
    if name == "some_paths_idle":
        assert 0 < sum(x.generic.request_time.size == 0 for x in inputs) < len(inputs)
    if name == "frequent_shocks":  # shocks that struck in the run, and (inf) those due at its horizon or after
        assert struck > 0 and np.isinf(fast[-1].shock_time).tolist() == [False, False, False, True, True]


def test_the_shared_empty_arrays_of_idle_paths_cannot_be_written():
    s = SCENARIOS["organic_only"]
    log = simulate_path(s, draw_paths(s, 1, [0])[0])
    assert not log.generic_funded.flags.writeable and not log.finance.decided.flags.writeable


def test_an_organic_only_run_builds_no_finance_book_requests_or_simpy_environment(monkeypatch):
    counts = {"book": 0, "requests": 0, "environment": 0}

    def counting(key, make):
        def made(*args, **kwargs):
            counts[key] += 1
            return make(*args, **kwargs)

        return made

    monkeypatch.setattr(model, "FinanceBook", counting("book", model.FinanceBook))
    monkeypatch.setattr(model, "finance_requests", counting("requests", model.finance_requests))
    monkeypatch.setattr(simpy, "Environment", counting("environment", simpy.Environment))
    for s in SCENARIOS.values():
        chunk.simulate_chunk(s, 2, 0, 30)
    assert counts == {"book": 0, "requests": 0, "environment": 0}
    # the counters count: the full model builds all three (shocks strike in a SimPy environment)
    _full(monkeypatch)
    chunk.simulate_chunk(SCENARIOS["frequent_shocks"], 2, 0, 30)
    assert counts["book"] == counts["requests"] == 30 and counts["environment"] > 0


def test_a_scenario_without_a_pipeline_is_assembled_in_batches_of_250_paths(monkeypatch):
    sizes = []
    assembled = chunk._assembled
    monkeypatch.setattr(chunk, "_assembled", lambda s, seed, paths: sizes.append(len(paths)) or assembled(s, seed, paths))
    chunk.simulate_chunk(SCENARIOS["organic_only"], 1, 0, 600)
    assert sizes == [250, 250, 100]
    sizes.clear()
    chunk.simulate_chunk(reference(), 1, 0, 60)
    assert sizes == [25, 25, 10]


def test_a_scenario_with_projects_still_runs_the_finance_model(monkeypatch):
    made = []
    monkeypatch.setattr(model, "FinanceBook", lambda *a, make=model.FinanceBook: made.append(1) or make(*a))
    s = reference()
    chunk.simulate_chunk(s, 2, 0, 3)
    assert len(made) == 3
