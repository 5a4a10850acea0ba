"""The reversible-training figures of docs/reversible.md are the tables
``benchmarks/bench_reversible.py`` wrote into ``benchmarks/RESULTS_reversible.md`` (issue 14), from
the command it names."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "reversible.md").read_text(encoding="utf-8")
RESULTS = (ROOT / "benchmarks/RESULTS_reversible.md").read_text(encoding="utf-8")
TITLE = "## Measured: memory, time and rounding"


def _tables(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_the_page_quotes_the_recorded_tables():
    start = PAGE.index(TITLE)
    end = PAGE.find("\n## ", start)
    recorded = _tables(RESULTS)
    assert len(recorded) > 20
    assert _tables(PAGE[start : end if end != -1 else None]) == recorded


def test_the_results_say_which_commit_and_command_made_them():
    script = (ROOT / "benchmarks/bench_reversible.py").read_text(encoding="utf-8")
    command = re.search(r'^COMMAND = "(.*)"$', script, re.MULTILINE).group(1)
    assert re.search(r"^- commit: [0-9a-f]{7,}", RESULTS, re.MULTILINE)
    assert f"- command: `{command}`" in RESULTS
