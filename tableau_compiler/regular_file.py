"""Reading files that come from strangers: regular files only, and never more than a limit.

A FIFO named like a scheme file or a data batch would make a plain ``open().read()`` wait for a
writer for ever, and a link to ``/dev/zero`` would feed it without end.  :func:`read_regular_file`
opens without blocking, checks that the file is regular and within the limit before one byte is
read, and reads at most its size.  Errors are raised as the caller's own error type (a
:class:`~tableau_compiler.errors.SchemeError` for a scheme file, a
:class:`~tableau_compiler.errors.TrainingError` for a data batch), built from one message.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import TabcError

__all__ = ["read_regular_file", "regular_file_size"]

Refusal = Callable[[str], Exception]
"""Builds the caller's error from a message about the file (which the caller names)."""


def regular_file_size(path: Path, what: str, error: Refusal = TabcError) -> int:
    """The size in bytes of the regular file ``path`` (symbolic links followed).

    Raises ``error(message)`` when it is missing, unreadable or not a
    regular file; ``what`` says what the file should have been (``a CIFAR-10 batch``).
    """
    try:
        info = path.stat()
    except OSError as problem:
        raise error(f"cannot read {what} ({problem.strerror or problem})") from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"not a regular file, so not {what}")
    return info.st_size


def read_regular_file(path: Path, limit: int, what: str, error: Refusal = TabcError) -> bytes:
    """The bytes of the regular file ``path``, refused when it holds more than ``limit``.

    The file is opened without blocking and checked to be regular, and its size checked
    against ``limit``, before one byte is read (a FIFO named like a data file would otherwise
    wait for a writer for ever); at most its size and one byte more are read.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as problem:
        raise error(f"cannot read {what} ({problem.strerror or problem})") from None
    with os.fdopen(descriptor, "rb") as stream:
        try:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise error(f"not a regular file, so not {what}")
            if info.st_size > limit:
                raise error(f"{info.st_size:,} bytes, larger than the {limit:,} allowed for {what}")
            # read(n) sets n bytes aside first: ask for the size the file has, not the limit
            data = stream.read(info.st_size + 1)
        except OSError as problem:
            raise error(f"cannot read {what} ({problem.strerror or problem})") from None
    if len(data) > info.st_size:
        raise error(f"the file grew while it was read; not {what}")
    return data
