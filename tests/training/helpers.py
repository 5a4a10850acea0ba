"""Helpers of the training tests: the CLI in-process, checkpoints, subprocess settings."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from tableau_compiler.cli import main


def tabc(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``tabc ARGV`` in this process: (exit status, stdout, stderr), never a traceback.
    An option refused by the parser exits (SystemExit) as on the command line."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def checkpoint(directory: Path) -> dict:
    return torch.load(directory / "checkpoint.pt", map_location="cpu", weights_only=True)


def same_tensors(left: dict, right: dict) -> bool:
    return left.keys() == right.keys() and all(torch.equal(left[k], right[k]) for k in left)


def subprocess_environment() -> dict[str, str]:
    """This environment with one thread per process (torchrun sets that too)."""
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
