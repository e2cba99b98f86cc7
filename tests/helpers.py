"""Small scenario builders shared by the tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from sim.scenario import Scenario, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "uz_cn_2025.toml"


def reference() -> Scenario:
    return load_scenario(REFERENCE)


def organic_only(mean: Any = 0.08, sd: Any = 0.15, persistence: float = 0.0, horizon: int = 2030, **growth: Any) -> dict[str, Any]:
    """A scenario dict with organic trade only: base 12.4 in 2024, target 20."""
    return {
        "name": "organic",
        "trade": {
            "reporter": "UZ",
            "base_year": 2024,
            "base_usd_bn": 12.4,
            "target_usd_bn": 20.0,
            "growth": {"mean": mean, "sd": sd, "persistence": persistence, **growth},
        },
        "run": {"paths": 1000, "seed": 7, "horizon_year": horizon},
    }


def one_project(project: dict[str, Any], *, capacity: Any = 2.0, sector: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flat organic trade (no growth, no noise) plus one named project in sector ``s``."""
    raw = organic_only(mean=0.0, sd=0.0, horizon=2030)
    raw["portfolio"] = {"financiers": {"bank": {"capacity_usd_bn_per_year": capacity}}}
    raw["pipeline"] = {
        "launches_per_year": 0,
        "capex_usd_bn": 0.1,
        "build_years": 1.0,
        "sectors": {"s": sector or {"construction_import_share": 0.5, "trade_per_capex_per_year": 0.2, "ramp_up_years": 1.0}},
        "projects": [{"name": "p", "sector": "s", **project}],
    }
    return raw


def build(raw: dict[str, Any]) -> Scenario:
    return scenario_from_dict(copy.deepcopy(raw))
