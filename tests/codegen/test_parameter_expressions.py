"""Coefficients over parameters are printed from their expression trees, exactly.

``sqrt(k)^3 * j`` once became ``p_j*p_k ** 1`` (a rational exponent cut to an integer) and
``sqrt(sqrt(k))`` became ``** 0``; with parameters ``k`` and ``p_k``, ``k * p_k`` became
``p_p_k ** 2`` (names substituted into text one after another).  Here every printed
expression is evaluated in float64 at random parameter values and compared with its exact
value at those values, to within a first-order bound on float64 rounding computed along
the same tree; and compiled modules are probed for every coefficient they compute.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tableau_compiler.codegen.printer import TreeWriter
from tableau_compiler.compiler import generated_text
from tableau_compiler.errors import CoefficientError
from tableau_compiler.expression import (
    Expression,
    Name,
    Power,
    Product,
    Sqrt,
    Sum,
    parse_expression,
)

from .conftest import load_module, torch
from .probe import UnitOutput, exact_value

NAMES = ("k", "j", "p_k")
LOCALS = {name: f"p_{name}" for name in NAMES}
U = 2.0**-53


def evaluate(code_lines: list[str], code: str, values: dict[str, float]) -> float:
    """The printed code run with float64 parameter tensors."""
    namespace = {"torch": torch, **{LOCALS[n]: torch.tensor(v, dtype=torch.float64)
                                     for n, v in values.items()}}  # fmt: skip
    # the printed code is run as the generated module would run it (test code, our own text)
    exec("\n".join([*code_lines, f"result = {code}"]), namespace)  # noqa: S102
    return float(namespace["result"])


def has_names(node) -> bool:
    return bool(Expression("", node).names)


def bounded(node, values: dict[str, Fraction]) -> tuple[float, float]:
    """(value, bound on the float64 evaluation error), first order, along the tree as the
    writer prints it: a constant subtree is one correctly rounded literal."""
    if not has_names(node):
        value = float(sympy.N(Expression("", node).to_sympy(), 30))
        return value, abs(value) * U
    if isinstance(node, Name):
        return float(values[node.name]), 0.0
    if isinstance(node, Sqrt):
        x, e = bounded(node.argument, values)
        if x <= 0:
            raise ArithmeticError("sqrt of a non-positive value")
        v = math.sqrt(x)
        return v, e / (2 * v) + abs(v) * U
    if isinstance(node, Power):
        x, e = bounded(node.base, values)
        n = node.exponent
        if x == 0:
            raise ArithmeticError("power of zero")
        v = x**n
        return v, abs(v) * (abs(n) * (e / abs(x) + 2 * U) + 2 * U)
    if isinstance(node, Sum):
        total, error = 0.0, 0.0
        for sign, term in node.terms:
            v, e = bounded(term, values)
            total += sign * v
            error += e + abs(total) * U
        return total, error
    assert isinstance(node, Product)
    result, relative = 1.0, 0.0
    for sign, factor in node.factors:
        v, e = bounded(factor, values)
        if v == 0:
            raise ArithmeticError("division by zero")
        result = result * v if sign > 0 else result / v
        relative += e / abs(v) + U
    return result, abs(result) * relative


@st.composite
def expression_texts(draw, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(
            st.sampled_from(NAMES)
            | st.integers(1, 9).map(str)
            | st.sampled_from(["0.25", "1.5", "3/7", "pi", "2/3"])
        )
    a = draw(expression_texts(depth - 1))
    shape = draw(st.integers(0, 7))
    if shape == 0:
        return f"sqrt({a})"
    if shape == 1:
        return f"({a})^{draw(st.integers(-3, 3))}"
    if shape == 2:
        return f"-({a})"
    b = draw(expression_texts(depth - 1))
    return f"({a}) {'+-*/'[shape % 4]} ({b})"


VALUES = st.floats(0.5, 2.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(expression_texts(), VALUES, VALUES, VALUES)
def test_printed_expressions_evaluate_to_the_exact_value(text, k, j, p_k):
    try:
        expression = parse_expression(text, set(NAMES))
    except CoefficientError:
        assume(False)
    values = {"k": Fraction(k), "j": Fraction(j), "p_k": Fraction(p_k)}
    try:
        approximate, bound = bounded(expression.tree, values)
        exact = sympy.N(exact_value(expression, values), 50)
    except (ArithmeticError, OverflowError, CoefficientError):
        assume(False)
    assume(exact.is_real and math.isfinite(approximate) and math.isfinite(bound))
    assume(abs(float(exact)) < 1e200 and bound < 1e200)
    writer = TreeWriter(LOCALS)
    code = writer.code(expression.tree)
    result = evaluate(writer.lines, code, {"k": k, "j": j, "p_k": p_k})
    assert abs(result - float(exact)) <= 4 * bound + 1e-300, (text, code, result, exact)


@pytest.mark.parametrize(
    "text, code",
    [
        ("sqrt(k)^3*j", "torch.sqrt(p_k) ** 3 * p_j"),
        ("sqrt(sqrt(k))", "torch.sqrt(torch.sqrt(p_k))"),
        ("k*p_k", "p_k * p_p_k"),
        ("p_k*k", "p_p_k * p_k"),
        ("k^-2", "1.0 / p_k**2"),
        ("-(k*j)", "-p_k * p_j"),  # (-a) * b = -(a * b) exactly: negation does not round
        ("1/2 - sqrt(3)/6 + k", "0.5 - 0.28867513459481287 + p_k"),
        # a constant that evaluation cannot tell from zero is zero, shown exactly
        ("k*((1 + sqrt(2))^2 - 3 - 2*sqrt(2))", "p_k * 0.0"),
    ],
)
def test_the_issues_expressions_print_as_the_tree(text, code):
    writer = TreeWriter(LOCALS)
    assert writer.code(parse_expression(text, set(NAMES)).tree) == code
    assert writer.lines == []


def test_a_long_expression_is_split_into_temporaries_in_the_same_order():
    text = " + ".join(f"{n}*k*j/(p_k + {n})" for n in range(1, 12))
    expression = parse_expression(text, set(NAMES))
    writer = TreeWriter(LOCALS)
    code = writer.code(expression.tree)
    assert writer.lines and all(len(line) <= TreeWriter.LIMIT + 6 for line in writer.lines)
    values = {"k": 0.7, "j": 1.3, "p_k": 0.9}
    result = evaluate(writer.lines, code, values)
    exact = exact_value(expression, {n: Fraction(v) for n, v in values.items()})
    assert result == pytest.approx(float(exact), rel=1e-14)


# --------------------------------------------------------------------------- compiled modules

MULTISTEP = """\
name = "names_and_powers"
kind = "linear-multistep"
order = 1

