"""Checkpoints and schemes a resumed run is handed (checkpoint.py, loop.py, model_source.py).

``tabc train --resume`` reads OUT/checkpoint.pt, which may be damaged, edited, or another
run's.  The promise: a checkpoint is resumed only when every field it holds fits this run
(type, shape, the recipe's settings), and is otherwise refused with exit 2 naming the file and
the field, before anything is loaded or written; what the checks let through resumes without
error.  A scheme file edited since its checkpoint was written is refused the same way.
"""

from __future__ import annotations

import copy
import hashlib
import io
import math
import shutil
import zipfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tableau_compiler.cli import main
from tableau_compiler.errors import TrainingError
from tableau_compiler.models import create_model
from tableau_compiler.training.checkpoint import load_checkpoint
from tableau_compiler.training.config import TrainConfig
from tableau_compiler.training.data import make_synthetic
from tableau_compiler.training.distributed import Processes
from tableau_compiler.training.loop import _Run

from .helpers import checkpoint, same_tensors, tabc

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ["resnet20", "--data", "synthetic", "--epochs", "2", "--batch-size", "64",
          "--model-arg", "widths=(4,4,4)"]  # fmt: skip
"""A small run: 2 epochs of a narrow resnet20 on the synthetic set (about a second each)."""


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory) -> Path:
    """A run stopped after epoch 1 of 2: its directory holds the checkpoint of epoch 1."""
    out = tmp_path_factory.mktemp("stopped") / "run"
    assert main(["train", *RECIPE, "--stop-after", "1", "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture
def run_copy(stopped_run, tmp_path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(stopped_run, out)
    return out


def resume(capsys, out: Path, *extra: str) -> tuple[int, str, str]:
    return tabc(capsys, "train", *RECIPE, "--out", out, "--resume", *extra)


def test_an_intact_checkpoint_resumes(capsys, run_copy):
    code, out, _ = resume(capsys, run_copy)
    assert code == 0 and "resumed after epoch 1" in out
    assert checkpoint(run_copy)["epoch"] == 2


# -- fields: each missing or mistyped one is refused by name -----------------------------------


def first_weight(state: dict) -> str:
    return next(iter(state["model"]))


def set_in(*path, value):
    def mutate(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def delete(*path):
    def mutate(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def on_first_weight(change):
    def mutate(state):
        key = first_weight(state)
        state["model"][key] = change(state["model"][key])

    return mutate


HUGE_VIEW = torch.zeros(1).expand(10**6, 10**6)
"""A tensor of 10^12 elements that a checkpoint stores in four bytes (a stride-0 view)."""

FIELDS = {
    "no epoch": (delete("epoch"), "field epoch is missing"),
    "epoch a string": (set_in("epoch", value="1"), "field epoch is '1', not an epoch number"),
    "model a list": (set_in("model", value=[]), "field model is a list, not a dict"),
    "weight a string": (on_first_weight(lambda _: "w"), "is a str, not a tensor"),
    "weight reshaped": (on_first_weight(lambda w: w.flatten()), "has shape ("),
    "weight float64": (on_first_weight(lambda w: w.double()), "has dtype torch.float64"),
    "weight huge view": (on_first_weight(lambda _: HUGE_VIEW), "has shape (1000000, 1000000)"),
    "weight missing": (lambda s: s["model"].pop(first_weight(s)), "is missing: not the weights"),
    "extra weight": (set_in("model", "head.extra", value=torch.zeros(1)), "is not a weight of"),
    "another model's weights": (
        set_in("model", value=create_model("rkcnn_rk4", widths=(4, 4, 4)).state_dict()),
        "not the weights of resnet20",
    ),
    "lr a string": (
        set_in("optimizer", "param_groups", 0, "lr", value="0.1"),
        "field optimizer.param_groups[1].lr is '0.1', not a learning rate",
    ),
    "lr infinite": (
        set_in("optimizer", "param_groups", 0, "lr", value=math.inf),
        "optimizer.param_groups[1].lr is inf, not a learning rate",
    ),
    "momentum changed": (
        set_in("optimizer", "param_groups", 0, "momentum", value=0.5),
        "optimizer.param_groups[1].momentum is 0.5 there, 0.9 in this run's recipe",
    ),
    "nesterov a number": (
        set_in("optimizer", "param_groups", 0, "nesterov", value=0),
        "optimizer.param_groups[1].nesterov is 0 there, False",
    ),
    "no momentum setting": (  # SGD's step read it: KeyError after the checks passed
        delete("optimizer", "param_groups", 0, "momentum"),
        "optimizer.param_groups[1].momentum is missing",
    ),
    "params renumbered": (
        set_in("optimizer", "param_groups", 0, "params", value=[0]),
        "optimizer.param_groups[1].params is [0] there",
    ),
    "momentum buffer huge": (
        set_in("optimizer", "state", 0, "momentum_buffer", value=HUGE_VIEW),
        "optimizer.state[0].momentum_buffer has shape (1000000, 1000000)",
    ),
    "state of no parameter": (
        set_in("optimizer", "state", 10**6, value={}),
        "optimizer.state[1000000] names no parameter",
    ),
    "optimizer field": (set_in("optimizer", "extra", value=1), "optimizer.extra is not a field"),
    "no param groups": (delete("optimizer", "param_groups"), "param_groups is missing"),
    "last epoch": (
        set_in("scheduler", "last_epoch", value=7),
        "field scheduler.last_epoch is 7, the checkpoint is of epoch 1",
    ),
    "scheduler attribute": (
        set_in("scheduler", "optimizer", value={}),
        "scheduler.optimizer is not a field of the scheduler",
    ),
    "gamma": (set_in("scheduler", "gamma", value=0.5), "scheduler.gamma is 0.5 there, 0.1"),
    "milestones": (set_in("scheduler", "milestones", value={}), "scheduler.milestones is {}"),
    "metrics short": (set_in("metrics", value=[]), "field metrics holds 0 epochs"),
    "metric a string": (
        set_in("metrics", 0, "test_loss", value="nan"),
        "field metrics[1].test_loss is a str, not a number",
    ),
    "metric epoch": (set_in("metrics", 0, "epoch", value=5), "field metrics[1].epoch is 5"),
    "recipe without lr": (delete("recipe", "lr"), "field recipe.lr is missing"),
    "rng empty": (set_in("rng", value=[]), "field rng is empty"),
    "rng a dict": (set_in("rng", value={}), "field rng is a dict, not a list"),
    "numpy keys": (
        set_in("rng", 0, "numpy", "keys", value=torch.zeros(1, dtype=torch.int64).expand(10**7)),
        "field rng[1].numpy.keys has shape (10000000,), not (624,)",
    ),
    "numpy position": (
        set_in("rng", 0, "numpy", "position", value=10**6),
        "rng[1].numpy.position is 1000000, not in 0..624",
    ),
    "python state": (
        set_in("rng", 0, "python", value=(3, (1, 2, 3), None)),
        "field rng[1].python does not hold 624 words",
    ),
    "torch state": (
        set_in("rng", 0, "torch", value=torch.zeros(10, dtype=torch.uint8)),
        "field rng[1].torch has shape (10,)",
    ),
    "label": (set_in("label", value=5), "field label is an int, not a model name"),
    "another label": (set_in("label", value="resnet56"), "field label is 'resnet56'"),
    "parameters": (set_in("parameters", value=1), "field parameters is 1, resnet20 has"),
    "scheme hash": (set_in("scheme_sha256", value="zz"), "field scheme_sha256 is 'zz'"),
    "format": (set_in("format", value=2), "not a tabc checkpoint of format 1 (its format"),
    "terminal escapes": (
        set_in("model", "\x1b]0;owned\x07", value=torch.zeros(1)),
        "field model['\\x1b]0;owned\\x07'] is not a weight",
    ),
}


@pytest.mark.parametrize("case", FIELDS, ids=list(FIELDS))
def test_a_checkpoint_with_a_bad_field_is_refused_naming_file_and_field(capsys, run_copy, case):
    mutate, problem = FIELDS[case]
    path = run_copy / "checkpoint.pt"
    state = torch.load(path, weights_only=True)
    mutate(state)
    torch.save(state, path)
    before = sorted((p.name, p.stat().st_mtime_ns) for p in run_copy.rglob("*"))
    code, out, err = resume(capsys, run_copy)
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tabc: {path}: ") and problem in line, line
    assert "\x1b" not in line
    assert sorted((p.name, p.stat().st_mtime_ns) for p in run_copy.rglob("*")) == before


# -- files that are not checkpoints -------------------------------------------------------------


class Stranger:
    """A class a checkpoint may not name (weights_only loads tensors and plain values)."""


def repacked(raw: bytes, compression: int) -> bytes:
    """The same archive with every member written with ``compression``."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, source.read(member.filename))
    return target.getvalue()


def legacy(raw: bytes) -> bytes:
    buffer = io.BytesIO()
    torch.save(torch.load(io.BytesIO(raw), weights_only=True), buffer,
               _use_new_zipfile_serialization=False)  # fmt: skip
    return buffer.getvalue()


def with_stranger(raw: bytes) -> bytes:
    buffer = io.BytesIO()
    torch.save({**torch.load(io.BytesIO(raw), weights_only=True), "x": Stranger()}, buffer)
    return buffer.getvalue()


FILES = {
    "truncated": (lambda raw: raw[: len(raw) // 2], "this is no zip"),
    "cut at the end": (lambda raw: raw[:-30], "this is no zip"),
    "empty": (lambda raw: b"", "this is no zip"),
    "text": (lambda raw: b"epoch = 1\n", "this is no zip"),
    "legacy torch format": (legacy, "this is no zip"),
    "compressed members": (
        lambda raw: repacked(raw, zipfile.ZIP_DEFLATED),
        "is compressed; torch stores its members unpacked",
    ),
    "names a class": (with_stranger, "not a readable tabc checkpoint (UnpicklingError"),
    "not a dict": (lambda raw: save_bytes([1, 2]), "not a tabc checkpoint (it holds a list)"),
}


def save_bytes(value) -> bytes:
    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("case", FILES, ids=list(FILES))
def test_a_file_that_is_not_a_checkpoint_is_refused_naming_it(capsys, run_copy, case):
    change, problem = FILES[case]
    path = run_copy / "checkpoint.pt"
    path.write_bytes(change(path.read_bytes()))
    code, _, err = resume(capsys, run_copy)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tabc: {path}: ") and problem in line, line


def test_a_checkpoint_of_another_model_or_recipe_is_refused(capsys, run_copy):
    code, _, err = tabc(capsys, "train", "rkcnn_rk4", *RECIPE[1:], "--out", run_copy, "--resume")
    assert code == 2 and "different recipe" in err and "model: 'resnet20' there" in err
    code, _, err = resume(capsys, run_copy, "--momentum", "0.5")
    assert code == 2 and "momentum: 0.9 there, 0.5 here" in err


# -- fuzzing: whatever passes the checks resumes ----------------------------------------------

DELETE = object()
VALUES = [DELETE, None, "x", -1, 0, 1, 2**70, 1.5, math.nan, True, [], {}, (),
          torch.zeros(3), torch.zeros((), dtype=torch.int64), HUGE_VIEW]  # fmt: skip


def paths(value, prefix=()) -> list[tuple]:
    """Every place inside a checkpoint (dict keys, list and tuple items), tensors as leaves."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list | tuple) and len(value) < 50:
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    elif isinstance(value, list | tuple):  # Python's 625 generator words: a few of them
        found += [(*prefix, index) for index in (0, 1, len(value) - 1)]
    return found


def replaced(value, path: tuple, new):
    """``value`` with the item at ``path`` replaced by ``new`` (or deleted), copied on the way."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    result = copy.copy(value) if isinstance(value, dict) else list(value)
    if new is DELETE and not rest:
        del result[head]
    else:
        result[head] = replaced(value[head], rest, new)
    return type(value)(result) if isinstance(value, tuple) else result


@pytest.fixture(scope="module")
def base_state(stopped_run):
    return torch.load(stopped_run / "checkpoint.pt", weights_only=True)


SYNTHETIC = make_synthetic()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_checkpoint_that_passes_the_checks_resumes_without_error(tmp_path, base_state, data):
    where = data.draw(st.sampled_from(paths(base_state)))
    new = data.draw(st.sampled_from(VALUES))
    out = tmp_path / "run"
    out.mkdir(exist_ok=True)
    path = out / "checkpoint.pt"
    torch.save(replaced(base_state, where, new), path)
    config = TrainConfig(model="resnet20", model_args={"widths": (4, 4, 4)}, data="synthetic",
                         epochs=2, batch_size=64, out=out).resolved()  # fmt: skip
    run = _Run(config, Processes.from_environment(), torch.device("cpu"), SYNTHETIC, 64, None)
    try:
        run._restore(load_checkpoint(path))
    except TrainingError as error:
        assert str(error).startswith(f"{path}: "), error
        return
    for parameter in run.network.parameters():  # a step of SGD and of the schedule
        parameter.grad = torch.ones_like(parameter)
    run.optimizer.step()
    run.scheduler.step()


# -- --resume after the scheme file changed -----------------------------------------------------


def test_resume_refuses_a_scheme_file_that_changed(tmp_path, capsys):
    scheme = tmp_path / "my.toml"
    original = (ROOT / "tableaus" / "rk4.toml").read_bytes()
    scheme.write_bytes(original)
    out = tmp_path / "run"
    recipe = ["train", scheme, "--data", "synthetic", "--epochs", "2", "--batch-size", "64",
              "--model-arg", "depth=1", "--model-arg", "widths=(4,4,4)", "--out", out]  # fmt: skip
    assert tabc(capsys, *recipe, "--stop-after", "1")[0] == 0
    saved = checkpoint(out)
    assert saved["scheme_sha256"] == hashlib.sha256(original).hexdigest()
    module = (out / "scheme" / "rk4.py").read_bytes()

    edited = original.replace(b"b = [", b"b = [ ", 1)  # the same tableau, other bytes
    assert edited != original
    scheme.write_bytes(edited)
    code, stdout, err = tabc(capsys, *recipe, "--resume")
    assert code == 2 and stdout == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tabc: {scheme}: the scheme file changed since {out / 'checkpoint.pt'}")
    assert (out / "scheme" / "rk4.py").read_bytes() == module  # nothing rewritten
    assert same_tensors(checkpoint(out)["model"], saved["model"])

    scheme.write_bytes(original)  # the scheme it was trained on: resumes
    code, stdout, _ = tabc(capsys, *recipe, "--resume")
    assert code == 0 and "resumed after epoch 1" in stdout


def test_resume_refuses_a_scheme_checkpoint_that_records_no_hash(tmp_path, capsys):
    out = tmp_path / "run"
    recipe = ["train", ROOT / "tableaus" / "rk4.toml", "--data", "synthetic", "--epochs", "2",
              "--model-arg", "depth=1", "--model-arg", "widths=(4,4,4)", "--out", out]  # fmt: skip
    assert tabc(capsys, *recipe, "--stop-after", "1")[0] == 0
    state = checkpoint(out)
    del state["scheme_sha256"]  # as tabc wrote checkpoints before it recorded the hash
    torch.save(state, out / "checkpoint.pt")
    code, _, err = tabc(capsys, *recipe, "--resume")
    assert code == 2 and "records no SHA-256 of" in err and "rk4.toml" in err
