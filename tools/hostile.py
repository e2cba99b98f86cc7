#!/usr/bin/env python3
"""Hostile test cases for the coopsim command line (stdlib only; shells out to the tool).

Usage:
    python3 tools/hostile.py [--code-root CHECKOUT] [--python CHECKOUT/.venv/bin/python]
                       [--only SUBSTRING] [--category CAT] [--list] [--keep] [--scratch DIR]

Every case builds its files in a fresh temporary folder (scenario and seeds copies,
results folders copied from one tiny run made at start-up, symlinks, ...), runs one
coopsim command with a timeout, and checks the promises:

* a wrong input ends with a short readable message on stderr and exit status 2,
  never a traceback, never another status (0 success; 130/143 only for signals);
* a results folder is written whole or not at all; --force never deletes or changes
  files coopsim did not write; nothing writes through a symlink onto a results file
  or onto the command's own inputs (scenario file, data CSV);
* an output destination that cannot be written is refused before any simulation
  (checked by time with a large --paths);
* messages never echo a huge user value whole.

Expectations are written from those promises, not from today's behaviour.

Generic checks applied to every case:
  exit status in the case's allowed set; no "Traceback (most recent call last)" on
  stderr; stderr at most N lines (default 40), each at most 500 characters, at most
  20 000 characters in all; a non-empty message when the status is 2; no hidden
  '.NAME.partial-*' / '.NAME.old-*' folders left anywhere in the case folder; every
  protected file (the case's scenarios/ and seeds/ copies, plus whatever the case
  protects: user notes, symlink targets, ...) unchanged byte for byte, and still there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CODE_ROOT = str(HERE.parent)
DEFAULT_PYTHON = str(HERE.parent / ".venv" / "bin" / "python")
REF = "uz_cn_2025.toml"
TINY = ["--paths", "20", "--workers", "1", "--quiet"]
SLOW_PATHS = "4000"  # ~12-15 s of simulation on this machine: a late refusal is obvious by time
FAST_LIMIT = 9.0  # seconds: an early refusal costs only start-up (~2-4 s)
MEM_LIMIT = 6 * 1024**3  # address-space cap per child, so a runaway read cannot take the machine
TRACEBACK = "Traceback (most recent call last)"
MB = 1024 * 1024


# --------------------------------------------------------------------------- plumbing


class Ctx:
    """Per-case context: a fresh folder with copies of the scenarios and seeds."""

    def __init__(self, h: Harness, tmp: Path):
        self.h = h
        self.tmp = tmp
        self.code_root = h.code_root
        shutil.copytree(h.code_root / "scenarios", tmp / "scenarios")
        shutil.copytree(h.code_root / "seeds", tmp / "seeds")
        self.scn = tmp / "scenarios" / REF
        self.view = tmp / "scenarios" / "view.toml"  # the shipped reference: a view of the dated record
        shutil.copy(self.scn, self.view)
        # the cases mutate the reference's stated form (base year and observation written in the file)
        sys.path.insert(0, str(h.code_root / "tests"))
        from helpers import stated_reference_text

        self.scn.write_text(stated_reference_text(self.view.read_text(encoding="utf-8")), encoding="utf-8")
        self.seeds = tmp / "seeds"
        self.hist = self.seeds / "uz_cn_trade_history.csv"
        self.partial = self.seeds / "uz_cn_trade_partial_2025.csv"
        self.context = self.seeds / "uz_trade_context.csv"
        self.protected: dict[Path, object] = {}
        self.out = tmp / "out"

    # files ---------------------------------------------------------------
    def write(self, rel: str, data: bytes | str) -> Path:
        p = self.tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        p.write_bytes(data)
        return p

    def mut(self, old: str, new: str, fname: str = "hostile.toml", base: Path | None = None) -> Path:
        """A copy of the reference scenario (next to it, so ../seeds paths hold) with ``old`` replaced once."""
        text = (base or self.scn).read_text(encoding="utf-8")
        if old not in text:
            raise RuntimeError(f"mutation anchor not found: {old!r}")
        p = self.scn.parent / fname
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
        return p

    def append(self, extra: str, fname: str = "hostile.toml") -> Path:
        p = self.scn.parent / fname
        p.write_text(self.scn.read_text(encoding="utf-8") + "\n" + extra + "\n", encoding="utf-8")
        return p

    def csv_rows(self, path: Path) -> tuple[list[str], list[list[str]]]:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        return rows[0], rows[1:]

    def csv_write(self, path: Path, header: list[str] | None, rows: list[list[str]]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")

    def results(self, name: str = "out") -> Path:
        """A copy of the harness's base results folder (made by a real tiny run) at tmp/name."""
        if self.h.base_results is None:
            raise RuntimeError("base results folder missing (the start-up tiny run failed)")
        dst = self.tmp / name
        shutil.copytree(self.h.base_results, dst, symlinks=True)
        return dst

    def fresh_run(self, name: str = "res", scenario: Path | None = None) -> Path:
        """A results folder made now by a real tiny run of this case's scenario copy."""
        dst = self.tmp / name
        r = self.h.sim(["run", str(scenario or self.scn), *TINY, "--out", str(dst)], cwd=self.tmp, timeout=180)
        if r.returncode != 0:
            raise RuntimeError(f"setup run failed ({r.returncode}): {r.stderr[-300:]}")
        return dst

    def protect(self, *paths: Path) -> None:
        for p in paths:
            self.protected[p] = snapshot(p)

    def manifest(self, folder: Path) -> dict:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))

    def set_manifest(self, folder: Path, m: dict) -> None:
        (folder / "manifest.json").write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")

    def relist(self, folder: Path, name: str) -> None:
        """Update the manifest's checksum of ``name`` (so an edited file passes the checksum)."""
        m = self.manifest(folder)
        m["files"][name] = sha(folder / name)
        self.set_manifest(folder, m)

    def a_file(self, rel: str = "user_file.txt", data: bytes = b"a user's own file, not coopsim's\n") -> Path:
        return self.write(rel, data)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def snapshot(p: Path) -> object:
    """A comparable picture of a path: bytes hash for files, link target for symlinks, recursive for dirs."""
    if p.is_symlink():
        return ("link", os.readlink(p))
    if not p.exists():
        return ("absent",)
    if p.is_dir():
        return ("dir", {c.name: snapshot(c) for c in sorted(p.iterdir())})
    return ("file", sha(p))


def diff_snapshot(a: object, b: object, where: str) -> list[str]:
    if a == b:
        return []
    if a[0] == "dir" and b[0] == "dir":
        out = []
        for k in sorted(set(a[1]) | set(b[1])):
            if k not in b[1]:
                out.append(f"{where}/{k} LOST")
            elif k not in a[1]:
                continue  # new files in a protected folder are judged by the case's own checks
            else:
                out += diff_snapshot(a[1][k], b[1][k], f"{where}/{k}")
        return out
    if b[0] == "absent":
        return [f"{where} LOST"]
    return [f"{where} CHANGED ({a[0]} -> {b[0]})"]


class Res:
    def __init__(self, rc, stdout: str, stderr: str, seconds: float):
        self.rc, self.stdout, self.stderr, self.seconds = rc, stdout, stderr, seconds


class Spec:
    """What to run and what to expect.

    expect: allowed exit statuses. checks: callables (ctx, res) -> None or a failure string.
    max_seconds: the command must end within this (destination refused before the simulation).
    signal_after/sig/group: send a signal after that many seconds (to the process group if group).
    """

    def __init__(
        self,
        argv,
        expect=(2,),
        checks=(),
        timeout=120,
        max_seconds=None,
        cwd=None,
        signal_after=None,
        sig=signal.SIGINT,
        group=True,
        max_lines=40,
        stdout_mode=None,
        note="",
    ):
        self.argv = [str(a) for a in argv]
        self.expect = tuple(expect)
        self.checks = list(checks)
        self.timeout = timeout
        self.max_seconds = max_seconds
        self.cwd = cwd
        self.signal_after = signal_after
        self.sig = sig
        self.group = group
        self.max_lines = max_lines
        self.stdout_mode = stdout_mode  # None | "devfull" | "close_early"
        self.note = note


class Case:
    def __init__(self, name, category, setup, doc=""):
        self.name, self.category, self.setup, self.doc = name, category, setup, doc


CASES: list[Case] = []


def case(name, category, doc=""):
    def deco(fn):
        CASES.append(Case(name, category, fn, doc or (fn.__doc__ or "").strip()))
        return fn

    return deco


# --------------------------------------------------------------------------- checks


def absent(p: Path):
    def chk(ctx, res):
        return f"{p.name} exists but must not" if (p.exists() or p.is_symlink()) else None

    return chk


def exists(p: Path):
    def chk(ctx, res):
        return None if p.exists() else f"{p} missing"

    return chk


def whole_or_nothing(p: Path, existed: bool = False):
    """On success the folder is a complete results folder; on failure nothing new (no folder, or no manifest)."""

    def chk(ctx, res):
        if res.rc == 0:
            return verify_folder(p)
        if not existed and (p.exists() or p.is_symlink()):
            return f"command failed but {p.name} was (partly) written"
        return None

    return chk


def no_manifest(p: Path):
    def chk(ctx, res):
        return f"{p.name}/manifest.json exists: a folder that looks complete" if (p / "manifest.json").exists() else None

    return chk


def verify_folder(p: Path) -> str | None:
    try:
        m = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
        for name, digest in m["files"].items():
            if sha(p / name) != digest:
                return f"{p.name}/{name} does not match its manifest checksum"
    except Exception as exc:  # noqa: BLE001
        return f"{p.name} is not a complete results folder ({type(exc).__name__}: {str(exc)[:80]})"
    return None


def complete(p: Path):
    def chk(ctx, res):
        return verify_folder(p) if res.rc == 0 else None

    return chk


def stdout_has(s: str, count: int | None = None):
    def chk(ctx, res):
        n = res.stdout.count(s)
        if count is None:
            return None if n else f"stdout lacks {s!r}"
        return None if n == count else f"stdout has {n} x {s!r}, want {count}"

    return chk


def stderr_mentions_each(names: list[str]):
    def chk(ctx, res):
        missing = [n for n in names if n not in res.stderr]
        return f"stderr does not name {len(missing)} bad file(s), e.g. {missing[0]}" if missing else None

    return chk


def no_path(glob_root: Path, pattern: str):
    def chk(ctx, res):
        hits = list(glob_root.glob(pattern))
        return f"unexpected {hits[0]}" if hits else None

    return chk


