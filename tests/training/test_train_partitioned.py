"""The networks built from partitioned schemes (RevNet, Chang et al.'s Hamiltonian and midpoint
nets) train with ``tabc train``, are listed by ``tabc models`` and export as TorchScript archives
that a fresh process with torch alone reproduces."""

from __future__ import annotations

import json
import re
import warnings

import pytest
import torch

from tableau_compiler import create_model
from tableau_compiler.export import _verify

from .helpers import tabc


def test_revnet38_learns_digits(tmp_path, capsys):
    """Four epochs of revnet38 on digits reach >= 85 % test accuracy (chance: 10 %).

    Measured on the CPU with this recipe (4 epochs, batch 64, lr 0.1 dropping after epochs 2
    and 3): 96.4, 96.9 and 95.8 % for seeds 0-2, the resnet20 recipe's margin.
    """
    out = tmp_path / "run"
    code, stdout, _ = tabc(capsys, "train", "revnet38", "--epochs", "4", "--out", out)
    assert code == 0
    final = stdout.strip().splitlines()[-1]
    match = re.search(r"test accuracy ([\d.]+) %", final)
    assert match and float(match.group(1)) >= 85.0, final
    assert "464,314 parameters" in final  # one input channel: 3*3*2*32 = 576 fewer than RGB


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("hamiltonian74", ["units=(1,1,1)", "filters=(8,8,16,16)"]),
        ("midpoint62", ["units=(2,2,2)", "filters=(8,8,16,16)"]),
        ("revnet164", ["units=(1,1,1)", "filters=(8,8,8,16)"]),
    ],
)
def test_a_short_run_trains_and_finishes(tmp_path, capsys, name, args):
    out = tmp_path / "run"
    model_args = [item for arg in args for item in ("--model-arg", arg)]
    code, stdout, _ = tabc(capsys, "train", name, "--epochs", "1", "--out", out, *model_args)
    assert code == 0, stdout
    assert stdout.strip().splitlines()[-1].startswith(f"{name} on digits: test accuracy")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"]


def test_models_lists_them_with_their_counts(capsys):
    code, out, _ = tabc(capsys, "models", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["revnet38"]["parameters"] == 464_890
    assert rows["revnet110"]["parameters"] == 1_729_194
    assert rows["revnet164"]["parameters"] == 1_748_778
    assert rows["hamiltonian74"]["summary"].startswith("Hamiltonian-74 (Chang et al. 2018)")
    assert {"hamiltonian218", "midpoint62", "midpoint200"} <= set(rows)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("revnet38", {"units": (1, 1, 1)}),
        ("hamiltonian74", {"units": (1, 1, 1)}),
        ("midpoint62", {"units": (2, 2, 2)}),
    ],
)
def test_the_torchscript_archive_reproduces_the_model_in_a_fresh_process(tmp_path, name, kwargs):
    """As ``tabc export`` checks a scheme's network: the archive loads where neither tabc nor
    the generated modules can be imported, and gives the same outputs."""
    torch.manual_seed(0)
    model = create_model(name, **kwargs).eval()
    inputs = [torch.randn(batch, 3, 32, 32) for batch in (2, 3)]
    with torch.no_grad():
        torch.save([(x, model(x)) for x in inputs], tmp_path / "inputs.pt")
    archive = tmp_path / f"{name}.pt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(model).save(str(archive))
    verdict = _verify(archive, tmp_path / "inputs.pt", "torchscript", 1e-5, tmp_path, archive)
    assert verdict["ok"] and verdict["worst"] <= 1e-5
