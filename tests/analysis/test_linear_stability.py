"""Stability intervals, SSP coefficients, structural properties and multistep angles against
the literature (issue 15), and the property that a reported endpoint lies on |R| = 1."""

from fractions import Fraction

import mpmath
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.intervals import (
    boundary_locus,
    imaginary_stability_interval,
    multistep_a_stability,
    multistep_real_stability_interval,
    real_stability_interval,
    stability_angle,
)
from tableau_compiler.parsing import load_scheme

from .helpers import bdf, collocation, gauss_nodes, radau_right_nodes, tableau

R = sympy.Rational
TAYLOR = [1, 1, R(1, 2), R(1, 6), R(1, 24)]


def library(name):
    return analyse(load_scheme(f"tableaus/{name}.toml"), full=True)


def beta(interval):
    return interval.crossing


# --------------------------------------------------------------------------- intervals


def test_rk4_real_interval_is_the_real_root_of_its_cubic():
    # HNW IV.2, Fig. 2.1: RK4 is stable on [-2.785..., 0]; the endpoint is the real root of
    # 1 + x/2 + x²/6 + x³/24 (1 - R(x) = -x(...)) at x = -β
    interval = real_stability_interval(TAYLOR, [1])
    at = interval.endpoint
    assert at.polynomial == (-24, 12, -4, 1)
    assert at.value().decimal(11) == "2.7852935634"
    assert interval.to_dict()["beta"] == "CRootOf(x**3 - 4*x**2 + 12*x - 24, 0)"
    # the exact text names the number: sympy reads it back
    assert abs(sympy.sympify(at.text()).evalf(30) - sympy.Float("2.78529356340528", 30)) < 1e-13


def test_rk4_imaginary_interval_is_two_sqrt_two():
    # |R(iy)|² = 1 − y⁶/72 + y⁸/576 (HNW IV.2): β_I = √8
    interval = imaginary_stability_interval(TAYLOR, [1])
    assert interval.endpoint.text() == "2*sqrt(2)"


def test_forward_euler_real_interval_two_and_no_imaginary_interval():
    assert beta(real_stability_interval([1, 1], [1])).at.text() == "2"
    assert beta(imaginary_stability_interval([1, 1], [1])).zero


def test_rk3_kutta_intervals():
    # Kutta's third-order methods, R = 1 + z + z²/2 + z³/6: β_R = 2.5127453266, β_I = √3
    # (HNW IV.2, Fig. 2.1; Butcher 2016, §238)
    p = TAYLOR[:4]
    assert beta(real_stability_interval(p, [1])).at.value().decimal(11) == "2.5127453266"
    assert beta(imaginary_stability_interval(p, [1])).at.text() == "sqrt(3)"


def test_library_intervals():
    rk4 = library("rk4").stability
    assert rk4.imaginary_interval.endpoint.text() == "2*sqrt(2)"
    # DOPRI5: β_R = 3.3066 (HNW II.5 / Dormand & Prince 1980); β_I below 1
    dopri = library("dopri5").stability
    assert dopri.real_interval.endpoint.value().decimal(5) == "3.3066"
    assert library("euler").stability.real_interval.endpoint.text() == "2"
    # A-stable methods: the whole negative axis; Gauss–Legendre: |R(iy)| ≡ 1
    gl2 = library("gl2").stability
    assert gl2.real_interval.crossing.unbounded and gl2.imaginary_interval.crossing.unbounded
    assert library("backward_euler").stability.real_interval.crossing.unbounded


def test_tangency_does_not_end_the_interval():
    # R(x) = x + x²/4 = (x + 2)²/4 − 1 >= −1: |R| touches 1 at x = −2 (R = −1, a double root
    # of 1 − R²) and stays below; it leaves the unit disc where R = 1, at x = −2 − 2√2.
    interval = real_stability_interval([0, 1, R(1, 4)], [1])
    assert interval.endpoint.text() == "2 + 2*sqrt(2)"


def test_approximate_scheme_interval_is_judged_to_its_tolerance():
    # Gauss 2 written with 20-digit decimals: |R(iy)| exceeds 1 by about 1e-20 somewhere, so
    # the exact decimals would have β_I = 0; to tolerance 1e-15 the axis is stable.
    nodes = gauss_nodes(2)
    exact = collocation(nodes, order=4)
    digits = lambda x: sympy.N(sympy.sympify(x.text.replace("^", "**")), 20)
    decimal = tableau(
        [[str(digits(x)) for x in row] for row in exact.a],
        [str(digits(x)) for x in exact.b],
        order=4,
        tolerance=1e-15,
    )
    result = analyse(decimal, full=True).stability
    assert result.imaginary_interval.crossing.unbounded
    assert result.real_interval.crossing.unbounded


@st.composite
def explicit_tableaus(draw):
    s = draw(st.integers(1, 4))
    entry = st.fractions(min_value=-2, max_value=2, max_denominator=6)
    a = [[draw(entry) for _ in range(i)] for i in range(s)]
    b = [draw(entry) for _ in range(s)]
    return a, b


