"""The literal forms of source code, read without executing anything.

A source file of another library is text: this module splits it into tokens (numbers, names,
strings, operators, line ends; comments dropped) and reads the few expression forms a
tableau is written in -- numbers, ``+ - * / // ^ **``, ``sqrt``, ``pi``, the wrappers that
only fix a type (``convert(T, x)``, ``RCONST(x)``, ``np.float64(x)``, ``big"0.1"``), exact
rationals (``1//5``, ``Fraction(1, 5)``, ``Rational(1, 5)``), names bound earlier in the same
scope, list, tuple, array and matrix literals, and zero arrays (``zeros(T, 6, 6)``,
``np.zeros((7, 7))``).  Nothing is evaluated but this arithmetic on literal text: a call of
any other function is kept as an unread :class:`Call` (a tableau constructor, or something
a reader reports as unreadable), never run.

Values are coefficient text in tabc's grammar (:mod:`tableau_compiler.expression`) with what
the import needs to know about it: whether a decimal was written, and its digits.  A quotient
of integer literals (``1/3``) is the rational it writes, in every language (the float64 a
Python or Julia program computes from it is that rational, rounded once); a decimal with a
fractional part (``0.161``, ``0.3333333333333333``, ``big"0.1"``) is the decimal as written;
a decimal that is an integer (``1.0``, ``RCONST(5.0)``) is that integer.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from fractions import Fraction

from .. import limits

__all__ = ["Call", "Language", "Scalar", "Token", "Unreadable", "read_value", "tokenize"]


class Unreadable(Exception):
    """A form the reader does not read: the line and why."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "string", "op", "newline"
    text: str
    line: int
    column: int
    space_before: bool
    prefix: str = ""  # a string's macro prefix: big"0.1"


@dataclass(frozen=True)
class Language:
    """What differs between the languages read: comments, strings and a few operators."""

    name: str
    line_comment: tuple[str, ...]
    block_comment: tuple[str, str] | None
    rational_slashes: bool  # `//` is a rational (Julia); else floor division (Python) or a comment
    caret_is_power: bool  # `^` is a power (Julia, MATLAB); Python's is exclusive or
    index_base: int  # 1 (Julia, MATLAB) or 0 (Python, C)
    juxtaposition: bool = False  # Julia: `7sq6` is 7*sq6


@dataclass(frozen=True)
class Scalar:
    """One coefficient: its text in tabc's grammar and how it was written."""

    text: str
    level: int = 9  # binding of the text: 1 sum, 2 product, 3 unary, 4 power, 9 atom
    decimal_digits: tuple[int, ...] = ()  # significant digits of each decimal with a fraction
    magnitude: float = 0.0  # |value| where it is known from the literals alone (else 0)

    @property
    def is_decimal(self) -> bool:
        return bool(self.decimal_digits)


ZERO = Scalar("0")


@dataclass
class Call:
    """A call the reader does not evaluate: a constructor a reader may recognise."""

    callee: str
    args: list[object]
    kwargs: dict[str, object]
    line: int


@dataclass(frozen=True)
class Failed:
    """A value that could not be read (kept so that only its use is reported)."""

    reason: str
    line: int


@dataclass
class Environment:
    """Names bound in a scope, falling back to the enclosing scope's."""

    values: dict[str, object] = field(default_factory=dict)
    outer: Environment | None = None

    def get(self, name: str) -> object | None:
        scope: Environment | None = self
        while scope is not None:
            if name in scope.values:
                return scope.values[name]
            scope = scope.outer
        return None


# --------------------------------------------------------------------------- tokens

_NUMBER = r"(?:0[xX][0-9a-fA-F_]+|(?:[0-9][0-9_]*(?:\.(?![.*/^+\-])[0-9_]*)?|\.[0-9][0-9_]*)(?:[eEfF][+-]?[0-9]+)?[fFlLuUjJ]*)"
_NAME = r"[^\W\d][\w\u0300-\u036f]*!?"
_OPERATORS = (
    "...", "**", "//", "->", "==", "!=", "<=", ">=", "::", ".*", "./", ".^", ".+", ".-",
    "+=", "-=", "*=", "/=", "&&", "||", "=>",
)  # fmt: skip


