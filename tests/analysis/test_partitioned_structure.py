"""Evaluation orders of partitioned pairs (analysis/partitioned_structure.py)."""

from __future__ import annotations

from tableau_compiler.analysis.partitioned_structure import (
    general_evaluation,
    partitioned_structure,
    separable_evaluation,
    written_nonzero,
)
from tableau_compiler.parsing import parse_scheme


def pair(q: str, p: str, extra: str = "") -> str:
    return (
        'name = "x"\nkind = "partitioned-runge-kutta"\norder = 1\n'
        f"{extra}\n[tableau.q]\n{q}\n[tableau.p]\n{p}\n"
    )


def structure(q: str, p: str, extra: str = ""):
    return partitioned_structure(parse_scheme(pair(q, p, extra)))


def test_symplectic_euler_is_a_kick_then_a_drift():
    # p_1 = p_0 + h g(q_0, p_1), q_1 = q_0 + h f(q_0, p_1): for f(p), g(q), P_1 needs Q_1 = q_0
    found = structure('a = [["0"]]\nb = ["1"]', 'a = [["1"]]\nb = ["1"]')
    assert found.separable_evaluation == (("Q", 0), ("P", 0))
    assert found.general_evaluation is None  # P_1 depends on itself through g(Q_1, P_1)
    assert found.explicit_for_separable and not found.explicit


def test_revnet_is_a_drift_then_a_kick():
    found = structure('a = [["1"]]\nb = ["1"]', 'a = [["0"]]\nb = ["1"]')
    assert found.separable_evaluation == (("P", 0), ("Q", 0))


def test_stormer_verlet_velocity_form():
    q = 'a = [["0", "0"], ["1/2", "1/2"]]\nb = ["1/2", "1/2"]'
    p = 'a = [["1/2", "0"], ["1/2", "0"]]\nb = ["1/2", "1/2"]'
    found = structure(q, p)
    # ties broken by (stage, P before Q): Q_1 = q_0, then P_1, P_2 (half kicks), then Q_2
    assert found.separable_evaluation == (("Q", 0), ("P", 0), ("P", 1), ("Q", 1))
    assert found.general_evaluation is None


def test_an_explicit_runge_kutta_pair_is_explicit_for_both():
    rk4 = 'a = [[], ["1/2"], ["0", "1/2"], ["0", "0", "1"]]\nb = ["1/6", "1/3", "1/3", "1/6"]'
    found = structure(rk4, rk4)
    assert found.general_evaluation == (0, 1, 2, 3)
    assert found.separable_evaluation == (
        ("P", 0), ("Q", 0), ("P", 1), ("Q", 1), ("P", 2), ("Q", 2), ("P", 3), ("Q", 3),
    )  # fmt: skip


def test_a_cycle_through_both_tableaus_is_implicit_for_separable_systems():
    # Q_2 reads P_2 (a_22) and P_2 reads Q_2 (â_22): the Lobatto IIIA–IIIB 3-stage pattern
    q = 'a = [["0", "0"], ["1/2", "1/2"]]\nb = ["1/2", "1/2"]'
    p = 'a = [["0", "0"], ["1/2", "1/2"]]\nb = ["1/2", "1/2"]'
    assert structure(q, p).separable_evaluation is None


def _valid(order, reads) -> bool:
    seen = set()
    for item in order:
        if not reads[item] <= seen:
            return False
        seen.add(item)
    return True


def test_orders_exist_exactly_when_some_permutation_is_valid():
    """Against brute force over every 2-stage pattern: an order is returned exactly when some
    permutation of the values respects the dependencies, and the returned one does."""
    import itertools

    for bits in itertools.product([False, True], repeat=8):
        q = (bits[0:2], bits[2:4])
        p = (bits[4:6], bits[6:8])
        reads = {("Q", i): {("P", j) for j in range(2) if q[i][j]} for i in range(2)}
        reads |= {("P", i): {("Q", j) for j in range(2) if p[i][j]} for i in range(2)}
        order = separable_evaluation(q, p)
        possible = any(_valid(perm, reads) for perm in itertools.permutations(reads))
        assert (order is not None) == possible
        if order is not None:
            assert sorted(order) == sorted(reads) and _valid(order, reads)
        stage_reads = {i: {j for j in range(2) if q[i][j] or p[i][j]} for i in range(2)}
        stages = general_evaluation(q, p)
        possible = any(_valid(perm, stage_reads) for perm in itertools.permutations(range(2)))
        assert (stages is not None) == possible
        if stages is not None:
            assert _valid(stages, stage_reads)


def test_zero_is_the_written_structure():
    scheme = parse_scheme(
        pair(
            'a = [["0.0", "sqrt(2) - sqrt(2)"], ["k", "0"]]\nb = ["1/2", "1/2"]',
            'a = [["0", "0"], ["0", "0"]]\nb = ["1/2", "1/2"]',
            "[parameters.k]\nvalue = 0",
        )
    )
    # a decimal 0.0 and an exact zero with square roots are zero; a parameter is non-zero
    # even at the value 0 (training may move it)
    assert written_nonzero(scheme.q.a) == ((False, False), (True, False))
