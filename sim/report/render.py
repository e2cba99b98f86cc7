"""A result's report as one self-contained HTML file: its page, its charts inline as SVG, its assumptions, limitations and provenance.

The page comes from :func:`sim.report.pages.report_page`; the charts are the
SVG files of the results folder (drawn by :func:`sim.output.figure_makers`),
inlined with their ids prefixed so that several charts share one document.
The HTML is a Jinja2 template with autoescape on: every text is escaped; the
only markup inserted as is, the SVG, is matplotlib's own output. The file
makes no request of any kind (no script, no link, no web font) and prints to
PDF page by page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .. import __version__
from ..plots.style import FORECAST_HORIZON_YEARS
from .pages import Page, report_page
from .sources import ScenarioSource, cited_facts, manifest_scenarios

__all__ = ["LIMITATIONS", "inline_svg", "render_report"]

LIMITATIONS = (
    "The intervals in this report are Monte Carlo intervals: they say how precisely the simulated paths estimate each number, "
    "not how uncertain the assumptions are. A different scenario gives a different answer; comparing scenarios shows how much "
    "the assumptions matter.",
    "Every number follows from the scenario's assumptions, listed with their sources above. Values marked ASSUMPTION are "
    "judgement where no published figure exists, and the fits to the trade record rest on about fifteen yearly observations.",
    f"More than {FORECAST_HORIZON_YEARS} years after the base year the paths compound a decade of assumptions about growth, "
    "finance and projects: the charts show where those assumptions lead, not a forecast.",
    "Trade statistics differ by reporter (the country's and the partner's figures for the same trade differ) and "
    "preliminary figures are revised; the target is measured in the reporter's figures named in the question.",
    "The model has no prices, exchange rates or policy responses beyond the shocks it draws, and no projects beyond the named "
    "ones and those its pipeline law generates.",
)
"""The model's limitations, the same for every result; a case adds its own (``[report] limitations`` of its scenario)."""


def case_limitations(sources: Sequence[ScenarioSource]) -> list[str]:
    """The limitations the result's scenarios state of their case (``[report] limitations``), each once, in order."""
    found = [text for s in sources if s.scenario is not None and s.scenario.report is not None for text in s.scenario.report.limitations]
    return list(dict.fromkeys(found))


_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'((?:xlink:)?href="#|url\(#)([^")]+)')


def inline_svg(svg: str, prefix: str) -> Markup:
    """An SVG file's ``<svg>`` element for an HTML document, every id and reference to it prefixed with ``prefix``.

    matplotlib names its clip paths, markers and glyphs by content and its
    groups by counters (``figure_1``): several charts in one document would
    otherwise share ids. The XML declaration and doctype are dropped.
    """
    body = svg[svg.index("<svg") :]
    body = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', body)
    body = _REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)
    return Markup(body.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - matplotlib's own SVG, ids rewritten above


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("sim.report", "templates"), autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
    )


def _provenance(manifest: Mapping[str, Any], sources: Sequence[ScenarioSource]) -> list[tuple[str, str]]:
    """Rows of the provenance table: seed, paths, executor, times, scenario hashes and package versions, as the manifest has them."""
    rows = [
        (key.replace("_", " "), str(manifest[key]))
        for key in ("seed", "paths", "executor", "workers", "started", "finished")
        if key in manifest
    ]
    if "seconds" in manifest:
        rows.append(("run time", f"{manifest['seconds']:,.1f} s"))
    rows += [(f"scenario {s.name}", f"{s.file}, SHA-256 {s.sha256}") for s in sources]
    rows += [(name, str(version)) for name, version in (manifest.get("versions") or {}).items()]
    return rows


def render_report(obj: Any, figures: Mapping[str, str], years: Sequence[int] | None = None) -> str:
    """The HTML report of a result.

    Parameters
    ----------
    obj : Results, Comparison, Sensitivity, GoalResult, or a type registered with :func:`sim.report.report_page`
        The result; its ``manifest`` names the scenario file(s), seed and versions.
    figures : mapping of str to str
        SVG text of the charts by file stem (``"fan_chart"``); a chart the page names but ``figures`` lacks is said to be missing.
    years : sequence of int, optional
        The headline years (``--years``).

    Returns
    -------
    str
        The whole document.
    """
    page: Page = report_page(obj, years)
    manifest = getattr(obj, "manifest", {}) or {}
    sources = manifest_scenarios(manifest)
    shown = {name: inline_svg(figures[name], f"c{k}") for k, name in enumerate(page.figure_names()) if name in figures}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            page=page,
            figures=shown,
            scenarios=sources,
            facts=cited_facts(sources),
            limitations=[*LIMITATIONS, *case_limitations(sources)],
            provenance=_provenance(manifest, sources),
            version=__version__,
        )
    )
