"""Training throughput of the generated LM-ResNet-20 against a hand-written one in the official style.

Run from the repository root, in the project's virtual environment::

    python benchmarks/bench_train.py [--repeats N] [--warmup N] [--no-compile] [--json OUT]

Models:

- gen:  ``create_model("lm_resnet20")``, built from ``generated/lm_resnet.py`` (the
  multistep steps, ``LmResnetNet.from_history``) and the transition steps of
  ``tableau_compiler/models``;
- hand: :class:`HandLMResNet20` below, written for this benchmark in the style of LM-ResNet's
  official ``MResNet`` (github 2prime/LM-ResNet, ``MResNet.py``, with ``pretrain=False``):
  pre-activation basic blocks, a stem conv3x3 with no BN or ReLU after it, stages 16/32/64
  with strides 1/2/2, the first block of a stage a plain residual step whose shortcut is
  BN-ReLU-conv1x1 stride 2 where the shape changes (its output carried on as
  ``last_residual``), the other blocks ``x = b(x) + ks[i] * residual + (1 - ks[i]) *
  last_residual``, in-place ReLUs, head BN-ReLU-AvgPool2d(8)-linear.  ``ks[i]`` stores
  1 - k_n.  Left out of the official module: ``bn1`` (the stem BN, commented out of the
  official forward) and ``downsample1`` (used only with bottleneck blocks).  Kept: one
  ``ks`` entry per block, as the official ``ParameterList``; the entries of the three
  first blocks are never used, get no gradient, and SGD skips them.  So ``hand`` has the
  parameters of ``gen`` plus those three unused scalars.

``hand`` gets ``gen``'s weights (convolutions, batch norms, linear head; ks = 1 - k_n)
before anything is timed, and the two models' eval-mode outputs, training-mode losses and
gradients are compared (the correctness lines of the report).

Workload, per variant: one SGD training step -- forward, cross-entropy loss, backward,
``optimizer.step()`` (SGD, lr 0.1, momentum 0.9, weight decay 1e-4, the paper's CIFAR
settings; each variant its own optimizer) -- on a fixed batch of 128 random 3x32x32 float32
images with random labels, on the CPU (or ``--device``, e.g. cuda, where the clock is read
after ``torch.cuda.synchronize()``), training mode; ``zero_grad(set_to_none=True)`` before each
step is not timed.  Eager, and (unless ``--no-compile``) ``torch.compile`` of each model
(inductor, falling back to aot_eager; the optimizer step stays eager) on deep copies.
All variants run interleaved: one repetition runs each variant once, in an order rotated
by one place every repetition, after ``--warmup`` interleaved warm-up repetitions.  The
report gives the median step time (min-max), throughput (images/s of the median), the
median minor page faults per step, and the throughput ratio gen / hand (the ratio of the
medians hand / gen; target >= 1.0), with the ratio of the minima and the quartiles of the
per-repetition ratios.

Then (unless ``--no-profile``) three profiled eager training steps of each model: aten
kernel counts and CPU time of the element-wise ops that combine states, forward and
backward.  Information variants, never the judged row: ``gen-previous`` is the generated
model with ``LmResnetNet.from_history`` replaced, in this script, by the code tabc emitted
before commit 2afab6f (``p_k * u0 + (1.0 - p_k) * u1 + h * F1``, five full-size kernels
per step where the current ``torch.lerp`` + ``add_`` form has two), to measure what that
change bought; ``hand-noinplace`` is ``hand`` with out-of-place ReLUs and transition add,
as ``gen``'s modules have them.  See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import math
import os
import platform
import statistics
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from benchmarks._common import (
    compile_with_fallback,
    dynamo_counts,
    interleaved,
    load_average,
    log,
    malloc_environment,
    median_range,
    outermost_phase,
    ratio_stats,
    table,
    timed,
    write_json,
)

TARGET = 1.0  # throughput gen / hand
NUM_CLASSES = 10
SGD = {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-4}
COMBINE_OPS = (  # element-wise ops that combine states (forward and their backward)
    "aten::add",
    "aten::add_",
    "aten::mul",
    "aten::mul_",
    "aten::rsub",
    "aten::sub",
    "aten::lerp",
    "aten::sum",
    "aten::expand",
    "aten::select",
    "aten::fill_",
)


# --------------------------------------------------------------------------- hand-written


class HandBlock(nn.Module):
    """Pre-activation basic block: BN-ReLU-conv3x3 (stride)-BN-ReLU-conv3x3, in-place ReLU."""

    def __init__(self, in_planes: int, planes: int, stride: int = 1, inplace: bool = True) -> None:
        super().__init__()
        self.in_planes = in_planes
        self.planes = planes
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.relu = nn.ReLU(inplace=inplace)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(self.relu(self.bn1(x)))
        return self.conv2(self.relu(self.bn2(out)))


def hand_shortcut(in_planes: int, out_planes: int, inplace: bool = True) -> nn.Sequential:
    return nn.Sequential(
        nn.BatchNorm2d(in_planes),
        nn.ReLU(inplace=inplace),
        nn.Conv2d(in_planes, out_planes, 1, stride=2, bias=False),
    )


class HandLMResNet20(nn.Module):
    """LM-ResNet-20 written out by hand, in the official MResNet's style (see the docstring).

    ``inplace=False`` (the information variant hand-noinplace) makes every ReLU and the
    transition's ``x += residual`` out of place, as gen's modules are.
    """

    def __init__(
        self, num_classes: int = NUM_CLASSES, per_stage: int = 3, inplace: bool = True
    ) -> None:
        super().__init__()
        self.inplace = inplace
        widths, strides = (16, 32, 64), (1, 2, 2)
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        blocks = []
        in_planes = 16
        for width, stride in zip(widths, strides):
            blocks.append(HandBlock(in_planes, width, stride, inplace))
            blocks += [HandBlock(width, width, 1, inplace) for _ in range(per_stage - 1)]
            in_planes = width
        self.blocks = nn.ModuleList(blocks)
        self.downsample21 = hand_shortcut(16, 32, inplace)
        self.downsample31 = hand_shortcut(32, 64, inplace)
        # ks[i] = 1 - k_i, drawn from [1, 1.1] as the official code does (overwritten below
        # by gen's values before anything is compared or timed)
        self.ks = nn.ParameterList(
            [nn.Parameter(torch.empty(1).uniform_(1.0, 1.1)) for _ in range(len(blocks))]
        )
        self.bn = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=inplace)
        self.avgpool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        residual = x
        x = self.blocks[0](x) + residual
        last_residual = residual
        for i in range(1, len(self.blocks)):
            block = self.blocks[i]
            residual = x
            if block.in_planes != block.planes:  # first block of a stage: plain residual step
                shortcut = self.downsample21 if block.planes == 32 else self.downsample31
                residual = shortcut(x)
                x = block(x)
                if self.inplace:
                    x += residual
                else:
                    x = x + residual
            else:  # u_{n+1} = f(u_n) + (1 - k_n) u_n + k_n u_{n-1}
                k = self.ks[i]
                x = (
                    block(x)
                    + k.expand_as(residual) * residual
                    + (1 - k).expand_as(last_residual) * last_residual
                )
            last_residual = residual
        x = self.avgpool(self.relu(self.bn(x)))
        return self.fc(x.view(x.size(0), -1))


# --------------------------------------------------------------------------- weights


def copy_weights(gen: nn.Module, hand: HandLMResNet20) -> int:
    """Give ``hand`` the weights (and BN buffers) of ``gen``; returns the tensors copied."""
    from tableau_compiler.models.lm_resnet import MultistepStage

    copied = 0

    def load(target: nn.Module, source: nn.Module) -> None:
        nonlocal copied
        target.load_state_dict(source.state_dict())
        copied += len(source.state_dict())

    load(hand.conv1, gen.stem)
    with torch.no_grad():
        for s, stage in enumerate(gen.stages):
            if not isinstance(stage, MultistepStage):
                raise TypeError(
                    f"stage {s} of gen is {type(stage).__name__}, not a multistep stage"
                )
            functions = list(stage.net.fs)
            if functions[0] is not stage.first.f:
                raise ValueError("gen's net should hold the transition's f as its step 0")
            k_values = stage.net.k_values()
            for j, f in enumerate(functions):
                block = hand.blocks[3 * s + j]
                layers = f.layers
                for name, index in (("bn1", 0), ("conv1", 2), ("bn2", 3), ("conv2", 5)):
                    load(getattr(block, name), layers[index])
                if j >= 1:
                    hand.ks[3 * s + j].copy_(1.0 - k_values[j - 1].reshape(1))
                    copied += 1
            if s > 0:
                shortcut = hand.downsample21 if s == 1 else hand.downsample31
                load(shortcut, stage.first.shortcut.layers)
    load(hand.bn, gen.head[0])
    load(hand.fc, gen.head[4])
    return copied


# --------------------------------------------------------------------------- previous


def previous_from_history(self, ys: list[Tensor]) -> Tensor:
    """``LmResnetNet.from_history`` as tabc emitted it before commit 2afab6f (torch.lerp).

    One line, ``p_k * u0 + (1.0 - p_k) * u1 + h * F1``: five full-size kernels per step
    (three multiplications, two additions; the ``h * F1`` one with h = 1.0) where the
    current module has two (``torch.lerp`` and an in-place ``add_(F1, alpha=h)``).
    """
    if len(ys) != 2:
        raise ValueError("from_history needs exactly 2 states")
    h = self.h
    all_p_k = self.k_values()
    u0 = ys[0]
    u1 = ys[1]
    for m, f in enumerate(self.fs):
        if m >= 1:
            p_k = all_p_k[m - 1]
            F1 = f(u1)
            explicit_part = p_k * u0 + (1.0 - p_k) * u1 + h * F1
            u0 = u1
            u1 = explicit_part
    return u1


def with_previous_template(gen: nn.Module) -> nn.Module:
    model = copy.deepcopy(gen)
    for stage in model.stages:
        stage.net.from_history = types.MethodType(previous_from_history, stage.net)
    return model


# --------------------------------------------------------------------------- checks


def correctness(gen: nn.Module, hand: nn.Module, x: Tensor, y: Tensor) -> dict:
    """Eval-mode outputs; training-mode loss and gradients (on copies: no state changes)."""
    gen_c, hand_c = copy.deepcopy(gen), copy.deepcopy(hand)
    with torch.no_grad():
        out_g, out_h = gen_c.eval()(x), hand_c.eval()(x)
    result = {
        "eval_max_abs_diff": (out_g - out_h).abs().max().item(),
        "eval_max_abs_output": out_g.abs().max().item(),
        "eval_argmax_agree": bool((out_g.argmax(1) == out_h.argmax(1)).all()),
    }
    gen_c.train()
    hand_c.train()
    loss_g = F.cross_entropy(gen_c(x), y)
    loss_h = F.cross_entropy(hand_c(x), y)
    loss_g.backward()
    loss_h.backward()
    result["train_loss_gen"] = loss_g.item()
    result["train_loss_diff"] = abs(loss_g.item() - loss_h.item())
    # conv weight gradients, matched by the same mapping as the weights
    worst = 0.0
    for s, stage in enumerate(gen_c.stages):
        for j, f in enumerate(stage.net.fs):
            for name, index in (("conv1", 2), ("conv2", 5)):
                g = f.layers[index].weight.grad
                h = getattr(hand_c.blocks[3 * s + j], name).weight.grad
                worst = max(worst, ((g - h).abs().max() / g.abs().max().clamp_min(1e-30)).item())
    k_worst = 0.0
    for s, stage in enumerate(gen_c.stages):
        grad_k = stage.net.raw_k.grad
        for j in range(1, len(stage.net.fs)):
            # ks = 1 - k, so d loss / d ks = - d loss / d k
            hand_grad = -hand_c.ks[3 * s + j].grad.reshape(())
            scale = max(abs(grad_k[j - 1].item()), 1e-30)
            k_worst = max(k_worst, abs(grad_k[j - 1].item() - hand_grad.item()) / scale)
    result["conv_grad_max_rel_diff"] = worst
    result["k_grad_max_rel_diff"] = k_worst
    return result


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --------------------------------------------------------------------------- timing


def train_step(variant: dict, x: Tensor, y: Tensor) -> float:
    """zero_grad (untimed), then time forward + loss + backward + optimizer step."""
    return train_step_faults(variant, x, y)[0]


def train_step_faults(variant: dict, x: Tensor, y: Tensor) -> tuple[float, int]:
    """Like train_step, also returning the minor page faults the step took.

    On CUDA the clock is read after ``torch.cuda.synchronize`` before and after the step: its
    wall time, host launches and device kernels together.
    """
    model, optimizer = variant["model"], variant["optimizer"]
    optimizer.zero_grad(set_to_none=True)

    def step() -> None:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    return timed(step, (lambda: torch.cuda.synchronize(x.device)) if x.is_cuda else None)


def run_interleaved(
    variants: dict[str, dict], x: Tensor, y: Tensor, repeats: int, warmup: int
) -> tuple[dict[str, list[float]], dict]:
    """Step times of every variant (interleaved, see the module docstring) and the load: the
    CPU share of the timed loop and the page faults per step."""
    measured, share = interleaved(
        list(variants), lambda name: train_step_faults(variants[name], x, y), repeats, warmup
    )
    samples = {name: [m[0] for m in values] for name, values in measured.items()}
    faults = {name: [m[1] for m in values] for name, values in measured.items()}
    return samples, {**share, "minor_faults": faults}


def compile_model(model: nn.Module, backend: str, x: Tensor, y: Tensor) -> tuple[object, dict]:
    graphs_before, breaks_before = dynamo_counts()
    compiled = torch.compile(model, backend=backend)
    variant = {"model": compiled, "optimizer": torch.optim.SGD(model.parameters(), **SGD)}
    seconds = train_step(variant, x, y)  # the first call compiles forward and backward
    graphs, breaks = dynamo_counts()
    info = {
        "first_step_s": seconds,
        "graphs": graphs - graphs_before,
        "graph_breaks": breaks - breaks_before,
    }
    return variant, info


def compile_both(models: dict[str, nn.Module], backend: str, x: Tensor, y: Tensor):
    """gen and hand compiled (deep copies): their variants and their first-step records."""
    compiled, info = {}, {}
    for name in ("gen", "hand"):
        log(f"compiling {name} ({backend}) ...")
        variant, record = compile_model(copy.deepcopy(models[name]), backend, x, y)
        log(
            f"  first step {record['first_step_s']:.1f} s, {record['graphs']} graph(s), "
            f"{record['graph_breaks']} graph break(s)"
        )
        compiled[name + "-c"] = variant
        info[name + "-c"] = record
    return compiled, info


# --------------------------------------------------------------------------- profile


def profile_step(variant: dict, x: Tensor, y: Tensor, steps: int = 3) -> dict:
    """aten op counts and times of training steps (median over ``steps`` profiled steps).

    Times: the ops' CPU time on the CPU; on CUDA the device time of the kernels each op (and
    the ops it calls) launched.
    """
    records = [_profile_once(variant, x, y) for _ in range(steps)]
    keys = sorted(records[-1]["counts"])

    def phase_ms(phase: str) -> float:
        return statistics.median(
            sum(t for k, t in r["times"].items() if k.startswith(phase + ":")) for r in records
        )

    return {
        "aten_events": records[-1]["aten"],
        "counts": {k: records[-1]["counts"][k] for k in keys},
        "ms_median": {k: statistics.median(r["times"].get(k, 0.0) for r in records) for k in keys},
        "combine_ms_forward": phase_ms("forward"),
        "combine_ms_backward": phase_ms("backward"),
    }


def _profile_once(variant: dict, x: Tensor, y: Tensor) -> dict:
    """One profiled training step: the count and the ms of each ``phase:op`` that combines."""
    from torch.profiler import ProfilerActivity, profile, record_function

    cuda = x.is_cuda
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    train_step(variant, x, y)  # warm
    variant["optimizer"].zero_grad(set_to_none=True)
    with profile(activities=activities) as prof:
        with record_function("bench::forward"):
            loss = F.cross_entropy(variant["model"](x), y)
        with record_function("bench::backward"):
            loss.backward()
        with record_function("bench::optimizer"):
            variant["optimizer"].step()
        if cuda:
            torch.cuda.synchronize(x.device)
    counts: dict[str, int] = {}
    times: dict[str, float] = {}
    aten = 0
    for event in prof.events():
        if not event.name.startswith("aten::"):
            continue
        aten += 1
        phase = outermost_phase(event, cuda)
        if phase is None or event.name not in COMBINE_OPS:
            continue
        key = f"{phase}:{event.name}"
        counts[key] = counts.get(key, 0) + 1
        event_us = event.device_time_total if cuda else event.cpu_time_total
        times[key] = times.get(key, 0.0) + event_us / 1e3
    return {"aten": aten, "counts": counts, "times": times}


# --------------------------------------------------------------------------- the run


def ms(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e3:.1f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def ratio_cells(stats: dict) -> list[str]:
    """Three table cells: ratio of medians, ratio of minima, per-repetition ratios."""
    return [
        f"**{stats['ratio_of_medians']:.4f}**",
        f"{stats['ratio_of_minima']:.3f}",
        (
            f"{stats['per_rep_median']:.3f} [{stats['per_rep_q1']:.3f} … {stats['per_rep_q3']:.3f}]"
            f" ({stats['per_rep_min']:.3f} … {stats['per_rep_max']:.3f})"
        ),
    ]


def parse_arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=15, help="timed interleaved repetitions (default 15)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed interleaved warm-up repetitions (default 3)"
    )
    parser.add_argument("--batch", type=int, default=128, help="batch size (default 128)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch.set_num_threads (default 0: leave torch's default)",
    )
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile rows")
    parser.add_argument(
        "--backend",
        default="inductor",
        help="torch.compile backend (default inductor; aot_eager on failure)",
    )
    parser.add_argument(
        "--no-previous",
        action="store_true",
        help="skip the information variant gen-previous (the template before torch.lerp)",
    )
    parser.add_argument(
        "--no-ablation",
        action="store_true",
        help="skip the information variant hand-noinplace (hand with out-of-place ReLUs)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the kernel counts")
    parser.add_argument(
        "--device",
        default="cpu",
        help="device of the models and the batch (default cpu; e.g. cuda)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.repeats < 2 or args.warmup < 0 or args.batch < 1 or args.threads < 0:
        parser.error("--repeats must be at least 2, --warmup and --threads not negative")
    return args


@dataclasses.dataclass
class TrainRun:
    """What one run of the benchmark measured, for the report and the JSON."""

    args: argparse.Namespace
    device: torch.device
    threads: int
    interop: int
    load_before: tuple
    check: dict
    copied: int
    samples: dict = dataclasses.field(default_factory=dict)
    load: dict = dataclasses.field(default_factory=dict)
    load_after: tuple = ()
    compile_info: dict = dataclasses.field(default_factory=dict)
    backend_used: str | None = None
    compile_error: str | None = None
    profiles: dict | None = None

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def comparisons(self) -> dict[str, dict]:
        """Throughput ratios (time of the denominator over time of the numerator)."""
        samples = self.samples
        out = {"gen / hand, eager": ratio_stats(samples["hand"], samples["gen"])}
        if "gen-c" in samples:
            out["gen-c / hand-c, compiled"] = ratio_stats(samples["hand-c"], samples["gen-c"])
        if "gen-previous" in samples:
            out["gen-previous / hand (information)"] = ratio_stats(
                samples["hand"], samples["gen-previous"]
            )
            out["gen / gen-previous (information)"] = ratio_stats(
                samples["gen-previous"], samples["gen"]
            )
        if "hand-noinplace" in samples:
            out["gen / hand-noinplace (information)"] = ratio_stats(
                samples["hand-noinplace"], samples["gen"]
            )
        return out


def build_models(args: argparse.Namespace, device: torch.device, x: Tensor, y: Tensor):
    """gen, hand (gen's weights) and the information variants; the correctness checks."""
    from tableau_compiler.models import create_model

    torch.manual_seed(0)
    gen = create_model("lm_resnet20").train().to(device)
    hand = HandLMResNet20().train().to(device)
    copied = copy_weights(gen, hand)
    log("checking that gen and hand compute the same network (float32, then float64) ...")
    check = correctness(gen, hand, x, y)
    # float64 copies, weights copied in float64 (so ks = 1 - k carries no float32 rounding):
    # what is left is rounding of the different order of operations
    gen64 = copy.deepcopy(gen).double()
    hand64 = HandLMResNet20().double().train().to(device)
    copy_weights(gen64, hand64)
    check["float64"] = correctness(gen64, hand64, x.double(), y)
    del gen64, hand64
    check["tensors_copied"] = copied
    check["parameters_gen"] = parameter_count(gen)
    check["parameters_hand"] = parameter_count(hand)
    models: dict[str, nn.Module] = {"gen": gen, "hand": hand}
    if not args.no_ablation:
        models["hand-noinplace"] = HandLMResNet20(inplace=False).train().to(device)
        copy_weights(gen, models["hand-noinplace"])
    if not args.no_previous:
        models["gen-previous"] = with_previous_template(gen)
        with torch.no_grad():
            previous = copy.deepcopy(models["gen-previous"]).eval()(x)
            check["previous_vs_gen_eval_max_abs_diff"] = (
                (previous - copy.deepcopy(gen).eval()(x)).abs().max().item()
            )
    return models, check, copied


def measure(args: argparse.Namespace) -> TrainRun:
    """Build and check the models, compile them, time them, profile the eager ones."""
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    load_before = load_average()
    device = torch.device(args.device)
    generator = torch.Generator().manual_seed(1)  # the same batch on every device
    x = torch.randn(args.batch, 3, 32, 32, generator=generator).to(device)
    y = torch.randint(0, NUM_CLASSES, (args.batch,), generator=generator).to(device)
    models, check, copied = build_models(args, device, x, y)
    result = TrainRun(args, device, threads, interop, load_before, check, copied)
    variants = {
        name: {"model": model, "optimizer": torch.optim.SGD(model.parameters(), **SGD)}
        for name, model in models.items()
    }
    if not args.no_compile:
        (compiled, result.compile_info), result.backend_used, result.compile_error = (
            compile_with_fallback(lambda backend: compile_both(models, backend, x, y), args.backend)
        )
        variants.update(compiled)
    log(
        f"timing {len(variants)} variants: {args.warmup} warm-up + {args.repeats} repetitions "
        f"(batch {args.batch}) ..."
    )
    result.samples, result.load = run_interleaved(variants, x, y, args.repeats, args.warmup)
    result.load_after = load_average()
    if not args.no_profile:
        log("profiling one training step of each eager variant ...")
        result.profiles = {name: profile_step(variants[name], x, y) for name in models}
    return result


# --------------------------------------------------------------------------- report


def report(result: TrainRun) -> list[str]:
    """The Markdown report: the set-up, the correctness checks, the tables."""
    lines = [*report_header(result), *compile_note(result), "", *variant_table(result)]
    lines += ["", *comparison_table(result)]
    if result.profiles:
        lines += ["", *profile_table(result.profiles, result.cuda)]
    return lines


def report_header(result: TrainRun) -> list[str]:
    args, load, check, device = result.args, result.load, result.check, result.device
    device_text = ""
    if result.cuda:
        props = torch.cuda.get_device_properties(device)
        device_text = (
            f"Device: {props.name} ({props.multi_processor_count} SMs), CUDA "
            f"{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}; PyTorch's defaults "
            f"left as they are: cudnn.benchmark = {torch.backends.cudnn.benchmark}, "
            f"cudnn.allow_tf32 = {torch.backends.cudnn.allow_tf32}. Each step's clock is read "
            "after torch.cuda.synchronize() before and after it. "
        )
    threads_how = "set by --threads" if args.threads > 0 else "default, not set"
    machine = device_text + (
        f"Python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs; "
        f"torch.get_num_threads() = {result.threads} ({threads_how}), interop threads "
        f"{result.interop}. Load average before / after: {result.load_before[0]:.2f} / "
        f"{result.load_after[0]:.2f}; during the timed loop other processes used "
        f"{load['other_cpu_cores']:.2f} CPU cores on average (this process "
        f"{load['own_cpu_cores']:.2f})."
    )
    workload = (
        f"Workload: one SGD training step (forward, cross-entropy, backward, optimizer.step(); "
        f"lr 0.1, momentum 0.9, weight decay 1e-4) on a batch of {args.batch} random 3x32x32 "
        f"float32 images, on {device}, training mode. gen = create_model('lm_resnet20') "
        f"({check['parameters_gen']:,} parameters); hand = the hand-written official-style "
        f"LM-ResNet-20 ({check['parameters_hand']:,} parameters: gen's plus the three unused "
        f"ks of the first blocks). Page faults: median minor page faults per step "
        f"(getrusage). malloc environment: {malloc_environment()}."
    )
    header = (
        f"## LM-ResNet-20 training throughput ({args.repeats} interleaved repetitions after "
        f"{args.warmup} warm-ups, medians)"
    )
    return [header, "", machine, "", workload, "", *correctness_lines(result)]


def correctness_lines(result: TrainRun) -> list[str]:
    check, c64 = result.check, result.check["float64"]
    lines = [
        (
            f"Correctness (same weights, {result.copied} tensors copied): eval-mode outputs differ "
            f"by at most {check['eval_max_abs_diff']:.2e} (largest |output| "
            f"{check['eval_max_abs_output']:.2f}; predicted classes "
            f"{'all equal' if check['eval_argmax_agree'] else 'NOT all equal'}); training-mode loss "
            f"{check['train_loss_gen']:.6f}, difference {check['train_loss_diff']:.2e}; largest "
            f"relative difference of conv weight gradients {check['conv_grad_max_rel_diff']:.2e}, "
            f"of dloss/dk {check['k_grad_max_rel_diff']:.2e}."
        ),
        (
            f"The same in float64 (weights copied in float64): outputs "
            f"{c64['eval_max_abs_diff']:.1e}, loss {c64['train_loss_diff']:.1e}, conv gradients "
            f"{c64['conv_grad_max_rel_diff']:.1e}, dloss/dk {c64['k_grad_max_rel_diff']:.1e}: the "
            f"two models are the same function, and the float32 differences are rounding."
        ),
    ]
    if "previous_vs_gen_eval_max_abs_diff" in check:
        lines.append(
            f"gen-previous vs gen eval-mode outputs: max |diff| "
            f"{check['previous_vs_gen_eval_max_abs_diff']:.2e}."
        )
    return lines


def compile_note(result: TrainRun) -> list[str]:
    if not result.compile_info:
        return []
    return [
        "",
        f"torch.compile backend: {result.backend_used}"
        + (f" (inductor failed: {result.compile_error})" if result.compile_error else "")
        + "; "
        + "; ".join(
            f"{n}: first step {i['first_step_s']:.1f} s, {i['graphs']} graph(s), "
            f"{i['graph_breaks']} graph break(s)"
            for n, i in result.compile_info.items()
        )
        + ". The optimizer step is eager in every variant.",
    ]


def variant_table(result: TrainRun) -> list[str]:
    batch, faults = result.args.batch, result.load["minor_faults"]
    rows = [
        [
            name,
            median_range(values, ms),
            f"{batch / statistics.median(values):.1f}",
            f"{statistics.median(faults[name]):.0f}",
        ]
        for name, values in result.samples.items()
    ]
    header = ["variant", "step time, median (min–max)", "images/s (median)"]
    return table([*header, "page faults / step"], rows)


def comparison_table(result: TrainRun) -> list[str]:
    rows = []
    for key, stats in result.comparisons.items():
        judged = "information" not in key
        verdict = "met" if stats["ratio_of_medians"] >= TARGET else "NOT met"
        rows.append(
            [
                key,
                *ratio_cells(stats),
                "≥ 1.0" if judged else "—",
                verdict if judged else "information",
            ]
        )
    header = ["throughput ratio (images/s)", "ratio of medians", "ratio of minima"]
    header += ["per repetition: median [q1 … q3] (min … max)", "target", "status"]
    return table(header, rows)


def profile_table(profiles: dict, cuda: bool) -> list[str]:
    """Per eager variant: the count and ms of each state-combining op, by phase."""
    names = list(profiles)
    keys = sorted({k for p in profiles.values() for k in p["counts"]})
    rows = [
        [key.replace("aten::", "")]
        + [
            f"{profiles[n]['counts'].get(key, 0)} ({profiles[n]['ms_median'].get(key, 0.0):.1f} ms)"
            for n in names
        ]
        for key in keys
    ]
    for phase in ("forward", "backward"):
        rows.append(
            [f"all {phase} combining ops, ms"]
            + [f"{profiles[n][f'combine_ms_{phase}']:.1f}" for n in names]
        )
    rows.append(["aten events in the step"] + [str(profiles[n]["aten_events"]) for n in names])
    return [
        "State-combining element-wise ops of one eager training step (torch.profiler, "
        "outermost aten calls; count, and "
        + ("CUDA kernel ms (device time)" if cuda else "CPU ms")
        + " as the median of 3 profiled steps):",
        "",
        *table(["phase: op", *names], rows),
    ]


def payload(result: TrainRun) -> dict:
    """Everything measured, for ``--json``."""
    args, samples, cuda, device = result.args, result.samples, result.cuda, result.device
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpus": os.cpu_count(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if cuda else None,
        "cuda_version": torch.version.cuda if cuda else None,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32 if cuda else None,
        "threads": result.threads,
        "interop_threads": result.interop,
        "load_before": result.load_before,
        "load_after": result.load_after,
        "load": result.load,
        "batch": args.batch,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "correctness": result.check,
        "compile": {
            "backend": result.backend_used,
            "error": result.compile_error,
            "info": result.compile_info,
        },
        "samples_s": samples,
        "medians_s": {n: statistics.median(v) for n, v in samples.items()},
        "images_per_s": {n: args.batch / statistics.median(v) for n, v in samples.items()},
        "comparisons": result.comparisons,
        "profiles": result.profiles,
    }


def main(argv=None) -> int:
    args = parse_arguments(argv)
    result = measure(args)
    print("\n".join(report(result)))
    if args.json:
        write_json(args.json, payload(result), default=float)
        log(f"wrote {args.json}")
    check = result.check
    ok = math.isfinite(check["eval_max_abs_diff"]) and check["eval_argmax_agree"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
