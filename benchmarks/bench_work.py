"""The work model against the clock: estimated units and measured time of the order conditions.

For every Runge–Kutta file of the calibration set (benchmarks/calibration/, published
schemes), the library (tableaus/) and the generated worst cases of benchmarks/bench_limits.py,
runs the analysis ``tabc check`` makes (and, with ``--info``, the one ``tabc info`` makes) in a
fresh process with the work limits lifted, and records the estimate the limits compare
(:func:`tableau_compiler.analysis.runge_kutta.order_condition_work`, in units of 16 ns) beside
the measured seconds.  Writes benchmarks/RESULTS_work.md (the README quotes its summary) and
benchmarks/RESULTS_work.json (``tests/test_work_calibration.py`` reads it).

    python benchmarks/bench_work.py               # a few minutes on a 2-core machine
    python benchmarks/bench_work.py --only feagin

Times are upper bounds when other jobs share the machine (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import (
    UNIT_SECONDS,
    commit,
    last_json,
    load_average,
    run,
    table,
    write_json,
    write_markdown,
)

TIMEOUT_S = 180

CHILD = r"""
import json, sys, time
import tableau_compiler.limits as limits
if sys.argv[3] == "lifted":
    limits.MAX_CONDITION_WORK = 10**18
    limits.MAX_CONDITION_BITS = 10**18
from tableau_compiler.parsing import load_scheme
from tableau_compiler.analysis.rooted_trees import TREES
from tableau_compiler.analysis.runge_kutta import analyse_tableau, order_condition_work
scheme = load_scheme(sys.argv[1])
full = sys.argv[2] == "info"
import numpy, sympy  # noqa: E401 - imports warm: each row times the analysis alone
analyse_tableau(load_scheme("tableaus/rk4.toml"), full=full)
TREES.extend_to(8)
start = time.perf_counter()
analysis = analyse_tableau(scheme, full=full)
seconds = time.perf_counter() - start
units, bits = order_condition_work(scheme, depth=len(analysis.levels), full=full)
print(json.dumps({"units": units, "bits": bits, "seconds": seconds, "order": analysis.order,
                  "claimed": scheme.order, "undecided": analysis.undecided,
                  "depth": len(analysis.levels),
                  "stages": scheme.stages, "domain": analysis.domain}))
"""


def runge_kutta_files(only: str | None) -> list[tuple[str, Path]]:
    from tableau_compiler.parsing import load_scheme
    from tableau_compiler.scheme import ButcherTableau

    files = sorted((ROOT / "benchmarks" / "calibration").glob("*.toml"))
    files += sorted((ROOT / "tableaus").glob("*.toml"))
    out = []
    for path in files:
        if only and only not in f"{path.parent.name}/{path.name}":
            continue
        try:
            scheme = load_scheme(path)
        except Exception:  # noqa: BLE001, S112 - a file the format refuses is not a calibration case
            continue
        if isinstance(scheme, ButcherTableau) and not scheme.parameters:
            out.append((f"{path.parent.name}/{path.name}", path))
    return out


def worst_cases(directory: Path, only: str | None) -> list[tuple[str, Path]]:
    from benchmarks.bench_limits import cases

    out = []
    for name, text in cases().items():
        if only and only not in f"worst case: {name}":
            continue
        if 'kind = "runge-kutta"' not in text and "kind" in text and "[tableau]" not in text:
            continue
        path = directory / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        out.append((f"worst case: {name}", path))
    return out


def measure(path: Path, command: str, lifted: bool) -> dict:
    """The child's row for one file, or ``{"error": ...}`` when it fails or runs too long."""
    done = run(
        [sys.executable, "-c", CHILD, str(path), command, "lifted" if lifted else "as-is"],
        timeout=TIMEOUT_S,
    )
    if done.timed_out:
        return {"error": f"over {TIMEOUT_S} s"}
    if done.returncode != 0:
        return {"error": done.last_line()}
    return last_json(done)


