"""For which parameter values a scheme is consistent, reaches each order, is zero-stable.

With the parameters kept as symbols, order conditions and consistency become
polynomial equations in them; their real solution sets are computed exactly with
sympy.  The root condition gives a semi-algebraic set in one parameter k: roots of
ρ(ζ; k) can only reach the unit circle, change multiplicity or escape to infinity
at the real roots of a few resultants and discriminants (the critical values), so
the condition has one truth value on each open interval between them.  It is
decided exactly at a rational point of each interval and at each critical value.

Values where the scheme is undefined are excluded from every region and listed: where a
coefficient divides by zero, and (multistep) where α_k = 0.  For an approximate scheme
(one parameter) a condition holds where its residual is at most the tolerance in absolute
value, {x : −t <= r(x) <= t}, solved exactly; the root condition is decided exactly.
No value is ever guessed: sample points are exact rationals, endpoints exact algebraic
numbers (printed as decimals when long).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..expression import Expression
from ..scheme import ButcherTableau, MultistepScheme, Scheme
from .arithmetic import RationalField, field_for
from .values import EXACT_TEXT_LIMIT, lowest_terms, sympy_text, tolerance_text

__all__ = ["ParameterRegions", "multistep_regions", "root_condition_region", "tableau_regions"]


@dataclass(frozen=True)
class ParameterRegions:
    parameters: tuple[str, ...]
    entries: tuple[tuple[str, str], ...]
    """(property, the parameter values where it holds), in reading order."""
    zero_stable_set: Any = None
    """The zero-stable parameter values as a sympy set (one parameter, multistep only)."""
    order_sets: tuple[Any, ...] = ()
    """One parameter: the sympy set where the order is >= q, for q = 1, 2, ... (index q - 1)."""
    defined_set: Any = None
    """One parameter: where the scheme is defined (no zero denominator, alpha_k != 0)."""
    excluded: tuple[tuple[str, str], ...] = field(default=())
    """(values, why) for each excluded part, e.g. ("w = -1", "a coefficient divides by zero")."""
    claimed_order_set: Any = None
    """The parameter values where the claimed order holds, as a sympy set (one parameter,
    Runge–Kutta only)."""

    def lines(self) -> list[str]:
        names = ", ".join(self.parameters)
        return [f"  parameter regions ({names}):"] + [
            f"    {what}: {where}" for what, where in self.entries
        ]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"parameters": list(self.parameters), "regions": dict(self.entries)}
        if self.excluded:
            data["excluded"] = [{"values": v, "why": why} for v, why in self.excluded]
        return data


# --------------------------------------------------------------------------- sets as text


def _value_text(value: Any, digits: int | None = None) -> str:
    """An exact real number for text: as sympy prints it when short (with ``digits``: only a
    short rational), else ≈ decimals."""
    import sympy

    text = sympy_text(value)
    if len(text) <= EXACT_TEXT_LIMIT and (digits is None or value.is_Rational):
        return text
    return "≈ " + str(sympy.N(value, digits or 16))


def describe_set(region: Any, name: str, digits: int | None = None) -> str:
    """'-1 < k <= 1', 'k = 1', 'every k', 'no k' ... for a sympy set of reals
    (``digits``: print every endpoint as a decimal with that many digits)."""
    import sympy

    def text(value: Any) -> str:
        return _value_text(value, digits)

    if region == sympy.S.Reals:
        return f"every {name}"
    if region == sympy.S.EmptySet:
        return f"no {name}"
    excluded = sympy.S.Reals - region
    if isinstance(excluded, sympy.FiniteSet):
        return f"{name} ≠ " + ", ".join(text(v) for v in sorted(excluded, key=float))
    parts = region.args if isinstance(region, sympy.Union) else (region,)
    texts = []
    for part in parts:
        if isinstance(part, sympy.FiniteSet):
            texts += [f"{name} = {text(value)}" for value in sorted(part, key=lambda v: float(v))]
        elif isinstance(part, sympy.Interval):
            low = (
                ""
                if part.start == -sympy.oo
                else f"{text(part.start)} {'<' if part.left_open else '<='} "
            )
            high = (
                ""
                if part.end == sympy.oo
                else f" {'<' if part.right_open else '<='} {text(part.end)}"
            )
            texts.append(f"{low}{name}{high}")
        elif isinstance(part, sympy.Complement) and part.args[0] == sympy.S.Reals:
            texts.append(f"{name} ≠ " + ", ".join(text(v) for v in part.args[1]))
        elif isinstance(part, sympy.Complement) and isinstance(part.args[0], sympy.Interval):
            texts.append(
                describe_set(part.args[0], name, digits)
                + f" and {name} ≠ "
                + ", ".join(text(v) for v in part.args[1])
            )
        else:
            texts.append(sympy_text(part))
    return " or ".join(texts)


def _zero_set(expressions: Sequence[Any], symbol: Any, tolerance: Fraction | None = None) -> Any:
    """Real values of ``symbol`` where every expression vanishes (with a ``tolerance``: lies
    in [−t, t]) and is defined."""
    import sympy

    region = sympy.S.Reals
    t = None if tolerance is None else sympy.Rational(tolerance.numerator, tolerance.denominator)
    for expression in expressions:
        numerator, denominator = sympy.fraction(sympy.together(expression))
        if denominator.has(symbol):
            region = region - sympy.solveset(denominator, symbol, sympy.S.Reals)
        if sympy.expand(numerator) == 0:
            continue
        if t is None or not numerator.has(symbol):
            if t is None:
                region = region.intersect(sympy.solveset(numerator, symbol, sympy.S.Reals))
            elif abs(expression) > t:  # a constant beyond the tolerance
                region = sympy.S.EmptySet
        else:
            within = sympy.solveset(expression - t <= 0, symbol, sympy.S.Reals).intersect(
                sympy.solveset(expression + t >= 0, symbol, sympy.S.Reals)
            )
            region = region.intersect(within)
        if region == sympy.S.EmptySet:
            break
    return region


def _undefined(expressions: Sequence[Expression], symbol: Any, name: str) -> Any:
    """The real values of the one parameter where some coefficient divides by zero."""
    import sympy

    points = sympy.S.EmptySet
    for expression in expressions:
        for denominator in _denominators(expression.to_sympy({name: symbol}), symbol):
            points = points.union(sympy.solveset(denominator, symbol, sympy.S.Reals))
    return points


def _denominators(value: Any, symbol: Any) -> list[Any]:
    """Every denominator in the expression tree that depends on ``symbol`` (before any
    cancellation: 1/(1 + w) − 1/(1 + w) is still undefined at w = −1)."""
    import sympy

    found = []
    for node in sympy.preorder_traversal(value):
        if isinstance(node, sympy.Pow) and node.exp.is_negative and node.base.has(symbol):
            found.append(node.base)
    together = sympy.fraction(sympy.together(value))[1]
    if together.has(symbol):
        found.append(together)
    return found


def _tolerance_of(scheme: Any) -> Fraction | None:
    if not scheme.is_approximate:
        return None
    return Fraction(repr(scheme.effective_tolerance))


def _digits(tolerance: Fraction | None) -> int | None:
    """Decimal digits for the endpoints of a region to a tolerance (enough to separate them)."""
    if tolerance is None:
        return None
    import math

    return min(30, max(8, math.ceil(-math.log10(tolerance)) + 6))


def _solutions(expressions: Sequence[Any], symbols: Sequence[Any]) -> str:
    """Several parameters: the solutions of the polynomial system, as sympy states them."""
    import sympy

    equations = [sympy.fraction(sympy.together(e))[0] for e in expressions]
    equations = [e for e in equations if sympy.expand(e) != 0]
    if not equations:
        return "every value"
    solutions = sympy.solve(equations, list(symbols), dict=True)
    if not solutions:
        return "no real values"
    return " or ".join(
        ", ".join(f"{k} = {sympy_text(v)}" for k, v in solution.items()) or "every value"
        for solution in solutions
    )


def _parameter_under_a_root(expressions: Sequence[Expression]) -> str | None:
    """The text of the first coefficient that takes a square root of a parameter expression.

    The regions are solved in polynomial rings over the parameters, where ``sqrt(k)`` is no
    element: for such a scheme they are not computed (and the report says so).
    """
    from ..expression import Name, Sqrt, _children

    def holds_name(node: Any) -> bool:
        return isinstance(node, Name) or any(holds_name(child) for child in _children(node))

    def root_of_parameter(node: Any) -> bool:
        if isinstance(node, Sqrt) and holds_name(node.argument):
            return True
        return any(root_of_parameter(child) for child in _children(node))

    for expression in expressions:
        if root_of_parameter(expression.tree):
            return expression.text
    return None


def _not_computed(names: Sequence[str], text: str) -> ParameterRegions:
    why = f"not computed: {text!r} takes a square root of a parameter (regions are solved for coefficients rational in the parameters)"
    return ParameterRegions(tuple(names), (("note", why),))


def _over_limit(names: Sequence[str], why: str) -> ParameterRegions:
    return ParameterRegions(tuple(names), (("note", f"not computed: {why}"),))


def _parameter_degree(expressions: Sequence[Expression], names: Sequence[str]) -> int:
    """An upper bound on the total degree in the parameters of a numerator or denominator of
    the coefficients (each a rational function of them), read from the expression trees
    without expanding (:func:`~.vanishing.degree_bound`): (1 + k + … + k⁷)⁶⁴ has degree 448
    and is never multiplied out to find it.  A square root of a parameter has no degree;
    such schemes are turned away before (:func:`_parameter_under_a_root`)."""
    from .vanishing import degree_bound

    degree = 0
    for expression in expressions:
        if expression.names:
            bound = degree_bound(expression.tree, set(names))
            degree = max(degree, bound.numerator, bound.denominator)
    return degree


def _regions_limit(names: Sequence[str], degree: int, what: str) -> str:
    """Why the regions are beyond the limits (before any solving), or ""."""
    from .. import limits

    if len(names) > limits.MAX_REGION_PARAMETERS:
        return (
            f"{len(names)} parameters, above the limit of {limits.MAX_REGION_PARAMETERS} for "
            "parameter regions (a polynomial system in every parameter)"
        )
    if degree > limits.MAX_REGION_DEGREE:
        return (
            f"{what} have degree up to {degree} in the parameters, above the limit of "
            f"{limits.MAX_REGION_DEGREE} for parameter regions"
        )
    return ""


# --------------------------------------------------------------------------- Runge–Kutta


def tableau_regions(tableau: ButcherTableau) -> ParameterRegions:
    """Where the conditions of each order up to the claimed one (and the next) hold."""
    import sympy

    from ..errors import LimitError
    from .order import elementary_weights, residuals
    from .rooted_trees import TREES
    from .runge_kutta import convert_tableau, decidable_order
    from .work import number_size

    names = sorted({n for x in tableau.coefficients() for n in x.names})
    rooted = _parameter_under_a_root(list(tableau.coefficients()))
    if rooted is not None:
        return _not_computed(names, rooted)
    top = tableau.order + 1
    # The residuals of order q are polynomials of degree q·d in the parameters (d: the
    # entries' degree): bound the solving before any of it is done.
    degree = top * _parameter_degree(list(tableau.coefficients()), names)
    over = _regions_limit(names, degree, f"the order conditions up to order {top}")
    if over:
        return _over_limit(names, over)
    try:
        field, a, b, _, _ = convert_tableau(tableau, None)
    except LimitError as error:
        return _over_limit(names, error.message)
    if decidable_order(len(a), top, number_size(field, a, b)) < top:
        return _over_limit(
            names,
            f"the order conditions up to order {top} in the parameters are above the work limit",
        )
    symbols = [sympy.Symbol(n, real=True) for n in names]
    phi = elementary_weights(field, a, top)
    tolerance = _tolerance_of(tableau)
    entries = []
    excluded: list[tuple[str, str]] = []
    so_far: list[Any] = []
    sets = []
    defined = sympy.S.Reals  # where every coefficient is defined (no zero denominator)
    if len(symbols) == 1:
        undefined = _undefined(list(tableau.coefficients()), symbols[0], names[0])
        defined = sympy.S.Reals - undefined
        if undefined != sympy.S.EmptySet:
            excluded.append((describe_set(undefined, names[0]), "a coefficient divides by zero"))
    elif tolerance is not None:
        note = "regions to a tolerance are computed for one parameter only; these are exact"
        entries.append(("note", note))
    for q in range(1, top + 1):
        so_far += [field.to_sympy(r) for r in residuals(field, b, phi, TREES.of_order(q))]
        label = f"order >= {q}"
        if len(symbols) == 1:
            region = defined.intersect(_zero_set(so_far, symbols[0], tolerance))
            sets.append(region)
            where = describe_set(region, names[0], _digits(tolerance))
            if tolerance is not None:
                label += f" (to tolerance {tolerance_text(float(tolerance))})"
        else:
            where = _solutions(so_far, symbols)
        entries.append((label, where))
    if excluded:
        entries.append(("excluded", _excluded_text(excluded)))
    return ParameterRegions(
        tuple(names),
        tuple(entries),
        order_sets=tuple(sets),
        defined_set=defined if len(symbols) == 1 else None,
        excluded=tuple(excluded),
        claimed_order_set=sets[tableau.order - 1] if len(sets) >= tableau.order else None,
    )


def _excluded_text(excluded: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{values} ({why})" for values, why in excluded)


# --------------------------------------------------------------------------- multistep


def multistep_regions(scheme: MultistepScheme) -> ParameterRegions:
    import sympy

    from ..errors import LimitError
    from .multistep import error_constants

    names = sorted({n for x in scheme.coefficients() for n in x.names})
    rooted = _parameter_under_a_root(list(scheme.coefficients()))
    if rooted is not None:
        return _not_computed(names, rooted)
    k = scheme.steps
    # The error constants up to C_{2k+1} have degree (2k + 1)·d in the parameter, and the
    # resultants that bound the root-condition region degree 2k·d.
    degree = (2 * k + 1) * _parameter_degree(list(scheme.coefficients()), names)
    over = _regions_limit(names, degree, f"the error constants of {k} steps")
    if over:
        return _over_limit(names, over)
    try:
        field, elements = field_for([*scheme.alpha, *scheme.beta], None, quadratic=False)
    except LimitError as error:
        return _over_limit(names, error.message)
    alpha, beta = elements[: k + 1], elements[k + 1 :]
    symbols = [sympy.Symbol(n, real=True) for n in names]
    tolerance = _tolerance_of(scheme)
    rho_1 = field.to_sympy(sum(alpha, field.rational(0)))
    rho_prime_1 = field.to_sympy(
        sum((field.rational(j) * a for j, a in enumerate(alpha)), field.rational(0))
    )
    sigma_1 = field.to_sympy(sum(beta, field.rational(0)))
    entries = []
    if len(symbols) != 1:
        entries.append(("consistent (rho(1) = 0)", _solutions([rho_1], symbols)))
        entries.append(("note", "zero-stability regions are computed for one parameter only"))
        return ParameterRegions(tuple(names), tuple(entries))

    (symbol,) = symbols
    name = names[0]
    digits = _digits(tolerance)
    suffix = "" if tolerance is None else f" (to tolerance {tolerance_text(float(tolerance))})"
    # Where the scheme is defined: no coefficient divides by zero and alpha_k != 0.
    excluded: list[tuple[str, str]] = []
    undefined = _undefined(list(scheme.coefficients()), symbol, name)
    if undefined != sympy.S.EmptySet:
        excluded.append((describe_set(undefined, name), "a coefficient divides by zero"))
    leading = sympy.fraction(sympy.together(scheme.alpha[-1].to_sympy({name: symbol})))[0]
    vanishing = sympy.S.EmptySet
    if sympy.expand(leading) != 0 and leading.has(symbol):
        vanishing = sympy.solveset(leading, symbol, sympy.S.Reals) - undefined
    if vanishing != sympy.S.EmptySet:
        excluded.append((describe_set(vanishing, name), "alpha_k = 0"))
    defined = sympy.S.Reals - undefined - vanishing

    consistent = defined.intersect(_zero_set([rho_1], symbol, tolerance))
    for quantity in (rho_prime_1, sigma_1):
        consistent = consistent - _zero_set([quantity], symbol, tolerance)
    entries.append(
        (f"consistent (after rescaling the step){suffix}", describe_set(consistent, name, digits))
    )
    factor = sympy.factor(sympy.cancel(sigma_1 / rho_prime_1)) if rho_prime_1 != 0 else None
    if factor is not None and factor != 1:
        entries.append(("step factor sigma(1)/rho'(1)", _value_text(factor)))
    # Order with the rescaled step: C_q of (alpha, beta · rho'(1)/sigma(1)).
    scale = field.divide(
        sum((field.rational(j) * a for j, a in enumerate(alpha)), field.rational(0)),
        sum(beta, field.rational(0)),
    ) if not field.is_zero(sum(beta, field.rational(0))) else None  # fmt: skip
    sets = []
    if scale is not None:
        rescaled = [b * scale for b in beta]
        constants = [field.to_sympy(c) for c in error_constants(field, alpha, rescaled, 2 * k + 1)]
        for q in range(1, 2 * k + 2):
            region = consistent.intersect(_zero_set(constants[: q + 1], symbol, tolerance))
            sets.append(region)
            entries.append((f"order >= {q}{suffix}", describe_set(region, name, digits)))
            if region == sympy.S.EmptySet:
                break
    stable = defined.intersect(root_condition_region([field.to_sympy(a) for a in alpha], symbol))
    label = "zero-stable" + ("" if tolerance is None else " (root condition decided exactly)")
    entries.append((label, describe_set(stable, name)))
    if excluded:
        entries.append(("excluded", _excluded_text(excluded)))
    return ParameterRegions(
        tuple(names),
        tuple(entries),
        zero_stable_set=stable,
        order_sets=tuple(sets),
        defined_set=defined,
        excluded=tuple(excluded),
    )


def root_condition_region(coefficients: Sequence[Any], symbol: Any) -> Any:
    """The set of real values of ``symbol`` where ρ(ζ) = Σ coefficients[j] ζ^j satisfies
    the root condition (a union of intervals and points, as a sympy set)."""
    import sympy

    from .zero_stability import root_condition

    zeta = sympy.Symbol("zeta")
    rho = sympy.together(sum(c * zeta**j for j, c in enumerate(coefficients)))
    numerator, denominator = sympy.fraction(rho)
    poly = sympy.Poly(numerator, zeta)
    critical: set[Any] = set()

    def add_roots(expression: Any) -> None:
        expression = sympy.expand(expression)
        if expression == 0 or not expression.has(symbol):
            return
        critical.update(sympy.Poly(expression, symbol).real_roots())

    add_roots(poly.LC())
    add_roots(denominator)
    factors = [f for f, _ in sympy.factor_list(poly.as_expr(), zeta, symbol)[1]]
    factors = [sympy.Poly(f, zeta) for f in factors if sympy.Poly(f, zeta).degree() > 0]
    for i, f in enumerate(factors):
        mirror = sympy.Poly(list(reversed(f.all_coeffs())), zeta)
        add_roots(sympy.resultant(f.as_expr(), mirror.as_expr(), zeta))
        if f.degree() > 1:
            add_roots(sympy.discriminant(f.as_expr(), zeta))
        for g in factors[i + 1 :]:
            add_roots(sympy.resultant(f.as_expr(), g.as_expr(), zeta))
        add_roots(f.LC())
    points = sorted(critical, key=lambda v: float(v))

    def holds_at(value: Any) -> bool | None:
        values = [sympy.together(c.subs(symbol, value)) for c in coefficients]  # exact
        if any(v.has(sympy.zoo, sympy.nan) for v in values):
            return False
        while values and sympy.simplify(values[-1]) == 0:
            values.pop()  # leading coefficient vanishes: lower degree
        if len(values) < 2:
            return False
        if all(v.is_Rational for v in values):
            field = RationalField()

            return root_condition(
                field, field.convert([lowest_terms(int(v.p), int(v.q)) for v in values])
            ).holds
        return None  # an irrational critical value: left undecided

    samples: list[tuple[Any, Any]] = []  # (interval or point, sample)
    floats = [float(p) for p in points]
    edges = [-sympy.oo, *points, sympy.oo]
    for low, high, low_f, high_f in zip(edges, edges[1:], [None, *floats], [*floats, None]):
        if low_f is None and high_f is None:
            sample = sympy.Integer(0)
        elif low_f is None:
            sample = sympy.Integer(int(sympy.floor(high_f)) - 1)
        elif high_f is None:
            sample = sympy.Integer(int(sympy.ceiling(low_f)) + 1)
        else:
            sample = _rational_between(low, high)
        samples.append((sympy.Interval.open(low, high), sample))
    region = sympy.S.EmptySet
    for interval, sample in samples:
        if holds_at(sample):
            region = region.union(interval)
    for point in points:
        if holds_at(point):
            region = region.union(sympy.FiniteSet(point))
    return region


def _rational_between(low: Any, high: Any) -> Any:
    """An exact rational strictly between two distinct real algebraic numbers: their
    midpoint when both are rational, else the exact value of a decimal midpoint, with the
    decimals refined until the comparison is certain."""
    import sympy

    if low.is_Rational and high.is_Rational:
        return (low + high) / 2
    digits = 30
    while True:
        middle = sympy.Rational(str(sympy.N((low + high) / 2, digits)))  # the decimal, exactly
        if bool(low < middle) and bool(middle < high):
            return middle
        digits *= 2


# --------------------------------------------------------------------------- learnable bounds


def check_learnable_bounds(scheme: Scheme) -> None:
    """Refuse bounds of a learnable parameter that hold a value where the scheme is undefined.

    Training moves a learnable parameter anywhere inside its bounds, so a point of the closed
    interval where a coefficient divides by zero (or, for a multistep scheme, where alpha_k
    vanishes) would make the generated network compute inf or NaN.  The other parameters are
    taken at their values.  Raises :class:`SchemaError` at ``parameters.NAME.bounds`` naming
    the value and the coefficient; coefficients with a square root of a parameter are left
    alone (their denominators are not polynomial).
    """
    import sympy

    from ..errors import SchemaError
    from ..parsing import keyed_coefficients

    keyed = list(keyed_coefficients(scheme))
    if _parameter_under_a_root([expression for _, expression in keyed]) is not None:
        return
    for parameter in scheme.parameters:
        if not parameter.learnable or parameter.bounds is None:
            continue
        symbol = sympy.Symbol(parameter.name, real=True)
        others = {
            sympy.Symbol(p.name, real=True): p.value.to_sympy()
            for p in scheme.parameters
            if p.name != parameter.name
        }
        low, high = (x.to_sympy() for x in parameter.bounds)
        interval = sympy.Interval(low, high)
        for key, expression in keyed:
            if parameter.name not in expression.names:
                continue
            value = expression.to_sympy({parameter.name: symbol}).subs(others)
            zeros = [
                point
                for denominator in _denominators(value, symbol)
                for point in _points(sympy.solveset(denominator, symbol, interval))
            ]
            why = "a coefficient divides by zero"
            leading = isinstance(scheme, MultistepScheme) and key[1:] == ("alpha", scheme.steps)
            if not zeros and leading:
                zeros, why = _points(sympy.solveset(value, symbol, interval)), "alpha_k is 0"
            if zeros:
                from ..errors import format_key_path

                raise SchemaError(
                    f"the bounds [{parameter.bounds[0].text}, {parameter.bounds[1].text}] hold "
                    f"{parameter.name} = {zeros[0]}, where {why} ({format_key_path(key)} = "
                    f"{expression.text!r}); training may reach any value inside the bounds, so "
                    "choose bounds that exclude it",
                    key=("parameters", parameter.name, "bounds"),
                )


def bounds_outside_region(scheme: Scheme) -> list[tuple[tuple[str, ...], str]]:
    """(key, sentence) for each learnable parameter whose bounds leave the region where the
    scheme is zero-stable (a multistep scheme, the other parameters at their values).

    Training moves the parameter anywhere inside its bounds, so a bound past the region
    lets it reach a scheme that is not zero-stable (LM-ResNet's family ρ(ζ) = (ζ − 1)(ζ + a)
    is zero-stable only for −1 <= a < 1 ... as the root condition decides it, HNW III.3).
    The region is :func:`root_condition_region`'s, under the parameter-region limits (steps,
    degree); beyond them the sentence says the bounds were not checked.  The key is
    ``parameters.NAME.bounds``.
    """
    import sympy

    from .. import limits

    if not isinstance(scheme, MultistepScheme):
        return []
    found = []
    for parameter in scheme.parameters:
        if not parameter.learnable or parameter.bounds is None:
            continue
        if not any(parameter.name in x.names for x in scheme.alpha):
            continue
        key = ("parameters", parameter.name, "bounds")
        low, high = (x.to_sympy() for x in parameter.bounds)
        written = f"[{parameter.bounds[0].text}, {parameter.bounds[1].text}]"
        others = [p for p in scheme.parameters if p.name != parameter.name]
        fixed = {p.name: p.value.tree for p in others}
        degree = _parameter_degree(
            [Expression(x.text, _fixed_tree(x.tree, fixed)) for x in scheme.alpha],
            [parameter.name],
        )
        why = ""
        if _parameter_under_a_root(list(scheme.alpha)) is not None:
            why = "a square root of a parameter in alpha"
        elif scheme.steps > limits.MAX_LOCUS_STEPS:
            why = f"{scheme.steps} steps, above the limit of {limits.MAX_LOCUS_STEPS}"
        elif 2 * scheme.steps * degree > limits.MAX_REGION_DEGREE:
            why = (
                f"the resultants of rho have degree up to {2 * scheme.steps * degree} in "
                f"{parameter.name}, above the limit of {limits.MAX_REGION_DEGREE}"
            )
        if why:
            found.append((key, (
                f"the bounds {written} of the learnable {parameter.name} were not checked "
                f"against the zero-stable region ({why})"
            )))  # fmt: skip
            continue
        symbol = sympy.Symbol(parameter.name, real=True)
        substitution = {sympy.Symbol(p.name, real=True): p.value.to_sympy() for p in others}
        alpha = [x.to_sympy({parameter.name: symbol}).xreplace(substitution) for x in scheme.alpha]
        region = root_condition_region(alpha, symbol)
        if not sympy.Interval(low, high).is_subset(region):
            found.append((key, (
                f"the bounds {written} of the learnable {parameter.name} leave the region "
                f"where the scheme is zero-stable ({describe_set(region, parameter.name)}): "
                "training may move it to a scheme that is not; choose bounds inside the region"
            )))  # fmt: skip
    return found


def _fixed_tree(node: Any, fixed: dict[str, Any]) -> Any:
    from .vanishing import _substituted

    return _substituted(node, fixed)


def _points(solutions: Any) -> list[Any]:
    """The points of a finite sympy set, or [] (an interval of zeros has no first point)."""
    import sympy

    return sorted(solutions, key=float) if isinstance(solutions, sympy.FiniteSet) else []
