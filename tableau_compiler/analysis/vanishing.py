"""Whether a coefficient vanishes identically in the learnable parameters, with bounded work.

The one answer to "is Σ sign·expression zero for every value of the learnable parameters
(the other parameters at their values)?", asked by the code generator (a term it may drop),
the partitioned reverse plan (a term the inverse need not read) and the reversibility test
(β_k = 0, β_0 = 0, α_0 = 0).  It never expands: a coefficient such as (1 + k + … + k⁷)⁶⁴ is
a tree of a few nodes whose expansion has 449 terms of 4,000 bits, and a nested power
((1 + k)⁶⁴)⁶⁴ one of 4,097 terms.

Each expression is a rational function N/D of the variables (the learnable parameters, and
π, which is transcendental over the algebraic numbers and so behaves as one more variable),
with coefficients in QQ or a field of square roots.  Without expanding, the tree gives an
upper bound n_v on the degree of N and d_v on that of D in each variable v (the formal
sum a/b + c/d = (ad + bc)/(bd), product and power; :func:`degree_bound`).  Then:

* **non-zero** is shown by one point where the value is defined and non-zero: evaluated
  modulo a 62-bit prime at random residues (a rational whose residue is non-zero is not 0;
  any degree costs a few multiplications per node), or exactly at small integers;
* **zero** is shown by the combinatorial Nullstellensatz (Alon 1999, Theorem 1.2): N·D has
  degree at most n_v + d_v in v, so if it vanishes on a grid S_1 × … × S_m with
  |S_v| = n_v + d_v + 1 it is the zero polynomial.  At a grid point where the expression is
  undefined some denominator of the tree, a factor of D, is 0 there; at the others N/D = 0.
  So the expression is zero at every defined grid point exactly when N = 0.

The grid's exact evaluation is counted before it is made (:func:`evaluation_work`, in the
units of :mod:`.work`); above :data:`MAX_VANISHING_WORK` the answer is ``None``, undecided,
and callers keep the term (a kept zero term costs a multiplication, a dropped non-zero one
would be a wrong step).  A square root of a variable has no polynomial degree: undecided
too.

>>> from tableau_compiler.expression import parse_expression
>>> k = frozenset({"k"})
>>> vanishes([(1, parse_expression("(1+k)^2", k)), (-1, parse_expression("1+2*k+k^2", k))], k)
True
>>> vanishes([(1, parse_expression("(1+k)^64", k)), (-1, parse_expression("1", k))], k)
False
"""

from __future__ import annotations

import math
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..expression import Expression, Name, Node, Number, Pi, Power, Product, Sqrt, Sum, _children

__all__ = [
    "MAX_VANISHING_WORK",
    "DegreeBound",
    "degree_bound",
    "evaluation_bits",
    "evaluation_work",
    "vanishes",
]

MAX_VANISHING_WORK = 50_000_000
"""Units of work (about 16 ns each, :mod:`.work`) the exact evaluation on the grid may take:
about a second.  (1 + k + … + k⁷)⁶⁴ − ((1 + k + k² + k³)(1 + k⁴))⁶⁴, 897 points of about
10,000 bits, is about 1e6."""

PI = "π"
"""The name π takes as a variable."""

PRIMES = (4611686018427388039, 4611686018427387847, 4611686018427387817)
"""62-bit primes for the modular non-zero test."""

PROBES = 3
"""Random points per prime in the modular test."""

WORD = 64
"""Bits per word in the cost of exact evaluation."""


@dataclass(frozen=True)
class DegreeBound:
    """Upper bounds on the degrees of the numerator N and denominator D of a tree's formal
    quotient N/D in one variable (or in several, counted together: the total degree)."""

    numerator: int
    denominator: int


def degree_bound(node: Node, names: Collection[str]) -> DegreeBound:
    """Degree bounds of ``node`` in the variables ``names`` taken together (a name in it
    counts 1, π counts 1 when :data:`PI` is in ``names``), without expanding.

    Sum: a/b + c/d = (ad + bc)/(bd); product: ac/(bd), a quotient ad/(bc); x^e: a^e/b^e,
    x^(−e) = b^e/a^e; a square root of a constant: degree 0.  Raises ``ValueError`` for a
    square root of a variable (no polynomial degree).
    """
    if isinstance(node, Number):
        return DegreeBound(0, 0)
    if isinstance(node, Name):
        return DegreeBound(int(node.name in names), 0)
    if isinstance(node, Pi):
        return DegreeBound(int(PI in names), 0)
    if isinstance(node, Sqrt):
        inner = degree_bound(node.argument, names)
        if inner.numerator or inner.denominator:
            raise ValueError("a square root of a variable")
        return DegreeBound(0, 0)
    if isinstance(node, Power):
        inner = degree_bound(node.base, names)
        e = node.exponent
        if e >= 0:
            return DegreeBound(e * inner.numerator, e * inner.denominator)
        return DegreeBound(-e * inner.denominator, -e * inner.numerator)
    if isinstance(node, Sum):
        parts = [degree_bound(term, names) for _, term in node.terms]
        denominator = sum(p.denominator for p in parts)
        numerator = max(p.numerator + denominator - p.denominator for p in parts)
        return DegreeBound(numerator, denominator)
    assert isinstance(node, Product)
    numerator = denominator = 0
    for sign, factor in node.factors:
        part = degree_bound(factor, names)
        if sign > 0:
            numerator, denominator = numerator + part.numerator, denominator + part.denominator
        else:
            numerator, denominator = numerator + part.denominator, denominator + part.numerator
    return DegreeBound(numerator, denominator)


