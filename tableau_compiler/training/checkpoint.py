"""Checkpoints: everything a run needs to go on exactly where it stopped, written atomically.

A checkpoint holds the model, optimizer and scheduler states, the number of finished
epochs, the metrics so far, the recipe (a resumed run must agree with it) and the random
states of every process (torch CPU and CUDA, numpy, Python).  It is written to a temporary
file in the same directory and moved over the old one with ``os.replace``, so a crash mid-write
leaves the previous checkpoint intact.  It holds only tensors and plain Python values, so
it loads with ``torch.load(weights_only=True)``: a checkpoint cannot run code.  A run of a
scheme file also records the SHA-256 of that file (``scheme_sha256``), so that a resumed run
can refuse a scheme that changed under it.

A checkpoint to resume from is read as data from a stranger (:func:`load_checkpoint`): every
field is checked for presence, type and shape before anything is restored, and a fault is
reported naming the file and the field.
"""

from __future__ import annotations

import math
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import atomic_path
from ..errors import TrainingError
from ..wording import count
from .config import RECIPE_FIELDS
from .files import printable, regular_file_size, shown_value
from .metrics import EpochMetrics

__all__ = [
    "CHECKPOINT_NAME",
    "capture_rng",
    "check_against",
    "check_fields",
    "load_checkpoint",
    "restore_rng",
    "same_value",
    "save_checkpoint",
]

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1
METRIC_FIELDS = tuple(f.name for f in fields(EpochMetrics))


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary file beside ``path``, then ``os.replace`` it."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        torch.save({"format": FORMAT, **state}, stream)
        stream.flush()
        os.fsync(stream.fileno())


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint at ``path``, on the CPU, or a :class:`TrainingError` saying why not.

    A checkpoint to resume from may come from anywhere, so it is read with care: a regular
    file only, in torch's zip format with its members stored unpacked (so what torch reads is
    bounded by the file's size: no packed member that inflates to gigabytes, no legacy format
    whose header names the size to allocate), loaded with ``weights_only=True``, and then
    every field checked (:func:`check_fields`).  The error names the file and the field.
    """
    if not os.path.lexists(path):
        raise TrainingError(f"{path}: no checkpoint there")
    size = regular_file_size(path, "a tabc checkpoint")
    _check_archive(path, size)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise  # the archive check bounds what torch reads: running out is a fault of ours
    except Exception as error:  # noqa: BLE001 - torch.load of a stranger's file may raise anything
        detail = printable(f"{type(error).__name__}: {error}".split("\n")[0])
        raise TrainingError(f"{path}: not a readable tabc checkpoint ({detail})") from None
    if not isinstance(state, dict):
        raise TrainingError(f"{path}: not a tabc checkpoint (it holds {_kind(state)})")
    found = state.get("format")
    if type(found) is not int or found != FORMAT:
        raise TrainingError(
            f"{path}: not a tabc checkpoint of format {FORMAT} "
            f"(its format field is {shown_value(found)})"
        )
    check_fields(state, path)
    return state


def _check_archive(path: Path, size: int) -> None:
    """torch's zip format, every member stored, the members' sizes within the file's."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise TrainingError(
            f"{path}: not a tabc checkpoint (tabc writes torch's zip format; this is no zip)"
        ) from None
    packed = [m.filename for m in members if m.compress_type != zipfile.ZIP_STORED]
    if packed:
        raise TrainingError(
            f"{path}: not a tabc checkpoint (member {printable(packed[0], 80)} is compressed; "
            "torch stores its members unpacked)"
        )
    claimed = sum(m.file_size for m in members)
    if claimed > size:
        raise TrainingError(
            f"{path}: not a tabc checkpoint (its members claim {claimed:,} bytes, "
            f"the file has {size:,})"
        )


# -- the fields of a checkpoint -----------------------------------------------------------------

MT19937_KEYS = 624
"""The Mersenne Twister's state words (numpy's and Python's generators)."""


