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
import contextlib
import gc
import json
import os
import platform
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FEAGIN = REPO / "benchmarks" / "inputs" / "feagin10.toml"
# The in-process rows time this checkout's tabc, whatever an installed (e.g. editable) copy is.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks._common import (
    UNIT_SECONDS,
    loads,
    log,
    median_range,
    run,
    table,
    version_of,
    write_json,
)

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
    """The nodepy subprocess of rows 2 and 5: check every scheme of the spec, report as JSON.

    Modes ``same`` and ``shipped`` sympify the coefficient strings of the spec (row 2);
    ``library`` takes the methods by key from nodepy's own ``loadRKM('All')`` (row 5).
    """
    t0 = time.perf_counter()
    import sympy
    from nodepy import rk  # noqa: F401  (the import is part of what is measured)

    t1 = time.perf_counter()
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    if mode == "library":
        results = nodepy_library_orders(spec)
    elif mode == "calibration":
        with contextlib.redirect_stdout(sys.stderr):  # nodepy prints notes of its own
            results = [nodepy_calibration_result(item) for item in spec]
    else:
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


def nodepy_library_orders(spec) -> list[dict]:
    """nodepy's exact ``order()`` of b (and of b̂, its ``embedded_method``) by library key."""
    from nodepy import runge_kutta_method as rkm

    methods = rkm.loadRKM("All")
    results = []
    for item in spec:
        method = methods[item["key"]]
        orders = [int(method.order(mode="exact"))]
        if item["embedded"]:
            orders.append(int(method.embedded_method.order(mode="exact")))
        results.append({"key": item["key"], "orders": orders})
    return results


# --------------------------------------------------------------------------- helpers


def sympy_coefficients(scheme):
    """A, b, b̂ of a tableau as exact sympy numbers (parameters at their values)."""
    values = {p.name: p.value.to_sympy() for p in scheme.parameters}
    a = [[x.to_sympy(values) for x in row] for row in scheme.a]
    b = [x.to_sympy(values) for x in scheme.b]
    b_hat = [x.to_sympy(values) for x in scheme.b_hat] if scheme.b_hat else None
    return a, b, b_hat


def tabc_command() -> list[str]:
    """The ``tabc`` console script next to this interpreter when it runs this checkout's code
    (an editable install of this repository), else ``python -m tableau_compiler`` run from the
    repository root (whose directory comes first on sys.path): the subprocess rows must time the
    same code as the in-process rows."""
    exe = Path(sys.executable).with_name("tabc")
    if exe.exists() and _installed_from() == REPO.resolve():
        return [str(exe)]
    return [sys.executable, "-m", "tableau_compiler"]


