"""Benchmark of one generated RK4 step (``generated/rk4.py``) against hand-written code and torchdiffeq.

Run from the repository root, in the project's virtual environment (torchdiffeq installed)::

    python benchmarks/bench_step.py [--repeats N] [--no-compile] [--json OUT]

Workload: forward + backward (loss = output.sum()) of one explicit step of the classical
fourth-order Runge–Kutta method whose residual function is a pre-activation block
f = PreActivationBlock(16) (BN-ReLU-conv3x3-BN-ReLU-conv3x3, training mode), on a
64x16x32x32 float32 CPU state that requires grad.  Variants:

- gen:  the generated ``Rk4Step(f, h=1.0)``;
- hand: a plain hand-written step (``y + 0.5 * k1`` ..., ``(k1 + 2*k2 + 2*k3 + k4) / 6``);
- tdq:  ``torchdiffeq.odeint(..., method='rk4')[-1]`` over t = [0, 1], as shipped (its
  'rk4' is the 3/8-rule variant, ``rk4_alt_step_func``);
- tdq-classic (information, eager only): the same torchdiffeq fixed-grid driver with its
  classical-RK4 step function ``rk4_step_func`` instead;
- f4:   the four f evaluations alone, chained k1 = f(y), k2 = f(k1), k3 = f(k2), k4 = f(k3).

Every variant is timed in eager mode and (unless ``--no-compile``) compiled with
``torch.compile`` (inductor, falling back to aot_eager if inductor fails).  All timed
variants run interleaved: one repetition runs each variant once, in an order rotated by
one place every repetition, after ``--warmup`` interleaved warm-up repetitions.  The
tables report medians (min–max), the ratio of the medians (judged against the targets),
the ratio of the minima, and the quartiles of the per-repetition ratios (both sides timed
within one repetition).

Then: kernel counts per step from torch.profiler (eager), and the peak memory (peak
tensor bytes and peak RSS delta, separate subprocesses) of forward + backward of
Pd87ResNet(depth=2, widths=(16, 32, 64)) on a 32x3x32x32 batch with and without
``checkpoint=True``.

``--device cuda`` runs the same on a GPU: clocks read after ``torch.cuda.synchronize()``, a
per-step peak of allocated device memory, kernel device times in the kernel table, and the
peak-memory rows from ``torch.cuda.max_memory_allocated`` in this process.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch
from torch import nn

from benchmarks._common import (
    compile_with_fallback,
    dynamo_counts,
    interleaved,
    last_json,
    load_average,
    log,
    malloc_environment,
    median_range,
    outermost_phase,
    ratio_stats,
    run,
    spread,
    table,
    timed,
    write_json,
)

STATE_SHAPE = (64, 16, 32, 32)
TARGETS = {  # comparison -> (threshold, description)
    "gen/hand": (1.00, "≤ 1.00"),
    "gen/tdq": (0.85, "≤ 0.85"),
    "overhead": (0.12, "≤ 12 %"),
}
PROFILE_STEPS = 9
# glibc's malloc returns the top of its heap to the kernel once more than its (dynamic) trim
# threshold is free there, and which of a step's 4 MiB tensors get faulted in again the next
# step depends on where they landed, which differs from process to process and from variant
# to variant.  These settings make it keep freed memory, as jemalloc and tcmalloc do: no
# step takes page faults, and the timings measure the code, not the heap's layout.
NO_TRIM_MALLOC = {"MALLOC_TRIM_THRESHOLD_": "268435456", "MALLOC_MMAP_THRESHOLD_": "268435456"}
MEM_MODEL = "Pd87ResNet(depth=2, widths=(16, 32, 64))"
MEM_BATCH = (32, 3, 32, 32)


# --------------------------------------------------------------------------- variants


class HandRk4Step(nn.Module):
    """The plain hand-written classical RK4 step (h = 1)."""

    def __init__(self, f: nn.Module) -> None:
        super().__init__()
        self.f = f

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        f = self.f
        k1 = f(y)
        k2 = f(y + 0.5 * k1)
        k3 = f(y + 0.5 * k2)
        k4 = f(y + k3)
        return y + (k1 + 2 * k2 + 2 * k3 + k4) / 6


class FourEvaluations(nn.Module):
    """f applied four times, chained, with no combination arithmetic at all."""

    def __init__(self, f: nn.Module) -> None:
        super().__init__()
        self.f = f

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        f = self.f
        k1 = f(y)
        k2 = f(k1)
        k3 = f(k2)
        k4 = f(k3)
        return k4


class TorchdiffeqStep(nn.Module):
    """One fixed-grid step of torchdiffeq's ``odeint`` from t = 0 to t = 1."""

    def __init__(self, f: nn.Module, method: str = "rk4") -> None:
        super().__init__()
        self.f = f
        self.method = method
        self.register_buffer("t", torch.tensor([0.0, 1.0]), persistent=False)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        import torchdiffeq

        f = self.f
        return torchdiffeq.odeint(lambda t, y: f(y), y, self.t, method=self.method)[-1]


def register_tdq_classic() -> str:
    """Register torchdiffeq's own classical RK4 step (rk4_step_func) under a new method name.

    torchdiffeq 0.2.5 ships ``rk4_step_func`` (classical 1/6, 1/3, 1/3, 1/6) but its
    'rk4' method uses ``rk4_alt_step_func`` (the 3/8 rule); this is the same fixed-grid
    solver class with the classical step function, for the information row.
    """
    import importlib

    odeint_module = importlib.import_module("torchdiffeq._impl.odeint")
    from torchdiffeq._impl.fixed_grid import RK4
    from torchdiffeq._impl.misc import Perturb
    from torchdiffeq._impl.rk_common import rk4_step_func

    class ClassicalRK4(RK4):
        def _step_func(self, func, t0, dt, t1, y0):
            f0 = func(t0, y0, perturb=Perturb.NEXT if self.perturb else Perturb.NONE)
            return rk4_step_func(func, t0, dt, t1, y0, f0=f0, perturb=self.perturb), f0

    name = "bench_rk4_classical"
    odeint_module.SOLVERS[name] = ClassicalRK4
    return name


