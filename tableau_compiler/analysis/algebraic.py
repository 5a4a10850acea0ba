"""Real algebraic numbers, and the first point of (0, ∞) where polynomial conditions fail.

A stability-interval endpoint or an SSP coefficient is a root of a polynomial with exact
coefficients.  It is kept exactly as its minimal polynomial over QQ (an irreducible integer
polynomial) together with a certified isolating enclosure: python-flint's
``fmpz_poly.complex_roots`` (FLINT/Arb's ``arb_fmpz_poly_complex_roots``) isolates every
root of a square-free integer polynomial in a ball that holds exactly one root, real roots
with an exactly zero imaginary part.  Two numbers are equal exactly when they have the same
minimal polynomial and overlapping enclosures; otherwise they differ, and enough precision
separates their enclosures.  Nothing is decided in floating point.

:func:`first_failure` answers the question the analyses ask: given polynomials p_k that must
be >= 0 (and ``singular`` polynomials that must not vanish), what is the supremum of the r
such that the conditions hold on all of [0, r]?  Every sign change happens at a positive real
root of one of the polynomials (for coefficients in an algebraic number field, of its norm
over QQ, a rational polynomial with those roots among its own); between consecutive such
roots every sign is constant and is read exactly at a rational point.  So tangencies (a root
of even multiplicity: the condition touches 0 and holds on) and unbounded intervals need no
special case.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .arithmetic import flint_precision
from .values import EXACT_TEXT_LIMIT, Value

__all__ = [
    "AlgebraicReal",
    "Crossing",
    "Polynomial",
    "first_failure",
    "neglect_within_tolerance",
    "positive_roots",
    "real_roots",
]

START_BITS = 128
MAX_BITS = 1 << 16

PRINTABLE_BITS = 13_000
"""Bits of the largest integer an exact text holds (about 3,900 digits; Python prints none
beyond 4,300)."""

QUADRATIC_BITS = 200
"""Bits of a quadratic's discriminant above which its root is written (−b ± sqrt(Δ))/(2a)
as it stands, without sympy's search for square factors (a factorisation)."""


def _real_roots(factor: Any, bits: int) -> list[Any]:
    """The real roots of an irreducible integer polynomial, as arb balls, ascending."""
    with flint_precision(bits):
        roots = [ball.real for ball, _ in factor.complex_roots() if ball.imag.is_zero()]
    return sorted(roots, key=lambda x: x.mid())