def _installed_from() -> Path | None:
    """The directory the installed tableau-compiler distribution was installed from, if any."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution("tableau-compiler").read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    if not text:
        return None
    info = json.loads(text)
    if not info.get("dir_info", {}).get("editable"):
        return None
    return Path(unquote(urlparse(info.get("url", "")).path)).resolve()


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
    done = run(cmd, timeout=cap, env=SUBPROCESS_ENV)
    if done.timed_out:
        raise Capped
    if expect_rc is not None and done.returncode != expect_rc:
        raise RuntimeError(
            f"{' '.join(cmd[:3])}... exited {done.returncode}, expected {expect_rc}:\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return done.seconds, done.stdout


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    if x < 0.1:
        return f"{x * 1000:.1f} ms"
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


class Row:
    """One line of the table: tabc samples, nodepy samples (or a cap), a target."""

    def __init__(self, key, label, target=None, kind="ratio", limit=None, note="", inclusive=False):
        self.key, self.label, self.target, self.kind, self.limit = key, label, target, kind, limit
        self.inclusive = inclusive  # a time target met at the limit itself (≤ rather than <)
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
            if self.inclusive:
                return self.tabc_median <= self.limit
            return self.tabc_median < self.limit
        return None

    def cells(self):
        tabc = median_range(self.tabc, fmt_s) if self.tabc else "—"
        if self.capped_at is not None:
            nodepy = f"> {fmt_s(self.capped_at)} (capped)"
        else:
            nodepy = median_range(self.nodepy, fmt_s) if self.nodepy else "—"
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
            target = f"{'≤' if self.inclusive else '<'} {self.limit:g} s"
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


# --------------------------------------------------------------------------- nodepy's own library


def _exact_value(x) -> bool:
    """An exact coefficient of a nodepy method: an int or a sympy number without a Float."""
    import sympy

    return isinstance(x, int) or (isinstance(x, sympy.Basic) and not x.has(sympy.Float))


def _tabc_name(key: str) -> str:
    """nodepy's key as a tabc scheme name (ASCII, lower case, ``_`` for anything else)."""
    plain = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def nodepy_library_selection():
    """nodepy's ``loadRKM('All')`` split into the methods written as tabc files and the rest.

    Kept: every method whose A and b are exact (ints and sympy numbers, no Float), written once
    (a later exact duplicate of A, b and b̂ is left out) and only with numbers tabc's grammar
    reads (no sympy function but sqrt). Claimed order: nodepy's ``p``; for b̂, the order
    nodepy's exact ``order()`` gives it (nodepy stores none). A b̂ in floating point is left
    off the file.  Returns (kept, left_out) with left_out mapping a key to the reason.
    """
    import sympy
    from nodepy import runge_kutta_method as rkm

    kept, left_out, seen = [], {}, {}
    for key, method in rkm.loadRKM("All").items():
        s = len(method)
        a = [[method.A[i, j] for j in range(s)] for i in range(s)]
        b = list(method.b)
        b_hat = list(method.bhat) if hasattr(method, "bhat") else None
        if not all(_exact_value(x) for x in [*(x for row in a for x in row), *b]):
            left_out[key] = "floating-point coefficients"
            continue
        note = ""
        if b_hat is not None and not all(_exact_value(x) for x in b_hat):
            b_hat, note = None, "its b̂ is floating point: written without it"
        values = [sympy.sympify(x) for x in [*(x for row in a for x in row), *b, *(b_hat or [])]]
        fingerprint = tuple(str(v) for v in values) + (len(b), b_hat is None)
        if fingerprint in seen:
            left_out[key] = f"exact duplicate of {seen[fingerprint]}"
            continue
        seen[fingerprint] = key
        functions = sorted({str(f) for v in values for f in v.atoms(sympy.Function)})
        if functions:
            left_out[key] = f"{', '.join(functions)} is outside tabc's coefficient grammar"
            continue
        order = int(getattr(method, "p", 0) or method.order(mode="exact"))
        embedded = int(method.embedded_method.order(mode="exact")) if b_hat is not None else 0
        kept.append(
            {
                "key": key,
                "name": _tabc_name(key),
                "title": str(getattr(method, "name", key)),
                "a": a,
                "b": b,
                "b_hat": b_hat if embedded else None,
                "order": order,
                "embedded_order": embedded or None,
                "note": note,
            }
        )
    return kept, left_out


def scheme_toml(item, nodepy_version: str) -> str:
    """A tabc scheme file for one method of nodepy's library (full rows, c left to A)."""

    def vector(values):
        return "[" + ", ".join(json.dumps(str(x), ensure_ascii=False) for x in values) + "]"

    lines = [
        f"name = {json.dumps(item['name'])}",
        'kind = "runge-kutta"',
        f"title = {json.dumps(item['title'], ensure_ascii=False)}",
        f"order = {item['order']}",
        (
            f"description = \"nodepy {nodepy_version} loadRKM('All')"
            f'[{json.dumps(item["key"], ensure_ascii=False)[1:-1]}], written by bench_check.py"'
        ),
        "",
        "[tableau]",
        "a = [",
        *(f"  {vector(row)}," for row in item["a"]),
        "]",
        f"b = {vector(item['b'])}",
    ]
    if item["b_hat"] is not None:
        lines += [f"b_hat = {vector(item['b_hat'])}", f"embedded_order = {item['embedded_order']}"]
    return "\n".join(lines) + "\n"


CHECK_LINE = re.compile(
    r"^(?P<status>\S+)\s+(?P<path>.+?): (?P<name>[a-z][a-z0-9_]*), .*?: order (?P<order>\d+)"
    r"(?:.*?embedded order (?P<embedded>\d+))?"
)


def parse_check_output(out: str) -> dict:
    """``tabc check``'s text lines as {name: (status, order, embedded order or None)}."""
    verdicts = {}
    for line in out.splitlines():
        match = CHECK_LINE.match(line)
        if match:
            embedded = match["embedded"]
            verdicts[match["name"]] = (
                match["status"],
                int(match["order"]),
                int(embedded) if embedded else None,
            )
    return verdicts


def compare_verdicts(kept, tabc_verdicts: dict, nodepy_orders: dict) -> list[str]:
    """Methods on which tabc's verdict and nodepy's exact orders differ, one line each."""
    differences = []
    for item in kept:
        status, order, embedded = tabc_verdicts.get(item["name"], ("missing", None, None))
        tabc_orders = [order] + ([embedded] if item["b_hat"] is not None else [])
        theirs = nodepy_orders.get(item["key"])
        if status != "ok" or tabc_orders != theirs:
            differences.append(
                f"{item['key']}: tabc {status} {tabc_orders}, nodepy {theirs}, "
                f"claimed {item['order']}"
                + (f"({item['embedded_order']})" if item["embedded_order"] else "")
            )
    return differences


