"""Benchmark of ``tabc check`` (exact order-condition checking) against nodepy.

Run from the repository root::

    pip install -e '.[bench]'
    python benchmarks/bench_check.py [--repeats N] [--feagin PATH] [--json OUT]

Every measurement is repeated ``--repeats`` times, interleaved (one repetition runs
every row once, tabc and nodepy alternating which goes first), after one untimed
warm-up of each; the table reports medians and the ratio of the medians, since
absolute times drift on a noisy machine.  See benchmarks/README.md for what each
row measures and its target.

The same file doubles as the nodepy worker of row 2 (``--nodepy-worker SPEC``):
a fresh interpreter that imports nodepy, builds the schemes from the JSON strings
of their exact coefficients and checks them.  It imports nothing from tabc.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FEAGIN = REPO / "benchmarks" / "inputs" / "feagin10.toml"


# Subprocesses run as an installed package runs: with byte-code caching, even where the
# calling environment turns it off (PYTHONDONTWRITEBYTECODE); the untimed warm-up writes the
# .pyc files of both tools, so neither side pays for compiling its sources in the timings.
SUBPROCESS_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


class Capped(Exception):
    """A nodepy run stopped at the wall-time cap."""


# --------------------------------------------------------------------------- nodepy side
# (used both in-process for row 1 and inside the worker subprocess for row 2)


def nodepy_method(a, b):
    """nodepy's method for exact (sympy) A and b: explicit class when A is strictly lower."""
    import numpy as np
    from nodepy import rk

    s = len(b)
    A = np.array([list(row) for row in a], dtype=object).reshape(s, s)
    B = np.array(list(b), dtype=object)
    explicit = all(A[i, j] == 0 for i in range(s) for j in range(i, s))
    cls = rk.ExplicitRungeKuttaMethod if explicit else rk.RungeKuttaMethod
    return cls(A, B)


def nodepy_same_conditions(a, b, b_hat, order, embedded_order):
    """The body of nodepy's ``order(mode='exact')``, run over the orders tabc checks.

    nodepy's exact mode evaluates ``order_condition_residuals(p)`` and ``sympy.simplify``s
    each residual, for p = 1, 2, ... until one exceeds ``tol``.  Here p runs over
    1..order for b and 1..embedded_order for b̂: the same conditions ``tabc check``
    decides, whatever the residuals turn out to be.
    """
    import sympy

    runs = [(b, order)]
    if b_hat is not None and embedded_order:
        runs.append((b_hat, embedded_order))
    conditions = zeros = 0
    largest = 0.0
    exact_order = []  # per weight vector: largest p with every residual of order <= p exactly 0
    for weights, top in runs:
        method = nodepy_method(a, weights)
        reached, broken = 0, False
        for p in range(1, top + 1):
            residuals = [sympy.simplify(z) for z in method.order_condition_residuals(p)]
            conditions += len(residuals)
            nonzero = [z for z in residuals if z != 0]
            zeros += len(residuals) - len(nonzero)
            if nonzero:
                broken = True
                largest = max(largest, max(abs(float(z)) for z in nonzero))
            if not broken:
                reached = p
        exact_order.append(reached)
    return {
        "conditions": conditions,
        "exactly_zero": zeros,
        "largest": largest,
        "exact_order": exact_order,
    }


def nodepy_shipped(a, b, b_hat, embedded_order):
    """nodepy's own ``order(mode='exact')`` (default tol 1e-14), as a user calls it."""
    orders = [int(nodepy_method(a, b).order(mode="exact"))]
    if b_hat is not None and embedded_order:
        orders.append(int(nodepy_method(a, b_hat).order(mode="exact")))
    return {"orders": orders}


