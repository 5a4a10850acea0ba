"""Properties of tabc checked on generated inputs (hypothesis).

(a) Whatever text, bytes or TOML document it is given, the parser raises nothing but
    SchemeError, and ``tabc check`` exits 0, 1 or 2 without a traceback.
(b) An exact explicit Runge–Kutta scheme perturbed in one coefficient loses its order.
(c) A linear multistep method perturbed in one coefficient fails ``tabc check``.
(d) The exact root condition agrees with a 50-digit numerical root check.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import math
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.arithmetic import RationalField
from tableau_compiler.analysis.zero_stability import root_condition
from tableau_compiler.cli import main
from tableau_compiler.errors import CoefficientError, SchemeError
from tableau_compiler.expression import Expression, parse_expression
from tableau_compiler.parsing import load_scheme, parse_scheme
from tableau_compiler.scheme import ButcherTableau, MultistepScheme

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MODERATE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- a tiny TOML writer


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(value)


def toml_document(document: dict[str, object]) -> str:
    """Scalars and arrays first, then each table as a [section] (tables inside it inline)."""
    lines = [
        f"{toml_string(k)} = {toml_value(v)}"
        for k, v in document.items()
        if not isinstance(v, dict)
    ]
    for key, table in document.items():
        if isinstance(table, dict):
            lines.append(f"\n[{toml_string(key)}]")
            lines += [f"{toml_string(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def test_the_tiny_toml_writer_round_trips():
    import tomllib

    document = {
        "name": 'a"b\\c\n\x00é',
        "order": -3,
        "x": [1.5, float("inf"), True, {"k": [1, "2"]}],
        "tableau": {"a": [[], ["1/2"]], "b": ["0", 1], "t": {"u": 0.1}},
    }
    assert tomllib.loads(toml_document(document)) == document


# --------------------------------------------------------------------------- strategies

# Coefficients a scheme file may hold, right and wrong (pi included: it is transcendental,
# and the analysis works in the fraction field QQ(pi) for it).
NUMBERS = ["0", "1", "-1", "1/2", "-1/3", "2/3", "3/4", "2^-2", "1/6"]
SPECIAL = [
    "0.5",
    "1e-3",
    "sqrt(2)",
    "sqrt(3)/6",
    "k",
    "1 - k",
    "k^2",
    "1/k",
    "sqrt(k)",
    "(1+k)/2",
    "x",
    "1/",
    "",
]
PARAMETER_VALUES = ["0", "1/2", "1", "-1", "2", "sqrt(2)/2", "0.25", "k", "x"]

junk = st.one_of(
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(),
    st.booleans(),
    st.lists(st.integers(-2, 2), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(0, 2), max_size=2),
)


def weighted(*choices: tuple[int, st.SearchStrategy[object]]) -> st.SearchStrategy[object]:
    """One of the strategies, chosen with the given weights (percent)."""
    assert sum(weight for weight, _ in choices) == 100

    def pick(n: int) -> st.SearchStrategy[object]:
        for weight, strategy in choices:
            if n < weight:
                return strategy
            n -= weight
        raise AssertionError

    return st.integers(0, 99).flatmap(pick)


def mostly(value: st.SearchStrategy[object], junk_percent: int = 5) -> st.SearchStrategy[object]:
    """The given strategy most of the time, junk sometimes."""
    return weighted((100 - junk_percent, value), (junk_percent, junk))


def coefficient() -> st.SearchStrategy[object]:
    return weighted(
        (80, st.sampled_from(NUMBERS)),
        (8, st.sampled_from([*SPECIAL, "pi", "pi/4"])),
        (6, st.integers(-3, 3)),
        (3, st.sampled_from([0.5, -1.5, 0.0])),
        (3, junk),
    )


def present(percent: int = 90) -> st.SearchStrategy[bool]:
    return st.integers(0, 99).map(lambda n: n < percent)


@st.composite
def tableaus(draw) -> dict[str, object]:
    s = draw(st.integers(1, 4))
    entry = coefficient()
    rows = []
    for i in range(s):
        length = draw(weighted((60, st.just(i)), (30, st.just(s)), (10, st.integers(0, s + 1))))
        rows.append(draw(st.lists(entry, min_size=length, max_size=length)))

    def vector() -> object:
        return draw(
            weighted(
                (95, st.lists(entry, min_size=s, max_size=s)), (5, st.lists(entry, max_size=s + 1))
            )
        )

    table: dict[str, object] = {"a": draw(mostly(st.just(rows))), "b": vector()}
    if draw(present(30)):
        table["c"] = vector()
    if draw(present(20)):
        table["b_hat"] = vector()
    if draw(present(25)):
        table["embedded_order"] = draw(mostly(st.integers(1, 3)))
    return table


@st.composite
def coefficient_tables(draw) -> dict[str, object]:
    k = draw(st.integers(1, 4))
    entry = coefficient()
    alpha = draw(st.lists(entry, min_size=k + 1, max_size=k + 1))
    beta = draw(
        weighted(
            (95, st.lists(entry, min_size=k + 1, max_size=k + 1)),
            (5, st.lists(entry, max_size=k + 2)),
        )
    )
    return {"alpha": draw(mostly(st.just(alpha))), "beta": beta}


@st.composite
def documents(draw) -> dict[str, object]:
    kind = draw(
        mostly(
            weighted(
                (45, st.just("runge-kutta")), (45, st.just("linear-multistep")), (10, st.just("rk"))
            )
        )
    )
    document: dict[str, object] = {}
    if draw(present(95)):
        document["name"] = draw(
            mostly(weighted((90, st.just("t")), (10, st.sampled_from(["Bad Name", ""]))))
        )
    if draw(present(95)):
        document["kind"] = kind
    if draw(present(95)):
        document["order"] = draw(mostly(st.integers(1, 5)))
    for key, value in [
        ("title", st.text(max_size=10)),
        ("description", st.text(max_size=10)),
        ("references", st.lists(st.text(max_size=5), max_size=2)),
        ("tolerance", st.sampled_from([1e-12, 1e-3, 0.0, -1.0, 1])),
    ]:
        if draw(present(20)):
            document[key] = draw(mostly(value))
    if draw(present(5)):
        document[draw(st.text(min_size=1, max_size=6))] = draw(junk)
    if draw(present(50)):
        spec: dict[str, object] = {"value": draw(mostly(st.sampled_from(PARAMETER_VALUES)))}
        if draw(present(50)):
            spec["learnable"] = draw(mostly(st.booleans()))
        if draw(present(20)):
            spec["bounds"] = draw(
                mostly(
                    st.lists(st.sampled_from(PARAMETER_VALUES + [-2, 3]), min_size=2, max_size=2)
                )
            )
        name = draw(weighted((90, st.just("k")), (10, st.sampled_from(["sqrt", "1k", "j"]))))
        document["parameters"] = draw(mostly(st.just({name: spec})))
    if kind == "linear-multistep" or draw(present(5)):
        document["coefficients"] = draw(coefficient_tables())
    if kind != "linear-multistep" or draw(present(5)):
        document["tableau"] = draw(tableaus())
    return document


SHIPPED = sorted(TABLEAUS.glob("*.toml"))


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path into a parsed TOML value."""
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def mutated_documents(draw) -> dict[str, object]:
    """A shipped scheme with a few values replaced, removed or added."""
    import copy
    import tomllib

    path = draw(st.sampled_from(SHIPPED))
    document = copy.deepcopy(tomllib.loads(path.read_text(encoding="utf-8")))
    for _ in range(draw(st.integers(0, 3))):
        paths = _paths(document)
        if not paths:
            break
        *parent_path, last = draw(st.sampled_from(paths))
        parent = document
        for part in parent_path:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "replace":
            parent[last] = draw(weighted((60, coefficient()), (40, junk)))
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "bhat", "b_hat", "c", "k", "value"]))] = draw(junk)
        else:
            parent.append(draw(coefficient()))
    return document


