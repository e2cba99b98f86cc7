"""The track record: a view re-run at every release date of its record, each knowing only what was published by
then, and every view's forecasts scored against the outcomes published later.

For each day a row of the record was published (from ``since`` on), :func:`track` builds the view as of
that day (:func:`sim.calibration.views.view_at`: the figures in force, the organic law refitted on them,
the projects restated), simulates it, and keeps

* the probability of the target by each year of ``years`` (with its Monte Carlo interval): how the
  answer moved as releases came out;
* for every simulated year whose full-year figure the record holds, published after the view, the
  forecast's PIT (the share of paths below the outcome), CRPS (USD bn) and whether the central 50% and
  90% ranges held the outcome; the same for a no-drift random walk of the pair's yearly turnover
  (log-sd the root mean square of the yearly log changes in force), the benchmark a forecaster must beat.

Scores are grouped by horizon: the years after the view's base year, ``1`` being the first simulated
year, which a view may have partly observed (a nowcast; ``months_known`` says how much).

Views that take the same figures and laws from the record as the view before them (a release of
another reporter, say) give the same answer: they are simulated once (``same_as``); so is a view whose
paths come out bit for bit those of an earlier view (it took something new the simulation does not read).

The outcome of a year is its full-year figure in force on the last day of the record (``final``); a year
whose figure is not out is not scored, nor a year of which a view already had a full-year figure (its
first year fully observed, or a figure that a later restatement replaced: the restatement is not news
of the year's level).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from scipy import special

from ..calibration.stacking import bootstrap_stacking, group_weights, leave_one_group_out, mixture_log_score, stacking_weights
from ..calibration.views import view_at
from ..engine import reached_by
from ..nowcast import full_years, published_by
from ..releases import load_releases
from ..run import simulate, study_manifest
from ..scenario import Scenario, ScenarioError
from .track_scores import TrackScore, path_weights, random_walk_score, score, summary, weighted_quantile, weighted_reach

__all__ = ["DEFAULT_TRACK_PATHS", "Track", "TrackScore", "TrackView", "track"]

DEFAULT_TRACK_PATHS = 3000
"""Paths of each view: about 1,000 for each law of a mixture of three, whose forecasts are scored on their own paths
(1.6 points of Monte Carlo error on a law's probability near one half, 0.9 on the mixture's)."""
STACKING_DRAWS = 400
"""Bayesian-bootstrap draws of the stacking weights (their Monte Carlo error is below 0.01 a weight)."""
INFORMATIVE_MONTHS = 9
"""Forecasts with this many months of their year known are left out of the laws' weights (their outcome is all but known)."""
MIN_OUTCOME_YEARS = 2
"""Outcome years a weighting needs; with fewer, the weights are equal."""
REAL_TIME_DRAWS = 100
"""Draws of the weights each view of the real-time test would have fitted (one fit per set of outcomes known)."""


@dataclass(frozen=True)
class TrackView:
    """One view of the track: its day, what it knew and what it said.

    ``p_reach`` maps a year to (probability of the target by then, 95% interval low, high);
    ``median`` maps each simulated year to the median turnover (USD bn); ``same_as`` is the earlier
    day whose view took the same from the record (its numbers are that view's); ``p_reach_by_law`` the
    same as ``p_reach`` on each candidate law's own paths (empty without a mixture).
    """

    as_of: dt.date
    base_year: int
    base_usd_bn: float
    observed: str
    p_reach: dict[int, tuple[float, float, float]]
    median: dict[int, float]
    law_years: tuple[int, ...]
    same_as: dt.date | None = None
    p_reach_by_law: dict[str, dict[int, tuple[float, float, float]]] = field(default_factory=dict)


