"""Scheme files to scheme values (docs/scheme-format.md; tableau_compiler/parsing.py).

Every class of bad input the format page describes is refused with a :class:`SchemeError`
of the right subclass that names the file, the key path (1-based, ``tableau.a[3][2]``) and,
where the file holds the key, its line.  Valid files parse to the values they write.
"""

from __future__ import annotations

import tomllib
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler import limits, parsing
from tableau_compiler.errors import (
    CoefficientError,
    LimitError,
    SchemaError,
    SchemeError,
    TomlSyntaxError,
    format_key_path,
)
from tableau_compiler.parsing import load_scheme, parse_scheme
from tableau_compiler.scheme import ButcherTableau, MultistepScheme

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"
SOURCE = "scheme.toml"

RK_HEAD = 'name = "t"\nkind = "runge-kutta"\norder = 1\n'
LM_HEAD = 'name = "m"\nkind = "linear-multistep"\norder = 1\n'
EULER = '[tableau]\na = [[]]\nb = ["1"]\n'
EULER_LM = '[coefficients]\nalpha = ["-1", "1"]\nbeta = ["1", "0"]\n'

# The example of the format page, verbatim.
RK4_FROM_FORMAT_PAGE = """\
name = "rk4"
kind = "runge-kutta"
title = "Classical fourth-order Runge–Kutta method"
order = 4

[tableau]
c = ["0", "1/2", "1/2", "1"]
a = [
  [],
  ["1/2"],
  ["0", "1/2"],
  ["0", "0", "1"],
]
b = ["1/6", "1/3", "1/3", "1/6"]
"""


