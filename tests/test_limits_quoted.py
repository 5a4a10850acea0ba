"""The measured worst cases per command that docs/limits.md quotes are the ones bench_limits.py
recorded.

``benchmarks/bench_limits.py`` runs every generated worst case by each command and writes
``benchmarks/RESULTS_limits.md``; the limits page quotes its "Worst per command" table between
the ``limits-table`` markers. Editing one without rerunning the other fails here, as does a
recorded run over the guarantee the page states.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from tests.test_work_limits import _worst_cases

ROOT = Path(__file__).resolve().parent.parent
LIMITS_PAGE = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
RESULTS = (ROOT / "benchmarks/RESULTS_limits.md").read_text(encoding="utf-8")


def _bench_limits():
    spec = importlib.util.spec_from_file_location(
        "bench_limits", ROOT / "benchmarks/bench_limits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table_after(text: str, heading: str) -> list[str]:
    lines = text[text.index(heading) :].splitlines()[1:]
    table = []
    for line in lines:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


def test_the_limits_page_quotes_the_recorded_worst_case_per_command():
    quoted = LIMITS_PAGE[
        LIMITS_PAGE.index("<!-- limits-table: begin -->") : LIMITS_PAGE.index(
            "<!-- limits-table: end -->"
        )
    ]
    recorded = _table_after(RESULTS, "## Worst per command")
    assert recorded
    assert [line for line in quoted.splitlines() if line.startswith("|")] == recorded


def test_every_recorded_run_is_within_the_stated_guarantee():
    assert "within **60 seconds and 2 GB**" in LIMITS_PAGE
    runs = _table_after(RESULTS, "## Every run")[2:]
    assert len(runs) == len(_bench_limits().cases())
    for row in runs:
        for cell in row.strip("|").split("|")[1:]:
            seconds, megabytes, status = re.fullmatch(
                r"\s*([\d.]+) s / (\d+) MB / (-?\d+)\s*", cell
            ).groups()
            assert float(seconds) <= 60 and int(megabytes) <= 2048 and int(status) in (0, 1, 2), row


def test_the_benchmark_runs_every_worst_case_the_tests_generate():
    bench = _bench_limits()
    assert set(_worst_cases()) <= set(bench.cases())
    assert set(bench.COMMANDS) == {"check", "info", "info --format json", "compile"}
    assert re.search(r"^- commit: [0-9a-f]{7,}", RESULTS, re.MULTILINE)
    assert "load average" in RESULTS and "shared" in RESULTS
