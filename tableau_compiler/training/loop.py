"""The training loop of ``tabc train``: SGD with a step schedule, evaluated every epoch.

One run builds the network (a registry name or a compiled scheme file), trains it on one of
the data sets of :mod:`.data` with the recipe of :class:`.TrainConfig`, and after every
epoch evaluates it, writes a checkpoint (atomically) and the metrics files.  A run that is
stopped and resumed with ``resume=True`` ends with exactly the weights of an uninterrupted
run on the CPU: the batches come from (seed, epoch) alone and the checkpoint holds every
random state.  A NaN or infinite loss stops the run with :class:`DivergedError` before
anything of the failing epoch is written.  Under torchrun the network is wrapped in
DistributedDataParallel and only rank 0 writes or prints.
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from ..atomic import atomic_path, write_atomically
from ..errors import DivergedError, TrainingError
from .batches import BatchMaker, derive_seed, epoch_plan, per_process_batch
from .checkpoint import (
    CHECKPOINT_NAME,
    capture_rng,
    check_against,
    load_checkpoint,
    restore_rng,
    same_value,
    save_checkpoint,
)
from .config import TrainConfig, plural, schedule_text
from .data import ImageData, load_data
from .distributed import Processes, choose_device, process_group
from .files import (
    RUN_LOCK_NAME,
    check_output_directory,
    claimed_run_directory,
    json_text,
    printable,
    remove_stale_temporaries,
    shown_value,
    writing,
)
from .inspection import read_network
from .metrics import (
    CURVE_PNG,
    METRICS_CSV,
    METRICS_JSON,
    EpochMetrics,
    plot_learning_curve,
    write_metrics,
)
from .model_source import (
    build_model,
    count_parameters,
    is_scheme_file,
    resolve_model,
    scheme_sha256,
    uses_stochastic_depth,
)

__all__ = ["TrainResult", "check_run_directory", "train"]

SUMMARY_JSON = "summary.json"
CONFIG_JSON = "config.json"
SCHEME_DIRECTORY = "scheme"
RUN_FILES = (CHECKPOINT_NAME, CONFIG_JSON, SUMMARY_JSON, METRICS_CSV, METRICS_JSON, CURVE_PNG)
"""The files a run writes into its output directory (and ``scheme/``, for a scheme file)."""


@dataclass(frozen=True)
class TrainResult:
    """What a run reached; ``metrics`` holds every finished epoch, resumed ones included."""

    model: str
    parameters: int
    data: str
    epochs: int
    metrics: tuple[EpochMetrics, ...]
    out: Path
    device: str
    processes: int = 1
    summary: str = field(default="", compare=False)

    @property
    def finished(self) -> bool:
        return bool(self.metrics) and self.metrics[-1].epoch >= self.epochs

    @property
    def test_accuracy(self) -> float:
        return self.metrics[-1].test_accuracy if self.metrics else math.nan

    @property
    def test_error(self) -> float:
        return 100.0 - self.test_accuracy

    @property
    def seconds_per_epoch(self) -> float:
        """Mean training time of an epoch (evaluation excluded)."""
        if not self.metrics:
            return math.nan
        return sum(m.epoch_time for m in self.metrics) / len(self.metrics)

    def line(self) -> str:
        """The closing line of ``tabc train``."""
        done = self.metrics[-1].epoch if self.metrics else 0
        state = "" if self.finished else f" (stopped after epoch {done} of {self.epochs})"
        return (
            f"{self.model} on {self.data}: test accuracy {self.test_accuracy:.2f} % "
            f"(error {self.test_error:.2f} %), {self.parameters:,} parameters, "
            f"{self.seconds_per_epoch:.2f} s per epoch over {plural(done, 'epoch')} on "
            f"{self.where()}"
            f"{state}; results in {self.out}"
        )

    def where(self) -> str:
        """``cpu``, ``cuda:0``, or ``2 processes (cpu)``."""
        return self.device if self.processes == 1 else f"{self.processes} processes ({self.device})"

    def to_json(self) -> dict[str, Any]:
        def number(value: float) -> float | None:  # JSON has no NaN
            return value if math.isfinite(value) else None

        return {
            "model": self.model,
            "parameters": self.parameters,
            "data": self.data,
            "epochs": self.epochs,
            "epochs_done": self.metrics[-1].epoch if self.metrics else 0,
            "finished": self.finished,
            "test_accuracy": number(self.test_accuracy),
            "test_error": number(self.test_error),
            "seconds_per_epoch": number(self.seconds_per_epoch),
            "device": self.device,
            "processes": self.processes,
        }


def _seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def check_run_directory(out: Path) -> None:
    """Refuse an output directory a run could not write, before it writes anything."""
    check_output_directory(out, RUN_FILES, (SCHEME_DIRECTORY,))


def _check_recipe(saved: dict[str, Any], current: dict[str, Any], path: Path) -> None:
    differences = [
        f"{name}: {shown_value(saved.get(name))} there, {current[name]!r} here"
        for name in current
        if not same_value(saved.get(name), current[name])
    ]
    if differences:
        raise TrainingError(
            f"{path} was written by a different recipe ({'; '.join(differences)}); resume "
            "with the same options, or choose another --out"
        )


def _check_scheme(saved: object, digest: str | None, model: str, path: Path) -> None:
    """A resumed run of a scheme file trains the scheme its checkpoint was trained on."""
    if digest is None:  # a registry model (the recipe check saw it is the same model)
        return
    if saved is None:
        raise TrainingError(
            f"{path} records no SHA-256 of {model} (written by an older tabc), so tabc cannot "
            "tell whether the scheme changed since; train it again in another --out"
        )
    if saved != digest:
        raise TrainingError(
            f"{model}: the scheme file changed since {path} was written (SHA-256 "
            f"{saved[:16]}... then, {digest[:16]}... now); resume with the scheme it was "
            "trained on, or choose another --out"
        )


STATISTICS_KEPT_NOTE = 0.25
"""A run whose batch normalisations keep more of their initial running statistics than this
at its end is told why its evaluation may sit at chance (:meth:`_Run._statistics_note`),
and how many steps bring it under :data:`STATISTICS_KEPT_TARGET`."""
STATISTICS_KEPT_TARGET = 0.05

SMALL_MACHINE_CPUS = 4
"""At most this many CPUs available: one torch thread by default.  On the 2-core machine of
the tests, with other work running beside it, torch's default of 2 threads made an epoch of
resnet20 on digits 15x slower than 1 thread (51.9 s against 3.5 s), on synthetic data 13x
(21.9 s against 1.6 s) and a CIFAR-sized step (batch 128, 3x32x32) 3x (5.5 s against 1.8 s):
threads that wait for a busy core spin instead of computing."""

SMALL_STEP_PIXELS = 32 * 32 * 32
"""At most this many pixels in a training batch (images x height x width): one thread by
default, on any machine; a convolution that small is not worth sharing out (digits: 64 images
of 8x8, 4,096 pixels; CIFAR-10: 128 of 32x32, 131,072)."""


def default_threads(
    available: int, batch_size: int, image_size: tuple[int, int], torch_default: int
) -> tuple[int, str]:
    """The CPU threads a run uses when ``--threads`` is not given, and why in words.

    ``available``: the CPUs this process may run on (``os.sched_getaffinity``);
    ``torch_default``: torch's own choice (its physical cores).  One thread on a small machine
    (:data:`SMALL_MACHINE_CPUS`) or for a small batch (:data:`SMALL_STEP_PIXELS`); else
    torch's choice, at most ``available``.
    """
    height, width = image_size
    if available <= SMALL_MACHINE_CPUS:
        return 1, f"default on a machine of {available} CPUs; --threads N to change"
    if batch_size * height * width <= SMALL_STEP_PIXELS:
        return 1, (
            f"default for a batch of {batch_size} images of {height}x{width}; --threads N to change"
        )
    threads = max(1, min(torch_default, available))
    return threads, f"torch's default for {available} CPUs; --threads N to change"


def _available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def choose_threads(config: TrainConfig, data: ImageData, batch_size: int) -> tuple[int, str]:
    """The threads of this run and why: ``--threads``, then ``OMP_NUM_THREADS`` (torch
    follows it; torchrun sets it to 1 for each process), then :func:`default_threads`."""
    if config.threads is not None:
        return config.threads, "--threads"
    if os.environ.get("OMP_NUM_THREADS", "").strip():
        return torch.get_num_threads(), "OMP_NUM_THREADS"
    return default_threads(_available_cpus(), batch_size, data.image_size, torch.get_num_threads())


def train(config: TrainConfig, log: Callable[[str], None] | None = print) -> TrainResult:
    """Run (or resume) one training run; ``log`` receives one line per epoch on rank 0.

    Raises :class:`TrainingError` for a bad option, model, data set or checkpoint, and
    :class:`DivergedError` when the loss stops being finite.
    """
    config = config.resolved()
    processes = Processes.from_environment()
    device = choose_device(config.device, processes)
    check_run_directory(config.out)
    if config.rank_weights is not None:
        check_output_directory(Path(config.rank_weights), (f"rank{processes.rank}.pt",))
    digest = scheme_sha256(Path(config.model)) if is_scheme_file(config.model) else None
    # rank 0 holds the directory for every process of the run (the others only read it)
    claim = claimed_run_directory(config.out) if processes.is_main else nullcontext(None)
    with claim as created:
        if processes.is_main:
            for path in remove_stale_temporaries(config.out, RUN_FILES):
                print(f"tabc: removed {path}, left by an interrupted write", file=sys.stderr)
        return _claimed_train(config, processes, device, digest, created, log)


def _claimed_train(
    config: TrainConfig,
    processes: Processes,
    device: torch.device,
    digest: str | None,
    created: Path | None,
    log: Callable[[str], None] | None,
) -> TrainResult:
    """:func:`train` once this run holds its output directory."""
    checkpoint_path = config.out / CHECKPOINT_NAME
    checkpoint = None
    if os.path.lexists(checkpoint_path):
        if not config.resume:
            raise TrainingError(
                f"{config.out} already holds a run ({CHECKPOINT_NAME}); pass --resume to "
                "continue it, or choose another --out"
            )
        checkpoint = load_checkpoint(checkpoint_path)
        _check_recipe(checkpoint["recipe"], config.recipe(), checkpoint_path)
        _check_scheme(checkpoint.get("scheme_sha256"), digest, config.model, checkpoint_path)
    data = load_data(config.data, config.data_dir)
    assert config.batch_size is not None
    batch_size = per_process_batch(config.batch_size, processes.world)
    threads, why = choose_threads(config, data, batch_size)
    torch.set_num_threads(threads)
    config = dataclasses.replace(config, threads=threads, threads_reason=why)
    with process_group(processes, device):
        run = _Run(
            config,
            processes,
            device,
            data,
            batch_size,
            log if processes.is_main else None,
            digest,
            created,
        )
        return run.run(checkpoint)


class _Run:
    """One run's state: network, optimiser, schedule, metrics so far."""

    def __init__(
        self,
        config: TrainConfig,
        processes: Processes,
        device: torch.device,
        data: ImageData,
        batch_size: int,
        log: Callable[[str], None] | None,
        scheme_sha256: str | None = None,
        created: Path | None = None,
    ) -> None:
        assert config.epochs is not None and config.milestones is not None
        self.config = config
        self.epochs = config.epochs
        self.processes = processes
        self.device = device
        self.data = data
        self.batch_size = batch_size
        self.log = None if config.quiet else log
        self.out = config.out
        self.main = processes.is_main
        self.scheme_sha256 = scheme_sha256
        """The SHA-256 of the scheme file trained (None for a registry model)."""
        # created: the outermost directory this run made, removed if the model fails
        if self.main:
            with writing(self.out):
                self.out.mkdir(parents=True, exist_ok=True)
        try:
            scheme_directory = self.out / SCHEME_DIRECTORY
            source = resolve_model(config.model, scheme_directory, write=self.main)
            self.processes.barrier()
            if source.module_path is not None and not self.main:  # rank 0 wrote it
                source = resolve_model(config.model, scheme_directory, write=False)
            self.label = source.label
            _seed_everything(config.seed)  # the same initial weights in every process
            network = build_model(source, data.num_classes, data.channels, config.model_args)
        except Exception:
            if created is not None:  # a refused model leaves nothing behind
                for path in sorted(self.out.iterdir()):
                    if path.name == RUN_LOCK_NAME:  # released, with `created`, by train()
                        continue
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
            raise
        self.network = network.to(device)
        self.parameters = count_parameters(network)
        self.optimizer = torch.optim.SGD(
            network.parameters(),
            lr=config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
            nesterov=config.nesterov,
        )
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(
            self.optimizer, milestones=list(config.milestones), gamma=config.gamma
        )
        self.metrics: list[EpochMetrics] = []
        self.batches = BatchMaker(data, device)
        self.model: nn.Module = network
        if processes.distributed:
            self.model = nn.parallel.DistributedDataParallel(
                network,
                device_ids=[device] if device.type == "cuda" else None,
                find_unused_parameters=config.find_unused_parameters
                or uses_stochastic_depth(network),
            )

    # -- the run -------------------------------------------------------------------------

    def run(self, checkpoint: dict[str, Any] | None) -> TrainResult:
        start = 0
        if checkpoint is None:
            _seed_everything(derive_seed(self.config.seed, self.processes.rank, "train"))
        else:
            start = self._restore(checkpoint)
        if self.main:
            config_text = json_text(self.config.to_json())
            with writing(self.out / CONFIG_JSON):
                write_atomically(self.out / CONFIG_JSON, config_text)
            if self.log is not None:
                self.log(self._opening(start))
                note = self._statistics_note()
                if note is not None:
                    self.log(note)
        stop = self.epochs
        if self.config.stop_after is not None:
            stop = min(stop, max(start, self.config.stop_after))
        try:
            for epoch in range(start + 1, stop + 1):
                self._epoch(epoch)
        except DivergedError:
            self._finish()
            raise
        return self._finish()

    def _opening(self, start: int) -> str:
        where = str(self.device)
        if self.processes.distributed:
            where = f"{self.processes.world} processes ({self.device.type})"
        resumed = f", resumed after epoch {start}" if start else ""
        if self.config.resume and not start:
            resumed = " (nothing to resume: from the start)"
        return (
            f"training {self.label} ({self.parameters:,} parameters) on {self.data.describe()}; "
            f"{plural(self.epochs, 'epoch')}, batch {self.config.batch_size}, "
            f"{schedule_text(self.config)}, on {where}{self._threads_text()}{resumed}"
        )

    def _statistics_note(self) -> str | None:
        """Why the evaluation of a short run may sit at chance: a batch normalisation whose
        running statistics this run's steps leave mostly at their initial values (RKCNN's
        official momentum 0.01 keeps 0.99^n of them after n steps); None when none does."""
        momenta = [
            m.momentum
            for m in self.network.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm)
            and m.track_running_stats
            and m.momentum is not None
        ]
        if not momenta:
            return None
        momentum = min(momenta)
        steps = self.batches.steps_per_epoch(self.batch_size, self.processes.world) * self.epochs
        kept = (1.0 - momentum) ** steps
        if kept <= STATISTICS_KEPT_NOTE:
            return None
        needed = math.ceil(math.log(STATISTICS_KEPT_TARGET) / math.log(1.0 - momentum))
        return (
            f"note: batch-norm momentum {momentum:g} (the model's) keeps {100 * kept:.0f} % of "
            f"the initial running statistics after this run's {steps} training steps, so "
            f"evaluation normalises with statistics near mean 0 and variance 1 and the test "
            f"accuracy can stay near chance however training goes; {needed} steps bring that "
            f"under {100 * STATISTICS_KEPT_TARGET:g} %: train longer"
            + (", or pass --model-arg bn_momentum=0.1" if self._takes_bn_momentum(momentum) else "")
        )

    def _takes_bn_momentum(self, momentum: float) -> bool:
        """Whether ``--model-arg bn_momentum=0.1`` would raise this network's momentum."""
        from ..models.rkcnn import RKCNN

        return isinstance(self.network, RKCNN) and momentum < 0.1

    def _threads_text(self) -> str:
        """`` with 1 CPU thread (default on a machine of 2 CPUs; ...)``; nothing on a GPU."""
        if self.device.type != "cpu":
            return ""
        threads = self.config.threads
        return f" with {plural(threads or 1, 'CPU thread')} ({self.config.threads_reason})"

    def _restore(self, checkpoint: dict[str, Any]) -> int:
        """Load the states of ``checkpoint`` (checked by :func:`.load_checkpoint` for its
        fields, here against this run's network, optimizer and scheduler first)."""
        path = self.out / CHECKPOINT_NAME
        check_against(
            checkpoint,
            path,
            network=self.network,
            optimizer=self.optimizer,
            scheduler=self.scheduler,
            label=self.label,
            parameters=self.parameters,
        )
        states = checkpoint["rng"]
        try:
            self.network.load_state_dict(checkpoint["model"])
            self.optimizer.load_state_dict(checkpoint["optimizer"])
            self.scheduler.load_state_dict(checkpoint["scheduler"])
            if len(states) == self.processes.world:
                restore_rng(states[self.processes.rank], self.device)
        except (RuntimeError, ValueError, TypeError, KeyError) as error:  # checked: a safety net
            raise TrainingError(
                f"{path}: cannot restore the run from it ({printable(str(error))})"
            ) from None
        self.metrics = [EpochMetrics.from_dict(m) for m in checkpoint["metrics"]]
        if len(states) != self.processes.world:
            if self.main:
                print(
                    f"tabc: warning: the checkpoint was written by {len(states)} processes, "
                    f"this run has {self.processes.world}: random streams restart (the batches "
                    "are the same)",
                    file=sys.stderr,
                )
            epoch = checkpoint["epoch"]
            _seed_everything(derive_seed(self.config.seed, self.processes.rank, epoch, "train"))
        return int(checkpoint["epoch"])

    def _epoch(self, epoch: int) -> None:
        lr = float(self.optimizer.param_groups[0]["lr"])
        train_loss, train_accuracy, seconds, images = self._train_epoch(epoch, lr)
        self.processes.broadcast_buffers(self.network)
        evaluation_start = time.perf_counter()
        test_loss, test_accuracy = self._evaluate()
        eval_time = time.perf_counter() - evaluation_start
        if not math.isfinite(test_loss):
            self._diverged(f"the test loss is {test_loss}", epoch, lr)
        self.scheduler.step()
        metrics = EpochMetrics(
            epoch=epoch,
            train_loss=train_loss,
            train_accuracy=train_accuracy,
            test_loss=test_loss,
            test_accuracy=test_accuracy,
            lr=lr,
            epoch_time=seconds,
            eval_time=eval_time,
            throughput=images / seconds if seconds > 0 else math.nan,
        )
        self.metrics.append(metrics)
        states = self.processes.gather(capture_rng(self.device))
        if self.main:
            path = self.out / CHECKPOINT_NAME
            kept = f"; {path} still holds epoch {epoch - 1}" if epoch > 1 else ""
            with writing(path, kept):
                save_checkpoint(
                    path,
                    {
                        "epoch": epoch,
                        "model": self.network.state_dict(),
                        "optimizer": self.optimizer.state_dict(),
                        "scheduler": self.scheduler.state_dict(),
                        "metrics": [vars(m) for m in self.metrics],
                        "recipe": self.config.recipe(),
                        "rng": states,
                        "label": self.label,
                        "parameters": self.parameters,
                        "scheme_sha256": self.scheme_sha256,
                    },
                )
            write_metrics(self.out, self.metrics)
            if self.log is not None:
                self.log(metrics.line(self.epochs))

    def _synchronise(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def _train_epoch(self, epoch: int, lr: float) -> tuple[float, float, float, float]:
        """(mean loss, accuracy %, seconds, images) of one epoch over all processes."""
        from tqdm import tqdm

        plan = epoch_plan(self.data, self.config.seed, epoch, self.config.augment,
                          self.processes.world)  # fmt: skip
        world, rank = self.processes.world, self.processes.rank
        steps = self.batches.steps_per_epoch(self.batch_size, world)
        show = self.main and not self.config.quiet and sys.stderr.isatty()
        bar = tqdm(total=steps, desc=f"epoch {epoch}/{self.epochs}", unit="step",
                   file=sys.stderr, disable=not show, leave=False, dynamic_ncols=True)  # fmt: skip
        self.model.train()
        loss_sum = correct = count = 0.0
        self._synchronise()
        began = time.perf_counter()
        with bar:
            batches = self.batches.train_batches(plan, self.batch_size, rank, world)
            for step, (images, labels) in enumerate(batches, 1):
                logits = self.model(images)
                loss = functional.cross_entropy(logits, labels)
                value = loss.item()
                if self.processes.any(not math.isfinite(value), self.device):
                    self._diverged(f"the training loss is {value}", epoch, lr, step)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                size = len(labels)
                loss_sum += value * size
                correct += float((logits.detach().argmax(1) == labels).sum())
                count += size
                if show:
                    elapsed = time.perf_counter() - began
                    shown = {
                        "loss": f"{loss_sum / count:.3f}",
                        "acc": f"{100 * correct / count:.1f}%",
                        "img/s": f"{count * world / max(elapsed, 1e-9):,.0f}",
                    }
                    bar.set_postfix(ordered_dict=shown, refresh=False)
                    bar.update()
        self._synchronise()
        seconds = time.perf_counter() - began
        loss_sum, correct, count = self.processes.sum([loss_sum, correct, count], self.device)
        return loss_sum / count, 100.0 * correct / count, seconds, count

    def _evaluate(self) -> tuple[float, float]:
        """(mean loss, accuracy %) on the whole test set, shared out over the processes."""
        self.network.eval()
        loss_sum = correct = count = 0.0
        batches = self.batches.test_batches(
            self.config.eval_batch_size, self.processes.rank, self.processes.world
        )
        with torch.no_grad():
            for images, labels in batches:
                logits = self.network(images)
                loss_sum += float(functional.cross_entropy(logits, labels, reduction="sum"))
                correct += float((logits.argmax(1) == labels).sum())
                count += len(labels)
        loss_sum, correct, count = self.processes.sum([loss_sum, correct, count], self.device)
        return loss_sum / count, 100.0 * correct / count

    def _diverged(self, what: str, epoch: int, lr: float, step: int | None = None) -> None:
        where = f"epoch {epoch}, step {step}" if step is not None else f"epoch {epoch}"
        if self.metrics:
            kept = (
                f"{self.out / CHECKPOINT_NAME} still holds epoch {self.metrics[-1].epoch}, "
                "the last good one"
            )
        else:
            kept = "no checkpoint was written"
        raise DivergedError(
            f"training diverged: {what} at {where} (lr {lr:g}); {kept}. Try a smaller --lr"
        )

    def _finish(self) -> TrainResult:
        result = TrainResult(
            model=self.label,
            parameters=self.parameters,
            data=self.data.name,
            epochs=self.epochs,
            metrics=tuple(self.metrics),
            out=self.out,
            device=str(self.device),
            processes=self.processes.world,
        )
        if self.config.rank_weights is not None:
            target = Path(self.config.rank_weights) / f"rank{self.processes.rank}.pt"
            weights = {k: v.detach().cpu() for k, v in self.network.state_dict().items()}
            with writing(target), atomic_path(target) as temporary:
                torch.save(weights, temporary)
        if self.main:
            fields = result.to_json()
            # issue 15: what the network learned as a scheme (tabc inspect reads the same)
            learned = read_network(self.network, self.label)
            if not learned.empty:
                fields["learned_scheme"] = learned.to_json()
            summary = json_text(fields)
            with writing(self.out / SUMMARY_JSON):
                write_atomically(self.out / SUMMARY_JSON, summary)
            if self.metrics:
                plot_learning_curve(
                    self.out / CURVE_PNG,
                    self.metrics,
                    f"{self.label} on {self.data.name}",
                    k_blocks=learned.blocks,
                    k_regions=learned.zero_stable_regions,
                )
        return result