# --------------------------------------------------------------------------- harness


class Harness:
    def __init__(self, code_root: Path, python: str, scratch: Path, keep: bool):
        self.code_root = code_root
        self.python = python
        self.scratch = scratch
        self.keep = keep
        self.base_results: Path | None = None
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=scratch))

    def env(self):
        e = dict(os.environ)
        e["PYTHONPATH"] = str(self.code_root)
        e["MPLBACKEND"] = "Agg"
        e.pop("PYTHONWARNINGS", None)
        e["OMP_NUM_THREADS"] = "1"
        e["OPENBLAS_NUM_THREADS"] = "1"
        e["MKL_NUM_THREADS"] = "1"
        return e

    def cmd(self, argv):
        return [self.python, "-m", "sim", *argv]

    def sim(self, argv, cwd, timeout=120):
        return subprocess.run(
            self.cmd(argv), cwd=cwd, env=self.env(), capture_output=True, text=True, errors="replace", timeout=timeout, preexec_fn=_limits
        )

    def make_base(self):
        base = self.run_dir / "base"
        shutil.copytree(self.code_root / "scenarios", base / "scenarios")
        shutil.copytree(self.code_root / "seeds", base / "seeds")
        out = base / "results"
        r = self.sim(["run", str(base / "scenarios" / REF), *TINY, "--out", str(out)], cwd=base, timeout=240)
        if r.returncode == 0 and (out / "manifest.json").exists():
            self.base_results = out
        else:
            print(f"WARNING: base tiny run failed ({r.returncode}): {r.stderr[-400:]}", file=sys.stderr)

    def execute(self, spec: Spec, ctx: Ctx) -> Res:
        stdout_target = subprocess.PIPE
        devfull = None
        if spec.stdout_mode == "devfull":
            devfull = open("/dev/full", "wb")
            stdout_target = devfull
        t0 = time.monotonic()
        proc = subprocess.Popen(
            self.cmd(spec.argv),
            cwd=spec.cwd or ctx.tmp,
            env=self.env(),
            stdout=stdout_target,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_limits,
        )
        out_b = b""
        try:
            if spec.stdout_mode == "close_early":
                out_b = proc.stdout.read(64)
                proc.stdout.close()
                err_b = proc.stderr.read()
                proc.wait(timeout=spec.timeout)
            elif spec.signal_after is not None:
                time.sleep(spec.signal_after)
                if proc.poll() is None:
                    if spec.group:
                        os.killpg(proc.pid, spec.sig)
                    else:
                        os.kill(proc.pid, spec.sig)
                out_b, err_b = proc.communicate(timeout=spec.timeout)
            else:
                out_b, err_b = proc.communicate(timeout=spec.timeout)
            rc = proc.returncode
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                out_b, err_b = proc.communicate(timeout=10)
            except Exception:  # noqa: BLE001
                err_b = b""
            rc = "TIMEOUT"
        finally:
            if devfull:
                devfull.close()
        dt = time.monotonic() - t0
        return Res(rc, (out_b or b"").decode("utf-8", "replace"), (err_b or b"").decode("utf-8", "replace"), dt)

    def run_case(self, c: Case) -> tuple[bool, str]:
        tmp = Path(tempfile.mkdtemp(prefix=f"{c.name[:40]}-", dir=self.run_dir))
        try:
            ctx = Ctx(self, tmp)
            try:
                spec = c.setup(ctx)
            except Exception as exc:  # noqa: BLE001
                return False, f"ERROR {c.name:<44} setup failed: {type(exc).__name__}: {exc}"[:400]
            # the command's own inputs are always protected
            ctx.protect(ctx.tmp / "scenarios", ctx.tmp / "seeds")
            ctx.protected = dict(ctx.protected)
            res = self.execute(spec, ctx)
            fails = judge(spec, ctx, res)
            ok = not fails
            first = " | ".join(res.stderr.strip().splitlines())[:150].replace("\t", " ")
            tb = "TB " if TRACEBACK in res.stderr else ""
            line = f"{'PASS' if ok else 'FAIL'} {c.category:<9} {c.name:<44} rc={str(res.rc):<7} {res.seconds:6.1f}s {tb}| {first}"
            if fails:
                line += "\n        -> " + "; ".join(fails)
            return ok, line
        finally:
            if not self.keep:
                _rmtree(tmp)


def _limits():
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
    except (ValueError, OSError):
        pass


def _rmtree(p: Path):
    # undo any chmod so root-owned trees always go
    shutil.rmtree(p, ignore_errors=True)


def leftovers(root: Path) -> list[str]:
    hits = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            if n.startswith(".") and (".partial" in n or ".old-" in n):
                hits.append(os.path.relpath(os.path.join(dirpath, n), root))
        if dirpath.count(os.sep) - str(root).count(os.sep) > 4:
            dirnames[:] = []
    return hits


def judge(spec: Spec, ctx: Ctx, res: Res) -> list[str]:
    f = []
    if res.rc not in spec.expect:
        f.append(f"exit {res.rc}, want {'/'.join(map(str, spec.expect))}")
    if TRACEBACK in res.stderr:
        last = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
        f.append(f"traceback ({last[-1][:120] if last else ''})")
    lines = res.stderr.splitlines()
    if len(lines) > spec.max_lines:
        f.append(f"stderr has {len(lines)} lines (max {spec.max_lines})")
    longest = max((len(ln) for ln in lines), default=0)
    if longest > 500:
        f.append(f"stderr line of {longest} chars (max 500)")
    if len(res.stderr) > 20000:
        f.append(f"stderr is {len(res.stderr)} chars")
    if res.rc == 2 and not res.stderr.strip():
        f.append("exit 2 with no message")
    if spec.max_seconds is not None and res.seconds > spec.max_seconds:
        f.append(f"took {res.seconds:.1f}s (destination must be refused before the simulation: < {spec.max_seconds}s)")
    left = leftovers(ctx.tmp)
    if left:
        f.append(f"leftover temp folder {left[0]}")
    for p, before in ctx.protected.items():
        after = snapshot(p)
        d = diff_snapshot(before, after, os.path.relpath(p, ctx.tmp))
        if d:
            f.append("user/input file damaged: " + ", ".join(d[:4]) + (f" (+{len(d) - 4} more)" if len(d) > 4 else ""))
    for chk in spec.checks:
        try:
            msg = chk(ctx, res)
        except Exception as exc:  # noqa: BLE001
            msg = f"check crashed: {type(exc).__name__}: {exc}"
        if msg:
            f.append(msg)
    return f


# --------------------------------------------------------------------------- helpers for cases


def run_tiny(ctx: Ctx, scenario, *extra, out=None, expect=(2,), checks=(), **kw) -> Spec:
    out = ctx.out if out is None else out
    return Spec(["run", scenario, *TINY, "--out", out, *extra], expect=expect, checks=[whole_or_nothing(out), *checks], **kw)


def scn_case(name, doc, make, expect=(2,), extra=()):
    """A scenario-file case: ``make(ctx)`` returns the scenario path; run it tiny."""

    @case(name, "scenario", doc)
    def _setup(ctx):
        return run_tiny(ctx, make(ctx), *extra, expect=expect)

    return _setup


HUGE = 1 * MB


# =========================================================================== cases: scenario files

