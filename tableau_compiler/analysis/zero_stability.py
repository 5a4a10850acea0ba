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

When the condition fails, the offending root is named: exactly where it has a short
closed form (a rational, or a root of a quadratic factor), else as a root of its
irreducible factor with certified digits (python-flint's isolated complex roots), with
its modulus.

An approximate scheme (tolerance t) whose ρ fails the exact test is judged to its
tolerance: roots within t of the unit circle count as on it.  ρ meets the root condition
to tolerance t when every root has |ζ| <= 1 + t and the roots with |ζ| >= 1 − t are
simple and more than 2√t apart (a perturbation of size t splits a double root by about
√t, so closer roots count as one multiple root).  Root moduli and distances are compared
in certified complex balls.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .arithmetic import Field
from .values import EXACT_TEXT_LIMIT, Value, lowest_terms, shown_size, tolerance_text

__all__ = ["RootCondition", "root_condition"]

HOLDS = "roots in the closed unit disc, those on the circle simple"


@dataclass(frozen=True)
class RootCondition:
    holds: bool
    reason: str
    """Why it fails (naming the root), or 'roots in the closed unit disc, those on the
    circle simple'."""
    root: str = ""
    """The offending root (exact where short, else described), when it fails."""
    modulus: Value | None = None
    """|ζ| of that root."""
    tolerance: float | None = None
    exactly: bool = True
    """Decided without the tolerance (always for exact schemes)."""
    excess: Value | None = None
    """To a tolerance: max |ζ| − 1 over the roots (0 when no root lies outside the disc)."""

    def words(self) -> str:
        if self.holds:
            if self.tolerance is None or self.exactly:
                return "yes" + (" (exactly)" if self.tolerance is not None else "")
            excess = (
                ""
                if self.excess is None
                else (f"; max |ζ| − 1 = {shown_size(self.excess, self.tolerance)}")
            )
            return f"yes, to tolerance {tolerance_text(self.tolerance)} ({self.reason}{excess})"
        return f"no ({self.reason})"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"holds": self.holds, "reason": self.reason, "exactly": self.exactly}
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
        if self.root:
            data["root"] = self.root
        if self.modulus is not None:
            data["modulus"] = self.modulus.to_json()
        if self.excess is not None:
            data["max_modulus_minus_1"] = self.excess.to_json()
        return data


def root_condition(
    field: Field, coefficients: Sequence[Any], tolerance: float | None = None
) -> RootCondition:
    """Decide the root condition for ρ(ζ) = Σ coefficients[j] ζ^j (real, leading non-zero),
    exactly; with a ``tolerance``, a ρ that fails exactly is judged to the tolerance."""
    domain = getattr(field, "domain", None)
    steps = len(coefficients) - 1
    if domain is not None and (domain.is_PolynomialRing or domain.is_FractionField):
        from .. import limits
        from ..errors import LimitError

        if steps > limits.MAX_SYMBOLIC_STEPS:
            raise LimitError(
                f"{steps} steps with pi in rho: the root condition over QQ(pi) (gcds and "
                f"Schur–Cohn in rational functions of pi) is decided up to "
                f"{limits.MAX_SYMBOLIC_STEPS} steps (32 took a minute)",
                key=("coefficients", "alpha"),
            )
        degree = max((_symbolic_degree(c) for c in coefficients), default=0)
        if steps * degree > limits.MAX_SYMBOLIC_STEP_DEGREE:
            raise LimitError(
                f"{steps} steps with coefficients of degree {degree} in pi in rho: the root "
                "condition over QQ(pi) is decided while steps × degree is at most "
                f"{limits.MAX_SYMBOLIC_STEP_DEGREE} (16 steps of degree 4 took a minute, of "
                "degree 64 it did not finish)",
                key=("coefficients", "alpha"),
            )
    if domain is not None and getattr(domain, "is_AlgebraicField", False):
        from .. import limits
        from ..errors import LimitError

        degree = len(domain.mod.to_list()) - 1
        # the rational coordinates of the coefficients in the field's power basis
        bits = max(
            (
                int(c.numerator).bit_length() + int(c.denominator).bit_length()
                for x in coefficients
                for c in x.to_list()
            ),
            default=1,
        )
        from .work import ROOT_ALGEBRAIC_UNITS, root_condition_work

        work = root_condition_work(steps, degree, bits)
        if work > limits.MAX_ALGEBRAIC_ROOT_WORK:
            raise LimitError(
                f"{steps} steps with square roots in rho (field degree {degree}, coordinates "
                f"of {bits} bits): the root condition over that field (gcds of polynomials "
                "with algebraic coefficients) is decided while its work, steps³ × degree × "
                f"bits × {ROOT_ALGEBRAIC_UNITS} units of 16 ns, is at most "
                f"{limits.MAX_ALGEBRAIC_ROOT_WORK:.2g} (here {work:.2g}); write the "
                "coefficients as decimals with a tolerance",
                key=("coefficients", "alpha"),
            )
    holds, why = _exact_root_condition(field, coefficients)
    if holds:
        return RootCondition(True, HOLDS, tolerance=tolerance)
    roots = _isolated_roots(field, coefficients, tolerance)
    if tolerance is not None and roots is not None:
        judged = _to_tolerance(roots, tolerance)
        if judged is not None:
            return judged
    named = _offending(field, roots, why) if roots is not None else None
    if named is None:
        return RootCondition(False, why, tolerance=tolerance)
    text, root, what = named
    modulus = _modulus(root)
    return RootCondition(
        False,
        f"the root {_shown_root(text)} of rho (|ζ| = {_modulus_text(modulus, tolerance, root)}) "
        f"{what}",
        root=text,
        modulus=modulus,
        tolerance=tolerance,
    )


