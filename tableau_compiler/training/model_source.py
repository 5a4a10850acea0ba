"""Where a trained network comes from: a registry name or a scheme file compiled on the spot.

``tabc train resnet20`` builds ``create_model("resnet20", ...)``; ``tabc train my.toml``
checks and compiles the scheme into ``OUT/scheme/<name>.py`` with tabc's compiler, imports
that file by path (it stays on disk, next to the checkpoint it explains) and trains its
``build_model``; the checkpoints record the scheme file's SHA-256 (:func:`scheme_sha256`).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..errors import SchemeError, TrainingError
from .files import read_regular_file

__all__ = [
    "ModelSource",
    "build_model",
    "count_parameters",
    "model_inventory",
    "resolve_model",
    "scheme_sha256",
    "uses_stochastic_depth",
]


@dataclass(frozen=True)
class ModelSource:
    """A recipe for a network: its label, what it is, and how to build it."""

    label: str
    """The registry name, or the scheme's name for a scheme file."""
    summary: str
    builder: Callable[..., nn.Module]
    module_path: Path | None = None
    """The compiled module of a scheme file."""


def is_scheme_file(name: str) -> bool:
    return name.endswith(".toml")


def resolve_model(name: str, compile_into: Path, *, write: bool = True) -> ModelSource:
    """The registry model ``name``, or the scheme file ``name`` compiled into ``compile_into``.

    ``write=False`` (processes other than rank 0) compiles without writing and expects the
    module on disk (rank 0 wrote it).
    """
    if is_scheme_file(name):
        return _scheme_source(Path(name), compile_into, write=write)
    from ..models import UnknownModelError, model_entry

    try:
        entry = model_entry(name)
    except UnknownModelError as error:
        raise TrainingError(str(error)) from None
    return ModelSource(entry.name, entry.summary, entry.builder)


def scheme_sha256(path: Path) -> str:
    """The SHA-256 (hex) of the scheme file's bytes, recorded in every checkpoint of its run.

    A resumed run compares it with the file as it is now: the network is the scheme, and a
    scheme edited since the checkpoint would go on training another network under the old
    weights.  Reads a regular file of at most the scheme size limit only.
    """
    from ..limits import MAX_FILE_BYTES

    if not path.is_file():
        raise TrainingError(f"{path}: no such scheme file")
    return hashlib.sha256(read_regular_file(path, MAX_FILE_BYTES, "a scheme file")).hexdigest()


def compile_scheme(path: Path, compile_into: Path, *, write: bool = True) -> Path:
    """Check and compile the scheme file; the path of its module (written when ``write``)."""
    from ..compiler import compile_file
    from ..report import verdict_line

    if not path.is_file():
        raise TrainingError(f"{path}: no such scheme file")
    try:
        result = compile_file(path, compile_into, write=write)
    except SchemeError as error:
        raise error.located(path=str(path)) from None
    if result.text is None:
        raise TrainingError(f"{path} fails `tabc check`: {verdict_line(result.analysis)}")
    return result.target


def _scheme_source(path: Path, compile_into: Path, *, write: bool) -> ModelSource:
    target = compile_scheme(path, compile_into, write=write)
    module = import_module_file(target)
    builder = getattr(module, "build_model", None)
    if not callable(builder):
        raise TrainingError(f"{target}: the compiled module has no build_model()")
    scheme = getattr(module, "SCHEME", {})
    name = str(scheme.get("name", target.stem))
    summary = f"{scheme.get('title', name)} compiled from {path} into {target}"
    return ModelSource(name, summary, builder, target)


def import_module_file(path: Path) -> Any:
    """Import a compiled module by path under a private module name (as a module of its
    directory's package, so that it imports the support module beside it)."""
    from ..compiled import import_compiled

    try:
        return import_compiled(path, f"tabc_trained_{path.stem}")
    except Exception as error:
        raise TrainingError(f"{path}: importing it failed: {error}") from error


def build_model(
    source: ModelSource, num_classes: int, in_channels: int, model_args: dict[str, Any]
) -> nn.Module:
    """The network, or a :class:`TrainingError` naming the option it refused."""
    if "reversible" in model_args and not isinstance(model_args["reversible"], bool):
        raise TrainingError(f"reversible takes True or False, not {model_args['reversible']!r}")
    try:
        model = source.builder(num_classes=num_classes, in_channels=in_channels, **model_args)
    except (TypeError, ValueError) as error:
        shown = ", ".join(f"{k}={v!r}" for k, v in model_args.items()) or "no model arguments"
        if model_args.get("reversible") is False and "'reversible'" in str(error):
            # reversible=False is every network's default, also of one that cannot invert
            rest = {k: v for k, v in model_args.items() if k != "reversible"}
            return build_model(source, num_classes, in_channels, rest)
        # a compiled module refuses with NotInvertibleError and the analysis' reason (one
        # written by an older tabc, with a TypeError for the unknown keyword)
        refused = type(error).__name__ == "NotInvertibleError" or "'reversible'" in str(error)
        if "reversible" in model_args and refused:
            module = sys.modules.get(getattr(source.builder, "__module__", ""), None)
            reason = getattr(module, "SCHEME", {}).get("no_inverse")
            why = f": {reason}; use reversible=False" if reason else ""
            raise TrainingError(
                f"{source.label} has no reversible=True: its compiled step does not invert"
                f"{why} (`tabc info` says which schemes invert)"
            ) from None
        raise TrainingError(f"cannot build {source.label} with {shown}: {error}") from None
    if not isinstance(model, nn.Module):
        raise TrainingError(f"{source.label}: build_model() returned {type(model).__name__}")
    return model


def count_parameters(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())


def uses_stochastic_depth(model: nn.Module) -> bool:
    """Whether some parameters may sit out a step (DDP then needs find_unused_parameters)."""
    from ..models.blocks import StochasticDepth

    return any(isinstance(m, StochasticDepth) and m.survival < 1.0 for m in model.modules())


class _ShapesOnly(TorchFunctionMode):
    """Skip weight initialisation while a network is built on the meta device.

    Counting parameters, and building a network whose weights a checkpoint will assign
    (``tabc inspect``), needs their shapes only; initialising them on the meta device
    (``torch.nn.init``, ``Tensor.normal_`` ...) does nothing but still costs torch's dispatch,
    most of the time ``tabc models`` took (3.5 of 4.9 s for the 54 registry models here), and
    imports torch's compiler stack (``normal_`` on the meta device is a lazily disabled
    reference implementation).
    """

    _SKIPPED = frozenset(
        {torch.Tensor.normal_, torch.Tensor.uniform_, torch.Tensor.fill_, torch.Tensor.zero_}
    )

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self._SKIPPED or getattr(func, "__module__", None) == "torch.nn.init":
            return args[0] if args else next(iter(kwargs.values()))  # the tensor, unchanged
        return func(*args, **kwargs)


def model_inventory(num_classes: int = 10, in_channels: int = 3) -> list[dict[str, Any]]:
    """Every registry model with its parameter count, built on the meta device (no memory,
    no weight initialisation: :class:`_ShapesOnly`)."""
    from ..models import create_model, list_models, model_entry

    rows = []
    for name in list_models():
        with torch.device("meta"), _ShapesOnly():
            model = create_model(name, num_classes=num_classes, in_channels=in_channels)
        rows.append(
            {
                "name": name,
                "parameters": count_parameters(model),
                "summary": model_entry(name).summary,
            }
        )
    return rows
