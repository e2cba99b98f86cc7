"""The reference's finance as it was at commit 2134933 (fixed yearly capacities), for like-for-like comparisons.

Later versions replaced the four lenders of fixed yearly capacity by lenders at their
record (lumpy policy banks whose unused capacity lapses, Chinese investment and
Uzbek co-finance that grow and fall with shocks) and gave projects a patience.
``docs/decomposition.py`` uses :func:`with_step8_finance` to measure what that
change did to the headline; ``benchmarks/bench_engine.py`` to compare coopsim
with the straightforward SimPy model (``naive_model.py``), which implements the
finance of that commit only.
"""

from __future__ import annotations

from sim.scenario import Scenario

STEP8_FINANCE = {
    "financiers": {
        "cdb": {"capacity_usd_bn_per_year": {"dist": "lognormal", "median": 1.0, "p90": 2.0}},
        "eximbank": {"capacity_usd_bn_per_year": {"dist": "lognormal", "median": 0.6, "p90": 1.2}},
        "silk_road_fund": {"capacity_usd_bn_per_year": {"dist": "lognormal", "median": 0.2, "p90": 0.5}},
        "fdi_and_domestic": {"capacity_usd_bn_per_year": {"dist": "lognormal", "median": 9.0, "p90": 11.0}},
    },
    "financier_mix": {"cdb": 0.09, "eximbank": 0.06, "silk_road_fund": 0.02, "fdi_and_domestic": 0.83},
    "projects": {"byd_phase3": "fdi_and_domestic", "china_energy_solar": "eximbank", "bostanlyk_hydro": "cdb"},
}
"""The reference's finance at commit 2134933: lenders, the generic mix and the named projects' lenders."""


def with_step8_finance(scenario: Scenario) -> Scenario:
    """``scenario`` with the lenders of commit 2134933 and no patience anywhere (later versions added both)."""
    raw = scenario.to_json()
    pipeline = raw["pipeline"]
    pipeline["financier_mix"] = STEP8_FINANCE["financier_mix"]
    for sector in pipeline["sectors"].values():
        sector.pop("patience_years", None)
    for project in pipeline["projects"]:
        project.pop("patience_years", None)
        project.pop("own_finance", None)  # that commit had no company-financed projects: each named one had a lender
        if project["name"] in STEP8_FINANCE["projects"]:
            project["financier"] = STEP8_FINANCE["projects"][project["name"]]
    portfolio = {**raw["portfolio"], "financiers": STEP8_FINANCE["financiers"]}
    portfolio.pop("priority", None)
    return scenario.replace({"pipeline": pipeline, "portfolio": portfolio})
