# coopsim: the two commands of the README, and a few helpers.
#   make demo   create .venv, install coopsim, run the reference scenario into results/uz_cn_2025/ (with report.html)
#   make test   create .venv with the test extras and run the whole test suite
#   make bench  the engine benchmark (a few minutes)
#   make docs   the documentation site with its API reference, into site/ (mkdocs, strict: a broken link fails)
#   make fuzz   the long property-based fuzzing run: hostile scenario files, results folders and data-file rows
#   make hostile  the hostile-user cases of the command line (tools/hostile.py: about 270 cases, 10 minutes)
#   make notebook  JupyterLab on notebooks/
#   make report-figures  screenshots of a run's and a comparison's reports into docs/figures/ (needs chromium)

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Installs go through uv (pip puts it into .venv first): the test extras in seconds, where pip takes half a minute or
# more, most of it compiling every file of every package ahead; uv compiles nothing ahead and Python compiles what is
# imported, once; it picks the newest versions that fit, as pip does. Where packages come from an index set for pip alone
# (pip.conf), install with pip: make PIP=".venv/bin/python -m pip" test
PIP    ?= $(BIN)/uv pip

.PHONY: demo test docs bench fuzz hostile notebook report-figures lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv

# the stamps re-install when pyproject.toml changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install --python $(BIN)/python --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(PIP) install --python $(BIN)/python --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/coopsim run scenarios/uz_cn_2025.toml --out results/uz_cn_2025 --force --report

# the suite runs on every core (pytest-xdist; worksteal: an idle worker takes tests queued for a busy one); it starts
# some fifty Python processes (workers, commands, kernels, clusters), which reuse sim's and the tests' compiled code
# even where the environment sets PYTHONDONTWRITEBYTECODE (each would otherwise compile them again)
test: $(VENV)/.installed-test
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist worksteal --durations=15

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(PIP) install --python $(BIN)/python --quiet -e '.[docs]'
	touch $(VENV)/.installed $@

docs: $(VENV)/.installed-docs
	$(BIN)/mkdocs build --strict

fuzz: $(VENV)/.installed-test
	COOPSIM_FUZZ_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py tests/test_fuzz_results.py tests/test_fuzz_data.py -q

hostile: $(VENV)/.installed-test
	$(BIN)/python tools/hostile.py --code-root . --python $(BIN)/python

notebook: $(VENV)/.installed-test
	$(PIP) install --python $(BIN)/python --quiet -e '.[notebook]'
	$(BIN)/jupyter lab notebooks/

report-figures: $(VENV)/.installed-test
	COOPSIM_SCREENSHOTS=docs/figures COOPSIM_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/test_report.py -q -k chromium

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_engine.py

lint: $(VENV)/.installed-test
	$(PIP) install --python $(BIN)/python --quiet ruff
	$(BIN)/ruff check sim tests benchmarks tools
	$(BIN)/ruff format --check sim tests benchmarks tools

clean:
	rm -rf $(VENV) results site .pytest_cache
