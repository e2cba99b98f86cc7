"""Every path's drawn inputs and outcomes, one row per path, in EMA Workbench's experiments/outcomes convention.

The draws of path ``i`` depend only on the scenario, the root seed and ``i``
(:mod:`sim.engine.sampling`), so they are drawn and simulated again here for the
paths of a finished run, a batch at a time as the run did (:func:`sim.engine.simulate_batches`),
as scenario discovery does (:func:`sim.studies.discovery.discovery_features`);
the engine is not changed and the outcomes are those of the run. The
*experiments* table holds what a path drew (its growth law, share laws,
sector coefficients, financing capacity, project completion, measures,
shocks), the *outcomes* table what came of it (trade in the headline years,
the year the target was first reached).

This is a study of the run (it simulates again), so it lives here rather than in
the report: :func:`sim.output.save` hands :func:`path_table` to
:func:`sim.report.write_workbook`, whose ``paths`` sheet only lays the table out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ..engine import PathInputs, at_or_above, simulate_batches
from ..run import chunk_ranges, default_workers, open_executor, stream_chunks
from ..scenario import Scenario

__all__ = ["path_experiments", "path_table"]


def _inputs_row(s: Scenario, x: PathInputs, log) -> dict[str, float | None]:
    """The drawn inputs of one path by column name (None where a project never completes within its draws)."""
    growth = "total trade growth" if s.trade.structural is not None else "organic growth"
    row: dict[str, float | None] = {
        f"{growth} mean (log a year)": x.growth_mean,
        f"{growth} sd (log a year)": x.growth_sd,
    }
    for name, law, present in (
        ("partner share", x.partner_share, s.trade.structural is not None),
        ("exports share", x.exports_share, s.trade.exports_share is not None),
    ):
        if present:
            row[f"{name} long run"] = float(special.expit(law.long_run_logit))
            row[f"{name} persistence"] = law.persistence
            row[f"{name} sd (logit)"] = law.sd
    for k, sector in enumerate(s.pipeline.sectors if s.pipeline else []):
        row[f"{sector}: construction import share"] = float(x.sector_import_share[k])
        row[f"{sector}: exports per USD of capex a year"] = float(x.sector_exports_per_capex[k])
        row[f"{sector}: imports per USD of capex a year"] = float(x.sector_imports_per_capex[k])
    financiers = list(s.portfolio.financiers) if s.portfolio else []
    for k, name in enumerate(financiers):
        row[f"{name}: mean capacity (USD bn a year)"] = float(x.capacity_usd_bn[k].mean())
    if financiers:
        row["financing capacity, all lenders (USD bn a year)"] = float(x.capacity_usd_bn.sum(axis=0).mean())
    for j, project in enumerate(s.pipeline.projects if s.pipeline else []):
        end = float(log.flagship_end[j])
        done = np.isfinite(end) and not x.flagships.cancelled[j]
        row[f"{project.name} completion year"] = s.start_year + end if done else None
    for k, measure in enumerate(s.measures):
        row[f"{measure.name} effect (USD bn a year)"] = float(x.measure_effect_usd_bn[k])
    if s.shocks:
        struck = np.sort(log.shock_time[log.shock_time < len(s.years)])
        row["shocks struck"] = float(struck.size)
        row["first shock year"] = s.start_year + float(struck[0]) if struck.size else None
    return row


def path_experiments(s: Scenario, seed: int, years: Sequence[int], start: int, stop: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The drawn inputs and outcomes of paths ``start`` to ``stop - 1``.

    Parameters
    ----------
    s : Scenario
        The scenario as it was run.
    seed : int
        The run's root seed.
    years : sequence of int
        The years whose trade is an outcome (simulated years).

    Returns
    -------
    (experiments, outcomes) : pair of pandas.DataFrame
        Both indexed by ``path``, one row per path. ``experiments``: the drawn
        inputs (rates as fractions, money in USD bn a year, years as calendar
        years; empty where a project does not complete). ``outcomes``: the
        target's flow in each of ``years`` (USD bn) and ``first year reached`` (empty when not by the horizon).
    """
    flow = s.trade.target_flow
    columns = [s.years.index(y) for y in years]
    inputs, outcomes = [], []
    for xs, logs, batch in simulate_batches(s, seed, start, stop):
        for x, log, trade in zip(xs, logs, batch.flow(flow), strict=True):
            reached = np.flatnonzero(at_or_above(trade, s.trade.target_usd_bn))
            inputs.append(_inputs_row(s, x, log))
            outcomes.append(
                {
                    **{f"{flow} {y} (USD bn)": float(trade[k]) for y, k in zip(years, columns, strict=True)},
                    "first year reached": s.years[reached[0]] if reached.size else None,
                }
            )
    index = pd.RangeIndex(start, stop, name="path")
    return pd.DataFrame(inputs, index=index), pd.DataFrame(outcomes, index=index)


def path_table(s: Scenario, seed: int, paths: int, years: Sequence[int], workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`path_experiments` of paths 0 to ``paths - 1``, on worker processes (default all cores), in path order."""
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []

    def keep(start: int, stop: int, part: tuple[pd.DataFrame, pd.DataFrame]) -> bool:
        parts.append(part)
        return False

    with open_executor(default_workers() if workers is None else workers) as (executor, slots):
        stream_chunks(executor, slots, path_experiments, (s, seed, list(years)), chunk_ranges(paths), keep)
    return pd.concat([p[0] for p in parts]), pd.concat([p[1] for p in parts])
