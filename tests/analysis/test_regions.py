"""Parameter regions: where a scheme with symbolic coefficients has each property."""

import pytest

from tableau_compiler.analysis import analyse
from tableau_compiler.expression import parse_expression
from tableau_compiler.parsing import parse_scheme

LM_RESNET = """
name = "lm_resnet"
kind = "linear-multistep"
order = 1

[coefficients]
alpha = ["-k", "k - 1", "1"]
beta = ["0", "1", "0"]

[parameters.k]
value = "0"
learnable = true
"""


def regions(text):
    return dict(analyse(parse_scheme(text), full=True).parameter_regions.entries)


def test_lm_resnet_is_zero_stable_exactly_for_k_in_minus_one_to_one():
    found = regions(LM_RESNET)
    assert found["zero-stable"] == "-1 < k <= 1"
    assert found["step factor sigma(1)/rho'(1)"] == "1/(k + 1)"
    assert found["order >= 2"] == "k = 1"
    assert found["order >= 3"] == "no k"


def test_lm_resnet_at_its_value_is_forward_euler_like():
    analysis = analyse(parse_scheme(LM_RESNET))
    assert analysis.passed and analysis.order == 1


def test_lm_resnet_at_k_equal_one_is_leapfrog_of_order_2():
    analysis = analyse(parse_scheme(LM_RESNET.replace('value = "0"', 'value = "1"')))
    assert analysis.order == 2 and analysis.zero_stability.holds


def test_lm_resnet_outside_the_region_fails_check():
    analysis = analyse(parse_scheme(LM_RESNET.replace('value = "0"', 'value = "3/2"')))
    assert not analysis.passed
    assert any("not zero-stable" in failure for failure in analysis.failures)


def test_two_stage_explicit_family_has_order_two_for_every_nonzero_alpha():
    text = """
name = "family"
kind = "runge-kutta"
order = 2
[tableau]
a = [[], ["alpha"]]
b = ["1 - 1/(2*alpha)", "1/(2*alpha)"]
[parameters.alpha]
value = "2/3"
"""
    found = regions(text)
    assert found["order >= 2"] == "alpha ≠ 0"
    assert found["order >= 3"] == "no alpha"
    assert analyse(parse_scheme(text)).passed


def test_parameter_value_expressions_are_exact():
    assert parse_expression("1 - 1/(2*alpha)", {"alpha"}).names == {"alpha"}


# A variable-step BDF2 with step ratio w = h_n/h_(n-1) (Hairer, Nørsett & Wanner I, III.5):
# (1 + 2w)/(1 + w) y_(n+1) − (1 + w) y_n + w²/(1 + w) y_(n−1) = h_n f_(n+1).  Read as a
# fixed-step scheme it is BDF2 at w = 1; alpha_k = 0 at w = −1/2 and the coefficients divide
# by zero at w = −1.
VARIABLE_BDF2 = """
name = "variable_bdf2"
kind = "linear-multistep"
order = 2

[coefficients]
alpha = ["w^2/(1 + w)", "-(1 + w)", "(1 + 2*w)/(1 + w)"]
beta = ["0", "0", "1"]

[parameters.w]
value = "1"
"""


def test_regions_exclude_the_values_where_the_scheme_is_undefined_and_say_so():
    import sympy

    analysis = analyse(parse_scheme(VARIABLE_BDF2), full=True)
    assert analysis.passed and analysis.order == 2  # at w = 1: BDF2
    regions = analysis.parameter_regions
    found = dict(regions.entries)
    assert found["excluded"] == ("w = -1 (a coefficient divides by zero), w = -1/2 (alpha_k = 0)")
    for value in (-1, sympy.Rational(-1, 2)):
        assert value not in regions.defined_set
        assert value not in regions.zero_stable_set
        for region in regions.order_sets:
            assert value not in region
    assert "-1/2" not in found["order >= 2"] and "w = 1" in found["order >= 2"]
    assert not found["consistent (after rescaling the step)"].startswith("every")


@pytest.mark.parametrize(("value", "message"), [("-1/2", "alpha_k"), ("-1", "undefined")])
def test_the_excluded_values_are_the_ones_the_reader_refuses(value, message):
    from tableau_compiler.errors import SchemeError

    text = VARIABLE_BDF2.replace('value = "1"', f'value = "{value}"')
    with pytest.raises(SchemeError, match=message):
        analyse(parse_scheme(text))


def test_a_runge_kutta_family_lists_its_excluded_values():
    text = """
name = "family"
kind = "runge-kutta"
order = 2
[tableau]
a = [[], ["alpha"]]
b = ["1 - 1/(2*alpha)", "1/(2*alpha)"]
[parameters.alpha]
value = "2/3"
"""
    found = regions(text)
    assert found["excluded"] == "alpha = 0 (a coefficient divides by zero)"


def test_region_analysis_guesses_no_closed_form():
    # Values come from exact arithmetic only: no nsimplify (or any other guess of a
    # closed form from digits) anywhere in the analysis.
    from pathlib import Path

    import tableau_compiler.analysis as package

    sources = Path(package.__file__).parent.glob("*.py")
    for source in sources:
        text = source.read_text(encoding="utf-8")
        assert "nsimplify" not in text, source.name
        assert "limit_denominator" not in text, source.name
