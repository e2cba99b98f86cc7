"""Fuzzing: hostile scenario files end cleanly or validate and run.

Every generated input must either

* end with exit status 2 and a short message on stderr (at most ``MAX_LINES`` lines,
  each starting with the file's path or ``coopsim:``, no traceback), or
* validate (exit status 0), and then run: ``simulate(load_scenario(path), paths=3)``
  completes, every probability is in [0, 1] and every annual trade statistic is finite.

Nothing may hang: each validation and each run is given ``TIME_LIMIT`` seconds of CPU (and a
bounded address space, so that an input asking for absurd memory fails here instead of
swapping the machine).

Inputs: mutations of the shipped scenarios (written back as TOML), random TOML trees,
raw bytes, and absurd sizes on the command line.

Profiles: ``COOPSIM_FUZZ_PROFILE=ci`` (default, 100 inputs per property, well under a minute)
or ``COOPSIM_FUZZ_PROFILE=fuzz`` (3000 inputs per property, several minutes); add ``--hypothesis-show-statistics`` to see how many inputs each property tried.

Bugs found by fuzzing are pinned by the explicit regression tests at the end, each
with the input that found it.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import math
import os
import re
import resource
import shutil
import signal
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from helpers import dump_toml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from sim import simulate
from sim.cli import main
from sim.distributions import DISTRIBUTION_NAMES
from sim.scenario import LIMITS, Scenario, load_scenario

# overflow in a hostile scenario's arithmetic is expected; the properties check the results themselves
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

REPO = Path(__file__).resolve().parents[1]
REFERENCE_NAME = "uz_cn_2025.toml"
SHIPPED = sorted(p.name for p in (REPO / "scenarios").glob("*.toml"))

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("COOPSIM_FUZZ_PROFILE", "ci"))
"""Applied to each property below (not loaded globally, so other test modules keep their settings)."""

TIME_LIMIT = 3.0
"""Seconds of CPU allowed for one validation or one 3-path run (the reference runs 3 paths in about 0.1 s)."""
WALL_FACTOR = 10.0
"""Wall time allowed, as a multiple of :data:`TIME_LIMIT`: a block that waits rather than computes is stopped too."""
MEMORY_HEADROOM = 3 << 30
"""Bytes of address space a validation or a 3-path run may add to the test process."""
MAX_LINES = 10
"""Longest acceptable error message, in lines."""
RUN_PATHS = 3


def _same(a: Any, b: Any) -> bool:
    """Equality with NaN equal to NaN."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# ---------------------------------------------------------------- running the command line under limits


class _TimeLimit(BaseException):
    """Raised by SIGALRM inside a call that ran too long (a BaseException: no ``except Exception`` swallows it)."""


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def bounded(seconds: float = TIME_LIMIT) -> Iterator[None]:
    """At most ``seconds`` of the process's CPU time (and ``WALL_FACTOR`` times as much wall time, for a block that
    waits instead of working) and ``MEMORY_HEADROOM`` more address space for the block.

    CPU time, not wall time, so that a busy machine (other tests, other jobs) does not make a quick input look slow.
    """

    def alarm(signum: int, frame: object) -> None:
        raise _TimeLimit()

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _vm_size() + MEMORY_HEADROOM
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    previous = {sig: signal.signal(sig, alarm) for sig in (signal.SIGPROF, signal.SIGALRM)}
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, WALL_FACTOR * seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    """CPU seconds the call took in this process (a busy machine does not inflate them)."""
    error: BaseException | None = None


