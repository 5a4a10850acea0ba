"""``tabc inspect``: what a trained network learned, read back as a numerical scheme.

Two kinds of networks carry learned scheme coefficients:

* **LM networks** (LM-ResNet, Lu, Zhong, Li & Dong, ICML 2018, and any compiled two-step
  scheme with a learnable parameter): u_{n+1} = (1 − k_n) u_n + k_n u_{n−1} + f_n(u_n),
  one k_n per block.  Each block's learned step is the linear multistep scheme at
  k = k_n, where k_n is taken as the exact rational of its float: consistency (and the step
  factor σ(1)/ρ'(1) that makes it consistent), order and zero-stability (the root
  condition) are decided exactly by :func:`~tableau_compiler.analysis.multistep.analyse_multistep`.
  The LM-ResNet paper observes learned k_n outside the zero-stable interval; here a user
  sees it for their own run.
* **Learned-mixing RKCNN steps** (:class:`~tableau_compiler.models.mixing.LearnedMixingStep`):
  every stage input and the step's output are 1x1 convolutions of [y, k_1, ..., k_s] that
  start at y + h Σ a_jl k_l and y + h Σ b_i k_i.  For each step: how far the combinations
  moved, ‖W − W₀‖_F / ‖W₀‖_F over all of them (W₀ the tableau's); the nearest scalar
  tableau, each C×C block W_l replaced by its least-squares multiple of the identity,
  tr(W_l)/C (divided by h for the k-blocks, so that it reads as A and b); and the order
  conditions that tableau still meets (rooted trees, HNW I.II.2), to a tolerance, in
  exact arithmetic on the rationals of its floats.  The identity's own coefficient
  (1 for a Runge–Kutta step) is reported beside it.

:func:`read_network` works on a live network (``tabc train`` writes it into
``summary.json``); :func:`inspect_run` rebuilds the network of a run directory or
checkpoint from its recipe (a registry model, or the scheme file it was trained on,
recompiled) and loads the weights with ``weights_only=True``: no code from the run is run.
"""

from __future__ import annotations

import ast
import math
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import TrainingError
from ..wording import count
from .checkpoint import CHECKPOINT_NAME, _check_model, _failure, load_checkpoint
from .files import printable

__all__ = [
    "DEFAULT_TOLERANCE",
    "MixingStep",
    "MultistepBlock",
    "NetworkReading",
    "inspect_run",
    "read_network",
]

DEFAULT_TOLERANCE = 1e-6
"""Residual under which an order condition of a learned tableau counts as met: above the
rounding of float32 weights (about 6e-8 relative), far below what training moves."""

DATA_SHAPES = {"digits": (1, 10), "cifar10": (3, 10), "synthetic": (3, 10)}
"""(input channels, classes) of each data set :func:`.data.load_data` provides."""


# --------------------------------------------------------------------------- LM networks


@dataclass(frozen=True)
class MultistepBlock:
    """One block's learned step: the scheme at the learned parameter values."""

    index: int
    """1-based over the whole network (k_1, k_2, ...)."""
    module: str
    """The module path of the multistep net and the step in it (``stages.1.net`` step 2)."""
    step: int
    scheme: str
    values: dict[str, float]
    """The learned parameter values (the float the network computes with)."""
    consistent: bool
    consistency: str
    step_factor: str | None
    """σ(1)/ρ'(1) exactly when the step needs rescaling (None when it does not)."""
    step_factor_value: float | None
    order: int
    zero_stable: bool
    zero_stability: str
    """Why not, or "" when zero-stable."""

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "module": self.module,
            "step": self.step,
            "scheme": self.scheme,
            "values": self.values,
            "consistent": self.consistent,
            "consistency": self.consistency,
            "step_factor": self.step_factor,
            "step_factor_value": self.step_factor_value,
            "order": self.order,
            "zero_stable": self.zero_stable,
            "zero_stability": self.zero_stability,
        }


def _exact(value: float) -> str:
    """The exact rational a float denotes, as the coefficient grammar reads it."""
    fraction = Fraction(value)
    return str(fraction.numerator) if fraction.denominator == 1 else str(fraction)


