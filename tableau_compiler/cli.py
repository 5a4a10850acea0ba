"""The ``tabc`` command line: argument parsing and exit codes only.

Exit status: 0 when every scheme passes, 1 when a valid scheme misses its claim,
2 for invalid input (unreadable file, bad TOML, a key that breaks the format; for
``train`` and ``compare`` also an unknown model, a bad option or missing data), 3 when
training diverged (a NaN or infinite loss).  ``check``, ``info`` and ``compile`` never
import torch; ``export`` and ``models`` need the ``torch`` extra, ``train`` and ``compare``
the ``train`` extra, and say so (exit 2) when it is missing (:mod:`.extras`).  A scheme path
that does not exist and is a bare library name is the library's file (:mod:`.library`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from . import __version__
from .errors import SchemeError, TabcError
from .options import (
    MAX_CHANNELS,
    MAX_CLASSES,
    MAX_DEPTH,
    MAX_RESOLUTION,
    MIN_RESOLUTION,
    Parser,
    extent_bounds,
    integer,
    negative_values_attached,
    real,
)

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DIVERGED = 0, 1, 2, 3
DEFAULT_LIBRARY, DEFAULT_OUTPUT = "tableaus", "generated"

# Imports: the module level holds only what every command needs; each command imports what it
# uses, so that `tabc check` of a Runge–Kutta file loads no other kind's analysis, no JSON
# encoder, no library lookup and never torch (tests/test_cli_imports.py).


def _print_json(value: object) -> None:
    """Strict JSON: a NaN or infinite float that reached a report prints as null (the exact
    values travel as strings), never as the non-standard NaN/Infinity."""
    import json

    print(json.dumps(_strict(value), indent=2, ensure_ascii=False, allow_nan=False))


def _strict(value: object) -> object:
    if isinstance(value, float) and value - value != 0:  # NaN or ±∞
        return None
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    return value


def require(extra: str) -> None:
    """:func:`.extras.require`, imported only by the commands that need an extra."""
    from .extras import require

    require(extra)


def _scheme_path(name: str) -> str:
    """``name``, or the library file a missing bare name names (saying so on stderr).

    See :mod:`tableau_compiler.library`: ``rk4`` and ``rk4.toml`` that are not files here
    are the library's ``tableaus/rk4.toml``.
    """
    if Path(name).exists():  # a path that exists is used as it is: no library lookup
        return name
    from .library import find_in_library

    match = find_in_library(name)
    if match is None:
        return name
    if os.environ.get("RANK", "0") == "0":  # under torchrun, one process speaks
        print(match.note(), file=sys.stderr)
    return match.path


def _scheme_files(paths: Sequence[str]) -> Iterator[tuple[str, SchemeError | None]]:
    """Each file named, and every ``*.toml`` under each directory named, in sorted order.

    A missing bare name is looked up in the library (:func:`_scheme_path`).  A file named
    twice (``tableaus tableaus/rk4.toml``, ``rk4.toml ./rk4.toml``) is taken once.
    """
    seen: set[Path] = set()

    def first_time(file: Path) -> bool:
        resolved = file.resolve()
        if resolved in seen:
            return False
        seen.add(resolved)
        return True

    for given in paths:
        name = _scheme_path(given)
        path = Path(name)
        if path.is_dir():
            # every *.toml but directories: a FIFO, device or dangling link named *.toml is
            # reported (not a regular file, cannot be read), never skipped in silence
            found = sorted(p for p in path.rglob("*.toml") if not p.is_dir())
            if not found:
                yield name, SchemeError("no *.toml scheme files in this directory", path=name)
            for file in found:
                if first_time(file):
                    yield str(file), None
        elif path.exists():
            if first_time(path):
                yield name, None
        else:
            yield name, SchemeError("no such file or directory", path=name)


def _line_for(path: str, key: tuple) -> int | None:
    from .parsing import read_scheme_file
    from .toml_locations import line_of

    try:
        return line_of(read_scheme_file(path).decode("utf-8"), key)
    except (SchemeError, UnicodeDecodeError):
        return None


def command_check(args: argparse.Namespace) -> int:
    from .analysis import analyse
    from .parsing import load_scheme
    from .report import describe, error_dict, github_annotation, to_dict, verdict_line

    status = EXIT_OK
    records = []
    for path, missing in _scheme_files(args.paths):
        try:
            if missing is not None:
                raise missing
            analysis = analyse(load_scheme(path), strict=args.strict)
        except SchemeError as error:
            if error.path is None:  # found by the analysis, after the file was read
                error = error.located(path=path, line=_line_for(path, error.key))
            status = EXIT_INVALID
            if args.format == "json":
                records.append(error_dict(path, error))
            elif args.format == "text":
                print(f"ERROR {error}")
            elif args.format == "github":
                print(github_annotation("error", error.path or path, error.line, str(error)))
            continue
        if not analysis.passed:
            status = max(status, EXIT_FAILED)
        if args.format == "json":  # (to_dict judges reversibility too: only JSON reports it)
            records.append(to_dict(analysis))
        elif args.format == "text":
            print(verdict_line(analysis))
            for warning in analysis.warnings:
                print(f"      warning: {warning}")
        elif args.format == "github":
            # One annotation per failure and warning, at the line of the key it depends on
            # (the weights row, the embedded claim, a c entry, alpha ...), else at `order`.
            if analysis.passed:
                print(verdict_line(analysis))
            head = f"{analysis.scheme.name}, {describe(analysis)}"
            for level, found in [("error", f) for f in analysis.findings] + [
                ("warning", f) for f in analysis.warning_findings
            ]:
                line = _line_for(path, found.key) if found.key else None
                if line is None:
                    line = _line_for(path, ("order",))
                print(github_annotation(level, path, line, f"{head}: {found.message}"))
    if args.format == "json":
        _print_json(records)
    return status


def command_info(args: argparse.Namespace) -> int:
    from .analysis import analyse
    from .parsing import load_scheme
    from .report import error_dict, info_text, to_dict

    path = _scheme_path(args.path)
    try:
        analysis = analyse(load_scheme(path), full=True, strict=args.strict)
    except SchemeError as error:
        if error.path is None:
            error = error.located(path=path, line=_line_for(path, error.key))
        if args.format == "json":
            _print_json(error_dict(path, error))
        else:
            print(f"ERROR {error}", file=sys.stderr)
        return EXIT_INVALID
    if args.format == "json":
        _print_json(to_dict(analysis))
    else:
        print(info_text(analysis))
    return EXIT_OK if analysis.passed else EXIT_FAILED


def _compile_command(path: str, output: str | None, force: bool = False) -> str:
    """The ``tabc compile`` command line that rewrites ``path``'s module, as given."""
    import shlex

    target = f" -o {shlex.quote(output)}" if output is not None else ""
    return f"tabc compile{' --force' if force else ''}{target} {shlex.quote(path)}"


