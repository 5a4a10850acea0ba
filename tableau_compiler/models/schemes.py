"""Access to the compiled modules in ``generated/``: every model is built from them."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from ..naming import class_prefix

__all__ = ["generated_module", "generated_names", "net_class", "step_class"]


def generated_module(name: str) -> ModuleType:
    """``generated.<name>``, the module ``tabc compile`` wrote for ``tableaus/<name>.toml``."""
    try:
        return importlib.import_module(f"generated.{name}")
    except ModuleNotFoundError as error:
        if error.name not in (f"generated.{name}", "generated"):
            raise
        raise LookupError(
            f"no compiled module generated/{name}.py: write tableaus/{name}.toml and run "
            f"`tabc compile`"
        ) from None


@cache
def generated_names() -> tuple[str, ...]:
    """The stems of every module in ``generated/``, sorted."""
    package = importlib.import_module("generated")
    return tuple(sorted(m.name for m in pkgutil.iter_modules(package.__path__)))


def step_class(module: ModuleType) -> type:
    """The one-step class of a compiled Runge–Kutta module (``<Name>Step``)."""
    return getattr(module, f"{class_prefix(module.SCHEME['name'])}Step")


def net_class(module: ModuleType) -> type:
    """The multistep class of a compiled linear multistep module (``<Name>Net``)."""
    return getattr(module, f"{class_prefix(module.SCHEME['name'])}Net")
