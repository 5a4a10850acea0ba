"""Faults a second adversary pass against the work bounds found (issue 12), each a kind.

Inputs inside the documented limits that still escaped: a number beyond the 4,300 digits
Python prints reaching ``str`` (a traceback), pi of high degree in a multistep ρ (no
answer in minutes), and exact rationals normalised term by term (a 32-step scheme of
8,192-bit rationals took 40 s in ``check`` and 70 s in ``info``).
"""

import random
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy

from tableau_compiler import limits
from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.arithmetic import RationalField, SympyField
from tableau_compiler.analysis.multistep import error_constants
from tableau_compiler.analysis.values import fits_exact_text, lowest_terms, sympy_text
from tableau_compiler.errors import CoefficientError
from tableau_compiler.parsing import parse_scheme
from tests.test_work_limits import multistep, tableau


@pytest.mark.parametrize("command", ["check", "info"])
def test_a_residual_with_more_digits_than_python_prints_is_reported_not_raised(tmp_path, command):
    # a11 = pi·2^8128 is within every literal limit; the residual of the tree of order 3
    # holds pi²·2^16256, about 4,900 digits: str() of it raised ValueError (a traceback).
    path = tmp_path / "big.toml"
    path.write_text(tableau([["pi*(2^64)^64*(2^63)^64"]], ["1"], 3))
    done = subprocess.run(
        [sys.executable, "-m", "tableau_compiler", command, str(path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "order 1, claimed 3" in done.stdout + done.stderr


def test_numbers_beyond_4000_digits_print_as_marked_leading_digits():
    x = sympy.pi * sympy.Integer(10) ** 5000 + sympy.Rational(1, 3)
    assert not fits_exact_text(x)
    text = sympy_text(x)
    assert text == "1/3 + ≈1.0000000000000000000e+5000*pi"
    assert sympy_text(sympy.pi / 7) == str(sympy.pi / 7)  # short values: exactly str()
    field = SympyField(sympy.QQ.algebraic_field(sympy.sqrt(2)), symbolic=False)
    element = field.domain.from_sympy(sympy.sqrt(2)) * field.domain.convert(10**5000)
    value = field.value(element)  # digits only, as for a long rational
    assert value.exact is None and (value.mantissa, value.exponent) == (14142135623730950488, 4981)
    assert field.text(element) == "≈1.0000000000000000000e+5000*sqrt(2)"


def test_lowest_terms_is_the_fraction_of_a_reduced_pair():
    rng = random.Random(4)
    for _ in range(200):
        q = Fraction(rng.randrange(-(10**40), 10**40), rng.randrange(1, 10**40))
        made = lowest_terms(q.numerator, q.denominator)
        assert made == q and (made.numerator, made.denominator) == (q.numerator, q.denominator)


def test_rational_error_constants_are_the_definition():
    # C_q = Σ j^q α_j / q! − Σ j^(q−1) β_j / (q−1)!  (HNW III.2), term by term in sympy
    rng = random.Random(7)
    alpha = [Fraction(rng.randrange(-(2**200), 2**200), rng.randrange(1, 2**200)) for _ in range(9)]
    beta = [Fraction(rng.randrange(-(2**200), 2**200), rng.randrange(1, 2**200)) for _ in range(9)]
    field = RationalField()
    got = error_constants(field, field.convert(alpha), field.convert(beta), 20)
    for q, constant in enumerate(got):
        expected = sum(Fraction(j**q, sympy.factorial(q)) * a for j, a in enumerate(alpha))
        if q >= 1:
            expected -= sum(
                Fraction(j ** (q - 1), sympy.factorial(q - 1)) * b for j, b in enumerate(beta)
            )
        assert Fraction(int(constant.p), int(constant.q)) == expected


def test_pi_of_high_degree_in_a_multistep_rho_is_refused_naming_the_limit():
    # 16 steps with pi^16 in ρ ran past two minutes (Schur–Cohn over QQ(pi)).
    alpha = [f"pi^{n + 1}/{n + 2} - {n}/997" for n in range(16)] + ["1"]
    text = multistep(alpha, ["pi/3"] * 17)
    with pytest.raises(CoefficientError, match="steps × degree is at most 32") as caught:
        analyse(parse_scheme(text))
    assert caught.value.key_path == "coefficients.alpha"
    # at the limit (8 steps of degree 4) it is decided
    alpha = [f"pi^4/{n + 2} + pi/{n + 3} - {n}/997" for n in range(8)] + ["1"]
    assert 8 * 4 == limits.MAX_SYMBOLIC_STEP_DEGREE
    assert not analyse(parse_scheme(multistep(alpha, ["pi/3"] * 9))).zero_stability.holds


def test_square_roots_in_a_multistep_rho_are_bounded_by_steps_degree_and_size():
    # 8 steps of four square roots times 20-digit rationals: the gcds of ρ and its mirror
    # over QQ(√2, √3, √5, √7) ran past a minute (32 steps of small ones: over a minute).
    rng = random.Random(2)
    roots = ["sqrt(2)", "sqrt(3)", "sqrt(5)", "sqrt(7)"]

    def big() -> str:
        return f"{rng.randrange(10**20)}/{rng.randrange(1, 10**20)}"

    alpha = ["+".join(f"{r}*{big()}" for r in roots) for _ in range(8)] + ["1"]
    with pytest.raises(
        CoefficientError, match="steps³ × degree × bits × 300 units of 16 ns, is at most 6e"
    ) as caught:
        analyse(parse_scheme(multistep(alpha, [f"{n}/7" for n in range(9)])))
    assert caught.value.key_path == "coefficients.alpha"
    alpha = ["+".join(f"{r}/{n + i + 1}" for i, r in enumerate(roots)) for n in range(32)] + ["1"]
    with pytest.raises(CoefficientError, match="steps³ × degree × bits × 300 units"):
        analyse(parse_scheme(multistep(alpha, [f"{n}/7" for n in range(33)])))
