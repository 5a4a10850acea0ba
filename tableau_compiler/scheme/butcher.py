"""A Runge–Kutta method as its Butcher tableau (Hairer, Nørsett & Wanner, I.II.1)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..expression import Expression
from .base import Scheme


@dataclass(frozen=True, kw_only=True)
class ButcherTableau(Scheme):
    """The full s×s matrix A, the weights b, the written nodes c (if any), an embedded b̂.

    A is always stored complete (zeros included), as a reader of Hairer–Nørsett–Wanner
    expects, whatever shorthand the file used.
    """

    a: tuple[tuple[Expression, ...], ...]
    b: tuple[Expression, ...]
    c: tuple[Expression, ...] | None = None
    b_hat: tuple[Expression, ...] | None = None
    embedded_order: int | None = None
    nodes: str = "written"
    """``"written"`` (the default): a written ``c`` that lowers the order the row sums of A
    give fails the check; ``"row-sums"`` (the file's ``[tableau] nodes``): the nodes are the
    row sums of A and the written ``c`` only records the source, its difference a warning."""

    kind = "runge-kutta"

    @property
    def stages(self) -> int:
        return len(self.b)

    def coefficients(self) -> Iterator[Expression]:
        for row in self.a:
            yield from row
        yield from self.b
        yield from self.c or ()
        yield from self.b_hat or ()
