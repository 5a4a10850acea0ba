"""The linear stability function R(z) and A-/L-stability, decided exactly (HNW IV.3).

For y' = λy a Runge–Kutta step multiplies y by

    R(z) = det(I − zA + z 1 bᵀ) / det(I − zA),         z = hλ,

and det(I − zA) is the reversed characteristic polynomial of A (likewise for
A − 1 bᵀ), so both come from one exact characteristic polynomial each.

A-stability (|R(z)| <= 1 for Re z <= 0) holds exactly when, R in lowest terms,
every pole has Re z > 0 (Routh–Hurwitz on Q(−z)) and E(y) = |Q(iy)|² − |P(iy)|² >= 0
for every real y (HNW IV.3, Thm 3.7): E is even with real coefficients and is
non-negative exactly when its leading coefficient is positive (or E ≡ 0) and its
factors of odd multiplicity have no real root (Sturm).  L-stability is A-stability
with R(∞) = 0, i.e. deg P < deg Q.

An approximate scheme (tolerance t) is A-stable to tolerance t when, beyond the exact
test, its poles still lie in Re z > 0 (decided exactly) and |R(iy)| <= 1 + t for every
real y, i.e. E_t(y) = (1 + t)²|Q(iy)|² − |P(iy)|² >= 0, decided exactly as E is; it
is then bounded by 1 + t on the whole closed left half-plane (maximum principle).  It
is L-stable to tolerance t when it is A-stable to tolerance t and |R(∞)| <= t.  The
reported size is max_y |R(iy)| − 1, resp. |R(∞)|.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .arithmetic import Field
from .values import (
    EXACT_TEXT_LIMIT,
    SIGNIFICANT,
    Judgement,
    Value,
    fits_exact_text,
    lowest_terms,
    polynomial_text,
    sympy_text,
)

__all__ = ["StabilityFunction", "runge_kutta_stability"]

POLYNOMIAL_TEXT_LIMIT = 200
"""An exact R(z) longer than this prints with decimal coefficients (exact in JSON)."""


@dataclass(frozen=True)
class StabilityFunction:
    numerator: str
    """P(z), exactly (with Q(0) = 1)."""
    denominator: str
    """Q(z), exactly."""
    a_stability: Judgement
    l_stability: Judgement
    shown_numerator: str = ""
    """P(z) as the text report prints it (decimals for approximate or long coefficients)."""
    shown_denominator: str = ""
    note: str = ""
    real_interval: Any = None
    """[−β_R, 0] (:class:`~.intervals.StabilityInterval`), None when R(z) is not known."""
    imaginary_interval: Any = None
    """[−iβ_I, iβ_I] likewise."""

    @property
    def a_stable(self) -> bool | None:
        return self.a_stability.holds

    @property
    def l_stable(self) -> bool | None:
        return self.l_stability.holds

    @property
    def text(self) -> str:
        """R(z) exactly."""
        return _quotient(self.numerator, self.denominator)

    @property
    def shown_text(self) -> str:
        return _quotient(
            self.shown_numerator or self.numerator, self.shown_denominator or self.denominator
        )

    def lines(self) -> list[str]:
        out = [
            f"  stability function R(z) = {self.shown_text}",
            f"  A-stable: {self.a_stability.words()}",
            f"  L-stable: {self.l_stability.words()}",
        ]
        if self.note:
            out.append(f"  ({self.note})")
        for label, interval in (
            ("real", self.real_interval),
            ("imaginary", self.imaginary_interval),
        ):
            if interval is not None:
                out.append(f"  {label} stability interval: {interval.words()}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "R": self.text,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "A_stable": self.a_stable,
            "L_stable": self.l_stable,
            "A_stability": self.a_stability.to_dict(),
            "L_stability": self.l_stability.to_dict(),
            "real_stability_interval": None
            if self.real_interval is None
            else self.real_interval.to_dict(),
            "imaginary_stability_interval": None
            if self.imaginary_interval is None
            else self.imaginary_interval.to_dict(),
        }


def _quotient(numerator: str, denominator: str) -> str:
    return numerator if denominator == "1" else f"({numerator}) / ({denominator})"


def _reversed_charpoly(field: Field, matrix: list[list[Any]], z: Any) -> Any:
    """det(I − z M) as a sympy Poly in z over the field's domain."""
    from sympy import Poly
    from sympy.polys.matrices import DomainMatrix

    domain = field.sympy_domain
    size = len(matrix)
    coefficients = DomainMatrix(matrix, (size, size), domain).charpoly()  # det(λI − M), λ^s first
    return Poly(list(reversed(coefficients)), z, domain=domain)


