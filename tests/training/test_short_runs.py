"""A short RKCNN run at chance accuracy is told why (issue 21): RKCNN's official batch-norm
momentum 0.01 leaves the running statistics evaluation uses near their initial values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import torch

from tableau_compiler.models import create_model

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--model-arg", "widths=(4,4,4)", "--threads", "1"]


def train(tmp_path: Path, *options: str) -> list[str]:
    command = [sys.executable, "-m", "tableau_compiler", "train", "rkcnn_e", *SMALL, *options,
               "--out", str(tmp_path / "run")]  # fmt: skip
    done = subprocess.run(
        command, check=False, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_rkcnn_keeps_the_official_momentum_and_takes_another():
    official = create_model("rkcnn_e", widths=(4, 4, 4))
    chosen = create_model("rkcnn_e", widths=(4, 4, 4), bn_momentum=0.1)
    norms = [m for m in official.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert norms and {m.momentum for m in norms} == {0.01}
    assert {m.momentum for m in chosen.modules() if isinstance(m, torch.nn.BatchNorm2d)} == {0.1}


def test_a_run_too_short_for_the_batch_norm_statistics_says_why_in_its_log(tmp_path):
    # one epoch of digits at batch 64 is 23 steps: 0.99^23 = 79 % of the initial statistics
    lines = train(tmp_path, "--epochs", "1")
    assert lines[1] == (
        "note: batch-norm momentum 0.01 (the model's) keeps 79 % of the initial running "
        "statistics after this run's 23 training steps, so evaluation normalises with "
        "statistics near mean 0 and variance 1 and the test accuracy can stay near chance "
        "however training goes; 299 steps bring that under 5 %: train longer, or pass "
        "--model-arg bn_momentum=0.1"
    )


def test_a_run_long_enough_for_its_momentum_has_no_note(tmp_path):
    lines = train(tmp_path, "--epochs", "2", "--model-arg", "bn_momentum=0.1")  # 0.9^46
    assert not [line for line in lines if line.startswith("note:")]
