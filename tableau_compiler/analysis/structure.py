"""Structural properties of a Runge–Kutta tableau: SSP coefficient, symplecticity, algebraic
stability, symmetry, FSAL, and the error-quality figures of an embedded pair.

Every property is decided exactly; for an approximate scheme (tolerance t) with the same
semantics as the order conditions: an equation holds when its residual is at most t in
absolute value, an inequality x >= 0 when x >= −t.

* **SSP coefficient** (radius of absolute monotonicity; Kraaijevanger 1991, Theorem 4.2 and
  Lemma 4.4; Ketcheson, Macdonald & Gottlieb 2009, in the Shu–Osher form of Ferracina &
  Spijker 2005): with K = [[A, 0], [bᵀ, 0]] ((s+1) × (s+1)) and e the vector of ones, the
  method is absolutely monotonic at −r when I + rK is invertible and
  K(I + rK)⁻¹ >= 0 and (I + rK)⁻¹e >= 0 componentwise (these are the Shu–Osher β and the
  row sums of α of the canonical form); the set of such r >= 0 is an interval [0, R]
  (Kraaijevanger, Lemma 4.4), and R is the SSP coefficient.  The entries are N(r)/d(r) with
  d(r) = det(I + rK) = det(I + rA) and N(r) the entries of K·adj(I + rK) and adj(I + rK)e,
  polynomials of degree <= s + 1 with rational coefficients, found exactly by evaluating
  d(r)(I + rK)⁻¹ at s + 2 integer points (python-flint's exact rational matrices) and
  interpolating.  d(0) = 1, so R = sup{r : N_k >= 0 on [0, r] for every k and d != 0 on
  [0, r]}: the first point where a condition changes sign, an exact algebraic number
  (:func:`~.algebraic.first_failure`).  To tolerance t: N_k + t·d >= 0 (entries >= −t, as
  nodepy's bisection reads them).  Computed for rational tableaus.
* **symplectic**: M = BA + AᵀB − bbᵀ = 0, i.e. b_i a_ij + b_j a_ji − b_i b_j = 0 (Lasagni 1988,
  Sanz-Serna 1988, Suris 1988; HLW Theorem VI.4.3).
* **algebraically stable**: b_i >= 0 and M positive semidefinite (Burrage & Butcher 1979,
  Crouzeix 1979; HNW IV.12, Definition 12.5).  Decided exactly by symmetric Gaussian
  elimination with diagonal pivoting: a positive pivot is eliminated (the Schur complement of
  a PSD matrix is PSD and conversely); with no positive diagonal entry left, the rest must be
  zero.  To tolerance t: b_i >= −t and M + tI positive semidefinite (smallest eigenvalue
  >= −t).
* **symmetric** (equal to its adjoint a*_ij = b_{s+1−j} − a_{s+1−i,s+1−j}, b*_i = b_{s+1−i},
  up to equivalent stages; HLW Theorem V.2.3): the partitioned criterion of
  :mod:`.partitioned_symmetry` with both tableaus equal.
* **FSAL** (first same as last, Dormand & Prince 1980): the first stage is f(y_n) (first row
  of A zero) and the last row of A is b, so the last stage of a step is f(y_{n+1}), the
  first of the next.
* **error-quality figures** of an embedded pair (Dormand & Prince 1980; Kennedy, Carpenter &
  Lewis 2000, p. 181; as nodepy's ``EmbeddedRungeKuttaMethod.error_metrics`` defines them),
  for main order q and embedded order p, τ^(k) the error coefficients of order k
  ((b·Φ(t) − 1/γ(t))/σ(t) over the trees of order k) and ‖·‖ the 2-norm:
  A^(q+1) = ‖τ^(q+1)‖, A^(q+2) = ‖τ^(q+2)‖, Â^(p+1) = ‖τ̂^(p+1)‖, B^(p+2) = ‖τ̂^(p+2)‖/Â^(p+1),
  C^(p+2) = ‖τ̂^(p+2) − τ^(p+2)‖/Â^(p+1), E^(p+2) = ‖τ^(p+2)‖/Â^(p+1).  Exact (square roots of
  rationals) for rational tableaus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import limits
from .arithmetic import Field, flint_precision
from .values import Judgement, Value, tolerance_text

__all__ = [
    "ErrorMetrics",
    "SSPCoefficient",
    "algebraic_stability",
    "error_metrics",
    "first_same_as_last",
    "ssp_coefficient",
    "symmetric",
    "symplectic",
]


# --------------------------------------------------------------------------- SSP


@dataclass(frozen=True)
class SSPCoefficient:
    crossing: Any
    """:class:`~.algebraic.Crossing` (0, an algebraic number, or ∞); None: not computed."""
    stages: int
    tolerance: float | None = None
    reason: str = ""

    @property
    def value(self) -> float:
        return math.nan if self.crossing is None else float(self.crossing)

    def words(self) -> str:
        if self.crossing is None:
            return f"not computed ({self.reason})"
        if self.crossing.unbounded:
            text = "∞ (absolutely monotonic on the whole negative real axis)"
        elif self.crossing.zero:
            text = "0"
        else:
            at = self.crossing.at
            exact = at.text()
            digits = at.value(exact=False).decimal(10)
            if at.degree == 1:
                text = exact
            elif at.degree == 2 and len(exact) <= 40:
                text = f"{exact} ≈ {digits}"
            else:
                text = f"{digits} (a root of a polynomial of degree {at.degree})"
            effective = at.value(exact=False)
            eff = Value.of_fraction(
                Fraction(effective.mantissa) * Fraction(10) ** effective.exponent / self.stages
            ).decimal(6)
            text += f"; effective r/s = {eff}"
        if self.tolerance is not None:
            text += f" (entries >= −{tolerance_text(self.tolerance)})"
        return text

    def to_dict(self) -> dict[str, Any]:
        if self.crossing is None:
            return {"computed": False, "reason": self.reason}
        data: dict[str, Any] = {"computed": True, "unbounded": self.crossing.unbounded}
        if self.crossing.unbounded:
            data["value"] = None
        elif self.crossing.zero:
            data["value"] = "0"
        else:
            data["value"] = self.crossing.at.text()
            data["decimal"] = self.crossing.at.value(exact=False).decimal(20)
            data["root"] = self.crossing.at.to_dict()
        data["float"] = None if self.crossing.unbounded else float(self.crossing)
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
        return data


def ssp_coefficient(
    a: list[list[Fraction]], b: list[Fraction], tolerance: float | None = None
) -> SSPCoefficient:
    """The radius of absolute monotonicity of a rational tableau (module docstring)."""
    import flint

    from .. import limits
    from .algebraic import Polynomial, first_failure

    s = len(b)
    if s > limits.MAX_SSP_STAGES:
        return SSPCoefficient(None, s, tolerance,
                              f"{s} stages, above the limit of {limits.MAX_SSP_STAGES}")  # fmt: skip
    n = s + 1
    entries = [flint.fmpq(0)] * (n * n)
    for i in range(s):
        for j in range(s):
            entries[i * n + j] = flint.fmpq(a[i][j].numerator, a[i][j].denominator)
    for j in range(s):
        entries[s * n + j] = flint.fmpq(b[j].numerator, b[j].denominator)
    k = flint.fmpq_mat(n, n, entries)
    identity = flint.fmpq_mat(n, n, [flint.fmpq(int(i == j)) for i in range(n) for j in range(n)])
    ones = flint.fmpq_mat(n, 1, [flint.fmpq(1)] * n)
    from sympy import QQ

    as_poly = lambda cs: Polynomial([QQ(int(c.p), int(c.q)) for c in cs], QQ)
    t = None if tolerance is None else Fraction(repr(tolerance))
    if all(a[i][j] == 0 for i in range(s) for j in range(i, s)):
        # explicit: K is nilpotent, (I + rK)⁻¹ = Σ_k (−r)^k K^k and d = 1
        powers = [identity]
        for _ in range(n):
            powers.append(powers[-1] * k)
        columns = []
        for index in range(n * n + n):
            if index < n * n:
                values = [(-1) ** e * powers[e + 1].entries()[index] for e in range(n)]
            else:
                values = [(-1) ** e * (powers[e] * ones).entries()[index - n * n] for e in range(n)]
            if t is not None:
                values[0] += flint.fmpq(t.numerator, t.denominator)
            columns.append(tuple(values))
        conditions = [as_poly(c) for c in set(columns) if any(v != 0 for v in c)]
        return SSPCoefficient(first_failure(conditions), s, tolerance)
    points, dets, products, sums = [], [], [], []
    r = 0
    while len(points) < n + 1:
        m = identity + k * flint.fmpq(r)
        det = m.det()
        if det != 0:
            adjugate = m.inv() * det
            points.append(r)
            dets.append(det)
            products.append((k * adjugate).entries())
            sums.append((adjugate * ones).entries())
        r += 1
    columns = [dets]
    seen = set()
    for index in range(n * n + n):
        values = [p[index] for p in products] if index < n * n else [q[index - n * n] for q in sums]
        if t is not None:
            values = [
                v + flint.fmpq(t.numerator, t.denominator) * dd for v, dd in zip(values, dets)
            ]
        key = tuple(values)
        if key in seen or all(v == 0 for v in values):
            continue
        seen.add(key)
        columns.append(values)
    polynomials = _interpolate(points, columns)
    d, conditions = polynomials[0], polynomials[1:]
    return SSPCoefficient(
        first_failure([as_poly(c) for c in conditions], singular=[as_poly(d)]), s, tolerance
    )


def _interpolate(points: list[int], columns: list[list[Any]]) -> list[list[Any]]:
    """For each column of values, the polynomial (constant first) through (points[i],
    values[i]), exactly: one solve of the Vandermonde system for all of them."""
    import flint

    size, count = len(points), len(columns)
    matrix = flint.fmpq_mat(size, size, [flint.fmpq(p) ** j for p in points for j in range(size)])
    rhs = flint.fmpq_mat(size, count, [columns[c][i] for i in range(size) for c in range(count)])
    entries = matrix.solve(rhs).entries()
    return [entries[c::count] for c in range(count)]


# --------------------------------------------------------------------------- quadratic forms


def _m_matrix(field: Field, a: list[list[Any]], b: list[Any]) -> list[list[Any]]:
    s = len(b)
    return [[b[i] * a[i][j] + b[j] * a[j][i] - b[i] * b[j] for j in range(s)] for i in range(s)]


def _largest(field: Field, values: list[Any]) -> Value:
    if not values:
        return Value.zero_value()
    sizes = [field.size(x) for x in values]
    return abs(field.value(values[max(range(len(values)), key=sizes.__getitem__)]))


def _negligible(field: Field, x: Any, tolerance: float | None) -> bool:
    return field.is_zero(x) if tolerance is None else not field.exceeds(x, tolerance)


def symplectic(
    field: Field, a: list[list[Any]], b: list[Any], tolerance: float | None
) -> Judgement:
    """M = 0 (module docstring); size: the largest |m_ij|."""
    m = [x for row in _m_matrix(field, a, b) for x in row]
    return Judgement(
        all(_negligible(field, x, tolerance) for x in m),
        tolerance,
        quantity="max |b_i a_ij + b_j a_ji − b_i b_j|",
        size=_largest(field, m),
        exactly=all(field.is_zero(x) for x in m),
    )


def _positive_semidefinite(field: Field, m: list[list[Any]]) -> bool:
    """Exact symmetric elimination with diagonal pivoting (module docstring)."""
    m = [row[:] for row in m]
    while m:
        size = len(m)
        pivot = next((i for i in range(size) if field.sign(m[i][i]) > 0), None)
        if pivot is None:
            return all(field.is_zero(x) for row in m for x in row)
        p = m[pivot][pivot]
        rest = [i for i in range(size) if i != pivot]
        m = [[m[i][j] - field.divide(m[i][pivot] * m[pivot][j], p) for j in rest] for i in rest]
    return True


def algebraic_stability(
    field: Field, a: list[list[Any]], b: list[Any], tolerance: float | None
) -> Judgement:
    """b >= 0 and M positive semidefinite (module docstring)."""
    m = _m_matrix(field, a, b)
    exact_weights = all(field.sign(x) >= 0 for x in b)
    exact = exact_weights and _positive_semidefinite(field, m)
    if tolerance is None or exact:
        reason = ""
        if not exact:
            reason = (
                "a weight b_i < 0"
                if not exact_weights
                else "M = BA + AᵀB − bbᵀ is not positive semidefinite"
            )
        return Judgement(exact, tolerance, exactly=exact, reason=reason)
    t = Fraction(repr(tolerance))
    bound = field.rational(t.numerator, t.denominator)
    weights = all(field.sign(x + bound) >= 0 for x in b)
    shifted = [[x + (bound if i == j else field.rational(0)) for j, x in enumerate(row)]
               for i, row in enumerate(m)]  # fmt: skip
    holds = weights and _positive_semidefinite(field, shifted)
    reason = (
        ""
        if holds
        else (
            f"a weight b_i < −{tolerance_text(tolerance)}"
            if not weights
            else f"M has an eigenvalue below −{tolerance_text(tolerance)}"
        )
    )
    return Judgement(holds, tolerance, reason=reason)


# --------------------------------------------------------------------------- symmetry, FSAL


def symmetric(field: Field, a: list[list[Any]], b: list[Any], tolerance: float | None) -> Judgement:
    """Equal to its adjoint up to equivalent stages (HLW Theorem V.2.3)."""
    from .partitioned_symmetry import symmetric_by_reversal, symmetric_for

    def same(x: Any, y: Any) -> bool:
        return _negligible(field, x - y, tolerance)

    def exactly_same(x: Any, y: Any) -> bool:
        return field.is_zero(x - y)

    pair = (a, b, a, b)
    if not symmetric_by_reversal(field, pair, same) and len(b) > limits.MAX_LUMPED_STAGES:
        from .partitioned import lumping_not_tried

        return Judgement(None, tolerance, reason=lumping_not_tried())
    holds = symmetric_by_reversal(field, pair, same) or symmetric_for(
        field, pair, separable=False, same=same
    )
    exact = holds and (
        symmetric_by_reversal(field, pair, exactly_same)
        or symmetric_for(field, pair, separable=False, same=exactly_same)
    )
    return Judgement(holds, tolerance, exactly=exact)


def first_same_as_last(
    field: Field, a: list[list[Any]], b: list[Any], tolerance: float | None
) -> Judgement:
    """a_1j = 0 for every j and a_sj = b_j for every j (module docstring)."""
    first = a[0]
    last = [x - y for x, y in zip(a[-1], b)]
    values = [*first, *last]
    holds = all(_negligible(field, x, tolerance) for x in values)
    reason = ""
    if not all(_negligible(field, x, tolerance) for x in first):
        reason = "the first stage is not f(y_n) (first row of A not zero)"
    elif not holds:
        reason = "the last row of A is not b"
    return Judgement(holds, tolerance, exactly=all(field.is_zero(x) for x in values), reason=reason)


# --------------------------------------------------------------------------- error metrics


def _square_root(value: Any) -> Value:
    """√value: certified digits (flint balls), and the exact text sqrt(n)/d for a rational
    whose numerator and denominator are short enough to factor the square part cheaply."""
    import flint

    if not isinstance(value, Fraction):  # digits of an algebraic value (60 digits)
        import sympy

        return Value.of_real(sympy.sqrt(value), None, zero=value == 0)
    if value == 0:
        return Value.zero_value()
    bits = 192
    while True:
        with flint_precision(bits):
            found = Value.of_ball(
                flint.arb(flint.fmpq(value.numerator, value.denominator)).sqrt(), 20
            )
        if found is not None:
            break
        bits *= 2
    exact = None
    if max(value.numerator.bit_length(), value.denominator.bit_length()) <= 160:
        import sympy

        exact = str(sympy.sqrt(sympy.Rational(value.numerator, value.denominator)))
    return Value(found.mantissa, found.exponent, found.certain, exact)


@dataclass(frozen=True)
class ErrorMetrics:
    """Dormand–Prince figures of an embedded pair (module docstring); exact texts where the
    tableau is rational, else digits."""

    order: int
    embedded_order: int
    figures: tuple[tuple[str, Value], ...]

    def lines(self) -> list[str]:
        out = [
            f"  error-quality figures (Dormand & Prince; q = {self.order}, p = {self.embedded_order}):"
        ]
        for name, value in self.figures:
            exact = value.exact if value.exact and len(value.exact) <= 32 else ""
            digits = value.decimal(6)
            out.append(
                f"    {name} = {digits}" + (f" ({exact})" if exact and exact != digits else "")
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "embedded_order": self.embedded_order,
            **{name: value.to_json() for name, value in self.figures},
            "floats": {name: value.magnitude for name, value in self.figures},
        }


def error_metrics(
    field: Field, a: list[list[Any]], b: list[Any], b_hat: list[Any], order: int, embedded: int
) -> ErrorMetrics | None:
    """The figures for main order ``order`` and embedded order ``embedded`` (rational fields
    exactly; others from the field's certified digits), or None when Â^(p+1) = 0."""
    from .arithmetic import RationalField
    from .order import elementary_weights, residuals
    from .rooted_trees import TREES

    top = max(order + 2, embedded + 2)
    phi = elementary_weights(field, a, top)
    rational = isinstance(field, RationalField)

    def taus(weights: list[Any], q: int) -> list[Any]:
        trees = TREES.of_order(q)
        values = residuals(field, weights, phi, trees)
        if rational:  # python-flint rationals: fast on the large numbers of high orders
            return [r / TREES.sigma[t] for r, t in zip(values, trees)]
        return [field.to_sympy(r).evalf(60) / TREES.sigma[t] for r, t in zip(values, trees)]

    def square(values: list[Any]) -> Any:
        total = sum((v * v for v in values), field.rational(0) if rational else 0)
        return Fraction(int(total.p), int(total.q)) if rational else total

    main_1, main_2 = taus(b, order + 1), taus(b, order + 2)
    hat_1, hat_2 = taus(b_hat, embedded + 1), taus(b_hat, embedded + 2)
    main_p2 = taus(b, embedded + 2)
    a_hat = square(hat_1)
    if a_hat == 0:
        return None
    squares: list[tuple[str, Any]] = [
        (f"A^({order + 1})", square(main_1)),
        (f"A^({order + 2})", square(main_2)),
        (f"Â^({embedded + 1})", a_hat),
        (f"B^({embedded + 2})", square(hat_2) / a_hat),
        (f"C^({embedded + 2})", square([x - y for x, y in zip(hat_2, main_p2)]) / a_hat),
        (f"E^({embedded + 2})", square(main_p2) / a_hat),
    ]
    out = [(name, _square_root(value)) for name, value in squares]
    return ErrorMetrics(order, embedded, tuple(out))
