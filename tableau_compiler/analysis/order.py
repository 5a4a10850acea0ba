"""Runge–Kutta order conditions: b·Φ(t) = 1/γ(t) for every rooted tree t (HNW II.2, Thm 2.13).

All functions are pure and work over any exact :class:`~.arithmetic.Field`.
A residual is b·Φ(t) − 1/γ(t), with Φ built from c = A·1 (the autonomous form a
residual network integrates); a condition holds when its residual is exactly zero
or, for approximate schemes, at most the tolerance in absolute value (decided
exactly on the rational value of the written decimals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .arithmetic import Field
from .rooted_trees import TREES

__all__ = [
    "ConditionLevel",
    "achieved_order",
    "elementary_weights",
    "order_levels",
    "principal_error",
    "stage_order",
]

Vector = list[Any]
Matrix = list[list[Any]]


@dataclass(frozen=True)
class ConditionLevel:
    """The conditions of one order q: how many, how many fail, the largest residual."""

    order: int
    count: int
    failed: int
    largest_residual: float
    worst_tree: int
    """Index in :data:`~.rooted_trees.TREES` of the tree with the largest residual."""
    worst_residual: str
    """That residual, exactly."""

    @property
    def holds(self) -> bool:
        return self.failed == 0

    @property
    def worst_condition(self) -> str:
        """The worst condition as a reader writes it: ``b·Ac² = 1/12``."""
        gamma = TREES.gamma[self.worst_tree]
        right = "1" if gamma == 1 else f"1/{gamma}"
        return f"{TREES.weight(self.worst_tree)} = {right} (tree {TREES.bracket(self.worst_tree)})"


def elementary_weights(
    field: Field, a: Matrix, max_order: int, leaf: Vector | None = None
) -> list[Vector]:
    """Φ(t) for every tree t with at most ``max_order`` vertices, indexed as :data:`TREES`.

    ``leaf`` replaces A·1 where a child of the root is a single vertex (the written
    nodes c, for the non-autonomous reading); by default it is A·1.
    """
    trees = TREES.extend_to(max_order)
    one = field.rational(1)
    phi: list[Vector] = [[one] * len(a)]
    a_phi: list[Vector] = [leaf if leaf is not None else field.apply(a, phi)[0]]
    for n in range(2, max_order + 1):
        for t in trees.of_order(n):
            phi.append([x * y for x, y in zip(phi[trees.rest[t]], a_phi[trees.child[t]])])
        if n < max_order:
            a_phi.extend(field.apply(a, [phi[t] for t in trees.of_order(n)]))
    return phi


def residuals(field: Field, b: Vector, phi: Sequence[Vector], trees: range) -> list[Any]:
    """b·Φ(t) − 1/γ(t) for each tree index in ``trees``."""
    weights = field.apply([b], [phi[t] for t in trees])
    return [w[0] - field.rational(1, TREES.gamma[t]) for w, t in zip(weights, trees)]


def order_levels(
    field: Field,
    b: Vector,
    phi: Sequence[Vector],
    max_order: int,
    tolerance: float | None,
) -> list[ConditionLevel]:
    """One :class:`ConditionLevel` per order 1..max_order."""
    levels = []
    for q in range(1, max_order + 1):
        trees = TREES.of_order(q)
        values = residuals(field, b, phi, trees)
        if tolerance is None:
            failed = [not field.is_zero(r) for r in values]
        else:
            failed = [field.exceeds(r, tolerance) for r in values]
        sizes = [field.magnitude(r) for r in values]
        worst = max(range(len(values)), key=lambda i: (failed[i], sizes[i]))
        levels.append(
            ConditionLevel(
                order=q,
                count=len(values),
                failed=sum(failed),
                largest_residual=max(sizes),
                worst_tree=trees[worst],
                worst_residual=field.text(values[worst]),
            )
        )
    return levels


def achieved_order(levels: Sequence[ConditionLevel]) -> int:
    """The largest p such that every condition of order <= p holds."""
    p = 0
    for level in levels:
        if not level.holds:
            break
        p = level.order
    return p


def principal_error(
    field: Field, b: Vector, phi: Sequence[Vector], order: int
) -> tuple[float, list[float]]:
    """The error coefficients of order p+1 = ``order`` and their 2-norm A^(p+1).

    τ(t) = (b·Φ(t) − 1/γ(t)) / σ(t) for |t| = p+1 (Prince & Dormand 1981;
    Dormand, *Numerical Methods for Differential Equations*, 1996, §5.2).
    """
    trees = TREES.of_order(order)
    values = residuals(field, b, phi, trees)
    coefficients = [field.magnitude(r) / TREES.sigma[t] for r, t in zip(values, trees)]
    return sum(x * x for x in coefficients) ** 0.5, coefficients


def stage_order(field: Field, a: Matrix, b: Vector, c: Vector, limit: int) -> int:
    """The largest q <= limit with B(q) and C(q) (HNW IV.5 / Butcher's simplifying assumptions).

    B(q): b·c^(k-1) = 1/k and C(q): A c^(k-1) = c^k / k, for k = 1..q.
    """
    power = [field.rational(1)] * len(c)  # c^(k-1)
    q = 0
    for k in range(1, limit + 1):
        weight = sum((x * y for x, y in zip(b, power)), field.rational(0)) - field.rational(1, k)
        next_power = [x * y for x, y in zip(power, c)]
        (left,) = field.apply(a, [power])
        inverse_k = field.rational(1, k)
        if not field.is_zero(weight) or any(
            not field.is_zero(x - y * inverse_k) for x, y in zip(left, next_power)
        ):
            break
        q = k
        power = next_power
    return q
