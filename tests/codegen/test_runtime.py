"""The support module: the network frame and the RevNet algorithm written once beside the
compiled modules (``_tabc_runtime.py``), which import it relatively and hold their scheme."""

from __future__ import annotations

import subprocess
import sys

from tableau_compiler.cli import main

from .conftest import GENERATED, ROOT, torch


def test_a_module_compiled_into_a_users_directory_imports_as_a_package_module(tmp_path, capsys):
    assert main(["compile", str(ROOT / "tableaus" / "rk4.toml"), "-o", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"wrote {tmp_path / 'out' / '_tabc_runtime.py'}",
        f"wrote {tmp_path / 'out' / 'rk4.py'}",
    ]
    code = (
        "import torch, out.rk4 as m\n"
        "y = m.Rk4Step(torch.nn.Tanh(), 0.1)(torch.ones(2))\n"
        "print(m.Stage.__module__, m.build_model(depth=1)(torch.randn(1, 3, 8, 8)).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, check=False, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["out._tabc_runtime", "torch.Size([1,", "10])"]


def test_every_library_module_starts_with_its_scheme_and_imports_the_frame():
    for path in sorted(GENERATED.glob("*.py")):
        if path.name in ("__init__.py", "_tabc_runtime.py"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "from ._tabc_runtime import" in text, path.name
        assert "class PreActivationBlock" not in text and "class _RevNetBackward" not in text
        # after the header, the docstring, the imports and __all__: the scheme
        first = min(text.index("\nclass "), text.index("\ndef "))
        assert text.index("\nSCHEME = ") < first, path.name


def test_modules_share_one_frame_and_reversible_ones_re_export_the_revnet_algorithm():
    from tableau_compiler.models.schemes import generated_module

    rk4, revnet, lm = (generated_module(name) for name in ("rk4", "revnet", "lm_resnet"))
    assert rk4.Stage is revnet.Stage is lm.Stage
    assert rk4.NotInvertibleError is lm.NotInvertibleError
    assert revnet.invertible_layers is lm.invertible_layers
    assert not hasattr(rk4, "invertible_layers")
    assert isinstance(rk4.PreActivationBlock(4), torch.nn.Module)


def test_compile_check_names_a_missing_support_module(tmp_path, capsys):
    out = tmp_path / "out"
    rk4 = str(ROOT / "tableaus" / "rk4.toml")
    assert main(["compile", rk4, "-o", str(out)]) == 0
    (out / "_tabc_runtime.py").unlink()
    capsys.readouterr()
    assert main(["compile", "--check", rk4, "-o", str(out)]) == 1
    assert capsys.readouterr().out == (
        f"STALE {out / '_tabc_runtime.py'}: missing (run `tabc compile -o {out} SCHEME` for "
        "any scheme compiled there)\n"
    )


def test_a_hand_edited_support_module_is_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    rk4 = str(ROOT / "tableaus" / "rk4.toml")
    assert main(["compile", rk4, "-o", str(out)]) == 0
    runtime = out / "_tabc_runtime.py"
    runtime.write_text(runtime.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["compile", rk4, "-o", str(out)]) != 0
    assert runtime.read_text(encoding="utf-8").endswith("# mine\n")
    assert main(["compile", "--force", rk4, "-o", str(out)]) == 0
    assert not runtime.read_text(encoding="utf-8").endswith("# mine\n")