def command_compile(args: argparse.Namespace) -> int:
    from .compiler import (
        compile_file,
        compile_runtime,
        current_text,
        hand_edit_reason,
        header_only_difference,
        is_hand_edited,
    )
    from .report import verdict_line

    output = Path(args.output if args.output is not None else DEFAULT_OUTPUT)
    paths = args.paths or [DEFAULT_LIBRARY]
    status = EXIT_OK
    expected: set[Path] = set()
    # Named files are judged alone; a directory is a library, whose leftover modules are stale.
    judges_library = any(Path(given).is_dir() for given in paths)
    files = list(_scheme_files(paths))
    clashes = _name_clashes([path for path, missing in files if missing is None])
    for path, missing in files:
        try:
            if missing is not None:
                raise missing
            if path in clashes:
                line = _line_for(path, ("name",))
                raise SchemeError(clashes[path], path=path, key=("name",), line=line)
            result = compile_file(
                path, output, force=args.force, write=not args.check, strict=args.strict
            )
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
            current = current_text(result.target)
            if current != result.text:
                reason = "missing" if current is None else "differs from what tabc would write"
                foreign = current is not None and is_hand_edited(current)
                if foreign:
                    reason = hand_edit_reason(current)
                elif current is not None:
                    reason = header_only_difference(current, result.text) or reason
                hint = _compile_command(path, args.output, force=foreign)
                print(f"STALE {result.target}: {reason} (run `{hint}`)")
                status = max(status, EXIT_FAILED)
        else:
            if result.runtime_written:
                print(f"wrote {compile_runtime(output, write=False).target}")
            print(f"{'wrote' if result.written else 'unchanged'} {result.target}")
    count = len(expected)  # the scheme modules, not the support module they import
    if args.check and expected:
        status = max(status, _check_runtime(output, args.output))
    if args.check and judges_library and output.is_dir():
        support = compile_runtime(output, write=False).target
        for extra in sorted(set(output.glob("*.py")) - expected - {support}):
            if extra.name != "__init__.py":
                print(
                    f"STALE {extra}: no scheme file compiles to it (delete it, or restore its scheme)"
                )
                status = max(status, EXIT_FAILED)
    if args.check and status == EXIT_OK:
        print(f"{output}: up to date ({count} module{'' if count == 1 else 's'})")
    return status


def _check_runtime(output: Path, given: str | None) -> int:
    """``tabc compile --check``'s verdict on the support module the compiled modules import:
    EXIT_OK when ``output`` holds what tabc writes, else a STALE line and EXIT_FAILED."""
    import shlex

    from .compiler import compile_runtime, current_text, hand_edit_reason, is_hand_edited

    runtime = compile_runtime(output, write=False)
    current = current_text(runtime.target)
    if current == runtime.text:
        return EXIT_OK
    reason = "missing" if current is None else "differs from what tabc would write"
    force = current is not None and is_hand_edited(current)
    if force:
        reason = hand_edit_reason(current)
    target = f" -o {shlex.quote(given)}" if given is not None else ""
    hint = f"tabc compile{' --force' if force else ''}{target} SCHEME"
    print(f"STALE {runtime.target}: {reason} (run `{hint}` for any scheme compiled there)")
    return EXIT_FAILED


