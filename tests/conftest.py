"""The quick subset (README, "Quick start"): ``pytest -m quick``.

The whole suite takes 10-23 minutes on two cores.  A newcomer's first run is the subset below,
about a minute there: the TOML reader and its errors, the exact order of every library scheme,
the multistep analysis, rooted trees, the golden generated text, and ``generated/`` being what
``tabc compile`` writes.  Entries are node-id prefixes (a file, or a file and a test); a test
marked ``slow`` is never quick.
"""

from __future__ import annotations

import pytest

QUICK = (
    "tests/test_parsing.py",
    "tests/analysis/test_rooted_trees.py",
    "tests/analysis/test_library.py",
    "tests/analysis/test_multistep.py",
    "tests/codegen/test_golden.py",
    "tests/codegen/test_generated.py::test_compile_output_is_deterministic_and_generated_is_up_to_date",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(QUICK) and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.quick)
