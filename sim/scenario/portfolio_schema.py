"""The ``[portfolio]``, ``[pipeline]``, ``[[measures]]`` and ``[[shocks]]`` groups of a scenario file.

Part of the scenario schema (:mod:`sim.scenario.schema`); the fields' descriptions make the key reference.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ..distributions import Uncertain
from .fields import (
    MAX_MONEY_USD_BN,
    FlowPerCapex,
    Money,
    Name,
    PositiveMoney,
    PositiveYears,
    Probability,
    Scale,
    Share,
    ShockDepth,
    Table,
    Years,
    _plausible,
    _within,
)


class Financier(Table):
    """``[portfolio.financiers.NAME]``: a lender with a yearly capacity, served first come, first served."""

    capacity_usd_bn_per_year: Money = Field(
        description="New lending capacity added at the start of each year, USD bn; a distribution is drawn each year (before the trend and shocks below). Unused capacity carries over until it lapses."
    )
    capacity_trend: float = Field(
        default=0.0,
        ge=-1.0,
        le=1.0,
        description="Yearly log-growth of the capacity added: year k's draw is multiplied by exp(capacity_trend x k) (k = 0 in the first simulated year). The pipeline's `launch_trend` makes a lender grow with the pipeline.",
    )
    shock_sensitivity: float = Field(
        default=0.0,
        ge=-5.0,
        le=5.0,
        description="The capacity added at a refill is multiplied by the shock multiplier of organic trade at that moment raised to this power (1: lending falls as much as trade; 0: shocks leave it alone; negative: counter-cyclical).",
    )
    capacity_lapse_years: float | None = Field(
        default=None,
        gt=0.0,
        le=100.0,
        description="Years after which unused capacity lapses (capacity is used oldest first; capacity added at t can fund requests until just before t + this). Default: it never lapses.",
    )
    fallback: str | None = Field(
        default=None,
        description="The financier that projects turn to when their patience with this one runs out (once; with a fresh patience). Default: none, they withdraw. Chains of fallbacks may not loop.",
    )
    description: str = Field(default="", max_length=500, description="Free text.")


class Backlog(Table):
    """``[portfolio.backlog]``: agreed projects not yet financed at the start, and when they ask for finance."""

    capex_usd_bn: float = Field(
        ge=0.0,
        le=1e5,
        description="Total capex of the generic projects that wait for finance at the start, USD bn (named projects excluded). Sizes, sectors, financiers and durations follow the pipeline generator.",
    )
    cancel_probability: Probability | None = Field(
        default=None, description="Probability a backlog project is abandoned before finance; default: the pipeline's."
    )
    request_years: Years = Field(
        default=0.0,
        description="Years from the start at which a backlog project asks for finance, drawn per project (e.g. uniform over the years agreements take to mature); 0: all at the start.",
    )


class Implementation(Table):
    """``[portfolio.implementation]``: how many generic projects can be built at once."""

    max_concurrent_builds: int = Field(
        ge=1,
        le=1_000_000,
        description="Generic projects financed from the start on that can be under construction at once; further funded projects queue (first funded, first built). Projects already building at the start are not counted.",
    )


class Portfolio(Table):
    """``[portfolio]``: financiers, the backlog and implementation capacity."""

    financiers: dict[Name, Financier] = Field(min_length=1, description="Lenders by name.")
    backlog: Backlog | None = Field(default=None, description="Projects waiting for finance at the start.")
    implementation: Implementation | None = Field(default=None, description="Implementation capacity; omit for none.")
    priority: list[str] = Field(
        default_factory=list,
        max_length=10_000,
        description="Requests served ahead of every other waiting request of their lender, in this order: named projects awaiting finance (by name) and the backlog of a sector (`backlog.SECTOR`); a project keeps its rank at its fallback lender. Within an entry, first come, first served.",
    )


# ---------------------------------------------------------------- [pipeline]


class Sector(Table):
    """``[pipeline.sectors.NAME]``: trade coefficients of a sector."""

    construction_import_share: Share = Field(
        description="Share of capex imported from the partner during construction, spread evenly over the build. Drawn once per path."
    )
    exports_per_capex_per_year: FlowPerCapex = Field(
        description="The country's yearly exports to the partner per USD of capex once operating at full capacity. Drawn once per path."
    )
    imports_per_capex_per_year: FlowPerCapex = Field(
        description="Yearly imports from the partner per USD of capex once operating at full capacity (components, inputs); negative for import substitution (local cars replacing imported ones). Drawn once per path."
    )
    ramp_up_years: float = Field(default=1.0, ge=0.0, le=50.0, description="Years from completion to full operating effect (linear ramp).")
    patience_years: PositiveYears | None = Field(
        default=None,
        description="Years a generic project of the sector waits for finance from its request before it withdraws or turns to its lender's `fallback` (drawn per project, and drawn afresh at the fallback). Default: it waits for ever.",
    )


Stage = Literal["operating", "construction", "awaiting_finance"]


class Project(Table):
    """``[[pipeline.projects]]``: a named flagship project."""

    name: Name = Field(description="Identifier (lower case, digits, underscores); keys the project's random stream.")
    sector: str = Field(description="A sector of `[pipeline.sectors]`.")
    capex_usd_bn: PositiveMoney = Field(description="Capital cost, USD bn.")
    stage: Stage = Field(description="`operating`, `construction` or `awaiting_finance` at the start.")
    financier: str | None = Field(
        default=None, description="A financier of `[portfolio.financiers]`; required when awaiting finance, unless `own_finance`."
    )
    construction_start: float | None = Field(
        default=None, ge=1900.0, le=2300.0, description="Decimal year construction began (stages `operating`, `construction`)."
    )
    completion_year: Uncertain | None = Field(
        default=None, description="Decimal year construction ends (stages `operating`, `construction`)."
    )
    build_years: PositiveYears | None = Field(default=None, description="Years of construction after finance (stage `awaiting_finance`).")
    finance_request_year: float | None = Field(
        default=None, ge=1900.0, le=2300.0, description="Decimal year it asks for finance (stage `awaiting_finance`); default: the start."
    )
    patience_years: PositiveYears | None = Field(
        default=None,
        description="Years it waits for finance from its request before it withdraws or turns to its financier's `fallback` (stage `awaiting_finance`; drawn once, and afresh at the fallback). Default: it waits for ever.",
    )
    own_finance: bool = Field(
        default=False,
        description="Stage `awaiting_finance`: financed by its own company's money (a company's pledge, cited), so it asks no lender, takes no lender's capacity and starts building at its request; no `financier` or `patience_years` then. Default: false, it asks its `financier`.",
    )
    delay_probability: Probability = Field(default=0.0, description="Probability of a construction delay.")
    delay_years: Years = Field(default=0.0, description="Length of a delay, years.")
    cancel_probability: Probability = Field(
        default=0.0, description="Probability the project is abandoned (no further flows from the start)."
    )
    construction_import_share: Share | None = Field(default=None, description="Overrides the sector's value.")
    exports_per_capex_per_year: FlowPerCapex | None = Field(default=None, description="Overrides the sector's value.")
    imports_per_capex_per_year: FlowPerCapex | None = Field(default=None, description="Overrides the sector's value.")
    ramp_up_years: float | None = Field(default=None, ge=0.0, le=50.0, description="Overrides the sector's value.")
    trade_level_uplift: Annotated[Uncertain, _within(-1.0, 10.0, lo_open=True)] = Field(
        default=0.0, description="Once operating (after ramp-up), organic trade is multiplied by 1 + this (transport links)."
    )
    trade_growth_uplift: Annotated[Uncertain, _within(-1.0, 1.0)] = Field(
        default=0.0, description="Once operating, added to the yearly log-growth of organic trade."
    )


class FlowScale(Table):
    """``[pipeline.flow_scale]``: factors on every project's trade coefficients, fitted to the record (`coopsim replay`)."""

    exports: Scale = Field(
        default=1.0,
        description="Multiplies every project's exports per USD of capex (sectors' and named projects' own). Drawn once per path.",
    )
    imports: Scale = Field(default=1.0, description="Multiplies every project's operating imports per USD of capex. Drawn once per path.")
    construction_imports: Scale = Field(
        default=1.0,
        description="Multiplies every project's construction import share (a share above 1 is taken as 1). Drawn once per path.",
    )


