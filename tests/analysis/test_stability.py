"""The stability function R(z) and A-/L-stability, decided exactly."""

import pytest

from tableau_compiler.analysis import analyse

from .helpers import collocation, gauss_nodes, radau_right_nodes, tableau


def stability(scheme):
    return analyse(scheme, full=True).stability


def test_rk4_stability_function_is_the_degree_4_taylor_polynomial_and_not_a_stable():
    rk4 = tableau([[], ["1/2"], [0, "1/2"], [0, 0, 1]], ["1/6", "1/3", "1/3", "1/6"], order=4)
    result = stability(rk4)
    assert result.text == "z**4/24 + z**3/6 + z**2/2 + z + 1"
    assert result.a_stable is False and result.l_stable is False


def test_backward_euler_is_l_stable():
    result = stability(tableau([[1]], [1], order=1))
    assert result.text == "(1) / (1 - z)"
    assert result.a_stable and result.l_stable


@pytest.mark.parametrize("s", [1, 2, 3])
def test_gauss_methods_are_a_stable_not_l_stable(s):
    result = stability(collocation(gauss_nodes(s), order=2 * s))
    assert result.a_stable and not result.l_stable


@pytest.mark.parametrize("s", [1, 2, 3])
def test_radau_iia_methods_are_l_stable(s):
    assert stability(collocation(radau_right_nodes(s), order=2 * s - 1)).l_stable


def test_sdirk_with_gamma_3_plus_sqrt3_over_6_is_a_stable_but_minus_is_not():
    def sdirk(gamma):
        return tableau([[gamma, 0], [f"1 - 2*({gamma})", gamma]], ["1/2", "1/2"], order=3)

    assert stability(sdirk("(3 + sqrt(3))/6")).a_stable
    assert not stability(sdirk("(3 - sqrt(3))/6")).a_stable


def test_theta_method_is_a_stable_exactly_for_theta_at_least_one_half():
    def theta(value):
        return tableau([[0, 0], [f"1 - {value}", value]], [f"1 - {value}", value], order=1)

    assert stability(theta("1/2")).a_stable
    assert stability(theta("3/4")).a_stable
    assert not stability(theta("1/4")).a_stable
