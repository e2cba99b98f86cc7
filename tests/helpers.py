"""Small scenario builders and a TOML writer shared by the tests."""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from sim.scenario import Scenario, load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "scenarios" / "uz_cn_2025.toml"


def coopsim_process(*args: str, **kwargs: Any) -> subprocess.Popen:
    """``python -m sim ARGS`` started as a process of its own (text pipes for stdout and stderr)."""
    return subprocess.Popen([sys.executable, "-m", "sim", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (at the time of asking)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reference() -> Scenario:
    return load_scenario(REFERENCE)


def stated_tables(s: Scenario) -> dict[str, Any]:
    """A view's tables with its base year stated and no record (so no observed first year): ``trade.releases``,
    ``as_of``, ``partner`` and ``[trade.nowcast]`` dropped, the base keys the view took from the record written in."""
    raw = s.to_json()
    trade = raw["trade"]
    for key in ("releases", "as_of", "partner", "nowcast"):
        trade.pop(key, None)
    trade.update(base_year=s.trade.base_year, base_usd_bn=s.trade.base_usd_bn, base_exports_usd_bn=s.trade.base_exports_usd_bn)
    if s.trade.structural is not None:
        trade["structural"]["total_base_usd_bn"] = s.trade.structural.total_base_usd_bn
    return raw


def stated_reference_text(text: str | None = None) -> str:
    """The reference in the form without a dated record: its base year and partly observed first year stated in the file.

    The values are the ones its view as of 10 September 2025 takes from ``seeds/uz_cn_releases.csv``
    (2024: 12.4, exports 2.05, Uzbekistan's total 65.9; January-July 2025 from
    ``seeds/uz_cn_trade_partial_2025.csv``), so the tests of ``[trade.observed]`` and of the stated
    keys keep a scenario to work on.
    """
    text = REFERENCE.read_text(encoding="utf-8") if text is None else text
    start, end = text.index("[trade.nowcast]\n"), text.index("[trade.structural]\n")
    text = text[:start] + text[end:]
    text = re.sub(r"^releases = .*\n", "", text, flags=re.M)
    text = re.sub(r"^as_of = .*\n", "", text, flags=re.M)
    text = re.sub(r"^partner = .*\n", "", text, flags=re.M)
    text = text.replace(
        'reporter = "UZ"\n',
        'reporter = "UZ"\nbase_year = 2024\nbase_usd_bn = 12.4                # [T-2024-UZ]\nbase_exports_usd_bn = 2.05        # [T-2024-SPLIT]\n',
        1,
    )
    text = text.replace("[trade.structural]\n", "[trade.structural]\ntotal_base_usd_bn = 65.9          # [UZ-TOTAL-2024]\n", 1)
    observed = '[trade.observed]\nfile = "../seeds/uz_cn_trade_partial_2025.csv"   # [T-2025-JANJUL]\nrevision_sd = 0.02\n\n'
    finance = "# ---------------------------------------------------------------- finance"
    return text.replace(finance, observed + finance, 1)


def organic_only(mean: Any = 0.08, sd: Any = 0.15, persistence: float = 0.0, horizon: int = 2030, **growth: Any) -> dict[str, Any]:
    """A scenario dict with organic trade only: base 12.4 in 2024, target 20."""
    return {
        "name": "organic",
        "trade": {
            "reporter": "UZ",
            "base_year": 2024,
            "base_usd_bn": 12.4,
            "base_exports_usd_bn": 2.05,
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
        "sectors": {
            "s": sector
            or {
                "construction_import_share": 0.5,
                "exports_per_capex_per_year": 0.15,
                "imports_per_capex_per_year": 0.05,
                "ramp_up_years": 1.0,
            }
        },
        "projects": [{"name": "p", "sector": "s", **project}],
    }
    return raw


def build(raw: dict[str, Any]) -> Scenario:
    return scenario_from_dict(copy.deepcopy(raw))


# ---------------------------------------------------------------- a TOML writer for any tree (tests write scenario files)


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def dump_toml(doc: dict[str, Any]) -> str:
    """TOML text of a nested dict: top-level tables get headers, everything below is inline."""

    def is_table_array(v: Any) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(e, dict) for e in v)

    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict) and not is_table_array(v)]
    for k, v in doc.items():
        entries = [v] if isinstance(v, dict) else v if is_table_array(v) else []
        for entry in entries:
            lines.append(f"\n[{_toml_key(k)}]" if isinstance(v, dict) else f"\n[[{_toml_key(k)}]]")
            lines += [f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in entry.items()]
    return "\n".join(lines) + "\n"