def worker(spec_path: str, mode: str) -> int:
    """Row 2's nodepy subprocess: sympify the coefficient strings, check every scheme."""
    t0 = time.perf_counter()
    import sympy
    from nodepy import rk  # noqa: F401  (the import is part of what is measured)

    t1 = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    results = []
    for item in spec:
        a = [[sympy.sympify(x) for x in row] for row in item["a"]]
        b = [sympy.sympify(x) for x in item["b"]]
        b_hat = [sympy.sympify(x) for x in item["b_hat"]] if item["b_hat"] else None
        if mode == "same":
            result = nodepy_same_conditions(a, b, b_hat, item["order"], item["embedded_order"])
        else:
            result = nodepy_shipped(a, b, b_hat, item["embedded_order"])
        results.append({"name": item["name"], **result})
    t2 = time.perf_counter()
    json.dump({"import_s": t1 - t0, "compute_s": t2 - t1, "schemes": results}, sys.stdout)
    return 0


# --------------------------------------------------------------------------- helpers


def sympy_coefficients(scheme):
    """A, b, b̂ of a tableau as exact sympy numbers (parameters at their values)."""
    values = {p.name: p.value.to_sympy() for p in scheme.parameters}
    a = [[x.to_sympy(values) for x in row] for row in scheme.a]
    b = [x.to_sympy(values) for x in scheme.b]
    b_hat = [x.to_sympy(values) for x in scheme.b_hat] if scheme.b_hat else None
    return a, b, b_hat


def tabc_command() -> list[str]:
    exe = Path(sys.executable).with_name("tabc")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("tabc")
    return [found] if found else [sys.executable, "-m", "tableau_compiler"]


def clear_caches() -> None:
    """Start every timed run from the same state: sympy's memo cache empty, garbage collected."""
    try:
        from sympy.core.cache import clear_cache

        clear_cache()
    except ImportError:  # pragma: no cover
        pass
    gc.collect()


