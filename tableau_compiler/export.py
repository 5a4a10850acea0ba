"""``tabc export``: the generated network as a deployable archive, verified out of process.

The scheme is compiled to a temporary module on disk (TorchScript reads source files),
its ``build_model()`` is scripted (``--format torchscript``) or exported with
``torch.export`` and a dynamic batch dimension (``--format pt2``), and the archive is
written atomically.  Then a fresh Python process that cannot import tabc, the generated
modules or Triton loads the archive and must reproduce the outputs of the in-memory
model; otherwise the archive is removed and the command fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import TabcError

__all__ = ["ExportError", "export_model"]


class ExportError(TabcError):
    """The archive could not be written, or does not reproduce the model's outputs."""


# Run by a fresh interpreter: tabc, the generated package and Triton are made unimportable
# before anything else, so the archive must stand on torch alone.
_VERIFIER = r"""
import json, sys
for blocked in ("tableau_compiler", "generated", "triton"):
    sys.modules[blocked] = None
import torch
spec = json.loads(sys.argv[1])
inputs = torch.load(spec["inputs"])
if spec["format"] == "torchscript":
    model = torch.jit.load(spec["archive"])
    run = model
else:
    program = torch.export.load(spec["archive"])
    run = program.module()
worst = 0.0
for x, expected in inputs:
    with torch.no_grad():
        got = run(x)
    if got.shape != expected.shape:
        print(json.dumps({"ok": False, "why": f"shape {tuple(got.shape)} != {tuple(expected.shape)}"}))
        sys.exit(0)
    worst = max(worst, float((got - expected).abs().max()))
print(json.dumps({"ok": worst <= spec["tolerance"], "worst": worst,
                  "triton_loaded": "triton" in sys.modules and sys.modules["triton"] is not None}))
"""


def export_model(
    scheme_path: str | Path,
    output: str | Path,
    *,
    archive_format: str = "torchscript",
    model_options: dict | None = None,
    tolerance: float = 1e-5,
) -> dict:
    """Compile, build, export and verify; returns what the verifier measured."""
    import warnings

    import torch

    from .compiler import generated_text
    from .report import verdict_line

    scheme, analysis, text = generated_text(scheme_path)
    if text is None:
        raise ExportError(f"{scheme_path}: fails tabc check: {verdict_line(analysis)}")
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="tabc-export-") as work:
        work_path = Path(work)
        source = work_path / f"tabc_export_{scheme.name}.py"
        source.write_text(text, encoding="utf-8")
        sys.path.insert(0, str(work_path))
        try:
            import importlib

            module = importlib.import_module(source.stem)
            torch.manual_seed(0)
            model = module.build_model(**(model_options or {})).eval()
        finally:
            sys.path.remove(str(work_path))
        channels = model.stem.in_channels
        inputs = [torch.randn(batch, channels, 32, 32) for batch in (2, 3)]
        with torch.no_grad():
            pairs = [(x, model(x)) for x in inputs]
        temporary = output.with_name(f".{output.stem}.tmp{output.suffix}")
        output.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if archive_format == "torchscript":
                torch.jit.script(model).save(str(temporary))
            elif archive_format == "pt2":
                batch = torch.export.Dim("batch", min=2, max=4096)
                program = torch.export.export(model, (inputs[0],), dynamic_shapes={"x": {0: batch}})
                torch.export.save(program, str(temporary))
            else:
                raise ExportError(f"unknown format {archive_format!r} (torchscript or pt2)")
        data = work_path / "inputs.pt"
        torch.save(pairs, data)
        spec = {
            "archive": str(temporary),
            "inputs": str(data),
            "format": archive_format,
            "tolerance": tolerance,
        }
        environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
        done = subprocess.run(
            [sys.executable, "-I", "-c", _VERIFIER, json.dumps(spec)],
            cwd=work,
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
        try:
            verdict = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            temporary.unlink(missing_ok=True)
            raise ExportError(
                f"{output}: the archive did not load in a fresh process with torch alone:\n"
                + (done.stderr.strip()[-2000:] or done.stdout.strip()[-2000:])
            ) from None
        if not verdict.get("ok"):
            temporary.unlink(missing_ok=True)
            raise ExportError(
                f"{output}: the archive does not reproduce the model's outputs "
                f"({verdict.get('why') or 'largest difference ' + str(verdict.get('worst'))})"
            )
        os.replace(temporary, output)
    return verdict
