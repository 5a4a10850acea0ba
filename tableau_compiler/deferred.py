"""``isinstance`` against a class whose module need not be imported.

``tabc check`` of a Runge–Kutta file should not import the multistep and partitioned
analyses only to learn that its result is neither.  An object can only be an instance of a
class whose module has been imported, so a stand-in that looks the class up in
``sys.modules`` answers every ``isinstance`` and ``issubclass`` exactly as the class would,
and never imports anything::

    PartitionedAnalysis = deferred_class("tableau_compiler.analysis.partitioned",
                                         "PartitionedAnalysis")
    isinstance(result, PartitionedAnalysis)  # False, without importing the module

Use it only for type tests; annotations name the real class under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import sys

__all__ = ["deferred_class"]


class _DeferredClass(type):
    """The metaclass of the stand-ins: type tests go to the real class, if it exists yet."""

    _module: str
    _name: str

    def real(cls) -> type | None:
        """The class itself, or None while its module has not been imported."""
        module = sys.modules.get(cls._module)
        return None if module is None else getattr(module, cls._name)

    def __instancecheck__(cls, instance: object) -> bool:
        real = cls.real()
        return real is not None and isinstance(instance, real)

    def __subclasscheck__(cls, subclass: type) -> bool:
        real = cls.real()
        return real is not None and issubclass(subclass, real)

    def __repr__(cls) -> str:
        return f"<deferred class {cls._module}.{cls._name}>"


def deferred_class(module: str, name: str) -> type:
    """A stand-in for class ``name`` of ``module`` (absolute) in type tests only."""
    return _DeferredClass(name, (), {"_module": module, "_name": name, "__module__": module})
