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
  (:func:`~.algebraic.first_failure`).  Computed for rational tableaus (python-flint) and
  for tableaus with radicals (sympy's algebraic number fields QQ<θ>, bounded by
  :data:`~tableau_compiler.limits.MAX_SSP_ALGEBRAIC_WORK`).  To tolerance t the crossing
  must not be an artefact of t (entries >= −t would give 2t for RK4, whose coefficient is
  0): a coefficient of N_k that lies within t of 0 is taken as 0
  (:func:`~.algebraic.neglect_within_tolerance`; for an explicit tableau relative to the
  size of its products, the same powers of |K|), and the report names the powers so
  neglected and what the written values alone give when it differs.
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
from .values import EXACT_TEXT_LIMIT, Judgement, Value, finite, tolerance_digits, tolerance_text

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
    neglected: tuple[int, ...] = ()
    """Powers of r whose coefficients, in some condition, were within the tolerance of 0
    and taken as 0 (approximate schemes; module docstring)."""
    written: Any = None
    """The crossing of the written values alone, when it differs in the digits the
    tolerance supports."""
    theorem: str = ""
    """Why the value follows from the order alone, when it does (no computation made)."""

    @property
    def value(self) -> float:
        return math.nan if self.crossing is None else float(self.crossing)

    def _shown(self, crossing: Any) -> str:
        """The number: exactly for an exact scheme, the digits the tolerance supports for
        an approximate one."""
        if crossing.unbounded:
            return "∞"
        if crossing.zero:
            return "0"
        at = crossing.at
        if self.tolerance is not None:
            return at.value(exact=False).decimal(tolerance_digits(self.tolerance))
        digits = at.value(exact=False).decimal(10)
        if at.degree <= 2 and not at.unprintable:
            exact = at.text()
            if at.degree == 1 and len(exact) <= EXACT_TEXT_LIMIT:
                return exact
            if at.degree == 2 and len(exact) <= 40:
                return f"{exact} ≈ {digits}"
        if at.degree == 1 or at.unprintable:
            return f"{digits} (exactly in --format json)"
        return f"{digits} (a root of a polynomial of degree {at.degree})"

    def words(self) -> str:
        if self.crossing is None:
            return f"not computed ({self.reason})"
        if self.crossing.unbounded:
            text = "∞ (absolutely monotonic on the whole negative real axis)"
        else:
            text = self._shown(self.crossing)
        if not self.crossing.zero and not self.crossing.unbounded:
            effective = self.crossing.at.value(exact=False)
            eff = Value.of_fraction(
                Fraction(effective.mantissa) * Fraction(10) ** effective.exponent / self.stages
            ).decimal(6)
            text += f"; effective r/s = {eff}"
        note = self.tolerance_note() or self.theorem
        if note:
            text += f" ({note})"
        return text

    def tolerance_note(self) -> str:
        if self.tolerance is None or not self.neglected:
            return ""
        powers = ", ".join(
            "r^0" if k == 0 else ("r" if k == 1 else f"r^{k}") for k in self.neglected
        )
        note = (
            f"to tolerance {tolerance_text(self.tolerance)}: coefficients of {powers} in the "
            "conditions that are within the tolerance of 0 are taken as 0"
        )
        if self.written is not None:
            note += f"; the written values alone give {self._shown(self.written)}"
        return note

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
        data["float"] = finite(float(self.crossing))
        if self.theorem:
            data["theorem"] = self.theorem
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
            data["shown"] = self._shown(self.crossing)
            data["neglected_powers"] = list(self.neglected)
            data["depends_on_tolerance"] = self.written is not None
            if self.written is not None:
                data["written_value"] = (
                    None if self.written.unbounded
                    else ("0" if self.written.zero else self.written.at.text())
                )  # fmt: skip
                data["written_float"] = finite(float(self.written))
        return data


