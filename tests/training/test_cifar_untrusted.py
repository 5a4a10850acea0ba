"""CIFAR-10 batches from strangers (tableau_compiler/training/data.py).

A batch directory may come from anyone.  The promise: every batch either loads as checked
data (uint8 images 3x32x32, one label 0..9 per image) or is refused with exit 2 and a message
naming the file and the problem, never a traceback, never code run, and never an allocation
larger than the file could back (a 70-byte pickle must not obtain 931 GiB).
"""

from __future__ import annotations

import os
import pickle
import pickletools
import tracemalloc

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tableau_compiler.errors import TrainingError
from tableau_compiler.training import data as data_module
from tableau_compiler.training.data import load_cifar10

from .cifar_files import (
    DIRECT_NDARRAY,
    HUGE_BYTES8,
    HUGE_LONG4,
    HUGE_RECONSTRUCT,
    HUGE_STATE,
    cifar_batch,
    py2_pickle,
    write_cifar_directory,
)
from .helpers import tabc

PEAK_BYTES = 32 * 2**20
"""Loading six batches of a few kilobytes stays far below this (measured: about 0.3 MiB)."""


def load_with(directory, name: str, raw: bytes):
    """``load_cifar10(directory)`` with batch ``name`` replaced by ``raw``; the peak of
    Python-tracked memory (numpy's arrays included) while loading."""
    (directory / name).write_bytes(raw)
    tracemalloc.start()
    try:
        return load_cifar10(directory), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def refusal(directory, name: str, raw: bytes) -> str:
    """The message a hostile batch is refused with; it names the file."""
    with pytest.raises(TrainingError) as caught:
        load_with(directory, name, raw)
    message = str(caught.value)
    assert message.startswith(str(directory / name)), message
    return message


@pytest.fixture
def cifar(tmp_path):
    directory = tmp_path / "cifar"
    write_cifar_directory(directory)
    return directory


# -- the ways the real and re-pickled batches are written load -------------------------------


@pytest.mark.parametrize("protocol", [2, 3, 4, 5, "python2"])
def test_a_batch_loads_whichever_way_it_was_pickled(cifar, protocol):
    batch = cifar_batch(3, seed=5)
    raw = py2_pickle(batch) if protocol == "python2" else pickle.dumps(batch, protocol=protocol)
    data, peak = load_with(cifar, "test_batch", raw)
    assert data.test_images.dtype == torch.uint8 and data.test_images.shape == (3, 3, 32, 32)
    assert np.array_equal(data.test_images.numpy().reshape(3, 3072), batch[b"data"])
    assert data.test_labels.tolist() == batch[b"labels"]
    assert peak < PEAK_BYTES


def test_images_in_the_four_dimensional_layout_and_labels_as_an_array_load(cifar):
    batch = cifar_batch(2)
    batch[b"data"] = batch[b"data"].reshape(2, 3, 32, 32)
    batch[b"labels"] = np.array([3, 9], dtype=np.uint8)
    data, _ = load_with(cifar, "test_batch", pickle.dumps(batch))
    assert data.test_labels.tolist() == [3, 9] and data.test_labels.dtype == torch.int64
    assert np.array_equal(data.test_images.numpy(), batch[b"data"])


def test_a_fortran_ordered_array_keeps_its_pixels(cifar):
    batch = cifar_batch(2)
    batch[b"data"] = np.asfortranarray(batch[b"data"])  # numpy pickles it with is_fortran set
    data, _ = load_with(cifar, "test_batch", pickle.dumps(batch, protocol=2))
    assert np.array_equal(data.test_images.numpy().reshape(2, 3072), batch[b"data"])


# -- each kind of hostile batch is refused, naming the file and the problem -------------------


def edited(**changes) -> bytes:
    batch = cifar_batch(4)
    for key, value in changes.items():
        if value is KeyError:
            del batch[key.encode()]
        else:
            batch[key.encode()] = value
    return pickle.dumps(batch, protocol=4)


