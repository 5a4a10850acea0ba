"""``tabc train`` (tableau_compiler/training/loop.py): learning, exact resumption, divergence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .helpers import checkpoint, same_tensors, tabc

ROOT = Path(__file__).resolve().parents[2]

# lm_resnet20 with stochastic depth draws from torch's global generator every step, so an
# exact resumption needs the random states of the checkpoint as well as the (seed, epoch)
# batches; resnet20 needs only the batches.
RESUMABLE = ["lm_resnet20", "--model-arg", "stochastic_depth=True"]


def test_resnet20_learns_digits(tmp_path, capsys):
    """Four epochs of resnet20 on digits reach >= 85 % test accuracy.

    Chance is 10 % (ten balanced classes), and a network with a broken data path, loss or
    optimiser stays near it.  Measured on the CPU with this recipe (4 epochs, batch 64, lr
    0.1 dropping after epochs 2 and 3): 97.2, 97.2, 96.7, 96.9 and 94.7 % for seeds 0-4, so
    85 % leaves ten points for other CPUs' rounding while no broken model comes near it.
    """
    out = tmp_path / "run"
    code, stdout, stderr = tabc(capsys, "train", "resnet20", "--epochs", "4", "--out", out)
    assert code == 0
    assert stderr == ""  # no progress bar when stderr is not a terminal
    final = stdout.strip().splitlines()[-1]
    match = re.search(r"test accuracy ([\d.]+) %", final)
    assert match and float(match.group(1)) >= 85.0, final
    assert "272,090 parameters" in final and "s per epoch" in final
    summary = json.loads((out / "summary.json").read_text())
    assert summary["finished"] and summary["test_accuracy"] >= 85.0
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr")
    assert len(rows) == 5 and len(json.loads((out / "metrics.json").read_text())) == 4
    assert [row.split(",")[5] for row in rows[1:]] == ["0.1", "0.1", "0.010000000000000002",
                                                       "0.0010000000000000002"]  # fmt: skip
    assert (out / "curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path, capsys):
    recipe = [*RESUMABLE, "--epochs", "2", "--batch-size", "128", "--seed", "7"]
    straight, halted = tmp_path / "straight", tmp_path / "halted"
    assert tabc(capsys, "train", *recipe, "--out", straight)[0] == 0
    code, out, _ = tabc(capsys, "train", *recipe, "--out", halted, "--stop-after", "1")
    assert code == 0 and "stopped after epoch 1 of 2" in out
    assert checkpoint(halted)["epoch"] == 1
    code, out, _ = tabc(capsys, "train", *recipe, "--out", halted, "--resume")
    assert code == 0 and "resumed after epoch 1" in out
    done, resumed = checkpoint(straight), checkpoint(halted)
    assert resumed["epoch"] == done["epoch"] == 2
    assert same_tensors(done["model"], resumed["model"])
    test_errors = [[m["test_loss"] for m in c["metrics"]] for c in (done, resumed)]
    assert test_errors[0] == test_errors[1]


def test_resume_refuses_another_recipe_and_a_fresh_run_refuses_an_old_directory(tmp_path, capsys):
    out = tmp_path / "run"
    recipe = ["resnet20", "--epochs", "2", "--stop-after", "1", "--out", out]
    assert tabc(capsys, "train", *recipe)[0] == 0
    code, _, err = tabc(capsys, "train", *recipe)
    assert code == 2 and "already holds a run" in err and "--resume" in err
    code, _, err = tabc(capsys, "train", *recipe, "--resume", "--lr", "0.05")
    assert code == 2 and "different recipe" in err and "lr: 0.1 there, 0.05 here" in err


def test_a_diverging_run_stops_with_exit_3_and_keeps_the_last_good_checkpoint(tmp_path, capsys):
    # lr 0.1 in epoch 1, then 0.1 * 1e30: the loss overflows within a few steps of epoch 2.
    recipe = ["resnet20", "--epochs", "2", "--milestones", "1", "--gamma", "1e30"]
    good, diverged = tmp_path / "good", tmp_path / "diverged"
    assert tabc(capsys, "train", *recipe, "--out", good, "--stop-after", "1")[0] == 0
    code, _, err = tabc(capsys, "train", *recipe, "--out", diverged)
    assert code == 3
    (message,) = err.strip().splitlines()
    assert message.startswith("tabc: training diverged: the training loss is ")
    assert "at epoch 2" in message and "still holds epoch 1, the last good one" in message
    kept = checkpoint(diverged)
    assert kept["epoch"] == 1 and len(kept["metrics"]) == 1
    assert same_tensors(kept["model"], checkpoint(good)["model"])  # untouched by epoch 2
    assert len((diverged / "metrics.csv").read_text().splitlines()) == 2


def test_a_run_that_diverges_at_once_writes_no_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, err = tabc(capsys, "train", "resnet20", "--lr", "1e30", "--epochs", "1", "--out", out)
    assert code == 3 and "no checkpoint was written" in err
    assert not (out / "checkpoint.pt").exists()


def test_a_scheme_file_is_compiled_into_the_run_and_trained(tmp_path, capsys):
    out = tmp_path / "run"
    code, stdout, _ = tabc(
        capsys, "train", ROOT / "tableaus" / "rk4.toml", "--epochs", "1", "--out", out,
        "--model-arg", "depth=1", "--model-arg", "widths=(8,8,8)",
    )  # fmt: skip
    assert code == 0, stdout
    module = out / "scheme" / "rk4.py"
    assert module.read_text(encoding="utf-8").startswith("# Generated by tabc")
    assert stdout.strip().splitlines()[-1].startswith("rk4 on digits: test accuracy")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["resnet21"], "unknown model 'resnet21'; did you mean"),
        (["resnet20", "--model-arg", "widths=(16,16"], "bad --model-arg"),
        (["resnet20", "--model-arg", "colour=1"], "cannot build resnet20 with colour=1"),
        (["missing.toml"], "missing.toml: no such scheme file"),
        (["resnet20", "--data", "cifar10"], "--data cifar10 needs --data-dir"),
        (["resnet20", "--epochs", "0"], "--epochs: expected an integer >= 1, not '0'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    code, _, err = tabc(capsys, "train", *argv, "--out", tmp_path / "run")
    assert code == 2
    assert err.startswith("tabc") and message in err and len(err.strip().splitlines()) == 1
