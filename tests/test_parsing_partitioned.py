"""Partitioned Runge–Kutta files (kind = "partitioned-runge-kutta", docs/scheme-format.md):
[tableau.q] and [tableau.p] read like [tableau], with key paths tableau.q.a[i][j] and lines."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tableau_compiler.errors import CoefficientError, LimitError, SchemaError, SchemeError
from tableau_compiler.parsing import keyed_coefficients, parse_scheme
from tableau_compiler.scheme import PartitionedTableau

HEAD = 'name = "pair"\nkind = "partitioned-runge-kutta"\norder = 2\n'
VERLET = """\
[tableau.q]
a = [[], ["1/2", "1/2"]]
b = ["1/2", "1/2"]

[tableau.p]
a = [["1/2", "0"], ["1/2", "0"]]
b = ["1/2", "1/2"]
"""


def refused(text: str, kind: type[SchemeError] = SchemaError) -> SchemeError:
    with pytest.raises(kind) as caught:
        parse_scheme(text, source="pair.toml")
    error = caught.value
    assert error.path == "pair.toml"
    return error


def test_the_interface_example_reads_with_the_explicit_row_shorthand():
    scheme = parse_scheme(HEAD + "separable_order = 2\n" + VERLET)
    assert isinstance(scheme, PartitionedTableau)
    assert scheme.kind == "partitioned-runge-kutta"
    assert scheme.stages == 2 and scheme.order == 2 and scheme.separable_order == 2
    assert [[x.rational() for x in row] for row in scheme.q.a] == [
        [0, 0],
        [Fraction(1, 2), Fraction(1, 2)],
    ]
    assert scheme.p.c is None and scheme.q.c is None


def test_separable_order_is_optional():
    assert parse_scheme(HEAD + VERLET).separable_order is None


def test_keyed_coefficients_name_both_tableaus():
    keys = [key for key, _ in keyed_coefficients(parse_scheme(HEAD + VERLET))]
    assert keys[0] == ("tableau", "q", "a", 0, 0)
    assert ("tableau", "p", "b", 1) in keys
    assert len(keys) == 2 * (4 + 2)


@pytest.mark.parametrize(
    ("replace", "by", "key", "line", "kind"),
    [
        ('["1/2", "0"], ["1/2", "0"]', '["1/2", "0"], ["1/2", "x"]', "tableau.p.a[2][2]", 9,
         CoefficientError),
        ('a = [[], ["1/2", "1/2"]]', 'a = [[], []]', "tableau.q.a[2]", 5, SchemaError),
        ('b = ["1/2", "1/2"]\n\n', 'b = ["1/2"]\n\n', "tableau.q.a", 5, SchemaError),
        ('[tableau.p]\na = [["1/2", "0"], ["1/2", "0"]]\nb = ["1/2", "1/2"]',
         '[tableau.p]\na = [["1"]]\nb = ["1"]', "tableau.p.b", 10, SchemaError),
        ('b = ["1/2", "1/2"]\n\n', 'b = ["1/2", "1/2"]\nb_hat = ["1", "0"]\n\n',
         "tableau.q.b_hat", 7, SchemaError),
        ('b = ["1/2", "1/2"]\n\n', 'b = ["1/2", "1/2"]\nd = ["1", "0"]\n\n',
         "tableau.q.d", 7, SchemaError),
        ('["1/2", "0"], ["1/2", "0"]', '["1/2", "0"], ["sqrt(sqrt(sqrt(2)))", "0"]',
         "tableau.p.a[2][1]", 9, LimitError),
    ],
)  # fmt: skip
def test_errors_name_the_key_path_and_line(replace, by, key, line, kind):
    text = HEAD + VERLET
    assert replace in text
    error = refused(text.replace(replace, by, 1), kind)
    assert error.key_path == key, str(error)
    assert error.line == line, str(error)


def test_unequal_stage_counts_are_refused_with_the_padding_advice():
    text = HEAD + VERLET.replace(
        '[tableau.p]\na = [["1/2", "0"], ["1/2", "0"]]\nb = ["1/2", "1/2"]',
        '[tableau.p]\na = [["1"]]\nb = ["1"]',
    )
    error = refused(text)
    assert "same number of stages" in error.message and "zero weight" in error.message


def test_embedded_pairs_are_refused_with_a_message():
    error = refused(HEAD + VERLET.replace('b = ["1/2", "1/2"]\n\n', 'b = ["1/2", "1/2"]\n'
                                          'embedded_order = 1\n\n', 1))  # fmt: skip
    assert error.key_path == "tableau.q.embedded_order"
    assert "not part of the partitioned-runge-kutta format" in error.message


def test_a_single_tableau_is_refused_for_the_partitioned_kind():
    error = refused(HEAD + '[tableau]\na = [[]]\nb = ["1"]\n')
    assert error.key_path == "tableau.a"
    assert "[tableau.q]" in error.message and "[tableau.p]" in error.message


def test_a_missing_component_is_named():
    error = refused(HEAD + VERLET.split("[tableau.p]")[0])
    assert error.key_path == "tableau.p"


@pytest.mark.parametrize("value", ["0", "17", "1.5", '"2"'])
def test_separable_order_is_an_integer_within_the_limit(value):
    error = refused(HEAD + f"separable_order = {value}\n" + VERLET)
    assert error.key_path == "separable_order" and error.line == 4


def test_separable_order_belongs_to_the_partitioned_kind():
    text = 'name = "t"\nkind = "runge-kutta"\norder = 1\nseparable_order = 1\n'
    error = refused(text + '[tableau]\na = [[]]\nb = ["1"]\n')
    assert error.key_path == "separable_order"


def test_parameters_and_pasted_spellings_work_in_the_components():
    # a bare 1/2 in [tableau.p] is pasted text: the message names it and says how to write it
    text = (HEAD + VERLET).replace('a = [["1/2", "0"], ["1/2", "0"]]', "a = [[1/2, 0], [1/2, 0]]")
    error = refused(text, SchemeError)
    assert error.key_path == "tableau.p.a[1][1]" and error.line == 9
    assert '"1/2"' in error.message
    scheme = parse_scheme(
        (HEAD + VERLET).replace('b = ["1/2", "1/2"]\n\n', 'b = ["th", "1 - th"]\n\n', 1)
        + '\n[parameters.th]\nvalue = "1/2"\n'
    )
    assert scheme.q.b[0].names == frozenset({"th"})


def test_reserved_names_and_radicals_are_checked_in_the_components():
    error = refused(
        (HEAD + VERLET).replace('b = ["1/2", "1/2"]\n\n', 'b = ["f", "1"]\n\n', 1),
        CoefficientError,
    )
    assert error.key_path == "tableau.q.b[1]"
