"""The ``[trade]`` group of a scenario file: organic trade's laws, the observation, the nowcast and the reporters.

Part of the scenario schema (:mod:`sim.scenario.schema`); the fields' descriptions make the key reference.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from ..distributions import Uncertain
from .fields import OpenShare, Table, _plausible, _within


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
        description='The dated record of releases (e.g. `seeds/<pair>_releases.csv`), relative to the scenario file. With it, the base year, its values, the country\'s total trade and the partly observed first year are the figures in force on `as_of` (docs/calibration.md, "Views as of a date"), and must not be given.',
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