def build_variants(f: nn.Module) -> dict[str, nn.Module]:
    from tableau_compiler.generated.rk4 import Rk4Step

    return {
        "gen": Rk4Step(f, h=1.0),
        "hand": HandRk4Step(f),
        "tdq": TorchdiffeqStep(f, "rk4"),
        "tdq-classic": TorchdiffeqStep(f, register_tdq_classic()),
        "f4": FourEvaluations(f),
    }


# --------------------------------------------------------------------------- timing


def one_step(fn, f: nn.Module, y: torch.Tensor) -> float:
    """Zero grads (untimed), then time forward + backward of loss = output.sum()."""
    return one_step_faults(fn, f, y)[0]


def one_step_faults(fn, f: nn.Module, y: torch.Tensor) -> tuple[float, int, int]:
    """Like one_step, also returning the minor page faults the step took and, on CUDA, its
    peak of allocated device memory above what was allocated before it (bytes; 0 on the CPU).

    On CUDA the clock is read after ``torch.cuda.synchronize``, before and after the step, so
    the time is the step's wall time: the host's kernel launches and the device's kernels,
    whichever is longer, as a training loop sees it.
    """
    f.zero_grad(set_to_none=True)
    y.grad = None
    if not y.is_cuda:
        return (*timed(lambda: fn(y).sum().backward()), 0)
    torch.cuda.synchronize(y.device)
    torch.cuda.reset_peak_memory_stats(y.device)
    allocated_before = torch.cuda.memory_allocated(y.device)
    seconds, faults = timed(
        lambda: fn(y).sum().backward(), lambda: torch.cuda.synchronize(y.device)
    )
    return seconds, faults, torch.cuda.max_memory_allocated(y.device) - allocated_before


def run_interleaved(
    fns: dict[str, object], f: nn.Module, y: torch.Tensor, repeats: int, warmup: int
) -> tuple[dict[str, list[float]], dict]:
    """Step times of every variant (interleaved, see the module docstring) and the load: the
    CPU share of the timed loop, page faults and (CUDA) peak allocated bytes per step."""
    measured, share = interleaved(
        list(fns), lambda name: one_step_faults(fns[name], f, y), repeats, warmup
    )
    column = {
        i: {name: [m[i] for m in values] for name, values in measured.items()} for i in range(3)
    }
    load = {**share, "minor_faults": column[1], "cuda_peak_bytes": column[2] if y.is_cuda else None}
    return column[0], load


# --------------------------------------------------------------------------- compile


def compile_variants(variants, names, backend, f, y):
    """torch.compile each variant; first call (forward + backward) is the compile."""
    from torch._dynamo.utils import counters

    compiled = {}
    info = {}
    for name in names:
        graphs_before, breaks_before = dynamo_counts()
        fn = torch.compile(variants[name], backend=backend)
        log(f"  compiling {name} ({backend}) ...")
        seconds = one_step(fn, f, y)
        graphs, breaks = dynamo_counts()
        info[name] = {
            "first_call_s": seconds,
            "graphs": graphs - graphs_before,
            "graph_breaks": breaks - breaks_before,
        }
        log(
            f"    first call {seconds:.1f} s, {info[name]['graphs']} graph(s), "
            f"{info[name]['graph_breaks']} graph break(s)"
        )
        compiled[name] = fn
    reasons = sorted({str(k).splitlines()[0][:120] for k in counters["graph_break"]})
    return compiled, info, reasons


def with_malloc_settings(settings: dict[str, str]) -> dict[str, str]:
    """This process's environment with exactly ``settings`` as its MALLOC_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(settings)
    return env


def other_regime(malloc: str, repeats: int, warmup: int) -> dict:
    """This script, eager only, in a subprocess with the other malloc setting."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "regime.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--malloc", malloc]
        command += ["--repeats", str(repeats), "--warmup", str(warmup), "--no-compile"]
        command += ["--no-profile", "--memory-runs", "0", "--no-regimes", "--json", str(out)]
        done = run(command)
        if done.returncode != 0:
            raise RuntimeError(f"the --malloc {malloc} run failed:\n{done.stderr}")
        record = json.loads(out.read_text())
    return {
        "malloc": malloc,
        "samples_s": record["samples_s"],
        "minor_faults": record["load_during_timing"]["minor_faults"],
    }


# --------------------------------------------------------------------------- profile

PROFILE_F_OPS = {
    "aten::conv2d": "conv",
    "aten::convolution_backward": "conv bwd",
    "aten::batch_norm": "BN",
    "aten::native_batch_norm_backward": "BN bwd",
    "aten::cudnn_batch_norm_backward": "BN bwd",  # CUDA: autograd calls cuDNN's directly
    "aten::batch_norm_backward": "BN bwd",
    "aten::relu": "ReLU",
    "aten::threshold_backward": "ReLU bwd",
}
PROFILE_IGNORED = {
    "aten::detach",
    "aten::select",
    "aten::as_strided",
    "aten::to",
    "aten::new_empty_strided",
    "aten::view",
    "aten::expand",
}
"""State-sized aten ops that launch no kernel of their own."""


def profile_kernels(fns: dict[str, object], f: nn.Module, y: torch.Tensor, steps: int = 3) -> dict:
    """Count the state-sized aten ops of one forward + backward (outermost calls only).

    Each variant is profiled ``steps`` times (interleaved); counts are the same every
    time, the times are medians over the profiled steps: on the CPU the ops' CPU time, on
    CUDA the device time of the kernels each op (and the ops it calls) launched.
    """
    per_step: dict[str, list[dict]] = {name: [] for name in fns}
    for _ in range(steps):
        for name, fn in fns.items():
            per_step[name].append(_profile_step(fn, f, y))
    return {name: _kernel_summary(records) for name, records in per_step.items()}


def _state_sized(event) -> bool:
    """Whether a profiler event has an input of the state's shape (…x16x32x32)."""
    tail = list(STATE_SHAPE[1:])
    return any(
        isinstance(s, (list, tuple)) and len(s) >= 4 and list(s)[-3:] == tail
        for s in event.input_shapes
    )


