"""Right-hand sides with known solutions, written as modules (TorchScript needs their source)."""

import math

import torch
from torch import Tensor, nn


class Logistic(nn.Module):
    """y' = y (1 - y): y(t) = 1 / (1 + (1/y0 - 1) e^{-t})."""

    def forward(self, y: Tensor) -> Tensor:
        return y * (1.0 - y)


def logistic_solution(y0: Tensor, t: float) -> Tensor:
    return 1.0 / (1.0 + (1.0 / y0 - 1.0) * math.exp(-t))


class Rotation(nn.Module):
    """A small linear layer, for gradient checks."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 3, dtype=torch.float64)

    def forward(self, y: Tensor) -> Tensor:
        return torch.tanh(self.linear(y))


ROTATION = ((-0.5, 2.0), (-2.0, -0.5))
QUADRATIC = 0.3
START = (1.0, 0.5)


class DampedRotation(nn.Module):
    """y' = M y + q y∘y, M a damped rotation: nonlinear, smooth, non-symmetric.

    Its exact solution comes from mpmath's Taylor-series integrator at 30 digits.
    (Scalar problems such as the logistic equation let the small principal error of
    optimised pairs like Dormand–Prince cancel, and the measured order drifts.)
    """

    def __init__(self, quadratic: float = QUADRATIC) -> None:
        super().__init__()
        self.quadratic = quadratic
        self.register_buffer("matrix", torch.tensor(ROTATION, dtype=torch.float64).T.contiguous())

    def forward(self, y: Tensor) -> Tensor:
        return y @ self.matrix + self.quadratic * y * y


_SOLUTIONS: dict = {}


def damped_rotation_solution(t: float, quadratic: float = QUADRATIC) -> Tensor:
    import mpmath

    if quadratic not in _SOLUTIONS:
        mpmath.mp.dps = 30
        (a, b), (c, d) = ROTATION
        q = mpmath.mpf(quadratic)

        def rhs(_, u):
            return [a * u[0] + b * u[1] + q * u[0] ** 2, c * u[0] + d * u[1] + q * u[1] ** 2]

        start = [mpmath.mpf(START[0]), mpmath.mpf(START[1])]
        _SOLUTIONS[quadratic] = mpmath.odefun(rhs, 0, start)
    return torch.tensor([float(v) for v in _SOLUTIONS[quadratic](t)], dtype=torch.float64)