def _scheme_data(module: nn.Module) -> dict[str, Any] | None:
    """The ``SCHEME`` of the compiled multistep module that defined ``module``'s class,
    when it has learnable parameters."""
    data = getattr(sys.modules.get(type(module).__module__), "SCHEME", None)
    if not isinstance(data, dict) or data.get("kind") != "linear-multistep":
        return None
    if not hasattr(module, "from_history"):
        return None
    learnable = [n for n, p in data.get("parameters", {}).items() if p.get("learnable")]
    return data if learnable else None


def _multistep_scheme(data: dict[str, Any], values: dict[str, float]):
    """The :class:`MultistepScheme` of ``data`` with the parameters at ``values`` (exactly
    the rationals of the floats; other parameters at their written values)."""
    from ..expression import parse_expression
    from ..scheme import MultistepScheme, Parameter

    names = frozenset(data["parameters"])
    parameters = []
    for name, spec in data["parameters"].items():
        text = _exact(values[name]) if name in values else str(spec["value"])
        parameters.append(Parameter(name=name, value=parse_expression(text)))
    return MultistepScheme(
        name=str(data["name"]),
        order=int(data["order"]),
        alpha=tuple(parse_expression(str(x), names) for x in data["alpha"]),
        beta=tuple(parse_expression(str(x), names) for x in data["beta"]),
        parameters=tuple(parameters),
    )


def _zero_stable_region(data: dict[str, Any]) -> str:
    """The parameter region where the scheme is zero-stable (``-1 < k <= 1``), or ""."""
    from ..analysis.regions import multistep_regions
    from ..expression import parse_expression
    from ..scheme import MultistepScheme, Parameter

    names = frozenset(data["parameters"])
    scheme = MultistepScheme(
        name=str(data["name"]),
        order=int(data["order"]),
        alpha=tuple(parse_expression(str(x), names) for x in data["alpha"]),
        beta=tuple(parse_expression(str(x), names) for x in data["beta"]),
        parameters=tuple(
            Parameter(name=n, value=parse_expression(str(p["value"])), learnable=True)
            for n, p in data["parameters"].items()
        ),
    )
    try:
        regions = multistep_regions(scheme)
    except Exception:  # noqa: BLE001 - a region beyond the analysis is simply not shown
        return ""
    return str(dict(regions.entries).get("zero-stable", ""))


def _multistep_blocks(network: nn.Module) -> tuple[list[MultistepBlock], dict[str, str]]:
    from ..analysis.multistep import analyse_multistep

    blocks: list[MultistepBlock] = []
    regions: dict[str, str] = {}
    for path, module in network.named_modules():
        data = _scheme_data(module)
        if data is None:
            continue
        learnable = [n for n, p in data["parameters"].items() if p.get("learnable")]
        columns = {}
        for name in learnable:
            values = getattr(module, f"{name}_values", None)
            if values is None:
                break
            with torch.no_grad():
                columns[name] = [float(v) for v in values().detach().double().cpu()]
        else:
            scheme_name = str(data["name"])
            if scheme_name not in regions:
                regions[scheme_name] = _zero_stable_region(data)
            steps = len(next(iter(columns.values()))) if columns else 0
            for position in range(steps):
                values = {name: column[position] for name, column in columns.items()}
                if not all(math.isfinite(v) for v in values.values()):  # a diverged run
                    blocks.append(
                        MultistepBlock(
                            index=len(blocks) + 1, module=path, step=position + 1,
                            scheme=scheme_name, values=values, consistent=False,
                            consistency="a learned value is not a finite number",
                            step_factor=None, step_factor_value=None, order=0,
                            zero_stable=False,
                            zero_stability="a learned value is not a finite number",
                        )
                    )  # fmt: skip
                    continue
                analysis = analyse_multistep(_multistep_scheme(data, values))
                factor_value = None
                if analysis.step_factor is not None:
                    factor_value = float(Fraction(analysis.step_factor))
                stability = analysis.zero_stability
                blocks.append(
                    MultistepBlock(
                        index=len(blocks) + 1,
                        module=path,
                        step=position + 1,
                        scheme=scheme_name,
                        values=values,
                        consistent=analysis.consistent,
                        consistency=analysis.consistency,
                        step_factor=analysis.step_factor,
                        step_factor_value=factor_value,
                        order=analysis.order,
                        zero_stable=bool(stability.holds),
                        zero_stability="" if stability.holds else str(stability.reason),
                    )
                )
    return blocks, regions


