"""tabc export: archives that load and reproduce the model with torch alone.

``-o`` is relative to the caller's working directory (the verifying process runs elsewhere);
a target that is a directory or cannot be written is refused with exit status 2; a failed
export leaves nothing behind; the archive gets the mode a plain write would give it.
"""

import os
import stat

import pytest

from tableau_compiler.cli import main
from tableau_compiler.export import ExportError, export_model

from .conftest import ROOT, torch


@pytest.mark.parametrize(
    "name, archive_format, depth",
    [
        ("rk4", "torchscript", 1),
        ("lm_resnet", "pt2", 2),
        ("gl2", "torchscript", 1),
        ("revnet", "pt2", 1),
    ],
)
def test_export_round_trips_with_identical_outputs(name, archive_format, depth, tmp_path, capsys):
    archive = tmp_path / f"{name}.{'pt2' if archive_format == 'pt2' else 'pt'}"
    source = str(ROOT / "tableaus" / f"{name}.toml")
    code = main(
        ["export", source, "-o", str(archive), "--format", archive_format, "--depth", str(depth)]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert archive.exists() and "reproduced the outputs to 0" in out
    x = torch.randn(5, 3, 32, 32)  # a batch size the export never saw
    if archive_format == "torchscript":
        loaded = torch.jit.load(str(archive))
    else:
        loaded = torch.export.load(str(archive)).module()
    assert loaded(x).shape == (5, 10)


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


@pytest.mark.parametrize(
    "scheme, archive_format, output",
    [("tableaus/euler.toml", "torchscript", "out/model.pt"), ("euler", "pt2", "model.pt2")],
    ids=["torchscript into a new directory", "pt2 of a library name"],
)
def test_a_relative_output_is_relative_to_the_working_directory(
    scheme, archive_format, output, tmp_path, monkeypatch, capsys, umask_027
):
    """The README's own form, `tabc export tableaus/rk4.toml -o model.pt`, from any directory."""
    work = tmp_path / "work"
    (work / "tableaus").mkdir(parents=True)
    (work / "tableaus" / "euler.toml").write_bytes((ROOT / "tableaus" / "euler.toml").read_bytes())
    monkeypatch.chdir(work)
    code = main(["export", scheme, "-o", output, "--format", archive_format, "--depth", "1"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert out.startswith(f"wrote {output} ({archive_format})")
    assert ("using the library's tableaus/euler.toml" in err) == (scheme == "euler")
    archive = work / output
    assert archive.is_file()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o666 & ~umask_027
    assert sorted(p.name for p in archive.parent.iterdir() if p.name.startswith(".")) == []
    loaded = (
        torch.jit.load(output) if archive_format == "torchscript" else torch.export.load(output)
    )
    assert loaded is not None


@pytest.mark.parametrize(
    "output, message",
    [
        (".", ".: names a directory; -o names the archive file, e.g. -o model.pt"),
        ("out", "out: names a directory; -o names the archive file, e.g. -o out/model.pt"),
        ("out/", "out/: names a directory; -o names the archive file, e.g. -o out/model.pt"),
        ("new/", "new/: names a directory; -o names the archive file, e.g. -o new/model.pt"),
        ("notes.txt/model.pt", "notes.txt/model.pt: cannot be written: "),
        ("", "-o names no file; name the archive, e.g. -o model.pt"),
    ],
)
def test_an_output_that_names_no_writable_file_exits_2_and_writes_nothing(
    output, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "notes.txt").write_text("not a directory\n")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code = main(["export", str(ROOT / "tableaus" / "euler.toml"), "-o", output])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"tabc: {message}") and "Traceback" not in err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_pt2_archive_must_be_named_pt2(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["export", str(ROOT / "tableaus" / "euler.toml"), "-o", "m.pt", "--format", "pt2"])
    assert code == 2
    assert "m.pt: a torch.export archive must end in .pt2" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_directory_exits_2(tmp_path, monkeypatch, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["export", str(ROOT / "tableaus" / "euler.toml"), "-o", "locked/m.pt"])
    finally:
        locked.chmod(0o755)
    assert code == 2
    assert "locked/m.pt: cannot be written: no permission to write in" in capsys.readouterr().err
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
def test_a_place_that_refuses_the_file_exits_2(capsys):
    """/proc accepts no new files, even from root: the failure comes at write time."""
    code = main(
        ["export", str(ROOT / "tableaus" / "euler.toml"), "-o", "/proc/m.pt", "--depth", "1"]
    )
    assert code == 2
    assert capsys.readouterr().err.startswith("tabc: /proc/m.pt: cannot be written: ")


def test_an_archive_that_fails_verification_leaves_nothing_behind(tmp_path, monkeypatch):
    """A negative tolerance no archive can meet: no archive, no temporary, no new directory."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExportError, match="does not reproduce the model's outputs"):
        export_model(
            ROOT / "tableaus" / "euler.toml",
            "new/dir/model.pt",
            model_options={"depth": 1},
            tolerance=-1.0,
        )
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_a_scheme_that_fails_its_check(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nkind = "runge-kutta"\norder = 2\n[tableau]\na = [[]]\nb = [1]\n')
    assert main(["export", str(bad), "-o", str(tmp_path / "bad.pt")]) == 1
    assert "fails tabc check" in capsys.readouterr().err
    assert not (tmp_path / "bad.pt").exists()


def test_a_coefficient_beyond_float32_is_refused_before_exporting(tmp_path, capsys):
    # the exported network computes in float32: 3e39 would be inf there (it is a float64)
    scheme = tmp_path / "wide.toml"
    scheme.write_text(
        'name = "wide"\nkind = "runge-kutta"\norder = 1\n'
        '[tableau]\na = [[], ["3e39"]]\nb = ["1", "0"]\n',
        encoding="utf-8",
    )
    assert main(["export", str(scheme), "-o", str(tmp_path / "wide.pt")]) == 2
    assert "tableau.a[2][1]: '3e39' is beyond the range of float32" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [scheme]


def test_an_output_that_is_a_fifo_or_device_is_refused_before_any_work(tmp_path, capsys):
    # replacing it would destroy it (as root, `-o /dev/null` turned /dev/null into a file)
    fifo = tmp_path / "archive.pt"
    os.mkfifo(fifo)
    assert main(["export", str(ROOT / "tableaus" / "rk4.toml"), "-o", str(fifo)]) == 2
    assert "exists and is not a regular file" in capsys.readouterr().err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and list(tmp_path.iterdir()) == [fifo]
