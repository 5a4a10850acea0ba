"""The coefficient grammar (docs/scheme-format.md, "Coefficients"; tableau_compiler/expression.py).

A coefficient is a TOML integer, a TOML float, or a string made only of integers, decimals,
``+ - * / ^ **``, parentheses, ``sqrt(...)``, ``pi`` and declared parameter names, in the
spellings real sources paste (Fortran ``D`` exponents and kind suffixes, Julia ``//``,
Mathematica ``*^``, typeset ``−``, ``√``, ``π``).  Nothing else is accepted (a foreign form is
refused with how to write it), the text is never evaluated as code, and hostile sizes are
refused with :class:`LimitError` before any big arithmetic happens.
"""

from __future__ import annotations

import builtins
from fractions import Fraction

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from tableau_compiler import limits
from tableau_compiler.errors import CoefficientError, LimitError, SchemeError
from tableau_compiler.expression import Expression, expression_from_toml, parse_expression

F = Fraction


def value(text: str, parameters: frozenset[str] = frozenset()) -> Fraction | None:
    return parse_expression(text, parameters).rational()


# --------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-2^2", F(-4)),  # unary minus binds looser than ^, as in mathematics
        ("-2**2", F(-4)),
        ("(-2)^2", F(4)),
        ("2^3^2", F(512)),  # ^ is right-associative: 2^(3^2)
        ("2**3**2", F(512)),
        ("(2^3)^2", F(64)),
        ("2^-1", F(1, 2)),  # a signed exponent
        ("2^-2^2", F(1, 16)),  # 2^(-(2^2))
        ("-2^-2", F(-1, 4)),
        ("1/2/2", F(1, 4)),  # / is left-associative
        ("1-2-3", F(-4)),
        ("2+3*4", F(14)),
        ("2*3+4", F(10)),
        ("2^2*3", F(12)),
        ("3*2^2", F(12)),
        ("12/2^2", F(3)),
        ("-(1/3)", F(-1, 3)),
        ("+-+-1", F(1)),
        ("  1 /  6 ", F(1, 6)),
    ],
)
def test_precedence_and_associativity_follow_mathematics(text, expected):
    assert value(text) == expected


@pytest.mark.parametrize(
    ("caret", "stars"), [("2^10", "2**10"), ("3^-2", "3**-2"), ("2^3^2", "2**3**2")]
)
def test_double_star_is_the_same_operator_as_caret(caret, stars):
    assert value(caret) == value(stars)


# --------------------------------------------------------------------------- exact numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.1", F(1, 10)),
        ("0.25", F(1, 4)),
        ("1e-3", F(1, 1000)),
        ("1E-3", F(1, 1000)),
        ("2.5e2", F(250)),
        ("1e+2", F(100)),
        (".5", F(1, 2)),
        ("0.1 + 0.2", F(3, 10)),  # not the binary double 0.30000000000000004
        ("0.3333333333333333", F(3333333333333333, 10**16)),  # what is written, not 1/3
        ("1e-300", F(1, 10**300)),
    ],
)
def test_decimals_are_the_exact_rationals_they_write(text, expected):
    assert value(text) == expected


def test_a_toml_float_is_the_exact_rational_of_its_shortest_text():
    assert expression_from_toml(0.1).rational() == F(1, 10)  # not 3602879701896397/2**55
    assert expression_from_toml(-2.5e-3).rational() == F(-1, 400)


def test_a_toml_integer_is_exact():
    assert expression_from_toml(3).rational() == 3
    assert expression_from_toml(-7).rational() == -7


@pytest.mark.parametrize(
    "text", ["0.1", "1e-3", "1/3 + 0.0", "2*0.5", "sqrt(2.0)", "k*0.5", "(0.5)^2"]
)
def test_decimals_make_an_expression_approximate(text):
    assert parse_expression(text, {"k"}).is_approximate


@pytest.mark.parametrize(
    "text", ["1", "1/3", "-7/2", "2^10", "2^-3", "sqrt(2)", "pi", "k - 1", "1/6 + sqrt(3)/6"]
)
def test_integers_rationals_radicals_and_names_are_exact(text):
    assert not parse_expression(text, {"k"}).is_approximate


