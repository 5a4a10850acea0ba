"""A registry of named networks, timm-style: ``create_model(name, **kwargs)``.

The registry is a leaf: it imports no model.  A model module registers its variants with the
:func:`register_model` decorator when it is imported, and the package
(:mod:`tableau_compiler.models`) imports every model module, so that importing the package
fills the registry (timm's ``_registry.py`` and ``models/__init__.py``).  Names are exact;
an unknown name raises :class:`UnknownModelError` listing the closest registered ones.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from torch import nn

__all__ = ["ModelEntry", "UnknownModelError", "create_model", "list_models", "register_model"]

Builder = TypeVar("Builder", bound=Callable[..., nn.Module])


class UnknownModelError(KeyError):
    """No model is registered under this name."""

    def __str__(self) -> str:  # KeyError would print the repr of its argument
        return str(self.args[0])


@dataclass(frozen=True)
class ModelEntry:
    """One registered network: its name, the function that builds it (keyword arguments
    override its defaults) and the one-line summary ``tabc models`` prints."""

    name: str
    builder: Callable[..., nn.Module]
    summary: str


_REGISTRY: dict[str, ModelEntry] = {}


def register_model(builder: Builder) -> Builder:
    """Decorator: register ``builder`` under its function name.

    The first paragraph of its docstring, joined into one line, is the summary ``tabc
    models`` prints; the rest of the docstring is for people (the paper, the depth).  A name
    is registered once: a second builder of the same name raises ``ValueError``.
    """
    name = builder.__name__
    summary = " ".join(inspect.cleandoc(builder.__doc__ or "").split("\n\n", 1)[0].split())
    if not summary:
        raise ValueError(f"model {name!r} has no docstring: its first line is the summary")
    if name in _REGISTRY:
        raise ValueError(f"model {name!r} is already registered")
    _REGISTRY[name] = ModelEntry(name, builder, summary)
    return builder


def list_models() -> list[str]:
    """Every registered name, sorted."""
    return sorted(_REGISTRY)


def model_entry(name: str) -> ModelEntry:
    """The entry registered under ``name``; :class:`UnknownModelError` (with the closest
    names) when there is none."""
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `tabc models` lists them"
        raise UnknownModelError(f"unknown model {name!r}{hint}")
    return _REGISTRY[name]


def create_model(name: str, **kwargs: object) -> nn.Module:
    """Build the registered model ``name``; keyword arguments override its defaults."""
    return model_entry(name).builder(**kwargs)
