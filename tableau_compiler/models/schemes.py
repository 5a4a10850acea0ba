"""Access to the compiled modules in ``generated/``: every model is built from them."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from types import ModuleType

from ..naming import class_prefix

__all__ = ["generated_module", "generated_names", "live_stages", "net_class", "step_class"]


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


def live_stages(a: list[list[float]], b: list[float]) -> list[bool]:
    """Which stages the next state needs: b_i != 0, or a needed later stage reads k_i.

    The others (the last stage of an FSAL pair, say) only feed an error estimate; a
    compiled step's ``forward`` does not evaluate them.
    """
    s = len(b)
    if any(a[i][j] != 0 for i in range(s) for j in range(i, s)):
        return [True] * s  # implicit: every stage is coupled to every other
    live = [False] * s
    for i in reversed(range(s)):
        live[i] = b[i] != 0 or any(live[j] and a[j][i] != 0 for j in range(i + 1, s))
    return live
