"""Runge–Kutta order conditions: b·Φ(t) = 1/γ(t) for every rooted tree t (HNW II.2, Thm 2.13).

All functions are pure and work over any exact :class:`~.arithmetic.Field`.
A residual is b·Φ(t) − 1/γ(t), with Φ built from c = A·1 (the autonomous form a
residual network integrates); a condition holds when its residual is exactly zero
or, for approximate schemes, at most the tolerance in absolute value (decided
exactly on the rational value of the written decimals).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .arithmetic import BallField, Field, _columns
from .rooted_trees import TREES
from .values import Value

__all__ = [
    "ConditionLevel",
    "LevelResiduals",
    "achieved_order",
    "elementary_weights",
    "order_levels",
    "principal_error",
    "stage_order",
]

Vector = list[Any]
Matrix = list[list[Any]]


class LevelResiduals:
    """What every level of order conditions says of itself from ``failed`` (how many of its
    conditions fail) and ``worst`` (its residual of largest magnitude): shared by
    :class:`ConditionLevel` and :class:`~.partitioned.PartitionedLevel`."""

    order: int
    failed: int
    worst: Value

    @property
    def holds(self) -> bool:
        """Every condition of the order holds."""
        return self.failed == 0

    @property
    def largest_residual(self) -> float:
        """The largest |residual| of the order, 0.0 only when every residual is exactly 0."""
        return self.worst.magnitude

    @property
    def worst_residual(self) -> str:
        """That residual exactly when known (certified digits otherwise)."""
        return self.worst.to_json()


@dataclass(frozen=True)
class ConditionLevel(LevelResiduals):
    """The conditions of one order q: how many, how many fail, the largest residual."""

    order: int
    count: int
    failed: int
    worst_tree: int
    """Index in :data:`~.rooted_trees.TREES` of the tree with the largest residual."""
    worst: Value
    """That residual (exactly zero when every residual of the order is)."""

    @property
    def worst_condition(self) -> str:
        """The worst condition as a reader writes it: ``b·Ac² = 1/12``."""
        gamma = TREES.gamma[self.worst_tree]
        right = "1" if gamma == 1 else f"1/{gamma}"
        return f"{TREES.weight(self.worst_tree)} = {right} (tree {TREES.bracket(self.worst_tree)})"


class ElementaryWeights:
    """Φ(t) for every tree t up to an order, indexed as :data:`TREES`, over any field."""

    def __init__(self, field: Field, vectors: list[Vector]) -> None:
        self.field = field
        self.vectors = vectors

    def residuals(self, b: Vector, trees: range) -> list[Any]:
        """b·Φ(t) − 1/γ(t) for each tree index in ``trees``: one batched product."""
        field = self.field
        weights = field.apply(field.matrix([b]), [self.vectors[t] for t in trees])
        return [w[0] - field.rational(1, TREES.gamma[t]) for w, t in zip(weights, trees)]


class ScaledIntegerWeights(ElementaryWeights):
    """Φ(t) over QQ kept as integer vectors: Φ(t) = Φ̃(t) / D^(|t|−1), D the common denominator of A.

    Rational matrix products spend most of their time in gcds of ever larger numbers;
    scaling A to the integer matrix D·A once makes every product an integer one
    (flint's ``fmpz_mat``) and defers the one gcd per condition to its residual.
    """

    def __init__(self, field: Field, a: Matrix, max_order: int, leaf: Vector | None) -> None:
        import flint

        s = len(a)
        denominators = [x.q for row in a for x in row] + [x.q for x in (leaf or ())]
        scale = flint.fmpz(1)
        for d in denominators:
            scale = scale.lcm(d)
        self.field = field
        self.scale = scale
        a_int = flint.fmpz_mat(s, s, [(x * scale).p for row in a for x in row])
        trees = TREES.extend_to(max_order)
        ones = [flint.fmpz(1)] * s
        phi: list[list[Any]] = [ones]
        if leaf is not None:
            first = [(x * scale).p for x in leaf]
        else:
            first = _columns(a_int, flint.fmpz_mat, [ones])[0]
        a_phi: list[list[Any]] = [first]
        for n in range(2, max_order + 1):
            for t in trees.of_order(n):
                phi.append([x * y for x, y in zip(phi[trees.rest[t]], a_phi[trees.child[t]])])
            if n < max_order:
                a_phi.extend(_columns(a_int, flint.fmpz_mat, [phi[t] for t in trees.of_order(n)]))
        self.vectors = phi

    def residuals(self, b: Vector, trees: range) -> list[Any]:
        import flint

        if not len(trees):
            return []
        b_scale = flint.fmpz(1)
        for x in b:
            b_scale = b_scale.lcm(x.q)
        b_int = flint.fmpz_mat(1, len(b), [(x * b_scale).p for x in b])
        sums = _columns(b_int, flint.fmpz_mat, [self.vectors[t] for t in trees])
        out = []
        for (total,), t in zip(sums, trees):
            denominator = b_scale * self.scale ** (TREES.order[t] - 1)
            out.append(flint.fmpq(total, denominator) - flint.fmpq(1, TREES.gamma[t]))
        return out


class SmallScaledWeights(ElementaryWeights):
    """Φ(t) for the small exact checks, as Python integers: Φ(t) = Φ̃(t) / D^(|t|−1), as in
    :class:`ScaledIntegerWeights`, without python-flint.

    Over QQ an entry of D·A is an integer; over QQ(√d) it is a pair (p, r) standing for
    p + r√d, multiplied as (p p' + d r r', p r' + r p').  Integer products of a few hundred
    bits cost a fraction of a ``Fraction`` product (which reduces by a gcd every time); the
    one reduction per condition is left to its residual, an exact field element.
    """

    def __init__(self, field: Field, a: Matrix, max_order: int, leaf: Vector | None) -> None:
        self.field = field
        self.d = getattr(field, "d", None)
        parts = self._parts
        scale = 1
        for x in [*(x for row in a for x in row), *(leaf or ())]:
            for q in parts(x):
                scale = math.lcm(scale, q.denominator)
        self.scale = scale
        rows = [
            [(j, self._scaled(x, scale)) for j, x in enumerate(row) if not field.is_zero(x)]
            for row in a
        ]
        one = (1, 0) if self.d is not None else 1
        phi: list[list[Any]] = [[one] * len(a)]
        first = [self._scaled(x, scale) for x in leaf] if leaf is not None else None
        a_phi: list[list[Any]] = [first if first is not None else self._apply(rows, phi[0])]
        trees = TREES.extend_to(max_order)
        multiply = self._multiply
        for n in range(2, max_order + 1):
            for t in trees.of_order(n):
                phi.append(list(map(multiply, phi[trees.rest[t]], a_phi[trees.child[t]])))
            if n < max_order:
                a_phi.extend(self._apply(rows, phi[t]) for t in trees.of_order(n))
        self.vectors = phi

    def _parts(self, x: Any) -> tuple[Fraction, ...]:
        return (x.a, x.b) if self.d is not None else (x,)

    def _scaled(self, x: Any, scale: int) -> Any:
        if self.d is not None:
            return (int(x.a * scale), int(x.b * scale))
        return int(x * scale)

    def _multiply(self, x: Any, y: Any) -> Any:
        if self.d is None:
            return x * y
        return (x[0] * y[0] + self.d * x[1] * y[1], x[0] * y[1] + x[1] * y[0])

    def _apply(self, rows: list[list[tuple[int, Any]]], vector: list[Any]) -> list[Any]:
        if self.d is None:
            return [sum(entry * vector[j] for j, entry in row) for row in rows]
        out = []
        for row in rows:
            p = r = 0
            for j, entry in row:
                p_, r_ = self._multiply(entry, vector[j])
                p, r = p + p_, r + r_
            out.append((p, r))
        return out

    def residuals(self, b: Vector, trees: range) -> list[Any]:
        field = self.field
        b_scale = 1
        for x in b:
            for q in self._parts(x):
                b_scale = math.lcm(b_scale, q.denominator)
        row = [[(j, self._scaled(x, b_scale)) for j, x in enumerate(b) if not field.is_zero(x)]]
        out = []
        for t in trees:
            (total,) = self._apply(row, self.vectors[t])
            denominator = b_scale * self.scale ** (TREES.order[t] - 1)
            gamma = Fraction(1, TREES.gamma[t])
            if self.d is None:
                out.append(Fraction(total, denominator) - gamma)
            else:
                weight = field.element(
                    Fraction(total[0], denominator), Fraction(total[1], denominator)
                )
                out.append(weight - field.rational(1, TREES.gamma[t]))
        return out


def elementary_weights(
    field: Field, a: Matrix, max_order: int, leaf: Vector | None = None
) -> ElementaryWeights:
    """Φ(t) for every tree t with at most ``max_order`` vertices, indexed as :data:`TREES`.

    ``leaf`` replaces A·1 where a child of the root is a single vertex (the written
    nodes c, for the non-autonomous reading); by default it is A·1.
    """
    from .arithmetic import RationalField

    if isinstance(field, RationalField) and not field.small:
        return ScaledIntegerWeights(field, a, max_order, leaf)
    if getattr(field, "small", False):  # SmallRationalField, SmallQuadraticField
        return SmallScaledWeights(field, a, max_order, leaf)
    trees = TREES.extend_to(max_order)
    one = field.rational(1)
    phi: list[Vector] = [[one] * len(a)]
    matrix = field.matrix(a)
    a_phi: list[Vector] = [leaf if leaf is not None else field.apply(matrix, phi)[0]]
    for n in range(2, max_order + 1):
        for t in trees.of_order(n):
            phi.append([x * y for x, y in zip(phi[trees.rest[t]], a_phi[trees.child[t]])])
        if n < max_order:
            a_phi.extend(field.apply(matrix, [phi[t] for t in trees.of_order(n)]))
    return ElementaryWeights(field, phi)


def residuals(field: Field, b: Vector, phi: ElementaryWeights, trees: range) -> list[Any]:
    """b·Φ(t) − 1/γ(t) for each tree index in ``trees``."""
    return phi.residuals(b, trees)


def order_levels(
    field: Field,
    b: Vector,
    phi: ElementaryWeights,
    max_order: int,
    tolerance: float | None,
    zero_bound: Callable[[int], int] | None = None,
) -> list[ConditionLevel]:
    """One :class:`ConditionLevel` per order 1..max_order.

    ``zero_bound(q)`` (real balls only) is an integer L with L·r an integer for every
    exact residual r of order q: it lets a ball prove a residual exactly zero.
    """
    levels = []
    balls = isinstance(field, BallField)
    for q in range(1, max_order + 1):
        trees = TREES.of_order(q)
        values = residuals(field, b, phi, trees)
        if tolerance is None:
            failed = [not field.is_zero(r) for r in values]
        else:
            failed = [field.exceeds(r, tolerance) for r in values]
        if balls:
            uppers = [r.abs_upper() for r in values]
            worst = max(range(len(values)), key=lambda i: (failed[i], uppers[i]))
            value = field.value(values[worst], None if zero_bound is None else zero_bound(q))
        else:
            sizes = [field.size(r) for r in values]
            worst = max(range(len(values)), key=lambda i: (failed[i], sizes[i]))
            value = field.value(values[worst])
        levels.append(
            ConditionLevel(
                order=q,
                count=len(values),
                failed=sum(failed),
                worst_tree=trees[worst],
                worst=value,
            )
        )
    return levels


def achieved_order(levels: Sequence[LevelResiduals]) -> int:
    """The largest p such that every condition of order <= p holds."""
    p = 0
    for level in levels:
        if not level.holds:
            break
        p = level.order
    return p


def principal_error(
    field: Field, b: Vector, phi: ElementaryWeights, order: int, zero_bound: int | None = None
) -> tuple[float, list[float]]:
    """The error coefficients of order p+1 = ``order`` and their 2-norm A^(p+1).

    τ(t) = (b·Φ(t) − 1/γ(t)) / σ(t) for |t| = p+1 (Prince & Dormand 1981;
    Dormand, *Numerical Methods for Differential Equations*, 1996, §5.2).
    ``zero_bound``: as for :func:`order_levels`, for real balls.
    """
    trees = TREES.of_order(order)
    values = residuals(field, b, phi, trees)
    coefficients = [field.size(r, zero_bound) / TREES.sigma[t] for r, t in zip(values, trees)]
    return sum(x * x for x in coefficients) ** 0.5, coefficients


def stage_order(
    field: Field, a: Matrix, b: Vector, c: Vector, limit: int, tolerance: float | None = None
) -> tuple[int, Value]:
    """The largest q <= limit with B(q) and C(q) (HNW IV.5 / Butcher's simplifying assumptions),
    and the largest |residual| among the conditions of B(q) and C(q) (exactly 0 when they hold
    exactly).

    B(q): b·c^(k-1) = 1/k and C(q): A c^(k-1) = c^k / k, for k = 1..q.  With a tolerance a
    condition holds when its residual is at most the tolerance in absolute value.
    """
    matrix = field.matrix(a)
    power = [field.rational(1)] * len(c)  # c^(k-1)
    q = 0
    largest, largest_size = field.rational(0), 0.0

    def off(x: Any) -> bool:
        return not field.is_zero(x) if tolerance is None else field.exceeds(x, tolerance)

    for k in range(1, limit + 1):
        weight = sum((x * y for x, y in zip(b, power)), field.rational(0)) - field.rational(1, k)
        next_power = [x * y for x, y in zip(power, c)]
        (left,) = field.apply(matrix, [power])
        inverse_k = field.rational(1, k)
        level = [weight] + [x - y * inverse_k for x, y in zip(left, next_power)]
        if any(off(x) for x in level):
            break
        for x in level:
            size = field.size(x)
            if size > largest_size:
                largest, largest_size = x, size
        q = k
        power = next_power
    return q, field.value(largest)
