"""The analysis of a partitioned Runge–Kutta pair (HLW GNI §II.2, §III.2, §V.2, §VI.4).

With (A, b) the q-tableau (advancing q from f) and (Â, b̂) the p-tableau (advancing p from g):

* **order** (general partitioned systems q' = f(q, p), p' = g(q, p)): b·Φ(t) = 1/γ(t) for
  every bicoloured tree with a black root and b̂·Φ(t) = 1/γ(t) for every one with a white
  root, |t| <= p (HLW Theorem III.2.5; :mod:`.bicoloured_trees`);
* **separable order** (f = f(p), g = g(q)): the same conditions over the alternating trees
  only (adjacent vertices of different colours), the only ones whose elementary differentials
  do not vanish on separable systems; it is always at least the order;
* **symplectic for separable systems**: b_i â_ij + b̂_j a_ji = b_i b̂_j for all i, j;
  **symplectic** (for general partitioned Hamiltonian systems): that and b_i = b̂_i for all i
  (HLW Theorem VI.4.6: the two conditions imply symplecticity, and for a separable
  Hamiltonian H = T(p) + U(q) the first alone does; Abia & Sanz-Serna 1993, Sun Geng 1993);
* **symmetric** (for general and, separately, for separable systems): the pair equals its
  adjoint, the pair of the adjoint tableaus a*_ij = b_{s+1−j} − a_{s+1−i,s+1−j},
  b*_i = b_{s+1−i} (HLW Theorem V.2.3, §V.2.2): by the stage-reversal criterion, else up to
  equivalent stages (:mod:`.partitioned_symmetry`), which also sees the symmetry of a splitting
  method padded with a zero-weight stage; the report says which;
* **explicit** for separable and for general systems: :mod:`.partitioned_structure`.

An exact pair has every property decided exactly; an approximate one (a decimal anywhere,
or ``tolerance``) has every residual and every property judged against its tolerance on the
exact rationals its decimals denote, with certified decimals in the report, as for
Runge–Kutta tableaus.  A pair with parameters is judged at the parameter values (learnable
ones at their initial values).  The explicitness is the written structure, not judged to
the tolerance (it is the computation the generated step makes).

Work and memory are bounded before the work starts (:data:`~tableau_compiler.limits.MAX_PAIR_WORK`,
:data:`~tableau_compiler.limits.MAX_CONDITION_BITS`, with the cost of a multiply-add from
:mod:`.work`): the general conditions cost s² per bicoloured tree (2, 4, 14, 52, 214, …
per order), the separable ones s² per alternating tree (twice a Runge–Kutta tableau's);
conditions are decided up to the highest order that fits, and a claim above it fails with
the order verified and why the rest was not decided.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import limits
from ..errors import CoefficientError, LimitError
from ..scheme import PartitionedTableau
from .arithmetic import Field, field_for
from .bicoloured_trees import (
    BICOLOURED,
    BLACK,
    WHITE,
    alternating_bracket,
    alternating_weight,
    bicoloured_counts,
)
from .order import LevelResiduals, achieved_order
from .partitioned_structure import PartitionedStructure, partitioned_structure
from .rooted_trees import TREES
from .values import Finding, FindingsReport, Judgement, Value, shown, shown_size, tolerance_text
from .work import NumberSize, number_size

__all__ = ["PartitionedAnalysis", "PartitionedLevel", "analyse_partitioned"]

Vector = list[Any]


@dataclass(frozen=True)
class PartitionedLevel(LevelResiduals):
    """The conditions of one order: how many, how many fail, the worst one and its residual."""

    order: int
    count: int
    failed: int
    worst_bracket: str
    """The tree with the largest residual, e.g. ``●[○]`` (● black: f, q; ○ white: g, p)."""
    worst_weight: str
    """Its condition's left side, e.g. ``b·ĉ``."""
    worst_gamma: int
    worst_colour: int
    """The colour of its root: BLACK (the condition is on b) or WHITE (on b̂)."""
    worst: Value

    @property
    def worst_condition(self) -> str:
        """``b·ĉ = 1/2 (tree ●[○])``."""
        right = "1" if self.worst_gamma == 1 else f"1/{self.worst_gamma}"
        return f"{self.worst_weight} = {right} (tree {self.worst_bracket})"


