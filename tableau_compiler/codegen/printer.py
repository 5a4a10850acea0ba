"""Printing coefficients and text safely into generated Python source.

Coefficients become float literals -- the float64 nearest to the exact value that was
checked -- with the value as written in a comment; parameter expressions are printed
from their parsed expression trees as torch code over the parameter tensors; free text
becomes docstring or comment text that cannot end the docstring or the comment early.
Nothing here guesses a closed form: every number printed is the exact value handed in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..errors import CoefficientError
from ..expression import Expression, Name, Node, Number, Pi, Power, Product, Sqrt, Sum

__all__ = [
    "TreeWriter",
    "comment",
    "decimal_text",
    "docstring",
    "exact",
    "float_literal",
    "nearest_float",
    "tree_text",
]

# Characters that end a line for Python's tokenizer or for editors (str.splitlines).
_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# Characters never written raw into generated source: controls, line and paragraph separators,
# surrogates, unassigned and private-use code points, and format characters -- bidi overrides
# and isolates, zero-width joiners and spaces -- which can make source read otherwise than it
# runs (Boucher & Anderson, "Trojan Source", 2021).  They are written as escapes.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _hidden(ch: str) -> bool:
    return ch in _LINE_BREAKS or unicodedata.category(ch) in _HIDDEN_CATEGORIES


def _escape_code(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def nearest_float(value: Any) -> float:
    """The float64 nearest to an exact real number (ties to even), correctly rounded.

    ``value`` is an int, a :class:`~fractions.Fraction` or an exact sympy number
    (rational, algebraic, or with pi).  Rationals go through ``Fraction.__float__``,
    which rounds correctly.  Any other value is irrational, so never halfway between two
    floats: it is evaluated with a guaranteed relative error (sympy's ``evalf`` with
    ``strict=True``) at growing precision until both ends of the error interval round to
    the same float.  Raises :class:`CoefficientError` beyond the float64 range.
    """
    exact_value = _rational(value)
    if exact_value is not None:
        return _to_float(exact_value, value)
    from sympy.core.evalf import PrecisionExhausted

    for digits in (40, 80, 160, 320, 640, 1280):
        try:
            approximation = value.evalf(digits, strict=True)
        except PrecisionExhausted:  # no digit found: zero written another way, decided exactly
            if _is_zero(value):
                return 0.0
            raise CoefficientError(
                f"cannot tell {shortened(str(value))} from zero to print it as a float"
            ) from None
        sign, mantissa, exponent, _ = approximation._mpf_
        middle = Fraction(mantissa) * Fraction(2) ** exponent * (-1 if sign else 1)
        slack = abs(middle) / 10 ** (digits - 2)
        low, high = _to_float(middle - slack, value), _to_float(middle + slack, value)
        if low == high:
            return low
    raise CoefficientError(f"cannot round {value} to a float64 (it is too close to a tie)")


def _is_zero(value: Any) -> bool:
    """Whether an exact constant that evaluation cannot tell from zero is zero, by exact
    rewriting only (expanding powers of sums, rationalising denominators): an expression
    these do not reduce to 0 is not claimed to be zero."""
    import sympy

    expanded = sympy.expand(value)
    return expanded == 0 or sympy.expand(sympy.radsimp(expanded)) == 0


def _rational(value: Any) -> Fraction | None:
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if getattr(value, "is_Rational", False):
        return Fraction(int(value.p), int(value.q))
    return None


def _to_float(value: Fraction, shown: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        raise CoefficientError(f"{shortened(str(shown))} is beyond the range of float64") from None


def shortened(text: str) -> str:
    """``text`` cut to about 40 characters, the cut shown: ``999999…999999``."""
    return text if len(text) <= 40 else text[:30] + "…" + text[-6:]


def float_literal(value: Any) -> str:
    """The nearest float to an exact number (:func:`nearest_float`) as the shortest literal
    that reads back to it."""
    number = nearest_float(value)
    return "0.0" if number == 0 else repr(number)


def decimal_text(value: Fraction) -> str | None:
    """The exact decimal of a rational whose denominator is 2^a 5^b, else None.

    ``0.7071067811865``, ``-1.25e-30``: every digit exact, none added; scientific notation
    outside 1e-6 .. 1e16, as Python prints floats.
    """
    numerator, denominator = value.numerator, value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    digits = abs(numerator) * 10**places // value.denominator
    sign = "-" if numerator < 0 else ""
    if digits == 0:
        return "0"
    text = str(digits)
    stripped = text.rstrip("0")
    exponent = len(text) - len(stripped) - places  # value = stripped * 10^exponent
    magnitude = len(stripped) - 1 + exponent  # of the leading digit
    if not -6 <= magnitude < 16:
        mantissa = stripped[0] + ("." + stripped[1:] if len(stripped) > 1 else "")
        return f"{sign}{mantissa}e{magnitude}"
    if exponent >= 0:
        return sign + stripped + "0" * exponent
    point = len(stripped) + exponent
    if point > 0:
        return sign + stripped[:point] + "." + stripped[point:]
    return sign + "0." + "0" * -point + stripped


def exact(value: Any, decimal: bool = False) -> str:
    """The exact value for a comment, on one line: a rational as p/q -- or, with
    ``decimal`` (the value comes from decimals), as its exact decimal when it has one --
    and any other value as sympy prints it."""
    rational = _rational(value)
    if rational is not None:
        if decimal and rational.denominator != 1:
            text = decimal_text(rational)
            if text is not None:
                return text
        return str(rational)
    return comment(str(value))


def comment(text: str) -> str:
    """Text for a ``#`` comment: one line; line breaks become spaces, and every other hidden
    character (controls, bidi and zero-width format characters) is shown as its escape."""
    cleaned = []
    for ch in text:
        if ch in _LINE_BREAKS:
            cleaned.append(" ")
        elif _hidden(ch):
            cleaned.append(_escape_code(ch))
        else:
            cleaned.append(ch)
    return "".join(cleaned).strip()


def docstring(text: str) -> str:
    """Text for a triple-quoted docstring: it cannot close the string or escape from it."""
    escaped = _escaped(text.replace("\r\n", "\n"), quote='"', keep_newlines=True)
    # no trailing spaces on any line (ruff format would remove them, so --check would fail)
    return "\n".join(line.rstrip() for line in escaped.split("\n")).strip()


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
        elif _hidden(ch):
            out.append(_escape_code(ch))
        else:
            out.append(ch)
    return "".join(out)


# Operator precedence of printed code, loosest first: an operand printed at a lower
# level than its place needs is put in parentheses.
_ADD, _MUL, _UNARY, _POWER, _ATOM = range(5)


def _constant(node: Node, fixed: Mapping[str, Any]) -> Any:
    """The exact value of a subtree whose names are all fixed parameters (values ``fixed``,
    Fractions or sympy numbers): a Fraction, or a sympy number."""
    import sympy

    expression = Expression("", node)
    value = expression.rational({n: v for n, v in fixed.items() if isinstance(v, Fraction)})
    if value is not None:
        return value
    values = {
        n: sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v
        for n, v in fixed.items()
    }
    return expression.to_sympy(values)


def _has_names(node: Node) -> bool:
    if isinstance(node, Name):
        return True
    if isinstance(node, Sqrt):
        return _has_names(node.argument)
    if isinstance(node, Power):
        return _has_names(node.base)
    if isinstance(node, Sum):
        return any(_has_names(term) for _, term in node.terms)
    if isinstance(node, Product):
        return any(_has_names(factor) for _, factor in node.factors)
    return False


def _literal(value: Any) -> tuple[str, int]:
    text = float_literal(value)
    return text, _UNARY if text.startswith("-") else _ATOM


class TreeWriter:
    """Parsed expression trees as torch code, operation for operation.

    The code evaluates the tree as it was written: sums and products left to right, a
    nested sum or product in parentheses, ``x^n`` as ``x**n`` (``1.0 / x**n`` for n < 0,
    the exponent always the exact integer of the tree), ``sqrt(x)`` as ``torch.sqrt(x)``.
    A subtree without parameters is one float literal, the float64 nearest to its exact
    value; a parameter named in ``names`` prints as ``names[name]`` (a local tensor), and a
    subtree whose only parameters are fixed ones (exact values ``fixed``) is one float
    literal too, of its exact value at those values (``sqrt(j)`` of a fixed j is a
    number, never ``torch.sqrt`` of a float).  Nothing is substituted into text, so no
    name can capture another.

    Code too long for one line is split: a long operand or a long running sum or product
    becomes a temporary ``t1``, ``t2``, ... assigned in :attr:`lines` before the
    statement that uses it -- the same operations in the same order -- so that every
    emitted line stays within ruff's 100 columns at the templates' indentation.
    """

    LIMIT = 70
    """Longest right-hand side emitted (the templates indent by at most 16 columns and
    name targets with at most 8 characters)."""

    def __init__(self, names: Mapping[str, str], fixed: Mapping[str, Any] | None = None):
        self.names = dict(names)
        self.fixed = dict(fixed or {})
        self.lines: list[str] = []
        self.count = 0

    def _variable(self, node: Node) -> bool:
        """Whether ``node`` uses a parameter that is not fixed (printed from ``names``)."""
        return _has_names(node) and not Expression("", node).names <= self.fixed.keys()

    def code(self, node: Node) -> str:
        """Code for ``node``; the temporaries it needs are appended to :attr:`lines`."""
        return self._node(node)[0]

    def assign(self, target: str, node: Node) -> None:
        """Append ``target = <code for node>`` (after its temporaries) to :attr:`lines`."""
        self.lines.append(f"{target} = {self.code(node)}")

    def _spill(self, text: str) -> tuple[str, int]:
        self.count += 1
        name = f"t{self.count}"
        self.lines.append(f"{name} = {text}")
        return name, _ATOM

    def _operand(self, node: Node, at_least: int) -> tuple[str, int]:
        text, level = self._node(node)
        if level < at_least:
            text, level = f"({text})", _ATOM
        if len(text) > self.LIMIT // 2:
            text, level = self._spill(text)
        return text, level

    def _node(self, node: Node) -> tuple[str, int]:
        if not self._variable(node):
            return _literal(_constant(node, self.fixed))
        if isinstance(node, Name):
            text = self.names[node.name]
            return text, _UNARY if text.startswith("-") else _ATOM
        if isinstance(node, Sqrt):
            return f"torch.sqrt({self._operand(node.argument, _ADD)[0]})", _ATOM
        if isinstance(node, Power):
            base = self._operand(node.base, _ATOM)[0]
            n = abs(node.exponent)
            # ruff's "simple power operand" (a name) takes no spaces around **
            power = f"{base}**{n}" if base.isidentifier() else f"{base} ** {n}"
            return (f"1.0 / {power}", _MUL) if node.exponent < 0 else (power, _POWER)
        if isinstance(node, Sum):
            return self._sum(node)
        assert isinstance(node, Product)
        return self._product(node)

    def _sum(self, node: Sum) -> tuple[str, int]:
        text, level = "", _ADD
        for position, (sign, term) in enumerate(node.terms):
            if self._variable(term):
                operand, operand_level = self._operand(term, _MUL)
                operator = "-" if sign < 0 else "+"
            else:  # a constant term: its sign goes into the literal, exactly
                value = _constant(term, self.fixed)
                operand, operand_level = _literal(-value if sign < 0 else value)
                operator = "+"
                if position > 0 and operand.startswith("-"):
                    operand, operand_level, operator = operand[1:], _ATOM, "-"
            if position == 0:
                if operator == "-" and operand.startswith("-"):
                    text, level = f"-({operand})", _UNARY
                elif operator == "-":  # -x, -x**2 are unary; -a * b is (-a) * b = -(a * b)
                    text, level = f"-{operand}", min(_UNARY, operand_level)
                else:
                    text, level = operand, operand_level
                continue
            if len(text) + len(operand) + 3 > self.LIMIT:
                text, level = self._spill(text)
            text, level = f"{text} {operator} {operand}", _ADD
        return text, level

    def _product(self, node: Product) -> tuple[str, int]:
        text, level = "", _MUL
        for position, (sign, factor) in enumerate(node.factors):
            operand, operand_level = self._operand(factor, _UNARY)
            if position == 0:
                text, level = (f"1.0 / {operand}", _MUL) if sign < 0 else (operand, operand_level)
                continue
            if len(text) + len(operand) + 3 > self.LIMIT:
                text, level = self._spill(text)
            text, level = f"{text} {'/' if sign < 0 else '*'} {operand}", _MUL
        return text, level


def tree_text(node: Node) -> str:
    """A tree as a reader writes it, for comments: numbers exact (a decimal where one was
    written), ``^`` for powers, and the parameters' own names."""
    return _text(node)[0]


