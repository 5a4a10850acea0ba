"""``tabc inspect`` (tableau_compiler/training/inspection.py): a trained network read back as
schemes, every number checked against the checkpoint's own tensors."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from matplotlib import image

from tableau_compiler.models import create_model
from tableau_compiler.training.inspection import read_network

from .helpers import checkpoint, tabc

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--epochs", "1", "--batch-size", "128", "--threads", "1", "-q"]


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory):
    """One epoch of LM-ResNet-20 at widths (4, 4, 4) on digits (six LM blocks)."""
    out = tmp_path_factory.mktemp("lm") / "run"
    from tableau_compiler.cli import main

    code = main(["train", "lm_resnet20", *TINY, "--model-arg", "widths=(4,4,4)", "--out", str(out)])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def mixing_run(tmp_path_factory):
    """One epoch of the RKCNN network with learned mixing started at RK4, widths (4, 4, 4)."""
    out = tmp_path_factory.mktemp("mixing") / "run"
    from tableau_compiler.cli import main

    code = main(["train", "rkcnn_rk4", *TINY, "--model-arg", "widths=(4,4,4)",
                 "--model-arg", "mixing=learned", "--out", str(out)])  # fmt: skip
    assert code == 0
    return out


def learned_k(state: dict) -> list[float]:
    """The checkpoint's k_n: ResidualNetwork leaves them unconstrained (k = raw_k)."""
    keys = sorted(k for k in state["model"] if k.endswith("net.raw_k"))
    return [float(v) for key in keys for v in state["model"][key].double()]


def test_lm_blocks_are_read_back_with_their_exact_verdicts(lm_run, capsys):
    code, out, err = tabc(capsys, "inspect", lm_run, "--json")
    assert code == 0 and err == ""
    reading = json.loads(out)
    assert reading["model"] == "lm_resnet20" and reading["epoch"] == 1
    blocks = reading["multistep"]["blocks"]
    ks = learned_k(checkpoint(lm_run))
    assert len(ks) == len(blocks) == 6
    assert reading["multistep"]["zero_stable_regions"] == {"lm_resnet": "-1 < k <= 1"}
    for block, k in zip(blocks, ks):
        assert block["values"] == {"k": k}
        # rho(zeta) = (zeta - 1)(zeta + k): zero-stable exactly for -1 < k <= 1
        assert block["zero_stable"] == (-1 < k <= 1)
        # sigma(1)/rho'(1) = 1/(1 + k), exactly for the rational of the float
        factor = Fraction(block["step_factor"]) if block["step_factor"] else Fraction(1)
        assert factor == 1 / (1 + Fraction(k))
        assert block["consistent"] and block["order"] == (2 if k == 1 else 1)
    text = tabc(capsys, "inspect", lm_run / "checkpoint.pt")[1]
    assert "linear multistep blocks: 6, zero-stable 6 of 6" in text
    assert f"k = {ks[0]:+.6f}" in text


def test_summary_json_and_curve_png_record_the_learned_k(lm_run, capsys):
    summary = json.loads((lm_run / "summary.json").read_text())
    inspected = json.loads(tabc(capsys, "inspect", lm_run, "--json")[1])
    assert summary["learned_scheme"]["multistep"] == inspected["multistep"]
    curve = image.imread(lm_run / "curve.png")
    assert curve.shape[1] == 1500  # three panels of 5 inches at 100 dpi: loss, error, k_n


def test_k_outside_the_zero_stable_interval_is_seen(lm_run, tmp_path, capsys):
    """Lu et al. observe learned k_n leaving (-1, 1]: set two k's there and read them back."""
    state = checkpoint(lm_run)
    key = min(k for k in state["model"] if k.endswith("net.raw_k"))
    state["model"][key] = torch.tensor([1.5, -1.0])
    torch.save(state, tmp_path / "checkpoint.pt")
    code, out, _ = tabc(capsys, "inspect", tmp_path, "--json")
    assert code == 0
    first, second = json.loads(out)["multistep"]["blocks"][:2]
    assert (first["values"]["k"], first["zero_stable"]) == (1.5, False)
    assert first["zero_stability"] == (
        "the root -3/2 of rho (|ζ| = 3/2) lies outside the closed unit disc"
    )
    assert Fraction(first["step_factor"]) == Fraction(2, 5)
    # k = -1: rho = (zeta - 1)^2, a double root on the circle; rho'(1) = 0, not consistent
    assert (second["zero_stable"], second["consistent"]) == (False, False)
    assert (
        "the root 1 of rho (|ζ| = 1) lies on the unit circle with multiplicity 2"
        in (second["zero_stability"])
    )
    text = tabc(capsys, "inspect", tmp_path)[1]
    assert "zero-stable 4 of 6" in text and " NO " in text


