"""Mini-batches: a per-epoch plan drawn from (seed, epoch), sharded over processes.

Every random choice of an epoch (the order of the images, each crop offset, each flip) is
drawn at once from a ``torch.Generator`` seeded by ``(seed, epoch)`` alone.  So a resumed
run replays exactly the batches of an uninterrupted one, and N processes together see the
batches one process would: process r takes positions r, r + N, r + 2N, ... of the epoch's
order (padded, as ``DistributedSampler`` pads, to a multiple of N), so step k of all
processes together covers the same images as step k of a single process with the same
global batch.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional

from ..errors import TrainingError
from .data import ImageData

__all__ = ["BatchMaker", "EpochPlan", "derive_seed", "epoch_plan", "per_process_batch"]


def derive_seed(*parts: int | str) -> int:
    """A 63-bit seed from any tuple of integers and labels (numpy's SeedSequence hashing)."""
    words = [p if isinstance(p, int) else zlib.crc32(p.encode("utf-8")) for p in parts]
    state = np.random.SeedSequence(words).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31 ^ int(state[1])) & (2**63 - 1)


@dataclass(frozen=True)
class EpochPlan:
    """The random choices of one epoch, indexed by position in the epoch."""

    order: Tensor
    """Training-set indices in epoch order, padded to a multiple of the process count."""
    shifts: Tensor | None
    """(positions, 2) crop offsets (rows, columns) in [0, 2 * padding], or None."""
    flips: Tensor | None
    """(positions,) booleans: mirror this image, or None."""


def epoch_plan(data: ImageData, seed: int, epoch: int, augment: bool, world: int = 1) -> EpochPlan:
    """The plan of ``epoch`` (1-based) of a run with ``seed``, for ``world`` processes."""
    generator = torch.Generator().manual_seed(derive_seed(seed, epoch, "epoch"))
    count = len(data.train_labels)
    order = torch.randperm(count, generator=generator)
    short = (-count) % world
    if short:
        order = torch.cat([order, order[:short]])
    shifts = flips = None
    if augment and data.crop_padding > 0:
        shifts = torch.randint(0, 2 * data.crop_padding + 1, (len(order), 2), generator=generator)
    if augment and data.flip:
        flips = torch.rand(len(order), generator=generator) < 0.5
    return EpochPlan(order, shifts, flips)


def per_process_batch(batch_size: int, world: int) -> int:
    """Each process's share of the global batch."""
    if batch_size % world:
        raise TrainingError(
            f"--batch-size {batch_size} does not split evenly over {world} processes"
        )
    return batch_size // world


def _crop(images: Tensor, padding: int, shifts: Tensor) -> Tensor:
    """Each image zero-padded by ``padding`` and cropped back at its own offset."""
    count, channels, height, width = images.shape
    padded = functional.pad(images, (padding, padding, padding, padding))
    device = images.device
    rows = shifts[:, 0, None] + torch.arange(height, device=device)
    columns = shifts[:, 1, None] + torch.arange(width, device=device)
    return padded[
        torch.arange(count, device=device)[:, None, None, None],
        torch.arange(channels, device=device)[None, :, None, None],
        rows[:, None, :, None],
        columns[:, None, None, :],
    ]


class BatchMaker:
    """Turns stored images into normalised float batches on one device."""

    def __init__(self, data: ImageData, device: torch.device) -> None:
        self.data = data
        self.device = device
        # the stored images move to the device once (CIFAR-10's uint8 training set is 150 MB),
        # so a step indexes them there instead of copying every batch from host memory
        self.train_images = data.train_images.to(device)
        self.train_labels = data.train_labels.to(device)
        self.test_images = data.test_images.to(device)
        self.test_labels = data.test_labels.to(device)
        shape = (1, data.channels, 1, 1)
        self.mean = torch.tensor(data.mean, dtype=torch.float32, device=device).view(shape)
        self.std = torch.tensor(data.std, dtype=torch.float32, device=device).view(shape)

    def _prepare(self, raw: Tensor) -> Tensor:
        return raw.float().div(self.data.scale)  # a copy, even of float images

    def _normalise(self, images: Tensor) -> Tensor:
        return images.sub_(self.mean).div_(self.std)

    def train_batches(
        self, plan: EpochPlan, batch_size: int, rank: int = 0, world: int = 1
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """This process's batches of the epoch (``batch_size`` is the per-process batch)."""
        positions = torch.arange(rank, len(plan.order), world)
        for start in range(0, len(positions), batch_size):
            chosen = positions[start : start + batch_size]
            indices = plan.order[chosen].to(self.device)
            images = self._prepare(self.train_images[indices])
            if plan.shifts is not None:
                shifts = plan.shifts[chosen].to(self.device)
                images = _crop(images, self.data.crop_padding, shifts)
            if plan.flips is not None:
                flips = plan.flips[chosen].to(self.device).view(-1, 1, 1, 1)
                images = torch.where(flips, images.flip(-1), images)
            yield self._normalise(images), self.train_labels[indices]

    def test_batches(
        self, batch_size: int, rank: int = 0, world: int = 1
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """This process's share of the test set (every image exactly once over all ranks)."""
        positions = torch.arange(rank, len(self.data.test_labels), world)
        for start in range(0, len(positions), batch_size):
            chosen = positions[start : start + batch_size].to(self.device)
            yield self._normalise(self._prepare(self.test_images[chosen])), self.test_labels[chosen]

    def steps_per_epoch(self, batch_size: int, world: int = 1) -> int:
        positions = -(-len(self.data.train_labels) // world)
        return -(-positions // batch_size)