scn_case("scn_wrong_type_string", "a number given as a string", lambda c: c.mut("base_usd_bn = 12.4", 'base_usd_bn = "twelve"'))
scn_case(
    "scn_bool_for_number",
    "true where a number belongs (must not be read as 1.0)",
    lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = true"),
)
scn_case("scn_date_for_year", "a TOML date where a year belongs", lambda c: c.mut("base_year = 2024", "base_year = 2024-01-01"))
scn_case(
    "scn_unknown_key", "an unknown key under [trade]", lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = 12.4\nbase_usd_bnn = 12.4")
)
scn_case("scn_unknown_table", "an unknown top-level table", lambda c: c.append("[nonsense]\nx = 1"))
scn_case("scn_nan", "nan as a money value", lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = nan"))
scn_case("scn_inf", "inf as a money value", lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = inf"))
scn_case(
    "scn_nan_in_distribution",
    "nan inside a distribution",
    lambda c: c.mut('mean = {dist = "normal", mean = 0.0788788, sd = 0.036115}', 'mean = {dist = "normal", mean = nan, sd = 0.036115}'),
)
scn_case("scn_negative_money", "negative base trade", lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = -12.4"))
scn_case("scn_huge_float", "1e308 base trade (overflows in arithmetic)", lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = 1e308"))
scn_case(
    "scn_huge_int_year", "a 30-digit horizon year", lambda c: c.mut("horizon_year = 2035", "horizon_year = 999999999999999999999999999999")
)
scn_case("scn_horizon_before_base", "horizon before the base year", lambda c: c.mut("horizon_year = 2035", "horizon_year = 2020"))
scn_case(
    "scn_huge_int_launches",
    "10**20 pipeline launches a year",
    lambda c: c.mut("launches_per_year = 71", "launches_per_year = 100000000000000000000"),
)
scn_case("scn_probability_gt_1", "a probability of 1.5", lambda c: c.mut("cancel_probability = 0.1", "cancel_probability = 1.5"))
scn_case(
    "scn_dist_unknown",
    "an unknown distribution name",
    lambda c: c.mut('dist = "normal", mean = 0.0788788', 'dist = "bogus", mean = 0.0788788'),
)
scn_case(
    "scn_dist_missing_param",
    "a normal without sd",
    lambda c: c.mut('mean = {dist = "normal", mean = 0.0788788, sd = 0.036115}', 'mean = {dist = "normal", mean = 0.0788788}'),
)
scn_case(
    "scn_pert_min_gt_max", "pert with min > max", lambda c: c.mut("min = 1.0, mode = 2.0, max = 4.0", "min = 5.0, mode = 2.0, max = 4.0")
)
scn_case(
    "scn_mix_is_list",
    "sector_mix as a list",
    lambda c: c.mut(
        "sector_mix = { energy = 0.30, mining_metals = 0.15, chemicals = 0.15, manufacturing = 0.15, agriculture_food = 0.10, infrastructure = 0.12, automotive = 0.03 }",
        "sector_mix = [0.3, 0.7]",
    ),
)
scn_case(
    "scn_mix_negative",
    "a negative weight in sector_mix",
    lambda c: c.mut("sector_mix = { energy = 0.30,", "sector_mix = { energy = -0.30,"),
)
scn_case(
    "scn_unknown_sector",
    "a project in a sector that does not exist",
    lambda c: c.mut('sector = "infrastructure"', 'sector = "nonexistent_sector"'),
)
scn_case(
    "scn_unknown_financier", "a project whose financier does not exist", lambda c: c.mut('financier = "cdb"', 'financier = "nobody_bank"')
)
scn_case("scn_duplicate_project", "two projects with the same name", lambda c: c.mut('name = "olefin_complex"', 'name = "cku_railway"'))
scn_case(
    "scn_duplicate_toml_key",
    "the same key twice (invalid TOML)",
    lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = 12.4\nbase_usd_bn = 13.0"),
)
scn_case(
    "scn_table_as_number",
    "a scenario extending the reference sets [trade] structural = 5",
    lambda c: c.write("scenarios/tn.toml", 'extends = "uz_cn_2025.toml"\nname = "tn"\n[trade]\nstructural = 5\n'),
)
scn_case(
    "scn_huge_string_reporter",
    "a 1 MB reporter code (message must not echo it)",
    lambda c: c.mut('reporter = "UZ"', 'reporter = "' + "X" * HUGE + '"'),
)
scn_case(
    "scn_huge_string_unknown_key",
    "a 1 MB unknown key name",
    lambda c: c.mut("base_usd_bn = 12.4", "base_usd_bn = 12.4\n" + "k" * HUGE + " = 1"),
)
scn_case(
    "scn_huge_string_description",
    "a 1 MB description (valid; success or 2, short messages)",
    lambda c: c.mut('description = "Reference:', 'description = "' + "D" * HUGE + " Reference:"),
    expect=(0, 2),
)
scn_case("scn_binary_garbage", "64 KB of random bytes", lambda c: c.write("scenarios/garbage.toml", os.urandom(65536)))
scn_case("scn_empty_file", "a 0-byte scenario", lambda c: c.write("scenarios/empty.toml", b""))
scn_case("scn_only_comment", "a scenario with only a comment", lambda c: c.write("scenarios/comment.toml", "# nothing here\n"))
scn_case("scn_is_directory", "a directory given as the scenario", lambda c: c.tmp / "scenarios")
scn_case("scn_nonexistent", "a scenario that does not exist", lambda c: c.tmp / "scenarios" / "no_such.toml")
scn_case("scn_dev_null", "/dev/null as the scenario", lambda c: Path("/dev/null"))
scn_case(
    "scn_bom",
    "UTF-8 BOM before the TOML (success or 2, no traceback)",
    lambda c: c.write("scenarios/bom.toml", b"\xef\xbb\xbf" + c.scn.read_bytes()),
    expect=(0, 2),
)
scn_case(
    "scn_utf16", "the scenario saved as UTF-16", lambda c: c.write("scenarios/u16.toml", c.scn.read_text(encoding="utf-8").encode("utf-16"))
)
scn_case(
    "scn_invalid_utf8_string",
    "a latin-1 byte inside a string",
    lambda c: c.write("scenarios/l1.toml", c.scn.read_bytes().replace(b'description = "Reference:', b'description = "R\xe9ference:', 1)),
)
scn_case("scn_deep_nesting_array", "an array nested 100 000 deep", lambda c: c.append("deep = " + "[" * 100000 + "]" * 100000))
scn_case(
    "scn_deep_nesting_inline_table", "inline tables nested 50 000 deep", lambda c: c.append("deep = " + "{a = " * 50000 + "1" + "}" * 50000)
)
scn_case("scn_deep_dotted_key", "a dotted key 50 000 parts long", lambda c: c.append(".".join(["a"] * 50000) + " = 1"))
scn_case("scn_extends_self", "extends itself", lambda c: c.write("scenarios/self.toml", 'extends = "self.toml"\nname = "x"\n'))
scn_case(
    "scn_extends_loop",
    "a extends b extends a",
    lambda c: (
        c.write("scenarios/b.toml", 'extends = "a.toml"\nname = "b"\n'),
        c.write("scenarios/a.toml", 'extends = "b.toml"\nname = "a"\n'),
    )[1],
)
scn_case(
    "scn_extends_missing",
    "extends a file that does not exist",
    lambda c: c.write("scenarios/em.toml", 'extends = "nope.toml"\nname = "x"\n'),
)
scn_case("scn_extends_directory", "extends a directory", lambda c: c.write("scenarios/ed.toml", 'extends = "."\nname = "x"\n'))
scn_case("scn_extends_wrong_type", "extends = 5", lambda c: c.write("scenarios/ew.toml", 'extends = 5\nname = "x"\n'))
scn_case(
    "scn_extends_huge",
    "extends a 1 MB file name",
    lambda c: c.write("scenarios/eh.toml", 'extends = "' + "e" * HUGE + '.toml"\nname = "x"\n'),
)
scn_case(
    "scn_extends_garbage",
    "extends a binary file",
    lambda c: (c.write("scenarios/junk.toml", os.urandom(4096)), c.write("scenarios/eg.toml", 'extends = "junk.toml"\nname = "x"\n'))[1],
)
scn_case("scn_extends_nul", "extends a name with a NUL", lambda c: c.write("scenarios/en.toml", 'extends = "a\\u0000b.toml"\nname = "x"\n'))
scn_case(
    "scn_history_nul",
    "history path with a NUL byte",
    lambda c: c.mut('history = "../seeds/uz_cn_trade_history.csv"', 'history = "../seeds/uz_cn\\u0000trade_history.csv"'),
)
scn_case(
    "scn_history_newline",
    "history path with a newline",
    lambda c: c.mut('history = "../seeds/uz_cn_trade_history.csv"', 'history = "../seeds/uz_cn\\ntrade_history.csv"'),
)
scn_case(
    "scn_history_directory",
    "history path is a directory",
    lambda c: c.mut('history = "../seeds/uz_cn_trade_history.csv"', 'history = "../seeds"'),
)
scn_case(
    "scn_history_huge_path",
    "history path of 1 MB",
    lambda c: c.mut('history = "../seeds/uz_cn_trade_history.csv"', 'history = "' + "h" * HUGE + '"'),
)
scn_case(
    "scn_history_dev_zero",
    "history is /dev/zero (endless, no newline)",
    lambda c: c.mut('history = "../seeds/uz_cn_trade_history.csv"', 'history = "/dev/zero"'),
)
scn_case(
    "scn_observed_missing",
    "observed file does not exist",
    lambda c: c.mut('file = "../seeds/uz_cn_trade_partial_2025.csv"', 'file = "../seeds/missing.csv"'),
)
scn_case("scn_seed_negative", "run.seed = -1", lambda c: c.mut("seed = 20250902", "seed = -1"))

# views of the dated record (the shipped reference as it is: trade.releases, as_of, partner)
scn_case("view_ok", "the shipped view runs", lambda c: c.view, expect=(0,))
scn_case(
    "view_releases_missing",
    "the record file does not exist",
    lambda c: c.mut('releases = "../seeds/uz_cn_releases.csv"', 'releases = "../seeds/missing.csv"', base=c.view),
)
scn_case("view_as_of_text", "as_of as a string", lambda c: c.mut("as_of = 2025-09-10", 'as_of = "yesterday"', base=c.view))
scn_case(
    "view_as_of_datetime", "as_of with a time of day", lambda c: c.mut("as_of = 2025-09-10", "as_of = 2025-09-10T10:00:00", base=c.view)
)
scn_case("view_as_of_before_record", "as_of before any full year", lambda c: c.mut("as_of = 2025-09-10", "as_of = 1999-01-01", base=c.view))
scn_case("view_as_of_far_future", "as_of in 9999", lambda c: c.mut("as_of = 2025-09-10", "as_of = 9999-12-31", base=c.view), expect=(0, 2))
scn_case(
    "view_base_also_given", "base_year beside releases", lambda c: c.mut('partner = "CN"', 'partner = "CN"\nbase_year = 2024', base=c.view)
)
scn_case("view_partner_unknown", "a partner the record does not hold", lambda c: c.mut('partner = "CN"', 'partner = "XX"', base=c.view))
scn_case(
    "view_revision_kind_unknown",
    "an unknown kind of source in revision_sd",
    lambda c: c.mut("ministry_statement = 0.05", "ministry_statment = 0.05", base=c.view),
)


@case("view_record_bad_row", "scenario", "a row of the record published before its months ended")
def _(ctx):
    with open(ctx.seeds / "uz_cn_releases.csv", "a", encoding="utf-8") as fh:
        fh.write('2025,10,CN,turnover,12.0,,UZ,confirmed,2025-10-15,statistics_release,"x"\n')
    return run_tiny(ctx, ctx.view)


@case("view_as_of_option_garbage", "scenario", "--as-of that is not a date")
def _(ctx):
    return run_tiny(ctx, ctx.view, "--as-of", "2025-02-30")


@case("view_as_of_option_on_stated", "scenario", "--as-of on a scenario without a record")
def _(ctx):
    return run_tiny(ctx, ctx.scn, "--as-of", "2025-01-30")


@case("view_as_of_option_early", "scenario", "--as-of before the record can refit a law")
def _(ctx):
    return run_tiny(ctx, ctx.view, "--as-of", "2011-03-01")


scn_case(
    "scn_name_nul",
    "name with a NUL (default results folder name)",
    lambda c: c.mut('name = "uz_cn_2025"', 'name = "uz\\u0000cn"'),
    expect=(0, 2),
)


@case("scn_name_huge_default_out", "scenario", "1 MB name and no --out: the default results/<name> cannot be made")
def _(ctx):
    s = ctx.mut('name = "uz_cn_2025"', 'name = "' + "N" * HUGE + '"')
    return Spec(["run", s, *TINY], expect=(2,), checks=[no_path(ctx.tmp / "results", "*")], max_seconds=FAST_LIMIT + 20)


@case("scn_name_dotdot_default_out", "scenario", "name '../../escaped' and no --out: nothing written outside results/")
def _(ctx):
    s = ctx.mut('name = "uz_cn_2025"', 'name = "../../escaped"')
    work = ctx.tmp / "w" / "x"
    work.mkdir(parents=True)
    return Spec(["run", s, *TINY], cwd=work, expect=(0, 2), checks=[absent(ctx.tmp / "w" / "escaped"), absent(ctx.tmp / "escaped")])


@case("scn_name_absolute_default_out", "scenario", "name is an absolute path and no --out: nothing written outside results/")
def _(ctx):
    target = ctx.tmp / "pwned"
    s = ctx.mut('name = "uz_cn_2025"', f'name = "{target}"')
    return Spec(["run", s, *TINY], expect=(0, 2), checks=[absent(target)])


@case("scn_argv_newline_name", "scenario", "a valid scenario whose file name has a newline (success expected)")
def _(ctx):
    p = ctx.scn.parent / "new\nline.toml"
    shutil.copy(ctx.scn, p)
    return run_tiny(ctx, p, expect=(0,))


# =========================================================================== cases: --set


def set_case(name, doc, settings, expect=(2,)):
    @case(name, "set", doc)
    def _setup(ctx):
        extra = []
        for s in settings:
            extra += ["--set", s]
        return run_tiny(ctx, ctx.scn, *extra, expect=expect)

    return _setup


set_case("set_bad_toml", "unterminated array", ["trade.base_usd_bn=[1,"])
set_case("set_no_equals", "no '='", ["trade.base_usd_bn"])
set_case("set_empty_key", "empty key", ["=1"])
set_case("set_empty_value", "empty value", ["trade.base_usd_bn="])
set_case("set_unknown_key", "unknown dotted key", ["trade.no_such_key=1"])
set_case("set_key_through_number", "a key below a number", ["trade.base_usd_bn.x=1"])
set_case("set_table_to_number", "a whole table set to a number", ["trade.structural=5"])
set_case("set_sector_to_number", "a sector table set to a number", ["pipeline.sectors.energy=1"])
set_case("set_projects_to_number", "the project array set to a number", ["pipeline.projects=5"])
set_case(
    "set_number_to_bad_distribution", "a distribution with an unknown dist", ['trade.structural.total_growth.mean={dist = "nope", a = 1}']
)
set_case("set_distribution_to_string", "a distribution set to a string", ['trade.structural.total_growth.mean="high"'])
set_case("set_nan", "nan", ["trade.base_usd_bn=nan"])
set_case("set_inf", "-inf", ["trade.base_usd_bn=-inf"])
set_case("set_huge_value", "a 120 KB value (message must not echo it)", ['trade.reporter="' + "V" * 120000 + '"'])
set_case("set_huge_key", "a 120 KB key (message must not echo it)", ["k" * 120000 + "=1"])
set_case("set_huge_number", "a 5000-digit integer", ["run.horizon_year=" + "9" * 5000])
set_case("set_deep_nesting", "a value nested 30 000 deep", ["trade.base_usd_bn=" + "[" * 30000 + "]" * 30000])
set_case("set_key_with_spaces", "a key with spaces and brackets", ["trade . base usd[0]=1"])
set_case("set_name_dotdot", "--set name=../../x with --out given: fine or 2", ['name="../../x"'], expect=(0, 2))


@case("validate_set_bad", "set", "validate with a bad --set")
def _(ctx):
    return Spec(["validate", ctx.scn, "--set", "trade.base_usd_bn=[1,"], expect=(2,))


# =========================================================================== cases: --years


def years_case(name, doc, value, expect=(2,)):
    @case(name, "years", doc)
    def _setup(ctx):
        return run_tiny(ctx, ctx.scn, "--years=" + value, expect=expect)

    return _setup


years_case("years_empty", "--years ''", "")
years_case("years_only_commas", "--years ,,,", ",,,")
years_case("years_repeated", "--years 2026,2026 (accepted or 2)", "2026,2026", expect=(0, 2))
years_case("years_before_start", "--years 1990", "1990")
years_case("years_after_horizon", "--years 2100", "2100")
years_case("years_non_numeric", "--years abc", "abc")
years_case("years_float", "--years 2026.5", "2026.5")
years_case("years_huge", "--years with 400 digits", "9" * 400)
years_case("years_negative", "--years -5", "-5")
years_case("years_many", "--years with 100 000 entries", ",".join(["2026"] * 20000))


@case("report_years_bad", "years", "report --years abc")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", ctx.tmp / "r.html", "--years", "abc"], expect=(2,), checks=[absent(ctx.tmp / "r.html")])


@case("report_years_out_of_range", "years", "report --years 1900")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", ctx.tmp / "r.html", "--years", "1900"], expect=(2,), checks=[absent(ctx.tmp / "r.html")])


# =========================================================================== cases: numeric options


def opt_case(name, doc, argv_fn, expect=(2,)):
    @case(name, "options", doc)
    def _setup(ctx):
        return Spec(argv_fn(ctx), expect=expect, checks=[whole_or_nothing(ctx.out)])

    return _setup


def _run(ctx, *extra):
    return ["run", ctx.scn, "--quiet", "--out", ctx.out, *extra]


opt_case("paths_zero", "--paths 0", lambda c: _run(c, "--paths", "0", "--workers", "1"))
opt_case("paths_negative", "--paths -5", lambda c: _run(c, "--paths=-5", "--workers", "1"))
opt_case("paths_float", "--paths 20.5", lambda c: _run(c, "--paths", "20.5", "--workers", "1"))
opt_case("paths_huge", "--paths 10**30", lambda c: _run(c, "--paths", "1" + "0" * 30, "--workers", "1"))
opt_case("paths_nonnumeric", "--paths many", lambda c: _run(c, "--paths", "many", "--workers", "1"))
opt_case("seed_negative", "--seed -1 (accepted or 2)", lambda c: _run(c, *TINY[:2], "--workers", "1", "--seed=-1"), expect=(0, 2))
opt_case(
    "seed_huge", "--seed 10**40 (accepted or 2)", lambda c: _run(c, *TINY[:2], "--workers", "1", "--seed", "1" + "0" * 40), expect=(0, 2)
)
opt_case("seed_nonnumeric", "--seed abc", lambda c: _run(c, *TINY[:2], "--workers", "1", "--seed", "abc"))
opt_case("workers_zero", "--workers 0", lambda c: _run(c, *TINY[:2], "--workers", "0"))
opt_case("workers_negative", "--workers -1", lambda c: _run(c, *TINY[:2], "--workers=-1"))
opt_case("precision_zero", "--precision 0", lambda c: _run(c, *TINY[:2], "--workers", "1", "--precision", "0"))
opt_case("precision_nan", "--precision nan", lambda c: _run(c, *TINY[:2], "--workers", "1", "--precision", "nan"))
opt_case("precision_negative", "--precision -0.1", lambda c: _run(c, *TINY[:2], "--workers", "1", "--precision=-0.1"))
opt_case(
    "max_paths_zero",
    "--precision 0.1 --max-paths 0",
    lambda c: _run(c, *TINY[:2], "--workers", "1", "--precision", "0.1", "--max-paths", "0"),
)
opt_case("dask_bad_address", "--dask to an unroutable address", lambda c: _run(c, *TINY[:2], "--dask", "tcp://256.1.1.1:99999"))
opt_case(
    "goal_probability_gt_1",
    "goal --probability 1.5",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.base_usd_bn",
        "--year",
        "2030",
        "--probability",
        "1.5",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_probability_nan",
    "goal --probability nan",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.base_usd_bn",
        "--year",
        "2030",
        "--probability",
        "nan",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_unknown_lever",
    "goal --lever no.such.key",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "no.such.key",
        "--year",
        "2030",
        "--probability",
        "0.5",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_lever_is_distribution_table",
    "goal --lever trade.structural",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.structural",
        "--year",
        "2030",
        "--probability",
        "0.5",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_range_reversed",
    "goal --range 5:1",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.base_usd_bn",
        "--year",
        "2030",
        "--probability",
        "0.5",
        "--range",
        "5:1",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_range_garbage",
    "goal --range a:b",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.base_usd_bn",
        "--year",
        "2030",
        "--probability",
        "0.5",
        "--range",
        "a:b",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "goal_year_out_of_range",
    "goal --year 1900",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.base_usd_bn",
        "--year",
        "1900",
        "--probability",
        "0.5",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "attribute_year_huge",
    "attribute --year 10**20",
    lambda c: ["attribute", c.scn, "--year", "1" + "0" * 20, "--paths", "20", "--workers", "1", "--quiet", "--out", c.out],
)
opt_case(
    "prioritise_budget_negative",
    "prioritise --budget-usd-bn -1",
    lambda c: ["prioritise", c.scn, "--year", "2030", "--budget-usd-bn=-1", "--paths", "20", "--workers", "1", "--quiet", "--out", c.out],
)
opt_case(
    "prioritise_budget_nan",
    "prioritise --budget-usd-bn nan",
    lambda c: [
        "prioritise",
        c.scn,
        "--year",
        "2030",
        "--budget-usd-bn",
        "nan",
        "--paths",
        "20",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.out,
    ],
)
opt_case(
    "sensitivity_unknown_input",
    "sensitivity --input no.such",
    lambda c: ["sensitivity", c.scn, "--input", "no.such", "--paths", "64", "--workers", "1", "--quiet", "--out", c.out],
)
opt_case(
    "sensitivity_input_bad_range",
    "sensitivity --input trade.base_usd_bn=x:y",
    lambda c: ["sensitivity", c.scn, "--input", "trade.base_usd_bn=x:y", "--paths", "64", "--workers", "1", "--quiet", "--out", c.out],
)
opt_case(
    "sensitivity_year_out_of_range",
    "sensitivity --year 1900",
    lambda c: ["sensitivity", c.scn, "--year", "1900", "--paths", "64", "--workers", "1", "--quiet", "--out", c.out],
)
opt_case(
    "compare_second_missing",
    "compare with a missing second scenario",
    lambda c: ["compare", c.scn, c.tmp / "nope.toml", *TINY, "--out", c.out],
)
opt_case(
    "compare_second_garbage",
    "compare with a binary second scenario",
    lambda c: ["compare", c.scn, c.write("scenarios/g.toml", os.urandom(2048)), *TINY, "--out", c.out],
)
opt_case("no_command", "python -m sim with no command", lambda c: [])
opt_case("unknown_command", "python -m sim frobnicate", lambda c: ["frobnicate"])


# =========================================================================== cases: data CSVs the scenario points to


def data_case(name, doc, mutate, expect=(2,)):
    @case(name, "data", doc)
    def _setup(ctx):
        mutate(ctx)
        return run_tiny(ctx, ctx.scn, expect=expect)

    return _setup


def _hist_edit(fn):
    def m(ctx):
        header, rows = ctx.csv_rows(ctx.hist)
        header, rows = fn(header, rows)
        ctx.csv_write(ctx.hist, header, rows)

    return m


def _uz_row(rows, year="2019"):
    for r in rows:
        if r[0] == year and r[2] == "UZ":
            return r
    raise RuntimeError("row not found")


def _set_val(year, val):
    def f(h, rows):
        _uz_row(rows, year)[1] = val
        return h, rows

    return f


data_case("csv_hist_row_cut_short", "a history row with two fields", lambda c: c.hist.write_text(c.hist.read_text() + "2025,3.5\n"))
data_case(
    "csv_hist_extra_fields",
    "a history row with extra fields",
    lambda c: c.hist.write_text(c.hist.read_text() + "2025,3.5,UZ,confirmed,src,EXTRA,MORE\n"),
)
data_case("csv_hist_empty", "a 0-byte history file", lambda c: c.hist.write_bytes(b""))
data_case("csv_hist_header_only", "history with the header only", lambda c: c.hist.write_text("year,value_usd_bn,reporter,status,source\n"))
data_case(
    "csv_hist_bom",
    "history with a UTF-8 BOM (Excel): success expected",
    lambda c: c.hist.write_bytes(b"\xef\xbb\xbf" + c.hist.read_bytes()),
    expect=(0,),
)
data_case(
    "csv_hist_crlf",
    "history with CRLF line ends: success expected",
    lambda c: c.hist.write_bytes(c.hist.read_bytes().replace(b"\n", b"\r\n")),
    expect=(0,),
)
data_case("csv_hist_nan", "a nan value", _hist_edit(_set_val("2019", "nan")))
data_case("csv_hist_inf", "an inf value", _hist_edit(_set_val("2019", "inf")))
data_case("csv_hist_negative", "a negative value", _hist_edit(_set_val("2019", "-7.6")))
data_case("csv_hist_zero", "a zero value (log of 0)", _hist_edit(_set_val("2019", "0")))
data_case("csv_hist_year_text", "a year that is text", _hist_edit(lambda h, rows: (h, rows + [["twenty", "5", "UZ", "confirmed", "x"]])))
data_case("csv_hist_year_huge", "a 30-digit year", _hist_edit(lambda h, rows: (h, rows + [["9" * 30, "5", "UZ", "confirmed", "x"]])))
data_case(
    "csv_hist_year_future",
    "a year after the base year (3000)",
    _hist_edit(lambda h, rows: (h, rows + [["3000", "5", "UZ", "confirmed", "x"]])),
)
data_case(
    "csv_hist_dup_diff",
    "duplicate year with a very different value (median by design: 0 or 2)",
    _hist_edit(lambda h, rows: (h, rows + [["2019", "700", "UZ", "confirmed", "x"]])),
    expect=(0, 2),
)
data_case(
    "csv_hist_non_utf8",
    "a latin-1 byte in a source (0 or 2, no traceback)",
    lambda c: c.hist.write_bytes(c.hist.read_bytes().replace(b"EIU from", b"EIU fr\xe9m", 1)),
    expect=(0, 2),
)
data_case(
    "csv_hist_missing_column",
    "no value_usd_bn column",
    _hist_edit(lambda h, rows: (["year", "value", "reporter", "status", "source"], rows)),
)
data_case("csv_hist_binary", "history is random bytes", lambda c: c.hist.write_bytes(os.urandom(8192)))
data_case(
    "csv_hist_huge_field",
    "a 1 MB source field (valid CSV: 0 or 2, no traceback)",
    _hist_edit(lambda h, rows: (h, rows + [["2009", "2.0", "UZ", "confirmed", "s" * HUGE]])),
    expect=(0, 2),
)
data_case(
    "csv_hist_unclosed_quote",
    "an unclosed quote swallowing the rest",
    lambda c: c.hist.write_text(c.hist.read_text().replace('2019,7.6,UZ,confirmed,"', '2019,7.6,UZ,confirmed,"""', 1) + '2026,"1\n'),
)
data_case(
    "csv_hist_nul_byte",
    "a NUL byte in the history",
    lambda c: c.hist.write_bytes(c.hist.read_bytes().replace(b"2019,7.6", b"2019,7\x00.6", 1)),
)
data_case("csv_hist_is_directory", "history path replaced by a directory", lambda c: (c.hist.unlink(), c.hist.mkdir()))


def _partial_edit(**changes):
    def m(ctx):
        header, rows = ctx.csv_rows(ctx.partial)
        for k, v in changes.items():
            rows[0][header.index(k)] = v
        ctx.csv_write(ctx.partial, header, rows)

    return m


data_case("csv_partial_months_13", "observed months = 13", _partial_edit(months="13"))
data_case("csv_partial_months_0", "observed months = 0", _partial_edit(months="0"))
data_case("csv_partial_months_frac", "observed months = 7.5", _partial_edit(months="7.5"))
data_case("csv_partial_months_negative", "observed months = -3", _partial_edit(months="-3"))
data_case("csv_partial_value_nan", "observed value nan", _partial_edit(value_usd_bn="nan"))
data_case("csv_partial_value_negative", "observed value negative", _partial_edit(value_usd_bn="-8.78"))
data_case("csv_partial_growth_minus_1", "observed yoy_growth = -1 (division by zero)", _partial_edit(yoy_growth="-1"))
data_case("csv_partial_growth_text", "observed yoy_growth = 'lots'", _partial_edit(yoy_growth="lots"))
data_case(
    "csv_partial_cut_short",
    "observed row with 3 fields",
    lambda c: c.partial.write_text("year,months,value_usd_bn,yoy_growth,reporter,status,source\n2025,7,8.78\n"),
)
data_case("csv_partial_empty", "a 0-byte observed file", lambda c: c.partial.write_bytes(b""))
data_case(
    "csv_partial_dup_diff",
    "two rows for the same months with different values (0 or 2)",
    lambda c: c.partial.write_text(c.partial.read_text() + '2025,7,12.0,0.6,UZ,confirmed,"other"\n'),
    expect=(0, 2),
)
data_case(
    "csv_partial_non_utf8",
    "observed file in latin-1 (0 or 2)",
    lambda c: c.partial.write_bytes(c.partial.read_bytes().replace(b"Ministry", b"Minist\xe8re", 1)),
    expect=(0, 2),
)
data_case(
    "csv_partial_crlf_bom",
    "observed file with BOM and CRLF: success expected",
    lambda c: c.partial.write_bytes(b"\xef\xbb\xbf" + c.partial.read_bytes().replace(b"\n", b"\r\n")),
    expect=(0,),
)


# =========================================================================== cases: calibrate / backtest


def hist_cmd_case(name, doc, argv_fn, prep=None, expect=(2,), checks_fn=None, **kw):
    @case(name, "history", doc)
    def _setup(ctx):
        if prep:
            prep(ctx)
        return Spec(argv_fn(ctx), expect=expect, checks=(checks_fn(ctx) if checks_fn else []), **kw)

    return _setup


hist_cmd_case("calibrate_missing", "calibrate a missing file", lambda c: ["calibrate", c.seeds / "nope.csv"])
hist_cmd_case("calibrate_directory", "calibrate a directory", lambda c: ["calibrate", c.seeds])
hist_cmd_case("calibrate_empty", "calibrate a 0-byte file", lambda c: ["calibrate", c.write("h.csv", b"")])
hist_cmd_case(
    "calibrate_header_only",
    "calibrate a header-only file",
    lambda c: ["calibrate", c.write("h.csv", "year,value_usd_bn,reporter,status,source\n")],
)
hist_cmd_case(
    "calibrate_one_row",
    "calibrate a single row",
    lambda c: ["calibrate", c.write("h.csv", "year,value_usd_bn,reporter,status,source\n2020,5,UZ,confirmed,x\n")],
)
hist_cmd_case(
    "calibrate_constant",
    "calibrate a constant series (0 or 2)",
    lambda c: [
        "calibrate",
        c.write("h.csv", "year,value_usd_bn,reporter,status,source\n" + "".join(f"{y},5,UZ,confirmed,x\n" for y in range(2000, 2020))),
    ],
    expect=(0, 2),
)
hist_cmd_case(
    "calibrate_nan",
    "calibrate with nan values",
    lambda c: [
        "calibrate",
        c.write(
            "h.csv",
            "year,value_usd_bn,reporter,status,source\n"
            + "".join(f"{y},{'nan' if y == 2010 else 5 + y % 3},UZ,confirmed,x\n" for y in range(2000, 2020)),
        ),
    ],
)
hist_cmd_case(
    "calibrate_negative",
    "calibrate with a negative value",
    lambda c: [
        "calibrate",
        c.write(
            "h.csv",
            "year,value_usd_bn,reporter,status,source\n"
            + "".join(f"{y},{-3 if y == 2010 else 5 + y % 3},UZ,confirmed,x\n" for y in range(2000, 2020)),
        ),
    ],
)
hist_cmd_case("calibrate_since_future", "calibrate --since 2100", lambda c: ["calibrate", c.hist, "--since", "2100"])
hist_cmd_case("calibrate_unknown_reporter", "calibrate --reporter XX", lambda c: ["calibrate", c.hist, "--reporter", "XX"])
hist_cmd_case(
    "calibrate_huge_reporter", "calibrate --reporter of 100 KB (short message)", lambda c: ["calibrate", c.hist, "--reporter", "R" * 100000]
)
hist_cmd_case(
    "calibrate_context_garbage",
    "calibrate --context random bytes",
    lambda c: ["calibrate", c.hist, "--context", c.write("ctx.csv", os.urandom(4096))],
)
hist_cmd_case(
    "calibrate_context_header_only",
    "calibrate --context header only",
    lambda c: ["calibrate", c.hist, "--context", c.write("ctx.csv", "year,series,value_usd_bn,reporter,status,source\n")],
)
hist_cmd_case(
    "calibrate_context_bad_series",
    "calibrate --context with nan totals",
    lambda c: ["calibrate", c.hist, "--context", c.write("ctx.csv", c.context.read_text().replace("21.842", "nan", 1))],
)
hist_cmd_case(
    "calibrate_out_is_history",
    "calibrate --out the history CSV itself --force: refused, history unchanged",
    lambda c: ["calibrate", c.hist, "--out", c.hist, "--force"],
)
hist_cmd_case(
    "calibrate_out_symlink_to_history",
    "calibrate --out a symlink to the history --force: refused, history unchanged",
    lambda c: (os.symlink(c.hist, c.tmp / "cal.toml"), ["calibrate", c.hist, "--out", c.tmp / "cal.toml", "--force"])[1],
)
hist_cmd_case(
    "calibrate_out_under_file", "calibrate --out under a regular file", lambda c: ["calibrate", c.hist, "--out", c.a_file() / "cal.toml"]
)
hist_cmd_case(
    "calibrate_out_proc", "calibrate --out /proc/hostile/cal.toml", lambda c: ["calibrate", c.hist, "--out", "/proc/hostile_xyz/cal.toml"]
)
hist_cmd_case(
    "backtest_horizons_zero",
    "backtest --horizons 0",
    lambda c: ["backtest", c.hist, "--horizons", "0", "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_horizons_garbage",
    "backtest --horizons a,b",
    lambda c: ["backtest", c.hist, "--horizons", "a,b", "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_horizons_huge",
    "backtest --horizons 1000",
    lambda c: ["backtest", c.hist, "--horizons", "1000", "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_since_future",
    "backtest --since 2100",
    lambda c: ["backtest", c.hist, "--since", "2100", "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_short_history",
    "backtest a 3-row history",
    lambda c: [
        "backtest",
        c.write("h.csv", "year,value_usd_bn,reporter,status,source\n2020,5,UZ,confirmed,x\n2021,6,UZ,confirmed,x\n2022,7,UZ,confirmed,x\n"),
        "--paths",
        "20",
        "--quiet",
        "--out",
        c.out,
    ],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_history_binary",
    "backtest a binary history",
    lambda c: ["backtest", c.write("h.csv", os.urandom(4096)), "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)
hist_cmd_case(
    "backtest_context_missing",
    "backtest --context missing",
    lambda c: ["backtest", c.hist, "--context", c.tmp / "none.csv", "--paths", "20", "--quiet", "--out", c.out],
    checks_fn=lambda c: [whole_or_nothing(c.out)],
)


# =========================================================================== cases: results folders for report


def rep_case(name, doc, mutate, expect=(2,), out_name="r.html", force=False):
    @case(name, "report", doc)
    def _setup(ctx):
        res = ctx.results("res")
        target = mutate(ctx, res)
        folder = target if isinstance(target, Path) else res
        ctx.protect(res)
        out = ctx.tmp / out_name
        argv = ["report", folder, "--out", out] + (["--force"] if force else [])
        return Spec(argv, expect=expect, checks=[] if expect == (0,) else [absent(out)] if 0 not in expect else [])

    return _setup


def _m(fn):
    def mutate(ctx, res):
        m = ctx.manifest(res)
        fn(ctx, res, m)
        ctx.set_manifest(res, m)

    return mutate


rep_case("report_control", "a good folder (control: success)", lambda c, r: None, expect=(0,))
rep_case(
    "report_foreign_manifest",
    "manifest.json of another tool",
    lambda c, r: (r / "manifest.json").write_text('{"tool": "other", "version": 3}\n'),
)
rep_case("report_manifest_not_json", "manifest.json is not JSON", lambda c, r: (r / "manifest.json").write_text("{not json"))
rep_case("report_manifest_is_list", "manifest.json is a JSON list", lambda c, r: (r / "manifest.json").write_text("[1, 2, 3]"))
rep_case("report_manifest_files_list", "manifest files table is a list", _m(lambda c, r, m: m.__setitem__("files", list(m["files"]))))
rep_case("report_manifest_files_null", "manifest files is null", _m(lambda c, r, m: m.__setitem__("files", None)))
rep_case("report_manifest_digest_number", "a checksum that is a number", _m(lambda c, r, m: m["files"].__setitem__("summary.json", 5)))
rep_case("report_manifest_name_number", "scenario_file is a number", _m(lambda c, r, m: m.__setitem__("scenario_file", 5)))
# the report is of the results; a scenario file it cannot read any more is a warning on the page (exit 0), not a refusal
rep_case(
    "report_manifest_scenario_dir",
    "scenario_file is a directory (the page warns)",
    _m(lambda c, r, m: m.__setitem__("scenario_file", str(c.tmp))),
    expect=(0, 2),
)
rep_case(
    "report_manifest_scenario_garbage",
    "scenario_file points to random bytes (the page warns)",
    _m(lambda c, r, m: m.__setitem__("scenario_file", str(c.write("g.toml", os.urandom(999))))),
    expect=(0, 2),
)
rep_case(
    "report_manifest_seed_string",
    "seed is a string, paths a list",
    _m(lambda c, r, m: (m.__setitem__("seed", "abc"), m.__setitem__("paths", [1]))),
)
rep_case(
    "report_manifest_huge_value",
    "a 1 MB file name in files (short message)",
    _m(lambda c, r, m: m["files"].__setitem__("f" * HUGE, "0" * 64)),
)
rep_case(
    "report_manifest_dotdot",
    "files lists ../outside.txt (with its true checksum)",
    _m(lambda c, r, m: m["files"].__setitem__("../outside.txt", sha(c.write("outside.txt", "x")))),
)
rep_case(
    "report_manifest_absolute",
    "files lists an absolute path (with its true checksum)",
    _m(lambda c, r, m: m["files"].__setitem__(str(c.write("abs.txt", "y")), sha(c.tmp / "abs.txt"))),
)
rep_case(
    "report_manifest_dev_zero", "files lists /dev/zero (endless read)", _m(lambda c, r, m: m["files"].__setitem__("/dev/zero", "0" * 64))
)
rep_case(
    "report_summary_invalid_json",
    "summary.json not JSON (checksum updated)",
    lambda c, r: ((r / "summary.json").write_text("{oops"), c.relist(r, "summary.json")),
)
rep_case("report_summary_edited", "summary.json edited (checksum stale)", lambda c, r: (r / "summary.json").write_text("{}"))
rep_case(
    "report_summary_is_list",
    "summary.json a JSON list (checksum updated)",
    lambda c, r: ((r / "summary.json").write_text("[]"), c.relist(r, "summary.json")),
)
rep_case(
    "report_summary_empty_object",
    "summary.json {} (checksum updated)",
    lambda c, r: ((r / "summary.json").write_text("{}"), c.relist(r, "summary.json")),
)
rep_case("report_summary_unlisted", "summary.json left out of the files table", _m(lambda c, r, m: m["files"].pop("summary.json")))
rep_case(
    "report_summary_deleted_unlisted",
    "summary.json deleted and unlisted",
    lambda c, r: ((r / "summary.json").unlink(), _m(lambda c2, r2, m: m["files"].pop("summary.json"))(c, r)),
)
rep_case("report_listed_file_deleted", "a listed CSV deleted", lambda c, r: (r / "finance.csv").unlink())
rep_case(
    "report_history_csv_garbage",
    "history.csv garbage (checksum updated)",
    lambda c, r: ((r / "history.csv").write_text("year,value_usd_bn\nabc,def\n"), c.relist(r, "history.csv")),
)
# the report reads summary.json, not the CSV tables: a forged table it never reads does not stop it
rep_case(
    "report_csv_garbage",
    "annual_trade.csv garbage (checksum updated; the report does not read it)",
    lambda c, r: ((r / "annual_trade.csv").write_bytes(os.urandom(500)), c.relist(r, "annual_trade.csv")),
    expect=(0, 2),
)
rep_case(
    "report_png_garbage",
    "fan_chart.png garbage (checksum updated): 0 or 2",
    lambda c, r: ((r / "fan_chart.png").write_bytes(b"not a png"), c.relist(r, "fan_chart.png")),
    expect=(0, 2),
)
rep_case(
    "report_manifest_is_dir", "manifest.json is a directory", lambda c, r: ((r / "manifest.json").unlink(), (r / "manifest.json").mkdir())
)
rep_case("report_folder_is_file", "RESULTS_DIR is a regular file", lambda c, r: c.a_file())
rep_case("report_folder_missing", "RESULTS_DIR does not exist", lambda c, r: c.tmp / "no_such_results")
rep_case(
    "report_folder_symlink",
    "RESULTS_DIR is a symlink to a good folder (success)",
    lambda c, r: (os.symlink(r, c.tmp / "link"), c.tmp / "link")[1],
    expect=(0,),
)


@case(
    "report_default_out_symlink_to_summary",
    "report",
    "RESULTS_DIR/report.html is a symlink to summary.json; report --force must not write through it",
)
def _(ctx):
    res = ctx.results("res")
    os.symlink("summary.json", res / "report.html")
    ctx.protect(res / "summary.json", ctx.tmp / "res" / "manifest.json")
    return Spec(["report", res, "--force"], expect=(0, 2), checks=[lambda c, r: verify_folder(res)])


@case("report_out_symlink_to_summary", "report", "--out is a symlink (outside) to the folder's summary.json, --force")
def _(ctx):
    res = ctx.results("res")
    os.symlink(res / "summary.json", ctx.tmp / "r.html")
    ctx.protect(res)
    return Spec(["report", res, "--out", ctx.tmp / "r.html", "--force"], expect=(2,))


@case("report_out_is_summary", "report", "--out is the folder's summary.json, --force")
def _(ctx):
    res = ctx.results("res")
    ctx.protect(res)
    return Spec(["report", res, "--out", res / "summary.json", "--force"], expect=(2,))


@case("report_out_is_manifest_via_dotdot", "report", "--out res/../res/manifest.json --force")
def _(ctx):
    res = ctx.results("res")
    ctx.protect(res)
    return Spec(["report", res, "--out", f"{res}/../res/manifest.json", "--force"], expect=(2,))


@case("report_out_is_scenario", "report", "--out is the scenario file the folder was made from, --force")
def _(ctx):
    res = ctx.fresh_run("res")
    ctx.protect(res)
    return Spec(["report", res, "--out", ctx.scn, "--force"], expect=(2,))


@case("report_out_symlink_to_scenario", "report", "--out is a symlink to the folder's scenario file, --force")
def _(ctx):
    res = ctx.fresh_run("res")
    os.symlink(ctx.scn, ctx.tmp / "r.html")
    ctx.protect(res)
    return Spec(["report", res, "--out", ctx.tmp / "r.html", "--force"], expect=(2,))


@case("report_out_symlink_to_history_csv", "report", "--out is a symlink to the scenario's history CSV, --force")
def _(ctx):
    res = ctx.fresh_run("res")
    os.symlink(ctx.hist, ctx.tmp / "r.html")
    return Spec(["report", res, "--out", ctx.tmp / "r.html", "--force"], expect=(2,))


@case("report_out_missing_folder", "report", "--out into a folder that does not exist (0 or 2, no traceback)")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", ctx.tmp / "nodir" / "deeper" / "r.html"], expect=(0, 2))


@case("report_out_under_file", "report", "--out under a regular file")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", ctx.a_file() / "r.html"], expect=(2,))


@case("report_out_proc", "report", "--out /proc/hostile_xyz/r.html")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", "/proc/hostile_xyz/r.html"], expect=(2,))


@case("report_out_is_directory", "report", "--out is an existing directory")
def _(ctx):
    res = ctx.results("res")
    (ctx.tmp / "d").mkdir()
    ctx.protect(ctx.tmp / "d")
    return Spec(["report", res, "--out", ctx.tmp / "d", "--force"], expect=(2,))


@case("report_out_dangling_symlink", "report", "--out is a dangling symlink (0 or 2; nothing created at its target)")
def _(ctx):
    res = ctx.results("res")
    os.symlink(ctx.tmp / "elsewhere" / "target.html", ctx.tmp / "r.html")
    (ctx.tmp / "elsewhere").mkdir()
    return Spec(["report", res, "--out", ctx.tmp / "r.html"], expect=(0, 2), checks=[absent(ctx.tmp / "elsewhere" / "target.html")])


@case("report_out_name_too_long", "report", "--out with a 100 KB name (short message)")
def _(ctx):
    res = ctx.results("res")
    return Spec(["report", res, "--out", ctx.tmp / ("n" * 100000 + ".html")], expect=(2,))


# =========================================================================== cases: run --out / --force


@case("force_user_notes_kept", "force", "a results folder with the user's notes.txt added: run --force must not delete notes.txt")
def _(ctx):
    res = ctx.results("out")
    ctx.write("out/notes.txt", "my notes about this run\n")
    ctx.protect(res / "notes.txt")
    return Spec(["run", ctx.scn, *TINY, "--out", res, "--force"], expect=(0, 2), checks=[lambda c, r: verify_folder(res)])


@case("force_user_subdir_kept", "force", "a results folder with a user's subfolder: run --force must not delete it")
def _(ctx):
    res = ctx.results("out")
    ctx.write("out/analysis/plot.py", "print('mine')\n")
    ctx.protect(res / "analysis")
    return Spec(["run", ctx.scn, *TINY, "--out", res, "--force"], expect=(0, 2), checks=[lambda c, r: verify_folder(res)])


@case("force_foreign_manifest", "force", "a user's folder that happens to hold a manifest.json (not coopsim's): --force refuses")
def _(ctx):
    d = ctx.tmp / "out"
    ctx.write("out/manifest.json", '{"name": "my web app", "version": "1.0"}\n')
    ctx.write("out/data.csv", "a,b\n1,2\n")
    ctx.protect(d)
    return Spec(["run", ctx.scn, *TINY, "--out", d, "--force"], expect=(2,))


@case("force_manifest_files_list", "force", "a results folder whose manifest files table is a list (+ notes): refused, nothing lost")
def _(ctx):
    res = ctx.results("out")
    m = ctx.manifest(res)
    m["files"] = list(m["files"])
    ctx.set_manifest(res, m)
    ctx.write("out/notes.txt", "mine\n")
    ctx.protect(res)
    return Spec(["run", ctx.scn, *TINY, "--out", res, "--force"], expect=(2,))


@case(
    "force_scenario_dir_with_manifest",
    "force",
    "--out is the folder holding the scenario, which has a manifest.json: --force must not delete the inputs",
)
def _(ctx):
    ctx.write("scenarios/manifest.json", '{"files": {}}\n')
    return Spec(["run", ctx.scn, *TINY, "--out", ctx.tmp / "scenarios", "--force"], expect=(2,))


@case(
    "force_seeds_dir_with_manifest",
    "force",
    "--out is the seeds folder (the scenario's data CSVs), which has a coopsim-like manifest: refused",
)
def _(ctx):
    ctx.write("seeds/manifest.json", json.dumps({"files": {"README.md": sha(ctx.seeds / "README.md")}}) + "\n")
    return Spec(["run", ctx.scn, *TINY, "--out", ctx.seeds, "--force"], expect=(2,))


@case(
    "force_out_symlink_to_results",
    "force",
    "--out is a symlink to a results folder holding user notes: --force keeps the notes and the link target complete",
)
def _(ctx):
    real = ctx.results("real")
    ctx.write("real/notes.txt", "mine\n")
    ctx.protect(real / "notes.txt")
    os.symlink(real, ctx.tmp / "out")
    return Spec(
        ["run", ctx.scn, *TINY, "--out", ctx.tmp / "out", "--force"],
        expect=(0, 2),
        checks=[lambda c, r: verify_folder(real), lambda c, r: verify_folder(c.tmp / "out") if r.rc == 0 else None],
    )


@case(
    "force_listed_file_symlink_to_user_file",
    "force",
    "a results file is a symlink to a user's file: --force must not change the user's file",
)
def _(ctx):
    res = ctx.results("out")
    user = ctx.write("user_summary.json", (res / "summary.json").read_bytes())
    (res / "summary.json").unlink()
    os.symlink(user, res / "summary.json")
    ctx.protect(user)
    return Spec(["run", ctx.scn, *TINY, "--out", res, "--force"], expect=(0, 2))


@case("force_manifest_dotdot_victim", "force", "manifest lists ../victim.txt: --force must not delete or change it")
def _(ctx):
    res = ctx.results("out")
    victim = ctx.write("victim.txt", "precious\n")
    m = ctx.manifest(res)
    m["files"]["../victim.txt"] = sha(victim)
    ctx.set_manifest(res, m)
    ctx.protect(victim)
    return Spec(["run", ctx.scn, *TINY, "--out", res, "--force"], expect=(0, 2))


@case("force_results_in_scenario_dir", "force", "--out is a real results folder into which the user copied the scenario and CSV being run")
def _(ctx):
    res = ctx.results("out")
    (res / "seeds").mkdir()
    shutil.copy(ctx.hist, res / "seeds" / ctx.hist.name)
    shutil.copy(ctx.partial, res / "seeds" / ctx.partial.name)
    s = res / "my.toml"
    shutil.copy(ctx.scn, s)
    s.write_text(s.read_text().replace("../seeds/", "seeds/"))
    ctx.protect(s, res / "seeds")
    return Spec(["run", s, *TINY, "--out", res, "--force"], expect=(0, 2))


@case("run_out_existing_user_dir_no_force", "force", "--out a user's non-empty folder without --force: refused")
def _(ctx):
    ctx.write("out/mine.txt", "x")
    ctx.protect(ctx.tmp / "out")
    return Spec(["run", ctx.scn, *TINY, "--out", ctx.tmp / "out"], expect=(2,))


@case("run_out_is_scenario_file", "force", "--out is the scenario file itself, --force")
def _(ctx):
    return Spec(["run", ctx.scn, *TINY, "--out", ctx.scn, "--force"], expect=(2,))


@case("run_out_symlink_to_user_file", "force", "--out is a symlink to a user's file, --force")
def _(ctx):
    user = ctx.a_file()
    os.symlink(user, ctx.tmp / "out")
    ctx.protect(user)
    return Spec(["run", ctx.scn, *TINY, "--out", ctx.tmp / "out", "--force"], expect=(2,))


@case("run_all_formats_control", "force", "run --report --xlsx --pdf (control: success, complete)")
def _(ctx):
    return Spec(
        ["run", ctx.scn, *TINY, "--out", ctx.out, "--report", "--xlsx", "--pdf"],
        expect=(0,),
        checks=[complete(ctx.out), exists(ctx.out / "manifest.json")],
        timeout=240,
    )


@case("run_json_stdout_devfull", "extra", "run --json with stdout on /dev/full: exit 3 (output failed, not bad input), no traceback, no 0")
def _(ctx):
    return Spec(["run", ctx.scn, *TINY, "--json", "--out", ctx.out], expect=(3,), stdout_mode="devfull")


@case("keys_ok", "extra", "keys (control: success, output)")
def _(ctx):
    return Spec(["keys"], expect=(0,), checks=[stdout_has("base_usd_bn")])


@case("keys_closed_pipe", "extra", "keys | head -c 64: exit 0, no traceback")
def _(ctx):
    return Spec(["keys"], expect=(0,), stdout_mode="close_early")


@case("keys_stdout_devfull", "extra", "keys > /dev/full: exit 3 (output failed, not bad input), no traceback")
def _(ctx):
    return Spec(["keys"], expect=(3,), stdout_mode="devfull")


@case("keys_extra_arg", "extra", "keys with a stray argument")
def _(ctx):
    return Spec(["keys", "junk"], expect=(2,))


# =========================================================================== cases: validate many files


@case("validate_many_mixed", "validate", "validate 60 files: 30 good, 28 bad, a directory, a missing file; exit 2, each bad one named")
def _(ctx):
    d = ctx.tmp / "scenarios"
    good, bad = [], []
    for i in range(30):
        p = d / f"good_{i:02}.toml"
        shutil.copy(ctx.scn, p)
        good.append(p)
    text = ctx.scn.read_text()
    mutations = [
        ("base_usd_bn = 12.4", 'base_usd_bn = "x"'),
        ("horizon_year = 2035", "horizon_year = 1900"),
        ('financier = "cdb"', 'financier = "zz"'),
        ("cancel_probability = 0.1", "cancel_probability = 9"),
    ]
    for i in range(24):
        old, new = mutations[i % len(mutations)]
        p = d / f"bad_{i:02}.toml"
        p.write_text(text.replace(old, new, 1))
        bad.append(p)
    for i in range(4):
        p = d / f"junk_{i}.toml"
        p.write_bytes(os.urandom(300))
        bad.append(p)
    bad += [ctx.seeds, d / "missing.toml"]
    files = [x for pair in zip(good, bad, strict=False) for x in pair]
    return Spec(
        ["validate", *files],
        expect=(2,),
        max_lines=400,
        timeout=240,
        checks=[stdout_has(": ok", 30), stderr_mentions_each([p.name for p in bad])],
    )


@case("validate_many_good", "validate", "validate the reference 150 times: exit 0")
def _(ctx):
    return Spec(["validate", *([ctx.scn] * 150)], expect=(0,), timeout=300, checks=[stdout_has(": ok", 150)])


@case("validate_all_shipped", "validate", "validate every shipped scenario: exit 0")
def _(ctx):
    # the shipped files as shipped (the case folder's reference is rewritten in its stated form, which the views extending it refuse)
    shipped = ctx.tmp / "shipped"
    shutil.copytree(ctx.code_root / "scenarios", shipped)
    return Spec(["validate", *sorted(shipped.glob("*.toml"))], expect=(0,))


# =========================================================================== cases: destinations refused before the simulation


def dest_case(name, doc, argv_fn, expect=(2,), checks_fn=None, timeout=240):
    @case(name, "dest", doc)
    def _setup(ctx):
        return Spec(argv_fn(ctx), expect=expect, max_seconds=FAST_LIMIT, timeout=timeout, checks=(checks_fn(ctx) if checks_fn else []))

    return _setup


def _big(ctx, out, *extra):
    return ["run", ctx.scn, "--paths", SLOW_PATHS, "--workers", "1", "--quiet", "--out", out, *extra]


dest_case("dest_run_out_under_file", "--out under a regular file", lambda c: _big(c, c.a_file() / "out"))
dest_case("dest_run_out_proc", "--out /proc/hostile_xyz", lambda c: _big(c, "/proc/hostile_xyz"))
dest_case("dest_run_out_proc_self", "--out /proc/self/hostile", lambda c: _big(c, "/proc/self/hostile"))
dest_case("dest_run_out_sys", "--out /sys/hostile_xyz", lambda c: _big(c, "/sys/hostile_xyz"))
dest_case(
    "dest_run_out_dangling_symlink",
    "--out is a dangling symlink",
    lambda c: (os.symlink(c.tmp / "nowhere" / "x", c.tmp / "dl"), _big(c, c.tmp / "dl"))[1],
    checks_fn=lambda c: [absent(c.tmp / "nowhere")],
)
dest_case(
    "dest_run_out_parent_dangling_symlink",
    "--out below a dangling symlink",
    lambda c: (os.symlink(c.tmp / "nowhere", c.tmp / "dl"), _big(c, c.tmp / "dl" / "out"))[1],
)
dest_case("dest_run_out_name_too_long", "--out with a 300-char name", lambda c: _big(c, c.tmp / ("o" * 300)))
dest_case("dest_run_out_path_huge", "--out with a 100 KB path (short message)", lambda c: _big(c, c.tmp / "/".join(["p" * 200] * 500)))
dest_case("dest_run_out_is_file", "--out is an existing file", lambda c: _big(c, c.a_file()))
dest_case(
    "dest_run_default_out_results_is_file",
    "no --out, ./results is a regular file",
    lambda c: (c.a_file("results"), ["run", c.scn, "--paths", SLOW_PATHS, "--workers", "1", "--quiet"])[1],
)
dest_case(
    "dest_run_checkpoint_under_file",
    "--checkpoint under a regular file",
    lambda c: _big(c, c.out, "--checkpoint", c.a_file() / "ck"),
    checks_fn=lambda c: [absent(c.out)],
)
dest_case(
    "dest_run_checkpoint_proc",
    "--checkpoint /proc/hostile_ck",
    lambda c: _big(c, c.out, "--checkpoint", "/proc/hostile_ck"),
    checks_fn=lambda c: [absent(c.out)],
)
dest_case("dest_run_out_under_fifo", "--out under a FIFO", lambda c: (os.mkfifo(c.tmp / "fifo"), _big(c, c.tmp / "fifo" / "out"))[1])
dest_case(
    "dest_compare_out_under_file",
    "compare --out under a regular file",
    lambda c: [
        "compare",
        c.scn,
        c.tmp / "scenarios" / "uz_cn_trade_shock.toml",
        "--paths",
        "3000",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.a_file() / "out",
    ],
)
dest_case(
    "dest_goal_out_under_file",
    "goal --out under a regular file",
    lambda c: [
        "goal",
        c.scn,
        "--lever",
        "trade.target_usd_bn",
        "--year",
        "2030",
        "--probability",
        "0.5",
        "--paths",
        "1000",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.a_file() / "out",
    ],
)
dest_case(
    "dest_attribute_out_under_file",
    "attribute --out under a regular file",
    lambda c: ["attribute", c.scn, "--year", "2030", "--paths", "500", "--workers", "1", "--quiet", "--out", c.a_file() / "out"],
)
dest_case(
    "dest_prioritise_out_under_file",
    "prioritise --out under a regular file",
    lambda c: [
        "prioritise",
        c.scn,
        "--year",
        "2030",
        "--budget-usd-bn",
        "2",
        "--paths",
        "500",
        "--workers",
        "1",
        "--quiet",
        "--out",
        c.a_file() / "out",
    ],
)
dest_case(
    "dest_sensitivity_out_under_file",
    "sensitivity --out under a regular file",
    lambda c: ["sensitivity", c.scn, "--paths", "1000", "--workers", "1", "--quiet", "--out", c.a_file() / "out"],
)
dest_case(
    "dest_backtest_out_under_file",
    "backtest --out under a regular file",
    lambda c: ["backtest", c.hist, "--paths", "2000", "--quiet", "--out", c.a_file() / "out"],
)
dest_case(
    "dest_run_report_out_under_file_via_symlink",
    "--out is a symlink to a folder under a file",
    lambda c: (os.symlink(c.a_file() / "sub", c.tmp / "lnk"), _big(c, c.tmp / "lnk"))[1],
)


# =========================================================================== cases: signals


@case(
    "sig_int_run",
    "signal",
    "SIGINT (Ctrl-C to the group) 2.5 s into a long run: exit 130, no folder that looks complete, no temp leftovers",
)
def _(ctx):
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "1", "--quiet", "--out", ctx.out],
        expect=(130,),
        signal_after=2.5,
        checks=[no_manifest(ctx.out)],
        timeout=120,
    )


@case("sig_int_run_late", "signal", "SIGINT 6 s into a long run (simulating): exit 130, nothing written")
def _(ctx):
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "1", "--quiet", "--out", ctx.out],
        expect=(130,),
        signal_after=6,
        checks=[no_manifest(ctx.out), absent(ctx.out)],
        timeout=120,
    )


@case("sig_term_run", "signal", "SIGTERM to the process 4 s into a long run: exit 143, nothing written")
def _(ctx):
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "1", "--quiet", "--out", ctx.out],
        expect=(143,),
        signal_after=4,
        sig=signal.SIGTERM,
        group=False,
        checks=[no_manifest(ctx.out), absent(ctx.out)],
        timeout=120,
    )


@case("sig_int_run_workers2", "signal", "SIGINT to the group of a 2-worker run: exit 130, nothing written, workers gone")
def _(ctx):
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "2", "--quiet", "--out", ctx.out],
        expect=(130,),
        signal_after=5,
        checks=[no_manifest(ctx.out), absent(ctx.out)],
        timeout=120,
    )


@case("sig_int_force_keeps_old", "signal", "SIGINT during run --force over an earlier results folder: the old folder stays whole")
def _(ctx):
    res = ctx.results("out")
    ctx.protect(res)
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "1", "--quiet", "--out", res, "--force"],
        expect=(130,),
        signal_after=5,
        checks=[lambda c, r: verify_folder(res)],
        timeout=120,
    )


