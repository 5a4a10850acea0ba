"""The data sets ``tabc train`` knows, held in memory as tensors.

* ``digits``: scikit-learn's bundled handwritten digits (1797 grey 8x8 images, shipped
  with the library, so it loads offline), split once into 1437 training and 360 test images,
  stratified, with a fixed seed that does not depend on ``--seed``;
* ``cifar10``: the standard python-pickle batches (``data_batch_1`` .. ``data_batch_5``,
  ``test_batch``) from a directory the user names; tabc never downloads anything;
* ``synthetic``: a small generated, learnable set (class templates plus noise) for tests.

Images stay in their stored form (uint8 for digits and CIFAR) and are scaled to [0, 1],
augmented and normalised per batch (:mod:`.batches`).  Mean and standard deviation per
channel come from the training images.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..errors import TrainingError

__all__ = ["ImageData", "load_cifar10", "load_data", "load_digits", "make_synthetic"]

DIGITS_TEST_SIZE = 360
DIGITS_SPLIT_SEED = 0
"""The digits split is fixed: every run, whatever its --seed, tests on the same 360 images."""

CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST_FILE = "test_batch"
CIFAR_SUBDIRECTORY = "cifar-10-batches-py"


@dataclass(frozen=True)
class ImageData:
    """A classification data set in memory, with its augmentation policy."""

    name: str
    train_images: Tensor
    """(N, C, H, W), raw stored values (uint8 or float); ``raw / scale`` lies in [0, 1]."""
    train_labels: Tensor
    test_images: Tensor
    test_labels: Tensor
    num_classes: int
    scale: float
    mean: tuple[float, ...]
    std: tuple[float, ...]
    crop_padding: int
    """Random crops pad each side by this many pixels (0: no crops)."""
    flip: bool
    """Random horizontal flips (not for digits: a mirrored 3 is no 3)."""

    @property
    def channels(self) -> int:
        return int(self.train_images.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        return int(self.train_images.shape[2]), int(self.train_images.shape[3])

    def describe(self) -> str:
        height, width = self.image_size
        return (
            f"{self.name}: {len(self.train_labels)} training and {len(self.test_labels)} test "
            f"images, {self.channels}x{height}x{width}, {self.num_classes} classes"
        )


def _statistics(images: Tensor, scale: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
    values = images.double().div(scale).transpose(0, 1).reshape(images.shape[1], -1)
    mean = values.mean(dim=1)
    std = values.std(dim=1).clamp_min(1e-3)  # a constant channel is left unscaled, not divided by 0
    return tuple(float(v) for v in mean), tuple(float(v) for v in std)


def _image_data(
    name: str,
    train: tuple[Tensor, Tensor],
    test: tuple[Tensor, Tensor],
    *,
    num_classes: int,
    scale: float,
    crop_padding: int,
    flip: bool,
) -> ImageData:
    mean, std = _statistics(train[0], scale)
    return ImageData(
        name,
        train[0].contiguous(),
        train[1].long(),
        test[0].contiguous(),
        test[1].long(),
        num_classes,
        scale,
        mean,
        std,
        crop_padding,
        flip,
    )


def load_digits() -> ImageData:
    """scikit-learn's digits: 1437 / 360 stratified split, pixel values 0..16."""
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    images, labels = sklearn_digits(return_X_y=True)
    images = images.reshape(-1, 1, 8, 8).astype(np.uint8)
    train_x, test_x, train_y, test_y = train_test_split(
        images,
        labels,
        test_size=DIGITS_TEST_SIZE,
        stratify=labels,
        random_state=DIGITS_SPLIT_SEED,
    )
    return _image_data(
        "digits",
        (torch.from_numpy(train_x), torch.from_numpy(train_y)),
        (torch.from_numpy(test_x), torch.from_numpy(test_y)),
        num_classes=10,
        scale=16.0,
        crop_padding=1,  # a one-pixel shift keeps a digit a digit
        flip=False,
    )


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds dicts, lists, bytes and numpy arrays, and nothing else.

    The CIFAR-10 batches are pickles; a pickle can name any callable, so a file from an
    untrusted directory could run code.  The batches need only numpy's array reconstructors.
    """

    ALLOWED = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with path.open("rb") as stream:
            batch = _ArrayUnpickler(stream, encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as error:
        raise TrainingError(f"{path}: not a CIFAR-10 python batch ({error})") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise TrainingError(
            f"{path}: not a CIFAR-10 python batch (data of shape {data.shape} with "
            f"{len(labels)} labels; expected (N, 3072) and N labels)"
        )
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise TrainingError(f"{path}: CIFAR-10 labels must lie in 0..9")
    return data.reshape(-1, 3, 32, 32), labels


def cifar10_directory(directory: str | Path) -> Path:
    """DIR itself or DIR/cifar-10-batches-py, whichever holds the batches."""
    base = Path(directory)
    for candidate in (base, base / CIFAR_SUBDIRECTORY):
        if (candidate / CIFAR_TEST_FILE).is_file():
            return candidate
    if not base.exists():
        problem = "no such directory"
    else:
        problem = f"no {CIFAR_TEST_FILE} there or in {CIFAR_SUBDIRECTORY}/"
    raise TrainingError(
        f"CIFAR-10 data not found at {base}: {problem}; extract the python version "
        f"(cifar-10-python.tar.gz) and pass its directory to --data-dir (tabc never downloads)"
    )


def load_cifar10(directory: str | Path) -> ImageData:
    """The CIFAR-10 python batches from ``directory`` (or its cifar-10-batches-py)."""
    root = cifar10_directory(directory)
    missing = [name for name in CIFAR_TRAIN_FILES if not (root / name).is_file()]
    if missing:
        raise TrainingError(f"CIFAR-10 data at {root} is incomplete: missing {', '.join(missing)}")
    parts = [_read_cifar_batch(root / name) for name in CIFAR_TRAIN_FILES]
    train_x = np.concatenate([images for images, _ in parts])
    train_y = np.concatenate([labels for _, labels in parts])
    test_x, test_y = _read_cifar_batch(root / CIFAR_TEST_FILE)
    return _image_data(
        "cifar10",
        (torch.from_numpy(train_x), torch.from_numpy(train_y)),
        (torch.from_numpy(test_x), torch.from_numpy(test_y)),
        num_classes=10,
        scale=255.0,
        crop_padding=4,
        flip=True,
    )


def make_synthetic(
    train_size: int = 640,
    test_size: int = 320,
    *,
    channels: int = 3,
    size: int = 12,
    num_classes: int = 10,
    noise: float = 0.35,
) -> ImageData:
    """Noisy copies of one smooth random template per class: learnable, deterministic.

    Templates are low-frequency patterns (a coarse 3x3 grid of random values, upsampled),
    so a convolutional network can tell them apart through the noise; the generator seed is
    fixed, so every call returns the same images.
    """
    generator = torch.Generator().manual_seed(20180710)
    coarse = torch.rand(num_classes, channels, 3, 3, generator=generator)
    templates = torch.nn.functional.interpolate(
        coarse, size=(size, size), mode="bilinear", align_corners=True
    )

    def sample(count: int) -> tuple[Tensor, Tensor]:
        labels = torch.arange(count) % num_classes
        labels = labels[torch.randperm(count, generator=generator)]
        images = templates[labels] + noise * torch.randn(
            count, channels, size, size, generator=generator
        )
        return images.clamp(0.0, 1.0), labels

    return _image_data(
        "synthetic",
        sample(train_size),
        sample(test_size),
        num_classes=num_classes,
        scale=1.0,
        crop_padding=0,
        flip=False,
    )


def load_data(name: str, data_dir: str | None = None) -> ImageData:
    """The data set ``name`` (``digits``, ``cifar10`` or ``synthetic``)."""
    if name == "digits":
        return load_digits()
    if name == "cifar10":
        if not data_dir:
            raise TrainingError("--data cifar10 needs --data-dir DIR")
        return load_cifar10(data_dir)
    if name == "synthetic":
        return make_synthetic()
    raise TrainingError(f"unknown data set {name!r}; choose from digits, cifar10, synthetic")