def _name_clashes(paths: Sequence[str]) -> dict[str, str]:
    """For each file whose ``name`` another file also has, why it is refused.

    Two schemes of one name compile to one module, and the second would silently replace the
    first; both are refused, before anything is written.  A file that cannot be read is left
    to the compile loop, which reports it.
    """
    from .parsing import load_scheme

    owners: dict[str, list[str]] = {}
    for path in paths:
        try:
            owners.setdefault(load_scheme(path).name, []).append(path)
        except SchemeError:
            continue
    clashes = {}
    for name, owned in owners.items():
        for path in owned if len(owned) > 1 else ():
            others = ", ".join(other for other in owned if other != path)
            clashes[path] = (
                f"{name!r} is also the name of {others}; both would compile to {name}.py, "
                "so neither is compiled: give each scheme its own name"
            )
    return clashes


def command_export(args: argparse.Namespace) -> int:
    from .export import ExportError, export_model

    require("torch")
    path = _scheme_path(args.path)
    _check_depth(path, args.depth)
    options = {"depth": args.depth, "num_classes": args.classes, "in_channels": args.channels}
    try:
        verdict = export_model(path, args.output, archive_format=args.format, model_options=options)
    except ExportError as error:
        print(f"tabc: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"wrote {args.output} ({args.format}); a fresh process with torch alone reproduced the "
        f"outputs to {verdict['worst']:.2g}"
    )
    return EXIT_OK


STARTING_STATES: dict[str, Callable[[Any], int]] = {
    "runge-kutta": lambda scheme: 1,
    "partitioned-runge-kutta": lambda scheme: 1,
    "linear-multistep": lambda scheme: scheme.steps,
}
"""The states each stage of a scheme's network starts from, by the scheme's kind: a k-step
scheme's k, one for a one-step scheme."""


def _read_sources(paths: Sequence[str]) -> list:
    """Each named source file read (:func:`.sources.read_source`); a file that cannot be read
    at all raises (exit 2) before any work on the others."""
    from .sources import read_source

    return [read_source(path) for path in paths]


def command_import(args: argparse.Namespace) -> int:
    """``tabc import SOURCE... -o DIR``: one scheme file per tableau found, all or nothing."""
    from .sources.writer import decide_orders, scheme_name, scheme_text

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        raise SchemeError("not a directory", path=args.output)
    reports = _read_sources(args.sources)
    planned: dict[Path, str] = {}
    lines: list[str] = []
    for report in reports:
        for line, reason in report.unreadable:
            print(f"unreadable {report.path}:{line}: {reason}", file=sys.stderr)
        for found in report.tableaus:
            try:
                decided = decide_orders(found, report.path)
            except SchemeError as error:
                raise SchemeError(
                    f"{found.name}: {error.message}", path=report.path, line=found.line
                ) from None
            order = found.declared_order or max(decided.order, 1)
            embedded = None
            if found.error_weights is not None or found.b_hat is not None:
                embedded = found.declared_embedded_order or max(decided.embedded_order or 1, 1)
            note = ""
            if found.declared_order is None:
                note += f"order = {order} is the order tabc decided (the source declares none). "
            if embedded is not None and found.declared_embedded_order is None:
                note += f"embedded_order = {embedded} is the order tabc decided. "
            text = scheme_text(found, report.path, order=order, embedded_order=embedded,
                               decided_note=note)  # fmt: skip
            from .parsing import parse_scheme

            parse_scheme(text, source=f"{report.path}:{found.line}")  # what is written reads back
            name = scheme_name(found.name)
            target = output / f"{name}.toml"
            number = 2
            while target in planned:
                unique = f"{name[:60]}_{number}"
                text = text.replace(f'name = "{name}"', f'name = "{unique}"', 1)
                target = output / f"{unique}.toml"
                number += 1
            if target.exists() and not args.force:
                raise SchemeError(
                    "exists: nothing was written (--force replaces it)", path=str(target)
                )
            planned[target] = text
            lines.append(f"wrote {target} ({report.path}:{found.line} {found.name})")
    from .atomic import write_atomically

    output.mkdir(parents=True, exist_ok=True)
    for target, text in planned.items():
        write_atomically(target, text)
    for line in lines:
        print(line)
    if not planned:
        print("no tableau found")
    return EXIT_OK


def command_audit(args: argparse.Namespace) -> int:
    """``tabc audit SOURCE...``: one line per tableau; exit 1 when a declaration is wrong."""
    from .report import github_annotation
    from .sources.audit import audit_tableau

    reports = _read_sources(args.sources)
    status = EXIT_OK
    records = []
    for report in reports:
        for found in report.tableaus:
            try:
                record = audit_tableau(found, report.path)
            except SchemeError as error:
                message = f"{found.name}: cannot be checked: {error.message}"
                if args.format == "text":
                    print(f"ERROR {report.path}:{found.line} {message}")
                elif args.format == "github":
                    print(github_annotation("error", report.path, found.line, message))
                else:
                    print(f"{report.path}:{found.line}: {message}", file=sys.stderr)
                status = EXIT_INVALID
                continue
            if record.wrong:
                status = max(status, EXIT_FAILED)
            if args.format == "json":
                records.append(record.to_dict())
            elif args.format == "text":
                print(record.line_text())
            else:
                for finding in record.findings:
                    print(
                        github_annotation(
                            "error", report.path, found.line, f"{found.name}: {finding}"
                        )
                    )
        for line, reason in report.unreadable:
            if args.format == "github":
                print(github_annotation("warning", report.path, line, f"not read: {reason}"))
            elif args.format == "text":
                print(f"unreadable {report.path}:{line}: {reason}")
            else:
                print(f"unreadable {report.path}:{line}: {reason}", file=sys.stderr)
        if args.format == "text" and not report.tableaus:
            print(f"{report.path}: no tableau found")
    if args.format == "json":
        _print_json(records)
    return status


