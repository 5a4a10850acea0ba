"""Partitioned pairs built by hand (PartitionedTableau values), for tests that must not
depend on the library's files: the rows as written in the literature."""

from __future__ import annotations

from tableau_compiler.expression import parse_expression
from tableau_compiler.scheme import PartitionedTableau, TableauComponent


def component(a: list[list[str]], b: list[str]) -> TableauComponent:
    s = len(b)
    rows = [[*row, *["0"] * (s - len(row))] for row in a]
    return TableauComponent(
        a=tuple(tuple(parse_expression(x) for x in row) for row in rows),
        b=tuple(parse_expression(x) for x in b),
    )


def pair(name: str, order: int, q, p, separable_order: int | None = None) -> PartitionedTableau:
    return PartitionedTableau(
        name=name,
        order=order,
        q=component(*q),
        p=component(*p),
        separable_order=separable_order,
    )


# RevNet's coupling, symplectic Euler: q1 = q0 + h f(p0), p1 = p0 + h g(q1)
REVNET = pair("revnet", 1, ([["1"]], ["1"]), ([["0"]], ["1"]), 1)
# Störmer–Verlet as Lobatto IIIA–IIIB with 2 stages (HLW §II.2, Table 2.1)
STORMER_VERLET = pair(
    "stormer_verlet",
    2,
    ([["0", "0"], ["1/2", "1/2"]], ["1/2", "1/2"]),
    ([["1/2", "0"], ["1/2", "0"]], ["1/2", "1/2"]),
    2,
)
RK4 = (
    [["0"], ["1/2"], ["0", "1/2"], ["0", "0", "1"]],
    ["1/6", "1/3", "1/3", "1/6"],
)
# the classical Runge–Kutta method on both components: explicit, not symplectic
RK4_PAIR = pair("rk4_pair", 4, RK4, RK4, 4)
# Heun's method on both components: explicit, order 2, not symplectic
HEUN = ([["0"], ["1"]], ["1/2", "1/2"])
HEUN_PAIR = pair("heun_pair", 2, HEUN, HEUN, 2)


def splitting(
    name: str, order: int, drifts: list[str], kicks: list[str], separable_order: int | None = None
) -> PartitionedTableau:
    """The composition drift(c_1) kick(d_1) drift(c_2) kick(d_2) ... (q <- q + h c_i f(p),
    then p <- p + h d_i g(q)) as a partitioned pair: the drift of stage i uses the momentum
    after the kicks before it, so a_ij = c_j for j <= i, â_ij = d_j for j < i, b = c,
    b̂ = d (HLW §VI.4.2; RevNet is drift(1) kick(1)).  ``order``: for general partitioned
    systems; ``separable_order`` (default ``order``): for separable ones."""
    s = len(drifts)
    a = [[drifts[j] if j <= i else "0" for j in range(s)] for i in range(s)]
    a_hat = [[kicks[j] if j < i else "0" for j in range(s)] for i in range(s)]
    return pair(name, order, (a, drifts), (a_hat, kicks), separable_order or order)


def generated_module(scheme: PartitionedTableau, directory):
    """The module tabc generates for ``scheme`` (checked by the analysis), imported from a
    file in ``directory`` (TorchScript reads class sources from disk)."""
    from tableau_compiler.analysis import analyse
    from tableau_compiler.codegen.render import render

    from .conftest import load_module

    analysis = analyse(scheme)
    assert analysis.passed, f"{scheme.name} fails its check"
    text = render(scheme, analysis, f"{scheme.name}.toml", b"")
    path = directory / f"pair_{scheme.name}.py"
    path.write_text(text, encoding="utf-8")
    return load_module(path, f"pair_{scheme.name}_{id(directory)}")