def timed_call(fn, cap: float | None):
    """(seconds, result) of fn(); raises Capped after ``cap`` seconds (SIGALRM, in-process)."""
    use_alarm = cap is not None and hasattr(signal, "SIGALRM")
    if use_alarm:

        def _alarm(signum, frame):
            raise Capped

        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def timed_run(cmd: list[str], cap: float | None, expect_rc: int | None = 0):
    """(seconds, stdout) of one subprocess, start-up included; raises Capped on timeout."""
    start = time.perf_counter()
    try:
        done = subprocess.run(
            cmd,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=cap,
            check=False,
            env=SUBPROCESS_ENV,
        )
    except subprocess.TimeoutExpired as exc:
        raise Capped from exc
    elapsed = time.perf_counter() - start
    if expect_rc is not None and done.returncode != expect_rc:
        raise RuntimeError(
            f"{' '.join(cmd[:3])}... exited {done.returncode}, expected {expect_rc}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return elapsed, done.stdout


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def spread(samples: list[float]) -> str:
    if len(samples) < 2:
        return ""
    return f" ({fmt_s(min(samples))}–{fmt_s(max(samples))})"


class Row:
    """One line of the table: tabc samples, nodepy samples (or a cap), a target."""

    def __init__(self, key, label, target=None, kind="ratio", limit=None, note=""):
        self.key, self.label, self.target, self.kind, self.limit = key, label, target, kind, limit
        self.note = note
        self.tabc: list[float] = []
        self.nodepy: list[float] = []
        self.capped_at: float | None = None
        self.info: dict = {}

    def add(self, tool: str, seconds: float) -> None:
        getattr(self, tool).append(seconds)

    @property
    def tabc_median(self):
        return statistics.median(self.tabc) if self.tabc else None

    @property
    def nodepy_median(self):
        return statistics.median(self.nodepy) if self.nodepy else None

    @property
    def ratio(self):
        if self.capped_at is not None and self.tabc:
            return self.capped_at / self.tabc_median
        if self.tabc and self.nodepy:
            return self.nodepy_median / self.tabc_median
        return None

    @property
    def paired(self):
        n = min(len(self.tabc), len(self.nodepy))
        return [self.nodepy[i] / self.tabc[i] for i in range(n)]

    @property
    def met(self):
        if self.kind == "ratio" and self.target is not None and self.ratio is not None:
            return self.ratio >= self.target
        if self.kind == "time" and self.limit is not None and self.tabc:
            return self.tabc_median < self.limit
        return None

    def cells(self):
        tabc = (fmt_s(self.tabc_median) + spread(self.tabc)) if self.tabc else "—"
        if self.capped_at is not None:
            nodepy = f"> {fmt_s(self.capped_at)} (capped)"
        else:
            nodepy = (fmt_s(self.nodepy_median) + spread(self.nodepy)) if self.nodepy else "—"
        if self.ratio is None:
            ratio = "—"
        elif self.capped_at is not None:
            ratio = f"> {self.ratio:.0f}×"
        else:
            ratio = f"{self.ratio:.1f}×"
            paired = self.paired
            if len(paired) > 1:
                ratio += f" ({min(paired):.1f}–{max(paired):.1f})"
        if self.kind == "ratio" and self.target is not None:
            target = f"≥ {self.target:g}×"
        elif self.kind == "time" and self.limit is not None:
            target = f"< {self.limit:g} s"
        else:
            target = "info"
        met = {True: "met", False: "**missed**", None: "—"}[self.met]
        return [self.label, tabc, nodepy, ratio, target, met]

    def to_json(self):
        return {
            "label": self.label,
            "tabc_s": self.tabc,
            "nodepy_s": self.nodepy,
            "tabc_median_s": self.tabc_median,
            "nodepy_median_s": self.nodepy_median,
            "nodepy_capped_at_s": self.capped_at,
            "ratio": self.ratio,
            "paired_ratios": self.paired,
            "target": self.target,
            "limit_s": self.limit,
            "met": self.met,
            "note": self.note,
            "info": self.info,
        }


# --------------------------------------------------------------------------- the benchmark


def exact_library(paths):
    """The runge-kutta files of tableaus/ whose coefficients are all exact (no decimal)."""
    from tableau_compiler.parsing import load_scheme

    chosen = []
    for path in paths:
        scheme = load_scheme(path)
        if scheme.kind == "runge-kutta" and not scheme.is_approximate:
            chosen.append((path, scheme))
    return chosen


def spec_for(schemes) -> list[dict]:
    spec = []
    for _, scheme in schemes:
        a, b, b_hat = sympy_coefficients(scheme)
        spec.append(
            {
                "name": scheme.name,
                "order": scheme.order,
                "embedded_order": scheme.embedded_order,
                "a": [[str(x) for x in row] for row in a],
                "b": [str(x) for x in b],
                "b_hat": [str(x) for x in b_hat] if b_hat else None,
            }
        )
    return spec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=5, help="interleaved repetitions (default 5)"
    )
    parser.add_argument(
        "--feagin",
        type=Path,
        default=DEFAULT_FEAGIN,
        help="Feagin 10 scheme file (default benchmarks/inputs/feagin10.toml)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    parser.add_argument(
        "--nodepy-cap",
        type=float,
        default=300.0,
        metavar="S",
        help="wall-time cap on any single nodepy run (default 300 s)",
    )
    parser.add_argument(
        "--skip-shipped",
        action="store_true",
        help="skip the one-shot rows timing nodepy's order(mode='exact') as shipped",
    )
    parser.add_argument("--nodepy-worker", metavar="SPEC", help=argparse.SUPPRESS)
    parser.add_argument(
        "--worker-mode", choices=("same", "shipped"), default="same", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.nodepy_worker:
        return worker(args.nodepy_worker, args.worker_mode)

    os.chdir(REPO)
    cap = args.nodepy_cap

    def progress(*parts):
        print(*parts, file=sys.stderr, flush=True)

    import nodepy  # noqa: F401  (imported before timing: row 1 is warm, in-process)
    import sympy  # noqa: F401

    from tableau_compiler.analysis import analyse
    from tableau_compiler.parsing import load_scheme

    feagin = args.feagin if args.feagin.is_absolute() else (REPO / args.feagin)
    if not feagin.exists():
        parser.error(f"Feagin file not found: {feagin} (pass --feagin PATH)")
    tabc = tabc_command()
    this = [sys.executable, str(Path(__file__).resolve())]

    # ---- inputs
    single = {"pd87": "tableaus/pd87.toml", "gl3": "tableaus/gl3.toml"}
    prepared = {}
    for key, path in single.items():
        scheme = load_scheme(path)
        prepared[key] = (path, scheme, sympy_coefficients(scheme))
    library = exact_library(
        sorted(str(p.relative_to(REPO)) for p in (REPO / "tableaus").glob("*.toml"))
    )
    library_files = [path for path, _ in library]
    conditions = {}
    for key, (path, scheme, _) in prepared.items():
        result = analyse(scheme)
        n = sum(level.count for level in result.levels)
        m = sum(level.count for level in result.embedded_levels or ())
        conditions[key] = (n, m, result)
    spec_dir = Path(tempfile.mkdtemp(prefix="tabc-bench-"))
    spec_file = spec_dir / "library.json"
    spec_file.write_text(json.dumps(spec_for(library)), encoding="utf-8")
    empty_spec = spec_dir / "empty.json"
    empty_spec.write_text("[]", encoding="utf-8")

    def label_for(key):
        n, m, _ = conditions[key]
        return f"{n} + {m} (b̂)" if m else f"{n}"

    library_domains = {}
    for path, scheme in library:
        library_domains[scheme.name] = analyse(scheme).domain
    radical = sorted(name for name, domain in library_domains.items() if domain != "QQ")

    count = len(library)
    pd87_label = (
        "1a. PD 8(7), 13 stages, in-process warm: tabc load+analyse vs nodepy exact residuals "
        f"of the same {label_for('pd87')} conditions"
    )
    specs = [
        ("pd87", pd87_label, {"target": 50}),
        (
            "gl3",
            (
                f"1b. Gauss–Legendre 3 (sqrt 15), in-process warm: the same, "
                f"{label_for('gl3')} conditions"
            ),
            {"target": 50},
        ),
        (
            "pd87_exact",
            (
                "1e. PD 8(7) with every residual an exact rational (tabc's RationalField forced "
                "instead of its certified balls), in-process warm, vs 1a's nodepy"
            ),
            {"kind": "info"},
        ),
        (
            "pd87_shipped",
            (
                "1c. PD 8(7): nodepy `order(mode='exact')` as shipped (default tol "
                "1e-14; evaluates order p+1 too), 1 run, vs 1a's tabc"
            ),
            {"kind": "info"},
        ),
        (
            "gl3_shipped",
            ("1d. Gauss–Legendre 3: nodepy `order(mode='exact')` as shipped, 1 run, vs 1b's tabc"),
            {"kind": "info"},
        ),
        (
            "library",
            (
                f"2. Exact RK library, {count} files: one `tabc check` subprocess vs one "
                "nodepy subprocess, start-up included"
            ),
            {"target": 20},
        ),
        (
            "library_api",
            (
                f"2a. tabc in-process warm: sum of load+analyse over the {count} files "
                "(no start-up, no imports)"
            ),
            {"kind": "info"},
        ),
        (
            "sympy_import",
            (
                "2b. `python -c 'import sympy'` (tabc's check needs no sympy for this library: "
                "one-radical fields are pairs of flint rationals)"
            ),
            {"kind": "info"},
        ),
        (
            "worker0",
            "2c. nodepy worker with no scheme: start-up and imports only",
            {"kind": "info"},
        ),
        (
            "library_shipped",
            (
                "2d. Library: nodepy subprocess calling `order(mode='exact')` as "
                "shipped, 1 run, vs 2's tabc"
            ),
            {"kind": "info"},
        ),
        (
            "feagin_cli",
            (
                "3a. Feagin 10 (17 stages, 1205 conditions, decimals): `tabc check` "
                "subprocess, start-up included"
            ),
            {"kind": "time", "limit": 2.0},
        ),
        (
            "feagin_api",
            "3b. Feagin 10: in-process load_scheme + analyse, warm",
            {"kind": "time", "limit": 2.0},
        ),
        (
            "rk4",
            "4. `tabc check tableaus/rk4.toml` subprocess, start-up included",
            {"kind": "time", "limit": 0.5},
        ),
        ("python", "4a. `python -c pass` (interpreter start-up floor)", {"kind": "info"}),
    ]
    rows = {key: Row(key, label, **options) for key, label, options in specs}

    # ---- the measurements: each returns (seconds, result)
    def tabc_inprocess(path):
        def run():
            return analyse(load_scheme(path))

        clear_caches()
        seconds, result = timed_call(run, None)
        if not result.passed:
            raise RuntimeError(f"tabc: {path} did not pass: {result.failures}")
        return seconds, result

    def tabc_exact_rationals(path):
        """PD8 decided with exact rational residuals throughout (what nodepy's exact mode does)."""
        from tableau_compiler.analysis.arithmetic import RationalField
        from tableau_compiler.analysis.runge_kutta import _decide, convert_tableau

        def run():
            scheme = load_scheme(path)
            field, a, b, c, b_hat = convert_tableau(scheme, {})
            assert isinstance(field, RationalField)
            decided = _decide(
                field,
                a,
                b,
                c,
                b_hat,
                scheme.effective_tolerance,
                scheme.order,
                scheme.embedded_order,
                differences=False,
                error_order=False,
            )
            levels, embedded = decided.levels, decided.embedded_levels or ()
            return {
                "all_within_tolerance": all(level.holds for level in [*levels, *embedded]),
                "largest_residual": max(level.largest_residual for level in levels),
            }

        clear_caches()
        return timed_call(run, None)

    def nodepy_inprocess(key):
        _, scheme, (a, b, b_hat) = prepared[key]
        clear_caches()
        return timed_call(
            lambda: nodepy_same_conditions(a, b, b_hat, scheme.order, scheme.embedded_order), cap
        )

    def summarise(result):
        if hasattr(result, "levels"):  # a tabc analysis
            return {
                "passed": result.passed,
                "order": result.order,
                "embedded_order": result.embedded_order,
                "domain": result.domain,
                "tolerance": result.tolerance,
                "largest_residual": max(level.largest_residual for level in result.levels),
            }
        return result

    def measure_pair(row_key, tabc_fn, nodepy_fn, rep, record=True):
        """Run both sides once; which goes first alternates with the repetition."""
        row = rows[row_key]
        order = [("tabc", tabc_fn), ("nodepy", nodepy_fn)]
        if rep % 2:
            order.reverse()
        for tool, fn in order:
            if fn is None or (tool == "nodepy" and row.capped_at is not None):
                continue
            try:
                seconds, result = fn()
            except Capped:
                row.capped_at = cap
                progress(f"  {row_key}: nodepy capped at {cap:g} s")
                continue
            if record:
                row.add(tool, seconds)
            else:
                row.info[f"{tool}_first_call_s"] = seconds
            row.info[f"{tool}_result"] = summarise(result)

    def library_tabc():
        clear_caches()
        seconds, out = timed_run([*tabc, "check", *library_files], None)
        return seconds, {"ok_lines": sum(line.startswith("ok") for line in out.splitlines())}

    def library_nodepy():
        clear_caches()
        seconds, out = timed_run([*this, "--nodepy-worker", str(spec_file)], cap)
        report = json.loads(out)
        return seconds, {
            "import_s": report["import_s"],
            "compute_s": report["compute_s"],
            "all_exact": all(s["exactly_zero"] == s["conditions"] for s in report["schemes"]),
            "conditions": sum(s["conditions"] for s in report["schemes"]),
        }

    def library_api():
        total = 0.0
        for path in library_files:
            seconds, _ = tabc_inprocess(path)
            total += seconds
        return total, None

    def worker_floor():
        seconds, out = timed_run([*this, "--nodepy-worker", str(empty_spec)], cap)
        return seconds, {"import_s": json.loads(out)["import_s"]}

    def command(cmd):
        return lambda: timed_run(cmd, None)

    def one_repetition(rep, record=True):
        def pair(key, tabc_fn, nodepy_fn):
            measure_pair(key, tabc_fn, nodepy_fn, rep, record)

        pair("pd87", lambda: tabc_inprocess(single["pd87"]), lambda: nodepy_inprocess("pd87"))
        pair("gl3", lambda: tabc_inprocess(single["gl3"]), lambda: nodepy_inprocess("gl3"))
        pair("pd87_exact", lambda: tabc_exact_rationals(single["pd87"]), None)
        pair("feagin_api", lambda: tabc_inprocess(str(feagin)), None)
        pair("library_api", library_api, None)
        pair("library", library_tabc, library_nodepy)
        pair("feagin_cli", command([*tabc, "check", str(feagin)]), None)
        pair("rk4", command([*tabc, "check", "tableaus/rk4.toml"]), None)
        pair("python", command([sys.executable, "-c", "pass"]), None)
        pair("sympy_import", command([sys.executable, "-c", "import sympy"]), None)
        pair("worker0", None, worker_floor)

    progress(f"tabc: {' '.join(tabc)}; library: {len(library)} exact Runge–Kutta files")
    progress("warm-up (untimed)...")
    one_repetition(0, record=False)
    for rep in range(args.repeats):
        progress(f"repetition {rep + 1}/{args.repeats}...")
        one_repetition(rep)

    rows["pd87_exact"].nodepy = list(rows["pd87"].nodepy)

    # ---- one-shot: nodepy's order(mode='exact') exactly as shipped (it goes on to order p+1)
    if not args.skip_shipped:
        progress("one-shot: nodepy order(mode='exact') as shipped...")
        for key in ("pd87", "gl3"):
            _, scheme, (a, b, b_hat) = prepared[key]
            row = rows[f"{key}_shipped"]
            row.tabc = list(rows[key].tabc)
            clear_caches()
            try:
                seconds, result = timed_call(
                    lambda a=a, b=b, b_hat=b_hat, scheme=scheme: nodepy_shipped(
                        a, b, b_hat, scheme.embedded_order
                    ),
                    cap,
                )
                row.add("nodepy", seconds)
                row.info["nodepy_result"] = result
            except Capped:
                row.capped_at = cap
        row = rows["library_shipped"]
        row.tabc = list(rows["library"].tabc)
        try:
            seconds, out = timed_run(
                [*this, "--nodepy-worker", str(spec_file), "--worker-mode", "shipped"], cap
            )
            report = json.loads(out)
            row.add("nodepy", seconds)
            row.info["nodepy_result"] = {
                "compute_s": report["compute_s"],
                "orders": {s["name"]: s["orders"] for s in report["schemes"]},
            }
        except Capped:
            row.capped_at = cap

    shutil.rmtree(spec_dir, ignore_errors=True)
    print(render(args, rows, conditions, library, radical, feagin))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": machine(),
                    "repeats": args.repeats,
                    "library": library_files,
                    "library_domains": library_domains,
                    "rows": {k: r.to_json() for k, r in rows.items()},
                },
                indent=2,
                default=str,
            ),
            encoding="utf-8",
        )
    return 0


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def machine() -> dict:
    import flint
    import sympy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sympy": sympy.__version__,
        "python-flint": flint.__version__,
        "nodepy": _version("nodepy"),
    }


