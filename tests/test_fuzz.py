"""Fuzz: ``tabc check`` answers every scheme file with exit status 0, 1 or 2, never a traceback.

Random TOML scheme files (random kinds, partitioned pairs included, orders, shapes, keys,
parameters and tolerances)
with random coefficient expressions from the grammar's tokens.  Bounded examples so that
it runs in CI; the work limits (docs/limits.md) keep each example short.
"""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tableau_compiler.cli import main

TOKENS = [*"0123456789", ".", "e", "+", "-", "*", "/", "^", "(", ")", " ", "**", "sqrt(", "pi",
          "k", "x", "1e", "9^9", "/0", "1/3", "sqrt(2)", "sqrt(3)"]  # fmt: skip

expressions = st.one_of(
    st.sampled_from(["0", "1", "1/2", "1/3", "2/3", "1/6", "k", "1 - k", "sqrt(2)/2", "pi/4"]),
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12).map("".join),
    st.fractions(max_denominator=10**6).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
values = st.one_of(
    expressions,
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(expressions, max_size=3),
)


def toml_value(value) -> str:
    """A TOML literal (json.dumps writes valid TOML strings, numbers, booleans and arrays)."""
    if value is None:
        return '""'
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return json.dumps(value, ensure_ascii=False)


simple = st.sampled_from(
    ["0", "1", "1/2", "1/3", "2/3", "1/6", "1/4", "3/4", "k", "1 - k", "1/(2*k)", "sqrt(2)/2",
     "1/2 - sqrt(3)/6", "pi/4", "0.5", "0.1666666666667", "10^40", "1/10^40", "2^64"]
)  # fmt: skip
coefficients = st.one_of(simple, simple, simple, expressions)


@st.composite
def scheme_files(draw) -> str:
    """Mostly well-shaped files (random coefficients), sometimes anything."""
    wild = draw(st.integers(0, 3)) == 0
    kinds = ["runge-kutta", "linear-multistep", "partitioned-runge-kutta"]
    kind = draw(st.sampled_from([*kinds, "other"] if wild else kinds))
    size = draw(st.integers(1, 5))
    order = draw(st.one_of(st.integers(-1, 20), values)) if wild else draw(st.integers(1, 8))
    lines = [
        f'name = "{draw(st.sampled_from(["fuzz", "fuzz", "fuzz", "bad name", ""])) if wild else "fuzz"}"',
        f'kind = "{kind}"',
        f"order = {toml_value(order)}",
    ]
    if kind == "partitioned-runge-kutta" and draw(st.booleans()):
        separable = (
            draw(st.one_of(st.integers(-1, 20), values)) if wild else draw(st.integers(1, 8))
        )
        lines.append(f"separable_order = {toml_value(separable)}")
    if draw(st.integers(0, 3)) == 0:
        tolerance = draw(st.one_of(st.floats(), values) if wild else st.floats(1e-300, 1e-3))
        lines.append(f"tolerance = {toml_value(tolerance)}")
    body = []
    if draw(st.booleans()):
        body.append(f"[parameters.k]\nvalue = {toml_value(draw(coefficients))}")
        if draw(st.booleans()):
            body.append(f"learnable = {toml_value(draw(st.booleans()))}")
        if draw(st.integers(0, 3)) == 0:
            body.append(f"bounds = {toml_value([draw(coefficients), draw(coefficients)])}")
    if not body or draw(st.integers(0, 4)) == 0:
        coefficients_ = simple.filter(lambda x: "k" not in x) | expressions
    else:
        coefficients_ = coefficients
    vector = st.lists(coefficients_, min_size=size, max_size=size + (1 if wild else 0))
    if kind == "linear-multistep" or (kind == "other" and draw(st.booleans())):
        body.append("[coefficients]")
        steps = st.lists(coefficients_, min_size=size + 1, max_size=size + 1 + (1 if wild else 0))
        body.append(f"alpha = {toml_value(draw(steps))}")
        body.append(f"beta = {toml_value(draw(steps))}")
    elif kind == "partitioned-runge-kutta":
        for part in ("q", "p"):
            # a wild pair may have tableaus of different sizes, or an embedded pair
            stages = draw(st.integers(1, 5)) if wild else size
            vector = st.lists(coefficients_, min_size=stages, max_size=stages + wild)
            body += tableau_lines(draw, f"[tableau.{part}]", stages, vector, coefficients_, wild)
    else:
        body += tableau_lines(draw, "[tableau]", size, vector, coefficients_, wild)
    return "\n".join(lines + body) + "\n"


def tableau_lines(draw, header: str, size: int, vector, coefficients_, wild: bool) -> list[str]:
    """A [tableau] (or [tableau.q], [tableau.p]) table of ``size`` stages, mostly well shaped."""
    lines = [header]
    rows = [
        draw(st.lists(coefficients_, min_size=0, max_size=size))
        if wild
        else draw(st.lists(coefficients_, min_size=i, max_size=i) | vector)
        for i in range(size)
    ]
    lines.append(f"a = {toml_value(rows)}")
    lines.append(f"b = {toml_value(draw(vector))}")
    if draw(st.booleans()):
        lines.append(f"c = {toml_value(draw(vector))}")
    if draw(st.integers(0, 3 if header == "[tableau]" else 12)) == 0:
        lines.append(f"b_hat = {toml_value(draw(vector))}")
        lines.append(f"embedded_order = {draw(st.integers(0, 8))}")
    return lines


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scheme_files())
def test_check_answers_any_scheme_file_with_0_1_or_2(tmp_path, capsys, text):
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8")
    code = main(["check", str(path)])  # an exception escaping here fails the test
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), text
    assert "Traceback" not in out + err, text


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=200))
def test_check_answers_any_text_with_0_1_or_2(tmp_path, capsys, text):
    path = tmp_path / "text.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["check", str(path)])
    capsys.readouterr()
    assert code in (0, 1, 2)


def test_a_root_beyond_float_range_is_named_without_overflow(tmp_path, capsys):
    # Found by the fuzz: rho = 2.2e-308 ζ + 10^40 has its root near -4.5e347.
    path = tmp_path / "far.toml"
    path.write_text(
        'name = "far"\nkind = "linear-multistep"\norder = 1\ntolerance = 1e-300\n'
        '[coefficients]\nalpha = ["10^40", "2.2250738585072014e-308"]\nbeta = ["0", "0"]\n'
    )
    assert main(["check", str(path)]) == 1
    assert "the root ≈ -4.494232837e+347" in capsys.readouterr().out
