"""The data sets ``tabc train`` knows, held in memory as tensors.

* ``digits``: scikit-learn's bundled handwritten digits (1797 grey 8x8 images, shipped
  with the library, so it loads offline), split once into 1437 training and 360 test images,
  stratified, with a fixed seed that does not depend on ``--seed``;
* ``cifar10``: the standard python-pickle batches (``data_batch_1`` .. ``data_batch_5``,
  ``test_batch``) from a directory the user names; tabc never downloads anything, and reads
  the pickles as a stranger's data (bounded by the file, building only checked arrays);
* ``synthetic``: a small generated, learnable set (class templates plus noise) for tests.

Images stay in their stored form (uint8 for digits and CIFAR) and are scaled to [0, 1],
augmented and normalised per batch (:mod:`.batches`).  Mean and standard deviation per
channel come from the training images.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import pickletools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ..errors import TrainingError
from .files import printable, read_regular_file, shown_value

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


# -- CIFAR-10 python batches from strangers ---------------------------------------------------
#
# A batch is a pickled dict: b"data" a uint8 array of shape (N, 3072) (or (N, 3, 32, 32)),
# b"labels" N integers in 0..9.  A pickle is a small program, and the directory may come from
# anyone, so a batch is read in three guarded steps:
#
# 1. the file, a regular file of at most MAX_CIFAR_BATCH_BYTES, is read into memory;
# 2. its opcodes are walked once (pickletools.genops) without building anything: every length
#    a string, bytes or integer opcode claims must be present in the file, and there are at
#    most MAX_PICKLE_OPCODES of them, so the objects the unpickler builds are bounded by the
#    file (each opcode builds at most one small object; the payloads are the file's bytes);
# 3. the unpickler builds dicts, lists, tuples, strings, bytes and numbers, and for the only
#    names it will look up, objects of its own: an array is built from the data bytes the
#    pickle carries, once its shape times its item size is checked to equal their length
#    (numpy's ``_reconstruct`` would allocate whatever shape it is handed first: a pickle can
#    ask for 10^6 x 10^6 in 70 bytes), and dtypes are plain integer or float types only.
#
# What was loaded is then checked against the format (shapes, dtype uint8, labels 0..9, one
# per image) before it becomes a tensor.

MAX_CIFAR_BATCH_BYTES = 1 << 30
"""A batch file larger than 1 GiB is refused unread (a CIFAR-10 batch is 31 MB)."""

MAX_PICKLE_OPCODES = 1_000_000
"""A batch whose pickle has more opcodes is refused unbuilt (a CIFAR-10 batch: < 50,000)."""

CIFAR_IMAGE_SHAPE = (3, 32, 32)
CIFAR_IMAGE_BYTES = 3 * 32 * 32
CIFAR_CLASSES = 10


class _ArrayType:
    """What the name ``numpy.ndarray`` stands for in a batch: the type argument of
    ``_reconstruct``; calling it (``ndarray(shape)`` allocates the shape) is refused."""

    def __call__(self, *args: object) -> None:
        raise pickle.UnpicklingError("numpy.ndarray is called directly, not through _reconstruct")


_NDARRAY = _ArrayType()


class _PickledDtype:
    """A plain numeric dtype named in the pickle; its BUILD state sets only the byte order."""

    __slots__ = ("dtype",)

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def __setstate__(self, state: object) -> None:
        # numpy's dtype state: (version, byte order, subarray, names, fields, ...)
        if not isinstance(state, tuple) or len(state) < 2:
            raise pickle.UnpicklingError("a dtype state is not numpy's (version, byte order, ...)")
        order = state[1].decode("ascii") if isinstance(state[1], bytes) else state[1]
        if order not in ("<", ">", "|", "="):
            raise pickle.UnpicklingError(f"a dtype has byte order {shown_value(order)}")
        if order in ("<", ">"):
            self.dtype = self.dtype.newbyteorder(order)


class _PickledArray:
    """The array ``_reconstruct`` stands for, built when the pickle's BUILD gives its bytes."""

    __slots__ = ("array",)

    def __init__(self) -> None:
        self.array: np.ndarray | None = None

    def __setstate__(self, state: object) -> None:
        # numpy's ndarray state: ([version,] shape, dtype, is_fortran, data bytes)
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError(
                "an array state is not numpy's (version, shape, dtype, is_fortran, data)"
            )
        shape, dtype, fortran, data = state[-4:]
        if not isinstance(fortran, bool | int):
            raise pickle.UnpicklingError("an array's is_fortran flag is not a boolean")
        self.array = _array_from_bytes(data, dtype, shape, "F" if fortran else "C")


