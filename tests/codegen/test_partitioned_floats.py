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
