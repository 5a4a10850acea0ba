"""The coefficient grammar: a small parser of our own, never ``eval`` or ``sympify``.

A coefficient is a TOML integer, a TOML float, or a string in this grammar::

    expression := term (("+" | "-") term)*
    term       := fraction (("*" | "/") fraction)*
    fraction   := unary ("//" unary)*                 # Julia's rational: binds tighter than * and /
    unary      := ("+" | "-" | "√") unary | power
    power      := atom (("^" | "**") unary)?          # right-associative
    atom       := number | name | "pi" | "π" | "sqrt" "(" expression ")" | "(" expression ")"
    number     := mantissa [exponent] [kind]
    mantissa   := digits ["." [digits]] | "." digits
    exponent   := ("e" | "E" | "d" | "D" | "q" | "Q" | "*^") ["+" | "-"] digits
    kind       := "_" letter (letter | digit | "_")*   # a Fortran kind parameter: 1.0_dp

``-2^2`` is ``-4`` and ``2^3^2`` is ``2^9``, as in mathematics.  The spellings that
real sources paste are read as they mean there: Fortran's ``D`` (and ``Q``) exponents
(``0.526D-01``, ``1.d0``) and kind suffixes (``1.0_dp``), Mathematica's ``*^`` exponent
(``1.5*^-3``), Julia's ``//`` rationals (``1//2``, at Julia's precedence, between
integers and rationals only), and the typeset ``−`` (U+2212), ``√`` and ``π``.  A
decimal written in any of these spellings is still a decimal (approximate); a rational
is exact.  Forms that are ambiguous or foreign (``1.0_16``, ``0.5f``, ``Sqrt[2]``,
``BigFloat("0.5")``, ``2×3``) are refused with a message that says how to write them.

A power's exponent must be a constant integer of modest size; a name must be a declared
parameter.  Parsing builds a tree of frozen nodes; constant parts are reduced to
exact rationals as they are read, with every size checked against
:mod:`tableau_compiler.limits` first, so hostile text (``9^9^9^9``, huge
literals, deep nesting) is refused in microseconds.

Two readings of a parsed coefficient follow: :meth:`Expression.rational` (an exact
:class:`fractions.Fraction`, for the common all-rational scheme, with no sympy
import) and :meth:`Expression.to_sympy` (exact sympy numbers and symbols).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from . import limits
from .errors import CoefficientError, LimitError

if TYPE_CHECKING:
    import sympy

__all__ = [
    "Expression",
    "WrittenFloat",
    "expression_from_toml",
    "parse_expression",
    "written_float",
]


# --------------------------------------------------------------------------- nodes


class _Node:
    """An immutable syntax-tree node, compared and hashed by its type and fields, printed as
    a dataclass prints.  (Seven frozen dataclasses cost about 7 ms to create at import,
    a twentieth of ``tabc check``'s whole run; these nodes are internal to this module.)"""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    _defaults: ClassVar[Mapping[str, object]] = {}

    def __init__(self, *values: object, **named: object) -> None:
        given = dict(zip(self._fields, values), **named)
        for name in self._fields:
            value = given.pop(name) if name in given else self._defaults.get(name, given)
            if value is given or len(values) > len(self._fields):  # missing, or too many
                raise TypeError(f"{type(self).__name__} takes the fields {self._fields}")
            object.__setattr__(self, name, value)
        if given:
            raise TypeError(f"{type(self).__name__} has no field {next(iter(given))!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a syntax tree is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a syntax tree is immutable")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


class Number(_Node):
    __slots__ = _fields = ("value", "decimal")
    value: Fraction
    decimal: bool  # written with a point or an exponent: an approximate coefficient


class Name(_Node):
    __slots__ = _fields = ("name",)
    name: str


class Pi(_Node):
    __slots__ = ()


class Sqrt(_Node):
    __slots__ = _fields = ("argument",)
    argument: Node


class Sum(_Node):
    __slots__ = _fields = ("terms",)
    terms: tuple[tuple[int, Node], ...]  # (sign, term): sign is +1 or -1


class Product(_Node):
    __slots__ = _fields = ("factors",)
    factors: tuple[tuple[int, Node], ...]  # (exponent sign, factor): -1 divides


class Power(_Node):
    __slots__ = _fields = ("base", "exponent", "decimal_exponent")
    _defaults: ClassVar[Mapping[str, object]] = {"decimal_exponent": False}
    base: Node
    exponent: int
    decimal_exponent: bool  # the exponent was written as a decimal ("x^2.0"); default False


Node = Number | Name | Pi | Sqrt | Sum | Product | Power


# --------------------------------------------------------------------------- the value


@dataclass(frozen=True)
class Expression:
    """A parsed coefficient: its source text and its syntax tree."""

    text: str
    tree: Node

    @property
    def names(self) -> frozenset[str]:
        """The parameter names the expression uses."""
        return frozenset(_names(self.tree))

    @property
    def is_approximate(self) -> bool:
        """Whether any literal was written as a decimal (or came from a TOML float)."""
        return _any_decimal(self.tree)

    def radicals(self) -> dict[str, int]:
        """Each distinct square root (by the text of its argument's tree) with its nesting depth."""
        found: dict[str, int] = {}

        def walk(node: Node, depth: int) -> None:
            if isinstance(node, Sqrt):
                found[repr(node.argument)] = max(found.get(repr(node.argument), 0), depth + 1)
                depth += 1
            for child in _children(node):
                walk(child, depth)

        walk(self.tree, 0)
        return found

    def rational(self, values: Mapping[str, Fraction] | None = None) -> Fraction | None:
        """The exact rational value, or None when it involves sqrt, pi or an unknown name.

        ``values`` gives rational values to parameter names.
        """
        return _rational(self.tree, values or {})

    def to_sympy(self, symbols: dict[str, sympy.Symbol] | None = None) -> sympy.Expr:
        """The exact value as a sympy expression; names map to ``symbols``."""
        import sympy

        value = _to_sympy(self.tree, symbols or {}, sympy)
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise CoefficientError(f"{self.text!r} divides by zero")
        if value.is_real is False:
            raise CoefficientError(f"{self.text!r} is not a real number")
        return value

    def __str__(self) -> str:
        return self.text


def _names(node: Node) -> set[str]:
    if isinstance(node, Name):
        return {node.name}
    return set().union(*(_names(child) for child in _children(node)))


def _any_decimal(node: Node) -> bool:
    if isinstance(node, Number):
        return node.decimal
    if isinstance(node, Power) and node.decimal_exponent:
        return True
    return any(_any_decimal(child) for child in _children(node))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Sqrt):
        return (node.argument,)
    if isinstance(node, Power):
        return (node.base,)
    if isinstance(node, Sum):
        return tuple(term for _, term in node.terms)
    if isinstance(node, Product):
        return tuple(factor for _, factor in node.factors)
    return ()


