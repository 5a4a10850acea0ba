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
import gc
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch
import torch.nn.functional as F
from torch import Tensor, nn

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


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


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
    cuda = x.is_cuda
    if cuda:
        torch.cuda.synchronize(x.device)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    if cuda:  # kernels run asynchronously: wait for them before reading the clock
        torch.cuda.synchronize(x.device)
    elapsed = time.perf_counter() - start
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults


def cpu_busy_jiffies() -> tuple[int, int]:
    """(all CPUs' busy jiffies, this process's utime + stime) from /proc."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
        busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)
        with open("/proc/self/stat") as handle:
            stat = handle.read().rsplit(")", 1)[1].split()
        return busy, int(stat[11]) + int(stat[12])
    except OSError:
        return 0, 0


def run_interleaved(
    variants: dict[str, dict], x: Tensor, y: Tensor, repeats: int, warmup: int
) -> tuple[dict[str, list[float]], dict]:
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    faults: dict[str, list[int]] = {name: [] for name in names}
    busy0 = own0 = 0
    wall0 = time.perf_counter()
    for rep in range(warmup + repeats):
        if rep == warmup:
            busy0, own0 = cpu_busy_jiffies()
            wall0 = time.perf_counter()
        shift = rep % len(names)
        order = names[shift:] + names[:shift]
        gc.collect()
        gc.disable()
        try:
            measured = {name: train_step_faults(variants[name], x, y) for name in order}
        finally:
            gc.enable()
        label = "warm-up" if rep < warmup else "repetition"
        index = rep + 1 if rep < warmup else rep - warmup + 1
        if rep >= warmup:
            for name in names:
                samples[name].append(measured[name][0])
                faults[name].append(measured[name][1])
        log(f"  {label} {index}: " + ", ".join(f"{n} {measured[n][0] * 1e3:.0f} ms" for n in names))
    busy1, own1 = cpu_busy_jiffies()
    wall = time.perf_counter() - wall0
    hz = os.sysconf("SC_CLK_TCK")
    load = {
        "timed_wall_s": wall,
        "own_cpu_cores": (own1 - own0) / hz / wall if wall else 0.0,
        "other_cpu_cores": max(0.0, ((busy1 - busy0) - (own1 - own0)) / hz / wall) if wall else 0.0,
        "minor_faults": faults,
    }
    return samples, load


def compile_model(model: nn.Module, backend: str, x: Tensor, y: Tensor) -> tuple[object, dict]:
    from torch._dynamo.utils import counters

    breaks_before = sum(counters["graph_break"].values())
    graphs_before = counters["stats"]["unique_graphs"]
    compiled = torch.compile(model, backend=backend)
    variant = {"model": compiled, "optimizer": torch.optim.SGD(model.parameters(), **SGD)}
    seconds = train_step(variant, x, y)  # the first call compiles forward and backward
    info = {
        "first_step_s": seconds,
        "graphs": counters["stats"]["unique_graphs"] - graphs_before,
        "graph_breaks": sum(counters["graph_break"].values()) - breaks_before,
    }
    return variant, info


# --------------------------------------------------------------------------- profile


def profile_step(variant: dict, x: Tensor, y: Tensor, steps: int = 3) -> dict:
    """aten op counts and times of training steps (median over ``steps`` profiled steps).

    Times: the ops' CPU time on the CPU; on CUDA the device time of the kernels each op (and
    the ops it calls) launched.
    """
    from torch.profiler import ProfilerActivity, profile, record_function

    cuda = x.is_cuda
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    records = []
    for _ in range(steps):
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
            # On CUDA the autograd engine runs the backward on a thread of its own, outside
            # the bench::backward range of this thread: ops under no range are backward ops.
            unplaced = "backward" if cuda else "?"
            parent, phase, nested = event.cpu_parent, unplaced, False
            while parent is not None:  # outermost aten calls only, by phase
                if parent.name.startswith("bench::"):
                    phase = parent.name[len("bench::") :]
                    break
                if parent.name.startswith("aten::"):
                    nested = True
                parent = parent.cpu_parent
            if nested or event.name not in COMBINE_OPS:
                continue
            key = f"{phase}:{event.name}"
            counts[key] = counts.get(key, 0) + 1
            event_us = event.device_time_total if cuda else event.cpu_time_total
            times[key] = times.get(key, 0.0) + event_us / 1e3
        records.append({"aten": aten, "counts": counts, "times": times})
    keys = sorted(records[-1]["counts"])
    return {
        "aten_events": records[-1]["aten"],
        "counts": {k: records[-1]["counts"][k] for k in keys},
        "ms_median": {k: statistics.median(r["times"].get(k, 0.0) for r in records) for k in keys},
        "combine_ms_forward": statistics.median(
            sum(t for k, t in r["times"].items() if k.startswith("forward:")) for r in records
        ),
        "combine_ms_backward": statistics.median(
            sum(t for k, t in r["times"].items() if k.startswith("backward:")) for r in records
        ),
    }


# --------------------------------------------------------------------------- report


def ms(seconds: float) -> str:
    if seconds >= 0.1:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds * 1e3:.1f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def ratio_stats(hand: list[float], gen: list[float]) -> dict:
    """Throughput ratio gen / hand = time hand / time gen: of medians, minima, per repetition."""
    per_rep = sorted(h / g for h, g in zip(hand, gen))
    q = statistics.quantiles(per_rep, n=4, method="inclusive") if len(per_rep) > 1 else per_rep * 3
    return {
        "ratio_of_medians": statistics.median(hand) / statistics.median(gen),
        "ratio_of_minima": min(hand) / min(gen),
        "per_rep_q1": q[0],
        "per_rep_median": q[1],
        "per_rep_q3": q[2],
        "per_rep_min": per_rep[0],
        "per_rep_max": per_rep[-1],
    }


def ratio_cells(stats: dict) -> str:
    return (
        f"**{stats['ratio_of_medians']:.4f}** | {stats['ratio_of_minima']:.3f} | "
        f"{stats['per_rep_median']:.3f} [{stats['per_rep_q1']:.3f} … {stats['per_rep_q3']:.3f}]"
        f" ({stats['per_rep_min']:.3f} … {stats['per_rep_max']:.3f})"
    )


def main(argv=None) -> int:
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

    from tableau_compiler.models import create_model

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    threads_how = "set by --threads" if args.threads > 0 else "default, not set"
    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    load_before = os.getloadavg()
    device = torch.device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    gen = create_model("lm_resnet20").train().to(device)
    hand = HandLMResNet20().train().to(device)
    copied = copy_weights(gen, hand)
    generator = torch.Generator().manual_seed(1)  # the same batch on every device
    x = torch.randn(args.batch, 3, 32, 32, generator=generator).to(device)
    y = torch.randint(0, NUM_CLASSES, (args.batch,), generator=generator).to(device)
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
            previous_diff = (
                (copy.deepcopy(models["gen-previous"]).eval()(x) - copy.deepcopy(gen).eval()(x))
                .abs()
                .max()
                .item()
            )
        check["previous_vs_gen_eval_max_abs_diff"] = previous_diff
    variants = {
        name: {"model": model, "optimizer": torch.optim.SGD(model.parameters(), **SGD)}
        for name, model in models.items()
    }

    compile_info: dict = {}
    backend_used = None
    compile_error = None
    if not args.no_compile:

        def compile_both(backend: str) -> dict[str, dict]:
            compiled = {}
            for name in ("gen", "hand"):
                log(f"compiling {name} ({backend}) ...")
                variant, info = compile_model(copy.deepcopy(models[name]), backend, x, y)
                log(
                    f"  first step {info['first_step_s']:.1f} s, {info['graphs']} graph(s), "
                    f"{info['graph_breaks']} graph break(s)"
                )
                compiled[name + "-c"] = variant
                compile_info[name + "-c"] = info
            return compiled

        backend_used = args.backend
        try:
            variants.update(compile_both(backend_used))
        except Exception as error:  # noqa: BLE001 -- e.g. inductor without a C++ toolchain
            compile_error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            log(f"  {backend_used} failed ({compile_error}); falling back to aot_eager")
            torch._dynamo.reset()
            compile_info.clear()
            backend_used = "aot_eager"
            variants.update(compile_both(backend_used))

    log(
        f"timing {len(variants)} variants: {args.warmup} warm-up + {args.repeats} repetitions "
        f"(batch {args.batch}) ..."
    )
    samples, load = run_interleaved(variants, x, y, args.repeats, args.warmup)
    load_after = os.getloadavg()

    profiles = None
    if not args.no_profile:
        log("profiling one training step of each eager variant ...")
        profiles = {
            name: profile_step(variants[name], x, y)
            for name in models  # eager variants only
        }

    # ---------------------------------------------------------------- report
    comparisons = {"gen / hand, eager": ratio_stats(samples["hand"], samples["gen"])}
    if "gen-c" in samples:
        comparisons["gen-c / hand-c, compiled"] = ratio_stats(samples["hand-c"], samples["gen-c"])
    if "gen-previous" in samples:
        comparisons["gen-previous / hand (information)"] = ratio_stats(
            samples["hand"], samples["gen-previous"]
        )
        comparisons["gen / gen-previous (information)"] = ratio_stats(
            samples["gen-previous"], samples["gen"]
        )
    if "hand-noinplace" in samples:
        comparisons["gen / hand-noinplace (information)"] = ratio_stats(
            samples["hand-noinplace"], samples["gen"]
        )
    malloc_env = (
        ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith("MALLOC_"))
        or "glibc defaults (no MALLOC_* set)"
    )
    header = (
        f"## LM-ResNet-20 training throughput ({args.repeats} interleaved repetitions after "
        f"{args.warmup} warm-ups, medians)"
    )
    device_text = ""
    if cuda:
        props = torch.cuda.get_device_properties(device)
        device_text = (
            f"Device: {props.name} ({props.multi_processor_count} SMs), CUDA "
            f"{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}; PyTorch's defaults "
            f"left as they are: cudnn.benchmark = {torch.backends.cudnn.benchmark}, "
            f"cudnn.allow_tf32 = {torch.backends.cudnn.allow_tf32}. Each step's clock is read "
            "after torch.cuda.synchronize() before and after it. "
        )
    machine = device_text + (
        f"Python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs; "
        f"torch.get_num_threads() = {threads} ({threads_how}), interop threads {interop}. "
        f"Load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}; during the "
        f"timed loop other processes used {load['other_cpu_cores']:.2f} CPU cores on average "
        f"(this process {load['own_cpu_cores']:.2f})."
    )
    workload = (
        f"Workload: one SGD training step (forward, cross-entropy, backward, optimizer.step(); "
        f"lr 0.1, momentum 0.9, weight decay 1e-4) on a batch of {args.batch} random 3x32x32 "
        f"float32 images, on {device}, training mode. gen = create_model('lm_resnet20') "
        f"({check['parameters_gen']:,} parameters); hand = the hand-written official-style "
        f"LM-ResNet-20 ({check['parameters_hand']:,} parameters: gen's plus the three unused "
        f"ks of the first blocks). Page faults: median minor page faults per step "
        f"(getrusage). malloc environment: {malloc_env}."
    )
    verdict = (
        f"Correctness (same weights, {copied} tensors copied): eval-mode outputs differ by at "
        f"most {check['eval_max_abs_diff']:.2e} (largest |output| "
        f"{check['eval_max_abs_output']:.2f}; predicted classes "
        f"{'all equal' if check['eval_argmax_agree'] else 'NOT all equal'}); training-mode loss "
        f"{check['train_loss_gen']:.6f}, difference {check['train_loss_diff']:.2e}; largest "
        f"relative difference of conv weight gradients {check['conv_grad_max_rel_diff']:.2e}, "
        f"of dloss/dk {check['k_grad_max_rel_diff']:.2e}."
    )
    c64 = check["float64"]
    verdict64 = (
        f"The same in float64 (weights copied in float64): outputs {c64['eval_max_abs_diff']:.1e}, "
        f"loss {c64['train_loss_diff']:.1e}, conv gradients {c64['conv_grad_max_rel_diff']:.1e}, "
        f"dloss/dk {c64['k_grad_max_rel_diff']:.1e}: the two models are the same function, and "
        f"the float32 differences are rounding."
    )
    lines = [header, "", machine, "", workload, "", verdict, verdict64]
    if "previous_vs_gen_eval_max_abs_diff" in check:
        lines.append(
            f"gen-previous vs gen eval-mode outputs: max |diff| "
            f"{check['previous_vs_gen_eval_max_abs_diff']:.2e}."
        )
    if compile_info:
        lines.append("")
        lines.append(
            f"torch.compile backend: {backend_used}"
            + (f" (inductor failed: {compile_error})" if compile_error else "")
            + "; "
            + "; ".join(
                f"{n}: first step {i['first_step_s']:.1f} s, {i['graphs']} graph(s), "
                f"{i['graph_breaks']} graph break(s)"
                for n, i in compile_info.items()
            )
            + ". The optimizer step is eager in every variant."
        )
    lines += [
        "",
        "| variant | step time, median (min–max) | images/s (median) | page faults / step |",
        "|---|---|---|---|",
    ]
    for name, values in samples.items():
        median = statistics.median(values)
        lines.append(
            f"| {name} | {ms(median)} ({ms(min(values))}–{ms(max(values))}) | "
            f"{args.batch / median:.1f} | {statistics.median(load['minor_faults'][name]):.0f} |"
        )
    lines += [
        "",
        (
            "| throughput ratio (images/s) | ratio of medians | ratio of minima | per repetition: "
            "median [q1 … q3] (min … max) | target | status |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for key, stats in comparisons.items():
        judged = "information" not in key
        lines.append(
            f"| {key} | {ratio_cells(stats)} | {'≥ 1.0' if judged else '—'} | "
            + (
                ("met" if stats["ratio_of_medians"] >= TARGET else "NOT met")
                if judged
                else "information"
            )
            + " |"
        )
    if profiles:
        names = list(profiles)
        keys = sorted({k for p in profiles.values() for k in p["counts"]})
        lines += [
            "",
            (
                "State-combining element-wise ops of one eager training step (torch.profiler, "
                "outermost aten calls; count, and "
                + ("CUDA kernel ms (device time)" if cuda else "CPU ms")
                + " as the median of 3 profiled steps):"
            ),
            "",
            "| phase: op | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
        ]
        for key in keys:
            lines.append(
                f"| {key.replace('aten::', '')} | "
                + " | ".join(
                    f"{profiles[n]['counts'].get(key, 0)} ({profiles[n]['ms_median'].get(key, 0.0):.1f} ms)"
                    for n in names
                )
                + " |"
            )
        for phase in ("forward", "backward"):
            lines.append(
                f"| all {phase} combining ops, ms | "
                + " | ".join(f"{profiles[n][f'combine_ms_{phase}']:.1f}" for n in names)
                + " |"
            )
        lines.append(
            "| aten events in the step | "
            + " | ".join(str(profiles[n]["aten_events"]) for n in names)
            + " |"
        )
    print("\n".join(lines))

    if args.json:
        payload = {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "cpus": os.cpu_count(),
            "device": str(device),
            "device_name": torch.cuda.get_device_name(device) if cuda else None,
            "cuda_version": torch.version.cuda if cuda else None,
            "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32 if cuda else None,
            "threads": threads,
            "interop_threads": interop,
            "load_before": load_before,
            "load_after": load_after,
            "load": load,
            "batch": args.batch,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "correctness": check,
            "compile": {"backend": backend_used, "error": compile_error, "info": compile_info},
            "samples_s": samples,
            "medians_s": {n: statistics.median(v) for n, v in samples.items()},
            "images_per_s": {n: args.batch / statistics.median(v) for n, v in samples.items()},
            "comparisons": comparisons,
            "profiles": profiles,
        }
        args.json.write_text(json.dumps(payload, indent=2, default=float) + "\n")
        log(f"wrote {args.json}")
    ok = math.isfinite(check["eval_max_abs_diff"]) and check["eval_argmax_agree"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
