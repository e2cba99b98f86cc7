"""The package is layered along the data flow: a module imports only from its own layer or those below, and no module imports itself in a circle.

Layers, lowest first: lazy (public names imported on first use), errors, distributions, history, releases, nowcast, scenario, engine, results, run, calibration,
studies, plots, report, output, cli. Every ``import`` counts, at the top of a module or inside a
function: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim

PACKAGE = Path(sim.__file__).resolve().parent
LAYERS = [
    "lazy",
    "errors",
    "distributions",
    "history",
    "releases",
    "nowcast",
    "scenario",
    "engine",
    "results",
    "run",
    "calibration",
    "studies",
    "plots",
    "report",
    "output",
    "cli",
]
"""The rooms of ``sim``, each allowed to import only from itself and the rooms before it."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The ``sim`` modules a file imports (absolute names), wherever the import statement stands."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found |= {target} | {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m in MODULES and m != name}


FILES = sorted(PACKAGE.rglob("*.py"))
MODULES = {_module_name(p) for p in FILES}
GRAPH = {_module_name(p): _imports(p) for p in FILES}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _layer(m) not in (None, "__main__")))
def test_a_module_imports_only_its_own_layer_and_those_below(module: str):
    mine = LAYERS.index(_layer(module))
    above = sorted(m for m in GRAPH[module] if _layer(m) is not None and LAYERS.index(_layer(m)) > mine)
    assert above == [], f"{module} imports from higher layers"


def test_every_room_of_the_package_has_a_layer():
    assert {_layer(m) for m in GRAPH} - {None, "__main__"} <= set(LAYERS)


def test_no_module_imports_itself_through_a_circle():
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for other in sorted(GRAPH[module]):
            if other == "sim" or other.startswith(module + "."):
                continue  # the package facade, and a package importing its own modules
            if state.get(other) == 1 and not module.startswith(other + "."):
                pytest.fail(" -> ".join([*trail, module, other]))
            if other not in state:
                visit(other, [*trail, module])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [])


def test_no_module_of_sim_is_over_about_600_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


def test_no_module_of_the_report_imports_the_engine_or_the_run():
    """The report lays out what a run saved; re-simulating (the workbook's per-path table) is a study's work, handed in by the output layer."""
    simulating = {
        module: sorted(m for m in GRAPH[module] if _layer(m) in ("engine", "run")) for module in GRAPH if _layer(module) == "report"
    }
    assert {m: found for m, found in simulating.items() if found} == {}
