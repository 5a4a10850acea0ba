"""What the reports print: exact zeros as 0, bounded readable numbers, exact JSON, claims
beyond the work limit, and GitHub annotations at the key a finding depends on."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest

from tableau_compiler import limits
from tableau_compiler.cli import main
from tableau_compiler.toml_locations import line_of

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"
RK4_TEXT = (TABLEAUS / "rk4.toml").read_text(encoding="utf-8")


def tabc(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


NUMBER = re.compile(r"[-+]?\d[\d./]*(?:e[-+]?\d+)?")


def longest_number(text: str) -> int:
    return max((len(m.group()) for m in NUMBER.finditer(text)), default=0)


# --------------------------------------------------------------------------- exact zeros


def test_rk4_with_a21_written_as_a_decimal_prints_its_zero_residuals_as_0(capsys, tmp_path):
    path = write(tmp_path, "rk4_half.toml", RK4_TEXT.replace('["1/2"],', '["0.5"],', 1))
    code, out = tabc(capsys, "info", path)
    assert code == 0 and "arithmetic: to tolerance 1e-12" in out
    table = out[out.index("order conditions (b)") :].splitlines()[2:6]
    assert [row.split()[3] for row in table] == ["0", "0", "0", "0"]
    assert "e-4" not in "\n".join(table)  # no ball radius shown as a residual (was 2.3e-41)
    record = json.loads(tabc(capsys, "info", "--format", "json", path)[1])
    assert [c["largest_residual"] for c in record["conditions"][:4]] == [0, 0, 0, 0]
    assert [c["worst_residual"] for c in record["conditions"][:4]] == ["0"] * 4


# --------------------------------------------------------------------------- readable numbers


SDIRK_40 = """\
name = "sdirk40"
kind = "runge-kutta"
order = 2
tolerance = 1e-30

[tableau]
a = [
  ["0.2928932188134524755991556378951509607152", "0"],
  ["0.4142135623730950488016887242096980785696", "0.2928932188134524755991556378951509607152"],
]
b = ["1/2", "1/2"]
"""


def test_a_40_digit_decimal_scheme_prints_short_decimals_and_exact_json(capsys, tmp_path):
    path = write(tmp_path, "sdirk40.toml", SDIRK_40)
    code, out = tabc(capsys, "info", path)
    assert code == 0
    (line,) = [x for x in out.splitlines() if "R(z) =" in x]
    assert len(line) < 200 and "/" not in line.split("=", 1)[1].replace(") / (", "")
    assert longest_number(out) <= 40
    assert "L-stable: yes, to tolerance 1e-30 (|R(∞)| = " in out
    record = json.loads(tabc(capsys, "info", "--format", "json", path)[1])
    # JSON keeps R(z) exact: its coefficients are the exact rationals of the decimals
    assert "/" in record["stability"]["R"] and len(record["stability"]["R"]) > len(line)
    assert record["stability"]["L_stability"]["holds"] is True
    assert record["stability"]["L_stability"]["exactly"] is False


def test_a_failure_with_a_long_exact_residual_prints_a_bounded_decimal(capsys, tmp_path):
    weight = "1/6 + 1/1234567890123456789012345678901234567890123456789012345678901234567"
    text = RK4_TEXT.replace(
        'b = ["1/6", "1/3", "1/3", "1/6"]', f'b = ["{weight}", "1/3", "1/3", "1/6"]'
    )
    path = write(tmp_path, "long.toml", text)
    code, out = tabc(capsys, "check", path)
    assert code == 1 and "misses by ≈ 8.1" in out
    assert longest_number(out) <= 40
    record = json.loads(tabc(capsys, "check", "--format", "json", path)[1])[0]
    exact = Fraction(record["conditions"][0]["worst_residual"])
    assert exact == Fraction(1, 1234567890123456789012345678901234567890123456789012345678901234567)


@pytest.mark.parametrize("name", ["tsit5", "pd87", "verner65", "gl3", "bdf6", "lm_resnet"])
def test_library_reports_print_no_number_longer_than_40_characters(capsys, name):
    code, out = tabc(capsys, "info", str(TABLEAUS / f"{name}.toml"))
    assert code == 0
    assert longest_number(out) <= 40, out


# --------------------------------------------------------------------------- the work limit


def test_a_claim_beyond_the_work_limit_fails_with_the_order_verified(capsys, monkeypatch):
    # With the limit lowered to 200 units, RK4's order-4 conditions (16 × (17 trees + 4 of
    # set-up) = 336 units) cannot be decided; order 3 (16 × (8 + 4) = 192) can: the claim
    # fails (exit 1), it is not an input error.
    monkeypatch.setattr(limits, "MAX_CONDITION_WORK", 200)
    path = str(TABLEAUS / "rk4.toml")
    code, out = tabc(capsys, "check", path)
    assert code == 1
    assert (
        "order >= 3 verified; order 4 not decided: 4 stages at order 4 mean 3.4e+02 units of "
        "order-condition work (stages² × (trees + set-up)), above the limit of 2e+02"
    ) in out
    record = json.loads(tabc(capsys, "check", "--format", "json", path)[1])[0]
    assert (record["status"], record["order"], record["claimed_order"]) == ("fail", 3, 4)
    assert record["undecided"] == (
        "4 stages at order 4 mean 3.4e+02 units of order-condition work (stages² × (trees + set-up)), "
        "above the limit of 2e+02"
    )
    assert record["failure_keys"] == ["order"]
    code, out = tabc(capsys, "check", "--format", "github", path)
    assert code == 1
    (annotation,) = [x for x in out.splitlines() if x.startswith("::error")]
    assert f"line={line_of(RK4_TEXT, ('order',))}," in annotation


def test_a_claim_beyond_the_highest_order_stays_an_input_error(capsys, tmp_path):
    path = write(tmp_path, "rk4_99.toml", RK4_TEXT.replace("order = 4", "order = 99"))
    code, out = tabc(capsys, "check", path)
    assert code == 2 and "order: must be an integer from 1 to 16, got 99" in out


# --------------------------------------------------------------------------- GitHub annotations


ANNOTATION = re.compile(r"^::(?P<level>error|warning) file=(?P<file>[^,]+),line=(?P<line>\d+),")


def annotations(out: str) -> list[tuple[str, int, str]]:
    found = []
    for row in out.splitlines():
        match = ANNOTATION.match(row)
        if match:
            found.append((match["level"], int(match["line"]), row))
    return found


EMBEDDED = """\
name = "heun_euler_overclaimed"
kind = "runge-kutta"
order = 2

