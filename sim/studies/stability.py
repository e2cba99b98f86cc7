"""How stable a search's choice is: the search rerun on twice the paths and on a second seed, and its verdict in words.

A choice found on ``N`` search paths (sample-average approximation) is the
best on those paths; where candidates differ by less than the Monte Carlo noise
another set of paths picks another. The reruns (:func:`reruns`) are the
search on ``2N`` paths of the same seed and on ``N`` paths of ``seed + 1``;
:func:`stability_table` lays them beside the first search and
:func:`stability_sentence` says "stable" or "not stable" in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd

__all__ = [
    "STABILITY_COLUMNS",
    "describe_choice",
    "rerun_rows",
    "reruns",
    "stability_from_records",
    "stability_sentence",
    "stability_table",
]

Choice = TypeVar("Choice")

STABILITY_COLUMNS = ("paths", "seed", "chosen", "same_first", "same_choice")
"""The stability table: each search's paths and seed, its choice in words, and whether its first item and whole choice match the first search's."""


def reruns(paths: int, seed: int) -> list[tuple[int, int]]:
    """The reruns of a search on ``paths`` paths of ``seed``: twice the paths, then a second seed."""
    return [(2 * paths, seed), (paths, seed + 1)]


def describe_choice(chosen: Sequence[str]) -> str:
    """A choice in words, its items in order separated by commas; ``nothing`` if empty."""
    return ", ".join(chosen) or "nothing"


def rerun_rows(
    first: tuple[int, int, Choice],
    again: Sequence[tuple[int, int, Choice]],
    lead: Callable[[Choice], Any],
    words: Callable[[Choice], str],
    same: Callable[[Choice, Choice], bool],
) -> list[tuple[Any, ...]]:
    """The first search and each rerun as ``(paths, seed, lead, words, same_first, same_choice)``, compared with the first.

    Parameters
    ----------
    first, again : (paths, seed, choice)
        The first search and its reruns (:func:`reruns`).
    lead : callable
        A choice's first item (what ``same_first`` compares).
    words : callable
        A choice in words.
    same : callable
        Whether two choices are the same (``same_choice``).
    """
    paths, seed, chosen = first
    rows: list[tuple[Any, ...]] = [(paths, seed, lead(chosen), words(chosen), True, True)]
    for m, other, picked in again:
        rows.append((m, other, lead(picked), words(picked), lead(picked) == lead(chosen), same(picked, chosen)))
    return rows


def stability_table(paths: int, seed: int, chosen: Sequence[str], again: Sequence[tuple[int, int, Sequence[str]]]) -> pd.DataFrame:
    """The first search (``paths``, ``seed``, ``chosen``) and each rerun ``(paths, seed, chosen)`` with whether they match it.

    ``same_choice`` asks for the same items in the same order: a priority list is ordered.
    An empty ``again`` (no reruns asked for) gives an empty table.
    """
    if not again:
        return pd.DataFrame([], columns=list(STABILITY_COLUMNS))
    rows = [
        (m, other, words, same_first, same_choice)
        for m, other, _, words, same_first, same_choice in rerun_rows(
            (paths, seed, chosen), again, lambda c: c[0] if c else None, describe_choice, lambda a, b: list(a) == list(b)
        )
    ]
    return pd.DataFrame(rows, columns=list(STABILITY_COLUMNS)).astype({"paths": int, "seed": int, "same_first": bool, "same_choice": bool})


def stability_from_records(records: Sequence[Mapping[str, Any]] | None) -> pd.DataFrame:
    """The stability table from JSON records; an empty table for a folder written before it existed (``None``)."""
    rows = [[r[c] for c in STABILITY_COLUMNS] for r in records or ()]
    frame = pd.DataFrame(rows, columns=list(STABILITY_COLUMNS))
    return frame.astype({"paths": int, "seed": int, "same_first": bool, "same_choice": bool}) if rows else frame


def stability_sentence(table: pd.DataFrame, what: str = "choice") -> str:
    """The verdict in one sentence: ``stable`` when every rerun made the same choice, else ``not stable`` and how to read it; empty without reruns."""
    if len(table) < 2:
        return ""
    if bool(table["same_choice"].all()):
        return f"stable: the same {what} on twice the paths and on a second seed"
    first = "the same first item" if bool(table["same_first"].all()) else "a different first item"
    return (
        f"not stable: the reruns on twice the paths and on a second seed make a different {what} ({first}); the candidates "
        f"differ by less than the Monte Carlo noise, so read the {what} as one of several about equally good, and its gain "
        "on fresh paths as what such a choice adds"
    )
