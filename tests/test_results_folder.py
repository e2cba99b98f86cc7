"""Results folders and output paths: nothing of the user's lost, nothing unlisted read, every destination checked before any work.

Each test pins a hostile case found against step 11 (commit 8e24bc8): ``--force``
deleting what coopsim did not write, a report written through a link onto the
results, loaders reading files the manifest does not vouch for or crashing on a
manifest of the wrong shape, and output paths that fail only after the simulation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import ROOT

from sim import load_scenario, simulate
from sim.cli import main
from sim.output import load, save
from sim.results import Results, ResultsError
from sim.results.manifest import MANIFEST_MARK

QUICK = ["--paths", "30", "--workers", "1", "--quiet"]
REFERENCE = str(ROOT / "scenarios" / "uz_cn_2025.toml")
HISTORY = str(ROOT / "seeds" / "uz_cn_trade_history.csv")


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run saved once (figures included); each test works on its own copy."""
    results = simulate(load_scenario(REFERENCE), paths=40, workers=1, progress=False)
    return save(results, tmp_path_factory.mktemp("saved") / "run")


@pytest.fixture
def folder(saved: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "run"))


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _write_manifest(folder: Path, manifest: object) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _forge(folder: Path, name: str, data: bytes) -> None:
    """Replace ``name`` and its checksum in the manifest, as a user editing both would."""
    (folder / name).write_bytes(data)
    manifest = _manifest(folder)
    manifest["files"][name] = hashlib.sha256(data).hexdigest()
    _write_manifest(folder, manifest)


def _one_line_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


# -- 1. --force replaces only coopsim's own folder, and deletes nothing it did not write ------------------
def test_every_manifest_written_carries_coopsims_marker(folder: Path) -> None:
    assert _manifest(folder)[MANIFEST_MARK] == {"manifest_version": 1}


def test_force_never_replaces_a_folder_that_merely_holds_a_manifest_json(tmp_path: Path, capsys) -> None:
    app = tmp_path / "webapp"
    app.mkdir()
    (app / "manifest.json").write_text('{"name": "My app", "start_url": "/", "icons": []}')
    (app / "index.html").write_text("<h1>mine</h1>")
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(app), "--force"], capsys)
    assert "not a coopsim results folder" in err
    assert (app / "index.html").read_text() == "<h1>mine</h1>" and (app / "manifest.json").exists()


def test_force_never_deletes_the_users_notes_in_a_results_folder_and_names_them(folder: Path, capsys) -> None:
    (folder / "notes.txt").write_text("my conclusions")
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(folder), "--force"], capsys)
    assert "notes.txt" in err and "move them out" in err
    assert (folder / "notes.txt").read_text() == "my conclusions"
    assert load(folder).n_paths == 40  # the results are untouched too


def test_many_unlisted_files_are_named_by_a_readable_prefix(folder: Path, capsys) -> None:
    for k in range(12):
        (folder / f"note_{k:02d}.txt").write_text("mine")
    (folder / "drafts").mkdir()
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(folder), "--force"], capsys)
    assert "13 file(s)" in err and "drafts, note_00.txt" in err and "and 8 more" in err
    assert len(list(folder.glob("note_*.txt"))) == 12


def test_force_never_deletes_a_listed_file_the_user_edited(folder: Path, capsys) -> None:
    (folder / "annual_trade.csv").write_text("year,mean\n2030,99\n")
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(folder), "--force"], capsys)
    assert "annual_trade.csv: changed since coopsim wrote it" in err
    assert (folder / "annual_trade.csv").read_text() == "year,mean\n2030,99\n"


def test_force_replaces_coopsims_own_folder_even_with_a_listed_file_deleted(folder: Path) -> None:
    (folder / "fan_chart.png").unlink()
    assert main(["run", REFERENCE, *QUICK, "--out", str(folder), "--force", "--seed", "7", "--no-figures"]) == 0
    assert json.loads((folder / "summary.json").read_text())["seed"] == 7