[tableau]
a = [[], ["1"]]
b = ["1/2", "1/2"]
b_hat = [
  "1",
  "0",
]
embedded_order = 2
"""


def test_a_failing_embedded_order_is_annotated_at_the_b_hat_row(capsys, tmp_path):
    path = write(tmp_path, "embedded.toml", EMBEDDED)
    code, out = tabc(capsys, "check", "--format", "github", path)
    assert code == 1
    ((level, line, message),) = annotations(out)
    assert level == "error" and line == line_of(EMBEDDED, ("tableau", "b_hat")) == 8
    assert "embedded order 1, claimed 2" in message


C_MISMATCH = """\
name = "rk4_c"
kind = "runge-kutta"
order = 4

[tableau]
nodes = "row-sums"
c = [
  "0",
  "1/2",
  "1/2",
  "1/3",
]
a = [[], ["1/2"], ["0", "1/2"], ["0", "0", "1"]]
b = ["1/6", "1/3", "1/3", "1/6"]
"""


def test_the_c_mismatch_warning_is_annotated_at_the_c_entry(capsys, tmp_path):
    path = write(tmp_path, "c.toml", C_MISMATCH)
    code, out = tabc(capsys, "check", "--format", "github", path)
    assert code == 0
    ((level, line, message),) = annotations(out)
    assert level == "warning" and line == line_of(C_MISMATCH, ("tableau", "c", 3)) == 11
    assert "c differs from the row sums of A at stage 4" in message


UNSTABLE = """\
name = "unstable"
kind = "linear-multistep"
order = 1

[coefficients]
alpha = ["2", "-3", "1"]
beta = ["0", "-1", "0"]
"""


def test_a_failing_root_condition_names_the_root_in_text_json_and_github(capsys, tmp_path):
    path = write(tmp_path, "unstable.toml", UNSTABLE)
    expected = "the root 2 of rho (|ζ| = 2) lies outside the closed unit disc"
    code, out = tabc(capsys, "check", path)
    assert code == 1 and expected in out
    record = json.loads(tabc(capsys, "check", "--format", "json", path)[1])[0]
    assert record["root_condition"]["root"] == "2"
    assert record["root_condition"]["modulus"] == "2"
    assert any(expected in failure for failure in record["failures"])
    code, out = tabc(capsys, "check", "--format", "github", path)
    errors = [a for a in annotations(out) if a[0] == "error"]
    ((_, line, message),) = errors
    assert line == line_of(UNSTABLE, ("coefficients", "alpha")) and expected in message