# --------------------------------------------------------------------------- calibration set

CALIBRATION_TARGETS = {
    "feagin10": 0.3,
    "feagin12": 0.3,
    "feagin14": 1.0,
    "verner9_robust": 0.3,
    "verner9_efficient": 0.3,
    "sharp9": 0.3,
    "tsitouras9": 0.3,
}
"""Wall-time targets (in-process, warm, load + analyse) of the calibration table, seconds."""


def calibration_set():
    """(path, scheme) of every Runge–Kutta file of benchmarks/calibration without parameters."""
    from tableau_compiler.parsing import load_scheme

    chosen = []
    for path in sorted((REPO / "benchmarks" / "calibration").glob("*.toml")):
        scheme = load_scheme(path)
        if scheme.kind == "runge-kutta" and not scheme.parameters:
            chosen.append((str(path.relative_to(REPO)), scheme))
    return chosen


def nodepy_float_orders(a, b, b_hat, order, embedded_order, tol):
    """nodepy's float-mode ``order(tol=tol)`` of b (and b̂) with float64 coefficients."""
    import numpy as np
    from nodepy import rk

    s = len(b)
    A = np.array([[float(x) for x in row] for row in a], dtype=float).reshape(s, s)
    explicit = not np.any(np.triu(A))
    cls = rk.ExplicitRungeKuttaMethod if explicit else rk.RungeKuttaMethod
    orders = []
    for weights, top in [(b, order), (b_hat, embedded_order)]:
        if weights is None or not top:
            continue
        method = cls(A, np.array([float(x) for x in weights]))
        orders.append(int(method.order(tol=tol, extremely_high_order=top >= 13)))
    return {"exact_order": orders}


def nodepy_calibration_result(item) -> dict:
    """The calibration worker's check of one scheme: exact mode for an exact file, float mode
    (tol = the file's tolerance, at least nodepy's default 1e-14) for an approximate one."""
    import sympy

    a = [[sympy.sympify(x) for x in row] for row in item["a"]]
    b = [sympy.sympify(x) for x in item["b"]]
    b_hat = [sympy.sympify(x) for x in item["b_hat"]] if item["b_hat"] else None
    if item["approximate"]:
        tol = max(item["tolerance"], 1e-14)
        return nodepy_float_orders(a, b, b_hat, item["order"], item["embedded_order"], tol)
    return nodepy_same_conditions(a, b, b_hat, item["order"], item["embedded_order"])


def calibration_spec(path: Path, scheme) -> None:
    """Write the calibration worker's spec of one scheme to ``path``."""
    (item,) = spec_for([(None, scheme)])
    item["approximate"] = scheme.is_approximate
    item["tolerance"] = scheme.effective_tolerance if scheme.is_approximate else 0.0
    path.write_text(json.dumps([item]), encoding="utf-8")


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


def build_parser() -> argparse.ArgumentParser:
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
        "--calibration-cap",
        type=float,
        default=60.0,
        metavar="S",
        help="wall-time cap on nodepy's run per calibration scheme (default 60 s; 0 skips them)",
    )
    parser.add_argument(
        "--skip-shipped",
        action="store_true",
        help="skip the one-shot rows timing nodepy's order(mode='exact') as shipped",
    )
    parser.add_argument("--nodepy-worker", metavar="SPEC", help=argparse.SUPPRESS)
    parser.add_argument(
        "--worker-mode",
        choices=("same", "shipped", "library", "calibration"),
        default="same",
        help=argparse.SUPPRESS,
    )
    return parser


