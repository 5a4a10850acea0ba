"""``tabc check`` imports only what the scheme's kind uses (issue 20: start-up time).

Each test runs ``python -X importtime -m tableau_compiler check FILE`` in a fresh process and
reads the modules it imported from the import-time log on stderr.  No timings are asserted:
they depend on the machine; what is imported does not.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_LOGGED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\S+)\s*$")

NEVER_FOR_CHECK = {
    "torch",
    "numpy",
    "jinja2",
    "matplotlib",
    "tableau_compiler.codegen",
    "tableau_compiler.training",
    "tableau_compiler.models",
    "tableau_compiler.plotting",
    "tableau_compiler.compiler",
    "tableau_compiler.export",
}
"""Modules no ``check`` of any kind uses (a multistep check does use sympy)."""

PARTITIONED_ANALYSIS = {
    "tableau_compiler.analysis.partitioned",
    "tableau_compiler.analysis.partitioned_structure",
    "tableau_compiler.analysis.partitioned_symmetry",
    "tableau_compiler.analysis.partitioned_inverse",
    "tableau_compiler.analysis.bicoloured_trees",
    "tableau_compiler.scheme.partitioned",
}
MULTISTEP_ANALYSIS = {
    "tableau_compiler.analysis.multistep",
    "tableau_compiler.analysis.zero_stability",
    "tableau_compiler.scheme.multistep",
}


def imported_by_check(path: str) -> set[str]:
    """Every module ``tabc check PATH`` imports (top-level names and their packages)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tableau_compiler", "check", path],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok    {path}:"), result.stdout
    modules = set()
    for line in result.stderr.splitlines():
        match = _LOGGED.match(line)
        if match:
            name = match.group(1)
            modules.update(".".join(name.split(".")[: i + 1]) for i in range(name.count(".") + 1))
    assert "tableau_compiler.cli" in modules, "no import-time log read: " + result.stderr[:500]
    return modules


def test_check_of_a_runge_kutta_file_imports_no_other_kind_and_no_extra():
    modules = imported_by_check("tableaus/rk4.toml")
    assert "tableau_compiler.analysis.runge_kutta" in modules  # what it does use
    unused = (
        NEVER_FOR_CHECK
        | PARTITIONED_ANALYSIS
        | MULTISTEP_ANALYSIS
        | {
            "sympy",  # rk4 is exact in QQ: python-flint alone
            "tableau_compiler.analysis.reversibility",  # only --format json and info report it
            "tableau_compiler.library",  # the path exists: no library lookup
            "tableau_compiler.toml_locations",  # only for an error's line
        }
    )
    assert sorted(unused & modules) == []


@pytest.mark.parametrize(
    ("path", "unused"),
    [
        ("tableaus/bdf2.toml", PARTITIONED_ANALYSIS | {"tableau_compiler.analysis.runge_kutta"}),
        ("tableaus/stormer_verlet.toml", MULTISTEP_ANALYSIS | {"tableau_compiler.analysis.runge_kutta"}),
    ],
)
def test_check_of_another_kind_imports_no_runge_kutta_analysis(path, unused):
    modules = imported_by_check(path)
    assert sorted((NEVER_FOR_CHECK | unused) & modules) == []
