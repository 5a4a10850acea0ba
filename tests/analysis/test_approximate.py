"""Approximate (decimal) schemes: every property judged to the tolerance, exactly.

An approximate scheme is the exact rationals its decimals write, judged to its tolerance
t: a residual r counts as zero when |r| <= t (docs/scheme-format.md, Coefficients).  The
inputs below are the issue's (an SDIRK written with 20-digit decimals, RK4 with a21
written 0.5, published rationals meeting the conditions to 1e-26) and exact schemes
perturbed by less and by more than the tolerance.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.values import Value, shown, shown_size
from tableau_compiler.parsing import parse_scheme

from .helpers import multistep, tableau

ROOT = Path(__file__).resolve().parents[2]

GAMMA_20 = "0.29289321881345247560"  # 1 − 1/√2 to 20 digits
A21_20 = "0.41421356237309504880"  # 1 − 2γ to 20 digits, so that c_2 = 1 − γ


def sdirk(gamma, a21, *, tolerance=None):
    return tableau(
        [[gamma, 0], [a21, gamma]], ["1/2", "1/2"], order=2, tolerance=tolerance, name="sdirk"
    )


def fraction(value: Value) -> Fraction:
    return Fraction(value.mantissa) * Fraction(10) ** value.exponent


# --------------------------------------------------------------------------- L-stability


def test_the_decimal_sdirk_is_l_stable_to_its_tolerance_and_says_how_close():
    decimal = analyse(sdirk(GAMMA_20, A21_20, tolerance=1e-15), full=True)
    exact = analyse(sdirk("1 - 1/sqrt(2)", "1 - 2*(1 - 1/sqrt(2))"), full=True)
    assert exact.stability.l_stable and exact.stability.a_stable
    assert exact.stability.l_stability.words() == "yes"
    stability = decimal.stability
    assert stability.a_stable and stability.l_stable
    assert not stability.l_stability.exactly  # R(∞) is not exactly 0 ...
    # ... it is 1 − bᵀA⁻¹1 of the written rationals, computed here independently:
    g, a21 = Fraction(GAMMA_20), Fraction(A21_20)
    x1 = 1 / g
    x2 = (1 - a21 * x1) / g
    r_infinity = abs(1 - (x1 + x2) / 2)
    assert 0 < r_infinity < Fraction(1, 10**15)
    size = stability.l_stability.size
    assert fraction(size) == pytest.approx(r_infinity, rel=1e-15)
    words = stability.l_stability.words()
    assert words == f"yes, to tolerance 1e-15 (|R(∞)| = {shown_size(size, 1e-15)})"
    assert "e-20" in words
    # the same scheme judged to a tolerance below |R(∞)| is not L-stable
    strict = analyse(sdirk(GAMMA_20, A21_20, tolerance=1e-25), full=True).stability
    assert strict.a_stable and not strict.l_stable
    assert "above the tolerance 1e-25" in strict.l_stability.words()


def test_the_stability_function_of_a_decimal_scheme_prints_decimals_and_keeps_it_exact_in_json():
    stability = analyse(sdirk(GAMMA_20, A21_20, tolerance=1e-15), full=True).stability
    assert len(stability.shown_text) < 120  # not ~700 characters of fractions
    assert "/" not in stability.shown_numerator + stability.shown_denominator
    assert len(stability.text) > len(stability.shown_text)  # the exact R(z), for JSON
    assert stability.to_dict()["R"] == stability.text


RADAU_IIA_2 = {"a": [["5/12", "-1/12"], ["3/4", "1/4"]], "b": ["3/4", "1/4"]}
TOLERANCE = 1e-10


def radau_with_b2_perturbed(delta: Fraction):
    """Radau IIA(2) (stiffly accurate, L-stable) with b₂ = 1/4 + δ, written as a decimal.

    Then b·1 − 1 = δ, max |b_j − a_2j| = |δ| and, as A⁻¹1 = (2, −2), R(∞) = 1 − bᵀA⁻¹1 = 2δ.
    """
    b2 = Fraction(1, 4) + delta
    digits = f"{b2.numerator * 10**30 // b2.denominator}"
    assert Fraction(int(digits), 10**30) == b2  # δ below has at most 30 decimals
    written = f"0.{digits.rjust(30, '0')}"
    return tableau(RADAU_IIA_2["a"], ["3/4", written], order=1, tolerance=TOLERANCE, name="r")


small = st.builds(
    lambda n, sign: sign * Fraction(n, 10**13), st.integers(1, 499), st.sampled_from([-1, 1])
)
large = st.builds(
    lambda n, sign: sign * Fraction(n, 10**9), st.integers(1, 10**6), st.sampled_from([-1, 1])
)


@settings(max_examples=15, deadline=None)
@given(small)
def test_a_perturbation_within_the_tolerance_keeps_stiff_accuracy_and_l_stability(delta):
    analysis = analyse(radau_with_b2_perturbed(delta), full=True)
    assert analysis.passed and analysis.order >= 1
    stiff = analysis.stiffly_accurate
    assert stiff.holds and not stiff.exactly and fraction(stiff.size) == abs(delta)
    assert stiff.words().startswith("yes, to tolerance 1e-10 (max |b_j − a_sj| = ")
    l_stability = analysis.stability.l_stability
    assert analysis.stability.a_stable and l_stability.holds and not l_stability.exactly
    assert fraction(l_stability.size) == 2 * abs(delta)


@settings(max_examples=15, deadline=None)
@given(large)
def test_a_perturbation_beyond_the_tolerance_breaks_them(delta):
    analysis = analyse(radau_with_b2_perturbed(delta), full=True)
    assert analysis.order == 0 and not analysis.passed  # b·1 = 1 misses by δ
    stiff = analysis.stiffly_accurate
    assert not stiff.holds and fraction(stiff.size) == abs(delta)
    assert "above the tolerance 1e-10" in stiff.words()
    l_stability = analysis.stability.l_stability
    assert not l_stability.holds and fraction(l_stability.size) == 2 * abs(delta)


def test_exact_radau_is_stiffly_accurate_and_l_stable_exactly():
    analysis = analyse(tableau(**RADAU_IIA_2, order=3), full=True)
    assert analysis.stiffly_accurate.holds and analysis.stiffly_accurate.words() == "yes"
    assert analysis.stability.l_stable and analysis.stability.l_stability.exactly


def test_a_stability_that_hinges_on_an_equality_is_judged_to_the_tolerance():
    # The implicit midpoint rule has |R(iy)| = 1 exactly on the imaginary axis; with its
    # weight 1 written 1 + 1e-14 the exact test fails, to a tolerance of 1e-12 it holds.
    perturbed = tableau([["1/2"]], ["1.00000000000001"], order=1, tolerance=1e-12)
    stability = analyse(perturbed, full=True).stability
    assert stability.a_stable and not stability.a_stability.exactly
    excess = fraction(stability.a_stability.size)
    assert 0 < excess <= Fraction(1, 10**12)
    # R(z) = (1 + (1/2 + ε) z)/(1 − z/2): sup |R(iy)| − 1 = 2ε + O(ε²), at y → ∞
    assert excess == pytest.approx(Fraction(2, 10**14), rel=1e-6)
    loose = analyse(tableau([["1/2"]], ["1.000001"], order=1, tolerance=1e-12), full=True)
    assert not loose.stability.a_stable
    assert "above the tolerance 1e-12" in loose.stability.a_stability.words()


# --------------------------------------------------------------------------- structure


def test_c_against_the_row_sums_is_judged_to_the_tolerance():
    rk4 = {"a": [[], ["1/2"], [0, "1/2"], [0, 0, 1]], "b": ["1/6", "1/3", "1/3", "1/6"]}
    within = analyse(tableau(**rk4, c=[0, "0.5", "0.5", "1.0000000000001"], order=4))
    assert within.c_differences == () and not within.warnings
    assert fraction(within.c_difference) == Fraction(1, 10**13)
    beyond = analyse(tableau(**rk4, c=[0, "0.5", "0.5", "1.00000000001"], order=4))
    assert beyond.c_differences == (4,)  # and the written c lowers the order: a failure
    assert beyond.findings[0].key == ("tableau", "c", 3)


def test_stage_order_is_judged_to_the_tolerance():
    # Radau IIA(2) has stage order 2 (B(2), C(2); C(3) fails).  With a11 = 5/12 + δ written
    # as 0.41666666666667 (δ = 1/3·1e-14), B(2) misses by 3δ/4 and C(2) by 5δ/12 + δ²/2.
    a = [["0.41666666666667", "-1/12"], ["3/4", "1/4"]]
    delta = Fraction("0.41666666666667") - Fraction(5, 12)
    assert analyse(tableau(**RADAU_IIA_2, order=3)).stage_order == 2
    within = analyse(tableau(a, RADAU_IIA_2["b"], order=3, tolerance=1e-12))
    assert within.stage_order == 2
    assert fraction(within.stage_order_residual) == pytest.approx(3 * delta / 4, rel=1e-15)
    beyond = analyse(tableau(a, RADAU_IIA_2["b"], order=2, tolerance=1e-16))
    assert beyond.stage_order == 1


def test_a_tiny_entry_above_the_diagonal_is_reported_and_the_structure_stays_as_written():
    scheme = tableau([[0, "1e-20"], ["1/2", 0]], [0, 1], order=2)
    analysis = analyse(scheme)
    assert analysis.classification == "implicit"  # the step computes with A as written
    assert analysis.structure_to_tolerance == "explicit"
    (warning,) = analysis.warnings
    assert "explicit to tolerance 1e-12" in warning and "|a_12|" in warning
    assert analysis.warning_keys == (("tableau", "a", 0, 1),)


# --------------------------------------------------------------------------- tolerance key


def test_a_tolerance_key_makes_an_all_rational_scheme_approximate():
    # Published-style rationals that meet b·1 = 1 only to 1e-26.
    b = ["1/6 + 1/100000000000000000000000000", "1/3", "1/3", "1/6"]
    a = [[], ["1/2"], [0, "1/2"], [0, 0, 1]]
    exact = analyse(tableau(a, b, order=4))
    assert not exact.passed and exact.tolerance is None
    judged = analyse(tableau(a, b, order=4, tolerance=1e-12))
    assert judged.passed and judged.tolerance == 1e-12
    assert judged.levels[0].largest_residual == pytest.approx(1e-26)


def test_pd87_passes_with_its_last_weight_written_as_the_rational_it_is():
    text = (ROOT / "tableaus" / "pd87.toml").read_text(encoding="utf-8")
    assert text.count('"0.25"') == 1
    rational = parse_scheme(text.replace('"0.25"', '"1/4"'))
    assert not any(x.is_approximate for x in rational.coefficients())
    analysis = analyse(rational)
    assert analysis.passed and analysis.tolerance == 1e-17


# --------------------------------------------------------------------------- exact zeros


def test_an_exactly_zero_residual_of_an_approximate_scheme_is_zero():
    rk4_half = tableau([[], ["0.5"], [0, "1/2"], [0, 0, 1]], ["1/6", "1/3", "1/3", "1/6"], order=4)
    analysis = analyse(rk4_half, full=True)
    assert analysis.tolerance == 1e-12  # approximate, decided in balls
    assert all(level.worst.zero and level.largest_residual == 0.0 for level in analysis.levels[:4])
    assert [level.worst_residual for level in analysis.levels[:4]] == ["0"] * 4
    assert analysis.levels[4].largest_residual == pytest.approx(1 / 80)
    # the SDIRK's b·c = 1/2 holds exactly: (2γ + a21)/2 = 1/2 for these decimals
    sdirk_levels = analyse(sdirk(GAMMA_20, A21_20, tolerance=1e-15)).levels
    assert sdirk_levels[1].worst.zero


# --------------------------------------------------------------------------- readable numbers


def test_a_long_exact_residual_prints_as_a_short_decimal_and_exactly_in_json():
    big = "1/6 + 1/123456789012345678901234567890123456789012345678901234567"
    analysis = analyse(tableau([[], [1]], [big, "1/2"], order=2))
    (failure,) = analysis.failures
    assert "misses by ≈ -0.3333333" in failure
    assert max(len(word) for word in failure.split()) <= 40
    exact = Fraction(analysis.levels[0].worst_residual)  # exact in JSON
    assert exact == Fraction(-1, 3) + Fraction(
        1, 123456789012345678901234567890123456789012345678901234567
    )


def test_values_show_enough_digits_to_tell_the_residual_from_the_tolerance():
    close = Value.of_fraction(Fraction(100000004, 10**20))  # 1.00000004e-12
    assert shown(close, 1e-12) == "1.00000004e-12"
    assert shown(Value.of_fraction(Fraction(2, 10**40)), 1e-15) == "2.0e-40"  # exact: 2e-40
    assert shown(Value.of_fraction(Fraction(2, 3 * 10**40)), 1e-15) == "6.67e-41"
    assert shown(Value.of_fraction(Fraction(-1, 42)), None) == "-1/42"
    assert shown(Value.zero_value(), 1e-12) == "0"


# --------------------------------------------------------------------------- b_hat hint


HEUN_EULER = {"a": [[], [1]], "b": ["1/2", "1/2"]}


def library_pair(name):
    """A library embedded pair: (A rows, b, b̂) as exact fractions, and its claims."""
    scheme = parse_scheme((ROOT / "tableaus" / f"{name}.toml").read_text(encoding="utf-8"))
    a = [[str(x.rational()) for x in row] for row in scheme.a]
    b = [x.rational() for x in scheme.b]
    b_hat = [x.rational() for x in scheme.b_hat]
    return a, b, b_hat, scheme.order, scheme.embedded_order


@pytest.mark.parametrize("sign", [1, -1], ids=["b - b_hat", "b_hat - b"])
def test_error_coefficients_pasted_as_b_hat_get_a_hint_with_the_rows_to_write(sign):
    a, b, b_hat, order, embedded = library_pair("bs32")
    pasted = [sign * (x - y) for x, y in zip(b, b_hat)]  # e = b − b̂, or b̂ − b
    scheme = tableau(a, [str(x) for x in b], b_hat=[str(x) for x in pasted],
                     embedded_order=embedded, order=order)  # fmt: skip
    (failure,) = analyse(scheme).failures
    assert failure.startswith(f"embedded order 0, claimed {embedded}")
    assert "b̂ sums to 0, as error coefficients do" in failure
    # the published b̂ is one of the two rows the hint writes out, under its convention
    row = ", ".join(f'"{x}"' for x in b_hat)
    fix = "if it is e = b − b̂, write b_hat = b − e" if sign == 1 else (
        "if it is e = b̂ − b, write b_hat = b + e")  # fmt: skip
    assert f"{fix} = [{row}]" in failure
    assert failure.endswith(f"(either reaches embedded order {embedded})")


def test_the_hint_holds_for_decimal_error_coefficients_summing_to_zero_within_the_tolerance():
    pasted = ["-0.5", "0.50000000000000001"]
    analysis = analyse(tableau(**HEUN_EULER, b_hat=pasted, embedded_order=1, order=2))
    (failure,) = analysis.failures
    assert "b̂ sums to 1.0e-17" in failure
    assert 'write b_hat = b − e = ["1", "-0.00000000000000001"]' in failure


def test_no_hint_when_b_hat_does_not_sum_to_zero():
    analysis = analyse(tableau(**HEUN_EULER, b_hat=["1", "1/2"], embedded_order=1, order=2))
    (failure,) = analysis.failures
    assert "sums to" not in failure


# --------------------------------------------------------------------------- multistep


def test_a_decimal_bdf3_whose_root_is_rounded_just_outside_the_circle_is_zero_stable_to_tolerance():
    # BDF3's alpha as float64 decimals: rho(1) = −3/25000000000000000, so the principal root
    # is 1 + 2.2e-16, outside the disc exactly, inside it to the tolerance.
    alpha = ["-0.18181818181818182", "0.8181818181818182", "-1.6363636363636365", "1.0"]
    analysis = analyse(multistep(alpha, ["0", "0", "0", "0.5454545454545454"], order=3))
    stability = analysis.zero_stability
    assert analysis.passed and stability.holds and not stability.exactly
    assert 0 < fraction(stability.excess) < Fraction(1, 10**15)
    assert stability.words().startswith("yes, to tolerance 1e-12")


def test_a_root_outside_the_disc_by_more_than_the_tolerance_fails_and_is_named():
    # rho = (ζ − 1.00005)(ζ − 0.99): |rho(1)| = 5e-7 within 1e-6, the root 1.00005 is not.
    scheme = multistep(["0.9900495", "-1.99005", "1"], ["0", "0", "1"], order=1)
    scheme = dataclasses.replace(scheme, tolerance=1e-6)
    analysis = analyse(scheme)
    stability = analysis.zero_stability
    assert analysis.consistent and not stability.holds
    assert stability.root == "20001/20000"
    assert "|ζ| − 1 = 5.00e-5" in stability.reason


@pytest.mark.parametrize("epsilon", ["1e-14", "-1e-14"])
def test_a_double_root_on_the_circle_split_by_rounding_still_fails(epsilon):
    # rho = (ζ − 1)((ζ + 1)² + ε): the double root −1 split into two roots 2√|ε| apart.
    e = Fraction(epsilon)
    alpha = [str(-(1 + e)), str(-1 + e), "1", "1"]
    alpha = [_decimal(Fraction(x)) for x in alpha]
    analysis = analyse(multistep(alpha, ["0", "0", "1", "0"], order=1))
    assert not analysis.zero_stability.holds
    assert not analysis.passed


def _decimal(value: Fraction) -> str:
    digits = abs(value.numerator) * 10**20 // value.denominator
    assert Fraction(digits, 10**20) == abs(value)
    text = str(digits).rjust(21, "0")
    return ("-" if value < 0 else "") + text[:-20] + "." + text[-20:]


# --------------------------------------------------------------------------- regions


def test_a_parameter_region_of_an_approximate_scheme_is_judged_to_the_tolerance():
    text = """
name = "family"
kind = "runge-kutta"
order = 2
[tableau]
a = [[], ["alpha"]]
b = ["0.3333333333333333", "0.6666666666666667"]
[parameters.alpha]
value = "0.75"
"""
    regions = analyse(parse_scheme(text), full=True).parameter_regions
    found = dict(regions.entries)
    # b·1 = 1 + 1e-16 holds to 1e-12 for every alpha; b₂·alpha = 1/2 within 1e-12 is an
    # interval of width 2·1e-12/b₂ around 1/(2 b₂).
    assert found["order >= 1 (to tolerance 1e-12)"] == "every alpha"
    interval = regions.order_sets[1]
    b2 = Fraction("0.6666666666666667")
    centre, half = 1 / (2 * b2), Fraction(1, 10**12) / b2
    assert (interval.start, interval.end) == (centre - half, centre + half)
    assert found["order >= 3 (to tolerance 1e-12)"] == "no alpha"
