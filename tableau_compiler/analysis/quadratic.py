"""QQ(√d): the one-radical fields where most implicit tableaus live (Gauss, Radau, SDIRK).

Gauss–Legendre 2 and 3, Radau IIA 3, Ralston 4 and the Crouzeix SDIRK each use a
single square root.  Their coefficients are a + b√d with a, b rational, and so is
every sum and product of them: a pair of python-flint rationals is an exact
representation, the matrix work is four flint ``fmpq_mat`` products, and no sympy
import (half a second) is needed.  Schemes with several radicals, nested radicals
or pi go to sympy's algebraic fields instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ..expression import Expression, Name, Number, Pi, Power, Product, Sqrt, Sum
from .arithmetic import Field, _columns, _fits_small
from .values import Value, lowest_terms

__all__ = ["Quadratic", "QuadraticField", "SmallQuadraticField", "quadratic_values"]

MAX_RADICAND_BITS = 128
"""Radicands are factored (to split off squares); larger ones go to sympy."""


class Quadratic:
    """a + b√d, exactly (a, b: flint rationals)."""

    __slots__ = ("a", "b", "d")

    def __init__(self, a: Any, b: Any, d: int) -> None:
        self.a, self.b, self.d = a, b, d

    def _lift(self, other: Any) -> Quadratic:
        if isinstance(other, Quadratic):
            return other
        return Quadratic(other, self.b * 0, self.d)

    def __add__(self, other: Any) -> Quadratic:
        other = self._lift(other)
        return Quadratic(self.a + other.a, self.b + other.b, self.d)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Quadratic:
        other = self._lift(other)
        return Quadratic(self.a - other.a, self.b - other.b, self.d)

    def __rsub__(self, other: Any) -> Quadratic:
        return self._lift(other) - self

    def __neg__(self) -> Quadratic:
        return Quadratic(-self.a, -self.b, self.d)

    def __mul__(self, other: Any) -> Quadratic:
        other = self._lift(other)
        return Quadratic(
            self.a * other.a + self.d * self.b * other.b,
            self.a * other.b + self.b * other.a,
            self.d,
        )

    __rmul__ = __mul__

    def inverse(self) -> Quadratic:
        """1/(a + b√d) = (a − b√d)/(a² − d b²); the norm is non-zero as √d is irrational."""
        norm = self.a * self.a - self.d * self.b * self.b
        if norm == 0:
            raise ZeroDivisionError("division by zero in QQ(sqrt(d))")
        return Quadratic(self.a / norm, -self.b / norm, self.d)

    def __truediv__(self, other: Any) -> Quadratic:
        return self * self._lift(other).inverse()

    def __pow__(self, exponent: int) -> Quadratic:
        if exponent < 0:
            return self.inverse() ** -exponent
        result = Quadratic(self.a * 0 + 1, self.b * 0, self.d)
        base = self
        while exponent:
            if exponent & 1:
                result = result * base
            base = base * base
            exponent >>= 1
        return result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Quadratic):
            return self.a == other.a and self.b == other.b
        return self.b == 0 and self.a == other

    def __hash__(self) -> int:
        return hash((self.a, self.b, self.d))

    def sign(self) -> int:
        """The exact sign of a + b√d."""
        sa = (self.a > 0) - (self.a < 0)
        sb = (self.b > 0) - (self.b < 0)
        if sa == sb or sb == 0:
            return sa
        if sa == 0:
            return sb
        # Opposite signs: compare a² with d b².
        difference = self.a * self.a - self.d * self.b * self.b
        return sa if difference > 0 else sb

    def __str__(self) -> str:
        if self.b == 0:
            return str(self.a)
        radical = f"sqrt({self.d})" if self.b == 1 else f"{self.b}*sqrt({self.d})"
        return radical if self.a == 0 else f"{self.a} + {radical}".replace("+ -", "- ")

    __repr__ = __str__


class QuadraticField(Field):
    """QQ(√d) for one square-free d > 1."""

    small = False
    """True for :class:`SmallQuadraticField` (``Fraction`` pairs, flint only on demand)."""

    def __init__(self, d: int) -> None:
        import flint

        self.d = d
        self.name = f"QQ<sqrt({d})>"
        self._fmpq = flint.fmpq
        self._flint = flint

    def element(self, a: Fraction, b: Fraction = Fraction(0)) -> Quadratic:
        return Quadratic(
            self._fmpq(a.numerator, a.denominator), self._fmpq(b.numerator, b.denominator), self.d
        )

    def rational(self, numerator: int, denominator: int = 1) -> Quadratic:
        return Quadratic(self._fmpq(numerator, denominator), self._fmpq(0), self.d)

    def convert(self, values: Sequence[Quadratic]) -> list[Quadratic]:
        return list(values)

    def is_zero(self, x: Quadratic) -> bool:
        return x.a == 0 and x.b == 0

    def divide(self, x: Quadratic, y: Quadratic) -> Quadratic:
        return x / y

    def sign(self, x: Quadratic) -> int:
        return x.sign()

    def exceeds(self, x: Quadratic, tolerance: float) -> bool:
        bound = Fraction(repr(tolerance))
        t = self.element(bound)
        return (x - t).sign() > 0 or (x + t).sign() < 0

    def magnitude(self, x: Quadratic) -> float:
        flint = self._flint
        saved = flint.ctx.prec
        flint.ctx.prec = 256
        try:
            value = flint.arb(x.a) + flint.arb(x.b) * flint.arb(self.d).sqrt()
            return float(abs(value).mid())
        finally:
            flint.ctx.prec = saved

    def value(self, x: Quadratic) -> Value:
        """Exact zero test, then a + b√d in balls until 20 digits are certified."""
        if self.is_zero(x):
            return Value.zero_value()
        if x.b == 0:
            return Value.of_fraction(lowest_terms(int(x.a.p), int(x.a.q)), str(x))
        flint = self._flint
        saved = flint.ctx.prec
        try:
            bits = 128
            while True:  # terminates: x is a non-zero real number
                flint.ctx.prec = bits
                ball = flint.arb(x.a) + flint.arb(x.b) * flint.arb(self.d).sqrt()
                found = Value.of_ball(ball, minimum_digits=20)
                if found is not None:
                    return Value(found.mantissa, found.exponent, found.certain, str(x))
                bits *= 2
        finally:
            flint.ctx.prec = saved

    def to_sympy(self, x: Quadratic) -> Any:
        import sympy

        def rational(q: Any) -> Any:
            return sympy.Rational(int(q.p), int(q.q))

        return rational(x.a) + rational(x.b) * sympy.sqrt(self.d)

    def text(self, x: Quadratic) -> str:
        return str(x)

    def matrix(self, rows: Sequence[Sequence[Quadratic]]) -> Any:
        flint = self._flint
        shape = (len(rows), len(rows[0]))
        return (
            flint.fmpq_mat(*shape, [x.a for row in rows for x in row]),
            flint.fmpq_mat(*shape, [x.b for row in rows for x in row]),
        )

    def apply(self, matrix: Any, vectors: Sequence[Sequence[Quadratic]]) -> list[list[Quadratic]]:
        """(A₀ + A₁√d)(v₀ + v₁√d) = (A₀v₀ + d A₁v₁) + (A₀v₁ + A₁v₀)√d: four flint products."""
        flint = self._flint
        a0, a1 = matrix
        v0 = [[x.a for x in v] for v in vectors]
        v1 = [[x.b for x in v] for v in vectors]
        p00, p11 = _columns(a0, flint.fmpq_mat, v0), _columns(a1, flint.fmpq_mat, v1)
        p01, p10 = _columns(a0, flint.fmpq_mat, v1), _columns(a1, flint.fmpq_mat, v0)
        d = self.d
        return [
            [Quadratic(x + d * y, z + w, d) for x, y, z, w in zip(c00, c11, c01, c10)]
            for c00, c11, c01, c10 in zip(p00, p11, p01, p10)
        ]


class SmallQuadraticField(QuadraticField):
    """QQ(√d) with pairs of Python ``Fraction``: for the small exact checks (a Gauss or
    Radau tableau at its claimed order), where importing python-flint (about 30 ms) costs
    more than the arithmetic.  The same exact decisions as :class:`QuadraticField` (the
    sign test is exact rational arithmetic either way); products are plain sums over the
    non-zero entries, and flint is imported only to print a value's digits."""

    small = True

    def __init__(self, d: int) -> None:
        self.d = d
        self.name = f"QQ<sqrt({d})>"
        self._fmpq = Fraction

    matrix = Field.matrix
    apply = Field.apply

    @property
    def _flint(self) -> Any:  # only value() and magnitude() need balls
        import flint

        return flint

    def value(self, x: Quadratic) -> Value:
        if self.is_zero(x):
            return Value.zero_value()
        if x.b == 0:
            return Value.of_fraction(x.a, str(x))
        return QuadraticField.value(self, self._as_flint(x))

    def magnitude(self, x: Quadratic) -> float:
        """|a + b√d| in floating point (it only ranks residuals), in balls where the float
        sum cancels to zero."""
        if self.is_zero(x):
            return 0.0
        approximate = abs(_fraction_float(x.a) + _fraction_float(x.b) * math.sqrt(self.d))
        if approximate == 0 or not math.isfinite(approximate):
            return QuadraticField.magnitude(self, self._as_flint(x))
        return approximate

    def _as_flint(self, x: Quadratic) -> Quadratic:
        fmpq = self._flint.fmpq
        return Quadratic(
            fmpq(x.a.numerator, x.a.denominator), fmpq(x.b.numerator, x.b.denominator), self.d
        )

    def to_sympy(self, x: Quadratic) -> Any:
        import sympy

        return sympy.Rational(x.a.numerator, x.a.denominator) + sympy.Rational(
            x.b.numerator, x.b.denominator
        ) * sympy.sqrt(self.d)