@dataclass(frozen=True)
class PartitionedAnalysis(FindingsReport):
    """What ``tabc check`` and ``tabc info`` report about one partitioned pair."""

    scheme: PartitionedTableau
    domain: str
    tolerance: float | None
    levels: tuple[PartitionedLevel, ...]
    """Conditions over all bicoloured trees, order 1 up to what was checked."""
    order: int
    """The order achieved for general partitioned systems (up to the checked depth)."""
    separable_levels: tuple[PartitionedLevel, ...]
    """Conditions over the alternating trees, order 1 up to what was checked."""
    separable_order: int
    """The order achieved for separable systems (up to the checked depth)."""
    symplectic_separable: Judgement
    """b_i â_ij + b̂_j a_ji = b_i b̂_j for all i, j (symplectic for separable systems)."""
    equal_weights: Judgement
    """b_i = b̂_i for all i (with the above: symplectic for general systems)."""
    symmetric_judgement: Judgement
    """Equal to its adjoint for general partitioned systems (see :mod:`.partitioned_symmetry`)."""
    symmetric_separable: Judgement
    """Equal to its adjoint for separable systems."""
    structure: PartitionedStructure
    at_parameter_values: bool = False
    """The scheme has parameters: everything above is judged at their values."""
    warnings: tuple[str, ...] = ()
    warning_keys: tuple[tuple[str | int, ...], ...] = ()
    undecided: str = ""
    separable_undecided: str = ""

    @property
    def symplectic(self) -> bool:
        """Symplectic for general partitioned (Hamiltonian) systems (HLW Theorem VI.4.6)."""
        return bool(self.symplectic_separable.holds and self.equal_weights.holds)

    @property
    def symplectic_for_separable(self) -> bool:
        return bool(self.symplectic_separable.holds)

    @property
    def symmetric(self) -> bool:
        """Symmetric (time-reversible) for general partitioned systems."""
        return bool(self.symmetric_judgement.holds)

    @property
    def symmetric_for_separable(self) -> bool:
        return bool(self.symmetric_separable.holds)

    @property
    def explicit_for_separable(self) -> bool:
        return self.structure.explicit_for_separable

    @property
    def explicit(self) -> bool:
        return self.structure.explicit

    @property
    def checked_order(self) -> int:
        return len(self.levels)

    @property
    def findings(self) -> list[Finding]:
        reasons = []
        scheme = self.scheme
        claims = [("order", scheme.order, self.order, self.levels, self.undecided)]
        if scheme.separable_order is not None:
            claims.append(
                (
                    "separable order",
                    scheme.separable_order,
                    self.separable_order,
                    self.separable_levels,
                    self.separable_undecided,
                )
            )
        for what, claimed, reached, levels, undecided in claims:
            if reached >= claimed:
                continue
            key = ("order",) if what == "order" else ("separable_order",)
            if reached < len(levels):
                level = levels[reached]
                if level.order == 1:
                    key = ("tableau", "q" if level.worst_colour == BLACK else "p", "b")
                reasons.append(
                    Finding(_level_failure(what, reached, claimed, level, self.tolerance), key)
                )
            else:
                reasons.append(
                    Finding(
                        f"{what} >= {reached} verified; {what} {reached + 1} not decided: "
                        f"{undecided}",
                        key,
                    )
                )
        return reasons


def _level_failure(
    what: str, reached: int, claimed: int, level: PartitionedLevel, tolerance: float | None
) -> str:
    against = (
        "not zero" if tolerance is None else f"above the tolerance {tolerance_text(tolerance)}"
    )
    plural = "s" * (level.count != 1)
    return (
        f"{what} {reached}, claimed {claimed}: {level.failed} of {level.count} condition{plural} "
        f"of order {level.order} fail; worst {level.worst_condition} misses by "
        f"{shown(level.worst, tolerance)} (|residual| {shown_size(level.worst, tolerance)}, "
        f"{against})"
    )


# --------------------------------------------------------------------------- conversion


def _flat(scheme: PartitionedTableau) -> list[tuple[tuple, Any]]:
    from ..parsing import keyed_coefficients

    return list(keyed_coefficients(scheme))