def _profile_step(fn, f: nn.Module, y: torch.Tensor) -> dict:
    """One profiled forward + backward: the count and the ms of each ``phase:op``."""
    from torch.profiler import ProfilerActivity, profile, record_function

    cuda = y.is_cuda
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    one_step(fn, f, y)  # warm
    f.zero_grad(set_to_none=True)
    y.grad = None
    with profile(activities=activities, record_shapes=True) as prof:
        with record_function("bench::forward"):
            out = fn(y)
        with record_function("bench::loss"):
            loss = out.sum()
        with record_function("bench::backward"):
            loss.backward()
        if cuda:
            torch.cuda.synchronize(y.device)
    counts: collections.Counter = collections.Counter()
    times: collections.Counter = collections.Counter()
    total_aten = 0
    for event in prof.events():
        if not event.name.startswith("aten::"):
            continue
        total_aten += 1
        if not _state_sized(event) or event.name in PROFILE_IGNORED:
            continue
        phase = outermost_phase(event, cuda, _state_sized)
        if phase is None or phase == "loss":
            continue
        counts[f"{phase}:{event.name}"] += 1
        times[f"{phase}:{event.name}"] += (
            event.device_time_total if cuda else event.cpu_time_total
        ) / 1e3
    return {"aten_events": total_aten, "counts": counts, "times": times}


def _kernel_summary(records: list[dict]) -> dict:
    """A variant's f kernels and combination kernels over its profiled steps."""
    counts = records[-1]["counts"]
    f_ops = [k for k in counts if k.split(":", 1)[1] in PROFILE_F_OPS]
    other = [k for k in counts if k not in f_ops]
    return {
        "aten_events": records[-1]["aten_events"],
        "f_kernels": sum(counts[k] for k in f_ops),
        "f_ms": statistics.median(sum(r["times"][k] for k in f_ops) for r in records),
        "combination_kernels_forward": sum(counts[k] for k in other if k.startswith("forward:")),
        "combination_kernels_backward": sum(counts[k] for k in other if k.startswith("backward:")),
        "combination_ms": statistics.median(sum(r["times"][k] for k in other) for r in records),
        "combination_by_op": {k: counts[k] for k in sorted(other)},
        "counts": dict(sorted(counts.items())),
        "ms_median": {
            k: round(statistics.median(r["times"][k] for r in records), 2) for k in sorted(counts)
        },
    }


def kernel_time_budget(profile: dict) -> str:
    """The step ratios the kernel times alone predict, and what ≤ 0.85 leaves gen's combinations.

    Every variant runs the same 48 f kernels, so f's time is taken once (f4's, the variant with
    nothing else in it) and each variant adds its own combination time: ratio = (F + C_a) /
    (F + C_b).  Timer noise affects this far less than the wall clock, since only the kernels
    themselves are timed.
    """
    f_ms = profile["f4"]["f_ms"]  # CPU time on the CPU, device time on CUDA
    comb = {name: p["combination_ms"] for name, p in profile.items()}
    gen = profile["gen"]
    forward_ms = sum(
        ms
        for key, ms in gen["ms_median"].items()
        if key.startswith("forward:") and key in gen["combination_by_op"]
    )
    threshold = TARGETS["gen/tdq"][0]
    budget = threshold * (f_ms + comb["tdq"]) - f_ms
    return (
        "Kernel-time view (f's kernels taken as f4's "
        f"{ms3(f_ms)} ms for every variant, plus each variant's combination time): "
        f"gen / hand {(f_ms + comb['gen']) / (f_ms + comb['hand']):.3f}, "
        f"gen / tdq {(f_ms + comb['gen']) / (f_ms + comb['tdq']):.3f}. "
        f"For gen / tdq ≤ {threshold:.2f}, gen's combinations may take at most "
        f"{threshold:.2f} × ({ms3(f_ms)} + {ms3(comb['tdq'])}) − {ms3(f_ms)} = {ms3(budget)} ms "
        f"({budget / f_ms * 100:+.1f} % of f); they take {ms3(comb['gen'])} ms, of which "
        f"{ms3(forward_ms)} ms are its {gen['combination_kernels_forward']} forward kernels. "
        f"A step whose combinations cost nothing would be at "
        f"{f_ms / (f_ms + comb['tdq']):.3f} of tdq."
    )


# --------------------------------------------------------------------------- memory


