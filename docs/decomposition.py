"""How the headline moved from step 7's 72% to the reference, one change at a time.

Runs the chain of scenarios below on the same seed and paths (10,000 by default) and prints a
Markdown table of P($20 bn by 2026, 2028, 2030) at each step, first passage and "at or above
in the year". The first row is step 7's published figure (commit 8633522), not re-run. Every
row but the last has the finance of step 8 (``benchmarks/step8_finance.py``: four lenders of fixed yearly
capacity, projects that wait for ever) and states its base year and observation in the file (the form
before step 13, ``tests/helpers.py: stated_reference_text``); the last two are step 10's finance, stated,
and the reference as it is, the view as of 10 September 2025 whose nowcast is learnt from the record.

    python docs/decomposition.py [--paths N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from sim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
from helpers import stated_reference_text  # noqa: E402
from step8_finance import with_step8_finance  # noqa: E402

STEP7 = {"2026": (0.338, None), "2028": (0.724, None), "2030": (0.858, None)}
"""Step 7's reference (README of commit 8633522): first passage only."""


def chain(stated_folder: Path) -> list[tuple[str, object]]:
    """The scenarios from the random-walk law of step 7 to the reference, each one change further."""
    walk = with_step8_finance(load_scenario(stated_folder / "uz_cn_random_walk.toml"))
    stated = load_scenario(stated_folder / "uz_cn_2025.toml")
    reference = with_step8_finance(stated)
    step7 = {"trade.growth.mean": {"dist": "normal", "mean": 0.111, "sd": 0.0497}, "trade.observed.revision_sd": 0.0}
    return [
        (
            "observation counted once (its months' total fixed; flows of those months explain part of it), "
            "random walk with step 7's organic mean 0.111, backlog asking for finance on 1 January 2025",
            walk.replace({**step7, "portfolio.backlog.request_years": 0.0}),
        ),
        ("+ the backlog asking for finance over 2025-2029 instead", walk.replace(step7)),
        ("+ a drawn revision of the preliminary figure (sd 0.02)", walk.replace({"trade.growth.mean": step7["trade.growth.mean"]})),
        ("+ the random walk recalibrated on whole years (organic mean 0.114): `uz_cn_random_walk`", walk),
        (
            "structural law: Uzbekistan's total trade x China's share, the share's long run as fitted (0.186)",
            reference.replace({"trade.structural.share.long_run": {"dist": "logitnormal", "median": 0.185954, "p90": 0.192157}}),
        ),
        ("+ the share's organic long run less what the modelled flows add (0.164): the reference of step 8", reference),
        (
            "+ finance of step 10: lenders at their record (lumpy policy banks whose unused capacity lapses, "
            "Chinese investment and Uzbek co-finance that grow and fall with shocks), patience: step 10's reference",
            stated,
        ),
        (
            "+ the view as of 10 September 2025: the nowcast of 2025 learnt from the dated record, the ministry's "
            "figure revised with sd 0.05: the reference `uz_cn_2025`",
            load_scenario(ROOT / "scenarios" / "uz_cn_2025.toml"),
        ),
    ]


def stated_scenarios(folder: Path) -> Path:
    """The reference in its stated form and the random-walk variant extending it, beside a copy of ``seeds/``."""
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    scenarios = folder / "scenarios"
    scenarios.mkdir()
    (scenarios / "uz_cn_2025.toml").write_text(stated_reference_text(), encoding="utf-8")
    shutil.copy(ROOT / "scenarios" / "uz_cn_random_walk.toml", scenarios)
    return scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    args = parser.parse_args()
    years = ("2026", "2028", "2030")
    print("| step | " + " | ".join(f"by {y}" for y in years) + " | " + " | ".join(f"in {y}" for y in years) + " |")
    print("|---|" + "---|" * (2 * len(years)))
    print(
        "| step 7 reference (random walk, organic mean 0.111; observation as organic growth) | "
        + " | ".join(f"{STEP7[y][0]:.1%}" for y in years)
        + " | n/a | n/a | n/a |"
    )
    with tempfile.TemporaryDirectory() as folder:
        for label, scenario in chain(stated_scenarios(Path(folder))):
            s = simulate(scenario, paths=args.paths, seed=20250902, progress=False).summary
            first = " | ".join(f"{s['p_reach_by_year'][y]['p']:.1%}" for y in years)
            above = " | ".join(f"{s['p_above_in_year'][y]['p']:.1%}" for y in years)
            print(f"| {label} | {first} | {above} |")


if __name__ == "__main__":
    main()