def line_containing(text: str, marker: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``marker``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, (marker, lines)
    return lines[0]


def refused(
    text: str | bytes,
    error_class: type[SchemeError],
    key_path: str | None,
    line: int | None | type(...) = ...,
) -> SchemeError:
    """Parse ``text``: it must raise exactly ``error_class`` at ``key_path`` (and ``line``).

    ``key_path=None`` leaves the key path to the caller; ``line=...`` leaves the line.
    """
    with pytest.raises(SchemeError) as info:
        parse_scheme(text, source=SOURCE)
    error = info.value
    assert type(error) is error_class, f"{type(error).__name__}: {error}"
    assert error.path == SOURCE
    if key_path is not None:
        assert error.key_path == key_path, str(error)
    if line is not ...:
        assert error.line == line, str(error)
    rendered = str(error)
    assert rendered.startswith(SOURCE)
    if error.line is not None:
        assert rendered.startswith(f"{SOURCE}:{error.line}")
    if error.key_path:
        assert f": {error.key_path}: " in rendered
    return error


def rationals(expressions) -> list[Fraction | None]:
    return [x.rational() for x in expressions]


# --------------------------------------------------------------------------- key paths


def test_key_paths_are_rendered_one_based_like_a_ij():
    assert format_key_path(("tableau", "a", 2, 1)) == "tableau.a[3][2]"
    assert format_key_path(("coefficients", "alpha", 0)) == "coefficients.alpha[1]"
    assert format_key_path(("parameters", "k", "bounds")) == "parameters.k.bounds"


# --------------------------------------------------------------------------- encoding, TOML


def test_a_file_that_is_not_utf8_is_refused():
    refused(b'name = "\xff\xfe"\nkind = "runge-kutta"\n', TomlSyntaxError, "")


def test_a_toml_syntax_error_names_the_line_tomllib_gives():
    text = RK_HEAD.replace("order = 1", "order = = 1") + EULER
    with pytest.raises(tomllib.TOMLDecodeError, match="line 3"):
        tomllib.loads(text)
    refused(text, TomlSyntaxError, "", line=3)


def test_an_unterminated_string_is_a_toml_syntax_error_on_its_line():
    text = RK_HEAD + '[tableau]\na = [[]]\nb = ["1]\n'
    refused(text, TomlSyntaxError, "", line=line_containing(text, 'b = ["1]'))


def test_tables_nested_too_deeply_for_tomllib_are_a_toml_syntax_error():
    refused("x = " + "[" * 5000 + "]" * 5000 + "\n", TomlSyntaxError, "")


# --------------------------------------------------------------------------- top-level keys


@pytest.mark.parametrize("key", ["name", "kind", "order"])
def test_a_missing_required_key_is_named(key):
    text = "".join(line + "\n" for line in RK_HEAD.splitlines() if not line.startswith(key))
    refused(text + EULER, SchemaError, key)


@pytest.mark.parametrize(
    "name", ["RK4", "4rk", "rk-4", "rk 4", "", "_rk", "a" * 65, "ṙk", "rk4\\n", "rk.4"]
)
def test_a_name_that_breaks_the_pattern_is_refused(name):
    text = RK_HEAD.replace('name = "t"', f'name = "{name}"') + EULER
    refused(text, SchemaError, "name", line=1)


def test_a_name_that_is_not_a_string_is_refused():
    refused(RK_HEAD.replace('name = "t"', "name = 4") + EULER, SchemaError, "name", line=1)


@pytest.mark.parametrize("name", ["a", "rk4", "a" * 64, "lm_resnet_2"])
def test_names_matching_the_pattern_are_accepted(name):
    assert parse_scheme(RK_HEAD.replace('name = "t"', f'name = "{name}"') + EULER).name == name


@pytest.mark.parametrize("kind", ["rk", "Runge-Kutta", "runge_kutta", "multistep", ""])
def test_an_unknown_kind_is_refused(kind):
    text = RK_HEAD.replace('"runge-kutta"', f'"{kind}"') + EULER
    refused(text, SchemaError, "kind", line=2)


@pytest.mark.parametrize(
    ("kind", "order"),
    [
        ("runge-kutta", '"4"'),
        ("runge-kutta", "4.0"),
        ("runge-kutta", "true"),
        ("runge-kutta", "0"),
        ("runge-kutta", "-1"),
        ("runge-kutta", str(limits.MAX_RUNGE_KUTTA_ORDER + 1)),
        ("runge-kutta", "[4]"),
        ("linear-multistep", "0"),
        ("linear-multistep", str(limits.MAX_MULTISTEP_ORDER + 1)),
    ],
)
def test_an_order_that_is_not_an_integer_from_1_to_the_limit_is_refused(kind, order):
    body = EULER if kind == "runge-kutta" else EULER_LM
    text = f'name = "t"\nkind = "{kind}"\norder = {order}\n' + body
    refused(text, SchemaError, "order", line=3)


@pytest.mark.parametrize(
    ("kind", "order"),
    [
        ("runge-kutta", limits.MAX_RUNGE_KUTTA_ORDER),
        ("linear-multistep", limits.MAX_MULTISTEP_ORDER),
    ],
)
def test_the_highest_order_the_limits_allow_parses(kind, order):
    body = EULER if kind == "runge-kutta" else EULER_LM
    assert parse_scheme(f'name = "t"\nkind = "{kind}"\norder = {order}\n' + body).order == order


@pytest.mark.parametrize("title", ['"a\\nb"', '"a\\rb"', '"""\na\nb"""'])
def test_a_title_must_be_one_line(title):
    text = RK_HEAD + f"title = {title}\n" + EULER
    refused(text, SchemaError, "title", line=4)


def test_references_must_be_a_list():
    refused(RK_HEAD + 'references = "HNW I"\n' + EULER, SchemaError, "references", line=4)


def test_a_reference_that_is_not_a_string_is_named_by_its_index_and_line():
    text = RK_HEAD + 'references = [\n  "HNW I",\n  1993,\n]\n' + EULER
    refused(text, SchemaError, "references[2]", line=line_containing(text, "1993"))


@pytest.mark.parametrize(
    "tolerance", ["0", "0.0", "-1e-3", '"1e-12"', "true", "inf", "-inf", "nan", "[1e-12]"]
)
def test_a_tolerance_that_is_not_a_finite_number_above_zero_is_refused(tolerance):
    text = RK_HEAD + f"tolerance = {tolerance}\n" + EULER
    refused(text, SchemaError, "tolerance", line=4)


def test_a_positive_tolerance_is_accepted():
    assert parse_scheme(RK_HEAD + "tolerance = 1e-20\n" + EULER).tolerance == 1e-20


@pytest.mark.parametrize(
    ("extra", "where", "key_path"),
    [
        ('bhat = ["1"]\n', "top", "bhat"),
        ('Name = "t"\n', "top", "Name"),
        ("embeded_order = 1\n", "tableau", "tableau.embeded_order"),
        ('B = ["1"]\n', "tableau", "tableau.B"),
    ],
)
def test_an_unknown_key_is_refused_not_ignored(extra, where, key_path):
    text = RK_HEAD + extra + EULER if where == "top" else RK_HEAD + EULER + extra
    refused(text, SchemaError, key_path, line=line_containing(text, extra.split(" ")[0] + " ="))


def test_an_unknown_key_in_coefficients_or_a_parameter_is_refused():
    text = LM_HEAD + EULER_LM + 'gamma = ["1"]\n'
    refused(text, SchemaError, "coefficients.gamma", line=line_containing(text, "gamma"))
    text = LM_HEAD + EULER_LM + '[parameters.k]\nvalue = "0"\ninitial = "0"\n'
    refused(text, SchemaError, "parameters.k.initial", line=line_containing(text, "initial"))


# --------------------------------------------------------------------------- kind tables


def test_a_runge_kutta_scheme_needs_a_tableau():
    refused(RK_HEAD, SchemaError, "tableau")


def test_a_linear_multistep_scheme_needs_coefficients():
    refused(LM_HEAD, SchemaError, "coefficients")


def test_coefficients_are_refused_in_a_runge_kutta_scheme():
    text = RK_HEAD + EULER + EULER_LM
    refused(text, SchemaError, "coefficients", line=line_containing(text, "[coefficients]"))


def test_a_tableau_is_refused_in_a_linear_multistep_scheme():
    text = LM_HEAD + EULER_LM + EULER
    refused(text, SchemaError, "tableau", line=line_containing(text, "[tableau]"))


@pytest.mark.parametrize(("head", "key"), [(RK_HEAD, "tableau"), (LM_HEAD, "coefficients")])
def test_the_kind_table_must_be_a_table(head, key):
    text = head + f"{key} = 1\n"
    refused(text, SchemaError, key, line=line_containing(text, f"{key} = 1"))


# --------------------------------------------------------------------------- the tableau


def tableau_text(rows: list[str], b: str = '["1/2", "1/2", "0"]', extra: str = "") -> str:
    return (
        RK_HEAD
        + "[tableau]\na = [\n"
        + "".join(f"  {row},\n" for row in rows)
        + f"]\nb = {b}\n"
        + extra
    )


def test_the_number_of_rows_must_be_the_number_of_weights():
    text = tableau_text(["[]", '["1"]'])
    refused(text, SchemaError, "tableau.a", line=line_containing(text, "a = ["))


def test_a_row_with_neither_i_minus_1_nor_s_entries_is_refused_on_its_line():
    text = tableau_text(["[]", '["1"]', '["1/4"]'])
    refused(text, SchemaError, "tableau.a[3]", line=line_containing(text, '["1/4"]'))


def test_a_row_longer_than_the_stage_count_is_refused_with_the_most_it_may_list():
    text = tableau_text(['["0", "0", "0", "0"]', '["1"]', '["0", "1"]'])
    error = refused(text, SchemaError, "tableau.a[1]", line=line_containing(text, '"0", "0", "0"'))
    assert "lists 4 entries" in error.message and "at most 3" in error.message


def test_a_row_that_is_not_an_array_is_refused():
    text = tableau_text(["[]", '"1"', '["0", "1"]'])
    refused(text, SchemaError, "tableau.a[2]", line=line_containing(text, '  "1",'))


@pytest.mark.parametrize(
    ("entry", "shown"), [("true", "boolean"), ("[1]", "array"), ("{ x = 1 }", "table")]
)
def test_a_coefficient_that_is_a_boolean_an_array_or_a_table_is_refused(entry, shown):
    text = tableau_text(["[]", f"[{entry}]", '["0", "1"]'])
    refused(text, CoefficientError, "tableau.a[2][1]", line=line_containing(text, f"[{entry}]"))


def test_a_bad_expression_is_refused_at_its_key_path_and_line():
    text = tableau_text(["[]", '["1"]', '["0", "1/"]'])
    error = refused(text, CoefficientError, "tableau.a[3][2]", line=line_containing(text, '"1/"'))
    assert "1/" in error.message


@pytest.mark.parametrize(
    ("field", "key_path"),
    [("b", "tableau.b[2]"), ("c", "tableau.c[2]"), ("b_hat", "tableau.b_hat[2]")],
)
def test_a_bad_expression_in_a_vector_is_refused_at_its_index(field, key_path):
    good = '["1/2", "1/2", "0"]'
    bad = '["1/2", "x", "0"]'
    extra = "" if field == "b" else f"{field} = {bad}\n"
    if field == "b_hat":
        extra += "embedded_order = 1\n"
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], b=bad if field == "b" else good, extra=extra)
    refused(text, CoefficientError, key_path, line=line_containing(text, bad))


