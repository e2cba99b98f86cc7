"""A run with ``--set`` is a variant: named as one, in its own folder, never in the place of the scenario it came from.

Also: the command line keeps a scenario's name as written, and a report names its scenario file
without the folders of the machine it was made on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import reference

from sim.cli import main
from sim.cli.common import refuse_replacing_another_scenario
from sim.results import OutputError
from sim.scenario.variants import MAX_VARIANT_NAME, uncertainty_removed, variant, variant_name

RUN = ["run", "scenarios/uz_cn_2025.toml", "--paths", "100", "--workers", "1", "--no-figures", "--quiet"]  # the folders, not their charts
TARGET = "trade.target_usd_bn=25"
VARIANT = "uz_cn_2025+trade.target_usd_bn=25"


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text())


def test_a_variant_name_says_which_keys_changed_and_is_deterministic_safe_and_bounded():
    assert variant_name("uz_cn_2025", {}) == "uz_cn_2025"
    assert variant_name("uz_cn_2025", {"trade.target_usd_bn": 25}) == VARIANT
    two = {"trade.target_usd_bn": 25, "trade.growth.mean": 0.06}
    assert (
        variant_name("s", two) == variant_name("s", dict(reversed(list(two.items())))) == "s+trade.growth.mean=0.06+trade.target_usd_bn=25"
    )
    table = variant_name("s", {"trade.growth.mean": {"dist": "normal", "mean": 0.06, "sd": 0.03}})
    assert table.startswith("s+trade.growth.mean=normal-") and " " not in table
    assert variant_name("s", {"trade.growth.mean": {"dist": "normal", "mean": 0.07, "sd": 0.03}}) != table
    many = {f"pipeline.projects.project_number_{k}.completion_year": 2030 + k for k in range(10)}
    long = variant_name("s", many)
    assert len(long) <= MAX_VARIANT_NAME and long.startswith("s+10-changes-")
    for name in (table, long, variant_name("s", {"x": "a b/c"})):
        assert all(c.isalnum() or c in "_.=+-" for c in name), name


def test_the_api_keeps_the_name_and_a_variant_keeps_the_identity_of_replace():
    s = reference()
    assert s.replace({"trade.target_usd_bn": 25}).name == "uz_cn_2025"
    v = variant(s, {"trade.target_usd_bn": 25})
    assert v.name == VARIANT and v.sha256 == s.replace({"trade.target_usd_bn": 25}).sha256
    assert v.trade.target_usd_bn == 25 and v.observation == s.observation


def test_a_run_with_set_is_printed_and_saved_as_a_variant_in_its_own_folder(workspace, capsys):
    assert main([*RUN[:-1], "--set", TARGET]) == 0
    out = workspace / "results" / VARIANT
    assert _summary(out)["scenario"] == VARIANT
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["overrides"] == {"trade.target_usd_bn": 25} and manifest["scenario_names"] == [VARIANT]
    assert capsys.readouterr().out.startswith(f"{VARIANT}: 100 paths")
    assert not (workspace / "results" / "uz_cn_2025").exists()


def test_force_never_puts_a_variant_in_the_place_of_its_reference_nor_the_other_way(workspace, capsys):
    reference_folder = workspace / "ref"
    assert main([*RUN, "--out", str(reference_folder)]) == 0
    before = (reference_folder / "summary.json").read_bytes()
    capsys.readouterr()
    assert main([*RUN, "--out", str(reference_folder), "--force", "--set", TARGET]) == 2
    err = capsys.readouterr().err
    assert "holds the results of uz_cn_2025" in err and "choose another --out" in err
    assert (reference_folder / "summary.json").read_bytes() == before
    # the other way: a variant's folder is not replaced by the reference
    variant_folder = workspace / "var"
    assert main([*RUN, "--out", str(variant_folder), "--set", TARGET]) == 0
    assert main([*RUN, "--out", str(variant_folder), "--force"]) == 2
    # nor by another variant, nor by another scenario
    assert main([*RUN, "--out", str(variant_folder), "--force", "--set", "trade.target_usd_bn=30"]) == 2
    other = ["run", "scenarios/uz_cn_slower_growth.toml", "--paths", "100", "--workers", "1", "--quiet"]
    assert main([*other, "--out", str(reference_folder), "--force"]) == 2
    # a new run of the same scenario (or of the same variant) may replace its own results
    assert main([*RUN, "--out", str(reference_folder), "--force", "--seed", "7"]) == 0
    assert main([*RUN, "--out", str(variant_folder), "--force", "--set", TARGET, "--seed", "7"]) == 0
    assert _summary(variant_folder)["seed"] == 7 and _summary(variant_folder)["scenario"] == VARIANT


def test_a_folder_written_before_names_were_recorded_is_compared_by_its_set_values(tmp_path):
    out = tmp_path / "old"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"scenario_file": "scenarios/uz_cn_2025.toml", "files": {}}))
    refuse_replacing_another_scenario(out, ["uz_cn_2025"], {})
    with pytest.raises(OutputError, match="without --set values"):
        refuse_replacing_another_scenario(out, [VARIANT], {"trade.target_usd_bn": 25})
    (out / "manifest.json").write_text("{not json")
    refuse_replacing_another_scenario(out, [VARIANT], {"trade.target_usd_bn": 25})  # left to the folder's own checks
    refuse_replacing_another_scenario(tmp_path / "absent", [VARIANT], {"trade.target_usd_bn": 25})


def test_a_number_in_place_of_a_distribution_warns_that_its_uncertainty_is_removed(workspace, capsys):
    key = "trade.structural.total_growth.mean"
    assert uncertainty_removed(reference(), {key: 0.06, "trade.target_usd_bn": 25}) == [key]
    assert uncertainty_removed(reference(), {key: {"dist": "normal", "mean": 0.06, "sd": 0.03}}) == []
    assert main([*RUN, "--out", "v", "--set", f"{key}=0.06"]) == 0
    err = capsys.readouterr().err
    assert f"--set {key}" in err and "uncertainty of this input is removed" in err
    assert json.loads(Path("v/manifest.json").read_text())["uncertainty_removed"] == [key]
    assert main([*RUN, "--out", "w", "--set", TARGET]) == 0
    assert "uncertainty" not in capsys.readouterr().err
    assert "uncertainty_removed" not in json.loads(Path("w/manifest.json").read_text())


def test_the_help_example_of_set_does_not_silently_remove_uncertainty(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "total_growth.mean=0.06" not in text
    assert "removes that input's uncertainty" in text


def test_studies_and_comparisons_with_set_are_named_as_variants(workspace):
    common = ["--paths", "100", "--workers", "1", "--quiet", "--set", TARGET, "--no-figures"]
    assert main(["compare", "scenarios/uz_cn_2025.toml", "scenarios/uz_cn_slower_growth.toml", *common]) == 0
    folder = workspace / "results" / f"compare_{VARIANT}"
    names = json.loads((folder / "manifest.json").read_text())["scenario_names"]
    assert names == [VARIANT, "uz_cn_slower_growth+trade.target_usd_bn=25"]
    assert (
        main(
            [
                "goal",
                "scenarios/uz_cn_2025.toml",
                "--lever",
                "trade.structural.share.long_run",
                "--year",
                "2030",
                "--probability",
                "0.5",
                *common,
            ]
        )
        == 0
    )
    assert (workspace / "results" / f"goal_{VARIANT}" / "manifest.json").is_file()


def test_the_command_line_keeps_the_scenario_name_as_written(workspace, capsys):
    text = Path("scenarios/uz_cn_2025.toml").read_text().replace('name = "uz_cn_2025"', 'name = "my_analyst"')
    Path("scenarios/my.toml").write_text(text)
    assert main(["run", "scenarios/my.toml", "--paths", "100", "--workers", "1", "--out", "m", "--report", "--no-figures"]) == 0
    assert capsys.readouterr().out.startswith("my_analyst: 100 paths")
    assert _summary(Path("m"))["scenario"] == "my_analyst"
    report = Path("m/report.html").read_text()
    assert "My_analyst" not in report and "my_analyst" in report


def test_a_report_names_its_scenario_file_without_the_folders_of_the_machine(workspace, monkeypatch):
    elsewhere = workspace / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    scenario = workspace / "scenarios" / "uz_cn_2025.toml"
    assert main(["run", str(scenario), "--paths", "100", "--workers", "1", "--quiet", "--out", "r", "--report"]) == 0
    assert main(["report", "r", "--out", "again.html"]) == 0
    for page in (Path("r/report.html"), Path("again.html")):
        html = page.read_text()
        assert str(workspace) not in html and str(workspace.resolve()) not in html
        assert "<h3>uz_cn_2025.toml</h3>" in html  # named, and still read: its keys and comments are there
        assert "target_usd_bn" in html and "no such file" not in html
