"""Reaching the target: one spelling of "at or above in the year" and "reached by the year" (sim.engine.trade)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from sim.engine import at_or_above, reached_by

SIM = Path(__file__).resolve().parents[1] / "sim"
HOME = SIM / "engine" / "trade.py"

# two paths over five years, target 10 USD bn: the first reaches it in year 1 and dips below after;
# the second touches it exactly in year 3 (equality counts); NaN is never at or above
VALUES = np.array([[9.0, 11.0, 8.0, 9.5, 12.0], [1.0, 2.0, np.nan, 10.0, 3.0]])


def test_at_or_above_is_year_by_year_and_counts_equality():
    assert at_or_above(VALUES, 10.0).tolist() == [[False, True, False, False, True], [False, False, False, True, False]]


def test_reached_by_stays_reached_after_a_dip_below_the_target():
    assert reached_by(VALUES, 10.0).tolist() == [[False, True, True, True, True], [False, False, False, True, True]]


def test_reached_by_keeps_the_shape_and_runs_along_the_last_axis():
    stacked = np.stack([VALUES, VALUES - 1.0])  # (scenarios, paths, years)
    out = reached_by(stacked, 10.0)
    assert out.shape == stacked.shape and out.dtype == bool
    assert out[0].tolist() == reached_by(VALUES, 10.0).tolist()
    assert out[1].tolist() == [[False, True, True, True, True], [False] * 5]
    assert reached_by(VALUES[0], 10.0).tolist() == [False, True, True, True, True]  # one path, shape (years,)


def test_reached_by_year_k_is_any_year_up_to_k_at_or_above():
    rng = np.random.default_rng(0)
    values = rng.normal(10.0, 2.0, size=(50, 8))
    for k in range(8):
        assert (reached_by(values, 10.0)[:, k] == np.any(values[:, : k + 1] >= 10.0, axis=1)).all()


def _comparisons_with_the_target(tree: ast.AST) -> list[int]:
    """Lines comparing a value with a target (``x >= target``, ``target <= x``) or accumulating a maximum."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators, strict=True):
                pairs = [(left, right)] if isinstance(op, ast.GtE) else [(right, left)] if isinstance(op, ast.LtE) else []
                for value, bound in pairs:
                    if "target" in ast.unparse(bound) and not isinstance(value, ast.Constant):
                        lines.append(node.lineno)
                left = right
        elif isinstance(node, ast.Attribute) and node.attr == "accumulate" and ast.unparse(node.value).endswith(("maximum", "logical_or")):
            lines.append(node.lineno)
    return lines


def test_the_comparison_with_the_target_is_written_only_in_the_engine():
    found = [
        f"{path.relative_to(SIM.parent)}:{line}"
        for path in sorted(SIM.rglob("*.py"))
        if path != HOME
        for line in _comparisons_with_the_target(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert found == [], f"use sim.engine.reached_by / at_or_above instead: {found}"
    assert _comparisons_with_the_target(ast.parse(HOME.read_text(encoding="utf-8")))  # the scan sees the one place it is
