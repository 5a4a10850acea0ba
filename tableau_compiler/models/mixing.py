"""A Runge–Kutta step whose linear combinations are learned 1x1 convolutions.

Stage j's input is a 1x1 convolution of the concatenation [y, k_1, ..., k_{j-1}] (explicit
tableaus) or [y, k_1, ..., k_s] (implicit ones), initialised to y + h sum_l a_jl k_l, and
the step's output a 1x1 convolution of [y, k_1, ..., k_s] initialised to
y + h sum_i b_i k_i.  At initialisation the step *is* the scheme; training may move the
combinations away from it (the RKCNN view of a learned tableau, started at a verified one).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["LearnedMixingStep", "check_sweeps"]


def check_sweeps(sweeps: str) -> None:
    """The two orders of a fixed-point sweep, named as the compiled implicit steps name them."""
    if sweeps not in ("gauss-seidel", "jacobi"):
        raise ValueError(f"sweeps must be 'gauss-seidel' or 'jacobi', not {sweeps!r}")


def _mixer(channels: int, blocks: int) -> nn.Conv2d:
    return nn.Conv2d(channels * blocks, channels, 1, bias=False)


def _set_combination(conv: nn.Conv2d, coefficients: Sequence[float], channels: int) -> None:
    """weight[:, block l] = coefficients[l] * identity."""
    with torch.no_grad():
        conv.weight.zero_()
        eye = torch.eye(channels, dtype=conv.weight.dtype, device=conv.weight.device)
        for block, value in enumerate(coefficients):
            conv.weight[:, block * channels : (block + 1) * channels, 0, 0] = value * eye


class MixedStage(nn.Module):
    """k = f(mix(concatenation))."""

    def __init__(self, mix: nn.Conv2d, f: nn.Module) -> None:
        super().__init__()
        self.mix = mix
        self.f = f

    def forward(self, inputs: Tensor) -> Tensor:
        return self.f(self.mix(inputs))


class LearnedMixingStep(nn.Module):
    """One step with learned stage and output combinations, initialised to a tableau.

    ``fs``: one module per stage; ``a``, ``b``: the tableau (floats, e.g. a compiled
    module's ``SCHEME["floats"]``); ``channels``: the state's channel count.  Implicit
    tableaus start from k_i = f_i(y) and make ``iterations`` sweeps, Gauss–Seidel or Jacobi.
    """

    def __init__(
        self,
        fs: Sequence[nn.Module],
        a: Sequence[Sequence[float]],
        b: Sequence[float],
        channels: int,
        h: float = 1.0,
        iterations: int | None = None,
        sweeps: str = "gauss-seidel",
    ) -> None:
        super().__init__()
        s = len(b)
        if len(fs) != s or len(a) != s or any(len(row) != s for row in a):
            raise ValueError(f"a {s}-stage tableau needs {s} stage functions and an s x s A")
        check_sweeps(sweeps)
        self.explicit = all(a[i][j] == 0 for i in range(s) for j in range(i, s))
        if iterations is None:
            iterations = 0 if self.explicit else s + 1
        if not self.explicit and iterations < 1:
            raise ValueError("iterations must be at least 1")
        self.iterations = int(iterations)
        self.jacobi = sweeps == "jacobi"
        self.channels = int(channels)
        self.h = float(h)
        self.a = [[float(x) for x in row] for row in a]
        self.b = [float(x) for x in b]
        stages = []
        for j, f in enumerate(fs):
            blocks = j + 1 if self.explicit else s + 1
            stages.append(MixedStage(_mixer(channels, blocks), f))
        self.stages = nn.ModuleList(stages)
        self.output = _mixer(channels, s + 1)
        self.reset_to_tableau()

    def reset_to_tableau(self) -> None:
        """Set every combination back to the tableau's (y + h sum a_jl k_l, y + h sum b_i k_i)."""
        h, c = self.h, self.channels
        for j, stage in enumerate(self.stages):
            row = self.a[j][:j] if self.explicit else self.a[j]
            _set_combination(stage.mix, [1.0] + [h * x for x in row], c)
        _set_combination(self.output, [1.0] + [h * x for x in self.b], c)

    def forward(self, y: Tensor) -> Tensor:
        if self.explicit:
            states = [y]
            for stage in self.stages:
                states.append(stage(torch.cat(states, 1)))
            return self.output(torch.cat(states, 1))
        ks: list[Tensor] = []
        for stage in self.stages:
            ks.append(stage.f(y))
        for _ in range(self.iterations):
            if self.jacobi:
                inputs = torch.cat([y] + ks, 1)
                fresh: list[Tensor] = []
                for stage in self.stages:
                    fresh.append(stage(inputs))
                ks = fresh
            else:
                for i, stage in enumerate(self.stages):
                    ks[i] = stage(torch.cat([y] + ks, 1))
        return self.output(torch.cat([y] + ks, 1))
