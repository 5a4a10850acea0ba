"""What every benchmark repeats, in one place.

- the header of a results file: :func:`commit`, :func:`cpu_name`, :func:`version_of`,
  :func:`load_average` and :func:`loads`, :func:`facts` (``- key: value`` lines),
  :func:`malloc_environment`, and :class:`CpuShare` (the cores other processes used while a
  loop was timed);
- a command in a fresh process with a wall-time cap, its wall time and its peak resident
  memory: :func:`run` (and :func:`run_child`, its JSON-lines form);
- repeated timings: :func:`interleaved` (every variant once per repetition, the order rotated,
  after untimed warm-ups), :func:`timed` (one measured call: seconds and minor page faults),
  :func:`spread` / :func:`median_range` (median and min–max), :func:`ratio_stats` (the ratio of
  two variants: of the medians, of the minima, per repetition);
- the output: :func:`table` (Markdown), :func:`write_markdown`, :func:`write_json` (strict JSON);
- ``torch.compile`` with the fall-back to aot_eager: :func:`compile_with_fallback`,
  :func:`dynamo_counts` (torch is imported only by these two).

Nothing here asserts a time; ``tests/test_bench_common.py`` holds its behaviour.
"""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

UNIT_SECONDS = 16e-9
"""What one unit of work stands for on the reference machine (tableau_compiler.analysis.work)."""

TIMED_OUT = 124
"""The exit status :func:`run` reports for a child stopped at its wall-time cap (as timeout(1))."""


def log(*parts: object) -> None:
    """Progress, on stderr (the results go to stdout or a file)."""
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the header


def git(*arguments: str) -> str:
    """``git ARGUMENTS`` run in the repository root: its stdout, or ``unknown`` when it fails."""
    done = subprocess.run(
        ["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def commit(mark_uncommitted: bool = False) -> str:
    """The short hash of the commit the benchmark measured; with ``mark_uncommitted``, followed
    by `` (with uncommitted changes)`` when tracked files differ from it."""
    short = git("rev-parse", "--short", "HEAD")
    if mark_uncommitted and git("status", "--porcelain", "--untracked-files=no") not in (
        "",
        "unknown",
    ):
        return short + " (with uncommitted changes)"
    return short


def cpu_name() -> str:
    """The processor's model name (/proc/cpuinfo), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version_of(distribution: str) -> str:
    """The installed version of a distribution, ``?`` when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "?"


def load_average() -> tuple[float, float, float]:
    """The 1-, 5- and 15-minute load averages."""
    return os.getloadavg()


def loads(triple: Iterable[float], digits: int = 2) -> str:
    """Load averages as ``0.52, 0.61, 0.70``."""
    return ", ".join(f"{x:.{digits}f}" for x in triple)


def facts(pairs: Mapping[str, str]) -> list[str]:
    """The ``- key: value`` lines that open a results file (commit, command, machine...)."""
    return [f"- {key}: {value}" for key, value in pairs.items()]


def malloc_environment() -> str:
    """The MALLOC_* variables this process runs with, as ``K=V, ...``."""
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith("MALLOC_"))
    return ", ".join(f"{k}={v}" for k, v in settings) or "glibc defaults (no MALLOC_* set)"


def cpu_busy_jiffies() -> tuple[int, int]:
    """(all CPUs' busy jiffies, this process's utime + stime) from /proc; (0, 0) elsewhere."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:]]
        busy = sum(fields) - fields[3] - (fields[4] if len(fields) > 4 else 0)
        with open("/proc/self/stat") as handle:
            stat = handle.read().rsplit(")", 1)[1].split()
        return busy, int(stat[11]) + int(stat[12])
    except OSError:
        return 0, 0


class CpuShare:
    """The CPU cores this process and the others used, on average, between start and stop."""

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.busy, self.own = cpu_busy_jiffies()
        self.wall = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """``timed_wall_s``, ``own_cpu_cores`` and ``other_cpu_cores`` since :meth:`start`."""
        busy, own = cpu_busy_jiffies()
        wall = time.perf_counter() - self.wall
        hz = os.sysconf("SC_CLK_TCK")
        mine, all_cpus = own - self.own, busy - self.busy
        return {
            "timed_wall_s": wall,
            "own_cpu_cores": mine / hz / wall if wall else 0.0,
            "other_cpu_cores": max(0.0, (all_cpus - mine) / hz / wall) if wall else 0.0,
        }


# --------------------------------------------------------------------------- children


@dataclass(frozen=True)
class Finished:
    """A finished child: exit status (:data:`TIMED_OUT` when stopped at the cap), wall seconds
    from start to exit, its peak resident memory in MB (``ru_maxrss`` of ``os.wait4``), and
    what it wrote (empty when not captured)."""

    returncode: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    timed_out: bool

    def last_line(self) -> str:
        """The last line of stderr (the error a failing child printed), else ``failed``."""
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else "failed"


def run(
    argv: Sequence[str],
    *,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    cwd: Path | str = ROOT,
    capture: bool = True,
) -> Finished:
    """Run ``argv`` in a fresh process, stopped (SIGKILL) after ``timeout`` seconds of wall time.

    The clock stops when the child exits (a watchdog thread kills it at the cap, so there is
    no polling delay in the time); the child is reaped with ``os.wait4`` for its own peak RSS.
    Its stdout and stderr go to temporary files (no pipe to fill), or nowhere without
    ``capture``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sinks = (out, err) if capture else (subprocess.DEVNULL, subprocess.DEVNULL)
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdout=sinks[0],
            stderr=sinks[1],
        )
        seconds, killed, status, usage = _wait(process, start, timeout)
        texts = []
        for handle in (out, err):
            handle.seek(0)
            texts.append(handle.read().decode("utf-8", errors="replace"))
    returncode = TIMED_OUT if killed else os.waitstatus_to_exitcode(status)
    process.returncode = returncode
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    return Finished(returncode, seconds, peak, texts[0], texts[1], killed)


