"""What a compiled module imports and exports, as data (the templates only lay it out).

Every compiled module imports the shared network frame and, when its step inverts, the RevNet
algorithm from the support module written once beside it (:data:`RUNTIME_MODULE`); it lists
in ``__all__`` its own classes and what it re-exports from there, so that
``from generated.revnet import invertible_layers`` keeps working.
"""

from __future__ import annotations

__all__ = ["RUNTIME_MODULE", "module_imports"]

RUNTIME_MODULE = "_tabc_runtime"
"""The support module's name: ``_tabc_runtime.py`` beside the compiled modules (scheme names
are ``[a-z][a-z0-9_]*``, so no scheme can take it)."""

_WIDTH = 88
"""The longest one-line import or ``__all__``: ruff's default width, so that isort in a user's
repository (88 columns) and ruff format at tabc's 100 columns both leave the lines alone (a
longer one is exploded one name per line, which the trailing comma keeps exploded)."""

_FRAME = ("NotInvertibleError", "PreActivationBlock", "Stage", "Transition")
"""The network frame every module imports and re-exports."""

_REVERSIBLE = ("ReversibleBlock", "invertible_layers", "run_reversibly")
"""The RevNet algorithm, re-exported by every module whose step inverts."""

# what each kind's own code needs, beyond the frame: (standard library lines, runtime names)
_NEEDS: dict[tuple[str, bool], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("runge-kutta", False): (
        ("from collections.abc import Sequence",),
        ("not_invertible", "stage_functions"),
    ),
    ("linear-multistep", False): (("from collections.abc import Sequence",), ("not_invertible",)),
    ("linear-multistep", True): (
        ("import math", "from collections.abc import Sequence", "from typing import Any"),
        (),
    ),
    ("partitioned-runge-kutta", False): (
        ("from collections.abc import Sequence", "from typing import Final"),
        ("not_invertible",),
    ),
    ("partitioned-runge-kutta", True): (
        ("from collections.abc import Sequence", "from typing import Final"),
        (),
    ),
}


def _sorted(names: set[str]) -> list[str]:
    """isort's order (ruff's): constants, then classes, then functions, each alphabetical."""
    return sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))


def _import_line(module: str, names: list[str]) -> list[str]:
    """``from module import a, b`` on one line when it fits, else one name per line."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= _WIDTH:
        return [line]
    return [f"from {module} import (", *(f"    {name}," for name in names), ")"]


def module_imports(kind: str, reversible: bool, classes: list[str]) -> dict[str, list[str]]:
    """The import block of a compiled module and its ``__all__`` (as source lines).

    ``kind``: the scheme kind; ``reversible``: whether the module's step inverts (it then
    re-exports the RevNet algorithm); ``classes``: the module's own public classes.
    Returns ``{"imports": [line, ...], "exports": [line, ...]}``; a blank line separates the
    standard library, torch and the support module, as isort does.
    """
    standard, needed = _NEEDS[kind, reversible]
    runtime = set(_FRAME) | set(needed) | (set(_REVERSIBLE) if reversible else set())
    lines = [*standard, "", "import torch", "from torch import Tensor, nn", ""]
    lines += _import_line(f".{RUNTIME_MODULE}", _sorted(runtime))
    public = {"SCHEME", "build_model", *classes, *_FRAME}
    public |= set(_REVERSIBLE) if reversible else set()
    names = [f'"{name}"' for name in _sorted(public)]
    exports = [f"__all__ = [{', '.join(names)}]"]
    if len(exports[0]) > _WIDTH:
        exports = ["__all__ = [", *(f"    {name}," for name in names), "]"]
    return {"imports": lines, "exports": exports}
