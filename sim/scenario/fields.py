"""The building blocks of the scenario schema: the base table, the limits on sizes and names, and ranged fields.

Every table of a scenario file (:mod:`sim.scenario.schema`, :mod:`sim.scenario.trade_schema`,
:mod:`sim.scenario.portfolio_schema`) is a :class:`Table`; a field's range is declared with
:func:`_within` (or :func:`_plausible` for a money amount that is valid but absurd beyond a cap).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..distributions import Distribution, Uncertain

LIMITS = {
    "max_paths": 100_000_000,
    "max_horizon_years": 100,
    "max_projects_per_path": 100_000,
}
"""Hard limits checked before any work: path count and years from base to horizon."""

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


# ---------------------------------------------------------------- field types


MAX_MONEY_USD_BN = 100_000.0
"""Largest amount accepted anywhere (USD bn, at the 99.9th percentile of a distribution): beyond any real trade flow."""


def _within(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False, what: str = "", cap: float | None = None) -> Any:
    """Validator: every value the distribution can take lies in the range (and its 99.9th percentile below ``cap``)."""

    def check(d: Distribution) -> Distribution:
        if cap is not None and float(d.ppf(0.999)) > cap:
            raise ValueError(f"must be at most {cap:,.0f}{what} (got {d.describe()})")
        a, b = d.support()
        bad_lo = a < lo or (lo_open and a == lo and d.attains_min)
        bad_hi = b > hi or (hi_open and b == hi and d.attains_max)
        if bad_lo or bad_hi:
            lo_s = f"> {lo:g}" if lo_open else f">= {lo:g}"
            hi_s = f"< {hi:g}" if hi_open else f"<= {hi:g}"
            rng = lo_s if math.isinf(hi) else f"{lo_s} and {hi_s}"
            got = d.describe()
            hint = "" if d.is_fixed else " for every value the distribution can take"
            raise ValueError(f"must be {rng}{hint}{what} (got {got})")
        return d

    return AfterValidator(check)


def _plausible(lo: float, hi: float, what: str = "") -> Any:
    """Validator for inputs whose law may be unbounded (normal): its 0.1% and 99.9% quantiles lie in the range.

    Keeps absurd inputs (a growth rate of 1000) from overflowing the simulation.
    """

    def check(d: Distribution) -> Distribution:
        low, high = float(d.ppf(np.asarray(0.001))), float(d.ppf(np.asarray(0.999)))
        if low < lo or high > hi:
            rng = f"between {lo:g} and {hi:g}{what}"
            hint = "" if d.is_fixed else " (its 0.1% to 99.9% range)"
            raise ValueError(f"must be {rng}{hint} (got {d.describe()})")
        return d

    return AfterValidator(check)


Money = Annotated[Uncertain, _within(0.0, math.inf, what=" (USD bn)", cap=MAX_MONEY_USD_BN)]
PositiveMoney = Annotated[Uncertain, _within(0.0, math.inf, lo_open=True, what=" (USD bn)", cap=MAX_MONEY_USD_BN)]
Share = Annotated[Uncertain, _within(0.0, 1.0)]
ShockDepth = Annotated[
    Uncertain,
    _within(0.0, 1.0, hi_open=True, what=": a fall of 1 (-100%) would end all trade, which the model's log scale cannot carry"),
]
"""A shock's fall: a share below 1 (the model multiplies trade by ``1 - depth`` on a log scale, so 1 is log of zero)."""
OpenShare = Annotated[Uncertain, _within(0.0, 1.0, lo_open=True, hi_open=True)]
FlowPerCapex = Annotated[Uncertain, _plausible(-10.0, 10.0)]
Years = Annotated[Uncertain, _within(0.0, math.inf)]
Scale = Annotated[Uncertain, _within(0.0, 10.0)]
PositiveYears = Annotated[Uncertain, _within(0.0, math.inf, lo_open=True)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class Table(BaseModel):
    """Base of every table of a scenario file."""

    # strict: true/false and quoted numbers are not numbers, 2024.0 is not a whole year
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True, strict=True)


# ---------------------------------------------------------------- [trade]
