"""Effects in words: an interval that includes zero cannot be told from zero, and why parts need not add to the whole."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["WHY_PARTS_EXCEED_WHOLE", "reading", "told_from_zero"]


def _includes_zero(low: float, high: float) -> bool:
    return not (math.isnan(low) or math.isnan(high)) and low <= 0.0 <= high


def told_from_zero(row: Any, which: str = "trade") -> str:
    """Words for an effect and its 95% interval: ``"cannot be told from zero"`` when the interval includes zero.

    ``which`` is ``"trade"`` (net, USD bn), ``"gross"`` or ``"p"`` (points).
    """
    low, high = {"trade": (row.trade_ci95_low, row.trade_ci95_high), "gross": (row.gross_ci95_low, row.gross_ci95_high)}.get(
        which, (row.ci95_low, row.ci95_high)
    )
    return "cannot be told from zero" if _includes_zero(low, high) else ""


def reading(row: Any) -> str:
    """A row's effects in words: which of its net trade, gross and points effects cannot be told from zero (95% interval)."""
    said = [
        f"{what} cannot be told from zero"
        for what, which in (("net", "trade"), ("gross", "gross"), ("points", "p"))
        if told_from_zero(row, which)
    ]
    return "; ".join(said)


WHY_PARTS_EXCEED_WHOLE = (
    "Parts need not add to the whole: items interact (a project funded takes capacity another would have used, so removing "
    "either one lets the other take its place and each looks small, or removing one frees finance others use and it looks "
    "negative: crowding out), and P(target) moves only where a path crosses the threshold, so points are not additive "
    "even where USD bn are. Gross is an item's own flows in the year (on levels); net is baseline less the world without "
    "it, its flows less what its absence gives others."
)
"""The caveat printed with every attribution table and report."""
