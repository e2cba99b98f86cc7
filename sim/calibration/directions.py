"""The organic law by direction: the partner's share of the country's imports and of its exports without gold.

The structural law (:mod:`sim.calibration.structural`) follows the partner's share of
the country's turnover; that share can average two opposite trends (on the shipped
pair, the partner's share of imports rose from 13.5% in 2010 to 26.6% in 2024 while
its share of exports fell from 14.5% in 2017 to 7.6% in 2024) and be moved by gold,
a third to a half of the shipped country's exports, priced in London and sold
elsewhere. The law by direction follows each flow on its own::

    O_k = s_m,k * M_k + s_x,k * X_k
    M_k, X_k       the country's imports and its exports less gold, each a [trade.growth] law
    logit s_m,k    the partner's share of the country's imports, a logit AR(1) share law (sim.calibration.shares)
    logit s_x,k    the partner's share of its exports without gold, a logit AR(1) share law

Each law's parameters are drawn once per path (as :func:`simulate_structural`
does); the four processes are independent. The data are a direction file
(the shipped one is in ``seeds/``, :file:`docs/calibration.md`) with the series
``total_exports``, ``total_imports``, ``gold_exports`` and the split with the
partner, ``<pp>_exports_from_<cc>`` and ``<pp>_imports_to_<cc>`` (``pp`` the
partner's code, ``cc`` the country's, in lower case; found as
:func:`sim.calibration.context.split_series` finds them).

Statuses: the fits read confirmed, derived **and uncertain** figures by default
(:data:`DIRECTION_STATUSES`): on the shipped data, without the uncertain partner
splits of 2017 and 2024 neither share has the five transitions a share fit needs.

Where to make a change
----------------------
* The series read or how the shares are derived: :func:`load_directions`.
* The law, its fit, its simulation or its backtest step: here; the backtest's
  list of laws is :data:`sim.calibration.backtest.LAWS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any, NamedTuple

import numpy as np

from ..errors import UsageError
from ..history import CONTEXT_FILE, HistoryError, read_data_file
from .context import YearlySeries, split_series
from .growth import GrowthFit, fit_growth, simulate_organic
from .growth_likelihood import MODELS
from .series import MIN_OBSERVATIONS
from .shares import ShareFit, fit_share_law, simulate_shares

__all__ = [
    "DIRECTION_STATUSES",
    "DirectionData",
    "DirectionsFit",
    "DirectionPaths",
    "load_directions",
    "directions_from_arrays",
    "fit_directions",
    "simulate_directions",
    "direction_start",
    "direction_origins",
    "forecast_directions",
]

DIRECTION_STATUSES = ("confirmed", "derived", "uncertain")
"""Statuses the law by direction reads by default (claims are never read)."""
SERIES = ("total_exports", "total_imports", "gold_exports")
"""The country's totals the law needs, besides the split with the partner (:func:`sim.calibration.context.split_series`)."""


def _series(name: str, by_year: Mapping[int, float]) -> YearlySeries:
    """A :class:`YearlySeries` from ``{year: value}``, in increasing years."""
    years = sorted(by_year)
    return YearlySeries(name, np.array(years, dtype=np.int64), np.array([by_year[y] for y in years], dtype=float))


@dataclass(frozen=True)
class DirectionData:
    """The country's imports and non-gold exports and the partner's share of each, one value a year (gaps allowed).

    Attributes
    ----------
    imports : YearlySeries
        The country's imports from all partners ``M``, USD bn.
    exports_nongold : YearlySeries
        The country's exports less gold exports ``X``, USD bn (years with both published).
    imports_share : YearlySeries
        The country's imports from the partner over ``M`` (years with both).
    exports_share : YearlySeries
        The country's exports to the partner over ``X`` (years with both).
    source : str
        The file, reporter and statuses, for comments and backtest sources.
    """

    imports: YearlySeries
    exports_nongold: YearlySeries
    imports_share: YearlySeries
    exports_share: YearlySeries
    source: str = "given series"

    def until(self, year: int) -> DirectionData:
        """The data of the years up to and including ``year``."""
        return DirectionData(
            self.imports.until(year),
            self.exports_nongold.until(year),
            self.imports_share.until(year),
            self.exports_share.until(year),
            self.source,
        )