def test_toml_floats_are_approximate_and_toml_integers_are_not():
    assert expression_from_toml(0.5).is_approximate
    assert expression_from_toml(1.0).is_approximate
    assert not expression_from_toml(1).is_approximate
    assert not expression_from_toml("1/2").is_approximate


@pytest.mark.parametrize("text", ["2^2.0", "10^1e0"])
def test_a_decimal_written_in_an_exponent_makes_the_expression_approximate(text):
    assert parse_expression(text).is_approximate


# --------------------------------------------------------------------------- pasted spellings


@pytest.mark.parametrize(
    ("pasted", "canonical"),
    [
        # Fortran: D (and Q) exponents, as dopri5.f and dop853.f write their coefficients
        ("0.5260015195876773D-01", "0.5260015195876773e-01"),
        ("0.526001519587677318785587544488D-01", "0.526001519587677318785587544488e-01"),
        ("1.d0", "1.0"),
        ("1D0", "1e0"),
        ("1.0D+0", "1.0"),
        ("-56.D0/15.D0", "-56.0/15.0"),
        ("1.5q-3", "1.5e-3"),
        # Fortran kind suffixes, as rklib writes them
        ("1.0_dp", "1.0"),
        (".6e-1_wp", ".6e-1"),
        ("3.0_wp / 50.0_wp", "3.0 / 50.0"),
        ("2_ik", "2"),
        # Mathematica's exponent
        ("1.5*^-3", "1.5e-3"),
        ("2*^2", "2e2"),
        # Julia's rationals, at Julia's precedence: tighter than * and /, left-associative
        ("1//2", "1/2"),
        ("1 // 2", "1/2"),
        ("-1//2", "-1/2"),
        ("2*3//4", "2*(3/4)"),
        ("1/2//3", "1/(2/3)"),
        ("1//2//3", "(1/2)/3"),
        ("2^3//4", "(2^3)/4"),
        ("(1//2)^2", "1/4"),
        ("1//2 + 1//3", "5/6"),
        # typeset text: the minus sign U+2212, √ and π
        ("−1/2", "-1/2"),
        ("1 − 1/3", "1 - 1/3"),
        ("√3/6", "sqrt(3)/6"),
        ("−√3/3", "-sqrt(3)/3"),
        ("(6 − √6)/10", "(6 - sqrt(6))/10"),
        ("√2^2", "sqrt(2^2)"),  # as in Julia: √ binds like unary minus, looser than ^
        ("1/√2", "1/sqrt(2)"),
        ("π/4", "pi/4"),
        ("2*π", "2*pi"),
    ],
)
def test_a_pasted_spelling_reads_as_its_canonical_spelling(pasted, canonical):
    read, expected = parse_expression(pasted), parse_expression(canonical)
    assert read.to_sympy() == expected.to_sympy()
    assert read.rational() == expected.rational()
    assert read.is_approximate == expected.is_approximate  # decimals stay decimal, rationals exact
    assert read.text == pasted  # the text as written is kept (reports, comments)


def test_julia_rationals_are_exact_and_fortran_decimals_are_approximate():
    assert not parse_expression("1//3").is_approximate
    assert parse_expression("1//3").rational() == F(1, 3)
    assert parse_expression("1.d0/3.d0").is_approximate
    assert parse_expression("1.d0/3.d0").rational() == F(1, 3)


@st.composite
def decimals(draw) -> tuple[str, str, int]:
    """A decimal as (sign, mantissa with a point, exponent): -12.5, 0.0703, 7."""
    whole = draw(st.integers(0, 10**12))
    fraction = draw(st.text("0123456789", max_size=20))
    exponent = draw(st.integers(-limits.MAX_DECIMAL_EXPONENT, limits.MAX_DECIMAL_EXPONENT))
    return draw(st.sampled_from(["", "-"])), f"{whole}.{fraction}", exponent