def tokenize(text: str, language: Language) -> list[Token]:
    """The tokens of ``text``, comments left out, a ``newline`` token at each line end."""
    tokens: list[Token] = []
    i, line, line_start, n = 0, 1, 0, len(text)
    space = True
    number = re.compile(_NUMBER)
    name = re.compile(_NAME)
    while i < n:
        ch = text[i]
        if ch == "\n":
            tokens.append(Token("newline", "\n", line, i - line_start, space))
            i += 1
            line += 1
            line_start = i
            space = True
            continue
        if ch in " \t\r\f":
            i += 1
            space = True
            continue
        if ch == "\\" and text.startswith("\n", i + 1):  # Python/C line continuation
            i += 2
            line += 1
            line_start = i
            space = True
            continue
        if language.block_comment and text.startswith(language.block_comment[0], i):
            end = text.find(language.block_comment[1], i + len(language.block_comment[0]))
            end = n if end < 0 else end + len(language.block_comment[1])
            line += text.count("\n", i, end)
            line_start = text.rfind("\n", 0, end) + 1 if "\n" in text[i:end] else line_start
            i = end
            space = True
            continue
        if any(text.startswith(mark, i) for mark in language.line_comment):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        column = i - line_start
        if ch in "\"'" and not (language.name == "julia" and ch == "'"):
            start_line = line
            quote = text[i : i + 3] if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if text[j] == "\\":
                    j += 1
                elif text[j] == "\n":
                    if len(quote) == 1 and language.name != "julia":
                        break
                    line += 1
                    line_start = j + 1
                j += 1
            body = text[i + len(quote) : j]
            prefix = ""
            if tokens and tokens[-1].kind == "name" and not space and tokens[-1].line == start_line:
                prefix = tokens.pop().text  # big"0.1", r"...", f"..."
            tokens.append(Token("string", body, start_line, column, space, prefix))
            i = j + len(quote)
            space = False
            continue
        found = number.match(text, i)
        if found and (ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit())):
            tokens.append(Token("number", found.group(), line, column, space))
            i = found.end()
            space = False
            continue
        found = name.match(text, i)
        if found:
            word = found.group()
            if word.endswith("!") and text.startswith("=", found.end()):
                word = word[:-1]  # `a!= b`
            if language.name != "julia":
                word = word.rstrip("!")
            tokens.append(Token("name", word, line, column, space))
            i += len(word)
            space = False
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                break
        else:
            op = ch
        tokens.append(Token("op", op, line, column, space))
        i += len(op)
        space = False
    tokens.append(Token("newline", "\n", line, 0, True))
    return tokens


# --------------------------------------------------------------------------- numbers


def number_scalar(literal: str, language: Language, line: int) -> Scalar:
    """A number literal as a :class:`Scalar`: an integer, or a decimal as written."""
    text = literal.replace("_", "")
    if text[:2] in ("0x", "0X"):
        return Scalar(str(int(text, 16)), magnitude=float(int(text, 16)))
    if text[-1:] in "jJ":
        raise Unreadable(f"{literal} is an imaginary number", line)
    text = text.rstrip("lLuU")
    if language.name == "c":
        text = text.rstrip("fF")
    found = re.fullmatch(r"([0-9]*)(?:\.([0-9]*))?(?:[eEfF]([+-]?[0-9]+))?", text)
    if found is None:
        raise Unreadable(f"cannot read the number {literal}", line)
    whole, fraction, exponent = found.group(1), found.group(2), found.group(3)
    digits = (whole + (fraction or "")).lstrip("0")
    if len(digits) > limits.MAX_LITERAL_DIGITS:
        raise Unreadable(
            f"a number of {len(digits)} digits exceeds the limit of {limits.MAX_LITERAL_DIGITS}",
            line,
        )
    if exponent is not None and abs(int(exponent)) > limits.MAX_DECIMAL_EXPONENT:
        raise Unreadable(f"the exponent of {literal} exceeds {limits.MAX_DECIMAL_EXPONENT}", line)
    value = Fraction(int(whole or "0") * 10 ** len(fraction or "") + int(fraction or "0"))
    value /= 10 ** len(fraction or "")
    if exponent is not None:
        value *= Fraction(10) ** int(exponent)
    magnitude = float(value)
    if value.denominator == 1:  # 1.0, 5., 2e3: the integer it is
        return Scalar(str(value.numerator), magnitude=magnitude)
    shown = (whole or "0") + "." + (fraction or "") + (f"e{int(exponent)}" if exponent else "")
    return Scalar(
        shown, decimal_digits=(max(1, len(digits.rstrip("0")) or 1),), magnitude=magnitude
    )


