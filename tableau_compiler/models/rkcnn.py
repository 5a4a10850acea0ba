"""RKCNN (Zhu, Chang & Fu) as its official code builds it, and a tableau inside the network.

The network: a preprocessor conv3x3 (no BN), three periods of ``steps`` residual steps,
between periods a transition (BN-ReLU-conv1x1, dropout, optional squeeze-excitation
attention, 2x2 average pooling), and a multiscale postprocessor (each period's output
through BN-ReLU-global pooling, concatenated, then linear).  BN eps 1e-3, momentum 0.01.

What a step is:

* ``rkcnn_e`` / ``rkcnn_i`` / ``rkcnn_r`` -- the paper's :class:`DenseRungeKuttaStep`:
  stage j is BN-ReLU-conv1x1-BN-ReLU-conv3x3 of the concatenation [x, k_1 .. k_{j-1}], a
  learned strictly lower-triangular A in DenseNet style, and the step returns x + sum k_i
  (b and h absorbed into the weights).  RKCNN-I and RKCNN-R add update passes: stage i
  recomputed from [x, every k_j with j != i] with a second set of weights, in place
  (Gauss-Seidel) for RKCNN-I, from the previous pass (Jacobi) for RKCNN-R.
* ``rkcnn_<scheme>`` -- the scheme's own stages: ``mixing="tableau"`` is the compiled
  ``generated/<scheme>.py`` step with one stage function per stage; ``mixing="learned"``
  is :class:`~.mixing.LearnedMixingStep`, initialised to that tableau.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from .. import wording
from .mixing import LearnedMixingStep, check_sweeps
from .registry import register_model
from .schemes import generated_module, generated_names, scheme_data, step_class

__all__ = ["RKCNN", "DenseRungeKuttaStep", "StageFunction"]


def norm(channels: int) -> nn.BatchNorm2d:
    """The official code's batch norm: eps 1e-3, momentum 0.01."""
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)


class StageFunction(nn.Module):
    """One RKCNN stage: BN-ReLU-conv1x1 (bottleneck), BN-ReLU-conv3x3, dropout after each."""

    def __init__(self, in_channels: int, width: int, out_channels: int, keep_prob: float) -> None:
        super().__init__()
        drop = 1.0 - keep_prob
        self.layers = nn.Sequential(
            norm(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, width, 1, bias=False),
            nn.Dropout(drop),
            norm(width),
            nn.ReLU(inplace=True),
            nn.Conv2d(width, out_channels, 3, padding=1, bias=False),
            nn.Dropout(drop),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class ErrorEstimateOnly(nn.Module):
    """Stands in for a stage that only an error estimate uses: the network never calls it."""

    def forward(self, x: Tensor) -> Tensor:
        raise RuntimeError("this stage only feeds the error estimate, which RKCNN does not use")


class DenseRungeKuttaStep(nn.Module):
    """The official RKCNN step: stages on concatenations, optional update passes.

    ``updates`` passes (0: RKCNN-E) recompute stage i from [x, k_j for j != i] with the
    update weights; ``sweeps="gauss-seidel"`` replaces k_i at once (RKCNN-I),
    ``"jacobi"`` computes a whole pass from the previous one (RKCNN-R).
    """

    def __init__(
        self,
        channels: int,
        stages: int,
        width: int,
        updates: int = 0,
        sweeps: str = "gauss-seidel",
        keep_prob: float = 1.0,
    ) -> None:
        super().__init__()
        check_sweeps(sweeps)
        if stages < 1 or updates < 0:
            raise ValueError("a step needs at least one stage and no negative update count")
        self.stages = nn.ModuleList(
            [StageFunction(channels * (j + 1), width, channels, keep_prob) for j in range(stages)]
        )
        self.updaters = nn.ModuleList(
            [StageFunction(channels * stages, width, channels, keep_prob) for _ in range(stages)]
            if updates > 0
            else []
        )
        self.updates = int(updates)
        self.jacobi = sweeps == "jacobi"

    def forward(self, x: Tensor) -> Tensor:
        ks: list[Tensor] = []
        bottom = x
        for stage in self.stages:
            k = stage(bottom)
            ks.append(k)
            bottom = torch.cat([bottom, k], 1)
        for _ in range(self.updates):
            previous = list(ks)
            for i, updater in enumerate(self.updaters):
                source = previous if self.jacobi else ks
                inputs = [x]
                for j in range(len(source)):
                    if j != i:
                        inputs.append(source[j])
                ks[i] = updater(torch.cat(inputs, 1))
        out = x
        for k in ks:
            out = out + k
        return out


class Attention(nn.Module):
    """Squeeze-excitation: global pooling, fc to C/2, ReLU, fc to C, sigmoid, rescale."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(channels, channels // 2),
            nn.ReLU(inplace=True),
            nn.Linear(channels // 2, channels),
            nn.Sigmoid(),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x * self.gate(x)[:, :, None, None]


class Transition(nn.Module):
    """BN-ReLU-conv1x1, dropout, optional attention, then 2x2 average pooling."""

    def __init__(self, in_channels: int, out_channels: int, attention: bool, keep_prob: float):
        super().__init__()
        self.layers = nn.Sequential(
            norm(in_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(in_channels, out_channels, 1, bias=False),
            nn.Dropout(1.0 - keep_prob),
            Attention(out_channels) if attention else nn.Identity(),
            nn.AvgPool2d(2),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


class Period(nn.Module):
    """A period's steps; returns the state for the next period and its pooled features."""

    def __init__(self, steps: list[nn.Module], channels: int, pooled: bool, transition: nn.Module):
        super().__init__()
        self.steps = nn.Sequential(*steps)
        self.pooled = bool(pooled)
        self.pool = (
            nn.Sequential(
                norm(channels), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1), nn.Flatten()
            )
            if pooled
            else nn.Identity()
        )
        self.transition = transition

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        y = self.steps(x)
        return self.transition(y), self.pool(y)


