"""Inputs within the format but too costly to analyse are refused before any arithmetic."""

import pytest

from tableau_compiler import limits
from tableau_compiler.errors import LimitError
from tableau_compiler.parsing import parse_scheme


def explicit_tableau(stages: int, order: int, b: list[str] | None = None) -> str:
    rows = "".join("  [" + ", ".join(['"0"'] * i) + "],\n" for i in range(stages))
    weights = b or [f'"1/{stages}"'] * stages
    return (
        f'name = "big"\nkind = "runge-kutta"\norder = {order}\n\n[tableau]\na = [\n{rows}]\n'
        f"b = [{', '.join(weights)}]\n"
    )


def test_a_64_stage_tableau_claiming_order_16_is_read_and_decided_only_within_the_work_limit():
    # The claim is not an input error: the analysis decides the orders that fit the limit
    # (14 for 64 stages of small rationals) and no more; this tableau (A = 0) fails at order 2.
    from tableau_compiler.analysis import analyse
    from tableau_compiler.analysis.runge_kutta import condition_work, decidable_order

    scheme = parse_scheme(explicit_tableau(64, 16))
    assert decidable_order(64, 16) == 14
    assert condition_work(64, 14) <= limits.MAX_CONDITION_WORK < condition_work(64, 15)
    analysis = analyse(scheme)
    assert analysis.checked_order == 14 and analysis.order == 1 and not analysis.passed


def test_a_64_stage_tableau_may_claim_order_12():
    scheme = parse_scheme(explicit_tableau(64, 12))
    assert scheme.stages == 64


def test_feagins_35_stage_order_14_method_stays_within_the_work_limit():
    assert 35**2 * sum(limits.ROOTED_TREES[:15]) <= limits.MAX_CONDITION_WORK


def test_more_than_four_distinct_square_roots_are_refused_at_the_fifth():
    roots = [f'"sqrt({p})"' for p in (2, 3, 5, 7, 11)]
    with pytest.raises(LimitError) as caught:
        parse_scheme(explicit_tableau(5, 1, roots))
    assert caught.value.key_path == "tableau.b[5]"


def test_square_roots_nested_three_deep_are_refused():
    with pytest.raises(LimitError, match="nest 3 deep"):
        parse_scheme(explicit_tableau(1, 1, ['"sqrt(sqrt(sqrt(2)))"']))


def test_gauss_legendre_4_nesting_is_allowed():
    scheme = parse_scheme(explicit_tableau(1, 1, ['"sqrt(525 - 70*sqrt(30))"']))
    assert scheme.b[0].radicals()


@pytest.mark.parametrize("tolerance", ["5e-324", "1e-301", "1e308", "0.01"])
def test_a_tolerance_outside_the_documented_bounds_is_refused(tolerance):
    # 1e308 would let any approximate scheme pass any order; 5e-324 is below what the
    # certified arithmetic can be asked to resolve (it used to end in an OverflowError).
    text = explicit_tableau(1, 1, ['"1.0"']).replace(
        "order = 1", f"order = 1\ntolerance = {tolerance}"
    )
    with pytest.raises(LimitError, match="tolerance") as raised:
        parse_scheme(text)
    assert raised.value.key == ("tolerance",)
    assert f"{limits.MIN_TOLERANCE:g} and {limits.MAX_TOLERANCE:g}" in str(raised.value)


@pytest.mark.parametrize("tolerance", ["1e-300", "1e-3", "1e-12"])
def test_a_tolerance_inside_the_bounds_is_read(tolerance):
    text = explicit_tableau(1, 1, ['"1.0"']).replace(
        "order = 1", f"order = 1\ntolerance = {tolerance}"
    )
    assert parse_scheme(text).tolerance == float(tolerance)


def test_a_toml_integer_beyond_pythons_digit_limit_is_an_input_error():
    # tomllib raises ValueError (not TOMLDecodeError) for an integer of over 4,300 digits
    with pytest.raises(LimitError, match="4,300 digits"):
        parse_scheme(explicit_tableau(1, 1, ["1" * 5000]))