def proc_status_kib(field: str) -> int:
    """A size field of /proc/self/status (VmRSS: resident now, VmHWM: peak resident)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (VmHWM) to its current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def mem_worker(mode: str) -> None:
    """Subprocess: peak memory of forward + backward of the 13-stage ResNet.

    Pass 1 (the first full-size pass in this process): peak RSS delta and time.
    Pass 2: time, warm.  Pass 3, under torch.profiler(profile_memory=True): the peak of
    live tensor bytes (every CPU-allocator allocation and free, summed in time order),
    which does not depend on what the C library's malloc does with freed memory.
    """
    from tableau_compiler.generated.pd87 import Pd87ResNet
    from torch.profiler import ProfilerActivity, profile

    torch.manual_seed(0)
    model = Pd87ResNet(depth=2, widths=(16, 32, 64), checkpoint=(mode == "checkpoint")).train()
    # A tiny untimed pass first, so one-time costs (thread pools, oneDNN primitives, lazy
    # imports) are in the baseline and not in the delta.
    model(torch.randn(2, *MEM_BATCH[1:])).sum().backward()
    model.zero_grad(set_to_none=True)
    x = torch.randn(*MEM_BATCH)

    def one_pass() -> float:
        model.zero_grad(set_to_none=True)
        gc.collect()
        start = time.perf_counter()
        model(x).sum().backward()
        return time.perf_counter() - start

    gc.collect()
    # getrusage's ru_maxrss survives fork + exec on Linux: a worker started by a large
    # parent begins with the parent's RSS as its "max", which hides the pass's own peak.
    # VmHWM is per address space and can be reset to the current RSS, so the peak is
    # that of the pass alone; ru_maxrss is the fallback where /proc/self/clear_refs fails.
    hwm_reset = reset_peak_rss()
    baseline = proc_status_kib("VmRSS")
    max_before = (
        proc_status_kib("VmHWM")
        if hwm_reset
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    )
    first = one_pass()
    peak = (
        proc_status_kib("VmHWM")
        if hwm_reset
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    )
    second = one_pass()
    model.zero_grad(set_to_none=True)
    gc.collect()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        model(x).sum().backward()
    events = sorted(
        (e.start_ns(), e.nbytes())
        for e in prof.profiler.kineto_results.events()
        if e.name() == "[memory]"
    )
    live = tensor_peak = 0
    for _, nbytes in events:
        live += nbytes
        tensor_peak = max(tensor_peak, live)
    print(
        json.dumps(
            {
                "mode": mode,
                "malloc_env": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")},
                "peak_source": "VmHWM after clear_refs" if hwm_reset else "ru_maxrss",
                "baseline_kib": baseline,
                "peak_before_kib": max_before,
                "peak_after_kib": peak,
                "rss_delta_kib": peak - baseline,
                "peak_raised": peak > max_before,
                "tensor_peak_bytes": tensor_peak,
                "first_pass_s": first,
                "warm_pass_s": second,
            }
        )
    )


# glibc's default malloc serves large blocks from its heap once the dynamic mmap threshold
# has grown, and keeps freed heap memory resident; with a fixed threshold every tensor of
# 128 KiB or more is its own mapping, returned on free, so peak RSS tracks live tensors.
MALLOC_SETTINGS = {"default": {}, "fixed-mmap": {"MALLOC_MMAP_THRESHOLD_": "131072"}}


def measure_memory(runs: int) -> dict:
    """Peak memory of the 13-stage ResNet, one --mem-worker subprocess per run, mode and malloc."""
    results: dict[str, dict[str, list[dict]]] = {
        malloc: {"plain": [], "checkpoint": []} for malloc in MALLOC_SETTINGS
    }
    for index in range(runs):
        order = ["plain", "checkpoint"] if index % 2 == 0 else ["checkpoint", "plain"]
        for malloc, extra_env in MALLOC_SETTINGS.items():
            for mode in order:
                worker = [sys.executable, str(Path(__file__).resolve()), "--mem-worker", mode]
                done = run(worker, env=with_malloc_settings(extra_env))
                if done.returncode != 0:
                    raise RuntimeError(f"memory worker {mode} ({malloc}) failed:\n{done.stderr}")
                record = last_json(done)
                results[malloc][mode].append(record)
                log(
                    f"  memory run {index + 1} {mode:10s} malloc {malloc:10s}: peak RSS delta "
                    f"{record['rss_delta_kib'] / 1024:.0f} MiB, tensor peak "
                    f"{record['tensor_peak_bytes'] / 2**20:.0f} MiB, passes "
                    f"{record['first_pass_s']:.2f} s / {record['warm_pass_s']:.2f} s"
                )
    return results


def measure_memory_cuda(runs: int, device: torch.device) -> dict[str, list[dict]]:
    """Peak CUDA memory of forward + backward of the 13-stage ResNet, plain and checkpointed.

    In this process: the caching allocator's ``max_memory_allocated`` counts the bytes of live
    tensors, whatever it keeps cached, so no subprocess is needed.  Per run and mode: a fresh
    model, an untimed batch-2 pass, then the peak allocated bytes of one full-size pass above
    what was allocated before it (model, input, cached nothing counted), and the wall time of
    a second, warm pass (synchronised).
    """
    from tableau_compiler.generated.pd87 import Pd87ResNet

    results: dict[str, list[dict]] = {"plain": [], "checkpoint": []}
    for index in range(runs):
        order = ["plain", "checkpoint"] if index % 2 == 0 else ["checkpoint", "plain"]
        for mode in order:
            torch.manual_seed(0)
            model = Pd87ResNet(depth=2, widths=(16, 32, 64), checkpoint=(mode == "checkpoint"))
            model = model.train().to(device)
            model(torch.randn(2, *MEM_BATCH[1:], device=device)).sum().backward()
            x = torch.randn(*MEM_BATCH, device=device)
            model.zero_grad(set_to_none=True)
            gc.collect()
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
            baseline = torch.cuda.memory_allocated(device)
            model(x).sum().backward()
            torch.cuda.synchronize(device)
            peak = torch.cuda.max_memory_allocated(device) - baseline
            model.zero_grad(set_to_none=True)
            torch.cuda.synchronize(device)
            start = time.perf_counter()
            model(x).sum().backward()
            torch.cuda.synchronize(device)
            seconds = time.perf_counter() - start
            results[mode].append({"peak_allocated_bytes": peak, "warm_pass_s": seconds})
            log(
                f"  CUDA memory run {index + 1} {mode:10s}: peak allocated {peak / 2**20:.0f} MiB, "
                f"warm pass {seconds * 1e3:.1f} ms"
            )
            del model, x
            gc.collect()
    return results


# --------------------------------------------------------------------------- formatting


def ms3(x: float) -> str:
    """Milliseconds to three significant figures (whole numbers from 100 on)."""
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def ms(x: float) -> str:
    if x >= 0.1:
        return f"{x * 1e3:.0f} ms"
    return f"{x * 1e3:.1f} ms" if x >= 0.01 else f"{x * 1e3:.2f} ms"


def cell(values: list[float]) -> str:
    return median_range(values, ms)


def step_ratio(a: list[float], b: list[float], minus_one: bool = False) -> dict:
    """Ratio a / b (minus one with ``minus_one``): of the medians, of the minima, and per
    repetition (paired samples); :func:`benchmarks._common.ratio_stats`."""
    return {**ratio_stats(a, b, 1.0 if minus_one else 0.0), "minus_one": minus_one}


def comparisons(samples: dict[str, list[float]], suffix: str) -> dict[str, dict]:
    g, h, t, f4 = (samples[n + suffix] for n in ("gen", "hand", "tdq", "f4"))
    return {
        "gen/hand": step_ratio(g, h),
        "gen/tdq": step_ratio(g, t),
        "overhead": step_ratio(g, f4, minus_one=True),  # (gen - f4) / f4 = gen / f4 - 1
        "hand-overhead": step_ratio(h, f4, minus_one=True),
        "tdq-overhead": step_ratio(t, f4, minus_one=True),
    }


def fmt_ratio(x: float, percent: bool) -> str:
    return f"{x * 100:+.1f} %" if percent else f"{x:.3f}"


def ratio_cells(stats: dict) -> list[str]:
    """Three table cells: ratio of medians, ratio of minima, per-repetition ratios."""
    pct = stats["minus_one"]

    def r(key: str) -> str:
        return fmt_ratio(stats[key], pct)

    return [
        f"**{r('ratio_of_medians')}**",
        r("ratio_of_minima"),
        (
            f"{r('per_rep_median')} [{r('per_rep_q1')} … {r('per_rep_q3')}] "
            f"({r('per_rep_min')} … {r('per_rep_max')})"
        ),
    ]


def status(key: str, stats: dict) -> str:
    return "met" if stats["ratio_of_medians"] <= TARGETS[key][0] else "NOT met"


# --------------------------------------------------------------------------- the run


def parse_arguments(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeats", type=int, default=30, help="timed interleaved repetitions (default 30)"
    )
    parser.add_argument(
        "--warmup", type=int, default=5, help="untimed interleaved warm-up repetitions (default 5)"
    )
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile rows")
    parser.add_argument(
        "--backend",
        default="inductor",
        help="torch.compile backend (default inductor; aot_eager on failure)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    parser.add_argument(
        "--memory-runs",
        type=int,
        default=3,
        help="subprocess pairs for the peak-memory rows (default 3; 0 skips)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the kernel counts")
    parser.add_argument(
        "--device",
        default="cpu",
        help="device for the step timings (default cpu; e.g. cuda). On CUDA the kernel "
        "counts give device times and the peak memory is max_memory_allocated; other "
        "devices skip both.",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=STATE_SHAPE[0],
        help=f"batch size of the state (default {STATE_SHAPE[0]}; the targets are judged at it)",
    )
    parser.add_argument(
        "--malloc",
        choices=("no-trim", "default"),
        default="no-trim",
        help="glibc malloc for the timed steps: no-trim (default; keeps freed memory, no page "
        "faults) or default (glibc's own settings); the script re-executes itself to set it",
    )
    parser.add_argument(
        "--no-regimes",
        action="store_true",
        help="skip the information run (eager) under the other --malloc setting",
    )
    parser.add_argument("--mem-worker", choices=("plain", "checkpoint"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 2 or args.warmup < 0 or args.memory_runs < 0 or args.batch < 1:
        parser.error(
            "--repeats must be at least 2, --batch at least 1; --warmup and --memory-runs "
            "not negative"
        )
    return args


def settle_device(args: argparse.Namespace, argv) -> None:
    """On the CPU, re-execute this script under the chosen malloc settings unless it already
    runs under them; elsewhere, switch off what the device cannot measure."""
    device = torch.device(args.device)
    if device.type == "cpu":
        wanted = NO_TRIM_MALLOC if args.malloc == "no-trim" else {}
        current = {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}
        if current != wanted:  # malloc reads its settings at start-up: run again with them
            env = with_malloc_settings(wanted)
            argv = sys.argv[1:] if argv is None else list(argv)
            sys.stdout.flush()
            os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *argv], env)
        return
    # The states live in device memory, which PyTorch's caching allocator keeps; glibc's
    # malloc settings do not reach it, so there is nothing to re-execute for and no
    # other regime to compare.  The kernel counts (with device times) and the peak-memory
    # rows (max_memory_allocated) have CUDA versions; other devices skip them.
    args.no_regimes = True
    if device.type != "cuda":
        args.no_profile = True
        args.memory_runs = 0


@dataclasses.dataclass
class StepRun:
    """What one run of the benchmark measured, for the report and the JSON."""

    args: argparse.Namespace
    device: torch.device
    state_shape: tuple
    threads: int
    interop: int
    load_before: tuple
    diffs: dict
    samples: dict = dataclasses.field(default_factory=dict)
    load: dict = dataclasses.field(default_factory=dict)
    load_after: tuple = ()
    compile_info: dict = dataclasses.field(default_factory=dict)
    backend_used: str | None = None
    compile_error: str | None = None
    graph_break_reasons: list = dataclasses.field(default_factory=list)
    regime: dict | None = None
    profile: dict | None = None
    memory: dict | None = None
    memory_cuda: dict | None = None

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def eager(self) -> dict:
        return comparisons(self.samples, "")

    @property
    def comp(self) -> dict | None:
        return comparisons(self.samples, "-c") if not self.args.no_compile else None


def output_differences(variants: dict[str, nn.Module], y: torch.Tensor) -> dict[str, float]:
    """Max |difference| of the outputs: gen and hand compute the same classical step;
    torchdiffeq's 'rk4' is the 3/8 rule, so it differs; its classical step function agrees."""
    with torch.no_grad():
        outs = {name: module(y) for name, module in variants.items() if name != "f4"}
    return {
        "gen vs hand": (outs["gen"] - outs["hand"]).abs().max().item(),
        "gen vs tdq-classic": (outs["gen"] - outs["tdq-classic"]).abs().max().item(),
        "gen vs tdq (3/8 rule)": (outs["gen"] - outs["tdq"]).abs().max().item(),
    }