StepFactory = Callable[[int, int], nn.Module]  # (period index, channels) -> step


class RKCNN(nn.Module):
    """The RKCNN network around any step; see the module docstring.

    ``bn_momentum``: the momentum of every batch normalisation's running statistics, 0.01 as
    in the official code (``pytorch_models/utils.py``: ``BatchNorm2d(dim, eps=0.001,
    momentum=0.01)``), which trains 300 epochs of 1,563 steps.  The statistics evaluation uses
    then still hold (1 - 0.01)^n of their initial values (mean 0, variance 1) after n steps:
    79 % after one epoch of digits (23 steps), so a short run tests near chance however well it
    trains; ``tabc train`` says so, and 0.1 (torch's default) suits runs of a few hundred steps.
    """

    def __init__(
        self,
        make_step: StepFactory,
        widths: Sequence[int] = (80, 80, 80),
        steps: Sequence[int] = (1, 1, 1),
        num_classes: int = 10,
        in_channels: int = 3,
        attention: bool = True,
        keep_prob: float = 0.8,
        multiscale: bool = True,
        bn_momentum: float = 0.01,
    ) -> None:
        super().__init__()
        if len(widths) != len(steps):
            raise ValueError("widths and steps need one entry per period")
        if not 0 < bn_momentum <= 1:
            raise ValueError(f"bn_momentum must be in (0, 1], not {bn_momentum!r}")
        self.preprocessor = nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)
        periods = []
        features = 0
        last = len(widths) - 1
        for i, (width, count) in enumerate(zip(widths, steps)):
            pooled = multiscale or i == last
            features += width if pooled else 0
            transition = (
                Transition(width, widths[i + 1], attention, keep_prob)
                if i < last
                else nn.Identity()
            )
            periods.append(
                Period([make_step(i, width) for _ in range(count)], width, pooled, transition)
            )
        self.periods = nn.ModuleList(periods)
        self.classifier = nn.Linear(features, num_classes)
        for m in self.modules():  # the official initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
                m.momentum = float(bn_momentum)
            elif isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
        for m in self.modules():  # learned mixing starts at its tableau, not at random
            if isinstance(m, LearnedMixingStep):
                m.reset_to_tableau()

    def forward(self, x: Tensor) -> Tensor:
        x = self.preprocessor(x)
        features: list[Tensor] = []
        for period in self.periods:
            x, pooled = period(x)
            if period.pooled:
                features.append(pooled)
        return self.classifier(torch.cat(features, 1))


def _per_period(value: int | Sequence[int], periods: int = 3) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * periods
    return tuple(value)


