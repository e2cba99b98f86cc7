"""The country's trade with all partners and its split with the partner (a context file, ``seeds/<country>_trade_context.csv``).

The context file has the columns ``year, series, value_usd_bn, reporter,
status, source``; one row is one published figure of one series in one year.
The series used here:

* ``total_turnover``: the country's trade with all partners, USD bn;
* ``<pp>_exports_from_<cc>`` and ``<pp>_imports_to_<cc>``: the country's exports to the partner and its
  imports from the partner, USD bn (``pp`` the partner's code, ``cc`` the country's, in lower case).
  A file may hold the split with several partners; the partner is then named (:func:`split_series`).

Two shares are derived from them (:func:`partner_share`, :func:`exports_share`)
for the structural organic law (:mod:`sim.calibration.structural`) and the split of
bilateral turnover into exports and imports (:mod:`sim.calibration.split`).

Where to make a change
----------------------
* A new series of the context file: its name here and its field of :class:`TradeContext`.
* How the CSV itself is read and checked: :func:`sim.history.read_data_file` and :data:`sim.history.CONTEXT_FILE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import numpy as np

from ..errors import UsageError
from ..history import CONTEXT_FILE, STATISTICAL_STATUSES, HistoryError, load_history, main_reporter, read_data_file

__all__ = ["YearlySeries", "TradeContext", "load_context", "load_trade_context", "partner_share", "exports_share", "split_series"]

TOTAL_TURNOVER = "total_turnover"
_EXPORTS = re.compile(r"^([a-z0-9]+)_exports_from_([a-z0-9]+)$")
"""A series of the country's exports to one partner: ``<partner>_exports_from_<country>``."""


@dataclass(frozen=True)
class YearlySeries:
    """One value a year, in increasing years (gaps allowed).

    Attributes
    ----------
    name : str
        What the values are (a ``series`` name of the context file, or a derived share).
    years : ndarray of int, shape (n,)
        Calendar years, strictly increasing.
    values : ndarray of float, shape (n,)
        USD bn for trade flows, a fraction in (0, 1) for shares.
    """

    name: str
    years: np.ndarray
    values: np.ndarray

    def until(self, year: int) -> YearlySeries:
        """The values of the years up to and including ``year``."""
        keep = self.years <= year
        return YearlySeries(self.name, self.years[keep], self.values[keep])

    def as_dict(self) -> dict[int, float]:
        """``{year: value}``."""
        return {int(y): float(v) for y, v in zip(self.years, self.values, strict=True)}


def _series(name: str, by_year: dict[int, float]) -> YearlySeries:
    """A :class:`YearlySeries` from ``{year: value}``, in increasing years."""
    years = sorted(by_year)
    return YearlySeries(name, np.array(years, dtype=np.int64), np.array([by_year[y] for y in years], dtype=float))


def load_context(path: str | Path, statuses: tuple[str, ...] = STATISTICAL_STATUSES, since: int | None = None) -> dict[str, YearlySeries]:
    """Every series of a context CSV, one value a year.

    Parameters
    ----------
    path : str or Path
        CSV with the columns ``year, series, value_usd_bn, reporter, status``
        (``seeds/<country>_trade_context.csv``). Every row is checked against
        :data:`sim.history.CONTEXT_FILE`, whatever its status.
    statuses : tuple of str
        Statuses kept (default: confirmed and derived figures; claims and
        uncertain figures are left out).
    since : int, optional
        First calendar year kept.

    Returns
    -------
    dict of str to YearlySeries
        By ``series`` name, each with the years that have a kept figure;
        several figures for one year (releases, sources, reporters) are
        combined by their median. Values in the file's unit (USD bn; percent
        for a ``..._pct`` series).

    Raises
    ------
    HistoryError
        The file cannot be read, or a row breaks the schema (every problem,
        each naming the line and the column; :func:`sim.history.read_data_file`).
    """
    figures: dict[str, dict[int, list[float]]] = {}
    for row in read_data_file(path, CONTEXT_FILE):
        name, year = row["series"], row["year"]
        if row["status"] in statuses and (since is None or year >= since):
            figures.setdefault(name, {}).setdefault(year, []).append(row["value_usd_bn"])
    return {name: _series(name, {y: median(v) for y, v in by_year.items()}) for name, by_year in figures.items()}


def split_series(names: Iterable[str], partner: str | None = None) -> tuple[str, str] | None:
    """The names of the series of the country's exports to and imports from the partner, or None if the file has none.

    ``names`` are the series of a context file; ``partner`` a code (any case). Without ``partner``, the
    file's only partner with an exports series; several are a UsageError naming them.
    """
    pairs = sorted({m.groups() for m in map(_EXPORTS.match, names) if m})
    if partner is not None:
        pairs = [p for p in pairs if p[0] == partner.lower()]
        if not pairs:
            return (f"{partner.lower()}_exports_from_<country>", f"{partner.lower()}_imports_to_<country>")
    if len(pairs) > 1:
        raise UsageError(f"the split with several partners ({', '.join(p for p, _ in pairs)}): name one with --partner")
    if not pairs:
        return None
    p, c = pairs[0]
    return f"{p}_exports_from_{c}", f"{p}_imports_to_{c}"


