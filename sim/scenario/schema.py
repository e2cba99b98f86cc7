"""The scenario schema: every key of a scenario file, with its type, allowed range and meaning.

A scenario file has the groups ``[trade]``, ``[portfolio]``, ``[pipeline]``,
``[[measures]]``, ``[[shocks]]`` and ``[run]``; each table of the file is a
pydantic class below (:class:`ScenarioFile` is the top level). The key
reference (``coopsim keys``, :mod:`sim.scenario.keys`) is generated from the
``description`` of these fields.

Where to make a change
----------------------
* To add a key: a field of its table here, with its type, range and
  ``description``; a new table also needs its row in :mod:`sim.scenario.keys`.
* A range that depends on another key: :mod:`sim.scenario.checks`.
* A key that was renamed: ``RENAMED`` in :mod:`sim.scenario.messages`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

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


class Growth(Table):
    """``[trade.growth]``: a growth law of yearly log-growth (of organic turnover here; of total trade in `[trade.structural.total_growth]`)."""

    mean: Annotated[Uncertain, _plausible(-1.0, 1.0)] = Field(
        description="Mean yearly log-growth (0.10 = about +10.5% a year). A distribution is drawn once per path (parameter uncertainty)."
    )
    sd: Annotated[Uncertain, _within(0.0, 5.0)] = Field(
        description="Standard deviation of yearly log-growth around the mean. A distribution is drawn once per path."
    )
    persistence: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description="AR(1) coefficient of the yearly deviations from the mean, in [0, 1). 0: independent years.",
    )
    df: float | None = Field(
        default=None,
        gt=2.0,
        le=1000.0,
        description="Degrees of freedom of Student-t innovations (heavy tails), > 2; scaled to keep `sd`. Omit for normal innovations.",
    )


class ShareLaw(Table):
    """``[trade.structural.share]``: a share in (0, 1) whose logit reverts to a long-run level, or walks.

    With ``z = ln(share / (1 - share))``: ``z(y) = zbar + persistence * (z(y - 1) - zbar) + drift + sd * e(y)``,
    ``zbar`` the logit of ``long_run``, ``e`` independent standard normal. ``persistence = 1`` makes the logit a
    random walk (a *local level*: every surprise persists, the long run is not used), with ``drift`` a
    random walk with drift (a *trend*: the share keeps moving as it has).
    """

    long_run: OpenShare = Field(
        description="Long-run level of the share, in (0, 1); not used when `persistence` is 1. A distribution is drawn once per path."
    )
    persistence: Annotated[Uncertain, _within(0.0, 1.0)] = Field(
        default=0.0,
        description="Share of last year's deviation from the long run (on the logit scale) that remains a year later, in [0, 1]; 0 reverts at once, 1 never (a random walk of the logit). A distribution is drawn once per path.",
    )
    sd: Annotated[Uncertain, _within(0.0, 5.0)] = Field(
        description="Standard deviation of the yearly innovation of the share's logit. A distribution is drawn once per path."
    )
    drift: Annotated[Uncertain, _plausible(-1.0, 1.0)] | None = Field(
        default=None,
        description="Yearly drift of the share's logit (a trend); only with `persistence = 1`. A distribution is drawn once per path.",
    )


class ExportsShare(ShareLaw):
    """``[trade.exports_share]``: the country's exports as a share of organic turnover (a share law).

    Starts from ``base_exports_usd_bn / base_usd_bn``. Omit the table to keep that share constant.
    """

    correlation: float = Field(
        default=0.0,
        ge=-1.0,
        le=1.0,
        description="Correlation of the share's yearly innovation with the innovation of organic turnover growth (negative: years of fast growth are import-led).",
    )


class Structural(Table):
    """``[trade.structural]``: organic turnover as the country's trade with all partners times the partner's share of it."""

    total_base_usd_bn: float | None = Field(
        default=None,
        gt=0.0,
        le=1e6,
        description="The country's trade turnover with all partners in the base year, USD bn (the reporter's statistics). Required unless `trade.releases` gives it.",
    )
    total_growth: Growth = Field(description="The growth law of the country's total trade (the keys of `[trade.growth]`).")
    share: ShareLaw = Field(description="The partner's share of the country's total trade; starts from `base_usd_bn / total_base_usd_bn`.")


class Directions(Table):
    """``[trade.laws.NAME.directions]``: the law by direction: the country's imports, its exports less gold and gold, each with its growth law, and the partner's share of its imports and of its non-gold exports.

    ``O = s_imp * W_imp + s_exp * (W_exp - gold)``; base year: ``W_imp = imports_fraction * total_base_usd_bn``,
    gold ``gold_fraction`` of the rest, the shares what the base split of ``base_usd_bn`` leaves.
    """

    imports_fraction: float = Field(gt=0.0, lt=1.0, description="The country's imports over its total trade in the base year.")
    gold_fraction: float = Field(ge=0.0, lt=1.0, description="Gold over the country's exports in the base year.")
    imports_growth: Growth = Field(description="The growth law of the country's imports (the keys of `[trade.growth]`).")
    exports_growth: Growth = Field(description="The growth law of the country's exports less gold.")
    gold_growth: Growth = Field(description="The growth law of the country's gold exports.")
    imports_share: ShareLaw = Field(description="The partner's share of the country's imports (a share law).")
    exports_share: ShareLaw = Field(description="The partner's share of the country's exports less gold (a share law).")


LAW_KINDS = ("reverting", "local_level", "trend", "by_direction")
"""Kinds of candidate organic law (``[trade.laws.NAME]``): the partner's share reverting to a long run, a local
level (a random walk of its logit) and a trend (a random walk with drift), each refitted its own way on a view's
record (:func:`sim.calibration.views.view_at`); and the law by direction (``directions``), kept as given by views."""


class OrganicLaw(Table):
    """``[trade.laws.NAME]``: one candidate law of organic trade in a mixture, drawn per path with its weight.

    A law is the scenario's ``[trade.structural]`` with the tables it gives (``total_growth``, ``share``)
    put in their place; every other key of the scenario is shared by all laws.
    """

    kind: Literal["reverting", "local_level", "trend", "by_direction"] = Field(
        description="What the law says of the partner's share: `reverting` (to a long run, persistence below 1), `local_level` (its logit a random walk: persistence 1, no drift), `trend` (a random walk with drift) or `by_direction` (its shares of imports and of non-gold exports, `directions`)."
    )
    weight: float = Field(
        ge=0.0,
        le=1.0,
        description="Probability that a path follows this law; the weights of `[trade.laws]` sum to 1. 0: a candidate outside the mixture, run alone with `trade.law`.",
    )
    total_growth: Growth | None = Field(
        default=None, description="The growth law of the country's total trade; default `[trade.structural.total_growth]`."
    )
    share: ShareLaw | None = Field(default=None, description="The law of the partner's share; default `[trade.structural.share]`.")
    directions: Directions | None = Field(
        default=None, description="The law by direction; required for, and only with, kind `by_direction`."
    )


class Observed(Table):
    """``[trade.observed]``: a partly observed first year, from a CSV of partial-year figures or given inline."""

    file: str | None = Field(
        default=None,
        max_length=500,
        description="CSV of partial-year figures (`year,months,value_usd_bn,yoy_growth,reporter,status,...`), relative to the scenario file. The row for the first simulated year of the scenario's `reporter` with the most months is used; none, no observation.",
    )
    year: int | None = Field(default=None, description="Inline form: the partly observed year; must be `base_year + 1`.")
    months: int | None = Field(default=None, ge=1, le=11, description="Inline form: months observed, from January (1 to 11).")
    value_usd_bn: float | None = Field(
        default=None, gt=0.0, le=1e6, description="Inline form: trade turnover over those months, all components, USD bn."
    )
    yoy_growth: float | None = Field(
        default=None, gt=-1.0, le=10.0, description="Inline form: growth over the same months a year before (0.23 = +23%)."
    )
    revision_sd: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Standard deviation of the log revision of the preliminary observed value (drawn per path); 0 takes it as final.",
    )
    rest_of_year_log_growth: Annotated[Uncertain, _plausible(-3.0, 3.0)] | None = Field(
        default=None,
        description="Log-growth of organic trade in the unobserved months over the same months a year before. Default: normal around the observed months' organic log-growth with the organic law's yearly sd.",
    )


class Nowcast(Table):
    """``[trade.nowcast]``: what the nowcast of a partly observed first year assumes before the record of releases speaks (:mod:`sim.nowcast`)."""

    prior_offset: float = Field(
        default=0.0,
        ge=-3.0,
        le=3.0,
        description="Prior mean of the seasonal offset: logit(share of the year in January-k) - logit(k / 12).",
    )
    prior_offset_years: float = Field(default=1.0, gt=0.0, le=1000.0, description="What the prior offset is worth, in years of record.")
    prior_spread: float = Field(
        default=0.25, gt=0.0, le=3.0, description="Prior sd of a year's seasonal offset around the mean (logit scale)."
    )
    prior_spread_years: float = Field(
        default=4.0,
        ge=3.0,
        le=1000.0,
        description="What the prior spread is worth, in degrees of freedom (at least 3, so the predictive law has a variance).",
    )
    revision_sd: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=dict,
        description="Prior sd of the log revision of a preliminary figure, by kind of source (`statistics_release`, `customs_release`, `analysis`, `ministry_statement`, `news_report`); a kind not listed: 0.",
    )
    revision_prior_weight: float = Field(
        default=2.0, ge=0.0, le=1000.0, description="What each prior revision sd is worth, in revisions of the record."
    )


class DirectionGap(Table):
    """``[trade.reporter_gap.exports]`` / ``[trade.reporter_gap.imports]``: the gap of one direction's figures."""

    mean: Annotated[Uncertain, _plausible(-1.0, 1.0)] = Field(
        description="Mean of ln(other reporter's figure / this reporter's figure) of this direction's trade in a year. A distribution is drawn once per path."
    )
    sd: Annotated[Uncertain, _within(0.0, 1.0)] = Field(
        default=0.0,
        description="Year-to-year standard deviation of that log ratio around the path's mean (independent years). A distribution is drawn once per path.",
    )


