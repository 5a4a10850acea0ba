"""Argument types shared by every ``tabc`` command: each option is validated by argparse,
before any work, with one line and exit status 2 (:class:`Parser`).

A numeric option takes its type from here (:func:`integer`, :func:`real`, :func:`extent`), so
that a new option gets the same checks: an integer in its range, a finite float in its range,
an extent that can be drawn.  Imports only the standard library: ``tabc check`` loads it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

__all__ = [
    "MAX_ASPECT",
    "MAX_CHANNELS",
    "MAX_CLASSES",
    "MAX_DEPTH",
    "MAX_EXTENT",
    "MAX_RESOLUTION",
    "MIN_RESOLUTION",
    "Parser",
    "extent_bounds",
    "integer",
    "negative_values_attached",
    "real",
]

MAX_DEPTH = 1_000
"""Steps per stage of an exported or listed network (3 stages of 1,000 blocks of 64-channel
convolutions is about 330 M parameters, 1.3 GB of float32: what one machine exports)."""
MAX_CLASSES = 100_000
"""Output classes (ImageNet-21k has 21,841)."""
MAX_CHANNELS = 1_024
"""Input channels."""
MIN_RESOLUTION = 32
"""Grid points along the real axis of ``tabc plot``: fewer draw no recognisable region."""
MAX_RESOLUTION = 4_000
"""At most 4,000 × 4,000 points: 16 M complex values, 256 MB, a few seconds per scheme."""
MAX_ASPECT = 100.0
"""The largest ratio of the drawn rectangle's sides (the axes keep one scale)."""
MAX_EXTENT = 1e6
"""The largest |coordinate| ``tabc plot`` draws; beyond it float64's grid and the picture's
labels lose the region (every stability region of interest lies well inside)."""


class Parser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors are one line (exit status 2):
    ``tabc export: argument --depth: expected an integer from 1 to 1000, not '0' (see tabc
    export --help)``, not the usage block before it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _help_formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: {message} (see `{self.prog} --help`)\n")
        sys.exit(2)


def _help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's help formatter at the terminal's width, found as ``shutil.get_terminal_size``
    finds it (``COLUMNS``, then the terminal, else 80) without importing shutil: argparse
    imports it for every parser it builds, 4 ms of a 0.15 s ``tabc check``."""
    try:
        width = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            width = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, OSError, ValueError):
            width = 80
    return argparse.HelpFormatter(prog, width=max(width, 20) - 2)


def integer(low: int, high: int | None = None) -> Callable[[str], int]:
    """The argparse type of an integer option from ``low`` to ``high`` (inclusive; no upper
    bound when None)."""

    def parse(text: str) -> int:
        wanted = f"an integer from {low:,} to {high:,}" if high is not None else (
            f"an integer >= {low:,}"
        )  # fmt: skip
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}")
        return value

    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def real(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> Callable[[str], float]:
    """The argparse type of a finite float option in [low, high] (an end ``None``: no bound;
    ``low_open``/``high_open``: that end excluded).  NaN and ±inf are refused."""
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    wanted = "a finite number" + (f" {' and '.join(parts)}" if parts else "")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}") from None
        below = low is not None and (value <= low if low_open else value < low)
        above = high is not None and (value >= high if high_open else value > high)
        if not math.isfinite(value) or below or above:
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def extent_bounds(text: str) -> tuple[float, float, float, float]:
    """``X0,X1,Y0,Y1`` as four floats that can be drawn: finite, X0 < X1 and Y0 < Y1, every
    coordinate within ±:data:`MAX_EXTENT`, sides within a factor :data:`MAX_ASPECT` of each
    other, and each side wide enough that a grid of
    :data:`MAX_RESOLUTION` points along it has distinct float64 values."""
    example = "such as -6,2,-4,4"
    try:
        x0, x1, y0, y1 = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected four numbers X0,X1,Y0,Y1 {example}, not {text!r}"
        ) from None
    values = (x0, x1, y0, y1)
    if not all(map(math.isfinite, values)) or not (x0 < x1 and y0 < y1):
        raise argparse.ArgumentTypeError(
            f"need finite X0 < X1 and Y0 < Y1 ({example}), not {text!r}"
        )
    if max(map(abs, values)) > MAX_EXTENT:
        raise argparse.ArgumentTypeError(
            f"every coordinate must lie within ±{MAX_EXTENT:g}, not {text!r}"
        )
    ratio = (x1 - x0) / (y1 - y0)
    if not 1 / MAX_ASPECT <= ratio <= MAX_ASPECT:
        raise argparse.ArgumentTypeError(
            f"the rectangle's sides differ by a factor {max(ratio, 1 / ratio):.3g}, above "
            f"{MAX_ASPECT:g} (the picture keeps the scale of both axes equal), not {text!r}"
        )
    for low, high, axis in ((x0, x1, "X"), (y0, y1, "Y")):
        size = max(abs(low), abs(high))
        if (high - low) < 1e-9 * max(size, 1e-300) or (high - low) < 1e-12:
            raise argparse.ArgumentTypeError(
                f"the {axis} side {high - low:.3g} is too narrow to draw (at least 1e-12 and "
                f"1e-9 of its coordinates' size), not {text!r}"
            )
    return values


def negative_values_attached(argv: Sequence[str], options: Sequence[str]) -> list[str]:
    """``argv`` with ``--extent -3,3,-3,3`` written as ``--extent=-3,3,-3,3``.

    argparse reads a value that starts with ``-`` and is not a plain number as an option, so
    a spaced extent whose first coordinate is negative (the usual case) would be refused; the
    value after one of ``options`` is attached to it when it starts with ``-`` followed by a
    digit or a dot."""
    out: list[str] = []
    items = list(argv)
    index = 0
    while index < len(items):
        item = items[index]
        following = items[index + 1] if index + 1 < len(items) else None
        if (
            item in options
            and following is not None
            and len(following) > 1
            and following[0] == "-"
            and (following[1].isdigit() or following[1] == ".")
        ):
            out.append(f"{item}={following}")
            index += 2
            continue
        if item == "--":
            out.extend(items[index:])
            break
        out.append(item)
        index += 1
    return out
