"""Schemes as small immutable values, built only by :mod:`tableau_compiler.parsing`."""

from .base import Parameter, Scheme
from .butcher import ButcherTableau
from .multistep import MultistepScheme

__all__ = ["ButcherTableau", "MultistepScheme", "Parameter", "Scheme"]