def convert_pair(
    scheme: PartitionedTableau,
) -> tuple[Field, list[list[Any]], list[Any], list[list[Any]], list[Any], dict]:
    """A, b, Â, b̂ (and the written c, ĉ by key) as elements of one exact field, at the
    parameter values (the machinery of :func:`.runge_kutta.convert_tableau`, both tableaus
    in one field)."""
    keyed = _flat(scheme)
    values = {parameter.name: parameter.value for parameter in scheme.parameters}
    try:
        field_, elements = field_for([x for _, x in keyed], values)
    except CoefficientError as error:
        key = error.key
        if key and isinstance(key[0], int) and key[0] < len(keyed):
            key = keyed[key[0]][0]
        raise CoefficientError(error.message, key=key) from None
    by_key = {key: x for (key, _), x in zip(keyed, elements)}
    s = scheme.stages

    def matrix(part: str) -> list[list[Any]]:
        return [[by_key[("tableau", part, "a", i, j)] for j in range(s)] for i in range(s)]

    def weights(part: str) -> list[Any]:
        return [by_key[("tableau", part, "b", i)] for i in range(s)]

    return field_, matrix("q"), weights("q"), matrix("p"), weights("p"), by_key


# --------------------------------------------------------------------------- work


def _tree_counts(general: bool, depth: int) -> list[int]:
    """Trees of each order 1..depth: bicoloured, or alternating (twice the rooted trees)."""
    if general:
        return bicoloured_counts(depth)
    return [2 * limits.ROOTED_TREES[n - 1] for n in range(1, depth + 1)]


TREE_UNITS = 2000
"""Work per tree besides the s² multiply-adds: generating the tree, its Python vectors and the
judgement of its residual (measured: 3.9 s for the 114,000 trees up to order 9 of a one-stage
pair, about 34 µs or 2,100 units of 16 ns per tree)."""


SYMBOLIC_FACTOR = 12
"""How much more a multiply-add over QQ(pi) costs in the pair's conditions than the unit of
:mod:`.work` says (sympy's rational functions in pi cancel a gcd at every addition): 1,800
units per coefficient with :mod:`.work`'s 150; 360 (from 24 stages of pi times 60-digit
rationals) under-estimated the 64-stage pair of pi five times (7 s estimated, 55 s measured
under load, benchmarks/RESULTS_properties.md)."""


def condition_work(stages: int, depth: int, size: NumberSize, *, general: bool) -> int:
    """Units of work for the conditions of orders 1..depth: trees × (s² × unit + the Python
    work per tree, :data:`TREE_UNITS`) (see :mod:`.work`), the unit times
    :data:`SYMBOLIC_FACTOR` over QQ(pi)."""
    counts = _tree_counts(general, depth)
    factor = SYMBOLIC_FACTOR if size.parts_per_order > 0 else 1
    return math.ceil(
        sum(
            c * ((stages**2 if size.quadratic else stages) * size.unit(n) * factor + TREE_UNITS)
            for n, c in enumerate(counts, start=1)
        )
    )


def condition_memory(stages: int, depth: int, size: NumberSize, *, general: bool) -> int:
    """Bits of the stored Φ(t) and M·Φ(t) for the orders 1..depth (two vectors per tree)."""
    counts = _tree_counts(general, depth)
    return 2 * stages * sum(c * size.stored(n) for n, c in enumerate(counts, start=1))


def _fits(stages: int, depth: int, size: NumberSize, general: bool, spent: int) -> bool:
    return (
        condition_work(stages, depth, size, general=general) + spent <= limits.MAX_PAIR_WORK
        and condition_memory(stages, depth, size, general=general) <= limits.MAX_CONDITION_BITS
    )


def decidable_depth(
    stages: int, wanted: int, size: NumberSize, *, general: bool, spent: int = 0
) -> int:
    """The highest order <= ``wanted`` whose conditions fit the work and memory limits, after
    ``spent`` units already given to the other set of conditions (the general and the
    separable conditions of one pair share one budget)."""
    depth = wanted
    while depth > 0 and not _fits(stages, depth, size, general, spent):
        depth -= 1
    return depth


def _undecided_reason(
    stages: int, depth: int, size: NumberSize, general: bool, spent: int = 0
) -> str:
    trees = "bicoloured trees" if general else "alternating trees"
    work = condition_work(stages, depth, size, general=general)
    if work + spent > limits.MAX_PAIR_WORK:
        shared = f", with the {spent:.2g} units the general conditions took, " if spent else ", "
        return (
            f"{stages} stages at order {depth} mean {work:.2g} units of order-condition work "
            f"({trees} × (stages² × cost of the numbers + {TREE_UNITS} per tree)){shared}above "
            f"the limit of {limits.MAX_PAIR_WORK:.2g}"
        )
    memory = condition_memory(stages, depth, size, general=general)
    return (
        f"{stages} stages at order {depth} mean {memory:.2g} bits of elementary weights "
        f"(stages × {trees} × number size), above the limit of {limits.MAX_CONDITION_BITS:.2g}"
    )