def strict(text: str) -> object:
    """``text`` parsed as strict JSON: NaN, Infinity and -Infinity are refused."""

    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_a_diverged_k_n_is_null_in_inspect_json_which_stays_strict_json(lm_run, tmp_path):
    state = checkpoint(lm_run)
    key = min(k for k in state["model"] if k.endswith("net.raw_k"))
    state["model"][key] = torch.tensor([math.nan, math.inf])
    torch.save(state, tmp_path / "checkpoint.pt")
    command = [sys.executable, "-m", "tableau_compiler", "inspect", str(tmp_path), "--json"]
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    first, second, third = strict(done.stdout)["multistep"]["blocks"][:3]
    assert first["values"] == {"k": None} and second["values"] == {"k": None}
    assert first["zero_stability"] == "a learned value is not a finite number"
    assert isinstance(third["values"]["k"], float)


def test_summary_metrics_and_config_json_of_a_run_are_strict_json(lm_run):
    for name in ("summary.json", "metrics.json", "config.json"):
        strict((lm_run / name).read_text())


def test_every_non_finite_number_is_written_as_null():
    from tableau_compiler.training.files import json_text

    value = {"k": [math.nan, math.inf, -math.inf, 0.5], "loss": (math.nan,), "n": 3}
    assert strict(json_text(value)) == {"k": [None, None, None, 0.5], "loss": [None], "n": 3}


