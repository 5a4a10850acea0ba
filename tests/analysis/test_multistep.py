"""Linear multistep methods: consistency, order, error constant, exact zero-stability."""

from dataclasses import replace
from fractions import Fraction

import pytest
import sympy

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.arithmetic import RationalField
from tableau_compiler.analysis.zero_stability import root_condition

from .helpers import bdf, multistep


def holds(*coefficients):
    field = RationalField()
    return root_condition(field, field.convert([Fraction(c) for c in coefficients])).holds


def test_adams_bashforth_2_has_order_2_and_error_constant_5_12():
    analysis = analyse(multistep([0, -1, 1], ["-1/2", "3/2", 0], order=2))
    assert analysis.passed and analysis.order == 2 and analysis.explicit
    assert analysis.error_constant == "5/12"


@pytest.mark.parametrize("k", range(1, 7))
def test_bdf_k_has_order_k_and_error_constant_minus_1_over_k_plus_1(k):
    alpha, beta = bdf(k)
    analysis = analyse(multistep(alpha, beta, order=k))
    assert analysis.passed and analysis.order == k and not analysis.explicit
    assert Fraction(analysis.error_constant) == Fraction(-1, k + 1)


def test_bdf7_is_consistent_of_order_7_and_not_zero_stable():
    alpha, beta = bdf(7)
    analysis = analyse(multistep(alpha, beta, order=7))
    assert analysis.consistent and analysis.order == 7
    assert not analysis.zero_stability.holds
    (failure,) = analysis.failures
    assert (
        failure.startswith("not zero-stable: the root")
        and "outside the closed unit disc" in failure
    )
    # The largest root of rho, independently: its modulus is what the failure names.
    zeta = sympy.Symbol("zeta")
    rho = sympy.Poly([sympy.Rational(a) for a in reversed(alpha)], zeta)
    largest = max(abs(complex(r)) for r in rho.nroots(n=30))
    assert largest > 1
    assert analysis.zero_stability.modulus.magnitude == pytest.approx(largest, rel=1e-12)
    assert f"|ζ| = {largest:.6g}" in failure


def test_a_root_outside_the_disc_is_named_exactly_with_its_modulus():
    # rho = (ζ − 1)(ζ − 2), rho'(1) = −1 = sigma(1): consistent, the root 2 breaks the root
    # condition.
    analysis = analyse(multistep(["2", "-3", "1"], ["0", "-1", "0"], order=1))
    (failure,) = analysis.failures
    assert (
        failure == "not zero-stable: the root 2 of rho (|ζ| = 2) lies outside the closed unit disc"
    )
    assert analysis.zero_stability.root == "2"
    # a quadratic factor gives the root in radicals: ζ² − 3ζ + 1 has the root (3 + √5)/2
    analysis = analyse(multistep(["1", "-4", "4", "-1"], ["0", "0", "1", "0"], order=1))
    assert "sqrt(5)" in analysis.zero_stability.root
    assert analysis.zero_stability.modulus.magnitude == pytest.approx((3 + 5**0.5) / 2)


def test_a_double_root_on_the_circle_is_named_with_its_multiplicity():
    # rho = (ζ − 1)(ζ + 1)²: the root −1 is double.
    analysis = analyse(multistep(["-1", "-1", "1", "1"], ["0", "0", "1", "0"], order=1))
    assert not analysis.zero_stability.holds
    assert analysis.zero_stability.root == "-1"
    assert "multiplicity 2" in analysis.zero_stability.reason


def test_milne_simpson_is_zero_stable_with_a_simple_root_at_minus_one():
    analysis = analyse(multistep([-1, 0, 1], ["1/3", "4/3", "1/3"], order=4))
    assert analysis.passed and analysis.order == 4
    assert analysis.error_constant == "-1/180"


def test_a_step_with_rho_prime_different_from_sigma_is_inconsistent_as_written():
    # 2 y_{n+2} - 2 y_{n+1} = h f_{n+1}: rho'(1) = 2, sigma(1) = 1 (Dahlquist: inconsistent).
    analysis = analyse(multistep([0, -2, 2], [0, 1, 0], order=1))
    assert not analysis.passed and analysis.step_factor == "1/2"
    (failure,) = analysis.failures
    assert failure.startswith("not consistent as written: rho'(1) ≠ sigma(1)")
    assert 'step_scaling = "absorbed"' in failure


def test_a_bdf3_with_beta_3_written_6_13_is_a_typo_that_fails():
    alpha, beta = bdf(3)
    assert beta[-1] == "6/11"
    analysis = analyse(multistep(alpha, [*beta[:-1], "6/13"], order=3))
    assert not analysis.passed
    assert "rescaled by sigma(1)/rho'(1) = 11/13" in analysis.failures[0]


def test_an_absorbed_step_is_consistent_after_rescaling():
    scheme = replace(multistep([0, -2, 2], [0, 1, 0], order=1), step_scaling="absorbed")
    analysis = analyse(scheme)
    assert analysis.consistent and analysis.passed
    assert analysis.step_factor == "1/2"
    assert analysis.warnings == ("consistent with the step rescaled by sigma(1)/rho'(1) = 1/2",)


def test_under_strict_an_absorbed_step_rescaling_fails():
    scheme = replace(multistep([0, -2, 2], [0, 1, 0], order=1), step_scaling="absorbed")
    (failure,) = analyse(scheme, strict=True).failures
    assert "not accepted under --strict" in failure


@pytest.mark.parametrize(
    "alpha, beta, reason",
    [
        ([0, -1, 2], [0, 1, 0], "rho(1) = 1, not 0"),
        ([-1, 1], [0, 0], "sigma(1) = 0"),
        ([1, -2, 1], [0, 1, 0], "rho'(1) = 0"),
    ],
)
def test_inconsistent_schemes_say_why(alpha, beta, reason):
    analysis = analyse(multistep(alpha, beta, order=1))
    assert not analysis.passed
    assert analysis.failures[0] == f"not consistent: {reason}"


class TestRootCondition:
    """ρ(ζ) given by its coefficients, constant term first."""

    def test_a_simple_root_at_one_passes(self):
        assert holds(-1, 1)

    def test_a_double_root_at_one_fails(self):
        assert not holds(1, -2, 1)

    def test_a_root_outside_the_disc_fails(self):
        assert not holds(-2, 1, 1)  # (ζ - 1)(ζ + 2)

    def test_simple_roots_on_the_circle_pass(self):
        assert holds(-1, 1, -1, 1)  # (ζ - 1)(ζ² + 1)
        assert holds(-1, 2, -2, 1)  # (ζ - 1)(ζ² - ζ + 1): roots e^{±iπ/3}

    def test_a_double_pair_on_the_circle_fails(self):
        assert not holds(-1, 1, -2, 2, -1, 1)  # (ζ - 1)(ζ² + 1)²

    def test_a_reciprocal_pair_off_the_circle_fails(self):
        assert not holds(-2, 7, -7, 2)  # (ζ - 1)(2ζ - 1)(ζ - 2)

    def test_roots_strictly_inside_pass(self):
        assert holds(Fraction(1, 6), Fraction(-5, 6), 1)  # (ζ - 1/2)(ζ - 1/3)

    def test_roots_at_plus_and_minus_one_with_one_inside_pass(self):
        assert holds(Fraction(1, 2), -1, Fraction(-1, 2), 1)  # (ζ² - 1)(ζ - 1/2)

    def test_a_leading_root_just_outside_fails(self):
        assert not holds(Fraction(-1001, 1000), 1)  # ζ = 1.001
