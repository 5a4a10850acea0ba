"""Architectures read as schemes (Lu, Zhong, Li & Dong, 2018): what the compiled steps compute.

PolyNet's poly-2 / poly-3 modules are backward Euler with one / two fixed-point sweeps, exactly
for a linear residual function and not for a nonlinear one; FractalNet's order-2 block is the
compiled two-stage step with one module per stage, at k_1 = k_2 = 1/2, k_3 = 1.
"""

from __future__ import annotations

import pytest

from .conftest import GENERATED, load_module, torch

nn = torch.nn


class Map(nn.Module):
    """x -> W x (linear) or tanh(W x + c)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> None:
        super().__init__()
        self.weight = weight
        self.bias = bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias is None:
            return x @ self.weight.T
        return torch.tanh(x @ self.weight.T + self.bias)


def _random(seed: int, *shape: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator, dtype=torch.float64)


@pytest.mark.parametrize("iterations", [1, 2, 3])
def test_polynet_sweeps_are_the_truncated_neumann_series_for_a_linear_f(iterations):
    module = load_module(GENERATED / "polynet.py")
    f = Map(0.3 * _random(0, 6, 6))
    x = _random(1, 4, 6)
    step = module.PolynetStep(f, iterations=iterations)
    expected, term = x.clone(), x
    for _ in range(iterations + 1):  # x + Fx + ... + F^(iterations + 1) x
        term = f(term)
        expected = expected + term
    torch.testing.assert_close(step(x), expected, rtol=0, atol=1e-13)


def test_polynet_sweep_differs_from_poly2_for_a_nonlinear_f():
    module = load_module(GENERATED / "polynet.py")
    f = Map(0.5 * _random(2, 6, 6), _random(3, 6))
    x = _random(4, 4, 6)
    sweep = module.PolynetStep(f, iterations=1)(x)
    torch.testing.assert_close(sweep, x + f(x + f(x)), rtol=0, atol=1e-13)
    assert (sweep - (x + f(x) + f(f(x)))).abs().max() > 1e-2


def test_fractalnet_step_with_two_modules_is_lu_et_al_formula():
    module = load_module(GENERATED / "fractalnet.py")
    f1 = Map(_random(5, 6, 6), _random(6, 6))
    f2 = Map(_random(7, 6, 6), _random(8, 6))
    x = _random(9, 4, 6)
    h = 0.3
    k1, k2, k3 = 0.5, 0.5, 1.0
    inner = k3 * x + h * f1(x)  # their f_1 = h f1, f_2 = (h/2) f2
    expected = k1 * x + k2 * inner + (h / 2) * f2(inner)
    got = module.FractalnetStep([f1, f2], h)(x)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-13)
