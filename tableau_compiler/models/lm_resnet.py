"""ResNet and LM-ResNet (Lu, Zhong, Li & Dong, ICML 2018) as the official code builds them.

Every stage starts with a residual step whose shortcut projects where the shape changes
(:class:`~.blocks.TransitionStep`); the steps after it are the compiled scheme: forward
Euler from ``generated/euler.py`` for the ResNet baseline, the LM-architecture
u_{n+1} = (1 - k_n) u_n + k_n u_{n-1} + f_n(u_n) from ``generated/lm_resnet.py`` (or any
other compiled two-step scheme) for LM-ResNet, with the projected input as u_{n-1}.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .blocks import (
    BasicBlock,
    Bottleneck,
    GaussianNoise,
    GroupedBottleneck,
    Shortcut,
    StochasticDepth,
    TransitionStep,
    survival_probabilities,
)
from .registry import register_model
from .schemes import generated_module, net_class, step_class

__all__ = ["EulerStage", "MultistepStage", "ResidualNetwork"]

BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck, "resnext": GroupedBottleneck}


class EulerStage(nn.Module):
    """A transition step, then forward-Euler steps (the compiled ``EulerStep``)."""

    def __init__(self, first: TransitionStep, functions: Sequence[nn.Module]) -> None:
        super().__init__()
        euler = step_class(generated_module("euler"))
        self.first = first
        self.steps = nn.Sequential(*[euler(f) for f in functions])

    def forward(self, x: Tensor) -> Tensor:
        _, u = self.first(x)
        return self.steps(u)


class MultistepStage(nn.Module):
    """A transition step giving (u_{-1}, u_0), then a compiled two-step scheme's ``Net``.

    The net holds every residual function of the stage, the first one included (its step
    m = 0 is the transition, made here); ``from_history`` runs steps 1 .. len - 1.
    """

    def __init__(
        self,
        first: TransitionStep,
        functions: Sequence[nn.Module],
        scheme: str,
        constrain: bool,
        reversible: bool = False,
    ) -> None:
        super().__init__()
        module = generated_module(scheme)
        if module.SCHEME["kind"] != "linear-multistep" or module.SCHEME["steps"] != 2:
            raise ValueError(f"scheme {scheme!r} is not a two-step linear multistep scheme")
        self.first = first
        functions = [first.f, *functions]
        if reversible:  # the compiled net's RevNet algorithm (issue 14)
            if not module.SCHEME.get("inverse"):
                raise ValueError(
                    f"reversible=True needs an invertible scheme; {scheme!r} is not: "
                    f"{module.SCHEME.get('no_inverse')}"
                )
            self.net = net_class(module)(functions, constrain=constrain, reversible=True)
        else:
            self.net = net_class(module)(functions, constrain=constrain)

    def forward(self, x: Tensor) -> Tensor:
        u_prev, u = self.first(x)
        return self.net.from_history([u_prev, u])


class ResidualNetwork(nn.Module):
    """ResNet / LM-ResNet / LM-ResNeXt for 32x32 images, as LM-ResNet's official code.

    Stem conv3x3 (no BN or ReLU after it), one stage per entry of ``layers`` (strides 1,
    2, 2) whose first block is a residual step with a BN-ReLU-conv1x1 shortcut where the
    shape changes and whose other blocks are steps of ``scheme`` ("euler": ResNet;
    "lm_resnet": LM-ResNet; any compiled two-step scheme), then BN-ReLU, global average
    pooling and a linear head.

    ``k_init`` draws each learnable k_n uniformly from that interval (the official code:
    k_n in [-0.1, 0], stored as 1 - k_n in [1, 1.1]).  ``constrain=False`` (the default,
    as in the paper) leaves k_n free; ``True`` keeps it in the zero-stable interval.
    ``stochastic_depth`` scales f_n by eta_n ~ Bernoulli(p_n), p_n decaying linearly over
    all blocks from 1 to ``survival_last``; ``noise_std`` adds Gaussian noise to f_n in
    training.  ``reversible=True`` trains the multistep steps of each stage with the compiled
    net's RevNet algorithm (u_{n-1} rebuilt from u_n, u_{n+1} by dividing by k_n; a step
    whose |k_n| is too small stores its input, see the net's ``max_amplification``); it needs
    an invertible scheme and refuses stochastic depth and noise, whose recomputation would
    draw other random numbers.
    """

    def __init__(
        self,
        layers: Sequence[int] = (3, 3, 3),
        block: str = "basic",
        scheme: str = "lm_resnet",
        widths: Sequence[int] = (16, 32, 64),
        num_classes: int = 10,
        in_channels: int = 3,
        stem_width: int | None = None,
        constrain: bool = False,
        k_init: tuple[float, float] = (-0.1, 0.0),
        stochastic_depth: bool = False,
        survival_last: float = 0.8,
        noise_std: float = 0.0,
        cardinality: int = 8,
        base_width: int = 64,
        reversible: bool = False,
    ) -> None:
        super().__init__()
        if reversible and (stochastic_depth or noise_std > 0):
            raise ValueError(
                "reversible=True refuses stochastic depth and noise injection: the backward "
                "pass recomputes each step and would draw other random numbers"
            )
        if reversible and scheme == "euler":
            raise ValueError("reversible=True needs an invertible scheme; forward Euler is not")
        if block not in BLOCKS:
            raise ValueError(f"block must be one of {sorted(BLOCKS)}, not {block!r}")
        if len(layers) != len(widths) or min(layers) < 1:
            raise ValueError("layers and widths need one positive entry per stage")
        kind = BLOCKS[block]
        stem_width = widths[0] if stem_width is None else stem_width
        self.stem = nn.Conv2d(in_channels, stem_width, 3, padding=1, bias=False)
        total = sum(layers)
        survival = survival_probabilities(total, survival_last) if stochastic_depth else None
        index = 0

        def residual(channels: int, planes: int, stride: int) -> nn.Module:
            nonlocal index
            if block == "resnext":
                f: nn.Module = kind(channels, planes, stride, cardinality, base_width)
            else:
                f = kind(channels, planes, stride)
            keeps_shape = channels == planes * kind.expansion and stride == 1
            if survival is not None:
                f = StochasticDepth(f, survival[index], keeps_shape)
            if noise_std > 0:
                f = GaussianNoise(f, noise_std)
            index += 1
            return f

        stages: list[nn.Module] = []
        channels = stem_width
        for i, (count, planes) in enumerate(zip(layers, widths)):
            stride = 1 if i == 0 else 2
            out = planes * kind.expansion
            shortcut = None if channels == out and stride == 1 else Shortcut(channels, out, stride)
            first = TransitionStep(residual(channels, planes, stride), shortcut)
            rest = [residual(out, planes, 1) for _ in range(count - 1)]
            if scheme == "euler" or not rest:
                stages.append(EulerStage(first, rest))
            else:
                stages.append(MultistepStage(first, rest, scheme, constrain, reversible))
            channels = out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(channels, num_classes),
        )
        self._initialise(scheme, constrain, k_init)

    def _initialise(self, scheme: str, constrain: bool, k_init: tuple[float, float]) -> None:
        for m in self.modules():  # as the official code: He normal over fan-out, BN (1, 0)
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if scheme != "lm_resnet":
            return
        low, high = k_init
        if constrain and not -1.0 < low <= high < 1.0:
            raise ValueError("k_init must lie inside (-1, 1) when constrain=True")
        with torch.no_grad():
            for stage in self.stages:
                if isinstance(stage, MultistepStage):
                    raw = stage.net.raw_k
                    raw.uniform_(low, high)
                    if constrain:  # the net applies tanh to raw_k
                        raw.copy_(torch.atanh(raw))

    def k_values(self) -> list[Tensor]:
        """The learnable k_n of every multistep stage (empty for ResNet)."""
        return [s.net.k_values() for s in self.stages if isinstance(s, MultistepStage)]

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.stages(self.stem(x)))


def _depth_layers(depth: int, per_block: int) -> tuple[int, int, int]:
    n, remainder = divmod(depth - 2, 3 * per_block)
    if remainder or n < 1:
        raise ValueError(f"depth {depth} is not 3 * {per_block} * n + 2")
    return (n, n, n)


# The variants: ResNet-n and LM-ResNet-n with basic blocks (n = 6k + 2: 3 stages of k blocks of
# 2 convolutions, plus the stem and the head), LM-ResNet-164 with bottleneck blocks
# (164 = 9 * 18 + 2: 3 stages of 18 blocks of 3 convolutions) and LM-ResNeXt-29
# (29 = 9 * 3 + 2).  Keyword arguments override every default, ``layers`` included.


def _resnet(depth: int, **kwargs: Any) -> ResidualNetwork:
    kwargs.setdefault("layers", _depth_layers(depth, 2))
    kwargs.setdefault("scheme", "euler")
    return ResidualNetwork(**kwargs)


def _lm_resnet(depth: int, **kwargs: Any) -> ResidualNetwork:
    kwargs.setdefault("layers", _depth_layers(depth, 2))
    kwargs.setdefault("survival_last", 0.5 if depth >= 110 else 0.8)
    return ResidualNetwork(**kwargs)


@register_model
def resnet20(**kwargs: Any) -> ResidualNetwork:
    """pre-activation ResNet-20: forward Euler (the baseline)

    He, Zhang, Ren & Sun (ECCV 2016) as LM-ResNet's official code builds it: 3 stages of 3
    basic blocks, each step of a stage forward Euler (``generated/euler.py``).
    """
    return _resnet(20, **kwargs)


@register_model
def resnet32(**kwargs: Any) -> ResidualNetwork:
    """pre-activation ResNet-32: forward Euler (the baseline)

    He et al. (ECCV 2016), LM-ResNet's official code: 3 stages of 5 basic blocks.
    """
    return _resnet(32, **kwargs)


@register_model
def resnet44(**kwargs: Any) -> ResidualNetwork:
    """pre-activation ResNet-44: forward Euler (the baseline)

    He et al. (ECCV 2016), LM-ResNet's official code: 3 stages of 7 basic blocks.
    """
    return _resnet(44, **kwargs)


@register_model
def resnet56(**kwargs: Any) -> ResidualNetwork:
    """pre-activation ResNet-56: forward Euler (the baseline)

    He et al. (ECCV 2016), LM-ResNet's official code: 3 stages of 9 basic blocks.
    """
    return _resnet(56, **kwargs)


@register_model
def resnet110(**kwargs: Any) -> ResidualNetwork:
    """pre-activation ResNet-110: forward Euler (the baseline)

    He et al. (ECCV 2016), LM-ResNet's official code: 3 stages of 18 basic blocks.
    """
    return _resnet(110, **kwargs)


@register_model
def lm_resnet20(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-20: the LM-architecture, one k per block

    Lu, Zhong, Li & Dong (ICML 2018): 3 stages of 3 basic blocks, each step after the first
    of a stage one step of ``generated/lm_resnet.py``; stochastic depth (when asked for)
    down to survival 0.8.
    """
    return _lm_resnet(20, **kwargs)


