"""The Hamiltonian and midpoint networks of Chang, Meng, Haber, Ruthotto, Begert & Holtham
("Reversible Architectures for Arbitrarily Deep Residual Neural Networks", AAAI 2018).

**Hamiltonian network.**  The state is split along the channels into Y and Z, which follow
the separable Hamiltonian system

    Y' = K1^T sigma(K1 Z + b1),    Z' = -K2^T sigma(K2 Y + b2),

each right-hand side a convolution K, an activation, and the transposed convolution K^T with
the *same* weights (so the Jacobian of the system has purely imaginary eigenvalues).  Each
unit is one step of the compiled Störmer–Verlet scheme (``generated/stormer_verlet.py``,
``StormerVerletStep(f, g, h, separable=True)`` with q = Y, p = Z, f = the Y-update and g =
the Z-update): a symplectic, time-reversible, second-order step.  Chang et al. write the
staggered form Y_{j+1} = Y_j + h f(Z_j), Z_{j+1} = Z_j + h g(Y_{j+1}) (symplectic Euler, the
``revnet`` scheme); Störmer–Verlet, kick-drift-kick, is the symmetric composition of
symplectic Euler and its adjoint, half a step each.

**Midpoint network.**  Y_{j+1} = Y_{j-1} + 2h sigma(K_j Y_j + b_j) is the two-step explicit
midpoint rule, ``tableaus/leapfrog.toml`` (tabc's name; Chang et al. call *this* network
"midpoint" and give the name "leapfrog" to a second-order scheme), with the kernel
antisymmetric in block form, K = [[0, K1], [-K1^T, 0]] over the two channel halves.  Each
stage is the compiled ``LeapfrogNet`` (``generated/leapfrog.py``), started by a forward Euler
step as every compiled multistep net is.

What is simplified against the paper: the bias b of each layer is a batch normalisation after
K (its shift is b; it also normalises), sigma is ReLU, the hidden width of K equals the width
of the half state, and the network around the units is RevNet's (stem conv3x3-BN-ReLU;
between stages 2x2 average pooling and zero channel padding, not reversible; BN-ReLU, global
average pooling, linear head) with RevNet's widths.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional

from .blocks import HalvesNetwork, PoolAndPad, head, initialise, norm, stem
from .registry import register_model
from .schemes import generated_module, net_class, step_class

__all__ = ["AntisymmetricLayer", "HamiltonianLayer", "HamiltonianNetwork", "MidpointNetwork"]


def _kernel(out_channels: int, in_channels: int) -> nn.Parameter:
    weight = torch.empty(out_channels, in_channels, 3, 3)
    nn.init.kaiming_normal_(weight, mode="fan_out", nonlinearity="relu")
    return nn.Parameter(weight)


class HamiltonianLayer(nn.Module):
    """``sign * K^T relu(BN(K x))``: K a 3x3 convolution, K^T its adjoint (transposed
    convolution with the same weights).  Shape (N, C, H, W) to (N, C, H, W)."""

    def __init__(self, channels: int, negate: bool = False) -> None:
        super().__init__()
        self.weight = _kernel(channels, channels)
        self.norm = norm(channels)
        self.negate = bool(negate)

    def forward(self, x: Tensor) -> Tensor:
        z = functional.relu(self.norm(functional.conv2d(x, self.weight, padding=1)))
        out = functional.conv_transpose2d(z, self.weight, padding=1)
        return -out if self.negate else out


class AntisymmetricLayer(nn.Module):
    """``relu(BN(K y))`` with K = [[0, K1], [-K1^T, 0]] acting on the channel halves
    (y1, y2): K y = (K1 y2, -K1^T y1).  Shape (N, C, H, W) to (N, C, H, W), C even."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        if channels % 2:
            raise ValueError("the antisymmetric kernel needs an even number of channels")
        self.half = channels // 2
        self.weight = _kernel(self.half, self.half)
        self.norm = norm(channels)

    def kernel(self, y: Tensor) -> Tensor:
        """K y = (K1 y2, -K1^T y1): a linear map with K^T = -K."""
        y1, y2 = y[:, : self.half], y[:, self.half :]
        top = functional.conv2d(y2, self.weight, padding=1)
        bottom = functional.conv_transpose2d(y1, self.weight, padding=1)
        return torch.cat([top, -bottom], 1)

    def forward(self, y: Tensor) -> Tensor:
        return functional.relu(self.norm(self.kernel(y)))


