"""The gap between two reporters' figures for the same trade, fitted from history.

Two countries' statistics of the same bilateral trade differ: valuation (CIF
imports against FOB exports), goods in transit, the timing of records and
what counts as trade (temporary imports of construction equipment). coopsim
models the gap as a yearly log ratio::

    g(y) = ln(other reporter's figure / scenario reporter's figure)
         = mu + sd * e(y),    e(y) independent standard normal

with ``mu`` and ``sd`` drawn once per path from their estimation uncertainty.
:func:`fit_reporter_gap` estimates them from the years both reporters cover;
:meth:`ReporterGapFit.block` writes the ``[trade.reporter_gap]`` table a
scenario includes, so a scenario simulated in one reporter's statistics can
target the other's figure (``trade.target_reporter``).

Where to make a change
----------------------
* The estimates or the block: here. The simulation draws the gap of each path
  in :mod:`sim.engine.sampling`.

By direction
------------
The two reporters' figures differ for different reasons in each direction
(the country's exports to the partner against the partner's imports from it;
its imports against the partner's exports), so :func:`fit_gap_by_direction` fits one gap per
direction from a file of both reporters' figures by direction
(``year,months,direction,reporter,value_usd_bn,status,source``), on the full
years both publish. A direction with fewer than :data:`MIN_COMMON_YEARS` such
years is not fitted: its :class:`DirectionGapFit` says why and holds the years
there are. :func:`implied_direction_gap` is the explicit fallback for one
direction: its gap implied, year by year, by the other reporter's turnover less
the other direction held at its fitted mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..history import STATISTICAL_STATUSES, Column, FileSchema, HistoryError, load_history, read_data_file
from .blocks import lognormal_as_pert, significant, significant_table, toml_block, year_ranges

__all__ = [
    "DIRECTION_FILE",
    "DirectionGapFit",
    "ReporterGapFit",
    "direction_gaps_block",
    "fit_gap_by_direction",
    "fit_reporter_gap",
    "gap_from_values",
    "implied_direction_gap",
    "load_by_direction",
]

MIN_COMMON_YEARS = 3
"""Fewest years both reporters must cover for a gap to be fitted."""

GAP_SD_CAP = 1.0
"""Largest year-to-year sd of the log ratio the schema accepts."""


@dataclass(frozen=True)
class ReporterGapFit:
    """Estimated gap between two reporters' figures.

    Attributes
    ----------
    reporter, other : str
        The scenario's reporter and the other reporter; the gap is ln(other / reporter).
    years : tuple of int
        Years both reporters cover.
    log_ratios : tuple of float
        ln(other / reporter) in each of those years.
    mean, mean_se : float
        Mean log ratio and its standard error (``sd / sqrt(n)``).
    sd, log_sd_se : float
        Year-to-year standard deviation (``ddof=1``) and the standard error of
        its logarithm (``1 / sqrt(2 (n - 1))``, the normal-theory value).
    source : str
        Where the figures came from (for the block's comments).
    """

    reporter: str
    other: str
    years: tuple[int, ...]
    log_ratios: tuple[float, ...]
    mean: float
    mean_se: float
    sd: float
    log_sd_se: float
    source: str = field(default="")

    @property
    def n(self) -> int:
        """Number of years both reporters cover."""
        return len(self.years)

    def gap_law(self) -> dict[str, Any]:
        """The ``[trade.reporter_gap]`` table as a dict (``mean`` normal; ``sd`` a lognormal-shaped PERT, or 0)."""
        sd: Any = 0.0
        if self.sd > 0:
            sd = significant_table(lognormal_as_pert(self.sd, self.log_sd_se, cap=GAP_SD_CAP))
        mean: Any = (
            {"dist": "normal", "mean": significant(self.mean), "sd": significant(self.mean_se)}
            if self.mean_se > 0
            else significant(self.mean)
        )
        return {"reporter": self.other, "mean": mean, "sd": sd}

    def block(self) -> str:
        """A TOML ``[trade.reporter_gap]`` block, with comments naming the source, years and estimates."""
        pairs = ", ".join(f"{y}: {r:+.3f}" for y, r in zip(self.years, self.log_ratios, strict=True))
        lines = [
            f"# Gap between {self.other}'s and {self.reporter}'s figures fitted by sim.calibration.fit_reporter_gap.",
            f"# Source: {self.source}." if self.source else "# Source: figures given directly.",
            f"# ln({self.other} / {self.reporter}) in the {self.n} years both report ({year_ranges(self.years)}): {pairs}.",
            f"# Estimates (standard error): mean {self.mean:.4f} ({self.mean_se:.4f}), year-to-year sd {self.sd:.4f}"
            f" (log-sd {self.log_sd_se:.3f}).",
            "# mean: normal(estimate, standard error); sd: lognormal(median = estimate) as a PERT. Drawn once per path;",
            f'# add `target_reporter = "{self.other}"` to [trade] to measure the target in {self.other}\'s figures.',
        ]
        return toml_block(lines, "trade.reporter_gap", self.gap_law())

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the estimates and the data behind them."""
        return {
            "reporter": self.reporter,
            "other": self.other,
            "years": list(self.years),
            "log_ratios": list(self.log_ratios),
            "mean": self.mean,
            "mean_se": self.mean_se,
            "sd": self.sd,
            "log_sd_se": self.log_sd_se,
            "source": self.source,
        }


def gap_from_values(
    years: Sequence[int], reporter_values: Sequence[float], other_values: Sequence[float], reporter: str, other: str, source: str = ""
) -> ReporterGapFit:
    """Fit the gap from paired yearly figures.

    Parameters
    ----------
    years : sequence of int, shape (n,)
        Years both reporters cover (n >= 3).
    reporter_values, other_values : sequences of float, shape (n,)
        The two reporters' figures for those years, USD bn, > 0.
    reporter, other : str
        Reporter codes.
    source : str
        Free text for the block's comments.

    Returns
    -------
    ReporterGapFit
    """
    y = np.asarray(years, dtype=int)
    a = np.asarray(reporter_values, dtype=float)
    b = np.asarray(other_values, dtype=float)
    if not (y.shape == a.shape == b.shape) or y.ndim != 1:
        raise UsageError("years and both reporters' values need the same length")
    if y.size < MIN_COMMON_YEARS:
        raise UsageError(f"the gap between {reporter} and {other} needs at least {MIN_COMMON_YEARS} years both report (got {y.size})")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(a > 0) and np.all(b > 0)):
        raise UsageError("reporters' values must be finite and positive")
    r = np.log(b / a)
    n = r.size
    sd = float(np.std(r, ddof=1))
    return ReporterGapFit(
        reporter=reporter,
        other=other,
        years=tuple(int(v) for v in y),
        log_ratios=tuple(float(v) for v in r),
        mean=float(r.mean()),
        mean_se=sd / math.sqrt(n),
        sd=sd,
        log_sd_se=1.0 / math.sqrt(2.0 * (n - 1)),
        source=source,
    )