# --------------------------------------------------------------------------- learned mixing


@dataclass(frozen=True)
class OrderLevel:
    order: int
    conditions: int
    failed: int
    largest_residual: float
    worst_condition: str

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "conditions": self.conditions,
            "failed": self.failed,
            "largest_residual": self.largest_residual,
            "worst_condition": self.worst_condition,
        }


@dataclass(frozen=True)
class MixingStep:
    """One learned-mixing step read back as a tableau."""

    index: int
    module: str
    stages: int
    explicit: bool
    initial_order: int
    """The order of the tableau it started at (its float64 values, to 1e-12)."""
    moved: float
    """‖W − W₀‖_F / ‖W₀‖_F over every combination of the step."""
    moved_per_combination: tuple[float, ...]
    """The same for each stage's combination, then the output's."""
    a: tuple[tuple[float, ...], ...]
    """The nearest scalar tableau: tr(W_jl) / (C h)."""
    b: tuple[float, ...]
    identity: tuple[float, ...]
    """tr(W_j0) / C, the coefficient of y in each stage input and in the output (1 in a
    Runge–Kutta step)."""
    order: int
    """The largest p whose conditions all hold to the tolerance (0: not even Σ b_i = 1)."""
    levels: tuple[OrderLevel, ...]
    tolerance: float

    @property
    def identity_deviation(self) -> float:
        return max(abs(x - 1.0) for x in self.identity)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "module": self.module,
            "stages": self.stages,
            "explicit": self.explicit,
            "initial_order": self.initial_order,
            "moved": self.moved,
            "moved_per_combination": list(self.moved_per_combination),
            "nearest_scalar_tableau": {"a": [list(r) for r in self.a], "b": list(self.b)},
            "identity_coefficients": list(self.identity),
            "identity_deviation": self.identity_deviation,
            "order": self.order,
            "tolerance": self.tolerance,
            "levels": [level.to_json() for level in self.levels],
        }


def _combinations(step: nn.Module) -> list[tuple[torch.Tensor, list[float]]]:
    """(learned weight as (C, C·blocks), the coefficients it started at) for each stage, then
    the output (see :meth:`LearnedMixingStep.reset_to_tableau`)."""
    h = step.h
    found = []
    for j, stage in enumerate(step.stages):
        row = step.a[j][:j] if step.explicit else step.a[j]
        found.append((stage.mix.weight, [1.0] + [h * x for x in row]))
    found.append((step.output.weight, [1.0] + [h * x for x in step.b]))
    return [(w.detach().double().cpu()[:, :, 0, 0], coefficients) for w, coefficients in found]


def _scalar_blocks(weight: torch.Tensor, channels: int) -> list[float]:
    """The least-squares multiple of the identity of each C×C block: tr(W_l) / C."""
    blocks = weight.shape[1] // channels
    return [
        float(torch.diagonal(weight[:, l * channels : (l + 1) * channels]).sum()) / channels
        for l in range(blocks)
    ]


def _order_levels(
    a: list[list[float]], b: list[float], max_order: int, tolerance: float
) -> list[Any]:
    from ..analysis.arithmetic import RationalField
    from ..analysis.order import elementary_weights, order_levels

    field_ = RationalField()
    exact_a = [field_.convert([Fraction(x) for x in row]) for row in a]
    exact_b = field_.convert([Fraction(x) for x in b])
    phi = elementary_weights(field_, exact_a, max_order)
    return order_levels(field_, exact_b, phi, max_order, tolerance)


