"""A new country pair from files alone: a synthetic Atlantis–Utopia case, built in a temporary folder, runs every command.

The case has its own history, dated releases, facts and scenario, and no line of code knows it
(``docs/new-case.md``). Every command succeeds on it, its names and reporter label reach the terminal
table and the report, and no name of the shipped cases appears in what it prints or writes.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.cli import main

SHIPPED_NAMES = ("uzbek", "china", "chinese", "kazakh")

FACTS = """# Facts: Atlantis–Utopia (synthetic, for tests)

**[AU-HISTORY]** Yearly turnover 2010-2025 by Atlantis's statistics office: `au_trade_history.csv` (synthetic).

**[AU-TARGET]** Target 9 by 2030 (synthetic).

**[AU-PROJECTS]** One harbour, 0.8 (synthetic).
"""

SCENARIO = """# Atlantis–Utopia: a synthetic case built from files alone.
name = "au_2030"
description = "Atlantis-Utopia: synthetic pair, target 9 by 2030"

[trade]
reporter = "AT"
partner = "UT"
country_name = "Atlantis"
partner_name = "Utopia"
reporter_labels = { AT = "Atlantis Statistics Office", UT = "Utopian Customs" }
target_usd_bn = 9.0               # [AU-TARGET]
target_year = 2030                # [AU-TARGET]
history = "../seeds/au_trade_history.csv"   # [AU-HISTORY]
releases = "../seeds/au_releases.csv"       # [AU-HISTORY]
as_of = 2026-03-01

[trade.growth]
mean = {dist = "normal", mean = 0.08, sd = 0.03}   # ASSUMPTION: synthetic
sd = {dist = "pert", min = 0.02, mode = 0.05, max = 0.12}   # ASSUMPTION: synthetic
persistence = 0.0

[portfolio.financiers.atlantis_bank]
description = "Atlantis development bank (synthetic)"
capacity_usd_bn_per_year = {dist = "lognormal", median = 0.3, p90 = 0.6}   # ASSUMPTION: synthetic
capacity_lapse_years = 2.0

[pipeline]
launches_per_year = 4             # ASSUMPTION: synthetic
capex_usd_bn = {dist = "lognormal", median = 0.05, p90 = 0.15}
build_years = {dist = "pert", min = 1.0, mode = 2.0, max = 3.0}
sector_mix = { ports = 1.0 }
financier_mix = { atlantis_bank = 1.0 }

[pipeline.sectors.ports]
construction_import_share = {dist = "uniform", min = 0.1, max = 0.3}
exports_per_capex_per_year = {dist = "triangular", min = 0.0, mode = 0.1, max = 0.3}
imports_per_capex_per_year = 0.0
ramp_up_years = 1.0
patience_years = {dist = "uniform", min = 1.0, max = 3.0}

[[pipeline.projects]]
name = "harbour"
sector = "ports"
capex_usd_bn = 0.8                # [AU-PROJECTS]
stage = "awaiting_finance"
financier = "atlantis_bank"
patience_years = 3.0
build_years = {dist = "pert", min = 1.0, mode = 2.0, max = 3.0}

[[measures]]
name = "customs_union"
start = 2027.0
direction = "exports"
effect_usd_bn_per_year = {dist = "triangular", min = 0.0, mode = 0.1, max = 0.3}
ramp_up_years = 2.0

[[shocks]]
name = "storm"
probability_per_year = 0.05
depth = {dist = "uniform", min = 0.05, max = 0.15}
recovery_years = {dist = "uniform", min = 1.0, max = 2.0}

[run]
paths = 200
seed = 11
horizon_year = 2032

