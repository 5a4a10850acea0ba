"""How many CPU threads ``tabc train`` uses when ``--threads`` is not given (issue 21, item 6).

torch's default (one thread per physical core) made an epoch 5-20x slower than one thread on
a small shared machine; the run chooses, says what it chose in its first line and records it
in config.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tableau_compiler.training.loop import default_threads

ROOT = Path(__file__).resolve().parents[2]


def test_a_small_machine_trains_with_one_thread_even_for_a_cifar_sized_batch():
    assert default_threads(2, 128, (32, 32), torch_default=2)[0] == 1
    assert default_threads(4, 128, (32, 32), torch_default=4)[0] == 1


def test_a_small_batch_trains_with_one_thread_on_any_machine():
    threads, why = default_threads(64, 64, (8, 8), torch_default=32)  # digits' defaults
    assert threads == 1 and "64 images of 8x8" in why


def test_a_large_machine_and_batch_keep_torchs_choice_within_the_cpus_available():
    assert default_threads(16, 128, (32, 32), torch_default=8)[0] == 8
    assert default_threads(6, 128, (32, 32), torch_default=16)[0] == 6


def run_train(tmp_path: Path, *options: str, omp: str | None = None) -> tuple[str, dict]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if omp is not None:
        env["OMP_NUM_THREADS"] = omp
    out = tmp_path / "run"
    command = [sys.executable, "-m", "tableau_compiler", "train", "resnet20", "--data",
               "synthetic", "--epochs", "1", "--batch-size", "128", "-o", str(out), *options]  # fmt: skip
    done = subprocess.run(
        command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0], json.loads((out / "config.json").read_text())


def test_without_threads_the_run_chooses_and_says_so_in_its_first_line_and_config_json(
    tmp_path,
):
    first, config = run_train(tmp_path)
    expected, why = default_threads(len(os.sched_getaffinity(0)), 128, (12, 12), os.cpu_count())
    assert config["threads"] == 1 == expected  # 128 images of 12x12: a small batch anywhere
    assert config["threads_reason"] == why
    assert f"on cpu with 1 CPU thread ({why})" in first


@pytest.mark.parametrize(
    ("options", "omp", "reason"),
    [(("--threads", "1"), None, "--threads"), ((), "1", "OMP_NUM_THREADS")],
    ids=["--threads", "OMP_NUM_THREADS"],
)
def test_a_stated_thread_count_is_followed_and_named(tmp_path, options, omp, reason):
    first, config = run_train(tmp_path, *options, omp=omp)
    assert config["threads"] == 1 and config["threads_reason"] == reason
    assert f"with 1 CPU thread ({reason})" in first
