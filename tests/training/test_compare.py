"""``tabc compare``: models x seeds under one recipe, and the papers' table."""

from __future__ import annotations

import csv
import re

from tableau_compiler.training.compare import ComparisonRow, markdown_table

from .helpers import tabc


def test_compare_two_models_over_two_seeds_writes_the_table(tmp_path, capsys):
    out = tmp_path / "compare"
    code, stdout, _ = tabc(
        capsys, "compare", "resnet20", "rkcnn_rk4", "--seeds", "2", "--epochs", "1",
        "--model-arg", "rkcnn_rk4:widths=(8,8,8)", "--out", out, "--quiet",
    )  # fmt: skip
    assert code == 0
    table = (out / "compare.md").read_text(encoding="utf-8")
    assert table.splitlines()[0] == "| model | parameters | test error (%) | time per epoch (s) |"
    for model in ("resnet20", "rkcnn_rk4"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {model} |"))
        assert re.fullmatch(rf"\| {model} \| [\d,]+ \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d \|", row)
        assert row in stdout
        for seed in (0, 1):
            assert (out / model / f"seed{seed}" / "checkpoint.pt").is_file()
    assert "over 2 seeds (0, 1)" in table
    with open(out / "compare.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [r["model"] for r in rows] == ["resnet20", "rkcnn_rk4"]
    assert all(r["seeds"] == "2" and r["error_std"] for r in rows)
    assert rows[0]["parameters"] == "272090"
    with open(out / "runs.csv", newline="") as stream:
        assert len(list(csv.DictReader(stream))) == 4
    assert (out / "compare.png").read_bytes()[:4] == b"\x89PNG"


def test_compare_with_resume_reads_finished_runs_back(tmp_path, capsys):
    argv = ["compare", "resnet20", "--seeds", "1", "--epochs", "1", "--out", tmp_path, "-q"]
    assert tabc(capsys, *argv)[0] == 0
    before = (tmp_path / "resnet20" / "seed0" / "checkpoint.pt").stat().st_mtime_ns
    code, stdout, _ = tabc(capsys, *argv, "--resume")
    assert code == 0 and "| resnet20 | 272,090 |" in stdout
    assert (tmp_path / "resnet20" / "seed0" / "checkpoint.pt").stat().st_mtime_ns == before


def test_mean_and_sample_standard_deviation():
    row = ComparisonRow("net", 1234567, (7.0, 9.0), 1.5)
    assert markdown_table([row]).splitlines()[-1] == "| net | 1,234,567 | 8.00 ± 1.41 | 1.50 |"
    assert ComparisonRow("one", 1, (5.0,), 1.0).error_text() == "5.00 ± –"


def test_a_model_arg_for_a_model_not_compared_is_refused(tmp_path, capsys):
    code, _, err = tabc(
        capsys, "compare", "resnet20", "--model-arg", "rkcnn_e:widths=(8,8,8)", "--out", tmp_path
    )
    assert code == 2 and "rkcnn_e" in err


def test_a_scheme_file_has_one_name_in_every_output_its_schemes_name(tmp_path):
    """A file my_ralston3.toml holding name = "ralston3" was my_ralston3 in the table and the
    directories but ralston3 in runs.csv and the log lines: now ralston3 everywhere."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    scheme = tmp_path / "my_ralston3.toml"
    scheme.write_text((root / "tableaus" / "ralston3.toml").read_text(encoding="utf-8"))
    out = tmp_path / "compare"
    command = [sys.executable, "-m", "tableau_compiler", "compare", str(scheme), "--seeds", "1",
               "--epochs", "1", "--batch-size", "256", "--threads", "1",
               "--model-arg", "my_ralston3.toml:depth=1".replace("my_ralston3.toml", str(scheme)),
               "--model-arg", "ralston3:widths=(4,4,4)", "--out", str(out)]  # fmt: skip
    done = subprocess.run(
        command, check=False, cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    shown = [line for line in done.stdout.splitlines() if str(scheme) not in line]
    assert "my_ralston3" not in "\n".join(shown)
    assert "== ralston3, seed 0" in done.stdout and "training ralston3 (" in done.stdout
    assert (out / "ralston3" / "seed0" / "checkpoint.pt").is_file()
    assert [p.name for p in out.iterdir() if p.is_dir()] == ["ralston3"]
    for name in ("compare.csv", "runs.csv"):
        with open(out / name, newline="") as stream:
            assert [row["model"] for row in csv.DictReader(stream)] == ["ralston3"]
    assert "| ralston3 |" in (out / "compare.md").read_text(encoding="utf-8")