def _mixing_step(index: int, path: str, step: nn.Module, tolerance: float) -> MixingStep:
    from ..analysis.order import achieved_order
    from ..analysis.runge_kutta import decidable_order

    channels, h, s = step.channels, step.h, len(step.b)
    moved_squares, initial_squares, per_combination = 0.0, 0.0, []
    a = [[0.0] * s for _ in range(s)]
    b = [0.0] * s
    identity = []
    for j, (weight, coefficients) in enumerate(_combinations(step)):
        eye = torch.eye(channels, dtype=torch.float64)
        initial = torch.cat([c * eye for c in coefficients], 1)
        moved = float(torch.linalg.norm(weight - initial)) ** 2
        start = float(torch.linalg.norm(initial)) ** 2
        moved_squares, initial_squares = moved_squares + moved, initial_squares + start
        per_combination.append((moved / start) ** 0.5)
        scalars = _scalar_blocks(weight, channels)
        identity.append(scalars[0])
        if j < s:
            for column, value in enumerate(scalars[1:]):
                a[j][column] = value / h
        else:
            b = [value / h for value in scalars[1:]]
    # the order of the tableau it started at bounds the orders worth checking
    highest = decidable_order(s, 12)
    initial_levels = _order_levels(step.a, step.b, highest, 1e-12)
    initial_order = achieved_order(initial_levels)
    depth = min(highest, initial_order + 1)
    finite = all(math.isfinite(x) for x in (*b, *identity, *(x for row in a for x in row)))
    levels = _order_levels(a, b, depth, tolerance) if finite else []  # a diverged run: none
    return MixingStep(
        index=index,
        module=path,
        stages=s,
        explicit=bool(step.explicit),
        initial_order=initial_order,
        moved=(moved_squares / initial_squares) ** 0.5,
        moved_per_combination=tuple(per_combination),
        a=tuple(tuple(row) for row in a),
        b=tuple(b),
        identity=tuple(identity),
        order=achieved_order(levels),
        levels=tuple(
            OrderLevel(
                order=level.order,
                conditions=level.count,
                failed=level.failed,
                largest_residual=level.largest_residual,
                worst_condition=level.worst_condition,
            )
            for level in levels
        ),
        tolerance=tolerance,
    )


def _mixing_steps(network: nn.Module, tolerance: float) -> list[MixingStep]:
    from ..models.mixing import LearnedMixingStep

    steps = []
    for path, module in network.named_modules():
        if isinstance(module, LearnedMixingStep):
            steps.append(_mixing_step(len(steps) + 1, path, module, tolerance))
    return steps


# --------------------------------------------------------------------------- the reading


@dataclass(frozen=True)
class NetworkReading:
    """What :func:`read_network` found: LM blocks and learned-mixing steps (either may be
    empty: a plain ResNet has neither)."""

    model: str
    blocks: tuple[MultistepBlock, ...] = ()
    zero_stable_regions: dict[str, str] = field(default_factory=dict)
    """scheme name -> the parameter region where it is zero-stable (``-1 < k <= 1``)."""
    mixing: tuple[MixingStep, ...] = ()
    source: str = ""
    epoch: int | None = None

    @property
    def empty(self) -> bool:
        return not self.blocks and not self.mixing

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"model": self.model}
        if self.source:
            out["source"] = self.source
        if self.epoch is not None:
            out["epoch"] = self.epoch
        if self.blocks:
            out["multistep"] = {
                "zero_stable_regions": self.zero_stable_regions,
                "blocks": [block.to_json() for block in self.blocks],
                "zero_stable_blocks": sum(block.zero_stable for block in self.blocks),
            }
        if self.mixing:
            out["learned_mixing"] = [step.to_json() for step in self.mixing]
        if self.empty:
            out["note"] = "no learned scheme coefficients (no LM blocks, no learned mixing)"
        return out

    def lines(self) -> list[str]:
        head = f"{self.model}"
        if self.epoch is not None:
            head += f" after epoch {self.epoch}"
        if self.source:
            head += f" ({self.source})"
        out = [head]
        if self.empty:
            out.append("  no learned scheme coefficients: no LM blocks, no learned mixing")
        if self.blocks:
            stable = sum(block.zero_stable for block in self.blocks)
            out.append(
                f"  linear multistep blocks: {len(self.blocks)}, zero-stable {stable} of "
                f"{len(self.blocks)}"
            )
            for name, region in self.zero_stable_regions.items():
                if region:
                    out.append(f"  {name} is zero-stable for {region}")
            out.append("    k_n  block                      value        zero-stable  step factor")
            for block in self.blocks:
                (name, value), *_ = block.values.items()
                where = f"{block.module}[{block.step}]"
                zero = "yes" if block.zero_stable else "NO"
                factor = "1" if block.step_factor is None else f"{block.step_factor_value:.6g}"
                if not block.consistent:
                    factor = "— (not consistent)"
                out.append(
                    f"    {block.index:>3}  {where:<26} {name} = {value:<+10.6f} {zero:<12} {factor}"
                )
            unstable = [b for b in self.blocks if not b.zero_stable]
            if unstable:
                out.append(f"    (k_{unstable[0].index}: {unstable[0].zero_stability})")
        for step in self.mixing:
            out.append(
                f"  learned mixing step {step.index} ({step.module}, {count(step.stages, 'stage')}, started "
                f"at order {step.initial_order}): moved {step.moved:.3g} (relative Frobenius)"
            )
            out.append(
                f"    nearest scalar tableau: order {step.order} to {step.tolerance:g}; "
                f"coefficient of y {', '.join(f'{x:.4g}' for x in step.identity)}"
            )
            for level in step.levels:
                verdict = (
                    "met" if level.failed == 0 else f"{level.failed} of {level.conditions} fail"
                )
                out.append(
                    f"      order {level.order}: {level.conditions} condition"
                    f"{'' if level.conditions == 1 else 's'}, {verdict}, largest residual "
                    f"{level.largest_residual:.3g} ({level.worst_condition})"
                )
            out.append(f"    b = [{', '.join(f'{x:.6g}' for x in step.b)}]")
            for j, row in enumerate(step.a, 1):
                out.append(f"    a[{j}] = [{', '.join(f'{x:.6g}' for x in row)}]")
        return out


