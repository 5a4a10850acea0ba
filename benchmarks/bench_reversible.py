"""Reversible training (issue 14): activation memory and time of one training step, reversible
against stored, at two depths; the rounding of the inverse over depth; float32 gradients.

Run from the repository root, in the project's virtual environment::

    python benchmarks/bench_reversible.py [--repeats N] [--out benchmarks/RESULTS_reversible.md]

**Memory.**  Activation memory is measured as the bytes autograd keeps for the backward pass
after the forward pass of one training step: every tensor saved for backward passes through
``torch.autograd.graph.saved_tensors_hooks``; distinct storages are counted once and the
model's parameters are left out.  It is what the reversible algorithm removes; it leaves out
the transient memory of the backward pass (one step's recomputation at a time, the same at
every depth) and the parameters and gradients (which grow with depth either way).

**Peak memory.**  Beside it, the allocator's peak: each network in a fresh process (glibc with
``MALLOC_MMAP_THRESHOLD_=65536``, so that every tensor of 64 KiB or more is mapped on
allocation and unmapped when freed and the resident set follows the live tensors), one warm-up
training step, gradients freed, the kernel's resident-set high-water mark reset
(``/proc/self/clear_refs``, Linux); then one training step (forward, backward) and the high-water
mark above the resident set before it.  It counts everything the step allocates: activations,
the transient memory of the backward pass, and the gradients (as many bytes as the parameters);
``peak - gradients`` is given too.  CPU only: no GPU was lent for this run, so
``torch.cuda.max_memory_allocated`` was not measured.

**Time.**  Forward + backward + zeroing the gradients of a cross-entropy loss, reversible and
stored timed interleaved after one warm-up each, ``--repeats`` times or as many times as fill
three seconds of the stored network's steps, whichever is more; medians.

**Networks.**  revnet38 (3-3-3 basic units, filters 32-32-64-112) against the same network with
12-12-12 units (a 4x deeper RevNet of the same widths); lm_resnet20 against lm_resnet110 with
k_n drawn from [0.9, 1.0] (growth ≤ 1.11 per undone step: no step stored) and, for the
fallback, with k_n from [0.4, 0.6] (growth ≤ 2.5: a step stored every few).  Batch 16 of
3x32x32, float32.

**Rounding.**  The inverse of n compiled steps (``inverse`` of the partitioned steps,
``retreat`` of the multistep nets) applied to their output, relative 2-norm error of the
rebuilt input, f and g small tanh layers (Linear 16->16), h = 0.1.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import math
import os
import platform
import re
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import commit, facts, interleaved, last_json, run, spread, write_markdown
from tableau_compiler.models.registry import create_model

COMMAND = "python benchmarks/bench_reversible.py --repeats 11"


def saved_bytes(model: torch.nn.Module, x: torch.Tensor) -> int:
    """Bytes of the distinct non-parameter storages autograd saves in one forward pass."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = torch.nn.functional.cross_entropy(model(x), torch.zeros(len(x), dtype=torch.long))
    del loss
    return sum(seen.values())