HOSTILE = {
    "2-D labels": (
        edited(labels=np.zeros((4, 1), dtype=np.int64)),
        "labels have shape (4, 1); expected one label per image",
    ),
    "nested labels": (edited(labels=[[1], [2], [3], [4]]), "label 1 is a list, not an integer"),
    "huge labels": (edited(labels=[2**100_000] * 4), "label 1 is a number with more than 12"),
    "negative label": (edited(labels=[0, -1, 2, 3]), "label 2 is -1; labels must lie in 0..9"),
    "label 10": (edited(labels=np.array([0, 1, 10, 3])), "label 3 is 10; labels must lie"),
    "float labels": (edited(labels=[0.0, 1.0, 2.0, 3.0]), "label 1 is a float, not an integer"),
    "bool labels": (edited(labels=[True] * 4), "label 1 is a bool, not an integer"),
    "float label array": (edited(labels=np.zeros(4)), "labels have dtype float64"),
    "labels a dict": (edited(labels={}), "labels are a dict, not a list"),
    "too few labels": (edited(labels=[1, 2, 3]), "4 images but 3 labels"),
    "no labels": (edited(labels=KeyError), "no labels entry"),
    "no data": (edited(data=KeyError), "no data entry"),
    "data a list": (edited(data=[b"\0" * 3072] * 4), "data is a list, not an array"),
    "float pixels": (
        edited(data=np.full((4, 3072), 0.5, dtype=np.float32)),
        "data has dtype float32; CIFAR-10 pixels are uint8 (0..255)",
    ),
    "negative pixels": (
        edited(data=np.full((4, 3072), -1, dtype=np.int16)),
        "data has dtype int16; CIFAR-10 pixels are uint8",
    ),
    "wrong image size": (
        edited(data=np.zeros((4, 3000), dtype=np.uint8)),
        "data has shape (4, 3000); expected (N, 3072) or (N, 3, 32, 32)",
    ),
    "empty batch": (edited(data=np.zeros((0, 3072), dtype=np.uint8), labels=[]), "no images"),
    "array at top level": (pickle.dumps(np.zeros((4, 3072), np.uint8)), "holds an array, not"),
    "list at top level": (pickle.dumps([1, 2]), "holds a list, not a dict"),
    "931 GiB _reconstruct": (HUGE_RECONSTRUCT, "holds an array, not a dict"),
    "931 GiB array state": (HUGE_STATE, "needs 1,000,000,000,000 bytes; the file holds 0"),
    "ndarray called": (DIRECT_NDARRAY, "numpy.ndarray is called directly"),
    "2**60 bytes claimed": (HUGE_BYTES8, "(a malformed or cut-short pickle: expected"),
    "2 GiB integer claimed": (
        HUGE_LONG4,
        "cut-short pickle: not enough data in stream to read long4",
    ),
    "object array": (
        edited(data=np.array([None] * 4, dtype=object)),
        "dtype object is not a plain integer or float type",
    ),
    "code": (
        b"\x80\x02cos\nsystem\nU\x04trueq\x85R.",
        "refusing to load os.system",
    ),
    "truncated": (edited()[:200], "(a malformed or cut-short pickle"),
    "empty file": (b"", "not a CIFAR-10 python batch"),
    "text": (b"hello, world\n", "not a CIFAR-10 python batch"),
}


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_batch_is_refused_naming_the_file_and_the_problem(cifar, case):
    raw, problem = HOSTILE[case]
    message = refusal(cifar, "data_batch_3", raw)
    assert problem in message
    assert "\x1b" not in message and len(message) < 400


def test_a_dtype_that_is_not_plain_numbers_is_refused(cifar):
    # dtype('O'), a structured dtype, a subarray and raw bytes, each where numpy's 'u1' stands
    for spec in (b"O", b"u1,u1", b"(2,)u1", b"V8", b"S3"):
        raw = py2_pickle(cifar_batch(2)).replace(b"U\x02u1", b"U" + bytes([len(spec)]) + spec)
        assert "not a plain" in refusal(cifar, "test_batch", raw)