def test_an_older_folder_without_the_marker_is_replaced_only_when_whole_and_unchanged(folder: Path, tmp_path: Path, capsys) -> None:
    manifest = _manifest(folder)
    del manifest[MANIFEST_MARK]  # as commit 8e24bc8 wrote them
    _write_manifest(folder, manifest)
    older = Path(shutil.copytree(folder, tmp_path / "older_incomplete"))
    (older / "fan_chart.png").unlink()
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(older), "--force"], capsys)
    assert "fan_chart.png, listed in its manifest.json, is missing" in err
    assert main(["run", REFERENCE, *QUICK, "--out", str(folder), "--force", "--seed", "7", "--no-figures"]) == 0
    assert _manifest(folder)[MANIFEST_MARK] == {"manifest_version": 1}


def test_a_file_added_while_the_run_works_is_not_deleted(folder: Path, monkeypatch) -> None:
    """The destination is checked again once moved aside, just before it is replaced."""
    import sim.cli.run_command as commands

    real = commands.simulate

    def simulate_then_user_adds_a_file(*args, **kwargs):
        (folder / "late_note.txt").write_text("written during the run")
        return real(*args, **kwargs)

    monkeypatch.setattr(commands, "simulate", simulate_then_user_adds_a_file)
    assert main(["run", REFERENCE, *QUICK, "--out", str(folder), "--force"]) == 2
    assert (folder / "late_note.txt").read_text() == "written during the run"
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")], "no temporary folder left behind"


# -- 2. never writing through a link, never onto the results or the inputs ---------------------------------------
def test_report_never_writes_through_a_link_onto_a_file_of_the_results(folder: Path, tmp_path: Path, capsys) -> None:
    before = (folder / "summary.json").read_bytes()
    link = tmp_path / "innocent.html"
    link.symlink_to(folder / "summary.json")
    err = _one_line_exit_2(["report", str(folder), "--out", str(link), "--force"], capsys)
    assert "symbolic link" in err
    assert (folder / "summary.json").read_bytes() == before


def test_report_never_overwrites_a_file_of_the_results_under_another_name(folder: Path, tmp_path: Path, capsys) -> None:
    before = (folder / "summary.json").read_bytes()
    other_name = tmp_path / "page.html"
    os.link(folder / "summary.json", other_name)  # a hard link: the same file
    err = _one_line_exit_2(["report", str(folder), "--out", str(other_name), "--force"], capsys)
    assert "which this command reads" in err
    assert (folder / "summary.json").read_bytes() == before


def test_report_never_overwrites_the_scenario_file_it_reads(tmp_path: Path, capsys) -> None:
    for sub in ("scenarios", "seeds"):
        shutil.copytree(ROOT / sub, tmp_path / sub)
    scenario = tmp_path / "scenarios" / "uz_cn_2025.toml"
    before = scenario.read_bytes()
    assert main(["run", str(scenario), *QUICK, "--out", str(tmp_path / "r"), "--no-figures"]) == 0
    err = _one_line_exit_2(["report", str(tmp_path / "r"), "--out", str(scenario), "--force"], capsys)
    assert "which this command reads" in err and scenario.read_bytes() == before


def test_run_never_writes_through_a_link(tmp_path: Path, capsys) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "latest"
    link.symlink_to(target)
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(link)], capsys)
    assert "symbolic link" in err and link.is_symlink()