def _check_depth(path: str, depth: int) -> None:
    """``--depth`` against the scheme, before any work: a k-step scheme's network starts each
    stage with k states, so it needs depth >= k (read from the file alone)."""
    from .parsing import load_scheme

    scheme = load_scheme(path)
    if depth < STARTING_STATES[scheme.kind](scheme):
        raise TabcError(
            f"argument --depth: {scheme.source or path} is a {scheme.steps}-step scheme, whose "
            f"network needs at least {scheme.steps} steps per stage, not {depth}"
        )


def command_models(args: argparse.Namespace) -> int:
    require("torch")
    from .training.model_source import model_inventory

    rows = model_inventory(num_classes=args.classes, in_channels=args.channels)
    if args.format == "json":
        _print_json(rows)
        return EXIT_OK
    width = max(len(row["name"]) for row in rows)
    counts = [f"{row['parameters']:,}" for row in rows]
    count_width = max(len(count) for count in counts)
    print(f"{'model':<{width}}  {'parameters':>{count_width}}  summary")
    for row, count in zip(rows, counts):
        print(f"{row['name']:<{width}}  {count:>{count_width}}  {row['summary']}")
    return EXIT_OK


# -- tabc plot and tabc inspect (issue 15) ---------------------------------------------------


def _extent(text: str):
    """``X0,X1,Y0,Y1`` to an :class:`~.plotting.Extent` that can be drawn
    (:func:`.options.extent_bounds`)."""
    from .plotting import Extent

    return Extent(*extent_bounds(text))


_extent.__name__ = "extent"


def command_plot(args: argparse.Namespace) -> int:
    from .parsing import load_scheme
    from .plotting import PlotError, curve_for, draw, plot_target
    from .wording import count

    target = plot_target(args.output)
    require("plot")
    curves = []
    skipped = []  # a scheme tabc plot cannot draw: the others are drawn, it is named
    for path, missing in _scheme_files(args.paths):
        try:
            if missing is not None:
                raise missing
            curve = curve_for(load_scheme(path), order_star=args.order_star)
        except PlotError as error:
            skipped.append(str(error))
            continue
        except SchemeError as error:
            if error.path is None:
                error = error.located(path=path, line=_line_for(path, error.key))
            print(f"tabc: {error}", file=sys.stderr)
            return EXIT_INVALID
        curves.append(curve)
    if not curves:  # nothing to draw: each reason, exit 2, nothing written
        for reason in skipped:
            print(f"tabc: {reason}", file=sys.stderr)
        return EXIT_INVALID
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)
    for curve in curves:
        for note in curve.notes:
            print(f"note: {note}", file=sys.stderr)
    extent = draw(curves, target, order_star=args.order_star, extent=args.extent,
                  resolution=args.resolution)  # fmt: skip
    box = f"[{extent.x0:.3g}, {extent.x1:.3g}] x [{extent.y0:.3g}, {extent.y1:.3g}]"
    left_out = f", {len(skipped)} skipped" if skipped else ""
    print(f"wrote {args.output} ({count(len(curves), 'scheme')}{left_out}, {box})")
    return EXIT_OK


def command_inspect(args: argparse.Namespace) -> int:
    require("torch")
    from .training.inspection import inspect_run

    reading = inspect_run(args.path, tolerance=args.tolerance)
    if args.format == "json":
        _print_json(reading.to_json())
    else:
        print("\n".join(reading.lines()))
    return EXIT_OK


def _milestones(text: str) -> tuple[int, ...]:
    """``80,120`` to (80, 120); ``none`` or an empty string: no drops."""
    if text.strip().lower() in ("", "none"):
        return ()
    epoch = integer(1)
    try:
        return tuple(epoch(part) for part in text.split(","))
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated epochs >= 1 such as 80,120, not {text!r}"
        ) from None


def _recipe(args: argparse.Namespace, model: str, model_args: dict, seed: int, out: str):
    from .training import TrainConfig

    return TrainConfig(
        model=model,
        model_args=model_args,
        data=args.data,
        data_dir=args.data_dir,
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        nesterov=args.nesterov,
        milestones=args.milestones,
        gamma=args.gamma,
        augment=not args.no_augment,
        seed=seed,
        device=args.device,
        out=Path(out),
        resume=args.resume,
        stop_after=args.stop_after,
        eval_batch_size=args.eval_batch_size,
        quiet=args.quiet,
        rank_weights=Path(args.rank_weights) if getattr(args, "rank_weights", None) else None,
        find_unused_parameters=args.find_unused_parameters,
        threads=args.threads,
    )