def ssp_coefficient(
    a: list[list[Any]], b: list[Any], tolerance: float | None = None, domain: Any = None
) -> SSPCoefficient:
    """The radius of absolute monotonicity (module docstring) of a tableau with rational
    entries (Fractions; ``domain`` None) or with entries in a sympy ``domain``: QQ or an
    algebraic number field QQ<θ> (radicals)."""
    s = len(b)
    if s > limits.MAX_SSP_STAGES:
        return SSPCoefficient(None, s, tolerance,
                              f"{s} stages, above the limit of {limits.MAX_SSP_STAGES}")  # fmt: skip
    if domain is not None and not (domain.is_QQ or domain.is_AlgebraicField):
        return SSPCoefficient(
            None, s, tolerance, f"entries in {domain}: the coefficient is not an algebraic number"
        )
    if domain is not None and not domain.is_QQ:
        degree = len(domain.mod.to_list()) - 1
        bits = max(
            (
                int(c.numerator).bit_length() + int(c.denominator).bit_length()
                for x in [*(v for row in a for v in row), *b]
                for c in x.to_list()
            ),
            default=1,
        )
        from .work import ssp_work

        work = ssp_work(s, degree, bits)
        if work > limits.MAX_SSP_ALGEBRAIC_WORK:
            return SSPCoefficient(
                None, s, tolerance,
                f"(s + 2)(s + 1)³ × degree² × bits/16 operations in {domain}: {work:.2g} "
                f"units of work, above the limit of {limits.MAX_SSP_ALGEBRAIC_WORK:.2g}",
            )  # fmt: skip
    if domain is None:
        work = ssp_rational_work(a, b)
        if work > limits.MAX_SSP_RATIONAL_WORK:
            return SSPCoefficient(
                None, s, tolerance,
                f"{work:.2g} units of 16 ns ({SSP_RATIONAL_BASE:.2g} + {SSP_RATIONAL_UNITS} × "
                f"(s + 2)(s + 1)³ × ((s + 1)·bits/64)^1.5, its exact inverses), above the "
                f"limit of {limits.MAX_SSP_RATIONAL_WORK:.2g}",
            )  # fmt: skip
        conditions, scales, singular = _ssp_rational(a, b)
    else:
        conditions, scales, singular = _ssp_algebraic(a, b, domain)
    from .algebraic import first_failure, neglect_within_tolerance

    written = first_failure(conditions, singular=singular)
    if tolerance is None:
        return SSPCoefficient(written, s, tolerance)
    cleaned, neglected = [], set()
    for condition, scale in zip(conditions, scales):
        kept, powers = neglect_within_tolerance(condition, tolerance, scale)
        cleaned.append(kept)
        neglected.update(powers)
    if not neglected:
        return SSPCoefficient(written, s, tolerance)
    crossing = first_failure(cleaned, singular=singular)
    result = SSPCoefficient(crossing, s, tolerance, neglected=tuple(sorted(neglected)))
    if result._shown(crossing) != result._shown(written):
        result = SSPCoefficient(crossing, s, tolerance, neglected=result.neglected, written=written)
    return result


def ssp_rational_work(a: list[list[Fraction]], b: list[Fraction]) -> float:
    """The work of :func:`_ssp_rational`, before it is done (see
    :data:`~tableau_compiler.limits.MAX_SSP_RATIONAL_WORK`)."""
    import flint

    from .work import _rational_bits

    numbers = [flint.fmpq(x.numerator, x.denominator) for x in [*(v for row in a for v in row), *b]]
    level, _ = _rational_bits(numbers, [], lambda x: [x])
    n = len(b) + 1
    return SSP_RATIONAL_BASE + SSP_RATIONAL_UNITS * (n + 1) * n**3 * max(1.0, n * level / 64) ** 1.5


SSP_RATIONAL_BASE = 3_000_000
"""Units every rational SSP coefficient costs beyond its inverses: the interpolation of the
conditions and sympy's root isolation (SSPRK(10,4): 55 ms where the inverses' count said
0.8 ms, benchmarks/RESULTS_properties.md)."""


SSP_RATIONAL_UNITS = 3
"""Units of 16 ns per operation of :func:`ssp_rational_work`'s count, (s + 2)(s + 1)³ ×
((s + 1)·bits/64)^1.5 (about 4.5e-8 s each, measured beside the test suite, see
:data:`~tableau_compiler.limits.MAX_SSP_RATIONAL_WORK`)."""


def _ssp_rational(a: list[list[Fraction]], b: list[Fraction]) -> tuple[list, list, list]:
    """The conditions N_k(r) >= 0 (with the sizes of their coefficients' products, explicit
    tableaus only) and the polynomial d(r) that must not vanish, for rational entries:
    python-flint's exact matrices."""
    import flint
    from sympy import QQ

    from .algebraic import Polynomial

    s = len(b)
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

    def as_poly(cs: Any) -> Polynomial:
        return Polynomial([QQ(int(c.p), int(c.q)) for c in cs], QQ)

    if all(a[i][j] == 0 for i in range(s) for j in range(i, s)):
        # explicit: K is nilpotent, (I + rK)⁻¹ = Σ_k (−r)^k K^k and d = 1; the sizes of the
        # products in each coefficient are the same powers of |K|
        absolute = flint.fmpq_mat(n, n, [abs(x) for x in entries])
        powers, sizes = [identity], [identity]
        for _ in range(n):
            powers.append(powers[-1] * k)
            sizes.append(sizes[-1] * absolute)
        found: dict[tuple, tuple] = {}
        for index in range(n * n + n):
            if index < n * n:
                values = tuple((-1) ** e * powers[e + 1].entries()[index] for e in range(n))
                scale = tuple(sizes[e + 1].entries()[index] for e in range(n))
            else:
                values = tuple(
                    (-1) ** e * (powers[e] * ones).entries()[index - n * n] for e in range(n)
                )
                scale = tuple((sizes[e] * ones).entries()[index - n * n] for e in range(n))
            if any(v != 0 for v in values):
                found.setdefault(values, scale)
        conditions = [as_poly(c) for c in found]
        return conditions, [as_poly(c) for c in found.values()], []
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
        key = tuple(values)
        if key in seen or all(v == 0 for v in values):
            continue
        seen.add(key)
        columns.append(values)
    polynomials = _interpolate(points, columns)
    d, conditions = polynomials[0], polynomials[1:]
    return [as_poly(c) for c in conditions], [None] * len(conditions), [as_poly(d)]