def _check_two_reporters(path: str | Path, reporter: str, other: str) -> None:
    """A HistoryError naming ``path`` unless the two reporters differ: a gap is between two reporters' figures."""
    if reporter == other:
        raise HistoryError(f"{path}: the reporter gap needs two different reporters (got {reporter} twice)")


def _common_years(mine: Mapping[int, float], theirs: Mapping[int, float], since: int | None) -> list[int]:
    """The years, from ``since`` on, with a figure of both reporters, in order."""
    return sorted(y for y in mine.keys() & theirs.keys() if since is None or y >= since)


def fit_reporter_gap(
    path: str | Path, reporter: str, other: str, since: int | None = None, statuses: tuple[str, ...] = STATISTICAL_STATUSES
) -> ReporterGapFit:
    """Fit ln(other / reporter) from a history CSV, on the years both report.

    Years where only one reporter has a figure are skipped; several figures of
    one reporter for one year are combined by their median (as in
    :func:`sim.history.load_history`); claims and uncertain figures are left
    out.

    Parameters
    ----------
    path : str or Path
        History CSV (``year, value_usd_bn, reporter, status`` columns).
    reporter, other : str
        The scenario's reporter and the other one.
    since : int, optional
        First year used.
    statuses : tuple of str
        Statuses treated as statistics.

    Raises
    ------
    HistoryError
        Fewer than :data:`MIN_COMMON_YEARS` years with both reporters' figures.
    """
    _check_two_reporters(path, reporter, other)
    mine = dict(load_history(path, reporter, statuses))
    theirs = dict(load_history(path, other, statuses))
    common = _common_years(mine, theirs, since)
    if len(common) < MIN_COMMON_YEARS:
        raise HistoryError(
            f"{path}: only {len(common)} years with both a {reporter} and a {other} figure; the gap needs at least {MIN_COMMON_YEARS}"
        )
    source = f"{path}, {other} vs {reporter}, confirmed/derived figures (duplicates by median)" + (f", since {since}" if since else "")
    return gap_from_values(common, [mine[y] for y in common], [theirs[y] for y in common], reporter, other, source)


# ---------------------------------------------------------------- by direction

