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

__all__ = ["ExportError", "ExportTargetError", "archive_target", "export_model"]


class ExportError(TabcError):
    """The archive could not be made, or does not reproduce the model's outputs (exit 1)."""


class ExportTargetError(TabcError):
    """``-o`` names no writable archive file: a directory, an unwritable place (exit 2)."""


# Run by a fresh interpreter: tabc (with the library's compiled modules), a user's `generated`
# package and Triton are made unimportable before anything else, so the archive must stand on
# torch alone.
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


def archive_target(output: str | Path, archive_format: str = "torchscript") -> Path:
    """The absolute archive path ``-o output`` names, resolved against the working directory.

    Everything tabc writes or hands to the verifying process is this absolute path (or a
    temporary beside it), so a relative ``-o`` works from any directory.  Raises
    :class:`ExportTargetError` for a directory (``-o .``, ``-o out/``), a parent that is a
    file or cannot be written, and a ``pt2`` archive whose name does not end in ``.pt2``
    (``torch.export.load`` refuses other names).
    """
    given = os.fspath(output)
    if not given:
        raise ExportTargetError("-o names no file; name the archive, e.g. -o model.pt")
    target = Path(os.path.abspath(os.path.expanduser(given)))
    example = "model.pt2" if archive_format == "pt2" else "model.pt"
    if given.endswith(("/", os.sep)) or target.is_dir():
        inside = (Path(given) / example).as_posix()
        raise ExportTargetError(
            f"{given}: names a directory; -o names the archive file, e.g. -o {inside}"
        )
    if target.exists() and not target.is_file():
        raise ExportTargetError(
            f"{given}: exists and is not a regular file (a device, FIFO or socket); tabc "
            "replaces only regular files"
        )
    if archive_format == "pt2" and target.suffix != ".pt2":
        raise ExportTargetError(
            f"{given}: a torch.export archive must end in .pt2 (torch.export.load refuses "
            f"other names), e.g. -o {Path(given).with_suffix('.pt2').as_posix()}"
        )
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ExportTargetError(f"{given}: cannot be written: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ExportTargetError(f"{given}: cannot be written: no permission to write in {ancestor}")
    return target


def _missing_directories(target: Path) -> list[Path]:
    """The directories above ``target`` that do not exist yet, deepest first."""
    missing = []
    parent = target.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    return missing


def export_model(
    scheme_path: str | Path,
    output: str | Path,
    *,
    archive_format: str = "torchscript",
    model_options: dict | None = None,
    tolerance: float = 1e-5,
) -> dict:
    """Compile, build, export and verify; returns what the verifier measured.

    ``output`` is relative to the working directory.  The archive is written atomically
    beside its target and moved into place only after a fresh process has reproduced the
    outputs; on any failure nothing is left behind (no temporary, no directory made for it).
    Raises :class:`ExportTargetError` when ``output`` cannot name a writable file (before any
    work) and :class:`ExportError` when the archive fails to save, load or reproduce.
    """
    import warnings

    from .atomic import atomic_path
    from .compiled import import_compiled, package_for
    from .compiler import compile_runtime, generated_text
    from .report import verdict_line

    if archive_format not in ("torchscript", "pt2"):
        raise ExportTargetError(f"unknown format {archive_format!r} (torchscript or pt2)")
    target = archive_target(output, archive_format)
    scheme, analysis, text = generated_text(scheme_path)
    if text is None:
        raise ExportError(f"{scheme_path}: fails tabc check: {verdict_line(analysis)}")
    _check_float32_range(scheme)

    import torch

    created = _missing_directories(target)
    with tempfile.TemporaryDirectory(prefix="tabc-export-") as work:
        work_path = Path(work).resolve()
        source = work_path / f"tabc_export_{scheme.name}.py"
        source.write_text(text, encoding="utf-8")
        runtime = compile_runtime(work_path, write=False)
        runtime.target.write_text(runtime.text or "", encoding="utf-8")
        module = import_compiled(source)  # TorchScript reads the class sources from disk
        torch.manual_seed(0)
        model = module.build_model(**(model_options or {})).eval()
        channels = model.stem.in_channels
        inputs = [torch.randn(batch, channels, 32, 32) for batch in (2, 3)]
        with torch.no_grad():
            pairs = [(x, model(x)) for x in inputs]
        data = work_path / "inputs.pt"
        torch.save(pairs, data)
        try:
            with atomic_path(target, keep_suffix=True) as temporary:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    if archive_format == "torchscript":
                        torch.jit.script(model).save(str(temporary))
                    else:
                        batch = torch.export.Dim("batch", min=2, max=4096)
                        program = torch.export.export(
                            model, (inputs[0],), dynamic_shapes={"x": {0: batch}}
                        )
                        torch.export.save(program, str(temporary))
                verdict = _verify(temporary, data, archive_format, tolerance, work_path, output)
        except OSError as error:
            _remove_empty(created)
            raise ExportTargetError(
                f"{output}: cannot be written: {error.strerror or error}"
            ) from None
        except BaseException:
            _remove_empty(created)
            raise
        finally:  # the temporary directory's modules (TorchScript read their sources) go with it
            package = package_for(work_path)
            for name in [n for n in sys.modules if n.split(".")[0] == package]:
                del sys.modules[name]
    return verdict


def _verify(
    archive: Path, data: Path, archive_format: str, tolerance: float, work: Path, shown
) -> dict:
    """Load ``archive`` in a fresh interpreter with torch alone and compare its outputs."""
    spec = {
        "archive": str(archive.resolve()),
        "inputs": str(data.resolve()),
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
        raise ExportError(
            f"{shown}: the archive did not load in a fresh process with torch alone:\n"
            + (done.stderr.strip()[-2000:] or done.stdout.strip()[-2000:])
        ) from None
    if not verdict.get("ok"):
        raise ExportError(
            f"{shown}: the archive does not reproduce the model's outputs "
            f"({verdict.get('why') or 'largest difference ' + str(verdict.get('worst'))})"
        )
    return verdict


def _remove_empty(directories: list[Path]) -> None:
    """Remove the directories made for a failed export, deepest first, if still empty."""
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            return


FLOAT32_MAX = 3.4028234663852886e38
"""The largest finite float32: the exported network computes in float32."""


def _check_float32_range(scheme) -> None:
    """Refuse (:class:`~tableau_compiler.errors.CoefficientError`, exit 2) a constant
    coefficient beyond float32's range: the float32 network would compute with inf."""
    from .codegen.printer import nearest_float, shortened
    from .errors import CoefficientError
    from .parsing import keyed_coefficients

    for key, expression in keyed_coefficients(scheme):
        if expression.names:
            continue
        value = expression.rational()
        if abs(nearest_float(value if value is not None else expression.to_sympy())) > FLOAT32_MAX:
            raise CoefficientError(
                f"{shortened(expression.text)!r} is beyond the range of float32 (about 3.4e38), in "
                "which the exported network computes",
                path=str(scheme.source),
                key=key,
            )
