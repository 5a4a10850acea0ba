"""A partitioned Runge–Kutta method: two Butcher tableaus for q' = f(q, p), p' = g(q, p).

Hairer, Lubich & Wanner, *Geometric Numerical Integration* (2nd ed., 2006), §II.2
(Definition 2.1) and §III.2: with s stages,

    k_i = f(Q_i, P_i),    l_i = g(Q_i, P_i),
    Q_i = q_0 + h Σ_j a_ij k_j,    P_i = p_0 + h Σ_j â_ij l_j,
    q_1 = q_0 + h Σ_i b_i k_i,     p_1 = p_0 + h Σ_i b̂_i l_i,

where (A, b) is the q-tableau (``[tableau.q]``, advancing q from f) and (Â, b̂) the
p-tableau (``[tableau.p]``, advancing p from g).  Both have the same number of stages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..expression import Expression
from .base import Scheme


@dataclass(frozen=True, kw_only=True)
class TableauComponent:
    """One tableau of the pair: the full s×s matrix, the weights and the written nodes.

    As for :class:`~.butcher.ButcherTableau`, A is stored complete (zeros included)."""

    a: tuple[tuple[Expression, ...], ...]
    b: tuple[Expression, ...]
    c: tuple[Expression, ...] | None = None

    @property
    def stages(self) -> int:
        return len(self.b)

    def coefficients(self) -> Iterator[Expression]:
        for row in self.a:
            yield from row
        yield from self.b
        yield from self.c or ()


@dataclass(frozen=True, kw_only=True)
class PartitionedTableau(Scheme):
    """A partitioned Runge–Kutta pair (HLW §II.2): ``q`` advances q from f, ``p`` advances p
    from g.

    ``order`` is the claimed order for general partitioned systems; ``separable_order`` (None:
    not claimed) the claimed order for separable ones, f = f(p) and g = g(q).
    """

    q: TableauComponent
    p: TableauComponent
    separable_order: int | None = None

    kind = "partitioned-runge-kutta"

    @property
    def stages(self) -> int:
        return self.q.stages

    def coefficients(self) -> Iterator[Expression]:
        yield from self.q.coefficients()
        yield from self.p.coefficients()
