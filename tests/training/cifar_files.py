"""Small CIFAR-10 python batches, well formed and not, written the ways people write them."""

from __future__ import annotations

import pickle
import struct
from pathlib import Path

import numpy as np

BATCH_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def cifar_batch(count: int = 4, seed: int = 0) -> dict:
    """One batch of ``count`` random images, as the CIFAR-10 python version lays it out."""
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": b"training batch 1 of 5",
        b"labels": [(seed + j) % 10 for j in range(count)],
        b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
        b"filenames": [f"image_{j}.png".encode() for j in range(count)],
    }


def write_cifar_directory(directory: Path, per_batch: int = 4) -> None:
    """Six valid batches (protocol 4) in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for index, name in enumerate(BATCH_NAMES):
        (directory / name).write_bytes(pickle.dumps(cifar_batch(per_batch, index), protocol=4))


def py2_pickle(value: object) -> bytes:
    """``value`` pickled as Python 2's cPickle wrote the CIFAR-10 batches (protocol 2, byte
    strings as STRING opcodes, arrays through ``numpy.core.multiarray._reconstruct``).

    Handles bytes, ints, bools, None, lists, tuples, dicts and numpy arrays: enough for a
    batch.  Python 3's pickler writes bytes at protocol 2 through ``_codecs.encode`` instead.
    """
    out = [b"\x80\x02"]

    def emit(item: object) -> None:
        if isinstance(item, bytes):
            if len(item) < 256:
                out.append(b"U" + bytes([len(item)]) + item)  # SHORT_BINSTRING
            else:
                out.append(b"T" + struct.pack("<i", len(item)) + item)  # BINSTRING
        elif isinstance(item, bool):
            out.append(b"I01\n" if item else b"I00\n")
        elif isinstance(item, int):
            out.append(b"K" + bytes([item]) if 0 <= item < 256 else b"J" + struct.pack("<i", item))
        elif item is None:
            out.append(b"N")
        elif isinstance(item, list):
            out.append(b"](")
            for element in item:
                emit(element)
            out.append(b"e")
        elif isinstance(item, tuple):
            out.append(b"(")
            for element in item:
                emit(element)
            out.append(b"t")
        elif isinstance(item, dict):
            out.append(b"}(")
            for key, element in item.items():
                emit(key)
                emit(element)
            out.append(b"u")
        elif isinstance(item, np.ndarray):
            out.append(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n")
            emit((0,))
            emit(b"b")
            out.append(b"\x87R(")  # _reconstruct(ndarray, (0,), b"b"), then its state
            emit(1)
            emit(tuple(int(n) for n in item.shape))
            out.append(b"cnumpy\ndtype\n")
            emit((item.dtype.str[1:].encode(), 0, 1))
            out.append(b"R")
            emit((3, item.dtype.str[:1].encode(), None, None, None, -1, -1, 0))
            out.append(b"b")
            emit(False)
            emit(np.ascontiguousarray(item).tobytes())
            out.append(b"tb")
        else:
            raise TypeError(f"py2_pickle cannot write {type(item).__name__}")

    emit(value)
    out.append(b".")
    return b"".join(out)


# -- hand-made hostile pickles ------------------------------------------------------------------

RECONSTRUCT = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
MILLION = b"J@B\x0f\x00"  # BININT 10**6

HUGE_RECONSTRUCT = b"\x80\x02" + RECONSTRUCT + MILLION + MILLION + b"\x86U\x01b\x87R."
"""``_reconstruct(ndarray, (10**6, 10**6), b"b")``: 931 GiB asked for by 70 bytes."""

HUGE_STATE = (
    b"\x80\x02}U\x04data" + RECONSTRUCT + b"K\x00\x85U\x01b\x87R"
    b"(K\x01" + MILLION + MILLION + b"\x86cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R"
    b"(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tbI00\nU\x00tbU\x06labels]s."
)
"""A batch whose array state claims 10**6 x 10**6 pixels and carries none."""

DIRECT_NDARRAY = b"\x80\x02cnumpy\nndarray\n" + MILLION + MILLION + b"\x86\x85R."
"""``numpy.ndarray((10**6, 10**6))`` called straight from the pickle."""

HUGE_BYTES8 = b"\x80\x05\x8e" + struct.pack("<Q", 2**60) + b"xyz."
"""A BINBYTES8 opcode claiming 2**60 bytes where three follow."""

HUGE_LONG4 = b"\x80\x02\x8b" + struct.pack("<i", 2**31 - 1) + b"\x01."
"""A LONG4 opcode claiming a 2 GiB integer where one byte follows."""