def directions_from_arrays(
    values: Mapping[str, Mapping[int, float]], source: str = "given series", partner: str | None = None
) -> DirectionData:
    """Derive :class:`DirectionData` from ``{series: {year: USD bn}}`` with the :data:`SERIES` and the split with the partner.

    Parameters
    ----------
    values : mapping
        ``{series: {year: USD bn}}``: :data:`SERIES` and ``<pp>_exports_from_<cc>``, ``<pp>_imports_to_<cc>``.
    source : str
        Where the values come from, for comments and backtest sources.
    partner : str, optional
        The partner's code (any case), where ``values`` hold the split with several
        (:func:`sim.calibration.context.split_series`); default: the only one.

    Raises
    ------
    UsageError
        A series is missing, non-gold exports are not positive, or a share is not strictly between 0 and 1.
    """
    split = split_series(values, partner)
    missing = [s for s in SERIES if s not in values]
    missing += [s for s in split or ("<partner>_exports_from_<country>", "<partner>_imports_to_<country>") if s not in values]
    if missing:
        raise UsageError(f"the law by direction needs the series {', '.join(missing)} (found: {', '.join(sorted(values)) or 'none'})")
    assert split is not None  # both split series are present, or missing named them
    exports_to, imports_from = split
    exports, imports, gold = values["total_exports"], values["total_imports"], values["gold_exports"]
    nongold = {y: exports[y] - gold[y] for y in exports if y in gold}
    bad = [y for y, v in nongold.items() if not v > 0]
    if bad:
        raise UsageError(f"gold exports are not below total exports in {', '.join(map(str, sorted(bad)))}")
    s_m = {y: v / imports[y] for y, v in values[imports_from].items() if y in imports}
    s_x = {y: v / nongold[y] for y, v in values[exports_to].items() if y in nongold}
    for name, share in (("the partner's share of imports", s_m), ("the partner's share of non-gold exports", s_x)):
        out = [y for y, v in share.items() if not 0.0 < v < 1.0]
        if out:
            raise UsageError(f"{name} must lie strictly between 0 and 1; it does not in {', '.join(map(str, sorted(out)))}")
    return DirectionData(
        _series("total_imports", imports),
        _series("exports_nongold", nongold),
        _series("imports_share", s_m),
        _series("exports_share", s_x),
        source,
    )


def _file_reporter(rows: Sequence[Mapping[str, Any]], partner: str | None) -> str:
    """The country whose trade a direction file gives: the ``<cc>`` of its split with the partner, upper case.

    Without a split series, the file's only reporter (several are a UsageError naming them).
    """
    split = split_series({r["series"] for r in rows}, partner)
    if split is not None and "<country>" not in split[0]:
        return split[0].rsplit("_from_", 1)[1].upper()
    reporters = sorted({str(r["reporter"]) for r in rows})
    if len(reporters) != 1:
        raise UsageError(f"no split with the partner to name the country, and the reporters are {', '.join(reporters) or 'none'}")
    return reporters[0]


def load_directions(
    path: str | Path, reporter: str | None = None, statuses: tuple[str, ...] = DIRECTION_STATUSES, partner: str | None = None
) -> DirectionData:
    """Read a direction file and derive the two shares.

    Every row is checked against :data:`sim.history.CONTEXT_FILE`; the rows of
    ``reporter`` with a status in ``statuses`` are kept, several figures of a
    year combined by their median.

    Parameters
    ----------
    path : str or Path
        CSV with the columns ``year, series, value_usd_bn, reporter, status`` (:data:`SERIES` and the split
        ``<pp>_exports_from_<cc>``, ``<pp>_imports_to_<cc>``).
    reporter : str, optional
        Whose figures are read; default: the country of the split (``cc`` in upper case), as the country
        reports its own trade.
    statuses : tuple of str
        Statuses kept.
    partner : str, optional
        The partner's code (any case), where the file holds the split with several; default: its only one.

    Raises
    ------
    HistoryError
        The file cannot be read, a row breaks the schema, a series is missing or a share falls outside (0, 1).
    """
    rows = read_data_file(path, CONTEXT_FILE)
    try:
        reporter = reporter if reporter is not None else _file_reporter(rows, partner)
    except ValueError as exc:
        raise HistoryError(f"{path}: {exc}") from None
    figures: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        if row["reporter"] == reporter and row["status"] in statuses:
            figures.setdefault(row["series"], {}).setdefault(row["year"], []).append(row["value_usd_bn"])
    values = {name: {y: median(v) for y, v in by_year.items()} for name, by_year in figures.items()}
    try:
        return directions_from_arrays(values, source=f"{path} (reporter {reporter}, {'/'.join(statuses)} figures)", partner=partner)
    except ValueError as exc:
        raise HistoryError(f"{path}: {exc}") from None


