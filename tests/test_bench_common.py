"""The helper every benchmark shares (``benchmarks/_common.py``): tables, medians and spreads,
ratios of paired samples, the child runner and its wall-time cap, strict JSON.

Nothing here asserts a time: the runner's cap is shown by a ``sleep`` it stops, not by a clock.
"""

from __future__ import annotations

import json
import math
import sys

import pytest

from benchmarks._common import (
    TIMED_OUT,
    facts,
    interleaved,
    median_range,
    ratio_stats,
    run,
    run_child,
    spread,
    strict,
    table,
    timed,
    write_json,
    write_markdown,
)


def _reject_constant(name: str):
    raise ValueError(f"not strict JSON: {name}")


# --------------------------------------------------------------------------- tables


def test_a_table_is_a_header_a_rule_and_one_line_per_row():
    assert table(["case", "time"], [["rk4", "0.1 s"], ["dopri5", 2]]) == [
        "| case | time |",
        "|---|---|",
        "| rk4 | 0.1 s |",
        "| dopri5 | 2 |",
    ]


def test_a_pipe_inside_a_cell_is_escaped_so_the_columns_stay():
    assert table(["expression"], [["|z| <= 1"]])[2] == "| \\|z\\| <= 1 |"


def test_facts_are_the_bullet_lines_of_a_results_header():
    assert facts({"commit": "abc1234", "command": "`python x.py`"}) == [
        "- commit: abc1234",
        "- command: `python x.py`",
    ]


# --------------------------------------------------------------------------- medians and spreads


def test_the_spread_of_a_sample_is_its_median_minimum_and_maximum():
    s = spread([3.0, 1.0, 2.0, 10.0])
    assert (s.median, s.low, s.high, s.count) == (2.5, 1.0, 10.0, 4)


def test_a_median_range_shows_the_median_then_the_minimum_and_maximum():
    assert median_range([3.0, 1.0, 2.0], lambda x: f"{x:g} s") == "2 s (1 s–3 s)"


def test_a_single_sample_has_no_range():
    assert median_range([0.5], lambda x: f"{x:g} s") == "0.5 s"


def test_ratios_of_medians_minima_and_paired_repetitions():
    stats = ratio_stats([2.0, 4.0, 6.0, 8.0, 10.0], [1.0, 1.0, 2.0, 2.0, 5.0])
    assert stats["ratio_of_medians"] == 6.0 / 2.0
    assert stats["ratio_of_minima"] == 2.0 / 1.0
    # the per-repetition ratios are 2, 4, 3, 4, 2: sorted 2, 2, 3, 4, 4
    assert (stats["per_rep_min"], stats["per_rep_max"]) == (2.0, 4.0)
    assert (stats["per_rep_q1"], stats["per_rep_median"], stats["per_rep_q3"]) == (2.0, 3.0, 4.0)


def test_a_shifted_ratio_is_the_relative_overhead():
    stats = ratio_stats([1.5, 1.5], [1.0, 1.0], shift=1.0)
    assert stats["ratio_of_medians"] == pytest.approx(0.5)
    assert stats["per_rep_median"] == pytest.approx(0.5)


def test_one_repetition_gives_its_ratio_as_every_quartile():
    stats = ratio_stats([3.0], [2.0])
    assert stats["per_rep_q1"] == stats["per_rep_median"] == stats["per_rep_q3"] == 1.5


# --------------------------------------------------------------------------- repetitions


def test_interleaved_repetitions_rotate_the_order_and_skip_the_warm_ups():
    calls: list[str] = []

    def measure(name: str) -> tuple:
        calls.append(name)
        return (len(calls), name)

    measured, share = interleaved(["a", "b", "c"], measure, repeats=2, warmup=1, progress=False)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    # calls 1-3 are the warm-up; repetition 1 runs b, c, a (calls 4-6), repetition 2 c, a, b
    assert measured == {"a": [(6, "a"), (8, "a")], "b": [(4, "b"), (9, "b")],
                        "c": [(5, "c"), (7, "c")]}  # fmt: skip
    assert set(share) == {"timed_wall_s", "own_cpu_cores", "other_cpu_cores"}


def test_interleaved_without_rotation_keeps_the_order():
    calls: list[str] = []
    interleaved(["a", "b"], lambda n: (calls.append(n) or 0,), 2, 0, rotate=False, progress=False)
    assert calls == ["a", "b", "a", "b"]


def test_a_timed_call_synchronises_before_and_after_the_work():
    events: list[str] = []
    _, faults = timed(lambda: events.append("work"), lambda: events.append("sync"))
    assert events == ["sync", "work", "sync"]
    assert isinstance(faults, int)


# --------------------------------------------------------------------------- children


def test_a_child_gives_its_exit_status_and_what_it_wrote():
    done = run([sys.executable, "-c", "import sys; print('out'); sys.exit('err')"])
    assert (done.returncode, done.stdout, done.last_line(), done.timed_out) == (
        1,
        "out\n",
        "err",
        False,
    )


def test_a_child_past_its_cap_is_stopped_and_reported_as_timed_out():
    done = run(["sleep", "60"], timeout=0.5)
    assert done.timed_out
    assert done.returncode == TIMED_OUT


def test_a_child_reports_its_own_peak_resident_memory():
    done = run(
        [sys.executable, "-c", "x = bytearray(64 * 2**20); x[::4096] = b'1' * len(x[::4096])"]
    )
    assert done.returncode == 0
    assert done.peak_mb >= 64


def test_a_child_without_capture_writes_nowhere():
    done = run([sys.executable, "-c", "print('lost')"], capture=False)
    assert (done.returncode, done.stdout) == (0, "")


def test_run_child_reads_the_json_lines_and_adds_the_failure():
    script = "import json, sys; print(json.dumps({'a': 1})); print('noise'); sys.exit('broken')"
    assert run_child(["-c", script], timeout=60) == [{"a": 1}, {"error": "broken"}]


def test_run_child_keeps_the_rows_written_before_the_cap():
    script = "import json, time; print(json.dumps({'a': 1}), flush=True); time.sleep(60)"
    assert run_child(["-c", script], timeout=2) == [{"a": 1}, {"error": "over 2 s"}]


# --------------------------------------------------------------------------- files


def test_json_is_written_strict_with_infinities_and_nans_as_null(tmp_path):
    path = tmp_path / "results.json"
    write_json(path, {"ratio": math.inf, "rows": [1.5, math.nan, (2, -math.inf)]}, indent=1)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text, parse_constant=_reject_constant) == {
        "ratio": None,
        "rows": [1.5, None, [2, None]],
    }


def test_json_converts_other_objects_with_the_default_given(tmp_path):
    path = tmp_path / "results.json"
    write_json(path, {"path": tmp_path}, default=str)
    assert json.loads(path.read_text(encoding="utf-8")) == {"path": str(tmp_path)}


def test_strict_leaves_finite_values_alone():
    value = {"a": [1, 2.5, "x", None, True]}
    assert strict(value) == value


def test_markdown_is_the_lines_each_ended_by_a_newline(tmp_path):
    path = tmp_path / "RESULTS.md"
    write_markdown(path, ["# Title", "", "| a |"])
    assert path.read_text(encoding="utf-8") == "# Title\n\n| a |\n"
