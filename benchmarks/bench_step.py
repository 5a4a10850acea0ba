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
tables report medians (min, max) and ratios of medians; next to each ratio, the min–max
of the per-repetition ratios (both sides measured within one repetition).

Then: kernel counts per step from torch.profiler (eager), and the peak memory (max RSS
delta, separate subprocesses) of forward + backward of Pd87ResNet(depth=2,
widths=(16, 32, 64)) on a 32x3x32x32 batch with and without ``checkpoint=True``.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import torch  # noqa: E402
from torch import nn  # noqa: E402

STATE_SHAPE = (64, 16, 32, 32)
TARGETS = {  # comparison -> (threshold, description)
    "gen/hand": (1.00, "≤ 1.00"),
    "gen/tdq": (0.85, "≤ 0.85"),
    "overhead": (0.12, "≤ 12 %"),
}
MEM_MODEL = "Pd87ResNet(depth=2, widths=(16, 32, 64))"
MEM_BATCH = (32, 3, 32, 32)


def log(*args: object) -> None:
    print(*args, file=sys.stderr, flush=True)


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
    from generated.rk4 import Rk4Step

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
    f.zero_grad(set_to_none=True)
    y.grad = None
    start = time.perf_counter()
    loss = fn(y).sum()
    loss.backward()
    return time.perf_counter() - start