def cli(*args: str | Path, seconds: float = TIME_LIMIT) -> Outcome:
    """``coopsim ARGS`` in-process with captured output; argparse's SystemExit gives the exit status."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    error: BaseException | None = None
    started = time.process_time()
    try:
        with bounded(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:  # noqa: BLE001 - anything else is what we are looking for
        error = exc
    return Outcome(code, out.getvalue(), err.getvalue(), time.process_time() - started, error)


# ---------------------------------------------------------------- judging an input


@dataclass(frozen=True)
class Finding:
    kind: str
    """``crash`` (an exception escaped main), ``timeout``, ``exit-code``, ``message`` (bad stderr),
    ``run-crash``, ``run-timeout``, ``probability`` or ``non-finite`` (in a validated scenario's results)."""
    detail: str


def generic_projects_per_path(scenario: Scenario) -> float:
    """Expected number of generic projects one path draws: pipeline launches (warm-up included) and backlog projects."""
    p = scenario.pipeline
    if p is None:
        return 0.0
    try:
        years, g, w = len(scenario.years), p.launch_trend, p.warmup_years
        launches = p.launches_per_year * ((years + w) if g == 0 else (math.exp(g * years) - math.exp(-g * w)) / g)
        backlog = scenario.portfolio.backlog.capex_usd_bn if scenario.portfolio and scenario.portfolio.backlog else 0.0
        median = float(p.capex_usd_bn.ppf(np.asarray(0.5)))
        return launches + (backlog / median if backlog > 0 else 0.0)
    except (OverflowError, ZeroDivisionError):
        return INF


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def judge_message(path: Path, outcome: Outcome) -> list[Finding]:
    """Findings about a rejection's stderr."""
    found: list[Finding] = []
    err = outcome.err
    if outcome.out:
        found.append(Finding("message", f"stdout not empty on a rejection: {outcome.out[:200]!r}"))
    if not err.strip():
        found.append(Finding("message", "exit status 2 with nothing on stderr"))
    if "Traceback" in err:
        found.append(Finding("message", f"traceback on stderr: {err[-500:]!r}"))
    lines = _LINE_BREAK.split(err.rstrip("\n"))
    # count messages, not the pieces a line break inside an echoed key makes (that is a finding of its own below)
    messages = [line for line in lines if line.startswith((str(path), "coopsim:", "... and "))]
    if len(messages) > MAX_LINES:
        found.append(Finding("message", f"{len(messages)} lines on stderr"))
    for line in lines:
        if not (line.startswith(str(path)) or line.startswith("coopsim:")):
            found.append(Finding("message", f"a line does not name the file: {line[:200]!r}"))
            break
    return found


def judge_validate(path: Path) -> tuple[list[Finding], Outcome]:
    outcome = cli("validate", path)
    if outcome.error is not None:
        kind = "timeout" if isinstance(outcome.error, _TimeLimit) else "crash"
        return [Finding(kind, f"{type(outcome.error).__name__}: {str(outcome.error)[:300]}")], outcome
    if outcome.code == 2:
        return judge_message(path, outcome), outcome
    if outcome.code == 0:
        if outcome.out != f"{path}: ok\n" or outcome.err:
            return [Finding("message", f"validated with unexpected output: {outcome.out[:200]!r} {outcome.err[:200]!r}")], outcome
        return [], outcome
    return [Finding("exit-code", f"exit status {outcome.code}: {outcome.err[-300:]!r}")], outcome


def judge_run(path: Path) -> list[Finding]:
    """A validated scenario runs 3 paths to finite results and probabilities."""
    try:
        with bounded():
            results = simulate(load_scenario(path), paths=RUN_PATHS, workers=1, progress=False)
    except _TimeLimit:
        n = generic_projects_per_path(load_scenario(path))
        return [Finding("run-timeout", f"{RUN_PATHS} paths took more than {TIME_LIMIT} s ({n:.3g} generic projects a path)")]
    except BaseException as exc:  # noqa: BLE001
        n = generic_projects_per_path(load_scenario(path))
        return [Finding("run-crash", f"{type(exc).__name__}: {str(exc)[:300]} ({n:.3g} generic projects a path)")]
    found: list[Finding] = []
    s = results.summary
    for year, entry in s["p_reach_by_year"].items():
        if not 0.0 <= entry["p"] <= 1.0:
            found.append(Finding("probability", f"p_reach_by_year[{year}] = {entry['p']}"))
            break
    for year, stats in s["annual_trade_usd_bn"].items():
        bad = {k: v for k, v in stats.items() if not math.isfinite(v)}
        if bad:
            found.append(Finding("non-finite", f"annual_trade_usd_bn[{year}] = {bad}"))
            break
    return found


def check_input(path: Path) -> None:
    """The property: a clean rejection, or a scenario that validates and runs."""
    findings, outcome = judge_validate(path)
    note(f"validate: exit {outcome.code}, {outcome.seconds:.2f} s\n{outcome.err[:2000]}")
    event(f"validate: exit {outcome.code}" if outcome.error is None else f"validate: {type(outcome.error).__name__}")
    if outcome.code == 0 and outcome.error is None:
        findings += judge_run(path)
    assert not findings, "\n".join(f"{f.kind}: {f.detail}" for f in findings)


# ---------------------------------------------------------------- the workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scenarios/`` and ``seeds/`` copied into a temporary folder (the reference's history path resolves)."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    shutil.copytree(REPO / "seeds", root / "seeds")
    return root


def _write(ws: Path, content: str | bytes, name: str = "fuzz.toml") -> Path:
    path = ws / "scenarios" / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


SHIPPED_DOCS = {name: tomllib.loads((REPO / "scenarios" / name).read_text(encoding="utf-8")) for name in SHIPPED}
REFERENCE_BYTES = (REPO / "scenarios" / REFERENCE_NAME).read_bytes()


# ---------------------------------------------------------------- strategies

NAN, INF = math.nan, math.inf
SPECIAL_NUMBERS: list[Any] = [
    NAN, INF, -INF, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 1e-300, 0, 0.0, -0.0, -1, -1.0,
    2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30,
    1e-9, 0.999999, 1.0 - 1e-16, 1.0, 2.0000001, 1e5, 99_999.9, 1e6, 1e9,
    1950, 1949, 2200, 2201, 2300, 2301, 9999, 10**6, 1e8, LIMITS["max_paths"], LIMITS["max_paths"] + 1,
]  # fmt: skip
ODD_NAMES = [
    "", " ", "A", "1abc", "_a", "é", "a-b", "a.b", "a b", "a\nb", "a\rb", "名前", "\x00", "a\x00b",
    "nan", "inf", "true", "../x", "dist", "name", "fixed", "uz_cn_2025.toml", "../seeds/README.md", "../seeds",
    "/dev/null", "\u2028", "\ufeff", "a\tb", "\\", '"', "'''",
]  # fmt: skip
long_strings = st.sampled_from([64, 65, 300, 501, 2001, 10_000]).map(lambda n: "a" * n)  # built lazily: short strategy reprs
odd_names = st.sampled_from(ODD_NAMES) | long_strings
SCHEMA_KEYS = [
    "name", "description", "trade", "portfolio", "pipeline", "measures", "shocks", "run", "extends", "remove",
    "reporter", "base_year", "base_usd_bn", "target_usd_bn", "history", "growth", "observed", "mean", "sd",
    "target_reporter", "reporter_gap",
    "persistence", "df", "year", "months", "rest_of_year_log_growth", "financiers", "backlog", "implementation",
    "capacity_usd_bn_per_year", "capex_usd_bn", "cancel_probability", "max_concurrent_builds", "launches_per_year",
    "launch_trend", "warmup_years", "last_launch_year", "build_years", "delay_probability", "delay_years", "sector_mix", "financier_mix",
    "sectors", "projects", "construction_import_share", "exports_per_capex_per_year", "imports_per_capex_per_year",
    "ramp_up_years", "sector", "base_exports_usd_bn", "target_flow", "structural", "total_base_usd_bn", "total_growth",
    "share", "long_run", "exports_share", "correlation", "file", "value_usd_bn", "yoy_growth", "revision_sd", "direction",
    "stage", "financier", "construction_start", "completion_year", "finance_request_year", "trade_level_uplift",
    "trade_growth_uplift", "start", "effect_usd_bn_per_year", "probability_per_year", "depth", "recovery_years",
    "paths", "seed", "horizon_year",
]  # fmt: skip
DIST_PARAMS = ["dist", "value", "min", "max", "mode", "mean", "sd", "median", "p90", "lamb", "values", "weights"]

texts = st.text(max_size=30)  # hypothesis never draws lone surrogates, so every text is writable as UTF-8
keys = st.sampled_from(SCHEMA_KEYS) | odd_names | texts
huge_integers = st.sampled_from([30, 100, 400]).map(lambda e: 10**e)
numbers = st.sampled_from(SPECIAL_NUMBERS) | huge_integers | st.floats() | st.integers() | st.floats(-10, 3000)
datetimes = (
    st.datetimes(timezones=st.none() | st.just(dt.UTC)) | st.dates() | st.times()  # TOML local/offset date-times
)
scalars = numbers | st.booleans() | texts | odd_names | datetimes


def distribution_tables() -> st.SearchStrategy[dict[str, Any]]:
    """A table that looks like a distribution, with random keys and values."""
    param_values = numbers | st.lists(numbers, max_size=5) | scalars
    return st.builds(
        lambda dist, params: {"dist": dist, **params} if dist is not None else params,
        st.sampled_from(DISTRIBUTION_NAMES) | st.none() | texts,
        st.dictionaries(st.sampled_from(DIST_PARAMS[1:]) | texts, param_values, max_size=5),
    )


def deep_tables(depth: int) -> Any:
    node: Any = 1.0
    for _ in range(depth):
        node = {"a": node}
    return node


def trees(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
        max_leaves=max_leaves,
    )


def hostile_values(current: Any) -> st.SearchStrategy[Any]:
    options = [
        numbers,
        odd_names,
        st.booleans(),
        texts,
        datetimes,
        st.lists(scalars, max_size=4),
        st.dictionaries(keys, scalars, max_size=4),
        st.integers(1, 200).map(deep_tables),
        distribution_tables(),
    ]
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        options.insert(0, st.sampled_from(_nearby(current)))
    return st.one_of(options)


def _nearby(x: float) -> list[Any]:
    """Values derived from a number: its negative, zero, a huge multiple, neighbours."""
    out: list[Any] = [-x, 0 * x, x + 1, x - 1, x * 2]
    with contextlib.suppress(OverflowError):
        out.append(float(x) * 1e300)
    return out


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        out.append(path + (k,))
        out += _locations(v, path + (k,))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _dotted(doc: Any, path: tuple[Any, ...]) -> str:
    parts, node = [], doc
    for part in path:
        entry = node[part]
        if isinstance(part, int):
            name = entry.get("name") if isinstance(entry, dict) else None
            parts.append(name if isinstance(name, str) else f"[{part}]")
        else:
            parts.append(str(part))
        node = entry
    return ".".join(parts)


def _as_float(x: float) -> float:
    try:
        return float(x)
    except OverflowError:  # a huge TOML integer
        return INF if x > 0 else -INF


def tweaks(x: float) -> st.SearchStrategy[Any]:
    """Plausible changes of a number, so that many mutated scenarios still validate and run."""
    x = _as_float(x)
    if not math.isfinite(x):
        return st.sampled_from([0.0, 1.0, -1.0, 1e308])
    scale = min(abs(x), 1e300) or 1.0
    return st.one_of(
        st.floats(0, 10).map(lambda k: x * k),
        st.floats(-3 * scale, 3 * scale),
        st.sampled_from([x + 1e-9, x - 1e-9, x * (1 + 1e-15), math.nextafter(x, INF), math.nextafter(x, -INF), -x, 0.0, 1e-300]),
    )


def plausible_distributions(x: float) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed distribution tables around a number (extreme but legal parameters included)."""
    x = _as_float(x)
    if not math.isfinite(x):
        x = 1.0
    x = max(-1e300, min(x, 1e300))
    a = abs(x) or 1e-3
    spread = st.floats(1e-12, 1e3) | st.sampled_from([1e-300, 1e-9, 1e9, 1e300])
    return st.one_of(
        st.builds(lambda lo, w: {"dist": "uniform", "min": lo, "max": lo + w}, st.just(x) | st.floats(-2 * a, 2 * a), spread),
        st.builds(lambda w, m: {"dist": "triangular", "min": x - w, "mode": x - w + m * 2 * w, "max": x + w}, spread, st.floats(0, 1)),
        st.builds(
            lambda w, m, lamb: {"dist": "pert", "min": x - w, "mode": x - w + m * 2 * w, "max": x + w, "lamb": lamb},
            spread,
            st.floats(0, 1),
            st.floats(1e-6, 1e6) | st.sampled_from([5e-324, 1e-300, 1e300, 1.7976931348623157e308]),
        ),
        st.builds(lambda sd: {"dist": "normal", "mean": x, "sd": sd}, spread),
        st.builds(lambda k: {"dist": "lognormal", "median": a, "p90": a * k}, st.floats(1.0, 1e6, exclude_min=True) | st.just(1e300)),
        st.builds(
            lambda vs, ws: {"dist": "choice", "values": [x * v for v in vs], **({"weights": ws[: len(vs)]} if len(ws) >= len(vs) else {})},
            st.lists(st.floats(0, 3), min_size=1, max_size=4),
            st.lists(st.floats(0, 1e308) | st.sampled_from([5e-324, 1e308]), max_size=4),
        ),
    )


MUTATIONS = (
    "delete", "replace", "replace", "rename", "duplicate", "unknown-key", "distribution", "deep", "odd-name",
    "tweak", "plausible-distribution",
)  # fmt: skip
PLAUSIBLE_MUTATIONS = ("tweak", "tweak", "plausible-distribution")


def mutate(data: st.DataObject, doc: dict[str, Any], touched: list[str], kinds: tuple[str, ...] = MUTATIONS) -> None:
    """Apply one mutation, drawn by hypothesis, to ``doc`` in place."""
    kind = data.draw(st.sampled_from(kinds), label="mutation")
    locations = _locations(doc)
    if kind == "duplicate":
        lists = [p for p in locations if isinstance(_at(doc, p), list) and _at(doc, p)]
        if not lists:
            return
        path = data.draw(st.sampled_from(lists), label="array")
        array = _at(doc, path)
        array.append(copy.deepcopy(array[data.draw(st.integers(0, len(array) - 1), label="entry")]))
        touched.append(_dotted(doc, path))
        return
    if kind == "unknown-key":
        tables = [()] + [p for p in locations if isinstance(_at(doc, p), dict)]
        path = data.draw(st.sampled_from(tables), label="table")
        key = data.draw(keys, label="key")
        _at(doc, path)[key] = data.draw(scalars | distribution_tables(), label="value")
        touched.append(f"{_dotted(doc, path)}.{key}")
        return
    if kind == "odd-name":
        named = [
            p for p in locations if p[-1] in ("name", "sector", "financier", "stage", "history", "extends", "reporter", "target_reporter")
        ]
        if not named:
            return
        path = data.draw(st.sampled_from(named), label="name key")
        touched.append(_dotted(doc, path))
        _at(doc, path[:-1])[path[-1]] = data.draw(odd_names | texts, label="name")
        return
    if kind in ("tweak", "plausible-distribution"):
        locations = [p for p in locations if isinstance(_at(doc, p), (int, float)) and not isinstance(_at(doc, p), bool)]
    if not locations:
        return
    path = data.draw(st.sampled_from(locations), label="location")
    parent, last = _at(doc, path[:-1]), path[-1]
    touched.append(_dotted(doc, path))
    if kind == "delete":
        del parent[last]
    elif kind == "rename":
        if isinstance(parent, dict):
            new = data.draw(keys | st.just(str(last)[:-1]) | st.just(str(last) + "s") | st.just(str(last).upper()), label="new key")
            parent[new] = parent.pop(last)
            touched.append(_dotted(doc, path[:-1] + (new,)))
    elif kind == "distribution":
        parent[last] = data.draw(distribution_tables(), label="distribution")
    elif kind == "tweak":
        current = parent[last]
        new = data.draw(tweaks(current), label="tweak")
        parent[last] = int(new) if isinstance(current, int) and math.isfinite(new) else new
    elif kind == "plausible-distribution":
        parent[last] = data.draw(plausible_distributions(parent[last]), label="distribution")
    elif kind == "deep":
        parent[last] = deep_tables(data.draw(st.integers(1, 200), label="depth"))
    else:
        parent[last] = data.draw(hostile_values(parent[last]), label="value")


# ---------------------------------------------------------------- the writer itself


@PROFILE
@given(doc=st.dictionaries(keys, trees(), max_size=6))
def test_the_toml_writer_round_trips_any_tree(doc: dict[str, Any]) -> None:
    assert _same(tomllib.loads(dump_toml(doc)), doc)


@pytest.mark.parametrize("name", SHIPPED)
def test_the_toml_writer_round_trips_the_shipped_scenarios(name: str) -> None:
    assert _same(tomllib.loads(dump_toml(SHIPPED_DOCS[name])), SHIPPED_DOCS[name])


# ---------------------------------------------------------------- 1. mutations of the shipped scenarios


@PROFILE
@given(name=st.sampled_from(SHIPPED), steps=st.integers(1, 4), data=st.data())
def test_a_mutated_shipped_scenario_is_rejected_cleanly_or_runs(ws: Path, name: str, steps: int, data: st.DataObject) -> None:
    doc = copy.deepcopy(SHIPPED_DOCS[name])
    touched: list[str] = []
    for _ in range(steps):
        mutate(data, doc, touched)
    note(f"{name}, mutated at {touched}")
    path = _write(ws, dump_toml(doc))
    check_input(path)


@PROFILE
@given(name=st.sampled_from(SHIPPED), steps=st.integers(1, 3), data=st.data())
def test_a_shipped_scenario_with_extreme_but_plausible_numbers_is_rejected_cleanly_or_runs(
    ws: Path, name: str, steps: int, data: st.DataObject
) -> None:
    """Numbers scaled, shifted, nudged to their neighbours, or made into legal distributions with extreme parameters:
    more of these validate, so this property mostly exercises the simulator."""
    doc = copy.deepcopy(SHIPPED_DOCS[name])
    touched: list[str] = []
    for _ in range(steps):
        mutate(data, doc, touched, PLAUSIBLE_MUTATIONS)
    note(f"{name}, mutated at {touched}")
    path = _write(ws, dump_toml(doc), "plausible.toml")
    check_input(path)


# ---------------------------------------------------------------- 2. random TOML trees


@PROFILE
@given(doc=st.dictionaries(keys, trees(), max_size=8))
def test_a_random_toml_tree_is_rejected_cleanly(ws: Path, doc: dict[str, Any]) -> None:
    path = _write(ws, dump_toml(doc), "tree.toml")
    check_input(path)


# ---------------------------------------------------------------- 3. raw bytes


def _flip(data: bytes, flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, xor in flips:
        out[pos % len(out)] ^= xor
    return bytes(out)


def _insert(data: bytes, pos: int, chunk: bytes) -> bytes:
    pos %= len(data) + 1
    return data[:pos] + chunk + data[pos:]


raw_inputs = st.one_of(
    st.binary(max_size=4000).map(lambda b: ("random bytes", b)),
    st.builds(
        lambda pos, bad: ("not UTF-8", _insert(REFERENCE_BYTES, pos, bad)),
        st.integers(0, len(REFERENCE_BYTES)),
        st.sampled_from([b"\xff", b"\xfe\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xc0\xaf"]),
    ),
    st.integers(0, len(REFERENCE_BYTES)).map(lambda k: ("truncated", REFERENCE_BYTES[:k])),
    st.lists(st.tuples(st.integers(0, len(REFERENCE_BYTES) - 1), st.integers(1, 255)), min_size=1, max_size=8).map(
        lambda flips: ("byte flips", _flip(REFERENCE_BYTES, flips))
    ),
    st.builds(
        lambda pos, chunk: ("inserted bytes", _insert(REFERENCE_BYTES, pos, chunk)),
        st.integers(0, len(REFERENCE_BYTES)),
        st.binary(min_size=1, max_size=40),
    ),
)


@PROFILE
@given(raw=raw_inputs)
def test_raw_bytes_are_rejected_cleanly_or_run(ws: Path, raw: tuple[str, bytes]) -> None:
    what, content = raw
    note(what)
    path = _write(ws, content, "bytes.toml")
    check_input(path)


# ---------------------------------------------------------------- 4. absurd sizes


def _limit_in(message: str, limit: int) -> bool:
    """The number appears as a whole number, written with or without thousands separators."""
    return any(re.search(rf"(?<![\d.,_]){re.escape(text)}(?![\d_]|[.,]\d)", message) for text in (str(limit), f"{limit:,}", f"{limit:_}"))


def _variant(ws: Path, name: str, **changes: Any) -> Path:
    doc = copy.deepcopy(SHIPPED_DOCS[REFERENCE_NAME])
    for dotted, value in changes.items():
        table, key = dotted.rsplit("__", 1)
        doc[table][key] = value
    return _write(ws, dump_toml(doc), name)


BASE_YEAR = load_scenario(REPO / "scenarios" / REFERENCE_NAME).trade.base_year  # the view takes it from its record
ABSURD: dict[str, tuple[Callable[[Path], list[str | Path]], str]] = {
    # id: (command line built in the workspace, the LIMITS entry the message must state)
    "--paths 10**12": (lambda w: ["run", w / "scenarios" / REFERENCE_NAME, "--paths", "1000000000000"], "max_paths"),
    "--paths 10**8+1": (lambda w: ["run", w / "scenarios" / REFERENCE_NAME, "--paths", str(LIMITS["max_paths"] + 1)], "max_paths"),
    "--max-paths 10**12": (
        lambda w: ["run", w / "scenarios" / REFERENCE_NAME, "--precision", "0.01", "--max-paths", "1000000000000"],
        "max_paths",
    ),
    "compare --paths 10**12": (
        lambda w: ["compare", w / "scenarios" / REFERENCE_NAME, w / "scenarios" / "uz_cn_trade_shock.toml", "--paths", "10" + "0" * 12],
        "max_paths",
    ),
    "run.paths = 10**12": (lambda w: ["run", _variant(w, "paths.toml", run__paths=10**12)], "max_paths"),
    "horizon 100 years + 1": (
        lambda w: ["run", _variant(w, "h101.toml", run__horizon_year=BASE_YEAR + LIMITS["max_horizon_years"] + 1)],
        "max_horizon_years",
    ),
    "horizon_year = 2300": (lambda w: ["run", _variant(w, "h2300.toml", run__horizon_year=2300)], "max_horizon_years"),
    "horizon_year = 9999": (lambda w: ["run", _variant(w, "h9999.toml", run__horizon_year=9999)], "max_horizon_years"),
    "horizon 10**6 years": (lambda w: ["run", _variant(w, "h1e6.toml", run__horizon_year=BASE_YEAR + 10**6)], "max_horizon_years"),
}


@pytest.mark.parametrize("case", ABSURD, ids=list(ABSURD))
def test_an_absurd_size_is_refused_at_once_without_work(ws: Path, case: str) -> None:
    build, _ = ABSURD[case]
    out = ws / f"results_{abs(hash(case))}"
    args = [*build(ws), "--out", out, "--workers", "1", "--quiet"]
    outcome = cli(*args, seconds=30)
    assert outcome.error is None, repr(outcome.error)
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert outcome.seconds < 3.0
    assert not out.exists()
    assert "Traceback" not in outcome.err
    assert outcome.err.strip() and len(outcome.err.strip().splitlines()) <= MAX_LINES
    assert re.search(r"must be|at most", outcome.err), outcome.err


@pytest.mark.parametrize("case", ABSURD, ids=list(ABSURD))
def test_the_refusal_of_an_absurd_size_states_the_limit(ws: Path, case: str) -> None:
    build, limit = ABSURD[case]
    outcome = cli(*build(ws), "--out", ws / "results_limit", "--workers", "1", "--quiet", seconds=30)
    assert outcome.code == 2
    assert _limit_in(outcome.err, LIMITS[limit]), outcome.err


# ---------------------------------------------------------------- regressions: the bugs fuzzing found


def _reference_with(ws: Path, name: str, changes: dict[str, Any]) -> Path:
    """The reference with values set at dotted paths (entries of arrays addressed by name), written as TOML."""
    doc = copy.deepcopy(SHIPPED_DOCS[REFERENCE_NAME])
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        node: Any = doc
        for part in parents:
            node = next(e for e in node if e.get("name") == part) if isinstance(node, list) else node[part]
        node[last] = value
    return _write(ws, dump_toml(doc), name)


def _clean_or_runs(path: Path) -> list[Finding]:
    findings, outcome = judge_validate(path)
    if outcome.code == 0 and outcome.error is None:
        findings += judge_run(path)
    return findings


def _refused_at_once(ws: Path, path: Path) -> Outcome:
    """``coopsim run`` on a scenario that asks for absurd work: exit 2 at once, no results folder."""
    out = ws / "results_refused"
    outcome = cli("run", path, "--paths", "3", "--workers", "1", "--quiet", "--out", out)
    assert outcome.error is None, f"{type(outcome.error).__name__}: {str(outcome.error)[:300]}"
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert not out.exists()
    return outcome


def test_regression_a_history_path_with_a_nul_character_is_rejected_cleanly(ws: Path) -> None:
    # trade.history = "a\u0000b.csv"; coopsim validate FILE
    assert _clean_or_runs(_reference_with(ws, "history_nul.toml", {"trade.history": "a\x00b.csv"})) == []


def test_regression_a_history_path_too_long_for_the_file_system_is_rejected_cleanly(ws: Path) -> None:
    # trade.history = "xxx...x" (300 characters, within max_length = 500); coopsim validate FILE
    assert _clean_or_runs(_reference_with(ws, "history_long.toml", {"trade.history": "x" * 300})) == []


def test_regression_an_extends_path_with_a_nul_character_is_rejected_cleanly(ws: Path) -> None:
    # extends = "a\u0000.toml"; coopsim validate FILE
    assert _clean_or_runs(_write(ws, 'extends = "a\\u0000.toml"\nname = "x"\n', "extends_nul.toml")) == []


def test_regression_a_history_file_that_is_not_a_history_csv_is_rejected_by_validate(ws: Path) -> None:
    # trade.history = "uz_cn_2025.toml" (an existing file, not a CSV): validate says ok, then
    # coopsim run FILE simulates every path and only then exits 2 (HistoryError)
    assert _clean_or_runs(_reference_with(ws, "history_toml.toml", {"trade.history": REFERENCE_NAME})) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("trade.structural.total_growth.mean", 1000.0),
        ("trade.nowcast.prior_spread", 3.0),  # the widest seasonal law a view allows (the stated form: rest_of_year_log_growth)
        ("pipeline.sectors.energy.exports_per_capex_per_year", 1e308),
        ("pipeline.sectors.energy.imports_per_capex_per_year", -1e308),
        ("trade.structural.share.sd", 1000.0),
        ("trade.exports_share.correlation", 1000.0),
        ("measures.visa_free.effect_usd_bn_per_year", 1e308),
    ],
)
def test_regression_an_input_without_a_range_cannot_make_trade_non_finite(ws: Path, key: str, value: float) -> None:
    # KEY = VALUE in the reference; coopsim validate FILE says ok; simulate(load_scenario(FILE), paths=3)
    # reports NaN quantiles (growth, rest of year, trade per capex) or an inf mean (measure effect)
    assert _clean_or_runs(_reference_with(ws, "unbounded.toml", {key: value})) == []


@pytest.mark.parametrize(
    "changes",
    [
        {"pipeline.capex_usd_bn": 1e-300},  # backlog 22 / 1e-300 projects: MemoryError traceback at once
        {"pipeline.capex_usd_bn": 1e-6},  # 22 million backlog projects a path: about 20 s a path
        {"pipeline.launch_trend": 1.0, "run.horizon_year": 2124},  # ValueError: Maximum allowed dimension exceeded
        {"pipeline.launch_trend": 1.0},  # 4 million launches a path: about 3 s a path
        {"pipeline.launches_per_year": 30_000.0, "pipeline.warmup_years": 50, "run.horizon_year": 2124},  # 89 million: MemoryError
    ],
    ids=["capex-1e-300", "capex-1e-6", "trend-1-horizon-2124", "trend-1", "launches-30000-100-years"],
)
def test_regression_a_scenario_asking_for_billions_of_projects_is_refused_before_work(ws: Path, changes: dict[str, Any]) -> None:
    # CHANGES in the reference; coopsim run FILE --paths 3
    _refused_at_once(ws, _reference_with(ws, "projects.toml", changes))


@pytest.mark.parametrize("key", ["a\nb", "a\rb"])
def test_regression_every_line_names_the_file_when_a_key_holds_a_line_break(ws: Path, key: str) -> None:
    # [trade.structural.total_growth] "a\nb" = 1; coopsim validate FILE
    doc = copy.deepcopy(SHIPPED_DOCS[REFERENCE_NAME])
    doc["trade"]["structural"]["total_growth"][key] = 1
    path = _write(ws, dump_toml(doc), "line_break.toml")
    outcome = cli("validate", path)
    assert outcome.code == 2
    assert judge_message(path, outcome) == []


def test_regression_every_line_names_the_file_when_there_are_more_than_8_problems(ws: Path) -> None:
    # a file with 9+ problems; coopsim validate FILE
    path = _write(ws, "\n".join(f"k{i} = 1" for i in range(10)) + "\n", "many_problems.toml")
    outcome = cli("validate", path)
    assert outcome.code == 2
    assert judge_message(path, outcome) == []
