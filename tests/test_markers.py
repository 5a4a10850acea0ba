"""The quick subset and the slow marker (README, "Quick start"; tests/conftest.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .conftest import QUICK

ROOT = Path(__file__).resolve().parents[1]


def test_every_quick_entry_names_a_test_file_or_a_test_that_exists():
    for entry in QUICK:
        path, _, test = entry.partition("::")
        assert (ROOT / path).is_file(), entry
        if test:
            text = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {re.escape(test)}\(", text, re.MULTILINE), entry


def test_quick_and_slow_are_registered_and_unknown_markers_are_refused():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    pytest_options = options["pytest"]["ini_options"]
    assert {line.split(":")[0] for line in pytest_options["markers"]} == {"quick", "slow"}
    assert "--strict-markers" in pytest_options["addopts"].split()