def _scalar_from_string(body: str, line: int, language: Language) -> Scalar:
    """``big"0.1"``, ``BigFloat("0.1")``, ``Fraction("1/3")``, ``mpf('0.1')``: the text as a
    number or an integer quotient."""
    text = body.strip()
    found = re.fullmatch(r"([+-]?)\s*([0-9.eE+-]+)(?:\s*/\s*([0-9]+))?", text)
    if found is None:
        raise Unreadable(f"cannot read the number in the string {body!r}", line)
    sign, number, denominator = found.groups()
    value = number_scalar(number, language, line)
    if denominator is not None:
        value = Scalar(f"{value.text}/{denominator}", 2, value.decimal_digits)
    if sign == "-":
        value = Scalar("-" + _wrap(value, 3), 3, value.decimal_digits, value.magnitude)
    return value


# --------------------------------------------------------------------------- reading values


def _wrap(value: Scalar, level: int) -> str:
    return value.text if value.level >= level else f"({value.text})"


_SQRT = {"sqrt", "Sqrt", "SUNRsqrt", "RSqrt", "√"}
_PI = {"pi", "π", "M_PI", "Pi", "PI"}
_TYPE_WRAPPERS = {
    "RCONST", "SUN_RCONST", "float", "Float64", "Float32", "BigFloat", "BigInt", "big", "Int",
    "Int64", "float64", "double", "mpf", "mpmath.mpf", "Real", "real", "dble", "T", "T1", "T2",
    "tuple", "list", "vec", "collect", "SVector", "SA", "asarray", "array", "tensor",
    "as_tensor", "Array", "Vector", "Matrix",
}  # fmt: skip
_RATIONAL_CALLS = {"Fraction", "Rational", "rational", "sympy.Rational", "Rational64"}
_PLACEHOLDERS = {"undef", "NotImplemented", "None", "nothing", "NULL", "Float64", "Float32",
                 "BigFloat", "BigInt", "Int", "Int64", "Rational", "Type", "dtype"}  # fmt: skip
"""Names that stand for a type or for nothing: kept as an unread placeholder, never a value."""
_ZEROS = {"zeros", "np.zeros", "numpy.zeros", "jnp.zeros", "torch.zeros", "zeros_like"}
_MODULE_PREFIXES = {"np", "numpy", "jnp", "jax.numpy", "torch", "math", "sympy", "sp", "snp",
                    "mp", "mpmath", "Base", "fractions", "cmath", "scipy"}  # fmt: skip
MAX_ARRAY = limits.MAX_STAGES + 1
"""Largest dimension of a zero array read (a tableau's FSAL extension has s + 1 stages)."""


