"""Writing fitted laws as TOML blocks a scenario can include.

Every fit of the package ends in a block: comment lines naming the data, the
estimates and their standard errors, then a table whose uncertain values are
distribution tables drawn once per path. The helpers here write the values
(:func:`toml_value`, numbers rounded by :func:`significant`), the comments
(:func:`year_ranges`, :func:`se_text`) and the bounded stand-in of a lognormal
that the schema accepts (:func:`lognormal_as_pert`).

Where to make a change
----------------------
* How a number or a table is written: :func:`toml_value`, :func:`significant`, :func:`toml_block`.
* The comments and tables of one law: its fit's ``block`` method
  (:class:`sim.calibration.GrowthFit`, :class:`sim.calibration.ShareFit`, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import optimize, special

from ..distributions import Z90
from ..errors import UsageError

__all__ = [
    "SD_MAX",
    "significant",
    "significant_table",
    "toml_value",
    "toml_block",
    "year_ranges",
    "se_text",
    "pert_quantiles",
    "lognormal_as_pert",
]

SD_MAX = 5.0
"""Largest ``sd`` of a growth law the scenario schema accepts for every value of its distribution (log points a year)."""

_Z999 = float(special.ndtri(0.999))


def significant(x: float, digits: int = 6) -> float:
    """``x`` rounded to ``digits`` significant digits."""
    return float(f"{x:.{digits}g}")


def significant_table(table: dict[str, Any]) -> dict[str, Any]:
    """A distribution table with its numbers rounded to 6 significant digits (``dist`` kept)."""
    return {k: (v if isinstance(v, str) else significant(v)) for k, v in table.items()}


def _toml_number(x: float) -> str:
    """A float as TOML writes it: always with a decimal point or an exponent."""
    text = repr(float(x))
    return text if ("." in text or "e" in text or "n" in text) else text + ".0"


def toml_value(value: Any) -> str:
    """A value of a block as TOML: a quoted string, an inline table, or a float.

    Parameters
    ----------
    value : str, dict or float
        A reporter code, a distribution table (``{"dist": "normal", ...}``) or a number.
    """
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return _toml_number(value)


def toml_block(comments: Sequence[str], title: str, table: Mapping[str, Any]) -> str:
    """A TOML table under its comments: the comment lines, ``[title]``, then one ``key = value`` line a key.

    Parameters
    ----------
    comments : sequence of str
        Lines starting with ``#`` (a line may hold several, joined by newlines).
    title : str
        The table's dotted name, e.g. ``"trade.growth"``.
    table : mapping
        Values of the table (:func:`toml_value`).

    Returns
    -------
    str
        The block, ending with a newline.
    """
    lines = [*comments, f"[{title}]", *(f"{k} = {toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


def year_ranges(years: Sequence[int]) -> str:
    """``[2010, 2011, 2013, 2016, 2017, 2018]`` -> ``"2010-2011, 2013, 2016-2018"``."""
    parts: list[str] = []
    start = prev = None
    for y in years:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = y
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


def se_text(x: float | None) -> str:
    """A standard error for a comment line: four decimals, ``n/a`` when not estimated (None) or not identified (NaN)."""
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.4f}"


def pert_quantiles(a: float, mode: float, b: float, lamb: float, q: np.ndarray) -> np.ndarray:
    """Exact quantiles of the PERT on ``[a, b]`` with ``mode`` and shape ``lamb``, at probabilities ``q`` (any shape)."""
    span = b - a
    alpha = 1.0 + lamb * (mode - a) / span
    beta = 1.0 + lamb * (b - mode) / span
    return a + span * special.betaincinv(alpha, beta, q)


def lognormal_as_pert(median: float, log_sd: float, cap: float = SD_MAX) -> dict[str, Any]:
    """A PERT table with the median and 90th percentile of a lognormal, on its 0.1-99.9% range.

    The scenario schema accepts for ``trade.growth.sd`` only distributions
    whose every value lies in [0, 5]; an unbounded lognormal is refused. This
    bounded stand-in has ``min`` and ``max`` at the lognormal's 0.1% and 99.9%
    quantiles (``max`` at most ``cap``) and ``mode`` and ``lamb`` solved so that
    its median and 90th percentile equal the lognormal's.

    Parameters
    ----------
    median : float
        Median of the lognormal (log points a year for a growth sd), > 0.
    log_sd : float
        Standard deviation of its logarithm, > 0.
    cap : float
        Largest allowed value.

    Returns
    -------
    dict
        ``{"dist": "pert", "min", "mode", "max", "lamb"}``. When the two
        quantiles cannot both be matched (a very wide lognormal cut at ``cap``)
        it is the least-squares compromise on the log scale; check with
        ``Pert(**table).ppf([0.5, 0.9])``.
    """
    if not (median > 0 and log_sd > 0 and math.isfinite(median) and math.isfinite(log_sd)):
        raise UsageError(f"lognormal_as_pert needs a positive median and log_sd (got {median}, {log_sd})")
    a = median * math.exp(-_Z999 * log_sd)
    b = min(median * math.exp(_Z999 * log_sd), cap)
    if not b > median:
        raise UsageError(f"the lognormal's median {median:g} is not below the cap {cap:g}")
    p90 = median * math.exp(Z90 * log_sd)
    target = np.log([median, p90])
    q = np.array([0.5, 0.9])

    def residual(x: np.ndarray) -> np.ndarray:
        w = special.expit(x[0])
        return np.log(pert_quantiles(a, a + w * (b - a), b, math.exp(x[1]), q)) - target

    mode_ln = median * math.exp(-log_sd * log_sd)
    w0 = min(max((mode_ln - a) / (b - a), 0.02), 0.98)
    sol = optimize.least_squares(residual, [special.logit(w0), math.log(4.0)], xtol=1e-12, ftol=1e-12)
    mode, lamb = a + float(special.expit(sol.x[0])) * (b - a), math.exp(float(sol.x[1]))
    return {"dist": "pert", "min": a, "mode": mode, "max": b, "lamb": lamb}
