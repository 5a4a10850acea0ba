"""The properties' work against the clock (benchmarks/bench_properties.py,
benchmarks/RESULTS_properties.json).

The file is written by the benchmark on the reference machine; these tests hold it to what
limits.py and docs/limits.md promise: every property of every case (the calibration set, the
library, the worst cases and the generated cases just under each limit) ran within the 60 s
guarantee, no published scheme is refused a property by a limit, and where a property's gate
compares a work estimate, the estimate is within a factor 3 of the clock on the published
schemes wherever the clock can tell (50 ms or more).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROWS = json.loads((ROOT / "benchmarks" / "RESULTS_properties.json").read_text(encoding="utf-8"))
UNIT_SECONDS = 16e-9


def test_every_case_ran_every_property_within_the_guarantee():
    assert ROWS
    for row in ROWS:
        assert "error" not in row, row
        assert row["seconds"] <= 60, row


def test_the_calibration_covers_every_property_and_the_cases_under_the_limits():
    properties = {r["property"] for r in ROWS}
    assert {"stability", "ssp", "symmetry", "root condition", "A(α), interval", "regions",
            "pair conditions", "pair symmetry"} <= properties  # fmt: skip
    under = {r["property"] for r in ROWS if r["name"].startswith("under the limit")}
    assert {"stability", "ssp", "symmetry", "root condition"} <= under


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["published"]], ids=lambda r: f"{r['name']} {r['property']}"
)
def test_no_published_scheme_is_refused_a_property_by_a_limit(row):
    assert not row["refused"], row


@pytest.mark.parametrize(
    "row",
    [
        r
        for r in ROWS
        if r["published"] and r["units"] is not None and r["seconds"] >= 0.05 and not r["refused"]
    ],
    ids=lambda r: f"{r['name']} {r['property']}",
)
def test_the_estimate_is_within_a_factor_3_of_the_clock_on_published_schemes(row):
    # The generated cases just under each limit are not yet held to it: symmetry's merging
    # stops early on most of them, and R(z) over QQ(√2) with 10,000-bit numbers costs 14-20
    # times its estimate (benchmarks/RESULTS_properties.md; issue 20 stays open on them).
    assert 1 / 3 <= row["units"] * UNIT_SECONDS / row["seconds"] <= 3, row