def rewrite(out: Path) -> None:
    """Write the Markdown again from the JSON beside it (same measurements, same header)."""
    header = out.read_text(encoding="utf-8").splitlines()[2]
    rows = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    before, after = (
        float(x) for x in re.findall(r"load average ([0-9.]+) before, ([0-9.]+)", header)[0]
    )
    write(out, rows, (before,), (after,), at_commit=re.findall(r"at commit (\w+)", header)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="only files whose name contains this")
    parser.add_argument("--info", action="store_true", help="also measure tabc info's analysis")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS_work.md"))
    parser.add_argument(
        "--rewrite", action="store_true", help="only write the Markdown again from the JSON"
    )
    args = parser.parse_args()
    if args.rewrite:
        rewrite(Path(args.out))
        return 0
    commands = ["check", "info"] if args.info else ["check"]
    rows = []
    load_before = load_average()
    with tempfile.TemporaryDirectory() as directory:
        cases = runge_kutta_files(args.only) + worst_cases(Path(directory), args.only)
        for name, path in cases:
            for command in commands:
                result = measure(path, command, lifted=not name.startswith("worst"))
                result.update(name=name, command=command)
                rows.append(result)
                if "error" in result:
                    print(f"{name:55} {command:6} {result['error']}", flush=True)
                else:
                    ratio = result["units"] * UNIT_SECONDS / max(result["seconds"], 1e-4)
                    result["ratio"] = ratio
                    print(
                        f"{name:55} {command:6} {result['units']:10.3g} units "
                        f"{result['seconds']:8.3f} s  estimate/time {ratio:7.2f}",
                        flush=True,
                    )
    write(Path(args.out), rows, load_before, load_average())
    return 0


def write(
    out: Path, rows: list[dict], before: tuple, after: tuple, at_commit: str | None = None
) -> None:
    """RESULTS_work.md (header, one row per measurement, summary) and RESULTS_work.json."""
    lines = [
        "# The work model against the clock",
        "",
        (
            f"Written by `python benchmarks/bench_work.py` at commit {at_commit or commit()} on "
            f"{platform.machine()} with {os.cpu_count()} CPUs; load average {before[0]:.1f} before, "
            f"{after[0]:.1f} after. Each row: the order conditions `tabc check` decides (the "
            "claimed orders; limits lifted for the published schemes, as shipped for the worst "
            "cases, which then decide the orders the limits allow) in a fresh process; estimate in "
            f"units of {UNIT_SECONDS * 1e9:.0f} ns; ratio = estimate × 16 ns / measured time "
            "(1 is exact, > 1 the estimate is high)."
        ),
        "",
        *table(
            [
                "case",
                "stages",
                "domain",
                "order",
                "estimate (units)",
                "estimate (s)",
                "measured (s)",
                "ratio",
            ],
            [_cells(row) for row in rows],
        ),
        *summary(rows),
    ]
    write_markdown(out, lines)
    write_json(out.with_suffix(".json"), rows, indent=1)


def _cells(row: dict) -> list[str]:
    if "error" in row:
        return [f"{row['name']} ({row['command']})", "", "", "", "", "", row["error"], ""]
    return [
        f"{row['name']}{'' if row['command'] == 'check' else ' (info)'}",
        row["stages"],
        row["domain"],
        row["order"],
        f"{row['units']:.3g}",
        f"{row['units'] * UNIT_SECONDS:.3g}",
        f"{row['seconds']:.3g}",
        f"{row['ratio']:.2f}",
    ]


def summary(rows: list[dict]) -> list[str]:
    """The range of estimate/time over the rows that decided two orders or more, and the rest."""
    lines = []
    measured = [r for r in rows if "error" not in r and r["seconds"] >= 0.05]
    deciding = [r for r in measured if r["depth"] >= 2]
    if deciding:
        ratios = sorted(r["ratio"] for r in deciding)
        lines += [
            "",
            (
                f"Rows measured at 50 ms or more that decided two orders or more: {len(deciding)}; "
                f"estimate/time from {ratios[0]:.2f} to {ratios[-1]:.2f}; slowest "
                f"{max(r['seconds'] for r in measured):.1f} s."
            ),
        ]
    rest = [r for r in measured if r["depth"] < 2]
    if rest:
        lines.append(
            f"Worst cases that decided one order or none ({len(rest)}): estimate/time up to "
            f"{max(r['ratio'] for r in rest):.0f}: their time is the set-up and the refusal "
            "(huge common denominators, where flint's FFT products cost less than words^1.5), "
            "so such files are refused sooner than the clock requires, never later."
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