def step_time(model: torch.nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    loss = torch.nn.functional.cross_entropy(model(x), torch.zeros(len(x), dtype=torch.long))
    loss.backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start


def pair(name: str, **kwargs: object) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    stored = create_model(name, reversible=False, **kwargs).train()
    reversible = copy.deepcopy(stored)
    for module in reversible.modules():
        if hasattr(module, "reversible"):
            module.reversible = True
    return stored, reversible


def _status(field: str) -> int:
    """A size in bytes from /proc/self/status (``VmRSS``, ``VmHWM``)."""
    text = Path("/proc/self/status").read_text(encoding="ascii")
    return int(re.search(rf"{field}:\s+(\d+) kB", text).group(1)) * 1024


def peak_child(spec: str) -> None:
    """In a fresh process: the peak resident memory of one training step above the resting
    process, printed as JSON (see the module docstring)."""
    name, kwargs, reversible = json.loads(spec)
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    model = pair(name, **kwargs)[1 if reversible else 0]
    torch.manual_seed(1)
    x = torch.randn(16, 3, 32, 32)
    step_time(model, x)  # warm-up; its gradients are freed
    gradients = sum(p.numel() * p.element_size() for p in model.parameters())
    before = _status("VmRSS")
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    loss = torch.nn.functional.cross_entropy(model(x), torch.zeros(len(x), dtype=torch.long))
    loss.backward()
    peak = _status("VmHWM") - before
    print(json.dumps({"peak": peak, "gradients": gradients}))


def peak_memory(name: str, kwargs: dict, reversible: bool) -> tuple[float, float]:
    """(peak, gradients) in MiB of one training step, measured in a fresh process."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    spec = json.dumps([name, kwargs, reversible])
    done = run([sys.executable, str(Path(__file__).resolve()), "--peak-child", spec], env=env)
    if done.returncode != 0:
        raise RuntimeError(f"the peak-memory child of {spec} failed:\n{done.stderr}")
    figures = last_json(done)
    return figures["peak"] / 2**20, figures["gradients"] / 2**20


def step_medians(stored, reversible, x: torch.Tensor, repeats: int) -> list[float]:
    """Median step time of each, timed interleaved after one warm-up each, ``repeats`` times or
    as many as fill three seconds of the stored network's steps, whichever is more."""
    models = {"stored": stored, "reversible": reversible}
    warm = [step_time(m, x) for m in models.values()]
    measured, _ = interleaved(
        list(models),
        lambda name: (step_time(models[name], x),),
        max(repeats, math.ceil(3.0 / warm[0])),
        0,
        rotate=False,
        pause_gc=False,
        progress=False,
    )
    return [spread([m[0] for m in measured[name]]).median for name in models]


def memory_and_time(repeats: int) -> list[str]:
    x = torch.randn(16, 3, 32, 32)
    cases = [
        ("revnet38", "revnet38", {}),
        ("revnet, 12-12-12 units (4x)", "revnet38", {"units": (12, 12, 12)}),
        ("lm_resnet20, k in [0.9, 1]", "lm_resnet20", {"k_init": (0.9, 1.0)}),
        ("lm_resnet110, k in [0.9, 1]", "lm_resnet110", {"k_init": (0.9, 1.0)}),
        ("lm_resnet20, k in [0.4, 0.6]", "lm_resnet20", {"k_init": (0.4, 0.6)}),
        ("lm_resnet110, k in [0.4, 0.6]", "lm_resnet110", {"k_init": (0.4, 0.6)}),
    ]
    rows = [
        (
            "| network | saved for backward, stored | reversible | peak of the step, stored | "
            "reversible | of which gradients | time per step, stored | reversible | "
            "time ratio reversible / stored |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    figures = {}
    peaks = {}
    grads = {}
    for label, name, kwargs in cases:
        measured = [peak_memory(name, kwargs, r) for r in (False, True)]
        gradients = measured[0][1]
        peaks[label] = [m[0] for m in measured]
        grads[label] = gradients
        stored, reversible = pair(name, **kwargs)
        memory = [saved_bytes(m, x) / 2**20 for m in (stored, reversible)]
        medians = step_medians(stored, reversible, x, repeats)
        figures[label] = (memory, medians)
        rows.append(
            f"| {label} | {memory[0]:.1f} MiB | {memory[1]:.1f} MiB | {peaks[label][0]:.1f} MiB | "
            f"{peaks[label][1]:.1f} MiB | {gradients:.1f} MiB | {medians[0] * 1e3:.0f} ms | "
            f"{medians[1] * 1e3:.0f} ms | {medians[1] / medians[0]:.2f} |"
        )
        print(rows[-1], flush=True)
    rows.append("")
    rows.append(
        "| growth shallow -> deep | saved, stored | saved, reversible | peak, stored | "
        "peak, reversible | peak - gradients, stored | peak - gradients, reversible |"
    )
    rows.append("|---|---|---|---|---|---|---|")
    for shallow, deep in (
        ("revnet38", "revnet, 12-12-12 units (4x)"),
        ("lm_resnet20, k in [0.9, 1]", "lm_resnet110, k in [0.9, 1]"),
        ("lm_resnet20, k in [0.4, 0.6]", "lm_resnet110, k in [0.4, 0.6]"),
    ):
        a, b = figures[shallow][0], figures[deep][0]
        c, d = peaks[shallow], peaks[deep]
        rows.append(
            f"| {shallow} -> {deep} | {100 * (b[0] / a[0] - 1):+.0f} % | "
            f"{100 * (b[1] / a[1] - 1):+.0f} % | {100 * (d[0] / c[0] - 1):+.0f} % | "
            f"{100 * (d[1] / c[1] - 1):+.0f} % | "
            f"{100 * ((d[0] - grads[deep]) / (c[0] - grads[shallow]) - 1):+.0f} % | "
            f"{100 * ((d[1] - grads[deep]) / (c[1] - grads[shallow]) - 1):+.0f} % |"
        )
    return rows


def float32_gradients() -> list[str]:
    rows = ["| network (float32) | largest relative gradient difference, reversible vs stored |"]
    rows.append("|---|---|")
    x = torch.randn(8, 3, 32, 32)
    for label, name, kwargs in (
        ("revnet38", "revnet38", {}),
        ("lm_resnet20, k in [0.9, 1]", "lm_resnet20", {"k_init": (0.9, 1.0)}),
        ("lm_resnet20, k in [0.4, 0.6]", "lm_resnet20", {"k_init": (0.4, 0.6)}),
        ("lm_resnet20, k in [0.1, 0.2]", "lm_resnet20", {"k_init": (0.1, 0.2)}),
        ("midpoint62", "midpoint62", {}),
        ("hamiltonian74", "hamiltonian74", {}),
    ):
        stored, reversible = pair(name, **kwargs)
        for m in (stored, reversible):
            torch.nn.functional.cross_entropy(m(x), torch.arange(8) % 10).backward()
        worst = max(
            ((b.grad - a.grad).norm() / a.grad.norm()).item()
            for a, b in zip(stored.parameters(), reversible.parameters())
            if a.grad is not None and a.grad.norm() > 0
        )
        rows.append(f"| {label} | {worst:.1e} |")
        print(rows[-1], flush=True)
    return rows


def stored_at_initialisation() -> list[str]:
    """How many multistep steps of LM-ResNet store their input at the official initialisation
    (k_n from [-0.1, 0]), from ``LmResnetNet.stored_steps``."""
    rows = [
        "| network at its initialisation (seed 0) | multistep steps | stored |",
        "|---|---|---|",
    ]
    for name in ("lm_resnet20", "lm_resnet56", "lm_resnet110"):
        torch.manual_seed(0)
        model = create_model(name, reversible=True)
        steps = stored = 0
        for net in (m for m in model.modules() if hasattr(m, "stored_steps")):
            flags = net.stored_steps()
            steps += len(flags)
            stored += sum(flags)
        rows.append(f"| {name} | {steps} | {stored} |")
        print(rows[-1], flush=True)
    return rows


def _layer(seed: int, dtype: torch.dtype) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(16, 16), torch.nn.Tanh()).to(dtype)


def rounding(depths: tuple[int, ...]) -> list[str]:
    schemes = ["revnet", "stormer_verlet", "forest_ruth4", "leapfrog"]
    lm = [1.0, 0.5, 0.1, 0.01]
    header = "| inverse of n steps | " + " | ".join(
        f"n = {n}, float32 | n = {n}, float64" for n in depths
    )
    rows = [header + " |", "|---" * (1 + 2 * len(depths)) + "|"]
    cases = [(s, None) for s in schemes] + [("lm_resnet", k) for k in lm]
    for name, k in cases:
        module = importlib.import_module(f"tableau_compiler.generated.{name}")
        cells = []
        for n in depths:
            for dtype in (torch.float32, torch.float64):
                torch.manual_seed(1)
                cells.append(_rebuild_error(module, name, k, n, dtype))
        label = f"{name}" if k is None else f"lm_resnet, k = {k:g} (growth {1 / k:g} per step)"
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def _rebuild_error(module, name: str, k: float | None, n: int, dtype: torch.dtype) -> str:
    with torch.no_grad():
        if k is None and name != "leapfrog":
            step = getattr(module, next(c for c in dir(module) if c.endswith("Step")))
            steps = [
                step(_layer(2 * i, dtype), _layer(2 * i + 1, dtype), 0.1, True) for i in range(n)
            ]
            q0, p0 = torch.randn(4, 16, dtype=dtype), torch.randn(4, 16, dtype=dtype)
            q, p = q0, p0
            for s in steps:
                q, p = s(q, p)
            for s in reversed(steps):
                q, p = s.inverse(q, p)
            error = torch.cat([q - q0, p - p0]).norm() / torch.cat([q0, p0]).norm()
        else:
            net_name = "LeapfrogNet" if name == "leapfrog" else "LmResnetNet"
            fs = [_layer(i, dtype) for i in range(n + 1)]
            kwargs = {} if k is None else {"constrain": False}
            net = getattr(module, net_name)(fs, 0.1, **kwargs).to(dtype)
            if k is not None:
                net.raw_k.fill_(k)
            window = [torch.randn(4, 16, dtype=dtype), torch.randn(4, 16, dtype=dtype)]
            first = list(window)
            for m in range(1, n + 1):
                window = [window[1], net.advance(m, window)]
            for m in range(n, 0, -1):
                window = [net.retreat(m, window), window[0]]
            error = (window[0] - first[0]).norm() / first[0].norm()
    value = error.item()
    return "overflow" if not math.isfinite(value) else f"{value:.1e}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS_reversible.md"))
    parser.add_argument("--peak-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak_child:
        peak_child(args.peak_child)
        return
    machine = (
        f"{platform.machine()}, {torch.get_num_threads()} torch threads, "
        f"torch {torch.__version__}, CPU only (no GPU lent for this run)"
    )
    lines = [
        "# bench_reversible.py results",
        "",
        *facts({"commit": commit(), "command": f"`{COMMAND}`", "machine": machine}),
        "",
        "### Activation memory and time of one training step",
        "",
        *memory_and_time(args.repeats),
        "",
        "### Float32 gradients",
        "",
        *float32_gradients(),
        "",
        "### LM-ResNet steps stored at the initialisation",
        "",
        *stored_at_initialisation(),
        "",
        "### Rounding of the inverse over depth",
        "",
        *rounding((1, 10, 100)),
    ]
    write_markdown(args.out, lines)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
