"""tabc export: archives that load and reproduce the model with torch alone."""

import pytest

from tableau_compiler.cli import main

from .conftest import ROOT, torch


@pytest.mark.parametrize(
    "name, archive_format, depth",
    [("rk4", "torchscript", 1), ("lm_resnet", "pt2", 2), ("gl2", "torchscript", 1)],
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


def test_export_refuses_a_scheme_that_fails_its_check(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\nkind = "runge-kutta"\norder = 2\n[tableau]\na = [[]]\nb = [1]\n')
    assert main(["export", str(bad), "-o", str(tmp_path / "bad.pt")]) == 1
    assert "fails tabc check" in capsys.readouterr().err
    assert not (tmp_path / "bad.pt").exists()