def _modulus(numerator, denominator, z):
    p = sum(mpmath.mpf(c.p) / c.q * z**k for k, c in enumerate(numerator))
    q = sum(mpmath.mpf(c.p) / c.q * z**k for k, c in enumerate(denominator))
    return abs(p / q)


@settings(max_examples=40, deadline=None)
@given(explicit_tableaus())
def test_reported_endpoints_lie_on_the_unit_level_curve(data):
    """|R(z)| = 1 at a reported endpoint, |R| <= 1 inside, |R| > 1 just beyond."""
    a, b = data
    scheme = tableau(a, b, order=0)
    from tableau_compiler.analysis.arithmetic import RationalField
    from tableau_compiler.analysis.stability import stability_polynomials

    field = RationalField()
    s = len(b)
    full = [row + [Fraction(0)] * (s - len(row)) for row in a]
    p, q = stability_polynomials(field, [field.convert(r) for r in full], field.convert(b))
    numerator = [sympy.Rational(c) for c in reversed(p.all_coeffs())]
    denominator = [sympy.Rational(c) for c in reversed(q.all_coeffs())]
    del scheme
    mpmath.mp.dps = 40
    for interval, unit in (
        (real_stability_interval(numerator, denominator), -1),
        (imaginary_stability_interval(numerator, denominator), 1j),
    ):
        crossing = interval.crossing
        if crossing.unbounded or crossing.zero:
            continue
        endpoint = mpmath.mpf(crossing.at.value().decimal(20))
        assert abs(_modulus(numerator, denominator, unit * endpoint) - 1) < mpmath.mpf(10) ** -15
        for fraction in ("0.25", "0.5", "0.9", "0.999999"):
            inside = unit * endpoint * mpmath.mpf(fraction)
            assert _modulus(numerator, denominator, inside) <= 1 + mpmath.mpf(10) ** -15
        assert _modulus(numerator, denominator, unit * endpoint * (1 + mpmath.mpf(10) ** -12)) > 1


# --------------------------------------------------------------------------- SSP


@pytest.mark.parametrize(
    "name, expected",
    [
        ("ssprk22", "1"),  # Shu & Osher 1988; Gottlieb & Shu 1998
        ("ssprk33", "1"),
        ("ssprk104", "6"),  # Ketcheson 2008
        ("rk4", "0"),  # Kraaijevanger 1991: the classical method is not SSP
        ("euler", "1"),
        ("heun", "1"),  # Heun's method is SSPRK(2,2)
    ],
)
def test_ssp_coefficients_of_library_schemes(name, expected):
    assert library(name).properties.ssp.to_dict()["value"] == expected


def test_ssp_of_four_stage_third_order_method_is_two():
    # SSPRK(4,3) of Kraaijevanger 1991 / Spiteri & Ruuth 2002: C = 2
    a = [[], ["1/2"], ["1/2", "1/2"], ["1/6", "1/6", "1/6"]]
    result = analyse(tableau(a, ["1/6", "1/6", "1/6", "1/2"], order=3), full=True)
    assert result.properties.ssp.to_dict()["value"] == "2"


def test_ssp_of_implicit_methods():
    # implicit midpoint: C = 2 (Ketcheson, Macdonald & Gottlieb 2009); backward Euler: ∞
    midpoint = analyse(tableau([["1/2"]], [1], order=2), full=True).properties.ssp
    assert midpoint.to_dict()["value"] == "2"
    backward = analyse(tableau([[1]], [1], order=1), full=True).properties.ssp
    assert backward.crossing.unbounded


def test_ssp_agrees_with_nodepy_bisection():
    rk = pytest.importorskip("nodepy.runge_kutta_method")
    for name, nodepy_name in (("ssprk33", "SSP33"), ("ssprk104", "SSP104"), ("rk4", "RK44")):
        ours = library(name).properties.ssp.value
        theirs = rk.loadRKM(nodepy_name).absolute_monotonicity_radius()
        assert ours == pytest.approx(theirs, abs=1e-8)


# --------------------------------------------------------------------------- structure


@pytest.mark.parametrize("s", [1, 2, 3])
def test_gauss_legendre_symplectic_symmetric_algebraically_stable(s):
    result = analyse(collocation(gauss_nodes(s), order=2 * s), full=True).properties
    assert result.symplectic.holds and result.symmetric.holds
    assert result.algebraically_stable.holds


@pytest.mark.parametrize("s", [1, 2, 3])
def test_radau_iia_algebraically_stable_not_symplectic(s):
    # HNW IV.12, Theorem 12.9
    result = analyse(collocation(radau_right_nodes(s), order=2 * s - 1), full=True).properties
    assert result.algebraically_stable.holds
    assert result.symplectic.holds is False and result.symmetric.holds is False


def test_rk4_neither_symplectic_nor_algebraically_stable_nor_symmetric():
    result = library("rk4").properties
    assert not result.symplectic.holds
    assert not result.algebraically_stable.holds
    assert not result.symmetric.holds


