"""Optional dependencies: which commands need which extra, and the message when it is missing.

The core (``tabc check``, ``info``, ``compile``) needs sympy, python-flint and jinja2 only.
``export`` and ``models`` (and :func:`tableau_compiler.create_model`) need PyTorch, the
``torch`` extra; ``train`` and ``compare`` also need numpy, matplotlib, scikit-learn and
tqdm, the ``train`` extra (``pyproject.toml``); ``plot`` needs numpy and matplotlib, the
``plot`` extra (which ``train`` includes).  A command whose extra is missing stops
before any work with :class:`MissingExtraError` (exit status 2), naming what to install.
"""

from __future__ import annotations

import importlib.util

from .errors import TabcError

__all__ = ["EXTRAS", "TORCH_CPU", "MissingExtraError", "missing_modules", "require"]

TORCH_CPU = "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
"""What to ``pip install`` for PyTorch's CPU build: the version the README's results were
measured with, from PyTorch's own CPU wheel index (a bare or pinned ``torch`` from the default
index is the CUDA build on Linux: 25 packages, 17 of them CUDA).  The README's Quick start shows
the same line (tests/test_readme.py checks they agree)."""

EXTRAS: dict[str, tuple[tuple[str, str], ...]] = {
    "torch": (("torch", "PyTorch"),),
    "plot": (("numpy", "numpy"), ("matplotlib", "matplotlib")),
    "train": (
        ("torch", "PyTorch"),
        ("numpy", "numpy"),
        ("matplotlib", "matplotlib"),
        ("sklearn", "scikit-learn"),
        ("tqdm", "tqdm"),
    ),
}
"""extra -> (import name, distribution name as users know it) of every module it provides."""


class MissingExtraError(TabcError, ImportError):
    """A command needs an optional dependency that is not installed."""


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module set to None in sys.modules, a broken parent
        return False


def missing_modules(extra: str) -> list[str]:
    """The distribution names of the extra's modules that cannot be imported."""
    return [shown for module, shown in EXTRAS[extra] if not _importable(module)]


def require(extra: str, what: str = "this command") -> None:
    """Raise :class:`MissingExtraError` unless every module of ``extra`` can be imported.

    The message reads ``this command needs PyTorch: install tabc's 'torch' extra from where tabc
    came from, e.g. pip install -e '.[torch]' in its clone (...)``: tabc is not published on a
    package index, so the hint never names one for tabc (a stranger could publish the name
    there).  When PyTorch is missing it adds how to get its CPU build first (:data:`TORCH_CPU`).
    """
    missing = missing_modules(extra)
    if missing:
        torch_first = (
            f", after pip install {TORCH_CPU} for PyTorch's CPU build"
            if "PyTorch" in missing
            else ""
        )
        raise MissingExtraError(
            f"{what} needs {', '.join(missing)}: install tabc's '{extra}' extra from where tabc "
            f"came from, e.g. pip install -e '.[{extra}]' in its clone (tabc is not on a package "
            f"index){torch_first}"
        )