def _rational(node: Node, values: Mapping[str, Fraction] | None = None) -> Fraction | None:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return values.get(node.name) if values else None
    if isinstance(node, (Pi, Sqrt)):
        return None
    if isinstance(node, Power):
        base = _rational(node.base, values)
        if base is None or (base == 0 and node.exponent < 0):
            return None
        return base**node.exponent
    pairs = node.terms if isinstance(node, Sum) else node.factors
    parts = [(sign, _rational(child, values)) for sign, child in pairs]
    if any(value is None for _, value in parts):
        return None
    if isinstance(node, Sum):
        return sum((sign * value for sign, value in parts), Fraction(0))
    result = Fraction(1)
    for sign, value in parts:
        if sign < 0 and value == 0:
            return None  # division by zero at these values: left to the exact sympy reading
        result = result * value if sign > 0 else result / value
    return result


def _to_sympy(node: Node, symbols: dict, sympy) -> sympy.Expr:
    if isinstance(node, Number):
        return sympy.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Name):
        # a value given for a name may be zero (falsy): look it up, don't `or` it
        return symbols[node.name] if node.name in symbols else sympy.Symbol(node.name, real=True)
    if isinstance(node, Pi):
        return sympy.pi
    if isinstance(node, Sqrt):
        return sympy.sqrt(_to_sympy(node.argument, symbols, sympy))
    if isinstance(node, Power):
        return sympy.Pow(_to_sympy(node.base, symbols, sympy), sympy.Integer(node.exponent))
    if isinstance(node, Sum):
        return sympy.Add(*(sign * _to_sympy(term, symbols, sympy) for sign, term in node.terms))
    return sympy.Mul(
        *(sympy.Pow(_to_sympy(factor, symbols, sympy), sign) for sign, factor in node.factors)
    )


# --------------------------------------------------------------------------- reading


_TOKEN_PATTERN = r"""\s*(?:
        (?P<number>
            (?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)           # mantissa: 1, 1., 1.5, .5
            (?:(?:[eEdDqQ]|\*\^)[+-]?[0-9]+)?          # exponent: e, Fortran D/Q, Mathematica *^
            (?:_[A-Za-z0-9_]*)?                        # a Fortran kind suffix (checked in _number)
        )
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*|π)
      | (?P<op>\*\*|//|[-+*/^()]|−|√)
    )"""