class Inputs:
    """Everything prepared before the timings: schemes, spec files, the written nodepy library."""

    def __init__(self, args, parser):
        from tableau_compiler.analysis import analyse
        from tableau_compiler.analysis.runge_kutta import order_condition_work
        from tableau_compiler.parsing import load_scheme

        self.feagin = args.feagin if args.feagin.is_absolute() else (REPO / args.feagin)
        if not self.feagin.exists():
            parser.error(f"Feagin file not found: {self.feagin} (pass --feagin PATH)")
        self.feagin14 = REPO / "benchmarks" / "calibration" / "feagin14.toml"
        self.single = {"pd87": "tableaus/pd87.toml", "gl3": "tableaus/gl3.toml"}
        self.prepared = {}
        self.conditions = {}
        for key, path in self.single.items():
            scheme = load_scheme(path)
            self.prepared[key] = (path, scheme, sympy_coefficients(scheme))
            result = analyse(scheme)
            n = sum(level.count for level in result.levels)
            m = sum(level.count for level in result.embedded_levels or ())
            self.conditions[key] = (n, m, result)
        self.library = exact_library(
            sorted(str(p.relative_to(REPO)) for p in (REPO / "tableaus").glob("*.toml"))
        )
        self.library_files = [path for path, _ in self.library]
        self.library_domains = {s.name: analyse(s).domain for _, s in self.library}
        self.radical = sorted(n for n, d in self.library_domains.items() if d != "QQ")
        self.calibration = calibration_set()
        self.work = {s.name: order_condition_work(s)[0] for _, s in self.calibration}
        self.tmp = Path(tempfile.mkdtemp(prefix="tabc-bench-"))
        self.spec_file = self.tmp / "library.json"
        self.spec_file.write_text(json.dumps(spec_for(self.library)), encoding="utf-8")
        self.empty_spec = self.tmp / "empty.json"
        self.empty_spec.write_text("[]", encoding="utf-8")
        self._write_nodepy_library()

    def _write_nodepy_library(self):
        self.nodepy_kept, self.nodepy_left_out = nodepy_library_selection()
        self.nodepy_dir = self.tmp / "nodepy-library"
        self.nodepy_dir.mkdir()
        for item in self.nodepy_kept:
            text = scheme_toml(item, version_of("nodepy"))
            (self.nodepy_dir / f"{item['name']}.toml").write_text(text, encoding="utf-8")
        spec = [{"key": i["key"], "embedded": i["b_hat"] is not None} for i in self.nodepy_kept]
        self.nodepy_spec = self.tmp / "nodepy-library.json"
        self.nodepy_spec.write_text(json.dumps(spec), encoding="utf-8")

    def label_for(self, key):
        n, m, _ = self.conditions[key]
        return f"{n} + {m} (b̂)" if m else f"{n}"