@given(
    decimals(),
    st.sampled_from(["e", "E", "d", "D", "q", "Q", "*^"]),
    st.sampled_from(["", "+"]),
    st.sampled_from(["", "_dp", "_wp", "_real64"]),
    st.sampled_from(["-", "−"]),
)
def test_decimals_in_every_exponent_spelling_read_to_the_same_fraction(
    number, mark, plus, kind, minus
):
    sign, mantissa, exponent = number
    expected = Fraction(f"{sign}{mantissa}e{exponent}")
    written_exponent = f"{plus}{exponent}" if exponent >= 0 else f"-{-exponent}"
    text = f"{minus if sign else ''}{mantissa}{mark}{written_exponent}{kind}"
    read = parse_expression(text)
    assert read.rational() == expected
    assert read.is_approximate


@given(
    st.fractions(max_denominator=10**30).filter(lambda x: abs(x.numerator) < 10**30),
    st.sampled_from(["{p}//{q}", "{p} // {q}", "({p})//{q}", "{p}//({q})"]),
    st.sampled_from(["-", "−"]),
)
def test_rationals_written_in_julia_style_read_to_the_same_fraction(value, style, minus):
    p, q = value.numerator, value.denominator
    text = style.format(p=str(p).replace("-", minus), q=q)
    read = parse_expression(text)
    assert read.rational() == value
    assert not read.is_approximate


@given(st.fractions(max_denominator=10**15).filter(lambda x: abs(x.numerator) < 10**15))
def test_rationals_written_as_fortran_quotients_read_to_the_same_fraction(value):
    p, q = value.numerator, value.denominator
    read = parse_expression(f"{p}.D0/{q}.D0")
    assert read.rational() == value
    assert read.is_approximate  # written with decimals: the scheme is approximate, as ever


@pytest.mark.parametrize(
    ("text", "rewrite"),
    [
        ("1.0_16", "'1.0' or '1.016'"),  # a Fortran kind or digit grouping: only the author knows
        ("0.5_8", "'0.5' or '0.58'"),
        ("1_000", "write '1000'"),  # digit grouping: no Fortran kind has three digits
        ("0.123_456_789", "write '0.123456789'"),
        ("0.5f", "write '0.5' without it"),  # C's single-precision suffix
        ("1.0L", "write '1.0' without it"),
        ("Sqrt[15]", "sqrt(x)"),  # Mathematica
        ("Pi/4", "write π as pi"),
        ("0.5`20", "precision mark"),
        ('BigFloat("0.5")', "without the wrapper"),  # Julia
        ('big"0.5"', "without the wrapper"),
        ("convert(T, 1//5)", "without the wrapper"),
        ("1.5//2", "write / for other quotients"),
        ("k//2", "write / for other quotients"),
        ("DSQRT(6.D0)", "sqrt(x)"),  # Fortran intrinsics
        ("np.sqrt(6)", "without a module"),  # Python
        ("2×3", "write * for a product"),  # typeset text
        ("1.5 × 10−3", "1.5e-3"),
        ("1–2", "write -"),
        ("2√3", "'2*√3'"),
        ("2pi", "'2*pi'"),
        ("0.29289 32188", "write them together"),
        ("1d", "an exponent needs digits"),
        ("\\frac{1}{2}", "(a)/(b)"),  # LaTeX
    ],
)
def test_a_foreign_spelling_is_refused_with_how_to_write_it(text, rewrite):
    with pytest.raises(CoefficientError) as info:
        parse_expression(text, {"k"})
    assert rewrite in info.value.message, info.value.message


def test_a_declared_parameter_is_not_explained_as_a_foreign_name():
    assert parse_expression("T*2", {"T"}).names == {"T"}
    with pytest.raises(CoefficientError) as info:
        parse_expression("T(1//2)", {"T"})
    assert "wrapper" not in info.value.message


# --------------------------------------------------------------------------- sympy readings


