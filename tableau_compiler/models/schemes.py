"""Access to the library's compiled modules (``generated/``, imported as
``tableau_compiler.generated``): every model is built from them."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from functools import cache
from types import ModuleType
from typing import Any

from ..naming import class_prefix

__all__ = ["PACKAGE", "generated_module", "generated_names", "net_class", "scheme_data", "step_class"]


PACKAGE = "tableau_compiler.generated"
"""The library's compiled modules: the repository's ``generated/`` (see that package's docstring)."""


def generated_module(name: str) -> ModuleType:
    """``tableau_compiler.generated.<name>``, the module ``tabc compile`` wrote for
    ``tableaus/<name>.toml`` (``generated/<name>.py`` in the repository)."""
    try:
        return importlib.import_module(f"{PACKAGE}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{PACKAGE}.{name}":
            raise
        raise LookupError(
            f"no compiled module generated/{name}.py: write tableaus/{name}.toml and run "
            f"`tabc compile`"
        ) from None


def scheme_data(name: str) -> dict[str, Any]:
    """``tableau_compiler.generated.<name>``'s ``SCHEME``, read from its source without
    importing it.

    The registry names ``rkcnn_<scheme>`` for every compiled Runge–Kutta module; importing all
    of them to learn their kind imported every module of every kind, and with the reversible
    ones torch's compiler stack, seconds before ``tabc models`` printed a name.  ``SCHEME`` is
    a literal written by ``tabc compile`` (``SCHEME = {`` up to the first line ``}``); where it
    cannot be read so, the module is imported.
    """
    spec = importlib.util.find_spec(f"{PACKAGE}.{name}")
    origin = getattr(spec, "origin", None)
    if origin is not None:
        try:
            with open(origin, encoding="utf-8") as source:
                text = source.read()
            start = text.index("\nSCHEME = {\n") + len("\nSCHEME = ")
            end = text.index("\n}\n", start) + 2
            data = ast.literal_eval(text[start:end])
            if isinstance(data, dict) and "kind" in data:
                return data
        except (OSError, ValueError, SyntaxError, MemoryError, RecursionError):
            pass
    return dict(generated_module(name).SCHEME)


@cache
def generated_names() -> tuple[str, ...]:
    """The stems of every compiled module in ``generated/``, sorted (not the support module
    ``_tabc_runtime`` they import: scheme names start with a letter)."""
    package = importlib.import_module(PACKAGE)
    names = (m.name for m in pkgutil.iter_modules(package.__path__))
    return tuple(sorted(name for name in names if not name.startswith("_")))


def step_class(module: ModuleType) -> type:
    """The one-step class of a compiled Runge–Kutta module (``<Name>Step``)."""
    return getattr(module, f"{class_prefix(module.SCHEME['name'])}Step")


def net_class(module: ModuleType) -> type:
    """The multistep class of a compiled linear multistep module (``<Name>Net``)."""
    return getattr(module, f"{class_prefix(module.SCHEME['name'])}Net")
