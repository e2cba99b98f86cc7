"""A counterfactual without an item that touches no finance, taken from the baseline's draws and events instead of re-simulated.

Removing a measure, or a named project that asks no lender (operating or
under construction at the start, or financed by its own company's money),
changes no one's finance: every other entity draws the same numbers from its
own keyed stream (common random numbers) and the lenders' queues hold the same
requests. The variant's draws and event log of a path are then the
baseline's with the item's entries deleted (:func:`without`), and assembling
them gives the variant's trade to the bit, at the cost of assembly alone
(the finance model, most of a path's time, is not run again).
``tests/test_attribute.py`` checks the identity against full simulation.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np

from .model import EventLog
from .portfolio_draws import FlagshipInputs
from .sampling import PathInputs

__all__ = ["Removal", "without"]


class Removal(NamedTuple):
    """An item whose removal touches no finance: ``kind`` ``"project"`` (a named project's index) or ``"measure"`` (a measure's)."""

    kind: str
    index: int


def without(x: PathInputs, log: EventLog, removal: Removal) -> tuple[PathInputs, EventLog]:
    """A path's draws and events with the item deleted, as the variant without it draws and simulates them."""
    j = removal.index
    if removal.kind == "measure":
        return (
            dataclasses.replace(x, measure_effect_usd_bn=np.delete(x.measure_effect_usd_bn, j)),
            dataclasses.replace(log, measure_start=np.delete(log.measure_start, j)),
        )
    flagships = FlagshipInputs(*(np.delete(getattr(x.flagships, f.name), j, axis=0) for f in dataclasses.fields(FlagshipInputs)))
    fin = log.finance
    # named requests point into the flagship arrays: those after the deleted project move up one
    index = np.where((fin.kind == 0) & (fin.index > j), fin.index - 1, fin.index)
    return (
        dataclasses.replace(x, flagships=flagships),
        dataclasses.replace(
            log,
            flagship_start=np.delete(log.flagship_start, j),
            flagship_end=np.delete(log.flagship_end, j),
            flagship_stop=np.delete(log.flagship_stop, j),
            finance=dataclasses.replace(fin, index=index),
        ),
    )
