"""The key reference: Markdown tables of every scenario key, generated from the schema.

``coopsim keys`` prints :func:`key_reference`; the README's key reference is
this text, and the tests keep both in step with the schema.

Where to make a change
----------------------
* A key's meaning, type or default: its field in :mod:`sim.scenario.schema`
  (the reference follows).
* A new table: its row in the list of :func:`key_reference`.
"""

from __future__ import annotations

from typing import Any

from .schema import (
    Backlog,
    DirectionGap,
    Directions,
    ExportsShare,
    Financier,
    FlowScale,
    Growth,
    Implementation,
    Measure,
    Nowcast,
    Observed,
    OrganicLaw,
    Pipeline,
    Portfolio,
    Project,
    Report,
    ReporterGap,
    Run,
    ScenarioFile,
    Sector,
    ShareLaw,
    Shock,
    Structural,
    Trade,
)


def key_reference() -> str:
    """Markdown tables of every scenario key, generated from the schema (the README's key reference)."""
    out: list[str] = [
        "Two more top-level keys are read before validation: `extends` (path of a scenario this file starts "
        "from, relative to this file) and `remove` (array of dotted paths dropped from the extended scenario).",
        "",
    ]
    for title, model in (
        ("top level", ScenarioFile),
        ("[trade]", Trade),
        ("[trade.growth]", Growth),
        ("[trade.structural]", Structural),
        ("[trade.structural.share]", ShareLaw),
        ("[trade.laws.NAME]", OrganicLaw),
        ("[trade.laws.NAME.directions]", Directions),
        ("[trade.exports_share]", ExportsShare),
        ("[trade.observed]", Observed),
        ("[trade.nowcast]", Nowcast),
        ("[trade.reporter_gap]", ReporterGap),
        ("[trade.reporter_gap.exports] and [trade.reporter_gap.imports]", DirectionGap),
        ("[portfolio]", Portfolio),
        ("[portfolio.financiers.NAME]", Financier),
        ("[portfolio.backlog]", Backlog),
        ("[portfolio.implementation]", Implementation),
        ("[pipeline]", Pipeline),
        ("[pipeline.sectors.NAME]", Sector),
        ("[pipeline.flow_scale]", FlowScale),
        ("[[pipeline.projects]]", Project),
        ("[[measures]]", Measure),
        ("[[shocks]]", Shock),
        ("[run]", Run),
        ("[report]", Report),
    ):
        doc = (model.__doc__ or "").strip().splitlines()[0]
        out.append(f"**`{title}`** {doc.split(':', 1)[-1].strip() if title != 'top level' else ''}\n")
        out.append("| key | type | meaning |\n|---|---|---|")
        for name, f in model.model_fields.items():
            req = "required" if f.is_required() else f"default `{_default_text(f.default, f.default_factory)}`"
            out.append(f"| `{name}` | {_type_text(f.annotation)}, {req} | {f.description or ''} |")
        out.append("")
    return "\n".join(out)


def _default_text(default: Any, factory: Any) -> str:
    """A field's default as the reference writes it: ``empty`` for a collection, ``none`` for None."""
    if factory is not None:
        return "empty"
    if isinstance(default, bool):
        return "true" if default else "false"  # as TOML writes it
    return "none" if default is None else str(default)


def _type_text(annotation: Any) -> str:
    """A field's type in words, read from the annotation's text (``number or distribution``, ``table of tables``)."""
    text = repr(annotation)
    if "Fixed" in text:
        return "number or distribution"
    if "Literal" in text:
        return "one of " + ", ".join(f"`{a}`" for a in getattr(annotation, "__args__", ()))
    if annotation is bool:
        return "boolean"
    for word, label in (
        ("datetime.date", "date"),
        ("dict[", "table of tables" if "sim." in text else "table of numbers"),
        ("list[", "array of tables"),
        ("int", "integer"),
        ("float", "number"),
        ("str", "string"),
    ):
        if word in text:
            return label
    return "table"