# --------------------------------------------------------------------------- (a) robustness


def parse_or_scheme_error(raw: str | bytes) -> None:
    try:
        parse_scheme(raw, source="fuzz.toml")
    except SchemeError as error:
        assert error.path == "fuzz.toml"
        str(error)  # renders


def check_through_the_cli(directory: Path, text: str | bytes) -> None:
    path = directory / "fuzz.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path)])
    assert code in (0, 1, 2)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if code == 2:
        assert "ERROR" in out.getvalue() + err.getvalue()


@MODERATE
@given(st.text())
def test_any_text_is_an_expression_or_a_coefficient_error(text):
    try:
        expression = parse_expression(text, {"k"})
    except CoefficientError:
        return
    assert isinstance(expression, Expression) and expression.text == text


GRAMMAR_TOKENS = list("0123456789.eE+-*/^() ") + ["**", "sqrt(", "pi", "k", "x", "1e", "9^9"]


@FUZZ
@given(st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=16).map("".join))
def test_grammar_like_text_is_an_expression_or_a_coefficient_error(text):
    try:
        expression = parse_expression(text, {"k"})
    except CoefficientError:
        return
    assert expression.names <= {"k"}
    try:
        expression.to_sympy()
    except CoefficientError:
        pass


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=30), st.lists(st.sampled_from(GRAMMAR_TOKENS), max_size=12).map("".join)
    )
)
def test_any_coefficient_text_in_a_scheme_file_is_checked_or_refused(tmp_path_factory, text):
    document = (
        'name = "fuzz"\nkind = "runge-kutta"\norder = 1\n[tableau]\na = [[]]\n'
        f'b = [{toml_string(text)}]\n[parameters.k]\nvalue = "1/2"\n'
    )
    parse_or_scheme_error(document)
    check_through_the_cli(tmp_path_factory.mktemp("text"), document)