@dataclass(frozen=True)
class DirectionsFit:
    """The fitted law by direction: two growth laws and two share laws.

    Attributes
    ----------
    imports, exports : GrowthFit
        Growth laws of the country's imports and of its exports without gold.
    imports_share, exports_share : ShareFit
        Share laws of the partner's share of each.
    base_year : int
        Last year of the data fitted.
    """

    imports: GrowthFit
    exports: GrowthFit
    imports_share: ShareFit
    exports_share: ShareFit
    base_year: int

    @property
    def model(self) -> str:
        """Short description for backtest rows."""
        return f"imports {self.imports.model} x share, non-gold exports {self.exports.model} x share"

    def law(self) -> dict[str, Any]:
        """Plain tables: ``imports_growth``, ``exports_growth`` (``[trade.growth]`` shapes) and ``imports_share``, ``exports_share`` (share laws)."""
        return {
            "imports_growth": self.imports.growth_law(),
            "exports_growth": self.exports.growth_law(),
            "imports_share": self.imports_share.law(),
            "exports_share": self.exports_share.law(),
        }

    def to_json(self) -> dict[str, Any]:
        """Plain dict of the four fits."""
        return {
            "imports": self.imports.to_json(),
            "exports": self.exports.to_json(),
            "imports_share": self.imports_share.to_json(),
            "exports_share": self.exports_share.to_json(),
            "base_year": self.base_year,
        }


def fit_directions(data: DirectionData, models: Sequence[str] = MODELS, *, source: str | None = None) -> DirectionsFit:
    """Fit the growth laws of ``M`` and ``X`` and the share laws of ``s_m`` and ``s_x`` (years with data only; gaps as k-year steps).

    Raises
    ------
    UsageError
        Too few observations for one of the four fits (the message names it).
    """
    src = source or data.source
    parts = []
    for what, fit in (
        ("imports", lambda: fit_growth(data.imports.years, data.imports.values, models, source=f"{src}; total_imports")),
        (
            "non-gold exports",
            lambda: fit_growth(
                data.exports_nongold.years, data.exports_nongold.values, models, source=f"{src}; total_exports - gold_exports"
            ),
        ),
        (
            "the partner's share of imports",
            lambda: fit_share_law(
                data.imports_share.years, data.imports_share.values, source=f"{src}; imports from the partner / total_imports"
            ),
        ),
        (
            "the partner's share of non-gold exports",
            lambda: fit_share_law(
                data.exports_share.years,
                data.exports_share.values,
                source=f"{src}; exports to the partner / (total_exports - gold_exports)",
            ),
        ),
    ):
        try:
            parts.append(fit())
        except ValueError as exc:
            raise UsageError(f"{what}: {exc}") from None
    last = max(int(s.years[-1]) for s in (data.imports, data.exports_nongold, data.imports_share, data.exports_share))
    return DirectionsFit(*parts, base_year=last)


class DirectionPaths(NamedTuple):
    """Simulated paths of the law by direction, each of shape (paths, years), years 1 to ``years`` after the origin."""

    turnover: np.ndarray
    """Bilateral organic turnover ``s_m M + s_x X``, USD bn."""
    exports_share: np.ndarray
    """The country's exports to the partner over bilateral turnover."""
    imports_share: np.ndarray
    """The partner's share of the country's imports ``s_m``."""
    nongold_exports_share: np.ndarray
    """The partner's share of the country's exports without gold ``s_x``."""
    imports: np.ndarray
    """The country's imports ``M``, USD bn."""
    exports_nongold: np.ndarray
    """The country's exports without gold ``X``, USD bn."""


