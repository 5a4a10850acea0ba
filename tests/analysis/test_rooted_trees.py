"""Rooted trees: the index set of the Runge–Kutta order conditions."""

from math import factorial

import pytest

from tableau_compiler.analysis.rooted_trees import TREES, count_trees, level_sequences

# OEIS A000081: rooted trees with n vertices.
A000081 = [1, 1, 2, 4, 9, 20, 48, 115, 286, 719, 1842, 4766, 12486, 32973]


@pytest.mark.parametrize("n, expected", list(enumerate(A000081, start=1)))
def test_number_of_rooted_trees_of_each_order(n, expected):
    assert count_trees(n) == expected


def test_there_are_286_rooted_trees_with_9_vertices():
    assert count_trees(9) == 286


@pytest.mark.parametrize("n", range(1, 11))
def test_generation_agrees_with_beyer_hedetniemi_level_sequences(n):
    ours = [TREES.level_sequence(t) for t in TREES.of_order(n)]
    assert len(set(ours)) == len(ours), "a tree was generated twice"
    assert set(ours) == set(level_sequences(n))


@pytest.mark.parametrize("n", range(1, 11))
def test_monotone_labellings_sum_to_n_minus_1_factorial(n):
    # Σ_{|t|=n} α(t) = (n-1)!, the number of recursive (increasing) trees (HNW II.2).
    assert sum(TREES.alpha(t) for t in TREES.of_order(n)) == factorial(n - 1)


@pytest.mark.parametrize("n", range(1, 11))
def test_sum_of_one_over_symmetry_counts_labelled_trees(n):
    # Σ_{|t|=n} n!/σ(t) = n^(n-1) (Cayley's formula for rooted labelled trees).
    assert sum(factorial(n) // TREES.sigma[t] for t in TREES.of_order(n)) == n ** (n - 1)


def test_densities_and_symmetries_of_the_trees_of_order_four():
    trees = {TREES.bracket(t): (TREES.gamma[t], TREES.sigma[t]) for t in TREES.of_order(4)}
    assert trees == {"[τ³]": (4, 6), "[τ[τ]]": (8, 1), "[[τ²]]": (12, 2), "[[[τ]]]": (24, 1)}


def test_conditions_are_written_as_a_textbook_writes_them():
    weights = {TREES.bracket(t): TREES.weight(t) for t in TREES.up_to(4)}
    assert weights["τ"] == "b·1"
    assert weights["[τ]"] == "b·c"
    assert weights["[τ²]"] == "b·c²"
    assert weights["[[τ]]"] == "b·Ac"
    assert weights["[τ[τ]]"] == "b·(c⊙Ac)"
    assert weights["[[[τ]]]"] == "b·AAc"