class _Transition(nn.Module):
    """Between stages: each half average-pooled 2x2 and zero-padded to the next width."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.shortcut = PoolAndPad(in_channels, out_channels, 2)

    def forward(self, q: Tensor, p: Tensor) -> tuple[Tensor, Tensor]:
        return self.shortcut(q), self.shortcut(p)


class _Network(nn.Module):
    """Stem, stages, head: the frame both of Chang et al.'s networks share here."""

    def __init__(self, filters: Sequence[int], num_classes: int, in_channels: int) -> None:
        super().__init__()
        if any(w % 4 for w in filters):
            raise ValueError("every width must be a multiple of 4 (two halves, each split again)")
        self.stem = stem(in_channels, filters[0])
        self.head = head(filters[-1], num_classes)

    def _initialise(self) -> None:
        initialise(self, _kaiming)


def _kaiming(conv: nn.Conv2d) -> None:
    """He et al.'s (2015) normal, fan out, ReLU gain: std sqrt(2 / (k * k * out))."""
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")


def _check(units: Sequence[int], filters: Sequence[int], least: int) -> None:
    if len(filters) != len(units) + 1 or min(units) < least:
        raise ValueError(
            f"filters needs the stem width and one width per stage, and every stage at least "
            f"{least} unit{'s' if least > 1 else ''}"
        )