def shown_path(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it."""
    try:
        return path.resolve().relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)


def render(args, rows, conditions, library, radical, feagin) -> str:
    m = machine()
    out = [
        f"## tabc check benchmark ({args.repeats} interleaved repetitions, medians)",
        "",
        (
            f"Python {m['python']}, {m['cpus']} CPUs, sympy {m['sympy']}, python-flint "
            f"{m['python-flint']}, nodepy {m['nodepy']}. Cells: median (min–max) over the "
            "repetitions; ratio: nodepy median / tabc median (min–max of the per-repetition ratios, "
            "each taken within one repetition)."
        ),
        "",
        "| Measurement | tabc | nodepy | nodepy / tabc | target | status |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows.values():
        if row.tabc or row.nodepy or row.capped_at is not None:
            out.append("| " + " | ".join(row.cells()) + " |")

    n, nh, pd = conditions["pd87"]
    gl = conditions["gl3"][2]
    pd_np = rows["pd87"].info.get("nodepy_result", {})
    gl_np = rows["gl3"].info.get("nodepy_result", {})
    lib_np = rows["library"].info.get("nodepy_result", {})
    lib_tabc = rows["library"].info.get("tabc_result", {})
    shipped_pd = rows["pd87_shipped"].info.get("nodepy_result", {}).get("orders", "?")
    shipped_gl = rows["gl3_shipped"].info.get("nodepy_result", {}).get("orders", "?")
    nan = float("nan")
    out += [
        "",
        "Notes:",
        (
            f"- 1a: pd87.toml is an approximate scheme (its published rationals meet the conditions "
            f"only to ~1e-18), so tabc decides the {n} conditions of b and the {nh} of b̂ against the "
            f"tolerance {pd.tolerance:g} in certified ball arithmetic (python-flint arb: every ball "
            "encloses the exact rational residual; a ball too close to the tolerance would double the "
            f"precision, and past 4096 bits exact rationals decide): passes, order {pd.order}, "
            f"embedded order {pd.embedded_order}, largest |residual| "
            f"{max(level.largest_residual for level in pd.levels):.2g}. Row 1e times the same "
            "conditions with every residual an exact rational instead. nodepy computes the "
            f"same {pd_np.get('conditions', '?')} conditions exactly (its order_condition_residuals + "
            "sympy.simplify, the body of order(mode='exact'), for p up to the claimed orders): "
            f"{pd_np.get('exactly_zero', '?')} of them are exactly zero, largest |residual| "
            f"{pd_np.get('largest', nan):.2g}. So with tol=0 nodepy's exact mode would report order "
            f"{min(pd_np.get('exact_order', ['?']))}. With its "
            f"default tol=1e-14 nodepy's order(mode='exact') returns {shipped_pd} (b, b̂) but must "
            "also evaluate every order-9 (b) / order-8 (b̂) condition to stop (row 1c)."
        ),
        (
            f"- 1b: both find every condition exactly zero (tabc in {gl.domain}; nodepy "
            f"{gl_np.get('exactly_zero', '?')} of {gl_np.get('conditions', '?')} zero after "
            f"sympy.simplify). As shipped, nodepy returns {shipped_gl} after also evaluating the 48 "
            "order-7 conditions (row 1d)."
        ),
        (
            f"- 2: files: {', '.join(scheme.name for _, scheme in library)}; with radicals "
            f"(decided in QQ(sqrt d) without sympy): {', '.join(radical) or 'none'}. tabc printed "
            f"{lib_tabc.get('ok_lines', '?')} `ok` lines; nodepy found every residual exactly zero: "
            f"{lib_np.get('all_exact', '?')} ({lib_np.get('conditions', '?')} conditions, b and b̂). "
            f"nodepy's last run: {lib_np.get('import_s', nan):.2f} s importing sympy+nodepy, "
            f"{lib_np.get('compute_s', nan):.2f} s sympifying and checking."
        ),
        (
            "- 1, 2a and 3b are warm (imports done and one untimed warm-up call first); sympy's cache "
            "is cleared before every timed call of either tool. First calls in this process "
            f"(including tabc's lazy imports of python-flint / sympy): PD8 "
            f"{fmt_s(rows['pd87'].info.get('tabc_first_call_s'))}, GL3 "
            f"{fmt_s(rows['gl3'].info.get('tabc_first_call_s'))}, Feagin "
            f"{fmt_s(rows['feagin_api'].info.get('tabc_first_call_s'))}."
        ),
        f"- Feagin file: {shown_path(feagin)}",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