[coefficients]
alpha = ["-k*p_k", "k*p_k - 1", "1"]
beta = ["0", "sqrt(k)^3*j + sqrt(sqrt(k)) + 1 - sqrt(sqrt(k)) - sqrt(k)^3*j + k*p_k", "0"]

[parameters.k]
value = "1/4"
learnable = true
bounds = ["0", "1/2"]

[parameters.p_k]
value = "1"
learnable = true

[parameters.j]
value = "2"
learnable = true
"""


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def compiled(tmp_path: Path, name: str, text: str):
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    scheme, analysis, source = generated_text(path)
    assert source is not None, analysis.failures
    target = tmp_path / f"{name}_{abs(hash(text))}.py"
    target.write_text(source, encoding="utf-8")
    return scheme, source, load_module(target, target.stem)


@pytest.mark.parametrize("seed", range(5))
def test_a_compiled_multistep_net_computes_the_exact_coefficients(tmp_path, float64_default, seed):
    scheme, source, module = compiled(tmp_path, "names_and_powers", MULTISTEP)
    assert "p_p_k ** 2" not in source and "** 1" not in source and "** 0" not in source
    fs = [UnitOutput(2, 5), UnitOutput(3, 5)]
    net = module.NamesAndPowersNet(fs, 1.0)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # random parameter values (k through its tanh map)
        for raw in (net.raw_k, net.raw_p_k, net.raw_j):
            raw.copy_(0.5 + 1.5 * torch.rand(raw.shape, generator=generator))
        values = {
            "k": Fraction(float(net.k_values()[0])),
            "p_k": Fraction(float(net.p_k_values()[0])),
            "j": Fraction(float(net.j_values()[0])),
        }
        out = net.from_history([torch.eye(5, dtype=torch.float64)[i] for i in (0, 1)]).tolist()
    alpha = [exact_value(x, values) for x in scheme.alpha]
    beta = [exact_value(x, values) for x in scheme.beta]
    expected = [-alpha[0] / alpha[2], -alpha[1] / alpha[2], 0, beta[1] / alpha[2], 0]
    for got, want in zip(out, expected):
        assert got == pytest.approx(float(sympy.N(want, 30)), rel=1e-13, abs=1e-15)


RUNGE_KUTTA = """\
name = "rk_expressions"
kind = "runge-kutta"
order = 1

