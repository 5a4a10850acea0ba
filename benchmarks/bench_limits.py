"""Measured worst case per command: the generated inputs of the work guarantee (README, Limits).

Runs ``tabc check``, ``tabc info``, ``tabc info --format json`` and ``tabc compile`` on each
generated worst case, every run in a fresh process, and records its wall time, peak resident
memory (the child's own ``ru_maxrss`` from ``os.wait4``) and exit status. The cases are the ones
``tests/test_work_limits.py`` builds for the guarantee, plus the costliest inputs a second
adversary pass found inside the limits (issue 12). Writes ``benchmarks/RESULTS_limits.md``:
commit, CPU, load, the table command × case, and the worst per command (the README quotes
that last table; ``tests/test_limits_quoted.py`` holds the two together).

    python benchmarks/bench_limits.py            # about 10 minutes on a 2-core machine
    python benchmarks/bench_limits.py --only check --out /tmp/limits.md

Times are upper bounds when other jobs share the machine: the file records the load average
before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import (
    commit,
    cpu_name,
    facts,
    load_average,
    loads,
    log,
    run,
    table,
    write_markdown,
)
from tests.test_work_limits import _worst_cases, explicit, multistep, tableau

COMMANDS = {
    "check": ["check"],
    "info": ["info"],
    "info --format json": ["info", "--format", "json"],
    "compile": ["compile"],
}
"""The commands measured, as typed after ``tabc``."""

TIMEOUT_S = 300
"""A run still going after this is stopped and recorded as over the guarantee."""


def second_pass_cases() -> dict[str, str]:
    """The costliest inputs of the second adversary pass that the limits still accept."""
    rng = random.Random(5)
    return {
        # 8,192-bit rationals in every coefficient of a 32-step scheme (check was 40 s, info 70 s)
        "32_steps_8192_bit_rationals": multistep(
            [f"({rng.randrange(2**127)}/{rng.randrange(1, 2**127)})^64" for _ in range(32)] + ["1"],
            [f"({rng.randrange(2**127)})^64/{rng.randrange(1, 2**127)}^64" for _ in range(33)],
            64,
        ),
        # pi times 60-digit rationals at 64 stages (a residual past 4,300 digits: a traceback)
        "64_stages_pi_60_digit_rationals": explicit(
            64, 13, lambda i, j: f"pi*{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"
        ),
        # 121-bit rationals to the 64th power: 7,700-bit entries, 64 stages, order 13 claimed
        "64_stages_rationals_to_the_64th": explicit(
            64, 13, lambda i, j: f"({2**120 + i * 64 + j}/{3**70 + j})^64"
        ),
        # 64 fully implicit stages of 60-digit rationals (the memory worst case of the first pass)
        "64_implicit_stages_large_rationals": tableau(
            [
                [f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}" for _ in range(64)]
                for _ in range(64)
            ],
            [f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}" for _ in range(64)],
            13,
        ),
        # a 64-stage fully implicit tableau with pi claiming order 13
        "64_implicit_stages_pi": tableau(
            [[f"pi/{i + j + 2}" for j in range(64)] for i in range(64)], ["1/64"] * 64, 13
        ),
        # one square root with random 60-digit rationals at 64 stages: QQ(sqrt 2) products of
        # reduced fractions whose denominators share no factor (the QQ(sqrt d) path's worst)
        "64_stages_one_radical_60_digit_rationals": explicit(
            64,
            13,
            lambda i, j: (
                f"{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"
                f" + sqrt(2)*{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"
            ),
        ),
        # two square roots times 8-digit rationals in a 16-step rho, near the limit on
        # steps³ × field degree × bits (16³ × 4 × 108 = 1.77e6)
        "16_steps_two_radicals_8_digit_rationals": _radical_steps(16, 2, 8),
        # pi of degree 2 in rho at 16 steps (the steps × degree limit for pi)
        "16_steps_pi_squared": multistep(
            [f"pi^2/{n + 2} + pi/{n + 3} - {n}/997" for n in range(16)] + ["1"],
            [f"pi/{n + 1}" for n in range(17)],
            1,
        ),
        # a 64-stage partitioned pair of pi times 60-digit rationals claiming order 16 for general
        # and separable systems (tabc check ran past 200 s before the pair's work measure
        # counted pi at its measured cost)
        "64_stage_pair_pi_60_digit_rationals": _pair_of_pi(64, rng),
        # RK4 written with 7 parameters, one of them learnable
        "rk4_seven_parameters": tableau(
            [[], ["p1"], ["0", "p2"], ["0", "0", "p4"]],
            ["q1", "q2", "q3", "q4"],
            4,
            "".join(
                f'[parameters.{n}]\nvalue = "{v}"\n' + ("learnable = true\n" if n == "p1" else "")
                for n, v in zip(
                    ["p1", "p2", "p4", "q1", "q2", "q3", "q4"],
                    ["1/2", "1/2", "1", "1/6", "1/3", "1/3", "1/6"],
                )
            ),
        ),
    }


def _pair_of_pi(stages: int, rng: random.Random) -> str:
    def entry() -> str:
        return f'"pi*{rng.randrange(10**60)}/{rng.randrange(1, 10**60)}"'

    def tableau_text(part: str) -> str:
        rows = ",\n".join(
            "[" + ", ".join(entry() if j < i else '"0"' for j in range(stages)) + "]"
            for i in range(stages)
        )
        weights = ", ".join(entry() for _ in range(stages))
        return f"[tableau.{part}]\na = [{rows}]\nb = [{weights}]\n"

    return (
        'name = "worst"\nkind = "partitioned-runge-kutta"\norder = 16\nseparable_order = 16\n'
        + tableau_text("q")
        + tableau_text("p")
    )


def _radical_steps(steps: int, roots: int, digits: int) -> str:
    rng = random.Random(2)
    radicals = ["sqrt(2)", "sqrt(3)", "sqrt(5)", "sqrt(7)"][:roots]

    def big() -> str:
        return f"{rng.randrange(10**digits)}/{rng.randrange(1, 10**digits)}"

    return multistep(
        ["+".join(f"{r}*{big()}" for r in radicals) for _ in range(steps)] + ["1"],
        [f"{n}/7" for n in range(steps + 1)],
        1,
    )


def cases() -> dict[str, str]:
    return {**_worst_cases(), **second_pass_cases()}


def measure(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of that process, exit status; 124 past the timeout)."""
    done = run(argv, timeout=TIMEOUT_S, cwd=cwd, capture=False)
    return done.seconds, done.peak_mb, done.returncode


