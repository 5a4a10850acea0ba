"""Whether a coefficient vanishes identically in the learnable parameters (issue 21): one
answer for the code generator, the partitioned reverse plan and the reversibility test,
decided without expanding and with bounded work."""

from __future__ import annotations

import pytest

from tableau_compiler.analysis.vanishing import (
    MAX_VANISHING_WORK,
    PI,
    degree_bound,
    evaluation_work,
    vanishes,
)
from tableau_compiler.expression import parse_expression

K = frozenset({"k", "m"})
SUM_OF_POWERS = "(1+k+k^2+k^3+k^4+k^5+k^6+k^7)^64"
FACTORED = "((1+k+k^2+k^3)*(1+k^4))^64"


def terms(*written: tuple[int, str]) -> list:
    return [(sign, parse_expression(text, K)) for sign, text in written]


def test_a_power_of_448_written_two_ways_is_identically_zero_apart():
    # 1 + k + … + k⁷ = (1 + k + k² + k³)(1 + k⁴): the difference of their 64th powers has
    # degree 448 and 4,000-bit coefficients, and is never expanded
    assert vanishes(terms((1, SUM_OF_POWERS), (-1, FACTORED)), K) is True
    assert vanishes(terms((1, SUM_OF_POWERS), (-1, "1")), K) is False


def test_rational_functions_vanish_where_they_are_defined():
    assert vanishes(terms((1, "1/(1+k) - (1-k)/(1-k^2)")), K) is True
    assert vanishes(terms((1, "k/(k-m) + m/(m-k) - 1")), K) is True
    assert vanishes(terms((1, "k/(k-m) + m/(m-k)")), K) is False


def test_pi_is_a_variable_and_square_roots_of_constants_are_exact():
    assert vanishes(terms((1, "(pi*k + 1)^2 - pi^2*k^2 - 2*pi*k - 1")), K) is True
    assert vanishes(terms((1, "(pi*k + 1)^2 - pi^2*k^2 - 2*pi*k")), K) is False
    assert vanishes(terms((1, "(sqrt(2)*k)^2 - 2*k^2")), K) is True
    assert vanishes(terms((1, "(sqrt(2)*k)^2 - 3*k^2")), K) is False


def test_fixed_parameters_enter_at_their_values():
    scheme_terms = terms((1, "k*m"), (-1, "k/2"))
    assert vanishes(scheme_terms, {"k"}, {"m": parse_expression("1/2")}) is True
    assert vanishes(scheme_terms, {"k"}, {"m": parse_expression("1/3")}) is False


def test_the_degree_is_read_from_the_tree_without_expanding():
    nested = parse_expression("((1+k)^64)^64 / (k^3 + m)", K).tree
    assert degree_bound(nested, {"k"}).numerator == 4096
    assert degree_bound(nested, {"k"}).denominator == 3
    assert degree_bound(nested, {"k", "m"}).denominator == 3
    assert degree_bound(parse_expression("pi^5*k", K).tree, {PI}).numerator == 5


def test_beyond_the_work_limit_the_answer_is_undecided_not_a_hang():
    # degree 64^4 in k: a grid of 16.8 million points of 16 million bits each
    nested = "(((1+k)^64)^64)^64"
    written = terms((1, nested), (-1, f"({nested})*(1 + k - k)"))
    _, work = evaluation_work(written[1][1].tree, ["k"])
    assert work > MAX_VANISHING_WORK
    assert vanishes(written, K) is None
    # a non-zero one of the same size is shown non-zero at one point modulo a prime
    assert vanishes(terms((1, nested), (-1, "1")), K) is False
    # written twice the same way: cancels as written
    assert vanishes(terms((1, nested), (-1, nested)), K) is True


def test_a_square_root_of_a_learnable_parameter_is_undecided():
    assert vanishes(terms((1, "sqrt(k)^2 - k")), K) is None
    with pytest.raises(ValueError):
        degree_bound(parse_expression("sqrt(k)", K).tree, {"k"})
