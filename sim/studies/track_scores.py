"""Scores of one forecast of a track: PIT, CRPS, log score and range hits, of a plain or a weighted sample, and the random walk's.

A mixture's views are simulated with the laws on an equal footing (:func:`sim.studies.track.track`); the scenario's
weights then weigh each path (:func:`path_weights`): the weighted sample's PIT, CRPS (:func:`weighted_crps`), quantiles
and, for the log score, the weighted mixture of the laws' densities.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from ..calibration import crps_lognormal, crps_samples
from ..calibration.scores import log_density_lognormal, log_density_samples

__all__ = ["TrackScore", "path_weights", "random_walk_score", "score", "summary", "weighted_quantile", "weighted_reach"]

_RANGES = ((0.5, 0.25, 0.75), (0.9, 0.05, 0.95))


@dataclass(frozen=True)
class TrackScore:
    """One forecast of one view scored against the year's outcome (USD bn), and the random walk's.

    ``log_score`` is the log predictive density of the outcome's log (nats, higher is better;
    :func:`sim.calibration.log_density_samples`); ``law`` names the candidate organic law whose paths
    were scored (empty: all the view's paths, the scenario's mixture).
    """

    as_of: dt.date
    year: int
    horizon: int
    months_known: int
    outcome: float
    pit: float
    crps: float
    in50: bool
    in90: bool
    rw_pit: float
    rw_crps: float
    rw_in50: bool
    rw_in90: bool
    log_score: float = math.nan
    rw_log_score: float = math.nan
    law: str = ""


def summary(label: str, group: Sequence[TrackScore]) -> dict[str, Any]:
    crps = float(np.mean([s.crps for s in group]))
    rw = float(np.mean([s.rw_crps for s in group]))
    logs = [s.log_score for s in group if math.isfinite(s.log_score)]
    return {
        "horizon": label,
        "n": len(group),
        "mean_pit": float(np.mean([s.pit for s in group])),
        "coverage50": float(np.mean([s.in50 for s in group])),
        "coverage90": float(np.mean([s.in90 for s in group])),
        "crps": crps,
        "rw_coverage50": float(np.mean([s.rw_in50 for s in group])),
        "rw_coverage90": float(np.mean([s.rw_in90 for s in group])),
        "rw_crps": rw,
        "crps_ratio": crps / rw if rw > 0 else math.nan,
        "log_score": float(np.mean(logs)) if len(logs) == len(group) else math.nan,
        "rw_log_score": float(np.mean([s.rw_log_score for s in group])),
    }


def _pit(samples: np.ndarray, y: float) -> float:
    """The forecast's probability of a value below the outcome (ties counted half)."""
    return float(np.mean(samples < y) + 0.5 * np.mean(samples == y))


def _inside(samples: np.ndarray, y: float, low: float, high: float) -> bool:
    lo, hi = np.quantile(samples, [low, high])
    return bool(lo <= y <= hi)


def random_walk_score(history: Mapping[int, float], base_year: int, year: int, y: float) -> tuple[float, float, bool, bool, float]:
    """PIT, CRPS, range hits and log score of a no-drift random walk in logs from the base year, log-sd ``sqrt(h)`` times the RMS yearly log change."""
    changes = [math.log(history[a + 1] / history[a]) for a in sorted(history) if a + 1 in history]
    sigma = math.sqrt(float(np.mean(np.square(changes)))) * math.sqrt(year - base_year)
    mu = math.log(history[base_year])
    z = (math.log(y) - mu) / sigma
    hits = [abs(z) <= float(special.ndtri(high)) for _, _, high in _RANGES]
    return float(special.ndtr(z)), crps_lognormal(mu, sigma, y), hits[0], hits[1], log_density_lognormal(mu, sigma, y)


