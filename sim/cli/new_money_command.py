"""``coopsim new-money``: where additional finance adds most to P(target by year), its terminal table and its results folder.

The folder (written whole or not at all, :func:`sim.results.write_folder`):
``new_money.json`` (everything), ``options.csv`` (each use's first step),
``plan.csv`` (the greedy steps), ``shadow_prices.csv``, the chart ``new_money.png`` and
``.svg`` (:func:`sim.plots.new_money.new_money_chart`) and ``manifest.json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

from ..plots import DPI
from ..plots.new_money import new_money_chart
from ..results import write_folder, write_json
from ..results.folder import write_table
from ..studies.new_money import NewMoney, new_money
from .common import destination, finish, load_scenario_arg, record_scenarios, run_options
from .tables import stability_lines

__all__ = ["new_money_command", "new_money_table", "write_new_money"]


def _points(d: float, lo: float, hi: float) -> str:
    return f"{100 * d:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}]"


def new_money_table(result: NewMoney) -> str:
    """The terminal table: the plan, what it and reordering do on fresh paths (in words), the shadow prices and the stability."""
    years = f"{result.money_years[0]}-{result.money_years[-1]}" if len(result.money_years) > 1 else str(result.money_years[0])
    lines = [
        f"{result.scenario}: where {result.budget_usd_bn:g} USD bn of new money adds most to P(target {result.target_usd_bn:g} USD bn "
        f"reached by {result.year}), in tranches of {result.tranche_usd_bn:g} ({result.paths:,} search paths, seed {result.seed}; "
        f"lender money spread over {years})",
        "",
        f"  reordering alone: {', '.join(result.reorder) or 'none gains'}",
        f"  new money, on top of it: {result.plan_words}",
    ]
    lines += [
        f"    {int(r.step)}. {r.option} ({r.kind}, {r.cost_usd_bn:g} USD bn): {100 * r.p_search:.1f}% on the search paths"
        for r in result.plan.itertuples()
    ]
    spent = float(result.plan["cost_usd_bn"].sum())
    if spent < result.budget_usd_bn - 1e-9:
        lines.append(f"    {result.budget_usd_bn - spent:g} USD bn left: no further use raised P on the search paths")
    lines += ["", f"  on {result.paths:,} fresh paths (baseline {100 * result.baseline_p:.1f}%):"]
    names = {"reorder": "reordering alone", "plan": "new money and reordering", "plan_vs_reorder": "new money over reordering alone"}
    for r in result.comparisons.itertuples():
        lines.append(f"    {names[r.comparison]:<32}{_points(r.difference, r.ci95_low, r.ci95_high):<30}{r.verdict}")
    lines += ["", f"  shadow prices, points of P per USD bn of capacity ({result.delta_usd_bn:g} USD bn more, fresh paths):"]
    for r in result.shadow_prices.itertuples():
        lines.append(f"    {r.lender:<32}{_points(r.per_usd_bn, r.ci95_low, r.ci95_high):<30}{r.verdict}")
    if len(result.stability) > 1:
        lines += ["", "  stability of the choice:", *stability_lines(result.stability, "plan", "same_plan", "use", "plan")]
        if not result.stability["same_plan"].all():
            lines.append(
                "    not stable: other paths choose other uses, which differ by less than the noise; read the plan as one of "
                "several about equally good, and its gain on fresh paths as what such a plan adds"
            )
        else:
            lines.append("    stable: the same plan on twice the paths and on a second seed")
    return "\n".join(lines)


def write_new_money(result: NewMoney, out: Path, force: bool = False) -> Path:
    """Write the results folder of a new-money study, whole or not at all."""

    def write(folder: Path) -> list[str]:
        write_json(folder / "new_money.json", result.to_json())
        names = ["new_money.json"]
        for name, frame in (("options.csv", result.options), ("plan.csv", result.plan), ("shadow_prices.csv", result.shadow_prices)):
            if len(frame):
                write_table(folder / name, frame.to_dict("records"))
                names.append(name)
        fig = new_money_chart(result)
        with matplotlib.rc_context({"svg.hashsalt": "coopsim"}):  # reproducible SVG ids, as sim.output writes its charts
            fig.savefig(folder / "new_money.png", format="png", dpi=DPI, facecolor="white")
            fig.savefig(folder / "new_money.svg", format="svg", facecolor="white", metadata={"Date": None})
        return [*names, "new_money.png", "new_money.svg"]

    return write_folder(out, write, result.manifest, force=force)


def new_money_command(args: argparse.Namespace) -> int:
    """``coopsim new-money``: where B USD bn of additional finance adds most."""
    scenario = load_scenario_arg(args.scenario, args)
    out = destination(args, f"new_money_{scenario.name}", [scenario.name])
    result = new_money(
        scenario,
        args.year,
        args.budget,
        tranche_usd_bn=args.tranche,
        paths=args.paths,
        reorder=not args.no_reorder,
        stability=not args.no_stability,
        **run_options(args),
    )
    record_scenarios(result.manifest, [args.scenario], args, [scenario.name])
    write_new_money(result, out, force=args.force)
    finish(args, new_money_table(result), out)
    return 0