[report]
limitations = ["Atlantis and Utopia are invented: every figure of this case is synthetic."]
"""


def _turnover(year: int) -> float:
    """A synthetic record: 8% a year from 2.0 in 2010, with a wobble so that fits have a spread."""
    return round(2.0 * math.exp(0.08 * (year - 2010) + 0.06 * math.sin(1.7 * year)), 3)


def _write_case(root: Path) -> Path:
    seeds, scenarios = root / "seeds", root / "scenarios"
    seeds.mkdir()
    scenarios.mkdir()
    history = ["year,value_usd_bn,reporter,status,source"]
    history += [f'{y},{_turnover(y)},AT,confirmed,"synthetic"' for y in range(2010, 2026)]
    (seeds / "au_trade_history.csv").write_text("\n".join(history) + "\n", encoding="utf-8")
    releases = ["year,months,partner,flow,value_usd_bn,same_months_year_before_usd_bn,reporter,status,published,source_kind,source"]
    for y in range(2010, 2026):
        v = _turnover(y)
        releases.append(f'{y},12,UT,turnover,{v},,AT,confirmed,{y + 1}-02-15,statistics_release,"synthetic"')
        releases.append(f'{y},12,UT,exports,{round(0.4 * v, 3)},,AT,confirmed,{y + 1}-02-15,statistics_release,"synthetic"')
        if y >= 2020:
            releases.append(f'{y},6,UT,turnover,{round(0.47 * v, 3)},,AT,confirmed,{y}-07-20,statistics_release,"synthetic"')
    (seeds / "au_releases.csv").write_text("\n".join(releases) + "\n", encoding="utf-8")
    (seeds / "facts.md").write_text(FACTS, encoding="utf-8")
    scenario = scenarios / "au_2030.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    variant = scenarios / "au_fast.toml"
    variant.write_text(
        'extends = "au_2030.toml"\nname = "au_fast"\ndescription = "Atlantis-Utopia, faster growth"\n\n'
        '[trade.growth]\nmean = {dist = "normal", mean = 0.10, sd = 0.03}   # ASSUMPTION: synthetic\n',
        encoding="utf-8",
    )
    return scenario


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return _write_case(tmp_path_factory.mktemp("new_case"))


def _no_shipped_names(text: str) -> None:
    found = [n for n in SHIPPED_NAMES if n in text.lower()]
    assert not found, f"a shipped case's name in a new case's output: {found}"


def test_a_new_pair_from_files_alone_runs_with_its_own_names_in_the_table_and_the_report(case, capsys):
    out = case.parent.parent / "out_run"
    assert main(["validate", str(case)]) == 0
    assert main(["run", str(case), "--paths", "200", "--workers", "1", "--report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "between Atlantis and Utopia" in printed
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "between Atlantis and Utopia" in report
    assert "Atlantis Statistics Office (AT)" in report
    assert "every figure of this case is synthetic" in report
    _no_shipped_names(printed)
    _no_shipped_names(report)


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "{s}", "{d}/au_fast.toml", "--paths", "100"],
        ["sensitivity", "{s}", "--paths", "64"],
        ["attribute", "{s}", "--year", "2030", "--paths", "100"],
        ["prioritise", "{s}", "--year", "2030", "--budget-usd-bn", "1", "--paths", "100"],
        ["goal", "{s}", "--lever", "trade.growth.mean", "--year", "2030", "--probability", "0.5", "--paths", "100"],
        ["track", "{s}", "--since", "2024-01-01", "--paths", "100"],
    ],
    ids=lambda c: c[0],
)
def test_every_study_runs_on_a_new_pair_and_prints_no_shipped_name(case, command, tmp_path, capsys):
    args = [a.format(s=case, d=case.parent) for a in command]
    assert main([*args, "--workers", "1", "--report", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    _no_shipped_names(printed)
    _no_shipped_names((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))


def test_calibrate_and_backtest_take_the_new_pairs_reporter_from_its_history(case, tmp_path, capsys):
    history = str(case.parent.parent / "seeds" / "au_trade_history.csv")
    assert main(["calibrate", history]) == 0
    printed = capsys.readouterr().out
    assert "reporter AT" in printed and "[trade.growth]" in printed
    assert main(["backtest", history, "--paths", "100", "--horizons", "1,2", "--out", str(tmp_path / "bt"), "--quiet"]) == 0
    _no_shipped_names(printed)
