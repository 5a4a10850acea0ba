"""Atomic file replacement: write beside the target, then ``os.replace`` it.

An interrupted write leaves the old file intact and no temporary behind: interrupted by an
exception, by Ctrl-C (SIGINT, Python's ``KeyboardInterrupt``), or by SIGTERM -- what
``timeout``, schedulers and container stops send -- while :func:`terminating_cleanly` holds
(the ``tabc`` command line holds it for every command).  The file that
lands has the mode a plain ``open(target, "w")`` would give it: the existing file's mode
when it replaces one, otherwise ``0o666`` less the process umask (not the ``0o600`` of
the temporary file that :func:`tempfile.mkstemp` creates).
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "NotARegularFileError",
    "atomic_path",
    "plain_write_mode",
    "terminating_cleanly",
    "write_atomically",
]


class NotARegularFileError(OSError):
    """The target exists and is a device, FIFO, socket or directory: replacing it with a
    regular file (``/dev/null`` as root, say) would destroy it, so it is not written."""


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no other way to read it: set, then restore at once
    os.umask(mask)
    return mask


def plain_write_mode(target: Path) -> int:
    """The permission bits ``open(target, "w")`` would leave ``target`` with."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


@contextmanager
def atomic_path(target: Path, *, keep_suffix: bool = False) -> Iterator[Path]:
    """A fresh temporary path beside ``target``; it replaces ``target`` when the block ends
    normally and is removed when the block raises.

    ``keep_suffix`` ends the temporary name with ``target``'s suffix too (for writers that
    judge a file by its extension, such as ``torch.export.save``).  Raises ``OSError`` when
    the directory cannot be created or written; nothing is left behind then either.
    """
    target = Path(target)
    try:
        kind = os.stat(target).st_mode  # follows a symbolic link to what it names
    except FileNotFoundError:
        kind = None
    if kind is not None and not stat.S_ISREG(kind):
        raise NotARegularFileError(
            f"{target} exists and is not a regular file (a directory, device, FIFO or "
            "socket); tabc replaces only regular files"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".tmp{target.suffix}" if keep_suffix else ".tmp"
    import tempfile  # here: every command holds terminating_cleanly, few write files

    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    temporary = Path(name)
    try:
        try:
            os.fchmod(handle, plain_write_mode(target))
        finally:
            os.close(handle)
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` (UTF-8, ``\\n`` line ends) atomically."""
    with (
        atomic_path(target) as temporary,
        open(temporary, "w", encoding="utf-8", newline="\n") as f,
    ):
        f.write(text)


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def terminating_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM raises ``SystemExit(143)`` in the main thread, as SIGINT
    raises ``KeyboardInterrupt``: every ``finally`` runs, so :func:`atomic_path` removes its
    temporary file and locks are released, instead of the process ending where it stands
    (Python's default for SIGTERM).  The exit status stays 143 = 128 + 15, the shell's for a
    process ended by SIGTERM.  Outside the main thread, or where SIGTERM is ignored (``nohup``
    and the like), nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_IGN:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
