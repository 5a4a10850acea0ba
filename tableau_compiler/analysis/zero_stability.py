"""The root condition, decided exactly (Dahlquist 1956; HNW I.III.3).

ρ satisfies the root condition when its roots lie in the closed unit disc and
those on the unit circle are simple.  No floating-point root is ever used:

1. g = gcd(ρ, ρ*) with ρ*(ζ) = ζ^d ρ(1/ζ).  Every root on the unit circle is a root
   of g (1/ζ = conj ζ there); a root of g off the circle comes with its mirror
   1/conj(ζ), one of which lies outside the disc.
2. ρ/g has no root on the circle; it must have all roots strictly inside, which the
   Schur–Cohn recursion decides with sign tests only (Henrici 1974, Thm 6.8b).
3. g must be square-free with all roots on the circle: after removing ζ ∓ 1 it is
   palindromic of degree 2m, g(ζ) = ζ^m q(ζ + 1/ζ), and its roots lie on the circle
   exactly when q has m distinct real roots in (−2, 2) — a Sturm count.

Signs are exact for rationals and decided by exact zero tests plus evaluation
to enough digits for algebraic coefficients (:meth:`Field.sign`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .arithmetic import Field

__all__ = ["RootCondition", "root_condition"]


@dataclass(frozen=True)
class RootCondition:
    holds: bool
    reason: str
    """Why it fails, or 'roots in the closed unit disc, those on the circle simple'."""


def root_condition(field: Field, coefficients: Sequence[Any]) -> RootCondition:
    """Decide the root condition for ρ(ζ) = Σ coefficients[j] ζ^j (real, leading non-zero)."""
    from sympy import Poly, Symbol

    zeta = Symbol("zeta")
    domain = field.sympy_domain
    rho = Poly(list(reversed(list(coefficients))), zeta, domain=domain)
    mirror = Poly(list(coefficients), zeta, domain=domain)
    common = rho.gcd(mirror)
    inner = rho.exquo(common)
    if not _schur_stable(field, inner):
        return RootCondition(False, "a root of rho lies outside the closed unit disc")
    if common.degree() > 0:
        if common.gcd(common.diff(zeta)).degree() > 0:
            return RootCondition(False, "a root of rho on the unit circle is not simple")
        if not _roots_on_circle(field, common, zeta):
            return RootCondition(False, "a root of rho lies outside the closed unit disc")
    return RootCondition(True, "roots in the closed unit disc, those on the circle simple")


def _schur_stable(field: Field, p: Any) -> bool:
    """All roots strictly inside the unit circle (Schur–Cohn recursion, real coefficients)."""
    coefficients = _ascending(p)  # a_0 .. a_n
    while len(coefficients) > 1:
        a0, an = coefficients[0], coefficients[-1]
        if field.sign(an * an - a0 * a0) <= 0:
            return False
        reversed_ = coefficients[::-1]
        # T p = (a_n p − a_0 p*) / ζ: the constant term cancels, the degree drops by one.
        coefficients = [an * x - a0 * y for x, y in zip(coefficients, reversed_)][1:]
    return True


def _roots_on_circle(field: Field, g: Any, zeta: Any) -> bool:
    """For square-free g dividing ρ and ρ*: are all its roots on the unit circle?"""
    from sympy import Poly, Symbol

    domain = field.sympy_domain
    for root in (1, -1):
        factor = Poly([1, -root], zeta, domain=domain)
        if field.is_zero(_value(field, g, root)):
            g = g.exquo(factor)
    degree = g.degree()
    if degree == 0:
        return True
    if degree % 2:
        return False
    coefficients = _ascending(g)  # a_0 .. a_2m
    m = degree // 2
    if any(field.sign(coefficients[j] - coefficients[degree - j]) for j in range(m)):
        return False  # not palindromic: a root pair r, 1/r off the circle
    x = Symbol("x")
    # ζ^j + ζ^-j = V_j(ζ + 1/ζ) with V_0 = 2, V_1 = x, V_{j+1} = x V_j − V_{j−1}.
    previous, current = Poly(2, x, domain=domain), Poly(x, x, domain=domain)
    q = Poly(coefficients[m], x, domain=domain)
    for j in range(1, m + 1):
        q += current * Poly(coefficients[m + j], x, domain=domain)
        previous, current = current, current * Poly(x, x, domain=domain) - previous
    return _distinct_real_roots(field, q, -2, 2) == m


def _distinct_real_roots(field: Field, q: Any, low: int, high: int) -> int:
    """Distinct real roots of q in (low, high], by Sturm's theorem."""
    sequence = q.sturm()

    def changes(point: int) -> int:
        signs = [field.sign(_value(field, p, point)) for p in sequence]
        signs = [s for s in signs if s]
        return sum(1 for s, t in itertools.pairwise(signs) if s != t)

    return changes(low) - changes(high)


def _ascending(p: Any) -> list[Any]:
    """The coefficients of a sympy Poly as elements of its domain, constant first."""
    return list(reversed(p.rep.to_list()))


def _value(field: Field, p: Any, point: int) -> Any:
    """p(point) by Horner's rule, as a domain element."""
    result = field.rational(0)
    for coefficient in p.rep.to_list():
        result = result * field.rational(point) + coefficient
    return result
