"""The size of an order-condition computation, counted before it is made.

Deciding the conditions up to order p builds the elementary weights Φ(t) of every rooted
tree t with at most p vertices (a vector of s numbers each, one matrix product with A per
vertex) and one dot product with b per tree (HNW II.2).  The limits bound two things:

* **work**: s² × Σ_q (trees of order q) × (cost of one multiply-add at order q), in units
  of a multiply-add of small rationals in python-flint (about 16 ns on the reference
  machine);
* **memory**: s × Σ_q (trees of order q) × (bits one stored number of order q takes).

The cost of a multiply-add depends on the numbers: the entries of Φ(t) for a tree of order
q are polynomials of degree q − 1 in the entries of A, so over QQ their size grows by the
bits of one entry of D·A (D the common denominator) and log2 s per order; balls have a
fixed precision; an algebraic field of degree d multiplies d-vectors of rationals in
Python; a field with pi (or a symbol) multiplies polynomials whose degree grows with q.
The factors below were measured with ``tabc check`` on generated explicit tableaus (see
tests/test_work_limits.py) and err on the costly side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .. import limits

__all__ = [
    "FLOAT",
    "SMALL",
    "NumberSize",
    "condition_memory",
    "condition_work",
    "lumping_work",
    "number_size",
    "root_condition_work",
    "ssp_work",
    "stability_work",
]

WORD_BITS = 256
"""Numbers up to this many bits cost one unit per multiply-add; larger ones (bits/256)^1.5."""

GROWTH = 1.5
"""Multiplying n-bit integers costs about n^1.5 (GMP's Toom–Cook range; a 64-stage matrix of
400,000-bit entries took ten times the linear estimate)."""

OBJECT_BITS = 512
"""The Python object around each stored number (a flint integer or rational)."""

BALL_FACTOR = 100
"""Real balls: units per tree per stage.  The balls' cost is the elementwise products of Φ(t)
(s Python-level arb products per tree), not flint's matrix products, so it grows with the
stages, not their square (:attr:`NumberSize.quadratic` False), and slowly with the precision
(growth 0.5 in words): fitted on the nine ball rows of benchmarks/RESULTS_work.md, Gauss and
Radau IIA with 5–7 stages at tolerance 1e-40 and Curtis 10, Hairer 10, Ono 10 and 12 with
17–25 stages at 1e-84, where 20 × stages² fitted the first and over-estimated the others 7–12
times."""

BALL_GROWTH = 0.5

QUADRATIC_FACTOR = 1.5
"""QQ(√d), per stored rational (two per element): rational, not scaled-integer, products
(fitted on Verner's, Sharp's and Tsitouras' 9(8) pairs: benchmarks/RESULTS_work.md)."""

ALGEBRAIC_FACTOR = 18
"""sympy's algebraic field of degree d, per stored rational (d per element): 18·d units
(fitted on Gauss 5 in closed form and 64 stages of four square roots:
benchmarks/RESULTS_work.md)."""

SYMBOLIC_GROWTH = 2.0
"""sympy's dense polynomials over QQ multiply their rational coefficients in Python: the cost
grows with the square of their words (64 stages of pi times 60-digit rationals took 4 times
what the GMP exponent 1.5 said, where pi/(i + j + 2), one word, took what it said)."""

SYMBOLIC_FACTOR = 150
"""sympy's rings and fraction fields with pi, per stored coefficient (the degree in pi grows
with the order): 60 undercounted the clock 3 to 5 times on 64 stages of pi (explicit with
60-digit rationals, fully implicit with pi/(i+j+2)) once the limit was set from the 60 s
guarantee; 300 over-counted the fully implicit case 4.9 times once the entries' sizes counted
their common denominator (15.9 s estimated, 3.2 s measured on a quiet machine,
benchmarks/RESULTS_work.md)."""


PROBE_ORDER = 3
PROBE_WORK = 10_000_000
"""The measured growth of QQ(√d)'s numbers (:func:`_probed_growth`) costs about the work of
the conditions up to order 3; past this many units (0.16 s) the common-denominator bound is
used instead (64 stages of 60-digit rationals with coprime denominators: 43 s of probing)."""


@dataclass(frozen=True)
class NumberSize:
    """How large the numbers of the order-condition computation are."""

    factor: float = 1.0
    """Cost of one multiply-add of small numbers, relative to small flint rationals."""
    per_order: int = 0
    """Bits an entry of Φ(t) grows by per vertex of t (0: a fixed size)."""
    fixed: int = 0
    """Bits every entry has regardless of the order (ball precision, the weights b)."""
    parts: int = 1
    """Numbers stored per field element (the degree of an algebraic field, say)."""
    parts_per_order: int = 0
    """Numbers per element added per vertex (polynomials in pi grow in degree)."""
    growth: float = GROWTH
    """The exponent of the cost of a multiply-add in the numbers' words."""
    quadratic: bool = True
    """The work grows with stages² (matrix products of exact numbers); False: with the stages
    (real balls, whose cost is the per-tree elementwise products)."""

    def bits(self, order: int) -> int:
        """Bits of one number in Φ(t) for a tree with ``order`` vertices."""
        return self.fixed + max(0, order - 1) * self.per_order

    def elements(self, order: int) -> int:
        return self.parts + max(0, order - 1) * self.parts_per_order

    def unit(self, order: int) -> float:
        """The cost of one multiply-add at this order, in units."""
        words = max(1.0, self.bits(order) / WORD_BITS)
        return self.factor * self.elements(order) * words**self.growth

    def stored(self, order: int) -> int:
        """Bits one stored element of Φ(t) takes at this order."""
        return self.elements(order) * (OBJECT_BITS + self.bits(order))


FLOAT_FACTOR = 0.3
"""Decimals decided in float64 (or extended precision) with running error bounds
(:mod:`.certified`), per multiply-add, relative to the unit: numpy's products per order
(Feagin 12 in float64 and Feagin 14 in extended precision: about 0.25, benchmarks/RESULTS_work.md)."""

FLOAT = NumberSize(factor=FLOAT_FACTOR)
"""An approximate scheme's decimals in floating point (the numbers do not grow)."""

SMALL = NumberSize()
"""Small rationals: one unit per multiply-add (the measure stages² × trees)."""


SETUP_PRODUCTS = 4
"""Before the first condition, A is scaled to its common denominator, its row sums formed and
the stage order's C(q) tested: about this many matrix-vector products at order 2's size
(64 stages of 7,700-bit rationals: 17 s of scaling and 12 s of C(q) for the conditions of
order 1, which the trees alone counted at 5 s)."""


def condition_work(stages: int, order: int, size: NumberSize = SMALL) -> int:
    """Units of work to decide the conditions up to ``order`` (see the module docstring):
    stages² (stages, for balls) × (Σ trees × unit + the set-up, :data:`SETUP_PRODUCTS` × unit
    at order 2), with
    the trees counted as in :data:`limits.ROOTED_TREES` up to ``order`` + 1 vertices (the
    conditions of order p + 1 that ``info`` adds)."""
    trees = sum(
        count * size.unit(n + 1) for n, count in enumerate(limits.ROOTED_TREES[: order + 1])
    )
    per_tree = stages**2 if size.quadratic else stages
    return math.ceil(per_tree * (trees + SETUP_PRODUCTS * size.unit(2)))


def condition_memory(stages: int, order: int, size: NumberSize = SMALL) -> int:
    """Bits of the stored elementary weights up to ``order`` (+ 1, as above), and of A
    itself scaled to a common denominator (stages² entries of one order's size)."""
    matrix = stages**2 * size.stored(2) if size.per_order else 0
    return matrix + stages * sum(
        count * size.stored(n + 1) for n, count in enumerate(limits.ROOTED_TREES[: order + 1])
    )


def number_size(field: Any, a: Sequence[Sequence[Any]], others: Sequence[Any] = ()) -> NumberSize:
    """The :class:`NumberSize` of A's entries (and ``others``: b, c, b̂) in ``field``."""
    from .arithmetic import BallField, RationalField, SympyField
    from .quadratic import QuadraticField

    s = len(a)
    spread = max(1, s).bit_length()
    entries = [x for row in a for x in row]
    if isinstance(field, BallField):
        return NumberSize(factor=BALL_FACTOR, fixed=field.bits, growth=BALL_GROWTH, quadratic=False)
    if isinstance(field, RationalField):
        level, fixed = _rational_bits(entries, others, lambda x: [x])
        return NumberSize(per_order=level + spread, fixed=fixed)
    if isinstance(field, QuadraticField):
        level, fixed = _rational_bits(entries, others, lambda x: [x.a, x.b])
        bounded = NumberSize(
            factor=QUADRATIC_FACTOR,
            per_order=level + spread + field.d.bit_length(),
            fixed=fixed,
            parts=2,
        )
        if field.small or condition_work(s, PROBE_ORDER, bounded) > PROBE_WORK:
            # a small check's work is bounded by its gate; otherwise the probe itself
            # would cost more than it could save
            return bounded
        growth = _probed_growth(field, a, lambda x: [x.a, x.b])
        return NumberSize(
            factor=QUADRATIC_FACTOR,
            per_order=min(bounded.per_order, growth),
            fixed=fixed,
            parts=2,
        )
    if isinstance(field, SympyField):
        return _sympy_size(field, entries, others, spread)
    return NumberSize(factor=SYMBOLIC_FACTOR, parts=16)


def _rational_bits(entries: Sequence[Any], others: Sequence[Any], parts: Any) -> tuple[int, int]:
    """(bits of the largest entry of D·A with D, bits of the largest other number)."""
    rationals = [q for x in entries for q in parts(x)]
    # Stop once the common denominator alone passes the memory limit for A (the lcm of
    # thousands of large denominators is itself costly to form).  flint's lcm, since
    # Python's gcd is quadratic in the size, except for Fraction elements (no flint import;
    # SmallRationalField holds numbers of at most 64 bits).
    cap = limits.MAX_CONDITION_BITS // max(1, len(rationals))
    scale = 1 if all(isinstance(q, Fraction) for q in rationals) else _flint_one()
    for q in rationals:
        scale = _lcm(scale, q.denominator)
        if scale.bit_length() > cap:
            break
    rationals = [(int(q.numerator), int(q.denominator)) for q in rationals]
    # bits of p·(scale/q) without forming it: within one bit.
    scale_bits = scale.bit_length()
    level = max(
        (p.bit_length() + scale_bits - q.bit_length() + 1 for p, q in rationals if p != 0),
        default=0,
    )
    level = max(level, scale_bits)
    fixed = max((_fraction_bits(q) for x in others for q in parts(x)), default=0)
    return level, fixed


def _flint_one() -> Any:
    import flint

    return flint.fmpz(1)


def _lcm(x: Any, y: Any) -> Any:
    """lcm(x, y): Python's for two ints, flint's (subquadratic gcd) for an ``fmpz`` x."""
    return math.lcm(x, y) if isinstance(x, int) else x.lcm(y)


def _probed_growth(field: Any, a: Sequence[Sequence[Any]], parts: Any) -> int:
    """Bits a column of Φ grows by per order, measured: QQ(√d) multiplies reduced fractions
    (flint's ``fmpq_mat`` scales each product to the column's own common denominator), so the
    growth is that of A·1, A²·1, A³·1 over a common denominator each, not the common
    denominator of all of A (Verner's 9(8) pairs: about 110 bits per order, where the
    common denominator of A would say 1,100).  Costs three matrix-vector products; the
    memory check on A's common denominator has run before."""
    matrix = field.matrix(a)
    vector = [field.rational(1)] * len(a)
    sizes = []
    for _ in range(3):
        (vector,) = field.apply(matrix, [vector])
        sizes.append(_common_bits([q for x in vector for q in parts(x)]))
    return max(1, sizes[0], (sizes[2] - sizes[0] + 1) // 2)


def _common_bits(rationals: Sequence[Any]) -> int:
    """Bits of the largest numerator of ``rationals`` over their common denominator, plus
    the bits of that denominator."""
    if all(isinstance(q, Fraction) for q in rationals):  # SmallQuadraticField's parts
        scale: Any = 1
    else:
        import flint

        scale = flint.fmpz(1)
    for q in rationals:
        scale = _lcm(scale, q.denominator)
    numerator = max((abs(q.numerator * (scale // q.denominator)) for q in rationals), default=0)
    return int(numerator).bit_length() + int(scale).bit_length()


def _fraction_bits(q: Any) -> int:
    return int(q.numerator).bit_length() + int(q.denominator).bit_length()


def _sympy_size(
    field: Any, entries: Sequence[Any], others: Sequence[Any], spread: int
) -> NumberSize:
    """Algebraic fields by their degree; fields with pi or symbols by the entries' degree."""
    import sympy

    domain = field.domain
    nonzero = [x for x in [*entries, *others] if not field.is_zero(x)]
    if getattr(domain, "is_AlgebraicField", False):
        # the rational coordinates of each element in the field's power basis: converting
        # the elements to expressions first (to_sympy) expands powers of the primitive
        # element, which took minutes for four square roots
        bits = max(
            (
                int(c.numerator).bit_length() + int(c.denominator).bit_length()
                for x in nonzero
                for c in x.to_list()
            ),
            default=1,
        )
        degree = max(1, len(domain.mod.to_list()) - 1) if hasattr(domain.mod, "to_list") else 16
        return NumberSize(
            factor=ALGEBRAIC_FACTOR,
            per_order=bits + spread,
            fixed=bits,
            parts=degree,
        )
    # Every sum of Φ(t) carries the common denominator of the entries' rational parts, as
    # on the rational path (64 fully implicit stages of pi·N/D with 6-digit N, D: 40 bits
    # an entry, thousands over the common denominator; counted per entry they ran past
    # 175 s where the estimate said 20 s)
    import flint

    if all(_fraction_element(x) for x in nonzero):
        # a fraction field over ZZ (ZZ(pi), ZZ(k)): read the integer coefficients of each
        # numerator and denominator; no conversion to expressions (4,096 entries took 18 s)
        bits, degree = 1, 1
        rationals = []
        entry_set = {id(x) for x in entries}
        for x in nonzero:
            top = [int(c) for c in x.numer.coeffs()]
            bottom = [int(c) for c in x.denom.coeffs()]
            content = math.gcd(*bottom) or 1
            bits = max(bits, max(abs(c).bit_length() for c in top)
                       + max(abs(c).bit_length() for c in bottom))  # fmt: skip
            degree = max(degree, *(sum(m) for m in x.numer.monoms()),
                         *(sum(m) for m in x.denom.monoms()))  # fmt: skip
            if id(x) in entry_set:
                rationals += [flint.fmpq(c, content) for c in top]
        level, _ = _rational_bits(rationals, [], lambda x: [x])
        bits = max(bits, level)
    else:
        values = [field.to_sympy(x) for x in nonzero]
        bits = max(
            (_fraction_bits_of(r) for value in values for r in value.atoms(sympy.Rational)),
            default=1,
        )
        rationals = [
            flint.fmpq(int(r.p), int(r.q))
            for value in values[: len([x for x in entries if not field.is_zero(x)])]
            for r in value.atoms(sympy.Rational)
        ]
        level, _ = _rational_bits(rationals, [], lambda x: [x])
        bits = max(bits, level)
        generators = sorted(
            set().union(*(v.free_symbols | v.atoms(sympy.NumberSymbol) for v in values)), key=str
        )
        degree = 1
        for value in values:
            numerator, denominator = sympy.fraction(sympy.together(value))
            for part in (numerator, denominator):
                if generators:
                    try:
                        degree = max(degree, sympy.Poly(part, *generators).total_degree())
                    except sympy.PolynomialError:
                        degree = max(degree, 4)
    return NumberSize(
        factor=SYMBOLIC_FACTOR,
        per_order=bits + spread,
        fixed=bits,
        parts=degree,
        parts_per_order=degree,
        growth=SYMBOLIC_GROWTH,
    )


def _fraction_element(x: Any) -> bool:
    """An element of a fraction field over ZZ (sympy's ``FracElement``: ``numer`` and ``denom``
    are polynomials, not the methods of a ground-domain rational such as flint's ``fmpq``,
    which sympy's QQ holds when the coefficients simplify to rationals)."""
    numer, denom = getattr(x, "numer", None), getattr(x, "denom", None)
    return hasattr(numer, "coeffs") and hasattr(denom, "coeffs")


def _fraction_bits_of(r: Any) -> int:
    return int(r.p).bit_length() + int(r.q).bit_length()


# --------------------------------------------------------------------------- the properties
#
# The work of each property `tabc info` reports beside the order conditions, in the same units
# (16 ns), as pure functions of sizes; the gates compare them with limits set from the 60 s
# guarantee (tableau_compiler/limits.py), and benchmarks/bench_properties.py measures them
# against the clock (benchmarks/RESULTS_properties.md).

STABILITY_IMPLICIT_FACTOR = 8
"""R(z) of an implicit tableau: two characteristic polynomials (det(I − zA) and
det(I − zA + z1bᵀ), sympy's DomainMatrix) against the s matrix-vector products of an explicit
one."""

STABILITY_BASE = (1_000_000, 9_000_000)
"""Units every R(z) costs, explicit and implicit: sympy's polynomials, the A- and L-stability
tests and the two intervals' root isolation of small degree (fitted, benchmarks/
RESULTS_properties.md)."""

STABILITY_CUBE_UNITS = 3_000
"""Units per s³ of the sympy side (the intervals' polynomials of degree 2s and their root
isolation, the A-stability test), × parts³ of the number field for an explicit tableau (its
products run in sympy's algebraic field) and × 4·parts for an implicit one (fitted on the
calibration set: Feagin 10–14, Curtis, Hairer, Ono, the order-9 pairs over QQ(√6), Gauss and
Radau IIA in closed form and 85-digit decimals, benchmarks/RESULTS_properties.md)."""


def stability_work(stages: int, size: NumberSize, explicit: bool) -> int:
    """Units of work for R(z) with A- and L-stability and the stability intervals: a base
    (:data:`STABILITY_BASE`), the sympy side's s³ × :data:`STABILITY_CUBE_UNITS` × the field's
    parts, and s³ multiply-adds of numbers of order s + 1's size (s matrix-vector products for
    an explicit A, HNW IV.2 eq. (2.9)), × :data:`STABILITY_IMPLICIT_FACTOR` otherwise."""
    cube = stages**3
    if explicit:
        sympy_side = STABILITY_BASE[0] + cube * STABILITY_CUBE_UNITS * size.parts**3
        return math.ceil(sympy_side + cube * size.unit(stages + 1))
    sympy_side = STABILITY_BASE[1] + cube * STABILITY_CUBE_UNITS * 4 * size.parts
    return math.ceil(sympy_side + cube * size.unit(stages + 1) * STABILITY_IMPLICIT_FACTOR)


SSP_ALGEBRAIC_UNITS = 6_000
"""One operation of the SSP coefficient over sympy's algebraic field QQ<θ> (a multiply-add of
d-vectors of Python rationals inside DomainMatrix's inverse), in units: fitted on explicit
tableaus of random entries u + v√2 (benchmarks/RESULTS_properties.md)."""


def ssp_work(stages: int, degree: int, bits: int) -> int:
    """Units of work for the SSP coefficient of ``stages`` stages over a number field of
    ``degree`` (entries of at most ``bits`` per rational coordinate): s + 2 exact inverses of
    (s + 1) × (s + 1) matrices, (s + 2)(s + 1)³ operations, each on degree² products of
    coordinates of bits/16 words, × :data:`SSP_ALGEBRAIC_UNITS` (structure.ssp_coefficient)."""
    operations = (stages + 2) * (stages + 1) ** 3 * degree**2 * max(1, bits // 16)
    return math.ceil(operations * SSP_ALGEBRAIC_UNITS)


LUMPING_UNITS = 0.8
"""One step of the stage-merging refinement (an addition of two entries and a comparison) per
bit of the largest entry, in units: 4 over-estimated 64 stages five times (1.7 s estimated,
0.32 s measured), 1 Feagin 14 3.2 times (0.21 s, 0.065 s; benchmarks/RESULTS_properties.md).
The refinement stops at the first stage that has no partner, so the time of a scheme that is
not symmetric can be far below this bound."""


def lumping_work(stages: int, bits: int) -> int:
    """Units of work to decide symmetry up to merged equal stages (structure.symmetric): a
    partition refinement of s³ additions of entries of up to ``bits`` bits, ×
    :data:`LUMPING_UNITS` per bit."""
    return math.ceil(stages**3 * max(bits, 1) * LUMPING_UNITS)


ROOT_ALGEBRAIC_UNITS = 300
"""One operation of the root condition over a field with square roots (the gcds of ρ and its
mirror in sympy's algebraic field), in units (benchmarks/RESULTS_properties.md)."""


def root_condition_work(steps: int, degree: int, bits: int) -> int:
    """Units of work for the root condition of a ρ with square roots (zero_stability.
    root_condition): steps³ × field degree × bits of the largest rational coordinate ×
    :data:`ROOT_ALGEBRAIC_UNITS`."""
    return math.ceil(steps**3 * degree * max(bits, 1) * ROOT_ALGEBRAIC_UNITS)
