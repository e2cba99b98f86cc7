"""The README and docs/ run as written: their examples, their key reference, their links and the names they promise.

Every ```python block of the README and of docs/*.md is executed (in a copy of the repository's
scenarios and seeds); every ```console block whose first line is ``$ coopsim ...`` is run and its
output compared line by line with the block, except the validation examples, which need their
broken file written first (checked by their own test).

How a printed line is compared with the line a page shows (:func:`differences`): its words and
signs exactly (a run of spaces as one space, as a column's padding follows the width of its
number), and every number within a relative tolerance of 1e-4 (:data:`RELATIVE_TOLERANCE`),
never to its last digit. A fitted or simulated value's last digits depend on the machine's
floating point (its BLAS, its libm): 0.656559 on one machine, 0.65656 on another. A number the
model really changes (0.66 for 0.656559, 12.4% for 12.3%) still fails.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.scenario import key_reference

ROOT = Path(__file__).resolve().parents[1]

RELATIVE_TOLERANCE = 1e-4
"""How far a number printed by an example may lie from the number its page shows, relative to the larger."""

NUMBER = re.compile(r"[-+]?(?:\d+(?:,\d{3}(?!\d))*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?")
"""A number token of console output: ``12``, ``-0.5``, ``4,000``, ``+23``, ``1.5e-05``."""
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _blocks(page: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _text(page), flags=re.S)


def _runnable(page: Path) -> list[str]:
    return [b for b in _blocks(page, "console") if b.startswith("$ coopsim ") and not b.startswith("$ coopsim validate broken.toml")]


def _coopsim(*args: str) -> subprocess.CompletedProcess:
    """``coopsim ARGS`` as a user types it, run in this process (``sim.cli.main``) at a terminal width of 120.

    The same code a console runs after its imports, without a second interpreter's start-up for each
    example; ``tests/test_cli_run.py`` runs ``python -m sim`` in a process of its own.
    """
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        env.setenv("COLUMNS", "120")
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's errors
            code = exc.code
    return subprocess.CompletedProcess(["coopsim", *args], code, out.getvalue(), err.getvalue())


def test_the_front_door_is_short():
    assert len(_text(README).splitlines()) <= 300


def test_key_reference_is_in_step_with_the_schema():
    page = _text(ROOT / "docs" / "scenario-format.md")
    section = page.split("<!-- keys:start -->\n", 1)[1].split("\n<!-- keys:end -->", 1)[0]
    assert section == key_reference()


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p, "python")], ids=lambda p: p.name)
def test_python_examples_run(workspace, page: Path):
    for block in _blocks(page, "python"):
        exec(compile(block, str(page.name), "exec"), {})


CONSOLE = [(p, i) for p in PAGES for i, _ in enumerate(_runnable(p))]


def _split(line: str) -> tuple[list[str], list[float]]:
    """A line as its text between numbers (runs of spaces as one) and its numbers."""
    text = [re.sub(r" +", " ", part) for part in NUMBER.split(line)]
    return text, [float(n.replace(",", "")) for n in NUMBER.findall(line)]


def differences(shown: list[str], printed: list[str], rel: float = RELATIVE_TOLERANCE) -> list[str]:
    """How ``printed`` lines differ from the ``shown`` lines of a page: words and signs exactly, numbers within ``rel``.

    Returns one description per line that differs (empty when they agree).
    """
    if len(shown) != len(printed):
        return [f"{len(printed)} lines printed, {len(shown)} shown"]
    found = []
    for k, (want, got) in enumerate(zip(shown, printed, strict=True)):
        want_text, want_numbers = _split(want)
        got_text, got_numbers = _split(got)
        close = len(want_numbers) == len(got_numbers) and all(
            abs(a - b) <= rel * max(abs(a), abs(b)) for a, b in zip(want_numbers, got_numbers, strict=True)
        )
        if want_text != got_text or not close:
            found.append(f"line {k + 1}: shown {want!r}, printed {got!r}")
    return found


def test_a_printed_number_agrees_with_the_page_within_the_tolerance_not_to_its_last_digit():
    assert differences(["p90 = 0.656559"], ["p90 = 0.65656"]) == []
    assert differences(["  p90    0.656559  4,000 paths"], ["  p90     0.65656  4,000 paths"]) == []  # padding follows the width
    assert differences(["p90 = 0.656559"], ["p90 = 0.66"]) != []
    assert differences(["p90 = 0.656559"], ["p10 = 0.656559"]) != []  # a number in a word is a number: 10 is not 90
    assert differences(["p90 = 0.656559"], ["sd = 0.656559"]) != []  # different words
    assert differences(["reached 12.3%"], ["reached 12.4%"]) != []
    assert differences(["4,000 paths"], ["4,001 paths"]) != []
    assert differences(["a", "b"], ["a"]) != []


@pytest.mark.parametrize(("page", "index"), CONSOLE, ids=[f"{p.name}-{i}" for p, i in CONSOLE])
def test_console_examples_print_what_they_show(workspace, page: Path, index: int):
    command, *expected = _runnable(page)[index].strip().splitlines()
    done = _coopsim(*command.removeprefix("$ coopsim ").split())
    assert done.returncode == 0, done.stderr
    assert differences(expected, done.stdout.strip().splitlines()) == []


def test_validation_examples_print_the_messages_shown(workspace):
    examples = [b for p in PAGES for b in _blocks(p, "console") if b.startswith("$ coopsim validate broken.toml\n")]
    assert len(examples) == 2
    text = (workspace / "scenarios" / "uz_cn_2025.toml").read_text()
    # the broken file of the examples: a misspelt key, a probability above 1, a misspelt financier
    text = text.replace('financier = "cdb"  ', 'financier = "cbd"  ').replace("../seeds/", "seeds/")
    broken = re.sub(r"mean = \{dist = \"normal\", mean = 0\.0788788, sd = 0\.036115\}", "meen = 0.07", text)
    broken = broken.replace("probability_per_year = 0.08", "probability_per_year = 1.5")
    assert broken != text
    for content, example in ((broken, examples[0]), (text, examples[1])):
        Path("broken.toml").write_text(content)
        done = _coopsim("validate", "broken.toml")
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == example.strip().splitlines()[1:]


def test_every_public_name_is_documented():
    api = _text(ROOT / "docs" / "api.md")
    for name in sim.__all__:
        assert f"`{name}" in api, f"{name} is missing from docs/api.md"
        obj = getattr(sim, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"


def test_every_test_a_page_names_exists():
    defined = set(re.findall(r"def (test_\w+)", "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py"))))
    for page in PAGES:
        named = set(re.findall(r"`(test_\w+)`", _text(page)))
        assert named - defined == set(), page.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_leads_to_a_file(page: Path):
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", _text(page)):
        assert (page.parent / target).exists(), f"{page.name} links to {target}, which does not exist"


def test_every_file_the_seeds_readme_cites_is_in_the_repository_or_said_to_be_outside():
    readme = ROOT / "seeds" / "README.md"
    outside = "not part of this repository"
    cited = 0
    for paragraph in re.split(r"\n\s*\n", _text(readme)):
        for name in re.findall(r"`([^`\s]+\.(?:csv|md|txt|toml))`", paragraph):
            cited += 1
            here = (readme.parent / name).exists() or (ROOT / name).exists()
            assert here or outside in " ".join(paragraph.split()), (
                f"seeds/README.md cites {name}, neither in the repository nor said to be outside it"
            )
    assert cited >= 4
