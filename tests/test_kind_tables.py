"""One registration per scheme kind per layer (issue 22, item 3): the analysis, the report,
the plots and the command line each find a kind's entry in one table keyed by the scheme's
``kind``, so a new kind is one entry per layer, and none of them tests a kind by hand."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tableau_compiler.analysis import ANALYSES
from tableau_compiler.cli import STARTING_STATES
from tableau_compiler.parsing import KINDS, load_scheme
from tableau_compiler.report import REPORTS
from tableau_compiler.scheme import ButcherTableau, MultistepScheme, PartitionedTableau

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tableau_compiler"
TABLEAUS = ROOT / "tableaus"

KIND_CLASSES = {
    "ButcherTableau",
    "MultistepScheme",
    "PartitionedTableau",
    "RungeKuttaAnalysis",
    "MultistepAnalysis",
    "PartitionedAnalysis",
}
LAYERS = ["report.py", "plotting.py", "analysis/__init__.py", "cli.py"]


def plots() -> dict:
    pytest.importorskip("numpy")
    from tableau_compiler.plotting import PLOTS

    return PLOTS


def test_the_kinds_the_reader_accepts_are_the_kinds_of_the_scheme_values():
    assert {ButcherTableau.kind, MultistepScheme.kind, PartitionedTableau.kind} == set(KINDS)


@pytest.mark.parametrize(
    "table",
    [ANALYSES, REPORTS, STARTING_STATES, "plots"],
    ids=["analysis", "report", "cli", "plotting"],
)
def test_every_layer_has_one_entry_per_kind(table):
    table = plots() if table == "plots" else table
    assert sorted(table) == sorted(KINDS)


def kind_tests(path: Path) -> list[str]:
    """Each ``isinstance(x, <kind's class>)`` and each ``<x>.kind == "..."`` (or ``!=``,
    ``in``) in the module at ``path``, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
            classes = node.args[1]
            names = {
                getattr(n, "id", getattr(n, "attr", None))
                for n in (classes.elts if isinstance(classes, ast.Tuple) else [classes])
            }
            if names & KIND_CLASSES:
                found.append(f"{path.name}:{node.lineno} isinstance")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            kind = any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in sides)
            literal = any(isinstance(s, ast.Constant) and s.value in KINDS for s in sides)
            if kind and literal:
                found.append(f"{path.name}:{node.lineno} kind comparison")
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_tests_a_kind_by_hand(layer):
    assert kind_tests(PACKAGE / layer) == []


def test_the_kind_test_finder_finds_the_tests_it_looks_for(tmp_path):
    module = tmp_path / "by_hand.py"
    module.write_text(
        "if isinstance(scheme, ButcherTableau):\n    pass\n"
        "if scheme.kind == 'linear-multistep':\n    pass\n"
    )
    assert kind_tests(module) == ["by_hand.py:1 isinstance", "by_hand.py:3 kind comparison"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("rk4", "explicit Runge–Kutta, 4 stages"),
        ("bdf2", "implicit 2-step linear multistep"),
        ("stormer_verlet", "partitioned Runge–Kutta, 2 stages, explicit for separable systems"),
    ],
)
def test_each_kind_is_described_by_its_own_entry(name, words):
    from tableau_compiler.analysis import analyse
    from tableau_compiler.report import describe

    assert describe(analyse(load_scheme(TABLEAUS / f"{name}.toml"))) == words


def test_a_kind_without_a_stability_function_is_refused_by_its_plot_entry():
    from tableau_compiler.plotting import PlotError, curve_for

    plots()
    with pytest.raises(PlotError, match="a partitioned pair has no single stability function"):
        curve_for(load_scheme(TABLEAUS / "stormer_verlet.toml"))


def test_a_kind_without_an_order_star_is_refused_only_when_one_is_asked_for():
    from tableau_compiler.plotting import PlotError, curve_for

    plots()
    bdf2 = load_scheme(TABLEAUS / "bdf2.toml")
    assert curve_for(bdf2).kind == "linear-multistep"
    with pytest.raises(PlotError, match="a multistep scheme has no single-valued R"):
        curve_for(bdf2, order_star=True)
