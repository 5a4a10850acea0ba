"""Whether a partitioned pair is symmetric (equal to its adjoint, HLW GNI §V.1–V.2), for general
and for separable systems.

The adjoint of a Runge–Kutta method has a*_ij = b_{s+1−j} − a_{s+1−i,s+1−j} and
b*_i = b_{s+1−i} (HLW Theorem V.2.3 and its proof); the adjoint of a partitioned pair is the
pair of the two adjoint tableaus (HLW §V.2.2).  A pair is symmetric when it and its adjoint are
the same map.  The stage-reversal criterion (the adjoint's coefficients equal the pair's,
HLW Theorem V.2.3) is sufficient but asks for one particular numbering of the stages; a
splitting method padded with a zero-weight stage (``forest_ruth4``) is symmetric without it.

So the two methods are compared *up to equivalent stages* (Butcher's P-equivalence,
Hundsdorfer & Spijker 1981; HNW II.12): the stages of both are put together and partitioned
into the coarsest classes such that stages in one class have rows whose sums over each class
are equal (a lumping, computed by refinement from one class per kind).  Stages of one class
have equal values for every problem (the lumped method's stage values lift to a solution of
each method's stage equations, unique for small h), so when the two methods' weights sum
equally over every class their steps are the same map: the pair is symmetric.  Stages no
weight reaches are ignored by construction.

*General systems*: a node per stage, its row (a_i·, â_i·) over the stages.  *Separable
systems* (f = f(p), g = g(q)): Q_i and P_i are separate nodes, Q_i's row a_i· over the P_j
(k_j = f(P_j)) and P_i's row â_i· over the Q_j (l_j = g(Q_j)), so a stage value that only a
zero weight reads (the padding) drops out.

For an approximate pair, sums are equal when they differ by at most the tolerance (a class is
grown from its first member); for an exact one, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .arithmetic import Field

__all__ = ["adjoint", "equivalent", "symmetric_by_reversal", "symmetric_for"]

Matrix = list[list[Any]]


def adjoint(field: Field, a: Matrix, b: list[Any]) -> tuple[Matrix, list[Any]]:
    """a*_ij = b_{s+1−j} − a_{s+1−i,s+1−j}, b*_i = b_{s+1−i} (HLW Theorem V.2.3)."""
    s = len(b)
    a_star = [[b[s - 1 - j] - a[s - 1 - i][s - 1 - j] for j in range(s)] for i in range(s)]
    return a_star, [b[s - 1 - i] for i in range(s)]


def symmetric_by_reversal(
    field: Field, pair: tuple[Matrix, list, Matrix, list], same: Callable[[Any, Any], bool]
) -> bool:
    """Both tableaus equal their adjoints entry by entry (the stage-reversal criterion)."""
    a, b, a_hat, b_hat = pair
    for matrix, weights in ((a, b), (a_hat, b_hat)):
        a_star, b_star = adjoint(field, matrix, weights)
        if not all(same(x, y) for x, y in zip(b, b_star)):
            return False
        if not all(same(x, y) for r, t in zip(matrix, a_star) for x, y in zip(r, t)):
            return False
    return True


def _nodes(pair: tuple[Matrix, list, Matrix, list], tag: int, separable: bool) -> list[tuple]:
    """(kind, rows): kind is a label; rows a list of (target node key, coefficient)."""
    a, b, a_hat, b_hat = pair
    s = len(b)
    nodes = []
    if separable:
        for i in range(s):
            nodes.append((("Q", tag, i), "Q", [(("P", tag, j), a[i][j]) for j in range(s)]))
            nodes.append((("P", tag, i), "P", [(("Q", tag, j), a_hat[i][j]) for j in range(s)]))
        nodes.append((("q1", tag), "q1", [(("P", tag, j), b[j]) for j in range(s)]))
        nodes.append((("p1", tag), "p1", [(("Q", tag, j), b_hat[j]) for j in range(s)]))
    else:
        for i in range(s):
            row = [(("S", tag, j), "a", a[i][j]) for j in range(s)]
            row += [(("S", tag, j), "â", a_hat[i][j]) for j in range(s)]
            nodes.append((("S", tag, i), "S", row))
        nodes.append((("q1", tag), "q1", [(("S", tag, j), "a", b[j]) for j in range(s)]))
        nodes.append((("p1", tag), "p1", [(("S", tag, j), "â", b_hat[j]) for j in range(s)]))
    return nodes


def equivalent(
    field: Field,
    first: tuple[Matrix, list, Matrix, list],
    second: tuple[Matrix, list, Matrix, list],
    *,
    separable: bool,
    same: Callable[[Any, Any], bool],
) -> bool:
    """Whether the two pairs are the same map up to equivalent stages (module docstring)."""
    nodes = _nodes(first, 0, separable) + _nodes(second, 1, separable)
    keys = [key for key, _, _ in nodes]
    classes = {key: kind for key, kind, _ in nodes}
    zero = field.rational(0)
    while True:
        signatures = []
        for key, kind, row in nodes:
            sums: dict[Any, Any] = {}
            for entry in row:
                target, *label, value = entry
                slot = (classes[target], *label)
                sums[slot] = sums.get(slot, zero) + value
            signatures.append((classes[key], sums))
        refined: dict[Any, Any] = {}
        representatives: list[tuple[Any, dict, int]] = []
        for key, (old, sums) in zip(keys, signatures):
            for index, (rep_old, rep_sums, _) in enumerate(representatives):
                if rep_old == old and _same_sums(sums, rep_sums, same, zero):
                    refined[key] = (old, index)
                    break
            else:
                representatives.append((old, sums, len(representatives)))
                refined[key] = (old, len(representatives) - 1)
        if len(set(refined.values())) == len(set(classes.values())):
            break
        classes = refined
    return all(classes[(root, 0)] == classes[(root, 1)] for root in ("q1", "p1"))


def _same_sums(first: dict, second: dict, same: Callable[[Any, Any], bool], zero: Any) -> bool:
    return all(same(first.get(k, zero), second.get(k, zero)) for k in set(first) | set(second))


def symmetric_for(
    field: Field,
    pair: tuple[Matrix, list, Matrix, list],
    *,
    separable: bool,
    same: Callable[[Any, Any], bool],
) -> bool:
    """Whether the pair equals its adjoint (for separable systems, or for general ones)."""
    a, b, a_hat, b_hat = pair
    a_star, b_star = adjoint(field, a, b)
    a_hat_star, b_hat_star = adjoint(field, a_hat, b_hat)
    return equivalent(
        field, pair, (a_star, b_star, a_hat_star, b_hat_star), separable=separable, same=same
    )