def _pair_specs(inputs):
    pd87_label = (
        "1a. PD 8(7), 13 stages, in-process warm: tabc load+analyse vs nodepy exact residuals "
        f"of the same {inputs.label_for('pd87')} conditions"
    )
    return [
        ("pd87", pd87_label, {"target": 50}),
        (
            "gl3",
            (
                f"1b. Gauss–Legendre 3 (sqrt 15), in-process warm: the same, "
                f"{inputs.label_for('gl3')} conditions"
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
    ]


def _library_specs(inputs):
    count = len(inputs.library)
    return [
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
    ]


def _timing_specs(inputs):
    return [
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
            "feagin14_cli",
            (
                "3c. Feagin 14 (35 stages, 85-digit decimals, tolerance 1e-12): `tabc check` "
                "subprocess, start-up included (its in-process time is judged in the "
                "calibration table)"
            ),
            {"kind": "info"},
        ),
        (
            "rk4",
            "4. `tabc check tableaus/rk4.toml` subprocess, start-up included",
            {"kind": "time", "limit": 0.15, "inclusive": True},
        ),
        ("python", "4a. `python -c pass` (interpreter start-up floor)", {"kind": "info"}),
        (
            "nodepy_library",
            (
                f"5. nodepy's own library (`loadRKM('All')`), the {len(inputs.nodepy_kept)} "
                "exact methods written as tabc files: one `tabc check DIR` subprocess vs one "
                "subprocess importing nodepy and running its `order(mode='exact')` on them "
                "(b and b̂), start-up included"
            ),
            {"target": 100},
        ),
    ]


def make_rows(inputs):
    specs = [*_pair_specs(inputs), *_library_specs(inputs), *_timing_specs(inputs)]
    rows = {key: Row(key, label, **options) for key, label, options in specs}
    calibration = {
        scheme.name: Row(
            f"cal:{scheme.name}",
            scheme.name,
            kind="time",
            limit=CALIBRATION_TARGETS.get(scheme.name),
        )
        for _, scheme in inputs.calibration
    }
    return rows, calibration


class Bench:
    """The measurements: each returns (seconds, result); one_repetition runs every row once."""

    def __init__(self, inputs, rows, calibration, cap):
        from tableau_compiler.analysis import analyse
        from tableau_compiler.parsing import load_scheme

        self.analyse, self.load_scheme = analyse, load_scheme
        self.inputs, self.rows, self.calibration, self.cap = inputs, rows, calibration, cap
        self.tabc = tabc_command()
        self.this = [sys.executable, str(Path(__file__).resolve())]

    def tabc_inprocess(self, path, require_pass=True):
        clear_caches()
        seconds, result = timed_call(lambda: self.analyse(self.load_scheme(path)), None)
        if require_pass and not result.passed:
            raise RuntimeError(f"tabc: {path} did not pass: {result.failures}")
        return seconds, result

    def tabc_exact_rationals(self, path):
        """PD8 decided with exact rational residuals throughout (what nodepy's exact mode does)."""
        from tableau_compiler.analysis.arithmetic import RationalField
        from tableau_compiler.analysis.runge_kutta import _decide, convert_tableau

        def run():
            scheme = self.load_scheme(path)
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

    def nodepy_inprocess(self, key):
        _, scheme, (a, b, b_hat) = self.inputs.prepared[key]
        clear_caches()
        return timed_call(
            lambda: nodepy_same_conditions(a, b, b_hat, scheme.order, scheme.embedded_order),
            self.cap,
        )

    def measure_pair(self, row, tabc_fn, nodepy_fn, rep, record=True):
        """Run both sides once; which goes first alternates with the repetition."""
        order = [("tabc", tabc_fn), ("nodepy", nodepy_fn)]
        if rep % 2:
            order.reverse()
        for tool, fn in order:
            if fn is None or (tool == "nodepy" and row.capped_at is not None):
                continue
            try:
                seconds, result = fn()
            except Capped:
                row.capped_at = self.cap
                log(f"  {row.key}: nodepy capped at {self.cap:g} s")
                continue
            if record:
                row.add(tool, seconds)
            else:
                row.info[f"{tool}_first_call_s"] = seconds
            row.info[f"{tool}_result"] = summarise(result)

    def library_tabc(self):
        clear_caches()
        seconds, out = timed_run([*self.tabc, "check", *self.inputs.library_files], None)
        return seconds, {"ok_lines": sum(line.startswith("ok") for line in out.splitlines())}

    def library_nodepy(self):
        clear_caches()
        seconds, out = timed_run(
            [*self.this, "--nodepy-worker", str(self.inputs.spec_file)], self.cap
        )
        report = json.loads(out)
        return seconds, {
            "import_s": report["import_s"],
            "compute_s": report["compute_s"],
            "all_exact": all(s["exactly_zero"] == s["conditions"] for s in report["schemes"]),
            "conditions": sum(s["conditions"] for s in report["schemes"]),
        }

    def library_api(self):
        total = 0.0
        for path in self.inputs.library_files:
            seconds, _ = self.tabc_inprocess(path)
            total += seconds
        return total, None

    def worker_floor(self):
        seconds, out = timed_run(
            [*self.this, "--nodepy-worker", str(self.inputs.empty_spec)], self.cap
        )
        return seconds, {"import_s": json.loads(out)["import_s"]}

    def nodepy_library_tabc(self):
        clear_caches()
        cmd = [*self.tabc, "check", str(self.inputs.nodepy_dir)]
        seconds, out = timed_run(cmd, None, expect_rc=None)
        return seconds, {"verdicts": parse_check_output(out)}

    def nodepy_library_nodepy(self):
        clear_caches()
        cmd = [*self.this, "--nodepy-worker", str(self.inputs.nodepy_spec), "--worker-mode"]
        seconds, out = timed_run([*cmd, "library"], self.cap)
        report = json.loads(out)
        orders = {s["key"]: s["orders"] for s in report["schemes"]}
        return seconds, {
            "import_s": report["import_s"],
            "compute_s": report["compute_s"],
            "orders": orders,
        }

    def calibration_tabc(self, record=True):
        """tabc in-process, warm, on every calibration file (its verdict kept, pass or fail)."""
        for path, scheme in self.inputs.calibration:
            row = self.calibration[scheme.name]
            seconds, result = self.tabc_inprocess(path, require_pass=False)
            if record:
                row.add("tabc", seconds)
            row.info["tabc_result"] = summarise(result)

    def command(self, cmd):
        return lambda: timed_run(cmd, None)

    def one_repetition(self, rep, record=True):
        single, rows = self.inputs.single, self.rows
        feagin, feagin14 = str(self.inputs.feagin), str(self.inputs.feagin14)

        def pair(key, tabc_fn, nodepy_fn):
            self.measure_pair(rows[key], tabc_fn, nodepy_fn, rep, record)

        pair(
            "pd87",
            lambda: self.tabc_inprocess(single["pd87"]),
            lambda: self.nodepy_inprocess("pd87"),
        )
        pair(
            "gl3", lambda: self.tabc_inprocess(single["gl3"]), lambda: self.nodepy_inprocess("gl3")
        )
        pair("pd87_exact", lambda: self.tabc_exact_rationals(single["pd87"]), None)
        pair("feagin_api", lambda: self.tabc_inprocess(feagin), None)
        pair("library_api", self.library_api, None)
        pair("library", self.library_tabc, self.library_nodepy)
        pair("nodepy_library", self.nodepy_library_tabc, self.nodepy_library_nodepy)
        pair("feagin_cli", self.command([*self.tabc, "check", feagin]), None)
        pair("feagin14_cli", self.command([*self.tabc, "check", feagin14]), None)
        pair("rk4", self.command([*self.tabc, "check", "tableaus/rk4.toml"]), None)
        pair("python", self.command([sys.executable, "-c", "pass"]), None)
        pair("sympy_import", self.command([sys.executable, "-c", "import sympy"]), None)
        pair("worker0", None, self.worker_floor)
        self.calibration_tabc(record)


def summarise(result):
    if hasattr(result, "levels"):  # a tabc analysis
        levels = result.levels or ()
        return {
            "passed": result.passed,
            "order": result.order,
            "embedded_order": result.embedded_order,
            "domain": result.domain,
            "tolerance": result.tolerance,
            "largest_residual": max((lv.largest_residual for lv in levels), default=None),
        }
    return result


def run_shipped(bench) -> None:
    """One-shot: nodepy's order(mode='exact') as shipped (it goes on to order p+1)."""
    rows, cap = bench.rows, bench.cap
    log("one-shot: nodepy order(mode='exact') as shipped...")
    for key in ("pd87", "gl3"):
        _, scheme, (a, b, b_hat) = bench.inputs.prepared[key]
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
            [
                *bench.this,
                "--nodepy-worker",
                str(bench.inputs.spec_file),
                "--worker-mode",
                "shipped",
            ],
            cap,
        )
        report = json.loads(out)
        row.add("nodepy", seconds)
        row.info["nodepy_result"] = {
            "compute_s": report["compute_s"],
            "orders": {s["name"]: s["orders"] for s in report["schemes"]},
        }
    except Capped:
        row.capped_at = cap


