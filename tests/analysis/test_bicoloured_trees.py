"""Bicoloured rooted trees (analysis/bicoloured_trees.py): counts, decomposition, γ and σ,
the alternating subset, against independent generators."""

from __future__ import annotations

from math import factorial

import pytest

from tableau_compiler.analysis.bicoloured_trees import (
    BICOLOURED,
    BLACK,
    WHITE,
    alternating_bracket,
    bicoloured_counts,
    count_bicoloured_trees,
    nested_bicoloured_trees,
)
from tableau_compiler.analysis.rooted_trees import TREES, count_trees


def test_counts_for_one_to_five_vertices_are_2_4_14_52_214():
    assert [count_bicoloured_trees(n) for n in range(1, 6)] == [2, 4, 14, 52, 214]


@pytest.mark.parametrize("n", range(1, 7))
def test_the_table_matches_a_brute_force_generator(n):
    generated = [BICOLOURED.nested(t) for t in BICOLOURED.of_order(n)]
    assert len(set(generated)) == len(generated), "each tree exactly once"
    assert set(generated) == nested_bicoloured_trees(n)


def test_the_counting_recurrence_agrees_with_the_table():
    assert bicoloured_counts(7) == [count_bicoloured_trees(n) for n in range(1, 8)]


def _colours_alternate(tree: tuple) -> bool:
    colour, children = tree
    return all(child[0] != colour and _colours_alternate(child) for child in children)


@pytest.mark.parametrize("n", range(1, 7))
def test_alternating_trees_are_twice_the_rooted_trees(n):
    flagged = [t for t in BICOLOURED.of_order(n) if BICOLOURED.alternating[t]]
    by_definition = [t for t in BICOLOURED.of_order(n) if _colours_alternate(BICOLOURED.nested(t))]
    assert flagged == by_definition
    assert len(flagged) == 2 * count_trees(n)  # 2, 2, 4, 8, 18, 40
    # and they are exactly the rooted trees of TREES with a root colour
    TREES.extend_to(n)
    brackets = {alternating_bracket(t, c) for t in TREES.of_order(n) for c in (BLACK, WHITE)}
    assert brackets == {BICOLOURED.bracket(t) for t in flagged}


def _gamma(tree: tuple) -> int:
    """γ(t) = |t| Π γ(children) (HNW II.2, Definition 2.10)."""
    size = _size(tree)
    product = 1
    for child in tree[1]:
        product *= _gamma(child)
    return size * product


def _size(tree: tuple) -> int:
    return 1 + sum(_size(child) for child in tree[1])


def _sigma(tree: tuple) -> int:
    """σ(t) = Π m_k! σ(u_k)^m_k over the distinct children u_k of multiplicity m_k."""
    result = 1
    children = list(tree[1])
    for child in set(children):
        m = children.count(child)
        result *= factorial(m) * _sigma(child) ** m
    return result


@pytest.mark.parametrize("n", range(1, 6))
def test_gamma_and_sigma_follow_their_definitions(n):
    for t in BICOLOURED.of_order(n):
        nested = BICOLOURED.nested(t)
        assert BICOLOURED.gamma[t] == _gamma(nested)
        assert BICOLOURED.sigma[t] == _sigma(nested)
        assert BICOLOURED.colour[t] == nested[0]


def test_labelled_count_is_the_number_of_monotone_labellings_times_colourings():
    # Σ_{|t| = n} n!/(σ(t)γ(t)) counts monotonically labelled trees: (n−1)! shapes, and the
    # colourings of the n vertices: 2^n (n−1)! in all
    for n in range(1, 7):
        total = sum(
            factorial(n) // (BICOLOURED.sigma[t] * BICOLOURED.gamma[t])
            for t in BICOLOURED.of_order(n)
        )
        assert total == 2**n * factorial(n - 1)


def test_brackets_and_conditions_read_with_colours():
    BICOLOURED.extend_to(3)
    texts = {BICOLOURED.bracket(t): BICOLOURED.weight(t) for t in range(len(BICOLOURED.order))}
    assert texts["●"] == "b·1" and texts["○"] == "b̂·1"
    assert texts["●[○]"] == "b·ĉ" and texts["○[●]"] == "b̂·c"
    assert texts["●[●○]"] == "b·(c⊙ĉ)"
    assert texts["○[●[○]]"] == "b̂·Aĉ"