# --------------------------------------------------------------------------- conditions


def _judge_level(
    field_: Field,
    order: int,
    residuals: Sequence[Any],
    describe: Callable[[int], tuple[str, str, int, int]],
    tolerance: float | None,
) -> PartitionedLevel:
    """``describe(k)``: (bracket, weight, γ, root colour) of the k-th tree of the order, asked
    for the worst one only (the texts of half a million trees would cost more than their
    conditions)."""
    if tolerance is None:
        failed = [not field_.is_zero(r) for r in residuals]
    else:
        failed = [field_.exceeds(r, tolerance) for r in residuals]
    sizes = [field_.size(r) for r in residuals]
    worst = max(range(len(residuals)), key=lambda i: (failed[i], sizes[i]))
    bracket, weight, gamma, colour = describe(worst)
    return PartitionedLevel(
        order=order,
        count=len(residuals),
        failed=sum(failed),
        worst_bracket=bracket,
        worst_weight=weight,
        worst_gamma=gamma,
        worst_colour=colour,
        worst=field_.value(residuals[worst]),
    )


def _dot_residuals(
    field_: Field, weights: Vector, vectors: list[Vector], gammas: list[int]
) -> list[Any]:
    """w·Φ(t) − 1/γ(t) for each vector: one batched product."""
    if not vectors:
        return []
    sums = field_.apply(field_.matrix([weights]), vectors)
    return [w[0] - field_.rational(1, g) for w, g in zip(sums, gammas)]


def general_levels(
    field_: Field,
    a: list[list[Any]],
    b: Vector,
    a_hat: list[list[Any]],
    b_hat: Vector,
    depth: int,
    tolerance: float | None,
) -> list[PartitionedLevel]:
    """The conditions of every bicoloured tree of order 1..depth (HLW Theorem III.2.5)."""
    table = BICOLOURED.extend_to(max(depth, 1))
    s = len(b)
    one = field_.rational(1)
    matrices = (field_.matrix(a), field_.matrix(a_hat))
    weights = (b, b_hat)
    phi: list[Vector] = [[one] * s, [one] * s]
    applied: list[Vector] = [field_.apply(matrices[c], [phi[c]])[0] for c in (BLACK, WHITE)]
    levels = []
    for n in range(1, depth + 1):
        trees = table.of_order(n)
        if n > 1:
            for t in trees:
                rest, child = table.rest[t], table.child[t]
                phi.append([x * y for x, y in zip(phi[rest], applied[child])])
        residuals: list[Any] = [None] * len(trees)
        for colour in (BLACK, WHITE):
            chosen = [k for k, t in enumerate(trees) if table.colour[t] == colour]
            values = _dot_residuals(
                field_,
                weights[colour],
                [phi[trees[k]] for k in chosen],
                [table.gamma[trees[k]] for k in chosen],
            )
            for k, value in zip(chosen, values):
                residuals[k] = value

        def describe(k: int, trees: range = trees) -> tuple[str, str, int, int]:
            t = trees[k]
            return table.bracket(t), table.weight(t), table.gamma[t], table.colour[t]

        levels.append(_judge_level(field_, n, residuals, describe, tolerance))
        if n > 1 and n < depth:
            products: list[Vector] = [[]] * len(trees)
            for colour in (BLACK, WHITE):
                chosen = [k for k, t in enumerate(trees) if table.colour[t] == colour]
                if chosen:
                    out = field_.apply(matrices[colour], [phi[trees[k]] for k in chosen])
                    for k, vector in zip(chosen, out):
                        products[k] = vector
            applied.extend(products)
    return levels


