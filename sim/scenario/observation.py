"""The partly observed first year of a scenario: from ``[trade.observed]`` (stated in the file) or from the dated
record as of ``trade.as_of`` (:mod:`sim.scenario.view`)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..nowcast import SeasonalLaw

__all__ = ["Observation", "PartialTotal"]


@dataclass(frozen=True)
class PartialTotal:
    """The country's total trade over January–``months`` of the first simulated year, and its seasonal law."""

    months: int
    value_usd_bn: float
    seasonal: SeasonalLaw


@dataclass(frozen=True)
class Observation:
    """A partly observed first year, resolved from ``[trade.observed]``.

    Attributes
    ----------
    year, months : int
        The first simulated year and the months observed from January (12 in a view whose first year's
        figure is out before the country's total for it).
    value_usd_bn : float
        Trade turnover over those months, all components, in the scenario reporter's figures.
    yoy_growth : float
        Growth over the same months of the base year (0.23 = +23%).
    source : str
        Where it comes from: ``"file.csv, line N"`` or ``"inline"``.
    revision_sd : float
        Sd of the value's log revision, drawn per path.
    seasonal : SeasonalLaw or None
        In a view from the dated record (:mod:`sim.scenario.view`): the seasonal law that turns the
        observed months into the full year; None for ``[trade.observed]``, whose unobserved months
        follow ``rest_of_year_log_growth``.
    total : PartialTotal or None
        In a view under the structural law: the country's total over the most months published.
    source_kind : str or None
        The kind of source of the figure, in a view.
    """

    year: int
    months: int
    value_usd_bn: float
    yoy_growth: float
    source: str
    revision_sd: float = 0.0
    seasonal: SeasonalLaw | None = None
    total: PartialTotal | None = None
    source_kind: str | None = None

    @property
    def base_same_months_usd_bn(self) -> float:
        """Turnover in the same months of the base year implied by the published pair, ``value / (1 + yoy_growth)``."""
        return self.value_usd_bn / (1.0 + self.yoy_growth)

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the fields (the seasonal laws of a view as plain dicts; NaN growth, where the record gives no comparison, as None)."""
        out: dict[str, Any] = {
            "year": self.year,
            "months": self.months,
            "value_usd_bn": self.value_usd_bn,
            "yoy_growth": None if math.isnan(self.yoy_growth) else self.yoy_growth,
            "source": self.source,
        }
        if self.seasonal is not None:
            out["revision_sd"] = self.revision_sd
            out["source_kind"] = self.source_kind
            out["seasonal"] = self.seasonal.to_json()
            out["total"] = (
                {"months": self.total.months, "value_usd_bn": self.total.value_usd_bn, "seasonal": self.total.seasonal.to_json()}
                if self.total is not None
                else None
            )
        return out
