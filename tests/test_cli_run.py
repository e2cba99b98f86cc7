"""`coopsim run`: the results folder, the terminal table and the safety of --out."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli import main

RUN = ["run", "scenarios/uz_cn_2025.toml", "--paths", "200", "--workers", "1"]
# where the subject is the folder's replacement or the process, not the numbers, a few paths will do
FEW = ["run", "scenarios/uz_cn_2025.toml", "--paths", "20", "--workers", "1"]


def test_run_writes_the_results_folder_with_the_headline_keys(tmp_path, capsys):
    out = tmp_path / "res"
    assert main([*RUN, "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {
        "summary.json",
        "manifest.json",
        "annual_trade.csv",
        "target_probability.csv",
        "components.csv",
        "annual_flows.csv",
        "fan_chart.png",
        "reach_probability.png",
        "hit_year.png",
        "composition.png",
    } <= names
    summary = json.loads((out / "summary.json").read_text())
    for key in (
        "scenario",
        "scenario_sha256",
        "paths",
        "seed",
        "target_usd_bn",
        "base_year",
        "years",
        "p_reach_by_year",
        "hit_year",
        "annual_trade_usd_bn",
        "annual_exports_usd_bn",
        "annual_imports_usd_bn",
        "annual_balance_usd_bn",
        "components_mean_usd_bn",
        "components_by_direction_mean_usd_bn",
        "p_above_in_year",
        "observation",
        "country_total_usd_bn",
        "partner_share",
    ):
        assert key in summary
    assert summary["years"][0] == "2025" and summary["years"][-1] == "2035"
    p = summary["p_reach_by_year"]["2030"]
    assert p["ci95"][0] <= p["p"] <= p["ci95"][1]
    assert set(summary["hit_year"]) == {"p10", "p50", "p90", "share_never"}
    assert set(summary["annual_trade_usd_bn"]["2025"]) == {"mean", "p5", "p25", "p50", "p75", "p95"}
    assert set(summary["components_mean_usd_bn"]["2030"]) == {"organic", "construction", "operations", "measures"}
    for year in summary["years"]:
        exports, imports = summary["annual_exports_usd_bn"][year]["mean"], summary["annual_imports_usd_bn"][year]["mean"]
        assert exports + imports == pytest.approx(summary["annual_trade_usd_bn"][year]["mean"], rel=1e-12)
        assert summary["annual_balance_usd_bn"][year]["mean"] == pytest.approx(exports - imports, rel=1e-12)
    assert summary["observation"]["value_usd_bn"] == 8.78 and summary["observation"]["months"] == 7
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_sha256"] == summary["scenario_sha256"]
    assert {"coopsim", "numpy", "scipy", "simpy"} <= set(manifest["versions"])
    assert set(manifest["files"]) >= {"summary.json", "fan_chart.png"}
    table = capsys.readouterr().out
    assert "2028" in table and "median year first reached" in table
    assert "reached by the year" in table and "at or above in the year" in table


def test_run_refuses_a_non_empty_folder_without_force(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main([*RUN, "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*RUN, "--out", str(out), "--force"]) == 2  # not a coopsim folder: never deleted
    assert (out / "notes.txt").read_text() == "keep me"


def test_force_replaces_earlier_results(tmp_path):
    out = tmp_path / "res"
    assert main([*FEW, "--out", str(out), "--quiet", "--no-figures"]) == 0
    assert main([*FEW, "--out", str(out), "--quiet", "--seed", "99"]) == 2
    assert main([*FEW, "--out", str(out), "--quiet", "--seed", "99", "--force", "--no-figures"]) == 0
    assert json.loads((out / "summary.json").read_text())["seed"] == 99
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folders left behind"


def test_python_m_sim_is_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "sim", *FEW, "--out", str(tmp_path / "r")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "reached by" in done.stdout


def test_each_study_command_ends_cleanly_in_a_fresh_interpreter(tmp_path):
    """compare, goal, track, replay and calibrate, and the reports of their folders, in one new process: what a test in this
    process cannot see (a writer or report page registered only on first need, a thread or pool left at exit) is seen."""
    from helpers import ROOT

    scenarios, seeds = ROOT / "scenarios", ROOT / "seeds"
    few = ["--paths", "20", "--quiet"]
    commands = [
        ["compare", scenarios / "uz_cn_2025.toml", scenarios / "uz_cn_railway_late.toml", *few, "--workers", "1", "--out", "c"],
        ["goal", scenarios / "uz_cn_2025.toml", "--lever", "trade.structural.total_growth.mean", "--year", "2028"]
        + ["--probability", "0.5", "--range", "0:0.3", *few, "--workers", "1", "--no-figures", "--out", "g"],
        ["track", scenarios / "uz_cn_2025.toml", *few, "--since", "2025-10-01", "--workers", "1", "--no-figures", "--out", "t"],
        ["replay", scenarios / "uz_cn_2025.toml", *few, "--out", "r", "--report"],  # its page is written by itself
        ["calibrate", seeds / "uz_cn_trade_history.csv"],
        ["report", "c"],
        ["report", "g"],
        ["report", "t", "--out", "track.html"],
    ]
    code = (
        "import sys\nfrom sim.cli import main\n"
        f"for argv in {[[str(a) for a in c] for c in commands]!r}:\n"
        "    status = main(argv)\n"
        "    print(argv[0], status, file=sys.stderr)\n"
        "    if status != 0:\n"
        "        sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert [line.split()[:2] for line in done.stderr.splitlines() if line.split()[-1:] == ["0"]] == [[c[0], "0"] for c in commands]
    assert all((tmp_path / name).is_file() for name in ("c/report.html", "g/report.html", "track.html", "r/report.html"))