def _explicit_numerator(field: Field, a: list[list[Any]], b: list[Any], z: Any) -> Any:
    """For strictly lower triangular A: R(z) = 1 + Σ_k (b·A^(k−1)·1) z^k, a polynomial
    (HNW IV.2, eq. (2.9)); s matrix-vector products instead of a characteristic polynomial."""
    from sympy import Poly

    domain = field.sympy_domain
    matrix = field.matrix(a)
    vector = [field.rational(1)] * len(b)
    coefficients = [field.rational(1)]
    for _ in range(len(b)):
        coefficients.append(sum((x * y for x, y in zip(b, vector)), field.rational(0)))
        (vector,) = field.apply(matrix, [vector])
    if getattr(field, "domain", None) is not domain:  # flint numbers: to the sympy domain
        coefficients = [domain.from_sympy(field.to_sympy(x)) for x in coefficients]
    return Poly(list(reversed(coefficients)), z, domain=domain)


def runge_kutta_stability(
    field: Field, a: list[list[Any]], b: list[Any], tolerance: float | None = None
) -> StabilityFunction:
    """R(z), A- and L-stability, exactly or (``tolerance``) to the scheme's tolerance."""
    from sympy import Poly, Symbol, expand

    z = Symbol("z")
    if field.symbolic:
        undecided = Judgement(None, tolerance, reason="symbolic parameters")
        return StabilityFunction(
            "?", "?", undecided, undecided, note="symbolic parameters: not decided"
        )
    s = len(a)
    if all(field.is_zero(a[i][j]) for i in range(s) for j in range(i, s)):
        numerator = _explicit_numerator(field, a, b, z)
        denominator = Poly(1, z, domain=field.sympy_domain)
    else:
        denominator = _reversed_charpoly(field, a, z)
        shifted = [[x - bj for x, bj in zip(row, b)] for row in a]  # A − 1 bᵀ
        numerator = _reversed_charpoly(field, shifted, z)
        common = numerator.gcd(denominator)
        numerator, denominator = numerator.exquo(common), denominator.exquo(common)
    scale = denominator.eval(0)
    numerator = numerator.quo_ground(scale) if scale != 1 else numerator
    denominator = denominator.quo_ground(scale) if scale != 1 else denominator
    numerator_text = sympy_text(expand(numerator.as_expr()))
    denominator_text = sympy_text(expand(denominator.as_expr()))
    a_stability = _a_stability(field, numerator, denominator, z, tolerance)
    l_stability = _l_stability(field, numerator, denominator, a_stability, tolerance)
    shown_numerator, shown_denominator = numerator_text, denominator_text
    long = max(len(numerator_text), len(denominator_text)) > POLYNOMIAL_TEXT_LIMIT or any(
        len(sympy_text(c)) > EXACT_TEXT_LIMIT for p in (numerator, denominator) for c in p.coeffs()
    )
    note = ""
    if long:  # decimals, with enough digits to show a tiny coefficient beside the tolerance
        digits = 16 if tolerance is None else min(SIGNIFICANT, max(6, _decades(tolerance) + 2))
        shown_numerator = _decimal_polynomial(field, numerator, digits)
        shown_denominator = _decimal_polynomial(field, denominator, digits)
        note = f"coefficients rounded to {digits} digits; the exact R(z) is in --format json"
    real, imaginary = stability_intervals(field, numerator, denominator, tolerance)
    return StabilityFunction(
        numerator=numerator_text,
        denominator=denominator_text,
        a_stability=a_stability,
        l_stability=l_stability,
        shown_numerator=shown_numerator,
        shown_denominator=shown_denominator,
        note=note,
        real_interval=real,
        imaginary_interval=imaginary,
    )