@dataclass(frozen=True, eq=False)
class AlgebraicReal:
    """A real algebraic number: its minimal polynomial and which real root of it it is.

    ``polynomial`` is irreducible over QQ with integer coefficients (constant first),
    primitive, with a positive leading coefficient; ``index`` counts its real roots below
    this one (0-based, as sympy's ``CRootOf``).  ``ball`` encloses this root and no other.
    """

    polynomial: tuple[int, ...]
    index: int
    ball: Any
    bits: int

    @property
    def degree(self) -> int:
        return len(self.polynomial) - 1

    def _flint(self) -> Any:
        import flint

        return flint.fmpz_poly(list(self.polynomial))

    def refined(self, bits: int) -> AlgebraicReal:
        """The same number with an enclosure computed at ``bits`` of precision."""
        if bits <= self.bits:
            return self
        roots = _real_roots(self._flint(), bits)
        return AlgebraicReal(self.polynomial, self.index, roots[self.index], bits)

    def enclosure(self) -> tuple[Fraction, Fraction]:
        """An enclosure [lo, hi] with exact rational (dyadic) ends."""
        return _bounds(self.ball)

    def isolating_interval(self) -> tuple[Fraction, Fraction]:
        """A short interval with decimal ends that holds this root of the minimal polynomial
        and no other (checked against the enclosures of all its real roots)."""
        roots = _real_roots(self._flint(), self.bits)
        others = [_bounds(r) for i, r in enumerate(roots) if i != self.index]
        lo, hi = _bounds(roots[self.index])
        places = 0
        while True:
            scale = Fraction(10) ** places
            low = Fraction(math.floor(lo * scale)) / scale
            high = Fraction(math.ceil(hi * scale)) / scale
            if all(b < low or a > high for a, b in others):
                return low, high
            places += 1

    def value(self, exact: bool = True) -> Value:
        """Certified digits (20 significant) and the exact text."""
        number = self
        while True:
            found = Value.of_ball(number.ball, minimum_digits=20)
            if found is not None or number.bits >= MAX_BITS:
                break
            number = number.refined(2 * number.bits)
        if found is None:  # pragma: no cover - 2^16 bits certify 20 digits of any such root
            found = Value.of_ball(number.ball, minimum_digits=1) or Value(0, 0, 1)
        return Value(found.mantissa, found.exponent, found.certain, self.text() if exact else None)

    def __float__(self) -> float:
        return float(self.ball.mid())

    def text(self) -> str:
        """Exactly: a rational, a closed form with square roots (degree 2), else
        ``CRootOf(polynomial, index)`` in sympy's notation (its ``index``-th real root)."""
        import sympy

        if self.unprintable:
            return (
                f"root {self.index} of a polynomial of degree {self.degree} whose coefficients "
                "pass 4,000 digits"
            )
        x = sympy.Symbol("x")
        poly = sympy.Poly(list(reversed(self.polynomial)), x)
        if self.degree == 1:
            return str(sympy.Rational(-self.polynomial[0], self.polynomial[1]))
        if self.degree == 2 and _discriminant(self.polynomial).bit_length() > QUADRATIC_BITS:
            # sympy's closed form factors the discriminant to pull squares out of the root
            # (factorint: no answer in minutes for 2,000 digits); written without that
            _, b, a = self.polynomial
            sign = "-" if self.index == 0 else "+"
            return f"({-b} {sign} sqrt({_discriminant(self.polynomial)}))/{2 * a}"
        if self.degree == 2 and _discriminant(self.polynomial) > 0:
            # sympy lists the two real roots of a quadratic with a positive leading
            # coefficient as B − D, B + D with D > 0 (roots_quadratic), so the index-th
            # one is this number: chosen by position, never by the truth value of a
            # sympy relational (which sympy cannot always decide for long coefficients).
            from sympy.polys.polyroots import roots_quadratic

            return str(roots_quadratic(poly)[self.index])
        return f"CRootOf({poly.as_expr()}, {self.index})"

    def shown(self, digits: int = 10) -> str:
        """Short text for reports: the exact form when short, else ≈ decimals."""
        text = self.text() if self.degree <= 2 and not self.unprintable else ""
        if text and len(text) <= EXACT_TEXT_LIMIT:
            return text
        return "≈ " + self.value(exact=False).decimal(digits)

    @property
    def unprintable(self) -> bool:
        """A coefficient of the polynomial, or the discriminant of a quadratic one, passes
        4,000 digits (Python prints no integer beyond 4,300): reports then describe the
        number by its degree and digits."""
        if self.degree == 2 and _discriminant(self.polynomial).bit_length() > PRINTABLE_BITS:
            return True
        return any(
            max(
                int(getattr(c, "numerator", c)).bit_length(),
                int(getattr(c, "denominator", 1)).bit_length(),
            )
            > PRINTABLE_BITS
            for c in self.polynomial
        )

    def to_dict(self) -> dict[str, Any]:
        import sympy

        if self.unprintable:
            return {
                "exact": self.text(),
                "decimal": self.value(exact=False).decimal(20),
                "minimal_polynomial": None,
                "isolating_interval": None,
            }
        lo, hi = self.isolating_interval()
        x = sympy.Symbol("x")
        return {
            "exact": self.text(),
            "decimal": self.value(exact=False).decimal(20),
            "minimal_polynomial": str(sympy.Poly(list(reversed(self.polynomial)), x).as_expr()),
            "isolating_interval": [str(lo), str(hi)],
        }

    def same(self, other: AlgebraicReal) -> bool:
        return self.polynomial == other.polynomial and self.index == other.index

    def less(self, other: AlgebraicReal) -> bool:
        """self < other, decided exactly (enclosures refined until they separate)."""
        if self.same(other):
            return False
        first, second = self, other
        while True:
            if first.ball < second.ball:
                return True
            if first.ball > second.ball:
                return False
            bits = 2 * max(first.bits, second.bits)
            first, second = first.refined(bits), second.refined(bits)