def _dense_rkcnn(
    widths: Sequence[int] = (80, 80, 80),
    stages: int | Sequence[int] = 5,
    steps: int | Sequence[int] = 1,
    neck: int = 1,
    updates: int = 0,
    sweeps: str = "gauss-seidel",
    keep_prob: float = 0.8,
    **kwargs: Any,
) -> RKCNN:
    """The official RKCNN: ``steps`` :class:`DenseRungeKuttaStep` of ``stages`` stages per
    period (an int for every period, or one per period), ``updates`` update passes."""
    stage_counts = _per_period(stages, len(widths))

    def make_step(period: int, channels: int) -> nn.Module:
        return DenseRungeKuttaStep(
            channels, stage_counts[period], neck * channels, updates, sweeps, keep_prob
        )

    return RKCNN(make_step, widths, _per_period(steps, len(widths)), keep_prob=keep_prob, **kwargs)


@register_model
def rkcnn_e(**kwargs: Any) -> RKCNN:
    """RKCNN-E: explicit, 5 dense stages per period, growth 80

    Zhu, Chang & Fu (RKCNN), the official code for CIFAR-10: 3 periods of one step of 5
    dense stages, growth rate 80, no update pass.
    """
    return _dense_rkcnn(**kwargs)


@register_model
def rkcnn_i(**kwargs: Any) -> RKCNN:
    """RKCNN-I: RKCNN-E plus one Gauss-Seidel update pass

    Zhu, Chang & Fu (RKCNN): RKCNN-E's 3 periods of 5 dense stages, each stage then
    recomputed once in place from the others (one Gauss-Seidel sweep).
    """
    kwargs.setdefault("updates", 1)
    return _dense_rkcnn(**kwargs)


@register_model
def rkcnn_r(**kwargs: Any) -> RKCNN:
    """RKCNN-R: RKCNN-E plus one Jacobi update pass

    Zhu, Chang & Fu (RKCNN): RKCNN-E's 3 periods of 5 dense stages, every stage then
    recomputed once from the previous pass (one Jacobi sweep).
    """
    kwargs.setdefault("updates", 1)
    kwargs.setdefault("sweeps", "jacobi")
    return _dense_rkcnn(**kwargs)


def _rkcnn_scheme(scheme: str):
    def build(
        mixing: str = "tableau",
        widths: Sequence[int] = (80, 80, 80),
        steps: int | Sequence[int] = 1,
        neck: int = 1,
        h: float = 1.0,
        iterations: int | None = None,
        sweeps: str = "gauss-seidel",
        keep_prob: float = 0.8,
        **kwargs: object,
    ) -> RKCNN:
        module = generated_module(scheme)
        data = module.SCHEME
        explicit = data["classification"] == "explicit"
        if mixing not in ("tableau", "learned"):
            raise ValueError(f"mixing must be 'tableau' or 'learned', not {mixing!r}")
        if explicit and (iterations is not None or sweeps != "gauss-seidel"):
            raise ValueError(f"{scheme} is explicit: it takes no iterations or sweeps")
        solver = {} if explicit else {"sweeps": sweeps}
        if not explicit and iterations is not None:
            solver["iterations"] = iterations

        def make_step(period: int, channels: int) -> nn.Module:
            fs = [
                StageFunction(channels, neck * channels, channels, keep_prob)
                for _ in range(data["stages"])
            ]
            if mixing == "tableau":
                # a stage that feeds only the embedded error estimate (the last stage of an
                # FSAL pair) gets no weights: the step's forward never evaluates it
                for stage in data["error_only_stages"]:
                    fs[stage - 1] = ErrorEstimateOnly()
                return step_class(module)(fs, h, **solver)
            return LearnedMixingStep(
                fs, data["floats"]["a"], data["floats"]["b"], channels, h, **solver
            )

        return RKCNN(
            make_step, widths, _per_period(steps, len(widths)), keep_prob=keep_prob, **kwargs
        )

    return build


def _register_scheme_models() -> None:
    """``rkcnn_<scheme>`` for every compiled Runge–Kutta scheme in ``generated/``: a builder
    named for the scheme, its summary the scheme's title, stages and order (each module's
    ``SCHEME`` read from its source, not imported: the module is imported when built)."""
    for name in generated_names():
        data = scheme_data(name)
        if data["kind"] != "runge-kutta":
            continue
        build = _rkcnn_scheme(name)
        build.__name__ = build.__qualname__ = f"rkcnn_{name}"
        build.__doc__ = (
            f"RKCNN network, each step {data['title']} ({wording.count(data['stages'], 'stage')}, "
            f"order {data['order']})"
        )
        register_model(build)


_register_scheme_models()
