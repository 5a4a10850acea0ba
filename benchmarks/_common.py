"""What the work benchmarks share: the unit, the commit, a child process per case, a table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

UNIT_SECONDS = 16e-9
"""What one unit of work stands for on the reference machine (tableau_compiler.analysis.work)."""


def commit() -> str:
    """The short hash of the commit the benchmark measured."""
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return done.stdout.strip()


def run_child(argv: list[str], timeout: float) -> list[dict]:
    """Run ``python argv`` in a fresh process from the repository root; its stdout's JSON lines
    (one object each), or one ``{"error": ...}`` row when it fails or runs past ``timeout``."""
    try:
        done = subprocess.run(
            [sys.executable, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired as error:
        rows = [json.loads(x) for x in (error.stdout or b"").decode().splitlines() if x]
        return rows + [{"error": f"over {timeout:.0f} s"}]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
        rows.append({"error": last})
    return rows


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table (the cells' ``|`` escaped)."""
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]