def direction_start(
    imports_usd_bn: float, exports_nongold_usd_bn: float, partner_imports_usd_bn: float, partner_exports_usd_bn: float
) -> dict[str, float]:
    """The ``start`` of :func:`simulate_directions` from the origin's four flows, USD bn."""
    return {
        "imports_usd_bn": float(imports_usd_bn),
        "exports_nongold_usd_bn": float(exports_nongold_usd_bn),
        "imports_share": partner_imports_usd_bn / imports_usd_bn,
        "exports_share": partner_exports_usd_bn / exports_nongold_usd_bn,
    }


def simulate_directions(
    law: Mapping[str, Any], start: Mapping[str, float], years: int, paths: int, rng: np.random.Generator
) -> DirectionPaths:
    """Organic bilateral turnover under the law by direction (vectorised).

    ``M`` and ``X`` follow their ``[trade.growth]`` laws as
    :func:`sim.calibration.simulate_organic` draws them, the two shares their
    share laws as :func:`sim.calibration.shares.simulate_shares` draws them,
    in that order from ``rng``, each parameter drawn once per path; the four
    are independent.

    Parameters
    ----------
    law : mapping
        :meth:`DirectionsFit.law`.
    start : mapping
        ``imports_usd_bn``, ``exports_nongold_usd_bn``, ``imports_share``, ``exports_share`` at the origin (:func:`direction_start`).
    years, paths : int
    rng : numpy.random.Generator

    Returns
    -------
    DirectionPaths
    """
    m = simulate_organic(law["imports_growth"], float(start["imports_usd_bn"]), years, paths, rng)
    x = simulate_organic(law["exports_growth"], float(start["exports_nongold_usd_bn"]), years, paths, rng)
    s_m = simulate_shares(law["imports_share"], float(start["imports_share"]), years, paths, rng)
    s_x = simulate_shares(law["exports_share"], float(start["exports_share"]), years, paths, rng)
    with_m, with_x = s_m * m, s_x * x  # the country's imports from and exports to the partner
    turnover = with_m + with_x
    return DirectionPaths(turnover, with_x / turnover, s_m, s_x, m, x)


def _fittable(data: DirectionData, origin: int, min_fit_points: int) -> bool:
    """True when every series has ``min_fit_points`` changes up to ``origin`` and all four are observed in it."""
    series = (data.imports, data.exports_nongold, data.imports_share, data.exports_share)
    return all(origin in s.years.tolist() and int(np.sum(s.years <= origin)) - 1 >= min_fit_points for s in series)


def direction_origins(data: DirectionData, min_fit_points: int = MIN_OBSERVATIONS) -> list[int]:
    """Years from which the law by direction can be fitted and a forecast started (all four series observed in it).

    Returns
    -------
    list of int
        Increasing.
    """
    return [int(y) for y in data.imports_share.years if _fittable(data, int(y), min_fit_points)]


def forecast_directions(
    data: DirectionData,
    origin: int,
    horizon: int,
    paths: int,
    rng: np.random.Generator,
    models: Sequence[str] = MODELS,
    source: str | None = None,
) -> tuple[DirectionsFit, np.ndarray]:
    """Fit the law by direction on the data up to ``origin`` and simulate bilateral turnover after it.

    Returns
    -------
    fit : DirectionsFit
    turnover : ndarray, shape (paths, horizon)
        USD bn, in years ``origin + 1`` to ``origin + horizon``.

    Raises
    ------
    UsageError
        ``origin`` lacks one of the four series.
    """
    known = data.until(origin)
    if not _fittable(known, origin, 0):
        raise UsageError(
            f"the law by direction starts from a year with imports, non-gold exports and both partner shares; {origin} lacks one"
        )
    fit = fit_directions(known, models, source=source)
    at = {s.name: s.as_dict()[origin] for s in (known.imports, known.exports_nongold, known.imports_share, known.exports_share)}
    start = {
        "imports_usd_bn": at["total_imports"],
        "exports_nongold_usd_bn": at["exports_nongold"],
        "imports_share": at["imports_share"],
        "exports_share": at["exports_share"],
    }
    return fit, simulate_directions(fit.law(), start, horizon, paths, rng).turnover
