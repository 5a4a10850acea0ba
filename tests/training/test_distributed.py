"""``torchrun -m tableau_compiler train``: DistributedDataParallel on the CPU with gloo."""

from __future__ import annotations

import subprocess
import sys

import torch

from .helpers import checkpoint, same_tensors, subprocess_environment


def test_two_gloo_processes_train_and_end_with_identical_weights(tmp_path):
    """Two processes, each half of every batch, finish with the same weights.

    lm_resnet20 with stochastic depth drops different blocks in each process (each draws
    from its own random stream), so some parameters get no gradient in one process: the
    run needs find_unused_parameters, which tabc turns on for stochastic depth.  DDP
    averages the gradients, so the parameters stay identical.  Batch-norm running
    statistics are buffers that each process updates from its own half of the batch and
    would differ; tabc copies rank 0's into every process before each evaluation, so the
    whole state agrees too.
    """
    out, ranks = tmp_path / "run", tmp_path / "ranks"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "-m", "tableau_compiler", "train", "lm_resnet20", "--model-arg", "stochastic_depth=True",
        "--epochs", "1", "--batch-size", "64", "--out", str(out), "--rank-weights", str(ranks),
    ]  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, env=subprocess_environment(), timeout=300,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "on 2 processes (cpu)" in result.stdout
    assert result.stdout.count("lm_resnet20 on digits: test accuracy") == 1  # rank 0 prints
    first, second = (torch.load(ranks / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    parameters = {name for name, _ in _named_parameters()}
    assert parameters <= first.keys()
    assert all(torch.equal(first[name], second[name]) for name in parameters)
    assert same_tensors(first, second)  # buffers too, after tabc's broadcast (see above)
    saved = checkpoint(out)
    assert saved["epoch"] == 1 and len(saved["rng"]) == 2  # a random state per process
    assert same_tensors(saved["model"], first)


def _named_parameters():
    from tableau_compiler.models import create_model

    with torch.device("meta"):
        model = create_model("lm_resnet20", num_classes=10, in_channels=1, stochastic_depth=True)
    return model.named_parameters()
