"""The analysis of a Butcher tableau, assembled from the pure functions of this package."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CoefficientError
from ..expression import Expression
from ..scheme import ButcherTableau
from .arithmetic import BallField, Field, RationalField, SympyField, Undecided, field_for
from .order import (
    ConditionLevel,
    ElementaryWeights,
    achieved_order,
    elementary_weights,
    order_levels,
    principal_error,
    stage_order,
)
from .rooted_trees import TREES

__all__ = ["RungeKuttaAnalysis", "analyse_tableau", "classify"]


@dataclass(frozen=True)
class RungeKuttaAnalysis:
    """What ``tabc check`` and ``tabc info`` report about one tableau."""

    scheme: ButcherTableau
    domain: str
    tolerance: float | None
    """None when every condition was decided exactly (residual zero or not)."""
    classification: str
    levels: tuple[ConditionLevel, ...]
    order: int
    embedded_levels: tuple[ConditionLevel, ...] | None
    embedded_order: int | None
    stage_order: int
    written_c_order: int | None
    """Order with the written c, when c differs from the row sums of A (else None)."""
    c_differences: tuple[int, ...] = ()
    """1-based stages whose written c differs from the row sum."""
    principal_error_norm: float | None = None
    principal_error_order: int | None = None
    principal_error_coefficients: tuple[tuple[int, float], ...] = ()
    """(tree index, |τ(t)|) for every tree of the principal error order."""
    stability: Any = None
    parameter_regions: Any = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def checked_order(self) -> int:
        return len(self.levels)

    @property
    def failures(self) -> list[str]:
        """Why the scheme misses its claim, one sentence per reason (empty when it passes)."""
        reasons = []
        claimed = self.scheme.order
        if self.order < claimed:
            level = self.levels[self.order]
            reasons.append(_level_failure("order", self.order, claimed, level, self.tolerance))
        if self.embedded_levels is not None and self.embedded_order is not None:
            claimed_hat = self.scheme.embedded_order or 0
            if self.embedded_order < claimed_hat:
                level = self.embedded_levels[self.embedded_order]
                reasons.append(
                    _level_failure(
                        "embedded order",
                        self.embedded_order,
                        claimed_hat,
                        level,
                        self.tolerance,
                        weights="b̂",
                    )
                )
        return reasons

    @property
    def passed(self) -> bool:
        return not self.failures


def _level_failure(
    what: str, reached: int, claimed: int, level: ConditionLevel, tolerance: float | None,
    weights: str = "b",
) -> str:  # fmt: skip
    condition = level.worst_condition.replace("b·", f"{weights}·", 1)
    against = "not zero" if tolerance is None else f"above the tolerance {tolerance:g}"
    return (
        f"{what} {reached}, claimed {claimed}: {level.failed} of {level.count} condition{'s' * (level.count != 1)} of "
        f"order {level.order} fail; worst {condition} misses by {level.worst_residual} "
        f"(|residual| {level.largest_residual:.3g}, {against})"
    )


def classify(field_: Field, a: list[list[Any]]) -> str:
    """'explicit', 'diagonally implicit' or 'implicit', as the format page defines them."""
    s = len(a)
    upper = any(not field_.is_zero(a[i][j]) for i in range(s) for j in range(i + 1, s))
    diagonal = any(not field_.is_zero(a[i][i]) for i in range(s))
    if upper:
        return "implicit"
    return "diagonally implicit" if diagonal else "explicit"


def _tableau_key(tableau: ButcherTableau, key: tuple) -> tuple:
    """The key path of the coefficient at ``key[0]`` in convert_tableau's flat order."""
    if not key or not isinstance(key[0], int):
        return key
    index, s = key[0], tableau.stages
    if index < s * s:
        return ("tableau", "a", index // s, index % s)
    index -= s * s
    for name in ("b", "c", "b_hat"):
        if name != "b" and getattr(tableau, name) is None:
            continue
        if index < s:
            return ("tableau", name, index)
        index -= s
    return ()


def convert_tableau(
    tableau: ButcherTableau, values: Mapping[str, Expression] | None, *, quadratic: bool = True
) -> tuple[Field, list[list[Any]], list[Any], list[Any] | None, list[Any] | None]:
    """A, b, written c and b̂ as elements of one exact field."""
    s = tableau.stages
    expressions = [x for row in tableau.a for x in row] + list(tableau.b)
    expressions += list(tableau.c or ()) + list(tableau.b_hat or ())
    try:
        field_, elements = field_for(expressions, values, quadratic=quadratic)
    except CoefficientError as error:
        raise CoefficientError(error.message, key=_tableau_key(tableau, error.key)) from None
    a = [elements[i * s : (i + 1) * s] for i in range(s)]
    rest = elements[s * s :]
    b, rest = rest[:s], rest[s:]
    c = None
    if tableau.c is not None:
        c, rest = rest[:s], rest[s:]
    b_hat = rest[:s] if tableau.b_hat is not None else None
    return field_, a, b, c, b_hat


def parameter_values(tableau: ButcherTableau) -> dict[str, Expression]:
    return {parameter.name: parameter.value for parameter in tableau.parameters}


Decided = tuple[
    list[ConditionLevel],
    tuple[ConditionLevel, ...] | None,
    tuple[int, ...],
    int | None,
    ElementaryWeights,
    Field,
    list[Any],
]


def _decide(
    tableau: ButcherTableau,
    field_: Field,
    a: list[list[Any]],
    b: list[Any],
    c: list[Any] | None,
    b_hat: list[Any] | None,
    tolerance: float | None,
    full: bool,
) -> Decided:
    """The order conditions of b (and b̂), and the written c's, over one field."""
    claimed = tableau.order
    top = max(claimed, tableau.embedded_order or 0) + (1 if full else 0)
    phi = elementary_weights(field_, a, top)
    levels = order_levels(field_, b, phi, claimed + (1 if full else 0), tolerance)
    embedded_levels = None
    if b_hat is not None and tableau.embedded_order is not None:
        depth = tableau.embedded_order + (1 if full else 0)
        embedded_levels = tuple(order_levels(field_, b_hat, phi, depth, tolerance))

    def differs(x: Any) -> bool:
        return not field_.is_zero(x) if tolerance is None else field_.exceeds(x, tolerance)

    differences: tuple[int, ...] = ()
    written_c_order = None
    if c is not None:
        row_sums = [sum(row, field_.rational(0)) for row in a]
        differences = tuple(i + 1 for i, (x, y) in enumerate(zip(c, row_sums)) if differs(x - y))
        if differences:
            phi_c = elementary_weights(field_, a, claimed, leaf=c)
            written_c_order = achieved_order(order_levels(field_, b, phi_c, claimed, tolerance))
    return levels, embedded_levels, differences, written_c_order, phi, field_, b


def _decide_in_balls(
    tableau: ButcherTableau,
    a: list[list[Any]],
    b: list[Any],
    c: list[Any] | None,
    b_hat: list[Any] | None,
    tolerance: float,
    full: bool,
) -> Decided:
    """An approximate scheme against its tolerance, in rigorous ball arithmetic.

    Every comparison a ball decides is correct; when one is too close to call, the
    precision doubles, and past 4096 bits the exact rationals decide.
    """
    bits = max(128, int(math.log2(1 / tolerance)) + 96)
    while bits <= 4096:
        ball = BallField(bits)
        with ball.precision():
            try:
                convert = ball.convert
                return _decide(
                    tableau,
                    ball,
                    [convert(row) for row in a],
                    convert(b),
                    None if c is None else convert(c),
                    None if b_hat is None else convert(b_hat),
                    tolerance,
                    full,
                )
            except Undecided:
                bits *= 2
    return _decide(tableau, RationalField(), a, b, c, b_hat, tolerance, full)


def _principal_error(
    field_: Field, b: list[Any], phi: ElementaryWeights, order: int
) -> tuple[float, list[float]]:
    if isinstance(field_, BallField):
        with field_.precision():
            return principal_error(field_, b, phi, order)
    return principal_error(field_, b, phi, order)


def analyse_tableau(tableau: ButcherTableau, *, full: bool = False) -> RungeKuttaAnalysis:
    """Decide the order of ``tableau`` at its parameter values.

    ``full`` adds what ``tabc info`` shows: the conditions of order p+1 (hence the
    exact order and the principal error coefficients), the stability function and,
    when there are parameters, the regions where each order holds.
    """
    field_, a, b, c, b_hat = convert_tableau(tableau, parameter_values(tableau))
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    warnings = []

    claimed = tableau.order
    if tolerance is not None and isinstance(field_, RationalField):
        decided = _decide_in_balls(tableau, a, b, c, b_hat, tolerance, full)
    else:
        decided = _decide(tableau, field_, a, b, c, b_hat, tolerance, full)
    levels, embedded_levels, differences, written_c_order, phi, order_field, b_used = decided
    order = achieved_order(levels)
    embedded_order = None if embedded_levels is None else achieved_order(embedded_levels)
    if differences:
        stages = ", ".join(map(str, differences))
        warnings.append(
            f"c differs from the row sums of A at stage {stages}; conditions are judged with "
            f"the row sums (order {order}); with the written c the order would be "
            f"{written_c_order}"
        )
    row_sums = [sum(row, field_.rational(0)) for row in a]
    if order > claimed:
        warnings.append(f"the scheme reaches order {order}, above the claimed {claimed}")

    error_norm = error_order = None
    error_coefficients: tuple[tuple[int, float], ...] = ()
    stability = regions = None
    if full:
        if order < len(levels):  # the first order whose conditions fail
            error_order = order + 1
            error_norm, coefficients = _principal_error(order_field, b_used, phi, error_order)
            error_coefficients = tuple(zip(TREES.of_order(error_order), coefficients))
        from .stability import runge_kutta_stability

        if isinstance(field_, (RationalField, SympyField)):
            stability = runge_kutta_stability(field_, a, b)
        else:  # the stability function is computed with sympy's polynomials
            sympy_field, a_s, b_s, _, _ = convert_tableau(
                tableau, parameter_values(tableau), quadratic=False
            )
            stability = runge_kutta_stability(sympy_field, a_s, b_s)
        if tableau.parameters and any(x.names for x in tableau.coefficients()):
            from .regions import tableau_regions

            regions = tableau_regions(tableau)

    return RungeKuttaAnalysis(
        scheme=tableau,
        domain=field_.name,
        tolerance=tolerance,
        classification=classify(field_, a),
        levels=tuple(levels),
        order=order,
        embedded_levels=embedded_levels,
        embedded_order=embedded_order,
        stage_order=stage_order(field_, a, b, row_sums, tableau.stages + 1, tolerance),
        written_c_order=written_c_order,
        c_differences=differences,
        principal_error_norm=error_norm,
        principal_error_order=error_order,
        principal_error_coefficients=error_coefficients,
        stability=stability,
        parameter_regions=regions,
        warnings=tuple(warnings),
    )