def measure(args: argparse.Namespace) -> StepRun:
    """Build the variants, compile them, time them; then the information runs."""
    from tableau_compiler.generated.rk4 import PreActivationBlock

    device = torch.device(args.device)
    state_shape = (args.batch, *STATE_SHAPE[1:])
    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    load_before = load_average()
    torch.manual_seed(0)
    f = PreActivationBlock(state_shape[1]).train().to(device)
    y = torch.randn(*state_shape, device=device, requires_grad=True)
    # every variant on the device (torchdiffeq's time grid is a buffer)
    variants = {name: module.to(device) for name, module in build_variants(f).items()}
    result = StepRun(
        args, device, state_shape, threads, interop, load_before, output_differences(variants, y)
    )
    fns: dict[str, object] = dict(variants)
    if not args.no_compile:
        log("compiling ...")
        names = ["gen", "hand", "tdq", "f4"]
        (compiled, result.compile_info, result.graph_break_reasons), backend, error = (
            compile_with_fallback(
                lambda backend: compile_variants(variants, names, backend, f, y), args.backend
            )
        )
        result.backend_used, result.compile_error = backend, error
        fns.update({name + "-c": fn for name, fn in compiled.items()})
    log(f"timing {len(fns)} variants: {args.warmup} warm-up + {args.repeats} repetitions ...")
    result.samples, result.load = run_interleaved(fns, f, y, args.repeats, args.warmup)
    result.load_after = load_average()
    measure_information(result, variants, f, y)
    return result


