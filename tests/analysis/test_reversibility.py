"""Which compiled steps invert (issue 14): the library's verdicts, each reason, the
multistep conditions β_k = 0, β_0 = 0, α_0 ≠ 0, and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tableau_compiler.analysis import analyse
from tableau_compiler.analysis.reversibility import MAX_AMPLIFICATION, reversibility
from tableau_compiler.parsing import load_scheme, parse_scheme
from tableau_compiler.report import info_text, to_dict

from .helpers import multistep, tableau

INVERTIBLE_PAIRS = {
    "revnet": ("Q1", "P1"),
    "symplectic_euler": ("P1", "Q1"),
    "symplectic_euler_adjoint": ("Q1", "P1"),
    "stormer_verlet": ("Q2", "P2", "P1", "Q1"),
    "stormer_verlet_position": ("P2", "Q2", "Q1", "P1"),
    "lobatto_iiia_iiib2": ("Q2", "P2", "P1", "Q1"),
    "ruth3": ("P3", "Q3", "P2", "Q2", "P1", "Q1"),
    "forest_ruth4": ("P4", "Q3", "P3", "Q2", "P2", "Q1", "P1"),
}


LIBRARY = Path(__file__).resolve().parents[2] / "tableaus"


def library(name):
    return load_scheme(LIBRARY / f"{name}.toml")


def test_every_library_scheme_has_the_verdict_of_its_kind():
    found = {}
    for path in sorted(LIBRARY.glob("*.toml")):
        scheme = load_scheme(path)
        found[scheme.name] = reversibility(scheme, analyse(scheme))
    invertible = {name for name, r in found.items() if r.invertible}
    assert invertible == set(INVERTIBLE_PAIRS) | {"leapfrog", "lm_resnet"}
    for name, order in INVERTIBLE_PAIRS.items():
        assert found[name].order == order
    for name, r in found.items():  # every "no" says why, every "yes" how
        assert (r.reason is None) == r.invertible and (r.how is None) != r.invertible
    assert found["lobatto_iiia_iiib3"].reason == "the pair is implicit for separable systems"
    assert found["rk4"].reason.startswith("a Runge–Kutta step gives y_n from y_{n+1} only")
    for name in ("am2", "bdf3", "milne_simpson"):
        assert found[name].reason.startswith("implicit (β_")
    for name in ("ab1", "ab2", "ab5"):
        assert found[name].reason.startswith("β_0 ≠ 0")


def test_leapfrog_inverts_with_unit_growth_and_lm_resnet_where_k_is_not_zero():
    leapfrog = reversibility(library("leapfrog"))
    assert leapfrog.invertible and leapfrog.growth == "1" and leapfrog.depends_on == ()
    assert not leapfrog.zero_at_values
    lm = reversibility(library("lm_resnet"))
    assert lm.invertible and lm.alpha0 == "-k" and lm.growth == "1/|k|"
    assert lm.depends_on == ("k",) and lm.zero_at_values  # k starts at 0: forward Euler


@pytest.mark.parametrize(
    ("alpha", "beta", "invertible", "growth"),
    [
        (["-1/3", "-2/3", 1], [0, 2, 0], True, "3"),  # ρ = (ζ - 1)(ζ + 1/3): growth 3
        ([-2, 1, 1], [0, 3, 0], True, "1/2"),  # growth bound |α_2/α_0| = 1/2
        ([0, -1, 1], [0, 1, 0], False, None),  # α_0 = 0: u_n never enters
        ([-1, 0, 1], ["1/3", "4/3", 0], False, None),  # β_0 ≠ 0
        ([-1, 0, 1], [0, 2, "1/2"], False, None),  # implicit
    ],
)
def test_the_three_multistep_conditions(alpha, beta, invertible, growth):
    r = reversibility(multistep(alpha, beta, order=1))
    assert r.invertible == invertible
    assert r.growth == growth


def test_a_fixed_parameter_is_taken_at_its_value_and_a_learnable_one_identically():
    text = """name = "m"
kind = "linear-multistep"
order = 1
[coefficients]
alpha = ["a - 1", "-a", "1"]
beta = ["b - b", "1", "0"]
[parameters.a]
value = "%s"
learnable = %s
[parameters.b]
value = "1/2"
"""
    assert not reversibility(parse_scheme(text % ("1", "false"))).invertible  # α_0 = 0
    fixed = reversibility(parse_scheme(text % ("1/2", "false")))
    assert fixed.invertible and fixed.depends_on == () and fixed.growth == "2"
    learnable = reversibility(parse_scheme(text % ("1", "true")))
    assert learnable.invertible and learnable.depends_on == ("a",)
    assert learnable.zero_at_values  # a = 1 at its initial value


def test_runge_kutta_steps_do_not_invert():
    assert not reversibility(tableau([[], [1]], [1, 0], order=1)).invertible


def test_info_and_json_report_it():
    for name, yes in (("revnet", True), ("lm_resnet", True), ("bdf2", False), ("rk4", False)):
        analysis = analyse(library(name), full=True)
        line = [x for x in info_text(analysis).splitlines() if "invertible step" in x]
        assert len(line) == 1 and (": yes: " in line[0]) == yes
        data = json.loads(json.dumps(to_dict(analysis)))["reversibility"]
        assert data["invertible"] is yes
    lm = to_dict(analyse(library("lm_resnet")))["reversibility"]
    assert lm["depends_on"] == ["k"] and lm["max_amplification"] == MAX_AMPLIFICATION
