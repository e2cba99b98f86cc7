"""Reports and workbooks of results: a self-contained HTML report and an Excel workbook.

* :mod:`~sim.report.pages` -- :func:`report_page`, the per-type hook: what a
  report says about a run (the studies' pages in :mod:`~sim.report.study_pages`, :mod:`~sim.report.portfolio_pages`,
  :mod:`~sim.report.replay_page`, :mod:`~sim.report.track_page`),
  as a :class:`Page` of :class:`Section` s made of :class:`Table`,
  :class:`Figure` and :class:`Text` blocks; :func:`headline_years`, the years
  of every headline table.
* :mod:`~sim.report.render` -- :func:`render_report`: the page, its charts
  inline as SVG, the scenario's assumptions with their sources, the
  limitations (:data:`LIMITATIONS`) and the provenance, as one HTML file (Jinja2, escaped).
* :mod:`~sim.report.brief` -- :func:`render_brief`: a run's briefing, one A4 page (the figure to quote, the fan
  chart, what moved and what the view knew, the three things that drive it), ``brief.html``.
* :mod:`~sim.report.finance_section` -- the finance of a run's report, by lender.
* :mod:`~sim.report.sources` -- the scenario files a manifest names, read
  again: every key with its value and comment, the facts they cite, their descriptions.
* :mod:`~sim.report.workbook` -- :func:`write_workbook`, ``results.xlsx`` (its ``paths`` sheet filled by
  :func:`sim.studies.experiments.path_table`, which the caller hands over: the report layer simulates nothing).

Writing them into a results folder is :func:`sim.output.save` (``report=True``,
``xlsx=True``); a folder's report afterwards is ``coopsim report``.

A new result type gets a report by registering its page::

    from sim.report import Figure, Page, Section, Table, report_page

    @report_page.register
    def _(result: MyResult, years=None) -> Page:
        return Page(title=..., question=..., answer=..., sections=(Section("...", (Table(...), Figure("my_chart", "..."))),))

with its charts in :func:`sim.output.figure_makers` under the same stems.
"""

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

__all__ = [
    "LIMITATIONS",
    "Figure",
    "Page",
    "Section",
    "Table",
    "Text",
    "headline_years",
    "render_brief",
    "render_report",
    "report_page",
    "sobol_caveats",
    "write_workbook",
]

_EXPORTS = {
    "LIMITATIONS": ".render",
    "Figure": ".pages",
    "Page": ".pages",
    "Section": ".pages",
    "Table": ".pages",
    "Text": ".pages",
    "headline_years": ".pages",
    "render_brief": ".brief",
    "render_report": ".render",
    "report_page": ".pages",
    "sobol_caveats": ".study_pages",
    "write_workbook": ".workbook",
}
"""Each public name and the module defining it, imported on first use (:func:`sim.lazy.lazy_exports`): a run's headline
needs neither Jinja2 nor the studies' pages. The studies' pages register themselves when first needed
(:data:`sim.report.pages.PAGE_MODULES`)."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

if TYPE_CHECKING:  # the same names for static tools; tests/test_lazy_exports.py compares
    from .brief import render_brief
    from .pages import Figure, Page, Section, Table, Text, headline_years, report_page
    from .render import LIMITATIONS, render_report
    from .study_pages import sobol_caveats
    from .workbook import write_workbook
