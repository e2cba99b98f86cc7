"""Finance as it works: patience, fallback, lapse, trend, shocks and priority, on cases computed by hand, and its statistics.

The cases use named projects (their sizes, request times and patience are
exact) and constant yearly capacity, with amounts that are exact binary
fractions, so every funding and withdrawal time is known in advance.
Refills come at the start of each year (t = 0, 1, ... from 1 January 2025).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import build, organic_only, reference
from oracle_model import simulate_path_oracle

from sim.engine import draw_path, simulate_path
from sim.engine.finance_book import Outcome
from sim.engine.model import finance_tables, wait_bin, wait_bins
from sim.run import simulate

SECTOR = {"construction_import_share": 0.5, "exports_per_capex_per_year": 0.1, "imports_per_capex_per_year": 0.0, "ramp_up_years": 1.0}


def finance_case(lenders: dict[str, dict[str, Any]], projects: list[dict[str, Any]], **portfolio: Any) -> Any:
    """Flat organic trade, the given lenders, and named projects awaiting finance (no generic projects).

    Each project: ``name``, ``financier``, ``capex``, ``asks`` (decimal year), optional ``patience``.
    """
    raw = organic_only(mean=0.0, sd=0.0, horizon=2030)
    raw["portfolio"] = {"financiers": lenders, **portfolio}
    raw["pipeline"] = {
        "launches_per_year": 0,
        "capex_usd_bn": 0.1,
        "build_years": 1.0,
        "sectors": {"s": SECTOR},
        "projects": [
            {
                "name": p["name"],
                "sector": "s",
                "capex_usd_bn": p["capex"],
                "stage": "awaiting_finance",
                "financier": p["financier"],
                "finance_request_year": p["asks"],
                "build_years": 1.0,
                **({"patience_years": p["patience"]} if "patience" in p else {}),
            }
            for p in projects
        ],
    }
    return build(raw)


def run_case(s: Any) -> tuple[np.ndarray, Any]:
    """Construction starts of the named projects (the funding times), and the finance log; checked against the oracle."""
    x = draw_path(s, 1, 0)
    log = simulate_path(s, x)
    oracle = simulate_path_oracle(s, x)
    np.testing.assert_array_equal(log.flagship_start, oracle.flagship_start)
    return log.flagship_start, log.finance


def outcome(log: Any, project: int, stage: int = 0) -> tuple[int, int, float]:
    """(lender, outcome, decided) of a named project's request at its lender (stage 0) or at the fallback (1)."""
    (r,) = np.flatnonzero((log.kind == 0) & (log.index == project) & (log.stage == stage))
    return int(log.lender[r]), int(log.outcome[r]), float(log.decided[r])


# ---------------------------------------------------------------- patience: withdrawals against a known answer


def test_impatient_requests_withdraw_at_their_deadline_and_unblock_the_queue():
    # one lender, 1.0 a year from t = 0; four projects ask at t = 0, in this order:
    # a (1.5, patience 0.5) does not fit and blocks; c (0.75, patience 0.25) behind it gives up at 0.25;
    # a gives up at 0.5 and unblocks: b (0.75, patience 2) is funded at 0.5, leaving 0.25;
    # d (0.5, patience 3) waits for the refill at 1 and is funded then.
    s = finance_case(
        {"bank": {"capacity_usd_bn_per_year": 1.0}},
        [
            {"name": "a", "financier": "bank", "capex": 1.5, "asks": 2025.0, "patience": 0.5},
            {"name": "b", "financier": "bank", "capex": 0.75, "asks": 2025.0, "patience": 2.0},
            {"name": "c", "financier": "bank", "capex": 0.75, "asks": 2025.0, "patience": 0.25},
            {"name": "d", "financier": "bank", "capex": 0.5, "asks": 2025.0, "patience": 3.0},
        ],
    )
    start, log = run_case(s)
    np.testing.assert_array_equal(start, [math.inf, 0.5, math.inf, 1.0])
    assert outcome(log, 0) == (0, Outcome.WITHDRAWN, 0.5)
    assert outcome(log, 2) == (0, Outcome.WITHDRAWN, 0.25)
    assert outcome(log, 3) == (0, Outcome.FUNDED, 1.0)


def test_a_request_is_still_served_at_its_deadline_when_a_refill_comes_then():
    # patience 1 from t = 0 ends at the refill of t = 1: the refill comes first, the request is funded
    s = finance_case(
        {"bank": {"capacity_usd_bn_per_year": 1.0}},
        [{"name": "a", "financier": "bank", "capex": 1.5, "asks": 2025.0, "patience": 1.0}],
    )
    start, log = run_case(s)
    assert start[0] == 1.0
    assert outcome(log, 0) == (0, Outcome.FUNDED, 1.0)