def _fraction_float(q: Fraction) -> float:
    try:
        return float(q)
    except OverflowError:
        return math.inf


SMALL_RADICAND_BITS = 24
"""Radicands up to this size are split by trial division (at most 4,096 divisions), so that
a small check needs no python-flint; larger ones are factored by flint."""


def _square_free(n: int) -> tuple[int, int] | None:
    """n = s² d with d square-free: (s, d), or None when n is too large to factor here."""
    if n == 0:
        return 0, 1
    if n.bit_length() <= SMALL_RADICAND_BITS:
        return _square_free_by_trial_division(n)
    if n.bit_length() > MAX_RADICAND_BITS:
        return None
    import flint

    s, d = 1, 1
    for prime, exponent in flint.fmpz(n).factor():
        s *= int(prime) ** (exponent // 2)
        if exponent % 2:
            d *= int(prime)
    return s, d


def _square_free_by_trial_division(n: int) -> tuple[int, int]:
    s, d, prime = 1, 1, 2
    while prime * prime <= n:
        exponent = 0
        while n % prime == 0:
            n //= prime
            exponent += 1
        s *= prime ** (exponent // 2)
        if exponent % 2:
            d *= prime
        prime += 1 if prime == 2 else 2
    return s, d * n  # what is left is 1 or a prime


def quadratic_values(
    expressions: Sequence[Expression],
    environment: Mapping[str, Fraction],
    *,
    small: bool = False,
) -> tuple[QuadraticField, list[Quadratic]] | None:
    """The values in one QQ(√d), or None when they do not fit in one (then sympy decides).

    ``small``: the caller's work is small; the field is then :class:`SmallQuadraticField`
    when every rational part fits :data:`~.arithmetic.SMALL_BITS` bits."""
    radicals: dict[int, tuple[Fraction, int]] = {}  # id(node) -> (coefficient, d)
    radicands: set[int] = set()

    def collect(node: Any) -> bool:
        if isinstance(node, Pi):
            return False
        if isinstance(node, Sqrt):
            value = Expression("", node.argument).rational(environment)
            if value is None or value < 0:
                return False
            # √(p/q) = √(p q)/q = s √d / q
            split = _square_free(value.numerator * value.denominator)
            if split is None:
                return False
            s, d = split
            radicals[id(node)] = (Fraction(s, value.denominator), d)
            if d > 1:
                radicands.add(d)
            return True
        children: tuple[Any, ...] = ()
        if isinstance(node, Power):
            children = (node.base,)
        elif isinstance(node, Sum):
            children = tuple(term for _, term in node.terms)
        elif isinstance(node, Product):
            children = tuple(factor for _, factor in node.factors)
        return all(collect(child) for child in children)

    if not all(collect(expression.tree) for expression in expressions) or len(radicands) != 1:
        return None
    (d,) = radicands
    field: QuadraticField = SmallQuadraticField(d) if small else QuadraticField(d)

    def evaluate(node: Any) -> Quadratic:
        if isinstance(node, Number):
            return field.element(node.value)
        if isinstance(node, Name):
            return field.element(environment[node.name])
        if isinstance(node, Sqrt):
            coefficient, radicand = radicals[id(node)]
            if radicand == 1:
                return field.element(coefficient)
            return field.element(Fraction(0), coefficient)
        if isinstance(node, Power):
            return evaluate(node.base) ** node.exponent
        if isinstance(node, Sum):
            total = field.rational(0)
            for sign, term in node.terms:
                total = total + evaluate(term) if sign > 0 else total - evaluate(term)
            return total
        result = field.rational(1)
        for sign, factor in node.factors:
            result = result * evaluate(factor) if sign > 0 else result / evaluate(factor)
        return result

    try:
        elements = [evaluate(expression.tree) for expression in expressions]
    except (KeyError, ZeroDivisionError):
        return None
    if field.small and not all(_fits_small(x.a) and _fits_small(x.b) for x in elements):
        return quadratic_values(expressions, environment)
    return field, elements
