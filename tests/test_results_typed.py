"""Results are typed end to end: the run builds them from its statistics, summary.json is read and written only at the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import reference

from sim import simulate
from sim.output import save
from sim.results import Precision, Results, to_json_ready
from sim.results.results import LawOutcome
from sim.studies.compare import compare


def assert_same_results(a: Results, b: Results, skip: tuple[str, ...] = ()) -> None:
    """Every field of ``a`` equals ``b``'s: frames and series exactly (values, index, dtypes), mappings as their JSON."""
    assert vars(a).keys() == vars(b).keys()
    for name, x in vars(a).items():
        if name in skip:
            continue
        y = getattr(b, name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, obj=name)
        elif isinstance(x, pd.Series):
            pd.testing.assert_series_equal(x, y, obj=name)
        elif name == "flows":
            assert x.keys() == y.keys()
            for flow in x:
                pd.testing.assert_frame_equal(x[flow], y[flow], obj=f"flows[{flow}]")
        elif name == "by_law":
            assert x.keys() == y.keys()
            for law in x:
                assert (x[law].kind, x[law].weight, x[law].paths) == (y[law].kind, y[law].weight, y[law].paths)
                pd.testing.assert_frame_equal(x[law].p_reach_by_year, y[law].p_reach_by_year, obj=f"by_law[{law}]")
        elif isinstance(x, Precision):
            assert (x.target_half_width, x.met, x.max_paths, x.cap_reached) == (y.target_half_width, y.met, y.max_paths, y.cap_reached)
            pd.testing.assert_series_equal(x.achieved_half_width, y.achieved_half_width, obj="precision")
        else:
            assert to_json_ready(x) == to_json_ready(y), name


@pytest.fixture(scope="module")
def run() -> Results:
    """A run of the reference (structural law, a mixture of laws, lenders): every kind of field filled."""
    return simulate(reference(), paths=300, seed=11, workers=1, progress=False)


def test_results_of_a_run_equal_those_loaded_from_its_folder_field_by_field(run: Results, tmp_path: Path) -> None:
    # every kind of field is filled: laws, the structural flows, finance by lender, tables indexed by integer year
    assert run.by_law and all(isinstance(law, LawOutcome) for law in run.by_law.values())
    assert {"country_total", "partner_share"} <= run.flows.keys() and len(run.finance)
    assert list(run.p_reach_by_year.index) == list(run.years) and run.p_reach_by_year.index.dtype.kind == "i"
    save(run, tmp_path / "r", figures=False)
    loaded = Results.load(tmp_path / "r")
    # the manifest on disk adds the files' checksums to the run's
    assert_same_results(run, loaded, skip=("manifest",))
    assert run.manifest.items() <= loaded.manifest.items()


def test_from_json_of_to_json_gives_the_same_results(run: Results) -> None:
    half = pd.Series([0.04] * len(run.years), index=pd.Index(run.years, name="year"), name="half_width", dtype=float)
    with_precision = Results(**{**_fields(run), "precision": Precision(0.01, half, False, 300, True)})
    for r in (run, with_precision):
        again = Results.from_json(r.to_json(), history=r.history, paths=r.paths, manifest=r.manifest)
        assert_same_results(r, again)
        assert again.to_json() == r.to_json()


def test_a_run_and_a_comparison_build_results_without_reading_summary_json(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Results:
        raise AssertionError("the run layer went through summary.json")

    monkeypatch.setattr(Results, "from_json", classmethod(refuse))
    assert isinstance(simulate(reference(), paths=50, seed=3, workers=1, progress=False), Results)
    comparison = compare([reference(), reference()], paths=50, seed=3, workers=1, progress=False)
    assert all(isinstance(r, Results) for r in comparison.results)


def _fields(r: Results) -> dict[str, Any]:
    """The constructor's keywords of ``r`` (its attributes: the constructor takes them by name)."""
    return dict(vars(r))
