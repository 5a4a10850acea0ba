"""Runge–Kutta order conditions: known orders of known families, decided exactly."""

from dataclasses import replace

import pytest

from tableau_compiler.analysis import analyse

from .helpers import collocation, equispaced, gauss_nodes, radau_right_nodes, tableau


@pytest.mark.parametrize("s", [1, 2, 3])
def test_gauss_legendre_with_s_stages_has_order_2s_and_stage_order_s(s):
    analysis = analyse(collocation(gauss_nodes(s), order=2 * s), full=True)
    assert analysis.order == 2 * s  # and not 2s + 1: full=True checks one order more
    assert analysis.stage_order == s
    assert analysis.classification == ("diagonally implicit" if s == 1 else "implicit")


@pytest.mark.parametrize("s", [1, 2, 3])
def test_radau_iia_with_s_stages_has_order_2s_minus_1(s):
    analysis = analyse(collocation(radau_right_nodes(s), order=2 * s - 1), full=True)
    assert analysis.order == 2 * s - 1
    assert analysis.stability.l_stable


@pytest.mark.parametrize("s, order", [(5, 6), (6, 6), (7, 8)])
def test_collocation_order_is_the_order_of_its_quadrature(s, order):
    # Closed Newton–Cotes with s points integrates degree s (s odd) or s-1 (s even) exactly,
    # and a collocation method has the order of its quadrature (HNW II.7, Thm 7.9).
    assert analyse(collocation(equispaced(s), order=order), full=True).order == order


def test_order_conditions_are_decided_up_to_order_14():
    # 14 equispaced collocation nodes: order 14, so all 53,272 conditions of order <= 14 hold.
    analysis = analyse(collocation(equispaced(14), order=14))
    assert [level.count for level in analysis.levels][-3:] == [4766, 12486, 32973]
    assert analysis.passed and analysis.order == 14


RK4 = {
    "a": [[], ["1/2"], [0, "1/2"], [0, 0, 1]],
    "b": ["1/6", "1/3", "1/3", "1/6"],
}


def test_rk4_has_order_4_exactly_with_8_conditions():
    analysis = analyse(tableau(**RK4, order=4), full=True)
    assert analysis.passed and analysis.order == 4
    assert [level.count for level in analysis.levels] == [1, 1, 2, 4, 9]
    assert [level.failed for level in analysis.levels] == [0, 0, 0, 0, 9]


def test_a_failing_condition_is_named_with_its_exact_residual():
    scheme = tableau(
        a=[[], ["1/2"], [0, "1/2"], [0, 0, 1]], b=["1/6", "1/3", "1/3", "1/6"], order=5
    )
    (failure,) = analyse(scheme).failures
    assert "order 4, claimed 5" in failure
    assert "9 of 9 conditions of order 5" in failure


def test_claiming_too_much_fails_and_a_broken_weight_fails_order_one():
    scheme = tableau(
        a=[[], ["1/2"], [0, "1/2"], [0, 0, 1]], b=["1/6", "1/3", "1/3", "1/5"], order=4
    )
    analysis = analyse(scheme)
    assert not analysis.passed and analysis.order == 0
    assert analysis.levels[0].worst_residual == "1/30"


def test_midpoint_principal_error_coefficients():
    # τ([τ²]) = (b·c² − 1/3)/2 = −1/24 and τ([[τ]]) = b·Ac − 1/6 = −1/6.
    analysis = analyse(tableau([[], ["1/2"]], [0, 1], order=2), full=True)
    assert analysis.principal_error_order == 3
    assert analysis.principal_error_norm == pytest.approx(((1 / 24) ** 2 + (1 / 6) ** 2) ** 0.5)


def test_embedded_weights_are_checked_at_their_own_order():
    heun_euler = tableau([[], [1]], ["1/2", "1/2"], b_hat=[1, 0], embedded_order=1, order=2)
    analysis = analyse(heun_euler)
    assert analysis.passed and analysis.embedded_order == 1
    overclaimed = tableau([[], [1]], ["1/2", "1/2"], b_hat=[1, 0], embedded_order=2, order=2)
    (failure,) = analyse(overclaimed).failures
    assert failure.startswith("embedded order 1, claimed 2") and "b̂·c" in failure


def test_a_written_c_that_lowers_the_order_fails_as_a_typo():
    scheme = tableau(**RK4, c=[0, "1/2", "1/2", "1/3"], order=4)
    analysis = analyse(scheme)
    assert analysis.order == 4 and analysis.written_c_order == 1  # row sums: 4, written c: 1
    assert not analysis.passed and analysis.c_differences == (4,)
    (failure,) = analysis.failures
    assert "c differs from the row sums of A at stage 4" in failure
    assert 'nodes = "row-sums"' in failure


def test_nodes_row_sums_make_the_written_c_a_record_of_the_source_and_a_warning():
    scheme = replace(tableau(**RK4, c=[0, "1/2", "1/2", "1/3"], order=4), nodes="row-sums")
    analysis = analyse(scheme)
    assert analysis.passed and analysis.order == 4  # judged with the row sums
    assert analysis.written_c_order == 1
    assert "c differs from the row sums of A at stage 4" in analysis.warnings[0]


def test_under_strict_a_written_c_that_lowers_the_order_fails_even_with_nodes_row_sums():
    scheme = replace(tableau(**RK4, c=[0, "1/2", "1/2", "1/3"], order=4), nodes="row-sums")
    (failure,) = analyse(scheme, strict=True).failures
    assert "not accepted under --strict" in failure


def test_a_written_c_that_keeps_the_order_is_a_warning_only():
    # Heun's order 1 (c_2 = 1/2 instead of 1) leaves the order-1 condition b·1 = 1 alone.
    scheme = tableau([[], [1]], ["1/2", "1/2"], c=[0, "1/2"], order=1)
    analysis = analyse(scheme, strict=True)
    assert analysis.passed and analysis.written_c_order == 1
    assert "c differs from the row sums of A at stage 2" in analysis.warnings[0]


def test_decimals_are_approximate_and_judged_against_the_tolerance():
    decimals = {
        "a": RK4["a"],
        "b": [
            "0.1666666666666667",
            "0.3333333333333333",
            "0.3333333333333333",
            "0.1666666666666667",
        ],
    }
    loose = analyse(tableau(**decimals, order=4))
    assert loose.passed and loose.tolerance == 1e-12
    # These decimals happen to meet the conditions of order 1 and 2 exactly; order 3 misses
    # by about 1e-17, inside the default tolerance and outside a tolerance of 1e-20.
    strict = analyse(tableau(**decimals, order=4, tolerance=1e-20))
    assert not strict.passed and strict.order == 2
    assert 1e-18 < strict.levels[2].largest_residual < 1e-16


def test_radicals_are_decided_in_an_algebraic_field():
    analysis = analyse(collocation(gauss_nodes(2), order=4))
    assert analysis.domain.startswith("QQ<sqrt(3)")
    assert analysis.tolerance is None


def test_pi_is_transcendental_so_a_pi_weight_cannot_sum_to_one():
    analysis = analyse(tableau([[]], ["pi/pi + pi - pi"], order=1))
    assert analysis.passed
    analysis = analyse(tableau([[], [1]], ["pi/4", "1 - pi/4"], order=2))
    assert analysis.order == 1
