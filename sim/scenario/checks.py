"""Rules across keys: what a single key's type and range cannot say.

References (a project's sector and financier exist, a lender's fallback
exists and fallbacks do not loop, the priority list names projects awaiting
finance and backlog sectors), orderings (the horizon after the base year,
completion after construction start), requirements (a pipeline needs
financiers; the stages' own keys), one organic law, the base split, the
inline partial year, and the limit on projects drawn a path.
Each rule adds ``(dotted key, message)`` problems; :func:`check_consistency`
returns them all, and :func:`sim.scenario.scenario_from_dict` refuses a
scenario with any.

Where to make a change
----------------------
* A new rule across keys: here, in the function of its group.
* A range of one key: its field in :mod:`sim.scenario.schema`.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ..distributions import Fixed
from ..releases import SOURCE_KINDS
from .messages import clip, quote, suggest
from .schema import LIMITS, NAME_PATTERN, Directions, ScenarioFile, ShareLaw


def check_consistency(s: ScenarioFile) -> list[tuple[str, str]]:
    """Rules that span several keys: references, orderings, requirements."""
    # with trade.releases, the base keys were checked before they were taken from the record (loading.py)
    problems = base_problems(s) if s.trade.releases is None else []
    if problems:
        return problems  # every rule below measures from the base year
    base, horizon = s.trade.base_year, s.run.horizon_year
    assert base is not None
    horizon_ok = base < horizon <= base + LIMITS["max_horizon_years"]
    if horizon <= base:
        problems.append(("run.horizon_year", f"must be after trade.base_year = {base} (got {clip(horizon)})"))
    elif not horizon_ok:
        problems.append(
            ("run.horizon_year", f"at most {LIMITS['max_horizon_years']} years after trade.base_year = {base} (got {clip(horizon)})")
        )
    if s.trade.target_usd_bn <= 0:
        problems.append(("trade.target_usd_bn", "must be > 0"))
    gap, target = s.trade.reporter_gap, s.trade.target_reporter
    if gap is not None and gap.reporter == s.trade.reporter:
        problems.append(("trade.reporter_gap.reporter", f"must be another reporter than trade.reporter = '{s.trade.reporter}'"))
    if gap is not None:
        both = gap.exports is not None and gap.imports is not None
        if gap.mean is None and not both:
            problems.append(
                ("trade.reporter_gap.mean", "required unless both [trade.reporter_gap.exports] and [trade.reporter_gap.imports] are given")
            )
        for key in ("mean", "sd"):
            if both and getattr(gap, key) is not None:
                problems.append(
                    (
                        f"trade.reporter_gap.{key}",
                        "not used when both [trade.reporter_gap.exports] and [trade.reporter_gap.imports] are given: remove it",
                    )
                )
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
    problems += _mixture_problems(s)
    if s.trade.target_year is not None and s.trade.target_year < s.start_year:
        problems.append(("trade.target_year", f"must not be before the first simulated year, {s.start_year} (got {s.trade.target_year})"))

    financiers = set(s.portfolio.financiers) if s.portfolio else set()
    problems += _fallback_problems(s)
    problems += _priority_problems(s)
    if s.pipeline is None:
        if s.portfolio is not None and s.portfolio.backlog is not None and s.portfolio.backlog.capex_usd_bn > 0:
            problems.append(("portfolio.backlog", "needs a [pipeline] to give the projects sizes, sectors and durations"))
        return problems

    p = s.pipeline
    if s.portfolio is None:
        problems.append(("portfolio", "required when there is a [pipeline]: projects need financiers"))
    if horizon_ok:  # the count over an impossible horizon would be a number no one can read
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
                problems.append((f"pipeline.{key}.{name}", f"is not defined{suggest(name, sorted(known))}"))
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
                (f"{k}.sector", f"{quote(proj.sector)} is not a sector of [pipeline.sectors]{suggest(proj.sector, sorted(sectors))}")
            )
        if proj.financier is not None and proj.financier not in financiers:
            problems.append(
                (
                    f"{k}.financier",
                    f"{quote(proj.financier)} is not a financier of [portfolio.financiers]{suggest(proj.financier, sorted(financiers))}",
                )
            )
        if proj.stage == "awaiting_finance" and proj.own_finance:
            # its own company's money: no lender to ask, none to wait for
            for extra in ("financier", "patience_years"):
                if getattr(proj, extra) is not None:
                    problems.append((f"{k}.{extra}", "not with own_finance = true: the project is financed by its own company's money"))
        elif proj.own_finance:
            problems.append((f"{k}.own_finance", "only for stage 'awaiting_finance'"))
        if proj.stage == "awaiting_finance":
            if proj.financier is None and not proj.own_finance:
                problems.append((f"{k}.financier", "required when stage = 'awaiting_finance' (or own_finance = true)"))
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
            for extra in ("build_years", "finance_request_year", "patience_years"):
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


DERIVED_FROM_RELEASES = (
    "trade.base_year",
    "trade.base_usd_bn",
    "trade.base_exports_usd_bn",
    "trade.structural.total_base_usd_bn",
    "trade.observed",
)
"""Keys a scenario with ``trade.releases`` takes from the record as of ``trade.as_of`` instead of stating them."""


def base_problems(s: ScenarioFile) -> list[tuple[str, str]]:
    """The base year's keys: each given, or (with ``trade.releases``) none given and ``as_of`` and ``partner`` stated."""
    t = s.trade
    given = {
        "trade.base_year": t.base_year,
        "trade.base_usd_bn": t.base_usd_bn,
        "trade.base_exports_usd_bn": t.base_exports_usd_bn,
        "trade.structural.total_base_usd_bn": t.structural.total_base_usd_bn if t.structural is not None else 0.0,
    }
    if t.releases is None:
        problems = [
            (key, "required key is missing (or give trade.releases, the dated record, to take it from there)")
            for key, v in given.items()
            if v is None
        ]
        for key in ("as_of", "partner", "nowcast"):
            if getattr(t, key) is not None:
                problems.append((f"trade.{key}", "only with trade.releases (the dated record it reads)"))
        return problems
    problems = []
    for key in DERIVED_FROM_RELEASES:
        value = t.observed if key == "trade.observed" else given[key]
        if value is not None and not (key == "trade.structural.total_base_usd_bn" and t.structural is None):
            problems.append((key, "is taken from trade.releases as of trade.as_of; remove it (or remove trade.releases)"))
    for key in ("as_of", "partner"):
        if getattr(t, key) is None:
            problems.append((f"trade.{key}", "required key is missing (trade.releases needs it)"))
    if t.nowcast is not None:
        for kind in t.nowcast.revision_sd:
            if kind not in SOURCE_KINDS:
                problems.append((f"trade.nowcast.revision_sd.{kind}", f"is not a kind of source; one of {', '.join(SOURCE_KINDS)}"))
    return problems