def separable_levels(
    field_: Field,
    a: list[list[Any]],
    b: Vector,
    a_hat: list[list[Any]],
    b_hat: Vector,
    depth: int,
    tolerance: float | None,
) -> list[PartitionedLevel]:
    """The conditions of every alternating tree of order 1..depth, each a rooted tree of
    :data:`TREES` with a root colour: Φ_c(t) = Φ_c(r) ⊙ (M_c' Φ_c'(u)), c' the other colour."""
    trees = TREES.extend_to(max(depth, 1))
    s = len(b)
    one = field_.rational(1)
    matrices = (field_.matrix(a), field_.matrix(a_hat))
    weights = (b, b_hat)
    phi: list[list[Vector]] = [[[one] * s], [[one] * s]]
    applied = [[field_.apply(matrices[c], [phi[c][0]])[0]] for c in (BLACK, WHITE)]
    levels = []
    for n in range(1, depth + 1):
        indices = trees.of_order(n)
        if n > 1:
            for c in (BLACK, WHITE):
                other = applied[1 - c]
                for t in indices:
                    phi[c].append(
                        [x * y for x, y in zip(phi[c][trees.rest[t]], other[trees.child[t]])]
                    )
        residuals: list[Any] = []
        for c in (BLACK, WHITE):
            residuals += _dot_residuals(
                field_, weights[c], [phi[c][t] for t in indices], [trees.gamma[t] for t in indices]
            )

        def describe(k: int, indices: range = indices) -> tuple[str, str, int, int]:
            c, t = divmod(k, len(indices))[0], indices[k % len(indices)]
            return alternating_bracket(t, c), alternating_weight(t, c), trees.gamma[t], c

        levels.append(_judge_level(field_, n, residuals, describe, tolerance))
        if n > 1 and n < depth:
            for c in (BLACK, WHITE):
                applied[c].extend(field_.apply(matrices[c], [phi[c][t] for t in indices]))
    return levels


# --------------------------------------------------------------------------- properties


def _largest(field_: Field, values: list[Any]) -> Value:
    if not values:
        return Value.zero_value()
    sizes = [field_.size(x) for x in values]
    return abs(field_.value(values[max(range(len(values)), key=sizes.__getitem__)]))


def _judged(field_: Field, values: list[Any], tolerance: float | None, quantity: str) -> Judgement:
    if tolerance is None:
        holds = all(field_.is_zero(x) for x in values)
    else:
        holds = not any(field_.exceeds(x, tolerance) for x in values)
    return Judgement(
        holds=holds,
        tolerance=tolerance,
        quantity=quantity,
        size=_largest(field_, values),
        exactly=all(field_.is_zero(x) for x in values),
    )


def symplectic_residuals(
    a: list[list[Any]], b: Vector, a_hat: list[list[Any]], b_hat: Vector
) -> list[Any]:
    """b_i â_ij + b̂_j a_ji − b_i b̂_j for all i, j (HLW (VI.4.6), Theorem VI.4.6)."""
    s = len(b)
    return [
        b[i] * a_hat[i][j] + b_hat[j] * a[j][i] - b[i] * b_hat[j]
        for i in range(s)
        for j in range(s)
    ]


def lumping_not_tried() -> str:
    """Why a symmetry past :data:`~tableau_compiler.limits.MAX_LUMPED_STAGES` is undecided."""
    return (
        "the stage reversal does not map it to its adjoint, and merging equal stages is not "
        f"tried beyond {limits.MAX_LUMPED_STAGES} stages"
    )


def _symmetry(field_: Field, pair: tuple, tolerance: float | None) -> tuple[Judgement, Judgement]:
    """(symmetric for general systems, for separable systems): the stage-reversal criterion
    (HLW Theorem V.2.3), else equality with the adjoint up to equivalent stages."""
    from .partitioned_symmetry import symmetric_by_reversal, symmetric_for

    def same(x: Any, y: Any) -> bool:
        d = x - y
        return field_.is_zero(d) if tolerance is None else not field_.exceeds(d, tolerance)

    def exactly(x: Any, y: Any) -> bool:
        return field_.is_zero(x - y)

    if symmetric_by_reversal(field_, pair, same):
        exact = symmetric_by_reversal(field_, pair, exactly)
        reason = "each tableau equals its adjoint under the stage reversal i → s+1−i"
        holds = Judgement(True, tolerance, exactly=exact, reason=reason)
        return holds, holds
    if len(pair[1]) > limits.MAX_LUMPED_STAGES:
        undecided = Judgement(None, tolerance, reason=lumping_not_tried())
        return undecided, undecided
    judgements = []
    for separable in (False, True):
        if symmetric_for(field_, pair, separable=separable, same=same):
            exact = symmetric_for(field_, pair, separable=separable, same=exactly)
            reason = "the pair and its adjoint agree after equal stages are merged"
            if separable:
                reason += " (stage values only a zero weight reads dropping out)"
            judgements.append(Judgement(True, tolerance, exactly=exact, reason=reason))
        else:
            reason = "the pair differs from its adjoint, even with equal stages merged"
            judgements.append(Judgement(False, tolerance, reason=reason))
    return judgements[0], judgements[1]


# --------------------------------------------------------------------------- the analysis