class Pipeline(Table):
    """``[pipeline]``: the generator of generic projects and the sector coefficients."""

    launches_per_year: float = Field(
        ge=0.0, le=100_000.0, description="Generic projects asking for finance per year at the start (Poisson arrivals)."
    )
    launch_trend: float = Field(default=0.0, ge=-1.0, le=1.0, description="Yearly log-growth of the launch rate.")
    warmup_years: int = Field(
        default=6,
        ge=0,
        le=50,
        description="Years of launches simulated before the start so the base year already holds the flows of projects in progress; components are measured against the base year.",
    )
    last_launch_year: int | None = Field(
        default=None,
        ge=1900,
        le=2300,
        description="Last year generic projects are launched (none after it; the backlog is not affected). Default: launches go on to the horizon. The base year stops new launches while the warm-up projects run their course.",
    )
    capex_usd_bn: PositiveMoney = Field(description="Capex of one generic project, USD bn (drawn per project).")
    build_years: PositiveYears = Field(description="Construction years of one generic project (drawn per project).")
    delay_probability: Probability = Field(default=0.0, description="Probability a generic project is delayed.")
    delay_years: Years = Field(default=0.0, description="Length of a delay, years (drawn per project).")
    cancel_probability: Probability = Field(default=0.0, description="Probability a generic project is abandoned before finance.")
    sector_mix: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=dict, description="Relative weight of each sector among generic projects."
    )
    financier_mix: dict[str, Annotated[float, Field(ge=0.0)]] = Field(
        default_factory=dict, description="Relative weight of each financier among generic projects."
    )
    sectors: dict[Name, Sector] = Field(min_length=1, description="Sector coefficients by name.")
    projects: list[Project] = Field(default_factory=list, description="Named flagship projects.")
    flow_scale: FlowScale | None = Field(
        default=None,
        description="Scale factors on the projects' trade coefficients, drawn once per path from a stream of their own (`pipeline.flow_scale`); omit for none (every path as without the table, bit for bit).",
    )


