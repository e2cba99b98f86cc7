"""Specification of scenario validation.

Every input problem ends with exit status 2 and a message on stderr of the form
``<file>: <dotted.key.path>: <what is wrong and what is allowed>`` (possibly after
``coopsim: ``), never with a traceback. Bad scenarios are made from the reference scenario,
either by changing values at dotted paths (addressed like the scenario itself:
named entries of arrays by their ``name``) and writing TOML back, or by editing
its text.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from helpers import dump_toml

from sim.cli import main
from sim.scenario import LIMITS, ScenarioError, key_reference, load_scenario
from sim.scenario.schema import ScenarioFile, Table

REPO = Path(__file__).resolve().parents[1]
HISTORY_CSV = REPO / "seeds" / "uz_cn_trade_history.csv"
PARTIAL_CSV = REPO / "seeds" / "uz_cn_trade_partial_2025.csv"
REFERENCE_NAME = "uz_cn_2025.toml"
NAN, INF = math.nan, math.inf
MAX_YEARS = LIMITS["max_horizon_years"]
DELETE = object()
"""A change that removes the key."""


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set (or with ``DELETE`` remove) the value at a dotted path; list entries are addressed by name."""
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = next(e for e in node if e.get("name") == part) if isinstance(node, list) else node[part]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value


# ---------------------------------------------------------------- fixtures and helpers


class Workspace:
    """A copy of the repository layout in a temporary folder.

    ``scenarios/uz_cn_2025.toml`` and the ``seeds/`` files it names, so the
    reference's relative ``history`` and ``observed.file`` paths resolve for
    every variant written into ``scenarios/``.
    """

    def __init__(self, root: Path, reference_text: str):
        self.root = root
        self.scenarios = root / "scenarios"
        self.reference_text = reference_text
        self.scenarios.mkdir()
        (root / "seeds").mkdir()
        shutil.copy(HISTORY_CSV, root / "seeds")
        shutil.copy(PARTIAL_CSV, root / "seeds")
        self.reference = self.write(REFERENCE_NAME, reference_text)

    def write(self, name: str, content: str | bytes) -> Path:
        path = self.scenarios / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def variant(self, changes: Mapping[str, Any] = {}, name: str = "variant.toml") -> Path:  # noqa: B006 (never mutated)
        """The reference with values changed at dotted paths, written back as TOML."""
        doc = tomllib.loads(self.reference_text)
        for path, value in changes.items():
            set_path(doc, path, value)
        return self.write(name, dump_toml(doc))

    def edit(self, old: str, new: str, name: str = "edited.toml") -> Path:
        """The reference with one piece of text replaced (``old`` must occur once)."""
        assert self.reference_text.count(old) == 1, f"{old!r} is not unique in the reference"
        return self.write(name, self.reference_text.replace(old, new))

    def append(self, text: str, name: str = "appended.toml") -> Path:
        return self.write(name, self.reference_text + "\n" + text)


@pytest.fixture
def ws(tmp_path: Path, reference_text: str) -> Workspace:
    return Workspace(tmp_path, reference_text)