[tableau]
embedded_order = 1
a = [["0", "0"], ["{a21}", "0"]]
b = ["1 - ({b2})", "{b2}"]
b_hat = ["{bh1}", "1 - ({bh1})"]

[parameters.k]
value = "3/4"
learnable = true
bounds = ["1/2", "1"]

[parameters.p_k]
value = "5/4"
learnable = true
bounds = ["1", "2"]

[parameters.j]
value = "2"
"""


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(expression_texts(depth=2), expression_texts(depth=2), expression_texts(depth=2))
# a fixed parameter under sqrt beside a learnable one: sqrt(j) is a number, not torch.sqrt(2.0)
@example(a21="sqrt(j)*k", b2="sqrt(j + k) - j", bh1="sqrt(sqrt(j))^3*p_k")
def test_a_compiled_runge_kutta_step_computes_the_exact_coefficients(
    tmp_path, float64_default, a21, b2, bh1
):
    """Order 1 holds for any a21, b2 and b̂1 (the weights sum to 1): random expressions over
    two learnable parameters and a fixed one, probed at random parameter values."""
    at_values = {"k": Fraction(3, 4), "p_k": Fraction(5, 4), "j": Fraction(2)}
    for text in (a21, b2, bh1):
        try:
            expression = parse_expression(text, set(NAMES))
            value = sympy.N(exact_value(expression, at_values), 30)
        except (CoefficientError, ZeroDivisionError):
            assume(False)
        assume(value.is_real and value != 0 and abs(value) < 1e6)
    text = RUNGE_KUTTA.format(a21=a21, b2=b2, bh1=bh1)
    path = tmp_path / "rk_expressions.toml"
    path.write_text(text, encoding="utf-8")
    try:
        scheme, _, source = generated_text(path)
    except CoefficientError:
        assume(False)
    assume(source is not None)
    target = tmp_path / f"rk_{abs(hash(text))}.py"
    target.write_text(source, encoding="utf-8")
    module = load_module(target, target.stem)
    fs = [UnitOutput(0, 2), UnitOutput(1, 2)]
    step = module.RkExpressionsStep(fs, 1.0)
    values = dict(at_values)
    with torch.no_grad():  # a learnable parameter is in the step exactly when a weight uses it
        for name, raw in (("k", 0.3), ("p_k", -0.7)):
            if hasattr(step, f"raw_{name}"):
                getattr(step, f"raw_{name}").fill_(raw)
                values[name] = Fraction(float(getattr(step, f"{name}_value")()))
        y = torch.zeros(2, dtype=torch.float64)
        b = step(y).tolist()
        error = step.step_with_error(y)[1].tolist()
    a = fs[1].inputs[-1].tolist() if fs[1].inputs else None
    b_exact = [exact_value(x, values) for x in scheme.b]
    b_hat_exact = [exact_value(x, values) for x in scheme.b_hat]
    expected = {
        "b": b_exact,
        "error": [x - y for x, y in zip(b_exact, b_hat_exact)],
    }
    got = {"b": b, "error": error}
    if a is not None:
        expected["a21"] = [exact_value(scheme.a[1][0], values)]
        got["a21"] = a[:1]
    for key, want in expected.items():
        for g, w in zip(got[key], want):
            w = float(sympy.N(w, 30))
            assert g == pytest.approx(w, rel=1e-9, abs=1e-12), (key, text)
