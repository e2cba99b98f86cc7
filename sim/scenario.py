"""The scenario schema, TOML loading and validation.

A scenario file has the groups ``[trade]``, ``[portfolio]``, ``[pipeline]``,
``[[measures]]``, ``[[shocks]]`` and ``[run]``. Every key is declared here
once, with its type, allowed range and meaning; the README's key reference is
generated from these declarations (``coopsim keys`` prints it) and a test
keeps the two in step.

Inputs are addressed by dotted paths (``trade.growth.mean``,
``portfolio.financiers.cdb.capacity_usd_bn_per_year``,
``pipeline.projects.cku_railway.capex_usd_bn``): entries of arrays of tables
(projects, measures, shocks) are addressed by their ``name``.

Every problem is reported as a :class:`ScenarioError` naming the file, the key
path and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from .distributions import DISTRIBUTION_NAMES, DISTRIBUTIONS, Distribution, Uncertain
from .errors import InputError

__all__ = ["Scenario", "ScenarioError", "load_scenario", "scenario_from_dict", "key_reference", "LIMITS"]

LIMITS = {
    "max_paths": 100_000_000,
    "max_horizon_years": 100,
    "max_projects_per_path": 100_000,
}
"""Hard limits checked before any work: path count and years from base to horizon."""

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class ScenarioError(InputError, ValueError):
    """A scenario that cannot be used, with every problem found.

    Parameters
    ----------
    source : str
        The file (or ``"<scenario>"`` for scenarios built in code).
    problems : list of (key, message)
        Dotted key path and what is wrong / allowed.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]):
        self.source = source
        self.problems = problems
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [
            f"{self.source}: {_one_line(key)}: {_one_line(msg)}" if key else f"{self.source}: {_one_line(msg)}"
            for key, msg in self.problems[:8]
        ]
        if len(self.problems) > 8:
            lines.append(f"{self.source}: ... and {len(self.problems) - 8} more problems")
        return "\n".join(lines)


