"""The options people expect of the command line: --version, --years, --set, --paths, --json, --pdf, a closed pipe, a scenario compared with itself, a too small Sobol sample."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT

from sim import __version__
from sim.cli import main
from sim.cli.scenario_commands import study_budget

REFERENCE = str(ROOT / "scenarios" / "uz_cn_2025.toml")
LATE = str(ROOT / "scenarios" / "uz_cn_railway_late.toml")
QUICK = ["--paths", "120", "--workers", "1", "--quiet"]


def status(argv: list[str]) -> int:
    """The exit status of ``coopsim argv``, argparse's own (a malformed option exits before any command runs) included."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code)


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"coopsim {__version__}"


def test_years_choose_the_headline_rows(tmp_path: Path, capsys) -> None:
    assert (
        main(["run", REFERENCE, "--paths", "120", "--workers", "1", "--out", str(tmp_path / "r"), "--years", "2027,2033", "--no-figures"])
        == 0
    )
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("  20")]
    assert rows == ["2027", "2033"]
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "x"), "--years", "2024,2030"]) == 2
    assert "--years: 2024 not simulated; the scenario simulates 2025 to 2035" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()  # refused before the run
    assert status(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "y"), "--years", "2030,soon"]) == 2


def test_compare_shows_the_horizon_where_a_late_railway_matters(tmp_path: Path, capsys) -> None:
    assert main(["compare", REFERENCE, LATE, "--paths", "300", "--workers", "1", "--out", str(tmp_path / "c"), "--no-figures"]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.strip().startswith("scenario"))
    assert header.split()[1:9] == ["by", "2026", "by", "2028", "by", "2030", "by", "2035"] and "mean trade 2035, USD bn" in header
    late = next(line for line in out.splitlines() if line.strip().startswith("uz_cn_railway_late"))
    data = json.loads((tmp_path / "c" / "comparison.json").read_text())["differences"]["uz_cn_railway_late"]
    assert data["mean_trade_usd_bn"]["2035"]["diff"] < -0.5
    assert f"{data['mean_trade_usd_bn']['2035']['diff']:+.2f}" in late


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # the reader is gone before the table is printed, as with `coopsim run ... | head -0`
    run = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", REFERENCE, "--paths", "100", "--workers", "1", "--no-figures", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert run.stdout is not None and run.stderr is not None
    run.stdout.close()
    err = run.stderr.read().decode()
    assert run.wait(timeout=120) == 0 and err == ""
    assert (tmp_path / "r" / "summary.json").is_file()


def test_set_changes_the_scenario_and_is_recorded(tmp_path: Path, capsys) -> None:
    out = tmp_path / "r"
    sets = ["--set", "trade.target_usd_bn=25", "--set", "pipeline.sector_mix={energy = 0.5, mining_metals = 0.5}"]
    assert main(["run", REFERENCE, *QUICK, "--out", str(out), *sets, "--report", "--no-figures"]) == 0
    assert json.loads((out / "summary.json").read_text())["target_usd_bn"] == 25
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario_file"] == REFERENCE
    assert manifest["overrides"] == {"trade.target_usd_bn": 25, "pipeline.sector_mix": {"energy": 0.5, "mining_metals": 0.5}}
    html = (out / "report.html").read_text()
    assert "Set on the command line" in html and "has changed since the run" not in html  # the report re-applies the changes
    capsys.readouterr()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("trade.target_usd_bn=-3", "trade.target_usd_bn: must be > 0"),
        ("trade.target_usd_bn=abc", "argument --set: trade.target_usd_bn: the value must be TOML"),
        ("trade.no_such_key=1", "trade.no_such_key"),
        ("pipeline.projects.no_such_project.capex_usd_bn=1", "no entry named 'no_such_project'"),
        ("target_usd_bn", "is written KEY=VALUE"),
    ],
)
def test_a_bad_set_exits_2_naming_the_key(setting: str, message: str, tmp_path: Path, capsys) -> None:
    for command in (
        ["run", REFERENCE, *QUICK, "--out", str(tmp_path / "r")],
        ["validate", REFERENCE],
        ["goal", REFERENCE, "--lever", "trade.target_usd_bn", "--year", "2030", "--probability", "0.5"],
    ):
        assert status([*command, "--set", setting]) == 2
        assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_set_applies_to_every_compared_scenario(tmp_path: Path) -> None:
    assert (
        main(
            ["compare", REFERENCE, LATE, *QUICK, "--out", str(tmp_path / "c"), "--set", "trade.target_usd_bn=22", "--json", "--no-figures"]
        )
        == 0
    )
    data = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert {s["target_usd_bn"] for s in data["summaries"].values()} == {22}
    assert json.loads((tmp_path / "c" / "manifest.json").read_text())["scenario_files"] == [REFERENCE, LATE]