def read_network(
    network: nn.Module, model: str = "", tolerance: float = DEFAULT_TOLERANCE
) -> NetworkReading:
    """The learned scheme coefficients of a live network (any device, any dtype)."""
    blocks, regions = _multistep_blocks(network)
    return NetworkReading(
        model=model or type(network).__name__,
        blocks=tuple(blocks),
        zero_stable_regions=regions,
        mixing=tuple(_mixing_steps(network, tolerance)),
    )


def k_values(network: nn.Module) -> list[float]:
    """Every learned k_n of the network's LM blocks, in order (empty when it has none)."""
    return [value for block in _multistep_blocks(network)[0] for value in block.values.values()]


# --------------------------------------------------------------------------- a run on disk


def _model_arguments(recipe: dict[str, Any], path: Path) -> dict[str, Any]:
    found = recipe.get("model_args", {})
    if not isinstance(found, dict):
        raise TrainingError(f"{path}: recipe.model_args is not a dict")
    arguments = {}
    for key, text in found.items():
        try:
            arguments[str(key)] = ast.literal_eval(str(text))
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            raise TrainingError(
                f"{path}: recipe.model_args[{printable(repr(key), 40)}] is not a Python literal"
            ) from None
    return arguments


class _TooLarge(BaseException):  # not an Exception: no builder's `except` may swallow it
    """A network under construction outgrew the weights it is to receive."""


BUILD_MARGIN_TENSORS = 64
"""Tensors a rebuilt network may register beyond twice the checkpoint's (a module may
register a tensor and replace it)."""

MODULES_PER_TENSOR = 8
"""Modules a rebuilt network may hold per checkpoint tensor (plus a margin): containers,
activations and pooling hold none; no network of the registry comes near 4."""


