"""The organic law by direction (sim.calibration.directions): its data file, its fit, its simulation and its backtest."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import special

from sim.calibration.backtest import LAWS, backtest, backtest_laws
from sim.calibration.directions import (
    SERIES,
    direction_origins,
    direction_start,
    directions_from_arrays,
    fit_directions,
    load_directions,
    simulate_directions,
)
from sim.cli import main
from sim.history import CONTEXT_FILE, STATUSES, HistoryError, read_data_file

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "seeds" / "uz_direction_history.csv"
HISTORY = ROOT / "seeds" / "uz_cn_trade_history.csv"


def _fixed_law(mean_m: float, mean_x: float, share_m: tuple[float, float, float], share_x: tuple[float, float, float]) -> dict:
    """A law with every parameter a plain number (no parameter uncertainty)."""

    def growth(mean: float, sd: float = 0.0) -> dict:
        return {"mean": mean, "sd": sd, "persistence": 0.0}

    def share(p: tuple[float, float, float]) -> dict:
        return {"long_run": p[0], "persistence": p[1], "sd": p[2]}

    return {
        "imports_growth": growth(mean_m),
        "exports_growth": growth(mean_x),
        "imports_share": share(share_m),
        "exports_share": share(share_x),
    }


def test_the_direction_file_loads_and_every_row_names_its_source():
    rows = read_data_file(DATA, CONTEXT_FILE)
    assert {r["series"] for r in rows} == set(SERIES) | {"cn_exports_from_uz", "cn_imports_to_uz"}
    assert all(r["status"] in STATUSES and r["status"] != "claim" for r in rows)
    with DATA.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert "http" in row["source"], f"{row['year']} {row['series']}: no URL in the source"
    gold = {r["year"]: r["value_usd_bn"] for r in rows if r["series"] == "gold_exports"}
    exports = {r["year"]: r["value_usd_bn"] for r in rows if r["series"] == "total_exports"}
    assert all(gold[y] < exports[y] for y in gold if y in exports)
    assert {2017, 2018, 2019, 2020, 2022, 2023, 2024, 2025} <= set(gold)  # 2021 is a stated gap


def test_the_shares_are_china_flows_over_imports_and_over_exports_less_gold():
    data = load_directions(DATA)
    assert data.imports_share.as_dict()[2024] == pytest.approx(10.35 / 38.9)
    assert data.exports_share.as_dict()[2023] == pytest.approx(2.46 / (24.4 - 8.15))
    assert data.exports_nongold.as_dict()[2025] == pytest.approx(33.812 - 9.9)
    # the brief's trends: imports share up from 13.5% (2010), exports share down since 2020
    assert data.imports_share.as_dict()[2010] == pytest.approx(0.1348, abs=1e-3)
    assert data.exports_share.as_dict()[2024] < data.exports_share.as_dict()[2020]


def test_statistical_figures_alone_leave_too_few_transitions_for_a_share_law():
    data = load_directions(DATA, statuses=("confirmed", "derived"))
    with pytest.raises(ValueError, match="the partner's share of imports"):
        fit_directions(data)


def test_gold_above_exports_or_a_missing_series_is_refused():
    base = {s: {2020: 1.0} for s in (*SERIES, "cn_exports_from_uz", "cn_imports_to_uz")}
    with pytest.raises(ValueError, match="gold_exports"):
        directions_from_arrays({k: v for k, v in base.items() if k != "gold_exports"})
    with pytest.raises(ValueError, match="not below total exports in 2020"):
        directions_from_arrays({**base, "gold_exports": {2020: 2.0}})


def test_with_zero_sds_turnover_is_the_closed_form_of_both_flows():
    law = _fixed_law(0.10, 0.05, (0.25, 0.5, 0.0), (0.12, 0.8, 0.0))
    start = direction_start(40.0, 20.0, 12.0, 2.0)
    out = simulate_directions(law, start, 6, 5, np.random.default_rng(1))
    k = np.arange(1, 7)

    def share(s0: float, long_run: float, phi: float) -> np.ndarray:
        zbar = special.logit(long_run)
        return special.expit(zbar + phi**k * (special.logit(s0) - zbar))

    s_m, s_x = share(12.0 / 40.0, 0.25, 0.5), share(2.0 / 20.0, 0.12, 0.8)
    m, x = 40.0 * np.exp(0.10 * k), 20.0 * np.exp(0.05 * k)
    np.testing.assert_allclose(out.turnover, np.broadcast_to(s_m * m + s_x * x, (5, 6)), rtol=1e-12)
    np.testing.assert_allclose(out.exports_share[0], s_x * x / (s_m * m + s_x * x), rtol=1e-12)


def test_the_share_logit_after_k_years_has_the_ar1_mean_and_variance():
    zbar, phi, sd, s0, k = special.logit(0.25), 0.6, 0.2, 0.1, 4
    law = _fixed_law(0.0, 0.0, (0.25, phi, sd), (0.1, 0.0, 0.0))
    out = simulate_directions(law, direction_start(10.0, 10.0, 1.0, 1.0), k, 200_000, np.random.default_rng(7))
    z = special.logit(out.imports_share[:, k - 1])
    mean = zbar + phi**k * (special.logit(s0) - zbar)
    var = sd**2 * (1 - phi ** (2 * k)) / (1 - phi**2)
    assert z.mean() == pytest.approx(mean, abs=4 * math.sqrt(var / z.size))
    assert z.var() == pytest.approx(var, rel=0.02)


def _synthetic(n: int, seed: int) -> dict[str, dict[int, float]]:
    """A record drawn from a known law: imports +8%/yr (sd 0.1), non-gold exports +4% (sd 0.15), shares AR(1) on the logit."""
    rng = np.random.default_rng(seed)
    years = range(2000, 2000 + n)
    m = 10.0 * np.exp(np.cumsum(0.08 + 0.10 * rng.standard_normal(n)))
    x = 8.0 * np.exp(np.cumsum(0.04 + 0.15 * rng.standard_normal(n)))
    z = {"m": [special.logit(0.2)], "x": [special.logit(0.1)]}
    for key, (lr, phi, sd) in {"m": (0.25, 0.5, 0.2), "x": (0.12, 0.3, 0.25)}.items():
        for _ in range(n - 1):
            z[key].append(special.logit(lr) + phi * (z[key][-1] - special.logit(lr)) + sd * rng.standard_normal())
    gold = 0.3 * x
    return {
        "total_imports": dict(zip(years, m, strict=True)),
        "total_exports": dict(zip(years, x + gold, strict=True)),
        "gold_exports": dict(zip(years, gold, strict=True)),
        "cn_imports_to_uz": dict(zip(years, special.expit(z["m"]) * m, strict=True)),
        "cn_exports_from_uz": dict(zip(years, special.expit(z["x"]) * x, strict=True)),
    }


def test_the_fit_recovers_a_synthetic_records_parameters_within_its_standard_errors():
    fit = fit_directions(directions_from_arrays(_synthetic(60, 3)), models=("normal",))
    assert abs(fit.imports.mean - 0.08) < 3 * fit.imports.mean_se
    assert abs(fit.exports.mean - 0.04) < 3 * fit.exports.mean_se
    assert abs(math.log(fit.imports.sd / 0.10)) < 3 * fit.imports.log_sd_se
    assert abs(fit.imports_share.zbar - special.logit(0.25)) < 3 * fit.imports_share.zbar_se
    assert abs(fit.exports_share.zbar - special.logit(0.12)) < 3 * fit.exports_share.zbar_se
    assert abs(math.atanh(fit.imports_share.persistence) - math.atanh(0.5)) < 3 * fit.imports_share.atanh_persistence_se
    assert abs(math.log(fit.exports_share.sd / 0.25)) < 3 * fit.exports_share.log_sd_se
    law = fit.law()
    assert set(law) == {"imports_growth", "exports_growth", "imports_share", "exports_share"}
    assert set(law["imports_share"]) == {"long_run", "persistence", "sd"} and "mean" in law["exports_growth"]


def test_the_shipped_record_is_fitted_through_2024_and_2025_and_the_law_can_start_from_2024():
    data = load_directions(DATA)
    for year in (2024, 2025):
        fit = fit_directions(data.until(year))
        assert fit.base_year == year and 0.1 < fit.imports_share.long_run < 0.4
    assert direction_origins(data) == [2024, 2025]


def test_by_direction_is_backtested_on_the_origins_every_law_shares():
    record = _synthetic(20, 11)
    data = directions_from_arrays(record)
    years = np.array(sorted(record["total_imports"]))
    bilateral = np.array([record["cn_imports_to_uz"][y] + record["cn_exports_from_uz"][y] for y in years])
    assert "by_direction" in LAWS
    result = backtest_laws(years, bilateral, None, ("random_walk", "by_direction"), paths=200, directions=data)
    assert result.laws == ("random_walk", "by_direction")
    assert result.origins[0] == 2005 and result.results[1].forecasts[0].law == "by_direction"
    with pytest.raises(ValueError, match="directions="):
        backtest(years, bilateral, law="by_direction", paths=200)


def test_the_backtest_command_refuses_by_direction_without_its_file(tmp_path, capsys):
    assert main(["backtest", str(HISTORY), "--laws", "by_direction", "--out", str(tmp_path / "bt")]) == 2
    assert "--directions FILE" in capsys.readouterr().err
    assert main(["backtest", str(HISTORY), "--laws", "random_walk,nope", "--out", str(tmp_path / "bt")]) == 2


def _direction_csv(path: Path, partner: str, country: str, reporter: str) -> Path:
    """A direction file of ``country`` with ``partner``: the shipped figures under other codes."""
    with DATA.open(encoding="utf-8") as f:
        text = f.read()
    text = text.replace("cn_exports_from_uz", f"{partner}_exports_from_{country}").replace(
        "cn_imports_to_uz", f"{partner}_imports_to_{country}"
    )
    path.write_text(text.replace(",UZ,", f",{reporter},"), encoding="utf-8")
    return path


def test_a_direction_file_of_another_pair_loads_from_its_series_names_alone(tmp_path):
    shipped = load_directions(DATA)
    other = load_directions(_direction_csv(tmp_path / "at_ut.csv", "at", "ut", "UT"))
    assert "reporter UT" in other.source
    assert other.imports_share.as_dict() == shipped.imports_share.as_dict()
    assert other.exports_share.as_dict() == shipped.exports_share.as_dict()
    assert fit_directions(other).law() == fit_directions(shipped).law()


def test_a_direction_file_with_two_partners_needs_one_named(tmp_path):
    first = _direction_csv(tmp_path / "a.csv", "at", "ut", "UT").read_text(encoding="utf-8")
    second = _direction_csv(tmp_path / "b.csv", "bq", "ut", "UT").read_text(encoding="utf-8")
    both = tmp_path / "both.csv"
    both.write_text(
        first + "".join(line + "\n" for line in second.splitlines()[1:] if "_from_" in line or "_to_" in line), encoding="utf-8"
    )
    with pytest.raises(HistoryError, match="name one with --partner"):
        load_directions(both)
    assert load_directions(both, partner="BQ").imports_share.as_dict() == load_directions(DATA).imports_share.as_dict()
    with pytest.raises(HistoryError, match="zz_exports_from_<country>"):
        load_directions(both, reporter="UT", partner="zz")