def cpu_busy_jiffies() -> tuple[int, int]:
    """(all CPUs' busy jiffies, this process's utime + stime) from /proc."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)
        with open("/proc/self/stat") as handle:
            stat = handle.read().rsplit(")", 1)[1].split()
        own = int(stat[11]) + int(stat[12])
        return busy, own
    except OSError:
        return 0, 0


def run_interleaved(
    fns: dict[str, object], f: nn.Module, y: torch.Tensor, repeats: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, float]]:
    names = list(fns)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(warmup + repeats):
        shift = rep % len(names)
        order = names[shift:] + names[:shift]
        if rep == warmup:
            busy0, own0 = cpu_busy_jiffies()
            wall0 = time.perf_counter()
        gc.collect()
        gc.disable()
        try:
            for name in order:
                elapsed = one_step(fns[name], f, y)
                if rep >= warmup:
                    samples[name].append(elapsed)
        finally:
            gc.enable()
        label = "warm-up" if rep < warmup else "repetition"
        index = rep + 1 if rep < warmup else rep - warmup + 1
        log(
            f"  {label} {index}: "
            + ", ".join(f"{n} {samples[n][-1] * 1e3:.0f} ms" for n in names if rep >= warmup)
        )
    busy1, own1 = cpu_busy_jiffies()
    wall = time.perf_counter() - wall0
    hz = os.sysconf("SC_CLK_TCK")
    load = {
        "timed_wall_s": wall,
        "own_cpu_cores": (own1 - own0) / hz / wall if wall else 0.0,
        "other_cpu_cores": max(0.0, ((busy1 - busy0) - (own1 - own0)) / hz / wall) if wall else 0.0,
    }
    return samples, load


# --------------------------------------------------------------------------- compile


def compile_variants(variants, names, backend, f, y):
    """torch.compile each variant; first call (forward + backward) is the compile."""
    from torch._dynamo.utils import counters

    compiled = {}
    info = {}
    for name in names:
        breaks_before = sum(counters["graph_break"].values())
        graphs_before = counters["stats"]["unique_graphs"]
        fn = torch.compile(variants[name], backend=backend)
        log(f"  compiling {name} ({backend}) ...")
        seconds = one_step(fn, f, y)
        info[name] = {
            "first_call_s": seconds,
            "graphs": counters["stats"]["unique_graphs"] - graphs_before,
            "graph_breaks": sum(counters["graph_break"].values()) - breaks_before,
        }
        log(f"    first call {seconds:.1f} s, {info[name]['graphs']} graph(s), "
            f"{info[name]['graph_breaks']} graph break(s)")
        compiled[name] = fn
    reasons = sorted({str(k).splitlines()[0][:120] for k in counters["graph_break"]})
    return compiled, info, reasons


# --------------------------------------------------------------------------- profile

PROFILE_F_OPS = {
    "aten::conv2d": "conv",
    "aten::convolution_backward": "conv bwd",
    "aten::batch_norm": "BN",
    "aten::native_batch_norm_backward": "BN bwd",
    "aten::relu": "ReLU",
    "aten::threshold_backward": "ReLU bwd",
}


def profile_kernels(fns: dict[str, object], f: nn.Module, y: torch.Tensor) -> dict:
    """Count the state-sized aten ops of one forward + backward (outermost ones only)."""
    from torch.profiler import ProfilerActivity, profile, record_function

    tail = list(STATE_SHAPE[1:])

    def state_sized(event) -> bool:
        return any(
            isinstance(s, (list, tuple)) and len(s) >= 4 and list(s)[-3:] == tail
            for s in event.input_shapes
        )

    result = {}
    for name, fn in fns.items():
        one_step(fn, f, y)  # warm
        f.zero_grad(set_to_none=True)
        y.grad = None
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
            with record_function("bench::forward"):
                loss = fn(y).sum()
            with record_function("bench::backward"):
                loss.backward()
        counts: collections.Counter = collections.Counter()
        times: collections.Counter = collections.Counter()
        total_aten = 0
        for event in prof.events():
            if not event.name.startswith("aten::"):
                continue
            total_aten += 1
            if not state_sized(event):
                continue
            parent, phase, nested = event.cpu_parent, "?", False
            while parent is not None:
                if parent.name.startswith("bench::"):
                    phase = parent.name[len("bench::"):]
                    break
                if parent.name.startswith("aten::") and state_sized(parent):
                    nested = True
                parent = parent.cpu_parent
            if nested or event.name in ("aten::detach", "aten::select", "aten::as_strided",
                                        "aten::to", "aten::new_empty_strided"):
                continue
            counts[f"{phase}:{event.name}"] += 1
            times[f"{phase}:{event.name}"] += event.cpu_time_total / 1e3
        f_ops = {k: v for k, v in counts.items() if k.split(":", 1)[1] in PROFILE_F_OPS}
        other = {k: v for k, v in counts.items() if k not in f_ops}
        result[name] = {
            "aten_events": total_aten,
            "f_kernels": sum(f_ops.values()),
            "f_ms": sum(times[k] for k in f_ops),
            "combination_kernels_forward": sum(
                v for k, v in other.items() if k.startswith("forward:")
            ),
            "combination_kernels_backward": sum(
                v for k, v in other.items() if k.startswith("backward:")
            ),
            "combination_ms": sum(times[k] for k in other),
            "combination_by_op": dict(sorted(other.items())),
            "counts": dict(sorted(counts.items())),
            "ms": {k: round(v, 2) for k, v in sorted(times.items())},
        }
    return result


# --------------------------------------------------------------------------- memory


def vmrss_kib() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def mem_worker(mode: str) -> None:
    """Subprocess: peak RSS of one forward + backward of the 13-stage ResNet."""
    from generated.pd87 import Pd87ResNet

    torch.manual_seed(0)
    model = Pd87ResNet(depth=2, widths=(16, 32, 64), checkpoint=(mode == "checkpoint")).train()
    # A tiny untimed pass first, so one-time costs (thread pools, oneDNN primitives, lazy
    # imports) are in the baseline and not in the delta.
    model(torch.randn(2, *MEM_BATCH[1:])).sum().backward()
    model.zero_grad(set_to_none=True)
    x = torch.randn(*MEM_BATCH)
    gc.collect()
    baseline = vmrss_kib()
    max_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    model(x).sum().backward()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "mode": mode,
        "baseline_kib": baseline,
        "maxrss_before_kib": max_before,
        "maxrss_after_kib": peak,
        "delta_kib": peak - baseline,
        "peak_raised": peak > max_before,
        "seconds": seconds,
    }))


def measure_memory(runs: int) -> dict:
    results: dict[str, list[dict]] = {"plain": [], "checkpoint": []}
    for run in range(runs):
        order = ["plain", "checkpoint"] if run % 2 == 0 else ["checkpoint", "plain"]
        for mode in order:
            proc = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "--mem-worker", mode],
                cwd=REPO, capture_output=True, text=True, check=False,
            )
            if proc.returncode != 0:
                raise RuntimeError(f"memory worker {mode} failed:\n{proc.stderr}")
            record = json.loads(proc.stdout.strip().splitlines()[-1])
            results[mode].append(record)
            log(f"  memory run {run + 1} {mode}: peak delta {record['delta_kib'] / 1024:.0f} MiB, "
                f"{record['seconds']:.2f} s")
    return results


# --------------------------------------------------------------------------- formatting


def ms(x: float) -> str:
    return f"{x * 1e3:.0f} ms" if x >= 0.1 else f"{x * 1e3:.1f} ms"


def cell(values: list[float]) -> str:
    return f"{ms(statistics.median(values))} ({ms(min(values))}–{ms(max(values))})"


def ratio_stats(a: list[float], b: list[float]) -> dict:
    per_rep = [x / y for x, y in zip(a, b)]
    return {
        "ratio_of_medians": statistics.median(a) / statistics.median(b),
        "per_rep_min": min(per_rep),
        "per_rep_max": max(per_rep),
        "per_rep_median": statistics.median(per_rep),
    }


def comparisons(samples: dict[str, list[float]], suffix: str) -> dict[str, dict]:
    g, h, t, f4 = (samples[n + suffix] for n in ("gen", "hand", "tdq", "f4"))
    out = {
        "gen/hand": ratio_stats(g, h),
        "gen/tdq": ratio_stats(g, t),
        "overhead": ratio_stats(g, f4),
    }
    # (gen - f4) / f4 = gen / f4 - 1, per repetition too
    for key in ("ratio_of_medians", "per_rep_min", "per_rep_max", "per_rep_median"):
        out["overhead"][key] -= 1.0
    return out


def ratio_cell(stats: dict, percent: bool = False) -> str:
    if percent:
        return (f"{stats['ratio_of_medians'] * 100:+.1f} % "
                f"({stats['per_rep_min'] * 100:+.1f} … {stats['per_rep_max'] * 100:+.1f})")
    return (f"{stats['ratio_of_medians']:.3f} "
            f"({stats['per_rep_min']:.3f}–{stats['per_rep_max']:.3f})")


def status(key: str, stats: dict) -> str:
    return "met" if stats["ratio_of_medians"] <= TARGETS[key][0] else "NOT met"


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=30,
                        help="timed interleaved repetitions (default 30)")
    parser.add_argument("--warmup", type=int, default=5,
                        help="untimed interleaved warm-up repetitions (default 5)")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile rows")
    parser.add_argument("--backend", default="inductor",
                        help="torch.compile backend (default inductor; aot_eager on failure)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    parser.add_argument("--memory-runs", type=int, default=3,
                        help="subprocess pairs for the peak-memory rows (default 3; 0 skips)")
    parser.add_argument("--no-profile", action="store_true", help="skip the kernel counts")
    parser.add_argument("--mem-worker", choices=("plain", "checkpoint"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.mem_worker:
        mem_worker(args.mem_worker)
        return 0

    import torchdiffeq
    from generated.rk4 import PreActivationBlock

    threads, interop = torch.get_num_threads(), torch.get_num_interop_threads()
    load_before = os.getloadavg()
    torch.manual_seed(0)
    f = PreActivationBlock(STATE_SHAPE[1]).train()
    y = torch.randn(*STATE_SHAPE, requires_grad=True)
    variants = build_variants(f)

    # Correctness: gen and hand compute the same classical step; torchdiffeq's 'rk4' is
    # the 3/8 rule, so it differs; its classical step function agrees with gen.
    with torch.no_grad():
        outs = {name: module(y) for name, module in variants.items() if name != "f4"}
    diffs = {
        "gen vs hand": (outs["gen"] - outs["hand"]).abs().max().item(),
        "gen vs tdq-classic": (outs["gen"] - outs["tdq-classic"]).abs().max().item(),
        "gen vs tdq (3/8 rule)": (outs["gen"] - outs["tdq"]).abs().max().item(),
    }
    del outs

    fns: dict[str, object] = dict(variants)
    compile_info: dict = {}
    backend_used = None
    compile_error = None
    graph_break_reasons: list[str] = []
    compiled_names = ["gen", "hand", "tdq", "f4"]
    if not args.no_compile:
        log("compiling ...")
        backend_used = args.backend
        try:
            compiled, compile_info, graph_break_reasons = compile_variants(
                variants, compiled_names, backend_used, f, y)
        except Exception as error:  # inductor needs a working C++ toolchain
            compile_error = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
            log(f"  {args.backend} failed ({compile_error}); falling back to aot_eager")
            from torch._dynamo import reset as dynamo_reset

            dynamo_reset()
            backend_used = "aot_eager"
            compiled, compile_info, graph_break_reasons = compile_variants(
                variants, compiled_names, backend_used, f, y)
        for name, fn in compiled.items():
            fns[name + "-c"] = fn

    log(f"timing {len(fns)} variants: {args.warmup} warm-up + {args.repeats} repetitions ...")
    samples, load = run_interleaved(fns, f, y, args.repeats, args.warmup)
    load_after = os.getloadavg()

    profile = None
    if not args.no_profile:
        log("profiling one step of each eager variant ...")
        profile = profile_kernels(
            {n: variants[n] for n in ("gen", "hand", "tdq", "f4")}, f, y)

    memory = None
    if args.memory_runs > 0:
        log(f"peak memory: {args.memory_runs} subprocess pair(s) ...")
        memory = measure_memory(args.memory_runs)

    # ---------------------------------------------------------------- report
    eager = comparisons(samples, "")
    comp = comparisons(samples, "-c") if not args.no_compile else None
    lines = []
    lines.append(f"## RK4 step benchmark ({args.repeats} interleaved repetitions after "
                 f"{args.warmup} warm-ups, medians)")
    lines.append("")
    lines.append(
        f"Python {platform.python_version()}, torch {torch.__version__}, torchdiffeq "
        f"{torchdiffeq.__version__}, {os.cpu_count()} CPUs; torch.get_num_threads() = "
        f"{threads} (default, not set), interop threads {interop}. Load average before / after: "
        f"{load_before[0]:.2f} / {load_after[0]:.2f}; during the timed loop other processes "
        f"used {load['other_cpu_cores']:.2f} CPU cores on average (this process "
        f"{load['own_cpu_cores']:.2f}).")
    lines.append("")
    lines.append(
        f"Workload: forward + backward (loss = output.sum(), grads zeroed between steps) of "
        f"one RK4 step with f = PreActivationBlock(16) in training mode, state "
        f"{'x'.join(map(str, STATE_SHAPE))} float32 on CPU, requires_grad. Cells: median "
        f"(min–max) per step.")
    lines.append("")
    labels = {
        "gen": "gen: generated `Rk4Step(f, h=1.0)`",
        "hand": "hand: hand-written classical RK4",
        "tdq": "tdq: `torchdiffeq.odeint(..., method='rk4')[-1]` as shipped (3/8 rule)",
        "tdq-classic": "tdq-classic (info): torchdiffeq driver with its classical `rk4_step_func`",
        "f4": "f4: four chained f evaluations, no combination",
    }
    header = "| Variant | eager |" + (f" compiled ({backend_used}) | eager / compiled |"
                                      if comp else "")
    lines.append(header)
    lines.append("|---|---|" + ("---|---|" if comp else ""))
    for name, label in labels.items():
        row = f"| {label} | {cell(samples[name])} |"
        if comp:
            if name + "-c" in samples:
                speed = ratio_stats(samples[name], samples[name + "-c"])
                row += f" {cell(samples[name + '-c'])} | {ratio_cell(speed)} |"
            else:
                row += " — | — |"
        lines.append(row)
    lines.append("")
    lines.append("Ratios of the medians (min–max of the per-repetition ratios):")
    lines.append("")
    head = "| Comparison | target | eager | status |"
    if comp:
        head += f" compiled ({backend_used}) | vs target (info) |"
    lines.append(head)
    lines.append("|---|---|---|---|" + ("---|---|" if comp else ""))
    names = {
        "gen/hand": "gen / hand",
        "gen/tdq": "gen / tdq",
        "overhead": "combination overhead (gen − f4) / f4",
    }
    for key, label in names.items():
        pct = key == "overhead"
        row = (f"| {label} | {TARGETS[key][1]} | {ratio_cell(eager[key], pct)} | "
               f"{status(key, eager[key])} |")
        if comp:
            row += f" {ratio_cell(comp[key], pct)} | {status(key, comp[key])} |"
        lines.append(row)
    extra = {
        "hand − f4 over f4 (hand's overhead)": ratio_stats(samples["hand"], samples["f4"]),
        "tdq − f4 over f4 (tdq's overhead)": ratio_stats(samples["tdq"], samples["f4"]),
    }
    for label, stats in extra.items():
        stats = {k: v - 1.0 for k, v in stats.items()}
        lines.append(f"| info: {label} | — | {ratio_cell(stats, True)} | — |"
                     + (" — | — |" if comp else ""))
    tc = ratio_stats(samples["gen"], samples["tdq-classic"])
    lines.append(f"| info: gen / tdq-classic | — | {ratio_cell(tc)} | — |"
                 + (" — | — |" if comp else ""))
    if comp:
        lines.append("")
        lines.append(
            f"Compiled with `torch.compile(module, backend='{backend_used}')`, default mode; "
            "first call (compile + forward + backward): "
            + ", ".join(f"{n} {i['first_call_s']:.1f} s ({i['graphs']} graph(s), "
                        f"{i['graph_breaks']} break(s))" for n, i in compile_info.items())
            + ".")
        if compile_error:
            lines.append(f"The `{args.backend}` backend failed: `{compile_error}`; "
                         "the compiled column uses aot_eager instead.")
        if graph_break_reasons:
            lines.append("Graph-break reasons: " + "; ".join(
                f"`{r}`" for r in graph_break_reasons) + ".")
    if profile:
        lines.append("")
        lines.append("### Kernels per step (torch.profiler, eager, one forward + backward)")
        lines.append("")
        lines.append(
            "State-sized aten ops (an input of shape …x16x32x32), outermost calls only. "
            "f kernels: conv, BN, ReLU forward and backward (the same 48 in every variant). "
            "Combination kernels: every other state-sized op (adds, scalar multiplies, "
            "gradient accumulation, copies); ms: profiler CPU time of those calls.")
        lines.append("")
        lines.append("| Variant | aten events | f kernels (ms) | combination kernels fwd + bwd "
                     "| combination ms | combination ops |")
        lines.append("|---|---|---|---|---|---|")
        for name, p in profile.items():
            ops = ", ".join(f"{k.replace('aten::', '')}×{v}"
                            for k, v in p["combination_by_op"].items()) or "—"
            lines.append(
                f"| {name} | {p['aten_events']} | {p['f_kernels']} ({p['f_ms']:.0f}) | "
                f"{p['combination_kernels_forward']} + {p['combination_kernels_backward']} | "
                f"{p['combination_ms']:.0f} | {ops} |")
    if memory:
        lines.append("")
        lines.append(f"### Peak memory: {MEM_MODEL}, batch {'x'.join(map(str, MEM_BATCH))}, "
                     "forward + backward (13-stage Prince–Dormand 8(7) steps)")
        lines.append("")
        lines.append(
            "Each cell: one fresh subprocess per run, max RSS (getrusage) after one forward + "
            "backward minus the RSS just before it (after an untimed batch-2 pass); median "
            f"(min–max) over {args.memory_runs} runs, plain and checkpointed alternating.")
        lines.append("")
        lines.append("| Model | peak RSS delta | forward + backward time (first full pass) |")
        lines.append("|---|---|---|")
        med = {}
        for mode, label in (("plain", "checkpoint=False"), ("checkpoint", "checkpoint=True")):
            deltas = [r["delta_kib"] / 1024 for r in memory[mode]]
            secs = [r["seconds"] for r in memory[mode]]
            med[mode] = (statistics.median(deltas), statistics.median(secs))
            lines.append(
                f"| {label} | {statistics.median(deltas):.0f} MiB ({min(deltas):.0f}–"
                f"{max(deltas):.0f}) | {statistics.median(secs):.2f} s ({min(secs):.2f}–"
                f"{max(secs):.2f}) |")
        lines.append(
            f"| checkpoint / plain | {med['checkpoint'][0] / med['plain'][0]:.2f} | "
            f"{med['checkpoint'][1] / med['plain'][1]:.2f} |")
        if not all(r["peak_raised"] for rs in memory.values() for r in rs):
            lines.append("")
            lines.append("Warning: in some run the pass did not raise the process's max RSS "
                         "above its earlier peak, so that delta is a lower bound.")
    lines.append("")
    lines.append("Checks (max |difference| of the outputs, no grad): "
                 + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()) + ".")
    print("\n".join(lines))

    if args.json:
        args.json.write_text(json.dumps({
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchdiffeq": torchdiffeq.__version__,
            "cpus": os.cpu_count(),
            "num_threads": threads,
            "num_interop_threads": interop,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
            "load_during_timing": load,
            "repeats": args.repeats,
            "warmup": args.warmup,
            "state_shape": STATE_SHAPE,
            "samples_s": samples,
            "medians_s": {k: statistics.median(v) for k, v in samples.items()},
            "eager": eager,
            "compiled": comp,
            "backend": backend_used,
            "compile_error": compile_error,
            "compile_info": compile_info,
            "graph_break_reasons": graph_break_reasons,
            "profile": profile,
            "memory": memory,
            "output_differences": diffs,
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