def test_an_interrupted_report_leaves_the_previous_page_whole(folder: Path, tmp_path: Path, monkeypatch) -> None:
    import sim.report

    out = tmp_path / "page.html"
    out.write_text("previous page")
    # the page's text cannot be encoded half way through: the old writer left half a page behind
    monkeypatch.setattr(sim.report, "render_report", lambda *a, **k: "<p>table</p>" * 10_000 + "\udc80")
    with pytest.raises(UnicodeEncodeError):
        main(["report", str(folder), "--out", str(out), "--force"])
    assert out.read_text() == "previous page"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_report_written_into_its_folder_joins_the_manifest_so_force_still_replaces_the_folder(folder: Path, capsys) -> None:
    assert "report.html" not in _manifest(folder)["files"]
    assert main(["report", str(folder)]) == 0
    assert _manifest(folder)["files"]["report.html"] == hashlib.sha256((folder / "report.html").read_bytes()).hexdigest()
    load(folder)  # the folder still verifies
    assert main(["report", str(folder), "--years", "2026,2030", "--force"]) == 0  # the folder's own page may be redone
    load(folder)
    assert main(["run", REFERENCE, *QUICK, "--out", str(folder), "--force", "--seed", "7", "--no-figures"]) == 0
    assert not (folder / "report.html").exists()  # it was coopsim's: replaced with the rest


def test_report_into_its_folder_never_replaces_a_data_file(folder: Path, capsys) -> None:
    before = (folder / "annual_trade.csv").read_bytes()
    err = _one_line_exit_2(["report", str(folder), "--out", str(folder / "annual_trade.csv"), "--force"], capsys)
    assert "is part of the results" in err and (folder / "annual_trade.csv").read_bytes() == before


