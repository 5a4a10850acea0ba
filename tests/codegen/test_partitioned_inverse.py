"""The reverse plan of a partitioned pair for separable systems (analysis/partitioned_inverse).

From (q1, p1): Q_i = q1 + h Σ (a_ij − b_j) f(P_j), P_i = p1 + h Σ (â_ij − b̂_j) g(Q_j), then
q0 = q1 − h Σ b_j f(P_j), p0 = p1 − h Σ b̂_j g(Q_j).  The plan exists for the explicit
symplectic pairs (compositions of kicks and drifts, HLW §VI.4.2) and not for an explicit pair
that is not symplectic (RK4 or Heun on both components).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis.partitioned_inverse import inverse_plan

from .partitioned_pairs import HEUN_PAIR, REVNET, RK4_PAIR, STORMER_VERLET, pair, splitting

# Ruth's third-order splitting (Ruth 1983), written drift first: the adjoint of Ruth's
# kick(1) drift(-1/24) kick(-2/3) drift(3/4) kick(2/3) drift(7/24), also of order 3
RUTH3 = splitting("ruth3", 1, ["7/24", "3/4", "-1/24"], ["2/3", "-2/3", "1"], 3)


def plan_terms(plan):
    """Each value of the plan as (name, index or None, {j: exact coefficient})."""
    return [
        (
            v.name,
            v.index,
            {
                j: Fraction(str((plan.q_values if v.name in "Qq" else plan.p_values).to_sympy(x)))
                for j, x in v.terms
            },
        )
        for v in plan.values
    ]


def test_revnet_is_undone_drift_after_kick():
    """q1 = q0 + h f(p0), p1 = p0 + h g(q1): Q1 = q1, P1 = p1 − h g(Q1) = p0, q0 = q1 − h f(P1)."""
    plan = inverse_plan(REVNET)
    assert plan_terms(plan) == [
        ("Q", 0, {}),
        ("P", 0, {0: Fraction(-1)}),
        ("q", None, {0: Fraction(-1)}),
        ("p", None, {0: Fraction(-1)}),
    ]


def test_stormer_verlet_reverse_plan_has_the_exact_differences():
    """Q2 = q1 (a_2j = b_j); P_i = p1 − h/2 g(Q2); Q1 = q1 − h/2 (f(P1) + f(P2))."""
    plan = inverse_plan(STORMER_VERLET)
    half = Fraction(-1, 2)
    assert plan_terms(plan) == [
        ("Q", 1, {}),
        ("P", 1, {1: half}),
        ("P", 0, {1: half}),
        ("Q", 0, {0: half, 1: half}),
        ("q", None, {0: half, 1: half}),
        ("p", None, {0: half, 1: half}),
    ]


def test_ruths_splitting_is_undone_in_reverse_order():
    plan = inverse_plan(RUTH3)
    assert plan is not None
    assert plan.order[:-2] == (("Q", 2), ("P", 2), ("Q", 1), ("P", 1), ("Q", 0), ("P", 0))
    # P_1 = p1 − h (d_1 + d_2 + d_3) ... only the kicks after it: â_1j − d_j = −d_j for j ≥ 1
    assert plan_terms(plan)[-3] == (
        "P",
        0,
        {0: Fraction(-2, 3), 1: Fraction(2, 3), 2: Fraction(-1)},
    )


@pytest.mark.parametrize("scheme", [RK4_PAIR, HEUN_PAIR], ids=lambda s: s.name)
def test_explicit_pairs_that_are_not_symplectic_have_no_reverse_plan(scheme):
    """With b_j ≠ 0 everywhere every Q_i reads every P_j and back: a cycle."""
    assert inverse_plan(scheme) is None


def test_only_needed_values_are_in_the_plan():
    """A stage whose weights are zero and that no needed value reads is never computed."""
    padded = pair(
        "padded", 1, ([["1", "0"], ["0", "0"]], ["1", "0"]), ([["0", "0"], ["0", "0"]], ["1", "0"])
    )
    plan = inverse_plan(padded)
    assert plan.order == (("Q", 0), ("P", 0), ("q", None), ("p", None))


fractions = st.fractions(min_value=-3, max_value=3, max_denominator=12)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(fractions, fractions), min_size=1, max_size=4))
def test_every_kick_drift_composition_has_a_reverse_plan(weights):
    """HLW §VI.4.2: a_ij = b_j (j ≤ i), â_ij = b̂_j (j < i) -- any weights."""
    drifts = [str(c) for c, _ in weights]
    kicks = [str(d) for _, d in weights]
    scheme = splitting("composition", 1, drifts, kicks)
    plan = inverse_plan(scheme)
    assert plan is not None
    for value in plan.values[:-2]:  # Q_i reads P_j for j > i, P_i reads Q_j for j >= i
        for kind, j in value.reads:
            assert j > value.index or (kind == "Q" and j == value.index)
