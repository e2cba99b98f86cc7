"""portfolio.priority in the finance model, and the prioritisation study: greedy against enumeration, files, exit statuses."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import build, one_project, reference

from sim.engine import draw_path, simulate_path
from sim.engine.model import finance_requests, priority_ranks
from sim.scenario import ScenarioError


def _three_waiting(priority: list[str]) -> dict:
    """Projects a (0.6), b (0.6) and c (0.3) asking one bank of 1.0 a year for finance at the start."""
    raw = one_project({"capex_usd_bn": 0.6, "stage": "awaiting_finance", "financier": "bank", "build_years": 1.0}, capacity=1.0)
    base = raw["pipeline"]["projects"][0]
    raw["pipeline"]["projects"] = [{**base, "name": "a"}, {**base, "name": "b"}, {**base, "name": "c", "capex_usd_bn": 0.3}]
    raw["portfolio"]["priority"] = priority
    return raw


def test_priority_serves_the_named_request_ahead_of_those_waiting_in_its_order():
    # without priority: a at 0, b blocks c until year 1 (test_model). With c then b first: c and b at 0 (0.9 of 1.0), a waits.
    log = simulate_path(s := build(_three_waiting(["c", "b"])), draw_path(s, 1, 0))
    np.testing.assert_array_equal(log.flagship_start, [1.0, 0.0, 0.0])
    log = simulate_path(s := build(_three_waiting(["b"])), draw_path(s, 1, 0))
    np.testing.assert_array_equal(log.flagship_start, [1.0, 0.0, 1.0])  # b (0.6); a (0.6) does not fit and blocks c until year 1


def test_priority_ranks_name_projects_and_backlog_sectors():
    s = reference().replace({"portfolio.priority": ["backlog.energy", "bostanlyk_hydro"]})
    x = draw_path(s, 2, 0)
    named, generic = priority_ranks(s, x)
    names = [p.name for p in s.pipeline.projects]
    assert (
        named[names.index("bostanlyk_hydro")] == 1
        and np.sum(named == 1) == 1
        and np.all(np.delete(named, names.index("bostanlyk_hydro")) == 2)
    )
    energy = list(s.pipeline.sectors).index("energy")
    wanted = x.generic.backlog & (x.generic.sector == energy)
    assert wanted.sum() > 0 and np.all(generic[wanted] == 0) and np.all(generic[~wanted] == 2)


def test_with_priorities_a_lender_never_lends_more_than_its_capacity_and_serves_each_year_by_rank():
    s = reference().replace(
        {
            "portfolio.financiers.fdi_and_domestic.capacity_usd_bn_per_year": {"dist": "lognormal", "median": 4.0, "p90": 6.0},
            "portfolio.priority": ["china_energy_solar", "backlog.energy", "backlog.mining_metals"],
        }
    )
    for path in range(4):
        x = draw_path(s, 3, path)
        log = simulate_path(s, x)
        req = finance_requests(x, priority_ranks(s, x))
        generic = req.kind == 1
        funded = np.empty(req.time.size)
        funded[generic] = log.generic_funded[req.index[generic]]
        funded[~generic] = log.flagship_start[req.index[~generic]]
        blocked = 0
        for k in range(x.capacity_usd_bn.shape[0]):
            mine = req.financier == k
            t, rank, time = funded[mine], req.rank[mine], req.time[mine]
            done = np.isfinite(t)
            assert np.all(t[done] >= time[done])
            for year in range(x.capacity_usd_bn.shape[1]):
                assert req.capex_usd_bn[mine][done & (t < year + 1)].sum() <= x.capacity_usd_bn[k, : year + 1].sum() + 1e-9
                # a request left waiting after a refill blocks every later-ranked candidate of that year
                candidate = time < year + 1
                left = candidate & ~(done & (t < year + 1))
                if left.any():
                    first = min(zip(rank[left], np.flatnonzero(left), strict=True))
                    later = candidate & ((rank > first[0]) | ((rank == first[0]) & (np.arange(rank.size) > first[1])))
                    assert not np.any(done & later & (t >= year) & (t < year + 1))
                    blocked += int(first[0] < 3)  # a prioritised request waits: the ranks were tested
        assert blocked > 0


def test_priority_must_name_a_project_awaiting_finance_or_a_backlog_sector():
    with pytest.raises(ScenarioError, match=r"portfolio.priority\[0\].*cku_railway.*not a named project awaiting finance"):
        reference().replace({"portfolio.priority": ["cku_railway"]})
    with pytest.raises(ScenarioError, match=r"portfolio.priority\[1\].*listed twice"):
        reference().replace({"portfolio.priority": ["backlog.energy", "backlog.energy"]})
    with pytest.raises(ScenarioError, match=r"backlog.enrgy.*backlog.energy"):
        reference().replace({"portfolio.priority": ["backlog.enrgy"]})