def stability_polynomials(field: Field, a: list[list[Any]], b: list[Any]) -> tuple[Any, Any]:
    """(P, Q) of R = P/Q in lowest terms with Q(0) = 1, as sympy Polys in z over the field's
    domain (HNW IV.3, eq. (3.3))."""
    from sympy import Symbol

    z = Symbol("z")
    s = len(a)
    if all(field.is_zero(a[i][j]) for i in range(s) for j in range(i, s)):
        from sympy import Poly

        return _explicit_numerator(field, a, b, z), Poly(1, z, domain=field.sympy_domain)
    denominator = _reversed_charpoly(field, a, z)
    shifted = [[x - bj for x, bj in zip(row, b)] for row in a]  # A − 1 bᵀ
    numerator = _reversed_charpoly(field, shifted, z)
    common = numerator.gcd(denominator)
    numerator, denominator = numerator.exquo(common), denominator.exquo(common)
    scale = denominator.eval(0)
    if scale != 1:
        numerator, denominator = numerator.quo_ground(scale), denominator.quo_ground(scale)
    return numerator, denominator


def stability_intervals(
    field: Field, numerator: Any, denominator: Any, tolerance: float | None
) -> tuple[Any, Any]:
    """The real and imaginary stability intervals of P/Q (see :mod:`.intervals`), or "not
    computed" with the reason (coefficients with pi; a polynomial of too high a degree)."""
    from .. import limits
    from .intervals import StabilityInterval, interval_of

    domain = field.sympy_domain
    if not (domain.is_QQ or domain.is_ZZ or domain.is_AlgebraicField):
        reason = "coefficients with pi: the endpoints are not algebraic numbers"
        return (StabilityInterval("real", None, tolerance, reason),
                StabilityInterval("imaginary", None, tolerance, reason))  # fmt: skip
    extension = 1 if not domain.is_AlgebraicField else len(domain.mod.to_list()) - 1
    degree = 2 * max(numerator.degree(), denominator.degree()) * extension
    if degree > limits.MAX_INTERVAL_DEGREE:
        reason = (
            f"not computed: the endpoints are roots of a polynomial of degree {degree}, above "
            f"the limit of {limits.MAX_INTERVAL_DEGREE}"
        )
        return (StabilityInterval("real", None, tolerance, reason),
                StabilityInterval("imaginary", None, tolerance, reason))  # fmt: skip
    p = list(reversed(numerator.rep.to_list()))
    q = list(reversed(denominator.rep.to_list()))
    from ..errors import AnalysisError

    out = []
    for axis in ("real", "imaginary"):
        try:
            out.append(interval_of(domain, p, q, axis, tolerance))
        except (ArithmeticError, TypeError, AnalysisError) as error:  # reported, not raised
            out.append(StabilityInterval(axis, None, tolerance, f"not decided: {error}"))
    return out[0], out[1]


def _decades(tolerance: float) -> int:
    return max(0, math.ceil(-math.log10(tolerance)))


def _coefficient_value(field: Field, coefficient: Any) -> Value:
    value = field.sympy_domain.to_sympy(coefficient)
    if value.is_Rational:
        return Value.of_fraction(lowest_terms(int(value.p), int(value.q)))
    return Value.of_real(value, str(value) if fits_exact_text(value) else None, zero=value == 0)


def _decimal_polynomial(field: Field, poly: Any, digits: int) -> str:
    """A polynomial in z with its coefficients as decimals, highest power first
    (exact zeros left out, exact ±1 and integers kept)."""
    terms = []
    degree = poly.degree()
    for k, coefficient in zip(range(degree, -1, -1), poly.rep.to_list()):  # domain elements
        value = _coefficient_value(field, coefficient)
        if value.zero:
            continue
        exact = field.sympy_domain.to_sympy(coefficient)
        number = (
            str(abs(int(exact)))
            if exact.is_Integer and fits_exact_text(exact)
            else abs(value).decimal(digits)
        )
        terms.append((k, value.mantissa < 0, number))
    return polynomial_text(terms, "z")


# --------------------------------------------------------------------------- A-stability


def _a_stability(
    field: Field, numerator: Any, denominator: Any, z: Any, tolerance: float | None
) -> Judgement:
    reason = _a_stable_reason(field, numerator, denominator, z, None)
    if reason is None:
        return Judgement(True, tolerance, exactly=True)
    if tolerance is None or reason.startswith(("|R(z)|", "a pole")):
        return Judgement(False, tolerance, reason=reason)
    bound = Fraction(repr(tolerance))
    loose = _a_stable_reason(field, numerator, denominator, z, bound)
    excess = _imaginary_axis_excess(numerator, denominator, tolerance)
    return Judgement(
        loose is None,
        tolerance,
        quantity="max |R(iy)| − 1",
        size=excess,
        reason="" if excess is not None else (loose or ""),
    )