@pytest.mark.parametrize("field", ["c", "b_hat"])
def test_c_and_b_hat_must_have_one_entry_per_stage(field):
    extra = f'{field} = ["0", "1"]\n' + ("embedded_order = 1\n" if field == "b_hat" else "")
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra=extra)
    refused(text, SchemaError, f"tableau.{field}", line=line_containing(text, f"{field} ="))


def test_b_hat_needs_embedded_order():
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra='b_hat = ["1", "0", "0"]\n')
    refused(text, SchemaError, "tableau.embedded_order")


def test_embedded_order_needs_b_hat():
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra="embedded_order = 1\n")
    refused(
        text, SchemaError, "tableau.embedded_order", line=line_containing(text, "embedded_order")
    )


@pytest.mark.parametrize("value", ['"1"', "0", "1.5", "true"])
def test_embedded_order_must_be_an_integer_of_at_least_1(value):
    extra = f'b_hat = ["1", "0", "0"]\nembedded_order = {value}\n'
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra=extra)
    refused(
        text, SchemaError, "tableau.embedded_order", line=line_containing(text, "embedded_order")
    )


def test_a_tableau_needs_at_least_one_stage():
    refused(RK_HEAD + "[tableau]\na = []\nb = []\n", SchemaError, "tableau.b", line=6)


# --------------------------------------------------------------------------- multistep


def lm_text(alpha: str, beta: str, extra: str = "") -> str:
    return LM_HEAD + f"[coefficients]\nalpha = {alpha}\nbeta = {beta}\n" + extra


def test_alpha_and_beta_must_have_the_same_length():
    text = lm_text('["-1", "1"]', '["1", "0", "0"]')
    refused(text, SchemaError, "coefficients.beta", line=line_containing(text, "beta ="))