def measure_all(commands: dict[str, list[str]]) -> dict[tuple[str, str], tuple[float, float, int]]:
    """Every case run by every command, each in a fresh process: (command, case) -> measure."""
    rows: dict[tuple[str, str], tuple[float, float, int]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for name, text in cases().items():
            path = folder / f"{name}.toml"
            path.write_text(text, encoding="utf-8")
            for command, words in commands.items():
                argv = [sys.executable, "-m", "tableau_compiler", *words, str(path)]
                if words[0] == "compile":
                    argv += ["-o", str(folder / f"out_{name}")]
                rows[command, name] = measure(argv, folder)
                wall, mb, status = rows[command, name]
                log(f"{command:20s} {name:36s} {wall:7.1f} s {mb:7.0f} MB  exit {status}")
    return rows


def render(commands, rows, load_before, load_after) -> list[str]:
    """RESULTS_limits.md: the header, the worst case per command, every run."""
    names = list(cases())
    worst = []
    for command in commands:
        slow = max(names, key=lambda n: rows[command, n][0])
        big = max(names, key=lambda n: rows[command, n][1])
        worst.append(
            [f"`tabc {command}`", f"{rows[command, slow][0]:.1f} s", slow,
             f"{rows[command, big][1]:.0f} MB", big]
        )  # fmt: skip
    every = []
    for name in names:
        cells = [f"{w:.1f} s / {mb:.0f} MB / {s}" for w, mb, s in (rows[c, name] for c in commands)]
        every.append([name, *cells])
    return [
        "# Measured worst cases per command (the work guarantee)",
        "",
        "Written by `python benchmarks/bench_limits.py`: every generated worst case of",
        "`tests/test_work_limits.py` and of the second adversary pass (`second_pass_cases`), run",
        "by each command in a fresh process; wall time, the process's own peak resident memory",
        f"(`ru_maxrss` from `os.wait4`) and exit status (124: stopped after {TIMEOUT_S} s).",
        "",
        *facts(
            {
                "commit": commit(mark_uncommitted=True),
                "CPU": f"{cpu_name()}, {os.cpu_count()} cores; Python {platform.python_version()}",
                "load average (1, 5, 15 min)": f"before {loads(load_before)}; "
                f"after {loads(load_after)}",
            }
        ),
        (
            "- the cores may be shared with other jobs (the load average above says how much): "
            "the times are"
        ),
        "  upper bounds for an idle machine",
        "",
        "## Worst per command",
        "",
        *table(["command", "worst time", "its case", "worst memory", "its case"], worst),
        "",
        "## Every run (seconds / MB / exit status)",
        "",
        *table(["case", *(f"`{c}`" for c in commands)], every),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/RESULTS_limits.md")
    parser.add_argument("--only", choices=sorted(COMMANDS), action="append")
    args = parser.parse_args()
    commands = {name: COMMANDS[name] for name in (args.only or COMMANDS)}
    load_before = load_average()
    rows = measure_all(commands)
    write_markdown(args.out, render(commands, rows, load_before, load_average()))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
