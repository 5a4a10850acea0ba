"""Atomic replacement: a write that fails leaves the old file and no temporary behind, and a
write that lands gives the file the mode a plain ``open(path, "w")`` would (the umask's)."""

from __future__ import annotations

import os
import stat

import pytest

from tableau_compiler.atomic import (
    NotARegularFileError,
    atomic_path,
    plain_write_mode,
    write_atomically,
)


def test_a_completed_write_replaces_the_target(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomically(target, "first\n")
    write_atomically(target, "second\n")
    assert target.read_text() == "second\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "checkpoint.pt"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as temporary:
        temporary.write_bytes(b"half a new")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


@pytest.fixture
def umask():
    """Set the process umask for one test and restore it after."""
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o000])
def test_a_new_file_gets_the_mode_a_plain_write_gives_under_the_umask(tmp_path, umask, mask):
    umask(mask)
    plain = tmp_path / "plain.txt"
    plain.write_text("x\n")
    atomic = tmp_path / "atomic.txt"
    write_atomically(atomic, "x\n")
    assert stat.S_IMODE(atomic.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_a_replaced_file_keeps_its_mode_as_a_plain_write_would(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "script.sh"
    target.write_text("old\n")
    target.chmod(0o750)
    with atomic_path(target) as temporary, open(temporary, "wb") as stream:
        stream.write(b"new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o750
    assert plain_write_mode(target) == 0o750


@pytest.mark.parametrize("special", ["fifo", "directory", "link_to_fifo"])
def test_a_target_that_is_no_regular_file_is_never_replaced(tmp_path, special):
    # as root, replacing /dev/null with a regular file would destroy the device node
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = tmp_path / "target"
    if special == "fifo":
        target = fifo
    elif special == "directory":
        target.mkdir()
    else:
        target.symlink_to(fifo)
    with pytest.raises(NotARegularFileError, match="not a regular file"):
        write_atomically(target, "text")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"pipe", target.name})
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


SIGTERM_DURING_REPLACE = """
import os, signal, sys, time
from pathlib import Path
from tableau_compiler.atomic import atomic_path, terminating_cleanly

target = Path(sys.argv[1])
with terminating_cleanly(), atomic_path(target) as temporary:
    temporary.write_bytes(b"half a checkpoint")
    os.kill(os.getpid(), signal.SIGTERM)  # what `timeout`, schedulers and container stops send
    time.sleep(30)
"""


def test_sigterm_during_an_atomic_replace_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    import subprocess
    import sys

    target = tmp_path / "checkpoint.pt"
    target.write_bytes(b"old")
    done = subprocess.run([sys.executable, "-c", SIGTERM_DURING_REPLACE, str(target)], check=False,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 128 + 15, done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]