def _one_coefficient(text: str) -> str:
    return (
        'name = "x"\nkind = "runge-kutta"\norder = 1\n'
        f'[tableau]\na = [[], ["{text}"]]\nb = ["1", "0"]\n'
    )


@pytest.mark.parametrize("power", [20, 64])
def test_a_power_of_a_sum_of_radicals_too_large_to_expand_is_refused(power):
    # ^64 passes through C(68, 4) = 814,385 products before it reduces: minutes in sympy
    text = _one_coefficient(f"(1+sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7))^{power}")
    with pytest.raises(LimitError, match="expand to more than 10,000 terms") as raised:
        parse_scheme(text)
    assert raised.value.key == ("tableau", "a", 1, 0)


def test_the_expansion_bound_counts_the_whole_scheme_and_admits_what_is_cheap():
    assert parse_scheme(_one_coefficient("(1+sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7))^19"))  # 8,855
    many = "[" + ", ".join(['"(1+sqrt(2)+sqrt(3))^10"'] * 2) + "]"  # 66 terms each
    text = _one_coefficient("0").replace('b = ["1", "0"]', f"b = {many}")
    assert parse_scheme(text)
    entry = '"(1+sqrt(2)+sqrt(3))^30"'  # 496 terms; 28 of them below the diagonal
    rows = "".join("  [" + ", ".join([entry] * i) + "],\n" for i in range(8))
    weights = ", ".join(['"1/8"'] * 8)
    big = (
        f'name = "x"\nkind = "runge-kutta"\norder = 1\n[tableau]\na = [\n{rows}]\nb = [{weights}]\n'
    )
    with pytest.raises(LimitError, match="expand to more than"):
        parse_scheme(big)


def test_an_algebraic_field_is_named_by_its_generators():
    from tableau_compiler.analysis import analyse

    scheme = parse_scheme(_one_coefficient("(1+sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7))^4"))
    assert len(analyse(scheme).domain) < 80


def _with_parameter(value: str, b: str, bounds: str = "") -> str:
    return (
        'name = "p"\nkind = "runge-kutta"\norder = 1\n\n[parameters.k]\n'
        f'value = "{value}"\n{bounds}\n[tableau]\na = [[]]\nb = ["{b}"]\n'
    )


def test_square_roots_in_a_parameter_value_count_towards_the_radical_limit():
    # The input: a value holding 9 square roots ran for more than 300 s.
    value = " + ".join(f"sqrt({p})" for p in (2, 3, 5, 7, 11, 13, 17, 19, 23))
    with pytest.raises(LimitError, match="more than 4 distinct") as caught:
        parse_scheme(_with_parameter(value, "k/k"))
    assert caught.value.key_path == "parameters.k.value"


def test_square_roots_in_values_and_coefficients_are_counted_together():
    value = "sqrt(2) + sqrt(3) + sqrt(5)"
    with pytest.raises(LimitError, match="more than 4 distinct") as caught:
        parse_scheme(_with_parameter(value, "k*(sqrt(7) + sqrt(11))"))
    assert caught.value.key_path == "tableau.b[1]"


def test_square_roots_in_parameter_bounds_are_refused_before_they_are_evaluated():
    bounds = 'bounds = ["0", "' + " + ".join(f"sqrt({p})" for p in range(2, 12)) + '"]'
    with pytest.raises(LimitError) as caught:
        parse_scheme(_with_parameter("1", "k", bounds))
    assert caught.value.key_path == "parameters.k.bounds[2]"


def test_a_square_root_of_a_parameter_nests_as_deep_as_its_value():
    with pytest.raises(LimitError, match="nest 3 deep .* with the parameter values"):
        parse_scheme(_with_parameter("sqrt(sqrt(2))", "sqrt(k)"))
    assert parse_scheme(_with_parameter("sqrt(2)", "sqrt(k)")).parameters