class HamiltonianNetwork(_Network, HalvesNetwork):
    """Chang et al.'s Hamiltonian network; each unit one compiled Störmer–Verlet step.

    ``filters`` = (stem, stage widths...) of the whole state (Y and Z have half each), with
    ``units`` steps of size ``h`` per stage.  ``reversible=True`` trains the steps of each
    stage with the compiled module's RevNet algorithm (each input rebuilt by
    ``StormerVerletStep.inverse``); the transitions store theirs.  Input (N, in_channels, H,
    W), output (N, num_classes) logits.
    """

    def __init__(
        self,
        units: Sequence[int] = (6, 6, 6),
        filters: Sequence[int] = (32, 32, 64, 112),
        num_classes: int = 10,
        in_channels: int = 3,
        h: float = 1.0,
        reversible: bool = False,
    ) -> None:
        super().__init__(filters, num_classes, in_channels)
        _check(units, filters, 1)
        compiled = generated_module("stormer_verlet")
        step = step_class(compiled)
        self.reversible = bool(reversible)
        self._invertible_layers = compiled.invertible_layers
        self.half = filters[0] // 2
        blocks: list[nn.Module] = []
        width = filters[0]
        for count, out in zip(units, filters[1:]):
            if out != width:
                blocks.append(_Transition(width // 2, out // 2))
            for _ in range(count):
                f = HamiltonianLayer(out // 2)  # Y' = K1^T sigma(K1 Z + b1)
                g = HamiltonianLayer(out // 2, negate=True)  # Z' = -K2^T sigma(K2 Y + b2)
                blocks.append(step(f, g, h, separable=True))
            width = out
        self.units = nn.ModuleList(blocks)  # on the halves (Y, Z): HalvesNetwork.forward
        self._initialise()


class MidpointNetwork(_Network):
    """Chang et al.'s midpoint network; each stage one compiled two-step ``LeapfrogNet``.

    ``units`` residual layers per stage (at least 2: the net's first step is its forward
    Euler starter), step ``h``.  ``reversible=True`` trains each stage's net with the
    compiled module's RevNet algorithm (``LeapfrogNet(reversible=True)``: u_{n-1} = u_{n+1} -
    2h f(u_n), no stored activations).  Input (N, in_channels, H, W), output (N, num_classes).
    """

    def __init__(
        self,
        units: Sequence[int] = (10, 10, 10),
        filters: Sequence[int] = (32, 32, 64, 112),
        num_classes: int = 10,
        in_channels: int = 3,
        h: float = 1.0,
        reversible: bool = False,
    ) -> None:
        super().__init__(filters, num_classes, in_channels)
        _check(units, filters, 2)
        net = net_class(generated_module("leapfrog"))
        stages: list[nn.Module] = []
        width = filters[0]
        for count, out in zip(units, filters[1:]):
            layers: list[nn.Module] = []
            if out != width:
                layers.append(PoolAndPad(width, out, 2))
            functions = [AntisymmetricLayer(out) for _ in range(count)]
            layers.append(net(functions, h, reversible=reversible))
            stages.append(nn.Sequential(*layers))
            width = out
        self.stages = nn.Sequential(*stages)
        self._initialise()

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.stages(self.stem(x)))


# Network depth counts convolution layers (K and K^T each) plus the stem and the head, our
# reading of the paper's names: a Hamiltonian unit holds 4 (K1, K1^T, K2, K2^T), a midpoint unit 2.
HAMILTONIAN = {74: ((6, 6, 6), (32, 32, 64, 112)), 218: ((18, 18, 18), (32, 32, 64, 128))}
MIDPOINT = {62: ((10, 10, 10), (32, 32, 64, 112)), 200: ((33, 33, 33), (32, 32, 64, 128))}


def _hamiltonian(depth: int, **kwargs: Any) -> HamiltonianNetwork:
    units, filters = HAMILTONIAN[depth]
    kwargs.setdefault("units", units)
    kwargs.setdefault("filters", filters)
    return HamiltonianNetwork(**kwargs)


def _midpoint(depth: int, **kwargs: Any) -> MidpointNetwork:
    units, filters = MIDPOINT[depth]
    kwargs.setdefault("units", units)
    kwargs.setdefault("filters", filters)
    return MidpointNetwork(**kwargs)


@register_model
def hamiltonian74(**kwargs: Any) -> HamiltonianNetwork:
    """Hamiltonian-74 (Chang et al. 2018): 6 compiled Störmer–Verlet steps per stage, K^T
    sigma(K .) on each half

    Chang, Meng, Haber, Ruthotto, Begert & Holtham (AAAI 2018): 3 stages of 6 units of 4
    convolutions (72) plus the stem and the head; filters 32, 32, 64, 112.
    """
    return _hamiltonian(74, **kwargs)


@register_model
def hamiltonian218(**kwargs: Any) -> HamiltonianNetwork:
    """Hamiltonian-218 (Chang et al. 2018): 18 compiled Störmer–Verlet steps per stage, K^T
    sigma(K .) on each half

    Chang et al. (AAAI 2018): 3 stages of 18 units of 4 convolutions (216) plus the stem and
    the head; filters 32, 32, 64, 128.
    """
    return _hamiltonian(218, **kwargs)


@register_model
def midpoint62(**kwargs: Any) -> MidpointNetwork:
    """MidPoint-62 (Chang et al. 2018): the compiled leapfrog (two-step midpoint) net, 10 layers
    per stage, antisymmetric K

    Chang et al. (AAAI 2018): 3 stages of 10 units of 2 convolutions (60) plus the stem and
    the head; filters 32, 32, 64, 112.
    """
    return _midpoint(62, **kwargs)


@register_model
def midpoint200(**kwargs: Any) -> MidpointNetwork:
    """MidPoint-200 (Chang et al. 2018): the compiled leapfrog (two-step midpoint) net, 33
    layers per stage, antisymmetric K

    Chang et al. (AAAI 2018): 3 stages of 33 units of 2 convolutions (198) plus the stem and
    the head; filters 32, 32, 64, 128.
    """
    return _midpoint(200, **kwargs)