def run_calibration_nodepy(bench, cap: float) -> None:
    """One nodepy subprocess per calibration scheme, killed at ``cap`` seconds of wall time;
    the time shown is the worker's own (sympify and check, no start-up or imports), to sit
    beside tabc's in-process time."""
    spec = bench.inputs.tmp / "calibration.json"
    for _, scheme in bench.inputs.calibration:
        log(f"  nodepy on calibration/{scheme.name}...")
        calibration_spec(spec, scheme)
        row = bench.calibration[scheme.name]
        row.info["nodepy_mode"] = "float" if scheme.is_approximate else "exact"
        cmd = [*bench.this, "--nodepy-worker", str(spec), "--worker-mode", "calibration"]
        try:
            wall, out = timed_run(cmd, cap)
        except Capped:
            row.capped_at = cap
            continue
        report = json.loads(out)
        row.add("nodepy", report["compute_s"])
        row.info["nodepy_wall_s"] = wall
        row.info["nodepy_orders"] = report["schemes"][0]["exact_order"]


def results(args, inputs, rows, calibration) -> dict:
    """Everything measured, for ``--json``."""
    return {
        "machine": machine(),
        "repeats": args.repeats,
        "library": inputs.library_files,
        "library_domains": inputs.library_domains,
        "nodepy_library": [i["key"] for i in inputs.nodepy_kept],
        "nodepy_left_out": inputs.nodepy_left_out,
        "calibration_work": inputs.work,
        "rows": {k: r.to_json() for k, r in rows.items()},
        "calibration": {k: r.to_json() for k, r in calibration.items()},
    }


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.nodepy_worker:
        return worker(args.nodepy_worker, args.worker_mode)

    os.chdir(REPO)
    import nodepy  # noqa: F401  (imported before timing: row 1 is warm, in-process)
    import sympy  # noqa: F401

    load_before = os.getloadavg()
    inputs = Inputs(args, parser)
    rows, calibration = make_rows(inputs)
    bench = Bench(inputs, rows, calibration, args.nodepy_cap)
    log(
        f"tabc: {' '.join(bench.tabc)}; library: {len(inputs.library)} exact Runge–Kutta files; "
        f"nodepy's library: {len(inputs.nodepy_kept)} methods; "
        f"calibration: {len(inputs.calibration)} files"
    )
    log("warm-up (untimed)...")
    bench.one_repetition(0, record=False)
    for rep in range(args.repeats):
        log(f"repetition {rep + 1}/{args.repeats}...")
        bench.one_repetition(rep)
    rows["pd87_exact"].nodepy = list(rows["pd87"].nodepy)
    if not args.skip_shipped:
        run_shipped(bench)
    if args.calibration_cap > 0:
        log("one-shot: nodepy on the calibration set...")
        run_calibration_nodepy(bench, args.calibration_cap)
    load = {"before": load_before, "after": os.getloadavg()}
    print(render(args, rows, inputs, load))
    print(render_calibration(args, calibration, inputs))
    if args.json:
        write_json(args.json, results(args, inputs, rows, calibration), default=str)
    shutil.rmtree(inputs.tmp, ignore_errors=True)
    return 0


def machine() -> dict:
    import flint
    import sympy

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "sympy": sympy.__version__,
        "python-flint": flint.__version__,
        "nodepy": version_of("nodepy"),
    }