def _dtype(spec: object, align: object = False, copy: object = False) -> _PickledDtype:
    """``numpy.dtype(spec)`` for a plain integer or float type named by a short string."""
    if isinstance(spec, bytes):
        spec = spec.decode("ascii", errors="replace")
    if not isinstance(spec, str) or len(spec) > 8:
        raise pickle.UnpicklingError(f"dtype {shown_value(spec)} is not a plain numeric type")
    try:
        dtype = np.dtype(spec)
    except TypeError:
        raise pickle.UnpicklingError(f"dtype {shown_value(spec)} is not a numpy type") from None
    if dtype.kind not in "iuf" or dtype.shape != () or dtype.fields is not None:
        raise pickle.UnpicklingError(f"dtype {dtype} is not a plain integer or float type")
    return _PickledDtype(dtype)


def _reconstruct(subtype: object, shape: object, dtype: object) -> _PickledArray:
    """numpy's ``_reconstruct``: an empty array to be filled by BUILD.  Its ``shape`` and
    ``dtype`` are ignored (numpy writes ``(0,), b"b"``): the BUILD state says what the array
    is, and is checked against the bytes it carries."""
    if subtype is not _NDARRAY:
        raise pickle.UnpicklingError("_reconstruct builds something other than numpy.ndarray")
    return _PickledArray()


def _frombuffer(data: object, dtype: object, shape: object, order: object) -> np.ndarray:
    """numpy's ``_frombuffer`` (pickle protocol 5): the array in ``data``, checked."""
    if order not in ("C", "F"):
        raise pickle.UnpicklingError(f"array order {shown_value(order)} is neither C nor F")
    return _array_from_bytes(data, dtype, shape, order)


def _encode(text: object, encoding: object = "utf-8") -> bytes:
    """``_codecs.encode(text, "latin1")``: how protocols 2 and 3 write bytes in Python 3."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is used for something other than bytes")
    return text.encode("latin-1")


def _array_from_bytes(data: object, dtype: object, shape: object, order: str) -> np.ndarray:
    """A fresh array of ``shape`` read from ``data``, once the sizes are seen to agree."""
    if not isinstance(dtype, _PickledDtype):
        raise pickle.UnpicklingError("an array's dtype is not a numpy dtype")
    if not isinstance(data, bytes | bytearray):
        raise pickle.UnpicklingError(f"an array's data is {_kind(data)}, not bytes")
    if (
        not isinstance(shape, tuple)
        or len(shape) > 4
        or not all(type(n) is int and n >= 0 for n in shape)
    ):
        raise pickle.UnpicklingError(f"an array's shape {shown_value(shape)} is not a shape")
    needed = math.prod(shape) * dtype.dtype.itemsize
    if needed != len(data):
        raise pickle.UnpicklingError(
            f"an array of shape {shape} and dtype {dtype.dtype} needs {needed:,} bytes; "
            f"the file holds {len(data):,} for it"
        )
    return np.frombuffer(data, dtype=dtype.dtype).reshape(shape, order=order).copy()


class _ArrayUnpickler(pickle.Unpickler):
    """An unpickler that builds plain values and numeric arrays, and nothing else.

    A pickle can name any callable, so a file from an untrusted directory could run code or
    ask for any amount of memory.  Each of the few names the CIFAR batches use is answered
    by a checked stand-in of this module (see the comment above); every other name is
    refused.
    """

    BUILDERS: ClassVar[dict[tuple[str, str], object]] = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy.core.numeric", "_frombuffer"): _frombuffer,
        ("numpy._core.numeric", "_frombuffer"): _frombuffer,
        ("numpy", "ndarray"): _NDARRAY,
        ("numpy", "dtype"): _dtype,
        ("_codecs", "encode"): _encode,
    }

    def find_class(self, module: str, name: str) -> object:
        builder = self.BUILDERS.get((module, name))
        if builder is None:
            raise pickle.UnpicklingError(
                f"refusing to load {printable(module, 80)}.{printable(name, 80)}"
            )
        return builder

    def persistent_load(self, pid: object) -> object:
        raise pickle.UnpicklingError("refusing a persistent reference")


def _scan_pickle(raw: bytes) -> None:
    """Walk the opcodes without building anything: well formed, lengths present, bounded."""
    stream = io.BytesIO(raw)
    try:
        for count, (opcode, _, _) in enumerate(pickletools.genops(stream), 1):
            if count > MAX_PICKLE_OPCODES:
                raise pickle.UnpicklingError(
                    f"more than {MAX_PICKLE_OPCODES:,} pickle opcodes (a CIFAR-10 batch has "
                    "fewer than 50,000)"
                )
            if opcode.name == "STOP":
                return
    except ValueError as error:  # genops: an unknown opcode, or an argument cut short
        raise pickle.UnpicklingError(
            f"a malformed or cut-short pickle: {printable(str(error))}"
        ) from None
    raise pickle.UnpicklingError("a pickle without its STOP")  # pragma: no cover


def _unpickle_batch(path: Path) -> object:
    raw = read_regular_file(path, MAX_CIFAR_BATCH_BYTES, "a CIFAR-10 python batch")
    try:
        _scan_pickle(raw)
        return _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except MemoryError:
        raise  # the scan bounds what loading holds: running out of memory is a fault of ours
    except Exception as error:  # noqa: BLE001 - unpickling may raise any exception (pickle's docs)
        detail = printable(str(error))
        if not isinstance(error, pickle.UnpicklingError):
            detail = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
        raise TrainingError(f"{path}: not a CIFAR-10 python batch ({detail})") from None


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The images (N, 3, 32, 32) uint8 and labels (N,) int64 of one batch, checked."""
    batch = _unpickle_batch(path)

    def refuse(problem: str) -> TrainingError:
        return TrainingError(f"{path}: not a CIFAR-10 python batch: {problem}")

    if not isinstance(batch, dict):
        raise refuse(f"it holds {_kind(batch)}, not a dict with data and labels")
    data = _entry(batch, "data", refuse)
    labels = _entry(batch, "labels", refuse)
    if not isinstance(data, np.ndarray):
        raise refuse(f"data is {_kind(data)}, not an array of pixels")
    if data.dtype != np.uint8:
        raise refuse(f"data has dtype {data.dtype}; CIFAR-10 pixels are uint8 (0..255)")
    if not (
        (data.ndim == 2 and data.shape[1] == CIFAR_IMAGE_BYTES)
        or (data.ndim == 4 and data.shape[1:] == CIFAR_IMAGE_SHAPE)
    ):
        raise refuse(f"data has shape {data.shape}; expected (N, 3072) or (N, 3, 32, 32)")
    count = data.shape[0]
    if count == 0:
        raise refuse("it holds no images")
    labels = _labels(labels, refuse)
    if len(labels) != count:
        raise refuse(f"{count} images but {len(labels)} labels; one label per image")
    return np.ascontiguousarray(data.reshape(count, *CIFAR_IMAGE_SHAPE)), labels