def analyse_partitioned(scheme: PartitionedTableau, *, full: bool = False) -> PartitionedAnalysis:
    """Decide the claims of ``scheme`` and the properties the reports show.

    ``full`` (``tabc info``) adds the conditions of one order above each claim, hence the
    exact orders.
    """
    field_, a, b, a_hat, b_hat, by_key = convert_pair(scheme)
    tolerance = scheme.effective_tolerance if scheme.is_approximate else None
    s = scheme.stages
    extra = 1 if full else 0
    size = number_size(field_, a + a_hat, [*b, *b_hat])
    if condition_memory(s, 0, size, general=True) + 2 * s * s * size.stored(2) > (
        limits.MAX_CONDITION_BITS
    ):
        raise LimitError(
            "A and Â scaled to a common denominator would exceed the memory limit of "
            f"{limits.MAX_CONDITION_BITS:.2g} bits (the denominators of the entries have too "
            "large a common multiple)",
            key=("tableau", "q", "a"),
        )
    wanted = scheme.order + extra
    depth = decidable_depth(s, wanted, size, general=True)
    levels = general_levels(field_, a, b, a_hat, b_hat, depth, tolerance)
    order = achieved_order(levels)
    undecided = _undecided_reason(s, depth + 1, size, True) if depth < scheme.order else ""

    separable_claim = scheme.separable_order
    separable_wanted = max(scheme.order, separable_claim or 0) + extra
    spent = condition_work(s, depth, size, general=True)
    separable_depth = decidable_depth(s, separable_wanted, size, general=False, spent=spent)
    separable = separable_levels(field_, a, b, a_hat, b_hat, separable_depth, tolerance)
    separable_order = achieved_order(separable)
    separable_undecided = ""
    if separable_claim is not None and separable_depth < separable_claim:
        separable_undecided = _undecided_reason(s, separable_depth + 1, size, False, spent)

    warnings: list[Finding] = []
    if order > scheme.order:
        warnings.append(
            Finding(f"the pair reaches order {order}, above the claimed {scheme.order}", ("order",))
        )
    if separable_claim is not None and separable_order > separable_claim:
        warnings.append(
            Finding(
                f"the pair reaches separable order {separable_order}, above the claimed "
                f"{separable_claim}",
                ("separable_order",),
            )
        )
    if separable_claim is not None and separable_claim < scheme.order:
        warnings.append(
            Finding(
                f"separable_order {separable_claim} is below order {scheme.order}: the "
                "conditions for separable systems are among the general ones, so the "
                "separable order is at least the order",
                ("separable_order",),
            )
        )
    for part, matrix in (("q", a), ("p", a_hat)):
        written = by_key.get(("tableau", part, "c", 0))
        if written is None:
            continue
        gaps = [
            by_key[("tableau", part, "c", i)] - sum(matrix[i], field_.rational(0)) for i in range(s)
        ]
        off = [
            i
            for i, x in enumerate(gaps)
            if (not field_.is_zero(x) if tolerance is None else field_.exceeds(x, tolerance))
        ]
        if off:
            stages = ", ".join(str(i + 1) for i in off)
            name = "c" if part == "q" else "ĉ"
            warnings.append(
                Finding(
                    f"the written {name} of [tableau.{part}] differs from the row sums of its A "
                    f"at stage {stages} (largest |{name}_i − Σ_j a_ij| "
                    f"{shown_size(_largest(field_, gaps), tolerance)}); the conditions are "
                    "those of the autonomous system, which do not read c",
                    ("tableau", part, "c", off[0]),
                )
            )

    symplectic = _judged(
        field_,
        symplectic_residuals(a, b, a_hat, b_hat),
        tolerance,
        "max |b_i â_ij + b̂_j a_ji − b_i b̂_j|",
    )
    equal = _judged(field_, [x - y for x, y in zip(b, b_hat)], tolerance, "max |b_i − b̂_i|")
    symmetric, symmetric_separable = _symmetry(field_, (a, b, a_hat, b_hat), tolerance)
    return PartitionedAnalysis(
        scheme=scheme,
        domain=field_.name,
        tolerance=tolerance,
        levels=tuple(levels),
        order=order,
        separable_levels=tuple(separable),
        separable_order=separable_order,
        symplectic_separable=symplectic,
        equal_weights=equal,
        symmetric_judgement=symmetric,
        symmetric_separable=symmetric_separable,
        structure=partitioned_structure(scheme),
        at_parameter_values=bool(scheme.parameters),
        warnings=tuple(w.message for w in warnings),
        warning_keys=tuple(w.key for w in warnings),
        undecided=undecided,
        separable_undecided=separable_undecided,
    )