DIRECTIONS = ("exports", "imports")
"""The scenario reporter's exports to the partner and its imports from it (the engine's order)."""

DIRECTION_FILE = FileSchema(
    "reporters by direction",
    (
        Column("year", "whole", 1900, 2100),
        Column("months", "whole", 1, 12),
        Column("direction", "choice", choices=(*DIRECTIONS, "turnover")),
        Column("reporter", "code"),
        Column("value_usd_bn", "number", 0.0, above=True),
        Column("status", "choice", choices=("confirmed", "derived", "uncertain", "claim")),
        Column("source", "text"),
    ),
    key=("year", "months", "direction", "reporter", "status", "source"),
)
"""``year,months,direction,reporter,value_usd_bn,status,source``: one reporter's published figure of one direction
(``exports`` / ``imports`` as the scenario's reporter sees them, or ``turnover``) over the first ``months`` of a year."""


def load_by_direction(
    path: str | Path, direction: str, reporter: str, statuses: tuple[str, ...] = STATISTICAL_STATUSES
) -> dict[int, float]:
    """Full-year figures (``months = 12``) of one direction and reporter, by year (several by their median)."""
    by_year: dict[int, list[float]] = {}
    for row in read_data_file(path, DIRECTION_FILE):
        if row["months"] == 12 and row["direction"] == direction and row["reporter"] == reporter and row["status"] in statuses:
            by_year.setdefault(row["year"], []).append(row["value_usd_bn"])
    return {y: float(np.median(v)) for y, v in sorted(by_year.items())}


@dataclass(frozen=True)
class DirectionGapFit:
    """The gap of one direction: fitted, or not, with the reason.

    Attributes
    ----------
    direction : str
        ``exports`` or ``imports`` (the scenario reporter's).
    fit : ReporterGapFit or None
        The estimates; None when fewer than :data:`MIN_COMMON_YEARS` years are known.
    method : str
        ``"direct"`` (both reporters publish the direction), ``"implied"`` (:func:`implied_direction_gap`)
        or ``"too few years"``.
    years, log_ratios : tuple
        The years there are and ln(other / reporter) in each (also when too few to fit).
    note : str
        Why there is no fit, or how the implied years were made.
    """

    direction: str
    fit: ReporterGapFit | None
    method: str
    years: tuple[int, ...]
    log_ratios: tuple[float, ...]
    note: str = ""


def fit_gap_by_direction(
    path: str | Path,
    reporter: str,
    other: str,
    since: int | None = None,
    statuses: tuple[str, ...] = STATISTICAL_STATUSES,
) -> dict[str, DirectionGapFit]:
    """Fit ln(other / reporter) of each direction on the full years both report it.

    Parameters
    ----------
    path : str or Path
        A file of figures by direction (:data:`DIRECTION_FILE`).
    reporter, other : str
        The scenario's reporter and the other one.
    since : int, optional
        First year used.
    statuses : tuple of str
        Statuses treated as statistics.

    Returns
    -------
    dict
        ``{"exports": DirectionGapFit, "imports": DirectionGapFit}``; a direction with fewer than
        :data:`MIN_COMMON_YEARS` common years has ``fit = None`` and says so (nothing is filled in silently).
    """
    _check_two_reporters(path, reporter, other)
    out = {}
    for d in DIRECTIONS:
        mine = load_by_direction(path, d, reporter, statuses)
        theirs = load_by_direction(path, d, other, statuses)
        common = _common_years(mine, theirs, since)
        ratios = tuple(math.log(theirs[y] / mine[y]) for y in common)
        if len(common) < MIN_COMMON_YEARS:
            note = (
                f"only {len(common)} full year{'' if len(common) == 1 else 's'} with both a {reporter} and a {other} figure of the {d}"
                f" ({', '.join(map(str, common)) or 'none'}); the gap needs at least {MIN_COMMON_YEARS}"
            )
            out[d] = DirectionGapFit(d, None, "too few years", tuple(common), ratios, note)
            continue
        source = f"{path}, {d}, {other} vs {reporter}" + (f", since {since}" if since else "")
        fit = gap_from_values(common, [mine[y] for y in common], [theirs[y] for y in common], reporter, other, source)
        out[d] = DirectionGapFit(d, fit, "direct", fit.years, fit.log_ratios)
    return out


