"""Small builders for the analysis tests: schemes from exact numbers, not files."""

from __future__ import annotations

from fractions import Fraction

import sympy

from tableau_compiler.expression import parse_expression
from tableau_compiler.scheme import ButcherTableau, MultistepScheme


def expr(value) -> object:
    return parse_expression(str(value))


def tableau(a, b, *, order, c=None, b_hat=None, embedded_order=None, name="t", tolerance=None):
    s = len(b)
    full = [list(row) + [0] * (s - len(row)) for row in a]
    return ButcherTableau(
        name=name,
        order=order,
        a=tuple(tuple(expr(x) for x in row) for row in full),
        b=tuple(expr(x) for x in b),
        c=None if c is None else tuple(expr(x) for x in c),
        b_hat=None if b_hat is None else tuple(expr(x) for x in b_hat),
        embedded_order=embedded_order,
        tolerance=tolerance,
    )


def multistep(alpha, beta, *, order, name="m"):
    return MultistepScheme(
        name=name,
        order=order,
        alpha=tuple(expr(x) for x in alpha),
        beta=tuple(expr(x) for x in beta),
    )


def _lagrange_integrals(nodes, upper):
    """∫_0^upper ℓ_j(t) dt for the Lagrange basis on ``nodes``, exactly."""
    t = sympy.Symbol("t")
    out = []
    for j, node in enumerate(nodes):
        basis = sympy.prod([(t - m) / (node - m) for i, m in enumerate(nodes) if i != j])
        out.append(sympy.integrate(sympy.expand(basis), (t, 0, upper)))
    return out


def _rational_lagrange_integrals(nodes, upper):
    """The same for rational nodes, in exact Fraction arithmetic (much faster than sympy)."""
    out = []
    for j, node in enumerate(nodes):
        coefficients = [Fraction(1)]  # ascending powers of t
        for i, m in enumerate(nodes):
            if i == j:
                continue
            scale = 1 / (node - m)
            shifted = [Fraction(0)] + coefficients  # t * p
            coefficients = [(x - m * y) * scale for x, y in zip(shifted, coefficients + [0])]
        out.append(sum(c * upper ** (k + 1) / (k + 1) for k, c in enumerate(coefficients)))
    return out


def collocation(nodes, *, order, name="collocation"):
    """The collocation method with the given nodes (HNW II.7): a_ij = ∫_0^c_i ℓ_j, b_j = ∫_0^1 ℓ_j."""
    if all(isinstance(x, Fraction) for x in nodes):
        a = [_rational_lagrange_integrals(nodes, c) for c in nodes]
        b = _rational_lagrange_integrals(nodes, Fraction(1))
        return tableau(a, b, order=order, name=name)
    a = [_lagrange_integrals(nodes, c) for c in nodes]
    b = _lagrange_integrals(nodes, 1)
    text = lambda x: str(sympy.radsimp(sympy.expand(x))).replace("**", "^")
    return tableau(
        [[text(x) for x in row] for row in a], [text(x) for x in b], order=order, name=name
    )


def gauss_nodes(s):
    """Roots of the shifted Legendre polynomial P_s(2t - 1), exactly."""
    t = sympy.Symbol("t")
    return sorted(sympy.solve(sympy.legendre(s, 2 * t - 1), t), key=float)


def radau_right_nodes(s):
    """Radau IIA nodes: roots of P_s(2t-1) - P_{s-1}(2t-1)."""
    t = sympy.Symbol("t")
    poly = sympy.legendre(s, 2 * t - 1) - sympy.legendre(s - 1, 2 * t - 1)
    return sorted(sympy.solve(poly, t), key=float)


def equispaced(s):
    return [Fraction(i, s - 1) for i in range(s)]


def bdf(k):
    """BDF k as (alpha, beta), alpha_k = 1: Σ_{j=1..k} ∇^j y_{n+k} / j = h f_{n+k}."""
    z = sympy.Symbol("z")  # z = shift operator acting as y_{n+k} -> z^k
    nabla = 1 - 1 / z
    rho = sympy.expand(sum(nabla**j / j for j in range(1, k + 1)) * z**k)
    coefficients = [sympy.Poly(rho, z).coeff_monomial(z**j) for j in range(k + 1)]
    scale = coefficients[-1]
    alpha = [str(c / scale) for c in coefficients]
    beta = ["0"] * k + [str(1 / scale)]
    return alpha, beta