class ReporterGap(Table):
    """``[trade.reporter_gap]``: how another reporter's figure differs from the scenario's reporter."""

    reporter: str = Field(
        min_length=1,
        max_length=40,
        description="The other reporter (e.g. `CN` when `trade.reporter` is `UZ`).",
    )
    mean: Annotated[Uncertain, _plausible(-1.0, 1.0)] | None = Field(
        default=None,
        description="Mean of ln(other reporter's figure / this reporter's figure) of the turnover in a year (0.04 = the other reports about 4% more). A distribution is drawn once per path. Required unless both `exports` and `imports` are given (then not allowed).",
    )
    sd: Annotated[Uncertain, _within(0.0, 1.0)] | None = Field(
        default=None,
        description="Year-to-year standard deviation of that log ratio around the path's mean (independent years); none = 0. A distribution is drawn once per path. Not allowed when both `exports` and `imports` are given.",
    )
    exports: DirectionGap | None = Field(
        default=None,
        description="The gap of the exports' figures alone (this reporter's exports to the partner against the other's imports from it), drawn from a stream of its own; without it the exports are converted with `mean` and `sd`.",
    )
    imports: DirectionGap | None = Field(
        default=None,
        description="The gap of the imports' figures alone (this reporter's imports from the partner against the other's exports to it), drawn from a stream of its own; without it the imports are converted with `mean` and `sd`.",
    )