@cache
def _token() -> re.Pattern[str]:
    """The tokenizer's pattern, compiled on first use (a plain rational such as 1/6 never
    needs it: :data:`_SIMPLE_RATIONAL`)."""
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)


_KIND = re.compile(r"_[A-Za-z][A-Za-z0-9_]*")
_EXPONENT_MARK = re.compile(r"[dDqQ]|\*\^")

# Characters that typeset or foreign text carries, with how to write them here.
_CHARACTER_HINTS = {
    "×": "write * for a product, and 1.5e-3 for 1.5 × 10⁻³",
    "·": "write * for a product",
    "⋅": "write * for a product",
    "∗": "write * for a product",
    "÷": "write / for a quotient",
    "⁄": "write / for a quotient",
    "–": "if it is a minus sign, write -",
    "—": "if it is a minus sign, write -",
    "‒": "if it is a minus sign, write -",
    "`": "drop Mathematica's precision mark: write 0.5`20 as 0.5",
    "\\": "LaTeX is not read: write \\frac{a}{b} as (a)/(b) and \\sqrt{x} as sqrt(x)",
    "[": "brackets are not read: write ( ) for grouping and sqrt(x) for Mathematica's Sqrt[x]",
    "{": "braces are not read: write ( ) for grouping",
    "%": "% is not an operator here: write the quotient with /",
    "'": "quotes are not read: write the number itself",
    '"': "quotes are not read: write the number itself",
}
_SQRT_SPELLINGS = frozenset({"Sqrt", "SQRT", "DSQRT", "dsqrt", "Dsqrt", "QSQRT"})
_PI_SPELLINGS = frozenset({"Pi", "PI", "M_PI"})
_MODULES = frozenset(
    {"np", "numpy", "math", "Math", "mp", "mpmath", "sympy", "sp", "torch", "Base", "std"}
)
_WRAPPERS = frozenset({
    "big", "BigFloat", "BigInt", "Float64", "Float32", "Float16", "float", "Rational", "convert",
    "parse", "T", "N", "mpf", "mpq", "Fraction", "Decimal", "Real", "real", "dble", "DBLE",
    "double", "Int", "int", "SetPrecision", "Rationalize", "Float", "Integer",
})  # fmt: skip
_C_SUFFIXES = frozenset({"f", "F", "l", "L", "q", "Q"})


_SIMPLE_RATIONAL = re.compile(r"\s*([+-]?)\s*([0-9]+)\s*(?:/\s*([0-9]+))?\s*")


def parse_expression(text: str, parameters: frozenset[str] | set[str] = frozenset()) -> Expression:
    """Parse coefficient text; ``parameters`` are the names it may use.

    Raises :class:`CoefficientError` (or its subclass :class:`LimitError`) with a
    message that quotes the offending part of the text and, for a spelling another
    language or a typesetter uses, says how to write it here.
    """
    if len(text) > limits.MAX_EXPRESSION_LENGTH:
        raise LimitError(
            f"expression of {len(text):,} characters is longer than the limit of "
            f"{limits.MAX_EXPRESSION_LENGTH:,}"
        )
    simple = _SIMPLE_RATIONAL.fullmatch(text)
    if simple is not None:  # the common "p", "-p/q": no tokens, no tree walk
        sign, numerator, denominator = simple.groups()
        if len(numerator) + len(denominator or "") <= limits.MAX_LITERAL_DIGITS:
            if denominator is not None and int(denominator) == 0:
                raise CoefficientError(f"{_shown(text)} divides by zero")
            value = Fraction(int(numerator), int(denominator or 1))
            return Expression(
                text, Number(_check_size(-value if sign == "-" else value, text), False)
            )
    tokens = _tokenize(text, frozenset(parameters))
    parser = _Parser(text, tokens, frozenset(parameters))
    tree = parser.expression(depth=0)
    if parser.position < len(tokens):
        raise CoefficientError(_unexpected(text, tokens, parser.position))
    return Expression(text, tree)


class WrittenFloat(float):
    """A TOML float that keeps the text it was written as (read with ``tomllib``'s
    ``parse_float`` hook, :func:`written_float`).

    A coefficient written ``0.5153528374311229364`` is the decimal 5153528374311229364/10^19,
    not the float64 nearest to it: TOML's float type holds 17 significant digits, and a
    table pasted from a paper or a solver's source holds more.  The float value serves where
    a number is wanted (``tolerance``); a coefficient is read from :attr:`text`.
    """

    text: str