def measure_information(result: StepRun, variants: dict, f: nn.Module, y: torch.Tensor) -> None:
    """The other malloc regime, the kernel counts and the peak memory, as asked for."""
    args = result.args
    if not args.no_regimes:
        other = "default" if args.malloc == "no-trim" else "no-trim"
        log(f"information: the eager comparison again with --malloc {other} ...")
        result.regime = other_regime(other, args.repeats, args.warmup)
    if not args.no_profile:
        log("profiling one step of each eager variant ...")
        result.profile = profile_kernels(
            {n: variants[n] for n in ("gen", "hand", "tdq", "f4")}, f, y, PROFILE_STEPS
        )
    if args.memory_runs > 0 and result.cuda:
        log(f"peak CUDA memory: {args.memory_runs} run(s) of each mode ...")
        result.memory_cuda = measure_memory_cuda(args.memory_runs, result.device)
    elif args.memory_runs > 0:
        log(f"peak memory: {args.memory_runs} subprocess pair(s) ...")
        result.memory = measure_memory(args.memory_runs)


# --------------------------------------------------------------------------- report


def report(result: StepRun) -> list[str]:
    """The Markdown report: header, the variants, the comparisons, the information sections."""
    lines = [*report_header(result), *variant_table(result), "", *comparison_table(result)]
    lines += compile_notes(result)
    if result.regime:
        lines += ["", *regime_section(result)]
    if result.profile:
        lines += ["", *kernel_section(result.profile, result.cuda)]
    if result.memory:
        lines += ["", *memory_section(result.memory, result.args.memory_runs)]
    if result.memory_cuda:
        lines += ["", *memory_cuda_section(result.memory_cuda, result.args.memory_runs)]
    lines.append("")
    lines.append(
        "Checks (max |difference| of the outputs, no grad): "
        + ", ".join(f"{k} {v:.2e}" for k, v in result.diffs.items())
        + "."
    )
    return lines


def report_header(result: StepRun) -> list[str]:
    args, load = result.args, result.load
    import torchdiffeq

    lines = [
        (
            f"## RK4 step benchmark ({args.repeats} interleaved repetitions after "
            f"{args.warmup} warm-ups, medians)"
        ),
        "",
        (
            f"Python {platform.python_version()}, torch {torch.__version__}, torchdiffeq "
            f"{torchdiffeq.__version__}, {os.cpu_count()} CPUs; torch.get_num_threads() = "
            f"{result.threads} (default, not set), interop threads {result.interop}. Load average "
            f"before / after: {result.load_before[0]:.2f} / {result.load_after[0]:.2f}; during the "
            f"timed loop other processes used {load['other_cpu_cores']:.2f} CPU cores on average "
            f"(this process {load['own_cpu_cores']:.2f})."
        ),
    ]
    if result.cuda:
        props = torch.cuda.get_device_properties(result.device)
        lines += [
            "",
            (
                f"Device: {props.name} ({props.multi_processor_count} SMs, "
                f"{props.total_memory / 2**30:.0f} GiB), CUDA {torch.version.cuda}, cuDNN "
                f"{torch.backends.cudnn.version()}; PyTorch's defaults left as they are: "
                f"cudnn.benchmark = {torch.backends.cudnn.benchmark}, cudnn.allow_tf32 = "
                f"{torch.backends.cudnn.allow_tf32} (convolutions may use TF32), "
                f"matmul.allow_tf32 = {torch.backends.cuda.matmul.allow_tf32}. Each step's clock "
                "is read after torch.cuda.synchronize() before and after it: wall time, host "
                "launches and device kernels together."
            ),
        ]
    lines += [
        "",
        f"Workload: forward + backward (loss = output.sum(), grads zeroed between steps) of "
        f"one RK4 step with f = PreActivationBlock(16) in training mode, state "
        f"{'x'.join(map(str, result.state_shape))} float32 on {result.device}, requires_grad. "
        f"Cells: median (min–max) per step; page faults: median minor page faults per step "
        f"(getrusage), i.e. freshly mapped 4 KiB pages"
        + (
            "; CUDA peak: the step's peak of allocated device memory above what was allocated "
            "before it (torch.cuda.max_memory_allocated), median. "
            if result.cuda
            else f". malloc environment: {malloc_environment()}."
        ),
        "",
    ]
    return lines


VARIANT_LABELS = {
    "gen": "gen: generated `Rk4Step(f, h=1.0)`",
    "hand": "hand: hand-written classical RK4",
    "tdq": "tdq: `torchdiffeq.odeint(..., method='rk4')[-1]` as shipped (3/8 rule)",
    "tdq-classic": "tdq-classic (info): torchdiffeq driver with its classical `rk4_step_func`",
    "f4": "f4: four chained f evaluations, no combination",
}


def variant_table(result: StepRun) -> list[str]:
    """Per variant: eager time, page faults (and CUDA peak), and the compiled columns."""
    samples, load, cuda, comp = result.samples, result.load, result.cuda, result.comp

    def faults_cells(name: str) -> list[str]:
        cells = [f"{statistics.median(load['minor_faults'][name]):.0f}"]
        if cuda:
            cells.append(f"{statistics.median(load['cuda_peak_bytes'][name]) / 2**20:.0f} MiB")
        return cells

    faults_head = ["page faults", "CUDA peak"] if cuda else ["page faults"]
    header = ["Variant", "eager", *faults_head]
    if comp:
        header += [
            f"compiled ({result.backend_used})",
            "eager / compiled: ratio of medians (per-rep quartiles)",
            *faults_head,
        ]
    rows = []
    for name, label in VARIANT_LABELS.items():
        row = [label, cell(samples[name]), *faults_cells(name)]
        if comp and name + "-c" in samples:
            speed = ratio_stats(samples[name], samples[name + "-c"])
            row += [
                cell(samples[name + "-c"]),
                (
                    f"{speed['ratio_of_medians']:.2f} "
                    f"({speed['per_rep_q1']:.2f}–{speed['per_rep_q3']:.2f})"
                ),
                *faults_cells(name + "-c"),
            ]
        elif comp:
            row += ["—"] * (2 + len(faults_head))
        rows.append(row)
    return table(header, rows)


