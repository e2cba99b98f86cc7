"""Scenario discovery by PRIM, the patient rule induction method (Friedman and Fisher, 1999).

PRIM was chosen because its boxes read as rules an analyst can say in one
sentence ("growth below 5% and the railway after 2031"), it trades coverage
against density openly along its peeling trajectory, and it is the method of
the scenario-discovery literature (Bryant and Lempert, 2010). Each box is
simplified by dropping restrictions that do not raise its density.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Box", "prim_boxes"]


@dataclass(frozen=True)
class Box:
    """A box of input values: ``limits[path] = (low, high)`` for the restricted inputs only."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    support: float
    text: str = ""
    """The box as a sentence (:meth:`describe`), once its year is known."""

    def describe(self, year: int) -> str:
        rules = []
        for path, (lo, hi) in self.limits.items():
            if math.isfinite(lo) and math.isfinite(hi):
                rules.append(f"{path} between {lo:.4g} and {hi:.4g}")
            elif math.isfinite(hi):
                rules.append(f"{path} below {hi:.4g}")
            else:
                rules.append(f"{path} above {lo:.4g}")
        return (
            " and ".join(rules)
            + f": target missed by {year} in {self.density:.0%} of such paths ({self.support:.0%} of all paths), covering {self.coverage:.0%} of all misses"
        )


def _inside(x: np.ndarray, limits: dict[int, tuple[float, float]]) -> np.ndarray:
    keep = np.ones(x.shape[0], dtype=bool)
    for d, (lo, hi) in limits.items():
        keep &= (x[:, d] >= lo) & (x[:, d] <= hi)
    return keep


def _peel(x: np.ndarray, y: np.ndarray, alpha: float, min_support: float) -> list[tuple[dict[int, tuple[float, float]], np.ndarray]]:
    """PRIM's peeling trajectory: each step removes the ``alpha`` slice that most raises the density of ``y``."""
    limits: dict[int, tuple[float, float]] = {}
    inside = np.ones(x.shape[0], dtype=bool)
    trajectory = [(dict(limits), inside)]
    while inside.mean() > min_support:
        best = None
        for d in range(x.shape[1]):
            values = x[inside, d]
            lo, hi = limits.get(d, (-math.inf, math.inf))
            for side, cut in (("low", np.quantile(values, alpha)), ("high", np.quantile(values, 1 - alpha))):
                new = inside & (x[:, d] >= cut) if side == "low" else inside & (x[:, d] <= cut)
                if new.sum() in (0, inside.sum()):
                    continue
                density = y[new].mean()
                if best is None or density > best[0]:
                    best = (density, d, (cut, hi) if side == "low" else (lo, cut), new)
        if best is None:
            break
        _, d, bounds, inside = best
        limits[d] = bounds
        trajectory.append((dict(limits), inside))
    return trajectory


def prim_boxes(
    x: np.ndarray,
    missed: np.ndarray,
    names: Sequence[str],
    boxes: int = 2,
    alpha: float = 0.05,
    min_coverage: float = 0.3,
    max_rules: int = 3,
) -> list[Box]:
    """Up to ``boxes`` PRIM boxes where the target is missed, each on the misses not yet covered.

    On each trajectory the box kept is the densest one still covering at least
    ``min_coverage`` of the misses it could cover. Then, so the box reads as a
    rule, restrictions are dropped while dropping one costs less than a point
    of density, and at most ``max_rules`` are kept (those whose removal would
    cost the most density).
    """
    total_misses = missed.sum()
    out: list[Box] = []
    remaining = np.ones(x.shape[0], dtype=bool)
    for _ in range(boxes):
        if missed[remaining].sum() < 10:
            break
        xs, ys = x[remaining], missed[remaining]
        trajectory = _peel(xs, ys, alpha, min_support=0.02)
        candidates = [(ys[inside].mean(), limits, inside) for limits, inside in trajectory if ys[inside].sum() >= min_coverage * ys.sum()]
        density, limits, inside = max(candidates, key=lambda c: c[0])
        for d in list(limits):
            trial = {k: v for k, v in limits.items() if k != d}
            within = _inside(xs, trial)
            if ys[within].mean() >= density - 0.01:
                limits, density = trial, ys[within].mean()
        while len(limits) > max_rules:
            cost = {d: density - ys[_inside(xs, {k: v for k, v in limits.items() if k != d})].mean() for d in limits}
            weakest = min(cost, key=cost.get)
            limits = {k: v for k, v in limits.items() if k != weakest}
            density = ys[_inside(xs, limits)].mean()
        if not limits:
            break
        in_box = _inside(x, limits) & remaining
        out.append(
            Box(
                limits={names[d]: limits[d] for d in sorted(limits)},
                coverage=float(missed[in_box].sum() / total_misses),
                density=float(missed[in_box].mean()),
                support=float(in_box.mean()),
            )
        )
        remaining &= ~in_box
    return out