def written_float(text: str) -> WrittenFloat:
    """``parse_float`` for :func:`tomllib.loads`: the float, with its text (TOML's digit
    grouping underscores removed, as TOML reads them)."""
    plain = text.replace("_", "")
    value = WrittenFloat(plain)
    value.text = plain
    return value


def expression_from_toml(
    value: object, parameters: frozenset[str] | set[str] = frozenset()
) -> Expression:
    """Read a coefficient as TOML gives it: an int, a float or expression text."""
    if isinstance(value, bool):
        raise CoefficientError(f"expected a number or an expression string, got {value!r}")
    if isinstance(value, int):
        if value.bit_length() > limits.MAX_RATIONAL_BITS:
            raise LimitError("integer coefficient is too large")
        return Expression(str(value), Number(Fraction(value), decimal=False))
    if isinstance(value, WrittenFloat) and value.text.lstrip("+-") not in ("inf", "nan"):
        # the decimal as written, all its digits, under the limits of any decimal (1e999 is
        # a decimal exponent past the limit, not float infinity)
        return parse_expression(value.text)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CoefficientError(f"{value!r} is not a finite number")
        # A float without its text: the shortest text that reads back as it.
        text = repr(value)
        return Expression(text, Number(Fraction(text), decimal=True))
    if isinstance(value, str):
        return parse_expression(value, parameters)
    raise CoefficientError(
        f"expected a number or an expression string, got a TOML {_toml_type(value)}"
    )


def _toml_type(value: object) -> str:
    return {list: "array", dict: "table"}.get(type(value), type(value).__name__)


def _shown(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _tokenize(text: str, parameters: frozenset[str] = frozenset()) -> list[tuple[str, str, int]]:
    """Tokens as (kind, text, 1-based column); U+2212 MINUS SIGN is read as "-".

    ``parameters`` only keeps a declared name from being explained as a foreign one.
    """
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _token().match(text, position)
        if match is None:
            column = position + len(text[position:]) - len(text[position:].lstrip()) + 1
            character = text[column - 1]
            hint = _CHARACTER_HINTS.get(character)
            called = [t for t in tokens if t[1] != "("][-1:]  # "Sqrt[", "np.", "BigFloat(\""
            if called and called[0][0] == "name" and called[0][1] not in parameters:
                hint = _unknown_name_hint(called[0][1], character) or hint
            raise CoefficientError(
                f"unexpected character {character!r} at column {column} in {_shown(text)}"
                + (f" ({hint})" if hint else "")
            )
        kind = match.lastgroup
        assert kind is not None  # one alternative always matched
        value = match.group(kind)
        tokens.append((kind, "-" if value == "−" else value, match.start(kind) + 1))
        position = match.end()
    return tokens


def _check_size(value: Fraction, text: str) -> Fraction:
    if max(value.numerator.bit_length(), value.denominator.bit_length()) > limits.MAX_RATIONAL_BITS:
        raise LimitError(f"a constant in {_shown(text)} exceeds {limits.MAX_RATIONAL_BITS:,} bits")
    return value


def _number(literal: str, text: str) -> Number:
    """A number token's exact value; decimal when written with a point or an exponent.

    The exponent may be spelt ``e``, Fortran's ``d``/``q`` or Mathematica's ``*^``, and a
    Fortran kind suffix (``_dp``) may follow: neither changes the value written.
    """
    body, underscore, kind = literal.partition("_")
    if underscore and not _KIND.fullmatch(underscore + kind):
        where = "" if literal == text.strip() else f" in {_shown(text)}"
        grouped = body + kind.replace("_", "")
        if re.fullmatch(r"[0-9]{1,2}", kind):
            raise CoefficientError(
                f"{literal!r}{where} is ambiguous: an underscore after a number is a Fortran "
                f"kind ({body} of kind {kind}) or digit grouping ({grouped}); write the number "
                f"alone: {body!r} or {grouped!r}"
            )
        raise CoefficientError(
            f"{literal!r}{where}: digits are not grouped with underscores here; write {grouped!r}"
        )
    mantissa, _, exponent = _EXPONENT_MARK.sub("e", body).lower().partition("e")
    digits = sum(ch.isdigit() for ch in mantissa)
    if digits > limits.MAX_LITERAL_DIGITS:
        raise LimitError(
            f"number literal of {digits:,} digits exceeds the limit of {limits.MAX_LITERAL_DIGITS:,}"
        )
    if exponent:
        exponent_digits = exponent.lstrip("+-").lstrip("0")
        if len(exponent_digits) > 4 or int(exponent or "0") not in range(
            -limits.MAX_DECIMAL_EXPONENT, limits.MAX_DECIMAL_EXPONENT + 1
        ):
            raise LimitError(
                f"decimal exponent in {literal[:40]!r} exceeds ±{limits.MAX_DECIMAL_EXPONENT}"
            )
    decimal = "." in mantissa or bool(exponent)
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or "0")
    return Number(_check_size(value, text), decimal=decimal)


