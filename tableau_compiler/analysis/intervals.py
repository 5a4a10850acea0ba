"""Stability intervals, the A(α) angle and the boundary locus, decided exactly.

Runge–Kutta (R = P/Q in lowest terms, HNW IV.2–3):

* the **real stability interval** [−β_R, 0] is the largest segment of the negative real axis
  starting at 0 on which |R| <= 1: β_R = sup{β : Q(x)² − P(x)² >= 0 on [−β, 0]} (a pole gives
  Q² − P² = −P² < 0, so poles end the interval too);
* the **imaginary stability interval** [−iβ_I, iβ_I]: β_I = sup{β : |Q(iy)|² − |P(iy)|² >= 0
  for |y| <= β} (an even polynomial in y).

Each is the first sign change on (0, ∞) of one polynomial with exact coefficients, found by
:func:`~.algebraic.first_failure`: the endpoint is an exact algebraic number (its minimal
polynomial and an isolating interval), a root of odd multiplicity; a root of even
multiplicity is a tangency (|R| touches 1 and stays below) and the interval goes on; no sign
change at all gives β = ∞ (A-stable methods on the real axis, Gauss methods on the imaginary
axis, where |R(iy)| ≡ 1).

For an approximate scheme (tolerance t) the endpoint must not be an artefact of t: a bound
|R| <= 1 + t would open an interval of width about t^(1/4) wherever the intended scheme has
|R| = 1 + O(y⁴) (every explicit method with s = p = 1, 2 on the imaginary axis), and move it
with t.  So the tolerance is applied to the *coefficients* of the polynomial whose sign is
read (E(y) = |Q(iy)|² − |P(iy)|², Q(x)² − P(x)²): a coefficient that the written digits
leave within t of 0 (:func:`~.algebraic.neglect_within_tolerance`) is taken as the 0 it
stands for, and the sign structure of what remains is decided exactly.  The report names
the neglected powers, and the endpoint the written values alone would give when it differs.

Linear multistep (ρ, σ; the stability region S = {z : ρ(ζ) − zσ(ζ) meets the root
condition}, HNW V.1):

* the **boundary locus** z(θ) = ρ(e^{iθ})/σ(e^{iθ}) holds the boundary of S;
* the **real stability interval**: the real points of the locus are roots of
  h(x) = Res_ζ(ρ − xσ, ζ^k(ρ − xσ)(1/ζ)) (ρ − xσ then has a root on the unit circle, or a pair
  ζ, 1/ζ: extra candidates only); between consecutive ones the root condition is decided
  exactly at a rational point (:func:`~.zero_stability.root_condition`, to the scheme's
  tolerance);
* the **A(α) angle** (Widlund 1967; HNW V.2): see :func:`stability_angle`;
* **A-stability** (S contains Re z <= 0; Dahlquist 1963): see :func:`multistep_a_stability`.

The public functions take coefficient sequences (constant first) of exact numbers (ints,
Fractions, sympy numbers, square roots of rationals) so that plotting code can call them.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .algebraic import (
    AlgebraicReal,
    Crossing,
    Polynomial,
    absolute_square,
    first_failure,
    neglect_within_tolerance,
    real_roots,
)
from .arithmetic import flint_precision
from .values import (
    EXACT_TEXT_LIMIT,
    Judgement,
    Value,
    lowest_terms,
    tolerance_digits,
    tolerance_text,
)

__all__ = [
    "StabilityAngle",
    "StabilityInterval",
    "boundary_locus",
    "imaginary_stability_interval",
    "interval_of",
    "multistep_a_stability",
    "multistep_real_stability_interval",
    "real_stability_interval",
    "stability_angle",
]


@dataclass(frozen=True)
class StabilityInterval:
    """[−β, 0] on the real axis or [−iβ, iβ] on the imaginary axis."""

    axis: str
    """'real' or 'imaginary'."""
    crossing: Crossing | None
    """β as 0, an exact algebraic number or ∞; None when not computed."""
    tolerance: float | None = None
    reason: str = ""
    """Why it was not computed."""
    neglected: tuple[int, ...] = ()
    """Powers whose coefficients were within the tolerance of 0 and taken as 0 (module
    docstring): of y in E(y) = |Q(iy)|² − |P(iy)|², of x in Q(x)² − P(x)²."""
    written: Crossing | None = None
    """β of the written values alone, when it differs from :attr:`crossing` in the digits
    the tolerance supports."""

    @property
    def beta(self) -> float:
        """β as a float (math.inf when unbounded, nan when not computed)."""
        return math.nan if self.crossing is None else float(self.crossing)

    @property
    def endpoint(self) -> AlgebraicReal | None:
        return None if self.crossing is None else self.crossing.at

    def beta_words(self) -> str:
        """β: exactly where short (a rational, a square root), with 16 digits beside;
        otherwise the digits and the minimal polynomial with an isolating interval."""
        if self.crossing is None:
            return f"not computed ({self.reason})"
        if self.crossing.unbounded:
            return "∞"
        at = self.crossing.at
        if at is None:
            return "0"
        if self.tolerance is not None:  # an approximate scheme: the digits t supports
            return at.value(exact=False).decimal(tolerance_digits(self.tolerance))
        digits = at.value(exact=False).decimal(16)
        if at.degree <= 2 and not at.unprintable:
            exact = at.text()
            if at.degree == 1 and len(exact) <= EXACT_TEXT_LIMIT:
                return exact
            if at.degree == 2 and len(exact) <= 40:
                return f"{exact} ≈ {digits}"
        if at.degree == 1 or at.unprintable:
            return f"{digits} (exactly in --format json)"
        lo, hi = at.isolating_interval()
        polynomial = _polynomial_text(at)
        if len(polynomial) > 80 or len(str(lo)) + len(str(hi)) > 80:
            return f"{digits} (an algebraic number of degree {at.degree}; exactly in --format json)"
        return f"{digits} (the root of {polynomial} in [{lo}, {hi}])"

    def words(self) -> str:
        """'[−2.785…, 0]', '[−i·2*sqrt(2), i·2*sqrt(2)]', 'unbounded' ..."""
        beta = self.beta_words()
        if self.crossing is None:
            return beta
        if self.crossing.unbounded:
            text = "(−∞, 0]" if self.axis == "real" else "the whole imaginary axis"
        elif self.crossing.zero:
            text = "{0} only"
        else:
            text = "[−β, 0]" if self.axis == "real" else "[−iβ, iβ]"
        out = (
            f"{text}, β = {beta}"
            if not self.crossing.zero and not self.crossing.unbounded
            else text
        )
        note = self.tolerance_note()
        if note:
            out += f" ({note})"
        return out

    def _function(self) -> tuple[str, str]:
        if self.axis == "real":
            return "x", "Q(x)² − P(x)²"
        return "y", "E(y) = |Q(iy)|² − |P(iy)|²"

    def tolerance_note(self) -> str:
        """For an approximate scheme: which coefficients were taken as 0, and what the
        written values alone give when that differs ("" when nothing was neglected)."""
        if self.tolerance is None or not self.neglected:
            return ""
        variable, function = self._function()
        powers = ", ".join(f"{variable}^{k}" if k > 1 else variable for k in self.neglected)
        plural = "s" if len(self.neglected) > 1 else ""
        note = (
            f"to tolerance {tolerance_text(self.tolerance)}: the coefficient{plural} of "
            f"{powers} in {function} {'are' if plural else 'is'} within the tolerance of 0 "
            "and taken as 0"
        )
        if self.written is not None:
            note += f"; the written values alone give β = {_crossing_text(self.written, self.tolerance)}"
        return note

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"axis": self.axis}
        if self.crossing is None:
            data.update(computed=False, reason=self.reason)
            return data
        data["computed"] = True
        data["unbounded"] = self.crossing.unbounded
        if self.crossing.unbounded:
            data["beta"] = None
        elif self.crossing.zero:
            data["beta"] = "0"
        else:
            assert self.crossing.at is not None
            data["beta"] = self.crossing.at.text()
            data["beta_decimal"] = self.crossing.at.value(exact=False).decimal(20)
            data["endpoint"] = self.crossing.at.to_dict()
        data["beta_float"] = _crossing_float(self.crossing)
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
            data["beta_shown"] = self.beta_words()
            _, function = self._function()
            data["neglected_powers"] = list(self.neglected)
            data["neglected_in"] = function
            data["depends_on_tolerance"] = self.written is not None
            if self.written is not None:
                data["written_beta"] = _crossing_text(self.written, None)
                data["written_beta_float"] = _crossing_float(self.written)
        return data


def _crossing_text(crossing: Crossing, tolerance: float | None) -> str:
    if crossing.unbounded:
        return "∞"
    if crossing.at is None:
        return "0"
    if tolerance is not None:
        return crossing.at.value(exact=False).decimal(tolerance_digits(tolerance))
    return crossing.at.text()


def _crossing_float(crossing: Crossing) -> float | None:
    """β as a JSON number: None for ∞ and for a finite β beyond the floats (2·10⁴⁰⁰; strict
    JSON has no Infinity, and the exact value is a string beside it)."""
    value = float(crossing)
    return value if math.isfinite(value) else None


def _polynomial_text(at: AlgebraicReal) -> str:
    import sympy

    x = sympy.Symbol("x")
    return str(sympy.Poly(list(reversed(at.polynomial)), x).as_expr())


# --------------------------------------------------------------------------- exact numbers


def _domain(values: Sequence[Any]) -> tuple[Any, list[Any]] | None:
    """The smallest sympy domain holding the values (QQ or an algebraic number field) and the
    values in it; None for anything else (pi, symbols)."""
    import sympy
    from sympy.polys.constructor import construct_domain

    exprs = [sympy.sympify(_plain(Fraction(v) if isinstance(v, float) else v)) for v in values]
    if any(e.free_symbols or e.has(sympy.pi) for e in exprs):
        return None
    domain, elements = construct_domain([*exprs, sympy.Rational(1, 2)], extension=True, field=True)
    if not (domain.is_QQ or domain.is_AlgebraicField):
        return None
    return domain, list(elements[:-1])


def _plain(v: Any) -> Any:
    """A Fraction (or float, its exact binary value) as a sympy Rational; others unchanged."""
    if isinstance(v, float):
        v = Fraction(v)
    if isinstance(v, Fraction):
        import sympy

        return sympy.Rational(v.numerator, v.denominator)
    return v


def _poly(domain: Any, coefficients: Sequence[Any], symbol: Any) -> Any:
    from sympy import Poly

    return Poly(list(reversed(list(coefficients))) or [0], symbol, domain=domain)


def _condition(poly: Any, domain: Any) -> Polynomial:
    return Polynomial(list(reversed(poly.rep.to_list())), domain)


# --------------------------------------------------------------------------- Runge–Kutta


def real_stability_interval(
    numerator: Sequence[Any], denominator: Sequence[Any], tolerance: float | None = None
) -> StabilityInterval:
    """β_R of R = P/Q (coefficients constant first, exact numbers).

    Returns the interval; its ``beta`` is a float, ``crossing.at`` the exact endpoint."""
    found = _domain([*numerator, *denominator])
    if found is None:
        return StabilityInterval("real", None, tolerance, "coefficients with pi or symbols")
    domain, values = found
    n = len(numerator)
    return interval_of(domain, values[:n], values[n:], "real", tolerance)


def interval_of(
    domain: Any, numerator: Sequence[Any], denominator: Sequence[Any], axis: str,
    tolerance: float | None = None,
) -> StabilityInterval:  # fmt: skip
    """The real or imaginary interval of P/Q with coefficients (constant first) in a sympy
    domain (QQ or an algebraic number field)."""
    import sympy

    if axis == "real":
        u = sympy.Symbol("u")
        p = _poly(domain, numerator, u).compose(_poly(domain, [0, -1], u))  # P(−u)
        q = _poly(domain, denominator, u).compose(_poly(domain, [0, -1], u))
        e = q * q - p * p
        parts = [_condition(p, domain), _condition(q, domain)]
    else:
        y = sympy.Symbol("y")
        p_y, q_y = _poly(domain, numerator, y), _poly(domain, denominator, y)
        p = _squared_modulus_on_axis(p_y, y, domain)
        q = _squared_modulus_on_axis(q_y, y, domain)
        e = q - p
        parts = [_condition(p_y, domain), _condition(q_y, domain)]
    condition = _condition(e, domain)
    written = first_failure([condition])
    if tolerance is None:
        return StabilityInterval(axis, written, tolerance)
    # |P(iy)|² and P(−u)² add up products p_j p_k of the same sizes (up to sign)
    scale = [domain.zero] * (2 * max(len(x.coefficients) for x in parts))
    for part in parts:
        for k, c in enumerate(absolute_square(part.coefficients, domain)):
            scale[k] += c
    cleaned, neglected = neglect_within_tolerance(condition, tolerance, Polynomial(scale, domain))
    if not neglected:
        return StabilityInterval(axis, written, tolerance)
    crossing = first_failure([cleaned])
    # "differs" at the digits the tolerance supports: below them the two are one answer
    differs = _crossing_text(crossing, tolerance) != _crossing_text(written, tolerance)
    return StabilityInterval(
        axis, crossing, tolerance, neglected=neglected, written=written if differs else None
    )


def _squared_modulus_on_axis(poly: Any, y: Any, domain: Any) -> Any:
    """|p(iy)|² for real y, as a polynomial in y over the domain (real coefficients)."""
    coefficients = list(reversed(poly.rep.to_list()))  # constant first
    real = [domain.zero] * len(coefficients)
    imaginary = [domain.zero] * len(coefficients)
    for k, c in enumerate(coefficients):
        sign = -1 if (k // 2) % 2 else 1
        (real if k % 2 == 0 else imaginary)[k] = c if sign > 0 else -c
    re, im = _poly(domain, real, y), _poly(domain, imaginary, y)
    return re * re + im * im


def imaginary_stability_interval(
    numerator: Sequence[Any], denominator: Sequence[Any], tolerance: float | None = None
) -> StabilityInterval:
    """β_I of R = P/Q (coefficients constant first, exact numbers)."""
    found = _domain([*numerator, *denominator])
    if found is None:
        return StabilityInterval("imaginary", None, tolerance, "coefficients with pi or symbols")
    domain, values = found
    n = len(numerator)
    return interval_of(domain, values[:n], values[n:], "imaginary", tolerance)


# --------------------------------------------------------------------------- multistep


def boundary_locus(alpha: Sequence[Any], beta: Sequence[Any], points: int = 721) -> list[complex]:
    """z(θ) = ρ(e^{iθ})/σ(e^{iθ}) at ``points`` equally spaced θ in [0, 2π], as floats for
    plotting (nan + nan·i where σ(e^{iθ}) = 0: a pole, the curve leaves to infinity)."""
    import sympy

    a = [float(sympy.sympify(_plain(x))) for x in alpha]
    b = [float(sympy.sympify(_plain(x))) for x in beta]
    out = []
    for m in range(points):
        zeta = cmath.exp(2j * math.pi * m / (points - 1))
        rho = sum(c * zeta**j for j, c in enumerate(a))
        sigma = sum(c * zeta**j for j, c in enumerate(b))
        out.append(complex(math.nan, math.nan) if abs(sigma) < 1e-300 else rho / sigma)
    return out


def _rationals(values: Sequence[Any]) -> list[Fraction] | None:
    import sympy

    out = []
    for v in values:
        v = sympy.sympify(_plain(v))
        if not v.is_Rational:
            return None
        out.append(Fraction(int(v.p), int(v.q)))
    return out


def _root_condition_at(alpha: list[Fraction], beta: list[Fraction], x: Fraction,
                       tolerance: float | None) -> bool:  # fmt: skip
    """ρ − xσ meets the root condition (exactly, or to the tolerance)."""
    from .arithmetic import RationalField
    from .zero_stability import root_condition

    field = RationalField()
    coefficients = field.convert([a - x * b for a, b in zip(alpha, beta)])
    while len(coefficients) > 1 and coefficients[-1] == 0:
        coefficients.pop()
    if len(coefficients) <= 1:
        return coefficients[0] != 0 if coefficients else False
    return bool(root_condition(field, coefficients, tolerance).holds)


def locus_work(alpha: Sequence[Any], beta: Sequence[Any]) -> float:
    """The work of the exact locus analyses of (ρ, σ) (rational coefficients), counted
    before any of it: see :data:`~tableau_compiler.limits.MAX_LOCUS_WORK`."""
    import flint

    from .work import _rational_bits

    numbers = [flint.fmpq(Fraction(x).numerator, Fraction(x).denominator) for x in [*alpha, *beta]]
    level, _ = _rational_bits(numbers, [], lambda x: [x])
    k = max(1, len(alpha) - 1)
    return (2 * k + 1) * (2 * k) ** 2 * max(1.0, 2 * k * level / 64) ** 1.5


def locus_over_limit(alpha: Sequence[Any], beta: Sequence[Any]) -> str:
    """Why the exact locus analyses are beyond the limit ("" when they are within it)."""
    from .. import limits

    work = locus_work(alpha, beta)
    if work <= limits.MAX_LOCUS_WORK:
        return ""
    return (
        f"(2k + 1)(2k)² × (2k·bits/64)^1.5 = {work:.2g} units for its resultants, above the "
        f"limit of {limits.MAX_LOCUS_WORK:.2g}"
    )


def _locus_real_points(alpha: list[Fraction], beta: list[Fraction]) -> list[Fraction] | None:
    """h(x) = Res_ζ(ρ − xσ, its reciprocal), constant first, by evaluation at 2k + 1 integer
    points and interpolation (formal degree k kept: points where a leading coefficient
    vanishes are skipped); None when h ≡ 0."""
    import flint

    while len(alpha) > 1 and alpha[0] == 0 and beta[0] == 0:  # a common root 0: inside
        alpha, beta = alpha[1:], beta[1:]
    while len(alpha) > 1 and alpha[-1] == 0 and beta[-1] == 0:
        alpha, beta = alpha[:-1], beta[:-1]
    k = len(alpha) - 1
    if k == 0:
        return None
    points: list[int] = []
    values: list[Any] = []
    x = 0
    # in python-flint throughout: Python's Fraction reduces by a quadratic gcd, which took
    # minutes for 16 steps of 300-digit coefficients (resultants of 500,000 bits)
    a_q = [flint.fmpq(c.numerator, c.denominator) for c in alpha]
    b_q = [flint.fmpq(c.numerator, c.denominator) for c in beta]
    while len(points) < 2 * k + 1:
        coefficients = [a - x * b for a, b in zip(a_q, b_q)]
        if coefficients[-1] != 0 and coefficients[0] != 0:
            scale = flint.fmpz(1)
            for c in coefficients:
                scale = scale.lcm(c.q)
            integers = [c.p * (scale // c.q) for c in coefficients]
            f = flint.fmpz_poly(integers)
            g = flint.fmpz_poly(list(reversed(integers)))
            values.append(flint.fmpq(f.resultant(g), scale ** (2 * k)))
            points.append(x)
        x = -x if x > 0 else -x + 1
    matrix = flint.fmpq_mat(len(points), len(points),
                            [flint.fmpq(p) ** j for p in points for j in range(len(points))])  # fmt: skip
    rhs = flint.fmpq_mat(len(points), 1, values)
    solution = matrix.solve(rhs)
    coefficients = [lowest_terms(int(c.p), int(c.q)) for c in solution.entries()]
    if all(c == 0 for c in coefficients):
        return None
    return coefficients


def multistep_real_stability_interval(
    alpha: Sequence[Any], beta: Sequence[Any], tolerance: float | None = None
) -> StabilityInterval:
    """β_R of the method (ρ, σ) (coefficients constant first, rational): [−β_R, 0] is the
    largest segment of the negative real axis from 0 inside the stability region."""
    a, b = _rationals(alpha), _rationals(beta)
    if a is None or b is None:
        return StabilityInterval("real", None, tolerance, "irrational coefficients")
    h = _locus_real_points(a, b)
    if h is None:
        return StabilityInterval(
            "real", None, tolerance, "ρ − xσ has a pair of reciprocal roots for every x"
        )
    # breakpoints: the roots of h(−u), u > 0
    candidates = [c * (-1) ** j for j, c in enumerate(h)]
    from .algebraic import positive_roots

    points = positive_roots(candidates)
    from .algebraic import _between

    for i in range(-1, len(points)):
        low = points[i] if i >= 0 else None
        high = points[i + 1] if i + 1 < len(points) else None
        if low is None:
            sample = (high.enclosure()[0] / 2) if high is not None else Fraction(1)
            if high is not None and sample <= 0:
                sample = _between_zero(high)
        else:
            sample = _between(low, high)
        if not _root_condition_at(a, b, -sample, tolerance):
            return StabilityInterval(
                "real", Crossing(low) if low is not None else Crossing(None), tolerance
            )
    return StabilityInterval("real", Crossing(None, unbounded=True), tolerance)


def _between_zero(high: AlgebraicReal) -> Fraction:
    while not high.ball > 0 or high.enclosure()[0] <= 0:
        high = high.refined(2 * high.bits)
    return high.enclosure()[0] / 2


# --------------------------------------------------------------------------- A(α)


def _complex_poly(coefficients: list[Fraction], k: int) -> tuple[Any, Any]:
    """p̃(t) = Σ c_j (1 + it)^j (1 − it)^(k−j) = p(ζ)(1 − it)^k for ζ = (1 + it)/(1 − it),
    as (real part, imaginary part), rational polynomials in t."""
    import flint

    def mul(x: tuple, y: tuple) -> tuple:
        return (x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0])

    one = (flint.fmpq_poly([1]), flint.fmpq_poly([]))
    plus = (flint.fmpq_poly([1]), flint.fmpq_poly([0, 1]))
    minus = (flint.fmpq_poly([1]), flint.fmpq_poly([0, -1]))
    total = (flint.fmpq_poly([]), flint.fmpq_poly([]))
    for j, c in enumerate(coefficients):
        term = one
        for _ in range(j):
            term = mul(term, plus)
        for _ in range(k - j):
            term = mul(term, minus)
        scalar = flint.fmpq(c.numerator, c.denominator)
        total = (total[0] + term[0] * scalar, total[1] + term[1] * scalar)
    return total


@dataclass(frozen=True)
class StabilityAngle:
    """The largest α with the sector {z ≠ 0 : |arg(−z)| < α} inside the stability region."""

    degrees: Value | None
    """α in degrees, certified digits (None: not computed)."""
    exact: bool = True
    """α equals the computed angle; False: the angle is a lower bound (see ``reason``)."""
    reason: str = ""
    tangent: str = ""
    """Where the locus touches the boundary ray: z* (decimals)."""

    @property
    def float_degrees(self) -> float:
        return math.nan if self.degrees is None else self.degrees.magnitude

    def words(self) -> str:
        if self.degrees is None:
            return f"not computed ({self.reason})"
        shown = self.degrees.exact if self.degrees.exact else self.degrees.decimal(6)
        text = f"{shown}°"
        if not self.exact:
            text = f"at least {text}"
        if self.reason:
            text += f" ({self.reason})"
        return text

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "degrees": None if self.degrees is None else self.degrees.decimal(12),
            "degrees_float": None if self.degrees is None else self.float_degrees,
            "exact": self.exact,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.tangent:
            data["touches_locus_at"] = self.tangent
        return data


def _arb_eval(poly: Any, t: Any) -> Any:
    import flint

    total = flint.arb(0)
    for c in reversed(poly.coeffs()):
        total = total * t + flint.arb(c)
    return total


MAX_ANGLE_BITS = 1 << 15
"""Precision up to which the A(α) angle's enclosure is refined (doubling from 192 bits):
32,768 bits certify the digits of any angle the exact locus of 300-digit coefficients
keeps away from 0; past it the angle is reported not decided (two steps of 300-digit
coefficients doubled for minutes)."""


def stability_angle(
    alpha: Sequence[Any], beta: Sequence[Any], tolerance: float | None = None
) -> StabilityAngle:
    """The A(α) angle of the method (ρ, σ), certified (Widlund 1967; HNW V.2).

    With ζ = (1 + it)/(1 − it) (t = tan(θ/2)), −z(θ) has the direction of
    w(t) = −ρ̃(t)·conj(σ̃(t)) = X(t) + iY(t), X, Y rational polynomials.  α0 = inf |arg w| over
    the locus (z ≠ 0, ∞) is attained at a real root of X₁Y₁' − Y₁X₁' (X₁, Y₁: X, Y without
    their gcd g), at a root of Y₁ (angle 0), in the limits at the roots of g (z → 0 or a
    pole), or at t = ∞ (θ = π); each candidate's angle is evaluated in certified balls.
    Rays at angles below α0 miss the locus, so the open sector lies in one component of the
    plane less the locus, stable when z = −1 is (decided exactly).  When α0 < 90° is attained
    at a finite point z* where ρ'σ − ρσ' ≠ 0, the root on the unit circle leaves the disc
    across the locus there, so points at angles just above α0 are unstable: α = α0.
    """
    import flint

    a, b = _rationals(alpha), _rationals(beta)
    if a is None or b is None:
        return StabilityAngle(None, reason="irrational coefficients")
    k = len(a) - 1
    rho_r, rho_i = _complex_poly(a, k)
    sigma_r, sigma_i = _complex_poly(b, k)
    x = -(rho_r * sigma_r + rho_i * sigma_i)
    y = -(rho_i * sigma_r - rho_r * sigma_i)
    if x.is_zero() and y.is_zero():
        return StabilityAngle(None, reason="ρ ≡ 0")
    g = x.gcd(y) if not (x.is_zero() or y.is_zero()) else (y if x.is_zero() else x)
    x1, y1 = x // g, y // g  # exact: g divides both
    if not _stable_at_minus_one(a, b, tolerance):
        return StabilityAngle(Value.zero_value(), reason="z = −1 is outside the stability region")
    d = x1 * y1.derivative() - y1 * x1.derivative()

    def fractions(p: Any) -> list[Fraction]:
        return [Fraction(int(c.p), int(c.q)) for c in p.coeffs()]

    # the candidates' exact roots, found once (factoring is the costly part); only their
    # enclosures are refined as the precision grows
    critical = [
        (root, kind)
        for poly, kind in ((d, "critical"), (y1, "axis"))
        if not (poly.is_zero() or poly.degree() < 1)
        for root, _ in real_roots(fractions(poly))
    ]
    limits_at = real_roots(fractions(g)) if g.degree() >= 1 else []
    bits = 192
    pi = None
    while True:
        if bits > MAX_ANGLE_BITS:
            return StabilityAngle(
                None,
                reason=f"its digits need more than {MAX_ANGLE_BITS:,} bits of "
                "precision (the locus comes within that of the negative real axis)",
            )
        with flint_precision(bits):
            pi = flint.arb.pi()
            best: tuple[Any, str, Any] | None = None  # (angle ball, kind, t)

            def consider(angle: Any, kind: str, t: Any) -> None:
                nonlocal best
                if (
                    best is None
                    or angle.upper() < best[0].lower()
                    or (not angle.lower() > best[0].upper() and angle.mid() < best[0].mid())
                ):
                    best = (angle, kind, t)

            for root, kind in critical:
                t = root.refined(bits).ball
                angle = abs(flint.arb.atan2(_arb_eval(y1, t), _arb_eval(x1, t)))
                consider(angle, kind, root)
            if g.degree() >= 1:
                for root, multiplicity in limits_at:
                    t = root.refined(bits).ball
                    derivative = g
                    for _ in range(multiplicity):
                        derivative = derivative.derivative()
                    right = _arb_eval(derivative, t)
                    for side in (1, (-1) ** multiplicity):
                        sign = side * (1 if right > 0 else -1)
                        angle = abs(
                            flint.arb.atan2(sign * _arb_eval(y1, t), sign * _arb_eval(x1, t))
                        )
                        consider(angle, "limit", root)
            # t → ±∞ (θ = π): the leading terms of sign(g)·w₁
            lead_g = 1 if g.coeffs()[-1] > 0 else -1
            dx = x1.degree() if not x1.is_zero() else -1
            dy = y1.degree() if not y1.is_zero() else -1
            for direction in (1, -1):
                sg = lead_g * (direction ** max(g.degree(), 0))
                if dx > dy:
                    lx, ly = flint.arb(x1.coeffs()[-1] * direction**dx * sg), flint.arb(0)
                elif dy > dx:
                    lx, ly = flint.arb(0), flint.arb(y1.coeffs()[-1] * direction**dy * sg)
                else:
                    lx = flint.arb(x1.coeffs()[-1] * direction**dx * sg)
                    ly = flint.arb(y1.coeffs()[-1] * direction**dy * sg)
                consider(abs(flint.arb.atan2(ly, lx)), "infinity", None)
            assert best is not None
            angle, kind, where = best
            degrees = angle * 180 / pi
            value = Value.of_ball(degrees, minimum_digits=8) if not degrees.contains(0) else None
            if value is None and angle.upper() < flint.arb(10) ** -30:
                return StabilityAngle(
                    Value.zero_value(), reason="the locus meets the negative real axis"
                )
            if value is None:
                bits *= 2
                continue
            if not degrees < 90:  # the open left half-plane is stable
                return StabilityAngle(Value.of_fraction(Fraction(90)))
            if kind == "limit":
                return StabilityAngle(value, exact=False,
                                      reason="the locus approaches that angle only in a limit")  # fmt: skip
            if kind == "critical":
                t = where.refined(bits).ball
                zeta = (1 + flint.acb(0, 1) * t) / (1 - flint.acb(0, 1) * t)
                rho = _acb_eval(a, zeta)
                sigma = _acb_eval(b, zeta)
                drho = _acb_eval([j * c for j, c in enumerate(a)][1:], zeta)
                dsigma = _acb_eval([j * c for j, c in enumerate(b)][1:], zeta)
                wronskian = drho * sigma - rho * dsigma
                if wronskian.contains(0):
                    return StabilityAngle(value, exact=False,
                                          reason="the locus is singular where it touches the sector")  # fmt: skip
                z = rho / sigma
                tangent = f"{float(z.real.mid()):.6g} {'+' if z.imag >= 0 else '-'} {abs(float(z.imag.mid())):.6g}i"
                return StabilityAngle(value, tangent=tangent)
            return StabilityAngle(value)


def _acb_eval(coefficients: Sequence[Fraction], zeta: Any) -> Any:
    import flint

    total = flint.acb(0)
    for c in reversed(list(coefficients)):
        total = total * zeta + flint.acb(flint.fmpq(c.numerator, c.denominator))
    return total


def _stable_at_minus_one(a: list[Fraction], b: list[Fraction], tolerance: float | None) -> bool:
    return _root_condition_at(a, b, Fraction(-1), tolerance)


# --------------------------------------------------------------------------- A-stability


def multistep_a_stability(
    alpha: Sequence[Any], beta: Sequence[Any], tolerance: float | None = None
) -> Judgement:
    """Whether the stability region contains Re z <= 0 (Dahlquist 1963; HNW V.1).

    With ρ, σ coprime (a common factor with all roots strictly inside the unit disc is
    divided out), the method is A-stable exactly when Re(ρ(ζ)/σ(ζ)) > 0 for |ζ| > 1, i.e.
    (minimum principle for the harmonic function Re ρ/σ on |ζ| > 1, including ∞):

    1. β_k ≠ 0 (an explicit method has a pole at ζ = ∞);
    2. σ has its roots in the closed unit disc, those on the circle simple;
    3. Re(ρ(e^{iθ})·conj σ(e^{iθ})) = Σ α_j β_l cos((j − l)θ) >= 0 for all θ, decided as a
       polynomial in cos θ (Chebyshev) on [−1, 1] (to tolerance t: >= −t);
    4. at each root ζ₀ of σ on the circle, ρ(ζ₀)/(ζ₀σ'(ζ₀)) > 0 (then Re ρ/σ is bounded
       below near ζ₀ outside the disc), evaluated in certified balls (3 makes it real).
    """
    a, b = _rationals(alpha), _rationals(beta)
    if a is None or b is None:
        return Judgement(None, tolerance, reason="irrational coefficients: not computed")
    if b[-1] == 0:
        return Judgement(False, tolerance, reason="explicit: ρ/σ has a pole at ζ = ∞")
    import flint

    from .arithmetic import RationalField
    from .zero_stability import _exact_root_condition, _isolated_roots

    rho = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in a])
    sigma = flint.fmpq_poly([flint.fmpq(c.numerator, c.denominator) for c in b])
    common = rho.gcd(sigma)
    if common.degree() > 0:
        inner = all(abs(ball) < 1 for ball, _ in _integer(common).complex_roots())
        if not inner:
            return Judgement(
                None,
                tolerance,
                reason="ρ and σ share a root on or outside the unit circle: not decided",
            )
        rho, sigma = rho // common, sigma // common  # exact
    field = RationalField()
    sigma_coefficients = [flint.fmpq(c) for c in sigma.coeffs()]
    if sigma.degree() > 0:
        holds, _ = _exact_root_condition(field, sigma_coefficients)
        if not holds:
            return Judgement(
                False,
                tolerance,
                reason="σ has a root outside the unit disc or a multiple root on the circle",
            )
    # 3: E(x) = Σ α_j β_l T_|j−l|(x) on [−1, 1]
    ra = [Fraction(int(c.p), int(c.q)) for c in rho.coeffs()]
    rb = [Fraction(int(c.p), int(c.q)) for c in sigma.coeffs()]
    e = flint.fmpq_poly([])
    for j, x in enumerate(ra):
        for l, y in enumerate(rb):
            if x and y:
                e += flint.fmpq_poly(_chebyshev(abs(j - l))) * flint.fmpq(
                    (x * y).numerator, (x * y).denominator
                )
    if tolerance is not None:
        t = Fraction(repr(tolerance))
        e += flint.fmpq(t.numerator, t.denominator)
    if not _nonnegative_on_unit_interval([Fraction(int(c.p), int(c.q)) for c in e.coeffs()]):
        words = "Re ρ(ζ)/σ(ζ) < 0 somewhere on |ζ| = 1" + (
            "" if tolerance is None else f" (below −{tolerance_text(tolerance)})"
        )
        return Judgement(False, tolerance, reason=words)
    # 4: residues at the poles on the circle
    if sigma.degree() > 0:
        roots = _isolated_roots(field, sigma_coefficients, None) or []
        for root in roots:
            if not root.on_circle:
                continue
            bits = 192
            while True:
                with flint_precision(bits):
                    zeta = root.ball
                    value = _acb_eval(ra, zeta) / (
                        zeta * _acb_eval([j * c for j, c in enumerate(rb)][1:], zeta)
                    )
                    if value.real > 0:
                        break
                    if value.real < 0:
                        return Judgement(
                            False, tolerance, reason="Re ρ/σ → −∞ near a pole on the unit circle"
                        )
                bits *= 2
                if bits > 1 << 14:
                    return Judgement(None, tolerance, reason="a residue's sign was not decided")
                refined = [r for r in (_isolated_roots(field, sigma_coefficients, None) or [])]
                root = min(refined, key=lambda r: abs(r.ball - root.ball).mid())
    exactly = True
    if tolerance is not None:
        t = Fraction(repr(tolerance))
        exact_e = e - flint.fmpq(t.numerator, t.denominator)
        exactly = _nonnegative_on_unit_interval(
            [Fraction(int(c.p), int(c.q)) for c in exact_e.coeffs()]
        )
    return Judgement(True, tolerance, exactly=exactly)


def _integer(p: Any) -> Any:
    import flint

    values = [Fraction(int(c.p), int(c.q)) for c in p.coeffs()]
    scale = math.lcm(*(v.denominator for v in values))
    return flint.fmpz_poly([int(v * scale) for v in values])


def _chebyshev(n: int) -> list[int]:
    """T_n, constant first."""
    previous, current = [1], [0, 1]
    if n == 0:
        return previous
    for _ in range(n - 1):
        nxt = [0] + [2 * c for c in current]
        for i, c in enumerate(previous):
            nxt[i] -= c
        previous, current = current, nxt
    return current


def _nonnegative_on_unit_interval(coefficients: list[Fraction]) -> bool:
    """p >= 0 on [−1, 1], exactly: signs at rational points between its real roots there."""
    while coefficients and coefficients[-1] == 0:
        coefficients = coefficients[:-1]
    if not coefficients:
        return True

    def value(x: Fraction) -> Fraction:
        total = Fraction(0)
        for c in reversed(coefficients):
            total = total * x + c
        return total

    inside = []
    for root, _ in real_roots(coefficients):
        if root.polynomial in ((-1, 1), (1, 1)):
            continue  # a root at ±1 itself: the sign is read at the ends
        lo, hi = root.enclosure()
        while lo < 1 < hi or lo < -1 < hi:
            root = root.refined(2 * root.bits)
            lo, hi = root.enclosure()
        if -1 < lo and hi < 1:
            inside.append((lo, hi))
    edges = [Fraction(-1)] + [x for pair in inside for x in pair] + [Fraction(1)]
    samples = [(edges[2 * i] + edges[2 * i + 1]) / 2 for i in range(len(edges) // 2)]
    return all(value(x) >= 0 for x in [*samples, Fraction(-1), Fraction(1)])
