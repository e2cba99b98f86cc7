"""How much narrower a paired difference is than one from two independent runs.

    python benchmarks/paired_gain.py [BASE.toml OTHER.toml] [--paths N]

Runs the two scenarios on common random numbers (`coopsim compare`) and, for
contrast, each on its own seed (two independent runs of the same size), and
prints per year the 95% half-width of the difference in P(target reached by
the year) both ways and their ratio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim import load_scenario, simulate
from sim.studies.compare import compare

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenarios", nargs="*", default=[str(ROOT / "scenarios/uz_cn_2025.toml"), str(ROOT / "scenarios/uz_cn_railway_late.toml")]
    )
    parser.add_argument("--paths", type=int, default=10_000)
    args = parser.parse_args()
    base, other = (load_scenario(p) for p in args.scenarios)
    seed = base.run.seed
    paired = compare([base, other], paths=args.paths, seed=seed, progress=False)
    independent = [
        simulate(base, paths=args.paths, seed=seed, progress=False),
        simulate(other, paths=args.paths, seed=seed + 1, progress=False),
    ]
    print(f"{other.name} minus {base.name}, {args.paths:,} paths each; 95% half-width of the difference in P(reached by year), points")
    print(f"{'year':>6}{'difference':>12}{'paired':>10}{'independent':>13}{'ratio':>8}")
    ratios = []
    for year in paired.data["years"]:
        d = paired.data["differences"][other.name]["p_reach_by_year"][year]
        paired_half = (d["ci95"][1] - d["ci95"][0]) / 2
        halves = [(r.summary["p_reach_by_year"][year]["ci95"][1] - r.summary["p_reach_by_year"][year]["ci95"][0]) / 2 for r in independent]
        independent_half = float(np.hypot(*halves))
        ratio = independent_half / paired_half if paired_half > 0 else float("inf")
        if independent_half > 0.005:
            ratios.append(ratio)
        print(f"{year:>6}{100 * d['diff']:>+12.2f}{100 * paired_half:>10.2f}{100 * independent_half:>13.2f}{ratio:>8.1f}")
    print(f"median ratio over years where the target is neither impossible nor certain: {np.median(ratios):.1f}")


if __name__ == "__main__":
    main()