def implied_direction_gap(
    path: str | Path,
    direction: str,
    reporter: str,
    other: str,
    other_direction_gap: float,
    since: int | None = None,
    statuses: tuple[str, ...] = STATISTICAL_STATUSES,
    split_statuses: tuple[str, ...] = ("confirmed", "derived", "uncertain"),
) -> DirectionGapFit:
    """The fallback for a direction both reporters rarely split: its gap implied by the other reporter's turnover.

    In a year where the other reporter publishes only its turnover ``T`` and the scenario's reporter its split
    (``x`` this direction, ``z`` the other), holding the other direction's gap at ``g_z``::

        g(y) = ln((T - z * exp(g_z)) / x)

    Years where both reporters publish this direction keep their direct ratio. A year where ``T - z exp(g_z)``
    is not positive says the held gap cannot be right that year: it is left out, and the note says so.

    Parameters
    ----------
    path : str or Path
        A file of figures by direction (:data:`DIRECTION_FILE`).
    direction : str
        ``exports`` or ``imports``: the direction implied.
    reporter, other : str
        The scenario's reporter and the other one.
    other_direction_gap : float
        The other direction's gap, held every year (e.g. its fitted or observed mean).
    since : int, optional
        First year used.
    statuses : tuple of str
        Statuses of the other reporter's figures and of direct figures.
    split_statuses : tuple of str
        Statuses of the scenario reporter's split accepted (uncertain splits by default: few are confirmed).

    Returns
    -------
    DirectionGapFit
        ``method = "implied"`` with a fit when at least :data:`MIN_COMMON_YEARS` years result, else ``"too few years"``.
    """
    if direction not in DIRECTIONS:
        raise UsageError(f"direction must be one of {', '.join(DIRECTIONS)} (got {direction!r})")
    z_dir = DIRECTIONS[1 - DIRECTIONS.index(direction)]
    direct_mine = load_by_direction(path, direction, reporter, statuses)
    direct_theirs = load_by_direction(path, direction, other, statuses)
    x_all = load_by_direction(path, direction, reporter, split_statuses)
    z_all = load_by_direction(path, z_dir, reporter, split_statuses)
    turnover = load_by_direction(path, "turnover", other, statuses)
    years, mine, theirs, dropped = [], [], [], []
    for y in sorted(set(x_all) | set(direct_mine)):
        if since is not None and y < since:
            continue
        if y in direct_mine and y in direct_theirs:
            years.append(y)
            mine.append(direct_mine[y])
            theirs.append(direct_theirs[y])
        elif y in turnover and y in z_all and y in x_all:
            rest = turnover[y] - z_all[y] * math.exp(other_direction_gap)
            if rest <= 0:
                dropped.append(y)
                continue
            years.append(y)
            mine.append(x_all[y])
            theirs.append(rest)
    note = f"{direction} implied by {other}'s turnover less the {z_dir} at gap {other_direction_gap:+.4f}" + (
        f"; left out (the held gap leaves nothing): {', '.join(map(str, dropped))}" if dropped else ""
    )
    ratios = tuple(math.log(b / a) for a, b in zip(mine, theirs, strict=True))
    if len(years) < MIN_COMMON_YEARS:
        return DirectionGapFit(
            direction, None, "too few years", tuple(years), ratios, note + f"; {len(years)} years, fewer than {MIN_COMMON_YEARS}"
        )
    fit = gap_from_values(years, mine, theirs, reporter, other, f"{path}, {note}")
    return DirectionGapFit(direction, fit, "implied", fit.years, fit.log_ratios, note)


def direction_gaps_block(fits: dict[str, DirectionGapFit]) -> str:
    """The ``[trade.reporter_gap.exports]`` and ``[trade.reporter_gap.imports]`` tables of the fitted directions.

    Raises
    ------
    UsageError
        A direction has no fit: the caller must choose its fallback (:func:`implied_direction_gap`, or the
        turnover's gap by leaving the direction out) rather than have one chosen here.
    """
    blocks = []
    for d in DIRECTIONS:
        f = fits[d]
        if f.fit is None:
            raise UsageError(f"the {d} have no fitted gap: {f.note}")
        law = f.fit.gap_law()
        pairs = ", ".join(f"{y}: {r:+.3f}" for y, r in zip(f.years, f.log_ratios, strict=True))
        lines = [
            f"# {d}: ln({f.fit.other} / {f.fit.reporter}) by sim.calibration.fit_gap_by_direction ({f.method}); {pairs}.",
            f"# Estimates (standard error): mean {f.fit.mean:.4f} ({f.fit.mean_se:.4f}), year-to-year sd {f.fit.sd:.4f}.",
        ] + ([f"# {f.note}."] if f.note else [])
        blocks.append(toml_block(lines, f"trade.reporter_gap.{d}", {"mean": law["mean"], "sd": law["sd"]}))
    return "\n".join(blocks)