def _one_line(text: str) -> str:
    """Text echoed from a file on one line: control characters shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


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
OpenShare = Annotated[Uncertain, _within(0.0, 1.0, lo_open=True, hi_open=True)]
FlowPerCapex = Annotated[Uncertain, _plausible(-10.0, 10.0)]
Years = Annotated[Uncertain, _within(0.0, math.inf)]
PositiveYears = Annotated[Uncertain, _within(0.0, math.inf, lo_open=True)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]


class _Table(BaseModel):
    # strict: true/false and quoted numbers are not numbers, 2024.0 is not a whole year
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True, strict=True)


# ---------------------------------------------------------------- [trade]


class Growth(_Table):
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


class ShareLaw(_Table):
    """``[trade.structural.share]``: a share in (0, 1) that reverts to a long-run level on the logit scale.

    With ``z = ln(share / (1 - share))``: ``z(y) = zbar + persistence * (z(y - 1) - zbar) + sd * e(y)``,
    ``zbar`` the logit of ``long_run``, ``e`` independent standard normal.
    """

    long_run: OpenShare = Field(description="Long-run level of the share, in (0, 1). A distribution is drawn once per path.")
    persistence: Annotated[Uncertain, _within(0.0, 0.99)] = Field(
        default=0.0,
        description="Share of last year's deviation from the long run (on the logit scale) that remains a year later, in [0, 0.99]; 0 reverts at once. A distribution is drawn once per path.",
    )
    sd: Annotated[Uncertain, _within(0.0, 5.0)] = Field(
        description="Standard deviation of the yearly innovation of the share's logit. A distribution is drawn once per path."
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


class Structural(_Table):
    """``[trade.structural]``: organic turnover as the country's trade with all partners times the partner's share of it."""

    total_base_usd_bn: float = Field(
        gt=0.0, le=1e6, description="The country's trade turnover with all partners in the base year, USD bn (the reporter's statistics)."
    )
    total_growth: Growth = Field(description="The growth law of the country's total trade (the keys of `[trade.growth]`).")
    share: ShareLaw = Field(description="The partner's share of the country's total trade; starts from `base_usd_bn / total_base_usd_bn`.")


class Observed(_Table):
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


class ReporterGap(_Table):
    """``[trade.reporter_gap]``: how another reporter's figure differs from the scenario's reporter."""

    reporter: str = Field(
        min_length=1,
        max_length=40,
        description="The other reporter (e.g. `CN` when `trade.reporter` is `UZ`).",
    )
    mean: Annotated[Uncertain, _plausible(-1.0, 1.0)] = Field(
        description="Mean of ln(other reporter's figure / this reporter's figure) in a year (0.04 = the other reports about 4% more). A distribution is drawn once per path."
    )
    sd: Annotated[Uncertain, _within(0.0, 1.0)] = Field(
        default=0.0,
        description="Year-to-year standard deviation of that log ratio around the path's mean (independent years). A distribution is drawn once per path.",
    )


class Trade(_Table):
    """``[trade]``: the trade series, its base and target."""

    reporter: str = Field(
        min_length=1,
        max_length=40,
        description="Whose statistics the base and target are measured in (e.g. `UZ` for the Uzbek Statistics Agency, `CN` for China's customs).",
    )
    base_year: int = Field(ge=1950, le=2200, description="Last complete year of data; simulated years start the year after.")
    base_usd_bn: float = Field(gt=0.0, le=1e6, description="Trade turnover in the base year, USD bn.")
    base_exports_usd_bn: float = Field(
        gt=0.0,
        le=1e6,
        description="The country's exports to the partner in the base year, USD bn; imports are `base_usd_bn` less this.",
    )
    target_usd_bn: float = Field(gt=0.0, le=1e6, description="Annual trade to reach, USD bn (of `target_flow`).")
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
    exports_share: ExportsShare | None = Field(
        default=None, description="The law of the exports share of organic turnover; omit to keep the base year's share."
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


class Financier(_Table):
    """``[portfolio.financiers.NAME]``: a lender with a yearly capacity."""

    capacity_usd_bn_per_year: Money = Field(
        description="New lending capacity added each year, USD bn; a distribution is drawn each year. Unused capacity carries over."
    )
    description: str = Field(default="", max_length=500, description="Free text.")


class Backlog(_Table):
    """``[portfolio.backlog]``: agreed projects waiting for finance at the start."""

    capex_usd_bn: float = Field(
        ge=0.0,
        le=1e5,
        description="Total capex of the generic projects that wait for finance at the start, USD bn (named projects excluded). Sizes, sectors, financiers and durations follow the pipeline generator.",
    )
    cancel_probability: Probability | None = Field(
        default=None, description="Probability a backlog project is abandoned before finance; default: the pipeline's."
    )


class Implementation(_Table):
    """``[portfolio.implementation]``: how many generic projects can be built at once."""

    max_concurrent_builds: int = Field(
        ge=1,
        le=1_000_000,
        description="Generic projects financed from the start on that can be under construction at once; further funded projects queue (first funded, first built). Projects already building at the start are not counted.",
    )


class Portfolio(_Table):
    """``[portfolio]``: financiers, the backlog and implementation capacity."""

    financiers: dict[Name, Financier] = Field(min_length=1, description="Lenders by name.")
    backlog: Backlog | None = Field(default=None, description="Projects waiting for finance at the start.")
    implementation: Implementation | None = Field(default=None, description="Implementation capacity; omit for none.")


# ---------------------------------------------------------------- [pipeline]


class Sector(_Table):
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


Stage = Literal["operating", "construction", "awaiting_finance"]


class Project(_Table):
    """``[[pipeline.projects]]``: a named flagship project."""

    name: Name = Field(description="Identifier (lower case, digits, underscores); keys the project's random stream.")
    sector: str = Field(description="A sector of `[pipeline.sectors]`.")
    capex_usd_bn: PositiveMoney = Field(description="Capital cost, USD bn.")
    stage: Stage = Field(description="`operating`, `construction` or `awaiting_finance` at the start.")
    financier: str | None = Field(default=None, description="A financier of `[portfolio.financiers]`; required when awaiting finance.")
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


class Pipeline(_Table):
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


# ---------------------------------------------------------------- measures, shocks, run


class Measure(_Table):
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


class Shock(_Table):
    """``[[shocks]]``: a recession or trade shock that may strike any year."""

    name: Name = Field(description="Identifier; keys the shock's random stream.")
    probability_per_year: Probability = Field(description="Chance the shock strikes in a given year (at most once a year).")
    depth: Share = Field(description="Fall of organic trade when it strikes (0.1 = -10%).")
    recovery_years: Years = Field(description="Years for the fall to fade linearly; 0 for a fall lasting only the rest of that year.")


class Run(_Table):
    """``[run]``: defaults for a run; the command line may override them."""

    paths: int = Field(default=10_000, ge=1, le=LIMITS["max_paths"], description="Monte Carlo paths.")
    seed: int = Field(default=0, ge=0, lt=2**63, description="Root seed of `numpy.random.SeedSequence`.")
    horizon_year: int = Field(ge=1951, description="Last simulated year; at most 100 years after the base year.")


@dataclass(frozen=True)
class Observation:
    """A partly observed first year, resolved from ``[trade.observed]``.

    Attributes
    ----------
    year, months : int
        The first simulated year and the months observed from January.
    value_usd_bn : float
        Trade turnover over those months, all components, in the scenario reporter's figures.
    yoy_growth : float
        Growth over the same months of the base year (0.23 = +23%).
    source : str
        Where it comes from: ``"file.csv, line N"`` or ``"inline"``.
    """

    year: int
    months: int
    value_usd_bn: float
    yoy_growth: float
    source: str

    @property
    def base_same_months_usd_bn(self) -> float:
        """Turnover in the same months of the base year implied by the published pair, ``value / (1 + yoy_growth)``."""
        return self.value_usd_bn / (1.0 + self.yoy_growth)

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "months": self.months,
            "value_usd_bn": self.value_usd_bn,
            "yoy_growth": self.yoy_growth,
            "source": self.source,
        }


class Scenario(_Table):
    """A validated scenario. Build with :func:`load_scenario` or :func:`scenario_from_dict`."""

    name: Name = Field(description="Identifier of the scenario.")
    description: str = Field(default="", max_length=2000, description="One line on what the scenario represents.")
    trade: Trade = Field(description="The trade series, its base, target and growth law.")
    portfolio: Portfolio | None = Field(default=None, description="Financiers, backlog and implementation capacity; needed by projects.")
    pipeline: Pipeline | None = Field(default=None, description="Generic projects and named projects; omit for an organic-only scenario.")
    measures: list[Measure] = Field(default_factory=list, description="Agreements.")
    shocks: list[Shock] = Field(default_factory=list, description="Shocks.")
    run: Run = Field(description="Run defaults: paths, seed, horizon.")

    _source: str = PrivateAttr(default="<scenario>")
    _sha256: str = PrivateAttr(default="")
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)
    _base_dir: Path | None = PrivateAttr(default=None)
    _observation: Observation | None = PrivateAttr(default=None)

    # -- identity -------------------------------------------------------
    @property
    def source(self) -> str:
        """The file the scenario came from, or ``"<scenario>"``."""
        return self._source

    @property
    def sha256(self) -> str:
        """SHA-256 of the file bytes (of the canonical TOML-like dict for scenarios built in code)."""
        return self._sha256

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

    @property
    def observation(self) -> Observation | None:
        """The partly observed first year, resolved from ``[trade.observed]`` (None if there is none)."""
        return self._observation

    def history_path(self) -> Path | None:
        """The history CSV resolved relative to the scenario file (None if not set)."""
        return self._relative(self.trade.history)

    def _relative(self, name: str | None) -> Path | None:
        if name is None:
            return None
        base = self._base_dir if self._base_dir is not None else Path.cwd()
        return (base / name).resolve()

    # -- variants -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The scenario as a plain nested dict (the shape of the TOML file)."""
        return copy.deepcopy(self._raw)

    def get(self, path: str) -> Any:
        """The value at a dotted path, e.g. ``get("trade.growth.mean")``."""
        node: Any = self._raw
        for part in path.split("."):
            node = _child(node, part, path, self._source)
        return copy.deepcopy(node)

    def replace(self, changes: Mapping[str, Any]) -> Scenario:
        """A new scenario with values at dotted paths replaced, validated as a file would be.

        Parameters
        ----------
        changes : mapping of dotted path to value
            e.g. ``{"trade.growth.mean": 0.15, "run.horizon_year": 2030}``.
            Values are numbers, strings or distribution tables (dicts).
        """
        raw = self.to_dict()
        for path, value in changes.items():
            parts = path.split(".")
            node: Any = raw
            for part in parts[:-1]:
                node = _child(node, part, path, self._source)
            if isinstance(node, list) or not isinstance(node, dict):
                raise ScenarioError(self._source, [(path, "does not name a key of a table")])
            node[parts[-1]] = value
        label = f"{self._source} (with {', '.join(changes)})" if changes else self._source
        return scenario_from_dict(raw, source=label, base_dir=self._base_dir)


