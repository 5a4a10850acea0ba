"""Partitioned Runge–Kutta analysis (analysis/partitioned.py): orders over bicoloured and
alternating trees, symplecticity (HLW Theorem VI.4.6), the stage-reversal symmetry criterion
(HLW Theorem V.2.3), and the library pairs' verdicts."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tableau_compiler.analysis import analyse
from tableau_compiler.parsing import load_scheme, parse_scheme

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "tableaus"

# From the literature, independently of the files' claims: (order for general partitioned
# systems, order for separable systems, symplectic for separable systems, symplectic,
# symmetric, explicit for separable systems). Symmetric for separable systems: below.
KNOWN = {
    # HLW GNI Theorem VI.3.3: order 1, symplectic, explicit for separable systems
    "symplectic_euler": (1, 1, True, True, False, True),
    "symplectic_euler_adjoint": (1, 1, True, True, False, True),
    "revnet": (1, 1, True, True, False, True),
    # HLW Theorem VI.3.4, §II.2.2: order 2, symplectic, symmetric
    "stormer_verlet": (2, 2, True, True, True, True),
    "stormer_verlet_position": (2, 2, True, True, True, True),
    "lobatto_iiia_iiib2": (2, 2, True, True, True, True),
    # Lobatto IIIA–IIIB, s = 3: order 2s − 2 = 4 (Jay 1996), implicit
    "lobatto_iiia_iiib3": (4, 4, True, True, True, False),
    # splitting methods: separable order 3 (Ruth 1983) and 4 (Forest & Ruth 1990; Yoshida
    # 1990); b ≠ b̂, so order 1 for general systems and neither symplectic nor symmetric
    # there. Forest–Ruth is a symmetric composition (symmetric for separable systems).
    "ruth3": (1, 3, True, False, False, True),
    "forest_ruth4": (1, 4, True, False, False, True),
}

PAIRS = sorted(
    p for p in LIBRARY.glob("*.toml") if load_scheme(p).kind == "partitioned-runge-kutta"
)


def test_every_library_pair_has_a_known_verdict():
    assert {p.stem for p in PAIRS} == set(KNOWN)


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_library_pair_has_its_known_orders_and_properties(path):
    scheme = load_scheme(path)
    analysis = analyse(scheme, full=True)
    assert analysis.passed, analysis.failures
    order, separable, sympl_sep, sympl, symmetric, explicit_sep = KNOWN[scheme.name]
    # full=True checks one order beyond each claim: the orders are exact
    assert analysis.order == order and len(analysis.levels) == order + 1
    assert analysis.separable_order == separable
    assert len(analysis.separable_levels) == separable + 1
    assert analysis.symplectic_for_separable is sympl_sep
    assert analysis.symplectic is sympl
    assert analysis.symmetric is symmetric
    # symmetric methods have even order (HLW Theorem II.3.2); Forest–Ruth is a symmetric
    # composition, so symmetric for separable systems though not for general ones
    assert analysis.symmetric_for_separable is (symmetric or scheme.name == "forest_ruth4")
    assert analysis.explicit_for_separable is explicit_sep
    assert not analysis.explicit  # every library pair has an implicit stage for general systems


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_claiming_one_order_more_fails_and_names_the_condition(path):
    scheme = load_scheme(path)
    order, separable, *_ = KNOWN[scheme.name]
    higher = analyse(dataclasses.replace(scheme, order=order + 1, separable_order=None))
    assert not higher.passed
    (message,) = higher.failures
    assert message.startswith(f"order {order}, claimed {order + 1}: ")
    assert "(tree " in message and "misses by" in message
    higher = analyse(dataclasses.replace(scheme, separable_order=separable + 1))
    (message,) = higher.failures
    assert message.startswith(f"separable order {separable}, claimed {separable + 1}: ")
    assert higher.findings[0].key == ("separable_order",)


def _pair(q: tuple[list, list], p: tuple[list, list], order: int = 1, extra: str = "") -> str:
    def table(a: list, b: list) -> str:
        rows = ", ".join("[" + ", ".join(f'"{x}"' for x in row) + "]" for row in a)
        return f"a = [{rows}]\nb = [" + ", ".join(f'"{x}"' for x in b) + "]\n"

    return (
        f'name = "x"\nkind = "partitioned-runge-kutta"\norder = {order}\n{extra}\n'
        f"[tableau.q]\n{table(*q)}\n[tableau.p]\n{table(*p)}"
    )


RK4 = (
    [["0", "0", "0", "0"], ["1/2", "0", "0", "0"], ["0", "1/2", "0", "0"], ["0", "0", "1", "0"]],
    ["1/6", "1/3", "1/3", "1/6"],
)


def test_rk4_on_both_components_has_exactly_the_runge_kutta_order():
    """A pair of two equal tableaus is the Runge–Kutta method on (q, p): same order."""
    pair = analyse(parse_scheme(_pair(RK4, RK4, order=4)), full=True)
    rk4 = analyse(load_scheme(LIBRARY / "rk4.toml"), full=True)
    assert pair.order == rk4.order == 4 and pair.separable_order == 4
    assert pair.explicit and pair.explicit_for_separable
    # an explicit pair that is not symplectic: the inverse of issue 13 does not apply
    assert not pair.symplectic_for_separable and not pair.symplectic


@pytest.mark.parametrize("name", ["heun", "kutta3", "rk38", "ralston3", "gl2", "radau_iia2"])
def test_equal_tableaus_have_the_runge_kutta_order(name):
    rk = load_scheme(LIBRARY / f"{name}.toml")
    tableau = ([[x.text for x in row] for row in rk.a], [x.text for x in rk.b])
    pair = analyse(parse_scheme(_pair(tableau, tableau, order=rk.order)), full=True)
    assert pair.order == analyse(rk, full=True).order
    # and symplectic exactly when the Runge–Kutta method is (b_i a_ij + b_j a_ji = b_i b_j)
    assert pair.symplectic is (name == "gl2")


def test_a_perturbed_verlet_pair_is_not_symplectic_and_the_residual_is_named():
    text = _pair(
        ([["0", "0"], ["1/2", "1/2"]], ["1/2", "1/2"]),
        ([["1/2", "0"], ["1/2", "1/100"]], ["1/2", "1/2"]),
    )
    analysis = analyse(parse_scheme(text))
    assert not analysis.symplectic_for_separable and not analysis.symplectic
    assert analysis.symplectic_separable.size is not None
    # b_2 â_22 + b̂_2 a_22 − b_2 b̂_2 = 1/200 + 1/4 − 1/4
    assert analysis.symplectic_separable.size.exact == "1/200"


def test_symplectic_for_separable_but_not_general_when_the_weights_differ():
    analysis = analyse(parse_scheme((LIBRARY / "ruth3.toml").read_text("utf-8")))
    assert analysis.symplectic_for_separable and not analysis.symplectic
    assert not analysis.equal_weights.holds


def _perturbable(path: Path) -> list[tuple[str, int, int | None]]:
    scheme = load_scheme(path)
    places: list[tuple[str, int, int | None]] = []
    for part in ("q", "p"):
        for i in range(scheme.stages):
            places.append((part, i, None))
            places += [(part, i, j) for j in range(scheme.stages)]
    return places


EXACT_PAIRS = [p for p in PAIRS if not load_scheme(p).is_approximate]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(EXACT_PAIRS),
    data=st.data(),
    delta=st.fractions(min_value=Fraction(-1), max_value=Fraction(1)).filter(lambda x: x != 0),
)
def test_breaking_one_coefficient_drops_an_order_or_symplecticity(path, data, delta):
    """Perturb one entry of a checked pair: the exact analysis sees it."""
    scheme = load_scheme(path)
    part, i, j = data.draw(st.sampled_from(_perturbable(path)))
    component = getattr(scheme, part)
    rows = [[x.text for x in row] for row in component.a]
    weights = [x.text for x in component.b]
    if j is None:
        weights[i] = f"({weights[i]}) + ({delta})"
    else:
        rows[i][j] = f"({rows[i][j]}) + ({delta})"
    other = getattr(scheme, "p" if part == "q" else "q")
    mine = (rows, weights)
    theirs = ([[x.text for x in row] for row in other.a], [x.text for x in other.b])
    q, p = (mine, theirs) if part == "q" else (theirs, mine)
    order, separable, sympl_sep, *_ = KNOWN[scheme.name]
    claim = f"separable_order = {separable}"
    broken = analyse(parse_scheme(_pair(q, p, order=order, extra=claim)))
    if j is None:
        # a weight changed: Σ b = 1 (or Σ b̂ = 1) fails, named at the weights' row
        assert not broken.passed and broken.order == 0 and broken.separable_order == 0
        finding = broken.findings[0]
        assert finding.key == ("tableau", part, "b")
        assert "condition" in finding.message and "misses by" in finding.message
    else:
        # an entry of A changed: the order of some system class drops, or symplecticity goes
        dropped = broken.order < order or broken.separable_order < separable
        assert (
            dropped or broken.symplectic_for_separable != sympl_sep or _harmless(scheme, part, i, j)
        )
        if dropped:
            assert not broken.passed
            assert any("(tree " in message for message in broken.failures)


def _harmless(scheme, part: str, i: int, j: int) -> bool:
    """An entry no condition up to the checked orders reads and symplecticity ignores: a row
    of a stage whose weight and column are both zero (the padding of a splitting method)."""
    other = getattr(scheme, "p" if part == "q" else "q")
    return other.b[i].rational() == 0 and all(row[i].rational() == 0 for row in other.a)


def test_an_approximate_pair_is_judged_to_its_tolerance_with_certified_residuals():
    analysis = analyse(load_scheme(LIBRARY / "forest_ruth4.toml"), full=True)
    assert analysis.tolerance == 1e-40
    level = analysis.separable_levels[3]  # order 4: met to the tolerance, not exactly
    assert level.holds and not level.worst.zero and level.worst.magnitude < 1e-40
    # a tolerance the 50 digits cannot meet fails, with the residual certified
    text = (
        (LIBRARY / "forest_ruth4.toml")
        .read_text("utf-8")
        .replace("tolerance = 1e-40", "tolerance = 1e-60")
    )
    failing = analyse(parse_scheme(text))
    assert not failing.passed
    assert "above the tolerance 1e-60" in failing.failures[0]


def test_parameters_are_judged_at_their_values():
    text = _pair(
        ([["0"]], ["1"]),
        ([["k"]], ["1"]),
        extra='separable_order = 1\n[parameters.k]\nvalue = "1"\nlearnable = true',
    )
    analysis = analyse(parse_scheme(text), full=True)
    assert analysis.at_parameter_values and analysis.symplectic and analysis.passed
    # at k = 1/2 the pair is no longer symplectic (b â + b̂ a − b b̂ = 1/2 − 1)
    off = analyse(parse_scheme(text.replace('value = "1"', 'value = "1/2"')))
    assert not off.symplectic_for_separable
    # explicitness is the written structure: k may be trained away from zero
    assert not analysis.structure.general_evaluation


def test_the_work_is_bounded_before_it_starts(monkeypatch):
    """Conditions are decided up to the highest order within the limit; the rest of the claim
    fails as undecided, saying why: trees × (s² + the Python work per tree), so for three
    stages 2 × 2009 units at order 1 and (2 + 4) × 2009 = 12,054 up to order 2."""
    from tableau_compiler import limits
    from tableau_compiler.analysis.partitioned import TREE_UNITS

    assert TREE_UNITS == 2000
    monkeypatch.setattr(limits, "MAX_PAIR_WORK", 12_000)
    analysis = analyse(load_scheme(LIBRARY / "lobatto_iiia_iiib3.toml"))
    assert analysis.order == 1 and len(analysis.levels) == 1
    assert analysis.failures[0] == (
        "order >= 1 verified; order 2 not decided: 3 stages at order 2 mean 1.2e+04 units of "
        "order-condition work (bicoloured trees × (stages² × cost of the numbers + 2000 per "
        "tree)), above the limit of 1.2e+04"
    )
    # the separable conditions count alternating trees, 2, 2, 4, …, and share the budget: after
    # the general conditions' 4,018 units, order 1 (4,018) fits, order 2 ((2 + 2) × 2009 =
    # 8,036) does not
    assert analysis.separable_order == 1 and len(analysis.separable_levels) == 1
    assert analysis.failures[1].startswith("separable order >= 1 verified; separable order 2 not")
    assert "alternating trees" in analysis.failures[1]
    assert "with the 4e+03 units the general conditions took" in analysis.failures[1]


def test_conditions_over_pi_count_their_measured_cost():
    """A multiply-add over QQ(pi) costs SYMBOLIC_FACTOR units more in the pair's conditions
    than :mod:`work`'s unit (measured; a 64-stage pair of pi times 60-digit rationals claiming
    order 16 ran past 200 s without it): the same pair decides fewer orders with pi."""
    from tableau_compiler.analysis.partitioned import (
        SYMBOLIC_FACTOR,
        condition_work,
        convert_pair,
        decidable_depth,
    )
    from tableau_compiler.analysis.work import number_size

    def size_of(text):
        field_, a, b, a_hat, b_hat, _ = convert_pair(parse_scheme(text))
        return number_size(field_, a + a_hat, [*b, *b_hat])

    p_tableau = ([["1/2", "0"], ["1/2", "0"]], ["1/2", "1/2"])
    rational = size_of(_pair(([["0", "0"], ["1/3", "0"]], ["1/4", "3/4"]), p_tableau))
    with_pi = size_of(_pair(([["0", "0"], ["pi/3", "0"]], ["1/4", "3/4"]), p_tableau))
    from tableau_compiler.analysis import work as work_model

    # 360 units per coefficient (from 24 stages of pi) under-estimated the 64-stage pair of pi
    # five times (benchmarks/RESULTS_properties.md): 1,800 per coefficient
    assert SYMBOLIC_FACTOR * work_model.SYMBOLIC_FACTOR == pytest.approx(1800)
    assert with_pi.parts_per_order > 0 == rational.parts_per_order
    work = condition_work(64, 6, with_pi, general=True)
    expected = sum(
        c * (64**2 * with_pi.unit(n) * SYMBOLIC_FACTOR + 2000)
        for n, c in enumerate([2, 4, 14, 52, 214, 916], start=1)
    )
    assert work == pytest.approx(expected, rel=1e-12)
    assert decidable_depth(64, 16, with_pi, general=True) < decidable_depth(
        64, 16, rational, general=True
    )


# --------------------------------------------------------------------------- command line


def tabc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_check_and_info_report_the_pair_in_text_and_json():
    done = tabc("check", "tableaus/stormer_verlet.toml")
    assert done.returncode == 0
    assert "separable order 2" in done.stdout and "symplectic, symmetric" in done.stdout
    info = tabc("info", "--format", "json", "tableaus/revnet.toml")
    record = json.loads(info.stdout)
    assert record["kind"] == "partitioned-runge-kutta"
    assert record["symplectic"] is True and record["explicit_for_separable_systems"] is True
    assert record["separable_evaluation"] == ["P1", "Q1"]
    text = tabc("info", "tableaus/ruth3.toml").stdout
    assert "symplectic for separable systems (b_i â_ij + b̂_j a_ji = b_i b̂_j): yes" in text
    assert "separable order: 3 (claimed 3)" in text


def test_bad_partitioned_input_exits_2_naming_file_and_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        _pair(([["0"]], ["1"]), ([["1/0"]], ["1"])),
        encoding="utf-8",
    )
    done = tabc("check", str(bad))
    assert done.returncode == 2
    assert str(bad) in done.stdout and "tableau.p.a[1][1]" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_check_and_info_of_pairs_never_import_torch():
    code = (
        "import sys\nfrom tableau_compiler.cli import main\n"
        "main(['check', 'tableaus/forest_ruth4.toml'])\n"
        "main(['info', '--format', 'json', 'tableaus/lobatto_iiia_iiib3.toml'])\n"
        "assert 'torch' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def _matrices(scheme) -> tuple:
    from tableau_compiler.analysis.partitioned import convert_pair

    field, a, b, a_hat, b_hat, _ = convert_pair(scheme)
    return field, (a, b, a_hat, b_hat)


def test_the_adjoint_of_symplectic_euler_is_the_other_variant():
    from tableau_compiler.analysis.partitioned_symmetry import adjoint, equivalent

    field, (a, b, a_hat, b_hat) = _matrices(load_scheme(LIBRARY / "symplectic_euler.toml"))
    _, other = _matrices(load_scheme(LIBRARY / "symplectic_euler_adjoint.toml"))
    star = (*adjoint(field, a, b), *adjoint(field, a_hat, b_hat))

    def same(x, y):
        return field.is_zero(x - y)

    for separable in (False, True):
        assert equivalent(field, star, other, separable=separable, same=same)
        assert not equivalent(field, (a, b, a_hat, b_hat), other, separable=separable, same=same)


@settings(max_examples=30, deadline=None)
@given(path=st.sampled_from(PAIRS), data=st.data())
def test_renumbering_the_stages_keeps_the_map_and_its_symmetry(path, data):
    """A permutation of the stages (rows, columns and weights together) is the same method:
    equivalent to the original, and symmetric exactly when it was, although the stage-reversal
    criterion no longer holds for it in general."""
    from tableau_compiler.analysis.partitioned_symmetry import equivalent

    scheme = load_scheme(path)
    s = scheme.stages
    permutation = data.draw(st.permutations(range(s)))

    def renumbered(component) -> tuple[list, list]:
        a = [[component.a[permutation[i]][permutation[j]].text for j in range(s)] for i in range(s)]
        return a, [component.b[permutation[i]].text for i in range(s)]

    extra = "tolerance = 1e-40" if scheme.is_approximate else ""
    text = _pair(renumbered(scheme.q), renumbered(scheme.p), order=scheme.order, extra=extra)
    shuffled = parse_scheme(text)
    original, moved = analyse(scheme), analyse(shuffled)
    assert (moved.symmetric, moved.symmetric_for_separable) == (
        original.symmetric,
        original.symmetric_for_separable,
    )
    field, first = _matrices(scheme)
    _, second = _matrices(shuffled)
    assert equivalent(field, first, second, separable=False, same=lambda x, y: field.is_zero(x - y))


def test_breaking_the_symmetric_composition_breaks_its_symmetry():
    text = (LIBRARY / "forest_ruth4.toml").read_text("utf-8")
    # the last drift differs from the first: no longer a symmetric composition
    last = "0.67560359597982881702384390448573041346099968810857"
    broken = text.rsplit(last, 1)[0] + "0.6756" + text.rsplit(last, 1)[1]
    analysis = analyse(parse_scheme(broken))
    assert not analysis.symmetric_for_separable and not analysis.symmetric


def test_merging_equal_stages_is_bounded_and_says_so(monkeypatch):
    """Forest–Ruth is symmetric only once equal stages are merged (the stage reversal alone
    does not show it); past MAX_LUMPED_STAGES that refinement is not tried and the symmetry is
    reported undecided, never guessed (64 stages of 7,700-bit rationals took minutes)."""
    from tableau_compiler import limits

    scheme = load_scheme(LIBRARY / "forest_ruth4.toml")
    assert analyse(scheme).symmetric_separable.holds is True
    monkeypatch.setattr(limits, "MAX_LUMPED_STAGES", scheme.stages - 1)
    undecided = analyse(scheme).symmetric_separable
    assert undecided.holds is None
    assert "merging equal stages is not tried beyond 3 stages" in undecided.words()
