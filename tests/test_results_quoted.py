"""Figures the README quotes are the ones its scripts committed beside them.

The README's digits table is the table ``benchmarks/bench_digits.py`` wrote into
``benchmarks/RESULTS_digits.md``, and the command the README shows is the one that script runs:
editing one without rerunning the other fails here.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _bench_digits():
    spec = importlib.util.spec_from_file_location(
        "bench_digits", ROOT / "benchmarks/bench_digits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start : end if end != -1 else None]


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_the_digits_table_is_the_one_the_script_recorded():
    results = (ROOT / "benchmarks/RESULTS_digits.md").read_text(encoding="utf-8")
    recorded = _table_lines(results)
    assert recorded, "RESULTS_digits.md holds no table"
    assert _table_lines(_section("### Results on digits")) == recorded


def test_the_readme_shows_the_command_the_script_runs():
    section = _section("### Results on digits")
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    shown = " ".join(block.group(1).replace("\\\n", " ").split())
    assert shown == " ".join(_bench_digits().COMMAND.split())


def test_the_results_say_which_commit_and_command_made_them():
    results = (ROOT / "benchmarks/RESULTS_digits.md").read_text(encoding="utf-8")
    assert re.search(r"^- commit: [0-9a-f]{7,}", results, re.MULTILINE)
    assert f"`{_bench_digits().COMMAND}`" in results
