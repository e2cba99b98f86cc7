"""Seeding: same inputs, same numbers; entity-keyed streams keep draws stable across scenario edits."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from helpers import reference

from sim import save, simulate
from sim.cli import main
from sim.engine import draw_path, draw_paths, simulate_batches, simulate_chunk
from sim.engine.streams import PathStreams, _entity_offset
from sim.run import run_paths


def test_same_seed_gives_identical_summary_json(tmp_path, capsys):
    for out in ("a", "b"):
        assert (
            main(
                [
                    "run",
                    "scenarios/uz_cn_2025.toml",
                    "--paths",
                    "300",
                    "--seed",
                    "5",
                    "--workers",
                    "1",
                    "--out",
                    str(tmp_path / out),
                    "--quiet",
                    "--no-figures",
                ]
            )
            == 0
        )
    a = (tmp_path / "a" / "summary.json").read_bytes()
    assert a == (tmp_path / "b" / "summary.json").read_bytes()
    assert json.loads(a)["paths"] == 300


def test_different_seeds_give_different_paths():
    s = reference()
    assert not np.array_equal(run_paths(s, 20, seed=1).trade, run_paths(s, 20, seed=2).trade)


def test_same_seed_same_results_for_any_worker_count():
    s = reference()
    one = run_paths(s, 600, seed=9, workers=1)
    two = run_paths(s, 600, seed=9, workers=2)
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(a, b, equal_nan=True)


def test_a_path_depends_only_on_its_index_not_on_the_path_count():
    s = reference()
    for a, b in zip(run_paths(s, 300, seed=4)[:40], run_paths(s, 40, seed=4), strict=True):
        assert np.array_equal(a, b, equal_nan=True)


def _fields(x) -> dict[str, np.ndarray]:
    """Every array and number of a path's inputs, by dotted name."""
    if dataclasses.is_dataclass(x):
        return {f"{f.name}.{k}".rstrip("."): v for f in dataclasses.fields(x) for k, v in _fields(getattr(x, f.name)).items()}
    return {"": np.asarray(x)}


@pytest.mark.parametrize(
    "changes",
    [
        {},
        # few generic projects a path, about as many paths below as above the count where PERT quantiles switch
        # from exact to tabulated: batches mix both; the sectors' patience PERT, not uniform (the general branch)
        {
            "pipeline.launches_per_year": 1.6,
            "pipeline.warmup_years": 0,
            "portfolio.backlog.capex_usd_bn": 0.0,
            **{
                f"pipeline.sectors.{k}.patience_years": {"dist": "pert", "min": 0.2, "mode": 1.0, "max": 3.0}
                for k in ("energy", "automotive")
            },
            "portfolio.financiers.cdb.capacity_usd_bn_per_year": {"dist": "pert", "min": 0.1, "mode": 0.4, "max": 1.2},
        },
    ],
    ids=["reference", "few-projects-pert"],
)
def test_a_paths_draws_are_the_same_whatever_paths_it_is_drawn_with(changes):
    """Chunks differ with the worker count: a path's inputs must not depend on the batch it is drawn in, to the bit."""
    s = reference().replace(changes) if changes else reference()
    paths = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765]
    alone = {p: _fields(draw_path(s, 3, p)) for p in paths}
    for batch in (paths, paths[::-1], paths[3:9], [paths[7]]):
        for p, x in zip(batch, draw_paths(s, 3, batch), strict=True):
            together = _fields(x)
            assert together.keys() == alone[p].keys()
            for name, value in together.items():
                assert value.dtype == alone[p][name].dtype and value.tobytes() == alone[p][name].tobytes(), (p, name)
    if changes:
        sizes = [draw_path(s, 3, p).generic.capex_usd_bn.size for p in paths]
        assert min(sizes) <= 16 < max(sizes), "the case should mix paths drawn exactly and from the table"