def test_alpha_needs_at_least_two_entries():
    text = lm_text('["1"]', '["1"]')
    refused(text, SchemaError, "coefficients.alpha", line=line_containing(text, "alpha ="))


@pytest.mark.parametrize("missing", ["alpha", "beta"])
def test_alpha_and_beta_are_required(missing):
    text = lm_text('["-1", "1"]', '["1", "0"]')
    text = "".join(line + "\n" for line in text.splitlines() if not line.startswith(missing))
    refused(text, SchemaError, f"coefficients.{missing}")


@pytest.mark.parametrize("last", ['"0"', "0", '"1 - 1"', '"0*pi"', '"(2 - 2)/3"'])
def test_alpha_k_must_not_be_zero(last):
    text = lm_text(f'["-1", "1", {last}]', '["0", "1", "0"]')
    refused(text, SchemaError, "coefficients.alpha[3]", line=line_containing(text, "alpha ="))


@pytest.mark.parametrize(
    ("last", "value"),
    [('"k"', '"0"'), ('"k - 1/2"', '"1/2"'), ('"k^2 - 1/4"', '"-1/2"'), ('"sqrt(k) - 1"', '"1"')],
)
def test_alpha_k_must_not_be_zero_at_the_parameter_value(last, value):
    text = lm_text(f'["-1", "1", {last}]', '["0", "1", "0"]', f"[parameters.k]\nvalue = {value}\n")
    refused(text, SchemaError, "coefficients.alpha[3]", line=line_containing(text, "alpha ="))


def test_alpha_k_that_is_zero_only_elsewhere_is_accepted():
    text = lm_text('["-1", "1 - k", "k"]', '["0", "1", "0"]', '[parameters.k]\nvalue = "1"\n')
    assert isinstance(parse_scheme(text), MultistepScheme)


# --------------------------------------------------------------------------- parameters


def with_parameters(block: str) -> str:
    return lm_text('["-1", "1"]', '["1", "0"]', block)


def test_parameters_must_be_a_table():
    text = LM_HEAD + "parameters = 1\n" + EULER_LM
    refused(text, SchemaError, "parameters", line=line_containing(text, "parameters = 1"))


def test_a_parameter_must_be_a_table():
    text = with_parameters("[parameters]\nk = 1\n")
    refused(text, SchemaError, "parameters.k", line=line_containing(text, "k = 1"))


@pytest.mark.parametrize("name", ["sqrt", "pi", "1k", "k-1", "_k", "a" * 33])
def test_a_parameter_name_outside_the_pattern_or_reserved_is_refused(name):
    text = with_parameters(f'[parameters.{name}]\nvalue = "0"\n')
    refused(
        text, SchemaError, f"parameters.{name}", line=line_containing(text, f"[parameters.{name}]")
    )


def test_a_parameter_needs_a_value():
    text = with_parameters("[parameters.k]\nlearnable = true\n")
    refused(text, SchemaError, "parameters.k.value")


@pytest.mark.parametrize("value", ['"j"', '"k"', '"2*k"', '"1/"', "true"])
def test_a_parameter_value_is_a_constant_expression(value):
    text = with_parameters(f"[parameters.k]\nvalue = {value}\n")
    refused(text, CoefficientError, "parameters.k.value", line=line_containing(text, "value ="))


@pytest.mark.parametrize("learnable", ['"yes"', "1", "0"])
def test_learnable_must_be_a_boolean(learnable):
    text = with_parameters(f'[parameters.k]\nvalue = "0"\nlearnable = {learnable}\n')
    refused(text, SchemaError, "parameters.k.learnable", line=line_containing(text, "learnable"))


@pytest.mark.parametrize("bounds", ["[0]", "[0, 1, 2]", "[]", "1"])
def test_bounds_must_be_a_pair(bounds):
    text = with_parameters(f'[parameters.k]\nvalue = "0"\nbounds = {bounds}\n')
    refused(text, SchemaError, "parameters.k.bounds", line=line_containing(text, "bounds"))


@pytest.mark.parametrize("bounds", ["[1, 1]", '["1", "1/2"]', '["sqrt(2)", "1"]'])
def test_bounds_low_must_be_below_high(bounds):
    text = with_parameters(f'[parameters.k]\nvalue = "1"\nbounds = {bounds}\n')
    refused(text, SchemaError, "parameters.k.bounds", line=line_containing(text, "bounds"))


@pytest.mark.parametrize(
    ("value", "bounds"), [('"2"', "[0, 1]"), ('"-1/2"', "[0, 1]"), ('"3/2"', '["0", "sqrt(2)"]')]
)
def test_the_value_must_lie_within_its_bounds(value, bounds):
    text = with_parameters(f"[parameters.k]\nvalue = {value}\nbounds = {bounds}\n")
    refused(text, SchemaError, "parameters.k.value", line=line_containing(text, "value ="))


def test_bounds_that_hold_the_value_are_accepted():
    text = with_parameters(
        '[parameters.k]\nvalue = "1"\nbounds = [-1, "sqrt(2)"]\nlearnable = true\n'
    )
    (parameter,) = parse_scheme(text).parameters
    assert parameter.learnable and parameter.value.rational() == 1
    assert parameter.bounds is not None and parameter.bounds[0].rational() == -1