def _bits(node: Node, point_bits: int) -> int:
    """Bits of the numerator and denominator of the node's value at points of ``point_bits``
    bits (an upper bound: a/b + c/d has at most the bits of ad + bc and bd)."""
    if isinstance(node, Number):
        return node.value.numerator.bit_length() + node.value.denominator.bit_length() + 1
    if isinstance(node, (Name, Pi)):
        return point_bits + 1
    if isinstance(node, Sqrt):
        return 2 * _bits(node.argument, point_bits)
    if isinstance(node, Power):
        return abs(node.exponent) * _bits(node.base, point_bits)
    pairs = node.terms if isinstance(node, Sum) else node.factors
    return sum(_bits(child, point_bits) for _, child in pairs) + len(pairs)


def evaluation_bits(node: Node, fixed: Mapping[str, Node] | None = None) -> int:
    """An upper bound on the bits of the numbers in the node's value with the names in
    ``fixed`` replaced by their trees and the others (and π) at one-bit points: how large
    the numbers of any exact reading of the tree are, before it is read."""
    return _bits(_substituted(node, fixed or {}), 1)


def _cost(node: Node, point_bits: int) -> float:
    """Units (word multiplications, their size to the power 1.5) to evaluate the node once."""
    own = _bits(node, point_bits)
    words = max(1.0, own / WORD) ** 1.5
    if isinstance(node, Power):
        words *= max(1, abs(node.exponent).bit_length())
    return words + sum(_cost(child, point_bits) for child in _children(node))


def evaluation_work(tree: Node, variables: Sequence[str]) -> tuple[int, float]:
    """(grid points, units of work) of deciding the tree's vanishing on its grid."""
    sizes = []
    for v in variables:
        bound = degree_bound(tree, {v})
        sizes.append(bound.numerator + bound.denominator + 1)
    points = math.prod(sizes)
    point_bits = max(sizes, default=1).bit_length()
    return points, points * _cost(tree, point_bits)


def _substituted(node: Node, fixed: Mapping[str, Node]) -> Node:
    """The tree with the fixed parameters' names replaced by their values' trees."""
    if isinstance(node, Name):
        return fixed.get(node.name, node)
    if isinstance(node, Sqrt):
        return Sqrt(_substituted(node.argument, fixed))
    if isinstance(node, Power):
        return Power(_substituted(node.base, fixed), node.exponent, node.decimal_exponent)
    if isinstance(node, Sum):
        return Sum(tuple((s, _substituted(t, fixed)) for s, t in node.terms))
    if isinstance(node, Product):
        return Product(tuple((s, _substituted(f, fixed)) for s, f in node.factors))
    return node


def _has_sqrt(node: Node) -> bool:
    return isinstance(node, Sqrt) or any(_has_sqrt(child) for child in _children(node))


def _has_pi(node: Node) -> bool:
    return isinstance(node, Pi) or any(_has_pi(child) for child in _children(node))


class _Undefined(Exception):
    """A division by zero at the point."""


def _modular(node: Node, point: Mapping[str, int], p: int) -> int:
    """The node's value modulo the prime p at the point (no square roots in it)."""
    if isinstance(node, Number):
        denominator = node.value.denominator % p
        if denominator == 0:
            raise _Undefined
        return node.value.numerator * pow(denominator, -1, p) % p
    if isinstance(node, Name):
        return point[node.name]
    if isinstance(node, Pi):
        return point[PI]
    if isinstance(node, Power):
        base = _modular(node.base, point, p)
        if node.exponent < 0:
            if base == 0:
                raise _Undefined
            base = pow(base, -1, p)
        return pow(base, abs(node.exponent), p)
    if isinstance(node, Sum):
        return sum(s * _modular(t, point, p) for s, t in node.terms) % p
    assert isinstance(node, Product)
    value = 1
    for sign, factor in node.factors:
        x = _modular(factor, point, p)
        if sign < 0:
            if x == 0:
                raise _Undefined
            x = pow(x, -1, p)
        value = value * x % p
    return value


