"""The errors tabc raises: a small hierarchy of our own.

Every error about an input file knows the file, the key path inside it and,
where one is known, the line.  The command-line interface turns any
:class:`TabcError` into a one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

KeyPart = str | int
"""One step of a key path: a table key, or a 0-based array index."""


def format_key_path(parts: Sequence[KeyPart]) -> str:
    """Render a key path as a reader writes it: ``tableau.a[3][2]``.

    Array indices are stored 0-based and shown 1-based, matching the
    mathematical indexing of a_ij (row i, column j, counting from 1) that the
    scheme format uses.  Keys that are not bare TOML keys are quoted.
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            shown = part if _is_bare_key(part) else _quote_key(part)
            text += f".{shown}" if text else shown
    return text


def _is_bare_key(key: str) -> bool:
    return bool(key) and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key)


def _quote_key(key: str) -> str:
    escaped = key.encode("unicode_escape").decode("ascii").replace('"', '\\"')
    return f'"{escaped}"'


class TabcError(Exception):
    """Base class of every error tabc reports to a user."""


class SchemeError(TabcError):
    """A scheme file breaks the format: names the file, the key path and the line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        key: Sequence[KeyPart] = (),
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.key = tuple(key)
        self.line = line

    @property
    def key_path(self) -> str:
        return format_key_path(self.key)

    def located(self, *, path: str | None = None, line: int | None = None) -> SchemeError:
        """A copy of this error that also names the file and line (kept if already set)."""
        return type(self)(
            self.message,
            path=self.path or path,
            key=self.key,
            line=self.line if self.line is not None else line,
        )

    def __str__(self) -> str:
        where = self.path or "<scheme>"
        if self.line is not None:
            where += f":{self.line}"
        if self.key:
            where += f": {self.key_path}"
        return f"{where}: {self.message}"


class TomlSyntaxError(SchemeError):
    """The file is not valid TOML 1.0 (or not UTF-8)."""


class SchemaError(SchemeError):
    """A key is missing, unknown, or holds a value of the wrong type or shape."""


class CoefficientError(SchemeError):
    """A coefficient expression is malformed, unsafe or too large to accept."""


class LimitError(CoefficientError):
    """An input exceeds one of the documented size limits."""


class AnalysisError(TabcError):
    """The analysis cannot decide a question it was asked (never a wrong answer)."""


class TrainingError(TabcError):
    """``tabc train`` or ``tabc compare`` cannot start or go on: bad option, data or checkpoint."""


class DivergedError(TrainingError):
    """The training loss became NaN or infinite; the last good checkpoint was kept."""
