"""The analysis of a Butcher tableau, assembled from the pure functions of this package.

An exact scheme has every property decided exactly.  An approximate scheme (a decimal
anywhere, or a ``tolerance`` key) has every property judged against its tolerance,
always on the exact rationals its decimals denote (docs/scheme-format.md, Coefficients):

* an order condition, a stage-order condition (B, C), c against the row sums of A and
  stiff accuracy (b = the last row of A) hold when the residual is at most the tolerance
  in absolute value;
* A- and L-stability: see :mod:`.stability`;
* the classification (explicit, diagonally implicit, implicit) stays the structure the
  written A has, because it is the computation the generated step makes; entries on or
  above the diagonal within the tolerance of zero are reported (a warning).

Work and memory are bounded (:data:`~tableau_compiler.limits.MAX_CONDITION_WORK`,
:data:`~tableau_compiler.limits.MAX_CONDITION_BITS`, counted by :mod:`.work` from the
stages, the trees and the size of the numbers): conditions are decided up to the highest
order that fits, and a claim above it fails with the order verified and why the rest was
not decided.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .. import limits
from ..errors import CoefficientError
from ..expression import Expression
from ..scheme import ButcherTableau
from .arithmetic import BallField, Field, RationalField, SympyField, Undecided, field_for
from .order import (
    ConditionLevel,
    achieved_order,
    elementary_weights,
    order_levels,
    principal_error,
    stage_order,
)
from .rooted_trees import TREES
from .values import (
    Finding,
    FindingsReport,
    Judgement,
    Value,
    lowest_terms,
    shown,
    shown_size,
    tolerance_text,
)
from .work import (
    FLOAT,
    SMALL,
    NumberSize,
    condition_memory,
    condition_work,
    number_size,
    stability_work,
)

__all__ = [
    "RungeKuttaAnalysis",
    "analyse_tableau",
    "classify",
    "condition_work",
    "decidable_order",
]


def decidable_order(stages: int, wanted: int, size: NumberSize = SMALL) -> int:
    """The highest order <= ``wanted`` whose conditions fit the work and memory limits, for
    numbers of the given ``size`` (see :mod:`.work`)."""
    order = wanted
    while order > 0 and _over_limit(stages, order, size):
        order -= 1
    return order


def _over_limit(stages: int, order: int, size: NumberSize) -> bool:
    return (
        condition_work(stages, order, size) > limits.MAX_CONDITION_WORK
        or condition_memory(stages, order, size) > limits.MAX_CONDITION_BITS
    )


def _stability_over_limit(stages: int, size: NumberSize, classification: str) -> str:
    """Why R(z) is not computed, or "" when it fits the limits.

    R(z) = P(z)/Q(z) has coefficients of degree up to s in the entries of A and b: s
    matrix-vector products for an explicit A, characteristic polynomials (about s³
    operations) and Sturm sequences of degree 2s for the A-stability test otherwise."""
    bits = size.bits(stages + 1)
    if bits > limits.MAX_STABILITY_BITS:
        return (
            f"not computed: the coefficients of R(z) would have about {bits:.2g} bits, above "
            f"the limit of {limits.MAX_STABILITY_BITS:.2g}"
        )
    if (
        classification != "explicit"
        and size.parts_per_order
        and stages > limits.MAX_SYMBOLIC_STABILITY_STAGES
    ):
        return (
            f"not computed: R(z) of an implicit tableau with pi takes characteristic "
            f"polynomials and Sturm sequences over QQ(pi), computed up to "
            f"{limits.MAX_SYMBOLIC_STABILITY_STAGES} stages (10 took half a minute)"
        )
    work = stability_work(stages, size, classification == "explicit")
    if work > limits.MAX_STABILITY_WORK:
        return (
            f"not computed: R(z) of {stages} stages means {work:.2g} units of work, above the "
            f"limit of {limits.MAX_STABILITY_WORK:.2g}"
        )
    return ""


def stability_function(
    tableau: ButcherTableau, field_: Field, a: list[list[Any]], b: list[Any],
    tolerance: float | None, classification: str,
) -> Any:  # fmt: skip
    """R(z) with A- and L-stability and the stability intervals, as ``tabc info`` reports it,
    or "not computed" with the reason when it is over the limits
    (:func:`_stability_over_limit`)."""
    from .stability import StabilityFunction, runge_kutta_stability

    over = _stability_over_limit(len(a), number_size(field_, a, b), classification)
    if not over:
        try:
            if isinstance(field_, (RationalField, SympyField)):
                return runge_kutta_stability(field_, a, b, tolerance)
            # the stability function is computed with sympy's polynomials
            sympy_field, a_s, b_s, _, _ = convert_tableau(
                tableau, parameter_values(tableau), quadratic=False
            )
            return runge_kutta_stability(sympy_field, a_s, b_s, tolerance)
        except ValueError:  # Python prints no integer beyond 4,300 digits
            over = "not computed: a coefficient of R(z) has more than 4,300 digits"
    unknown = Judgement(None, tolerance, reason=over)
    return StabilityFunction("?", "?", unknown, unknown, note=over)


def _undecided_reason(stages: int, order: int, size: NumberSize = SMALL) -> str:
    work = condition_work(stages, order, size)
    if work > limits.MAX_CONDITION_WORK or size == SMALL:
        small = size.unit(order + 1) <= 1  # one unit per multiply-add
        per_tree = "stages²" if size.quadratic else "stages"
        measure = f"{per_tree} × (trees + set-up)" + ("" if small else " × cost of the numbers")
        return (
            f"{stages} stages at order {order} mean {work:.2g} units of "
            f"order-condition work ({measure}), above the limit of "
            f"{limits.MAX_CONDITION_WORK:.2g}"
        )
    return (
        f"{stages} stages at order {order} mean {condition_memory(stages, order, size):.2g} bits "
        f"of elementary weights (stages × trees × number size), above the limit of "
        f"{limits.MAX_CONDITION_BITS:.2g}"
    )


@dataclass(frozen=True)
class RungeKuttaAnalysis(FindingsReport):
    """What ``tabc check`` and ``tabc info`` report about one tableau."""

    scheme: ButcherTableau
    domain: str
    tolerance: float | None
    """None for an exact scheme; else every property is judged to this tolerance."""
    classification: str
    """The structure of the written A: the computation the generated step makes."""
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
    warning_keys: tuple[tuple[str | int, ...], ...] = ()
    """The key path each warning is about, () where none can be named (same order)."""
    stage_order_residual: Value | None = None
    """The largest |residual| of B(q) and C(q) at the stage order q."""
    c_difference: Value | None = None
    """The largest |c_i − Σ_j a_ij| when c is written."""
    stiffly_accurate: Judgement | None = None
    """b_j = a_sj for every j (HNW IV.6): R(∞) = 0 follows for a non-singular A."""
    structure_to_tolerance: str | None = None
    """The class of A when entries within the tolerance of zero are neglected, when that
    differs from :attr:`classification`."""
    structure_size: Value | None = None
    """The largest |a_ij| on or above the diagonal (j >= i), when A is not explicit."""
    undecided: str = ""
    """Why the conditions above the last checked order were not decided (work limit)."""
    embedded_undecided: str = ""
    embedded_hint: str = ""
    """A hint for b_hat when it looks like pasted error coefficients."""
    properties: Any = None
    """:class:`StructuralProperties` (``info`` only)."""
    c_failure: Finding | None = None
    """The written c lowers the order and the file does not say ``nodes = "row-sums"`` (or
    the check is strict): a failure, not a warning."""

    @property
    def checked_order(self) -> int:
        return len(self.levels)

    @property
    def findings(self) -> list[Finding]:
        """Why the scheme misses its claim, one finding per reason (empty when it passes)."""
        reasons = [] if self.c_failure is None else [self.c_failure]
        claimed = self.scheme.order
        if self.order < claimed:
            if self.order < len(self.levels):
                level = self.levels[self.order]
                reasons.append(
                    Finding(
                        _level_failure("order", self.order, claimed, level, self.tolerance),
                        ("tableau", "b") if level.order == 1 else ("order",),
                    )
                )
            else:
                reasons.append(
                    Finding(_undecided_failure("order", self.order, self.undecided), ("order",))
                )
        if self.embedded_levels is not None and self.embedded_order is not None:
            claimed_hat = self.scheme.embedded_order or 0
            if self.embedded_order < claimed_hat:
                if self.embedded_order < len(self.embedded_levels):
                    level = self.embedded_levels[self.embedded_order]
                    message = _level_failure(
                        "embedded order",
                        self.embedded_order,
                        claimed_hat,
                        level,
                        self.tolerance,
                        weights="b̂",
                    )
                    if self.embedded_hint:
                        message += f"; {self.embedded_hint}"
                    reasons.append(Finding(message, ("tableau", "b_hat")))
                else:
                    message = _undecided_failure(
                        "embedded order", self.embedded_order, self.embedded_undecided
                    )
                    reasons.append(Finding(message, ("tableau", "embedded_order")))
        return reasons


def _level_failure(
    what: str, reached: int, claimed: int, level: ConditionLevel, tolerance: float | None,
    weights: str = "b",
) -> str:  # fmt: skip
    condition = level.worst_condition.replace("b·", f"{weights}·", 1)
    against = (
        "not zero" if tolerance is None else f"above the tolerance {tolerance_text(tolerance)}"
    )
    return (
        f"{what} {reached}, claimed {claimed}: {level.failed} of {level.count} condition{'s' * (level.count != 1)} of "
        f"order {level.order} fail; worst {condition} misses by {shown(level.worst, tolerance)} "
        f"(|residual| {shown_size(level.worst, tolerance)}, {against})"
    )


def _c_failure(warning: Finding, nodes: str, strict: bool) -> Finding:
    """The c warning as a failure: a written c that lowers the order is a typo until the
    file says the nodes are the row sums."""
    if nodes == "row-sums":
        accepted = '[tableau] nodes = "row-sums" is not accepted under --strict'
    else:
        accepted = 'write [tableau] nodes = "row-sums" when the written c only records the source'
    return Finding(f"{warning.message} (a typo in c?; {accepted})", warning.key)


def _undecided_failure(what: str, verified: int, reason: str) -> str:
    return f"{what} >= {verified} verified; {what} {verified + 1} not decided: {reason}"


def classify(field_: Field, a: list[list[Any]]) -> str:
    """'explicit', 'diagonally implicit' or 'implicit', as the format page defines them."""
    s = len(a)
    upper = any(not field_.is_zero(a[i][j]) for i in range(s) for j in range(i + 1, s))
    diagonal = any(not field_.is_zero(a[i][i]) for i in range(s))
    if upper:
        return "implicit"
    return "diagonally implicit" if diagonal else "explicit"


def _structure_to_tolerance(
    field_: Field, a: list[list[Any]], tolerance: float
) -> tuple[str, Value | None, tuple[int, int] | None]:
    """The class of A with entries of |a_ij| <= tolerance on or above the diagonal neglected,
    the largest such |a_ij| and its (0-based) position."""
    s = len(a)
    significant = [[False] * s for _ in range(s)]
    largest, largest_size, where = None, -1.0, None
    for i in range(s):
        for j in range(i, s):
            x = a[i][j]
            if field_.is_zero(x):
                continue
            significant[i][j] = field_.exceeds(x, tolerance)
            size = field_.size(x)
            if not significant[i][j] and size > largest_size:
                largest, largest_size, where = x, size, (i, j)
    upper = any(significant[i][j] for i in range(s) for j in range(i + 1, s))
    diagonal = any(significant[i][i] for i in range(s))
    kind = "implicit" if upper else ("diagonally implicit" if diagonal else "explicit")
    return kind, None if largest is None else field_.value(largest), where


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
    tableau: ButcherTableau,
    values: Mapping[str, Expression] | None,
    *,
    quadratic: bool = True,
    small: bool = False,
) -> tuple[Field, list[list[Any]], list[Any], list[Any] | None, list[Any] | None]:
    """A, b, written c and b̂ as elements of one exact field (``small``: see
    :func:`~.arithmetic.field_for`)."""
    s = tableau.stages
    expressions = [x for row in tableau.a for x in row] + list(tableau.b)
    expressions += list(tableau.c or ()) + list(tableau.b_hat or ())
    try:
        field_, elements = field_for(expressions, values, quadratic=quadratic, small=small)
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


@dataclass(frozen=True)
class _Decided:
    levels: list[ConditionLevel]
    embedded_levels: tuple[ConditionLevel, ...] | None
    written_c_order: int | None
    principal_error: tuple[float, list[float]] | None


@dataclass(frozen=True)
class _Bounds:
    """Common denominators of the exact values (see :func:`order_levels`'s ``zero_bound``)."""

    a: int
    b: int
    c: int
    b_hat: int

    def residual(self, weights: int, leaf: int) -> Any:
        """q ↦ L with L·(w·Φ(t) − 1/γ(t)) an integer for every tree t of order q: Φ(t) is a
        polynomial of degree q − 1 in the entries of A (and c), and γ(t) divides q!."""
        return lambda q: weights * leaf ** (q - 1) * math.factorial(q)


def _denominator(values: list[Any] | None) -> int:
    result = 1
    for x in values or ():
        result = math.lcm(result, int(x.denominator))
    return result


def _decide(
    field_: Field,
    a: list[list[Any]],
    b: list[Any],
    c: list[Any] | None,
    b_hat: list[Any] | None,
    tolerance: float | None,
    depth: int,
    embedded_depth: int | None,
    differences: bool,
    error_order: bool,
    bounds: _Bounds | None = None,
) -> _Decided:
    """The order conditions of b up to ``depth`` (and b̂ up to ``embedded_depth``), the order
    with the written c (when it ``differences``), and the principal error coefficients of
    the first failing order (when ``error_order``), over one field."""
    top = max(depth, embedded_depth or 0)
    phi = elementary_weights(field_, a, top)
    zero_b = zero_hat = zero_c = None
    if bounds is not None:
        zero_b = bounds.residual(bounds.b, bounds.a)
        zero_hat = bounds.residual(bounds.b_hat, bounds.a)
        zero_c = bounds.residual(bounds.b, math.lcm(bounds.a, bounds.c))
    levels = order_levels(field_, b, phi, depth, tolerance, zero_b)
    embedded_levels = None
    if b_hat is not None and embedded_depth is not None:
        embedded_levels = tuple(
            order_levels(field_, b_hat, phi, embedded_depth, tolerance, zero_hat)
        )
    written_c_order = None
    if differences and c is not None:
        phi_c = elementary_weights(field_, a, depth, leaf=c)
        written_c_order = achieved_order(order_levels(field_, b, phi_c, depth, tolerance, zero_c))
    error = None
    order = achieved_order(levels)
    if error_order and order < len(levels):  # the first order whose conditions fail
        q = order + 1
        error = principal_error(field_, b, phi, q, None if zero_b is None else zero_b(q))
    return _Decided(levels, embedded_levels, written_c_order, error)


FLOAT_PATH_WORK = 50_000_000
"""Units of ball work (the ball factor measured: Feagin 10's 1.4e7 take 0.1 s) above which
``tabc check`` decides an approximate scheme in floating point with error bounds
(:mod:`.certified`) before trying the balls; below it the balls certify every digit and
exact zero at little cost."""


def _decide_in_balls(
    a: list[list[Any]],
    b: list[Any],
    c: list[Any] | None,
    b_hat: list[Any] | None,
    tolerance: float,
    *args: Any,
) -> _Decided:
    """An approximate scheme against its tolerance, in rigorous ball arithmetic.

    Every comparison a ball decides is correct, and every number reported is certified
    (its digits, or an exact zero proved by the common denominator); when a ball is too
    wide for either, the precision doubles, and past 4096 bits the exact rationals decide.
    """
    depth = max(args[0], args[1] or 0)
    stages = len(b)
    balls = number_size(BallField(_ball_bits(tolerance)), a)
    if _takes_floats(stages, depth, tolerance, balls, full=args[3]):
        fast = _decide_in_floats(a, b, c, b_hat, tolerance, *args)
        if fast is not None:
            return fast
    bounds = _Bounds(
        _denominator([x for row in a for x in row]),
        _denominator(b),
        _denominator(c),
        _denominator(b_hat),
    )
    bits = _ball_bits(tolerance)
    while bits <= 4096:
        if _over_limit(stages, depth, number_size(BallField(bits), a)):
            break  # more precision would pass the limits: the exact rationals decide
        ball = BallField(bits)
        with ball.precision():
            try:
                convert = ball.convert
                return _decide(
                    ball,
                    [convert(row) for row in a],
                    convert(b),
                    None if c is None else convert(c),
                    None if b_hat is None else convert(b_hat),
                    tolerance,
                    *args,
                    bounds=bounds,
                )
            except Undecided:
                bits *= 2
    exact = number_size(RationalField(), a, [*b, *(c or ()), *(b_hat or ())])
    if _over_limit(stages, depth, exact):
        from ..errors import AnalysisError

        raise AnalysisError(
            "the tolerance comparisons need more than 4096 bits of precision or the exact "
            f"rationals, and {_undecided_reason(stages, depth, exact)}"
        )
    return _decide(RationalField(), a, b, c, b_hat, tolerance, *args)


def condition_size(
    field_: Field,
    a: list[list[Any]],
    others: list[Any],
    tolerance: float | None,
    depth: int,
    full: bool = False,
) -> NumberSize:
    """The :class:`~.work.NumberSize` the order conditions up to ``depth`` are decided with,
    as :func:`_decide_in_balls` chooses: an approximate scheme's decimals in floating point
    with error bounds (up to 64 stages) once the balls would cost more than
    :data:`FLOAT_PATH_WORK` (``check``) or :data:`~tableau_compiler.limits.MAX_REPORT_WORK`
    (``info``), else in balls; exact values in their field."""
    if tolerance is not None and isinstance(field_, RationalField):
        balls = number_size(BallField(_ball_bits(tolerance)), a, others)
        return FLOAT if _takes_floats(len(a), depth, tolerance, balls, full=full) else balls
    return number_size(field_, a, others)


def _takes_floats(
    stages: int, depth: int, tolerance: float, balls: NumberSize, *, full: bool
) -> bool:
    """Whether an approximate scheme's conditions are decided in floating point first: balls
    certify every digit (exact zeros too), so they decide while cheap; past FLOAT_PATH_WORK
    (check) or MAX_REPORT_WORK (info) of them, floats with error bounds do, where the
    platform's floats can reach the tolerance and up to 64 stages (the exactness argument of
    :mod:`.certified` for sums of products)."""
    from .certified import float_floor  # numpy's finfo: only for approximate schemes

    threshold = limits.MAX_REPORT_WORK if full else FLOAT_PATH_WORK
    return (
        stages <= 64
        and condition_work(stages, depth, balls) > threshold
        and tolerance > float_floor()  # numpy's finfo: asked last, numpy takes 0.1 s to import
    )


def _decide_in_floats(
    a: list[list[Any]],
    b: list[Any],
    c: list[Any] | None,
    b_hat: list[Any] | None,
    tolerance: float,
    depth: int,
    embedded_depth: int | None,
    differences: bool,
    error_order: bool,
) -> _Decided | None:
    """:func:`_decide` in floating point with rigorous error bounds (:mod:`.certified`), or
    None when the bounds leave a condition or a reported digit undecided."""
    from .certified import float_levels, float_principal_error, float_residuals

    top = max(depth, embedded_depth or 0)
    weights = [b] + ([b_hat] if b_hat is not None and embedded_depth is not None else [])
    found = float_residuals(a, weights, top, tolerance)
    if found is None:
        return None
    levels = float_levels(found[0], depth, tolerance)
    if levels is None:
        return None
    embedded_levels = None
    if len(found) > 1 and embedded_depth is not None:
        hat_levels = float_levels(found[1], embedded_depth, tolerance)
        if hat_levels is None:
            return None
        embedded_levels = tuple(hat_levels)
    written_c_order = None
    if differences and c is not None:
        with_c = float_residuals(a, [b], depth, tolerance, leaf=c)
        c_levels = None if with_c is None else float_levels(with_c[0], depth, tolerance)
        if c_levels is None:
            return None
        written_c_order = achieved_order(c_levels)
    error = None
    order = achieved_order(levels)
    if error_order and order < len(levels):
        error = float_principal_error(found[0], order + 1)
        if error is None:
            return None
    return _Decided(levels, embedded_levels, written_c_order, error)


def _ball_bits(tolerance: float) -> int:
    """The starting precision of the ball arithmetic for a tolerance."""
    return max(128, int(math.log2(1 / tolerance)) + 96)


def _negligible(field_: Field, x: Any, tolerance: float | None) -> bool:
    return field_.is_zero(x) if tolerance is None else not field_.exceeds(x, tolerance)


def _largest(field_: Field, values: list[Any]) -> Value:
    """The largest |x| among ``values`` (exact), as a reported value."""
    if not values:
        return Value.zero_value()
    sizes = [field_.size(x) for x in values]
    return abs(field_.value(values[max(range(len(values)), key=sizes.__getitem__)]))


def _stiffly_accurate(
    field_: Field, a: list[list[Any]], b: list[Any], tolerance: float | None
) -> Judgement:
    """b_j = a_sj for every j (HNW IV.6, Prothero & Robinson 1974)."""
    differences = [x - y for x, y in zip(b, a[-1])]
    holds = all(_negligible(field_, x, tolerance) for x in differences)
    exactly = all(field_.is_zero(x) for x in differences)
    return Judgement(
        holds=holds,
        tolerance=tolerance,
        quantity="max |b_j − a_sj|",
        size=_largest(field_, differences),
        exactly=exactly,
    )


def _embedded_hint(
    tableau: ButcherTableau,
    field_: Field,
    a: list[list[Any]],
    b: list[Any],
    b_hat: list[Any],
    tolerance: float | None,
) -> str:
    """When b̂ sums to 0 (exactly, or within the tolerance), it is almost surely the error
    coefficients e = b − b̂ (or b̂ − b) that solver tables print: say so, with the rows
    b − e and b + e to write.  (Both meet the conditions up to the embedded order whenever
    e is such a difference, since the conditions are linear in the weights: which one is
    meant depends on the table's convention, not on the conditions.)"""
    total = sum(b_hat, field_.rational(0))
    if not _negligible(field_, total, tolerance):
        return ""
    claimed = tableau.embedded_order or 1
    sum_text = "0" if field_.is_zero(total) else shown(field_.value(total), tolerance)
    depth = decidable_order(len(b), claimed, number_size(field_, a, [*b, *b_hat]))
    phi = elementary_weights(field_, a, depth)
    readings = []
    for sign, convention, words in ((-1, "b − b̂", "b − e"), (1, "b̂ − b", "b + e")):
        candidate = [x + field_.rational(sign) * y for x, y in zip(b, b_hat)]
        reaches = achieved_order(order_levels(field_, candidate, phi, depth, tolerance)) >= depth
        row = _row_text(field_, candidate, decimal=tolerance is not None)
        readings.append((convention, words, row, reaches))
    confirmed = all(reaches for *_, reaches in readings)
    texts = [
        f"if it is e = {convention}, write b_hat = {words}" + (f" = [{row}]" if row else "")
        for convention, words, row, _ in readings
    ]
    return (
        f"b̂ sums to {sum_text}, as error coefficients do (some tables print e = b − b̂ or "
        f"b̂ − b in place of b̂): {texts[0]}; {texts[1]}"
        + (f" (either reaches embedded order {depth})" if confirmed else "")
    )


def _row_text(field_: Field, values: list[Any], *, decimal: bool) -> str:
    """Exact texts of a row, as they would be written in a file ("" when one is too long);
    ``decimal``: rationals with a finite decimal expansion are written as decimals."""
    texts = []
    for x in values:
        text = field_.value(x).exact or ""
        if decimal and isinstance(field_, RationalField):
            text = _decimal_text(lowest_terms(int(x.p), int(x.q))) or text
        if not text or len(text) > 40:
            return ""
        texts.append(f'"{text}"')
    return ", ".join(texts)


def _decimal_text(value: Fraction) -> str | None:
    """The finite decimal of a rational whose denominator is 2^i 5^j (as decimals give),
    else None."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1 or value.denominator == 1:
        return None
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


@dataclass(frozen=True)
class StructuralProperties:
    """What ``tabc info`` reports beyond order and R(z) (see :mod:`.structure`), judged at
    the parameter values."""

    ssp: Any
    symplectic: Judgement
    algebraically_stable: Judgement
    symmetric: Judgement
    fsal: Judgement
    error_metrics: Any = None
    at_parameter_values: bool = False

    def lines(self) -> list[str]:
        out = [
            f"  SSP coefficient (radius of absolute monotonicity): {self.ssp.words()}",
            f"  symplectic (b_i a_ij + b_j a_ji = b_i b_j): {self.symplectic.words()}",
            "  algebraically stable (b >= 0, BA + AᵀB − bbᵀ positive semidefinite): "
            + self.algebraically_stable.words(),
            f"  symmetric (equal to its adjoint, HLW §V.2): {self.symmetric.words()}",
            f"  FSAL (first row of A zero, last row = b): {self.fsal.words()}",
        ]
        if self.error_metrics is not None:
            out += self.error_metrics.lines()
        if self.at_parameter_values:
            out.append(
                "  parameters: stability intervals, SSP coefficient and the properties above "
                "are computed at the parameter values"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "ssp_coefficient": self.ssp.to_dict(),
            "symplectic": self.symplectic.to_dict(),
            "algebraically_stable": self.algebraically_stable.to_dict(),
            "symmetric": self.symmetric.to_dict(),
            "fsal": self.fsal.to_dict(),
            "error_metrics": None if self.error_metrics is None else self.error_metrics.to_dict(),
            "at_parameter_values": self.at_parameter_values,
        }


def _first_negative(
    field_: Field, a: list[list[Any]], b: list[Any], tolerance: float | None
) -> str:
    """The first entry of A (by rows) or b that is negative (below −tolerance for an
    approximate scheme), named as ``a_21 < 0``; "" when there is none or a sign is not
    decidable in the field."""
    from ..errors import AnalysisError

    named = [(f"a_{i + 1}{j + 1}", x) for i, row in enumerate(a) for j, x in enumerate(row)]
    named += [(f"b_{j + 1}", x) for j, x in enumerate(b)]
    for name, x in named:
        try:
            if field_.is_zero(x) or field_.sign(x) > 0:
                continue
            if tolerance is None or field_.exceeds(x, tolerance):
                return f"{name} < 0" if tolerance is None else f"{name} < −{tolerance:g}"
        except (*_UNDECIDABLE, AnalysisError):
            return ""
    return ""


def _ssp(
    tableau: ButcherTableau, field_: Field, a: list[list[Any]], b: list[Any],
    tolerance: float | None, order: int,
) -> Any:  # fmt: skip
    """The SSP coefficient over the scheme's field: python-flint for rationals, sympy's
    algebraic number field for radicals (QQ(√d) is handed over as sympy's QQ<√d>).

    An exact scheme whose order exceeds what a positive radius of absolute monotonicity
    allows has coefficient 0 without computation: order <= 4 for explicit methods and
    <= 6 for implicit ones (Kraaijevanger, "Contractivity of Runge–Kutta methods", BIT 31
    (1991); Gottlieb, Ketcheson & Shu, *Strong Stability Preserving Runge–Kutta and Multistep
    Time Discretizations*, 2011, on the order barriers).  Likewise, with no computation, a
    negative entry of A or b (beyond the tolerance, for an approximate scheme): a positive
    radius needs K = [A 0; bᵀ 0] ≥ 0, since K(I + rK)⁻¹ = K − rK² + … must be non-negative for
    small r > 0 (Kraaijevanger 1991, Theorem 4.2)."""
    from . import structure
    from .algebraic import Crossing

    explicit = classify(field_, a) == "explicit"
    if tolerance is None and order > (4 if explicit else 6):
        bound = "4 for explicit methods" if explicit else "6"
        return structure.SSPCoefficient(
            Crossing(None), len(b), tolerance,
            theorem=f"order {order}: a positive SSP coefficient needs order <= {bound} "
            "(Kraaijevanger 1991)",
        )  # fmt: skip
    negative = _first_negative(field_, a, b, tolerance)
    if negative:
        return structure.SSPCoefficient(
            Crossing(None), len(b), tolerance,
            theorem=f"{negative}: a positive SSP coefficient needs A >= 0 and b >= 0 "
            "(Kraaijevanger 1991)",
        )  # fmt: skip
    if isinstance(field_, RationalField):
        fractions = lambda xs: [Fraction(int(x.p), int(x.q)) for x in xs]
        return structure.ssp_coefficient([fractions(row) for row in a], fractions(b), tolerance)
    if not isinstance(field_, SympyField):
        field_, a, b, _, _ = convert_tableau(tableau, parameter_values(tableau), quadratic=False)
    if not isinstance(field_, SympyField) or field_.symbolic:
        return structure.SSPCoefficient(
            None, len(b), tolerance, f"entries in {field_.name}: not an algebraic number"
        )
    return structure.ssp_coefficient(a, b, tolerance, domain=field_.sympy_domain)


def _structure(
    tableau: ButcherTableau,
    field_: Field,
    a: list[list[Any]],
    b: list[Any],
    b_hat: list[Any] | None,
    tolerance: float | None,
    order: int,
    embedded_order: int | None,
) -> StructuralProperties:
    from ..errors import AnalysisError
    from . import structure

    try:
        ssp = _ssp(tableau, field_, a, b, tolerance, order)
    except (*_UNDECIDABLE, AnalysisError) as error:
        ssp = structure.SSPCoefficient(None, len(b), tolerance, f"not decided: {error}")
    metrics = None
    if b_hat is not None and embedded_order is not None and embedded_order >= 1 and order >= 1:
        depth = max(order, embedded_order) + 2
        if decidable_order(len(b), depth, number_size(field_, a, [*b, *b_hat])) >= depth:
            metrics = structure.error_metrics(field_, a, b, b_hat, order, embedded_order)
    judge = lambda decide: _or_undecided(decide, field_, a, b, tolerance)
    return StructuralProperties(
        ssp=ssp,
        symplectic=judge(structure.symplectic),
        algebraically_stable=judge(structure.algebraic_stability),
        symmetric=judge(structure.symmetric),
        fsal=judge(structure.first_same_as_last),
        error_metrics=metrics,
        at_parameter_values=bool(tableau.parameters),
    )


def order_condition_work(
    tableau: ButcherTableau, *, full: bool = False, depth: int | None = None
) -> tuple[int, int]:
    """(units of work, bits of memory) that deciding ``tableau``'s conditions up to ``depth``
    (by default its claimed orders, and order p + 1 when ``full``, as ``tabc info``) is
    estimated at: what the limits compare (:mod:`.work`; benchmarks/bench_work.py measures it
    against the clock)."""
    field_, a, b, c, b_hat = convert_tableau(tableau, parameter_values(tableau))
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    if depth is None:
        depth = max(tableau.order, tableau.embedded_order or 0) + (1 if full else 0)
    size = condition_size(field_, a, [*b, *(c or ()), *(b_hat or ())], tolerance, depth, full)
    return condition_work(tableau.stages, depth, size), condition_memory(
        tableau.stages, depth, size
    )


_UNDECIDABLE = (ArithmeticError, TypeError, Undecided)
"""What a decision over an exotic field can raise (a sign sympy cannot certify, a ball too
wide): the property is then reported undecided with the reason, never as a traceback."""


def _or_undecided(decide: Any, field_: Field, a: Any, b: Any, tolerance: float | None) -> Any:
    from ..errors import AnalysisError

    try:
        return decide(field_, a, b, tolerance)
    except (*_UNDECIDABLE, AnalysisError) as error:
        return Judgement(None, tolerance, reason=f"not decided over {field_.name}: {error}")


SMALL_WORK = 2_400
"""An exact check whose trees (up to the claimed order) times stages² are at most this
(e.g. 8 stages at order 6: 37 trees × 64; 10 stages at order 4; 5 stages at order 7) is
decided with Python integers (:class:`~.arithmetic.SmallRationalField`,
:class:`~.quadratic.SmallQuadraticField`, :class:`~.order.SmallScaledWeights`): a few
milliseconds, less than importing python-flint (about 30 ms)."""


def _small_check(tableau: ButcherTableau) -> bool:
    wanted = max(tableau.order, tableau.embedded_order or 0)
    if wanted >= len(_TREE_COUNTS):
        return False
    return _TREE_COUNTS[wanted] * tableau.stages**2 <= SMALL_WORK


_TREE_COUNTS = (0, 1, 2, 4, 8, 17, 37, 85, 200)
"""Rooted trees with at most q vertices (OEIS A000081 summed), q = 0..8."""


def analyse_tableau(
    tableau: ButcherTableau, *, full: bool = False, strict: bool = False
) -> RungeKuttaAnalysis:
    """Decide the order of ``tableau`` at its parameter values.

    A written c that differs from the row sums of A and gives a lower order than they do
    fails, unless the file says ``nodes = "row-sums"`` and the check is not ``strict``.

    ``full`` adds what ``tabc info`` shows: the conditions of order p+1 (hence the
    exact order and the principal error coefficients), the stability function and,
    when there are parameters, the regions where each order holds.
    """
    small = not full and not tableau.is_approximate and _small_check(tableau)
    field_, a, b, c, b_hat = convert_tableau(tableau, parameter_values(tableau), small=small)
    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    s = tableau.stages
    warnings: list[Finding] = []

    claimed = tableau.order
    claimed_hat = tableau.embedded_order if b_hat is not None else None
    extra = 1 if full else 0
    wanted = max(claimed, claimed_hat or 0) + extra
    others = [*b, *(c or ()), *(b_hat or ())]
    size = condition_size(field_, a, others, tolerance, wanted, full)
    if condition_memory(s, 0, size) > limits.MAX_CONDITION_BITS:
        from ..errors import LimitError

        raise LimitError(
            f"A scaled to a common denominator would take {condition_memory(s, 0, size):.2g} "
            f"bits, above the limit of {limits.MAX_CONDITION_BITS:.2g} (the denominators of "
            "the entries have too large a common multiple)",
            key=("tableau", "a"),
        )
    top = decidable_order(s, wanted, size)
    depth = min(claimed + extra, top)
    embedded_depth = None if claimed_hat is None else min(claimed_hat + extra, top)

    # c against the row sums of A: exact, judged against the tolerance.
    row_sums = [sum(row, field_.rational(0)) for row in a]
    differences: tuple[int, ...] = ()
    c_difference = None
    if c is not None:
        gaps = [x - y for x, y in zip(c, row_sums)]
        differences = tuple(
            i + 1 for i, x in enumerate(gaps) if not _negligible(field_, x, tolerance)
        )
        c_difference = _largest(field_, gaps)

    arguments = (tolerance, depth, embedded_depth, bool(differences), full)
    if tolerance is not None and isinstance(field_, RationalField):
        decided = _decide_in_balls(a, b, c, b_hat, *arguments)
    else:
        decided = _decide(field_, a, b, c, b_hat, *arguments)
    levels, embedded_levels = decided.levels, decided.embedded_levels
    order = achieved_order(levels)
    embedded_order = None if embedded_levels is None else achieved_order(embedded_levels)
    undecided = _undecided_reason(s, depth + 1, size) if depth < claimed else ""
    embedded_undecided = ""
    if claimed_hat is not None and embedded_depth is not None and embedded_depth < claimed_hat:
        embedded_undecided = _undecided_reason(s, embedded_depth + 1, size)
    c_failure = None
    if differences:
        stages = ", ".join(map(str, differences))
        c_finding = Finding(
            f"c differs from the row sums of A at stage {stages} (largest |c_i − Σ_j a_ij| "
            f"{shown_size(c_difference, tolerance)}); conditions are judged with the row sums "
            f"(order {order}); with the written c the order would be "
            f"{decided.written_c_order}",
            ("tableau", "c", differences[0] - 1),
        )
        lowers = decided.written_c_order is not None and decided.written_c_order < order
        if lowers and (tableau.nodes != "row-sums" or strict):
            c_failure = _c_failure(c_finding, tableau.nodes, strict)
        else:
            warnings.append(c_finding)
    if order > claimed:
        warnings.append(
            Finding(f"the scheme reaches order {order}, above the claimed {claimed}", ("order",))
        )

    classification = classify(field_, a)
    structure = structure_size = None
    if tolerance is not None and classification != "explicit":
        kind, structure_size, where = _structure_to_tolerance(field_, a, tolerance)
        if kind != classification and where is not None and structure_size is not None:
            structure = kind
            i, j = where
            warnings.append(
                Finding(
                    f"A is {classification} as written, {kind} to tolerance "
                    f"{tolerance_text(tolerance)}: its entries on or above the diagonal that "
                    f"are not {'zero' if kind == 'explicit' else 'on the diagonal'} are at "
                    f"most {shown_size(structure_size, tolerance)} (largest |a_{i + 1}{j + 1}|); "
                    f"the generated step computes with A as written (write 0 to make it {kind})",
                    ("tableau", "a", i, j),
                )
            )

    embedded_hint = ""
    if (
        embedded_levels is not None
        and embedded_order == 0
        and b_hat is not None
        and (claimed_hat or 0) > 0
    ):
        embedded_hint = _embedded_hint(tableau, field_, a, b, b_hat, tolerance)

    stage_q, stage_residual = stage_order(field_, a, b, row_sums, s + 1, tolerance)

    error_norm = error_order = None
    error_coefficients: tuple[tuple[int, float], ...] = ()
    stability = regions = None
    stiff = None
    properties = None
    if full:
        properties = _structure(tableau, field_, a, b, b_hat, tolerance, order, embedded_order)
        if decided.principal_error is not None:
            error_order = order + 1
            error_norm, coefficients = decided.principal_error
            error_coefficients = tuple(zip(TREES.of_order(error_order), coefficients))
        stiff = _stiffly_accurate(field_, a, b, tolerance)
        stability = stability_function(tableau, field_, a, b, tolerance, classification)
        if tableau.parameters and any(x.names for x in tableau.coefficients()):
            from .regions import tableau_regions

            regions = tableau_regions(tableau)

    return RungeKuttaAnalysis(
        scheme=tableau,
        domain=field_.name,
        tolerance=tolerance,
        classification=classification,
        levels=tuple(levels),
        order=order,
        embedded_levels=embedded_levels,
        embedded_order=embedded_order,
        stage_order=stage_q,
        written_c_order=decided.written_c_order,
        c_differences=differences,
        principal_error_norm=error_norm,
        principal_error_order=error_order,
        principal_error_coefficients=error_coefficients,
        stability=stability,
        parameter_regions=regions,
        warnings=tuple(w.message for w in warnings),
        warning_keys=tuple(w.key for w in warnings),
        stage_order_residual=stage_residual,
        c_difference=c_difference,
        stiffly_accurate=stiff,
        structure_to_tolerance=structure,
        structure_size=structure_size,
        undecided=undecided,
        embedded_undecided=embedded_undecided,
        embedded_hint=embedded_hint,
        properties=properties,
        c_failure=c_failure,
    )