# -- 3. loading reads only what the manifest vouches for, and a wrong shape is one line ---------------------------
def test_a_summary_json_dropped_from_the_manifest_is_not_read(folder: Path, capsys) -> None:
    manifest = _manifest(folder)
    del manifest["files"]["summary.json"]
    _write_manifest(folder, manifest)
    summary = json.loads((folder / "summary.json").read_text())
    summary["p_reach_by_year"]["2030"]["p"] = 0.999  # edited, and unlisted to hide it
    (folder / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(ResultsError, match="lists none of"):
        load(folder)
    with pytest.raises(ResultsError, match="summary.json is not listed"):
        Results.load(folder)
    _one_line_exit_2(["report", str(folder), "--out", str(folder.parent / "r.html")], capsys)


def test_a_history_csv_the_manifest_does_not_list_is_ignored(folder: Path) -> None:
    manifest = _manifest(folder)
    del manifest["files"]["history.csv"]
    _write_manifest(folder, manifest)
    (folder / "history.csv").write_text("year,value_usd_bn\n2024,999\n")
    assert load(folder).history == []


def test_an_svg_the_manifest_does_not_list_is_not_put_in_the_report(tmp_path: Path) -> None:
    folder = save(simulate(load_scenario(REFERENCE), paths=20, workers=1, progress=False), tmp_path / "bare", figures=False)
    (folder / "fan_chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>NOT COMPUTED</text></svg>')
    assert main(["report", str(folder), "--out", str(tmp_path / "page.html")]) == 0
    assert "NOT COMPUTED" not in (tmp_path / "page.html").read_text()


MALFORMED_MANIFESTS = {
    "the manifest a list": lambda m: [m],
    "files a list": lambda m: {**m, "files": list(m["files"])},
    "a number where a checksum belongs": lambda m: {**m, "files": {**m["files"], "summary.json": 5}},
    "a number where a name belongs": lambda m: {**m, "files": {**m["files"], "5": "0" * 64}},
    "a name climbing out": lambda m: {**m, "files": {**m["files"], "../summary.json": "0" * 64}},
    "an absolute name": lambda m: {**m, "files": {**m["files"], "/etc/hostname": "0" * 64}},
    "the scenario file a number": lambda m: {**m, "scenario_file": 5},
    "the run time a string": lambda m: {**m, "seconds": "long"},
    "the versions a list": lambda m: {**m, "versions": ["numpy"]},
    "the overrides a list": lambda m: {**m, "overrides": [["a", 1]]},
    "the marker a number": lambda m: {**m, MANIFEST_MARK: 1},
}


@pytest.mark.parametrize("case", MALFORMED_MANIFESTS)
def test_a_manifest_of_the_wrong_shape_is_one_line_and_exit_2(case: str, folder: Path, capsys) -> None:
    _write_manifest(folder, MALFORMED_MANIFESTS[case](_manifest(folder)))
    err = _one_line_exit_2(["report", str(folder), "--out", str(folder.parent / "r.html")], capsys)
    assert "manifest.json" in err or "summary.json" in err or "5" in err
    with pytest.raises(ResultsError):
        load(folder)


@pytest.mark.parametrize(
    "name, data",
    [
        ("manifest.json", b"{not json"),
        ("manifest.json", b"\xff\xfe{}"),
        ("manifest.json", b"[" * 100_000),
        ("summary.json", b"[1, 2, 3]"),
        ("summary.json", b'{"scenario": "x"}'),
        ("summary.json", b"\xff\xfe\x00"),
        ("summary.json", b'{"years": "2025"}'),
    ],
)
def test_a_data_file_of_the_wrong_shape_is_one_line_and_exit_2(name: str, data: bytes, folder: Path, capsys) -> None:
    if name == "manifest.json":
        (folder / name).write_bytes(data)
    else:
        _forge(folder, name, data)  # checksum and all: the shape itself is refused
    err = _one_line_exit_2(["report", str(folder), "--out", str(folder.parent / "r.html")], capsys)
    assert name in err
    with pytest.raises(ResultsError, match=name):
        load(folder)


def test_an_invalid_summary_beside_an_emptied_manifest_is_refused(folder: Path, capsys) -> None:
    manifest = _manifest(folder)
    manifest["files"] = {}
    _write_manifest(folder, manifest)
    (folder / "summary.json").write_text("[]")
    err = _one_line_exit_2(["report", str(folder), "--out", str(folder.parent / "r.html")], capsys)
    assert "lists none of summary.json" in err


def test_a_listed_file_replaced_by_a_link_is_refused(folder: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "summary_copy.json"
    shutil.copy(folder / "summary.json", elsewhere)
    (folder / "summary.json").unlink()
    (folder / "summary.json").symlink_to(elsewhere)
    with pytest.raises(ResultsError, match="summary.json is a symbolic link"):
        load(folder)


# -- 4. every output path is checked before any work ----------------------------------------------------------------
def _forbid(monkeypatch: pytest.MonkeyPatch, module: str, *names: str) -> None:
    import importlib

    mod = importlib.import_module(module)

    def must_not_run(*args, **kwargs):
        raise AssertionError("the work started before the output path was checked")

    for name in names:
        monkeypatch.setattr(mod, name, must_not_run)


COMMANDS = {
    "run": (["run", REFERENCE, *QUICK], "sim.cli.run_command", ("simulate",)),
    "compare": (["compare", REFERENCE, REFERENCE, *QUICK], "sim.cli.scenario_commands", ("compare",)),
    "sensitivity": (
        ["sensitivity", REFERENCE, "--year", "2030", "--paths", "16", "--quiet"],
        "sim.cli.scenario_commands",
        ("sensitivity",),
    ),
    "goal": (
        ["goal", REFERENCE, "--lever", "trade.target_usd_bn", "--year", "2030", "--probability", "0.5", "--paths", "20"],
        "sim.cli.scenario_commands",
        ("goal",),
    ),
    "attribute": (["attribute", REFERENCE, "--year", "2030", *QUICK], "sim.cli.portfolio_commands", ("attribute",)),
    "prioritise": (
        ["prioritise", REFERENCE, "--year", "2030", "--budget-usd-bn", "2", *QUICK],
        "sim.cli.portfolio_commands",
        ("prioritise",),
    ),
    "backtest": (["backtest", HISTORY, "--paths", "20", "--quiet"], "sim.cli.history_commands", ("backtest", "backtest_laws", "_series")),
}


def _bad_destinations(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("mine")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    return {
        "under a regular file": (a_file / "results", "is a file, not a folder"),
        "a dangling link": (dangling, "dangling symbolic link"),
        "under a dangling link": (dangling / "results", "dangling symbolic link"),
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(command: str, tmp_path: Path, monkeypatch, capsys) -> None:
    argv, module, names = COMMANDS[command]
    _forbid(monkeypatch, module, *names)
    for out, message in _bad_destinations(tmp_path).values():
        err = _one_line_exit_2([*argv, "--out", str(out)], capsys)
        assert message in err
    assert (tmp_path / "a_file.txt").read_text() == "mine"


def test_a_folder_that_cannot_be_created_is_refused_before_any_work(tmp_path: Path, monkeypatch, capsys) -> None:
    _forbid(monkeypatch, "sim.cli.run_command", "simulate")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == locked else real_access(p, mode, **k))
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", str(locked / "deeper" / "r")], capsys)
    assert "not writable" in err


def test_report_out_creates_its_missing_folders(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "deeper" / "page.html"
    assert main(["report", str(folder), "--out", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_report_out_under_a_file_is_one_line_exit_2(folder: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "a_file").write_text("mine")
    err = _one_line_exit_2(["report", str(folder), "--out", str(tmp_path / "a_file" / "page.html")], capsys)
    assert "is a file, not a folder" in err


def test_calibrate_never_overwrites_the_history_file_it_reads(tmp_path: Path, capsys) -> None:
    history = Path(shutil.copy(HISTORY, tmp_path / "history.csv"))
    before = history.read_bytes()
    err = _one_line_exit_2(["calibrate", str(history), "--out", str(history), "--force"], capsys)
    assert "which this command reads" in err and history.read_bytes() == before


@pytest.mark.parametrize("command", ["run", "report"])
def test_an_output_name_too_long_for_any_file_system_is_one_short_line_before_any_work(
    command: str, folder: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    import sim.cli.run_command as commands

    monkeypatch.setattr(commands, "simulate", lambda *a, **k: pytest.fail("simulated before checking --out"))
    out = str(tmp_path / ("n" * 300) / "x")
    argv = ["run", REFERENCE, *QUICK, "--out", out] if command == "run" else ["report", str(folder), "--out", out + ".html"]
    err = _one_line_exit_2(argv, capsys)
    assert "longer than 255 bytes" in err and len(err) < 400


@pytest.mark.skipif(
    not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where permission bits say writable but nothing can be created"
)
def test_a_folder_where_nothing_can_be_created_is_refused_before_any_work_whatever_its_permission_bits(monkeypatch, capsys) -> None:
    import sim.cli.run_command as commands

    monkeypatch.setattr(commands, "simulate", lambda *a, **k: pytest.fail("simulated before checking --out"))
    err = _one_line_exit_2(["run", REFERENCE, *QUICK, "--out", "/proc/coopsim-no-such-folder/r"], capsys)
    assert "/proc: nothing can be created there" in err


def test_a_date_given_with_set_is_recorded_in_the_manifest_as_iso_text(tmp_path: Path, capsys) -> None:
    # a TOML date on the command line (--set trade.as_of=...) once made the manifest unwritable: a traceback, no folder
    out = tmp_path / "april"
    args = [
        "run",
        REFERENCE,
        "--paths",
        "20",
        "--set",
        "trade.as_of=2025-04-30",
        "--out",
        str(out),
        "--workers",
        "1",
        "--quiet",
        "--no-figures",
    ]
    assert main(args) == 0
    assert json.loads((out / "manifest.json").read_text())["overrides"] == {"trade.as_of": "2025-04-30"}
    assert main([*args, "--force"]) == 0  # the same variant again: --force compares the recorded --set values equal
    assert "Traceback" not in capsys.readouterr().err
    assert load(out).view["as_of"] == "2025-04-30"