def _wait(process: subprocess.Popen, start: float, timeout: float | None):
    """(seconds, killed, wait status, rusage) of a child, killed at ``timeout`` seconds.

    The child is waited for without being reaped (``WNOWAIT``), so that its pid stays its own
    until the watchdog can no longer kill it; then ``wait4`` reaps it with its rusage.
    """
    lock, state = threading.Lock(), {"exited": False, "killed": False}

    def stop() -> None:
        with lock:
            if not state["exited"]:
                os.kill(process.pid, signal.SIGKILL)
                state["killed"] = True

    watchdog = None if timeout is None else threading.Timer(timeout, stop)
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    seconds = time.perf_counter() - start
    with lock:
        state["exited"] = True
    if watchdog is not None:
        watchdog.cancel()
    _, status, usage = os.wait4(process.pid, 0)
    return seconds, state["killed"], status, usage


def json_lines(text: str) -> list[dict]:
    """The JSON objects of a child's stdout, one per line that starts with ``{``."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def last_json(finished: Finished) -> Any:
    """The JSON value on the last line of a child's stdout."""
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run_child(argv: list[str], timeout: float) -> list[dict]:
    """Run ``python argv`` in a fresh process from the repository root; its stdout's JSON lines
    (one object each), followed by one ``{"error": ...}`` row when it fails or runs past
    ``timeout`` seconds."""
    done = run([sys.executable, *argv], timeout=timeout)
    rows = json_lines(done.stdout)
    if done.timed_out:
        rows.append({"error": f"over {timeout:.0f} s"})
    elif done.returncode != 0:
        rows.append({"error": done.last_line()})
    return rows