def _unexpected(text: str, tokens: list[tuple[str, str, int]], position: int) -> str:
    """The message for a token that cannot continue the expression, with how to write it."""
    kind, value, column = tokens[position]
    message = f"unexpected {value!r} at column {column} in {_shown(text)}"
    if position == 0:
        return message
    before_kind, before, before_column = tokens[position - 1]
    adjacent = before_column + len(before) == column
    if before_kind == "number" and kind == "name" and adjacent and value in _C_SUFFIXES:
        return f"{message} (a C type suffix: write {before!r} without it)"
    if before_kind == "number" and kind == "name" and adjacent and value[0] in "eEdDqQ":
        return f"{message} (an exponent needs digits, as in {before + 'e-3'!r})"
    if before_kind == "number" and kind == "number" and not adjacent:
        return f"{message} (digits grouped by spaces? write them together; a product needs *)"
    ends_atom = before_kind in ("number", "name") or before == ")"
    starts_atom = kind in ("number", "name") or value in ("(", "√")
    if ends_atom and starts_atom:
        rewritten = text[: column - 1].rstrip() + "*" + text[column - 1 :]
        shown = f"write {rewritten!r}" if len(rewritten) <= 60 else "write * between them"
        return f"{message} (a product needs *: {shown})"
    return message


def _unknown_name_hint(name: str, following: str | None) -> str:
    """How to write a name that is not in the grammar, when we know what it usually means."""
    if name in _SQRT_SPELLINGS:
        return "write the square root as sqrt(x)"
    if name in _PI_SPELLINGS:
        return "write π as pi"
    if name in _MODULES:
        return "write functions without a module: sqrt(x), pi"
    if name in _WRAPPERS:
        return "write the number alone, without the wrapper: 0.5, 1/3 or 1//3"
    if following == "[":
        return "brackets are not read: write sqrt(x) for Sqrt[x]"
    return ""


