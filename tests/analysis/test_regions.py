"""Parameter regions: where a scheme with symbolic coefficients has each property."""

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
    assert "not zero-stable" in analysis.failures[0]


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