def _a_stable_reason(
    field: Field, numerator: Any, denominator: Any, z: Any, tolerance: Fraction | None
) -> str | None:
    """None when |R| <= 1 (+ tolerance) on the closed left half-plane, else why not."""
    from sympy import I, Poly, Rational, Symbol, expand, im, re

    slack = 1 if tolerance is None else (1 + Rational(tolerance.numerator, tolerance.denominator))
    if numerator.degree() > denominator.degree():
        return (
            f"|R(z)| grows without bound as z → −∞ (numerator of degree {numerator.degree()}, "
            f"denominator of degree {denominator.degree()})"
        )
    if denominator.degree() > 0 and not _poles_in_right_half_plane(field, denominator, z):
        return "a pole of R lies in the closed left half-plane"
    y = Symbol("y", real=True)
    p_iy = expand(numerator.as_expr().subs(z, I * y))
    q_iy = expand(denominator.as_expr().subs(z, I * y))
    e = expand(slack**2 * (re(q_iy) ** 2 + im(q_iy) ** 2) - re(p_iy) ** 2 - im(p_iy) ** 2)
    if e == 0:
        return None
    poly = Poly(e, y, domain=field.sympy_domain)
    why = "|R(iy)| > 1" if tolerance is None else "|R(iy)| > 1 + tolerance"
    if field.sign(poly.rep.to_list()[0]) < 0:
        return f"{why} for large |y|"
    from .zero_stability import _distinct_real_roots

    _, factors = poly.sqf_list()
    for factor, multiplicity in factors:
        if multiplicity % 2 and factor.degree() > 0:
            bound = _root_bound(field, factor)
            if _distinct_real_roots(field, factor, -bound, bound) > 0:
                return f"{why} for some real y"
    return None


def _imaginary_axis_excess(numerator: Any, denominator: Any, tolerance: float) -> Value | None:
    """max_y |R(iy)| − 1 (at least 0), from the real critical points of |R(iy)|² in u = y²
    (roots isolated exactly, evaluated with many digits); None for non-rational R."""
    import sympy

    if not all(p.domain.is_QQ or p.domain.is_ZZ for p in (numerator, denominator)):
        return None
    z = numerator.gens[0]
    y, u = sympy.Symbol("y", real=True), sympy.Symbol("u", nonnegative=True)

    def squared_modulus(poly: Any) -> Any:
        value = sympy.expand(poly.as_expr().subs(z, sympy.I * y))
        square = sympy.expand(sympy.re(value) ** 2 + sympy.im(value) ** 2)
        return sympy.Poly(square.subs(y**2, u) if square.has(y) else square, u, domain="QQ")

    p, q = squared_modulus(numerator), squared_modulus(denominator)
    return _largest_excess(p, q, _decades(tolerance))


def _largest_excess(p: Any, q: Any, decades: int) -> Value:
    """sqrt(max_{u >= 0} p(u)/q(u)) − 1 (at least 0) for rational polynomials p, q with
    q > 0 on u >= 0: the maximum is at u = 0, at u → ∞ or at a positive real root of
    p'q − pq'.  The roots are isolated by flint (certified balls, Arb), never through sympy's
    root refinement (a 5-stage Gauss tableau in 72-digit decimals spent 80 s there); p/q is
    evaluated at the real part of every root whose ball meets the real axis, which can only
    add real points, so the maximum is not overstated."""
    import flint

    from .arithmetic import flint_precision

    def poly(x: Any) -> Any:
        return flint.fmpq_poly([flint.fmpq(int(c.p), int(c.q)) for c in reversed(x.all_coeffs())])

    pf, qf = poly(p), poly(q)
    critical = pf.derivative() * qf - pf * qf.derivative()
    bits = max(128, 4 * (50 + 2 * decades))
    with flint_precision(bits):
        points = [flint.arb(0)]
        if critical != 0:
            for root, _ in critical.complex_roots():
                if root.imag.contains(0) and root.real > 0:
                    points.append(root.real.mid())
                elif root.imag.contains(0) and root.real.contains(0):
                    points.append(flint.arb(0))
        pa = flint.arb_poly([flint.arb(c) for c in pf.coeffs()])
        qa = flint.arb_poly([flint.arb(c) for c in qf.coeffs()])
        values = [pa(x) / qa(x) for x in points]
        if pf.degree() == qf.degree():
            values.append(flint.arb(pf[pf.degree()] / qf[qf.degree()]))
        largest = max(values, key=lambda x: x.mid())  # balls of width ~2^-bits
        excess = largest.sqrt() - 1 if largest > 0 else flint.arb(-1)
        if excess.upper() <= 0:
            return Value.zero_value()
        found = Value.of_ball(excess, minimum_digits=6)
        if found is None:  # within the ball's width of 0: no digit to show
            return (
                Value.zero_value()
                if excess.mid() <= 0
                else Value.upper_bound(float(excess.upper()))
            )
        return Value(found.mantissa, found.exponent, 6, None)


