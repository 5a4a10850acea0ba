"""Every property for every scheme it applies to (issue 20, items 3 and 4): the SSP
coefficient over QQ(√d) and in decimals, decimals printed as decimals, stability intervals
whose ends are not artefacts of the tolerance, and no traceback from any command.

The schemes are in ``fixtures/`` (not ``schemes/``: the pre-commit hook checks every
``schemes/`` folder as a library): Lobatto IIIC with 4 stages (exact, √5), the Spiteri–Ruuth
SSP(5,3) and ARKODE's Billington table as published in decimals, RK4 written in 17-digit
decimals, and Ralston's second-order method with 2/3 written as 0.6666666666666666.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.algebraic import positive_roots
from tableau_compiler.parsing import parse_scheme

from .helpers import tableau

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = Path(__file__).resolve().parent / "fixtures"


def scheme(name: str, **changes):
    text = (SCHEMES / f"{name}.toml").read_text(encoding="utf-8")
    for old, new in changes.items():
        text = text.replace(old, new)
    return parse_scheme(text, source=f"{name}.toml")


def full(name: str, **changes):
    return analyse(scheme(name, **changes), full=True)


def tabc(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *argv],
        check=False,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def strict_json(text: str):
    """json.loads that refuses the NaN and Infinity literals strict JSON does not have."""

    def refuse(literal: str):
        raise AssertionError(f"{literal} in JSON output")

    return json.loads(text, parse_constant=refuse)


# --------------------------------------------------------------------------- SSP


def test_lobatto_iiic_with_four_stages_over_qq_sqrt5_has_ssp_coefficient_0():
    # A has negative entries (a_12 = −√5/12): not absolutely monotonic at any r > 0
    ssp = full("lobatto_iiic4").properties.ssp
    assert ssp.crossing is not None and ssp.crossing.zero
    assert ssp.words().startswith("0 (a_12 < 0: a positive SSP coefficient needs A >= 0")
    nodepy = pytest.importorskip("nodepy.runge_kutta_method")
    assert nodepy.loadRKM("LobattoIIIC4").absolute_monotonicity_radius() == 0


def test_an_sdirk_over_qq_sqrt2_has_its_exact_ssp_coefficient():
    # γ = 1 − 1/√2: A = [[γ, 0], [1 − 2γ, γ]], b = [1/2, 1/2], every entry positive
    gamma = "1 - 1/sqrt(2)"
    sdirk = tableau([[gamma], ["sqrt(2) - 1", gamma]], ["1/2", "1/2"], order=2)
    ssp = analyse(sdirk, full=True).properties.ssp
    assert ssp.crossing is not None and ssp.crossing.at is not None
    assert ssp.to_dict()["computed"] and "sqrt" in ssp.to_dict()["value"]
    nodepy = pytest.importorskip("nodepy.runge_kutta_method")
    import numpy as np

    g = 1 - 1 / math.sqrt(2)
    method = nodepy.RungeKuttaMethod(np.array([[g, 0], [1 - 2 * g, g]]), np.array([0.5, 0.5]))
    assert ssp.value == pytest.approx(method.absolute_monotonicity_radius(), abs=1e-8)


def test_the_decimal_ssp53_has_ssp_coefficient_2_6506_printed_as_decimals():
    ssp = full("ssp53_decimal").properties.ssp
    # the optimal method has several conditions active at once; of the written decimals one
    # fails a hair before 1 − r·a_21 >= 0 does (r = 1/a_21), at a rational point
    at = ssp.crossing.at
    bound = 1 / Fraction("0.37726891511710")
    assert at.degree == 1 and bound - Fraction(1, 10**9) < at.enclosure()[0] <= bound
    assert ssp.value == pytest.approx(2.650629192944733, abs=1e-12)
    words = ssp.words()
    assert words.startswith("2.65062919;") and "/" not in words.split(";")[0]
    data = ssp.to_dict()
    assert data["value"] == "6030329226395312500000000/2275055765041160381402859"  # exact
    assert data["shown"] == "2.65062919" and data["float"] == pytest.approx(2.650629192944733)
    nodepy = pytest.importorskip("nodepy.runge_kutta_method")
    assert ssp.value == pytest.approx(
        nodepy.loadRKM("SSP53").absolute_monotonicity_radius(), abs=1e-8
    )


def test_the_ssp_coefficient_of_decimal_rk4_is_0_not_twice_its_tolerance():
    # entries >= −t gave 2t (2e-15); the coefficient of r that is 0 for RK4 is read as 0
    ssp = full("rk4_decimal").properties.ssp
    assert ssp.crossing.zero and ssp.words() == "0"


def test_the_quadratic_text_of_an_endpoint_does_not_depend_on_its_enclosure():
    # Billington's SSP crossing: sympy cannot decide lo <= root <= hi once the enclosure is
    # refined past 256 bits (TypeError: cannot determine truth value of Relational)
    poly = [
        Fraction(85786437626639897128969),
        Fraction(-5060966543514213562374000000000000),
        Fraction(10000000001000000000000000000000000),
    ]
    for root in positive_roots(poly):
        texts = {root.refined(bits).text() for bits in (128, 256, 1024, 4096)}
        assert len(texts) == 1
        import sympy

        value = sympy.sympify(texts.pop()).evalf(40)
        lo, hi = root.enclosure()
        assert lo - Fraction(1, 10**30) <= Fraction(str(value)) <= hi + Fraction(1, 10**30)


def test_billington_info_json_is_strict_json_with_its_ssp_coefficient():
    done = tabc("info", "--format", "json", str(SCHEMES / "billington_decimal.toml"))
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    record = strict_json(done.stdout)
    ssp = record["ssp_coefficient"]
    assert ssp["computed"] and ssp["shown"] == "1.975907154"
    assert ssp["float"] == pytest.approx(1.97590715387, abs=1e-9)


# --------------------------------------------------------------------------- intervals


def test_decimal_rk4_has_the_imaginary_interval_2_sqrt_2_of_rk4():
    interval = full("rk4_decimal").stability.imaginary_interval
    assert interval.beta == pytest.approx(2 * math.sqrt(2), abs=1e-14)
    assert interval.neglected == (2, 4)  # the coefficients of y², y⁴ that RK4 makes 0
    words = interval.words()
    assert "β = 2.82842712474619" in words and "y^2, y^4" in words


@pytest.mark.parametrize("tolerance", ["1e-10", "1e-12", "1e-14"])
def test_decimal_ralston2_has_imaginary_interval_0_at_every_tolerance(tolerance):
    # |R(iy)|² = 1 + (1 − 2·0.75·0.6666666666666666) y² + ... : the y² coefficient is 1e-16,
    # the rounding of 2/3; |R| <= 1 + t gave 0.0017 at 1e-12 and 0.0005 at 1e-14
    ralston = full("ralston2_decimal", **{'order = 2\n': f"order = 2\ntolerance = {tolerance}\n"})
    interval = ralston.stability.imaginary_interval
    assert interval.crossing.zero
    assert interval.words().startswith("{0} only (to tolerance")
    assert "y^2" in interval.words()


def test_an_exact_explicit_method_with_p_equal_s_equal_2_has_imaginary_interval_0():
    exact = analyse(tableau([[], ["2/3"]], ["1/4", "3/4"], order=2), full=True)
    interval = exact.stability.imaginary_interval
    assert interval.crossing.zero and interval.neglected == ()


def test_decimal_ssp53_says_its_imaginary_interval_depends_on_the_tolerance():
    interval = full("ssp53_decimal").stability.imaginary_interval
    assert interval.beta == pytest.approx(2.6951728264, abs=1e-9)
    assert "the written values alone give β = 0" in interval.words()
    data = interval.to_dict()
    assert data["depends_on_tolerance"] and data["written_beta"] == "0"
    assert data["neglected_powers"] == [2]


def test_a_genuinely_small_leading_coefficient_is_kept():
    # pd87 (13 stages, tolerance 1e-17): E(y) ends in −p_12² y²⁴ ≈ −4.1e-20 y²⁴, below the
    # tolerance but the whole of its products; it is kept, and y² … y⁸ (about 1e-18) go
    result = analyse(parse_scheme((ROOT / "tableaus" / "pd87.toml").read_text()), full=True)
    interval = result.stability.imaginary_interval
    assert interval.neglected == (2, 4, 6, 8)
    assert interval.crossing.zero  # the y¹⁰ coefficient, −5.9e-8, decides


# --------------------------------------------------------------------------- symmetry


def test_gauss2_written_in_decimals_is_symmetric_to_its_tolerance():
    g = "0.2886751345948128822545743902509787278238"  # √3/6 to 40 digits
    gauss = tableau(
        [["0.25", f"0.25 - {g}"], [f"0.25 + {g}", "0.25"]], ["0.5", "0.5"], order=4,
        tolerance=1e-30,
    )  # fmt: skip
    assert analyse(gauss, full=True).properties.symmetric.holds is True


def test_a_decimal_tableau_past_the_stage_limit_has_its_symmetry_decided():
    # 20 stages of 15-digit decimals: 20³ × 50 bits is far below the work the stage limit
    # allowed (16³ stages × 7,700 bits), so merging equal stages is tried
    from tableau_compiler.analysis import structure
    from tableau_compiler.analysis.runge_kutta import convert_tableau

    s = 20
    a = [[f"0.{(7 * i + 3 * j) % 97:02d}1234567890123" for j in range(i)] for i in range(s)]
    scheme_ = tableau(a, ["0.05"] * s, order=1, tolerance=1e-12)
    field_, a_, b_, _, _ = convert_tableau(scheme_, {})
    judgement = structure.symmetric(field_, a_, b_, 1e-12)
    assert judgement.holds is False and not judgement.reason


# --------------------------------------------------------------------------- no traceback


COMMANDS = [
    ("check",),
    ("info",),
    ("info", "--format", "json"),
]


@pytest.mark.parametrize("path", sorted(SCHEMES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_command_on_every_scheme_here_ends_without_a_traceback(path, tmp_path):
    runs = [*COMMANDS, ("compile", "-o", str(tmp_path / "out")),
            ("plot", "-o", str(tmp_path / "stability.png"))]  # fmt: skip
    for argv in runs:
        done = tabc(*argv, str(path))
        assert "Traceback" not in done.stdout + done.stderr, (argv, done.stderr[-2000:])
        assert done.returncode in (0, 1), (argv, done.stderr[-2000:])
        if "json" in argv:
            record = strict_json(done.stdout)
            for name in ("ssp_coefficient", "symmetric"):
                assert record[name] is not None


@pytest.mark.parametrize("name", ["dopri5", "verner65", "cash_karp"])  # exact (tsit5 has a tolerance)
def test_the_order_barrier_gives_the_ssp_coefficient_the_computation_gives(name):
    """Explicit methods of order 5 or more have SSP coefficient 0 (Kraaijevanger 1991): the
    analysis says so without computing, and the computation agrees."""
    from fractions import Fraction

    from tableau_compiler.analysis.runge_kutta import convert_tableau, parameter_values
    from tableau_compiler.analysis.structure import ssp_coefficient
    from tableau_compiler.parsing import load_scheme

    scheme = load_scheme(ROOT / "tableaus" / f"{name}.toml")
    analysis = analyse(scheme, full=True)
    assert analysis.order >= 5 and analysis.properties.ssp.crossing.zero
    assert "Kraaijevanger" in analysis.properties.ssp.words()
    _, a, b, _, _ = convert_tableau(scheme, parameter_values(scheme))
    exact = lambda xs: [Fraction(int(x.p), int(x.q)) for x in xs]
    assert ssp_coefficient([exact(row) for row in a], exact(b), None).crossing.zero
