"""The calibrate and backtest commands with the trade context: structural law, exports share, both laws backtested."""

from __future__ import annotations

import csv
import json
import tomllib

import numpy as np
from helpers import ROOT

from sim.cli import main
from sim.distributions import as_distribution

HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"
CONTEXT = ROOT / "seeds" / "uz_trade_context.csv"


def _blocks(capsys, *extra: str) -> tuple[int, dict]:
    status = main(["calibrate", str(HISTORY), *extra])
    return status, tomllib.loads(capsys.readouterr().out)


def test_calibrate_with_context_prints_every_block_as_valid_toml(capsys):
    status, parsed = _blocks(capsys, "--context", str(CONTEXT))
    assert status == 0
    trade = parsed["trade"]
    assert {"growth", "reporter_gap", "structural", "exports_share"} <= set(trade)
    structural = trade["structural"]
    assert structural["total_base_usd_bn"] == 65.9
    assert {"mean", "sd", "persistence"} <= set(structural["total_growth"])
    share_law = structural["share"]
    assert set(share_law) == {"long_run", "persistence", "sd"}
    assert set(trade["exports_share"]) == {"long_run", "persistence", "sd", "correlation"}
    assert 0.15 < as_distribution(share_law["long_run"]).ppf(np.array([0.5]))[0] < 0.25
    for table in (share_law, trade["exports_share"]):
        lo, hi = as_distribution(table["long_run"]).support()
        assert 0 <= lo and hi <= 1
        lo, hi = as_distribution(table["persistence"]).support()
        assert 0 <= lo and hi <= 0.99
        lo, hi = as_distribution(table["sd"]).support()
        assert 0 <= lo and hi <= 5
    assert -1 <= trade["exports_share"]["correlation"] <= 1


def test_calibrate_without_context_prints_only_the_growth_and_gap_blocks(capsys):
    status, parsed = _blocks(capsys)
    assert status == 0 and set(parsed["trade"]) == {"growth", "reporter_gap"}


def test_a_bad_context_file_ends_with_one_message_and_status_2(tmp_path, capsys):
    bad = tmp_path / "ctx.csv"
    bad.write_text("year,series,value_usd_bn,reporter,status,source\n2020,total_turnover,abc,UZ,confirmed,x\n", encoding="utf-8")
    assert main(["calibrate", str(HISTORY), "--context", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: line 2" in err and "Traceback" not in err
    short = tmp_path / "short.csv"
    short.write_text(
        "year,series,value_usd_bn,reporter,status,source\n"
        + "".join(f"{y},total_turnover,{40 + y - 2020},UZ,confirmed,x\n" for y in (2020, 2021, 2022))
        + "".join(f"{y},cn_exports_from_uz,2,UZ,confirmed,x\n{y},cn_imports_to_uz,6,UZ,confirmed,x\n" for y in (2020, 2022, 2023)),
        encoding="utf-8",
    )
    assert main(["calibrate", str(HISTORY), "--context", str(short)]) == 2
    assert "at least 5 log changes" in capsys.readouterr().err
    assert main(["backtest", str(HISTORY), "--law", "both", "--out", str(tmp_path / "bt")]) == 2
    assert "needs --context" in capsys.readouterr().err


def test_backtest_command_with_both_laws_writes_each_laws_scores_on_the_same_forecasts(tmp_path, capsys):
    out = tmp_path / "bt"
    status = main(["backtest", str(HISTORY), "--context", str(CONTEXT), "--paths", "300", "--out", str(out)])  # both by default
    assert status == 0
    printed = capsys.readouterr().out
    assert "random_walk" in printed and "structural" in printed and "2021, 2022, 2023" in printed
    data = json.loads((out / "backtest.json").read_text())
    assert data["origins"] == [2021, 2022, 2023] and set(data["laws"]) == {"random_walk", "structural"}
    with open(out / "backtest.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_law = {law: [(r["origin"], r["year"]) for r in rows if r["law"] == law] for law in ("random_walk", "structural")}
    assert by_law["random_walk"] == by_law["structural"] and len(by_law["random_walk"]) == 6
    assert (out / "backtest.png").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["laws"] == ["random_walk", "structural"]
