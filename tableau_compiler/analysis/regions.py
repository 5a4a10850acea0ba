"""For which parameter values a scheme is consistent, reaches each order, is zero-stable.

With the parameters kept as symbols, order conditions and consistency become
polynomial equations in them; their real solution sets are computed exactly with
sympy.  The root condition gives a semi-algebraic set in one parameter k: roots of
ρ(ζ; k) can only reach the unit circle, change multiplicity or escape to infinity
at the real roots of a few resultants and discriminants (the critical values), so
the condition has one truth value on each open interval between them.  It is
decided exactly at a rational point of each interval and at each critical value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..scheme import ButcherTableau, MultistepScheme
from .arithmetic import RationalField, field_for

__all__ = ["ParameterRegions", "multistep_regions", "root_condition_region", "tableau_regions"]


@dataclass(frozen=True)
class ParameterRegions:
    parameters: tuple[str, ...]
    entries: tuple[tuple[str, str], ...]
    """(property, the parameter values where it holds), in reading order."""
    zero_stable_set: Any = None
    """The zero-stable parameter values as a sympy set (one parameter, multistep only)."""
    claimed_order_set: Any = None
    """The parameter values where the claimed order holds, as a sympy set (one parameter,
    Runge–Kutta only)."""

    def lines(self) -> list[str]:
        names = ", ".join(self.parameters)
        return [f"  parameter regions ({names}):"] + [
            f"    {what}: {where}" for what, where in self.entries
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"parameters": list(self.parameters), "regions": dict(self.entries)}


# --------------------------------------------------------------------------- sets as text


def describe_set(region: Any, name: str) -> str:
    """'-1 < k <= 1', 'k = 1', 'every k', 'no k' ... for a sympy set of reals."""
    import sympy

    if region == sympy.S.Reals:
        return f"every {name}"
    if region == sympy.S.EmptySet:
        return f"no {name}"
    excluded = sympy.S.Reals - region
    if isinstance(excluded, sympy.FiniteSet):
        return f"{name} ≠ " + ", ".join(str(v) for v in sorted(excluded, key=float))
    parts = region.args if isinstance(region, sympy.Union) else (region,)
    texts = []
    for part in parts:
        if isinstance(part, sympy.FiniteSet):
            texts += [f"{name} = {value}" for value in sorted(part, key=lambda v: float(v))]
        elif isinstance(part, sympy.Interval):
            low = (
                ""
                if part.start == -sympy.oo
                else f"{part.start} {'<' if part.left_open else '<='} "
            )
            high = "" if part.end == sympy.oo else f" {'<' if part.right_open else '<='} {part.end}"
            texts.append(f"{low}{name}{high}")
        elif isinstance(part, sympy.Complement) and part.args[0] == sympy.S.Reals:
            texts.append(f"{name} ≠ " + ", ".join(str(v) for v in part.args[1]))
        else:
            texts.append(str(part))
    return " or ".join(texts)


def _zero_set(expressions: Sequence[Any], symbol: Any) -> Any:
    """Real values of ``symbol`` where every expression vanishes (and is defined)."""
    import sympy

    region = sympy.S.Reals
    for expression in expressions:
        numerator, denominator = sympy.fraction(sympy.together(expression))
        if denominator.has(symbol):
            region = region - sympy.solveset(denominator, symbol, sympy.S.Reals)
        if sympy.expand(numerator) != 0:
            region = region.intersect(sympy.solveset(numerator, symbol, sympy.S.Reals))
        if region == sympy.S.EmptySet:
            break
    return region


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
        ", ".join(f"{k} = {v}" for k, v in solution.items()) or "every value"
        for solution in solutions
    )


# --------------------------------------------------------------------------- Runge–Kutta


def tableau_regions(tableau: ButcherTableau) -> ParameterRegions:
    """Where the conditions of each order up to the claimed one (and the next) hold."""
    import sympy

    from .order import elementary_weights, residuals
    from .rooted_trees import TREES
    from .runge_kutta import convert_tableau

    field, a, b, _, _ = convert_tableau(tableau, None)
    names = sorted({n for x in tableau.coefficients() for n in x.names})
    symbols = [sympy.Symbol(n, real=True) for n in names]
    top = tableau.order + 1
    phi = elementary_weights(field, a, top)
    entries = []
    so_far: list[Any] = []
    claimed_set = None
    defined = sympy.S.Reals  # where every coefficient is defined (no zero denominator)
    if len(symbols) == 1:
        for coefficient in tableau.coefficients():
            value = coefficient.to_sympy(dict(zip(names, symbols)))
            denominator = sympy.fraction(sympy.together(value))[1]
            if denominator.has(symbols[0]):
                defined -= sympy.solveset(denominator, symbols[0], sympy.S.Reals)
    for q in range(1, top + 1):
        so_far += [field.to_sympy(r) for r in residuals(field, b, phi, TREES.of_order(q))]
        if len(symbols) == 1:
            region = defined.intersect(_zero_set(so_far, symbols[0]))
            claimed_set = region if q == tableau.order else claimed_set
            where = describe_set(region, names[0])
        else:
            where = _solutions(so_far, symbols)
        entries.append((f"order >= {q}", where))
    return ParameterRegions(tuple(names), tuple(entries), claimed_order_set=claimed_set)


# --------------------------------------------------------------------------- multistep


def multistep_regions(scheme: MultistepScheme) -> ParameterRegions:
    import sympy

    from .multistep import error_constants

    field, elements = field_for([*scheme.alpha, *scheme.beta], None, quadratic=False)
    k = scheme.steps
    alpha, beta = elements[: k + 1], elements[k + 1 :]
    names = sorted({n for x in scheme.coefficients() for n in x.names})
    symbols = [sympy.Symbol(n, real=True) for n in names]
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
    consistent = _zero_set([rho_1], symbol)
    for quantity in (rho_prime_1, sigma_1):
        consistent = consistent - _zero_set([quantity], symbol)
    entries.append(("consistent (after rescaling the step)", describe_set(consistent, name)))
    factor = sympy.factor(sympy.cancel(sigma_1 / rho_prime_1)) if rho_prime_1 != 0 else None
    if factor is not None and factor != 1:
        entries.append(("step factor sigma(1)/rho'(1)", str(factor)))
    # Order with the rescaled step: C_q of (alpha, beta · rho'(1)/sigma(1)).
    scale = field.divide(
        sum((field.rational(j) * a for j, a in enumerate(alpha)), field.rational(0)),
        sum(beta, field.rational(0)),
    ) if not field.is_zero(sum(beta, field.rational(0))) else None  # fmt: skip
    if scale is not None:
        rescaled = [b * scale for b in beta]
        constants = [field.to_sympy(c) for c in error_constants(field, alpha, rescaled, 2 * k + 1)]
        for q in range(1, 2 * k + 2):
            region = consistent.intersect(_zero_set(constants[: q + 1], symbol))
            entries.append((f"order >= {q}", describe_set(region, name)))
            if region == sympy.S.EmptySet:
                break
    stable = root_condition_region([field.to_sympy(a) for a in alpha], symbol)
    entries.append(("zero-stable", describe_set(stable, name)))
    return ParameterRegions(tuple(names), tuple(entries), zero_stable_set=stable)


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
        values = [sympy.nsimplify(c.subs(symbol, value)) if value.is_Rational else c.subs(symbol, value)
                  for c in coefficients]  # fmt: skip
        if any(v.has(sympy.zoo, sympy.nan) for v in values):
            return False
        while values and sympy.simplify(values[-1]) == 0:
            values.pop()  # leading coefficient vanishes: lower degree
        if len(values) < 2:
            return False
        if all(v.is_Rational for v in values):
            field = RationalField()
            from fractions import Fraction

            return root_condition(
                field, field.convert([Fraction(int(v.p), int(v.q)) for v in values])
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
            sample = sympy.nsimplify((low_f + high_f) / 2, rational=True)
        samples.append((sympy.Interval.open(low, high), sample))
    region = sympy.S.EmptySet
    for interval, sample in samples:
        if holds_at(sample):
            region = region.union(interval)
    for point in points:
        if holds_at(point):
            region = region.union(sympy.FiniteSet(point))
    return region
