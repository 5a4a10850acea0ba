"""Data sets and batches (tableau_compiler/training/data.py, batches.py)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch

from tableau_compiler.errors import TrainingError
from tableau_compiler.training.batches import BatchMaker, epoch_plan
from tableau_compiler.training.data import load_cifar10, load_digits, make_synthetic

from .helpers import tabc


def test_digits_split_is_fixed_stratified_and_scaled():
    data = load_digits()
    assert (len(data.train_labels), len(data.test_labels)) == (1437, 360)
    assert data.train_images.shape[1:] == (1, 8, 8) and data.num_classes == 10
    assert int(data.train_images.max()) == 16 and data.scale == 16.0
    every = torch.cat([data.train_labels, data.test_labels])
    expected = torch.bincount(every) * 360 / len(every)  # stratified: each digit's share
    assert (torch.bincount(data.test_labels) - expected).abs().max() < 1
    again = load_digits()
    assert torch.equal(data.test_images, again.test_images)  # whatever --seed is
    assert not data.flip and data.crop_padding == 1  # digits are not mirror-symmetric


def test_synthetic_data_is_deterministic():
    first, second = make_synthetic(), make_synthetic()
    assert torch.equal(first.train_images, second.train_images)
    assert first.channels == 3 and first.num_classes == 10


def write_fake_cifar(directory, per_batch: int = 4) -> None:
    """The python version of CIFAR-10 in miniature: six pickled dicts with bytes keys."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for index, name in enumerate(names):
        batch = {
            b"batch_label": name.encode(),
            b"labels": [(index + j) % 10 for j in range(per_batch)],
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"filenames": [f"{name}_{j}.png".encode() for j in range(per_batch)],
        }
        with open(directory / name, "wb") as stream:
            pickle.dump(batch, stream)


def test_cifar10_reads_the_python_batches(tmp_path):
    write_fake_cifar(tmp_path / "cifar-10-batches-py")
    for directory in (tmp_path, tmp_path / "cifar-10-batches-py"):  # the parent works too
        data = load_cifar10(directory)
        assert data.train_images.shape == (20, 3, 32, 32) and data.train_images.dtype == torch.uint8
        assert data.test_images.shape == (4, 3, 32, 32)
        assert data.train_labels[:4].tolist() == [0, 1, 2, 3]
        assert data.flip and data.crop_padding == 4


def test_tabc_train_on_a_cifar10_directory(tmp_path, capsys):
    write_fake_cifar(tmp_path / "cifar")
    code, out, _ = tabc(
        capsys, "train", "resnet20", "--data", "cifar10", "--data-dir", tmp_path / "cifar",
        "--epochs", "1", "--batch-size", "10", "--model-arg", "widths=(4,4,4)",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert code == 0
    assert "resnet20 on cifar10: test accuracy" in out


def test_an_absent_cifar10_directory_is_exit_2_naming_the_path(tmp_path, capsys):
    missing = tmp_path / "no" / "cifar"
    code, out, err = tabc(
        capsys, "train", "resnet20", "--data", "cifar10", "--data-dir", missing,
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert code == 2
    assert str(missing) in err and "never downloads" in err
    assert len(err.strip().splitlines()) == 1 and out == ""


def test_a_cifar_batch_that_names_other_code_is_refused(tmp_path):
    write_fake_cifar(tmp_path)

    class Sneaky:
        def __reduce__(self):
            return (os.getcwd, ())

    with open(tmp_path / "test_batch", "wb") as stream:
        pickle.dump({b"data": Sneaky(), b"labels": [0]}, stream)
    with pytest.raises(TrainingError, match="refusing to load posix.getcwd|refusing to load os"):
        load_cifar10(tmp_path)


def test_an_epoch_plan_depends_on_seed_and_epoch_only():
    data = load_digits()
    first = epoch_plan(data, seed=3, epoch=2, augment=True)
    assert torch.equal(first.order, epoch_plan(data, 3, 2, True).order)
    assert torch.equal(first.shifts, epoch_plan(data, 3, 2, True).shifts)
    assert not torch.equal(first.order, epoch_plan(data, 3, 3, True).order)
    assert not torch.equal(first.order, epoch_plan(data, 4, 2, True).order)
    assert first.flips is None and first.shifts is not None  # digits: shifts, no flips


def test_two_processes_together_see_the_batches_of_one():
    data = load_digits()
    maker = BatchMaker(data, torch.device("cpu"))
    single = epoch_plan(data, 0, 1, augment=False, world=1)
    double = epoch_plan(data, 0, 1, augment=False, world=2)
    one = list(maker.train_batches(single, 64))
    halves = [list(maker.train_batches(double, 32, rank, 2)) for rank in (0, 1)]
    assert len(halves[0]) == len(halves[1]) == len(one)  # every process takes the same steps
    for step in range(len(one) - 1):  # the last step of the padded epoch holds a repeat
        together = torch.cat([halves[0][step][1], halves[1][step][1]])
        assert sorted(together.tolist()) == sorted(one[step][1].tolist())


def test_a_centred_crop_and_no_flip_leave_the_image_alone():
    data = make_synthetic()
    maker = BatchMaker(data, torch.device("cpu"))
    plan = epoch_plan(data, 0, 1, augment=False)
    plain = next(maker.train_batches(plan, 8))[0]
    assert plain.shape == (8, 3, 12, 12)
    padded = type(data)(**{**data.__dict__, "crop_padding": 2})
    centred = type(plan)(plan.order, torch.full((len(plan.order), 2), 2), None)
    assert torch.equal(
        next(BatchMaker(padded, torch.device("cpu")).train_batches(centred, 8))[0], plain
    )