def test_the_opcodes_are_counted_before_anything_is_built(cifar, monkeypatch):
    monkeypatch.setattr(data_module, "MAX_PICKLE_OPCODES", 1000)
    raw = b"\x80\x02](" + b"K\x01" * 1000 + b"e."  # a list of 1000 ones: 1004 opcodes
    assert "more than 1,000 pickle opcodes" in refusal(cifar, "test_batch", raw)
    assert load_with(cifar, "test_batch", pickle.dumps(cifar_batch(2)))[0]  # 20 opcodes


def test_a_file_over_the_size_limit_is_refused_unread(cifar):
    path = cifar / "data_batch_1"
    with open(path, "wb") as stream:  # sparse: no disk used, and reading it would take 1 GiB
        stream.truncate(data_module.MAX_CIFAR_BATCH_BYTES + 1)
    tracemalloc.start()
    try:
        with pytest.raises(
            TrainingError, match="1,073,741,825 bytes, larger than the 1,073,741,824 allowed"
        ):
            load_cifar10(cifar)
        assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES
    finally:
        tracemalloc.stop()


def test_a_fifo_or_a_device_named_like_a_batch_is_refused_without_reading(cifar):
    (cifar / "data_batch_2").unlink()
    os.mkfifo(cifar / "data_batch_2")  # reading it would wait for a writer for ever
    with pytest.raises(TrainingError, match="data_batch_2: not a regular file"):
        load_cifar10(cifar)
    (cifar / "data_batch_2").unlink()
    (cifar / "data_batch_2").symlink_to("/dev/zero")  # reading it would never end
    with pytest.raises(TrainingError, match="data_batch_2: not a regular file"):
        load_cifar10(cifar)


@pytest.mark.parametrize("case", ["931 GiB _reconstruct", "float pixels", "2-D labels"])
def test_tabc_train_refuses_a_hostile_batch_with_exit_2_and_writes_nothing(tmp_path, capsys, case):
    cifar = tmp_path / "cifar"
    write_cifar_directory(cifar)
    (cifar / "test_batch").write_bytes(HOSTILE[case][0])
    out = tmp_path / "run"
    code, stdout, err = tabc(
        capsys, "train", "resnet20", "--data", "cifar10", "--data-dir", cifar, "--out", out
    )
    assert code == 2 and stdout == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"tabc: {cifar / 'test_batch'}: ") and HOSTILE[case][1] in line
    assert not out.exists()


# -- fuzzing: mutated batches load as checked data or are refused --------------------------------


def assert_checked(data) -> None:
    """What a load returns is CIFAR-10-shaped, whatever the bytes were."""
    for images, labels in ((data.train_images, data.train_labels),
                           (data.test_images, data.test_labels)):  # fmt: skip
        assert images.dtype == torch.uint8 and images.shape[1:] == (3, 32, 32)
        assert len(images) == len(labels) > 0
        assert labels.dtype == torch.int64 and 0 <= int(labels.min()) <= int(labels.max()) <= 9


def pickled(batch: dict, protocol: int | str) -> bytes:
    return py2_pickle(batch) if protocol == "python2" else pickle.dumps(batch, protocol=protocol)


PROTOCOLS = st.sampled_from([2, 3, 4, 5, "python2"])


@st.composite
def mutated_batches(draw) -> bytes:
    """A valid two-image batch with a few bytes replaced, inserted, deleted or cut off; half
    the edits fall on an opcode (the pixels are most of the file, and the least interesting)."""
    raw = bytearray(pickled(cifar_batch(2, seed=draw(st.integers(0, 9))), draw(PROTOCOLS)))
    opcodes = [position for _, _, position in pickletools.genops(bytes(raw))]
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            where = draw(st.sampled_from(opcodes)) + draw(st.integers(0, 9))
        else:
            where = draw(st.integers(0, len(raw)))
        where = min(where, len(raw))
        edit = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        chunk = draw(st.binary(min_size=1, max_size=9))
        if edit == "replace":
            raw[where : where + len(chunk)] = chunk
        elif edit == "insert":
            raw[where:where] = chunk
        elif edit == "delete":
            del raw[where : where + len(chunk)]
        else:
            del raw[where:]
    return bytes(raw)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=mutated_batches())
