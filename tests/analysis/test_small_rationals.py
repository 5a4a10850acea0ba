"""Small exact checks run in Python integers (no python-flint import), over QQ and over one
QQ(√d); the verdicts, residuals and warnings are those of flint's rationals and flint pairs,
including residuals one unit off."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import runge_kutta
from tableau_compiler.analysis.arithmetic import RationalField, SmallRationalField
from tableau_compiler.analysis.quadratic import (
    QuadraticField,
    SmallQuadraticField,
    _square_free,
    _square_free_by_trial_division,
)
from tableau_compiler.analysis.runge_kutta import analyse_tableau, convert_tableau
from tableau_compiler.parsing import parse_scheme


def _toml(a, b, order, c=None) -> str:
    s = len(b)
    rows = ", ".join("[" + ", ".join(f'"{x}"' for x in row[:i]) + "]" for i, row in enumerate(a))
    text = f'name = "r"\nkind = "runge-kutta"\norder = {order}\n[tableau]\na = [{rows}]\n'
    text += "b = [" + ", ".join(f'"{x}"' for x in b) + "]\n"
    if c is not None:
        text += "c = [" + ", ".join(f'"{x}"' for x in c) + "]\n"
    assert len(a) == s
    return text


def _both(text: str):
    scheme = parse_scheme(text)
    small = analyse_tableau(scheme)
    saved = runge_kutta._small_check
    runge_kutta._small_check = lambda tableau: False
    try:
        large = analyse_tableau(scheme)
    finally:
        runge_kutta._small_check = saved
    return scheme, small, large


def _same(small, large) -> None:
    assert small.levels == large.levels
    assert small.order == large.order
    assert small.warnings == large.warnings
    assert small.failures == large.failures
    assert small.c_difference == large.c_difference
    assert small.stage_order == large.stage_order
    assert small.written_c_order == large.written_c_order


fractions = st.fractions(min_value=-3, max_value=3, max_denominator=60)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda s: st.tuples(
            st.lists(st.lists(fractions, min_size=s, max_size=s), min_size=s, max_size=s),
            st.lists(fractions, min_size=s - 1, max_size=s - 1),
            st.integers(1, 6),
        )
    )
)
def test_fraction_and_flint_rationals_give_the_same_verdict(case):
    a, b_head, order = case
    b = [*b_head, 1 - sum(b_head, Fraction(0))]  # consistent: order 1 holds, the rest is open
    scheme, small, large = _both(_toml(a, b, order))
    field, *_ = convert_tableau(scheme, {}, small=True)
    assert isinstance(field, SmallRationalField)
    _same(small, large)


def test_rk4_with_a_weight_one_unit_in_the_60th_bit_off_fails_in_both():
    off = Fraction(1, 3) + Fraction(1, 2**60)
    a = [[0] * 4, ["1/2", 0, 0, 0], [0, "1/2", 0, 0], [0, 0, 1, 0]]
    _, small, large = _both(_toml(a, ["1/6", "1/3", str(off), "1/6"], 4))
    assert small.order == large.order == 0
    _same(small, large)


def test_a_written_c_that_lowers_the_order_fails_the_same_way():
    a = [[0, 0, 0], ["1/2", 0, 0], [-1, 2, 0]]
    _, small, large = _both(_toml(a, ["1/6", "2/3", "1/6"], 3, c=[0, "1/2", "3/5"]))
    assert small.c_differences == large.c_differences == (3,)
    assert small.written_c_order == large.written_c_order == 1
    assert small.failures and not small.passed
    _same(small, large)


def test_large_numbers_or_a_large_order_keep_flint():
    big = f"1/{2**70 + 1}"
    a = [[0, 0], [big, 0]]
    field, *_ = convert_tableau(parse_scheme(_toml(a, ["1/2", "1/2"], 1)), {}, small=True)
    assert type(field) is RationalField
    scheme = parse_scheme(
        _toml([[0] * 8] + [["1/9"] * i + [0] * (8 - i) for i in range(1, 8)], ["1/8"] * 8, 7)
    )
    assert not runge_kutta._small_check(scheme)


def test_checking_rk4_imports_no_python_flint():
    code = (
        "import sys; from tableau_compiler.cli import main\n"
        "try:\n    main(['check', 'tableaus/rk4.toml'])\nexcept SystemExit:\n    pass\n"
        "print('flint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"


def _full_toml(a, b, order) -> str:
    rows = ", ".join("[" + ", ".join(f'"{x}"' for x in row) + "]" for row in a)
    text = f'name = "q"\nkind = "runge-kutta"\norder = {order}\n[tableau]\na = [{rows}]\n'
    return text + "b = [" + ", ".join(f'"{x}"' for x in b) + "]\n"


def _surd(p: Fraction, q: Fraction, d: int) -> str:
    return f"{p} + ({q})*sqrt({d})"


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from([2, 3, 5, 6, 15]),
    st.integers(1, 4).flatmap(
        lambda s: st.tuples(
            st.lists(
                st.lists(st.tuples(fractions, fractions), min_size=s, max_size=s),
                min_size=s,
                max_size=s,
            ),
            st.lists(st.tuples(fractions, fractions), min_size=s - 1, max_size=s - 1),
            st.integers(1, 6),
        )
    ),
)
def test_integer_pairs_and_flint_pairs_give_the_same_verdict_over_one_square_root(d, case):
    a, b_head, order = case
    a_text = [[_surd(p, q, d) for p, q in row] for row in a]
    # consistent weights, with one square root at least in A: QQ(√d), not QQ
    last = (1 - sum((p for p, _ in b_head), Fraction(0)), -sum((q for _, q in b_head), Fraction(0)))
    b_text = [_surd(p, q, d) for p, q in [*b_head, last]]
    a_text[0][0] = _surd(Fraction(1, 4), Fraction(1), d)
    scheme, small, large = _both(_full_toml(a_text, b_text, order))
    field, *_ = convert_tableau(scheme, {}, small=True)
    assert isinstance(field, SmallQuadraticField)
    assert small.levels == large.levels
    _same(small, large)


def test_gauss_legendre_2_with_an_entry_one_unit_in_the_60th_bit_off_fails_in_both():
    a = [
        ["1/4", f"1/4 - sqrt(3)/6 + 1/{2**60}"],
        ["1/4 + sqrt(3)/6", "1/4"],
    ]
    scheme, small, large = _both(_full_toml(a, ["1/2", "1/2"], 4))
    assert isinstance(convert_tableau(scheme, {}, small=True)[0], SmallQuadraticField)
    assert small.order == large.order == 1  # b·A·1 = 1/2 + 2⁻⁶¹: order 2 fails
    _same(small, large)


def test_large_numbers_over_a_square_root_keep_flint():
    big = f"1/{2**70 + 1}"
    a = [[f"1/4 + {big}*sqrt(3)", "0"], ["1/2", "0"]]
    field, *_ = convert_tableau(parse_scheme(_full_toml(a, ["1/2", "1/2"], 1)), {}, small=True)
    assert type(field) is QuadraticField


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 2**24 - 1))
def test_trial_division_splits_off_squares_as_flint_factoring_does(n):
    s, d = _square_free_by_trial_division(n)
    assert s * s * d == n
    import flint

    flint_s, flint_d = 1, 1
    for prime, exponent in flint.fmpz(n).factor():
        flint_s *= int(prime) ** (exponent // 2)
        flint_d *= int(prime) ** (exponent % 2)
    assert (s, d) == (flint_s, flint_d) == _square_free(n)


def test_checking_the_one_radical_library_schemes_imports_no_python_flint():
    files = ["tableaus/gl2.toml", "tableaus/gl3.toml", "tableaus/radau_iia3.toml",
             "tableaus/sdirk2_3.toml", "tableaus/ralston4.toml"]  # fmt: skip
    code = (
        "import sys; from tableau_compiler.cli import main\n"
        f"status = main(['check', *{files!r}])\n"
        "print(status, 'flint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 False"
