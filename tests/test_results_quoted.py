"""Figures the README and docs/training.md quote are the ones their scripts committed beside them.

The digits table of both pages is the table ``benchmarks/bench_digits.py`` wrote into
``benchmarks/RESULTS_digits.md``, and the command each page shows is the one that script runs:
editing one without rerunning the other fails here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/training.md"]
TITLE = "## Results on digits (CPU)"


def _bench_digits():
    spec = importlib.util.spec_from_file_location(
        "bench_digits", ROOT / "benchmarks/bench_digits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(page: str) -> str:
    """The page's "Results on digits" section, up to its next heading."""
    text = (ROOT / page).read_text(encoding="utf-8")
    start = text.index(TITLE)
    end = text.find("\n#", start + len(TITLE))
    return text[start : end if end != -1 else None]


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


@pytest.mark.parametrize("page", PAGES)
def test_the_digits_table_is_the_one_the_script_recorded(page):
    results = (ROOT / "benchmarks/RESULTS_digits.md").read_text(encoding="utf-8")
    recorded = _table_lines(results)
    assert recorded, "RESULTS_digits.md holds no table"
    assert _table_lines(_section(page)) == recorded


@pytest.mark.parametrize("page", PAGES)
def test_the_page_shows_the_command_the_script_runs(page):
    section = _section(page)
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    shown = " ".join(block.group(1).replace("\\\n", " ").split())
    assert shown == " ".join(_bench_digits().COMMAND.split())


def test_the_results_say_which_commit_and_command_made_them():
    results = (ROOT / "benchmarks/RESULTS_digits.md").read_text(encoding="utf-8")
    assert re.search(r"^- commit: [0-9a-f]{7,}", results, re.MULTILINE)
    assert f"`{_bench_digits().COMMAND}`" in results