def comparison_table(result: StepRun) -> list[str]:
    """The judged ratios (eager; compiled for information) and the information ratios."""
    samples, comp = result.samples, result.comp
    modes = [("eager", result.eager)] + (
        [(f"compiled ({result.backend_used})", comp)] if comp else []
    )
    labels = {
        "gen/hand": "gen / hand",
        "gen/tdq": "gen / tdq",
        "overhead": "combination overhead (gen − f4) / f4",
    }
    rows = []
    for key, label in labels.items():
        for mode_label, stats in modes:
            eager_mode = mode_label == "eager"
            target = TARGETS[key][1] if eager_mode else f"({TARGETS[key][1]})"
            verdict = status(key, stats[key]) if eager_mode else f"info: {status(key, stats[key])}"
            rows.append([label, mode_label, target, *ratio_cells(stats[key]), verdict])
    for label, key in (
        ("info: hand's overhead (hand − f4) / f4", "hand-overhead"),
        ("info: tdq's overhead (tdq − f4) / f4", "tdq-overhead"),
    ):
        for mode_label, stats in modes:
            rows.append([label, mode_label, "—", *ratio_cells(stats[key]), "—"])
    for name in ("gen", "hand"):
        stats = step_ratio(samples[name], samples["tdq-classic"])
        rows.append([f"info: {name} / tdq-classic", "eager", "—", *ratio_cells(stats), "—"])
    header = ["Comparison", "mode", "target", "ratio of medians", "ratio of minima"]
    header += ["per-repetition ratio", "status"]
    return [
        (
            "Ratios: of the medians (the figure judged against the target), of the minima, and "
            "the per-repetition ratios of the two variants timed within the same repetition: "
            "median [quartiles] (min … max)."
        ),
        "",
        *table(header, rows),
    ]


def compile_notes(result: StepRun) -> list[str]:
    if not result.comp:
        return []
    lines = [
        "",
        f"Compiled with `torch.compile(module, backend='{result.backend_used}')`, default mode; "
        "first call (compile + forward + backward): "
        + ", ".join(
            f"{n} {i['first_call_s']:.1f} s ({i['graphs']} graph(s), {i['graph_breaks']} break(s))"
            for n, i in result.compile_info.items()
        )
        + ".",
    ]
    if result.compile_error:
        lines.append(
            f"The `{result.args.backend}` backend failed: `{result.compile_error}`; "
            "the compiled column uses aot_eager instead."
        )
    if result.graph_break_reasons:
        lines.append(
            "Graph-break reasons: " + "; ".join(f"`{r}`" for r in result.graph_break_reasons) + "."
        )
    return lines


def regime_section(result: StepRun) -> list[str]:
    """The eager comparison again under the other malloc setting (information)."""
    args, regime = result.args, result.regime
    rows = []
    for label, data, page_faults in (
        (
            f"`--malloc {args.malloc}` (the table above)",
            result.samples,
            result.load["minor_faults"],
        ),
        (f"`--malloc {regime['malloc']}`", regime["samples_s"], regime["minor_faults"]),
    ):
        stats = comparisons(data, "")
        cells = []
        for key in ("gen/hand", "gen/tdq", "overhead"):
            pct = stats[key]["minus_one"]
            cells.append(
                f"{fmt_ratio(stats[key]['ratio_of_medians'], pct)} "
                f"[{fmt_ratio(stats[key]['per_rep_median'], pct)}]"
            )
        counts = " / ".join(
            f"{statistics.median(page_faults[n]):.0f}" for n in ("gen", "hand", "tdq", "f4")
        )
        rows.append([label, *cells, counts])
    return [
        f"### The eager comparison again with `--malloc {regime['malloc']}` (information)",
        "",
        (
            "The same script, eager only, in a subprocess run right after the table above, "
            f"with {args.repeats} repetitions. With glibc's default settings the freed heap is "
            "returned to the kernel and faulted in again, and how much of it depends on where "
            "each variant's tensors landed among the others' (in one process, the variant "
            "with the smallest working set, f4, settles into the holes the others leave and "
            "takes no faults). Cells: ratio of medians [per-repetition median]; page faults: "
            "median per step."
        ),
        "",
        *table(
            [
                "malloc",
                "gen / hand",
                "gen / tdq",
                "overhead (gen − f4) / f4",
                "page faults per step: gen / hand / tdq / f4",
            ],
            rows,
        ),
    ]


def kernel_section(profile: dict, cuda: bool) -> list[str]:
    """Kernels per step of each eager variant, and what their times predict."""
    f4_ms = profile["f4"]["f_ms"]
    rows = []
    for name, p in profile.items():
        ops = ", ".join(f"{k.replace('aten::', '')}×{v}" for k, v in p["combination_by_op"].items())
        rows.append(
            [
                name,
                p["aten_events"],
                p["f_kernels"],
                ms3(p["f_ms"]),
                f"{p['combination_kernels_forward']} + {p['combination_kernels_backward']}",
                ms3(p["combination_ms"]),
                ops or "—",
                f"{p['combination_ms'] / f4_ms * 100:+.1f} %",
            ]
        )
    return [
        "### Kernels per step (torch.profiler, eager, one forward + backward)",
        "",
        "State-sized aten ops (an input of shape …x16x32x32), outermost calls only; the "
        "loss's sum is left out. f kernels: conv, BN and ReLU, forward and backward. "
        "Combination kernels: every other state-sized op (adds, scalar multiplies, "
        "gradient accumulation, copies). ms: "
        + (
            "CUDA time of the kernels those calls launched (device time), "
            if cuda
            else "profiler CPU time of those calls, "
        )
        + f"median of {PROFILE_STEPS} profiled steps per variant (profiling slows the step "
        "down). Last column: combination ms over f4's f-kernel ms, a kernel-time estimate "
        "of the overhead.",
        "",
        *table(
            [
                "Variant",
                "aten events (all levels)",
                "f kernels",
                "f ms",
                "combination kernels fwd + bwd",
                "combination ms",
                "combination ops",
                "est. overhead",
            ],
            rows,
        ),
        "",
        kernel_time_budget(profile),
    ]


