"""A registry of named networks, timm-style: ``create_model(name, **kwargs)``.

A model is registered by a builder function taking keyword arguments.  Names are exact;
an unknown name raises :class:`UnknownModelError` listing the closest registered ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

__all__ = ["ModelEntry", "UnknownModelError", "create_model", "list_models", "register_model"]


class UnknownModelError(KeyError):
    """No model is registered under this name."""

    def __str__(self) -> str:  # KeyError would print the repr of its argument
        return str(self.args[0])


@dataclass(frozen=True)
class ModelEntry:
    name: str
    builder: Callable[..., nn.Module]
    summary: str


_REGISTRY: dict[str, ModelEntry] = {}
_SCHEMES_REGISTERED = False


def register_model(name: str, summary: str) -> Callable[[Callable[..., nn.Module]], Callable]:
    """Decorator: register ``builder`` under ``name`` (a name is registered once)."""

    def decorate(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is already registered")
        _REGISTRY[name] = ModelEntry(name, builder, summary)
        return builder

    return decorate


def _entries() -> dict[str, ModelEntry]:
    global _SCHEMES_REGISTERED
    from . import hamiltonian, lm_resnet, revnet, rkcnn  # noqa: F401 -- importing registers their models

    if not _SCHEMES_REGISTERED:
        _SCHEMES_REGISTERED = True
        rkcnn.register_scheme_models()
    return _REGISTRY


def list_models() -> list[str]:
    """Every registered name, sorted."""
    return sorted(_entries())


def model_entry(name: str) -> ModelEntry:
    entries = _entries()
    if name not in entries:
        close = difflib.get_close_matches(name, list(entries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `tabc models` lists them"
        raise UnknownModelError(f"unknown model {name!r}{hint}")
    return entries[name]


def create_model(name: str, **kwargs: object) -> nn.Module:
    """Build the registered model ``name``; keyword arguments override its defaults."""
    return model_entry(name).builder(**kwargs)