# ---------------------------------------------------------------- capacity that lapses


@pytest.mark.parametrize(("lapse", "funded"), [(None, 1.5), (1.5, 2.0)], ids=["carried-over", "lapsed"])
def test_unused_capacity_lapses_oldest_first(lapse, funded):
    # 1.0 a year; p takes 0.25 at t = 0, leaving 0.75 of year 0's capacity. q (1.5) asks at t = 1.5:
    # kept for ever, 0.75 + 1.0 = 1.75 is there and q is funded on arrival; lapsing after 1.5 years,
    # year 0's capacity lapses at 1.5, before q arrives, so q waits for t = 2 (year 1's 1.0 and year 2's 1.0).
    bank: dict[str, Any] = {"capacity_usd_bn_per_year": 1.0}
    if lapse is not None:
        bank["capacity_lapse_years"] = lapse
    s = finance_case(
        {"bank": bank},
        [
            {"name": "p", "financier": "bank", "capex": 0.25, "asks": 2025.0},
            {"name": "q", "financier": "bank", "capex": 1.5, "asks": 2026.5},
        ],
    )
    start, _ = run_case(s)
    np.testing.assert_array_equal(start, [0.0, funded])


def test_a_request_larger_than_capacity_can_hold_is_never_funded():
    # 1.0 a year lapsing after 2 years holds at most 2.0: a request of 2.5 waits for ever
    s = finance_case(
        {"bank": {"capacity_usd_bn_per_year": 1.0, "capacity_lapse_years": 2.0}},
        [{"name": "big", "financier": "bank", "capex": 2.5, "asks": 2025.0}],
    )
    start, log = run_case(s)
    assert start[0] == math.inf
    assert outcome(log, 0) == (0, Outcome.WAITING, math.inf)


# ---------------------------------------------------------------- capacity trend and shocks


def test_capacity_grows_with_its_trend_and_falls_with_shocks_to_its_sensitivity():
    raw = organic_only(mean=0.0, sd=0.0, horizon=2032)
    raw["portfolio"] = {
        "financiers": {
            "flat": {"capacity_usd_bn_per_year": 1.0},
            "growing": {"capacity_usd_bn_per_year": 1.0, "capacity_trend": 0.1},
            "shocked": {"capacity_usd_bn_per_year": 2.0, "capacity_trend": -0.05, "shock_sensitivity": 2.0},
        }
    }
    raw["shocks"] = [{"name": "crash", "probability_per_year": 1.0, "depth": 0.2, "recovery_years": 2.0}]
    s = build(raw)
    x = draw_path(s, 4, 0)
    k = np.arange(len(s.years), dtype=float)
    np.testing.assert_array_equal(x.capacity_usd_bn[0], 1.0)
    np.testing.assert_allclose(x.capacity_usd_bn[1], np.exp(0.1 * k), rtol=1e-15)
    # a shock each year at its drawn time, fading linearly over two years: seen at the refill of time k
    # as 1 - 0.2 (1 - (k - tau) / 2) while k - tau < 2; shocks multiply
    multiplier = np.ones(k.size)
    for tau in x.shocks.time:
        since = k - tau
        multiplier *= np.where((since >= 0) & (since < 2.0), 1.0 - 0.2 * (1.0 - since / 2.0), 1.0)
    assert (multiplier < 1).sum() >= k.size - 1  # every refill after the first sees a shock
    np.testing.assert_allclose(x.capacity_usd_bn[2], 2.0 * np.exp(-0.05 * k) * multiplier**2, rtol=1e-12)


# ---------------------------------------------------------------- fallback