def test_lobatto_iiic_algebraically_stable_trapezoid_not():
    # HNW IV.12, Theorem 12.9 (Lobatto IIIC); Lobatto IIIA (trapezoid) has m_11 = -1/4
    assert library("lobatto_iiic3").properties.algebraically_stable.holds
    trapezoid = library("trapezoid").properties
    assert not trapezoid.algebraically_stable.holds
    assert trapezoid.symmetric.holds  # Lobatto IIIA is symmetric (HLW V.2)


@pytest.mark.parametrize("name, fsal", [("dopri5", True), ("bs32", True), ("tsit5", True),
                                         ("rk4", False), ("cash_karp", False)])  # fmt: skip
def test_first_same_as_last(name, fsal):
    assert library(name).properties.fsal.holds is fsal


def test_dopri5_error_figures():
    # Dormand & Prince 1980, RK5(4)7M: A^(6) = 3.99e-4, Â^(5) = 1.18e-3
    metrics = dict(library("dopri5").properties.error_metrics.figures)
    assert metrics["A^(6)"].exact == "sqrt(16719)/324000"
    assert metrics["A^(6)"].decimal(3) == "0.000399"
    assert metrics["Â^(5)"].decimal(3) == "0.00118"


def test_error_figures_agree_with_nodepy():
    rk = pytest.importorskip("nodepy.runge_kutta_method")
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        theirs = rk.loadRKM("DP5").error_metrics()
    metrics = dict(library("dopri5").properties.error_metrics.figures)
    # nodepy: A_qp1, _, A_qp2, _, A_pp1_hat, _, B_pp2, _, C_pp2, _, D, E_pp2, _
    for name, index in (("A^(6)", 0), ("A^(7)", 2), ("Â^(5)", 4), ("B^(6)", 6),
                        ("C^(6)", 8), ("E^(6)", 11)):  # fmt: skip
        assert metrics[name].magnitude == pytest.approx(float(theirs[index]), rel=1e-12)


# --------------------------------------------------------------------------- multistep


@pytest.mark.parametrize("k, degrees", [(3, "86.03"), (4, "73.35"), (5, "51.84"), (6, "17.84")])
def test_bdf_stability_angles(k, degrees):
    # HNW V.2, Table 2.3 (Widlund 1967)
    alpha, beta_ = bdf(k)
    angle = stability_angle(alpha, beta_)
    assert angle.exact
    assert f"{angle.float_degrees:.2f}" == degrees
    assert not multistep_a_stability(alpha, beta_).holds


@pytest.mark.parametrize("k", [1, 2])
def test_bdf1_bdf2_are_a_stable(k):
    alpha, beta_ = bdf(k)
    assert multistep_a_stability(alpha, beta_).holds
    assert stability_angle(alpha, beta_).float_degrees == 90


def test_trapezoidal_rule_a_stable_and_explicit_methods_not():
    assert multistep_a_stability(["-1", "1"], ["1/2", "1/2"]).holds
    assert not multistep_a_stability(["-1", "1"], ["1", "0"]).holds
    # Milne–Simpson: stable only on the imaginary segment, not on the real axis
    result = library("milne_simpson").linear_stability
    assert result.real_interval.crossing.zero and not result.a_stability.holds


@pytest.mark.parametrize(
    "name, expected",
    [
        # HNW V.1, Fig. 1.1 / Table: Adams–Bashforth k = 1..4: 2, 1, 6/11, 3/10
        ("ab1", "2"),
        ("ab2", "1"),
        ("ab3", "6/11"),
        ("ab4", "3/10"),
        # Adams–Moulton k = 2, 3, 4: 6, 3, 90/49 (≈ 1.84)
        ("am2", "6"),
        ("am3", "3"),
        ("am4", "90/49"),
    ],
)
def test_adams_real_stability_intervals(name, expected):
    interval = library(name).linear_stability.real_interval
    assert interval.endpoint.text() == expected


def test_bdf_real_interval_is_unbounded():
    alpha, beta_ = bdf(4)
    assert multistep_real_stability_interval(alpha, beta_).crossing.unbounded


def test_boundary_locus_points_lie_where_rho_minus_z_sigma_has_a_unit_root():
    alpha, beta_ = bdf(3)
    points = boundary_locus(alpha, beta_, points=37)
    assert len(points) == 37 and points[0] == 0
    a = [float(sympy.Rational(x)) for x in alpha]
    b = [float(sympy.Rational(x)) for x in beta_]
    for z in points[1:-1]:
        roots = mpmath.polyroots([x - z * y for x, y in reversed(list(zip(a, b)))])
        assert min(abs(abs(r) - 1) for r in roots) < 1e-9


def test_parameters_are_read_at_their_values():
    result = library("lm_resnet")  # k = 0: forward Euler after the rescaling
    assert result.linear_stability.at_parameter_values
    assert result.linear_stability.real_interval.endpoint.text() == "2"