def _l_stability(
    field: Field, numerator: Any, denominator: Any, a_stability: Judgement, tolerance: float | None
) -> Judgement:
    """A-stable and R(∞) = 0 (to the tolerance: |R(∞)| <= t)."""
    import sympy

    if numerator.degree() > denominator.degree():
        return Judgement(False, tolerance, reason="not A-stable: R(∞) is infinite")
    if numerator.degree() < denominator.degree():
        size, small, zero = Value.zero_value(), True, True
    else:
        domain = field.sympy_domain
        limit = domain.quo(domain.from_sympy(numerator.LC()), domain.from_sympy(denominator.LC()))
        size = abs(_coefficient_value(field, limit))
        zero = size.zero
        if tolerance is None:
            small = zero
        else:
            bound = Fraction(repr(tolerance))
            t = domain.from_sympy(sympy.Rational(bound.numerator, bound.denominator))
            small = field.sign(limit - t) <= 0 and field.sign(limit + t) >= 0
    holds = bool(a_stability.holds) and small
    reason = "" if a_stability.holds else "not A-stable"
    return Judgement(
        holds,
        tolerance,
        quantity="|R(∞)|",
        size=size,
        exactly=bool(a_stability.holds and a_stability.exactly and zero),
        reason=reason,
    )


def _root_bound(field: Field, p: Any) -> int:
    """An integer above |root| for every root (Cauchy's bound, rounded up generously)."""
    coefficients = p.rep.to_list()
    # exactly from the certified digits (floats overflow for 1,000-digit coefficients):
    # |c| <= (|mantissa| + 1)·10^exponent, |lead| >= (|mantissa| − 1)·10^exponent
    lead = field.value(coefficients[0])
    low = Fraction(max(abs(lead.mantissa) - 1, 1)) * Fraction(10) ** lead.exponent
    if abs(lead.mantissa) == 1:
        low /= 10
    largest = max(
        (
            Fraction(abs(v.mantissa) + 1) * Fraction(10) ** v.exponent
            for v in (field.value(c) for c in coefficients[1:])
        ),
        default=Fraction(0),
    )
    return math.ceil(1 + largest / low) + 2


def _poles_in_right_half_plane(field: Field, denominator: Any, z: Any) -> bool:
    """All roots of Q have Re z > 0: Q(−z) passes the Routh–Hurwitz test."""
    coefficients = denominator.rep.to_list()  # highest power first
    degree = len(coefficients) - 1
    # Q(−z): flip the sign of odd powers.
    flipped = [c if (degree - i) % 2 == 0 else -c for i, c in enumerate(coefficients)]
    return _hurwitz(field, flipped)


def _hurwitz(field: Field, coefficients: list[Any]) -> bool:
    """Routh's array: all roots in Re z < 0 iff the first column keeps one strict sign."""
    first = coefficients[0::2]
    second = coefficients[1::2]
    signs = []
    rows = [first, second]
    for _ in range(len(coefficients)):
        top, bottom = rows[-2], rows[-1]
        if not top:
            break
        signs.append(field.sign(top[0]))
        if not bottom:
            break
        pivot = bottom[0]
        if field.is_zero(pivot):
            signs.append(0)
            break
        width = len(top) - 1
        lower = (bottom[1:] + [field.rational(0)] * width)[:width]
        new = [field.divide(pivot * x - top[0] * y, pivot) for x, y in zip(top[1:], lower)]
        while new and field.is_zero(new[-1]):
            new.pop()
        rows.append(new)
    degree = len(coefficients) - 1
    return len(signs) == degree + 1 and all(s == signs[0] and s != 0 for s in signs)