def cli(*args: str | Path) -> int:
    """Run the command line in-process; argument errors exit through argparse, so catch SystemExit."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code  # type: ignore[return-value]


def rejected(capsys: pytest.CaptureFixture[str], path: Path, key: str = "", source: str | None = None) -> str:
    """Validate ``path``; assert exit status 2 and a message for ``source`` and ``key``; return that message.

    ``source`` is how the message names the file: ``path``, or ``path -> base.toml`` for a problem
    found in a file that ``path`` extends.
    """
    source = str(path) if source is None else source
    code = cli("validate", path)
    out, err = capsys.readouterr()
    assert code == 2, f"accepted (exit {code}); stdout: {out!r}"
    assert out == "", "nothing is printed as ok"
    lines = [line.removeprefix("coopsim: ") for line in err.splitlines()]
    assert lines and lines[0].startswith(f"{source}: "), err
    prefix = f"{source}: {key}: " if key else f"{source}: "
    messages = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
    assert messages, f"no message for key {key!r} in:\n{err}"
    return "\n".join(messages)


# ---------------------------------------------------------------- the baseline


def test_the_toml_writer_round_trips_the_reference(reference_text: str) -> None:
    doc = tomllib.loads(reference_text)
    assert tomllib.loads(dump_toml(doc)) == doc


def test_an_unchanged_copy_of_the_reference_validates(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.variant({})
    assert cli("validate", path) == 0
    assert capsys.readouterr().out.strip() == f"{path}: ok"


@pytest.mark.parametrize("path", sorted((REPO / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("validate", path) == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == f"{path}: ok"


# ---------------------------------------------------------------- keys, types and ranges


def case(id: str, changes: dict[str, Any], *fragments: str, key: str | None = None, marks: Any = ()) -> Any:
    """A bad value: changes to the reference, what the message must say, and the key it names (default: the changed one)."""
    if key is None:
        (key,) = changes
    return pytest.param(changes, key, fragments, id=id, marks=marks)


VALUE_CASES = [
    # unknown keys, with the nearest valid key or the list of allowed keys
    case("unknown-top-level-key", {"pipline": {"launches_per_year": 1}}, "unknown key", "did you mean 'pipeline'"),
    case("unknown-nested-key", {"trade.structural.total_growth.meen": 0.1}, "unknown key", "did you mean 'mean'"),
    case("unknown-project-key", {"pipeline.projects.cku_railway.complection_year": 2031.0}, "did you mean 'completion_year'"),
    case("unknown-shock-key", {"shocks.trade_shock.dept": 0.1}, "did you mean 'depth'"),
    case(
        "unknown-key-lists-allowed",
        {"portfolio.financiers.cdb.volume": 1.0},
        "allowed: capacity_lapse_years, capacity_trend, capacity_usd_bn_per_year, description, fallback, shock_sensitivity",
    ),
    case(
        "unknown-distribution-parameter",
        {"trade.structural.total_growth.mean": {"dist": "normal", "mean": 0.07, "sdd": 0.03}},
        "unknown key",
        "did you mean 'sd'",
        key="trade.structural.total_growth.mean.sdd",
    ),
    # wrong types
    case("string-for-number", {"trade.base_usd_bn": "twelve"}, "must be a number", "'twelve'"),
    case("string-for-number-or-distribution", {"trade.structural.total_growth.sd": "0.12"}, "must be a number or a distribution table"),
    case("number-for-string", {"trade.reporter": 5}, "must be a string"),
    case("fraction-for-whole-number", {"run.horizon_year": 2030.5}, "must be a whole number"),
    case("unknown-stage", {"pipeline.projects.cku_railway.stage": "built"}, "'operating'", "'construction'", "'awaiting_finance'"),
    case("numeric-string-for-number", {"trade.base_usd_bn": "12.4"}, "must be a number"),
    case("numeric-string-for-whole-number", {"trade.base_year": "2024"}, "must be a whole number"),
    # booleans where numbers are expected
    case("bool-for-number-or-distribution", {"trade.structural.total_growth.sd": True}, "not true/false"),
    case("bool-for-number", {"trade.base_usd_bn": True}, "number"),
    case("bool-for-probability", {"pipeline.delay_probability": False}, "number"),
    case("fractional-last-launch-year", {"pipeline.last_launch_year": 2027.5}, "whole number", "2027.5"),
    case("bool-for-whole-number", {"run.paths": True}, "whole number"),
    case("bool-for-months", {"trade.observed.months": True}, "whole number"),
    # money, probabilities, distributions with a forbidden support
    case("negative-base-trade", {"trade.base_usd_bn": -1}, "must be > 0"),
    case("negative-capex", {"pipeline.projects.cku_railway.capex_usd_bn": -4.665}, "must be > 0", "USD bn"),
    case(
        "normal-capex",
        {"pipeline.projects.cku_railway.capex_usd_bn": {"dist": "normal", "mean": 4.665, "sd": 0.5}},
        "must be > 0 for every value the distribution can take",
    ),
    case(
        "capacity-below-zero",
        {"portfolio.financiers.cdb.capacity_usd_bn_per_year": {"dist": "uniform", "min": -0.5, "max": 2.0}},
        "must be >= 0 for every value",
    ),
    case("probability-above-one", {"shocks.trade_shock.probability_per_year": 1.5}, "must be <= 1", "1.5"),
    case("probability-below-zero", {"pipeline.delay_probability": -0.1}, "must be >= 0", "-0.1"),
    case("share-distribution-above-one", {"shocks.trade_shock.depth": {"dist": "uniform", "min": 0.5, "max": 1.5}}, "< 1 for every value"),
    # NaN and infinity
    case("nan-base-trade", {"trade.base_usd_bn": NAN}, "must be a finite number", "nan"),
    case("inf-sector-weight", {"pipeline.sector_mix.energy": INF}, "must be a finite number", "inf"),
    case("nan-probability", {"shocks.trade_shock.probability_per_year": NAN}, "must be a finite number"),
    case("minus-inf-start", {"pipeline.projects.olefin_complex.construction_start": -INF}, "must be a finite number"),
    case("inf-horizon", {"run.horizon_year": INF}, "must be a whole number", "inf"),
    case(
        "inf-distribution-parameter",
        {"portfolio.financiers.cdb.capacity_usd_bn_per_year": {"dist": "lognormal", "median": 1.0, "p90": INF}},
        "must be a finite number",
        key="portfolio.financiers.cdb.capacity_usd_bn_per_year.p90",
    ),
    case(
        "nan-choice-value",
        {"trade.structural.total_growth.mean": {"dist": "choice", "values": [0.05, NAN]}},
        "must be a finite number",
        key="trade.structural.total_growth.mean.values[1]",
    ),
    case("nan-growth-mean", {"trade.structural.total_growth.mean": NAN}, "must be a finite number"),
    case("inf-capex", {"pipeline.projects.cku_railway.capex_usd_bn": INF}, "must be a finite number"),
    # horizon
    case("horizon-equal-to-base", {"run.horizon_year": 2024}, "must be after trade.base_year = 2024"),
    case("horizon-before-base", {"run.horizon_year": 2020}, "must be after trade.base_year = 2024"),
    case("horizon-too-far", {"run.horizon_year": 2024 + MAX_YEARS + 1}, f"at most {MAX_YEARS} years after trade.base_year"),
    case("horizon-absurd", {"run.horizon_year": 100000}, "at most 100 years after trade.base_year"),
    # distributions
    case(
        "unknown-distribution",
        {"trade.structural.total_growth.mean": {"dist": "lognorm", "median": 0.07, "p90": 0.1}},
        "unknown distribution 'lognorm'",
        "lognormal",
        "pert",
    ),
    case("missing-dist", {"trade.structural.total_growth.mean": {"mean": 0.07, "sd": 0.03}}, "needs a 'dist' key", "normal"),
    case(
        "lognormal-p90-not-above-median",
        {"portfolio.financiers.cdb.capacity_usd_bn_per_year": {"dist": "lognormal", "median": 1.0, "p90": 1.0}},
        "lognormal needs p90 > median",
    ),
    case(
        "pert-min-above-max",
        {"pipeline.build_years": {"dist": "pert", "min": 4.0, "mode": 2.0, "max": 1.0}},
        "pert needs min <= mode <= max",
    ),
    case(
        "triangular-mode-outside",
        {"pipeline.sectors.mining_metals.exports_per_capex_per_year": {"dist": "triangular", "min": 0.05, "mode": 0.5, "max": 0.3}},
        "triangular needs min <= mode <= max",
    ),
    case(
        "choice-weights-mismatched",
        {"trade.structural.total_growth.sd": {"dist": "choice", "values": [0.1, 0.2], "weights": [1.0]}},
        "one weight per value",
        "2 values, 1 weights",
    ),
    # references between tables
    case("unknown-financier", {"pipeline.projects.bostanlyk_hydro.financier": "cbd"}, "'cbd' is not a financier", "did you mean 'cdb'"),
    case("unknown-sector", {"pipeline.projects.sany_wind.sector": "wind_power"}, "'wind_power' is not a sector of [pipeline.sectors]"),
    case("unknown-sector-in-mix", {"pipeline.sector_mix.energi": 0.1}, "is not defined", "did you mean 'energy'"),
    case("unknown-financier-in-mix", {"pipeline.financier_mix.exim": 0.1}, "is not defined", "did you mean 'eximbank'"),
    # stages
    case(
        "awaiting-finance-without-financier", {"pipeline.projects.byd_phase3.financier": DELETE}, "required when stage = 'awaiting_finance'"
    ),
    case(
        "awaiting-finance-without-build-years",
        {"pipeline.projects.byd_phase3.build_years": DELETE},
        "required when stage = 'awaiting_finance'",
    ),
    case(
        "construction-without-completion", {"pipeline.projects.cku_railway.completion_year": DELETE}, "required when stage = 'construction'"
    ),
    case(
        "completion-before-start", {"pipeline.projects.olefin_complex.completion_year": 2021.5}, "must be after construction_start = 2022"
    ),
    # the partly observed year
    case(
        "observed-year-not-first",
        {"trade.observed": {"year": 2026, "months": 7, "value_usd_bn": 8.78, "yoy_growth": 0.23}},
        "trade.base_year + 1 = 2025",
        "got 2026",
        key="trade.observed.year",
    ),
    case("observed-months-zero", {"trade.observed.months": 0}, "must be >= 1"),
    case("observed-months-twelve", {"trade.observed.months": 12}, "must be <= 11"),
    case("observed-file-and-inline", {"trade.observed.months": 7}, "give trade.observed.file or the inline values"),
    case("observed-file-missing", {"trade.observed.file": "../seeds/no_such.csv"}, "file not found", "relative to the scenario file"),
    case(
        "observed-inline-incomplete",
        {"trade.observed": {"months": 7, "yoy_growth": 0.23}},
        "required key is missing (or give trade.observed.file)",
        key="trade.observed.value_usd_bn",
    ),
    case(
        "observed-more-than-the-base-year",
        {"trade.observed": {"months": 7, "value_usd_bn": 14.0, "yoy_growth": 0.1}},
        "not less than the whole year's trade.base_usd_bn = 12.4",
        key="trade.observed.value_usd_bn",
    ),
    case("observed-renamed-growth", {"trade.observed.growth": 0.23}, "renamed yoy_growth"),
    case("revision-sd-negative", {"trade.observed.revision_sd": -0.1}, "must be >= 0"),
    # two-sided trade and the organic laws
    case("exports-not-below-turnover", {"trade.base_exports_usd_bn": 12.4}, "must be less than trade.base_usd_bn = 12.4"),
    case("exports-missing", {"trade.base_exports_usd_bn": DELETE}, "required key is missing"),
    case("unknown-target-flow", {"trade.target_flow": "balance"}, "'turnover'", "'exports'", "'imports'"),
    case("no-organic-law", {"trade.structural": DELETE}, "needs an organic law", "[trade.growth]", key="trade"),
    case(
        "two-organic-laws",
        {"trade.growth": {"mean": 0.1, "sd": 0.1}},
        "are both given; keep one organic law",
        key="trade.structural",
    ),
    case("total-not-above-bilateral", {"trade.structural.total_base_usd_bn": 10.0}, "must exceed trade.base_usd_bn = 12.4"),
    case("share-long-run-one", {"trade.structural.share.long_run": 1.0}, "must be > 0 and < 1"),
    case(
        "share-long-run-reaching-zero",
        {"trade.structural.share.long_run": {"dist": "uniform", "min": 0.0, "max": 0.3}},
        "must be > 0 and < 1 for every value",
    ),
    case("share-persistence-above-one", {"trade.structural.share.persistence": 1.2}, "<= 1"),
    case("share-walk-in-a-reverting-law", {"trade.structural.share.persistence": 1.0}, "a reverting law needs persistence below 1"),
    case("share-sd-negative", {"trade.exports_share.sd": -0.1}, "must be >= 0"),
    case("correlation-above-one", {"trade.exports_share.correlation": 1.5}, "must be <= 1"),
    case("renamed-trade-per-capex", {"pipeline.sectors.energy.trade_per_capex_per_year": 0.1}, "replaced by exports_per_capex_per_year"),
    case("sector-imports-missing", {"pipeline.sectors.energy.imports_per_capex_per_year": DELETE}, "required key is missing"),
    case("measure-without-direction", {"measures.visa_free.direction": DELETE}, "required key is missing"),
    case("measure-unknown-direction", {"measures.visa_free.direction": "both"}, "'exports'", "'imports'"),
    # finance: lenders' trend, shock sensitivity, lapse and fallback; patience; priority
    case("capacity-trend-too-steep", {"portfolio.financiers.cdb.capacity_trend": 2.0}, "must be <= 1"),
    case("capacity-trend-not-a-number", {"portfolio.financiers.cdb.capacity_trend": "fast"}, "must be a number"),
    case("shock-sensitivity-too-large", {"portfolio.financiers.chinese_investment.shock_sensitivity": 6.0}, "must be <= 5"),
    case("capacity-lapse-zero", {"portfolio.financiers.cdb.capacity_lapse_years": 0.0}, "must be > 0"),
    case("fallback-unknown", {"portfolio.financiers.cdb.fallback": "exim"}, "'exim' is not a financier", "did you mean 'eximbank'"),
    case(
        "fallback-to-itself",
        {"portfolio.financiers.cdb.fallback": "cdb"},
        "fallbacks loop: cdb -> cdb",
        "must end at a financier without one",
    ),
    case(
        "fallback-loop",
        {"portfolio.financiers.chinese_investment.fallback": "eximbank"},
        "fallbacks loop: chinese_investment -> eximbank -> chinese_investment",
        key="portfolio.financiers.chinese_investment.fallback",
    ),
    case("fallback-not-a-name", {"portfolio.financiers.cdb.fallback": 3}, "must be a string"),
    case("sector-patience-negative", {"pipeline.sectors.energy.patience_years": -1.0}, "must be > 0"),
    case(
        "sector-patience-reaching-zero",
        {"pipeline.sectors.energy.patience_years": {"dist": "uniform", "min": 0.0, "max": 2.0}},
        "must be > 0 for every value the distribution can take",
    ),
    case("project-patience-not-awaiting-finance", {"pipeline.projects.sany_wind.patience_years": 2.0}, "only for stage 'awaiting_finance'"),
    case(
        "own-finance-with-a-financier",
        {"pipeline.projects.china_energy_solar.financier": "cdb"},
        "not with own_finance = true",
    ),
    case(
        "own-finance-with-patience",
        {"pipeline.projects.china_energy_solar.patience_years": 2.0},
        "not with own_finance = true",
    ),
    case("own-finance-not-awaiting-finance", {"pipeline.projects.sany_wind.own_finance": True}, "only for stage 'awaiting_finance'"),
    case("own-finance-not-a-boolean", {"pipeline.projects.china_energy_solar.own_finance": "yes"}, "must be true or false"),
    case(
        "priority-own-financed",
        {"portfolio.priority": ["china_energy_solar"]},
        "'china_energy_solar' is not a named project awaiting finance",
        key="portfolio.priority[0]",
    ),
    case("priority-not-an-array", {"portfolio.priority": "byd_phase3"}, "must be an array"),
    case(
        "priority-unknown",
        {"portfolio.priority": ["byd_phase3", "backlog.energi"]},
        "is not a named project awaiting finance nor backlog.SECTOR",
        "did you mean 'backlog.energy'",
        key="portfolio.priority[1]",
    ),
    case(
        "priority-not-awaiting-finance",
        {"portfolio.priority": ["cku_railway"]},
        "'cku_railway' is not a named project awaiting finance",
        key="portfolio.priority[0]",
    ),
    case(
        "priority-twice",
        {"portfolio.priority": ["backlog.energy", "byd_phase3", "backlog.energy"]},
        "is listed twice",
        key="portfolio.priority[2]",
    ),
    # the projects' scale factors ([pipeline.flow_scale], coopsim replay): 0 to 10 for every value a law can take
    case("flow-scale-negative", {"pipeline.flow_scale.exports": -0.5}, "must be >= 0 and <= 10", "-0.5"),
    case(
        "flow-scale-unbounded-law",
        {"pipeline.flow_scale.construction_imports": {"dist": "lognormal", "median": 0.3, "p90": 1.0}},
        "must be >= 0 and <= 10 for every value the distribution can take",
    ),
    case("flow-scale-unknown-key", {"pipeline.flow_scale.export": 0.5}, "unknown key", "did you mean 'exports'"),
    # a pipeline with nothing in it
    case(
        "empty-pipeline",
        {"pipeline.launches_per_year": 0, "portfolio.backlog": DELETE, "pipeline.projects": DELETE},
        "remove [pipeline] for an organic-only scenario",
        key="pipeline",
    ),
]


@pytest.mark.parametrize(("changes", "key", "fragments"), VALUE_CASES)
def test_bad_value_is_rejected_naming_the_file_the_key_and_what_is_allowed(
    ws: Workspace, capsys: pytest.CaptureFixture[str], changes: dict[str, Any], key: str, fragments: tuple[str, ...]
) -> None:
    message = rejected(capsys, ws.variant(changes), key)
    for fragment in fragments:
        assert fragment in message


DUPLICATE_PROJECT = """
[[pipeline.projects]]
name = "byd_phase1"
sector = "automotive"
capex_usd_bn = 0.16
stage = "operating"
construction_start = 2023.0
completion_year = 2024.45
"""

DUPLICATE_MEASURE = """
[[measures]]
name = "visa_free"
start = 2026.0
direction = "imports"
effect_usd_bn_per_year = 0.01
"""


@pytest.mark.parametrize(
    ("block", "key"),
    [(DUPLICATE_PROJECT, "pipeline.projects.byd_phase1"), (DUPLICATE_MEASURE, "measures.visa_free")],
    ids=["project", "measure"],
)
def test_a_name_used_twice_is_rejected(ws: Workspace, capsys: pytest.CaptureFixture[str], block: str, key: str) -> None:
    assert rejected(capsys, ws.append(block), key) == "name used twice"


# ---------------------------------------------------------------- files that are not scenarios


def test_a_missing_file_is_reported_as_not_found(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert rejected(capsys, ws.scenarios / "no_such_scenario.toml") == "file not found"


def test_a_directory_is_reported_as_not_a_scenario_file(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert "is a directory" in rejected(capsys, ws.scenarios)


def test_a_toml_syntax_error_is_reported_with_its_line(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    line = ws.reference_text.splitlines().index("[trade.structural.total_growth]") + 1
    message = rejected(capsys, ws.edit("[trade.structural.total_growth]\n", "[trade.structural.total_growth\n"))
    assert "is not valid TOML" in message
    assert f"line {line}" in message


def test_a_file_that_is_not_utf8_is_reported_with_the_fix(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.write("cp1252.toml", ws.reference_text.encode("cp1252", errors="replace"))
    message = rejected(capsys, path)
    assert "is not UTF-8" in message
    assert "save it as UTF-8" in message


def test_an_empty_file_is_reported_as_missing_the_required_keys(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.write("empty.toml", "")
    for key in ("name", "trade", "run"):
        assert rejected(capsys, path, key) == "required key is missing"


# ---------------------------------------------------------------- extends and remove


LATE_RAILWAY = f"""extends = "{REFERENCE_NAME}"
name = "late_railway"

