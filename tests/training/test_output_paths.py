"""Output paths of ``tabc train`` and ``tabc compare`` (loop.py, compare.py, files.py).

An output directory that is a file, lies below a file, cannot be written, or holds a
directory where a run writes a file is refused with exit 2 and a message before anything is
written; a write that fails mid-run (a full disk) is exit 2 naming the file, and leaves the
previous checkpoint whole and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import torch

from .helpers import checkpoint, tabc

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--data", "synthetic", "--epochs", "1", "--batch-size", "64",
         "--model-arg", "widths=(4,4,4)"]  # fmt: skip


def listing(directory: Path) -> list[tuple[str, int]]:
    return sorted((str(p.relative_to(directory)), p.lstat().st_mtime_ns)
                  for p in directory.rglob("*"))  # fmt: skip


def refused(capsys, *argv) -> str:
    """The one line of a refusal with exit 2 (and nothing on stdout)."""
    code, out, err = tabc(capsys, *argv)
    assert code == 2 and out == "", (code, out, err)
    (line,) = err.strip().splitlines()
    assert line.startswith("tabc: ")
    return line


def test_an_output_directory_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "results"
    target.write_text("keep me\n")
    line = refused(capsys, "train", "resnet20", *SMALL, "--out", target)
    assert f"{target}: the output directory is a file, not a directory" in line
    assert target.read_text() == "keep me\n"
    line = refused(capsys, "train", "resnet20", *SMALL, "--out", target / "run")
    assert f"{target / 'run'}: cannot create the output directory, {target} is a file" in line
    assert listing(tmp_path) == [("results", target.lstat().st_mtime_ns)]


@pytest.mark.parametrize("name", ["summary.json", "metrics.csv", "curve.png", "config.json"])
def test_a_directory_where_a_run_writes_a_file_is_refused_before_training(tmp_path, capsys, name):
    out = tmp_path / "run"
    (out / name).mkdir(parents=True)
    before = listing(out)
    line = refused(capsys, "train", "resnet20", *SMALL, "--out", out)
    assert f"{out / name} is a directory, where tabc writes a file" in line
    assert listing(out) == before  # no checkpoint of an epoch trained for nothing


@pytest.mark.parametrize("resume", [[], ["--resume"]])
def test_a_directory_or_a_fifo_in_place_of_the_checkpoint_is_refused(tmp_path, capsys, resume):
    out = tmp_path / "run"
    (out / "checkpoint.pt").mkdir(parents=True)
    line = refused(capsys, "train", "resnet20", *SMALL, "--out", out, *resume)
    assert f"{out / 'checkpoint.pt'} is a directory, where tabc writes a file" in line
    (out / "checkpoint.pt").rmdir()
    os.mkfifo(out / "checkpoint.pt")  # reading it would wait for a writer for ever
    line = refused(capsys, "train", "resnet20", *SMALL, "--out", out, *resume)
    assert f"{out / 'checkpoint.pt'} is not a regular file, where tabc writes a file" in line


def test_a_file_where_the_compiled_scheme_goes_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "scheme").write_text("not a directory\n")
    line = refused(capsys, "train", ROOT / "tableaus" / "rk4.toml", *SMALL, "--out", out)
    assert f"{out / 'scheme'} is a file, where tabc writes a directory" in line


@contextlib.contextmanager
def as_nobody():
    """Run the block with the effective ids of an unprivileged user when we are root (root
    may write anywhere); a no-op otherwise."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_output_directory_that_cannot_be_written_is_refused(capsys):
    base = Path(tempfile.mkdtemp())  # not below pytest's root-only tmp_path: nobody must see it
    try:
        base.chmod(0o755)
        locked = base / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        with as_nobody():
            line = refused(capsys, "train", "resnet20", *SMALL, "--out", locked / "run")
        assert f"{locked / 'run'}: the output directory is not writable ({locked} is" in line
        assert listing(locked) == []
    finally:
        shutil.rmtree(base)


def test_a_full_disk_mid_run_is_exit_2_and_keeps_the_last_checkpoint(tmp_path, capsys, monkeypatch):
    save = torch.save
    calls = []

    def full_disk(value, stream, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # the checkpoint of epoch 2
            stream.write(b"half a checkpoint")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return save(value, stream, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full_disk)
    out = tmp_path / "run"
    line = refused(capsys, "train", "resnet20", *SMALL, "--epochs", "3", "--out", out, "-q")
    path = out / "checkpoint.pt"
    assert line == (
        f"tabc: cannot write {path}: No space left on device; {path} still holds epoch 1"
    )
    monkeypatch.setattr(torch, "save", save)
    assert checkpoint(out)["epoch"] == 1
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    assert len((out / "metrics.csv").read_text().splitlines()) == 2  # the header and epoch 1


def test_compare_refuses_its_output_paths_before_training_any_run(tmp_path, capsys):
    target = tmp_path / "table"
    target.write_text("keep me\n")
    line = refused(capsys, "compare", "resnet20", *SMALL, "--out", target)
    assert "the output directory is a file" in line

    out = tmp_path / "compare"
    (out / "rkcnn_rk4").mkdir(parents=True)
    (out / "rkcnn_rk4" / "seed1").write_text("in the way\n")
    argv = ["compare", "resnet20", "rkcnn_rk4", "--seeds", "2", *SMALL, "--out", out]
    line = refused(capsys, *argv)
    assert f"{out / 'rkcnn_rk4' / 'seed1'}: the output directory is a file" in line
    assert not (out / "resnet20").exists()  # no run was trained

    (out / "rkcnn_rk4" / "seed1").unlink()
    (out / "compare.md").mkdir()
    line = refused(capsys, *argv)
    assert f"{out / 'compare.md'} is a directory, where tabc writes a file" in line
    assert not (out / "resnet20").exists()