def test_the_same_scenario_twice_gives_exact_zeros(tmp_path: Path, capsys) -> None:
    assert main(["compare", REFERENCE, REFERENCE, *QUICK, "--out", str(tmp_path / "c"), "--no-figures"]) == 0
    data = json.loads((tmp_path / "c" / "comparison.json").read_text())
    assert data["scenarios"] == ["uz_cn_2025", "uz_cn_2025 (2)"]
    differences = data["differences"]["uz_cn_2025 (2)"]
    for metric in ("p_reach_by_year", "mean_trade_usd_bn", "median_trade_usd_bn"):
        assert {entry["diff"] for entry in differences[metric].values()} == {0.0}


def test_json_prints_the_summary_instead_of_the_table(tmp_path: Path, capsys) -> None:
    assert main(["run", REFERENCE, "--paths", "120", "--workers", "1", "--out", str(tmp_path / "r"), "--json", "--no-figures"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert f"results written to {tmp_path / 'r'}/" in captured.err
    assert main(["compare", REFERENCE, LATE, *QUICK, "--out", str(tmp_path / "c"), "--json", "--no-figures"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads((tmp_path / "c" / "comparison.json").read_text())


def test_figures_are_png_and_svg_and_pdf_on_request(tmp_path: Path) -> None:
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "r")]) == 0
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert {"fan_chart.png", "fan_chart.svg"} <= names and not any(n.endswith(".pdf") for n in names)
    assert (tmp_path / "r" / "fan_chart.svg").read_text().count("<svg") == 1
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "p"), "--pdf"]) == 0
    assert (tmp_path / "p" / "composition.pdf").read_bytes().startswith(b"%PDF")


def test_no_figures_writes_the_same_data_and_no_chart_and_refuses_pdf(tmp_path: Path, capsys) -> None:
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "r")]) == 0
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "n"), "--no-figures", "--report"]) == 0
    names = {p.name for p in (tmp_path / "n").iterdir()}
    assert not any(n.endswith((".png", ".svg", ".pdf")) for n in names)
    assert set(json.loads((tmp_path / "n" / "manifest.json").read_text())["files"]) == names - {"manifest.json"}
    for name in ("summary.json", "annual_trade.csv"):
        assert (tmp_path / "n" / name).read_bytes() == (tmp_path / "r" / name).read_bytes()
    assert main(["report", str(tmp_path / "r"), "--out", str(tmp_path / "r.html")]) == 0
    charts = (tmp_path / "r.html").read_text().count("<svg")
    assert charts >= 4 and (tmp_path / "n" / "report.html").read_text().count("<svg") == charts  # drawn into the page all the same
    capsys.readouterr()
    assert main(["run", REFERENCE, *QUICK, "--out", str(tmp_path / "p"), "--no-figures", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "--no-figures" in err and "--pdf" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "p").exists()


def test_paths_is_the_budget_of_a_sensitivity_study(tmp_path: Path, capsys) -> None:
    assert study_budget(4000) == (512, 1000, 4000)  # the defaults
    assert study_budget(200) == (32, 50, 200)
    out = tmp_path / "s"
    assert (
        main(
            [
                "sensitivity",
                REFERENCE,
                "--year",
                "2028",
                "--paths",
                "80",
                "--tornado-paths",
                "30",
                "--workers",
                "1",
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    data = json.loads((out / "sensitivity.json").read_text())
    groups = len(next(iter(data["sobol"].values())))
    assert data["design_rows"] == 8 * (groups + 2) and data["discovery"]["rows"] == 80 and data["tornado"]["paths"] == 30
    err = capsys.readouterr().err
    assert "coopsim: warning: Sobol indices from 8 base rows are too few to mean anything" in err
