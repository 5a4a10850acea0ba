"""What tabc prints carries no hidden characters from the files it reads.

A title, a reference or a file name from a stranger's scheme could hold terminal escape
sequences (ESC ... sets a window title, OSC 8 forges links, ``ESC[2J`` clears the screen) or
bidi and zero-width format characters that make a line read otherwise than it is.  The
commands that read scheme files print through :func:`guarded_output`, which writes every such
character as a ``\\uXXXX`` escape: visible to a person, and the same escape JSON uses, so a
JSON report stays valid JSON that decodes to the same strings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = ["guarded_output", "visible"]

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_KEPT = frozenset("\n")


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, format, separator, surrogate, private-use and unassigned
    character except the newline written as an escape."""
    if text.isprintable():  # the common case: nothing to do
        return text
    import unicodedata  # only for text that needs it

    return "".join(
        _escape(ch) if ch not in _KEPT and unicodedata.category(ch) in _HIDDEN_CATEGORIES else ch
        for ch in text
    )


class _VisibleStream:
    """A text stream whose writes pass through :func:`visible`; everything else is the
    wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def guarded_output() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` print hidden characters as escapes."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _VisibleStream(saved[0]), _VisibleStream(saved[1])  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