@register_model
def lm_resnet32(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-32: the LM-architecture, one k per block

    Lu et al. (ICML 2018): 3 stages of 5 basic blocks; survival down to 0.8.
    """
    return _lm_resnet(32, **kwargs)


@register_model
def lm_resnet44(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-44: the LM-architecture, one k per block

    Lu et al. (ICML 2018): 3 stages of 7 basic blocks; survival down to 0.8.
    """
    return _lm_resnet(44, **kwargs)


@register_model
def lm_resnet56(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-56: the LM-architecture, one k per block

    Lu et al. (ICML 2018): 3 stages of 9 basic blocks; survival down to 0.8.
    """
    return _lm_resnet(56, **kwargs)


@register_model
def lm_resnet110(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-110: the LM-architecture, one k per block

    Lu et al. (ICML 2018): 3 stages of 18 basic blocks; survival down to 0.5.
    """
    return _lm_resnet(110, **kwargs)


@register_model
def lm_resnet164(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNet-164: bottleneck blocks (4x expansion)

    Lu et al. (ICML 2018): 3 stages of 18 bottleneck blocks (1x1, 3x3, 1x1 convolutions);
    survival down to 0.5.
    """
    kwargs.setdefault("layers", _depth_layers(164, 3))
    kwargs.setdefault("survival_last", 0.5)
    return ResidualNetwork(block="bottleneck", **kwargs)


@register_model
def lm_resnext29(**kwargs: Any) -> ResidualNetwork:
    """LM-ResNeXt-29 (8x64d): grouped-convolution bottleneck, cardinality 8

    Xie, Girshick, Dollár, Tu & He (CVPR 2017) with LM-ResNet's steps (Lu et al., ICML 2018):
    3 stages of 3 grouped bottleneck blocks, widths 64, 128, 256, cardinality 8, base width 64.
    """
    kwargs.setdefault("layers", _depth_layers(29, 3))
    kwargs.setdefault("widths", (64, 128, 256))
    kwargs.setdefault("stem_width", 64)
    return ResidualNetwork(block="resnext", **kwargs)
