"""Residual functions f and the stochastic controls that wrap them.

The schemes themselves come from ``generated/``; this module only holds what a step
applies f to: pre-activation convolution blocks in the styles of He et al. (2016),
LM-ResNet's official code and ResNeXt, the down-sampling shortcut, and the stochastic
training of LM-ResNet's section 4 (stochastic depth, noise injection) as wrappers of f.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = [
    "BasicBlock",
    "Bottleneck",
    "GaussianNoise",
    "GroupedBottleneck",
    "Shortcut",
    "StochasticDepth",
    "TransitionStep",
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