def _fallback_problems(s: ScenarioFile) -> list[tuple[str, str]]:
    """Each ``fallback`` names another financier, and following fallbacks never comes back to where it started."""
    if s.portfolio is None:
        return []
    lenders = s.portfolio.financiers
    problems: list[tuple[str, str]] = []
    for name, lender in lenders.items():
        key = f"portfolio.financiers.{name}.fallback"
        if lender.fallback is None:
            continue
        if lender.fallback not in lenders:
            problems.append(
                (key, f"{quote(lender.fallback)} is not a financier of [portfolio.financiers]{suggest(lender.fallback, sorted(lenders))}")
            )
            continue
        chain, after = [name], lender.fallback
        while after in lenders and after not in chain:
            chain.append(after)
            after = lenders[after].fallback
        if after == name:
            problems.append(
                (key, f"fallbacks loop: {' -> '.join([*chain, name])}; a chain of fallbacks must end at a financier without one")
            )
    return problems


def _priority_problems(s: ScenarioFile) -> list[tuple[str, str]]:
    """``portfolio.priority`` names named projects awaiting finance and ``backlog.SECTOR`` entries, each once."""
    if s.portfolio is None:
        return []
    p = s.pipeline
    known: list[str] = []
    if p is not None:
        known = [q.name for q in p.projects if q.stage == "awaiting_finance" and not q.own_finance] + [
            f"backlog.{name}" for name in p.sectors
        ]
    problems: list[tuple[str, str]] = []
    for k, entry in enumerate(s.portfolio.priority):
        if entry not in known:
            problems.append(
                (
                    f"portfolio.priority[{k}]",
                    f"{quote(entry)} is not a named project awaiting finance nor backlog.SECTOR{suggest(entry, known)}",
                )
            )
        elif entry in s.portfolio.priority[:k]:
            problems.append((f"portfolio.priority[{k}]", f"{quote(entry)} is listed twice"))
    return problems


def _trade_law_problems(s: ScenarioFile) -> list[tuple[str, str]]:
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


def _walks(law: ShareLaw) -> bool:
    """True when the share's logit is a random walk: persistence fixed at 1."""
    return isinstance(law.persistence, Fixed) and law.persistence.value == 1.0


