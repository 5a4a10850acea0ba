"""Residual functions f, the stochastic controls that wrap them, and the frame around units.

The schemes themselves come from ``generated/``; this module only holds what a step
applies f to: pre-activation convolution blocks in the styles of He et al. (2016),
LM-ResNet's official code and ResNeXt, the down-sampling shortcut, and the stochastic
training of LM-ResNet's section 4 (stochastic depth, noise injection) as wrappers of f.

It also holds the frame that RevNet (:mod:`.revnet`) and Chang et al.'s networks
(:mod:`.hamiltonian`) put around their units, after RevNet's official code for CIFAR
(``renmengye/revnet-public``, ``resnet/models/revnet_model.py``): the stem, the
pool-and-pad shortcut between stages, the head, the initialisation of BN and the linear
layer, and :class:`HalvesNetwork`, whose units act on the two channel halves of the state
and are trained with a compiled module's RevNet algorithm (:func:`reversible_units`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "GaussianNoise",
    "GroupedBottleneck",
    "HalvesNetwork",
    "PoolAndPad",
    "Shortcut",
    "StochasticDepth",
    "TransitionStep",
    "head",
    "initialise",
    "norm",
    "reversible_units",
    "stem",
    "survival_probabilities",
]


class BasicBlock(nn.Module):
    """BN-ReLU-conv3x3-BN-ReLU-conv3x3; the first convolution carries the stride."""

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, planes, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, padding=1, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class Bottleneck(nn.Module):
    """BN-ReLU-conv1x1, BN-ReLU-conv3x3 (stride), BN-ReLU-conv1x1 to 4x ``planes``."""

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, planes, 1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False),
            nn.BatchNorm2d(planes),
            nn.ReLU(inplace=True),
            nn.Conv2d(planes, planes * 4, 1, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class GroupedBottleneck(nn.Module):
    """ResNeXt's bottleneck, pre-activated: 1x1, grouped 3x3 (``cardinality`` groups), 1x1.

    The inner width is ``cardinality * base_width * planes / 64`` (Xie et al., 2017, for
    CIFAR: 8 x 64d gives 512 inner channels in the first stage).
    """

    expansion = 4

    def __init__(
        self,
        in_channels: int,
        planes: int,
        stride: int = 1,
        cardinality: int = 8,
        base_width: int = 64,
    ) -> None:
        super().__init__()
        inner = cardinality * base_width * planes // 64
        self.layers = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, inner, 1, bias=False),
            nn.BatchNorm2d(inner),
            nn.ReLU(inplace=True),
            nn.Conv2d(inner, inner, 3, stride=stride, padding=1, groups=cardinality, bias=False),
            nn.BatchNorm2d(inner),
            nn.ReLU(inplace=True),
            nn.Conv2d(inner, planes * 4, 1, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class Shortcut(nn.Module):
    """The projection where a stage changes shape: BN-ReLU-conv1x1 with a stride, no BN after."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm2d(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class TransitionStep(nn.Module):
    """The first block of a stage: a residual step whose shortcut may project.

    Returns ``(u_prev, u)`` with ``u_prev = P(x)`` (the shortcut, the identity when the
    shape is kept) and ``u = u_prev + f(x)``: LM-ResNet's official code carries ``P(x)``
    on as u_{n-1} for the first multistep block of the stage.  The sum is taken in place
    in f's output, so ``f`` must return a tensor of its own (not its input or a view).
    """

    def __init__(self, f: nn.Module, shortcut: nn.Module | None = None) -> None:
        super().__init__()
        self.f = f
        self.shortcut = shortcut if shortcut is not None else nn.Identity()

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        u_prev = self.shortcut(x)
        u = self.f(x)  # a fresh tensor (every f here ends in a convolution or a product)
        return u_prev, u.add_(u_prev)


def survival_probabilities(blocks: int, last: float) -> list[float]:
    """Linearly decaying survival probabilities p_0 = 1 ... p_{L-1} = ``last`` (Huang et al.)."""
    if not 0.0 < last <= 1.0:
        raise ValueError(f"the last survival probability must be in (0, 1], not {last}")
    if blocks == 1:
        return [1.0]
    return [1.0 - i / (blocks - 1) * (1.0 - last) for i in range(blocks)]


class StochasticDepth(nn.Module):
    """f(x) scaled by eta ~ Bernoulli(p) in training and by its expectation p in evaluation.

    LM-ResNet's stochastic training (Lu et al., 2018, section 4): u_{n+1} = (1 - k_n) u_n +
    k_n u_{n-1} + eta_n f_n(u_n).  One draw per forward call (per mini-batch, as Huang et
    al. drop whole blocks).  A dropped block whose output has the shape of its input is
    not computed at all; one that changes shape (the first block of a stage) is computed
    and zeroed.
    """

    def __init__(self, f: nn.Module, survival: float, keeps_shape: bool = True) -> None:
        super().__init__()
        if not 0.0 < survival <= 1.0:
            raise ValueError(f"survival probability must be in (0, 1], not {survival}")
        self.f = f
        self.survival = float(survival)
        self.keeps_shape = bool(keeps_shape)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return self.f(x) * self.survival
        if self.survival >= 1.0 or bool(torch.rand(()) < self.survival):
            return self.f(x)
        if self.keeps_shape:
            return torch.zeros_like(x)
        return self.f(x) * 0.0