def test_a_coefficient_using_an_undeclared_parameter_is_refused():
    text = lm_text('["-1", "1"]', '["k", "0"]')
    error = refused(
        text, CoefficientError, "coefficients.beta[1]", line=line_containing(text, "beta =")
    )
    assert "'k'" in error.message


def test_more_parameters_than_the_limit_are_refused():
    block = "".join(f'[parameters.p{i}]\nvalue = "0"\n' for i in range(limits.MAX_PARAMETERS + 1))
    refused(with_parameters(block), LimitError, "parameters")


# --------------------------------------------------------------------------- sizes


def test_a_500_by_500_tableau_is_refused_before_its_expressions_are_parsed(monkeypatch):
    calls = 0
    real = parsing.expression_from_toml

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(parsing, "expression_from_toml", counting)
    row = "[" + ", ".join(['"1/500"'] * 500) + "]"
    text = RK_HEAD + "[tableau]\na = [\n" + "".join(f"  {row},\n" for _ in range(500)) + "]\n"
    text += "b = [" + ", ".join(['"1/500"'] * 500) + "]\n"
    assert len(text.encode()) < limits.MAX_FILE_BYTES
    error = refused(text, LimitError, None)
    assert error.key_path in ("tableau.a", "tableau.b")
    assert calls < 1000  # not the 250,000 coefficients


def test_one_stage_more_than_the_limit_is_refused_and_the_limit_itself_parses():
    def explicit(s: int) -> str:
        rows = "".join("  [" + ", ".join(["0"] * i) + "],\n" for i in range(s))
        return (
            RK_HEAD
            + "[tableau]\na = [\n"
            + rows
            + "]\nb = ["
            + ", ".join(["1"] + ["0"] * (s - 1))
            + "]\n"
        )

    assert isinstance(parse_scheme(explicit(limits.MAX_STAGES)), ButcherTableau)
    error = refused(explicit(limits.MAX_STAGES + 1), LimitError, None)
    assert error.key_path in ("tableau.a", "tableau.b")


@pytest.mark.parametrize("steps", [100, limits.MAX_STEPS + 1])
def test_a_multistep_scheme_with_too_many_steps_is_refused(steps):
    ones = "[" + ", ".join(['"1"'] * (steps + 1)) + "]"
    text = lm_text(ones, ones)
    error = refused(text, LimitError, None)
    assert error.key_path in ("coefficients.alpha", "coefficients.beta")