def _symbolic_degree(element: Any) -> int:
    """The total degree in pi (or a symbol) of an element of sympy's ring or fraction
    field: of its numerator and denominator, the larger."""
    parts = (element.numer, element.denom) if hasattr(element, "numer") else (element,)
    return max((sum(m) for part in parts for m in part.monoms()), default=0)


def _exact_root_condition(field: Field, coefficients: Sequence[Any]) -> tuple[bool, str]:
    from sympy import Poly, Symbol

    zeta = Symbol("zeta")
    domain = field.sympy_domain
    rho = Poly(list(reversed(list(coefficients))), zeta, domain=domain)
    mirror = Poly(list(coefficients), zeta, domain=domain)
    common = rho.gcd(mirror)
    inner = rho.exquo(common)
    if not _schur_stable(field, inner):
        return False, "a root of rho lies outside the closed unit disc"
    if common.degree() > 0:
        if common.gcd(common.diff(zeta)).degree() > 0:
            return False, "a root of rho on the unit circle is not simple"
        if not _roots_on_circle(field, common, zeta):
            return False, "a root of rho lies outside the closed unit disc"
    return True, HOLDS


# --------------------------------------------------------------------------- naming roots


@dataclass(frozen=True)
class _Root:
    ball: Any
    """A certified enclosure (python-flint ``acb``) holding exactly this root."""
    multiplicity: int
    factor: Any
    """Its irreducible factor over QQ (python-flint ``fmpz_poly``)."""
    on_circle: bool
    """Exactly on the unit circle (its factor is palindromic and all its roots are)."""
    modulus: Any = None
    """|ζ| as a ball, at the precision the root was isolated at."""
    excess: Any = None
    """|ζ| − 1 as a ball, likewise."""