def test_sqrt_pi_and_parameters_become_exact_sympy_values():
    k = sympy.Symbol("k", real=True)
    assert parse_expression("sqrt(2)").to_sympy() == sympy.sqrt(2)
    assert parse_expression("pi").to_sympy() == sympy.pi
    assert parse_expression("k - 1", {"k"}).to_sympy({"k": k}) == k - 1
    gauss = parse_expression("1/4 - sqrt(3)/6").to_sympy()
    assert sympy.simplify(gauss - (sympy.Rational(1, 4) - sympy.sqrt(3) / 6)) == 0
    assert not gauss.has(sympy.Float)  # exact, never a float approximation
    assert parse_expression("0.1").to_sympy() == sympy.Rational(1, 10)
    assert parse_expression("2*pi/3").to_sympy() == 2 * sympy.pi / 3


def test_radicals_and_pi_have_no_rational_value_but_parameters_take_given_values():
    assert parse_expression("sqrt(2)").rational() is None
    assert parse_expression("pi").rational() is None
    assert parse_expression("sqrt(4)").to_sympy() == 2
    expression = parse_expression("(1 - k)/2", {"k"})
    assert expression.names == frozenset({"k"})
    assert expression.rational() is None
    assert expression.rational({"k": F(1, 3)}) == F(1, 3)


def test_an_expression_keeps_its_source_text():
    expression = parse_expression("1/6 + sqrt(3)/6")
    assert isinstance(expression, Expression)
    assert expression.text == str(expression) == "1/6 + sqrt(3)/6"


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("x + 1", "x"),
        ("e", "e"),
        ("E", "E"),
        ("PI", "PI"),
        ("exp(1)", "exp"),
        ("sin(0)", "sin"),
        ("abs(-1)", "abs"),
        ("inf", "inf"),
        ("nan", "nan"),
        ("I", "I"),
        ("Rational(1)", "Rational"),
        ("j", "j"),  # declared parameters are k only
    ],
)
def test_unknown_names_are_refused_with_a_message_naming_them(text, name):
    with pytest.raises(CoefficientError) as info:
        parse_expression(text, {"k"})
    assert f"unknown name '{name}'" in str(info.value)


def test_a_declared_parameter_is_accepted_and_an_undeclared_one_is_not():
    assert parse_expression("k", {"k"}).names == {"k"}
    with pytest.raises(CoefficientError, match="'k'"):
        parse_expression("k")


# --------------------------------------------------------------------------- never code


CODE_LIKE = [
    "__import__('os').system('x')",
    "lambda: 1",
    "k.__class__",
    "1 if 1 else 2",
    "[1]",
    "'a'",
    '"a"',
    "sqrt",
    "sqrt(",
    "sqrt()",
    "sqrt(1, 2)",
    "sqrt(-1)",
    "sqrt(-1/4)",
    "1/0",
    "1/(1-1)",
    "0^-1",
    "(1-1)^-2",
    "2^(1/2)",
    "2^0.5",
    "2^k",
    "2^pi",
    "2^sqrt(4)",
    "",
    "   ",
    "1 2",
    "1 +",
    "* 2",
    "(1",
    "1)",
    "()",
    "2.0 // 3",  # Python floor division of a float: Julia // takes integers and rationals only
    "2 % 3",
    "1 == 1",
    "1 < 2",
    "1, 2",
    "1; 2",
    "x = 1",
    "not 1",
    "1 and 2",
    "0x10",
    "1_000",
    "1j",
    "1e",
    "1.2.3",
    "#1",
    "\\x31",
    "f'{1}'",
    "{1}",
    "k()",
    "pi(1)",
    "os.system",
    "__builtins__",
    "globals()",
    "2 ^^ 3",
    "2 *** 3",
    "1e3e3",
    "$1",
    "1 ! 2",
]


@pytest.mark.parametrize("text", CODE_LIKE)
def test_text_outside_the_grammar_is_refused(text):
    with pytest.raises(CoefficientError):
        parse_expression(text, {"k"}).to_sympy()


