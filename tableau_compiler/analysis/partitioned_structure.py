"""The written structure of a partitioned Runge–Kutta pair: in which order its stages can be
computed without iteration, for separable and for general partitioned systems.

With (A, b) the q-tableau and (Â, b̂) the p-tableau (HLW GNI §II.2),

    Q_i = q_0 + h Σ_j a_ij f(Q_j, P_j),    P_i = p_0 + h Σ_j â_ij g(Q_j, P_j).

*General systems*: stage i needs the stage values (Q_j, P_j) of every j with a_ij ≠ 0 or
â_ij ≠ 0, so the stages can be computed one after another exactly when the union of the two
dependency graphs has no cycle (a_ii ≠ 0 or â_ii ≠ 0 is a cycle of length one).

*Separable systems* (f = f(p), g = g(q)): k_j = f(P_j) and l_j = g(Q_j), so Q_i needs only
the P_j with a_ij ≠ 0 and P_i only the Q_j with â_ij ≠ 0.  The 2s values Q_1..Q_s, P_1..P_s
can be computed one after another exactly when this bipartite dependency graph has no cycle.
This is how symplectic Euler, Störmer–Verlet and the splitting methods are explicit although
one of their tableaus has a non-zero diagonal (HLW §II.2.2, §III.2.1).

"≠ 0" is the *written structure*, as the Runge–Kutta classification is: an entry counts as
zero only when it is a constant whose exact value is 0 (a decimal 0.0 too); an entry that
depends on a parameter counts as non-zero (training may move it).  The evaluation order is
the computation the generated step makes, so it is deterministic: among the values ready
next, the smallest (stage index, "P" before "Q") is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..expression import Expression
from ..scheme import PartitionedTableau

__all__ = [
    "PartitionedStructure",
    "general_evaluation",
    "partitioned_structure",
    "separable_evaluation",
    "written_nonzero",
]

Pattern = tuple[tuple[bool, ...], ...]
"""``pattern[i][j]``: whether the written a_ij is non-zero (0-based)."""


@dataclass(frozen=True)
class PartitionedStructure:
    """Evaluation orders of a pair (see the module docstring).

    ``separable_evaluation``: the 2s stage values as ``("Q", i)``/``("P", i)`` (0-based i),
    each using only values earlier in the tuple, or None when no such order exists.
    ``general_evaluation``: the s stages (0-based) in an order in which each uses only
    stages before it, or None when the pair is implicit for general systems.
    """

    separable_evaluation: tuple[tuple[str, int], ...] | None
    general_evaluation: tuple[int, ...] | None

    @property
    def explicit_for_separable(self) -> bool:
        return self.separable_evaluation is not None

    @property
    def explicit(self) -> bool:
        """Explicit for general partitioned systems."""
        return self.general_evaluation is not None


def written_nonzero(matrix: Sequence[Sequence[Expression]]) -> Pattern:
    """Which entries of a written matrix are non-zero (constant exact 0 counts as zero,
    anything depending on a parameter as non-zero)."""
    pattern = [[False] * len(row) for row in matrix]
    undecided: list[tuple[int, int]] = []
    for i, row in enumerate(matrix):
        for j, x in enumerate(row):
            if x.names:
                pattern[i][j] = True
                continue
            value = x.rational()
            if value is None:  # a constant with square roots or pi: decided exactly below
                undecided.append((i, j))
            else:
                pattern[i][j] = value != 0
    if undecided:
        from .arithmetic import field_for

        field, elements = field_for([matrix[i][j] for i, j in undecided], None)
        for (i, j), x in zip(undecided, elements):
            pattern[i][j] = not field.is_zero(x)
    return tuple(map(tuple, pattern))


def separable_evaluation(q: Pattern, p: Pattern) -> tuple[tuple[str, int], ...] | None:
    """An order of the 2s values Q_i, P_i for separable systems (None when there is none):
    Q_i reads P_j where ``q[i][j]`` (a_ij ≠ 0), P_i reads Q_j where ``p[i][j]`` (â_ij ≠ 0)."""
    s = len(q)
    needs = {("Q", i): {("P", j) for j in range(s) if q[i][j]} for i in range(s)}
    needs.update({("P", i): {("Q", j) for j in range(s) if p[i][j]} for i in range(s)})
    return _topological(needs, key=lambda value: (value[1], value[0] != "P"))


def general_evaluation(q: Pattern, p: Pattern) -> tuple[int, ...] | None:
    """An order of the s stages for general systems (None when there is none): stage i
    reads stage j where a_ij ≠ 0 or â_ij ≠ 0."""
    s = len(q)
    needs = {i: {j for j in range(s) if q[i][j] or p[i][j]} for i in range(s)}
    return _topological(needs, key=lambda stage: stage)


def _topological(needs: dict, key) -> tuple | None:  # type: ignore[no-untyped-def]
    """Kahn's algorithm taking the smallest ready item (by ``key``) each time; None on a cycle."""
    done: list = []
    left = dict(needs)
    finished: set = set()
    while left:
        ready = [item for item, wanted in left.items() if wanted <= finished]
        if not ready:
            return None
        item = min(ready, key=key)
        done.append(item)
        finished.add(item)
        del left[item]
    return tuple(done)


def partitioned_structure(scheme: PartitionedTableau) -> PartitionedStructure:
    """The evaluation orders of ``scheme`` as written (see the module docstring)."""
    q = written_nonzero(scheme.q.a)
    p = written_nonzero(scheme.p.a)
    return PartitionedStructure(
        separable_evaluation=separable_evaluation(q, p),
        general_evaluation=general_evaluation(q, p),
    )
