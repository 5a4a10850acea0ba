"""Partitioned right-hand sides for the generated partitioned steps, as modules (TorchScript
needs their source): the pendulum H = p²/2 − cos q (separable: q' = p, p' = −sin q) and a
non-separable partitioned system, with references from mpmath's Taylor-series integrator at
30 digits."""

import torch
from torch import Tensor, nn


class Velocity(nn.Module):
    """f(p) = ∂H/∂p = p."""

    def forward(self, p: Tensor) -> Tensor:
        return p * 1.0


class Force(nn.Module):
    """g(q) = −∂H/∂q = −sin q."""

    def forward(self, q: Tensor) -> Tensor:
        return -torch.sin(q)


class CoupledVelocity(nn.Module):
    """f(q, p) = p (1 + q/5): q' depends on both components."""

    def forward(self, q: Tensor, p: Tensor) -> Tensor:
        return p * (1.0 + 0.2 * q)


class CoupledForce(nn.Module):
    """g(q, p) = −sin q − p q/10."""

    def forward(self, q: Tensor, p: Tensor) -> Tensor:
        return -torch.sin(q) - 0.1 * p * q


START = (1.0, 0.5)


def energy(q: Tensor, p: Tensor) -> Tensor:
    return 0.5 * p * p - torch.cos(q)


_SOLUTIONS: dict = {}


def reference(t: float, coupled: bool) -> tuple[float, float]:
    """(q(t), p(t)) from START, by mpmath.odefun at 30 digits."""
    import mpmath

    if coupled not in _SOLUTIONS:
        mpmath.mp.dps = 30

        def rhs(_, u):
            q, p = u
            if coupled:
                return [p * (1 + q / 5), -mpmath.sin(q) - p * q / 10]
            return [p, -mpmath.sin(q)]

        _SOLUTIONS[coupled] = mpmath.odefun(rhs, 0, [mpmath.mpf(START[0]), mpmath.mpf(START[1])])
    q, p = _SOLUTIONS[coupled](t)
    return float(q), float(p)