def test_the_largest_number_of_steps_parses():
    ones = "[" + ", ".join(['"1"'] * (limits.MAX_STEPS + 1)) + "]"
    assert parse_scheme(lm_text(ones, ones)).steps == limits.MAX_STEPS


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.toml"
    padding = "#" * 1023 + "\n"
    path.write_text(RK_HEAD + EULER + padding * (limits.MAX_FILE_BYTES // 1024 + 1))
    assert path.stat().st_size > limits.MAX_FILE_BYTES
    with pytest.raises(LimitError) as info:
        load_scheme(path)
    assert info.value.path == str(path)
    with pytest.raises(LimitError):
        parse_scheme(path.read_bytes(), source=SOURCE)


def test_a_title_longer_than_the_limit_is_refused():
    text = RK_HEAD + 'title = "' + "x" * (limits.MAX_TEXT_LENGTH + 1) + '"\n' + EULER
    refused(text, LimitError, "title", line=4)


def test_a_hostile_coefficient_is_refused_at_its_key_path_and_line():
    text = tableau_text(["[]", '["9^9^9^9"]', '["0", "1"]'])
    refused(text, LimitError, "tableau.a[2][1]", line=line_containing(text, "9^9^9^9"))


def test_a_missing_file_is_a_scheme_error_naming_it(tmp_path):
    with pytest.raises(SchemeError) as info:
        load_scheme(tmp_path / "nothing.toml")
    assert info.value.path == str(tmp_path / "nothing.toml")


# --------------------------------------------------------------------------- valid files


def test_the_rk4_example_of_the_format_page_parses_to_its_values():
    scheme = parse_scheme(RK4_FROM_FORMAT_PAGE, source="rk4.toml")
    assert isinstance(scheme, ButcherTableau)
    assert (scheme.name, scheme.kind, scheme.order, scheme.stages) == ("rk4", "runge-kutta", 4, 4)
    assert scheme.title == "Classical fourth-order Runge–Kutta method"
    h, z = Fraction(1, 2), Fraction(0)
    assert [rationals(row) for row in scheme.a] == [
        [z, z, z, z],
        [h, z, z, z],
        [z, h, z, z],
        [z, z, Fraction(1), z],
    ]
    assert rationals(scheme.b) == [Fraction(1, 6), Fraction(1, 3), Fraction(1, 3), Fraction(1, 6)]
    assert scheme.c is not None and rationals(scheme.c) == [z, h, h, Fraction(1)]
    assert scheme.b_hat is None and scheme.embedded_order is None
    assert not scheme.is_approximate
    shipped = load_scheme(TABLEAUS / "rk4.toml")
    assert [rationals(row) for row in shipped.a] == [rationals(row) for row in scheme.a]
    assert rationals(shipped.b) == rationals(scheme.b)


def test_the_explicit_shorthand_and_full_rows_give_the_same_matrix():
    short = RK4_FROM_FORMAT_PAGE
    full = short.replace(
        '  [],\n  ["1/2"],\n  ["0", "1/2"],\n  ["0", "0", "1"],\n',
        '  ["0", "0", "0", "0"],\n  ["1/2", "0", "0", "0"],\n  ["0", "1/2", "0", "0"],\n'
        '  ["0", "0", "1", "0"],\n',
    )
    assert full != short
    a_short, a_full = parse_scheme(short).a, parse_scheme(full).a
    assert all(len(row) == 4 for row in a_short)
    assert [rationals(row) for row in a_short] == [rationals(row) for row in a_full]


def test_rows_may_mix_the_shorthand_and_full_rows():
    text = tableau_text(["[]", '["1", "0", "0"]', '["0", "1"]'])
    scheme = parse_scheme(text)
    assert [rationals(row) for row in scheme.a] == [[0, 0, 0], [1, 0, 0], [0, 1, 0]]


def test_toml_integer_and_float_coefficients_are_accepted():
    text = RK_HEAD.replace("order = 1", "order = 2") + "[tableau]\na = [[], [1]]\nb = [0.5, 0.5]\n"
    scheme = parse_scheme(text)
    assert rationals(scheme.a[1]) == [1, 0]
    assert rationals(scheme.b) == [Fraction(1, 2), Fraction(1, 2)]
    assert scheme.is_approximate  # a TOML float was written
    exact = parse_scheme(text.replace("b = [0.5, 0.5]", 'b = ["1/2", "1/2"]'))
    assert not exact.is_approximate


def test_the_lm_resnet_example_parses_with_its_learnable_parameter():
    scheme = load_scheme(TABLEAUS / "lm_resnet.toml")
    assert isinstance(scheme, MultistepScheme) and scheme.steps == 2
    (k,) = scheme.parameters
    assert (k.name, k.learnable, k.value.rational(), k.bounds) == ("k", True, 0, None)
    assert [x.names for x in scheme.alpha] == [{"k"}, {"k"}, set()]


def test_optional_text_keys_are_read():
    text = (
        RK_HEAD
        + 'title = "T"\ndescription = """\nmany\nlines"""\nreferences = ["A", "B"]\n'
        + EULER
    )
    scheme = parse_scheme(text)
    assert (scheme.title, scheme.description, scheme.references) == ("T", "many\nlines", ("A", "B"))


@pytest.mark.parametrize("path", sorted(TABLEAUS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scheme_parses(path):
    scheme = load_scheme(path)
    assert scheme.name == path.stem
    assert scheme.source == str(path)


# --------------------------------------------------------------------------- pasted rows


def full_rows(text: str) -> list[list[Fraction | None]]:
    return [rationals(row) for row in parse_scheme(text).a]


def rk4_with_rows(rows: list[str]) -> str:
    start = RK4_FROM_FORMAT_PAGE.index("a = [")
    end = RK4_FROM_FORMAT_PAGE.index("]\nb =") + 1
    return (
        RK4_FROM_FORMAT_PAGE[:start]
        + "a = [\n"
        + "".join(f"  {row},\n" for row in rows)
        + "]"
        + RK4_FROM_FORMAT_PAGE[end:]
    )


def test_explicit_rows_that_include_the_zero_diagonal_read_as_the_shorthand():
    # The form: a = [["0"], ["1/2", "0"], ...]
    with_diagonal = rk4_with_rows(
        ['["0"]', '["1/2", "0"]', '["0", "1/2", "0"]', '["0", "0", "1", "0"]']
    )
    assert full_rows(with_diagonal) == full_rows(RK4_FROM_FORMAT_PAGE)


def test_rows_may_stop_anywhere_at_or_right_of_their_diagonal():
    rows = ['["0", "0"]', '["1/2", "0", "0"]', '["0", "1/2"]', '["0", "0", "1", "0"]']
    assert full_rows(rk4_with_rows(rows)) == full_rows(RK4_FROM_FORMAT_PAGE)


def test_a_diagonally_implicit_tableau_may_be_written_lower_triangular():
    lower = tableau_text(['["1/2"]', '["1/4", "1/2"]', '["0", "1/4", "1/2"]'])
    full = tableau_text(['["1/2", "0", "0"]', '["1/4", "1/2", "0"]', '["0", "1/4", "1/2"]'])
    h, q = Fraction(1, 2), Fraction(1, 4)
    assert full_rows(lower) == full_rows(full) == [[h, 0, 0], [q, h, 0], [0, q, h]]


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_a_lower_triangular_tableau_reads_the_same_however_far_each_row_goes(data):
    """Any lower-triangular A, each row written up to a random length from its diagonal on."""
    s = data.draw(st.integers(1, 6), label="stages")
    entry = st.builds(Fraction, st.integers(-99, 99), st.integers(1, 50))
    matrix = [[data.draw(entry) if j <= i else Fraction(0) for j in range(s)] for i in range(s)]
    written = []
    for i, row in enumerate(matrix):
        shortest = i + 1 if row[i] != 0 else i  # a zero diagonal may be left out too
        length = data.draw(st.integers(shortest, s), label=f"length of row {i + 1}")
        written.append("[" + ", ".join(f'"{x}"' for x in row[:length]) + "]")
    b = "[" + ", ".join(['"1"'] + ['"0"'] * (s - 1)) + "]"
    text = RK_HEAD + "[tableau]\na = [\n" + "".join(f"  {w},\n" for w in written) + f"]\nb = {b}\n"
    assert full_rows(text) == matrix


def test_a_row_that_stops_before_its_diagonal_is_refused_with_the_row_to_write():
    # A forgotten entry and an omitted zero left of the diagonal would read alike.
    text = rk4_with_rows(["[]", '["1/2"]', '["0", "1/2"]', '["0", "1"]'])
    error = refused(text, SchemaError, "tableau.a[4]", line=line_containing(text, '["0", "1"]'))
    assert "stops before its diagonal" in error.message
    assert 'write ["0", "1", "0"]' in error.message
    assert "a_41 … a_43" in error.message


def test_a_long_row_that_stops_before_its_diagonal_names_the_entries_with_commas():
    s = 12
    rows = [("[" + ", ".join(['"0"'] * i) + "]") for i in range(s)]
    rows[11] = "[" + ", ".join(['"1/10"'] * 10) + "]"  # a_12,11 left out
    b = "[" + ", ".join(['"1"'] + ['"0"'] * (s - 1)) + "]"
    text = tableau_text(rows, b=b)
    error = refused(text, SchemaError, "tableau.a[12]", line=line_containing(text, '"1/10"'))
    assert "a_12,1 … a_12,11" in error.message
    assert '[…, "1/10", "0"]' in error.message


def test_a_short_row_of_a_fully_implicit_tableau_is_refused_with_the_row_to_write():
    # a_23 right of the diagonal makes the tableau fully implicit, where rows are written in
    # full: row 1 stopping at its diagonal has more likely lost a_12, a_13 than meant zeros.
    text = tableau_text(
        ['["1/4"]', '["1/4", "1/4", "1/8"]', '["0", "0", "1"]'], b='["1/2", "1/2", "0"]'
    )
    error = refused(text, SchemaError, "tableau.a[1]", line=line_containing(text, '["1/4"],'))
    assert "fully implicit" in error.message and "a_23" in error.message
    assert 'write ["1/4", "0", "0"]' in error.message


def test_the_explicit_shorthand_stays_valid_in_a_fully_implicit_tableau():
    # Lobatto IIIA: the first row is zero and may be written [] as ever.
    text = tableau_text(
        ["[]", '["5/24", "1/3", "-1/24"]', '["1/6", "2/3", "1/6"]'], b='["1/6", "2/3", "1/6"]'
    )
    assert full_rows(text)[0] == [0, 0, 0]


def test_a_tableau_without_its_zero_first_row_is_refused_with_how_to_write_it():
    # torchdiffeq writes explicit tableaus without the first row: one row short of b.
    text = tableau_text(
        ['["1/2"]', '["0", "1/2"]', '["0", "0", "1"]'], b='["1/6", "1/3", "1/3", "1/6"]'
    )
    error = refused(text, SchemaError, "tableau.a", line=line_containing(text, "a = ["))
    assert "a has 3 rows but b lists 4 weights" in error.message
    assert "a = [[], [a_21], …]" in error.message


def test_c_without_its_first_node_is_refused_with_how_to_write_it():
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra='c = ["1", "1"]\n')
    error = refused(text, SchemaError, "tableau.c", line=line_containing(text, "c ="))
    assert "expected 3 entries (one per stage, as b lists 3 weights), got 2" in error.message
    assert "if c_1 = 0 was left out, write it first" in error.message


def test_b_hat_with_a_trailing_weight_left_out_is_refused_with_how_to_write_it():
    extra = 'b_hat = ["1", "0"]\nembedded_order = 1\n'
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra=extra)
    error = refused(text, SchemaError, "tableau.b_hat", line=line_containing(text, "b_hat ="))
    assert "zeros included" in error.message


# --------------------------------------------------------------------------- pasted TOML values


@pytest.mark.parametrize("bare", ["1/2", "0.5D0", "5.D-1", "1//2", "−0.5", ".5", "1.0_dp", "0.5*1"])
def test_a_coefficient_toml_cannot_read_bare_is_located_and_asked_for_as_a_string(bare):
    text = tableau_text(["[]", f"[{bare}]", '["0", "1"]'])
    error = refused(
        text, TomlSyntaxError, "tableau.a[2][1]", line=line_containing(text, f"[{bare}]")
    )
    assert f'write it as a string, "{bare}"' in error.message


def test_a_python_table_pasted_bare_names_its_first_value_and_the_lines_of_the_rest():
    # scipy's and torchdiffeq's tables are Python: 3/40 is an expression there, not TOML.
    text = tableau_text(["[]", "[1/2]", "[0, 3/4]"], b="[2/9, 1/3, 4/9]")
    error = refused(text, TomlSyntaxError, "tableau.a[2][1]", line=line_containing(text, "[1/2]"))
    others = sorted({line_containing(text, "[0, 3/4]"), line_containing(text, "b = [")})
    assert f"4 more values like it (lines {others[0]}, {others[1]})" in error.message


def test_a_multistep_coefficient_written_bare_is_located_too():
    text = lm_text("[-1, 1]", "[1//2, 1//2]")
    refused(text, TomlSyntaxError, "coefficients.beta[1]", line=line_containing(text, "beta ="))


def test_a_bare_number_toml_reads_as_digit_grouping_but_fortran_as_a_kind_is_refused():
    text = tableau_text(["[]", "[0.5_8]", '["0", "1"]'])
    assert tomllib.loads(text)["tableau"]["a"][1][0] == 0.58  # what TOML alone would read
    error = refused(text, CoefficientError, "tableau.a[2][1]", line=line_containing(text, "0.5_8"))
    assert "0.58" in error.message and '"0.5"' in error.message


def test_bare_toml_digit_grouping_of_three_digits_is_read_as_toml_reads_it():
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], extra="c = [0, 1_000, 1]\n")
    assert rationals(parse_scheme(text).c) == [0, 1000, 1]