[[pipeline.projects]]
name = "cku_railway"
completion_year = 2033.0
"""


def test_a_variant_that_extends_the_reference_validates_with_its_change(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.write("late_railway.toml", LATE_RAILWAY)
    assert cli("validate", path) == 0, capsys.readouterr().err
    scenario = load_scenario(path)
    assert scenario.name == "late_railway"
    assert scenario.get("pipeline.projects.cku_railway.completion_year") == 2033.0
    assert scenario.get("pipeline.projects.cku_railway.capex_usd_bn") == 4.665
    assert scenario.get("pipeline.launches_per_year") == load_scenario(ws.reference).get("pipeline.launches_per_year")


def test_a_variant_in_another_folder_can_extend_the_reference(
    tmp_path: Path, reference_scenario_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "late_railway.toml"
    path.write_text(LATE_RAILWAY.replace(f'"{REFERENCE_NAME}"', json.dumps(str(reference_scenario_path))), encoding="utf-8")
    assert cli("validate", path) == 0, capsys.readouterr().err


def test_an_extends_cycle_is_rejected(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    a = ws.write("a.toml", 'extends = "b.toml"\nname = "a"\n')
    ws.write("b.toml", 'extends = "a.toml"\nname = "b"\n')
    assert "'a.toml' extends itself through a cycle" in rejected(capsys, a, "extends", source=f"{a} -> b.toml")


def test_extending_a_missing_file_is_rejected(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.write("orphan.toml", 'extends = "no_such_base.toml"\nname = "orphan"\n')
    assert rejected(capsys, path, key="extends") == "file not found: no_such_base.toml"


def test_removing_a_name_that_does_not_exist_is_rejected(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = ws.write("rm.toml", f'extends = "{REFERENCE_NAME}"\nname = "rm"\nremove = ["pipeline.projects.no_such_project"]\n')
    assert "'pipeline.projects.no_such_project' names nothing" in rejected(capsys, path, "remove")


def test_removing_a_project_drops_it(ws: Workspace) -> None:
    path = ws.write("no_hydro.toml", f'extends = "{REFERENCE_NAME}"\nname = "no_hydro"\nremove = ["pipeline.projects.bostanlyk_hydro"]\n')
    names = [p.name for p in load_scenario(path).pipeline.projects]
    assert "bostanlyk_hydro" not in names
    assert "cku_railway" in names


# ---------------------------------------------------------------- the command line


def test_validate_reports_each_file_and_fails_if_any_fails(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    bad = ws.variant({"trade.base_usd_bn": -1}, name="bad.toml")
    assert cli("validate", ws.reference, bad) == 2
    out, err = capsys.readouterr()
    assert out.strip() == f"{ws.reference}: ok"
    assert f"{bad}: trade.base_usd_bn: " in err
    assert str(ws.reference) not in err


def test_run_on_a_bad_scenario_exits_before_writing_anything(ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    out = ws.root / "results"
    assert cli("run", ws.variant({"pipeline.delay_probability": 1.5}), "--out", out, "--workers", "1", "--paths", "10") == 2
    assert "pipeline.delay_probability: must be <= 1" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("paths", ["0", "1000000000000"])
def test_run_refuses_a_path_count_outside_the_limit(ws: Workspace, capsys: pytest.CaptureFixture[str], paths: str) -> None:
    out = ws.root / "results"
    assert cli("run", ws.reference, "--paths", paths, "--out", out) == 2
    assert f"must be between 1 and {LIMITS['max_paths']:,}" in capsys.readouterr().err
    assert not out.exists()


def test_keys_prints_the_key_reference(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("keys") == 0
    assert capsys.readouterr().out == key_reference() + "\n"


def tables_of(model: type[Table]) -> set[type[Table]]:
    """Every table class reachable from ``model``'s fields (optional tables, arrays and dicts of tables)."""
    found: set[type[Table]] = set()
    pending = [f.annotation for f in model.model_fields.values()]
    while pending:
        annotation = pending.pop()
        if isinstance(annotation, type) and issubclass(annotation, Table) and annotation not in found:
            found.add(annotation)
            pending += [f.annotation for f in annotation.model_fields.values()]
        pending += list(getattr(annotation, "__args__", ()))
    return found