# ---------------------------------------------------------------- measures, shocks, run


class Measure(Table):
    """``[[measures]]``: an agreement with a start date and a trade effect."""

    name: Name = Field(description="Identifier; keys the measure's random stream.")
    start: float = Field(ge=1900.0, le=2300.0, description="Decimal year the measure takes effect (2025.42 = early June 2025).")
    direction: Literal["exports", "imports"] = Field(
        description="Which flow the measure moves: `exports` (the country's sales to the partner, e.g. phytosanitary access) or `imports`."
    )
    effect_usd_bn_per_year: Annotated[Uncertain, _plausible(-MAX_MONEY_USD_BN, MAX_MONEY_USD_BN, what=" USD bn")] = Field(
        description="Yearly trade added at full effect, USD bn (drawn once per path)."
    )
    ramp_up_years: float = Field(default=0.0, ge=0.0, le=50.0, description="Years to reach full effect (linear).")


class Shock(Table):
    """``[[shocks]]``: a recession or trade shock that may strike any year."""

    name: Name = Field(description="Identifier; keys the shock's random stream.")
    probability_per_year: Probability = Field(description="Chance the shock strikes in a given year (at most once a year).")
    depth: ShockDepth = Field(
        description="Fall of organic trade when it strikes (0.1 = -10%); below 1, as a fall of 1 would end all trade."
    )
    recovery_years: Years = Field(description="Years for the fall to fade linearly; 0 for a fall lasting only the rest of that year.")