class _Reader:
    """Recursive descent over ``tokens[start:end]`` (one expression)."""

    def __init__(self, tokens: list[Token], start: int, end: int, env: Environment,
                 language: Language) -> None:  # fmt: skip
        self.tokens, self.i, self.end, self.env, self.language = tokens, start, end, env, language
        self.depth = 0

    # -- helpers
    def peek(self) -> Token | None:
        self.skip_newlines()
        return self.tokens[self.i] if self.i < self.end else None

    def skip_newlines(self) -> None:
        while self.i < self.end and self.tokens[self.i].kind == "newline" and self.depth > 0:
            self.i += 1

    def next(self) -> Token:
        self.skip_newlines()
        if self.i >= self.end:
            raise Unreadable("the expression ends early", self.line())
        token = self.tokens[self.i]
        self.i += 1
        return token

    def line(self) -> int:
        j = min(self.i, len(self.tokens) - 1)
        return self.tokens[j].line

    def at(self, text: str) -> bool:
        self.skip_newlines()
        return (
            self.i < self.end
            and self.tokens[self.i].text == text
            and self.tokens[self.i].kind == "op"
        )

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text:
            raise Unreadable(f"expected {text!r}, found {token.text!r}", token.line)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > limits.MAX_EXPRESSION_NESTING:
            raise Unreadable("nested too deeply", self.line())

    # -- grammar
    def value(self) -> object:
        self.nest()
        try:
            return self.sum()
        finally:
            self.depth -= 1

    def sum(self) -> object:
        left = self.product()
        while self.at("+") or self.at("-") or self.at(".+") or self.at(".-"):
            if self._starts_new_element():
                break
            op = self.next().text[-1]
            right = self.product()
            left = _binary(left, op, right, self.line())
        return left

    def _starts_new_element(self) -> bool:
        """In a Julia matrix row, `[1 -1]` is two entries and `[1 - 1]` one."""
        if not getattr(self, "in_row", False) or self.depth != 0:
            return False
        token = self.tokens[self.i]
        following = self.tokens[self.i + 1] if self.i + 1 < self.end else None
        return token.space_before and following is not None and not following.space_before

    def product(self) -> object:
        left = self.rational()
        while True:
            if self.at("*") or self.at("/") or self.at(".*") or self.at("./"):
                op = self.next().text[-1]
                right = self.rational()
                left = _binary(left, op, right, self.line())
            elif self.at("//") and not self.language.rational_slashes:
                raise Unreadable(
                    "`//` is floor division here: write the quotient with /", self.line()
                )
            elif self.at("%"):
                raise Unreadable("% (remainder) is not read", self.line())
            else:
                return left

    def rational(self) -> object:
        """Julia's ``//``: binds tighter than ``*`` and ``/`` (a quotient, then wrapped by
        the operators around it as :func:`_binary` needs)."""
        left = self.unary()
        while self.language.rational_slashes and self.at("//"):
            self.next()
            left = _binary(left, "/", self.unary(), self.line())
        return left

    def unary(self) -> object:
        if self.at("-") or self.at("+"):
            op = self.next().text
            self.nest()
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            if op == "+":
                return operand
            return _negate(operand, self.line())
        if self.at("√"):
            self.next()
            operand = self.unary()
            return _sqrt(operand, self.line())
        return self.power()

    def power(self) -> object:
        base = self.postfix()
        if self.at("**") or self.at("^") or self.at(".^"):
            token = self.next()
            if token.text == "^" and not self.language.caret_is_power:
                raise Unreadable("^ is exclusive or in Python: a power is written **", token.line)
            self.nest()
            try:
                exponent = self.unary()
            finally:
                self.depth -= 1
            return _power(base, exponent, token.line)
        return base

    def postfix(self) -> object:
        value, name = self.atom()
        while True:
            token = self.peek()
            if token is None or token.kind != "op":
                break
            if token.text == "." and name is not None:
                following = self.tokens[self.i + 1] if self.i + 1 < self.end else None
                if following is None or following.kind != "name":
                    break
                self.i += 2
                name = f"{name}.{following.text}"
                value = None
                continue
            if token.text == "{" and name is not None and not token.space_before:
                self._skip_group("{", "}")  # Matrix{T}, Vector{Float64}
                continue
            if token.text == "(" and name is not None and not token.space_before:
                value = self.call(name, token.line)
                name = None
                continue
            if token.text == "'" and self.language.name == "julia":
                raise Unreadable("a transposed array (') is not read", token.line)
            break
        if value is None:
            if name is None:
                raise Unreadable("cannot read this expression", self.line())
            value = self.lookup(name)
        return value

    def _skip_group(self, opening: str, closing: str) -> None:
        level = 0
        while self.i < self.end:
            text = self.tokens[self.i].text
            self.i += 1
            if text == opening:
                level += 1
            elif text == closing:
                level -= 1
                if level == 0:
                    return
        raise Unreadable(f"unbalanced {opening}", self.line())

    def lookup(self, name: str) -> object:
        if name in _PI:
            return Scalar("pi", magnitude=3.14159)
        if name in ("true", "True", "SUNTRUE"):
            return True
        if name in ("false", "False", "SUNFALSE"):
            return False
        if name in _PLACEHOLDERS or re.fullmatch(r"T\d*", name):
            return Call(name, [], {}, self.line())  # a placeholder, not a value
        found = self.env.get(name)
        if found is None:
            raise Unreadable(f"{name} is not a value defined in this file", self.line())
        if isinstance(found, Failed):
            raise Unreadable(found.reason, found.line)
        return found

    def atom(self) -> tuple[object | None, str | None]:
        token = self.next()
        if token.kind == "number":
            scalar = number_scalar(token.text, self.language, token.line)
            following = self.peek()
            if (
                self.language.juxtaposition
                and following is not None
                and following.kind == "name"
                and not following.space_before
            ):  # Julia's 7sq6
                right = self.power()
                return _binary(scalar, "*", right, token.line), None
            return scalar, None
        if token.kind == "string":
            if token.prefix in ("big", ""):
                if token.prefix == "big":
                    return _scalar_from_string(token.text, token.line, self.language), None
                return token.text, None
            raise Unreadable(f'a {token.prefix}"..." string is not read', token.line)
        if token.kind == "name":
            return None, token.text
        if token.text == "(":
            self.nest()
            try:
                items, trailing_comma = self.sequence(")")
            finally:
                self.depth -= 1
            if len(items) == 1 and not trailing_comma:
                return items[0], None
            return list(items), None
        if token.text == "[":
            self.nest()
            try:
                return self.array(), None
            finally:
                self.depth -= 1
        if token.text == "√":
            return _sqrt(self.unary(), token.line), None
        raise Unreadable(f"cannot read {token.text!r} here", token.line)

    def sequence(self, closing: str) -> tuple[list[object], bool]:
        items: list[object] = []
        trailing = False
        while True:
            if self.at(closing):
                self.next()
                return items, trailing
            items.append(self.value())
            if self.at(","):
                self.next()
                trailing = True
                continue
            trailing = False
            if not self.at(closing):
                token = self.next()
                raise Unreadable(f"expected , or {closing}, found {token.text!r}", token.line)

    def array(self) -> list[object]:
        """``[a, b]``; Julia's ``[a; b]``, ``[a b; c d]`` and rows on separate lines."""
        if self.language.name != "julia":
            items, _ = self.sequence("]")
            return items
        rows: list[list[object]] = [[]]
        commas = False
        self.in_row = True
        try:
            while True:
                if self.i >= self.end:
                    raise Unreadable("unclosed [", self.line())
                token = self.tokens[self.i]
                if token.kind == "newline" or token.text == ";":
                    self.i += 1
                    if rows[-1]:
                        rows.append([])
                    continue
                if token.text == "]" and token.kind == "op":
                    self.i += 1
                    break
                if token.text == "," and token.kind == "op":
                    commas = True
                    self.i += 1
                    continue
                saved_depth = self.depth
                self.depth = 0  # a newline ends an entry inside a matrix literal
                try:
                    rows[-1].append(self.sum())
                finally:
                    self.depth = saved_depth
        finally:
            self.in_row = False
        rows = [row for row in rows if row]
        if commas or all(len(row) == 1 for row in rows):  # [a, b], [a; b], one per line
            return [item for row in rows for item in row]
        if len(rows) == 1:  # [a b c]: a row, read as the vector it lists
            return rows[0]
        return rows

    def call(self, name: str, line: int) -> object:
        self.expect("(")
        self.nest()
        args: list[object] = []
        kwargs: dict[str, object] = {}
        try:
            while not self.at(")"):
                token = self.peek()
                following = self.tokens[self.i + 1] if self.i + 1 < self.end else None
                if token is not None and token.text == ";":
                    self.next()
                    continue
                if (
                    token is not None
                    and token.kind == "name"
                    and following is not None
                    and following.text == "="
                ):
                    self.i += 2
                    end = self._argument_end(self.i)
                    try:
                        kwargs[token.text] = self.value()
                    except Unreadable as error:
                        kwargs[token.text] = Failed(error.reason, error.line)
                        self.i = end
                else:
                    end = self._argument_end(self.i)
                    try:
                        args.append(self.value())
                    except Unreadable as error:
                        args.append(Failed(error.reason, error.line))
                        self.i = end
                if self.at(","):
                    self.next()
                elif not self.at(")") and not self.at(";"):
                    token = self.next()
                    raise Unreadable(f"expected , or ), found {token.text!r}", token.line)
            self.next()
        finally:
            self.depth -= 1
        return _apply(name, args, kwargs, line, self.language)

    def _argument_end(self, start: int) -> int:
        """The index of the ``,``, ``;`` or ``)`` that ends the argument starting at ``start``."""
        level = 0
        for j in range(start, self.end):
            token = self.tokens[j]
            if token.kind != "op":
                continue
            if token.text in "([{":
                level += 1
            elif token.text in ")]}":
                if level == 0:
                    return j
                level -= 1
            elif token.text in ",;" and level == 0:
                return j
        return self.end