def _report_divergence(error: TabcError) -> int:
    print(f"tabc: {error}", file=sys.stderr)
    return EXIT_DIVERGED


def _model_or_scheme(name: str) -> str:
    """A registry name as it is; a scheme file, or the library file a missing name names."""
    if Path(name).exists() or name.endswith(".toml"):
        return _scheme_path(name)
    from .models import list_models

    return name if name in list_models() else _scheme_path(name)


def command_train(args: argparse.Namespace) -> int:
    require("train")
    from .errors import DivergedError
    from .training import parse_model_args, train
    from .training.compare import model_label
    from .training.distributed import Processes

    args.model = _model_or_scheme(args.model)
    grouped = parse_model_args(args.model_arg)
    if set(grouped) - {""}:
        raise TabcError("--model-arg MODEL:KEY=VALUE is for `tabc compare`; use KEY=VALUE")
    out = args.out or f"runs/{model_label(args.model)}_{args.data}_seed{args.seed}"
    config = _recipe(args, args.model, grouped.get("", {}), args.seed, out)
    quiet = args.quiet
    try:
        result = train(config, log=None if quiet else print)
    except DivergedError as error:
        return _report_divergence(error)
    if Processes.from_environment().is_main:
        print(result.line())
    return EXIT_OK


def command_compare(args: argparse.Namespace) -> int:
    require("train")
    from .errors import DivergedError
    from .training import compare, markdown_table, parse_model_args
    from .training.compare import COMPARE_MD, describe_recipe
    from .training.distributed import Processes

    args.models = [_model_or_scheme(model) for model in args.models]
    grouped = parse_model_args(args.model_arg)
    recipe = _recipe(args, args.models[0], {}, args.seed, args.out)
    seeds = list(range(args.seed, args.seed + args.seeds))
    try:
        rows = compare(
            args.models, seeds, recipe, grouped, Path(args.out), log=None if args.quiet else print
        )
    except DivergedError as error:
        return _report_divergence(error)
    if Processes.from_environment().is_main:
        print()
        print(markdown_table(rows))
        print(describe_recipe(recipe.resolved(), seeds))
        print(f"wrote {Path(args.out) / COMPARE_MD} (and compare.csv, runs.csv, compare.png)")
    return EXIT_OK


def _add_recipe_options(parser: argparse.ArgumentParser) -> None:
    data = parser.add_argument_group("data")
    data.add_argument("--data", choices=("digits", "cifar10", "synthetic"), default="digits",
                      help="digits: scikit-learn's 8x8 digits (default, offline); cifar10: "
                      "the python batches in --data-dir; synthetic: generated patterns")  # fmt: skip
    data.add_argument("--data-dir", metavar="DIR",
                      help="CIFAR-10: the directory of data_batch_1..5 and test_batch (or its "
                      "parent holding cifar-10-batches-py); never downloaded")  # fmt: skip
    data.add_argument("--no-augment", action="store_true",
                      help="no random crops or flips (cifar10: pad-4 crops and flips; digits: "
                      "1-pixel shifts, no flips)")  # fmt: skip
    recipe = parser.add_argument_group("recipe (defaults: the papers' CIFAR recipe)")
    recipe.add_argument("--epochs", type=integer(1),
                        help="default: 15 for digits, 160 for cifar10, 5 for synthetic")  # fmt: skip
    recipe.add_argument(
        "--lr", type=real(0, low_open=True), default=0.1, help="initial learning rate (0.1)"
    )
    recipe.add_argument("--batch-size", type=integer(1), metavar="N",
                        help="global batch, split over processes (default: 64 for digits and "
                        "synthetic, 128 for cifar10)")  # fmt: skip
    recipe.add_argument(
        "--momentum", type=real(0, 1, high_open=True), default=0.9, help="SGD momentum (0.9)"
    )
    recipe.add_argument("--nesterov", action="store_true", help="Nesterov momentum")
    recipe.add_argument("--weight-decay", type=real(0), default=1e-4, help="L2 weight decay (1e-4)")
    recipe.add_argument("--milestones", type=_milestones, metavar="E1,E2",
                        help="epochs after which lr is multiplied by --gamma (default: 50 %% "
                        "and 75 %% of --epochs; 'none' for a constant lr)")  # fmt: skip
    recipe.add_argument("--gamma", type=real(0, low_open=True), default=0.1,
                        help="lr factor at each milestone (0.1)")  # fmt: skip
    recipe.add_argument("--model-arg", action="append", default=[], metavar="KEY=VALUE",
                        help="keyword argument of the model, a Python literal (repeatable): "
                        "widths=(16,16,16), stochastic_depth=True, mixing=learned")  # fmt: skip
    run = parser.add_argument_group("run")
    run.add_argument("--device", default="auto",
                     help="auto (CUDA when present, else CPU), cpu, cuda, cuda:1 ...")  # fmt: skip
    run.add_argument("--threads", type=integer(1), metavar="N",
                     help="CPU threads for torch (default: 1 on a machine of at most 4 CPUs "
                     "or for a batch of at most 32x32x32 pixels, else torch's choice; "
                     "OMP_NUM_THREADS is followed; the run's first line and config.json say "
                     "which)")  # fmt: skip
    run.add_argument("--eval-batch-size", type=integer(1), default=500, metavar="N",
                     help="batch size for evaluating the test set (default 500)")  # fmt: skip
    run.add_argument("--resume", action="store_true",
                     help="continue from OUT/checkpoint.pt (exactly: same batches, same random "
                     "states); a finished run is read back")  # fmt: skip
    run.add_argument("--stop-after", type=integer(1), metavar="EPOCHS",
                     help="stop after this many epochs, as if interrupted (--resume goes on)")  # fmt: skip
    run.add_argument("--find-unused-parameters", action="store_true",
                     help="DDP: allow parameters without gradients in a step (automatic for "
                     "stochastic depth)")  # fmt: skip
    run.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no per-epoch lines")  # fmt: skip


