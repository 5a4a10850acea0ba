"""Shared pieces for tests of generated modules: loading them, and smooth right-hand sides."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"


def load_module(path: Path, name: str | None = None) -> ModuleType:
    """Import a generated file by path (TorchScript needs it on disk, so never exec text), as
    a module of its directory's package.  It imports the support module beside it, which is
    written there first when the directory has none (a module the test wrote from
    ``generated_text``; ``tabc compile`` writes both)."""
    from tableau_compiler.compiled import import_compiled
    from tableau_compiler.compiler import compile_runtime

    runtime = compile_runtime(path.parent, write=False)
    if not runtime.target.exists():
        compile_runtime(path.parent)
    return import_compiled(path, name or f"generated_{path.stem}")