def read_value(tokens: list[Token], start: int, end: int, env: Environment,
               language: Language) -> object:  # fmt: skip
    """The value of the expression ``tokens[start:end]``; raises :class:`Unreadable`."""
    reader = _Reader(tokens, start, end, env, language)
    value = reader.value()
    while reader.i < end and tokens[reader.i].kind == "newline":
        reader.i += 1
    if reader.i < end:
        token = tokens[reader.i]
        raise Unreadable(f"cannot read {token.text!r} after the value", token.line)
    return value


# --------------------------------------------------------------------------- arithmetic


def _scalar(value: object, line: int) -> Scalar:
    if isinstance(value, bool) or not isinstance(value, Scalar):
        if isinstance(value, Call):
            raise Unreadable(f"{value.callee}(...) is not read as a number", value.line)
        if isinstance(value, str):
            raise Unreadable(f"the string {value!r} is not a number", line)
        raise Unreadable("an array where a number is expected", line)
    return value


def _binary(left: object, op: str, right: object, line: int) -> Scalar:
    a, b = _scalar(left, line), _scalar(right, line)
    digits = a.decimal_digits + b.decimal_digits
    if op in "+-":
        if b.level == 3 and b.text.startswith("-"):  # a - -b
            op, b = (
                ("+" if op == "-" else "-"),
                Scalar(b.text[1:], 4, b.decimal_digits, b.magnitude),
            )
        if b.text == "0":
            return a
        if a.text == "0" and op == "+":
            return b
        text = f"{a.text} {op} {_wrap(b, 2)}"
        return Scalar(text, 1, digits, a.magnitude + b.magnitude)
    if op == "*":
        text = f"{_wrap(a, 2)}*{_wrap(b, 3)}"
        return Scalar(text, 2, digits, a.magnitude * b.magnitude)
    if b.text == "0":
        raise Unreadable("division by zero", line)
    text = f"{_wrap(a, 2)}/{_wrap(b, 3)}"
    return Scalar(text, 2, digits, a.magnitude / b.magnitude if b.magnitude else 0.0)


