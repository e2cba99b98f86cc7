"""Scenario inputs as levers: named by dotted path, moved over a range.

Sensitivity analysis, scenario discovery and goal seeking all move one or more
scenario inputs and look at the outcome. A lever is a dotted path of the
scenario format with a numeric *setting*:

* for a plain number (``pipeline.launches_per_year``), the setting is the value;
* for a distribution drawn once per path (``trade.growth.mean``, a sector's
  ``exports_per_capex_per_year``, a project's ``completion_year``), the setting
  fixes the value on every path (the distribution's own 5th to 95th percentile
  is the default range);
* for a distribution drawn many times a path (a financier's yearly capacity,
  the pipeline's project sizes and durations, shock depths), the setting is the
  distribution's median: the distribution is rescaled (or shifted, for a normal
  law) so that its median is the setting and its shape is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, TypeAdapter

from ..distributions import Distribution, Uncertain
from ..errors import UsageError
from ..scenario import Scenario, ScenarioError
from ..scenario.messages import quote

__all__ = ["Lever", "default_levers", "lever", "parse_range", "value_at"]

_PARSE = TypeAdapter(Uncertain).validate_python

# distributions drawn many times a path: a lever moves their median
_REPEATED = (
    "capacity_usd_bn_per_year",
    "pipeline.capex_usd_bn",
    "pipeline.build_years",
    "pipeline.delay_years",
    ".depth",
    ".recovery_years",
)


@dataclass(frozen=True)
class Lever:
    """One scenario input moved over ``[low, high]``.

    Attributes
    ----------
    path : str
        Dotted path in the scenario (``trade.growth.mean``).
    low, high : float
        Range of the setting.
    mode : str
        ``"value"`` (the input becomes this number) or ``"median"`` (its distribution is moved to this median).
    group : str
        Label used to report related inputs together.
    current : float
        The setting the scenario has now (its value, or its distribution's median).
    p10, p90 : float
        The settings a tornado chart moves the input to: the 10th and 90th
        percentiles of its distribution (drawn once per path), else of the range.
    """

    path: str
    low: float
    high: float
    mode: str
    group: str
    current: float
    p10: float
    p90: float

    def change(self, scenario: Scenario, setting: float) -> Any:
        """The raw value to put at ``path`` for a setting."""
        if self.mode == "value":
            raw = value_at(scenario, self.path)
            return (
                int(round(setting))
                if isinstance(raw, int) and not isinstance(raw, bool) and float(setting).is_integer()
                else float(setting)
            )
        return _with_median(_PARSE(value_at(scenario, self.path)), setting)


def value_at(scenario: Scenario, path: str) -> Any:
    """The raw value at a dotted path: as the file wrote it, else the schema's default the scenario runs with.

    A key the file leaves out (``portfolio.financiers.cdb.shock_sensitivity``)
    is still an input of the scenario, at its default: a lever starts from it,
    and :meth:`Scenario.replace` writes the setting into the file's table.

    Raises
    ------
    ScenarioError
        The file's own message, when the path names no key of the schema either.
    """
    try:
        return scenario.get(path)
    except ScenarioError:
        default = _default_at(scenario, path)
        if default is _MISSING:
            raise
        return default


_MISSING = object()


def _default_at(scenario: Scenario, path: str) -> Any:
    """The validated value at ``path`` (a default for a key the file leaves out), as a raw value; ``_MISSING`` if none."""
    node: Any = scenario
    for part in path.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and any(getattr(e, "name", None) == part for e in node):
            node = next(e for e in node if getattr(e, "name", None) == part)
        else:
            return _MISSING
    return node.model_dump() if isinstance(node, Distribution) else node


def _with_median(d: Distribution, median: float) -> dict[str, Any]:
    """A distribution of the same shape with the given median (scaled; shifted for a normal law)."""
    table = d.model_dump()
    now = float(d.ppf(np.asarray(0.5)))
    if table["dist"] == "normal" or now == 0:
        shift = median - now
        for key in ("value", "min", "mode", "max", "mean", "median", "p90"):
            if key in table:
                table[key] += shift
        if "values" in table:
            table["values"] = [v + shift for v in table["values"]]
        return table
    factor = median / now
    for key in ("value", "min", "mode", "max", "median", "p90"):
        if key in table:
            table[key] *= factor
    if "values" in table:
        table["values"] = [v * factor for v in table["values"]]
    return table


def _group(path: str, links: set[str]) -> str:
    parts = path.split(".")
    if path == "trade.growth.mean":
        return "organic growth mean"
    if path.startswith("trade.growth"):
        return "organic growth spread"
    if path == "trade.structural.total_growth.mean":
        return "total trade growth mean"
    if path.startswith("trade.structural.total_growth"):
        return "total trade growth spread"
    if path == "trade.structural.share.long_run":
        return "partner share, long run"
    if path.startswith("trade.structural.share"):
        return "partner share dynamics"
    if path.startswith("trade.exports_share"):
        return "exports share"
    if path.startswith("portfolio.financiers"):
        return "financing capacity"
    if path in ("pipeline.launches_per_year", "pipeline.launch_trend"):
        return "pipeline launches"
    if path.endswith("_per_capex_per_year"):
        return "sector trade coefficients"
    if path.endswith("construction_import_share"):
        return "construction import shares"
    if parts[0] == "shocks":
        return "trade shocks"
    if parts[0] == "measures":
        return "agreements"
    if parts[:2] == ["pipeline", "projects"] and parts[2] in links:
        # transport links: their opening date and their effect on trade are separate questions
        return f"{parts[2]} opening" if parts[-1] == "completion_year" else f"{parts[2]} trade effect"
    return "build durations and delays"


def _links(scenario: Scenario) -> set[str]:
    """Named projects that change organic trade once open (a railway)."""
    projects = scenario.pipeline.projects if scenario.pipeline else []
    return {
        p.name
        for p in projects
        if not (
            p.trade_level_uplift.is_fixed
            and p.trade_level_uplift.value == 0
            and p.trade_growth_uplift.is_fixed
            and p.trade_growth_uplift.value == 0
        )
    }  # type: ignore[attr-defined]


def lever(scenario: Scenario, path: str, low: float | None = None, high: float | None = None, keep_spread: bool = False) -> Lever:
    """The lever at a dotted path, with a default range unless one is given.

    With ``keep_spread``, a distribution drawn once per path is moved by its
    median too (its uncertainty kept), instead of being fixed on every path:
    goal seeking asks what central value is needed, with the uncertainty
    around it still there.

    Raises
    ------
    ScenarioError
        If the path names no number or distribution of the scenario.
    """
    raw = value_at(scenario, path)
    if isinstance(raw, bool) or not isinstance(raw, (int, float, dict)):
        raise ScenarioError(scenario.source, [(path, "is not a number or a distribution, so it cannot be moved")])
    if isinstance(raw, dict):
        try:
            d = _PARSE(raw)
        except Exception:
            raise ScenarioError(scenario.source, [(path, "is a table, not a number or a distribution")]) from None
        repeated = any(tag in path for tag in _REPEATED)
        mode = "median" if repeated or (keep_spread and not d.is_fixed) else "value"
        current = float(d.ppf(np.asarray(0.5)))
        if repeated:
            lo, hi = 0.5 * current, 1.5 * current
        elif d.is_fixed:
            lo, hi = _around(current, path)
        else:
            lo, hi = float(d.ppf(np.asarray(0.05))), float(d.ppf(np.asarray(0.95)))
        per_path = not repeated and not d.is_fixed
    else:
        mode, current, per_path = "value", float(raw), False
        lo, hi = _around(current, path)
    low = lo if low is None else low
    high = hi if high is None else high
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ScenarioError(scenario.source, [(path, f"needs a range low < high (got {low:g} to {high:g})")])
    if per_path and (low, high) == (lo, hi):
        p10, p90 = float(d.ppf(np.asarray(0.1))), float(d.ppf(np.asarray(0.9)))
    else:
        p10, p90 = low + 0.1 * (high - low), low + 0.9 * (high - low)
    return Lever(path, float(low), float(high), mode, _group(path, _links(scenario)), current, p10, p90)


def _around(value: float, path: str) -> tuple[float, float]:
    """A default range around a plain number: +/-50%, kept within [0, 1] for probabilities and shares."""
    if value == 0:
        return (0.0, 0.1) if "probability" in path or "share" in path else (-0.05, 0.05)
    lo, hi = sorted((0.5 * value, 1.5 * value))
    if "probability" in path or "share" in path:
        hi = min(hi, 1.0)
    if path.endswith(("long_run", "persistence")):
        hi = min(hi, 0.99)  # a share law's long run lies inside (0, 1) and its persistence at most 0.99
    return lo, hi


def default_levers(scenario: Scenario) -> list[Lever]:
    """The scenario's own uncertain inputs, and the main scalar ones, as levers with default ranges.

    The exports share law is left out when the target is on turnover, which it cannot move.
    """
    raw = scenario.to_json()
    if scenario.trade.structural is not None:
        paths = [f"trade.structural.total_growth.{k}" for k in ("mean", "sd")]
        paths += [f"trade.structural.share.{k}" for k in ("long_run", "persistence", "sd")]
    else:
        paths = ["trade.growth.mean", "trade.growth.sd"]
    if scenario.trade.exports_share is not None and scenario.trade.target_flow != "turnover":
        paths += [f"trade.exports_share.{k}" for k in ("long_run", "persistence", "sd")]
    for name in (raw.get("portfolio") or {}).get("financiers", {}):
        paths.append(f"portfolio.financiers.{name}.capacity_usd_bn_per_year")
    p = raw.get("pipeline")
    if p:
        # a key the scenario leaves at its default is not in the file, so a variant cannot set it: only those given
        paths += [f"pipeline.{k}" for k in ("launches_per_year", "build_years", "delay_probability") if k in p]
        for name in p.get("sectors", {}):
            paths += [
                f"pipeline.sectors.{name}.{key}"
                for key in ("exports_per_capex_per_year", "imports_per_capex_per_year", "construction_import_share")
            ]
        for proj in p.get("projects", []):
            for key in ("completion_year", "trade_level_uplift", "trade_growth_uplift"):
                if isinstance(proj.get(key), dict):
                    paths.append(f"pipeline.projects.{proj['name']}.{key}")
    for shock in raw.get("shocks", []):
        paths += [f"shocks.{shock['name']}.probability_per_year", f"shocks.{shock['name']}.depth"]
    for measure in raw.get("measures", []):
        if isinstance(measure.get("effect_usd_bn_per_year"), dict):
            paths.append(f"measures.{measure['name']}.effect_usd_bn_per_year")
    levers = []
    for path in paths:
        value = scenario.get(path)
        if isinstance(value, dict) and _PARSE(value).is_fixed and "capacity" not in path:
            continue
        levers.append(lever(scenario, path))
    return levers


def parse_range(text: str) -> tuple[str, float | None, float | None]:
    """``KEY``, ``KEY=LOW:HIGH``: the command line's way of naming a lever and its range."""
    if "=" not in text:
        return text, None, None
    key, _, rng = text.partition("=")
    lo, sep, hi = rng.partition(":")
    try:
        return key, float(lo), float(hi)
    except ValueError:
        raise UsageError(f"{quote(text)}: a range is written KEY=LOW:HIGH, e.g. trade.growth.mean=0.02:0.12") from None