def _text(node: Node) -> tuple[str, int]:
    if isinstance(node, Number):
        text = exact(node.value, decimal=node.decimal)
        level = _ATOM if node.value.denominator == 1 or "/" not in text else _MUL
        return text, _UNARY if text.startswith("-") else level
    if isinstance(node, Name):
        return node.name, _ATOM
    if isinstance(node, Pi):
        return "pi", _ATOM
    if isinstance(node, Sqrt):
        return f"sqrt({_text(node.argument)[0]})", _ATOM
    if isinstance(node, Power):
        base, level = _text(node.base)
        base = base if level == _ATOM else f"({base})"
        exponent = str(node.exponent) if node.exponent >= 0 else f"({node.exponent})"
        return f"{base}^{exponent}", _POWER
    if isinstance(node, Sum):
        parts = []
        for position, (sign, term) in enumerate(node.terms):
            text, level = _text(term)
            text = text if level >= _MUL else f"({text})"
            if position == 0:
                if sign < 0 and text.startswith("-"):
                    text = f"({text})"
                parts.append(f"-{text}" if sign < 0 else text)
            else:
                parts.append(f"{'-' if sign < 0 else '+'} {text}")
        return " ".join(parts), _ADD if len(parts) > 1 else _UNARY
    assert isinstance(node, Product)
    parts = []
    for position, (sign, factor) in enumerate(node.factors):
        text, level = _text(factor)
        text = text if level > _MUL else f"({text})"
        if position == 0:
            parts.append(text if sign > 0 else f"1/{text}")
        else:
            parts.append(f"{'*' if sign > 0 else '/'} {text}")
    return " ".join(parts), _MUL


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
