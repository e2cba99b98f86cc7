"""Public names imported on first use (:mod:`sim.lazy`): the same names for static tools and at run time, and a run
that imports no study.

``sim``, ``sim.plots`` and ``sim.report`` import the module defining a public name when it is first read. Their
``_EXPORTS`` maps and the imports under ``if TYPE_CHECKING:`` (what type checkers and the API reference read) must
name the same things from the same modules, and every name of ``__all__`` must resolve to the object its module defines.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.cli import parser
from sim.studies.prioritise import METHODS
from sim.studies.track import DEFAULT_TRACK_PATHS

ROOT = Path(__file__).resolve().parents[1]
LAZY_PACKAGES = ["sim", "sim.plots", "sim.report"]


def _type_checking_imports(package: str) -> dict[str, str]:
    """The names imported under ``if TYPE_CHECKING:`` in a package's ``__init__.py``, with their modules (relative, ``".run"``)."""
    tree = ast.parse(Path(importlib.import_module(package).__file__).read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    found |= {a.asname or a.name: "." * stmt.level + (stmt.module or "") for a in stmt.names}
    return found


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_the_lazy_map_and_the_static_imports_name_the_same_things_from_the_same_modules(package: str):
    module = importlib.import_module(package)
    assert _type_checking_imports(package) == dict(module._EXPORTS)
    assert set(module.__all__) <= set(module._EXPORTS)


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_resolves_to_what_its_module_defines(package: str):
    module = importlib.import_module(package)
    for name in module.__all__:
        defining = importlib.import_module(module._EXPORTS[name], package)
        assert getattr(module, name) is getattr(defining, name), name
        assert name in dir(module)


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        sim.simulat  # noqa: B018


def test_the_parser_offers_what_the_studies_take():
    assert parser.PRIORITISE_METHODS == METHODS
    assert parser.TRACK_PATHS == DEFAULT_TRACK_PATHS


def test_a_run_from_the_command_line_imports_no_study_no_calibration_and_no_report_template(tmp_path: Path):
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        f"status = main(['run', {str(ROOT / 'scenarios' / 'uz_cn_2025.toml')!r}, '--paths', '20', '--workers', '1', "
        f"'--quiet', '--out', {str(tmp_path / 'r')!r}])\n"
        "heavy = ('sim.studies', 'sim.calibration', 'sim.report.study_pages', 'sim.output.study_files', 'scipy.stats', 'jinja2')\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.split("\n")[-2] == "0 []"
    assert (tmp_path / "r" / "fan_chart.png").is_file()


def test_validating_a_scenario_imports_no_study_no_calibration_and_no_report(tmp_path: Path):
    code = (
        "import sys\n"
        "from sim.cli import main\n"
        f"status = main(['validate', {str(ROOT / 'scenarios' / 'uz_cn_2025.toml')!r}])\n"
        "heavy = ('sim.studies', 'sim.calibration', 'sim.report', 'sim.cli.scenario_commands', 'scipy.optimize', 'jinja2')\n"
        "print(status, sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert done.stdout.split("\n")[-2] == "0 []"
