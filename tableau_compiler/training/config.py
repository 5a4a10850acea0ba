"""The training recipe: one frozen record of every hyper-parameter of a run.

The defaults are the CIFAR recipe of the ResNet, LM-ResNet and RKCNN papers: SGD with
momentum 0.9 and weight decay 1e-4, batch 128, learning rate 0.1 divided by 10 at 50 % and
75 % of the epochs.  Options left as ``None`` take the default of the data set
(:data:`DATA_DEFAULTS`): digits and synthetic data are small, so they train for a few
epochs with smaller batches.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import TrainingError
from ..wording import count

__all__ = [
    "DATA_DEFAULTS",
    "DATA_SETS",
    "RECIPE_FIELDS",
    "TrainConfig",
    "default_milestones",
    "parse_model_args",
    "plural",
    "schedule_text",
]

DATA_SETS = ("digits", "cifar10", "synthetic")

DATA_DEFAULTS: dict[str, dict[str, int]] = {
    # the papers' CIFAR schedule (LM-ResNet's code trains 160 epochs, lr drops at 80 and 120)
    "cifar10": {"epochs": 160, "batch_size": 128},
    # 1437 training images: 23 steps an epoch at batch 64
    "digits": {"epochs": 15, "batch_size": 64},
    "synthetic": {"epochs": 5, "batch_size": 64},
}

RECIPE_FIELDS = (
    "model",
    "model_args",
    "data",
    "epochs",
    "lr",
    "batch_size",
    "momentum",
    "weight_decay",
    "nesterov",
    "milestones",
    "gamma",
    "augment",
    "seed",
)
"""The fields that decide the weights: a resumed run must agree with its checkpoint on them."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything one ``tabc train`` run needs.  ``None`` means the data set's default."""

    model: str
    """A registry name (``tabc models``) or the path of a scheme file (``*.toml``)."""
    model_args: dict[str, Any] = field(default_factory=dict)
    data: str = "digits"
    data_dir: str | None = None
    epochs: int | None = None
    lr: float = 0.1
    batch_size: int | None = None
    """The global batch: with N processes each one takes ``batch_size / N`` images a step."""
    momentum: float = 0.9
    weight_decay: float = 1e-4
    nesterov: bool = False
    milestones: tuple[int, ...] | None = None
    """Epochs after which the learning rate is multiplied by ``gamma``; None: 50 % and 75 %."""
    gamma: float = 0.1
    augment: bool = True
    seed: int = 0
    device: str = "auto"
    out: Path = Path("runs/train")
    resume: bool = False
    stop_after: int | None = None
    """Stop (as if interrupted) once this many epochs are done; ``resume`` continues."""
    eval_batch_size: int = 500
    quiet: bool = False
    rank_weights: Path | None = None
    """Each process saves its final weights to ``rank_weights/rank<N>.pt`` (DDP checks)."""
    find_unused_parameters: bool = False
    threads: int | None = None
    """CPU threads for torch (``torch.set_num_threads``); None: chosen by the run
    (:func:`.loop.choose_threads`: one on a small machine or for a small batch)."""
    threads_reason: str | None = None
    """Why the run uses ``threads`` (filled in by the run, recorded in config.json)."""

    def resolved(self) -> TrainConfig:
        """This config with the data set's defaults filled in, validated."""
        if self.data not in DATA_SETS:
            raise TrainingError(
                f"unknown data set {self.data!r}; choose from {', '.join(DATA_SETS)}"
            )
        defaults = DATA_DEFAULTS[self.data]
        epochs = defaults["epochs"] if self.epochs is None else self.epochs
        batch_size = defaults["batch_size"] if self.batch_size is None else self.batch_size
        milestones = default_milestones(epochs) if self.milestones is None else self.milestones
        config = dataclasses.replace(
            self,
            epochs=epochs,
            batch_size=batch_size,
            milestones=tuple(sorted(int(m) for m in milestones)),
            out=Path(self.out),
        )
        config._validate()
        return config

    def _validate(self) -> None:
        assert self.epochs is not None and self.batch_size is not None
        checks = [
            (self.epochs >= 1, f"--epochs must be at least 1, not {self.epochs}"),
            (self.batch_size >= 1, f"--batch-size must be at least 1, not {self.batch_size}"),
            (self.eval_batch_size >= 1, "the evaluation batch size must be at least 1"),
            (self.lr > 0, f"--lr must be positive, not {self.lr}"),
            (0 <= self.momentum < 1, f"--momentum must be in [0, 1), not {self.momentum}"),
            (self.weight_decay >= 0, f"--weight-decay must be >= 0, not {self.weight_decay}"),
            (self.gamma > 0, f"--gamma must be positive, not {self.gamma}"),
            (0 <= self.seed < 2**63, f"--seed must be in [0, 2^63), not {self.seed}"),
            (
                self.stop_after is None or self.stop_after >= 1,
                f"--stop-after must be at least 1, not {self.stop_after}",
            ),
            (
                all(m >= 1 for m in self.milestones or ()),
                f"--milestones are epochs >= 1, not {self.milestones}",
            ),
            (not self.nesterov or self.momentum > 0, "--nesterov needs a positive --momentum"),
            (
                self.threads is None or self.threads >= 1,
                f"--threads must be at least 1, not {self.threads}",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise TrainingError(message)
        if self.data == "cifar10" and not self.data_dir:
            raise TrainingError(
                "--data cifar10 needs --data-dir DIR (the extracted cifar-10-batches-py; "
                "tabc never downloads)"
            )

    def recipe(self) -> dict[str, Any]:
        """The fields that decide the weights, as plain JSON-able values."""
        values = dataclasses.asdict(self)
        recipe = {name: values[name] for name in RECIPE_FIELDS}
        recipe["milestones"] = list(recipe["milestones"] or ())
        recipe["model_args"] = {k: repr(v) for k, v in sorted(self.model_args.items())}
        return recipe

    def to_json(self) -> dict[str, Any]:
        """Every field as plain JSON-able values (paths as strings, model args as repr)."""
        values = dataclasses.asdict(self)
        values["out"] = str(self.out)
        values["rank_weights"] = None if self.rank_weights is None else str(self.rank_weights)
        values["milestones"] = None if self.milestones is None else list(self.milestones)
        values["model_args"] = {k: repr(v) for k, v in sorted(self.model_args.items())}
        return values


def default_milestones(epochs: int) -> tuple[int, ...]:
    """The epochs after which lr drops: 50 % and 75 % of the run, rounded down (160: 80, 120)."""
    return tuple(sorted({m for m in (epochs // 2, epochs * 3 // 4) if 0 < m < epochs}))


def schedule_text(config: TrainConfig) -> str:
    """``lr 0.1, x0.1 after epochs 80, 120`` (or ``lr 0.1, constant``)."""
    milestones = ", ".join(str(m) for m in config.milestones or ())
    if not milestones:
        return f"lr {config.lr:g}, constant"
    return f"lr {config.lr:g}, x{config.gamma:g} after epochs {milestones}"


plural = count
"""``1 epoch``, ``5 epochs``: :func:`..wording.count` (kept under the name callers use)."""


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_RESERVED = {"num_classes": "the data set", "in_channels": "the data set"}


def parse_model_args(items: list[str] | tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``KEY=VALUE`` strings to keyword arguments, grouped by the model they apply to.

    VALUE is a Python literal (``ast.literal_eval``: ``widths=(16,16,16)``, ``keep_prob=0.9``,
    ``stochastic_depth=True``); a bare word such as ``mixing=learned`` is taken as a string.
    ``MODEL:KEY=VALUE`` applies to that model only (for ``tabc compare``); the others are
    returned under the key ``""``.
    """
    grouped: dict[str, dict[str, Any]] = {}
    for item in items:
        target, key, value = _split_model_arg(item)
        grouped.setdefault(target, {})[key] = value
    return grouped


def _split_model_arg(item: str) -> tuple[str, str, Any]:
    name, equals, text = item.partition("=")
    target, colon, key = name.rpartition(":")
    if not colon:
        target, key = "", name
    key = key.strip()
    if not equals or not _KEY.fullmatch(key):
        raise TrainingError(f"bad --model-arg {item!r}: expected KEY=VALUE with KEY a Python name")
    if key in _RESERVED:
        raise TrainingError(f"bad --model-arg {item!r}: {key} is set by {_RESERVED[key]}")
    text = text.strip()
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if not _WORD.fullmatch(text):
            raise TrainingError(
                f"bad --model-arg {item!r}: {text!r} is not a Python literal "
                "(numbers, strings, tuples, True/False/None)"
            ) from None
        value = text
    return target.strip(), key, value
