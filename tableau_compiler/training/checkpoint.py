"""Checkpoints: everything a run needs to go on exactly where it stopped, written atomically.

A checkpoint holds the model, optimizer and scheduler states, the number of finished
epochs, the metrics so far, the recipe (a resumed run must agree with it) and the random
states of every process (torch CPU and CUDA, numpy, Python).  It is written to a temporary
file in the same directory and moved over the old one with ``os.replace``, so a crash mid-write
leaves the previous checkpoint intact.  It holds only tensors and plain Python values, so
it loads with ``torch.load(weights_only=True)``: a checkpoint cannot run code.
"""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..atomic import atomic_path
from ..errors import TrainingError

__all__ = [
    "CHECKPOINT_NAME",
    "capture_rng",
    "load_checkpoint",
    "restore_rng",
    "save_checkpoint",
]

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """``torch.save`` to a temporary file beside ``path``, then ``os.replace`` it."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        torch.save({"format": FORMAT, **state}, stream)
        stream.flush()
        os.fsync(stream.fileno())


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint at ``path``, on the CPU, or a :class:`TrainingError` saying why not."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise TrainingError(f"{path}: no checkpoint there") from None
    except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError) as error:
        raise TrainingError(f"{path}: not a readable tabc checkpoint ({error})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise TrainingError(f"{path}: not a tabc checkpoint (format {FORMAT})")
    return state


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