@contextmanager
def _bounded_by(weights: dict[str, Any]) -> Iterator[None]:
    """While a network is built, stop it (:class:`_TooLarge`) as soon as it registers more
    tensors, more elements or more modules than the state dict ``weights`` could fill.

    A recipe is a stranger's data: one edited field (``layers=(100000, 1, 1)``) would
    otherwise build a network of 100,000 blocks -- minutes and gigabytes even on the meta
    device -- only to find that the weights do not fit.  The work of building is thus
    bounded by the checkpoint's size, which :func:`.load_checkpoint` bounds.  Uses torch's
    global registration hooks (``torch.nn.modules.module.register_module_*_registration_hook``),
    removed again at the end.
    """
    from torch.nn.modules import module as module_hooks

    tensors = [v for v in weights.values() if isinstance(v, torch.Tensor)]
    limit_tensors = 2 * len(tensors) + BUILD_MARGIN_TENSORS
    limit_elements = 2 * sum(t.numel() for t in tensors) + 2**20
    limit_modules = MODULES_PER_TENSOR * len(tensors) + 256
    counts = {"tensors": 0, "elements": 0, "modules": 0}

    def tensor_registered(module: nn.Module, name: str, value: Any) -> None:
        if value is None:
            return
        counts["tensors"] += 1
        counts["elements"] += value.numel() if isinstance(value, torch.Tensor) else 0
        if counts["tensors"] > limit_tensors:
            raise _TooLarge(
                f"more than {limit_tensors:,} tensors, the checkpoint has {len(tensors):,}"
            )
        if counts["elements"] > limit_elements:
            raise _TooLarge(f"more than {limit_elements:,} numbers in its tensors")

    def module_registered(module: nn.Module, name: str, value: Any) -> None:
        counts["modules"] += 1
        if counts["modules"] > limit_modules:
            raise _TooLarge(f"more than {limit_modules:,} modules for {len(tensors):,} tensors")

    handles = [
        module_hooks.register_module_parameter_registration_hook(tensor_registered),
        module_hooks.register_module_buffer_registration_hook(tensor_registered),
        module_hooks.register_module_module_registration_hook(module_registered),
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _rebuild(state: dict[str, Any], path: Path, workdir: Path) -> tuple[nn.Module, str]:
    """The network of the checkpoint, built from its recipe on the meta device, with the
    checkpoint's weights (checked against it first) assigned."""
    from .model_source import (
        _ShapesOnly,
        build_model,
        is_scheme_file,
        resolve_model,
        scheme_sha256,
    )

    recipe = state["recipe"]
    model = str(recipe["model"])
    data = str(recipe["data"])
    if data not in DATA_SHAPES:
        raise TrainingError(f"{path}: recipe.data is {printable(data, 40)!r}, not a data set")
    channels, classes = DATA_SHAPES[data]
    if is_scheme_file(model):
        scheme = Path(model)
        if not scheme.is_file():
            raise TrainingError(
                f"{path}: the run trained the scheme file {printable(model, 120)}, which is not "
                "there; tabc inspect rebuilds the network from it (run it where the run was "
                "trained, or restore the file)"
            )
        if scheme_sha256(scheme) != state.get("scheme_sha256"):
            raise TrainingError(
                f"{path}: {printable(model, 120)} changed since the run was trained (its SHA-256 "
                "differs from the checkpoint's); inspect needs the scheme it was trained on"
            )
    source = resolve_model(model, workdir / "scheme")
    arguments = _model_arguments(recipe, path)
    try:
        # on the meta device, uninitialised (the checkpoint's weights are assigned below):
        # initialising there is torch's dispatch for nothing, and imports its compiler stack
        with torch.device("meta"), _ShapesOnly(), _bounded_by(state["model"]):
            network = build_model(source, classes, channels, arguments)
    except _TooLarge as error:
        given = ", ".join(f"{k}={printable(repr(v), 40)}" for k, v in sorted(arguments.items()))
        fields = f"recipe.model {printable(model, 60)!r}"
        if given:
            fields += f" with recipe.model_args ({given})"
        raise TrainingError(
            f"{path}: {fields} would build a network larger than the checkpoint's weights "
            f"({error}); the recipe does not describe them, so it was not built"
        ) from None
    _check_model(state["model"], network, source.label, _failure(path))
    network.load_state_dict(state["model"], assign=True)
    return network, source.label


def inspect_run(path: str | Path, tolerance: float = DEFAULT_TOLERANCE) -> NetworkReading:
    """Read a run directory (its ``checkpoint.pt``) or a checkpoint file back as schemes.

    Raises :class:`TrainingError` naming the file for anything that is not a readable tabc
    checkpoint, or whose network cannot be rebuilt."""
    given = Path(path)
    checkpoint = given / CHECKPOINT_NAME if given.is_dir() else given
    state = load_checkpoint(checkpoint)
    with tempfile.TemporaryDirectory(prefix="tabc-inspect-") as workdir:
        network, label = _rebuild(state, checkpoint, Path(workdir))
        blocks, regions = _multistep_blocks(network)
        mixing = _mixing_steps(network, tolerance)
    return NetworkReading(
        model=label,
        blocks=tuple(blocks),
        zero_stable_regions=regions,
        mixing=tuple(mixing),
        source=str(checkpoint),
        epoch=int(state["epoch"]),
    )