def check_fields(state: dict[str, Any], path: Path) -> None:
    """Every field a resumed run reads is present and of its type and shape.

    The fields that must fit the network, optimizer and scheduler of the run are checked
    against them by :func:`check_against`.  Raises :class:`TrainingError` naming ``path`` and
    the field (``metrics[2].test_loss``, 1-based like the epochs).
    """
    fail = _failure(path)
    epoch = _field(state, "epoch", fail)
    if type(epoch) is not int or epoch < 1:
        raise fail("epoch", f"is {shown_value(epoch)}, not an epoch number >= 1")
    for name in ("model", "optimizer", "scheduler", "recipe"):
        if not isinstance(_field(state, name, fail), dict):
            raise fail(name, f"is {_kind(state[name])}, not a dict")
    model = state["model"]
    for key, value in model.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise fail(f"model[{shown_value(key)}]", f"is {_kind(value)}, not a tensor")
    for name in RECIPE_FIELDS:
        _field(state["recipe"], name, fail, "recipe.")
    label = _field(state, "label", fail)
    if not isinstance(label, str):
        raise fail("label", f"is {_kind(label)}, not a model name")
    parameters = _field(state, "parameters", fail)
    if type(parameters) is not int or parameters < 0:
        raise fail("parameters", f"is {shown_value(parameters)}, not a parameter count")
    digest = state.get("scheme_sha256")
    if digest is not None and not (
        isinstance(digest, str) and len(digest) == 64 and all(c in HEX for c in digest)
    ):
        raise fail("scheme_sha256", f"is {shown_value(digest)}, not a SHA-256 in hex")
    _check_metrics(_field(state, "metrics", fail), epoch, fail)
    states = _field(state, "rng", fail)
    if not isinstance(states, list):
        raise fail("rng", f"is {_kind(states)}, not a list of random states (one per process)")
    if not states:
        raise fail("rng", "is empty; it holds the random states of every process")
    for index, rng in enumerate(states, 1):
        _check_rng(rng, f"rng[{index}]", fail)


HEX = frozenset("0123456789abcdef")


def _check_metrics(metrics: object, epoch: int, fail: _Failure) -> None:
    if not isinstance(metrics, list):
        raise fail("metrics", f"is {_kind(metrics)}, not a list of epochs")
    if len(metrics) != epoch:
        raise fail(
            "metrics", f"holds {count(len(metrics), 'epoch')}, the checkpoint is of epoch {epoch}"
        )
    for index, row in enumerate(metrics, 1):
        where = f"metrics[{index}]"
        if not isinstance(row, dict):
            raise fail(where, f"is {_kind(row)}, not a dict")
        for name in METRIC_FIELDS:
            value = _field(row, name, fail, f"{where}.")
            if name == "epoch":
                if type(value) is not int or value != index:
                    raise fail(f"{where}.epoch", f"is {shown_value(value)}, not {index}")
            elif type(value) not in (int, float):
                raise fail(f"{where}.{name}", f"is {_kind(value)}, not a number")


def _check_rng(rng: object, where: str, fail: _Failure) -> None:
    """One process's random states, as :func:`capture_rng` writes them."""
    if not isinstance(rng, dict):
        raise fail(where, f"is {_kind(rng)}, not a dict of random states")
    _tensor(_field(rng, "torch", fail, f"{where}."), torch.uint8,
            tuple(torch.get_rng_state().shape), f"{where}.torch", fail)  # fmt: skip
    if "cuda" in rng:
        _tensor(rng["cuda"], torch.uint8, None, f"{where}.cuda", fail)
    numpy_state = _field(rng, "numpy", fail, f"{where}.")
    if not isinstance(numpy_state, dict):
        raise fail(f"{where}.numpy", f"is {_kind(numpy_state)}, not a dict")
    name = _field(numpy_state, "name", fail, f"{where}.numpy.")
    if type(name) is not str or name != "MT19937":
        raise fail(f"{where}.numpy.name", f"is {shown_value(numpy_state['name'])}, not 'MT19937'")
    keys = _field(numpy_state, "keys", fail, f"{where}.numpy.")
    _tensor(keys, torch.int64, (MT19937_KEYS,), f"{where}.numpy.keys", fail)
    if bool(((keys < 0) | (keys >= 2**32)).any()):
        raise fail(f"{where}.numpy.keys", "holds values outside 0..2^32-1")
    position = _field(numpy_state, "position", fail, f"{where}.numpy.")
    if type(position) is not int or not 0 <= position <= MT19937_KEYS:
        raise fail(f"{where}.numpy.position", f"is {shown_value(position)}, not in 0..624")
    has_gauss = _field(numpy_state, "has_gauss", fail, f"{where}.numpy.")
    if type(has_gauss) is not int or has_gauss not in (0, 1):
        raise fail(f"{where}.numpy.has_gauss", "is neither 0 nor 1")
    if type(_field(numpy_state, "cached_gaussian", fail, f"{where}.numpy.")) is not float:
        raise fail(f"{where}.numpy.cached_gaussian", "is not a float")
    python_state = _field(rng, "python", fail, f"{where}.")
    if not isinstance(python_state, tuple | list) or len(python_state) != 3:
        raise fail(f"{where}.python", f"is {_kind(python_state)}, not random.getstate()'s triple")
    version, internal, gauss = python_state
    if type(version) is not int or version != 3:
        raise fail(f"{where}.python", f"has version {shown_value(version)}, not 3")
    if (
        not isinstance(internal, tuple | list)
        or len(internal) != MT19937_KEYS + 1
        or not all(type(word) is int and 0 <= word < 2**32 for word in internal)
        or internal[-1] > MT19937_KEYS
    ):
        raise fail(f"{where}.python", "does not hold 624 words and a position")
    if gauss is not None and type(gauss) is not float:
        raise fail(f"{where}.python", "has a cached Gaussian that is not a float")