def _negate(value: object, line: int) -> object:
    if isinstance(value, list):
        return [_negate(item, line) for item in value]
    a = _scalar(value, line)
    if a.text == "0":
        return a
    if a.level >= 2 and a.text.startswith("-"):  # -(-x) and -(-x/y): the sign of the first factor
        return Scalar(a.text[1:], 2 if a.level == 2 else 4, a.decimal_digits, a.magnitude)
    if a.level == 1:
        return Scalar(f"-({a.text})", 3, a.decimal_digits, a.magnitude)
    return Scalar(f"-{a.text}", min(a.level, 3), a.decimal_digits, a.magnitude)


def _sqrt(value: object, line: int) -> Scalar:
    a = _scalar(value, line)
    return Scalar(f"sqrt({a.text})", 9, a.decimal_digits, a.magnitude**0.5)


def _power(base: object, exponent: object, line: int) -> Scalar:
    a, e = _scalar(base, line), _scalar(exponent, line)
    compact = e.text.replace(" ", "").strip("()")
    if compact in ("1/2", "0.5"):
        return _sqrt(a, line)
    if compact in ("-1/2", "-0.5"):
        return Scalar(f"1/sqrt({a.text})", 2, a.decimal_digits)
    if not re.fullmatch(r"-?[0-9]+", compact):
        raise Unreadable(
            f"the power {a.text}^{e.text} has an exponent that is not an integer", line
        )
    power = int(compact)
    if abs(power) > limits.MAX_POWER_EXPONENT:
        raise Unreadable(
            f"the exponent {power} exceeds the limit of {limits.MAX_POWER_EXPONENT}", line
        )
    shown = f"({power})" if power < 0 else str(power)
    return Scalar(
        f"{_wrap(a, 9)}^{shown}", 4, a.decimal_digits, a.magnitude**power if a.magnitude else 0.0
    )