def _exact(node: Node, point: Mapping[str, int]) -> Any:
    """The node's exact value at an integer point (no square roots in it), in flint."""
    import flint

    if isinstance(node, Number):
        return flint.fmpq(node.value.numerator, node.value.denominator)
    if isinstance(node, Name):
        return flint.fmpq(point[node.name])
    if isinstance(node, Pi):
        return flint.fmpq(point[PI])
    if isinstance(node, Power):
        base = _exact(node.base, point)
        if node.exponent < 0 and base == 0:
            raise _Undefined
        return base**node.exponent
    if isinstance(node, Sum):
        total = flint.fmpq(0)
        for sign, term in node.terms:
            total = total + _exact(term, point) if sign > 0 else total - _exact(term, point)
        return total
    assert isinstance(node, Product)
    value = flint.fmpq(1)
    for sign, factor in node.factors:
        x = _exact(factor, point)
        if sign < 0:
            if x == 0:
                raise _Undefined
            value = value / x
        else:
            value = value * x
    return value


def _zero_with_roots(node: Node, point: Mapping[str, int]) -> bool | None:
    """Whether the node is zero at the point, for a tree with square roots of constants:
    in the exact field of the scheme's numbers (None where it is undefined)."""
    from ..errors import CoefficientError
    from .arithmetic import field_for

    values = {name: Number(Fraction(value), False) for name, value in point.items()}
    constant = _substituted(_pi_named(node), values)
    try:
        field, (element,) = field_for([Expression("", constant)], {})
    except CoefficientError:
        return None
    return bool(field.is_zero(element))


def _pi_named(node: Node) -> Node:
    """π as the name :data:`PI`, so that it takes values like a parameter."""
    if isinstance(node, Pi):
        return Name(PI)
    if isinstance(node, Sqrt):
        return Sqrt(_pi_named(node.argument))
    if isinstance(node, Power):
        return Power(_pi_named(node.base), node.exponent, node.decimal_exponent)
    if isinstance(node, Sum):
        return Sum(tuple((s, _pi_named(t)) for s, t in node.terms))
    if isinstance(node, Product):
        return Product(tuple((s, _pi_named(f)) for s, f in node.factors))
    return node


def _cancels(terms: Sequence[tuple[int, Node]]) -> bool:
    """Whether the terms cancel in pairs as written (x − x), whatever their size."""
    counts: dict[Node, int] = {}
    for sign, tree in terms:
        counts[tree] = counts.get(tree, 0) + sign
    return all(count == 0 for count in counts.values())


def vanishes(
    terms: Sequence[tuple[int, Expression]],
    learnable: Collection[str],
    fixed: Mapping[str, Expression] | None = None,
    *,
    limit: float = MAX_VANISHING_WORK,
) -> bool | None:
    """Whether Σ sign·expression is 0 for every value of the ``learnable`` parameters where
    it is defined, the other parameters at their values ``fixed`` (name → value).

    True or False is a proof (module docstring); None: undecided, because the grid's
    evaluation would pass ``limit`` units of work or a square root holds a variable.
    """
    if not terms or _cancels([(sign, x.tree) for sign, x in terms]):
        return True
    fixed_trees = {name: value.tree for name, value in (fixed or {}).items()}
    tree = _substituted(Sum(tuple((sign, x.tree) for sign, x in terms)), fixed_trees)
    used = set().union(*(Expression("", tree).names,))
    variables = sorted(used & set(learnable)) + ([PI] if _has_pi(tree) else [])
    roots = _has_sqrt(tree)
    try:
        for v in variables:
            degree_bound(tree, {v})
    except ValueError:
        return None
    if not roots and variables:
        rng = random.Random(len(variables))
        for p in PRIMES:
            for _ in range(PROBES):
                point = {v: rng.randrange(p) for v in variables}
                try:
                    if _modular(tree, point, p) != 0:
                        return False
                except _Undefined:
                    continue
    points, work = evaluation_work(tree, variables)
    if roots:
        work *= 1000  # each point in the field of the square roots, through sympy or flint
    if work > limit:
        return None
    sizes = [degree_bound(tree, {v}).numerator + degree_bound(tree, {v}).denominator + 1
             for v in variables]  # fmt: skip
    for index in range(points):
        point = {}
        for v, size in zip(variables, sizes):
            index, point[v] = divmod(index, size)
        if roots:
            zero = _zero_with_roots(tree, point)
            if zero is False:
                return False
            continue
        try:
            if _exact(tree, point) != 0:
                return False
        except _Undefined:
            continue
    return True