def path_weights(codes: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """Each path's weight in the scenario's mixture: its law's weight over the law's paths (laws without paths drop out, the rest renormalised)."""
    counts = np.bincount(codes, minlength=len(weights)).astype(float)
    per_law = np.divide(np.asarray(weights, dtype=float), counts, out=np.zeros(len(weights)), where=counts > 0)
    out = per_law[codes]
    return out / out.sum()


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(w[order]) - 0.5 * w[order]
    return float(np.interp(q, cum, x[order]))


def weighted_reach(reached: np.ndarray, codes: np.ndarray, weights: Sequence[float], k: int) -> tuple[float, float, float]:
    """P(target by simulated year ``k``) of a mixture, ``sum_l W_l p_l`` over its laws' own paths, with a 95% interval from
    their binomial errors, ``sum_l W_l**2 p_l (1 - p_l) / n_l`` (laws without paths drop out, the rest renormalised)."""
    parts = [(w, reached[codes == law, k]) for law, w in enumerate(weights) if w > 0 and np.any(codes == law)]
    total = sum(w for w, _ in parts)
    p = sum(w * float(r.mean()) for w, r in parts) / total
    var = sum((w / total) ** 2 * float(r.mean()) * (1 - float(r.mean())) / r.size for w, r in parts)
    return p, max(0.0, p - 1.96 * math.sqrt(var)), min(1.0, p + 1.96 * math.sqrt(var))


def weighted_crps(x: np.ndarray, w: np.ndarray, y: float) -> float:
    """CRPS of the weighted sample ``x`` (weights ``w`` summing to 1): ``E|X - y| - E|X - X'| / 2``, in O(n log n)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cum = np.cumsum(ws)
    spread = 2.0 * float(np.sum(ws * xs * (2.0 * cum - ws - 1.0)))
    return float(np.sum(ws * np.abs(xs - y))) - 0.5 * spread


def score(
    day: dt.date,
    year: int,
    horizon: int,
    known: int,
    y: float,
    samples: np.ndarray,
    rw: tuple[float, float, bool, bool, float],
    law: str,
    weight: np.ndarray | None = None,
    codes: np.ndarray | None = None,
    law_weights: Sequence[float] = (),
) -> TrackScore:
    """One forecast (``samples`` of the year's turnover, USD bn) scored against the outcome ``y``, beside the random walk's ``rw``.

    With ``weight`` (each sample's, summing to 1) the forecast is the weighted sample: a mixture's laws drawn on an equal
    footing, weighed by the scenario's weights; its log score is that of the mixture of the laws' densities.
    """
    if weight is not None and codes is not None and len(law_weights) > 1:
        densities = [
            (w, log_density_samples(samples[codes == k], y)) for k, w in enumerate(law_weights) if w > 0 and np.sum(codes == k) >= 2
        ]
        total = sum(w for w, _ in densities)
        pit = float(np.sum(weight * (samples < y)) + 0.5 * np.sum(weight * (samples == y)))
        crps = weighted_crps(samples, weight, y)
        in50 = weighted_quantile(samples, weight, 0.25) <= y <= weighted_quantile(samples, weight, 0.75)
        in90 = weighted_quantile(samples, weight, 0.05) <= y <= weighted_quantile(samples, weight, 0.95)
        log_score = float(special.logsumexp([d for _, d in densities], b=[w / total for w, _ in densities]))
    else:
        pit, crps = _pit(samples, y), crps_samples(samples, y)
        in50, in90 = _inside(samples, y, 0.25, 0.75), _inside(samples, y, 0.05, 0.95)
        log_score = log_density_samples(samples, y)
    return TrackScore(
        as_of=day,
        year=year,
        horizon=horizon,
        months_known=known,
        outcome=y,
        pit=pit,
        crps=crps,
        in50=bool(in50),
        in90=bool(in90),
        rw_pit=rw[0],
        rw_crps=rw[1],
        rw_in50=rw[2],
        rw_in90=rw[3],
        log_score=log_score,
        rw_log_score=rw[4],
        law=law,
    )
