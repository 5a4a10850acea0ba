"""RevNet (Gomez, Ren, Urtasun & Grosse, NeurIPS 2017) as its official code builds it for CIFAR.

A RevNet unit splits the state in two along the channels and computes

    y1 = x1 + F(x2),    y2 = x2 + G(y1),

which is one step (h = 1) of the partitioned Runge–Kutta scheme ``tableaus/revnet.toml``
(symplectic Euler on the separable system q' = f(p), p' = g(q), with q = x1, p = x2, f = F,
g = G).  Every unit that keeps the shape is the compiled step ``RevnetStep(F, G,
separable=True)`` from ``generated/revnet.py``.

Where a stage changes shape the official code (``renmengye/revnet-public``,
``resnet/models/revnet_model.py``) uses a unit that is not reversible:

    y1 = S(x1) + F(x2),    y2 = S(x2) + G(y1),

with F carrying the stride and the channel change and S the shortcut: 2x2 average pooling and
zero channel padding (basic units) or a strided 1x1 projection (bottleneck units).  That is
:class:`DownsamplingUnit`; it is not a step of the scheme (its shortcut is not the identity).

The network (``resnet_model.py``, ``cifar_configs.py``): conv3x3 to ``filters[0]`` channels,
BN, ReLU; three stages of units with strides 1, 2, 2 and ``filters[1:]`` channels (times 4
for bottleneck units); BN, ReLU, global average pooling and a linear layer.  F and G are the
pre-activation residual functions of the official code: BN-ReLU-conv3x3 (stride)-BN-ReLU-conv3x3
(basic) or BN-ReLU-conv1x1 (stride)-BN-ReLU-conv3x3-BN-ReLU-conv1x1 (bottleneck, a quarter of
the output width inside); the very first F of the network has no leading BN-ReLU (the stem
just applied them).  BN has epsilon 1e-3 as there (see :func:`~.blocks.norm` for its moving
averages).  The stem, the pool-and-pad shortcut, the head and the reversible training of the
units are the frame in :mod:`.blocks`, shared with :mod:`.hamiltonian`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from torch import Tensor, nn

from .blocks import HalvesNetwork, PoolAndPad, head, initialise, norm, reversible_units, stem
from .registry import register_model
from .schemes import generated_module, step_class

__all__ = ["DownsamplingUnit", "PoolAndPad", "RevNet", "RevnetResidual", "norm", "reversible_units"]


class RevnetResidual(nn.Module):
    """F or G: pre-activation convolutions from ``in_channels`` to ``out_channels``.

    Basic: [BN-ReLU]-conv3x3 (stride)-BN-ReLU-conv3x3.  Bottleneck: [BN-ReLU]-conv1x1
    (stride, to out/4)-BN-ReLU-conv3x3-BN-ReLU-conv1x1 (to out); the official code strides
    the first 1x1 convolution.  ``preactivate=False`` drops the leading BN-ReLU.
    Input (N, in_channels, H, W); output (N, out_channels, H / stride, W / stride).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        stride: int = 1,
        bottleneck: bool = False,
        preactivate: bool = True,
    ) -> None:
        super().__init__()
        if bottleneck:
            inner = out_channels // 4
            convs = [
                (1, in_channels, inner, stride),
                (3, inner, inner, 1),
                (1, inner, out_channels, 1),
            ]
        else:
            convs = [(3, in_channels, out_channels, stride), (3, out_channels, out_channels, 1)]
        layers: list[nn.Module] = []
        for index, (size, cin, cout, step) in enumerate(convs):
            if index > 0 or preactivate:
                layers += [norm(cin), nn.ReLU(inplace=True)]
            layers.append(nn.Conv2d(cin, cout, size, stride=step, padding=size // 2, bias=False))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class DownsamplingUnit(nn.Module):
    """The non-reversible unit where a stage changes shape: y1 = S1(x1) + F(x2),
    y2 = S2(x2) + G(y1) (``S1``, ``S2`` the shortcuts of the two halves)."""

    def __init__(self, f: nn.Module, g: nn.Module, shortcut1: nn.Module, shortcut2: nn.Module):
        super().__init__()
        self.f = f
        self.g = g
        self.shortcut1 = shortcut1
        self.shortcut2 = shortcut2

    def forward(self, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
        y1 = self.f(x2).add_(self.shortcut1(x1))  # F ends in a convolution: a fresh tensor
        y2 = self.g(y1).add_(self.shortcut2(x2))
        return y1, y2


class RevNet(HalvesNetwork):
    """RevNet for 32x32 images (see the module docstring).

    ``filters`` = (stem, stage 1, stage 2, stage 3) widths of the whole state (each half has
    half of it); bottleneck units multiply the stage widths by 4.  ``units`` per stage.
    ``h`` is the step of every reversible unit (1 in RevNet).  ``reversible`` (default True,
    as the paper trains): in training with autograd on, each run of reversible units is
    trained with the RevNet algorithm of the compiled module (``run_reversibly``: each unit's
    input rebuilt from its output by ``RevnetStep.inverse`` in the backward pass, no stored
    activations); the down-sampling units store theirs.  Input (N, in_channels, H, W),
    output (N, num_classes) logits.
    """

    def __init__(
        self,
        units: Sequence[int] = (3, 3, 3),
        filters: Sequence[int] = (32, 32, 64, 112),
        bottleneck: bool = False,
        num_classes: int = 10,
        in_channels: int = 3,
        h: float = 1.0,
        reversible: bool = True,
    ) -> None:
        super().__init__()
        if len(filters) != len(units) + 1 or min(units) < 1:
            raise ValueError("filters needs the stem width and one width per stage of units")
        self.reversible = bool(reversible)
        widths = [filters[0]] + [w * (4 if bottleneck else 1) for w in filters[1:]]
        if any(w % 2 for w in widths):
            raise ValueError("every width must be even: the state is split in two halves")
        compiled = generated_module("revnet")
        step = step_class(compiled)
        self._invertible_layers = compiled.invertible_layers
        self.stem = stem(in_channels, widths[0])
        self.half = widths[0] // 2
        blocks: list[nn.Module] = []
        for stage, count in enumerate(units):
            for index in range(count):
                first = index == 0
                cin = (widths[stage] if first else widths[stage + 1]) // 2
                cout = widths[stage + 1] // 2
                stride = 2 if first and stage > 0 else 1
                f = RevnetResidual(cin, cout, stride, bottleneck, preactivate=stage + index > 0)
                g = RevnetResidual(cout, cout, 1, bottleneck)
                if cin == cout and stride == 1:
                    blocks.append(step(f, g, h, separable=True))
                else:
                    blocks.append(
                        DownsamplingUnit(f, g, *self._shortcuts(cin, cout, stride, bottleneck))
                    )
        self.units = nn.ModuleList(blocks)
        self.head = head(widths[-1], num_classes)
        initialise(self, _truncated_normal)

    @staticmethod
    def _shortcuts(cin: int, cout: int, stride: int, bottleneck: bool) -> list[nn.Module]:
        if bottleneck:  # the official bottleneck projects each half with its own 1x1
            return [nn.Conv2d(cin, cout, 1, stride=stride, bias=False) for _ in range(2)]
        return [PoolAndPad(cin, cout, stride) for _ in range(2)]


def _truncated_normal(conv: nn.Conv2d) -> None:
    """As the official code: a normal truncated at 2 standard deviations, std
    sqrt(2 / (k * k * out)); BN and the linear layer as :func:`~.blocks.initialise`."""
    std = math.sqrt(2.0 / (conv.kernel_size[0] * conv.kernel_size[1] * conv.out_channels))
    nn.init.trunc_normal_(conv.weight, 0.0, std, -2.0 * std, 2.0 * std)


# Table 2 of Gomez et al. (2017) and cifar_configs.py: (units per stage, filters, bottleneck)
CONFIGS = {
    38: ((3, 3, 3), (32, 32, 64, 112), False),
    110: ((9, 9, 9), (32, 32, 64, 128), False),
    164: ((9, 9, 9), (32, 32, 64, 128), True),
}


def _revnet(depth: int, **kwargs: Any) -> RevNet:
    units, filters, bottleneck = CONFIGS[depth]
    kwargs.setdefault("units", units)
    kwargs.setdefault("filters", filters)
    kwargs.setdefault("bottleneck", bottleneck)
    return RevNet(**kwargs)


@register_model
def revnet38(**kwargs: Any) -> RevNet:
    """RevNet-38 (Gomez et al. 2017): 3-3-3 basic units, each reversible one the compiled revnet
    step, trained reversibly by default

    Gomez, Ren, Urtasun & Grosse (NeurIPS 2017), Table 2: 3 stages of 3 basic units (2
    convolutions in F and 2 in G), filters 32, 32, 64, 112.
    """
    return _revnet(38, **kwargs)


@register_model
def revnet110(**kwargs: Any) -> RevNet:
    """RevNet-110 (Gomez et al. 2017): 9-9-9 basic units, each reversible one the compiled
    revnet step, trained reversibly by default

    Gomez et al. (NeurIPS 2017), Table 2: 3 stages of 9 basic units, filters 32, 32, 64, 128.
    """
    return _revnet(110, **kwargs)


@register_model
def revnet164(**kwargs: Any) -> RevNet:
    """RevNet-164 (Gomez et al. 2017): 9-9-9 bottleneck units, each reversible one the compiled
    revnet step, trained reversibly by default

    Gomez et al. (NeurIPS 2017), Table 2: 3 stages of 9 bottleneck units (3 convolutions in
    F and 3 in G), filters 32, 32, 64, 128 (times 4 outside the bottlenecks).
    """
    return _revnet(164, **kwargs)