def test_a_large_table_pasted_bare_is_located_row_by_row():
    s = 30
    rows = ["[" + ", ".join(["1/30"] * s) + "]" for _ in range(s)]
    text = tableau_text(rows, b="[" + ", ".join(["1/30"] * s) + "]")
    error = refused(
        text, TomlSyntaxError, "tableau.a[1][1]", line=line_containing(text, "a = [") + 1
    )
    assert f"{s * s + s - 1} more values like it" in error.message


def test_a_bare_value_beside_strings_is_located_too():
    text = tableau_text(["[]", '["1"]', '["0", "1"]'], b='["1/2", 1/3, 1/6]')
    error = refused(text, TomlSyntaxError, "tableau.b[2]", line=line_containing(text, "b = ["))
    assert 'write it as a string, "1/3"; 1 more value like it (line' in error.message


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (RK_HEAD.replace("order = 1", "order = 4x") + EULER, 3),  # not a coefficient
        (RK_HEAD + "[1/2]\n" + EULER, 4),  # a table header, not a value
    ],
)
def test_a_bare_value_that_is_not_a_coefficient_gets_the_plain_toml_error(text, line):
    error = refused(text, TomlSyntaxError, "", line=line)
    assert "write it as a string" not in error.message


@pytest.mark.parametrize(
    ("written", "toml_float"),
    [("1D-12", "1e-12"), ("1.d-12", "1.0e-12"), ("1.0d-12_dp", "1.0e-12")],
)
def test_a_fortran_tolerance_is_refused_with_the_toml_float_to_write(written, toml_float):
    text = RK_HEAD + f"tolerance = {written}\n" + EULER
    error = refused(text, TomlSyntaxError, "tolerance", line=4)
    assert error.message.endswith(f"write it as a TOML float, {toml_float}")
    assert parse_scheme(text.replace(written, toml_float)).tolerance == 1e-12


