"""Float residuals with rigorous error bounds (analysis/certified.py) against exact rationals.

The bound is a theorem (running error analysis, Higham §3): for every tree, the exact residual
of the written decimals lies within ``errors[t]`` of the computed one.  These tests break it
on purpose: random decimal tableaus with large entries, residuals one unit in the last digit
either side of the tolerance, and the published Feagin tableaus whose rows sum |a_ij| to 5,000.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import flint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.arithmetic import RationalField
from tableau_compiler.analysis.certified import float_residuals
from tableau_compiler.analysis.order import elementary_weights
from tableau_compiler.analysis.rooted_trees import TREES
from tableau_compiler.analysis.runge_kutta import convert_tableau, parameter_values
from tableau_compiler.parsing import load_scheme, parse_scheme

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "benchmarks" / "calibration"


def exact_residuals(a, b, order, leaf=None):
    phi = elementary_weights(RationalField(), a, order, leaf)
    return [Fraction(int(r.p), int(r.q)) for r in phi.residuals(b, TREES.up_to(order))]


def decimal(digits: int):
    return st.integers(-(10**digits), 10**digits).map(lambda n: flint.fmpq(n, 10 ** (digits - 1)))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 7).flatmap(
        lambda s: st.tuples(
            st.lists(st.lists(decimal(20), min_size=s, max_size=s), min_size=s, max_size=s),
            st.lists(decimal(20), min_size=s, max_size=s),
        )
    ),
    st.booleans(),
)
def test_every_exact_residual_lies_within_the_bound_of_the_computed_one(tableau, explicit):
    a, b = tableau
    if explicit:
        a = [[x if j < i else flint.fmpq(0) for j, x in enumerate(row)] for i, row in enumerate(a)]
    (found,) = float_residuals(a, [b], 6, tolerance=1e-3) or pytest.skip("not decided")
    for t, exact in enumerate(exact_residuals(a, b, 6)):
        assert abs(Fraction(*found.values[t].as_integer_ratio()) - exact) <= Fraction(
            *found.errors[t].as_integer_ratio()
        )


@pytest.mark.parametrize("name", ["feagin10", "feagin12", "feagin14"])
def test_feagin_residuals_are_bounded_and_the_bounds_decide_the_claimed_order(name):
    scheme = load_scheme(CALIBRATION / f"{name}.toml")
    _, a, b, _, _ = convert_tableau(scheme, parameter_values(scheme))
    (found,) = float_residuals(a, [b], scheme.order, scheme.effective_tolerance)
    assert found.holds(scheme.effective_tolerance).all()
    if name == "feagin10":  # the exact residuals of 17 stages to order 10 take a second
        for t, exact in enumerate(exact_residuals(a, b, scheme.order)):
            assert abs(Fraction(*found.values[t].as_integer_ratio()) - exact) <= Fraction(
                *found.errors[t].as_integer_ratio()
            )


def two_stage(b1: str, tolerance: str) -> str:
    return (
        'name = "near"\nkind = "runge-kutta"\norder = 1\n'
        f'tolerance = {tolerance}\n[tableau]\na = [[], ["0.5"]]\nb = ["{b1}", "0.5"]\n'
    )


@pytest.mark.parametrize(
    ("b1", "holds"),
    [
        ("0.500000000001", True),  # Σb − 1 = 1e-12: at the tolerance, holds
        ("0.5000000000010000000000000000001", False),  # one unit in the 31st digit above
        ("0.4999999999989999999999999999999", False),
        ("0.4999999999990000000000000000001", True),
    ],
)
def test_a_residual_one_unit_in_the_last_digit_from_the_tolerance_is_judged_exactly(b1, holds):
    scheme = parse_scheme(two_stage(b1, "1e-12"))
    analysis = analyse(scheme)
    assert analysis.levels[0].holds is holds
    assert (analysis.order == 1) is holds
    # the float path proves the verdict, or leaves it to the balls: never the wrong one
    _, a, b, _, _ = convert_tableau(scheme, parameter_values(scheme))
    found = float_residuals(a, [b], 1, 1e-12)
    if found is not None:
        assert bool(found[0].holds(1e-12)[0]) is holds
        assert bool(found[0].fails(1e-12)[0]) is not holds


@pytest.mark.parametrize("path", sorted(CALIBRATION.glob("*.toml")), ids=lambda p: p.stem)
def test_calibration_schemes_reach_their_published_order_and_fail_the_next(path):
    scheme = load_scheme(path)
    if "as_published" in path.stem or getattr(scheme, "stages", 0) > 30:
        pytest.skip("a typo kept on purpose, or checked in the Feagin test above")
    analysis = analyse(scheme)
    assert analysis.order == scheme.order, analysis.failures
    text = path.read_text(encoding="utf-8").replace(
        f"order = {scheme.order}\n", f"order = {scheme.order + 1}\n", 1
    )
    higher = analyse(parse_scheme(text))
    assert higher.order == scheme.order
    assert not getattr(higher, "undecided", ""), higher.undecided


def _strict(constant: str):
    raise AssertionError(f"non-standard JSON literal {constant}")


@pytest.mark.parametrize(
    "path",
    sorted(CALIBRATION.glob("*.toml")) + sorted((ROOT / "tableaus").glob("*.toml")),
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_info_of_every_calibration_and_library_scheme_is_strict_json_with_no_error(path):
    """What ``tabc info --format json`` prints for each published scheme (in-process: the
    same functions): no exception, and JSON without NaN or Infinity."""
    import json

    from tableau_compiler.report import info_text, to_dict

    analysis = analyse(load_scheme(path), full=True)
    text = json.dumps(to_dict(analysis), ensure_ascii=False)
    json.loads(text, parse_constant=_strict)
    assert info_text(analysis)


def test_an_upper_bound_is_rounded_up_and_printed_as_one():
    from tableau_compiler.analysis.values import Value

    bound = Value.upper_bound(2.01e-14)
    assert bound.decimal(3) == "< 2.1e-14" and abs(bound).decimal(3) == "< 2.1e-14"
    assert bound.magnitude >= 2.01e-14 and not bound.zero


def test_check_of_feagin_14_reports_bounds_where_no_digit_is_certified():
    analysis = analyse(load_scheme(CALIBRATION / "feagin14.toml"))
    assert analysis.order == 14 and analysis.passed
    assert all(level.worst.bound and level.largest_residual < 1e-12 for level in analysis.levels)
