"""The discrete-event model: financing queues, the batched decision against one process per project, hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build, one_project, reference
from oracle_model import simulate_path_oracle

from sim.engine import draw_path, simulate_chunk
from sim.engine.finance_book import FinanceLog, Outcome
from sim.engine.flows import _edges_below, _generic_cumulative
from sim.engine.model import EventLog, finance_requests, simulate_path

SECTORS = ("energy", "mining_metals", "chemicals", "manufacturing", "agriculture_food", "infrastructure", "automotive")
SQUEEZED = {
    f"portfolio.financiers.{k}.capacity_usd_bn_per_year": v
    for k, v in {
        "cdb": {"dist": "lognormal", "median": 0.3, "p90": 0.6},
        "eximbank": {"dist": "lognormal", "median": 0.2, "p90": 0.4},
        "silk_road_fund": 0.05,
        "chinese_investment": {"dist": "uniform", "min": 2.0, "max": 6.0},
        "uzbek_cofinance": {"dist": "uniform", "min": 0.5, "max": 2.0},
    }.items()
}
PLAIN_FIFO = {
    **{f"pipeline.sectors.{s}.patience_years": None for s in SECTORS},
    **{f"pipeline.projects.{p}.patience_years": None for p in ("byd_phase3", "china_energy_solar", "bostanlyk_hydro")},
    **{
        f"portfolio.financiers.{k}.capacity_lapse_years": None
        for k in ("cdb", "eximbank", "silk_road_fund", "chinese_investment", "uzbek_cofinance")
    },
}
"""The reference's queues without patience or lapse: first come, first served and nothing else."""
BINDING = {
    **SQUEEZED,
    **{f"pipeline.sectors.{s}.patience_years": {"dist": "uniform", "min": 0.3, "max": 2.5} for s in SECTORS},
    # a chain of fallbacks (eximbank -> cdb -> chinese_investment), a lender that is both a fallback and falls back
    "portfolio.financiers.eximbank.fallback": "cdb",
    "portfolio.financiers.uzbek_cofinance.fallback": "chinese_investment",
    # lapses inside the year and at refills
    "portfolio.financiers.cdb.capacity_lapse_years": 1.5,
    "portfolio.financiers.eximbank.capacity_lapse_years": 2.0,
    "portfolio.financiers.chinese_investment.capacity_lapse_years": 0.7,
    # named projects that give up, one of them at a lender with a fallback
    "pipeline.projects.china_energy_solar.own_finance": False,  # the reference's own-financed plant asks a lender here
    "pipeline.projects.china_energy_solar.financier": "eximbank",
    "pipeline.projects.china_energy_solar.patience_years": 1.3,
    "pipeline.projects.bostanlyk_hydro.patience_years": {"dist": "uniform", "min": 0.5, "max": 3.0},
    "pipeline.projects.byd_phase3.patience_years": 0.7,
}
"""Queues, patience, fallbacks (a chain) and lapse all binding: many requests wait, turn, withdraw."""
OWN_MONEY = {
    **BINDING,
    # the carmaker's phase 3 finances itself from mid-2026 while the queues bind; the solar plant too, from the start
    "pipeline.projects.byd_phase3.own_finance": True,
    "pipeline.projects.byd_phase3.financier": None,
    "pipeline.projects.byd_phase3.patience_years": None,
    "pipeline.projects.china_energy_solar.own_finance": True,
    "pipeline.projects.china_energy_solar.financier": None,
    "pipeline.projects.china_energy_solar.patience_years": None,
}
"""Binding queues with two named projects financed by their own companies' money (no lender)."""
RANKED = {"portfolio.priority": ["byd_phase3", "backlog.energy", "bostanlyk_hydro", "backlog.automotive"]}


def _same_log(a: EventLog, b: EventLog) -> None:
    for field in EventLog.__dataclass_fields__:
        x, y = getattr(a, field), getattr(b, field)
        if isinstance(x, FinanceLog):
            _same_finance(x, y)
            continue
        assert x.shape == y.shape, field
        assert np.array_equal(np.isfinite(x), np.isfinite(y)), field
        np.testing.assert_allclose(x[np.isfinite(x)], y[np.isfinite(y)], rtol=0, atol=1e-9, err_msg=field)


