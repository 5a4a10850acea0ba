"""What every scheme has, whatever its kind: name, claim, provenance, parameters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..expression import Expression

DEFAULT_TOLERANCE = 1e-12
"""Residual under which an order condition of an approximate scheme counts as met."""


@dataclass(frozen=True, kw_only=True)
class Parameter:
    """A named coefficient parameter (``[parameters.NAME]``)."""

    name: str
    value: Expression
    learnable: bool = False
    bounds: tuple[Expression, Expression] | None = None


@dataclass(frozen=True, kw_only=True)
class Scheme:
    """Fields shared by Runge–Kutta tableaus and multistep schemes."""

    name: str
    order: int
    """The order the author claims."""
    title: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    tolerance: float | None = None
    """The tolerance written in the file, or None for the default."""
    parameters: tuple[Parameter, ...] = ()
    source: str | None = field(default=None, compare=False)
    """The file the scheme was read from, for reports."""

    kind = "scheme"

    def coefficients(self) -> Iterator[Expression]:
        """Every coefficient expression of the scheme (tableau or multistep)."""
        raise NotImplementedError

    @property
    def is_approximate(self) -> bool:
        """True when the file gives a ``tolerance`` or writes any coefficient (or parameter
        value) as a decimal: every property is then judged to the tolerance."""
        if self.tolerance is not None:
            return True
        values = (parameter.value for parameter in self.parameters)
        return any(expr.is_approximate for expr in (*self.coefficients(), *values))

    @property
    def effective_tolerance(self) -> float:
        return DEFAULT_TOLERANCE if self.tolerance is None else self.tolerance

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(parameter.name for parameter in self.parameters)
