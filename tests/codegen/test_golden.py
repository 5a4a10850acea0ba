"""Golden files: the exact text tabc generates for three small schemes, pinned.

The fixtures in ``golden/`` are an explicit embedded pair (stage-by-stage accumulation,
the error estimate, deleting dead stage values), an implicit method (the fixed-point
sweeps), a two-step scheme with a bounded learnable parameter (the multistep net,
the tanh map, the lerp) and a Runge–Kutta family with a bounded learnable parameter (the
parameter, its map, the coefficients computed from it, ``addcmul``).  Any change to the generated text shows up here as a diff to
review; when it is intended, regenerate with::

    TABC_UPDATE_GOLDEN=1 python -m pytest tests/codegen/test_golden.py
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from tableau_compiler.codegen.render import render_runtime
from tableau_compiler.compiler import generated_text

from .conftest import ROOT, load_module, torch

GOLDEN = Path(__file__).resolve().parent / "golden"
FIXTURES = sorted(GOLDEN.glob("*.toml"))


def test_there_are_golden_fixtures():
    assert {p.stem for p in FIXTURES} == {
        "heun_euler",
        "gauss1",
        "scaled_two_step",
        "learnable_alpha",
        "verlet_pair",
        "heun_pair",
    }


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_generated_text_matches_its_golden_file(path: Path):
    # as compiled into the repository's generated/: the header names the scheme file relative
    # to the repository, whatever the working directory
    text = generated_text(path, ROOT / "generated")[2]
    assert text is not None, f"{path.name} fails its check"
    _compare(text, path.with_suffix(".py"))


def test_the_support_module_matches_its_golden_file():
    # the network frame and the RevNet algorithm, written once beside the modules above
    _compare(render_runtime(), GOLDEN / "_tabc_runtime.py")


def _compare(text: str, golden: Path) -> None:
    if os.environ.get("TABC_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                text.splitlines(keepends=True),
                str(golden.relative_to(ROOT)),
                "generated now",
            )
        )
        pytest.fail(f"generated text differs from its golden file:\n{diff}")


def test_the_golden_pair_computes_heun_and_the_euler_error_estimate():
    module = load_module(GOLDEN / "heun_euler.py")
    y = torch.tensor([0.3, -1.2], dtype=torch.float64)
    h = 0.1
    y_next, error = module.HeunEulerStep(torch.nn.Tanh(), h).step_with_error(y)
    k1 = torch.tanh(y)
    k2 = torch.tanh(y + h * k1)
    assert torch.allclose(y_next, y + h * (k1 + k2) / 2, rtol=1e-15)
    assert torch.allclose(error, h * (k2 - k1) / 2, rtol=1e-14)  # h (b - b_hat) . k


def test_the_golden_two_step_net_keeps_its_parameter_in_bounds():
    module = load_module(GOLDEN / "scaled_two_step.py")
    net = module.ScaledTwoStepNet([torch.nn.Tanh()] * 4, 0.1)
    assert torch.allclose(net.t_values(), torch.full((3,), 0.25))
    with torch.no_grad():
        net.raw_t.fill_(40.0)
    assert float(net.t_values().detach().max()) <= 0.5
