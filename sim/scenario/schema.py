"""The scenario schema: every key of a scenario file, with its type, allowed range and meaning.

A scenario file has the groups ``[trade]``, ``[portfolio]``, ``[pipeline]``,
``[[measures]]``, ``[[shocks]]`` and ``[run]``; each table of the file is a
pydantic class: the ``[trade]`` tables in :mod:`sim.scenario.trade_schema`, the portfolio's,
pipeline's, measures' and shocks' in :mod:`sim.scenario.portfolio_schema`, the building blocks
(:class:`Table`, ranged fields) in :mod:`sim.scenario.fields`, and here the top level
(:class:`ScenarioFile`), ``[run]`` and ``[report]``; every name is re-exported here. The key
reference (``coopsim keys``, :mod:`sim.scenario.keys`) is generated from the
``description`` of these fields.

Where to make a change
----------------------
* To add a key: a field of its table (in the module of its group), with its type, range and
  ``description``; a new table also needs its row in :mod:`sim.scenario.keys`.
* A range that depends on another key: :mod:`sim.scenario.checks`.
* A key that was renamed: ``RENAMED`` in :mod:`sim.scenario.messages`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

__all__ = [
    "Backlog",
    "DirectionGap",
    "Directions",
    "ExportsShare",
    "Financier",
    "FlowScale",
    "Growth",
    "Implementation",
    "LAW_KINDS",
    "LIMITS",
    "MAX_MONEY_USD_BN",
    "Measure",
    "NAME_PATTERN",
    "Name",
    "Nowcast",
    "Observed",
    "OrganicLaw",
    "Pipeline",
    "Portfolio",
    "Project",
    "Report",
    "ReporterGap",
    "Run",
    "ScenarioFile",
    "Sector",
    "ShareLaw",
    "Shock",
    "Structural",
    "Table",
    "Trade",
]

from .fields import LIMITS, MAX_MONEY_USD_BN, NAME_PATTERN, Name, Table
from .portfolio_schema import Backlog, Financier, FlowScale, Implementation, Measure, Pipeline, Portfolio, Project, Sector, Shock
from .trade_schema import (
    LAW_KINDS,
    DirectionGap,
    Directions,
    ExportsShare,
    Growth,
    Nowcast,
    Observed,
    OrganicLaw,
    ReporterGap,
    ShareLaw,
    Structural,
    Trade,
)


class Run(Table):
    """``[run]``: defaults for a run; the command line may override them."""

    paths: int = Field(default=10_000, ge=1, le=LIMITS["max_paths"], description="Monte Carlo paths.")
    seed: int = Field(default=0, ge=0, lt=2**63, description="Root seed of `numpy.random.SeedSequence`.")
    horizon_year: int = Field(ge=1951, description="Last simulated year; at most 100 years after the base year.")


class Report(Table):
    """``[report]``: what a report says of this case beyond the model's own limitations."""

    limitations: list[str] = Field(
        default_factory=list,
        description="The case's own limitations (its data, reporters, assumptions), printed after the model's in every report.",
    )


class ScenarioFile(Table):
    """The top level of a scenario file: its tables, and the years they imply.

    :class:`sim.scenario.Scenario` adds where the file came from, the resolved
    partial-year observation and variants (:meth:`~sim.scenario.Scenario.replace`).
    """

    name: Name = Field(description="Identifier of the scenario.")
    description: str = Field(default="", max_length=2000, description="One line on what the scenario represents.")
    trade: Trade = Field(description="The trade series, its base, target and growth law.")
    portfolio: Portfolio | None = Field(default=None, description="Financiers, backlog and implementation capacity; needed by projects.")
    pipeline: Pipeline | None = Field(default=None, description="Generic projects and named projects; omit for an organic-only scenario.")
    measures: list[Measure] = Field(default_factory=list, description="Agreements.")
    shocks: list[Shock] = Field(default_factory=list, description="Shocks.")
    run: Run = Field(description="Run defaults: paths, seed, horizon.")
    report: Report | None = Field(default=None, description="The case's own limitations for its reports.")

    @property
    def start_year(self) -> int:
        """First simulated calendar year (``base_year + 1``); time 0 is its 1 January."""
        return self.trade.base_year + 1

    @property
    def years(self) -> list[int]:
        """Simulated calendar years, ``start_year`` to ``horizon_year``."""
        return list(range(self.start_year, self.run.horizon_year + 1))

    @property
    def organic_law(self) -> Literal["random_walk", "structural"]:
        """Which organic law the scenario uses: ``[trade.growth]`` or ``[trade.structural]``."""
        return "structural" if self.trade.structural is not None else "random_walk"