def _short_name(name: str) -> str:
    head, _, tail = name.rpartition(".")
    return tail if head in _MODULE_PREFIXES or head.split(".")[0] in _MODULE_PREFIXES else name


def _dimension(value: object, line: int) -> int:
    scalar = _scalar(value, line)
    if not re.fullmatch(r"[0-9]+", scalar.text) or int(scalar.text) > MAX_ARRAY:
        raise Unreadable(f"an array dimension of {scalar.text} (at most {MAX_ARRAY} is read)", line)
    return int(scalar.text)


def _apply(name: str, args: list[object], kwargs: dict[str, object], line: int,
           language: Language) -> object:  # fmt: skip
    """The value of a call of a known pure function of literals, else an unread :class:`Call`."""
    short = _short_name(name)
    for arg in args:
        if isinstance(arg, Failed) and short in _SQRT | _TYPE_WRAPPERS | _RATIONAL_CALLS | _ZEROS:
            raise Unreadable(arg.reason, arg.line)
    if short in _SQRT and len(args) == 1:
        return _sqrt(args[0], line)
    if short == "convert" and len(args) == 2:
        return args[1]
    if short == "map" and len(args) == 2:
        return args[1]
    if short in _RATIONAL_CALLS or name in _RATIONAL_CALLS:
        if len(args) == 1 and isinstance(args[0], str):
            return _scalar_from_string(args[0], line, language)
        if len(args) == 2:
            return _binary(args[0], "/", args[1], line)
        if len(args) == 1:
            return args[0]
    if short in _ZEROS:
        dims = [
            a
            for a in args
            if not (
                isinstance(a, Call)
                or (isinstance(a, Scalar) and not re.fullmatch(r"[0-9]+", a.text))
            )
        ]
        if len(dims) == 1 and isinstance(dims[0], list):
            dims = list(dims[0])
        sizes = [_dimension(d, line) for d in dims]
        if len(sizes) == 1:
            return [ZERO] * sizes[0]
        if len(sizes) == 2:
            return [[ZERO] * sizes[1] for _ in range(sizes[0])]
        raise Unreadable("a zero array of this shape is not read", line)
    if short in _TYPE_WRAPPERS or name in _TYPE_WRAPPERS:
        if short in ("Matrix", "Vector", "Array") and args and isinstance(args[0], Call):
            args = args[1:]
        if args and isinstance(args[0], str):
            return _scalar_from_string(args[0], line, language)
        if (
            short in ("Matrix", "Vector", "Array")
            and len(args) >= 1
            and all(isinstance(a, Scalar) for a in args)
            and (len(args) > 1 or short == "Vector")
        ):
            sizes = [_dimension(a, line) for a in args]
            return (
                [ZERO] * sizes[0]
                if len(sizes) == 1
                else [[ZERO] * sizes[1] for _ in range(sizes[0])]
            )
        if len(args) >= 1:
            return args[0]
    return Call(name, args, kwargs, line)


# --------------------------------------------------------------------------- statements

_CONTINUES = {"+", "-", "*", "/", "//", "=", ",", "(", "[", "{", "^", "**", "\\"}


