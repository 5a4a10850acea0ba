"""The analysis added for stability, SSP, A(α), plots, parameter regions and reverse plans
keeps the bounded-work promise (issue 21, the adversary's items): every input is answered
within the stated limits, exit 0/1/2, no traceback.

Each case runs the CLI in a subprocess; the ``timeout`` is a guard against a hang (the suite
must not stop), never a timing assertion.  Large numbers are generated here, not stored.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from tests.test_work_limits import multistep, tableau

GUARD = 120
"""Seconds after which a run counts as hung (a guard, not a measurement)."""

SUM_OF_POWERS = "(1+k+k^2+k^3+k^4+k^5+k^6+k^7)^64"
FACTORED = "((1+k+k^2+k^3)*(1+k^4))^64"
LEARNABLE_K = '[parameters.k]\nvalue = "0"\nlearnable = true\n'


def tabc(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *arguments],
        capture_output=True, text=True, timeout=GUARD, check=False,
    )  # fmt: skip


def answered(done: subprocess.CompletedProcess, *codes: int) -> None:
    assert done.returncode in codes, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Traceback" not in done.stderr


def strict_json(text: str):
    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------- vanishing


def test_a_learnable_power_in_a_partitioned_pair_has_its_reverse_plan_decided(tmp_path):
    # â_11 − b̂_1 = (1 + … + k⁷)⁶⁴ − ((1 + k + k² + k³)(1 + k⁴))⁶⁴ is 0 at k = 0: whether it
    # vanishes for every k was a sympy.expand of degree 448 (check --format json hung)
    path = tmp_path / "pair.toml"
    path.write_text(
        'name = "pair"\nkind = "partitioned-runge-kutta"\norder = 1\n' + LEARNABLE_K
        + '[tableau.q]\na = [["0"]]\nb = ["1"]\n'
        + f'[tableau.p]\na = [["{SUM_OF_POWERS}"]]\nb = ["{FACTORED}"]\n'
    )  # fmt: skip
    done = tabc("check", "--format", "json", str(path))
    answered(done, 0)
    (record,) = strict_json(done.stdout)
    assert record["reversibility"]["invertible"]
    assert record["reversibility"]["inverse_order"] == ["P1", "Q1"]
    answered(tabc("compile", str(path), "-o", str(tmp_path / "out")), 0)


def test_a_learnable_beta_k_has_its_reversibility_decided(tmp_path):
    # β_2 = (1 + … + k⁷)⁶⁴ − ((1 + k + k² + k³)(1 + k⁴))⁶⁴ = 0 for every k: sympy.simplify hung
    path = tmp_path / "two_step.toml"
    path.write_text(multistep(["-k", "k - 1", "1"], ["0", "1", f"{SUM_OF_POWERS} - {FACTORED}"],
                              extra=LEARNABLE_K))  # fmt: skip
    done = tabc("info", str(path))
    answered(done, 0)
    assert "invertible step (reversible=True): yes" in done.stdout
    path.write_text(multistep(["-k", "k - 1", "1"], ["0", "1", f"{SUM_OF_POWERS} - 1"],
                              extra=LEARNABLE_K))  # fmt: skip
    done = tabc("info", "--format", "json", str(path))
    answered(done, 0)
    assert strict_json(done.stdout)["reversibility"]["reason"].startswith("implicit (β_2 ≠ 0)")


@pytest.mark.parametrize("command", ["info", "compile"])
def test_a_learnable_runge_kutta_coefficient_has_its_region_degree_read_not_expanded(
    tmp_path, command
):
    path = tmp_path / "learnable.toml"
    path.write_text(tableau([[], [SUM_OF_POWERS]], ["1/2", "1/2"], 2, LEARNABLE_K))
    arguments = [str(path)] + (["-o", str(tmp_path / "out")] if command == "compile" else [])
    done = tabc(command, *arguments)
    answered(done, 0)
    if command == "info":
        assert "order conditions up to order 3 have degree up to 1344" in done.stdout
        assert "above the limit of 24 for parameter regions" in done.stdout