def test_a_mutated_batch_loads_checked_or_is_refused_naming_the_file(tmp_path, raw):
    cifar = tmp_path / "cifar"
    if not cifar.exists():
        write_cifar_directory(cifar)
    try:
        data, peak = load_with(cifar, "data_batch_4", raw)
    except TrainingError as error:
        assert str(error).startswith(f"{cifar / 'data_batch_4'}: ")
        assert all(c.isprintable() for c in str(error))
    else:
        assert_checked(data)
        assert peak < PEAK_BYTES


ARRAYS = st.one_of(
    st.tuples(
        st.sampled_from([np.uint8, np.int16, np.float32, np.int64]),
        st.sampled_from([(3072,), (3, 32, 32), (3000,), (3, 32, 31), ()]),
    ),
    st.sampled_from(["list", "missing"]),
)
LABELS = st.one_of(
    st.lists(st.integers(-3, 12), max_size=4),
    st.lists(st.sampled_from([1.0, True, None, b"1", 2**80]), min_size=1, max_size=4),
    st.sampled_from(["array", "2-D array", "float array", "missing"]),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(0, 3),
    pixels=ARRAYS,
    labels=LABELS,
    top=st.sampled_from(["dict", "dict with str keys", "list", "array"]),
    protocol=PROTOCOLS,
)
def test_a_batch_loads_exactly_when_it_is_cifar_10(tmp_path, count, pixels, labels, top, protocol):
    """The oracle: uint8 pixels of 3072 or 3x32x32 per image, at least one image, and a list
    (or 1-D integer array) of one integer 0..9 per image; everything else is refused."""
    cifar = tmp_path / "cifar"
    if not cifar.exists():
        write_cifar_directory(cifar)
    rng = np.random.default_rng(count)
    batch: dict = {}
    valid = True
    if pixels == "list":
        batch["data"] = [b"\0" * 3072] * count
        valid = False
    elif pixels != "missing":
        dtype, shape = pixels
        batch["data"] = rng.integers(0, 256, (count, *shape)).astype(dtype)
        valid = dtype is np.uint8 and shape in ((3072,), (3, 32, 32)) and count > 0
    else:
        valid = False
    label_values = list(range(count))
    if isinstance(labels, list):
        batch["labels"] = label_values = labels
        valid = valid and len(labels) == count
        valid = valid and all(type(v) is int and 0 <= v <= 9 for v in labels)
    elif labels == "array":
        batch["labels"] = np.arange(count, dtype=np.int32)
    elif labels == "2-D array":
        batch["labels"], valid = np.zeros((count, 1), dtype=np.int64), False
    elif labels == "float array":
        batch["labels"], valid = np.zeros(count), False
    else:
        valid = False
    if top == "dict":
        batch = {key.encode(): value for key, value in batch.items()}
    elif top == "list":
        batch, valid = list(batch.values()), False
    elif top == "array":
        batch, valid = batch.get("data", np.zeros(3)), False
    if protocol == "python2" and (top == "dict with str keys" or 2**80 in label_values):
        protocol = 4  # Python 2 wrote byte strings and 32-bit integers only
    try:
        raw = pickled(batch, protocol)
    except TypeError:  # py2_pickle writes no str, float or object arrays: Python 3 then
        raw = pickle.dumps(batch, protocol=4)
    try:
        data, peak = load_with(cifar, "test_batch", raw)
    except TrainingError as error:
        assert not valid, error
        assert str(error).startswith(f"{cifar / 'test_batch'}: not a CIFAR-10 python batch")
    else:
        assert valid
        assert_checked(data)
        assert data.test_labels.tolist() == list(label_values)
        assert peak < PEAK_BYTES