def _add_json_alias(parser: Any) -> None:
    """``--json``: the same as ``--format json`` (one spelling across commands, this one
    kept as an alias)."""
    parser.add_argument("--json", dest="format", action="store_const", const="json",
                        help="the same as --format json")  # fmt: skip


def _add_format(parser: Any, help_text: str) -> None:
    """``--format text|json`` and its alias ``--json``."""
    parser.add_argument("--format", choices=("text", "json"), default="text", help=help_text)
    _add_json_alias(parser)


def _add_network_shape(parser: Any) -> None:
    """``--classes`` and ``--channels`` of a network, bounded (:mod:`.options`)."""
    parser.add_argument("--classes", type=integer(1, MAX_CLASSES), default=10,
                        help="output classes (default 10)")  # fmt: skip
    parser.add_argument("--channels", type=integer(1, MAX_CHANNELS), default=3,
                        help="input channels (default 3)")  # fmt: skip


def _add_strict(parser: Any) -> None:
    """``--strict``, a plain switch shared by the commands that judge a scheme."""
    parser.add_argument("--strict", action="store_true",
                        help="for CI: fail on what a file's conventions would excuse (a step "
                        'rescaling under step_scaling = "absorbed", a written c that lowers '
                        'the order under nodes = "row-sums"), and refuse learnable bounds '
                        "that leave a multistep family's zero-stable region")  # fmt: skip


COMMANDS = (
    "check", "compile", "export", "info", "plot", "inspect", "models", "train", "compare",
    "import", "audit",
)  # fmt: skip


