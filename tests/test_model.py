"""The discrete-event model: financing queues, the batched decision and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build, one_project, reference
from oracle_model import simulate_path_oracle

from sim.engine import draw_path, simulate_chunk
from sim.engine.model import EventLog, finance_requests, simulate_path

SQUEEZED = {
    f"portfolio.financiers.{k}.capacity_usd_bn_per_year": v
    for k, v in {
        "cdb": {"dist": "lognormal", "median": 0.3, "p90": 0.6},
        "eximbank": {"dist": "lognormal", "median": 0.2, "p90": 0.4},
        "silk_road_fund": 0.05,
        "fdi_and_domestic": {"dist": "uniform", "min": 3.0, "max": 8.0},
    }.items()
}


def _same_log(a: EventLog, b: EventLog) -> None:
    for field in EventLog.__dataclass_fields__:
        x, y = getattr(a, field), getattr(b, field)
        assert x.shape == y.shape, field
        assert np.array_equal(np.isfinite(x), np.isfinite(y)), field
        np.testing.assert_allclose(x[np.isfinite(x)], y[np.isfinite(y)], rtol=0, atol=1e-9, err_msg=field)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        SQUEEZED,
        {**SQUEEZED, "portfolio.implementation": {"max_concurrent_builds": 60}},
        {**SQUEEZED, "portfolio.backlog.request_years": 0.0},
    ],
    ids=["reference", "finance-squeezed", "squeezed-and-builders-limited", "squeezed-backlog-all-at-the-start"],
)
def test_batched_financing_equals_one_process_per_project(changes):
    scenario = reference().replace(changes) if changes else reference()
    waited = 0
    for path in range(12):
        x = draw_path(scenario, 11, path)
        lean, oracle = simulate_path(scenario, x), simulate_path_oracle(scenario, x)
        _same_log(lean, oracle)
        waited += int(np.sum(lean.generic_funded > x.generic.request_time + 1e-9))
    assert waited > 0, "the case should make some projects wait for finance"


def test_the_backlog_asks_for_finance_at_its_drawn_times():
    s = reference()
    x = draw_path(s, 3, 0)
    backlog = x.generic.request_time >= 0
    backlog &= np.arange(backlog.size) < np.flatnonzero(x.generic.request_time < 0)[0]  # backlog rows come first
    low, high = s.portfolio.backlog.request_years.support()
    times = x.generic.request_time[backlog]
    assert times.size > 20 and low <= times.min() and times.max() <= high
    assert np.ptp(times) > 0.5 * (high - low)  # spread over the schedule, not all at the start
    at_start = s.replace({"portfolio.backlog.request_years": 0.0})
    np.testing.assert_array_equal(draw_path(at_start, 3, 0).generic.request_time[backlog], 0.0)


def test_finance_queue_is_strictly_in_order_with_head_of_line_blocking():
    raw = one_project({"capex_usd_bn": 0.6, "stage": "awaiting_finance", "financier": "bank", "build_years": 1.0}, capacity=1.0)
    base = raw["pipeline"]["projects"][0]
    raw["pipeline"]["projects"] = [
        {**base, "name": "a"},
        {**base, "name": "b"},
        {**base, "name": "c", "capex_usd_bn": 0.3},
    ]
    s = build(raw)
    log = simulate_path(s, draw_path(s, 1, 0))
    # t=0: 1.0 available, a takes 0.6; b (0.6) does not fit and c (0.3) waits behind it.
    # t=1: 1.4 available, b then c.
    np.testing.assert_array_equal(log.flagship_start, [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(log.flagship_end, [1.0, 2.0, 2.0])


def test_finance_never_exceeds_capacity_and_serves_each_queue_in_order():
    scenario = reference().replace(SQUEEZED)
    for path in range(8):
        x = draw_path(scenario, 3, path)
        log = simulate_path(scenario, x)
        req = finance_requests(x)
        funded = np.empty(req.time.size)
        generic = req.kind == 1
        funded[generic] = log.generic_funded[req.index[generic]]
        funded[~generic] = log.flagship_start[req.index[~generic]]
        for k in range(x.capacity_usd_bn.shape[0]):
            mine = req.financier == k
            t = funded[mine]
            done = np.isfinite(t)
            # in order: the funded ones are a prefix of the queue, with non-decreasing funding times
            assert not np.any(done[1:] & ~done[:-1])
            assert np.all(np.diff(t[done]) >= 0)
            assert np.all(t[done] >= req.time[mine][done])
            # capacity: by each refill, the capex funded is at most the capacity added so far
            capex = req.capex_usd_bn[mine][done]
            for year in range(x.capacity_usd_bn.shape[1]):
                spent = capex[t[done] < year + 1].sum()
                assert spent <= x.capacity_usd_bn[k, : year + 1].sum() + 1e-9


def test_one_project_gives_hand_computed_construction_and_operating_flows():
    # capex 1.0, funded at once (capacity 2), builds 2 years: imports 0.5 x 1.0 spread over 2025-2026;
    # then operates with 0.2 a year per USD after a 1-year linear ramp: 0.1 in 2027, 0.2 after.
    # The operating flow is 0.15 of exports and 0.05 of imports per USD; construction imports are imports.
    s = build(one_project({"capex_usd_bn": 1.0, "stage": "awaiting_finance", "financier": "bank", "build_years": 2.0}))
    paths = simulate_chunk(s, 5, 0, 1)
    trade = paths.by_component[0]
    np.testing.assert_allclose(trade[:, 0], 12.4, rtol=0, atol=1e-12)
    np.testing.assert_allclose(trade[:, 1], [0.25, 0.25, 0, 0, 0, 0], atol=1e-12)
    np.testing.assert_allclose(trade[:, 2], [0, 0, 0.1, 0.2, 0.2, 0.2], atol=1e-12)
    np.testing.assert_allclose(trade[:, 3], 0.0, atol=1e-12)
    exports, imports = paths.trade[0, :, :, 0], paths.trade[0, :, :, 1]
    np.testing.assert_allclose(exports[:, 1], 0.0, atol=1e-12)  # construction imports only
    np.testing.assert_allclose(exports[:, 2], [0, 0, 0.075, 0.15, 0.15, 0.15], atol=1e-12)
    np.testing.assert_allclose(imports[:, 2], [0, 0, 0.025, 0.05, 0.05, 0.05], atol=1e-12)
    # organic trade keeps the base year's split: 2.05 of exports, 10.35 of imports
    np.testing.assert_allclose(exports[:, 0], 2.05, atol=1e-12)
    np.testing.assert_allclose(imports[:, 0], 10.35, atol=1e-12)


def test_project_building_in_the_base_year_counts_only_changes_from_it():
    # built 2024.0-2026.0: imports of 0.25 a year are already in the base year, so 2025 adds nothing
    # and 2026 loses them; operations ramp in over 2026 (0.1) and reach 0.2 from 2027.
    s = build(one_project({"capex_usd_bn": 1.0, "stage": "construction", "construction_start": 2024.0, "completion_year": 2026.0}))
    trade = simulate_chunk(s, 5, 0, 1).by_component[0]
    np.testing.assert_allclose(trade[:, 1], [0, -0.25, -0.25, -0.25, -0.25, -0.25], atol=1e-12)
    np.testing.assert_allclose(trade[:, 2], [0, 0.1, 0.2, 0.2, 0.2, 0.2], atol=1e-12)


def test_cancelled_project_stops_its_flows_at_the_start():
    s = build(
        one_project(
            {
                "capex_usd_bn": 1.0,
                "stage": "construction",
                "construction_start": 2024.0,
                "completion_year": 2026.0,
                "cancel_probability": 1.0,
            }
        )
    )
    trade = simulate_chunk(s, 5, 0, 1).by_component[0]
    np.testing.assert_allclose(trade[:, 1], -0.25, atol=1e-12)
    np.testing.assert_allclose(trade[:, 2], 0.0, atol=1e-12)


def test_measure_ramps_in_linearly_from_its_start():
    raw = one_project({"capex_usd_bn": 1.0, "stage": "operating", "construction_start": 2020.0, "completion_year": 2022.0})
    raw["measures"] = [{"name": "m", "start": 2025.5, "direction": "exports", "effect_usd_bn_per_year": 1.0, "ramp_up_years": 1.0}]
    trade = simulate_chunk(build(raw), 5, 0, 1).trade[0]
    # 2025: integral of (t - 0.5) over [0.5, 1] = 0.125; 2026: 0.375 + 0.5; then 1.0, all of it exports
    np.testing.assert_allclose(trade[:, 3, 0], [0.125, 0.875, 1, 1, 1, 1], atol=1e-12)
    np.testing.assert_allclose(trade[:, 3, 1], 0.0, atol=1e-12)


def test_railway_level_uplift_multiplies_organic_trade_after_opening():
    raw = one_project(
        {
            "capex_usd_bn": 1.0,
            "stage": "construction",
            "construction_start": 2024.0,
            "completion_year": 2027.0,
            "trade_level_uplift": 0.1,
            "ramp_up_years": 0.0,
        }
    )
    trade = simulate_chunk(build(raw), 5, 0, 1).by_component[0]
    np.testing.assert_allclose(trade[:, 0], [12.4, 12.4, 12.4 * 1.1, 12.4 * 1.1, 12.4 * 1.1, 12.4 * 1.1], rtol=1e-12)


def test_shock_lowers_organic_trade_and_recovers():
    raw = one_project({"capex_usd_bn": 1.0, "stage": "operating", "construction_start": 2020.0, "completion_year": 2022.0})
    raw["shocks"] = [{"name": "crash", "probability_per_year": 1.0, "depth": 0.2, "recovery_years": 0.0}]
    s = build(raw)
    x = draw_path(s, 5, 0)
    trade = simulate_chunk(s, 5, 0, 1).by_component[0]
    # a shock each year at time tau, lasting to the year end: yearly mean 1 - 0.2 * (1 - frac(tau)),
    # up to the 1/48-year grid used for the multiplier
    expected = 12.4 * (1 - 0.2 * (1 - np.mod(x.shocks.time, 1.0)))
    np.testing.assert_allclose(trade[:, 0], expected, atol=12.4 * 0.2 / 48)
    assert np.all(trade[:, 0] < 12.4)


def test_import_substitution_cannot_remove_more_imports_than_there_are():
    # capex 2 replacing 10 a year per USD: 20 a year against 10.35 of organic imports; imports stop at zero
    sector = {
        "construction_import_share": 0.0,
        "exports_per_capex_per_year": 0.25,
        "imports_per_capex_per_year": -10.0,
        "ramp_up_years": 0.0,
    }
    s = build(
        one_project({"capex_usd_bn": 2.0, "stage": "construction", "construction_start": 2024.0, "completion_year": 2025.0}, sector=sector)
    )
    paths = simulate_chunk(s, 5, 0, 1)
    np.testing.assert_allclose(paths.flow("imports")[0], 0.0, atol=1e-12)
    np.testing.assert_allclose(paths.trade[0, :, 2, 1], -10.35, rtol=1e-12)  # scaled down to what there is
    np.testing.assert_allclose(paths.flow("exports")[0], 2.05 + 0.5, rtol=1e-12)  # the other direction untouched
