"""Rooted trees, the index set of Runge–Kutta order conditions (Butcher 1963; HNW II.2).

Every tree t with more than one vertex has a unique decomposition t = r ∘ u:
u is the *largest* child of the root (in a fixed total order of trees) and r is
t with that child removed, whose children are then all <= u.  Generating trees
order by order as such pairs gives each tree exactly once, and the quantities the
order conditions need follow from the pair in O(1):

    Φ(t) = Φ(r) ⊙ (A Φ(u))                 elementary weight vector
    γ(t) = γ(r) γ(u) |t| / |r|              density
    σ(t) = σ(r) σ(u) m                      symmetry; m = multiplicity of u in t

so the analysis computes one matrix-vector product per tree and one elementwise
product per tree, and never rebuilds an expression.  The table is built once per
process and grows on demand.

Trees are referred to by their index in :data:`TREES`; index 0 is the single
vertex •.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field

__all__ = ["TREES", "TreeTable", "count_trees", "level_sequences"]


@dataclass
class TreeTable:
    """All rooted trees up to :attr:`max_order`, in generation order.

    ``rest[i]`` and ``child[i]`` give the decomposition t = r ∘ u (both -1 for •);
    ``largest_child[i]`` is the index of the largest child of the root (-1 for •).
    """

    order: list[int] = field(default_factory=lambda: [1])
    rest: list[int] = field(default_factory=lambda: [-1])
    child: list[int] = field(default_factory=lambda: [-1])
    largest_child: list[int] = field(default_factory=lambda: [-1])
    multiplicity: list[int] = field(default_factory=lambda: [0])
    gamma: list[int] = field(default_factory=lambda: [1])
    sigma: list[int] = field(default_factory=lambda: [1])
    start: list[int] = field(default_factory=lambda: [0, 0, 1])
    """Trees of order n have indices ``start[n] .. start[n+1]-1``."""

    @property
    def max_order(self) -> int:
        return len(self.start) - 2

    def extend_to(self, max_order: int) -> TreeTable:
        """Generate every tree with up to ``max_order`` vertices (idempotent)."""
        for n in range(self.max_order + 1, max_order + 1):
            for m in range(1, n):  # order of the largest child u
                # the trees r of order n - m, by their largest child: those with one <= u
                # are a prefix of this list (generation order kept within equal children)
                candidates = sorted(
                    range(self.start[n - m], self.start[n - m + 1]),
                    key=self.largest_child.__getitem__,
                )
                bounds = [self.largest_child[r] for r in candidates]
                for u in range(self.start[m], self.start[m + 1]):
                    # r has order n - m and all its children are <= u
                    for r in candidates[: bisect.bisect_right(bounds, u)]:
                        same = self.largest_child[r] == u
                        multiplicity = self.multiplicity[r] + 1 if same else 1
                        self.order.append(n)
                        self.rest.append(r)
                        self.child.append(u)
                        self.largest_child.append(u)
                        self.multiplicity.append(multiplicity)
                        self.gamma.append(self.gamma[r] * self.gamma[u] * n // (n - m))
                        self.sigma.append(self.sigma[r] * self.sigma[u] * multiplicity)
            self.start.append(len(self.order))
        return self

    def of_order(self, n: int) -> range:
        """Indices of the trees with exactly ``n`` vertices."""
        self.extend_to(n)
        return range(self.start[n], self.start[n + 1])

    def up_to(self, n: int) -> range:
        """Indices of the trees with at most ``n`` vertices."""
        self.extend_to(n)
        return range(self.start[n + 1])

    def children(self, t: int) -> list[int]:
        """The children of the root, largest first (reverse for smallest first)."""
        result = []
        while t > 0:
            result.append(self.child[t])
            t = self.rest[t]
        return result

    def alpha(self, t: int) -> int:
        """Number of monotone labellings: |t|! / (σ(t) γ(t)) (HNW II.2, Def. 2.5)."""
        from math import factorial

        return factorial(self.order[t]) // (self.sigma[t] * self.gamma[t])

    def bracket(self, t: int) -> str:
        """Butcher's notation: ``τ``, ``[τ]``, ``[τ²]``, ``[[τ]τ]``..."""
        if t == 0:
            return "τ"
        parts = []
        for u, count in runs_of_equal(self.children(t)[::-1]):
            text = self.bracket(u)
            parts.append(text + (superscript(count) if count > 1 else ""))
        return "[" + "".join(parts) + "]"

    def weight(self, t: int, *, weights: str = "b") -> str:
        """The condition's left side in matrix notation, e.g. ``b·(c²⊙Ac)`` for [τ²[τ]]; leaves first."""
        inner = self._vector(t)
        return f"{weights}·{inner}" if inner != "1" else f"{weights}·1"

    def _vector(self, t: int) -> str:
        if t == 0:
            return "1"
        factors = []
        for u, count in runs_of_equal(self.children(t)[::-1]):
            if u == 0:
                text = "c"
            else:
                inner = self._vector(u)
                text = "A" + (f"({inner})" if "⊙" in inner else inner)
            if count > 1:
                text = f"({text})" if "⊙" in text or text.startswith("A") else text
                text += superscript(count)
            factors.append(text)
        return factors[0] if len(factors) == 1 else "(" + "⊙".join(factors) + ")"

    def level_sequence(self, t: int) -> tuple[int, ...]:
        """The canonical level sequence: depths in preorder, largest subtree first."""
        sequences = sorted(
            (tuple(depth + 1 for depth in self.level_sequence(u)) for u in self.children(t)),
            reverse=True,
        )
        return (0, *(depth for sequence in sequences for depth in sequence))


def runs_of_equal(children: list[int]) -> Iterator[tuple[int, int]]:
    index = 0
    while index < len(children):
        end = index
        while end < len(children) and children[end] == children[index]:
            end += 1
        yield children[index], end - index
        index = end


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def superscript(n: int) -> str:
    return str(n).translate(_SUPERSCRIPTS)


TREES = TreeTable()
"""The process-wide table; it grows as higher orders are asked for."""


def count_trees(n: int) -> int:
    """The number of rooted trees with n vertices (OEIS A000081)."""
    return len(TREES.of_order(n))


def level_sequences(n: int) -> Iterator[tuple[int, ...]]:
    """Every rooted tree with n vertices as its canonical level sequence.

    Beyer & Hedetniemi (1980), "Constant time generation of rooted trees": start
    from the path 0, 1, ..., n-1 and repeatedly take the successor.  This is an
    independent generator, used to cross-check :class:`TreeTable`.
    """
    if n < 1:
        return
    sequence = list(range(n))
    while True:
        yield tuple(sequence)
        p = max((i for i, level in enumerate(sequence) if level > 1), default=None)
        if p is None:  # the star 0, 1, 1, ..., 1 is the last tree
            return
        q = max(i for i in range(p) if sequence[i] == sequence[p] - 1)
        for i in range(p, n):
            sequence[i] = sequence[i - (p - q)]
