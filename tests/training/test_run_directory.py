"""A run holds its output directory (issue 21): two runs never write into one, and a run
ended by SIGTERM leaves no temporary file and no lock behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tableau_compiler.training.files import RUN_LOCK_NAME

from .helpers import checkpoint, subprocess_environment

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ["resnet20", "--data", "synthetic", "--batch-size", "128", "--threads", "1", "-q"]
DEFAULT_OUT = Path("runs/resnet20_synthetic_seed0")  # `tabc train`'s default for RECIPE


def start(cwd: Path, *options: str) -> subprocess.Popen:
    environment = {**subprocess_environment(), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tableau_compiler", "train", *RECIPE, *options],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def test_a_second_run_into_the_directory_a_run_holds_is_refused(tmp_path):
    out = tmp_path / DEFAULT_OUT
    first = start(tmp_path, "--epochs", "60")  # still running when the second one starts
    wait_for(out / RUN_LOCK_NAME, first)
    second = start(tmp_path, "--epochs", "60")  # the same model and seed: the same directory
    stdout, stderr = second.communicate(timeout=300)
    assert first.poll() is None, "the first run ended before the second was refused"
    assert second.returncode == 2, stderr
    (line,) = stderr.strip().splitlines()
    assert line.startswith(f"tabc: {DEFAULT_OUT} is in use by another tabc run (process ")
    assert f"process {first.pid} on " in line and "choose another --out" in line
    assert stdout == ""  # it reports no results there
    first.send_signal(signal.SIGTERM)  # the first run's own results are not this test's
    first.communicate(timeout=300)
    assert not (out / RUN_LOCK_NAME).exists()  # released at the end


def test_a_lock_left_by_a_process_that_no_longer_runs_is_taken_over(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    out = tmp_path / "run"
    out.mkdir()
    (out / RUN_LOCK_NAME).write_text(f"{gone.stdout.strip()} 12345 {os.uname().nodename}\n")
    run = start(tmp_path, "--epochs", "1", "--out", "run")
    _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    assert checkpoint(out)["epoch"] == 1 and not (out / RUN_LOCK_NAME).exists()


def test_sigterm_ends_a_run_with_no_temporary_file_nor_lock_and_resume_goes_on(tmp_path):
    out = tmp_path / "run"
    run = start(tmp_path, "--epochs", "4", "--out", "run")
    wait_for(out / "checkpoint.pt", run)
    run.send_signal(signal.SIGTERM)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp") or ".tmp." in p.name]
    assert not (out / RUN_LOCK_NAME).exists()
    resumed = start(tmp_path, "--epochs", "4", "--out", "run", "--resume")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    assert checkpoint(out)["epoch"] == 4


def test_resume_removes_the_temporary_file_an_interrupted_replace_left(tmp_path):
    out = tmp_path / "run"
    run = start(tmp_path, "--epochs", "2", "--stop-after", "1", "--out", "run")
    assert run.wait(timeout=600) == 0
    stale = out / ".checkpoint.pt.k3j9x_2a.tmp"  # what a process killed mid-replace leaves
    stale.write_bytes(b"half a checkpoint")
    resumed = start(tmp_path, "--epochs", "2", "--out", "run", "--resume")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr
    assert f"removed {Path('run') / stale.name}, left by an interrupted write" in stderr
    assert not stale.exists() and checkpoint(out)["epoch"] == 2
