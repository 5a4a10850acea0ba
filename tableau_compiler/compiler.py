"""``tabc compile``: checked scheme files to generated modules, written safely.

A scheme that fails ``tabc check`` is refused.  A module whose bytes already are the
generated text is not written at all.  Writes are atomic (a temporary file in the target
directory, then ``os.replace``, with the mode a plain write would give), so an interrupted
compile leaves the old module intact; a module whose body no longer matches the hash in its
header was edited by hand and is not overwritten without ``force``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import write_atomically
from .errors import TabcError

__all__ = [
    "CompileResult",
    "HandEditedError",
    "compile_file",
    "current_text",
    "generated_text",
    "is_hand_edited",
]

_BODY_HASH = re.compile(r"^# body-sha256: ([0-9a-f]{64})$", re.MULTILINE)


class HandEditedError(TabcError):
    """The target module was edited by hand since tabc wrote it."""


@dataclass(frozen=True)
class CompileResult:
    source: str
    target: Path
    analysis: Any
    text: str | None
    """The generated source, or None when the scheme failed its check."""
    written: bool = False
    """Whether ``target`` was (re)written; False when its bytes already were ``text``."""


def _display_path(path: Path) -> str:
    """The source as the header names it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def generated_text(path: str | Path, strict: bool = False) -> tuple[Any, Any, str | None]:
    """(scheme, analysis, module source or None if the scheme fails its check, judged
    ``strict``ly under ``--strict``)."""
    from .analysis import analyse
    from .codegen.render import render
    from .parsing import parse_scheme, read_scheme_file

    path = Path(path)
    raw = read_scheme_file(path)  # read once: the header hashes the bytes that were checked
    scheme = parse_scheme(raw, source=str(path))
    analysis = analyse(scheme, strict=strict)
    if not analysis.passed:
        return scheme, analysis, None
    return scheme, analysis, render(scheme, analysis, _display_path(path), raw)


def hand_edit_reason(text: str) -> str:
    """Why a module that is not tabc's current output must not be overwritten silently."""
    from .codegen.render import HEADER_LINES

    if _BODY_HASH.search("".join(text.splitlines(keepends=True)[:HEADER_LINES])) is None:
        return "not written by tabc (it has no tabc header), so it is someone else's module"
    return (
        "edited by hand since tabc generated it (its body no longer matches the hash in its header)"
    )


def is_hand_edited(text: str) -> bool:
    """Whether a generated module's body differs from the hash its header records."""
    from .codegen.render import HEADER_LINES, body_hash

    match = _BODY_HASH.search("".join(text.splitlines(keepends=True)[:HEADER_LINES]))
    if match is None:
        return True  # not written by tabc (or its header was edited)
    body = "".join(text.splitlines(keepends=True)[HEADER_LINES:])
    return body_hash(body) != match.group(1)


def compile_file(
    path: str | Path, output: Path, *, force: bool = False, write: bool = True,
    strict: bool = False,
) -> CompileResult:  # fmt: skip
    """Check and render one scheme; write ``output/<name>.py`` unless ``write`` is False.

    A target whose bytes already are the generated text is left alone (not even touched),
    so ``written`` tells a caller whether anything changed on disk.  Raises
    :class:`HandEditedError` when the target was edited by hand and ``force`` is not set.
    """
    scheme, analysis, text = generated_text(path, strict=strict)
    target = output / f"{scheme.name}.py"
    written = False
    if text is not None and write:
        try:
            existing = current_text(target)
            if existing != text:
                if existing is not None and not force and is_hand_edited(existing):
                    raise HandEditedError(
                        f"{target}: {hand_edit_reason(existing)}; use --force to overwrite"
                    )
                write_atomically(target, text)
                written = True
        except OSError as error:
            raise TabcError(f"{target}: cannot write: {error.strerror or error}") from None
    return CompileResult(str(path), target, analysis, text, written)


def current_text(target: Path) -> str | None:
    """The text of ``target`` byte for byte (no newline translation), or None when absent.

    Bytes that are not UTF-8 are replaced, so such a file never equals generated text.  Only
    a regular file of at most :data:`MAX_MODULE_BYTES` is read (a FIFO there would block the
    read for ever): :class:`TabcError` naming ``target`` otherwise.
    """
    from .regular_file import read_regular_file

    if not os.path.lexists(target):
        return None
    raw = read_regular_file(
        target, MAX_MODULE_BYTES, "a generated module", lambda why: TabcError(f"{target}: {why}")
    )
    return raw.decode("utf-8", errors="replace")


MAX_MODULE_BYTES = 64 * 1024 * 1024
"""The largest existing module ``tabc compile`` reads back to compare (the largest generated
module of the library, pd87.py, is 34 kB)."""