@case("sig_int_checkpoint", "signal", "SIGINT with --checkpoint: exit 130, no results folder")
def _(ctx):
    return Spec(
        ["run", ctx.scn, "--paths", "20000", "--workers", "1", "--quiet", "--out", ctx.out, "--checkpoint", ctx.tmp / "ck"],
        expect=(130,),
        signal_after=6,
        checks=[no_manifest(ctx.out), absent(ctx.out)],
        timeout=120,
    )


@case("sig_term_backtest", "signal", "SIGTERM during backtest: exit 143, nothing written")
def _(ctx):
    return Spec(
        ["backtest", ctx.hist, "--paths", "1000000", "--quiet", "--out", ctx.out],
        expect=(143,),
        signal_after=4,
        sig=signal.SIGTERM,
        group=False,
        checks=[no_manifest(ctx.out), absent(ctx.out)],
        timeout=120,
    )


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code-root", default=DEFAULT_CODE_ROOT, help="checkout whose 'sim' package is tested (PYTHONPATH)")
    ap.add_argument("--python", default=DEFAULT_PYTHON, help="interpreter with coopsim's dependencies")
    ap.add_argument("--only", action="append", default=[], help="run only cases whose name contains this (repeatable)")
    ap.add_argument("--category", action="append", default=[], help="run only this category (repeatable)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--keep", action="store_true", help="keep each case's folder")
    ap.add_argument(
        "--scratch", default=tempfile.gettempdir(), help="where the temporary folders go (default: the system's temporary folder)"
    )
    a = ap.parse_args(argv)
    cases = [c for c in CASES if (not a.only or any(s in c.name for s in a.only)) and (not a.category or c.category in a.category)]
    names = [c.name for c in CASES]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        print(f"duplicate case names: {dup}", file=sys.stderr)
        return 1
    if a.list:
        for c in cases:
            print(f"{c.category:<9} {c.name:<44} {c.doc}")
        print(f"{len(cases)} cases")
        return 0
    code_root = Path(a.code_root).resolve()
    scratch = Path(a.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    python = os.path.abspath(a.python) if os.sep in a.python else a.python  # the cases run in other folders
    h = Harness(code_root, python, scratch, a.keep)
    print(f"# coopsim hostile harness: {len(cases)} cases, code root {code_root}, python {python}")
    try:
        rev = subprocess.run(["git", "-C", str(code_root), "log", "-1", "--format=%h %s"], capture_output=True, text=True).stdout.strip()
        print(f"# commit: {rev[:100]}")
    except OSError:
        pass
    t0 = time.monotonic()
    h.make_base()
    passed = failed = 0
    failing = []
    for c in cases:
        try:
            ok, line = h.run_case(c)
        except Exception as exc:  # noqa: BLE001
            ok, line = False, f"ERROR {c.name}: harness error {type(exc).__name__}: {exc}\n{traceback.format_exc()[-500:]}"
        print(line, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1
            failing.append(c.name)
    print(f"# summary: {passed} passed, {failed} failed, {len(cases)} cases, {time.monotonic() - t0:.0f}s")
    if failing:
        print("# failing: " + " ".join(failing))
    if not a.keep:
        _rmtree(h.run_dir)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