def _discriminant(polynomial: tuple[int, ...]) -> int:
    """b² − 4ac of c + bx + ax² (constant first)."""
    c, b, a = polynomial
    return b * b - 4 * a * c


def _bounds(ball: Any) -> tuple[Fraction, Fraction]:
    """Exact rational ends of an arb ball (its midpoint and radius are dyadic)."""

    def exact(x: Any) -> Fraction:
        mantissa, exponent = (int(v) for v in x.man_exp())
        return Fraction(mantissa) * Fraction(2) ** exponent

    import flint

    mid = exact(ball.mid())
    rad = exact(flint.arb(ball.rad()))
    return mid - rad, mid + rad


def _integer_polynomial(coefficients: Sequence[Fraction]) -> Any:
    """A rational polynomial (constant first) scaled to a primitive integer one."""
    import flint

    scale = math.lcm(*(c.denominator for c in coefficients))
    values = [int(c * scale) for c in coefficients]
    content = math.gcd(*values)
    return flint.fmpz_poly([v // content for v in values])


def positive_roots(coefficients: Sequence[Fraction]) -> list[AlgebraicReal]:
    """The distinct positive real roots of a rational polynomial (constant first), ascending,
    exactly (minimal polynomials and isolating enclosures)."""
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    if len(coefficients) <= 1:
        return []
    _, factors = _integer_polynomial(coefficients).factor()
    return _sorted(_factor_roots(f) for f, _ in factors)


def real_roots(coefficients: Sequence[Fraction]) -> list[tuple[AlgebraicReal, int]]:
    """Every distinct real root of a rational polynomial (constant first) with its
    multiplicity, ascending, exactly."""
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    if len(coefficients) <= 1:
        return []
    _, factors = _integer_polynomial(coefficients).factor()
    multiplicity: dict[tuple, int] = {}
    groups = []
    for f, m in factors:
        roots = _factor_roots(f, positive=False)
        groups.append(roots)
        for r in roots:
            multiplicity[r.polynomial] = m
    return [(r, multiplicity[r.polynomial]) for r in _sorted(groups)]


def _factor_roots(factor: Any, positive: bool = True) -> list[AlgebraicReal]:
    coefficients = [int(c) for c in factor.coeffs()]
    if coefficients[-1] < 0:
        coefficients = [-c for c in coefficients]
    if len(coefficients) <= 1:
        return []
    if len(coefficients) == 2 and coefficients[0] == 0:  # the root 0
        if positive:
            return []
        import flint

        return [AlgebraicReal((0, 1), 0, flint.arb(0), START_BITS)]
    bits = START_BITS
    while True:
        import flint

        roots = _real_roots(flint.fmpz_poly(coefficients), bits)
        if all(r > 0 or r < 0 for r in roots):
            break
        bits *= 2
    return [
        AlgebraicReal(tuple(coefficients), i, r, bits)
        for i, r in enumerate(roots)
        if r > 0 or not positive
    ]


def _sorted(groups: Any) -> list[AlgebraicReal]:
    """Distinct numbers from several factors' roots, ascending (exact comparisons)."""
    import functools

    numbers: list[AlgebraicReal] = []
    for group in groups:
        for number in group:
            if not any(number.same(x) for x in numbers):
                numbers.append(number)

    def compare(x: AlgebraicReal, y: AlgebraicReal) -> int:
        return -1 if x.less(y) else (1 if y.less(x) else 0)

    ordered = sorted(numbers, key=functools.cmp_to_key(compare))
    for i in range(len(ordered) - 1):  # neighbours' enclosures made disjoint
        while not ordered[i].ball < ordered[i + 1].ball:
            bits = 2 * max(ordered[i].bits, ordered[i + 1].bits)
            ordered[i], ordered[i + 1] = ordered[i].refined(bits), ordered[i + 1].refined(bits)
    return ordered


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Crossing:
    """sup{r >= 0 : the conditions hold on [0, r]}: 0, a positive algebraic number, or ∞."""

    at: AlgebraicReal | None
    """The point, when positive and finite."""
    unbounded: bool = False

    @property
    def zero(self) -> bool:
        return self.at is None and not self.unbounded

    def __float__(self) -> float:
        if self.unbounded:
            return math.inf
        return 0.0 if self.at is None else float(self.at)


class Polynomial:
    """A polynomial (constant first) with coefficients in a sympy domain (QQ or an algebraic
    number field), for exact signs at rational points and its rational "norm"."""

    def __init__(self, coefficients: Sequence[Any], domain: Any) -> None:
        coefficients = list(coefficients)
        while coefficients and domain.is_zero(coefficients[-1]):
            coefficients.pop()
        self.coefficients, self.domain = coefficients, domain

    @property
    def zero(self) -> bool:
        return not self.coefficients

    def sign_at(self, point: Fraction) -> int:
        import sympy

        domain = self.domain
        x = domain.from_sympy(sympy.Rational(point.numerator, point.denominator))
        total = domain.zero
        for c in reversed(self.coefficients):
            total = total * x + c
        return _sign(domain, total)

    def sign_near_zero(self) -> int:
        """The sign on (0, ε) for small ε: that of the lowest non-zero coefficient."""
        for c in self.coefficients:
            if not self.domain.is_zero(c):
                return _sign(self.domain, c)
        return 0

    def vanishes_at(self, point: AlgebraicReal) -> bool:
        """p(point) = 0, exactly: the minimal polynomial of ``point`` divides p (rational p)."""
        import flint

        assert self.domain.is_QQ or self.domain.is_ZZ, "exact roots of rational polynomials"
        rational = _integer_polynomial(self.candidates())
        return (rational % flint.fmpz_poly(list(point.polynomial))).is_zero()

    def candidates(self) -> list[Fraction]:
        """A non-zero rational polynomial whose roots include this one's: itself over QQ,
        its norm over an algebraic field (Trager; sympy's ``Poly.norm``)."""
        domain = self.domain
        if domain.is_QQ or domain.is_ZZ:
            return [_fraction(domain.to_sympy(c)) for c in self.coefficients]
        import sympy

        x = sympy.Symbol("x")
        poly = sympy.Poly(
            [domain.to_sympy(c) for c in reversed(self.coefficients)], x, domain=domain
        )
        norm = poly.norm()
        return [_fraction(c) for c in reversed(norm.all_coeffs())]


def _fraction(value: Any) -> Fraction:
    return Fraction(int(value.p), int(value.q))


def _sign(domain: Any, x: Any) -> int:
    if domain.is_zero(x):
        return 0
    if domain.is_QQ or domain.is_ZZ:
        return 1 if x > 0 else -1
    value = domain.to_sympy(x)
    for digits in (30, 100, 400, 1600):
        approximation = value.evalf(digits)
        if abs(approximation) > 10 ** (5 - digits):
            return 1 if approximation > 0 else -1
    from ..errors import AnalysisError  # pragma: no cover

    raise AnalysisError(f"cannot decide the sign of {value}")  # pragma: no cover


def _descartes_positive(poly: Polynomial) -> bool:
    """Every coefficient >= 0 (so p >= 0 on [0, ∞) and no positive root): nothing to do."""
    return all(_sign(poly.domain, c) >= 0 for c in poly.coefficients)


def first_failure(
    conditions: Sequence[Polynomial], singular: Sequence[Polynomial] = ()
) -> Crossing:
    """sup{r >= 0 : p(ρ) >= 0 for every p in ``conditions`` and q(ρ) != 0 for every q in
    ``singular``, for all ρ in (0, r]} (the conditions are read on the open interval at 0,
    i.e. the sign just right of 0 counts)."""
    pending = []
    for p in conditions:
        if p.zero:
            continue
        if p.sign_near_zero() < 0:
            return Crossing(None)
        if not _descartes_positive(p):
            pending.append(p)
    walls = [q for q in singular if not q.zero and not _descartes_positive(q)]
    # Sign changes of a condition and zeros of a singular polynomial lie among these.
    seen: dict[tuple, Any] = {}
    for p in [*pending, *walls]:
        rational = p.candidates()
        while rational and rational[-1] == 0:
            rational.pop()
        if len(rational) <= 1:
            continue
        _, factors = _integer_polynomial(rational).factor()
        for factor, _ in factors:
            seen.setdefault(tuple(int(c) for c in factor.coeffs()), factor)
    points = _sorted(_factor_roots(f) for f in seen.values())
    for i, point in enumerate(points):
        if any(q.vanishes_at(point) for q in walls):
            return Crossing(point)
        sample = _between(point, points[i + 1] if i + 1 < len(points) else None)
        if any(p.sign_at(sample) < 0 for p in pending):
            return Crossing(point)
    return Crossing(None, unbounded=True)


def _between(low: AlgebraicReal, high: AlgebraicReal | None) -> Fraction:
    """A rational strictly between two numbers (above ``low`` when ``high`` is None)."""
    if high is None:
        return math.floor(low.enclosure()[1]) + Fraction(1)
    while not low.ball < high.ball:
        bits = 2 * max(low.bits, high.bits)
        low, high = low.refined(bits), high.refined(bits)
    return (low.enclosure()[1] + high.enclosure()[0]) / 2


# --------------------------------------------------------------------------- tolerance


def neglect_within_tolerance(
    poly: Polynomial, tolerance: float, scale: Polynomial | None = None
) -> tuple[Polynomial, tuple[int, ...]]:
    """``poly`` with each coefficient that lies within the tolerance of 0 taken as 0, and
    the powers so neglected (ascending).

    A coefficient c_k counts as 0 when |c_k| <= t·min(1, σ_k), σ_k the coefficient of the
    same power in ``scale`` (the sum of the absolute values of the products that make up
    c_k; None: 1).  The absolute bound t is the tolerance of the order conditions; the
    relative one keeps a coefficient that is genuinely small because its products are (the
    leading coefficient p_s² of a many-stage explicit method is about 1e-16), while a sum of
    products of size about 1 that cancels to within t, as the low-order coefficients of
    |R(iy)|² − 1 do for the intended scheme and do only to the rounding of the written
    digits, is read as the 0 it stands for.  Decided exactly (signs in the domain)."""
    domain = poly.domain
    exact = Fraction(repr(tolerance))
    t = domain.convert(exact.numerator) / domain.convert(exact.denominator)
    kept, neglected = [], []
    for k, c in enumerate(poly.coefficients):
        if domain.is_zero(c):
            kept.append(c)
            continue
        bound = t
        if scale is not None:
            sigma = scale.coefficients[k] if k < len(scale.coefficients) else domain.zero
            if _sign(domain, sigma - domain.one) < 0:
                bound = t * sigma
        size = c if _sign(domain, c) > 0 else -c
        if _sign(domain, size - bound) <= 0:
            kept.append(domain.zero)
            neglected.append(k)
        else:
            kept.append(c)
    return Polynomial(kept, domain), tuple(neglected)


def absolute_square(coefficients: Sequence[Any], domain: Any) -> list[Any]:
    """The coefficients (constant first) of (Σ_k |c_k| x^k)²: for each power, the sum of the
    absolute values of the products c_j c_k that a square of Σ c_k x^k adds up there."""
    absolute = [c if _sign(domain, c) >= 0 else -c for c in coefficients]
    out = [domain.zero] * max(2 * len(absolute) - 1, 0)
    for j, x in enumerate(absolute):
        for k, y in enumerate(absolute):
            out[j + k] += x * y
    return out