def _entry(batch: dict, key: str, refuse: Callable[[str], TrainingError]) -> object:
    """``batch[b"key"]`` (the original batches) or ``batch["key"]`` (re-pickled in Python 3)."""
    for candidate in (key.encode(), key):
        if candidate in batch:
            value = batch[candidate]
            if isinstance(value, _PickledArray):  # a _reconstruct that BUILD never filled
                if value.array is None:
                    raise refuse(f"{key} is an array without its data")
                return value.array
            return value
    raise refuse(f"no {key} entry")


def _labels(labels: object, refuse: Callable[[str], TrainingError]) -> np.ndarray:
    """A label per image, each an integer in 0..9, as int64 (N,)."""
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise refuse(f"labels have shape {labels.shape}; expected one label per image (N,)")
        if labels.dtype.kind not in "iu":
            raise refuse(f"labels have dtype {labels.dtype}; expected integers 0..9")
        outside = np.flatnonzero((labels < 0) | (labels >= CIFAR_CLASSES))
        if len(outside):
            first = int(outside[0])
            shown = shown_value(int(labels[first]))
            raise refuse(f"label {first + 1} is {shown}; labels must lie in 0..9")
        return labels.astype(np.int64)
    if not isinstance(labels, list | tuple):
        raise refuse(f"labels are {_kind(labels)}, not a list of integers 0..9")
    for index, label in enumerate(labels, 1):
        if type(label) is not int:
            raise refuse(f"label {index} is {_kind(label)}, not an integer 0..9")
        if not 0 <= label < CIFAR_CLASSES:
            raise refuse(f"label {index} is {shown_value(label)}; labels must lie in 0..9")
    return np.array(labels, dtype=np.int64)


def _kind(value: object) -> str:
    """``a list``, ``an ndarray``: what a value is, never the value itself."""
    if isinstance(value, _PickledArray | np.ndarray):
        return "an array"
    if isinstance(value, _PickledDtype):
        return "a dtype"
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def cifar10_directory(directory: str | Path) -> Path:
    """DIR itself or DIR/cifar-10-batches-py, whichever holds the batches."""
    base = Path(directory)
    for candidate in (base, base / CIFAR_SUBDIRECTORY):
        if os.path.lexists(candidate / CIFAR_TEST_FILE):  # what it is, reading it tells
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
    """The CIFAR-10 python batches from ``directory`` (or its cifar-10-batches-py).

    Raises :class:`TrainingError` naming the file and the problem for a batch that is missing,
    not a regular file, not a pickle this loader builds (see the comment above
    :data:`MAX_CIFAR_BATCH_BYTES`), or not uint8 images of 3x32x32 with a label 0..9 each.
    """
    root = cifar10_directory(directory)
    missing = [name for name in CIFAR_TRAIN_FILES if not os.path.lexists(root / name)]
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
