"""The Schur–Cohn test stays polynomial: reduced polynomials are normalised as it goes.

Without normalisation the coefficients of T p = a_n p − a_0 p* double in size at every step
(a 24-step ρ with coefficients n/997 did not finish in a minute).  The tests count the sizes
the recursion meets and compare its verdict with certified complex root isolation.
"""

from fractions import Fraction

import flint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import QQ, Poly, Symbol

from tableau_compiler.analysis import zero_stability
from tableau_compiler.analysis.arithmetic import RationalField
from tableau_compiler.analysis.zero_stability import root_condition


def _bits(x) -> int:
    return int(x.numerator).bit_length() + int(x.denominator).bit_length()


def _sizes_met(monkeypatch, coefficients):
    """The largest numerator + denominator bits of the values whose sign Schur–Cohn tests."""
    field = RationalField()
    met = []
    original = field.sign

    def counting_sign(x):
        met.append(_bits(x))
        return original(x)

    monkeypatch.setattr(field, "sign", counting_sign)
    zeta = Symbol("zeta")
    p = Poly([QQ(c.numerator, c.denominator) for c in reversed(coefficients)], zeta, domain=QQ)
    stable = zero_stability._schur_stable(field, p)
    return stable, max(met)


@pytest.mark.parametrize("k", [16, 24, 32])
def test_schur_cohn_sizes_stay_polynomial_for_k_step_rho_with_coefficients_n_over_997(
    monkeypatch, k
):
    # ρ(ζ) = ζ^k + Σ_{n<k} (n/997) ζ^n / 2^k: all roots strictly inside, so every step runs.
    coefficients = [Fraction(n, 997 * 2**k) for n in range(k)] + [Fraction(1)]
    stable, largest = _sizes_met(monkeypatch, coefficients)
    assert stable
    input_bits = max(_bits(c) for c in coefficients)
    # Ratios of 2k × 2k Schur–Cohn determinants (Hadamard: 2k·(b + log2 2k) bits each),
    # squared in the sign test: O(k · b) bits, where doubling at each step gave 2^k · b.
    assert largest <= 8 * k * (input_bits + (2 * k).bit_length())


def _inside_by_isolation(coefficients) -> bool:
    roots = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in coefficients])
    return all(abs(ball) < 1 for ball, _ in roots.complex_roots())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=50), min_size=1, max_size=12)
)
def test_schur_cohn_agrees_with_certified_root_isolation(lower):
    coefficients = [*lower, Fraction(1)]
    zeta = Symbol("zeta")
    p = Poly([QQ(c.numerator, c.denominator) for c in reversed(coefficients)], zeta, domain=QQ)
    isolated = _inside_by_isolation(coefficients)
    # A root exactly on the circle: isolation cannot call |ζ| < 1 either way; skip those.
    balls = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in coefficients])
    if any(not (abs(b) < 1 or abs(b) > 1) for b, _ in balls.complex_roots()):
        return
    assert zero_stability._schur_stable(RationalField(), p) == isolated


def test_24_step_rho_with_coefficients_n_over_997_is_decided_and_names_its_root():
    # Consistent (ρ(1) = 0) with α_n = n/997 for n >= 1: the costly input.
    alpha = [Fraction(n, 997) for n in range(24)] + [Fraction(1)]
    alpha[0] = -sum(alpha[1:])
    field = RationalField()
    result = root_condition(field, field.convert(alpha))
    assert result.holds == _inside_or_simple_on_circle(alpha)


def _inside_or_simple_on_circle(coefficients) -> bool:
    poly = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in coefficients])
    _, factors = poly.factor()
    for factor, multiplicity in factors:
        for ball, _ in factor.complex_roots():
            modulus = abs(ball)
            if modulus > 1:
                return False
            if not modulus < 1 and multiplicity > 1:
                return False
    return True
