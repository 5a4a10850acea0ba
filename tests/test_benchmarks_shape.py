"""The shape of ``benchmarks/`` (issue 22, item 7): no function longer than 100 lines, every
benchmark built on the shared helper ``benchmarks/_common.py`` (its children, timings, tables
and files go through it), and ruff clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("bench_*.py"))
LONGEST = 100


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_the_benchmarks_are_all_found():
    assert {p.name for p in SCRIPTS} >= {
        "bench_check.py", "bench_digits.py", "bench_limits.py", "bench_properties.py",
        "bench_reversible.py", "bench_step.py", "bench_train.py", "bench_work.py",
    }  # fmt: skip


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_no_function_is_longer_than_100_lines(path):
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(_tree(path))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > LONGEST
    ]
    assert not long, long


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_benchmark_uses_the_shared_helper(path):
    assert "benchmarks._common" in _imported_modules(path)


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_benchmark_starts_its_own_children(path):
    """Children run through ``benchmarks._common.run`` (wall-time cap, peak memory)."""
    assert "subprocess" not in _imported_modules(path)


def test_the_benchmarks_are_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    done = subprocess.run(
        [ruff, "check", "--no-cache", "benchmarks", "tests/test_bench_common.py",
         "tests/test_benchmarks_shape.py"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
