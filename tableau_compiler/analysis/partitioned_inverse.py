"""The reverse plan of a partitioned Runge–Kutta step on separable systems.

For a separable system, q' = f(p) and p' = g(q), one step of the pair (A, b), (Â, b̂)
(Hairer, Lubich & Wanner, *Geometric Numerical Integration*, 2nd ed. 2006, §II.2) is

    Q_i = q_0 + h Σ_j a_ij f(P_j),    P_i = p_0 + h Σ_j â_ij g(Q_j),
    q_1 = q_0 + h Σ_j b_j f(P_j),     p_1 = p_0 + h Σ_j b̂_j g(Q_j).

Subtracting the last two lines from the first two gives the same stage values from the
*end* of the step:

    Q_i = q_1 + h Σ_j (a_ij − b_j) f(P_j),    P_i = p_1 + h Σ_j (â_ij − b̂_j) g(Q_j),
    q_0 = q_1 − h Σ_j b_j f(P_j),             p_0 = p_1 − h Σ_j b̂_j g(Q_j).

This is an identity of the scheme, true for every pair; when these equations can be
evaluated one after another -- each stage value using only evaluations of f and g already
made -- they are an explicit inverse of the step: (q_1, p_1) -> (q_0, p_0), exact up to
rounding.  For the explicit symplectic pairs of separable systems the plan always exists:
such pairs have a_ij = b_j for i ≥ j and â_ij = b̂_j for i > j (zero otherwise) up to
the order of their stages, i.e. they are compositions of symplectic-Euler kicks and drifts
(symplectic Euler, Störmer–Verlet, Ruth's and Forest–Ruth/Yoshida's splittings), and each
kick or drift is undone by the opposite one in reverse order (HLW §VI.3 and §VI.4.2;
Abia & Sanz-Serna, "Partitioned Runge–Kutta methods for separable Hamiltonian problems",
Math. Comp. 60 (1993), 617–634; Sanz-Serna & Calvo, *Numerical Hamiltonian Problems*,
1994, ch. 8).  An explicit pair that is not symplectic -- RK4 on both components -- reads
every stage from every other in these equations and has no such plan.

Everything here is exact: the differences a_ij − b_j and â_ij − b̂_j are computed in the
exact field of each tableau (:func:`~tableau_compiler.analysis.runge_kutta.convert_tableau`)
at the parameters' values, and a difference counts as zero only when it is exactly zero
and depends on no learnable parameter (or vanishes identically in them), the rule the
generated code uses to drop a term.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import CoefficientError
from ..scheme import ButcherTableau, PartitionedTableau, TableauComponent

__all__ = [
    "ComponentValues",
    "InversePlan",
    "ReverseValue",
    "component_values",
    "inverse_plan",
    "learnable_names",
]


@dataclass(frozen=True)
class ComponentValues:
    """One tableau of the pair as exact elements of one field (at the parameters' values).

    ``a[i][j]``, ``b[j]``: field elements; ``field``: the
    :class:`~tableau_compiler.analysis.arithmetic.Field` they belong to.
    """

    field: Any
    a: tuple[tuple[Any, ...], ...]
    b: tuple[Any, ...]

    def to_sympy(self, element: Any) -> Any:
        return self.field.to_sympy(element)


@dataclass(frozen=True)
class ReverseValue:
    """One value the inverse computes: ``target = base + h Σ_j c_j e_j``.

    ``name`` is ``"Q"`` or ``"P"`` (a stage value, ``index`` its 0-based stage) or ``"q"``
    or ``"p"`` (the start of the step, ``index`` None).  A ``"Q"`` or ``"q"`` value has base
    q_1 and sums over e_j = f(P_j); a ``"P"`` or ``"p"`` value has base p_1 and sums over
    e_j = g(Q_j).  ``terms`` are the non-zero ones: (j, the exact coefficient as an element of
    the component's field).
    """

    name: str
    index: int | None
    terms: tuple[tuple[int, Any], ...]

    @property
    def reads(self) -> tuple[tuple[str, int], ...]:
        """The stage values this one needs (through f or g), as ("P", j) or ("Q", j)."""
        other = "P" if self.name in ("Q", "q") else "Q"
        return tuple((other, j) for j, _ in self.terms)


@dataclass(frozen=True)
class InversePlan:
    """The reverse plan: ``values`` in evaluation order, ending with ``q`` and ``p``.

    Only the stage values the start of the step needs are in it (a stage value whose
    evaluation no term uses is never computed).  ``q_values``/``p_values``: the exact
    tableaus the coefficients belong to (a ``"Q"``/``"q"`` value's coefficients are
    elements of ``q_values.field``, a ``"P"``/``"p"`` value's of ``p_values.field``).
    """

    values: tuple[ReverseValue, ...]
    q_values: ComponentValues
    p_values: ComponentValues

    @property
    def order(self) -> tuple[tuple[str, int | None], ...]:
        return tuple((value.name, value.index) for value in self.values)


def learnable_names(scheme: PartitionedTableau) -> frozenset[str]:
    """The learnable parameters some coefficient of the pair uses."""
    used: set[str] = set().union(*(x.names for x in scheme.coefficients()))
    return frozenset(p.name for p in scheme.parameters if p.learnable and p.name in used)


def component_values(scheme: PartitionedTableau, which: str) -> ComponentValues:
    """The exact values of ``[tableau.q]`` (``which="q"``) or ``[tableau.p]`` at the
    parameters' values, from the Runge–Kutta machinery
    (:func:`~tableau_compiler.analysis.runge_kutta.convert_tableau`).  A
    :class:`CoefficientError` names the key in the pair (``tableau.q.a[2][1]``)."""
    from .runge_kutta import convert_tableau, parameter_values

    component: TableauComponent = getattr(scheme, which)
    tableau = ButcherTableau(
        name=scheme.name,
        order=scheme.order,
        a=component.a,
        b=component.b,
        c=component.c,
        parameters=scheme.parameters,
    )
    try:
        field, a, b, _, _ = convert_tableau(tableau, parameter_values(tableau))  # type: ignore[arg-type]
    except CoefficientError as error:
        key = error.key
        if key[:1] == ("tableau",):
            key = ("tableau", which, *key[1:])
        raise CoefficientError(error.message, key=key) from None
    return ComponentValues(field, tuple(tuple(row) for row in a), tuple(b))


def _vanishes(
    field: Any, value: Any, expressions: list[tuple[int, Any]], scheme: Any, learnable: frozenset
) -> bool:
    """Whether Σ sign·expression is a term the step drops: exactly zero at the values, and
    either free of learnable parameters or identically zero in them
    (:func:`~.vanishing.vanishes`, with bounded work; an undecided sum is kept)."""
    if not field.is_zero(value):
        return False
    if not any(x.names & learnable for _, x in expressions):
        return True
    from .vanishing import vanishes

    fixed = {p.name: p.value for p in scheme.parameters if p.name not in learnable}
    return vanishes(expressions, learnable, fixed) is True


def inverse_plan(scheme: PartitionedTableau) -> InversePlan | None:
    """The reverse plan of the pair for separable systems, or None when it has none.

    Needed values: q_0 needs f(P_j) where b_j ≠ 0, p_0 needs g(Q_j) where b̂_j ≠ 0; a
    needed Q_i needs f(P_j) where a_ij − b_j ≠ 0, a needed P_i needs g(Q_j) where
    â_ij − b̂_j ≠ 0.  They are ordered so that each comes after every value it reads
    (deterministically: among the ready values the one of the largest stage, "Q" before
    "P" -- the reverse of the forward order's rule -- is taken first); None when the
    needed values read each other in a cycle (the inverse would be implicit).
    """
    s = scheme.stages
    learnable = learnable_names(scheme)
    q_values, p_values = component_values(scheme, "q"), component_values(scheme, "p")

    def terms(
        values: ComponentValues, component: TableauComponent, row: int | None
    ) -> tuple[tuple[int, Any], ...]:
        found = []
        for j in range(s):
            if row is None:  # the start of the step: −b_j
                value = values.field.rational(0) - values.b[j]
                expressions = [(-1, component.b[j])]
            else:
                value = values.a[row][j] - values.b[j]
                expressions = [(1, component.a[row][j]), (-1, component.b[j])]
            if not _vanishes(values.field, value, expressions, scheme, learnable):
                found.append((j, value))
        return tuple(found)

    candidates = {
        ("Q", i): ReverseValue("Q", i, terms(q_values, scheme.q, i)) for i in range(s)
    } | {("P", i): ReverseValue("P", i, terms(p_values, scheme.p, i)) for i in range(s)}
    starts = [
        ReverseValue("q", None, terms(q_values, scheme.q, None)),
        ReverseValue("p", None, terms(p_values, scheme.p, None)),
    ]
    needed: set[tuple[str, int]] = set()
    pending = [key for start in starts for key in start.reads]
    while pending:
        key = pending.pop()
        if key not in needed:
            needed.add(key)
            pending.extend(candidates[key].reads)
    ordered: list[ReverseValue] = []
    done: set[tuple[str, int]] = set()
    while len(done) < len(needed):
        ready = [
            key for key in needed - done if all(read in done for read in candidates[key].reads)
        ]
        if not ready:
            return None
        key = max(ready, key=lambda k: (k[1], k[0] == "Q"))
        ordered.append(candidates[key])
        done.add(key)
    return InversePlan((*ordered, *starts), q_values, p_values)
