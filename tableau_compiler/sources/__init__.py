"""Tableaus where they live: reading other libraries' source files (``tabc import``, ``audit``).

One module per source language, each a reader of literal forms (:mod:`.literals`): the file
is text, split into tokens and read, never executed and never imported.  Each reader returns
the tableaus it finds with their provenance (file, line, the name the source uses: the
constant, function or class) and the orders the source declares, converted to the textbook
layout (full A, b, c; embedded weights b̂ or error weights e = b − b̂, tabc's sign), and the
forms it cannot read, each with its line and why.  See docs/import-audit.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import limits
from ..errors import SchemeError
from .literals import Failed, Scalar, Unreadable

__all__ = ["LANGUAGES", "FoundTableau", "SourceReport", "read_source"]

LANGUAGES = {".py": "python", ".jl": "julia", ".c": "c", ".h": "c", ".def": "c"}
"""File suffix -> the reader of that language."""


@dataclass(frozen=True)
class FoundTableau:
    """One tableau found in a source file, in the textbook layout (HNW I.II.1)."""

    name: str
    """As the source names it: the constant, function or class."""
    line: int
    library: str
    """Whose convention it was read in: scipy, torchdiffeq, diffrax, nodepy, DiffEqDevTools,
    OrdinaryDiffEq, ARKODE."""
    a: tuple[tuple[Scalar, ...], ...]
    """The full s×s matrix A."""
    b: tuple[Scalar, ...]
    c: tuple[Scalar, ...] | None = None
    b_hat: tuple[Scalar, ...] | None = None
    error_weights: tuple[Scalar, ...] | None = None
    """e = b − b̂ (tabc's sign, whatever the source's)."""
    declared_order: int | None = None
    declared_embedded_order: int | None = None
    fsal_claimed: bool | None = None
    notes: tuple[str, ...] = ()
    """Conventions applied (FSAL extension, sign of E, c shifted) and dense output recognised."""

    @property
    def stages(self) -> int:
        return len(self.b)


@dataclass
class SourceReport:
    """What one source file holds: the tableaus found and the forms not read."""

    path: str
    language: str
    tableaus: list[FoundTableau] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)


def read_source(path: str) -> SourceReport:
    """Read the tableaus of the source file ``path``.

    Raises :class:`~tableau_compiler.errors.SchemeError` (exit 2) for a file that is missing,
    not a regular file, larger than :data:`~tableau_compiler.limits.MAX_FILE_BYTES`, not
    UTF-8, or of a language no reader reads (by its suffix: ``.py``, ``.jl``, ``.c``/``.h``/
    ``.def``).
    """
    from ..regular_file import read_regular_file

    language = LANGUAGES.get(Path(path).suffix.lower())
    if language is None:
        known = ", ".join(sorted(LANGUAGES))
        raise SchemeError(
            f"no reader for this kind of file (the suffixes read: {known})", path=path
        )
    raw = read_regular_file(
        Path(path),
        limits.MAX_FILE_BYTES,
        "a source file",
        lambda message: SchemeError(message, path=path),
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SchemeError(f"not UTF-8 text (byte {error.start})", path=path) from None
    report = SourceReport(path, language)
    if language == "python":
        from .python import read_python as reader
    elif language == "julia":
        from .julia import read_julia as reader
    else:
        from .c import read_c as reader
    reader(text, report)
    report.tableaus.sort(key=lambda found: found.line)
    report.unreadable.sort()
    return report


# --------------------------------------------------------------------------- shared shapes


def vector(value: object, line: int, what: str) -> tuple[Scalar, ...]:
    """``value`` as a vector of scalars (a 1×n or n×1 matrix too)."""
    if isinstance(value, Failed):
        raise Unreadable(f"{what}: {value.reason}", value.line)
    if isinstance(value, Scalar):
        return (value,)
    if isinstance(value, list):
        if all(isinstance(x, list) and len(x) == 1 for x in value) and value:
            value = [x[0] for x in value]
        if len(value) == 1 and isinstance(value[0], list):
            value = value[0]
        if all(isinstance(x, Scalar) for x in value):
            return tuple(value)  # type: ignore[arg-type]
        for x in value:
            if isinstance(x, Failed):
                raise Unreadable(f"{what}: {x.reason}", x.line)
    raise Unreadable(f"{what} is not a list of numbers", line)


def matrix(value: object, line: int, what: str) -> list[list[Scalar]]:
    """``value`` as a list of rows of scalars (a one-entry vector is 1×1)."""
    if isinstance(value, Failed):
        raise Unreadable(f"{what}: {value.reason}", value.line)
    if isinstance(value, Scalar):
        return [[value]]
    if isinstance(value, list) and all(isinstance(x, Scalar) for x in value) and len(value) == 1:
        return [[value[0]]]  # type: ignore[list-item]
    if isinstance(value, list) and all(isinstance(x, list) for x in value):
        return [list(vector(row, line, what)) for row in value]
    raise Unreadable(f"{what} is not a matrix of numbers", line)


def square(rows: list[list[Scalar]], line: int, what: str) -> tuple[tuple[Scalar, ...], ...]:
    s = len(rows)
    if s == 0 or any(len(row) != s for row in rows):
        shape = f"{s}×{'/'.join(sorted({str(len(r)) for r in rows}))}" if rows else "empty"
        raise Unreadable(f"{what} is not square ({shape})", line)
    if s > limits.MAX_STAGES:
        raise Unreadable(f"{s} stages exceed the limit of {limits.MAX_STAGES}", line)
    return tuple(tuple(row) for row in rows)


def from_lower_rows(rows: list[tuple[Scalar, ...]], line: int, what: str,
                    diagonal: tuple[Scalar, ...] | None = None) -> tuple[tuple[Scalar, ...], ...]:  # fmt: skip
    """The full A of an explicit (or diagonally implicit) tableau written as rows 2..s of its
    lower triangle, row i listing its i − 1 entries (torchdiffeq's ``beta``, diffrax's
    ``a_lower``), with ``diagonal`` (diffrax's ``a_diagonal``) when given."""
    from .literals import ZERO

    s = len(rows) + 1
    for i, row in enumerate(rows, start=2):
        if len(row) != i - 1:
            raise Unreadable(f"{what}: row {i} lists {len(row)} entries, expected {i - 1}", line)
    if s > limits.MAX_STAGES:
        raise Unreadable(f"{s} stages exceed the limit of {limits.MAX_STAGES}", line)
    full = [[ZERO] * s for _ in range(s)]
    for i, row in enumerate(rows, start=1):
        full[i][: len(row)] = row
    if diagonal is not None:
        if len(diagonal) != s:
            raise Unreadable(
                f"{what}: the diagonal lists {len(diagonal)} entries, expected {s}", line
            )
        for i in range(s):
            full[i][i] = diagonal[i]
    return tuple(tuple(row) for row in full)


def integer(value: object) -> int | None:
    """A declared order: a non-negative integer literal, else None."""
    if isinstance(value, Scalar) and value.text.isdigit() and len(value.text) < 4:
        return int(value.text)
    return None
