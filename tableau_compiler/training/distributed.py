"""Several processes, one run: ``torchrun --nproc-per-node N -m tableau_compiler train ...``.

torchrun starts N copies of the command with ``WORLD_SIZE``, ``RANK`` and ``LOCAL_RANK`` in
their environment; :class:`Processes` reads them, joins the process group (NCCL on CUDA,
gloo on the CPU) and offers the few collectives the loop needs.  Without those variables
(a plain ``tabc train``) it is a group of one and every collective is a no-op.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import distributed, nn

from ..errors import TrainingError

__all__ = ["Processes", "choose_device", "process_group"]


@dataclass(frozen=True)
class Processes:
    """This process's place in the run: ``rank`` of ``world``, ``local_rank`` on its node."""

    world: int = 1
    rank: int = 0
    local_rank: int = 0

    @classmethod
    def from_environment(cls) -> Processes:
        """The torchrun variables, or a group of one when they are absent."""
        names = ("WORLD_SIZE", "RANK", "LOCAL_RANK")
        if "WORLD_SIZE" not in os.environ:
            return cls()
        try:
            world, rank, local_rank = (int(os.environ.get(name, "0")) for name in names)
        except ValueError:
            raise TrainingError(
                "WORLD_SIZE, RANK and LOCAL_RANK must be integers (start with torchrun)"
            ) from None
        if world < 1 or not 0 <= rank < world or local_rank < 0:
            raise TrainingError(f"bad torchrun environment: rank {rank} of {world}")
        return cls(world, rank, local_rank)

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes the files and prints."""
        return self.rank == 0

    def barrier(self) -> None:
        if self.distributed:
            distributed.barrier()

    def sum(self, values: list[float], device: torch.device) -> list[float]:
        """Element-wise sums over all processes."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64, device=device)
        distributed.all_reduce(tensor, op=distributed.ReduceOp.SUM)
        return tensor.tolist()

    def any(self, flag: bool, device: torch.device) -> bool:
        """Whether ``flag`` holds in some process."""
        if not self.distributed:
            return flag
        return self.sum([float(flag)], device)[0] > 0

    def gather(self, value: Any) -> list[Any]:
        """``value`` of every process, in rank order."""
        if not self.distributed:
            return [value]
        gathered: list[Any] = [None] * self.world
        distributed.all_gather_object(gathered, value)
        return gathered

    def broadcast_buffers(self, model: nn.Module) -> None:
        """Rank 0's buffers (batch-norm running statistics) to every process.

        Each process updates its running statistics from its own shard, so they drift apart
        between DDP's broadcasts; evaluating and saving after this makes every replica the
        model rank 0 saves.
        """
        if self.distributed:
            for buffer in model.buffers():
                distributed.broadcast(buffer, src=0)


def choose_device(name: str, processes: Processes) -> torch.device:
    """``auto``: CUDA when present (device ``LOCAL_RANK`` under torchrun), else the CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise TrainingError(f"bad --device {name!r}: {error}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise TrainingError("--device cuda: no CUDA device is available")
        if device.index is None:
            device = torch.device("cuda", processes.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
    elif device.type != "cpu" and processes.distributed:
        raise TrainingError(f"distributed training runs on cpu or cuda, not {device.type}")
    return device


@contextmanager
def process_group(processes: Processes, device: torch.device) -> Iterator[None]:
    """Join the process group for the duration (NCCL on CUDA, else gloo)."""
    if not processes.distributed:
        yield
        return
    backend = "nccl" if device.type == "cuda" else "gloo"
    options: dict[str, Any] = {"device_id": device} if device.type == "cuda" else {}
    distributed.init_process_group(
        backend, rank=processes.rank, world_size=processes.world, **options
    )
    try:
        yield
    finally:
        distributed.destroy_process_group()