def test_every_table_of_the_schema_has_a_section_in_the_key_reference() -> None:
    headers = [line for line in key_reference().splitlines() if line.startswith("**`")]
    tables = tables_of(ScenarioFile)
    assert len(tables) == len(headers) - 1  # the top level has a section too
    for table in tables:
        summary = table.__doc__.strip().splitlines()[0].split(":", 1)[-1].strip()
        assert any(line.endswith(summary) for line in headers), table.__name__


PROCESS_CASES: dict[str, Callable[[Workspace], Path]] = {
    "unknown-key": lambda w: w.variant({"trade.structural.total_growth.meen": 0.1}),
    "nan": lambda w: w.variant({"trade.base_usd_bn": NAN}),
    "bad-reference": lambda w: w.variant({"pipeline.projects.bostanlyk_hydro.financier": "cbd"}),
    "syntax-error": lambda w: w.edit("[trade.structural.total_growth]\n", "[trade.structural.total_growth\n"),
    "not-utf8": lambda w: w.write("latin.toml", b'name = "caf\xe9"\n'),
    "directory": lambda w: w.scenarios,
    "missing-file": lambda w: w.scenarios / "nothing.toml",
}


@pytest.mark.parametrize("make", PROCESS_CASES.values(), ids=PROCESS_CASES.keys())
def test_a_bad_scenario_ends_a_real_process_with_status_2_and_no_traceback(ws: Workspace, make: Callable[[Workspace], Path]) -> None:
    path = make(ws)
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True, cwd=ws.root, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.removeprefix("coopsim: ").startswith(f"{path}: ")
    assert len(proc.stderr.strip().splitlines()) <= 8


# ---------------------------------------------------------------- Scenario.replace


@pytest.fixture(scope="module")
def reference(reference_scenario_path: Path):
    return load_scenario(reference_scenario_path)


def test_replace_with_a_bad_value_raises_naming_the_key(reference) -> None:
    with pytest.raises(ScenarioError) as info:
        reference.replace({"trade.structural.total_growth.sd": -1})
    problems = dict(info.value.problems)
    assert "must be >= 0" in problems["trade.structural.total_growth.sd"]
    assert "trade.structural.total_growth.sd" in info.value.source


@pytest.mark.parametrize(
    ("path", "suggestion"),
    [
        ("trade.structurl.share", "did you mean 'structural'"),
        ("trade.structural.total_growth.meen", "did you mean 'mean'"),
        ("pipeline.projects.cku_railwya.capex_usd_bn", "did you mean 'cku_railway'"),
    ],
)
def test_replace_at_a_missing_key_suggests_the_nearest(reference, path: str, suggestion: str) -> None:
    with pytest.raises(ScenarioError) as info:
        reference.replace({path: 0.1})
    problems = dict(info.value.problems)
    assert suggestion in problems[path]