def test_studies_reading_paths_batch_by_batch_see_the_runs_trade_inputs_and_events():
    """What path experiments and scenario discovery read (:func:`simulate_batches`) is the run's trade to the bit, with each path's own draws."""
    s = reference()
    batches = list(simulate_batches(s, 4, 10, 70))
    assert [len(xs) for xs, _, _ in batches] == [25, 25, 10]
    trade = np.concatenate([b.by_component for _, _, b in batches])
    assert trade.tobytes() == simulate_chunk(s, 4, 10, 70).by_component.tobytes()
    for xs, logs, b in batches:
        assert len(xs) == len(logs) == b.by_component.shape[0]
    drawn, alone = _fields(batches[1][0][3]), _fields(draw_path(s, 4, 38))
    assert drawn["path"] == 38 and drawn.keys() == alone.keys()
    assert all(drawn[k].tobytes() == alone[k].tobytes() for k in drawn)


def _project(name: str) -> dict:
    return {
        "name": name,
        "sector": "energy",
        "capex_usd_bn": {"dist": "uniform", "min": 0.5, "max": 1.5},
        "stage": "awaiting_finance",
        "financier": "cdb",
        "build_years": {"dist": "pert", "min": 1, "mode": 2, "max": 3},
        "delay_probability": 0.5,
        "delay_years": 1.0,
    }


def _with_projects(extra: list[dict]):
    s = reference()
    projects = s.get("pipeline.projects")
    return s.replace({"pipeline.projects": extra[:1] + projects + extra[1:]})


def _same(a, b) -> bool:
    """Equal arrays, NaN equal to NaN where both hold floats (a flag array has no NaN to compare)."""
    a, b = np.asarray(a), np.asarray(b)
    return np.array_equal(a, b, equal_nan=np.issubdtype(a.dtype, np.floating) and np.issubdtype(b.dtype, np.floating))


def test_adding_a_project_leaves_every_other_draw_unchanged():
    before = reference()
    after = _with_projects([_project("new_first"), _project("new_last")])
    for path in range(5):
        a, b = draw_path(before, 3, path), draw_path(after, 3, path)
        for field in dataclasses.fields(a):
            va, vb = getattr(a, field.name), getattr(b, field.name)
            if field.name == "flagships":
                # the new projects sit at positions 0 and -1; every other project draws the same
                for ff in dataclasses.fields(va):
                    xa, xb = getattr(va, ff.name), getattr(vb, ff.name)
                    assert _same(xa, xb[1:-1]), ff.name
            elif dataclasses.is_dataclass(va):
                for ff in dataclasses.fields(va):
                    assert _same(getattr(va, ff.name), getattr(vb, ff.name)), (field.name, ff.name)
            else:
                assert _same(va, vb), field.name


def test_a_project_draws_by_its_name_not_its_position():
    s = _with_projects([_project("alpha"), _project("beta")])
    swapped = s.replace({"pipeline.projects": list(reversed(s.get("pipeline.projects")))})
    a, b = draw_path(s, 8, 0), draw_path(swapped, 8, 0)
    assert a.flagships.capex_usd_bn[0] == b.flagships.capex_usd_bn[-1]
    assert a.flagships.build_years[0] == b.flagships.build_years[-1]


def test_streams_of_a_batch_sharing_one_generator_each_draw_what_numpy_advance_gives_their_path():
    # the documented stream: the path's PCG64 (seed sequence spawned at its index) advanced by the entity's offset
    paths = [0, 1, 17, 123_456]
    batch = PathStreams.batch(7, paths)
    for path, streams in zip(paths, batch, strict=True):
        for entity in ("trade.law", "pipeline", "project:olefin_complex", "sector:energy", ""):
            bits = np.random.PCG64(np.random.SeedSequence(7, spawn_key=(path,)))
            bits.advance(_entity_offset(entity))
            expected = np.random.Generator(bits).random(6)
            assert np.array_equal(streams(entity).random(6), expected), (path, entity)
            assert np.array_equal(PathStreams(7, path)(entity).random(6), expected), (path, entity)


def test_simulate_from_the_api_equals_the_command_line(tmp_path):
    assert (
        main(
            [
                "run",
                "scenarios/uz_cn_2025.toml",
                "--paths",
                "200",
                "--seed",
                "3",
                "--workers",
                "1",
                "--out",
                str(tmp_path / "cli"),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    from_cli = json.loads((tmp_path / "cli" / "summary.json").read_text())
    api = simulate(reference(), paths=200, seed=3)
    save(api, tmp_path / "api", figures=False)
    assert from_cli == json.loads((tmp_path / "api" / "summary.json").read_text())
