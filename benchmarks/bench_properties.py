"""The properties' work against the clock: estimated units and measured time of each property.

For every scheme of the calibration set (benchmarks/calibration/), the library (tableaus/),
the generated worst cases of benchmarks/bench_limits.py and generated cases that sit just under
each property's limit, computes each property ``tabc info`` reports beside the order conditions
(R(z) with its A-stability and intervals, the SSP coefficient, symmetry, parameter regions; the
root condition and A(α) of a multistep scheme; a partitioned pair's conditions and symmetry)
the way ``tabc info`` calls it, in a fresh process per case, timed one by one, and records the
estimate the property's gate compares (:mod:`tableau_compiler.analysis.work`, units of 16 ns)
beside the measured seconds.  The published schemes run with the limits lifted (and say
whether a limit as shipped would have refused them); the generated cases run as shipped.
Writes benchmarks/RESULTS_properties.md and .json (tests/test_property_calibration.py reads
the JSON; the README quotes the summary).

    python benchmarks/bench_properties.py               # under 10 minutes on a quiet machine
    python benchmarks/bench_properties.py --only ssp_

Times are upper bounds when other jobs share the machine (the load average is recorded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import (
    UNIT_SECONDS,
    commit,
    load_average,
    run_child,
    table,
    write_json,
    write_markdown,
)
from benchmarks.property_cases import generated_cases

TIMEOUT_S = 150

LIFTED = {
    "MAX_STABILITY_WORK": 10**18,
    "MAX_STABILITY_BITS": 10**18,
    "MAX_SYMBOLIC_STABILITY_STAGES": 10**6,
    "MAX_INTERVAL_DEGREE": 10**6,
    "MAX_SSP_STAGES": 10**6,
    "MAX_SSP_ALGEBRAIC_WORK": 10**18,
    "MAX_LUMPED_WORK": 10**18,
    "MAX_LUMPED_STAGES": 10**6,
    "MAX_REGION_PARAMETERS": 10**6,
    "MAX_REGION_DEGREE": 10**6,
    "MAX_LOCUS_STEPS": 10**6,
    "MAX_SYMBOLIC_STEPS": 10**6,
    "MAX_SYMBOLIC_STEP_DEGREE": 10**6,
    "MAX_ALGEBRAIC_ROOT_WORK": 10**18,
    "MAX_PAIR_WORK": 10**18,
    "MAX_CONDITION_WORK": 10**18,
}
"""The limits a published scheme runs without (the row then says whether one would refuse)."""


def scheme_files(only: str | None) -> list[tuple[str, Path]]:
    files = sorted((ROOT / "benchmarks" / "calibration").glob("*.toml"))
    files += sorted((ROOT / "tableaus").glob("*.toml"))
    names = [(f"{path.parent.name}/{path.name}", path) for path in files]
    return [(name, path) for name, path in names if not only or only in name]


def worst_cases(directory: Path, only: str | None) -> list[tuple[str, Path]]:
    from benchmarks.bench_limits import cases

    out = []
    for name, text in {**cases(), **generated_cases()}.items():
        label = f"{'under the limit' if name.startswith('under') else 'worst case'}: {name}"
        if only and only not in label:
            continue
        path = directory / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        out.append((label, path))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="only cases whose name contains this")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS_properties.md"))
    args = parser.parse_args()
    rows = []
    load_before = load_average()
    with tempfile.TemporaryDirectory() as directory:
        cases = scheme_files(args.only) + worst_cases(Path(directory), args.only)
        for name, path in cases:
            published = not name.startswith(("worst", "under"))
            results = run_child(
                [str(ROOT / "benchmarks" / "property_child.py"), str(path)]
                + (["--lifted", json.dumps(LIFTED)] if published else []),
                TIMEOUT_S,
            )
            for result in results:
                result.update(name=name, published=published)
                rows.append(result)
                print(_line(result), flush=True)
    write(Path(args.out), rows, load_before, load_average())
    return 0


def _line(row: dict) -> str:
    if "error" in row:
        return f"{row['name']:58} {row.get('property', ''):14} {row['error']}"
    units = "" if row["units"] is None else f"{row['units']:10.3g} units"
    ratio = "" if row.get("ratio") is None else f"estimate/time {row['ratio']:7.2f}"
    return (
        f"{row['name']:58} {row['property']:14} {units:16} {row['seconds']:8.3f} s  {ratio}"
        f"{'  REFUSED' if row['refused'] else ''}"
    )


def write(out: Path, rows: list[dict], before: tuple, after: tuple) -> None:
    for row in rows:
        if "error" not in row and row["units"] is not None:
            row["ratio"] = row["units"] * UNIT_SECONDS / max(row["seconds"], 1e-4)
    lines = [
        "# The properties' work against the clock",
        "",
        (
            f"Written by `python benchmarks/bench_properties.py` at commit {commit()} on "
            f"{platform.machine()} with {os.cpu_count()} CPUs; load average {before[0]:.1f} before, "
            f"{after[0]:.1f} after. Each row: one property of one case computed as `tabc info` "
            "computes it, in a fresh process per case (published schemes with the limits lifted, "
            "generated cases as shipped); estimate in units of "
            f"{UNIT_SECONDS * 1e9:.0f} ns, as its gate compares it (none: the property has a size "
            "cap, not a work estimate); ratio = estimate × 16 ns / measured time; refused: a limit "
            "as shipped says not computed."
        ),
        "",
        *table(
            ["case", "property", "size", "estimate (units)", "measured (s)", "ratio", "refused"],
            [_cells(row) for row in rows],
        ),
        "",
        *summary(rows),
    ]
    write_markdown(out, lines)
    write_json(out.with_suffix(".json"), rows, indent=1)


def _cells(row: dict) -> list[str]:
    if "error" in row:
        return [row["name"], row.get("property", ""), "", "", row["error"], "", ""]
    return [
        row["name"],
        row["property"],
        row["size"],
        "" if row["units"] is None else f"{row['units']:.3g}",
        f"{row['seconds']:.3g}",
        "" if row.get("ratio") is None else f"{row['ratio']:.2f}",
        "yes" if row["refused"] else "",
    ]


def summary(rows: list[dict]) -> list[str]:
    """Per property: rows, ratio range on rows of 50 ms or more, slowest row."""
    lines = ["| property | rows | estimate/time (rows ≥ 50 ms) | slowest (s) | its case |"]
    lines.append("|---|---|---|---|---|")
    for name in sorted({r["property"] for r in rows if "property" in r}):
        mine = [r for r in rows if r.get("property") == name and "error" not in r]
        if not mine:
            continue
        ratios = sorted(r["ratio"] for r in mine if r.get("ratio") and r["seconds"] >= 0.05)
        spread = f"{ratios[0]:.2f}–{ratios[-1]:.2f} ({len(ratios)})" if ratios else "–"
        slowest = max(mine, key=lambda r: r["seconds"])
        lines.append(
            f"| {name} | {len(mine)} | {spread} | {slowest['seconds']:.2f} | {slowest['name']} |"
        )
    refused = [r["name"] for r in rows if r.get("published") and r.get("refused")]
    lines += ["", f"Published schemes refused a property by a limit: {len(refused)}."]
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