def test_coefficient_text_is_never_evaluated(monkeypatch, tmp_path):
    """Neither eval/exec nor sympy's string parsers ever see coefficient text."""
    marker = tmp_path / "pwned"
    payload = f"__import__('os').system('touch {marker}')"

    def forbidden(*args, **kwargs):
        raise AssertionError(f"evaluator called with {args!r}")

    from sympy.parsing import sympy_parser

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    monkeypatch.setattr(sympy, "parse_expr", forbidden)
    monkeypatch.setattr(sympy_parser, "parse_expr", forbidden)
    for text in [payload, "lambda: 1", "k.__class__", "1 if 1 else 2"]:
        with pytest.raises(CoefficientError):
            parse_expression(text, {"k"})
    for text in ["1/4 - sqrt(3)/6", "2*pi", "k^2 - 1", "0.25e1", "-(2^3)^2"]:
        parse_expression(text, {"k"}).to_sympy()
    assert not marker.exists()


@pytest.mark.parametrize("text", ["１", "١", "٣/٤", "𝟙"])
def test_only_ascii_digits_are_numbers(text):
    with pytest.raises(CoefficientError):
        parse_expression(text)


@pytest.mark.parametrize("bad", [True, False, [1], {"a": 1}, None, float("nan"), float("inf")])
def test_a_toml_value_that_is_not_a_number_or_text_is_refused(bad):
    with pytest.raises(CoefficientError):
        expression_from_toml(bad)


# --------------------------------------------------------------------------- hostile sizes


HOSTILE = {
    "9^9^9^9": "9^9^9^9",
    "exponent of a thousand digits": "2^" + "9" * 1000,
    "decimal exponent of a thousand digits": "1e" + "9" * 1000,
    "negative decimal exponent of a thousand digits": "1e-" + "9" * 1000,
    "a 10^6-character expression": "1+" * 500000 + "1",
    "nesting 10000 deep": "(" * 10000 + "1" + ")" * 10000,
    "a 2000-digit literal": "1" * 2000,
    "a 2000-digit decimal": "0." + "1" * 2000,
    "(10^64)^64": "(10^64)^64",
    "(10^64)^64^64": "(10^64)^64^64",
    "((10^64)^64)^64": "((10^64)^64)^64",
    "(10^64)^32*(10^64)^32": "(10^64)^32*(10^64)^32",
    "1/(10^64)^32/(10^64)^32": "1/(10^64)^32/(10^64)^32",
    "(10^64)^32*(10^64)^32 + k": "(10^64)^32*(10^64)^32 + k",
    "2^65": "2^65",
    "2^-65": "2^-65",
    "k^65": "k^65",
    "1e401": "1e401",
    "1e-401": "1e-401",
    "nesting 65 parentheses": "(" * 65 + "1" + ")" * 65,
    "nesting 100 signs": "-" * 100 + "1",
    "nesting 65 sqrt": "sqrt(" * 65 + "2" + ")" * 65,
    "nesting 65 powers": "2" + "^1" * 65,
    "nesting 65 √": "√" * 65 + "2",
    "a Fortran exponent of 401": "1D401",
    "a Mathematica exponent of -401": "1*^-401",
    "a 2000-digit Fortran decimal": "0." + "1" * 2000 + "D0",
    "a Julia rational of 2000 digits": "1//" + "9" * 2000,
    "a Julia rational beyond the bit limit": "1//(10^64)^32//(10^64)^32",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_sizes_are_refused_with_a_limit_error(text):
    with pytest.raises(LimitError):
        parse_expression(text, {"k"})


def test_a_huge_toml_integer_is_refused():
    with pytest.raises(LimitError):
        expression_from_toml(1 << (limits.MAX_RATIONAL_BITS + 1))


@pytest.mark.parametrize(
    "text",
    [
        "9" * limits.MAX_LITERAL_DIGITS,  # at the digit limit
        "1e400",
        "1e-400",
        "2^64",
        "2^-64",
        "(" * 30 + "1" + ")" * 30,
        "(10^64)^32",
        "1+" * 4999 + "1",  # just under MAX_EXPRESSION_LENGTH characters
    ],
)
def test_sizes_within_the_limits_are_accepted(text):
    assert parse_expression(text).rational() is not None


def test_limit_errors_are_coefficient_errors_and_scheme_errors():
    with pytest.raises(CoefficientError):
        parse_expression("9^9^9^9")
    with pytest.raises(SchemeError):
        parse_expression("9^9^9^9")
