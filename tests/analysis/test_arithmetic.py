"""The exact domains: each agrees with sympy's exact arithmetic."""

from fractions import Fraction

import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis.arithmetic import RationalField, SympyField, field_for
from tableau_compiler.analysis.quadratic import QuadraticField
from tableau_compiler.expression import parse_expression

rationals = st.fractions(max_denominator=10**6).filter(lambda q: abs(q) < 10**6)


def domain_of(*texts):
    field, _ = field_for([parse_expression(t) for t in texts], {})
    return field


def test_each_scheme_gets_the_smallest_domain():
    assert isinstance(domain_of("1/2", "3"), RationalField)
    assert isinstance(domain_of("1/2", "sqrt(12)/6"), QuadraticField)
    assert domain_of("sqrt(12)").d == 3  # √12 = 2√3: squares split off
    assert isinstance(domain_of("sqrt(2)", "sqrt(3)"), SympyField)  # two radicals
    assert isinstance(domain_of("pi"), SympyField)


def test_a_perfect_square_under_sqrt_is_rational_in_the_field_of_another_radical():
    field, (half_root_9_4, root_3) = field_for(
        [parse_expression("sqrt(9/4)"), parse_expression("sqrt(3)")], {}
    )
    assert isinstance(field, QuadraticField) and field.d == 3
    assert field.is_zero(half_root_9_4 - field.rational(3, 2))
    assert field.is_zero(root_3 * root_3 - field.rational(3))


@settings(max_examples=100, deadline=None)
@given(rationals, rationals, rationals, rationals, st.sampled_from([2, 3, 5, 6, 15]))
def test_quadratic_arithmetic_and_sign_agree_with_sympy(a, b, c, d, radicand):
    field = QuadraticField(radicand)
    x, y = field.element(a, b), field.element(c, d)
    root = sympy.sqrt(radicand)

    def exact(q: Fraction) -> sympy.Rational:
        return sympy.Rational(q.numerator, q.denominator)

    sx, sy = exact(a) + exact(b) * root, exact(c) + exact(d) * root
    for ours, theirs in [(x + y, sx + sy), (x - y, sx - sy), (x * y, sx * sy)]:
        assert sympy.expand(field.to_sympy(ours) - theirs) == 0
        assert field.sign(ours) == sympy.sign(theirs)
    if not field.is_zero(y):
        assert sympy.radsimp(field.to_sympy(x / y) - sx / sy) == 0