def _same_finance(a: FinanceLog, b: FinanceLog) -> None:
    """The same requests (by project and stage) with the same lenders, times and outcomes."""
    order_a, order_b = (np.lexsort((log.stage, log.index, log.kind)) for log in (a, b))
    for field in FinanceLog.__dataclass_fields__:
        x, y = getattr(a, field)[order_a], getattr(b, field)[order_b]
        assert x.shape == y.shape, field
        assert np.array_equal(np.isfinite(x), np.isfinite(y)), field
        np.testing.assert_allclose(x[np.isfinite(x)], y[np.isfinite(y)], rtol=0, atol=1e-9, err_msg=field)


@pytest.mark.parametrize(
    ("changes", "binds"),
    [
        ({}, ("waited", "withdrew", "turned")),
        ({**SQUEEZED, **PLAIN_FIFO}, ("waited",)),
        ({**SQUEEZED, **PLAIN_FIFO, "portfolio.implementation": {"max_concurrent_builds": 60}}, ("waited",)),
        ({**SQUEEZED, **PLAIN_FIFO, "portfolio.backlog.request_years": 0.0}, ("waited",)),
        (BINDING, ("waited", "withdrew", "turned", "funded after turning")),
        ({**BINDING, **RANKED}, ("waited", "withdrew", "turned", "funded after turning")),
        ({**BINDING, **RANKED, "portfolio.implementation": {"max_concurrent_builds": 60}}, ("waited", "withdrew", "turned")),
        ({**BINDING, **RANKED, "portfolio.backlog.request_years": 0.0}, ("waited", "withdrew", "turned")),
        (OWN_MONEY, ("waited", "withdrew", "turned", "funded after turning")),
    ],
    ids=[
        "reference",
        "fifo-squeezed",
        "fifo-squeezed-builders-limited",
        "fifo-squeezed-backlog-all-at-the-start",
        "patience-fallback-lapse-binding",
        "binding-with-priority",
        "binding-with-priority-and-builders",
        "binding-with-priority-backlog-all-at-the-start",
        "binding-with-own-financed-projects",
    ],
)
def test_batched_financing_equals_one_process_per_project(changes, binds):
    scenario = reference().replace(changes) if changes else reference()
    seen = dict.fromkeys(binds, 0)
    for path in range(12):
        x = draw_path(scenario, 11, path)
        lean, oracle = simulate_path(scenario, x), simulate_path_oracle(scenario, x)
        _same_log(lean, oracle)
        log = lean.finance
        funded = log.outcome == Outcome.FUNDED
        counts = {
            "waited": np.sum(funded & (log.decided > log.asked + 1e-9)),
            "withdrew": np.sum(log.outcome == Outcome.WITHDRAWN),
            "turned": np.sum(log.outcome == Outcome.TURNED),
            "funded after turning": np.sum(funded & (log.stage == 1)),
        }
        for what in binds:
            seen[what] += int(counts[what])
    assert all(seen.values()), f"the case should make requests {', '.join(k for k, v in seen.items() if not v)}"


def test_capacity_lapse_binds_in_the_binding_case():
    """Without the lapse some paths fund other requests: the oracle comparison above covers a lapse that matters."""
    scenario = reference().replace(BINDING)
    unlapsed = scenario.replace({f"portfolio.financiers.{k}.capacity_lapse_years": None for k in ("cdb", "eximbank", "chinese_investment")})
    differs = 0
    for path in range(6):
        x = draw_path(scenario, 11, path)
        differs += not np.array_equal(simulate_path(scenario, x).generic_funded, simulate_path(unlapsed, x).generic_funded)
    assert differs


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
    scenario = reference().replace({**SQUEEZED, **PLAIN_FIFO})
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


