"""Schemes as small immutable values, built only by :mod:`tableau_compiler.parsing`.

Each kind's class is imported when first asked for (``from ..scheme import ButcherTableau``
imports :mod:`.butcher` alone), so reading a Runge–Kutta file defines no multistep or
partitioned class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import Parameter, Scheme

if TYPE_CHECKING:
    from .butcher import ButcherTableau
    from .multistep import MultistepScheme
    from .partitioned import PartitionedTableau, TableauComponent

__all__ = [
    "ButcherTableau",
    "MultistepScheme",
    "Parameter",
    "PartitionedTableau",
    "Scheme",
    "TableauComponent",
]

_MODULE_OF = {
    "ButcherTableau": "butcher",
    "MultistepScheme": "multistep",
    "PartitionedTableau": "partitioned",
    "TableauComponent": "partitioned",
}


def __getattr__(name: str) -> type:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