@FUZZ
@given(documents() | mutated_documents())
def test_random_documents_raise_only_scheme_errors(document):
    parse_or_scheme_error(toml_document(document))


@FUZZ
@given(documents() | mutated_documents())
def test_random_documents_through_check_exit_0_1_or_2_without_a_traceback(
    tmp_path_factory, document
):
    check_through_the_cli(tmp_path_factory.mktemp("doc"), toml_document(document))


@MODERATE
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_scheme_errors(raw):
    parse_or_scheme_error(raw)


@MODERATE
@given(
    st.binary(max_size=60), st.sampled_from(["rk4.toml", "bdf2.toml", "lm_resnet.toml"]), st.data()
)
def test_bytes_spliced_into_a_real_file_raise_only_scheme_errors(junk_bytes, name, data):
    raw = (TABLEAUS / name).read_bytes()
    at = data.draw(st.integers(0, len(raw)))
    parse_or_scheme_error(raw[:at] + junk_bytes + raw[at:])


# --------------------------------------------------------------------------- (b) Runge–Kutta

EXPLICIT = ["rk4", "rk38", "kutta3", "ssprk33", "dopri5", "bs32", "ralston3", "heun", "verner65"]
_LOADED: dict[str, ButcherTableau] = {}


def explicit_scheme(name: str) -> ButcherTableau:
    if name not in _LOADED:
        scheme = load_scheme(TABLEAUS / f"{name}.toml")
        assert isinstance(scheme, ButcherTableau) and not scheme.is_approximate
        _LOADED[name] = scheme
    return _LOADED[name]


def exact(expression: Expression) -> Fraction:
    value = expression.rational()
    assert value is not None, expression.text
    return value


def written(value: Fraction) -> Expression:
    """The coefficient a file would hold for ``value``."""
    return parse_expression(f"{value.numerator}/{value.denominator}")


epsilons = st.builds(
    lambda sign, n: Fraction(sign, n), st.sampled_from([-1, 1]), st.integers(1, 10**6)
)


@pytest.mark.parametrize("name", EXPLICIT)
def test_the_unperturbed_schemes_pass(name):
    scheme = explicit_scheme(name)
    assert scheme.order >= 2 and analyse(scheme).passed


@MODERATE
@given(st.sampled_from(EXPLICIT), st.data(), epsilons)
def test_perturbing_one_weight_loses_the_order(name, data, epsilon):
    """b_i + ε breaks the first condition b·1 = 1: the sum of the weights changes by ε."""
    scheme = explicit_scheme(name)
    i = data.draw(st.integers(0, scheme.stages - 1), label="i")
    b = list(scheme.b)
    b[i] = written(exact(b[i]) + epsilon)
    analysis = analyse(dataclasses.replace(scheme, b=tuple(b)))
    assert not analysis.passed
    assert analysis.order == 0


