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

import json
import math
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import TrainingError
from ..regular_file import read_regular_file as _read_regular_file
from ..regular_file import regular_file_size as _regular_file_size

__all__ = [
    "RUN_LOCK_NAME",
    "check_output_directory",
    "claimed_run_directory",
    "json_text",
    "printable",
    "read_regular_file",
    "regular_file_size",
    "remove_stale_temporaries",
    "shown_value",
    "strict_json",
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


RUN_LOCK_NAME = ".tabc-run.lock"
"""The file a run holds in its output directory while it runs (created exclusively)."""


def _process_start(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or None where
    it cannot be read; with the pid it names one process, even after the pid is reused."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat_file:
            fields = stat_file.read().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of proc(5), counted after the command name
    except (OSError, IndexError):
        return None


def _holder_alive(text: str) -> bool:
    """Whether the process a lock file names (``pid start host``) may still be running.

    A lock of another host cannot be checked from here: it counts as alive."""
    parts = text.split()
    if len(parts) != 3 or not parts[0].isdigit():
        return True  # not a lock this code wrote: do not take it over
    pid, start, host = int(parts[0]), parts[1], parts[2]
    if host != _host():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return start == "-" or _process_start(pid) in (None, start)


def _host() -> str:
    return os.uname().nodename or "localhost"


def _lock_text() -> str:
    return f"{os.getpid()} {_process_start(os.getpid()) or '-'} {_host()}\n"


@contextmanager
def claimed_run_directory(out: Path) -> Iterator[Path | None]:
    """Hold ``out`` for this run: create it (and its parents) and the lock file
    :data:`RUN_LOCK_NAME` in it exclusively (``O_CREAT | O_EXCL``), release both at the end.

    Two runs started together into one directory would otherwise both train there, and the
    directory would end with one run's checkpoint and the other's config.json.  A lock left by
    a process that no longer runs (recognised by its pid and start time, on this host) is
    taken over.  Raises :class:`TrainingError` when another run holds ``out``.  Yields the
    outermost directory this call created (None when ``out`` existed); at the end the lock
    is removed, and so is every directory this call created that is still empty.
    """
    out = Path(out)
    created = None
    if not _exists(out):
        created = out
        while not _exists(created.parent) and created.parent != created:
            created = created.parent
    lock = out / RUN_LOCK_NAME
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    for attempt in range(2):
        try:
            handle = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            try:
                held = lock.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:  # released meanwhile: try again
                continue
            except OSError as error:
                raise TrainingError(f"cannot read {lock}: {error.strerror or error}") from None
            if attempt == 0 and not _holder_alive(held):
                try:  # stale: its process is gone
                    if lock.read_text(encoding="utf-8", errors="replace") == held:
                        lock.unlink()
                except FileNotFoundError:
                    pass
                continue
            parts = held.split()
            who = f"process {parts[0]} on {parts[2]}" if len(parts) == 3 else "another process"
            raise TrainingError(
                f"{out} is in use by another tabc run ({who}; its lock is {lock}); wait for it "
                "to end, or choose another --out"
            ) from None
        except OSError as error:
            raise TrainingError(f"cannot write {lock}: {error.strerror or error}") from None
    else:
        raise TrainingError(f"{out} is in use by another tabc run (its lock is {lock})")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as lock_file:
            lock_file.write(_lock_text())
        yield created
    finally:
        lock.unlink(missing_ok=True)
        if created is not None:
            _remove_empty(out, created)


def _remove_empty(out: Path, created: Path) -> None:
    """Remove ``out`` and its parents up to ``created`` where they are empty."""
    path = out
    while True:
        try:
            path.rmdir()
        except OSError:  # not empty (the run wrote there), or already gone
            return
        if path == created or path.parent == path:
            return
        path = path.parent


def remove_stale_temporaries(out: Path, names: Iterable[str]) -> list[Path]:
    """Remove the temporary files an interrupted atomic write of one of ``names`` left in
    ``out`` (``.NAME.XXXX.tmp``, ``.NAME.XXXX.tmp.SUFFIX``); returns those removed.  Only
    safe while this run holds ``out`` (:func:`claimed_run_directory`)."""
    removed = []
    for name in names:
        suffix = Path(name).suffix
        patterns = {f".{name}.*.tmp", f".{name}.*.tmp{suffix}"}
        for pattern in sorted(patterns):
            for path in sorted(Path(out).glob(pattern)):
                if path.is_file() and not path.is_symlink():
                    path.unlink(missing_ok=True)
                    removed.append(path)
    return removed


def strict_json(value: object) -> object:
    """``value`` with every float that is not finite (NaN, ±∞: a diverged run's loss or
    k_n) replaced by ``None``, so that ``json.dumps(..., allow_nan=False)`` writes strict
    JSON (``null``), never the ``NaN`` or ``Infinity`` that JSON does not have."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def json_text(value: object) -> str:
    """``value`` as strict JSON text (:func:`strict_json`), indented, ending in a newline."""
    return json.dumps(strict_json(value), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