def _isolated_roots(
    field: Field, coefficients: Sequence[Any], tolerance: float | None
) -> list[_Root] | None:
    """Every distinct root of a rational ρ in a certified ball, or None (other fields)."""
    import flint
    from sympy import Poly, Symbol

    values = [field.to_sympy(c) for c in coefficients]
    if not all(v.is_Rational for v in values):
        return None
    rho = flint.fmpq_poly([flint.fmpq(int(v.p), int(v.q)) for v in values])
    decades = 0 if tolerance is None else max(0, -math.floor(math.log10(tolerance)))
    bits = max(192, int(7 * decades) + 128)
    saved = flint.ctx.prec
    try:
        flint.ctx.prec = bits
        _, factors = rho.factor()
        out = []
        zeta = Symbol("zeta")
        for factor, multiplicity in factors:
            rationals = [flint.fmpq(c) for c in factor.coeffs()]
            scale = math.lcm(*(int(c.q) for c in rationals))
            integer = flint.fmpz_poly([int(c.p) * (scale // int(c.q)) for c in rationals])
            sympy_factor = Poly(
                list(reversed([int(c) for c in integer.coeffs()])), zeta, domain=field.sympy_domain
            )
            mirror = Poly(
                list(reversed(sympy_factor.all_coeffs())), zeta, domain=field.sympy_domain
            )
            on_circle = (
                integer.degree() > 0
                and sympy_factor.gcd(mirror).degree() == integer.degree()
                and (_roots_on_circle(field, sympy_factor, zeta))
            )
            for ball, _ in integer.complex_roots():
                modulus = abs(ball)
                out.append(_Root(ball, multiplicity, integer, on_circle, modulus, modulus - 1))
        return out
    finally:
        flint.ctx.prec = saved


def _modulus(root: _Root) -> Value:
    """|ζ|: exactly for a root on the circle, a rational root or a root of a quadratic
    factor (|ζ| = sqrt(c/a) for a complex pair of aζ² + bζ + c), else certified digits."""
    if root.on_circle:
        return Value.of_fraction(Fraction(1))
    coefficients = [int(c) for c in root.factor.coeffs()]  # constant first
    if len(coefficients) == 2:
        return abs(Value.of_fraction(Fraction(-coefficients[0], coefficients[1])))
    if len(coefficients) == 3 and root.ball.imag != 0:
        import sympy

        c, _, a = coefficients
        exact = sympy.sqrt(sympy.Rational(c, a))
        if exact.is_Rational:
            return Value.of_fraction(lowest_terms(int(exact.p), int(exact.q)))
        found = Value.of_ball(root.modulus, minimum_digits=3)
        if found is not None and len(str(exact)) <= EXACT_TEXT_LIMIT:
            return Value(found.mantissa, found.exponent, found.certain, str(exact))
    found = Value.of_ball(root.modulus, minimum_digits=3)
    return found if found is not None else Value(1, 0, 1, None)


def _modulus_text(modulus: Value, tolerance: float | None, root: _Root | None = None) -> str:
    """|ζ| for text; within 1e-6 of 1 (not exactly 1) as ``1 + 2.2e-16``, so that the
    digits that matter show."""
    if modulus.exact is not None and len(modulus.exact) <= EXACT_TEXT_LIMIT:
        return modulus.exact
    if root is not None and not root.on_circle and abs(root.excess).mid() < 1e-6:
        excess = Value.of_ball(root.excess, minimum_digits=2)
        if excess is not None:
            sign = "-" if excess.mantissa < 0 else "+"
            return f"1 {sign} {abs(excess).decimal(3)}"
    return modulus.decimal(6 if tolerance is None else max(6, _significant_for(tolerance)))


def _significant_for(tolerance: float) -> int:
    return min(20, max(0, -math.floor(math.log10(tolerance))) + 3)


def _offending(field: Field, roots: list[_Root], why: str) -> tuple[str, _Root, str] | None:
    """The root that breaks the condition: the largest outside the disc, else a multiple
    root on the circle; with its text, modulus and what is wrong with it."""
    outside = [r for r in roots if not r.on_circle and r.excess > 0]
    if outside:
        root = max(outside, key=lambda r: r.modulus.mid())
        return _root_text(root), root, "lies outside the closed unit disc"
    multiple = [r for r in roots if r.on_circle and r.multiplicity > 1]
    if multiple:
        root = multiple[0]
        return (
            _root_text(root),
            root,
            f"lies on the unit circle with multiplicity {root.multiplicity}",
        )
    return None


def _root_text(root: _Root, factor: bool = True) -> str:
    """A root exactly when it is rational or a root of a quadratic, else as the root of its
    irreducible factor near certified digits (also exact: the factor's roots are isolated)."""
    import sympy

    coefficients = [int(c) for c in root.factor.coeffs()]  # constant first
    zeta = sympy.Symbol("ζ")
    if len(coefficients) <= 3 and max(abs(c).bit_length() for c in coefficients) <= 4_000:
        poly = sympy.Poly(list(reversed(coefficients)), zeta)
        candidates = sympy.roots(poly, multiple=True)
        # In sympy floats: a root beyond float range (10^40 / 1e-308) overflows complex().
        midpoint = sympy.Float(root.ball.real.mid().str(30, radius=False), 30) + sympy.I * (
            sympy.Float(root.ball.imag.mid().str(30, radius=False), 30)
        )
        best = min(candidates, key=lambda r: abs(sympy.N(r - midpoint, 30)))
        text = str(best)
        if len(text) <= 2 * EXACT_TEXT_LIMIT:
            return text
    value = root.ball.real.mid().str(10, radius=False)
    imaginary = root.ball.imag
    if not imaginary.is_zero():
        sign = "-" if imaginary < 0 else "+"
        value += f" {sign} {abs(imaginary).mid().str(10, radius=False)}i"
    if not factor:
        return f"≈ {value}"
    if max(abs(c).bit_length() for c in coefficients) > _PRINTABLE_BITS:
        return f"≈ {value} (a root of a factor of rho of degree {len(coefficients) - 1})"
    polynomial = str(sympy.Poly(list(reversed(coefficients)), zeta).as_expr())
    return f"≈ {value} (the root there of {polynomial})"


_PRINTABLE_BITS = 14_000
"""Python prints integers of up to 4,300 digits (about 14,000 bits)."""


def _shown_root(text: str) -> str:
    """A root's text cut for a one-line message (the JSON keeps it whole)."""
    limit = 3 * EXACT_TEXT_LIMIT
    return text if len(text) <= limit else text[: limit - 2] + "…)"


def _fails_at(root: Any, why: str, tolerance: float) -> RootCondition:
    """The root condition failing at ``root`` (judged to ``tolerance``): "the root ... of rho"
    followed by ``why``."""
    text = _root_text(root)
    return RootCondition(
        False,
        f"the root {_shown_root(text)} of rho{'' if why.startswith(',') else ' '}{why}",
        root=text,
        modulus=_modulus(root),
        tolerance=tolerance,
        exactly=False,
    )


def _to_tolerance(roots: list[_Root], tolerance: float) -> RootCondition | None:
    """The root condition to the tolerance (see the module docstring), or None when the
    balls cannot decide it at this precision."""
    import flint

    t = flint.arb(flint.fmpq(*Fraction(repr(tolerance)).as_integer_ratio()))
    near: list[_Root] = []
    for root in roots:
        if root.excess > t:
            return _fails_at(
                root,
                f"(|ζ| − 1 = {_excess_text(root, tolerance)}) lies outside the disc |ζ| <= 1 + "
                f"{tolerance_text(tolerance)}",
                tolerance,
            )
        if not root.excess <= t:
            return None  # too close to 1 + t to call
        if not root.excess < -t:
            near.append(root)
    separation = 2 * t.sqrt()
    for i, root in enumerate(near):
        close = [r for r in near[i + 1 :] if not abs(r.ball - root.ball) > separation]
        if root.multiplicity > 1 or close:
            what = (
                f"has multiplicity {root.multiplicity}"
                if root.multiplicity > 1
                else "lies within 2√t of another root there, as a double root split by "
                "rounding does"
            )
            return _fails_at(
                root,
                f", within {tolerance_text(tolerance)} of the unit circle "
                f"(|ζ| = {_modulus_text(_modulus(root), tolerance, root)}), {what}",
                tolerance,
            )
    largest = max((r.excess for r in roots), key=lambda x: x.mid(), default=None)
    excess = Value.zero_value()
    if largest is not None and largest > 0:
        excess = Value.of_ball(largest, minimum_digits=2) or Value(1, 0, 1, None)
    return RootCondition(
        True,
        "roots within the tolerance of the closed unit disc, those near the circle simple",
        tolerance=tolerance,
        exactly=False,
        excess=excess,
    )


def _excess_text(root: _Root, tolerance: float) -> str:
    found = Value.of_ball(root.excess, minimum_digits=2)
    return "?" if found is None else shown_size(found, tolerance)


def _schur_stable(field: Field, p: Any) -> bool:
    """All roots strictly inside the unit circle (Schur–Cohn recursion, real coefficients).

    Each reduced polynomial is made monic before the next step: the test
    sign(a_n² − a_0²) and the roots of T p are unchanged by a non-zero real factor
    (T(λp) = λ² T p), and without it the coefficients' sizes double at every step (a
    24-step ρ with coefficients n/997 did not finish in a minute).  Monic, the
    coefficients are ratios of the Schur–Cohn determinants, of polynomial size.
    """
    domain = p.domain
    coefficients = _ascending(p)  # a_0 .. a_n
    while len(coefficients) > 1:
        an = coefficients[-1]
        coefficients = [domain.quo(x, an) for x in coefficients]  # monic: a_n = 1
        a0 = coefficients[0]
        if field.sign(domain.one - a0 * a0) <= 0:
            return False
        reversed_ = coefficients[::-1]
        # T p = (p − a_0 p*) / ζ: the constant term cancels, the degree drops by one.
        coefficients = [x - a0 * y for x, y in zip(coefficients, reversed_)][1:]
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