def memory_section(memory: dict, runs: int) -> list[str]:
    """Peak memory of the 13-stage ResNet, plain and checkpointed, in fresh processes."""

    def mib(values: list[float]) -> str:
        s = spread(values)
        return f"{s.median:.0f} MiB ({s.low:.0f}–{s.high:.0f})"

    rows, med = [], {}
    for mode, label in (("plain", "checkpoint=False"), ("checkpoint", "checkpoint=True")):
        default, fixed = memory["default"][mode], memory["fixed-mmap"][mode]
        tensor = [r["tensor_peak_bytes"] / 2**20 for r in default + fixed]
        rss_default = [r["rss_delta_kib"] / 1024 for r in default]
        rss_fixed = [r["rss_delta_kib"] / 1024 for r in fixed]
        secs = spread([r["warm_pass_s"] for r in default])
        med[mode] = [statistics.median(v) for v in (tensor, rss_default, rss_fixed)]
        med[mode].append(secs.median)
        rows.append(
            [
                label,
                mib(tensor),
                mib(rss_default),
                mib(rss_fixed),
                f"{secs.median:.2f} s ({secs.low:.2f}–{secs.high:.2f})",
            ]
        )
    rows.append(
        ["checkpoint / plain (medians)"]
        + [f"{c / p:.2f}" for c, p in zip(med["checkpoint"], med["plain"])]
    )
    lines = [
        (
            f"### Peak memory: {MEM_MODEL}, batch {'x'.join(map(str, MEM_BATCH))}, "
            "forward + backward (13-stage Prince–Dormand 8(7) steps)"
        ),
        "",
        (
            "One fresh subprocess per cell and run; median (min–max) over "
            f"{runs} runs, plain and checkpointed alternating. Tensor peak: "
            "torch.profiler(profile_memory=True), the peak of live tensor bytes during one "
            "forward + backward (allocator-independent). Peak RSS delta: the process's peak "
            "resident set (VmHWM, reset to the current RSS just before the pass through "
            "/proc/self/clear_refs) after the first full-size forward + backward, minus the RSS "
            "just before it (after an untimed batch-2 pass), with glibc's default malloc and "
            "with `MALLOC_MMAP_THRESHOLD_=131072` (fixed threshold: tensors are mmapped and "
            "returned on free). Time: a second, warm forward + backward, default malloc."
        ),
        "",
        *table(
            [
                "Model",
                "tensor peak",
                "peak RSS delta, default malloc",
                "peak RSS delta, fixed mmap threshold",
                "forward + backward (warm)",
            ],
            rows,
        ),
    ]
    records = [r for by_mode in memory.values() for rs in by_mode.values() for r in rs]
    if not all(r["peak_raised"] for r in records):
        lines += [
            "",
            (
                "Warning: in some run the pass did not raise the process's max RSS "
                "above its earlier peak, so that delta is a lower bound."
            ),
        ]
    return lines


def memory_cuda_section(memory_cuda: dict, runs: int) -> list[str]:
    """Peak allocated device memory of the 13-stage ResNet, plain and checkpointed."""
    rows, med = [], {}
    for mode, label in (("plain", "checkpoint=False"), ("checkpoint", "checkpoint=True")):
        peaks = spread([r["peak_allocated_bytes"] / 2**20 for r in memory_cuda[mode]])
        secs = spread([r["warm_pass_s"] * 1e3 for r in memory_cuda[mode]])
        med[mode] = (peaks.median, secs.median)
        rows.append(
            [
                label,
                f"{peaks.median:.0f} MiB ({peaks.low:.0f}–{peaks.high:.0f})",
                f"{secs.median:.1f} ms ({secs.low:.1f}–{secs.high:.1f})",
            ]
        )
    rows.append(
        ["checkpoint / plain (medians)"]
        + [f"{c / p:.2f}" for c, p in zip(med["checkpoint"], med["plain"])]
    )
    return [
        (
            f"### Peak CUDA memory: {MEM_MODEL}, batch {'x'.join(map(str, MEM_BATCH))}, "
            "forward + backward (13-stage Prince–Dormand 8(7) steps)"
        ),
        "",
        (
            f"In this process, {runs} run(s) per mode, plain and checkpointed "
            "alternating, a fresh model each: the peak of allocated device memory "
            "(torch.cuda.max_memory_allocated, live tensors only) during one full-size forward "
            "+ backward, above what was allocated before it; time: a second, warm pass "
            "(synchronised). Median (min–max)."
        ),
        "",
        *table(["Model", "peak allocated", "forward + backward (warm)"], rows),
    ]


def payload(result: StepRun) -> dict:
    """Everything measured, for ``--json``."""
    import torchdiffeq

    args, cuda, device = result.args, result.cuda, result.device
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchdiffeq": torchdiffeq.__version__,
        "cpus": os.cpu_count(),
        "num_threads": result.threads,
        "num_interop_threads": result.interop,
        "loadavg_before": result.load_before,
        "loadavg_after": result.load_after,
        "load_during_timing": result.load,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if cuda else None,
        "cuda_version": torch.version.cuda if cuda else None,
        "cudnn_version": torch.backends.cudnn.version() if cuda else None,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32 if cuda else None,
        "state_shape": result.state_shape,
        "malloc": args.malloc,
        "samples_s": result.samples,
        "other_regime": result.regime,
        "medians_s": {k: statistics.median(v) for k, v in result.samples.items()},
        "eager": result.eager,
        "compiled": result.comp,
        "backend": result.backend_used,
        "compile_error": result.compile_error,
        "compile_info": result.compile_info,
        "graph_break_reasons": result.graph_break_reasons,
        "profile": result.profile,
        "memory": result.memory,
        "memory_cuda": result.memory_cuda,
        "output_differences": result.diffs,
    }


def main(argv=None) -> int:
    args = parse_arguments(argv)
    if args.mem_worker:
        mem_worker(args.mem_worker)
        return 0
    settle_device(args, argv)
    import torchdiffeq  # noqa: F401  (before anything is built: the variants need it)

    result = measure(args)
    print("\n".join(report(result)))
    if args.json:
        write_json(args.json, payload(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