def shown_path(path: Path) -> str:
    """``path`` relative to the repository root when it lies inside it."""
    try:
        return path.resolve().relative_to(REPO.resolve()).as_posix()
    except ValueError:
        return str(path)


def render(args, rows, inputs, load) -> str:
    m = machine()
    out = [
        f"## tabc check benchmark ({args.repeats} interleaved repetitions, medians)",
        "",
        (
            f"Python {m['python']}, {m['cpus']} CPUs, sympy {m['sympy']}, python-flint "
            f"{m['python-flint']}, nodepy {m['nodepy']}; load average (1, 5, 15 min) "
            f"{loads(load['before'])} before the run, {loads(load['after'])} after it. Cells: "
            "median (min–max) over the repetitions; ratio: nodepy median / tabc median (min–max "
            "of the per-repetition ratios, each taken within one repetition)."
        ),
        "",
        *table(
            ["Measurement", "tabc", "nodepy", "nodepy / tabc", "target", "status"],
            [r.cells() for r in rows.values() if r.tabc or r.nodepy or r.capped_at is not None],
        ),
    ]
    out += ["", "Notes:", *_notes_pairs(rows, inputs), *_notes_library(rows, inputs)]
    out += [
        *_notes_nodepy_library(rows, inputs),
        (
            "- 1, 2a and 3b are warm (imports done and one untimed warm-up call first); sympy's cache "
            "is cleared before every timed call of either tool. First calls in this process "
            f"(including tabc's lazy imports of python-flint / sympy): PD8 "
            f"{fmt_s(rows['pd87'].info.get('tabc_first_call_s'))}, GL3 "
            f"{fmt_s(rows['gl3'].info.get('tabc_first_call_s'))}, Feagin "
            f"{fmt_s(rows['feagin_api'].info.get('tabc_first_call_s'))}."
        ),
        f"- Feagin file: {shown_path(inputs.feagin)}",
    ]
    return "\n".join(out)


def _notes_pairs(rows, inputs) -> list[str]:
    n, nh, pd = inputs.conditions["pd87"]
    gl = inputs.conditions["gl3"][2]
    pd_np = rows["pd87"].info.get("nodepy_result", {})
    gl_np = rows["gl3"].info.get("nodepy_result", {})
    shipped_pd = rows["pd87_shipped"].info.get("nodepy_result", {}).get("orders", "?")
    shipped_gl = rows["gl3_shipped"].info.get("nodepy_result", {}).get("orders", "?")
    return [
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
            f"{pd_np.get('largest', float('nan')):.2g}. So with tol=0 nodepy's exact mode would "
            f"report order {min(pd_np.get('exact_order', ['?']))}. With its "
            f"default tol=1e-14 nodepy's order(mode='exact') returns {shipped_pd} (b, b̂) but must "
            "also evaluate every order-9 (b) / order-8 (b̂) condition to stop (row 1c)."
        ),
        (
            f"- 1b: both find every condition exactly zero (tabc in {gl.domain}; nodepy "
            f"{gl_np.get('exactly_zero', '?')} of {gl_np.get('conditions', '?')} zero after "
            f"sympy.simplify). As shipped, nodepy returns {shipped_gl} after also evaluating the 48 "
            "order-7 conditions (row 1d)."
        ),
    ]


def _notes_library(rows, inputs) -> list[str]:
    lib_np = rows["library"].info.get("nodepy_result", {})
    lib_tabc = rows["library"].info.get("tabc_result", {})
    nan = float("nan")
    return [
        (
            f"- 2: files: {', '.join(scheme.name for _, scheme in inputs.library)}; with radicals "
            f"(decided in QQ(sqrt d) without sympy): {', '.join(inputs.radical) or 'none'}. tabc "
            f"printed {lib_tabc.get('ok_lines', '?')} `ok` lines; nodepy found every residual "
            f"exactly zero: {lib_np.get('all_exact', '?')} ({lib_np.get('conditions', '?')} "
            "conditions, b and b̂). nodepy's last run: "
            f"{lib_np.get('import_s', nan):.2f} s importing sympy+nodepy, "
            f"{lib_np.get('compute_s', nan):.2f} s sympifying and checking."
        )
    ]


