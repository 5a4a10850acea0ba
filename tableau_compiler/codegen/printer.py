"""Printing coefficients and text safely into generated Python source.

Coefficients become float literals with their exact value in a comment; parameter
expressions become torch expressions over the parameter tensors; free text becomes
docstring or comment text that cannot end the docstring or the comment early.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from sympy.printing.pycode import PythonCodePrinter

__all__ = ["comment", "docstring", "exact", "float_literal", "torch_expression"]

# Characters that end a line for Python's tokenizer or for editors (str.splitlines).
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def float_literal(value: Any) -> str:
    """The nearest float to an exact sympy number, as the shortest literal that reads back."""
    number = float(value.evalf(40)) if hasattr(value, "evalf") else float(value)
    if number == 0:
        return "0.0"
    if not math.isfinite(number):
        raise ValueError(f"coefficient {value} is not finite")
    return repr(number)


def exact(value: Any) -> str:
    """The exact value for a comment: sympy's text, on one line."""
    return comment(str(value))


def comment(text: str) -> str:
    """Text for a ``#`` comment: one line, no control characters."""
    cleaned = []
    for ch in text:
        if ch in _LINE_BREAKS or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            cleaned.append(" ")
        else:
            cleaned.append(ch)
    return "".join(cleaned).strip()


def docstring(text: str) -> str:
    """Text for a triple-quoted docstring: it cannot close the string or escape from it."""
    return _escaped(text.replace("\r\n", "\n"), quote='"', keep_newlines=True).strip()


def _escaped(text: str, *, quote: str, keep_newlines: bool) -> str:
    """Backslashes, ``quote``, line breaks and control characters as escapes."""
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in text:
        if ch == "\\" or ch == quote:
            out.append("\\" + ch)
        elif ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in named:
            out.append(named[ch])
        elif ch in _LINE_BREAKS or unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


class _TorchPrinter(PythonCodePrinter):
    """sympy expressions of parameter tensors as torch code: floats, torch.sqrt, math.pi."""

    def _print_Rational(self, expr: Any) -> str:
        return float_literal(expr)

    def _print_Integer(self, expr: Any) -> str:
        return float_literal(expr)

    def _print_Pi(self, expr: Any) -> str:
        return float_literal(expr)

    def _print_Pow(self, expr: Any, rational: bool = False) -> str:
        from sympy import S

        if expr.exp == S.Half:
            return f"torch.sqrt({self._print(expr.base)})"
        if expr.exp == -S.Half:
            return f"torch.rsqrt({self._print(expr.base)})"
        if expr.exp.is_Integer and expr.exp < 0:
            return f"(1.0 / {self.parenthesize(expr.base**-expr.exp, 0)})"
        return f"{self.parenthesize(expr.base, 1)} ** {int(expr.exp)}"


def torch_expression(value: Any) -> str:
    """A sympy expression in the parameter symbols as torch code (symbols keep their names)."""
    return _TorchPrinter({"standard": "python3"}).doprint(value)


def string_literal(text: str) -> str:
    """A Python string literal for ``text`` with the quotes ruff format would choose.

    Double quotes unless the text holds more double than single quotes; backslashes,
    the chosen quote, line breaks and control characters are escaped, so the literal
    is one line and ends where it should.
    """
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _escaped(text, quote=quote, keep_newlines=False) + quote


def python_value(value: Any, indent: int = 0, width: int = 100) -> str:
    """Nested lists, dicts, strings, numbers, bools and None as source ruff leaves alone."""
    flat = _flat(value)
    if indent + len(flat) <= width or not isinstance(value, (list, tuple, dict)):
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = string_literal(str(k))
            items.append(f"{pad}{key}: {python_value(v, indent + 4, width - len(key) - 2)}")
        return "{\n" + ",\n".join(items) + ",\n" + " " * indent + "}"
    items = [f"{pad}{python_value(v, indent + 4, width)}" for v in value]
    return "[\n" + ",\n".join(items) + ",\n" + " " * indent + "]"


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{string_literal(str(k))}: {_flat(v)}" for k, v in value.items()) + "}"
        )
    return "[" + ", ".join(_flat(v) for v in value) + "]"