def statements(tokens: list[Token], separators: tuple[str, ...] = (";",),
               newline_ends: bool = True) -> list[tuple[int, int]]:  # fmt: skip
    """``(start, end)`` token ranges of the statements: split at ``separators`` and (when
    ``newline_ends``) at line ends outside brackets, a line that ends in an operator or a
    comma going on.  A brace among the separators (C) always splits, and starts the count of
    brackets afresh (``ARK_BUTCHER_TABLE(NAME, { … })`` holds statements)."""
    ranges: list[tuple[int, int]] = []
    depth, start = 0, 0
    for i, token in enumerate(tokens):
        brace = token.kind == "op" and token.text in "{}" and token.text in separators
        if brace:
            depth = 0
        elif token.kind == "op" and token.text in "([{":
            depth += 1
        elif token.kind == "op" and token.text in ")]}":
            depth = max(0, depth - 1)
        ends = brace or (token.kind == "op" and token.text in separators and depth == 0)
        if token.kind == "newline" and newline_ends and depth == 0:
            previous = tokens[i - 1] if i > start else None
            ends = previous is None or not (previous.kind == "op" and previous.text in _CONTINUES)
        if ends:
            if i > start:
                ranges.append((start, i))
            start = i + 1
    if start < len(tokens):
        ranges.append((start, len(tokens)))
    return [(a, b) for a, b in ranges if any(t.kind != "newline" for t in tokens[a:b])]


def strip_range(tokens: list[Token], start: int, end: int) -> tuple[int, int]:
    """The range without its leading and trailing line ends."""
    while start < end and tokens[start].kind == "newline":
        start += 1
    while end > start and tokens[end - 1].kind == "newline":
        end -= 1
    return start, end


def top_level_equals(tokens: list[Token], start: int, end: int) -> int | None:
    """The index of the assignment ``=`` of the statement, if it is one."""
    depth = 0
    for i in range(start, end):
        token = tokens[i]
        if token.kind != "op":
            continue
        if token.text in "([{":
            depth += 1
        elif token.text in ")]}":
            depth -= 1
        elif token.text == "=" and depth == 0:
            return i
    return None


def read_or_fail(tokens: list[Token], start: int, end: int, env: Environment,
                 language: Language) -> object:  # fmt: skip
    """:func:`read_value`, an unreadable form kept as :class:`Failed`."""
    try:
        return read_value(tokens, start, end, env, language)
    except Unreadable as error:
        return Failed(error.reason, error.line)
    except RecursionError:
        return Failed("nested too deeply", tokens[start].line)


def assign_index(target: object, indices: list[int], value: object, line: int) -> None:
    """``target[indices] = value`` on a list read from a zero array (0-based indices)."""
    if isinstance(target, Failed):
        raise Unreadable(target.reason, target.line)
    if not isinstance(target, list):
        raise Unreadable("an entry assigned to something that is not an array", line)
    if len(indices) == 1 and target and isinstance(target[0], list):
        rows = len(target)  # a linear index into a matrix: column-major, as Julia's
        i, j = indices[0] % rows, indices[0] // rows
        indices = [i, j]
    holder = target
    for k, index in enumerate(indices):
        if not 0 <= index < len(holder):
            raise Unreadable(f"index {index} is outside the array", line)
        if k == len(indices) - 1:
            holder[index] = value
        else:
            holder = holder[index]
            if not isinstance(holder, list):
                raise Unreadable("too many indices for the array", line)


def read_indices(tokens: list[Token], start: int, end: int, env: Environment,
                 language: Language) -> list[int]:  # fmt: skip
    """The indices of ``[i, j]`` / ``[i][j]`` in ``tokens[start:end]``, 0-based."""
    indices: list[int] = []
    i = start
    while i < end:
        if tokens[i].text != "[":
            raise Unreadable("cannot read this assignment target", tokens[i].line)
        depth, j = 0, i
        while j < end:
            if tokens[j].text == "[":
                depth += 1
            elif tokens[j].text == "]":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        parts = [i + 1]
        level = 0
        for k in range(i + 1, j):
            if tokens[k].text in "([":
                level += 1
            elif tokens[k].text in ")]":
                level -= 1
            elif tokens[k].text == "," and level == 0:
                parts.append(k + 1)
        parts.append(j + 1)
        for a, b in itertools.pairwise(parts):
            value = read_value(tokens, a, b - 1, env, language)
            if not isinstance(value, Scalar) or not re.fullmatch(r"[0-9]+", value.text):
                raise Unreadable("an index that is not an integer literal", tokens[a].line)
            indices.append(int(value.text) - language.index_base)
        i = j + 1
    return indices