def test_an_impatient_project_turns_to_the_fallback_once_with_a_fresh_patience():
    # "small" lends 0.5 a year and falls back to "big" (2.0 a year), which falls back to "last" (nothing).
    # x (1.0, patience 0.5) cannot be funded by small: at 0.5 it turns to big, which has 2.0 since t = 0: funded there.
    # y (3.0, patience 0.25) turns to big at 0.25, before x, and waits there with a fresh 0.25: big cannot fund 3.0
    # by 0.5, so y withdraws at 0.5, without turning again to "last". x, behind y at big, is then funded at 0.5.
    s = finance_case(
        {
            "small": {"capacity_usd_bn_per_year": 0.5, "fallback": "big"},
            "big": {"capacity_usd_bn_per_year": 2.0, "fallback": "last"},
            "last": {"capacity_usd_bn_per_year": 0.0},
        },
        [
            {"name": "x", "financier": "small", "capex": 1.0, "asks": 2025.0, "patience": 0.5},
            {"name": "y", "financier": "small", "capex": 3.0, "asks": 2025.0, "patience": 0.25},
        ],
    )
    start, log = run_case(s)
    np.testing.assert_array_equal(start, [0.5, math.inf])
    assert outcome(log, 0, stage=0) == (0, Outcome.TURNED, 0.5)
    assert outcome(log, 0, stage=1) == (1, Outcome.FUNDED, 0.5)
    assert outcome(log, 1, stage=0) == (0, Outcome.TURNED, 0.25)
    assert outcome(log, 1, stage=1) == (1, Outcome.WITHDRAWN, 0.5)
    assert not np.any(log.stage > 1) and not np.any(log.lender == 2)


def test_generic_projects_turn_to_the_fallback_and_are_funded_there():
    s = reference().replace(
        {
            "portfolio.financiers.cdb.capacity_usd_bn_per_year": 0.05,
            "portfolio.financiers.cdb.fallback": "chinese_investment",
            "pipeline.financier_mix": {"cdb": 1.0},
        }
    )
    log = simulate_path(s, draw_path(s, 2, 0)).finance
    turned = log.outcome == Outcome.TURNED
    again = (log.stage == 1) & (log.outcome == Outcome.FUNDED)
    assert turned.sum() > 20 and again.sum() > 10
    assert np.all(log.lender[log.stage == 1] == 3)  # all at chinese_investment
    # each turn is at the request's deadline, and the fallback's request is made then
    patience = draw_path(s, 2, 0).generic.patience_years
    rows = np.flatnonzero(turned & (log.kind == 1))
    np.testing.assert_allclose(log.decided[rows], log.asked[rows] + patience[log.index[rows], 0])


# ---------------------------------------------------------------- priority


@pytest.mark.parametrize(("priority", "starts"), [([], [1.0, 1.0]), (["y"], [1.0, 0.25])], ids=["first-come", "y-first"])
def test_a_prioritised_request_goes_ahead_of_the_queue(priority, starts):
    # 1.0 a year. x (1.5) asks at t = 0 and blocks; y (0.5) asks at t = 0.25.
    # First come, first served: y waits behind x, both are funded at the refill of t = 1.
    # With y first in portfolio.priority it goes ahead of x and is funded on arrival.
    s = finance_case(
        {"bank": {"capacity_usd_bn_per_year": 1.0}},
        [
            {"name": "x", "financier": "bank", "capex": 1.5, "asks": 2025.0},
            {"name": "y", "financier": "bank", "capex": 0.5, "asks": 2025.25},
        ],
        priority=priority,
    )
    start, _ = run_case(s)
    np.testing.assert_array_equal(start, starts)


def test_priority_orders_the_backlog_of_a_sector_ahead_of_other_requests():
    base = reference().replace(
        {
            "portfolio.backlog.request_years": 0.0,
            "portfolio.financiers.chinese_investment.capacity_usd_bn_per_year": 4.0,
            # the solar plant finances itself (own_finance): out of chinese_investment's way at t = 0
        }
    )
    ranked = base.replace({"portfolio.priority": ["backlog.energy"]})
    x = draw_path(base, 5, 0)
    energy = x.generic.backlog & (x.generic.sector == list(base.pipeline.sectors).index("energy"))
    at_chinese = x.generic.financier == list(base.portfolio.financiers).index("chinese_investment")
    first = simulate_path(base, x).generic_funded
    ranked_funded = simulate_path(ranked, x).generic_funded
    # at t = 0 the whole backlog asks and 4.0 is there: with the priority, the energy backlog is funded first
    rows = energy & at_chinese & ~x.generic.cancelled
    assert np.all(ranked_funded[rows][: np.sum(ranked_funded[rows] == 0.0)] == 0.0)  # a prefix of it, in order
    assert np.sum(ranked_funded[rows] == 0.0) > np.sum(first[rows] == 0.0)
    others = x.generic.backlog & at_chinese & ~energy & ~x.generic.cancelled
    assert np.sum(ranked_funded[others] == 0.0) < np.sum(first[others] == 0.0)


# ---------------------------------------------------------------- reproducibility and statistics