def run_inspect(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tableau_compiler", "inspect", str(path)], check=False,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)  # fmt: skip


def test_a_recipe_edited_to_build_a_huge_network_is_refused_before_it_is_built(lm_run, tmp_path):
    """One edited field of a valid checkpoint (100,000 blocks in the first stage) is refused
    by comparing what the recipe builds with the weights as it builds, not after."""
    state = checkpoint(lm_run)
    state["recipe"]["model_args"]["layers"] = repr((100000, 1, 1))
    torch.save(state, tmp_path / "checkpoint.pt")
    done = run_inspect(tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"tabc: {tmp_path / 'checkpoint.pt'}: recipe.model 'lm_resnet20' "
                           "with recipe.model_args (layers=(100000, 1, 1), widths=(4, 4, 4)) "
                           "would build a network larger than the checkpoint's weights")  # fmt: skip


def test_a_recipe_naming_a_deeper_model_than_its_weights_is_refused_naming_the_model(
    lm_run, tmp_path, capsys
):
    state = checkpoint(lm_run)
    state["recipe"]["model"] = "lm_resnet110"
    torch.save(state, tmp_path / "checkpoint.pt")
    code, out, err = tabc(capsys, "inspect", tmp_path)
    assert code == 2 and out == ""
    assert "recipe.model 'lm_resnet110' with recipe.model_args (widths=(4, 4, 4))" in err


def mixing_weights(state: dict, step: str) -> tuple[list[torch.Tensor], torch.Tensor]:
    model = state["model"]
    stages = [model[f"{step}.stages.{j}.mix.weight"].double()[:, :, 0, 0] for j in range(4)]
    return stages, model[f"{step}.output.weight"].double()[:, :, 0, 0]


def test_learned_mixing_is_measured_against_the_checkpoint(mixing_run, capsys):
    code, out, _ = tabc(capsys, "inspect", mixing_run, "--json")
    assert code == 0
    steps = json.loads(out)["learned_mixing"]
    assert [s["module"] for s in steps] == [f"periods.{i}.steps.0" for i in range(3)]
    state = checkpoint(mixing_run)
    rk4_a = [[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]]
    rk4_b = [1 / 6, 1 / 3, 1 / 3, 1 / 6]
    for step in steps:
        stages, output = mixing_weights(state, step["module"])
        channels = output.shape[0]
        eye = torch.eye(channels, dtype=torch.float64)
        moved = start = 0.0
        for j, weight in enumerate([*stages, output]):
            coefficients = [1.0, *(rk4_a[j][:j] if j < 4 else rk4_b)]
            initial = torch.cat([c * eye for c in coefficients], 1)
            moved += float(((weight - initial) ** 2).sum())
            start += float((initial**2).sum())
        assert step["moved"] == pytest.approx(math.sqrt(moved / start), rel=1e-12)
        assert 0 < step["moved"] < 1
        # the nearest scalar tableau: tr(block)/C, h = 1
        blocks = [float(output[:, i * channels : (i + 1) * channels].trace()) / channels
                  for i in range(5)]  # fmt: skip
        assert step["nearest_scalar_tableau"]["b"] == pytest.approx(blocks[1:], rel=1e-12)
        assert step["identity_coefficients"][-1] == pytest.approx(blocks[0], rel=1e-12)
        a21 = float(stages[1][:, channels:].trace()) / channels
        assert step["nearest_scalar_tableau"]["a"][1][0] == pytest.approx(a21, rel=1e-12)
        # order 1 is sum(b) = 1: met exactly when |sum(b) - 1| <= the tolerance
        first = step["levels"][0]
        residual = abs(sum(Fraction(x) for x in step["nearest_scalar_tableau"]["b"]) - 1)
        assert first["largest_residual"] == pytest.approx(float(residual), rel=1e-9)
        assert (first["failed"] == 0) == (residual <= Fraction(1e-6))
        assert step["initial_order"] == 4 and len(step["levels"]) == 5


def test_an_untrained_learned_mixing_network_is_its_tableau():
    network = create_model("rkcnn_rk4", num_classes=10, in_channels=1, mixing="learned",
                           widths=(4, 4, 4))  # fmt: skip
    reading = read_network(network, "rkcnn_rk4")
    for step in reading.mixing:
        assert step.moved < 1e-7  # float32 rounding of 1/6 and 1/3 only
        assert step.order == 4 and step.initial_order == 4
        assert [level.failed for level in step.levels] == [0, 0, 0, 0, step.levels[4].conditions]
        assert step.identity == (1.0,) * 5


def test_a_plain_resnet_has_nothing_to_read(tmp_path, capsys):
    assert read_network(create_model("resnet20", num_classes=10, in_channels=1)).empty


def test_a_scheme_file_run_is_rebuilt_from_its_scheme_and_refused_when_it_changed(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    scheme = tmp_path / "lm.toml"
    scheme.write_text((ROOT / "tableaus" / "lm_resnet.toml").read_text(encoding="utf-8"))
    out = tmp_path / "run"
    assert tabc(capsys, "train", "lm.toml", *TINY, "--model-arg", "depth=2",
                "--model-arg", "widths=(4,4,4)", "--out", out)[0] == 0  # fmt: skip
    reading = json.loads(tabc(capsys, "inspect", out, "--json")[1])
    state = checkpoint(out)
    raws = [state["model"][k] for k in sorted(state["model"]) if k.endswith("raw_k")]
    # the compiled Net keeps k inside (-1, 1): k = tanh(raw_k)
    expected = [float(torch.tanh(r.double())) for raw in raws for r in raw]
    found = [b["values"]["k"] for b in reading["multistep"]["blocks"]]
    assert found == pytest.approx(expected, rel=1e-6)
    assert all(b["zero_stable"] for b in reading["multistep"]["blocks"])
    scheme.write_text(scheme.read_text(encoding="utf-8") + "\n# edited\n")
    code, _, err = tabc(capsys, "inspect", out)
    assert code == 2 and "changed since the run was trained" in err


@pytest.mark.parametrize("what", ["no checkpoint", "not a checkpoint", "no run directory"])
def test_what_is_not_a_run_is_exit_2_naming_the_file(tmp_path, capsys, what):
    target = tmp_path / "run"
    if what == "no checkpoint":
        target.mkdir()
    elif what == "not a checkpoint":
        target.mkdir()
        (target / "checkpoint.pt").write_bytes(b"not a zip")
    code, out, err = tabc(capsys, "inspect", target)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert str(target) in err