@dataclass
class Track:
    """The views and scores of :func:`track` (``track.json``)."""

    scenario: str
    target_usd_bn: float
    paths: int
    seed: int
    final: dt.date
    years: list[int]
    views: list[TrackView]
    scores: list[TrackScore]
    manifest: dict[str, Any] = field(default_factory=dict)
    law_scores: list[TrackScore] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)
    published: dict[int, dt.date] = field(default_factory=dict)
    _stack: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def _distinct(self, scores: Sequence[TrackScore]) -> list[TrackScore]:
        repeated = {v.as_of for v in self.views if v.same_as is not None}
        return [s for s in scores if s.as_of not in repeated]

    def by_law(self) -> list[dict[str, Any]]:
        """Each candidate law's scores and the mixture's, over the views that repeat no earlier one: all forecasts, the
        nowcasts, and the full years ahead (``law`` empty: the scenario's mixture); nothing without a mixture."""
        if not self.weights:
            return []
        rows = []
        for law in ["", *self.weights]:
            own = self._distinct(self.scores if law == "" else [s for s in self.law_scores if s.law == law])
            for label, group in (
                ("all", own),
                ("nowcasts", [s for s in own if s.months_known > 0]),
                ("years ahead", [s for s in own if s.months_known == 0]),
            ):
                if group:
                    rows.append({"law": law or "combined", "weight": self.weights.get(law, math.nan), **summary(label, group)})
        return rows

    def _informative(self, as_of: dt.date | None = None) -> tuple[list[tuple[dt.date, int]], np.ndarray]:
        """(view day, outcome year) of the distinct views' informative forecasts scored under every law, and their log
        scores, shape ``(forecasts, laws)``; with ``as_of``, only outcomes published by then."""
        laws = list(self.weights)
        table: dict[tuple[dt.date, int], dict[str, float]] = {}
        for s in self._distinct(self.law_scores):
            if s.months_known >= INFORMATIVE_MONTHS:
                continue
            if as_of is not None and not (s.year in self.published and self.published[s.year] <= as_of):
                continue
            table.setdefault((s.as_of, s.year), {})[s.law] = s.log_score
        keys = [k for k, row in table.items() if all(law in row and math.isfinite(row[law]) for law in laws)]
        return keys, np.array([[table[k][law] for law in laws] for k in keys]).reshape(len(keys), len(laws))

    def log_densities(self, as_of: dt.date | None = None) -> tuple[np.ndarray, list[int]]:
        """The log scores of the distinct views' informative forecasts under each law, shape ``(forecasts, laws)``, and each
        forecast's outcome year; with ``as_of``, only outcomes published by then (what a forecaster on that day could score).

        Informative: fewer than :data:`INFORMATIVE_MONTHS` months of the year known. A nowcast from eleven months says
        nothing about how a share moves from year to year, and would count as a whole outcome year in the weights."""
        keys, lp = self._informative(as_of)
        return lp, [year for _, year in keys]

    def weights_as_of(self, as_of: dt.date | None = None, draws: int = STACKING_DRAWS) -> dict[str, Any]:
        """The laws' weights a forecaster on ``as_of`` (default: the record's last day) would fit from the scores of outcomes
        published by then: stacking averaged over a Bayesian bootstrap of the outcome years
        (:func:`sim.calibration.stacking.bootstrap_stacking`), each year counting once; equal weights before
        :data:`MIN_OUTCOME_YEARS` outcome years are known (stacking on one year bets everything on one surprise)."""
        laws = list(self.weights)
        lp, years = self.log_densities(as_of)
        if len(set(years)) < MIN_OUTCOME_YEARS:
            return {
                "weights": {law: 1.0 / len(laws) for law in laws},
                "sd": {law: 0.0 for law in laws},
                "outcome_years": [],
                "forecasts": 0,
            }
        mean, sd = bootstrap_stacking(lp, years, draws)
        return {
            "weights": dict(zip(laws, mean.tolist(), strict=True)),
            "sd": dict(zip(laws, sd.tolist(), strict=True)),
            "outcome_years": sorted(set(years)),
            "forecasts": int(lp.shape[0]),
        }

    def stacking(self) -> dict[str, Any]:
        """How the laws' weights follow from the record (empty without a mixture): plain stacking on every distinct forecast,
        each outcome year counting once, and again leaving out each outcome year; the bootstrap weights as of the record's
        last day; each law's mean log score by outcome year; and the real-time test of the weighting itself: each view's
        forecast scored under the weights fitted on the outcomes published before its day, beside equal weights and each law."""
        if self._stack is None:
            self._stack = self._stacking()
        return self._stack

    def _stacking(self) -> dict[str, Any]:
        if len(self.weights) < 2:
            return {}
        lp, years = self.log_densities()
        if lp.shape[0] == 0:
            return {}
        laws = list(self.weights)
        counts = group_weights(years)  # each outcome year counts once: the views forecasting one year share its one surprise
        weights = stacking_weights(lp, counts)
        by_year = {
            str(y): {law: float(np.mean(lp[[i for i, a in enumerate(years) if a == y], k])) for k, law in enumerate(laws)}
            for y in sorted(set(years))
        }
        return {
            "forecasts": int(lp.shape[0]),
            "outcome_years": sorted(set(years)),
            "weights": dict(zip(laws, weights.tolist(), strict=True)),
            "without_year": {str(y): dict(zip(laws, w.tolist(), strict=True)) for y, w in leave_one_group_out(lp, years).items()},
            "bootstrap": self.weights_as_of(None),
            "mean_log_score_by_outcome_year": by_year,
            "real_time": self._real_time(),
        }

    def _real_time(self) -> dict[str, float]:
        """Mean log score (each outcome year counting once) of each view's forecasts under the weights fitted on outcomes
        published before the view's day (equal weights before any), beside equal weights and each law alone."""
        laws = list(self.weights)
        keys, lp = self._informative()
        if not keys:
            return {}
        fitted: dict[tuple[int, ...], np.ndarray] = {}  # one fit for each set of outcome years known
        rows = []
        for day, _ in keys:
            known = tuple(sorted(y for y, published in self.published.items() if published < day))
            if known not in fitted:
                weights = self.weights_as_of(day - dt.timedelta(days=1), draws=REAL_TIME_DRAWS)["weights"]
                fitted[known] = np.array([weights[law] for law in laws])
            rows.append(fitted[known])
        counts = group_weights([year for _, year in keys])
        with np.errstate(divide="ignore"):
            real_time = special.logsumexp(lp + np.log(np.array(rows)), axis=1)
        equal = np.full(len(laws), 1.0 / len(laws))
        return {
            "real_time_weights": float(np.sum(counts * real_time) / counts.sum()),
            "equal": mixture_log_score(lp, equal, counts),
            **{law: mixture_log_score(lp[:, [k]], [1.0], counts) for k, law in enumerate(laws)},
        }

    def by_horizon(self) -> list[dict[str, Any]]:
        """Scores summarised by horizon (a partly observed first year apart), then over all, then over the views that
        repeat no earlier one (a repeated view's scores count once): count, mean PIT, coverage of the 50% and 90%
        ranges, mean CRPS of the model and of the random walk, and their ratio."""
        groups: dict[str, list[TrackScore]] = {}
        for s in self.scores:
            label = f"{s.horizon} (nowcast)" if s.horizon == 1 and s.months_known > 0 else str(s.horizon)
            groups.setdefault(label, []).append(s)
        # by horizon as a number (10 after 9, not after 1), the nowcast beside its plain first year
        rows = [summary(label, groups[label]) for label in sorted(groups, key=lambda g: (int(g.split()[0]), g))]
        if self.scores:
            rows.append(summary("all", self.scores))
            distinct = self._distinct(self.scores)
            if distinct and len(distinct) < len(self.scores):
                rows.append(summary("all, distinct views", distinct))
        return rows

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (dates as ISO strings, years as string keys)."""
        return {
            "scenario": self.scenario,
            "target_usd_bn": self.target_usd_bn,
            "paths": self.paths,
            "seed": self.seed,
            "final": self.final.isoformat(),
            "years": self.years,
            "views": [
                {
                    **{k: v for k, v in asdict(view).items() if k not in ("as_of", "same_as", "p_reach", "median", "law_years")},
                    "as_of": view.as_of.isoformat(),
                    "same_as": view.same_as.isoformat() if view.same_as else None,
                    "p_reach": {str(y): list(v) for y, v in view.p_reach.items()},
                    "median": {str(y): v for y, v in view.median.items()},
                    "law_years": list(view.law_years),
                    "p_reach_by_law": {law: {str(y): list(v) for y, v in ps.items()} for law, ps in view.p_reach_by_law.items()},
                }
                for view in self.views
            ],
            "scores": [{**asdict(s), "as_of": s.as_of.isoformat()} for s in self.scores],
            "by_horizon": self.by_horizon(),
            "weights": self.weights,
            "published": {str(y): d.isoformat() for y, d in self.published.items()},
            "law_scores": [{**asdict(s), "as_of": s.as_of.isoformat()} for s in self.law_scores],
            "by_law": self.by_law(),
            "stacking": self.stacking(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], manifest: Mapping[str, Any] | None = None) -> Track:
        """A track from ``track.json``."""
        views = [
            TrackView(
                as_of=dt.date.fromisoformat(v["as_of"]),
                base_year=int(v["base_year"]),
                base_usd_bn=float(v["base_usd_bn"]),
                observed=str(v["observed"]),
                p_reach={int(y): (float(p[0]), float(p[1]), float(p[2])) for y, p in v["p_reach"].items()},
                median={int(y): float(m) for y, m in v["median"].items()},
                law_years=tuple(int(y) for y in v["law_years"]),
                same_as=dt.date.fromisoformat(v["same_as"]) if v.get("same_as") else None,
                p_reach_by_law={
                    law: {int(y): (float(p[0]), float(p[1]), float(p[2])) for y, p in ps.items()}
                    for law, ps in (v.get("p_reach_by_law") or {}).items()
                },
            )
            for v in data["views"]
        ]
        scores = [TrackScore(**{**s, "as_of": dt.date.fromisoformat(s["as_of"])}) for s in data["scores"]]
        law_scores = [TrackScore(**{**s, "as_of": dt.date.fromisoformat(s["as_of"])}) for s in data.get("law_scores", [])]
        return cls(
            scenario=str(data["scenario"]),
            target_usd_bn=float(data["target_usd_bn"]),
            paths=int(data["paths"]),
            seed=int(data["seed"]),
            final=dt.date.fromisoformat(data["final"]),
            years=[int(y) for y in data["years"]],
            views=views,
            scores=scores,
            manifest=dict(manifest or {}),
            law_scores=law_scores,
            weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
            published={int(k): dt.date.fromisoformat(v) for k, v in (data.get("published") or {}).items()},
            _stack=data.get("stacking"),  # as computed when the track ran (bootstrap draws are costly)
        )


def _view_key(view: Scenario) -> str:
    """What a view took from the record and the file, its day left out: two views with the same key simulate the same paths.

    The scenario's own identity (``sha256``) holds ``trade.as_of`` and the count of rows known, so it
    differs from one release date to the next even when nothing the simulation reads has changed.
    """
    raw = view.to_json()
    raw["trade"].pop("as_of", None)
    seen = view.view
    taken = (seen.used, seen.seasonal, seen.total_seasonal, seen.revisions_used) if seen is not None else None
    return repr(sorted(_flatten(raw))) + repr(view.observation) + repr(taken)


def _flatten(node: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(node, Mapping):
        return [item for k, v in node.items() for item in _flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    return [(prefix, repr(node))]


def _observed_words(view: Scenario) -> str:
    obs = view.observation
    if obs is None:
        return ""
    months = "full year" if obs.months == 12 else f"January-{obs.months}"
    return f"{obs.year} {months}: {obs.value_usd_bn:g}"


def track(
    scenario: Scenario,
    *,
    paths: int = DEFAULT_TRACK_PATHS,
    seed: int | None = None,
    since: dt.date = dt.date(2023, 1, 1),
    years: Sequence[int] = (2026, 2028, 2030),
    workers: int | None = None,
) -> Track:
    """The view of ``scenario`` at every release date of its record from ``since`` on, and the scores of its forecasts.

    Parameters
    ----------
    scenario : Scenario
        A scenario with a dated record (``trade.releases``).
    paths, seed, workers
        Of each view's run (the seed defaults to the scenario's; every view uses the same).
    since : datetime.date
        The first release date to take a view on.
    years : sequence of int
        The years whose probability of the target is followed.

    Raises
    ------
    ScenarioError
        The scenario has no record, or a view cannot be built (too little published by its day).
    """
    t = scenario.trade
    if t.releases is None or t.partner is None:
        raise ScenarioError(scenario.source, [("trade.releases", "coopsim track needs a scenario with a dated record (trade.releases)")])
    path = scenario._relative(t.releases)
    assert path is not None
    record = load_releases(path)
    seed = scenario.run.seed if seed is None else seed
    started = time.time()
    final = max(r.published for r in record)
    outcomes = full_years(published_by(record, final), t.partner, "turnover", t.reporter)
    days = sorted({r.published for r in record if r.published >= since})
    if not days:
        raise ScenarioError(
            scenario.source,
            [
                (
                    "trade.releases",
                    f"no release of {t.releases} was published on or after {since.isoformat()} (the last on {final.isoformat()})",
                )
            ],
        )
    views: list[TrackView] = []
    scores: list[TrackScore] = []
    law_scores: list[TrackScore] = []
    done: dict[str, tuple[dt.date, TrackView, list[TrackScore], list[TrackScore]]] = {}
    simulated: dict[str, str] = {}  # digest of a view's paths -> its key
    for day in days:
        view, fit = view_at(scenario, day)
        in_force = full_years(published_by(record, day), t.partner, "turnover", t.reporter)
        history = {y: r.value_usd_bn for y, r in in_force.items() if y <= view.trade.base_year}  # type: ignore[operator]
        key = _view_key(view)
        results = None
        if key not in done:
            results = simulate(_equal_footing(view), paths=paths, seed=seed, workers=workers, keep_paths=True, progress=False)
            # a view that took something new from the record that the simulation does not read (a figure it overrides, a
            # row of another kind) simulates the very paths of an earlier one: it repeats that view, as a same key does
            digest = hashlib.sha256(
                np.ascontiguousarray(results.paths.trade).tobytes() + np.asarray(results.paths.law).tobytes()
            ).hexdigest()
            if digest in simulated:
                done[key] = done[simulated[digest]]
            else:
                simulated[digest] = key
        if key in done:
            first, earlier, earlier_scores, earlier_laws = done[key]
            views.append(replace(earlier, as_of=day, same_as=first))
            # only outcomes still to come on this view's day are forecasts of it
            scores.extend(replace(s, as_of=day) for s in earlier_scores if s.year not in in_force)
            law_scores.extend(replace(s, as_of=day) for s in earlier_laws if s.year not in in_force)
            continue
        assert results is not None
        turnover = results.paths.turnover
        codes = np.asarray(results.paths.law)
        sim_years = list(view.years)
        # each path counts for its law's weight in the scenario over its share of the paths (1 without a mixture)
        weight = path_weights(codes, [law.weight for law in view.laws]) if len(view.laws) > 1 else np.full(len(codes), 1.0 / len(codes))
        reached = reached_by(results.paths.flow(view.trade.target_flow), view.trade.target_usd_bn)
        p_reach = {
            y: weighted_reach(reached, codes, [law.weight for law in view.laws], sim_years.index(y))
            if len(view.laws) > 1
            else tuple(float(v) for v in results.p_reach(y))
            for y in years
            if y in sim_years
        }
        entry = TrackView(
            as_of=day,
            base_year=view.trade.base_year,  # type: ignore[arg-type]
            base_usd_bn=view.trade.base_usd_bn,  # type: ignore[arg-type]
            observed=_observed_words(view),
            p_reach=p_reach,  # type: ignore[arg-type]
            median={y: weighted_quantile(turnover[:, k], weight, 0.5) for k, y in enumerate(sim_years)},
            law_years=fit.years,
            p_reach_by_law={name: {y: law.p_reach(y) for y in years if y in sim_years} for name, law in results.by_law.items()},
        )
        own: list[TrackScore] = []
        own_laws: list[TrackScore] = []
        obs = view.observation
        for k, year in enumerate(sim_years):
            outcome = outcomes.get(year)
            if outcome is None or year in in_force:
                # not out yet; or a figure of the whole year was out on the view's day (a fully observed first year,
                # or a figure the outcome's later restatement replaced): nothing to forecast
                continue
            y = outcome.value_usd_bn
            rw = random_walk_score(history, view.trade.base_year, year, y)  # type: ignore[arg-type]
            known = obs.months if obs is not None and obs.year == year else 0
            horizon = year - view.trade.base_year  # type: ignore[operator]
            own.append(score(day, year, horizon, known, y, turnover[:, k], rw, "", weight, codes, [law.weight for law in view.laws]))
            for code, name in enumerate(results.by_law if len(view.laws) > 1 else ()):
                samples = turnover[codes == code, k]
                if samples.size >= 2:
                    own_laws.append(score(day, year, horizon, known, y, samples, rw, name))
        done[key] = (day, entry, own, own_laws)
        views.append(entry)
        scores.extend(own)
        law_scores.extend(own_laws)
    manifest = {
        **study_manifest(scenario, seed, started, time.time()),
        "releases_file": str(t.releases),
        "paths": paths,
        "since": since.isoformat(),
        "years": list(years),
    }
    weights = {law.name: law.weight for law in scenario.laws} if len(scenario.laws) > 1 else {}
    published: dict[int, dt.date] = {}  # the day each outcome year's first full-year figure came out
    for day in sorted({r.published for r in record}):
        for y in full_years(published_by(record, day), t.partner, "turnover", t.reporter):
            published.setdefault(y, day)
    return Track(
        scenario.name, float(t.target_usd_bn), paths, seed, final, list(years), views, scores, manifest, law_scores, weights, published
    )


def _equal_footing(view: Scenario) -> Scenario:
    """A mixture's view with its laws drawn with equal weights: each law's forecast scored on as many paths (the scenario's own
    weights then weigh the paths, :func:`_path_weights`)."""
    if len(view.laws) <= 1:
        return view
    return view.replace({f"trade.laws.{law.name}.weight": 1.0 / len(view.laws) for law in view.laws})