def check_against(
    state: dict[str, Any],
    path: Path,
    *,
    network: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    label: str,
    parameters: int,
) -> None:
    """The model, optimizer and scheduler states of ``state`` fit this run's objects.

    Checked before anything is loaded, so that nothing is converted or copied on the strength
    of a shape the file claims: every weight has the network's name, shape and dtype, every
    momentum buffer its parameter's, and the optimizer's and scheduler's settings are the
    recipe's (only the learning rate and the step counts move during a run).
    """
    fail = _failure(path)
    if state["label"] != label:
        raise fail("label", f"is {shown_value(state['label'])}, this run trains {label}")
    if state["parameters"] != parameters:
        raise fail(
            "parameters",
            f"is {state['parameters']:,}, {label} has {parameters:,}: another network",
        )
    _check_model(state["model"], network, label, fail)
    _check_optimizer(state["optimizer"], optimizer, fail)
    _check_scheduler(state["scheduler"], scheduler, state["epoch"], fail)


def _check_model(saved: dict, network: torch.nn.Module, label: str, fail: _Failure) -> None:
    expected = network.state_dict()
    missing = [key for key in expected if key not in saved]
    if missing:
        raise fail(f"model[{shown_value(missing[0])}]", f"is missing: not the weights of {label}")
    extra = [key for key in saved if key not in expected]
    if extra:
        raise fail(f"model[{shown_value(extra[0])}]", f"is not a weight of {label}")
    for key, tensor in expected.items():
        _tensor(saved[key], tensor.dtype, tuple(tensor.shape), f"model[{shown_value(key)}]", fail)


def _check_optimizer(saved: dict, optimizer: torch.optim.Optimizer, fail: _Failure) -> None:
    fresh = optimizer.state_dict()
    for key in saved:
        if key not in fresh:
            raise fail(f"optimizer.{printable(str(key), 40)}", "is not a field of SGD's state")
    groups = _field(saved, "param_groups", fail, "optimizer.")
    if not isinstance(groups, list) or len(groups) != len(fresh["param_groups"]):
        raise fail("optimizer.param_groups", "does not hold this optimizer's parameter groups")
    for index, (group, expected) in enumerate(zip(groups, fresh["param_groups"]), 1):
        where = f"optimizer.param_groups[{index}]"
        if not isinstance(group, dict):
            raise fail(where, f"is {_kind(group)}, not a dict")
        for key in group:
            if key not in expected:
                raise fail(f"{where}.{printable(str(key), 40)}", "is not a setting of SGD")
        for key in expected:  # every setting: SGD reads them all (a missing momentum: KeyError)
            _field(group, key, fail, f"{where}.")
        lr = group["lr"]
        if type(lr) not in (int, float) or not math.isfinite(lr) or lr <= 0:
            raise fail(f"{where}.lr", f"is {shown_value(lr)}, not a learning rate")
        for key, value in group.items():
            if key != "lr" and not same_value(value, expected[key]):
                raise fail(
                    f"{where}.{key}",
                    f"is {shown_value(value)} there, {expected[key]!r} in this run's recipe",
                )
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    states = _field(saved, "state", fail, "optimizer.")
    if not isinstance(states, dict):
        raise fail("optimizer.state", f"is {_kind(states)}, not a dict")
    for key, entry in states.items():
        where = f"optimizer.state[{shown_value(key)}]"
        if type(key) is not int or not 0 <= key < len(parameters):
            raise fail(where, f"names no parameter (there are {len(parameters)})")
        if not isinstance(entry, dict):
            raise fail(where, f"is {_kind(entry)}, not a dict")
        for name, value in entry.items():
            if name != "momentum_buffer":
                raise fail(f"{where}.{printable(str(name), 40)}", "is not a state of SGD")
            if value is not None:
                parameter = parameters[key]
                _tensor(value, parameter.dtype, tuple(parameter.shape), f"{where}.{name}", fail)