def _notes_nodepy_library(rows, inputs) -> list[str]:
    row = rows["nodepy_library"]
    verdicts = row.info.get("tabc_result", {}).get("verdicts", {})
    theirs = row.info.get("nodepy_result", {})
    differences = compare_verdicts(inputs.nodepy_kept, verdicts, theirs.get("orders", {}))
    left_out = "; ".join(f"{key} ({why})" for key, why in inputs.nodepy_left_out.items())
    notes = "; ".join(f"{i['key']}: {i['note']}" for i in inputs.nodepy_kept if i["note"])
    nan = float("nan")
    return [
        (
            f"- 5: nodepy's `loadRKM('All')` holds "
            f"{len(inputs.nodepy_kept) + len(inputs.nodepy_left_out)} methods; "
            f"{len(inputs.nodepy_kept)} were written as tabc files into a temporary directory "
            f"(claimed order: nodepy's `p`; for b̂, the order nodepy's exact `order()` gives it). "
            f"Left out: {left_out}. {notes + '. ' if notes else ''}"
            f"Methods: {', '.join(i['key'] for i in inputs.nodepy_kept)}. The nodepy worker "
            "calls `loadRKM('All')` itself and `order(mode='exact')` (default tol 1e-14, which "
            "evaluates order p+1 too) on each method and on its `embedded_method`; its last run: "
            f"{theirs.get('import_s', nan):.2f} s importing sympy+nodepy, "
            f"{theirs.get('compute_s', nan):.2f} s loading and checking."
        ),
        (
            f"- 5, verdicts: tabc reported {len(verdicts)} files, "
            f"{sum(v[0] == 'ok' for v in verdicts.values())} `ok`; "
            + (
                "tabc's order (and embedded order) equals nodepy's exact order for every method."
                if not differences
                else f"they differ on {len(differences)}: " + "; ".join(differences) + "."
            )
            + " tabc decides the conditions up to the claimed order only, so agreement means "
            "nodepy's exact order is the claimed one and tabc verifies it."
        ),
    ]


def _verdict(orders) -> str:
    if not orders:
        return "—"
    return f"{orders[0]}" + (f"({orders[1]})" if len(orders) > 1 else "")


def _calibration_cells(name, row, inputs, scheme) -> list[str]:
    result = row.info.get("tabc_result", {})
    tabc_orders = [result.get("order")] + (
        [result.get("embedded_order")] if scheme.embedded_order else []
    )
    tabc_verdict = ("ok " if result.get("passed") else "FAIL ") + _verdict(tabc_orders)
    mode = row.info.get("nodepy_mode", "—")
    if row.capped_at is not None:
        nodepy, nodepy_verdict = f"> {fmt_s(row.capped_at)}", "over cap"
    elif row.nodepy:
        nodepy = fmt_s(row.nodepy_median)
        orders = row.info.get("nodepy_orders")
        nodepy_verdict = _verdict(orders) + ("" if orders == tabc_orders else " **differs**")
    else:
        nodepy, nodepy_verdict = "—", "—"
    ratio = row.ratio
    if ratio is None:
        ratio_text = "—"
    else:
        ratio_text = ("> " if row.capped_at else "") + (
            f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"
        )
    work = inputs.work[name]
    cells = [
        f"`{name}`",
        str(scheme.stages),
        _verdict(
            [scheme.order, scheme.embedded_order] if scheme.embedded_order else [scheme.order]
        ),
        "decimal" if scheme.is_approximate else "exact",
        median_range(row.tabc, fmt_s),
        f"{work:,} ({fmt_s(work * UNIT_SECONDS)})",
        tabc_verdict,
        mode,
        nodepy,
        nodepy_verdict,
        ratio_text.strip(),
        f"< {row.limit:g} s" if row.limit is not None else "—",
        {True: "met", False: "**missed**", None: "—"}[row.met],
    ]
    return cells


def render_calibration(args, calibration, inputs) -> str:
    out = [
        "",
        f"## Calibration set, per scheme ({args.repeats} repetitions for tabc, medians)",
        "",
        (
            "Runge–Kutta files of benchmarks/calibration without parameters. tabc: in-process, "
            "warm, `analyse(load_scheme(path))` as `tabc check` runs it, timed in every "
            "repetition; work: `order_condition_work(scheme)[0]`, units of 16 ns, with that "
            "estimate in time. nodepy: one subprocess per scheme, killed at "
            f'{args.calibration_cap:g} s of wall time, start-up included ("over cap"); its '
            "time is the worker's own, sympify and check without start-up: exact mode (the body "
            "of `order(mode='exact')` for p up to the claimed orders, from sympy values of the "
            "file's coefficients) for exact files, float mode (`order(tol)`, tol the file's "
            "tolerance but at least nodepy's default 1e-14, float64 coefficients; "
            "`extremely_high_order` from order 13) for decimal ones. Verdicts: order(embedded)."
        ),
        "",
    ]
    schemes = {scheme.name: scheme for _, scheme in inputs.calibration}
    header = ["scheme", "stages", "claimed", "coefficients", "tabc", "work estimate"]
    header += ["tabc verdict", "nodepy mode", "nodepy", "nodepy verdict", "nodepy / tabc"]
    rows = [_calibration_cells(n, r, inputs, schemes[n]) for n, r in calibration.items()]
    out += table([*header, "target", "status"], rows)
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