def test_results_with_the_finance_keys_are_identical_for_one_and_two_workers():
    s = reference().replace(
        {"portfolio.priority": ["bostanlyk_hydro", "backlog.energy"], "portfolio.financiers.uzbek_cofinance.fallback": "cdb"}
    )
    one = simulate(s, paths=500, seed=9, workers=1).to_json()
    two = simulate(s, paths=500, seed=9, workers=2).to_json()
    assert one["finance"] == two["finance"]
    assert one == two


def test_the_finance_summary_is_the_direct_computation_on_the_paths():
    s = reference()
    paths, seed = 40, 3
    summary = simulate(s, paths=paths, seed=seed, workers=1).to_json()["finance"]
    logs = [simulate_path(s, draw_path(s, seed, p)) for p in range(paths)]
    names = list(s.portfolio.financiers)
    n = len(s.years)
    for k, year in enumerate(s.years):
        for slot, lender in [(len(names), None), *enumerate(names)]:
            entry = summary[str(year)] if lender is None else summary[str(year)]["by_lender"][lender]
            requested = funded = withdrawn = 0.0
            waits = []
            for log in logs:
                r = log.finance
                mine = np.ones(r.kind.size, bool) if lender is None else r.lender == slot
                asks = mine & (r.asked >= k) & (r.asked < k + 1) & ((r.stage == 0) if lender is None else True)
                requested += r.capex_usd_bn[asks].sum()
                got = mine & (r.outcome == Outcome.FUNDED) & (r.decided >= k) & (r.decided < k + 1)
                funded += r.capex_usd_bn[got].sum()
                waits += list((r.decided - (r.first_asked if lender is None else r.asked))[got])
                left = (r.outcome == Outcome.WITHDRAWN) | ((r.outcome == Outcome.TURNED) & (lender is not None))
                gone = mine & left & (r.decided >= k) & (r.decided < k + 1)
                withdrawn += r.capex_usd_bn[gone].sum()
            assert entry["requested_usd_bn"] == pytest.approx(requested / paths, rel=1e-12, abs=1e-12)
            assert entry["funded_usd_bn"] == pytest.approx(funded / paths, rel=1e-12, abs=1e-12)
            assert entry["withdrawn_usd_bn"] == pytest.approx(withdrawn / paths, rel=1e-12, abs=1e-12)
            if not waits:
                assert entry["wait_mean_years"] is None and entry["wait_p90_years"] is None
                continue
            assert entry["wait_mean_years"] == pytest.approx(np.mean(waits), rel=1e-12, abs=1e-12)
            # the 90th percentile from the histogram: within a bin of the exact one (a quarter year up to four years)
            width = np.diff(wait_bins(n))[min(np.searchsorted(wait_bins(n), np.quantile(waits, 0.9)), n - 1)]
            assert entry["wait_p90_years"] == pytest.approx(np.quantile(waits, 0.9), abs=width)