class _NotBuilt:
    """The parser of a subcommand that is not being run: its options are not built."""

    def add_argument(self, *args: object, **kwargs: object) -> None:
        pass

    def add_argument_group(self, *args: object, **kwargs: object) -> _NotBuilt:
        return self

    def set_defaults(self, **kwargs: object) -> None:
        pass


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``tabc`` parser; given ``command``, with that subcommand's parser alone.

    ``tabc check`` has no use for train's two dozen options, and building every subcommand
    costs milliseconds at each start: :func:`main` builds all of them only when the first
    argument names none (``--help``, ``--version``, a misspelt command).
    """
    parser = Parser(
        prog="tabc",
        description="tabc, the Butcher-tableau architecture compiler: check numerical schemes "
        "exactly and compile them into PyTorch residual networks.",
    )
    parser.add_argument("--version", action="version", version=f"tabc {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_command(name: str, **kwargs: Any) -> Any:
        if command is not None and name != command:
            return _NotBuilt()
        return commands.add_parser(name, **kwargs)

    check = add_command(
        "check",
        help="decide whether schemes reach the order they claim",
        description="Exit 0 when every scheme is valid and reaches its claimed order (multistep "
        "schemes: consistent and zero-stable too), 1 when one misses, 2 for invalid input.",
    )
    check.add_argument("paths", nargs="+", metavar="PATH",
                       help="scheme files or directories (every *.toml below them); a missing "
                       "NAME or NAME.toml is the library's tableaus/NAME.toml")  # fmt: skip
    check.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="one line per file (default), JSON, or GitHub annotations")  # fmt: skip
    _add_json_alias(check)
    _add_strict(check)
    check.set_defaults(handler=command_check)

    compile_ = add_command(
        "compile",
        help="emit the PyTorch module of each scheme (generated/<name>.py)",
        description="Refuses a scheme that fails `tabc check` (exit 1). With --check, writes "
        "nothing and exits 1 when a module is missing or differs from what would be written.",
    )
    compile_.add_argument("paths", nargs="*", default=[], metavar="PATH",
                          help="scheme files or directories (default: tableaus); a missing "
                          "NAME or NAME.toml is the library's tableaus/NAME.toml")  # fmt: skip
    compile_.add_argument("-o", "--output", metavar="DIR",
                          help="where the modules go (default: generated)")  # fmt: skip
    compile_.add_argument("--check", action="store_true",
                          help="verify the modules of the named files are up to date instead of "
                          "writing (a directory: also that DIR holds no module left over)")  # fmt: skip
    compile_.add_argument("--force", action="store_true",
                          help="overwrite modules that were edited by hand")  # fmt: skip
    _add_strict(compile_)
    compile_.set_defaults(handler=command_compile)

    export = add_command(
        "export",
        help="script the scheme's ResNet and save it, verified in a fresh process",
        description="Builds build_model() of the compiled scheme, saves it as TorchScript (or a "
        "torch.export program with a dynamic batch size), and checks that a fresh Python process "
        "with torch alone (no tabc, no Triton) reproduces its outputs.",
    )
    export.add_argument("path", metavar="FILE",
                        help="the scheme file (a missing NAME or NAME.toml: the library's)")  # fmt: skip
    export.add_argument("-o", "--output", required=True, metavar="ARCHIVE",
                        help="the archive to write, relative to the working directory "
                        "(model.pt, out/model.pt2); written only once verified")  # fmt: skip
    export.add_argument("--format", choices=("torchscript", "pt2"), default="torchscript",
                        help="torchscript (default, torch.jit) or pt2 (torch.export, dynamic "
                        "batch size)")  # fmt: skip
    export.add_argument("--depth", type=integer(1, MAX_DEPTH), default=3,
                        help="steps per stage (default 3; at least k for a k-step scheme)")  # fmt: skip
    _add_network_shape(export)
    export.set_defaults(handler=command_export)

    info = add_command("info", help="the full report on one scheme")
    info.add_argument("path", metavar="FILE",
                      help="the scheme file (a missing NAME or NAME.toml: the library's)")  # fmt: skip
    info.add_argument("--format", choices=("text", "json"), default="text",
                      help="a report for people (default) or JSON")  # fmt: skip
    _add_json_alias(info)
    _add_strict(info)
    info.set_defaults(handler=command_info)

    plot = add_command(
        "plot",
        help="draw stability regions (Runge–Kutta) and boundary loci (multistep) as PNG or SVG",
        description="Draws {z : |R(z)| <= 1} of Runge–Kutta schemes (R exact, evaluated in "
        "float64 on a grid) and the boundary locus rho/sigma(e^(i theta)) with the region "
        "where every root of rho(zeta) - z sigma(zeta) lies in the unit disc for multistep "
        "schemes, several files overlaid, stability interval ends marked. Exit 2 for invalid "
        "input or an option it cannot draw.",
    )
    plot.add_argument("paths", nargs="+", metavar="FILE",
                      help="scheme files or directories (a missing NAME or NAME.toml: the "
                      "library's)")  # fmt: skip
    plot.add_argument("-o", "--output", default="stability.png", metavar="OUT",
                      help="the picture, .png or .svg, relative to the working directory "
                      "(default stability.png)")  # fmt: skip
    plot.add_argument("--order-star", action="store_true",
                      help="draw the order star {z : |R(z) e^(-z)| <= 1} (Runge–Kutta only)")  # fmt: skip
    plot.add_argument("--extent", type=_extent, metavar="X0,X1,Y0,Y1",
                      help="the rectangle drawn (default: from the boundaries and intervals)")  # fmt: skip
    plot.add_argument("--resolution", type=integer(MIN_RESOLUTION, MAX_RESOLUTION),
                      default=600, metavar="N",
                      help=f"grid points along the real axis, {MIN_RESOLUTION} to "
                      f"{MAX_RESOLUTION} (default 600)")  # fmt: skip
    plot.set_defaults(handler=command_plot)

    import_ = add_command(
        "import",
        help="read the tableaus of other libraries' source files into scheme files",
        description="Reads Python (scipy, torchdiffeq, diffrax, nodepy), Julia "
        "(DiffEqDevTools, OrdinaryDiffEq) and C (SUNDIALS ARKODE) source files as text -- never "
        "executed -- and writes one scheme file per tableau found to DIR, exact where the "
        "source is exact, with its provenance and declared orders. Forms not read are listed "
        "with their line. Exit 2 (nothing written) for a file that cannot be read or a tableau "
        "beyond the format's limits. See docs/import-audit.md.",
    )
    import_.add_argument("sources", nargs="+", metavar="SOURCE",
                         help="source files: *.py, *.jl, *.c, *.h, *.def")  # fmt: skip
    import_.add_argument("-o", "--output", required=True, metavar="DIR",
                         help="where the scheme files go (created if missing)")  # fmt: skip
    import_.add_argument("--force", action="store_true",
                         help="replace scheme files that exist")  # fmt: skip
    import_.set_defaults(handler=command_import)

    audit = add_command(
        "audit",
        help="check every tableau of other libraries' source files against its declarations",
        description="One line per tableau found: stages, declared and decided orders, the sum "
        "of the error weights, c against the row sums, FSAL. Exit 0 when every declaration "
        "holds, 1 when one is wrong, 2 for a file that cannot be read. See "
        "docs/import-audit.md.",
    )
    audit.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="source files: *.py, *.jl, *.c, *.h, *.def")  # fmt: skip
    audit.add_argument("--format", choices=("text", "json", "github"), default="text",
                       help="one line per tableau (default), JSON, or GitHub annotations")  # fmt: skip
    _add_json_alias(audit)
    audit.set_defaults(handler=command_audit)

    inspect = add_command(
        "inspect",
        help="read a trained network back as a scheme (k_n of LM blocks, learned mixing)",
        description="Reads RUN_DIR/checkpoint.pt (or a checkpoint file) with weights_only, "
        "rebuilds the network from its recipe and reports what it learned: for LM networks "
        "k_n per block, whether each block's step is consistent and zero-stable and its step "
        "factor; for learned-mixing RKCNN steps how far the mixing moved from its tableau and "
        "which order conditions the nearest scalar tableau still meets. Exit 2 for a file "
        "that is not a readable tabc checkpoint.",
    )
    inspect.add_argument("path", metavar="RUN_DIR", help="a run directory or its checkpoint.pt")
    _add_format(inspect, "a report for people (default) or JSON")
    inspect.add_argument("--tolerance", type=real(0, low_open=True), default=1e-6, metavar="T",
                         help="an order condition of a learned tableau counts as met when its "
                         "residual is at most T (default 1e-6)")  # fmt: skip
    inspect.set_defaults(handler=command_inspect)

    models = add_command(
        "models",
        help="list the registered networks with their parameter counts",
        description="Every name `tabc train` accepts, with its parameter count (built on "
        "torch's meta device, so no memory is used) and what it is.",
    )
    _add_format(models, "a table (default) or a JSON list")
    _add_network_shape(models)
    models.set_defaults(handler=command_models)

    train = add_command(
        "train",
        help="train a registered network or a scheme file's network",
        description="Train MODEL (a name from `tabc models`, or a scheme file *.toml, compiled "
        "into OUT/scheme/) with SGD and a step schedule; a checkpoint, metrics.csv/json and "
        "curve.png go to OUT after every epoch. Under torchrun it trains with "
        "DistributedDataParallel. Exit 0 when done, 2 for invalid input, 3 when the loss "
        "becomes NaN or infinite (the last good checkpoint is kept).",
    )
    train.add_argument("model", metavar="MODEL_OR_SCHEME_FILE",
                       help="a name from `tabc models`, or a scheme file (a library name such "
                       "as rk4 is the library's tableaus/rk4.toml)")  # fmt: skip
    train.add_argument("--seed", type=integer(0, 2**63 - 1), default=0,
                       help="seed of weights, batches and "
                       "augmentation (default 0)")  # fmt: skip
    train.add_argument("-o", "--out", metavar="DIR",
                       help="output directory (default: runs/<model>_<data>_seed<seed>)")  # fmt: skip
    train.add_argument("--rank-weights", metavar="DIR",
                       help="every process saves its final weights to DIR/rank<N>.pt (to check "
                       "that DDP replicas agree)")  # fmt: skip
    _add_recipe_options(train)
    train.set_defaults(handler=command_train)

    compare = add_command(
        "compare",
        help="train several models over several seeds and tabulate test error",
        description="Train each MODEL with each seed under one recipe (sequentially, in "
        "OUT/<model>/seed<N>) and write the papers' table -- parameters, test error mean ± "
        "std (%), time per epoch -- as compare.md, compare.csv and compare.png.",
    )
    compare.add_argument("models", nargs="+", metavar="MODEL",
                         help="names from `tabc models` or scheme files")  # fmt: skip
    compare.add_argument("--seeds", type=integer(1), default=3,
                         help="seeds per model (default 3)")  # fmt: skip
    compare.add_argument("--seed", type=integer(0, 2**63 - 1), default=0,
                         help="the first seed (default 0)")  # fmt: skip
    compare.add_argument("-o", "--out", default="runs/compare", metavar="DIR",
                         help="output directory (default: runs/compare)")  # fmt: skip
    _add_recipe_options(compare)
    compare.set_defaults(handler=command_compare, rank_weights=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    argv = negative_values_attached(argv, ("--extent",))  # `--extent -3,3,-3,3` is a value
    args = build_parser(argv[0] if argv and argv[0] in COMMANDS else None).parse_args(argv)
    try:
        with _unwinding_on_sigterm(args.command):
            if args.command in ("check", "info", "compile", "export"):  # they print scheme text
                from .terminal import guarded_output

                with guarded_output():
                    return _run(args)
            return _run(args)
    except KeyboardInterrupt:
        return 130


READ_ONLY_COMMANDS = ("check", "info", "inspect", "models", "audit")
"""Commands that write no file and hold no lock: SIGTERM may end them where they stand."""


def _unwinding_on_sigterm(command: str) -> AbstractContextManager[None]:
    """SIGTERM, like Ctrl-C, unwinds a command that writes: no temporary file or run lock
    is left behind (:func:`~.atomic.terminating_cleanly`)."""
    if command in READ_ONLY_COMMANDS:  # nothing to clean up: spare the signal machinery
        return nullcontext()
    from .atomic import terminating_cleanly

    return terminating_cleanly()


def _run(args: argparse.Namespace) -> int:
    """The command's handler, with its errors turned into exit codes."""
    try:
        return args.handler(args)
    except TabcError as error:
        print(f"tabc: {error}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # `tabc models | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except RecursionError:
        print("tabc: input nested too deeply", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
