"""The ``tabc`` command line: argument parsing and exit codes only.

Exit status: 0 when every scheme passes, 1 when a valid scheme misses its claim,
2 for invalid input (unreadable file, bad TOML, a key that breaks the format).
``check``, ``info`` and ``compile`` never import torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import __version__
from .errors import SchemeError, TabcError

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _scheme_files(paths: Sequence[str]) -> Iterator[tuple[str, SchemeError | None]]:
    """Each file named, and every ``*.toml`` under each directory named, in sorted order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.toml") if p.is_file())
            if not found:
                yield name, SchemeError("no *.toml scheme files in this directory", path=name)
            for file in found:
                yield str(file), None
        elif path.exists():
            yield name, None
        else:
            yield name, SchemeError("no such file or directory", path=name)


def _line_for(path: str, key: tuple) -> int | None:
    from .toml_locations import line_of

    try:
        return line_of(Path(path).read_text(encoding="utf-8"), key)
    except (OSError, UnicodeDecodeError):
        return None


def command_check(args: argparse.Namespace) -> int:
    from .analysis import analyse
    from .parsing import load_scheme
    from .report import error_dict, github_annotation, to_dict, verdict_line

    status = EXIT_OK
    records = []
    for path, missing in _scheme_files(args.paths):
        try:
            if missing is not None:
                raise missing
            analysis = analyse(load_scheme(path))
        except SchemeError as error:
            if error.path is None:  # found by the analysis, after the file was read
                error = error.located(path=path, line=_line_for(path, error.key))
            status = EXIT_INVALID
            records.append(error_dict(path, error))
            if args.format == "text":
                print(f"ERROR {error}")
            elif args.format == "github":
                print(github_annotation("error", error.path or path, error.line, str(error)))
            continue
        if not analysis.passed:
            status = max(status, EXIT_FAILED)
        records.append(to_dict(analysis))
        if args.format == "text":
            print(verdict_line(analysis))
            for warning in analysis.warnings:
                print(f"      warning: {warning}")
        elif args.format == "github":
            if analysis.passed:
                print(verdict_line(analysis))
            else:
                line = _line_for(path, ("order",))
                print(github_annotation("error", path, line, verdict_line(analysis)[6:]))
            for warning in analysis.warnings:
                print(
                    github_annotation("warning", path, None, f"{analysis.scheme.name}: {warning}")
                )
    if args.format == "json":
        print(json.dumps(records, indent=2, ensure_ascii=False))
    return status


def command_info(args: argparse.Namespace) -> int:
    from .analysis import analyse
    from .parsing import load_scheme
    from .report import error_dict, info_text, to_dict

    try:
        analysis = analyse(load_scheme(args.path), full=True)
    except SchemeError as error:
        if error.path is None:
            error = error.located(path=args.path, line=_line_for(args.path, error.key))
        if args.format == "json":
            print(json.dumps(error_dict(args.path, error), indent=2, ensure_ascii=False))
        else:
            print(f"ERROR {error}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        print(json.dumps(to_dict(analysis), indent=2, ensure_ascii=False))
    else:
        print(info_text(analysis))
    return EXIT_OK if analysis.passed else EXIT_FAILED


def command_compile(args: argparse.Namespace) -> int:
    from .compiler import compile_file
    from .report import verdict_line

    output = Path(args.output)
    status = EXIT_OK
    expected: set[Path] = set()
    for path, missing in _scheme_files(args.paths):
        try:
            if missing is not None:
                raise missing
            result = compile_file(path, output, force=args.force, write=not args.check)
        except SchemeError as error:
            if error.path is None:
                error = error.located(path=path, line=_line_for(path, error.key))
            print(f"ERROR {error}")
            status = EXIT_INVALID
            continue
        expected.add(result.target)
        if result.text is None:
            print(verdict_line(result.analysis))
            status = max(status, EXIT_FAILED)
        elif args.check:
            current = result.target.read_text(encoding="utf-8") if result.target.exists() else None
            if current != result.text:
                reason = "missing" if current is None else "differs from what tabc would write"
                print(f"STALE {result.target}: {reason} (run `tabc compile {path}`)")
                status = max(status, EXIT_FAILED)
        else:
            print(f"wrote {result.target}")
    if args.check and output.is_dir():
        for extra in sorted(set(output.glob("*.py")) - expected):
            if extra.name != "__init__.py":
                print(f"STALE {extra}: no scheme file compiles to it")
                status = max(status, EXIT_FAILED)
    if args.check and status == EXIT_OK:
        print(f"{output}: up to date ({len(expected)} modules)")
    return status


def command_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_model

    options = {"depth": args.depth, "num_classes": args.classes, "in_channels": args.channels}
    try:
        verdict = export_model(
            args.path, args.output, archive_format=args.format, model_options=options
        )
    except ExportError as error:
        print(f"tabc: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"wrote {args.output} ({args.format}); a fresh process with torch alone reproduced the "
        f"outputs to {verdict['worst']:.2g}"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tabc",
        description="tabc, the Butcher-tableau architecture compiler: check numerical schemes "
        "exactly and compile them into PyTorch residual networks.",
    )
    parser.add_argument("--version", action="version", version=f"tabc {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="decide whether schemes reach the order they claim",
        description="Exit 0 when every scheme is valid and reaches its claimed order (multistep "
        "schemes: consistent and zero-stable too), 1 when one misses, 2 for invalid input.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH", help="scheme files or directories")
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="one line per file (default), JSON, or GitHub annotations")  # fmt: skip
    check.set_defaults(handler=command_check)

    compile_ = commands.add_parser(
        "compile",
        help="emit the PyTorch module of each scheme (generated/<name>.py)",
        description="Refuses a scheme that fails `tabc check` (exit 1). With --check, writes "
        "nothing and exits 1 when a module is missing or differs from what would be written.",
    )
    compile_.add_argument("paths", nargs="*", default=["tableaus"], metavar="PATH",
                          help="scheme files or directories (default: tableaus)")  # fmt: skip
    compile_.add_argument("-o", "--output", default="generated", metavar="DIR",
                          help="where the modules go (default: generated)")  # fmt: skip
    compile_.add_argument("--check", action="store_true",
                          help="verify DIR is up to date instead of writing")  # fmt: skip
    compile_.add_argument("--force", action="store_true",
                          help="overwrite modules that were edited by hand")  # fmt: skip
    compile_.set_defaults(handler=command_compile)

    export = commands.add_parser(
        "export",
        help="script the scheme's ResNet and save it, verified in a fresh process",
        description="Builds build_model() of the compiled scheme, saves it as TorchScript (or a "
        "torch.export program with a dynamic batch size), and checks that a fresh Python process "
        "with torch alone (no tabc, no Triton) reproduces its outputs.",
    )
    export.add_argument("path", metavar="FILE")
    export.add_argument("-o", "--output", required=True, metavar="ARCHIVE")
    export.add_argument("--format", choices=("torchscript", "pt2"), default="torchscript")
    export.add_argument("--depth", type=int, default=3, help="steps per stage (default 3)")
    export.add_argument("--classes", type=int, default=10, help="output classes (default 10)")
    export.add_argument("--channels", type=int, default=3, help="input channels (default 3)")
    export.set_defaults(handler=command_export)

    info = commands.add_parser("info", help="the full report on one scheme")
    info.add_argument("path", metavar="FILE")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(handler=command_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except TabcError as error:
        print(f"tabc: {error}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except RecursionError:
        print("tabc: input nested too deeply", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
