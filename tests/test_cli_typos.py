"""A typo in a published scheme does not exit 0 (issue 21, item 2).

Dahlquist's consistency is ρ(1) = 0 and ρ'(1) = σ(1) ≠ 0: a multistep method with
ρ'(1) ≠ σ(1) is consistent only for a rescaled step, and a written c that gives a lower order
than the row sums of A is a typo in c.  Both fail ``tabc check`` (exit 1) unless the file says
a network absorbs the step (``step_scaling = "absorbed"``) or c only records the source
(``[tableau] nodes = "row-sums"``); under ``--strict`` (the CI recipes of docs/ci.md) they fail even
then.  The library and the calibration set, published schemes all, still pass.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BDF3_WITH_6_13 = """\
name = "bdf3_typo"
kind = "linear-multistep"
order = 3
{extra}
[coefficients]
alpha = ["-2/11", "9/11", "-18/11", "1"]
beta = ["0", "0", "0", "6/13"]
"""

RALSTON3_WITH_C3_3_5 = """\
name = "ralston3_typo"
kind = "runge-kutta"
order = 3

[tableau]
{extra}
c = ["0", "1/2", "3/5"]
a = [[], ["1/2"], ["0", "3/4"]]
b = ["2/9", "1/3", "4/9"]
"""

ABSORBED = 'step_scaling = "absorbed"\n'
ROW_SUMS = 'nodes = "row-sums"'


def tabc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``tabc ARGS`` in a fresh process, this checkout's package first on its path."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300, env=environment, check=False,
    )  # fmt: skip


def scheme(tmp_path: Path, text: str, extra: str = "") -> str:
    path = tmp_path / "scheme.toml"
    path.write_text(text.format(extra=extra), encoding="utf-8")
    return str(path)


def test_bdf3_with_beta_3_written_6_13_fails_check(tmp_path):
    done = tabc("check", scheme(tmp_path, BDF3_WITH_6_13))
    assert done.returncode == 1, done.stdout
    (line,) = done.stdout.splitlines()
    assert line.startswith("FAIL") and "not consistent as written" in line
    assert "rescaled by sigma(1)/rho'(1) = 11/13" in line and "Traceback" not in done.stderr


def test_ralston3_with_c3_written_3_5_fails_check(tmp_path):
    done = tabc("check", scheme(tmp_path, RALSTON3_WITH_C3_3_5))
    assert done.returncode == 1, done.stdout
    (line,) = done.stdout.splitlines()
    assert line.startswith("FAIL") and "with the written c the order would be 1" in line


def test_a_file_that_says_the_network_absorbs_the_step_passes_with_a_warning(tmp_path):
    done = tabc("check", scheme(tmp_path, BDF3_WITH_6_13, ABSORBED))
    assert done.returncode == 0, done.stdout
    assert "warning: consistent with the step rescaled by sigma(1)/rho'(1) = 11/13" in done.stdout


def test_a_file_whose_c_records_the_source_passes_with_a_warning(tmp_path):
    done = tabc("check", scheme(tmp_path, RALSTON3_WITH_C3_3_5, ROW_SUMS))
    assert done.returncode == 0, done.stdout
    assert "warning: c differs from the row sums of A at stage 3" in done.stdout


@pytest.mark.parametrize("text, extra", [(BDF3_WITH_6_13, ABSORBED),
                                         (RALSTON3_WITH_C3_3_5, ROW_SUMS)])  # fmt: skip
@pytest.mark.parametrize("command", ["check", "info", "compile"])
def test_strict_fails_what_the_file_excuses(tmp_path, text, extra, command):
    path = scheme(tmp_path, text, extra)
    output = ["-o", str(tmp_path / "out")] if command == "compile" else []
    done = tabc(command, "--strict", *output, path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not accepted under --strict" in done.stdout
    assert not (tmp_path / "out").exists()


def test_compile_refuses_the_typo_and_writes_nothing(tmp_path):
    done = tabc("compile", "-o", str(tmp_path / "out"), scheme(tmp_path, BDF3_WITH_6_13))
    assert done.returncode == 1 and "not consistent as written" in done.stdout
    assert not (tmp_path / "out").exists()


def test_json_reports_the_typo_as_a_failure(tmp_path):
    import json

    done = tabc("check", "--format", "json", scheme(tmp_path, RALSTON3_WITH_C3_3_5))
    (record,) = json.loads(done.stdout)
    assert done.returncode == 1 and record["status"] == "fail"
    assert any("with the written c the order would be 1" in f for f in record["failures"])


def test_step_scaling_belongs_to_multistep_schemes(tmp_path):
    text = RALSTON3_WITH_C3_3_5.replace("order = 3\n", f"order = 3\n{ABSORBED}", 1)
    done = tabc("check", scheme(tmp_path, text))
    assert done.returncode == 2 and "step_scaling: belongs to linear-multistep" in done.stdout


@pytest.mark.parametrize("text, line", [
    (BDF3_WITH_6_13, 'step_scaling = "rescaled"\n'), (RALSTON3_WITH_C3_3_5, 'nodes = "rows"'),
])  # fmt: skip
def test_an_unknown_convention_is_invalid_input(tmp_path, text, line):
    done = tabc("check", scheme(tmp_path, text, line))
    assert done.returncode == 2, done.stdout
    assert "must be one of" in done.stdout and "Traceback" not in done.stderr


def test_the_library_passes_strictly():
    done = tabc("check", "--strict", "tableaus")
    assert done.returncode == 0, done.stdout


def test_the_calibration_set_passes_by_default():
    """feagin12_as_published keeps the source's c[2] = 2 and says nodes = "row-sums"."""
    done = tabc("check", "benchmarks/calibration")
    assert done.returncode == 0, done.stdout
