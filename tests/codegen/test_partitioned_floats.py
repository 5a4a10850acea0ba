"""Every coefficient a generated partitioned step computes with is the float64 of its exact
value: a_ij, b_j, â_ij, b̂_j in the step, a_ij − b_j, â_ij − b̂_j and −b_j, −b̂_j in the
inverse (exact differences, rounded once), read back from the code the generator wrote."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .partitioned_pairs import (
    HEUN_PAIR,
    REVNET,
    RK4_PAIR,
    STORMER_VERLET,
    generated_module,
    splitting,
)
from .probe import exact_value, rounded

RUTH3 = splitting("ruth3", 1, ["7/24", "3/4", "-1/24"], ["2/3", "-2/3", "1"], 3)
ALPHA = re.compile(r"alpha=(-?)h(?: \* (-?[0-9.e+-]+))?")


def coefficients(source: str, method: str) -> list[float]:
    """The scale of every term (alpha=h * c) in one method of the generated step."""
    body = source.split(f"    def {method}(", 1)[1].split("\n    def ", 1)[0]
    found = []
    for sign, literal in ALPHA.findall(body):
        value = float(literal) if literal else 1.0
        found.append(-value if sign else value)
    return found


def exact_floats(scheme, *, inverse: bool) -> set[float]:
    """float64 of each exact coefficient of the pair (and of the inverse's differences)."""
    values = set()
    for comp in (scheme.q, scheme.p):
        a = [[exact_value(x) for x in row] for row in comp.a]
        b = [exact_value(x) for x in comp.b]
        if inverse:
            values |= {rounded(a[i][j] - b[j]) for i in range(len(b)) for j in range(len(b))}
            values |= {rounded(-x) for x in b}
        else:
            values |= {rounded(x) for row in a for x in row} | {rounded(x) for x in b}
    return values - {0.0}


@pytest.mark.parametrize(
    "scheme", [REVNET, STORMER_VERLET, RUTH3, RK4_PAIR, HEUN_PAIR], ids=lambda s: s.name
)
def test_every_coefficient_is_the_float64_of_its_exact_value(scheme, tmp_path):
    module = generated_module(scheme, tmp_path)
    source = Path(module.__file__).read_text(encoding="utf-8")
    for method in ("_separable_step", "_general_step"):
        used = coefficients(source, method)
        assert used and set(used) <= exact_floats(scheme, inverse=False), method
    if "def _separable_inverse(" in source:
        used = coefficients(source, "_separable_inverse")
        assert used and set(used) <= exact_floats(scheme, inverse=True)
        # every non-zero difference of the reverse plan is used
        from tableau_compiler.analysis.partitioned_inverse import inverse_plan

        plan = inverse_plan(scheme)
        for value in plan.values:
            values = plan.q_values if value.name in "Qq" else plan.p_values
            for _, x in value.terms:
                assert rounded(values.to_sympy(x)) in used


def test_a_fixed_parameter_under_a_root_beside_a_learnable_one_is_one_exact_literal(tmp_path):
    """q' = f(p), p' = g(q) with a11 = sqrt(j)·k − k + 1 (order 1 for any a11: Σb = Σb̂ = 1):
    the separable step's p_next = p + h g(q + h a11 f(p)) uses a11 at k's value exactly, and
    sqrt(j) of the fixed j is a number in the code, never torch.sqrt of a float."""
    import torch

    from tableau_compiler.parsing import parse_scheme

    scheme = parse_scheme(
        """
name = "rooted_pair"
kind = "partitioned-runge-kutta"
order = 1
[tableau.q]
a = [["sqrt(j)*k - k + 1"]]
b = ["1"]
[tableau.p]
a = [["0"]]
b = ["1"]
[parameters.k]
value = "3/4"
learnable = true
bounds = ["1/2", "1"]
[parameters.j]
value = "2"
"""
    )
    module = generated_module(scheme, tmp_path)
    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "torch.sqrt(" not in source
    step = module.RootedPairStep(lambda p: p, lambda q: q, h=0.5, separable=True)
    step = step.double()
    k = float(step.k_value().detach())
    a11 = 2**0.5 * k - k + 1
    q, p = torch.tensor([0.3], dtype=torch.float64), torch.tensor([-0.7], dtype=torch.float64)
    q_next, p_next = step(q, p)
    assert q_next.item() == pytest.approx(0.3 + 0.5 * -0.7, rel=1e-15)
    assert p_next.item() == pytest.approx(-0.7 + 0.5 * (0.3 + 0.5 * a11 * -0.7), rel=1e-14)