class Trade(Table):
    """``[trade]``: the trade series, its base and target."""

    reporter: str = Field(
        min_length=1,
        max_length=40,
        description="Whose statistics the base and target are measured in: a reporter code of the data files (the country's statistics office or the partner's customs; `trade.reporter_labels` names it).",
    )
    base_year: int | None = Field(
        default=None,
        ge=1950,
        le=2200,
        description="Last complete year of data; simulated years start the year after. Required unless `trade.releases` gives it.",
    )
    base_usd_bn: float | None = Field(
        default=None, gt=0.0, le=1e6, description="Trade turnover in the base year, USD bn. Required unless `trade.releases` gives it."
    )
    base_exports_usd_bn: float | None = Field(
        default=None,
        gt=0.0,
        le=1e6,
        description="The country's exports to the partner in the base year, USD bn; imports are `base_usd_bn` less this. Required unless `trade.releases` gives it.",
    )
    releases: str | None = Field(
        default=None,
        max_length=500,
        description='The dated record of releases (`seeds/uz_cn_releases.csv`), relative to the scenario file. With it, the base year, its values, the country\'s total trade and the partly observed first year are the figures in force on `as_of` (docs/calibration.md, "Views as of a date"), and must not be given.',
    )
    as_of: dt.date | None = Field(
        default=None,
        description="The day of the view (a TOML date, `2025-09-10`): only releases published by then are used. Required with `releases`.",
    )
    partner: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="The partner's code in the `partner` column of `releases`. Required with `releases`.",
    )
    country_name: str | None = Field(
        default=None, max_length=80, description="The country's name for reports and tables (default: the reporter code)."
    )
    partner_name: str | None = Field(
        default=None, max_length=80, description="The partner's name for reports and tables (default: `partner`)."
    )
    reporter_labels: dict[str, str] = Field(
        default_factory=dict,
        description="What to call each reporter code in charts and reports, e.g. a statistics office's name (default: the code).",
    )
    nowcast: Nowcast | None = Field(
        default=None,
        description="Priors of the nowcast of a partly observed first year learnt from `releases`; the defaults of `[trade.nowcast]` without it.",
    )
    target_usd_bn: float = Field(gt=0.0, le=1e6, description="Annual trade to reach, USD bn (of `target_flow`).")
    target_year: int | None = Field(
        default=None,
        ge=1951,
        le=2300,
        description="The year the target is for, where a source gives one: the year every headline leads with (terminal, report, workbook). Default: the report's answer year (six years after the base year, or the horizon).",
    )
    target_flow: Literal["turnover", "exports", "imports"] = Field(
        default="turnover", description="Which flow the target is on: `turnover` (exports plus imports), `exports` or `imports`."
    )
    history: str | None = Field(
        default=None,
        max_length=500,
        description="CSV of past values (`year,value_usd_bn,reporter,status,...`), relative to the scenario file; drawn on the fan chart for the same reporter.",
    )
    target_reporter: str | None = Field(
        default=None,
        max_length=40,
        description="Whose figure must reach the target, and the basis of every reported trade figure. Default: `reporter`. Another reporter needs `[trade.reporter_gap]` for it: the simulated figure is converted year by year.",
    )
    growth: Growth | None = Field(
        default=None, description="Organic law 1, a random walk with drift of organic turnover; give this or `structural`."
    )
    structural: Structural | None = Field(
        default=None, description="Organic law 2, the country's total trade times the partner's share of it; give this or `growth`."
    )
    laws: dict[str, OrganicLaw] | None = Field(
        default=None,
        description="Candidate organic laws, each drawn per path with its weight (a mixture: model uncertainty); each law's tables replace those of `[trade.structural]` for its paths. Needs `[trade.structural]`.",
    )
    law: str | None = Field(
        default=None,
        max_length=80,
        description="The one law of `[trade.laws]` every path follows (its weight taken as 1, the others' as 0): a run of that law alone.",
    )
    exports_share: ExportsShare | None = Field(
        default=None, description="The law of the exports share of organic turnover; omit to keep the base year's share."
    )
    directions: Directions | None = Field(
        default=None, description="The law by direction in place of `[trade.structural]`'s organic trade; given in a `[trade.laws.NAME]`."
    )
    observed: Observed | None = Field(default=None, description="A partly observed first year, if any.")
    reporter_gap: ReporterGap | None = Field(
        default=None, description="The gap between `reporter`'s figure and another reporter's, for `target_reporter`."
    )

    @property
    def measured_by(self) -> str:
        """The reporter whose figures are reported and compared with the target."""
        return self.target_reporter if self.target_reporter is not None else self.reporter


# ---------------------------------------------------------------- [portfolio]


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