class _Parser:
    def __init__(self, text: str, tokens: list[tuple[str, str, int]], parameters: frozenset[str]):
        self.text = text
        self.tokens = tokens
        self.parameters = parameters
        self.position = 0

    # -- token helpers
    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def accept(self, *ops: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ops:
            self.position += 1
            return token[1]
        return None

    def expect(self, op: str) -> None:
        if self.accept(op) is None:
            token = self.peek()
            found = "the end" if token is None else f"{token[1]!r} at column {token[2]}"
            raise CoefficientError(f"expected {op!r} but found {found} in {_shown(self.text)}")

    def deeper(self, depth: int) -> int:
        if depth >= limits.MAX_EXPRESSION_NESTING:
            raise LimitError(
                f"expression nests deeper than the limit of {limits.MAX_EXPRESSION_NESTING}"
            )
        return depth + 1

    # -- grammar
    def expression(self, depth: int) -> Node:
        terms = [(1, self.term(depth))]
        while (op := self.accept("+", "-")) is not None:
            terms.append((1 if op == "+" else -1, self.term(depth)))
        return terms[0][1] if len(terms) == 1 else self.fold_sum(tuple(terms))

    def term(self, depth: int) -> Node:
        factors = [(1, self.fraction(depth))]
        while (op := self.accept("*", "/")) is not None:
            factors.append((1 if op == "*" else -1, self.fraction(depth)))
        return factors[0][1] if len(factors) == 1 else self.fold_product(tuple(factors))

    def fraction(self, depth: int) -> Node:
        """Julia's ``p//q``: binds tighter than * and /, left-associative, between exact rationals."""
        left = self.unary(depth)
        while self.accept("//") is not None:
            right = self.unary(depth)
            values = [_rational(x) if not _any_decimal(x) else None for x in (left, right)]
            if values[0] is None or values[1] is None:
                raise CoefficientError(
                    f"// (Julia's rational) joins integers and rationals only, as in Julia, in "
                    f"{_shown(self.text)}; write / for other quotients"
                )
            if values[1] == 0:
                raise CoefficientError(f"{_shown(self.text)} divides by zero")
            left = Number(_check_size(values[0] / values[1], self.text), decimal=False)
        return left

    def unary(self, depth: int) -> Node:
        if (op := self.accept("+", "-")) is not None:
            operand = self.unary(self.deeper(depth))
            return operand if op == "+" else self.fold_sum(((-1, operand),))
        if self.accept("√") is not None:  # Julia's prefix √, at the level of unary minus
            return self.square_root(self.unary(self.deeper(depth)))
        return self.power(depth)

    def square_root(self, argument: Node) -> Node:
        constant = _rational(argument)
        if constant is not None and constant < 0:
            raise CoefficientError(f"square root of a negative number in {_shown(self.text)}")
        return Sqrt(argument)

    def power(self, depth: int) -> Node:
        base = self.atom(depth)
        if self.accept("^", "**") is None:
            return base
        exponent_node = self.unary(self.deeper(depth))
        exponent = _rational(exponent_node)
        if exponent is None or exponent.denominator != 1:
            raise CoefficientError(
                f"an exponent must be a constant integer in {_shown(self.text)} (use sqrt for roots)"
            )
        if abs(exponent) > limits.MAX_POWER_EXPONENT:
            raise LimitError(
                f"exponent {_short_int(exponent.numerator)} exceeds the limit of "
                f"±{limits.MAX_POWER_EXPONENT} in {_shown(self.text)}"
            )
        value = _rational(base)
        if value is not None:
            if value == 0 and exponent < 0:
                raise CoefficientError(f"{_shown(self.text)} divides by zero")
            bits = max(value.numerator.bit_length(), value.denominator.bit_length())
            if bits * abs(int(exponent)) > limits.MAX_RATIONAL_BITS:
                raise LimitError(
                    f"a constant in {_shown(self.text)} exceeds {limits.MAX_RATIONAL_BITS:,} bits"
                )
            decimal = _any_decimal(base) or _any_decimal(exponent_node)
            return Number(value ** int(exponent), decimal=decimal)
        return Power(base, int(exponent), _any_decimal(exponent_node))

    def atom(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise CoefficientError(f"expression ends too early: {_shown(self.text)}")
        kind, value, column = token
        self.position += 1
        if kind == "number":
            return _number(value, self.text)
        if kind == "name":
            if value == "sqrt":
                self.expect("(")
                argument = self.expression(self.deeper(depth))
                self.expect(")")
                return self.square_root(argument)
            if value in ("pi", "π"):
                return Pi()
            if value in self.parameters:
                return Name(value)
            declared = ", ".join(sorted(self.parameters)) or "none"
            following = self.text[column - 1 + len(value) :].lstrip()[:1] or None
            raise CoefficientError(
                f"unknown name {value!r} in {_shown(self.text)}; allowed: numbers, + - * / ^, "
                f"sqrt(...), pi and declared parameters (declared: {declared})"
                + ("; " + hint if (hint := _unknown_name_hint(value, following)) else "")
            )
        if value == "(":
            inner = self.expression(self.deeper(depth))
            self.expect(")")
            return inner
        raise CoefficientError(_unexpected(self.text, self.tokens, self.position - 1))

    # -- constant folding keeps numbers exact and bounded as they are read
    def fold_sum(self, terms: tuple[tuple[int, Node], ...]) -> Node:
        values = [_rational(term) for _, term in terms]
        if all(value is not None for value in values):
            total = sum((sign * v for (sign, _), v in zip(terms, values)), Fraction(0))
            decimal = any(_any_decimal(term) for _, term in terms)
            return Number(_check_size(total, self.text), decimal=decimal)
        return Sum(terms)

    def fold_product(self, factors: tuple[tuple[int, Node], ...]) -> Node:
        values = [_rational(factor) for _, factor in factors]
        if all(value is not None for value in values):
            result = Fraction(1)
            for (sign, _), value in zip(factors, values):
                if sign < 0 and value == 0:
                    raise CoefficientError(f"{_shown(self.text)} divides by zero")
                result = result * value if sign > 0 else result / value
                _check_size(result, self.text)
            decimal = any(_any_decimal(factor) for _, factor in factors)
            return Number(result, decimal=decimal)
        return Product(factors)


def _short_int(value: int) -> str:
    text = str(value) if value.bit_length() < 200 else "a huge number"
    return text if len(text) <= 30 else text[:12] + "…" + text[-6:]