@MODERATE
@given(st.sampled_from(EXPLICIT), st.data(), epsilons)
def test_perturbing_one_entry_of_a_in_a_weighted_row_loses_the_order(name, data, epsilon):
    """a_ij + ε (j < i) with b_i ≠ 0 breaks the order-2 condition b·c = 1/2.

    Order conditions are judged with c = A·1 (the row sums), so a_ij + ε moves c_i by ε and
    b·c by b_i·ε, which is non-zero exactly when b_i ≠ 0.  Every scheme here claims order
    >= 2, so that condition is one it needs.  A row whose weight is zero (dopri5's seventh
    stage, verner65's sixth) does not enter the weights at all, and perturbing it may
    leave every condition of b intact: those entries are not drawn.
    """
    scheme = explicit_scheme(name)
    weighted = [(i, j) for i in range(scheme.stages) for j in range(i) if exact(scheme.b[i]) != 0]
    i, j = data.draw(st.sampled_from(weighted), label="(i, j)")
    rows = [list(row) for row in scheme.a]
    rows[i][j] = written(exact(rows[i][j]) + epsilon)
    analysis = analyse(dataclasses.replace(scheme, a=tuple(tuple(row) for row in rows)))
    assert not analysis.passed
    assert analysis.order == 1


# --------------------------------------------------------------------------- (c) multistep

ADAMS = ["ab2", "ab3", "ab4", "ab5", "am1", "am2", "am3", "am4"]
BDF = ["bdf2", "bdf3", "bdf4", "bdf5", "bdf6"]
MULTISTEP = ADAMS + BDF


def multistep_scheme(name: str) -> MultistepScheme:
    scheme = load_scheme(TABLEAUS / f"{name}.toml")
    assert isinstance(scheme, MultistepScheme) and not scheme.is_approximate
    return scheme


def only_rescales_sigma(scheme: MultistepScheme, j: int) -> bool:
    """Whether beta_j is the only non-zero beta (BDF's beta_k): then beta_j + ε only rescales σ."""
    return all(exact(b) == 0 for index, b in enumerate(scheme.beta) if index != j)


@MODERATE
@given(st.sampled_from(MULTISTEP), st.sampled_from(["alpha", "beta"]), st.data(), epsilons)
def test_perturbing_one_multistep_coefficient_fails_check(name, which, data, epsilon):
    """alpha_j + ε makes rho(1) = ε: not consistent.

    beta_j + ε leaves rho alone, and the format lets the analysis rescale the step, so the
    question is whether some multiple λ(β + ε e_j) of the perturbed β has the claimed order p.
    The conditions C_1 = ... = C_p = 0 are linear in β, on the k+1 points 0..k:
    Adams–Moulton (p = k+1) fixes β uniquely, so λ(β + ε e_j) = β needs β ∝ e_j, which it is
    not; Adams–Bashforth and BDF (p = k) allow the line β + t w with w_i = (-1)^i binom(k, i),
    all non-zero, and matching λ(β + ε e_j) against it forces ε = 0, except for BDF's β_k,
    the only non-zero β: there β_k + ε is exactly a rescaling of the step, which
    test_perturbing_the_only_beta_of_bdf_is_a_step_rescaling checks instead.
    """
    scheme = multistep_scheme(name)
    values = list(getattr(scheme, which))
    j = data.draw(st.integers(0, len(values) - 1), label="j")
    if which == "beta":
        assume(not only_rescales_sigma(scheme, j))
    values[j] = written(exact(values[j]) + epsilon)
    analysis = analyse(dataclasses.replace(scheme, **{which: tuple(values)}))
    assert not analysis.passed
    if which == "alpha":
        assert not analysis.consistent