def _child(node: Any, part: str, path: str, source: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise ScenarioError(source, [(path, f"no key '{part}' here{_suggest(part, list(node))}")])
        return node[part]
    if isinstance(node, list):
        for entry in node:
            if isinstance(entry, dict) and entry.get("name") == part:
                return entry
        names = [e.get("name") for e in node if isinstance(e, dict)]
        raise ScenarioError(source, [(path, f"no entry named '{part}'{_suggest(part, [n for n in names if isinstance(n, str)])}")])
    raise ScenarioError(source, [(path, "goes below a value that is not a table")])


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if options:
        return f"; allowed: {', '.join(sorted(options))}"
    return ""


# ---------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file.

    A file may start from another with ``extends = "other.toml"`` (a path
    relative to the file): its tables are merged over the other's, entries of
    ``[[pipeline.projects]]``, ``[[measures]]`` and ``[[shocks]]`` are merged
    by ``name``, and ``remove = ["pipeline.projects.bostanlyk_hydro", ...]``
    drops keys or named entries.

    Parameters
    ----------
    path : str or Path
        A TOML scenario file.

    Raises
    ------
    ScenarioError
        Naming the file, the key path and what is allowed, for every problem found.
    """
    p = Path(path)
    if "\x00" in str(path):
        raise ScenarioError(_one_line(str(path)), [("", "a file name cannot contain a NUL character")])
    digest = hashlib.sha256()
    raw = _read_with_extends(p, str(path), digest, chain=())
    scenario = scenario_from_dict(raw, source=str(path), base_dir=p.resolve().parent)
    observed = scenario._relative(scenario.trade.observed.file) if scenario.trade.observed else None
    if observed is not None:
        digest.update(observed.read_bytes())  # the observation changes the results: it is part of the scenario's identity
    scenario._sha256 = digest.hexdigest()
    return scenario


MAX_EXTENDS_DEPTH = 8


def _read_toml(p: Path, label: str) -> tuple[dict[str, Any], bytes]:
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(label, [("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(label, [("", "is a directory, not a scenario file")]) from None
    except OSError as exc:
        raise ScenarioError(label, [("", f"cannot be read ({exc.strerror})")]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(label, [("", f"is not UTF-8 text (byte {exc.start}); save it as UTF-8")]) from None
    try:
        return tomllib.loads(text), data
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(label, [("", f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError(label, [("", "is not valid TOML: nested too deeply")]) from None


def _read_with_extends(p: Path, label: str, digest: Any, chain: tuple[Path, ...]) -> dict[str, Any]:
    raw, data = _read_toml(p, label)
    digest.update(data)
    trade = raw.get("trade")
    if isinstance(trade, dict) and chain:
        # a file path is relative to the file that names it, also when that file is extended
        for table, key in ((trade, "history"), (trade.get("observed"), "file")):
            if isinstance(table, dict) and isinstance(table.get(key), str):
                table[key] = str((p.resolve().parent / table[key]).resolve())
    parent = raw.pop("extends", None)
    removals = raw.pop("remove", [])
    if not isinstance(removals, list) or not all(isinstance(r, str) for r in removals):
        raise ScenarioError(label, [("remove", "must be an array of dotted key paths (strings)")])
    if parent is None:
        if removals:
            raise ScenarioError(label, [("remove", "only allowed together with extends")])
        return raw
    if not isinstance(parent, str) or not parent.endswith(".toml"):
        raise ScenarioError(label, [("extends", f"must be the path of another .toml scenario file (got {_show(parent)})")])
    try:
        target = (p.resolve().parent / parent).resolve()
        target.stat()
    except (ValueError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise ScenarioError(label, [("extends", f"file not found: {parent}")]) from None
        raise ScenarioError(label, [("extends", f"not a usable file path ({exc.__class__.__name__})")]) from None
    if target in chain or target == p.resolve():
        raise ScenarioError(label, [("extends", f"'{parent}' extends itself through a cycle")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(label, [("extends", f"at most {MAX_EXTENDS_DEPTH} levels of extends")])
    base = _read_with_extends(target, f"{label} -> {parent}", digest, chain + (p.resolve(),))
    for path in removals:
        _remove(base, path, label)
    return _merge(base, raw)


def _merge(base: Any, over: Any) -> Any:
    """``over`` merged onto ``base``: tables by key, arrays of named tables by name, the rest replaced."""
    if isinstance(base, dict) and isinstance(over, dict) and "dist" not in over and "dist" not in base:
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v) if k in base else v
        return out
    if _named_list(base) and _named_list(over):
        out_list = list(base)
        index = {e["name"]: i for i, e in enumerate(out_list)}
        for entry in over:
            if entry["name"] in index:
                out_list[index[entry["name"]]] = _merge(out_list[index[entry["name"]]], entry)
            else:
                out_list.append(entry)
        return out_list
    return over


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(e, dict) and isinstance(e.get("name"), str) for e in value)


def _remove(raw: dict[str, Any], path: str, label: str) -> None:
    parts = path.split(".")
    node: Any = raw
    for part in parts[:-1]:
        node = _child(node, part, path, label)
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
    elif isinstance(node, list) and any(isinstance(e, dict) and e.get("name") == last for e in node):
        node[:] = [e for e in node if not (isinstance(e, dict) and e.get("name") == last)]
    else:
        raise ScenarioError(label, [("remove", f"'{path}' names nothing in the extended scenario")])


def scenario_from_dict(raw: Mapping[str, Any], *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a nested dict shaped like a scenario file.

    Parameters
    ----------
    raw : mapping
        The content of a scenario file as nested dicts and lists.
    source : str
        Label used in error messages.
    base_dir : Path, optional
        Folder that relative paths in the scenario are resolved against.
    """
    raw = copy.deepcopy(dict(raw))
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(source, [_describe_error(e, raw) for e in exc.errors(include_url=False)]) from None
    except RecursionError:
        raise ScenarioError(source, [("", "nested too deeply")]) from None
    problems = _check_consistency(scenario)
    if problems:
        raise ScenarioError(source, problems)
    scenario._source = source
    scenario._raw = raw
    scenario._base_dir = base_dir
    _check_history(scenario, source)
    scenario._observation = _resolve_observation(scenario, source)
    identity = repr(sorted(_flatten(raw))) + repr(scenario._observation)
    scenario._sha256 = hashlib.sha256(identity.encode()).hexdigest()
    return scenario


def _resolve_observation(scenario: Scenario, source: str) -> Observation | None:
    """The partly observed first year from ``[trade.observed]``: its file's best row, or the inline values."""
    from .history import HistoryError, load_partial_year

    obs, trade = scenario.trade.observed, scenario.trade
    if obs is None:
        return None
    if obs.file is None:
        found = Observation(scenario.start_year, obs.months, obs.value_usd_bn, obs.yoy_growth, "inline")  # type: ignore[arg-type]
        key = "trade.observed.value_usd_bn"
    else:
        key = "trade.observed.file"
        path = scenario._relative(obs.file)
        try:
            if path is None or not path.is_file():
                raise ScenarioError(source, [(key, f"file not found: {path} (paths are relative to the scenario file)")])
            row = load_partial_year(path, scenario.start_year, trade.reporter)
        except (ValueError, OSError) as exc:
            if isinstance(exc, ScenarioError):
                raise
            reason = str(exc).split(": ", 1)[-1] if isinstance(exc, HistoryError) else f"not a usable file path ({exc.__class__.__name__})"
            raise ScenarioError(source, [(key, _one_line(reason))]) from None
        if row is None:
            return None
        where = f"{path.name}, line {row.line}"
        if not 1 <= row.months <= 11:
            raise ScenarioError(
                source, [(key, f"{where}: months must be 1 to 11 (got {row.months}); a whole year belongs in the base year")]
            )
        if not (row.value_usd_bn > 0 and row.yoy_growth > -1 and math.isfinite(row.value_usd_bn) and math.isfinite(row.yoy_growth)):
            raise ScenarioError(source, [(key, f"{where}: needs a positive value and a growth above -1")])
        found = Observation(row.year, row.months, row.value_usd_bn, row.yoy_growth, where)
    if found.base_same_months_usd_bn >= trade.base_usd_bn:
        raise ScenarioError(
            source,
            [
                (
                    key,
                    f"implies {found.base_same_months_usd_bn:.4g} USD bn in the first {found.months} months of {trade.base_year} "
                    f"(value / (1 + yoy_growth)), not less than the whole year's trade.base_usd_bn = {trade.base_usd_bn:g}",
                )
            ],
        )
    return found


def _check_history(scenario: Scenario, source: str) -> None:
    """The history file exists and reads as a history CSV (checked before any work)."""
    from .history import HistoryError, load_history

    try:
        history = scenario.history_path()
        if history is None:
            return
        if not history.is_file():
            raise ScenarioError(source, [("trade.history", f"file not found: {history} (paths are relative to the scenario file)")])
        load_history(history, scenario.trade.measured_by)
    except (ValueError, OSError) as exc:
        if isinstance(exc, ScenarioError):
            raise
        reason = (
            str(exc).split(": ", 1)[-1] if isinstance(exc, HistoryError) else f"not a usable file path ({exc.__class__.__name__}: {exc})"
        )
        raise ScenarioError(source, [("trade.history", _one_line(reason))]) from None


def _flatten(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [item for k, v in node.items() for item in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(node, list):
        return [item for i, v in enumerate(node) for item in _flatten(v, f"{prefix}[{i}]")]
    return [(prefix, repr(node))]


_MODELS_BY_FIELD: dict[str, type[BaseModel]] = {}


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema table class at a location (for suggesting key names)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, str) and part in DISTRIBUTIONS and not (isinstance(model, type) and part in model.model_fields):
            model = DISTRIBUTIONS[part]
            continue
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            # a key of a dict-of-tables (financier or sector name)
            continue
        model = _table_class(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _table_class(annotation: Any) -> Any:
    args = getattr(annotation, "__args__", ()) or ()
    if isinstance(annotation, type) and issubclass(annotation, _Table):
        return annotation
    for a in args:
        found = _table_class(a)
        if found is not None:
            return found
    return None


def _render_loc(loc: tuple[Any, ...], raw: Any) -> str:
    parts: list[str] = []
    node = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            name = entry.get("name") if isinstance(entry, dict) else None
            parts.append(name if isinstance(name, str) and re.match(NAME_PATTERN, name) else f"[{part}]")
            node = entry
            continue
        if part in DISTRIBUTION_NAMES and i > 0 and isinstance(node, dict) and node.get("dist") == part:
            continue  # pydantic's tag of the distribution union, not a key
        if part in DISTRIBUTION_NAMES and i > 0 and not isinstance(node, (dict, list)):
            break  # a plain number read as {dist = "fixed", value = ...}: the key is where we are
        parts.append(str(part))
        node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


_RENAMED = {
    "trade_per_capex_per_year": "replaced by exports_per_capex_per_year and imports_per_capex_per_year: every operating flow has a direction",
    "observed.growth": "renamed yoy_growth; give it with value_usd_bn (the published level of the observed months) and months, or use file",
}
"""Keys of earlier scenario formats, with what replaced them."""


def _describe_error(err: Mapping[str, Any], raw: Any) -> tuple[str, str]:
    loc = tuple(err.get("loc", ()))
    key = _render_loc(loc, raw)
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    value = err.get("input")
    got = _show(value)
    if kind == "extra_forbidden":
        renamed = _RENAMED.get(str(loc[-1])) or _RENAMED.get(".".join(str(p) for p in loc[-2:]))
        if renamed:
            return key, renamed
        model = _model_at(loc[:-1])
        allowed = list(model.model_fields) if model else []
        return key, f"unknown key{_suggest(str(loc[-1]), allowed)}"
    if kind == "missing":
        return key, "required key is missing"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sym = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        return key, f"must be {sym} {bound} (got {got})"
    if kind == "finite_number":
        return key, f"must be a finite number, not {got}"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"):
        want = "a whole number" if kind.startswith("int") else "a number"
        return key, f"must be {want} (got {got})"
    if kind in ("string_type",):
        return key, f"must be a string (got {got})"
    if kind == "string_pattern_mismatch":
        return key, f"must be lower case letters, digits and underscores, starting with a letter (got {got})"
    if kind == "string_too_long":
        return key, f"is too long (at most {ctx.get('max_length')} characters)"
    if kind in ("string_too_short", "too_short"):
        return key, "must not be empty"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return key, f"must be a table (got {got})"
    if kind == "list_type":
        return key, f"must be an array (got {got})"
    if kind == "literal_error":
        return key, f"must be one of {ctx.get('expected')} (got {got})"
    if kind == "union_tag_invalid":
        return key, f"unknown distribution {ctx.get('tag')!r}; allowed: {', '.join(DISTRIBUTION_NAMES)}"
    if kind == "union_tag_not_found":
        return key, f"a distribution table needs a 'dist' key, one of: {', '.join(DISTRIBUTION_NAMES)}"
    if kind == "value_error":
        msg = str(ctx.get("error", err.get("msg", "")))
        return key, msg
    return key, f"{err.get('msg', 'invalid')} (got {got})"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return repr(value[:40] + ("..." if len(value) > 40 else ""))
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)


def _check_consistency(s: Scenario) -> list[tuple[str, str]]:
    """Rules that span several keys: references, orderings, requirements."""
    problems: list[tuple[str, str]] = []
    base, horizon = s.trade.base_year, s.run.horizon_year
    if horizon <= base:
        problems.append(("run.horizon_year", f"must be after trade.base_year = {base} (got {horizon})"))
    elif horizon - base > LIMITS["max_horizon_years"]:
        problems.append(("run.horizon_year", f"at most {LIMITS['max_horizon_years']} years after trade.base_year = {base} (got {horizon})"))
    if s.trade.target_usd_bn <= 0:
        problems.append(("trade.target_usd_bn", "must be > 0"))
    gap, target = s.trade.reporter_gap, s.trade.target_reporter
    if gap is not None and gap.reporter == s.trade.reporter:
        problems.append(("trade.reporter_gap.reporter", f"must be another reporter than trade.reporter = '{s.trade.reporter}'"))
    if target is not None and target != s.trade.reporter:
        if gap is None:
            problems.append(
                (
                    "trade.target_reporter",
                    f"'{target}' differs from trade.reporter = '{s.trade.reporter}': add [trade.reporter_gap] for '{target}'",
                )
            )
        elif gap.reporter != target:
            problems.append(
                (
                    "trade.target_reporter",
                    f"must be trade.reporter = '{s.trade.reporter}' or trade.reporter_gap.reporter = '{gap.reporter}' (got '{target}')",
                )
            )
    problems += _trade_law_problems(s)

    financiers = set(s.portfolio.financiers) if s.portfolio else set()
    if s.pipeline is None:
        if s.portfolio is not None and s.portfolio.backlog is not None and s.portfolio.backlog.capex_usd_bn > 0:
            problems.append(("portfolio.backlog", "needs a [pipeline] to give the projects sizes, sectors and durations"))
        return problems

    p = s.pipeline
    if s.portfolio is None:
        problems.append(("portfolio", "required when there is a [pipeline]: projects need financiers"))
    problems += _project_count_problems(s)
    sectors = set(p.sectors)
    generic = p.launches_per_year > 0 or (
        s.portfolio is not None and s.portfolio.backlog is not None and s.portfolio.backlog.capex_usd_bn > 0
    )
    if not generic and not p.projects:
        problems.append(
            (
                "pipeline",
                "has no launches (launches_per_year = 0), no backlog and no projects; remove [pipeline] for an organic-only scenario",
            )
        )
    for key, mix, known in (("sector_mix", p.sector_mix, sectors), ("financier_mix", p.financier_mix, financiers)):
        for name in mix:
            if name not in known:
                problems.append((f"pipeline.{key}.{name}", f"is not defined{_suggest(name, sorted(known))}"))
        if generic and sum(mix.values()) <= 0:
            problems.append((f"pipeline.{key}", "needs at least one positive weight when there are generic projects (launches or backlog)"))
    seen: set[str] = set()
    for proj in p.projects:
        k = f"pipeline.projects.{proj.name}"
        if proj.name in seen:
            problems.append((k, "name used twice"))
        seen.add(proj.name)
        if proj.sector not in sectors:
            problems.append(
                (f"{k}.sector", f"'{proj.sector}' is not a sector of [pipeline.sectors]{_suggest(proj.sector, sorted(sectors))}")
            )
        if proj.financier is not None and proj.financier not in financiers:
            problems.append(
                (
                    f"{k}.financier",
                    f"'{proj.financier}' is not a financier of [portfolio.financiers]{_suggest(proj.financier, sorted(financiers))}",
                )
            )
        if proj.stage == "awaiting_finance":
            if proj.financier is None:
                problems.append((f"{k}.financier", "required when stage = 'awaiting_finance'"))
            if proj.build_years is None:
                problems.append((f"{k}.build_years", "required when stage = 'awaiting_finance'"))
            for extra in ("construction_start", "completion_year"):
                if getattr(proj, extra) is not None:
                    problems.append(
                        (f"{k}.{extra}", "only for stages 'operating' and 'construction'; use build_years and finance_request_year")
                    )
        else:
            if proj.completion_year is None:
                problems.append((f"{k}.completion_year", f"required when stage = '{proj.stage}'"))
            if proj.construction_start is None:
                problems.append((f"{k}.construction_start", f"required when stage = '{proj.stage}'"))
            for extra in ("build_years", "finance_request_year"):
                if getattr(proj, extra) is not None:
                    problems.append((f"{k}.{extra}", "only for stage 'awaiting_finance'"))
            if proj.completion_year is not None and proj.construction_start is not None:
                lo, hi = proj.completion_year.support()
                if lo <= proj.construction_start:
                    problems.append(
                        (
                            f"{k}.completion_year",
                            f"must be after construction_start = {proj.construction_start:g} (got {proj.completion_year.describe()})",
                        )
                    )
                if proj.stage == "operating" and hi > s.start_year:
                    problems.append(
                        (
                            f"{k}.completion_year",
                            f"an operating project must have completed by the start, {s.start_year} (got {proj.completion_year.describe()})",
                        )
                    )
                if proj.stage == "construction" and lo < s.start_year:
                    problems.append(
                        (
                            f"{k}.completion_year",
                            f"a project under construction completes after the start, {s.start_year} (got {proj.completion_year.describe()}); use stage = 'operating'",
                        )
                    )
    for group, entries in (("measures", s.measures), ("shocks", s.shocks)):
        names: set[str] = set()
        for e in entries:
            if e.name in names:
                problems.append((f"{group}.{e.name}", "name used twice"))
            names.add(e.name)
    return problems


def _trade_law_problems(s: Scenario) -> list[tuple[str, str]]:
    """The organic law, the base split and the observed year."""
    problems: list[tuple[str, str]] = []
    t = s.trade
    if t.growth is None and t.structural is None:
        problems.append(
            (
                "trade",
                "needs an organic law: [trade.growth] (a random walk of organic turnover) or [trade.structural] "
                "(the country's total trade times the partner's share)",
            )
        )
    if t.growth is not None and t.structural is not None:
        problems.append(
            ("trade.structural", 'and [trade.growth] are both given; keep one organic law (a variant can remove = ["trade.growth"])')
        )
    if t.base_exports_usd_bn >= t.base_usd_bn:
        problems.append(
            (
                "trade.base_exports_usd_bn",
                f"must be less than trade.base_usd_bn = {t.base_usd_bn:g}: imports are the rest (got {t.base_exports_usd_bn:g})",
            )
        )
    if t.structural is not None and t.structural.total_base_usd_bn <= t.base_usd_bn:
        problems.append(
            (
                "trade.structural.total_base_usd_bn",
                f"must exceed trade.base_usd_bn = {t.base_usd_bn:g}: the partner's trade is part of the country's total (got {t.structural.total_base_usd_bn:g})",
            )
        )
    obs = t.observed
    if obs is None:
        return problems
    inline = {"months": obs.months, "value_usd_bn": obs.value_usd_bn, "yoy_growth": obs.yoy_growth}
    given = [k for k, v in inline.items() if v is not None]
    if obs.file is not None:
        for key in given + (["year"] if obs.year is not None else []):
            problems.append(
                (f"trade.observed.{key}", "give trade.observed.file or the inline values (months, value_usd_bn, yoy_growth), not both")
            )
    else:
        for key in (k for k, v in inline.items() if v is None):
            problems.append((f"trade.observed.{key}", "required key is missing (or give trade.observed.file)"))
        if obs.year is not None and obs.year != s.start_year:
            problems.append(
                ("trade.observed.year", f"must be the first simulated year, trade.base_year + 1 = {s.start_year} (got {obs.year})")
            )
    return problems


def _project_count_problems(s: Scenario) -> list[tuple[str, str]]:
    """Refuse, before any work, pipelines that would draw more generic projects a path than the limit."""
    p = s.pipeline
    assert p is not None
    limit = LIMITS["max_projects_per_path"]
    span = float(p.warmup_years)
    horizon = float(s.run.horizon_year - s.trade.base_year)
    g = p.launch_trend
    launches = p.launches_per_year * (horizon + span if g == 0 else (math.exp(min(g * horizon, 700.0)) - math.exp(-g * span)) / g)
    problems = []
    if launches > limit:
        problems.append(
            (
                "pipeline.launches_per_year",
                f"with launch_trend = {g:g} and warmup_years = {p.warmup_years} draws about {launches:,.0f} projects a path; at most {limit:,} are allowed",
            )
        )
    backlog = s.portfolio.backlog.capex_usd_bn if s.portfolio and s.portfolio.backlog else 0.0
    if backlog > 0:
        median = float(p.capex_usd_bn.ppf(np.asarray(0.5)))
        if backlog / max(median, 1e-300) > limit:
            problems.append(
                (
                    "pipeline.capex_usd_bn",
                    f"a median project of {median:g} USD bn splits the backlog of {backlog:g} into about {backlog / max(median, 1e-300):,.0f} projects; at most {limit:,} are allowed",
                )
            )
    return problems


def key_reference() -> str:
    """Markdown tables of every scenario key, generated from the schema (the README's key reference)."""
    out: list[str] = [
        "Two more top-level keys are read before validation: `extends` (path of a scenario this file starts "
        "from, relative to this file) and `remove` (array of dotted paths dropped from the extended scenario).",
        "",
    ]
    for title, model in (
        ("top level", Scenario),
        ("[trade]", Trade),
        ("[trade.growth]", Growth),
        ("[trade.structural]", Structural),
        ("[trade.structural.share]", ShareLaw),
        ("[trade.exports_share]", ExportsShare),
        ("[trade.observed]", Observed),
        ("[trade.reporter_gap]", ReporterGap),
        ("[portfolio]", Portfolio),
        ("[portfolio.financiers.NAME]", Financier),
        ("[portfolio.backlog]", Backlog),
        ("[portfolio.implementation]", Implementation),
        ("[pipeline]", Pipeline),
        ("[pipeline.sectors.NAME]", Sector),
        ("[[pipeline.projects]]", Project),
        ("[[measures]]", Measure),
        ("[[shocks]]", Shock),
        ("[run]", Run),
    ):
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out.append(f"**`{title}`** {doc.split(':', 1)[-1].strip() if title != 'top level' else ''}\n")
        out.append("| key | type | meaning |\n|---|---|---|")
        for name, f in model.model_fields.items():
            req = "required" if f.is_required() else f"default `{_default_text(f.default, f.default_factory)}`"
            out.append(f"| `{name}` | {_type_text(f.annotation)}, {req} | {f.description or ''} |")
        out.append("")
    return "\n".join(out)


def _default_text(default: Any, factory: Any) -> str:
    if factory is not None:
        return "empty"
    return "none" if default is None else str(default)


def _type_text(annotation: Any) -> str:
    text = repr(annotation)
    if "Fixed" in text:
        return "number or distribution"
    if "Literal" in text:
        return "one of " + ", ".join(f"`{a}`" for a in getattr(annotation, "__args__", ()))
    for word, label in (
        ("dict[", "table of tables" if "sim." in text else "table of numbers"),
        ("list[", "array of tables"),
        ("int", "integer"),
        ("float", "number"),
        ("str", "string"),
    ):
        if word in text:
            return label
    return "table"