class GaussianNoise(nn.Module):
    """f(x) + sigma * N(0, 1) in training, f(x) in evaluation (noise injection as control)."""

    def __init__(self, f: nn.Module, std: float) -> None:
        super().__init__()
        if std < 0:
            raise ValueError(f"noise standard deviation must not be negative, not {std}")
        self.f = f
        self.std = float(std)

    def forward(self, x: Tensor) -> Tensor:
        out = self.f(x)
        if self.training and self.std > 0:
            out = out + torch.randn_like(out) * self.std
        return out


# --------------------------------------------------------------------------- the frame


def norm(channels: int) -> nn.BatchNorm2d:
    """Batch normalisation with RevNet's official epsilon 1e-3 (``resnet_model.py``).

    Its moving averages decay by 0.99 per step there (``nnlib.py``); we keep torch's 0.9
    (momentum 0.1): at 0.99 the evaluation statistics of a short run are still mostly their
    initial values (revnet38, 4 epochs of digits, seeds 0-2: 10-19 % test accuracy, against
    95.8-96.9 % at 0.9).
    """
    return nn.BatchNorm2d(channels, eps=1e-3)


def stem(in_channels: int, width: int) -> nn.Sequential:
    """conv3x3 (no bias) to ``width`` channels, BN, ReLU.
    Input (N, in_channels, H, W); output (N, width, H, W)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
        norm(width),
        nn.ReLU(inplace=True),
    )


def head(width: int, num_classes: int) -> nn.Sequential:
    """BN, ReLU, global average pooling and a linear layer.
    Input (N, width, H, W); output (N, num_classes) logits."""
    return nn.Sequential(
        norm(width),
        nn.ReLU(inplace=True),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(width, num_classes),
    )


def initialise(model: nn.Module, convolution: Callable[[nn.Conv2d], None]) -> None:
    """Initialise every layer of ``model`` in the order of ``model.modules()``: each
    convolution by ``convolution``, BN to weight 1 and bias 0, and each linear layer as
    RevNet's official code does, uniform unit scaling U(-sqrt(3 / in), sqrt(3 / in)) with a
    zero bias."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            convolution(m)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = math.sqrt(3.0 / m.in_features)
            nn.init.uniform_(m.weight, -bound, bound)
            nn.init.zeros_(m.bias)


class PoolAndPad(nn.Module):
    """The official basic shortcut: average pooling by ``stride``, then zero channels padded
    equally on both sides from ``in_channels`` to ``out_channels`` (no parameters)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        if out_channels < in_channels or (out_channels - in_channels) % 2:
            raise ValueError("the padded shortcut needs an even channel increase")
        self.stride = int(stride)
        self.pad = (out_channels - in_channels) // 2

    def forward(self, x: Tensor) -> Tensor:
        if self.stride > 1:
            x = functional.avg_pool2d(x, self.stride, self.stride)
        if self.pad > 0:
            x = functional.pad(x, [0, 0, 0, 0, self.pad, self.pad])
        return x


def reversible_units(units: Sequence[nn.Module], state: tuple, invertible_layers) -> tuple:
    """``units`` in order on ``state``; each run of units with an ``inverse`` goes through
    ``invertible_layers`` (a compiled module's RevNet algorithm), the others run as usual."""
    run: list[nn.Module] = []
    for unit in [*units, None]:
        if unit is not None and hasattr(unit, "inverse"):
            run.append(unit)
            continue
        if run:
            state = invertible_layers(run, tuple(state))
            run = []
        if unit is not None:
            state = unit(*state)
    return tuple(state)


class HalvesNetwork(nn.Module):
    """stem, then ``units`` on the two channel halves (x1, x2) of the state, then head.

    A subclass sets ``stem``, ``units`` (an ``nn.ModuleList`` of modules mapping (x1, x2)
    to (y1, y2)), ``head``, ``half`` (the channels of x1), ``reversible`` and
    ``_invertible_layers`` (the compiled module's RevNet algorithm).  With ``reversible``,
    in training with autograd on, each run of units that have an ``inverse`` is trained
    with that algorithm (:func:`reversible_units`: no stored activations); the other units
    store theirs.  Input (N, in_channels, H, W), output (N, num_classes) logits.
    """

    @torch.jit.unused
    def _reversible_forward(self, x):  # unannotated: TorchScript reads Tensor -> Tensor
        """The units with the RevNet algorithm (``reversible`` in training)."""
        x1, x2 = x[:, : self.half], x[:, self.half :]
        x1, x2 = reversible_units(self.units, (x1, x2), self._invertible_layers)
        return torch.cat([x1, x2], 1)

    def forward(self, x: Tensor) -> Tensor:
        x = self.stem(x)
        x1, x2 = x[:, : self.half], x[:, self.half :]
        training = self.training and torch.is_grad_enabled()
        if self.reversible and training and not torch.jit.is_scripting():
            return self.head(self._reversible_forward(x))
        for unit in self.units:
            x1, x2 = unit(x1, x2)
        return self.head(torch.cat([x1, x2], 1))