@MODERATE
@given(st.sampled_from(BDF), epsilons)
def test_perturbing_the_only_beta_of_bdf_is_a_step_rescaling(name, epsilon):
    scheme = multistep_scheme(name)
    beta_k = exact(scheme.beta[-1])
    assume(beta_k + epsilon != 0)
    beta = (*scheme.beta[:-1], written(beta_k + epsilon))
    assert not analyse(dataclasses.replace(scheme, beta=beta)).passed  # a typo, as written
    analysis = analyse(dataclasses.replace(scheme, beta=beta, step_scaling="absorbed"))
    assert analysis.passed and analysis.order == scheme.order
    assert Fraction(analysis.step_factor) == (beta_k + epsilon) / beta_k


# --------------------------------------------------------------------------- (d) zero-stability

# Factors with every root on the unit circle, pairwise coprime, integer coefficients
# (ascending): z - 1, z + 1, z^2 + 1, z^2 - z + 1, z^2 + z + 1 (2 cos θ = 0, ±1).
CIRCLE_FACTORS = [[-1, 1], [1, 1], [1, 0, 1], [1, -1, 1], [1, 1, 1]]


def multiply(p: list[int], q: list[int]) -> list[int]:
    out = [0] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        for j, y in enumerate(q):
            out[i + j] += x * y
    return out


def roots(ascending: list[int]) -> list[mpmath.mpc]:
    """The distinct roots, to 50 digits (of the square-free part: polyroots converges fast)."""
    import sympy

    z = sympy.Symbol("z")
    square_free = sympy.Poly(list(reversed(ascending)), z).sqf_part()
    if square_free.degree() < 1:
        return []
    with mpmath.workdps(50):
        coefficients = [int(c) for c in square_free.all_coeffs()]
        return list(mpmath.polyroots(coefficients, maxsteps=500, extraprec=200))


@st.composite
def off_circle_parts(draw) -> list[int]:
    """An integer polynomial (ascending) whose roots are all more than 1e-6 off the circle."""
    polynomial = [draw(st.integers(1, 5)) * draw(st.sampled_from([-1, 1]))]
    for _ in range(draw(st.integers(0, 2))):  # linear factors q z - p, |p| != q
        q = draw(st.integers(1, 9))
        p = draw(st.integers(-20, 20).filter(lambda p, q=q: abs(p) != q))
        polynomial = multiply(polynomial, [-p, q])
    if draw(st.booleans()):  # any small polynomial, kept when far from the circle
        degree = draw(st.integers(1, 3))
        extra = draw(st.lists(st.integers(-6, 6), min_size=degree + 1, max_size=degree + 1))
        assume(extra[-1] != 0)
        polynomial = multiply(polynomial, extra)
    with mpmath.workdps(50):
        assume(all(abs(abs(r) - 1) > mpmath.mpf("1e-6") for r in roots(polynomial)))
    return polynomial


@MODERATE
@given(off_circle_parts(), st.lists(st.integers(0, 2), min_size=5, max_size=5))
def test_the_exact_root_condition_agrees_with_50_digit_roots(off_circle, multiplicities):
    polynomial = off_circle
    for factor, times in zip(CIRCLE_FACTORS, multiplicities):
        for _ in range(times):
            polynomial = multiply(polynomial, factor)
    assume(len(polynomial) >= 2)
    inside = all(abs(r) < 1 for r in roots(off_circle))
    expected = inside and max(multiplicities) <= 1
    field = RationalField()
    verdict = root_condition(field, field.convert([Fraction(c) for c in polynomial]))
    assert verdict.holds == expected, (polynomial, verdict.reason)


@pytest.mark.parametrize(
    ("ascending", "holds"),
    [
        ([-1, 1], True),  # z - 1
        ([1, -2, 1], False),  # (z - 1)^2
        ([-1, 0, 1], True),  # z^2 - 1
        ([1, 0, 1], True),  # z^2 + 1
        ([1, 0, 2, 0, 1], False),  # (z^2 + 1)^2
        ([1, -1], True),  # 1 - z: the sign of the leading coefficient does not matter
        ([2, -3, 1], False),  # (z - 1)(z - 2)
        ([1, -3, 2], True),  # (2z - 1)(z - 1)
    ],
)
def test_root_condition_on_polynomials_known_by_hand(ascending, holds):
    field = RationalField()
    assert root_condition(field, field.convert([Fraction(c) for c in ascending])).holds == holds
