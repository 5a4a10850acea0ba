"""Bicoloured rooted trees, the index set of partitioned Runge–Kutta order conditions
(P-series: Hairer, Lubich & Wanner, *Geometric Numerical Integration*, §III.2.1; Hairer,
Nørsett & Wanner, *Solving ODEs I*, §II.15).

For q' = f(q, p), p' = g(q, p) every vertex is black (an f, the q-component) or white (a g,
the p-component).  As for :mod:`.rooted_trees`, every tree t with more than one vertex has a
unique decomposition t = r ∘ u (u the largest child of the root in a fixed total order, r the
rest, its children all <= u, r's root of t's colour), and

    Φ(t) = Φ(r) ⊙ (M_u Φ(u)),   M_u = A if u's root is black, Â if it is white,
    γ(t) = γ(r) γ(u) |t| / |r|,   σ(t) = σ(r) σ(u) m   (m: multiplicity of u in t).

A pair (A, b; Â, b̂) has order p for general partitioned systems exactly when
b·Φ(t) = 1/γ(t) for every tree with a black root and b̂·Φ(t) = 1/γ(t) for every tree with
a white root, |t| <= p (HLW Theorem III.2.5; HNW II.15, Theorem 15.9).

*Separable systems* (f = f(p), g = g(q)).  Then f_q = 0 and g_p = 0, so the elementary
differential of a tree with an edge between two vertices of one colour (a black vertex
with a black child carries a derivative of f in q, a white one with a white child a
derivative of g in p) vanishes for every separable system, in the exact solution's P-series
and the method's alike.  Only the *alternating* trees remain, those whose adjacent vertices
have different colours, and their elementary differentials are independent on separable
systems (HLW §III.2.1, the remark on separable problems; §III.3.2 for splitting methods), so
the order for separable systems is decided by their conditions alone.  An alternating tree
is a rooted tree with a root colour (the colours then alternate by depth): 2, 2, 4, 8, 18, …
of them with 1, 2, 3, 4, 5, … vertices, twice the rooted trees.  :func:`alternating` gives
their decomposition from :data:`~.rooted_trees.TREES`, with no bicoloured table at all.

Trees are referred to by their index in :data:`BICOLOURED`; indices 0 and 1 are the single
black vertex ● and the single white vertex ○.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rooted_trees import TREES, runs_of_equal, superscript

__all__ = [
    "BICOLOURED",
    "BLACK",
    "WHITE",
    "BicolouredTreeTable",
    "alternating_bracket",
    "alternating_weight",
    "bicoloured_counts",
    "count_bicoloured_trees",
    "nested_bicoloured_trees",
]

BLACK = 0
"""A vertex of f, the q-component (the q-tableau A, b)."""
WHITE = 1
"""A vertex of g, the p-component (the p-tableau Â, b̂)."""

_VERTEX = ("●", "○")
_MATRIX = ("A", "Â")
_LEAF = ("c", "ĉ")  # A·1 and Â·1, the row sums
_WEIGHTS = ("b", "b̂")


@dataclass
class BicolouredTreeTable:
    """All bicoloured rooted trees up to :attr:`max_order`, in generation order.

    ``colour[i]`` is the colour of the root; ``rest[i]``, ``child[i]`` the decomposition
    t = r ∘ u (-1 for a single vertex); the rest as :class:`~.rooted_trees.TreeTable`.
    """

    order: list[int] = field(default_factory=lambda: [1, 1])
    colour: list[int] = field(default_factory=lambda: [BLACK, WHITE])
    rest: list[int] = field(default_factory=lambda: [-1, -1])
    child: list[int] = field(default_factory=lambda: [-1, -1])
    largest_child: list[int] = field(default_factory=lambda: [-1, -1])
    multiplicity: list[int] = field(default_factory=lambda: [0, 0])
    gamma: list[int] = field(default_factory=lambda: [1, 1])
    sigma: list[int] = field(default_factory=lambda: [1, 1])
    alternating: list[bool] = field(default_factory=lambda: [True, True])
    """Whether adjacent vertices always differ in colour (the trees of separable systems)."""
    start: list[int] = field(default_factory=lambda: [0, 0, 2])

    @property
    def max_order(self) -> int:
        return len(self.start) - 2

    def extend_to(self, max_order: int) -> BicolouredTreeTable:
        """Generate every tree with up to ``max_order`` vertices (idempotent)."""
        for n in range(self.max_order + 1, max_order + 1):
            for m in range(1, n):  # order of the largest child u
                for u in range(self.start[m], self.start[m + 1]):
                    for r in range(self.start[n - m], self.start[n - m + 1]):
                        if self.largest_child[r] > u:
                            continue
                        same = self.largest_child[r] == u
                        multiplicity = self.multiplicity[r] + 1 if same else 1
                        self.order.append(n)
                        self.colour.append(self.colour[r])
                        self.rest.append(r)
                        self.child.append(u)
                        self.largest_child.append(u)
                        self.multiplicity.append(multiplicity)
                        self.gamma.append(self.gamma[r] * self.gamma[u] * n // (n - m))
                        self.sigma.append(self.sigma[r] * self.sigma[u] * multiplicity)
                        self.alternating.append(
                            self.alternating[r]
                            and self.alternating[u]
                            and self.colour[u] != self.colour[r]
                        )
            self.start.append(len(self.order))
        return self

    def of_order(self, n: int) -> range:
        """Indices of the trees with exactly ``n`` vertices."""
        self.extend_to(n)
        return range(self.start[n], self.start[n + 1])

    def children(self, t: int) -> list[int]:
        """The children of the root, largest first."""
        result = []
        while self.rest[t] >= 0:
            result.append(self.child[t])
            t = self.rest[t]
        return result

    def bracket(self, t: int) -> str:
        """Butcher's bracket with colours: ``●``, ``○``, ``●[○]``, ``○[●²]``, ``●[●○[●]]``…
        (● a black vertex, f and the q-tableau; ○ a white one, g and the p-tableau)."""
        children = self.children(t)[::-1]
        if not children:
            return _VERTEX[self.colour[t]]
        parts = [
            self.bracket(u) + (superscript(count) if count > 1 else "")
            for u, count in runs_of_equal(children)
        ]
        return _VERTEX[self.colour[t]] + "[" + "".join(parts) + "]"

    def weight(self, t: int) -> str:
        """The condition's left side: ``b·(c⊙Âĉ)`` (b for a black root, b̂ for a white one;
        c = A·1 and ĉ = Â·1 the row sums)."""
        return f"{_WEIGHTS[self.colour[t]]}·{self._vector(t)}"

    def _vector(self, t: int) -> str:
        children = self.children(t)[::-1]
        if not children:
            return "1"
        factors = []
        for u, count in runs_of_equal(children):
            colour = self.colour[u]
            if self.rest[u] < 0:
                text = _LEAF[colour]
            else:
                inner = self._vector(u)
                text = _MATRIX[colour] + (f"({inner})" if "⊙" in inner else inner)
            if count > 1:
                text = f"({text})" if "⊙" in text or text[0] in "AÂ" else text
                text += superscript(count)
            factors.append(text)
        return factors[0] if len(factors) == 1 else "(" + "⊙".join(factors) + ")"

    def nested(self, t: int) -> tuple:
        """The tree as (colour, sorted children), for comparison with an independent count."""
        return (self.colour[t], tuple(sorted(self.nested(u) for u in self.children(t))))


BICOLOURED = BicolouredTreeTable()
"""The process-wide table; it grows as higher orders are asked for."""


def count_bicoloured_trees(n: int) -> int:
    """The number of bicoloured rooted trees with n vertices: 2, 4, 14, 52, 214, …
    (twice OEIS A000151's count of rooted trees with 2-coloured vertices up to the root
    colour, read from the generated table)."""
    return len(BICOLOURED.of_order(n))


def bicoloured_counts(n: int) -> list[int]:
    """The counts for 1..n vertices without generating the trees (for sizing the work):
    the generating function T(x) = 2x·exp(Σ_k T(x^k)/k) of rooted trees whose vertices have
    one of two colours, by the recurrence (n−1)·a(n) = Σ_{k=1}^{n−1} c(k)·a(n−k) with
    c(k) = Σ_{d | k} d·a(d) and a(1) = 2 (Harary & Palmer, Graphical Enumeration, §3.1)."""
    a = [0, 2]
    for size in range(2, n + 1):
        total = 0
        for k in range(1, size):
            c = sum(d * a[d] for d in range(1, k + 1) if k % d == 0)
            total += c * a[size - k]
        a.append(total // (size - 1))
    return a[1 : n + 1]


def nested_bicoloured_trees(n: int) -> set[tuple]:
    """Every bicoloured tree with n vertices as a nested (colour, sorted children) tuple,
    by brute force over multisets of subtrees: an independent generator for the tests."""
    from functools import cache
    from itertools import combinations_with_replacement

    @cache
    def trees(size: int) -> frozenset:
        if size == 1:
            return frozenset({(BLACK, ()), (WHITE, ())})
        found = set()
        for colour in (BLACK, WHITE):
            for children in forests(size - 1):
                found.add((colour, children))
        return frozenset(found)

    @cache
    def forests(size: int, largest: int | None = None) -> frozenset:
        """Sorted tuples of trees with ``size`` vertices in all, each of at most ``largest``."""
        if size == 0:
            return frozenset({()})
        largest = size if largest is None else largest
        found = set()
        for first in range(1, min(size, largest) + 1):
            for count in range(1, size // first + 1):
                for group in combinations_with_replacement(sorted(trees(first)), count):
                    for others in forests(size - first * count, first - 1):
                        found.add(tuple(sorted(group + others)))
        return frozenset(found)

    return set(trees(n))


def alternating_bracket(t: int, colour: int) -> str:
    """The alternating tree of rooted tree ``t`` (index in :data:`TREES`) with the given root
    colour, in the bracket notation of :meth:`BicolouredTreeTable.bracket`."""
    children = TREES.children(t)[::-1]
    if not children:
        return _VERTEX[colour]
    parts = [
        alternating_bracket(u, 1 - colour) + (superscript(count) if count > 1 else "")
        for u, count in runs_of_equal(children)
    ]
    return _VERTEX[colour] + "[" + "".join(parts) + "]"


def alternating_weight(t: int, colour: int) -> str:
    """The condition's left side for that alternating tree (as :meth:`~BicolouredTreeTable.weight`)."""
    return f"{_WEIGHTS[colour]}·{_alternating_vector(t, colour)}"


def _alternating_vector(t: int, colour: int) -> str:
    children = TREES.children(t)[::-1]
    if not children:
        return "1"
    child_colour = 1 - colour
    factors = []
    for u, count in runs_of_equal(children):
        if u == 0:
            text = _LEAF[child_colour]
        else:
            inner = _alternating_vector(u, child_colour)
            text = _MATRIX[child_colour] + (f"({inner})" if "⊙" in inner else inner)
        if count > 1:
            text = f"({text})" if "⊙" in text or text[0] in "AÂ" else text
            text += superscript(count)
        factors.append(text)
    return factors[0] if len(factors) == 1 else "(" + "⊙".join(factors) + ")"
