"""The recipe (tableau_compiler/training/config.py): defaults, validation, --model-arg."""

from __future__ import annotations

import re

import pytest

from tableau_compiler.errors import TrainingError
from tableau_compiler.training.config import TrainConfig, default_milestones, parse_model_args


def test_lr_drops_at_half_and_three_quarters_of_the_run_as_in_the_papers():
    assert default_milestones(160) == (80, 120)
    assert default_milestones(164) == (82, 123)
    assert default_milestones(15) == (7, 11)
    assert default_milestones(2) == (1,)  # 50 % and 75 % of 2 both round down to 1: one drop
    assert default_milestones(1) == ()


def test_data_sets_fill_in_their_defaults():
    digits = TrainConfig("resnet20").resolved()
    assert (digits.epochs, digits.batch_size, digits.milestones) == (15, 64, (7, 11))
    cifar = TrainConfig("resnet20", data="cifar10", data_dir="somewhere").resolved()
    assert (cifar.epochs, cifar.batch_size, cifar.milestones) == (160, 128, (80, 120))
    assert (cifar.lr, cifar.momentum, cifar.weight_decay) == (0.1, 0.9, 1e-4)
    mine = TrainConfig("resnet20", epochs=4, batch_size=32, milestones=(3, 1)).resolved()
    assert (mine.epochs, mine.batch_size, mine.milestones) == (4, 32, (1, 3))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"epochs": 0}, "--epochs must be at least 1"),
        ({"lr": -0.1}, "--lr must be positive"),
        ({"momentum": 1.0}, "--momentum must be in [0, 1)"),
        ({"batch_size": 0}, "--batch-size must be at least 1"),
        ({"seed": -1}, "--seed must be in"),
        ({"data": "mnist"}, "unknown data set 'mnist'"),
        ({"data": "cifar10"}, "--data cifar10 needs --data-dir"),
    ],
)
def test_a_bad_option_is_a_training_error(options, message):
    with pytest.raises(TrainingError, match=re.escape(message)):
        TrainConfig("resnet20", **options).resolved()


def test_model_args_are_python_literals_or_bare_words():
    parsed = parse_model_args(
        ["widths=(16, 16, 16)", "keep_prob=0.9", "stochastic_depth=True", "mixing=learned"]
    )
    assert parsed == {
        "": {
            "widths": (16, 16, 16),
            "keep_prob": 0.9,
            "stochastic_depth": True,
            "mixing": "learned",
        }
    }
    assert parse_model_args(["rkcnn_rk4:widths=(8,8,8)", "h=0.5"]) == {
        "rkcnn_rk4": {"widths": (8, 8, 8)},
        "": {"h": 0.5},
    }


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("widths=(16,16", "is not a Python literal"),
        ("widths", "expected KEY=VALUE"),
        ("2x=1", "expected KEY=VALUE"),
        ("num_classes=3", "num_classes is set by the data set"),
        ("x=__import__('os')", "is not a Python literal"),
    ],
)
def test_a_bad_model_arg_is_refused_with_a_reason(item, message):
    with pytest.raises(TrainingError, match=message):
        parse_model_args([item])
