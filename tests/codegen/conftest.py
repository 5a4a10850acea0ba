"""Shared pieces for tests of generated modules: loading them, and smooth right-hand sides."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import a generated file by path (TorchScript needs it on disk, so never exec text)."""
    spec = importlib.util.spec_from_file_location(name or f"generated_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