def _check_scheduler(
    saved: dict, scheduler: torch.optim.lr_scheduler.LRScheduler, epoch: int, fail: _Failure
) -> None:
    fresh = scheduler.state_dict()
    for key in saved:
        if key not in fresh:  # load_state_dict would set any attribute it is handed
            raise fail(f"scheduler.{printable(str(key), 40)}", "is not a field of the scheduler")
    for key in ("milestones", "gamma", "base_lrs", "last_epoch"):
        _field(saved, key, fail, "scheduler.")
    if type(saved["last_epoch"]) is not int or saved["last_epoch"] != epoch:
        raise fail(
            "scheduler.last_epoch",
            f"is {shown_value(saved['last_epoch'])}, the checkpoint is of epoch {epoch}",
        )
    for key, value in saved.items():
        expected = fresh[key]
        if key == "last_epoch":
            continue
        if key == "_step_count":
            if type(value) is not int or value != epoch + 1:
                raise fail(f"scheduler.{key}", f"is {shown_value(value)}, not {epoch + 1}")
        elif key == "_last_lr":
            if (
                not isinstance(value, list)
                or len(value) != len(expected)
                or not all(type(v) in (int, float) and math.isfinite(v) for v in value)
            ):
                raise fail(f"scheduler.{key}", "is not a learning rate per parameter group")
        elif not same_value(value, expected):
            raise fail(
                f"scheduler.{key}",
                f"is {shown_value(value)} there, {expected!r} in this run's recipe",
            )


def same_value(value: object, expected: object) -> bool:
    """Equal, and of the same kind (a bool is no number here, an int no float's stand-in for
    a list); containers compared element by element."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return type(value) is type(expected) and value == expected
    if isinstance(expected, int | float):
        return type(value) in (int, float) and value == expected
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and value.keys() == expected.keys()
            and all(same_value(value[k], expected[k]) for k in expected)
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(expected)
            and all(same_value(v, e) for v, e in zip(value, expected))
        )
    return False


_Failure = Callable[[str, str], TrainingError]


def _failure(path: Path) -> _Failure:
    def fail(field: str, problem: str) -> TrainingError:
        return TrainingError(f"{path}: field {field} {problem}; not a checkpoint of this run")

    return fail


def _field(mapping: dict, name: str, fail: _Failure, prefix: str = "") -> Any:
    if name not in mapping:
        raise fail(f"{prefix}{name}", "is missing")
    return mapping[name]


def _tensor(
    value: object,
    dtype: torch.dtype,
    shape: tuple[int, ...] | None,
    where: str,
    fail: _Failure,
) -> None:
    """A tensor of ``dtype`` and ``shape`` (``None``: any one-dimensional shape)."""
    if not isinstance(value, torch.Tensor):
        raise fail(where, f"is {_kind(value)}, not a tensor")
    if value.dtype != dtype:
        raise fail(where, f"has dtype {value.dtype}, not {dtype}")
    found = tuple(value.shape)
    if (shape is None and len(found) != 1) or (shape is not None and found != shape):
        raise fail(where, f"has shape {found}, not {shape or '(n,)'}")


def _kind(value: object) -> str:
    """``a list``, ``a Tensor``: what a value is, never the value itself."""
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiouAEIOU' else 'a'} {name}"


def capture_rng(device: torch.device) -> dict[str, Any]:
    """This process's random states: torch (CPU and the CUDA device), numpy and Python."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {
            "name": str(name),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "position": int(position),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
        "python": random.getstate(),
    }
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng(state: dict[str, Any], device: torch.device) -> None:
    """Set this process's random states to ``state`` (from :func:`capture_rng`)."""
    torch.set_rng_state(state["torch"])
    saved = state["numpy"]
    np.random.set_state(
        (
            saved["name"],
            saved["keys"].numpy().astype(np.uint32),
            saved["position"],
            saved["has_gauss"],
            saved["cached_gaussian"],
        )
    )
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)