def _share_problems(key: str, law: ShareLaw, kind: str | None = None) -> list[tuple[str, str]]:
    """A share law's drift only with a walking logit; a candidate law's share as its kind says."""
    problems = []
    walks = _walks(law)
    if law.drift is not None and not walks:
        problems.append(
            (f"{key}.drift", "only with persistence = 1 (a random walk of the logit with drift); a reverting share has no drift")
        )
    if kind == "reverting" and walks:
        problems.append((f"{key}.persistence", 'a reverting law needs persistence below 1 (kind = "local_level" or "trend" for a walk)'))
    if kind in ("local_level", "trend") and not walks:
        problems.append((f"{key}.persistence", f"must be 1 for kind = {quote(kind)} (the share's logit is a random walk)"))
    if kind == "local_level" and law.drift is not None and not isinstance(law.drift, Fixed):
        problems.append(
            (
                f"{key}.drift",
                'a local level\'s drift is a number (the allowance for modelled flows), not drawn; kind = "trend" for a fitted drift',
            )
        )
    if kind == "trend" and law.drift is None:
        problems.append((f"{key}.drift", 'required for kind = "trend": the yearly drift of the share\'s logit'))
    return problems


WEIGHT_TOLERANCE = 1e-6
"""How far the weights of ``[trade.laws]`` may sum from 1 (rounding of written decimals)."""


def _mixture_problems(s: ScenarioFile) -> list[tuple[str, str]]:
    """Candidate organic laws: on the structural law, well named, weights summing to 1, each share as its kind says."""
    t = s.trade
    problems: list[tuple[str, str]] = []
    if t.structural is not None:
        problems += _share_problems("trade.structural.share", t.structural.share)
    if t.exports_share is not None:
        problems += _share_problems("trade.exports_share", t.exports_share)
    if t.directions is not None:
        problems += _direction_problems("trade.directions", s)
        if t.laws is not None:
            problems.append(("trade.directions", "give the law by direction as a [trade.laws.NAME] of kind by_direction"))
    if t.laws is None:
        if t.law is not None:
            problems.append(("trade.law", "names a law of [trade.laws], which the scenario does not have"))
        return problems
    if t.structural is None:
        return problems + [("trade.laws", "candidate laws replace tables of [trade.structural], which the scenario does not have")]
    if not t.laws:
        return problems + [("trade.laws", "is empty; give at least one law, or remove the table")]
    for name, law in t.laws.items():
        key = f"trade.laws.{name}"
        if not re.fullmatch(NAME_PATTERN, name):
            problems.append((key, "a law's name is lower case letters, digits and underscores, starting with a letter"))
        if (law.kind == "by_direction") != (law.directions is not None):
            problems.append((f"{key}.directions", 'required for, and only with, kind = "by_direction"'))
        if law.kind == "by_direction":
            problems += [
                (f"{key}.{k}", 'is not used by kind = "by_direction" (its tables are in directions)')
                for k in ("share", "total_growth")
                if getattr(law, k) is not None
            ]
            problems += _direction_problems(f"{key}.directions", s, law.directions)
            continue
        problems += _share_problems(
            f"{key}.share" if law.share is not None else "trade.structural.share", law.share or t.structural.share, law.kind
        )
    if t.law is not None and t.law not in t.laws:
        problems.append(
            ("trade.law", f"{quote(t.law)} is not a law of [trade.laws]{suggest(t.law, list(t.laws))}; allowed: {', '.join(t.laws)}")
        )
    total = sum(law.weight for law in t.laws.values())
    if t.law is None and abs(total - 1.0) > WEIGHT_TOLERANCE:
        problems.append(("trade.laws", f"the weights must sum to 1 (got {total:.6g}); or name one law with trade.law"))
    return problems


def _direction_problems(key: str, s: ScenarioFile, given: Directions | None = None) -> list[tuple[str, str]]:
    """The law by direction: on the structural law's base; the base split leaves each partner's share inside (0, 1)."""
    t = s.trade
    d = given if given is not None else t.directions
    if d is None:
        return []
    problems = _share_problems(f"{key}.imports_share", d.imports_share) + _share_problems(f"{key}.exports_share", d.exports_share)
    if t.structural is None:
        return problems + [(key, "needs [trade.structural] (the country's total trade in the base year)")]
    total, base, exports = t.structural.total_base_usd_bn, t.base_usd_bn, t.base_exports_usd_bn
    if total is None or base is None or exports is None:
        return problems  # the base keys' own rules name what is missing
    imports_total = d.imports_fraction * total
    nongold = (1.0 - d.imports_fraction) * total * (1.0 - d.gold_fraction)
    for what, part, whole, name in (
        ("imports", base - exports, imports_total, "imports_fraction"),
        ("exports less gold", exports, nongold, "gold_fraction"),
    ):
        if not 0.0 < part < whole:
            problems.append(
                (
                    f"{key}.{name}",
                    f"gives the country's base-year {what} as {whole:.4g} USD bn; the partner's {part:.4g} must lie strictly between 0 and that",
                )
            )
    return problems


def _project_count_problems(s: ScenarioFile) -> list[tuple[str, str]]:
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
