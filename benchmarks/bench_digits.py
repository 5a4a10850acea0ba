"""The README's digits table: `tabc compare` on scikit-learn's 8x8 digits, recorded.

Run from the repository root, in the project's virtual environment::

    python benchmarks/bench_digits.py [--out runs/digits]

It runs the comparison the README shows (``COMMAND`` below, word for word: four models,
three seeds, the digits defaults, one CPU thread) and writes ``benchmarks/RESULTS_digits.md``:
the command, the commit and the machine it ran on, and the table ``tabc compare`` printed.
The README quotes that table; ``tests/test_results_quoted.py`` holds the two to each other,
so rerun this script whenever a change touches the models, the generated modules they are
built from, or the training loop (about 4 minutes on a 2-core machine).

Test errors are deterministic for one torch build, one CPU kernel set and one thread (batches
and weights come from the seed), so the results record the CPU and torch's kernel capability;
on another processor the floating-point sums, and so a digit or two of the 360, can differ. The
time per epoch is a wall-clock mean and moves with the machine's load.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import commit, cpu_name, facts, log, write_markdown

RESULTS = ROOT / "benchmarks" / "RESULTS_digits.md"

COMMAND = (
    "tabc compare resnet20 lm_resnet20 rkcnn_e rkcnn_rk4 --model-arg 'rkcnn_e:widths=(16,16,16)' "
    "--model-arg 'rkcnn_rk4:widths=(16,16,16)' --model-arg rkcnn_rk4:mixing=learned "
    "--seeds 3 --threads 1"
)
"""The command of the README's "Results on digits" section, as a user types it."""


def _table(compare_md: Path) -> str:
    """The Markdown table of ``compare.md`` (its lines up to the first blank one)."""
    lines = compare_md.read_text(encoding="utf-8").splitlines()
    return "\n".join(lines[: lines.index("")] if "" in lines else lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/digits", help="run directory (runs/digits)")
    args = parser.parse_args()

    import torch

    from tableau_compiler.cli import main as tabc

    words = shlex.split(COMMAND)
    assert words[0] == "tabc"
    started = datetime.datetime.now(datetime.UTC)
    status = tabc([*words[1:], "-o", args.out, "-q"])
    if status != 0:
        log(f"tabc compare exited with status {status}")
        return status
    table = _table(Path(args.out) / "compare.md")
    machine = (
        f"{cpu_name()} ({platform.machine()}, {os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}, torch {torch.__version__} (CPU kernels: "
        f"{torch.backends.cpu.get_cpu_capability()})"
    )
    lines = [
        "# Results on digits (the README's table)",
        "",
        "Written by `python benchmarks/bench_digits.py`; the README quotes the table below.",
        "",
        *facts(
            {
                "command": f"`{COMMAND}` (run with `-o {args.out} -q`)",
                "commit": commit(mark_uncommitted=True),
                "date": f"{started:%Y-%m-%d %H:%M} UTC",
                "machine": machine,
            }
        ),
        "",
        table,
    ]
    write_markdown(RESULTS, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