def _ssp_algebraic(a: list[list[Any]], b: list[Any], domain: Any) -> tuple[list, list, list]:
    """As :func:`_ssp_rational`, for entries in a sympy algebraic number field: sympy's
    domain matrices, then the same interpolation (a rational Vandermonde inverse)."""
    import flint
    from sympy.polys.matrices import DomainMatrix

    from .algebraic import Polynomial, _sign

    s = len(b)
    n = s + 1
    zero = domain.zero
    rows = [[*a[i], zero] for i in range(s)] + [[*b, zero]]
    k = DomainMatrix(rows, (n, n), domain)
    identity = DomainMatrix.eye(n, domain)
    ones = DomainMatrix([[domain.one] for _ in range(n)], (n, 1), domain)

    def flat(matrix: Any) -> list[Any]:
        return [x for row in matrix.to_list() for x in row]

    if all(domain.is_zero(a[i][j]) for i in range(s) for j in range(i, s)):
        absolute = DomainMatrix(
            [[x if _sign(domain, x) >= 0 else -x for x in row] for row in rows], (n, n), domain
        )
        powers, sizes = [identity], [identity]
        for _ in range(n):
            powers.append(powers[-1] * k)
            sizes.append(sizes[-1] * absolute)
        power_entries = [flat(p) for p in powers]
        size_entries = [flat(p) for p in sizes]
        power_sums = [flat(p * ones) for p in powers]
        size_sums = [flat(p * ones) for p in sizes]
        conditions, scales, seen = [], [], []
        for index in range(n * n + n):
            if index < n * n:
                values = [power_entries[e + 1][index] * (-1) ** e for e in range(n)]
                scale = [size_entries[e + 1][index] for e in range(n)]
            else:
                values = [power_sums[e][index - n * n] * (-1) ** e for e in range(n)]
                scale = [size_sums[e][index - n * n] for e in range(n)]
            if all(domain.is_zero(v) for v in values) or values in seen:
                continue
            seen.append(values)
            conditions.append(Polynomial(values, domain))
            scales.append(Polynomial(scale, domain))
        return conditions, scales, []
    points, columns_by_point = [], []
    r = 0
    while len(points) < n + 1:
        m = identity + k * domain.convert(r)
        det = m.det()
        if not domain.is_zero(det):
            adjugate = m.inv() * det
            points.append(r)
            columns_by_point.append([det, *flat(k * adjugate), *flat(adjugate * ones)])
        r += 1
    size = len(points)
    vandermonde = flint.fmpq_mat(
        size, size, [flint.fmpq(p) ** j for p in points for j in range(size)]
    )
    inverse = vandermonde.inv()
    weights = [
        [domain.convert(int(x.p)) / domain.convert(int(x.q)) for x in inverse.entries()[j * size : (j + 1) * size]]
        for j in range(size)
    ]  # fmt: skip
    polynomials, seen = [], []
    for index in range(len(columns_by_point[0])):
        values = [column[index] for column in columns_by_point]
        if index > 0 and (all(domain.is_zero(v) for v in values) or values in seen):
            continue
        seen.append(values)
        coefficients = [sum((w * v for w, v in zip(row, values)), zero) for row in weights]
        polynomials.append(Polynomial(coefficients, domain))
    d, conditions = polynomials[0], polynomials[1:]
    return conditions, [None] * len(conditions), [d]


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
    if not symmetric_by_reversal(field, pair, same) and _lumping_over_limit(field, a, b):
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


def _lumping_over_limit(field: Field, a: list[list[Any]], b: list[Any]) -> bool:
    """Whether merging equal stages would cost more than the limits allow: stages³ ×
    the bits of the largest entry (the refinement's additions) above
    :data:`~tableau_compiler.limits.MAX_LUMPED_WORK` for rationals and QQ(√d), whose sizes
    are known; the stage limit :data:`~tableau_compiler.limits.MAX_LUMPED_STAGES` for
    other fields."""
    s = len(b)
    if s <= limits.MAX_LUMPED_STAGES:
        return False
    parts = []
    for x in [*b, *(y for row in a for y in row)]:
        if hasattr(x, "p") and hasattr(x, "q"):  # python-flint rationals
            parts.append(x)
        elif hasattr(x, "a") and hasattr(x, "b") and hasattr(x, "d"):  # QQ(√d)
            parts += [x.a, x.b]
        else:
            return True
    from .work import lumping_work

    bits = max(max(int(x.p).bit_length(), int(x.q).bit_length()) for x in parts)
    return lumping_work(s, bits) > limits.MAX_LUMPED_WORK


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