def partner_share(bilateral: YearlySeries, total: YearlySeries) -> YearlySeries:
    """The partner's share of the country's turnover, ``bilateral / total``, in the years both have a value.

    A published share (a ``..._pct`` series) is not used: the ratio keeps
    ``bilateral = share * total`` exact in every year, which the structural
    law (:mod:`sim.calibration.structural`) relies on when it starts a forecast from the
    observed bilateral and total values. On the shipped data the two differ by
    at most 0.32 percentage points (2022: 9.06 / 50.01 = 18.12% against a
    published 17.8%; tested).

    Parameters
    ----------
    bilateral : YearlySeries
        Bilateral turnover, USD bn (:func:`sim.history.load_history`).
    total : YearlySeries
        The reporter's turnover with all partners, USD bn.

    Returns
    -------
    YearlySeries
        Shares in (0, 1), named ``"partner_share"``.

    Raises
    ------
    UsageError
        A bilateral value is not below the total of the same year.
    """
    totals = total.as_dict()
    ratio = {y: v / totals[y] for y, v in bilateral.as_dict().items() if y in totals}
    _check_fractions("partner_share", ratio)
    return _series("partner_share", ratio)


def exports_share(exports: YearlySeries, imports: YearlySeries) -> YearlySeries:
    """Exports as a share of bilateral turnover, ``exports / (exports + imports)``, where both are published.

    Parameters
    ----------
    exports, imports : YearlySeries
        The country's exports to the partner and its imports from the partner, USD bn.

    Returns
    -------
    YearlySeries
        Shares in (0, 1), named ``"exports_share"``.
    """
    imp = imports.as_dict()
    share = {y: v / (v + imp[y]) for y, v in exports.as_dict().items() if y in imp}
    return _series("exports_share", share)


def _check_fractions(name: str, values: dict[int, float]) -> None:
    """A UsageError naming the years where a share is not strictly between 0 and 1."""
    bad = [y for y, v in values.items() if not 0.0 < v < 1.0]
    if bad:
        raise UsageError(f"{name} must lie strictly between 0 and 1; it does not in {', '.join(map(str, bad))}")


@dataclass(frozen=True)
class TradeContext:
    """The series the structural law and the exports split are fitted to.

    Attributes
    ----------
    bilateral : YearlySeries
        Bilateral turnover of the reporter, USD bn (the history CSV).
    total : YearlySeries
        The country's turnover with all partners, USD bn (``total_turnover``).
    partner_share : YearlySeries
        ``bilateral / total`` in the years both exist (:func:`partner_share`).
    exports_share : YearlySeries
        The country's exports to the partner over bilateral exports plus imports, where both
        are published (:func:`exports_share`).
    source : str
        The two files, reporter and statuses, for the blocks' comments.
    """

    bilateral: YearlySeries
    total: YearlySeries
    partner_share: YearlySeries
    exports_share: YearlySeries
    source: str


def _required(series: dict[str, YearlySeries], names: Iterable[str], path: Path) -> list[YearlySeries]:
    """The named series of the context file, in order; a HistoryError naming the missing ones and those found."""
    missing = [n for n in names if n not in series]
    if missing:
        have = ", ".join(sorted(series)) or "none"
        raise HistoryError(f"{path}: no confirmed or derived figures of {', '.join(missing)} (series found: {have})")
    return [series[n] for n in names]


def load_trade_context(
    context_path: str | Path,
    history_path: str | Path,
    reporter: str | None = None,
    since: int | None = None,
    statuses: tuple[str, ...] = STATISTICAL_STATUSES,
    partner: str | None = None,
) -> TradeContext:
    """Read the context CSV and the bilateral history, and derive the partner's share and the exports share.

    Parameters
    ----------
    context_path : str or Path
        Context CSV (:func:`load_context`); needs the ``total_turnover`` series and the
        split with the partner (:func:`split_series`).
    history_path : str or Path
        Bilateral history CSV (:func:`sim.history.load_history`).
    reporter : str, optional
        Reporter of the bilateral figures; default: the history's main reporter (:func:`sim.history.main_reporter`).
    since : int, optional
        First calendar year used in every series.
    statuses : tuple of str
        Statuses kept in both files.
    partner : str, optional
        The partner's code, to choose its split where the file holds several (:func:`split_series`).

    Returns
    -------
    TradeContext

    Raises
    ------
    HistoryError
        A file cannot be read, a series is missing, or a share falls outside (0, 1).
    """
    p = Path(context_path)
    reporter = reporter if reporter is not None else main_reporter(history_path, statuses)
    series = load_context(p, statuses, since)
    try:
        split = split_series(series, partner)
    except ValueError as exc:
        raise HistoryError(f"{p}: {exc}") from None
    names = split or ("<partner>_exports_from_<country>", "<partner>_imports_to_<country>")
    total, exports, imports = _required(series, (TOTAL_TURNOVER, *names), p)
    history = {y: v for y, v in load_history(history_path, reporter, statuses) if since is None or y >= since}
    bilateral = _series(f"bilateral ({reporter})", history)
    try:
        share = partner_share(bilateral, total)
    except ValueError as exc:
        raise HistoryError(f"{p} and {history_path}: {exc}") from None
    kept = "/".join(statuses)
    source = f"{p} ({kept} figures, duplicates by median) with {history_path}, reporter {reporter}" + (f", since {since}" if since else "")
    return TradeContext(bilateral=bilateral, total=total, partner_share=share, exports_share=exports_share(exports, imports), source=source)
