"""Schemes as small immutable values, built only by :mod:`tableau_compiler.parsing`."""

from .base import Parameter, Scheme
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