def test_finance_tables_count_a_turned_project_once_overall_and_at_each_lender():
    s = finance_case(
        {"small": {"capacity_usd_bn_per_year": 0.5, "fallback": "big"}, "big": {"capacity_usd_bn_per_year": 2.0}},
        [{"name": "x", "financier": "small", "capex": 1.0, "asks": 2025.0, "patience": 0.5}],
    )
    log = simulate_path(s, draw_path(s, 1, 0))
    finance, waits = finance_tables([log], len(s.years), 2)
    year0 = finance[0, 0]  # (lender slots: small, big, all) x (requested, funded, withdrawn, wait sum)
    np.testing.assert_array_equal(year0[:, 0], [1.0, 1.0, 1.0])  # asked at small, then at big; once overall
    np.testing.assert_array_equal(year0[:, 1], [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(year0[:, 2], [1.0, 0.0, 0.0])  # left small for big; never gave up for good
    np.testing.assert_array_equal(year0[:, 3], [0.0, 0.0, 0.5])  # no wait at big; half a year since its first request
    assert waits[0, 0, 2].sum() == 1 and waits[0, 0, 1, 0] == 1  # at big: a wait of exactly 0


def test_waits_in_the_reference_stay_bounded():
    """Projects give up or turn instead of queueing for ever: the 2035 mean wait stays below a year and a half."""
    finance = simulate(reference(), paths=600, seed=20250902, workers=1).finance
    overall = finance.xs("all lenders", level="lender")
    assert overall.loc[2035, "wait_mean_years"] < 1.5
    assert overall.loc[2035, "wait_p90_years"] < 3.0
    assert (overall["wait_mean_years"].loc[2030:] < 1.5).all()
    assert (overall["funded_usd_bn"] > 0.6 * overall["requested_usd_bn"]).loc[2027:].all()


def test_only_requests_made_before_the_horizon_are_in_the_finance_log():
    """A backlog spread over five years in a run of three asks partly after it: those requests are not made."""
    s = reference().replace({"run.horizon_year": 2027})
    x = draw_path(s, 1, 0)
    late = int(np.sum((x.generic.request_time >= 3) & ~x.generic.cancelled))
    log = simulate_path(s, x).finance
    assert late > 0 and log.asked.max() < 3
    finance, _ = finance_tables([simulate_path(s, x)], len(s.years), len(s.portfolio.financiers))
    assert finance.shape[:2] == (1, 3)


def test_the_wait_bin_is_the_search_of_the_bin_edges():
    for n in (3, 4, 11, 20):
        edges = wait_bins(n)
        near = np.concatenate([edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
        waits = np.concatenate([near[near >= 0], np.random.default_rng(n).exponential(2.0, 5000), [n + 7.5]])
        np.testing.assert_array_equal(wait_bin(waits, n), np.minimum(np.searchsorted(edges, waits, side="left"), edges.size - 1))


def _funded_by_request(s, x) -> dict[tuple[int, int], float]:
    """When each project's request was funded (inf: never), by (kind, index), from the path's finance log."""
    log = simulate_path(s, x).finance
    out: dict[tuple[int, int], float] = {}
    for kind, index, decided, outcome in zip(log.kind, log.index, log.decided, log.outcome, strict=True):
        key = (int(kind), int(index))
        out[key] = min(out.get(key, math.inf), float(decided) if outcome == Outcome.FUNDED else math.inf)
    return out


def test_a_company_financed_project_adds_and_never_lowers_other_projects_finance():
    # first come, first served without patience or lapse, capacity scarce: BYD's phase 3 (0.5, mid-2026) asks
    # chinese_investment, or finances itself. Financing itself it takes nobody's capacity: every other request is funded
    # no later (and no less) than when it asked the national pool, some sooner; it builds from its request.
    pool = reference().replace(
        {
            **{f"pipeline.sectors.{s}.patience_years": None for s in ("energy", "mining_metals", "chemicals", "manufacturing")},
            **{f"pipeline.sectors.{s}.patience_years": None for s in ("agriculture_food", "infrastructure", "automotive")},
            **{f"pipeline.projects.{p}.patience_years": None for p in ("byd_phase3", "bostanlyk_hydro")},
            **{f"portfolio.financiers.{k}.capacity_lapse_years": None for k in ("cdb", "eximbank", "chinese_investment")},
            "portfolio.financiers.chinese_investment.capacity_usd_bn_per_year": {"dist": "uniform", "min": 1.0, "max": 3.0},
        }
    )
    own = pool.replace(
        {
            "pipeline.projects.byd_phase3.own_finance": True,
            "pipeline.projects.byd_phase3.financier": None,
            "pipeline.projects.byd_phase3.patience_years": None,
        }
    )
    byd = [p.name for p in pool.pipeline.projects].index("byd_phase3")
    sooner = 0
    for path in range(6):
        x_pool, x_own = draw_path(pool, 2, path), draw_path(own, 2, path)
        np.testing.assert_array_equal(x_pool.generic.capex_usd_bn, x_own.generic.capex_usd_bn)  # the same projects
        with_pool, with_own = _funded_by_request(pool, x_pool), _funded_by_request(own, x_own)
        assert (0, byd) in with_pool and (0, byd) not in with_own  # it asks no lender
        assert simulate_path(own, x_own).flagship_start[byd] == pytest.approx(2026.5 - own.start_year)  # builds at its request
        others = [key for key in with_pool if key != (0, byd)]
        assert set(others) == set(with_own)
        for key in others:
            assert with_own[key] <= with_pool[key] + 1e-12, key
        sooner += sum(with_own[key] < with_pool[key] - 1e-9 for key in others)
        funded_pool = sum(x_pool.generic.capex_usd_bn[i] for k, i in others if k == 1 and math.isfinite(with_pool[(k, i)]))
        funded_own = sum(x_own.generic.capex_usd_bn[i] for k, i in others if k == 1 and math.isfinite(with_own[(k, i)]))
        assert funded_own >= funded_pool - 1e-12
    assert sooner > 0  # the case binds: some requests are funded sooner
