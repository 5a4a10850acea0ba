"""Source lines for the values of a TOML document.

The standard library's :mod:`tomllib` parses TOML but forgets where each value
was written.  When a scheme file is valid TOML but holds a wrong value, tabc's
error message should still name the line, as in ``rk4.toml:9: tableau.a[3][2]:
...``.  This module recovers those lines with a small hand-written scanner.

The scanner trusts that the document has already been accepted by
:mod:`tomllib`; it follows the structure of TOML 1.0 (tables, arrays of tables,
dotted and quoted keys, every kind of string, arrays and inline tables nested to
any depth) but does not check everything a parser must.  Nested arrays and
inline tables are followed with an explicit stack, never by recursion, so no
depth of nesting can exhaust Python's recursion limit.

Key paths are tuples of parts: table and key names as ``str``, array indices
as 0-based ``int``, the same shape as :data:`tableau_compiler.errors.KeyPart`.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["KeyPath", "key_lines", "line_of", "scalar_texts"]

KeyPath = tuple[str | int, ...]
"""A path to a value: table/key names and 0-based array indices."""

_BARE_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_")
_HEX_DIGITS = frozenset(string.hexdigits)
_SIMPLE_ESCAPES = {
    "b": "\b",
    "t": "\t",
    "n": "\n",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",  # TOML 1.1, harmless to accept
    '"': '"',
    "\\": "\\",
}
_HEX_ESCAPE_WIDTHS = {"x": 2, "u": 4, "U": 8}  # \x is TOML 1.1, harmless to accept
# A number, boolean, date or time runs up to the next delimiter.  Local
# date-times may contain a space, so whitespace is not a delimiter.
_SCALAR = re.compile(r"[^,\]}#\r\n]+")


def key_lines(text: str) -> dict[KeyPath, int]:
    """Map every key path of the TOML document ``text`` to the 1-based line of its value.

    A key's line is where its value starts; an array element's line is where
    that element starts; a table's line is that of its ``[header]`` (for an
    array of tables, the first ``[[header]]`` for the array and each header for
    its element), or of the first dotted key that creates it.

    ``text`` should be a document that :func:`tomllib.loads` accepts.  On other
    text the result is unspecified, and :class:`ValueError` may be raised where
    the scanner cannot follow it.
    """
    return _Scanner(text).run()


def scalar_texts(text: str) -> dict[KeyPath, str]:
    """Map the key path of every number, boolean, date and time value to its source text.

    ``tomllib`` gives ``1.0_16`` as the float 1.016 (TOML digit grouping); the text shows
    what was written, so that a reader can tell such a value from one written ``1.016``.
    ``text`` should be a document that :func:`tomllib.loads` accepts, as for
    :func:`key_lines`.
    """
    scanner = _Scanner(text)
    scanner.run()
    return scanner.scalars


def line_of(text: str, key: Sequence[str | int]) -> int | None:
    """The line of the longest prefix of ``key`` found in ``text``, or ``None``.

    An error about a missing sub-key thus still points at its table.  This is a
    best-effort aid for error messages: it never raises, whatever it is given.
    """
    try:
        lines = key_lines(text)
        parts = tuple(key)
        for end in range(len(parts), 0, -1):
            line = lines.get(parts[:end])
            if line is not None:
                return line
    except Exception:  # noqa: BLE001 - best effort: any failure means "no line known"
        return None
    return None


@dataclass(slots=True)
class _Open:
    """An array or inline table whose closing bracket is still to come."""

    path: KeyPath
    is_array: bool
    count: int = 0  # elements seen so far (arrays only)


class _Scanner:
    """One pass over one document, recording the line of every value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.end = len(text)
        self.newlines = [match.start() for match in re.finditer("\n", text)]
        self.lines: dict[KeyPath, int] = {}
        self.scalars: dict[KeyPath, str] = {}  # source text of numbers, booleans, dates
        # Number of [[header]] elements so far, by the array's resolved path.
        self.aot_counts: dict[KeyPath, int] = {}

    def run(self) -> dict[KeyPath, int]:
        text = self.text
        table: KeyPath = ()
        pos = 1 if text.startswith("\ufeff") else 0
        while True:
            pos = self._skip_blank(pos)
            if pos >= self.end:
                return self.lines
            if text[pos] == "[":
                pos, table = self._header(pos)
            else:
                stack: list[_Open] = []
                pos = self._key_value(pos, table, stack)
                pos = self._finish_nested(pos, stack)

    # -- positions ---------------------------------------------------------

    def _line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def _skip_ws(self, pos: int) -> int:
        """Skip spaces and tabs."""
        while pos < self.end and self.text[pos] in " \t":
            pos += 1
        return pos

    def _skip_blank(self, pos: int) -> int:
        """Skip whitespace, line ends and comments."""
        text = self.text
        while pos < self.end:
            ch = text[pos]
            if ch in " \t\r\n":
                pos += 1
            elif ch == "#":
                newline = text.find("\n", pos)
                pos = self.end if newline < 0 else newline
            else:
                break
        return pos

    def _expect(self, pos: int, token: str) -> int:
        if not self.text.startswith(token, pos):
            raise ValueError(f"expected {token!r} on line {self._line(pos)}")
        return pos + len(token)

    # -- tables and keys ----------------------------------------------------

    def _header(self, pos: int) -> tuple[int, KeyPath]:
        """Read a ``[table]`` or ``[[array of tables]]`` header; return the new table path."""
        line = self._line(pos)
        is_array = self.text.startswith("[[", pos)
        names, pos = self._key(pos + (2 if is_array else 1))
        pos = self._expect(self._skip_ws(pos), "]]" if is_array else "]")

        # Resolve the header's names: a name that is an array of tables means
        # its latest element, so insert that element's index after it.
        path: KeyPath = ()
        for name in names[:-1]:
            path += (name,)
            self.lines.setdefault(path, line)
            count = self.aot_counts.get(path)
            if count is not None:
                path += (count - 1,)
        path += (names[-1],)
        if is_array:
            self.lines.setdefault(path, line)
            count = self.aot_counts.get(path, 0)
            self.aot_counts[path] = count + 1
            path += (count,)
        self.lines[path] = line
        return pos, path

    def _key_value(self, pos: int, table: KeyPath, stack: list[_Open]) -> int:
        """Read ``key = `` and the start of its value, inside ``table``."""
        line = self._line(pos)
        names, pos = self._key(pos)
        pos = self._skip_ws(self._expect(self._skip_ws(pos), "="))
        for end in range(1, len(names)):  # tables made by a dotted key
            self.lines.setdefault(table + names[:end], line)
        return self._start_value(pos, table + names, stack)

    def _key(self, pos: int) -> tuple[tuple[str, ...], int]:
        """Read a possibly dotted key; return its names and the position after it."""
        names: list[str] = []
        while True:
            pos = self._skip_ws(pos)
            name, pos = self._simple_key(pos)
            names.append(name)
            pos = self._skip_ws(pos)
            if pos < self.end and self.text[pos] == ".":
                pos += 1
            else:
                return tuple(names), pos

    def _simple_key(self, pos: int) -> tuple[str, int]:
        text = self.text
        if pos < self.end and text[pos] == '"':
            return self._basic_string(pos)
        if pos < self.end and text[pos] == "'":
            end = self._literal_string_end(pos)
            return text[pos + 1 : end - 1], end
        end = pos
        while end < self.end and text[end] in _BARE_KEY_CHARS:
            end += 1
        if end == pos:
            raise ValueError(f"expected a key on line {self._line(pos)}")
        return text[pos:end], end

    # -- values ---------------------------------------------------------------

    def _start_value(self, pos: int, path: KeyPath, stack: list[_Open]) -> int:
        """Record the line of the value at ``pos`` and step over it.

        An array or inline table is only opened (pushed on ``stack``); its
        contents are read by :meth:`_finish_nested`.
        """
        if pos >= self.end:
            raise ValueError("a value is missing at the end of the document")
        self.lines[path] = self._line(pos)
        text = self.text
        ch = text[pos]
        if ch == '"':
            if text.startswith('"""', pos):
                return self._multiline_basic_end(pos)
            return self._basic_string(pos)[1]
        if ch == "'":
            if text.startswith("'''", pos):
                return self._multiline_literal_end(pos)
            return self._literal_string_end(pos)
        if ch in "[{":
            stack.append(_Open(path, is_array=ch == "["))
            return pos + 1
        match = _SCALAR.match(text, pos)
        if match is None:
            raise ValueError(f"expected a value on line {self._line(pos)}")
        self.scalars[path] = match.group().rstrip()
        return match.end()

    def _finish_nested(self, pos: int, stack: list[_Open]) -> int:
        """Read the contents of the open arrays and inline tables on ``stack``."""
        text = self.text
        while stack:
            top = stack[-1]
            pos = self._skip_blank(pos)
            if pos >= self.end:
                raise ValueError("an array or inline table is not closed")
            ch = text[pos]
            if ch == ("]" if top.is_array else "}"):
                stack.pop()
                pos += 1
            elif ch == ",":
                pos += 1
            elif top.is_array:
                element = top.count
                top.count += 1
                pos = self._start_value(pos, (*top.path, element), stack)
            else:
                pos = self._key_value(pos, top.path, stack)
        return pos

    # -- strings --------------------------------------------------------------

    def _basic_string(self, pos: int) -> tuple[str, int]:
        """Read a one-line ``"basic string"``; return its value and the position after it."""
        text = self.text
        out: list[str] = []
        i = pos + 1
        while i < self.end:
            ch = text[i]
            if ch == '"':
                return "".join(out), i + 1
            if ch in "\r\n":
                break
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            escape = text[i + 1 : i + 2]
            if escape in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[escape])
                i += 2
            elif escape in _HEX_ESCAPE_WIDTHS:
                digits = text[i + 2 : i + 2 + _HEX_ESCAPE_WIDTHS[escape]]
                if len(digits) != _HEX_ESCAPE_WIDTHS[escape] or not _HEX_DIGITS.issuperset(digits):
                    raise ValueError(f"bad escape on line {self._line(i)}")
                code = int(digits, 16)
                if code > 0x10FFFF:
                    raise ValueError(f"bad escape on line {self._line(i)}")
                out.append(chr(code))
                i += 2 + len(digits)
            else:
                raise ValueError(f"bad escape on line {self._line(i)}")
        raise ValueError(f"unterminated string on line {self._line(pos)}")

    def _literal_string_end(self, pos: int) -> int:
        close = self.text.find("'", pos + 1)
        if close < 0 or self.text.find("\n", pos + 1, close) >= 0:
            raise ValueError(f"unterminated string on line {self._line(pos)}")
        return close + 1

    def _multiline_basic_end(self, pos: int) -> int:
        text = self.text
        i = pos + 3
        while i < self.end:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == '"' and text.startswith('"""', i):
                return self._closing_quotes_end(i, '"')
            else:
                i += 1
        raise ValueError(f"unterminated string on line {self._line(pos)}")

    def _multiline_literal_end(self, pos: int) -> int:
        close = self.text.find("'''", pos + 3)
        if close < 0:
            raise ValueError(f"unterminated string on line {self._line(pos)}")
        return self._closing_quotes_end(close, "'")

    def _closing_quotes_end(self, close: int, quote: str) -> int:
        """End of a closing triple quote at ``close``: up to two more quotes belong to the text."""
        end = close + 3
        while end < min(self.end, close + 5) and self.text[end] == quote:
            end += 1
        return end