# --------------------------------------------------------------------------- repeated timings


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of a sample, and its size."""

    median: float
    low: float
    high: float
    count: int


def spread(values: Sequence[float]) -> Spread:
    """The :class:`Spread` of a non-empty sample."""
    return Spread(statistics.median(values), min(values), max(values), len(values))


def median_range(values: Sequence[float], show: Callable[[float], str]) -> str:
    """``median (min–max)``, each shown by ``show``; the median alone for a single value."""
    s = spread(values)
    if s.count < 2:
        return show(s.median)
    return f"{show(s.median)} ({show(s.low)}–{show(s.high)})"


def ratio_stats(
    numerator: Sequence[float], denominator: Sequence[float], shift: float = 0.0
) -> dict[str, float]:
    """numerator / denominator − shift: of the medians, of the minima, and of the paired samples
    (both timed within one repetition): their median, quartiles (inclusive method), min, max."""
    per_rep = sorted(a / b - shift for a, b in zip(numerator, denominator))
    quartiles = (
        statistics.quantiles(per_rep, n=4, method="inclusive") if len(per_rep) > 1 else per_rep * 3
    )
    return {
        "ratio_of_medians": statistics.median(numerator) / statistics.median(denominator) - shift,
        "ratio_of_minima": min(numerator) / min(denominator) - shift,
        "per_rep_median": quartiles[1],
        "per_rep_q1": quartiles[0],
        "per_rep_q3": quartiles[2],
        "per_rep_min": per_rep[0],
        "per_rep_max": per_rep[-1],
    }


def timed(work: Callable[[], object], sync: Callable[[], object] | None = None):
    """(seconds, minor page faults) of ``work()``; ``sync`` (e.g. ``torch.cuda.synchronize``)
    is called before the clock starts and before it is read, so asynchronous work is counted."""
    if sync is not None:
        sync()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    work()
    if sync is not None:
        sync()
    elapsed = time.perf_counter() - start
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults


def interleaved(
    names: Sequence[str],
    measure: Callable[[str], tuple],
    repeats: int,
    warmup: int,
    *,
    rotate: bool = True,
    pause_gc: bool = True,
    progress: bool = True,
) -> tuple[dict[str, list[tuple]], dict[str, float]]:
    """Every variant measured once per repetition, ``warmup`` untimed repetitions first.

    ``measure(name)`` returns a tuple whose first item is seconds; the order of the variants
    turns by one place every repetition (``rotate``), and the garbage collector runs before a
    repetition and is off during it (``pause_gc``). Returns each variant's measurements of the
    timed repetitions, and the :class:`CpuShare` of the timed repetitions.
    """
    names = list(names)
    measured: dict[str, list[tuple]] = {name: [] for name in names}
    share = CpuShare()
    for rep in range(warmup + repeats):
        if rep == warmup:
            share.start()
        shift = rep % len(names) if rotate else 0
        if pause_gc:
            gc.collect()
            gc.disable()
        try:
            this = {name: measure(name) for name in names[shift:] + names[:shift]}
        finally:
            if pause_gc:
                gc.enable()
        if rep >= warmup:
            for name in names:
                measured[name].append(this[name])
        if progress:
            label = f"warm-up {rep + 1}" if rep < warmup else f"repetition {rep - warmup + 1}"
            log(f"  {label}: " + ", ".join(f"{n} {this[n][0] * 1e3:.0f} ms" for n in names))
    return measured, share.stop()


def outermost_phase(event: Any, cuda: bool, nests: Callable[[Any], bool] = lambda _: True):
    """The phase of a torch.profiler event: the ``bench::PHASE`` range it ran under, or None
    when it ran inside another aten op that ``nests`` accepts (only outermost calls count).

    On CUDA the autograd engine runs the backward on a thread of its own, outside the
    ``bench::backward`` range of this thread: ops under no range are backward ops there.
    """
    parent, phase, nested = event.cpu_parent, "backward" if cuda else "?", False
    while parent is not None:
        if parent.name.startswith("bench::"):
            phase = parent.name[len("bench::") :]
            break
        if parent.name.startswith("aten::") and nests(parent):
            nested = True
        parent = parent.cpu_parent
    return None if nested else phase


# --------------------------------------------------------------------------- output


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A Markdown table, one line per row (the cells' ``|`` escaped)."""

    def line(cells: Sequence[object]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def write_markdown(path: Path | str, lines: Iterable[str]) -> None:
    """The lines, each ended by a newline, as UTF-8."""
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def strict(value: Any) -> Any:
    """``value`` with every NaN or infinity (in dicts, lists and tuples) replaced by None, so
    that it is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def write_json(
    path: Path | str, payload: Any, *, indent: int = 2, default: Callable | None = None
) -> None:
    """``payload`` as strict JSON (:func:`strict`; ``default`` converts other objects), ended by
    a newline, as UTF-8."""
    text = json.dumps(strict(payload), indent=indent, default=default, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- torch.compile


def dynamo_counts() -> tuple[int, int]:
    """(graphs compiled, graph breaks) so far in this process, from dynamo's counters."""
    from torch._dynamo.utils import counters

    return counters["stats"]["unique_graphs"], sum(counters["graph_break"].values())


def compile_with_fallback(build: Callable[[str], Any], backend: str):
    """``build(backend)``, or ``build("aot_eager")`` after dynamo is reset when that raises (e.g.
    inductor without a C++ toolchain). Returns (what build returned, the backend used, the
    error's first line or None)."""
    try:
        return build(backend), backend, None
    except Exception as error:  # noqa: BLE001 -- any failure of the backend falls back
        message = f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:300]}"
        log(f"  {backend} failed ({message}); falling back to aot_eager")
        import torch._dynamo

        torch._dynamo.reset()
        return build("aot_eager"), "aot_eager", message
