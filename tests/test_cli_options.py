"""Every command validates its options before any work: one line, exit 2 (issue 21, items 3
and 9 and the adversary's plot options).

The numeric options take their types from :mod:`tableau_compiler.options`; ``tabc plot``
bounds the image and the extent, accepts ``--extent -3,3,-3,3`` spaced, skips (and names) a
scheme it cannot draw, and refuses to draw a scheme float64 cannot hold.  ``tabc info`` names
the parameter values it analysed at; counts agree with their nouns; ``--format json`` is the
one spelling of JSON, ``--json`` its alias everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tableau_compiler.cli import COMMANDS, build_parser
from tableau_compiler.options import MAX_RESOLUTION, negative_values_attached

ROOT = Path(__file__).resolve().parents[1]
TABLEAUS = ROOT / "tableaus"
BDF3 = str(TABLEAUS / "bdf3.toml")
RK4 = str(TABLEAUS / "rk4.toml")

TINY_WEIGHT = """\
name = "tiny"
kind = "runge-kutta"
order = 1

[tableau]
a = [[]]
b = ["1e-400"]
"""


def tabc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``tabc ARGS`` in a fresh process, this checkout's package first on its path."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "tableau_compiler", *args],
        capture_output=True, text=True, cwd=cwd, timeout=300, env=environment, check=False,
    )  # fmt: skip


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr naming ``words``, no traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    for word in words:
        assert word in line, line


# --------------------------------------------------------------------------- bad options


@pytest.mark.parametrize("option", [["--depth", "2"], ["--depth", "0"], ["--classes", "0"],
                                    ["--channels", "0"], ["--classes", "-3"]])  # fmt: skip
def test_export_refuses_a_bad_option_before_any_work(tmp_path, option):
    done = tabc("export", BDF3, "-o", str(tmp_path / "model.pt"), *option)
    refused(done, option[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, option",
    [
        (["plot", RK4, "--resolution", "-5"], "--resolution"),
        (["plot", RK4, "--resolution", "0"], "--resolution"),
        (["plot", RK4, "--resolution", "1"], "--resolution"),
        (["plot", RK4, "--resolution", "100000"], "--resolution"),
        (["plot", RK4, "--extent=0,1,0,1e9"], "--extent"),
        (["plot", RK4, "--extent=-1e-300,0,-1,1"], "--extent"),
        (["plot", RK4, "--extent=-1e308,1e308,-1,1"], "--extent"),
        (["plot", RK4, "--extent=0,1e-3,0,10"], "--extent"),  # sides 10,000 times apart
        (["plot", RK4, "--extent", "nan,1,0,1"], "--extent"),
        (["models", "--classes", "0"], "--classes"),
        (["models", "--channels", "5000"], "--channels"),
        (["train", "resnet20", "--lr", "nan"], "--lr"),
        (["train", "resnet20", "--weight-decay", "inf"], "--weight-decay"),
        (["train", "resnet20", "--momentum", "1"], "--momentum"),
        (["train", "resnet20", "--seed", "-1"], "--seed"),
        (["train", "resnet20", "--epochs", "0"], "--epochs"),
        (["train", "resnet20", "--milestones", "0,5"], "--milestones"),
        (["compare", "resnet20", "--seeds", "0"], "--seeds"),
        (["inspect", "run", "--tolerance", "0"], "--tolerance"),
        (["inspect", "run", "--tolerance", "nan"], "--tolerance"),
        (["check", RK4, "--format", "xml"], "--format"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2(tmp_path, argv, option):
    refused(tabc(*argv, cwd=tmp_path), option)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_every_numeric_option_uses_a_shared_validating_type():
    """No option of any command is a bare int or float (which takes 0, -3, nan, inf)."""
    for command in COMMANDS:
        parser = build_parser(command)
        (subparsers,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        for action in subparsers.choices[command]._actions:
            assert action.type not in (int, float), f"tabc {command} {action.option_strings}"


# --------------------------------------------------------------------------- tabc plot


def test_a_spaced_extent_with_a_leading_minus_is_the_extent(tmp_path):
    target = tmp_path / "rk4.png"
    done = tabc("plot", RK4, "-o", str(target), "--extent", "-3,3,-3,3", "--resolution", "64")
    assert done.returncode == 0, done.stderr
    assert "[-3, 3] x [-3, 3]" in done.stdout and target.is_file()


def test_negative_values_are_attached_only_to_the_options_named():
    argv = ["plot", "a.toml", "--extent", "-3,3,-3,3", "-o", "x.png"]
    assert negative_values_attached(argv, ("--extent",)) == [
        "plot", "a.toml", "--extent=-3,3,-3,3", "-o", "x.png",
    ]  # fmt: skip
    assert negative_values_attached(["--extent", "-o"], ("--extent",)) == ["--extent", "-o"]


def test_plot_of_a_directory_draws_the_others_and_names_the_pair_it_skipped(tmp_path):
    schemes = tmp_path / "schemes"
    schemes.mkdir()
    for name in ("rk4", "stormer_verlet"):
        (schemes / f"{name}.toml").write_bytes((TABLEAUS / f"{name}.toml").read_bytes())
    target = tmp_path / "all.png"
    done = tabc("plot", str(schemes), "-o", str(target), "--resolution", "64")
    assert done.returncode == 0, done.stderr
    assert "(1 scheme, 1 skipped," in done.stdout and target.is_file()
    (skipped,) = [line for line in done.stderr.splitlines() if line.startswith("skipped")]
    assert "stormer_verlet.toml" in skipped and "partitioned pair" in skipped


def test_a_scheme_beyond_float64_is_not_drawn_as_another_scheme(tmp_path):
    """b = 1e-400: float64 reads R(z) = 1 + 1e-400 z as 1, the whole plane stable, where the
    analysis finds beta_R = 2e400."""
    path = tmp_path / "tiny.toml"
    path.write_text(TINY_WEIGHT, encoding="utf-8")
    refused(tabc("plot", str(path), "-o", str(tmp_path / "tiny.png")), "float64's range")
    assert not (tmp_path / "tiny.png").exists()


def test_the_image_is_bounded_whatever_the_extent():
    from tableau_compiler.plotting import Extent, _grid

    x, y, _ = _grid(Extent(0.0, 0.01, -1.0, 1.0), MAX_RESOLUTION)
    assert len(x) <= MAX_RESOLUTION and len(y) <= MAX_RESOLUTION


def test_bdf3_is_framed_around_its_bounded_instability_region_and_drawn_hatched():
    pytest.importorskip("numpy")
    import numpy as np

    from tableau_compiler.parsing import load_scheme
    from tableau_compiler.plotting import (
        _stable_outside_a_bounded_set,
        boundary_locus,
        curve_for,
        default_extent,
        multistep_region,
    )

    bdf3 = curve_for(load_scheme(BDF3))
    extent = default_extent([bdf3])
    locus = boundary_locus(bdf3, 2001)
    assert extent.x0 < 0 < locus.real.max() < extent.x1  # the unstable set, and the left side
    assert extent.y0 < locus.imag.min() and locus.imag.max() < extent.y1
    x = np.linspace(extent.x0, extent.x1, 64)
    y = np.linspace(extent.y0, extent.y1, 64)
    assert _stable_outside_a_bounded_set(bdf3, multistep_region(bdf3, x, y))
    ab2 = curve_for(load_scheme(TABLEAUS / "ab2.toml"))  # a bounded stability region: filled
    assert not _stable_outside_a_bounded_set(ab2, multistep_region(ab2, x / 8, y / 8))


# --------------------------------------------------------------------------- small ones


def test_info_names_the_parameter_values_it_analysed_at():
    done = tabc("info", str(TABLEAUS / "lm_resnet.toml"))
    assert done.returncode == 0
    assert "  analysed at: k = 0 (learnable)" in done.stdout.splitlines()
    bounded = tabc("info", str(ROOT / "tests" / "codegen" / "golden" / "scaled_two_step.toml"))
    assert "analysed at: t = 1/4 (learnable in [-1/2, 1/2])" in bounded.stdout


def test_info_of_a_scheme_without_parameters_names_no_values():
    assert "analysed at" not in tabc("info", RK4).stdout


def test_a_count_agrees_with_its_noun():
    from tableau_compiler.training.compare import describe_recipe
    from tableau_compiler.training.config import TrainConfig
    from tableau_compiler.wording import count

    assert (count(1, "stage"), count(2, "stage")) == ("1 stage", "2 stages")
    assert count(1, "entry", "entries") == "1 entry"
    recipe = TrainConfig(model="resnet20", epochs=1).resolved()
    assert "over 1 seed (0)" in describe_recipe(recipe, [0])


def test_a_one_stage_module_says_one_module():
    text = (ROOT / "generated" / "euler.py").read_text(encoding="utf-8")
    assert "1 module, one per stage" in text and "1 modules" not in text


def test_a_one_stage_file_missing_its_weight_says_one_entry(tmp_path):
    path = tmp_path / "one.toml"
    path.write_text('name = "one"\nkind = "runge-kutta"\norder = 1\n[tableau]\n'
                    'a = [[]]\nb = ["1"]\nc = []\n', encoding="utf-8")  # fmt: skip
    done = tabc("check", str(path))
    assert done.returncode == 2 and "expected 1 entry (" in done.stdout


@pytest.mark.parametrize("command", ["check", "info"])
def test_json_is_format_json_and_json_is_its_alias(command):
    spelled = json.loads(tabc(command, "--format", "json", RK4).stdout)
    alias = json.loads(tabc(command, "--json", RK4).stdout)
    assert spelled == alias


@pytest.mark.parametrize("command, rest", [("models", []), ("inspect", ["run"])])
def test_models_and_inspect_take_format_json_too(command, rest):
    parser = build_parser(command)
    assert parser.parse_args([command, *rest, "--format", "json"]).format == "json"
    assert parser.parse_args([command, *rest, "--json"]).format == "json"
    assert parser.parse_args([command, *rest]).format == "text"