def test_a_toml_float_is_the_decimal_it_writes_with_every_digit():
    """TOML's float holds 17 significant digits; a pasted table holds more.  A bare
    1.00000000000000000001 is that decimal (its residual 1e-20 fails a tolerance of 1e-21),
    not the float 1.0 (which would pass)."""
    from fractions import Fraction

    from tableau_compiler.analysis import analyse
    from tableau_compiler.parsing import parse_scheme

    text = """
name = "euler_digits"
kind = "runge-kutta"
order = 1
tolerance = 1e-21
[tableau]
a = [[0.0]]
b = [1.000_000_000_000_000_000_01]
"""
    scheme = parse_scheme(text)
    assert scheme.b[0].rational() == 1 + Fraction(1, 10**20)
    assert scheme.b[0].text == "1.00000000000000000001"
    assert scheme.b[0].is_approximate
    assert scheme.tolerance == 1e-21
    assert not analyse(scheme).passed


@pytest.mark.parametrize(
    ("written", "message"),
    [("inf", "not a finite number"), ("nan", "not a finite number"), ("1e999", "exponent")],
)
def test_a_toml_float_out_of_range_is_refused_naming_the_key(written, message):
    from tableau_compiler.errors import SchemeError
    from tableau_compiler.parsing import parse_scheme

    text = f'name = "x"\nkind = "runge-kutta"\norder = 1\n[tableau]\na = [[0]]\nb = [{written}]\n'
    with pytest.raises(SchemeError, match=message) as caught:
        parse_scheme(text, source="x.toml")
    assert caught.value.key == ("tableau", "b", 0)
