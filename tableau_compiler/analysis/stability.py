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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .arithmetic import Field

__all__ = ["StabilityFunction", "runge_kutta_stability"]


@dataclass(frozen=True)
class StabilityFunction:
    numerator: str
    denominator: str
    a_stable: bool | None
    l_stable: bool | None
    note: str = ""

    @property
    def text(self) -> str:
        if self.denominator == "1":
            return self.numerator
        return f"({self.numerator}) / ({self.denominator})"

    def lines(self) -> list[str]:
        def verdict(value: bool | None) -> str:
            return "undecided" if value is None else ("yes" if value else "no")

        out = [
            f"  stability function R(z) = {self.text}",
            f"  A-stable: {verdict(self.a_stable)}",
            f"  L-stable: {verdict(self.l_stable)}",
        ]
        if self.note:
            out.append(f"  ({self.note})")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "R": self.text,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "A_stable": self.a_stable,
            "L_stable": self.l_stable,
        }


def _reversed_charpoly(field: Field, matrix: list[list[Any]], z: Any) -> Any:
    """det(I − z M) as a sympy Poly in z over the field's domain."""
    from sympy import Poly
    from sympy.polys.matrices import DomainMatrix

    domain = field.sympy_domain
    size = len(matrix)
    coefficients = DomainMatrix(matrix, (size, size), domain).charpoly()  # det(λI − M), λ^s first
    return Poly(list(reversed(coefficients)), z, domain=domain)


def runge_kutta_stability(field: Field, a: list[list[Any]], b: list[Any]) -> StabilityFunction:
    from sympy import Symbol, expand

    z = Symbol("z")
    if field.symbolic:
        return StabilityFunction("?", "?", None, None, "symbolic parameters: not decided")
    denominator = _reversed_charpoly(field, a, z)
    shifted = [[x - bj for x, bj in zip(row, b)] for row in a]  # A − 1 bᵀ
    numerator = _reversed_charpoly(field, shifted, z)
    common = numerator.gcd(denominator)
    numerator, denominator = numerator.exquo(common), denominator.exquo(common)
    scale = denominator.eval(0)
    numerator_expr = expand(numerator.as_expr() / scale)
    denominator_expr = expand(denominator.as_expr() / scale)
    a_stable = _a_stable(field, numerator, denominator, z)
    l_stable = a_stable and numerator.degree() < denominator.degree()
    return StabilityFunction(
        numerator=str(numerator_expr),
        denominator=str(denominator_expr),
        a_stable=a_stable,
        l_stable=l_stable,
    )


def _a_stable(field: Field, numerator: Any, denominator: Any, z: Any) -> bool:
    from sympy import I, Poly, Symbol, expand, im, re

    if denominator.degree() == 0:
        return (
            numerator.degree() == 0
            and field.sign(
                field.sympy_domain.from_sympy(abs(numerator.as_expr() / denominator.as_expr()))
                - field.rational(1)
            )
            <= 0
        )
    if numerator.degree() > denominator.degree():
        return False  # |R| grows without bound along the negative real axis
    if not _poles_in_right_half_plane(field, denominator, z):
        return False
    y = Symbol("y", real=True)
    p_iy = expand(numerator.as_expr().subs(z, I * y))
    q_iy = expand(denominator.as_expr().subs(z, I * y))
    e = expand(re(q_iy) ** 2 + im(q_iy) ** 2 - re(p_iy) ** 2 - im(p_iy) ** 2)
    if e == 0:
        return True
    poly = Poly(e, y, domain=field.sympy_domain)
    if field.sign(poly.rep.to_list()[0]) < 0:
        return False
    from .zero_stability import _distinct_real_roots

    _, factors = poly.sqf_list()
    for factor, multiplicity in factors:
        if multiplicity % 2 and factor.degree() > 0:
            bound = _root_bound(field, factor)
            if _distinct_real_roots(field, factor, -bound, bound) > 0:
                return False
    return True


def _root_bound(field: Field, p: Any) -> int:
    """An integer above |root| for every root (Cauchy's bound, rounded up generously)."""
    coefficients = p.rep.to_list()
    lead = abs(field.magnitude(coefficients[0]))
    largest = max((field.magnitude(c) for c in coefficients[1:]), default=0.0)
    return int(1 + largest / lead) + 2


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
