"""The files ``tabc train`` and ``tabc compare`` read from strangers and write for the user.

Reading: :func:`read_regular_file` takes a regular file only (never a FIFO, a device such as
``/dev/zero`` or a directory, which could hang the reader or feed it without end) and at
most a stated number of bytes, so what a reader holds is bounded by the file's size.

Writing: :func:`check_output_directory` looks at the output directory before a run writes
anything (it is a directory or can be made one, it is writable, and no directory stands where
a file goes), and :func:`writing` turns an operating-system error met while writing (a full
disk, a permission changed mid-run) into a :class:`~tableau_compiler.errors.TrainingError`
that names the file.  Every file is written atomically (:mod:`tableau_compiler.atomic`), so a
failed write leaves the previous file whole and no temporary behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import TrainingError
from ..regular_file import read_regular_file as _read_regular_file
from ..regular_file import regular_file_size as _regular_file_size

__all__ = [
    "check_output_directory",
    "printable",
    "read_regular_file",
    "regular_file_size",
    "shown_value",
    "writing",
]


def regular_file_size(path: Path, what: str) -> int:
    """The size of the regular file ``path``; :class:`TrainingError` when it is not one."""
    return _regular_file_size(path, what, lambda message: TrainingError(f"{path}: {message}"))


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``); :class:`TrainingError` else."""
    return _read_regular_file(
        path, limit, what, lambda message: TrainingError(f"{path}: {message}")
    )


def check_output_directory(
    out: Path, files: Iterable[str] = (), directories: Iterable[str] = ()
) -> None:
    """Refuse, before anything is written, an output directory tabc could not fill.

    ``out`` must be a directory, or not exist yet below a directory this process may write
    to; each name in ``files`` must be absent or a regular file (tabc replaces it), each
    name in ``directories`` absent or a directory.  Raises :class:`TrainingError` naming the
    path and the problem.
    """
    out = Path(out)
    existing = out
    while not _exists(existing):
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        if existing == out:
            raise TrainingError(f"{out}: the output directory is a file, not a directory")
        raise TrainingError(
            f"{out}: cannot create the output directory, {existing} is a file, not a directory"
        )
    effective = os.access in os.supports_effective_ids  # the ids that will do the writing
    if not os.access(existing, os.W_OK | os.X_OK, effective_ids=effective):
        where = "" if existing == out else f" ({existing} is where it would be created)"
        raise TrainingError(f"{out}: the output directory is not writable{where}")
    if existing != out:
        return  # a new directory holds nothing yet
    for name in files:
        path = out / name
        if _exists(path) and not path.is_file():
            kind = "a directory" if path.is_dir() else "not a regular file"
            raise TrainingError(f"{path} is {kind}, where tabc writes a file; move it away")
    for name in directories:
        path = out / name
        if _exists(path) and not path.is_dir():
            raise TrainingError(f"{path} is a file, where tabc writes a directory; move it away")


def _exists(path: Path) -> bool:
    """Whether anything (a dangling symbolic link too) is at ``path``."""
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):  # nothing there, or a file above it
        return False
    except OSError as error:
        raise TrainingError(f"{path}: cannot look at it ({error.strerror or error})") from None
    return True


@contextmanager
def writing(path: Path, note: str = "") -> Iterator[None]:
    """Turn an :class:`OSError` raised while writing ``path`` (a full disk, a permission
    taken away) into a :class:`TrainingError` naming ``path``, with ``note`` appended."""
    try:
        yield
    except OSError as error:
        raise TrainingError(f"cannot write {path}: {error.strerror or error}{note}") from None


def printable(text: str, limit: int = 200) -> str:
    """``text`` from a stranger's file made safe to print: every character that is not
    printable ASCII escaped (no terminal escapes, no bidi overrides), cut to ``limit``."""
    shown = "".join(c if c.isascii() and c.isprintable() else ascii(c)[1:-1] for c in text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def shown_value(value: object, limit: int = 60) -> str:
    """A short printable rendering of a value from a stranger's file (``repr``, escaped)."""
    if type(value) is int and abs(value) >= 10**12:
        return "a number with more than 12 digits"  # str() of a huge int is slow or refused
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an integer beyond str()'s digit limit, deep nesting
        return "a value too large to show"
    return printable(text, limit)