def test_generic_flows_of_many_paths_equal_the_sum_project_by_project():
    """The batched sums of hinges against the plain sum over projects, with corners on edges, before and after them,
    zero ramps and a path without generic projects."""
    rng = np.random.default_rng(3)
    edges = np.arange(-1.0, 8.0)
    count = np.array([40, 0, 1, 25])
    path = np.repeat(np.arange(count.size), count)
    start = np.round(rng.uniform(-3.0, 6.0, path.size), 0)  # on the edges, like projects funded at a refill
    start[::3] += rng.uniform(0.0, 1.0, start[::3].size)
    end = start + rng.choice([0.5, 1.0, 2.5], path.size)
    capex, share = rng.uniform(0.05, 0.5, path.size), rng.uniform(0.2, 0.8, path.size)
    coef = rng.uniform(0.0, 0.4, (path.size, 2))
    ramp = rng.choice([0.0, 1.0, 1.5], path.size)
    construction, operating = _generic_cumulative(edges, path, count.size, start, end, capex, share, coef, ramp)
    t = edges[None, :]
    for p in range(count.size):
        mine = path == p
        b, e, c, r = start[mine, None], end[mine, None], capex[mine, None], ramp[mine, None]
        built = np.clip(t - b, 0.0, e - b) * c * share[mine, None] / (e - b)
        x = np.maximum(t - e, 0.0)
        ramped = np.where(r > 0, np.minimum(x, r) ** 2 / (2 * np.maximum(r, 1e-300)) + np.maximum(x - r, 0.0), x)  # (J, E)
        np.testing.assert_allclose(construction[p], built.sum(axis=0), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(operating[p], (ramped[:, :, None] * (c * coef[mine])[:, None, :]).sum(axis=0), rtol=1e-12, atol=1e-12)
    assert np.all(construction[1] == 0) and np.all(operating[1] == 0)


@pytest.mark.parametrize(
    "edges",
    [np.arange(-1.0, 12.0), np.union1d(np.arange(-1.0, 12.0), [7 / 12]), np.array([-1.0, 0.0, 0.5, 0.7, 1.0]), np.array([0.25, 3.0])],
)
def test_edges_below_corners_counts_what_searchsorted_counts_on_whole_year_edges_and_any_other(edges):
    # the arithmetic count for whole-year edges (and one partly observed year's), the binary search otherwise
    rng = np.random.default_rng(5)
    corner = np.concatenate(
        [rng.normal(0.0, 8.0, 5000), np.arange(-3.0, 15.0, 0.5), [-0.0, 7 / 12, np.nextafter(7 / 12, 1.0), np.inf, -np.inf]]
    )
    for c in (corner, np.append(corner, np.nan)):
        assert np.array_equal(_edges_below(c, edges), np.searchsorted(edges, c, side="left"))


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


def test_a_path_where_nothing_asks_for_finance_and_nothing_strikes_runs_no_event_and_loses_nothing(monkeypatch):
    import math

    from helpers import organic_only

    import sim.engine.model as model
    from sim.engine.finance_book import FinanceBook
    from sim.engine.model import priority_ranks

    s = build(organic_only(mean=0.05, sd=0.15, horizon=2030))
    x = draw_path(s, 1, 0)
    # what the events would have done: run them on this path's (empty) queue, nothing changes
    requests = finance_requests(x, priority_ranks(s, x))
    book = FinanceBook(requests.kind, requests.index, requests.financier, requests.time, requests.capex_usd_bn, requests.patience_years)
    starts, ends, shocks = np.empty(0), np.empty(0), np.full(x.shocks.time.size, math.inf)
    model._run_events(s, x, requests, book, float(len(s.years)), starts, ends, shocks)
    book.settle()
    with_events = book.log(float(len(s.years)))
    monkeypatch.setattr(model, "_run_events", lambda *a: pytest.fail("ran the events of a path with nothing to simulate"))
    log = simulate_path(s, x)
    assert requests.time.size == 0 and x.shocks.time.size == 0
    for field in FinanceLog.__dataclass_fields__:
        a, b = getattr(log.finance, field), getattr(with_events, field)
        assert a.dtype == b.dtype and np.array_equal(a, b)
