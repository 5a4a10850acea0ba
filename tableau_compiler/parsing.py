"""Scheme files (format 1, ``docs/scheme-format.md``) to scheme values.

Everything a file can get wrong is reported as a :class:`SchemeError` that names
the file, the key path (``tableau.a[3][2]``, counting from 1 like a_ij) and the
line.  Reading is strict: an unknown key is an error, because a misspelt
``embeded_order`` silently ignored would let a wrong claim pass CI.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import limits
from .deferred import deferred_class
from .errors import (
    CoefficientError,
    KeyPart,
    LimitError,
    SchemaError,
    SchemeError,
    TomlSyntaxError,
)
from .expression import Expression, expression_from_toml, written_float
from .regular_file import read_regular_file, regular_file_size
from .scheme import Parameter, Scheme
from .wording import count

if TYPE_CHECKING:
    from .scheme import ButcherTableau, MultistepScheme, PartitionedTableau
else:  # for isinstance; each kind's class is imported where a scheme of that kind is built
    ButcherTableau = deferred_class("tableau_compiler.scheme.butcher", "ButcherTableau")
    MultistepScheme = deferred_class("tableau_compiler.scheme.multistep", "MultistepScheme")
    PartitionedTableau = deferred_class("tableau_compiler.scheme.partitioned", "PartitionedTableau")

__all__ = ["NAME_PATTERN", "load_scheme", "parse_scheme", "read_scheme_file"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
PARAMETER_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
RESERVED_PARAMETER_NAMES = frozenset({"sqrt", "pi", "h", "f", "y", "self", "torch"})
RESERVED_PARAMETER_PREFIX = "raw_"

KINDS = ("runge-kutta", "linear-multistep", "partitioned-runge-kutta")
PARTITIONED = "partitioned-runge-kutta"
TOP_LEVEL_KEYS = {
    "name", "kind", "order", "title", "description", "references", "tolerance",
    "tableau", "coefficients", "parameters", "separable_order", "step_scaling",
}  # fmt: skip
TABLEAU_KEYS = {"a", "b", "c", "b_hat", "error_weights", "embedded_order", "nodes"}
STEP_SCALINGS = ("fixed", "absorbed")
"""``step_scaling`` of a linear multistep scheme: see :attr:`MultistepScheme.step_scaling`."""
NODES = ("written", "row-sums")
"""``[tableau] nodes`` of a Runge–Kutta scheme: see :attr:`ButcherTableau.nodes`."""
COMPONENT_KEYS = {"a", "b", "c"}
COMPONENTS = ("q", "p")
"""The two tableaus of a partitioned pair, in file order: [tableau.q] advances q from f,
[tableau.p] advances p from g (HLW GNI §II.2)."""
COEFFICIENT_KEYS = {"alpha", "beta"}
PARAMETER_KEYS = {"value", "learnable", "bounds"}


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate one scheme file."""
    return parse_scheme(read_scheme_file(path), source=str(path))


def read_scheme_file(path: str | Path) -> bytes:
    """The bytes of a scheme file, read once.

    Only a regular file is read (a FIFO or a link to ``/dev/zero`` named ``*.toml`` is refused
    before a byte is read), and only up to :data:`limits.MAX_FILE_BYTES`; :class:`SchemeError`
    (:class:`LimitError` for the size) names the file otherwise.
    """
    path = Path(path)
    shown = str(path)

    def refused(message: str) -> SchemeError:
        return SchemeError(message, path=shown)

    size = regular_file_size(path, "a scheme file", refused)
    if size > limits.MAX_FILE_BYTES:
        raise LimitError(
            f"file of {size:,} bytes exceeds the limit of {limits.MAX_FILE_BYTES:,}", path=shown
        )
    return read_regular_file(path, limits.MAX_FILE_BYTES, "a scheme file", refused)


def parse_scheme(raw: bytes | str, *, source: str = "<scheme>") -> Scheme:
    """Validate scheme text (bytes are decoded as UTF-8) into a scheme value."""
    if isinstance(raw, bytes):
        if len(raw) > limits.MAX_FILE_BYTES:
            raise LimitError("file exceeds the size limit", path=source)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise TomlSyntaxError(
                f"not UTF-8: byte {error.start} cannot be decoded", path=source
            ) from None
    else:
        text = raw
    try:
        document = tomllib.loads(text, parse_float=written_float)
    except tomllib.TOMLDecodeError as error:
        raise _toml_syntax_error(text, error, source) from None
    except RecursionError:
        raise TomlSyntaxError("invalid TOML: nested too deeply", path=source) from None
    except ValueError:  # Python refuses to convert an integer of over 4,300 digits
        raise LimitError(
            "a number in the file has more than 4,300 digits, too long to read; a number "
            f"literal may have at most {limits.MAX_LITERAL_DIGITS:,} digits",
            path=source,
        ) from None
    try:
        _check_bare_number_spellings(text)
        return _scheme_from_document(document, source)
    except SchemeError as error:
        from .toml_locations import line_of

        raise error.located(path=source, line=line_of(text, error.key)) from None


# --------------------------------------------------------------------------- pasted TOML values

# A bare value that TOML cannot read but tabc can, once it is a string: 1/5, 0.5D-01, 1//2.
_BARE_COEFFICIENT = r"[0-9A-Za-z_.+\-*/^() \t−√π]*[0-9√π][0-9A-Za-z_.+\-*/^() \t−√π]*"
"""(A pattern for ``re.fullmatch``, whose cache compiles it once, on the first pasted file.)"""
_MARKER = "\x00tabc: the pasted value\x00"
# A bare TOML number with one underscore before one or two final digits: 1.0_16, 0.2_8.
_KIND_OR_GROUPING = re.compile(r"[+-]?[0-9][0-9.eE+-]*_[0-9]{1,2}")


def _toml_syntax_error(text: str, error: tomllib.TOMLDecodeError, source: str) -> TomlSyntaxError:
    """The error for text ``tomllib`` refuses: its message and line, and, where the cause is
    a coefficient written bare (``1/5``, ``0.5D-01``), its key path and how to write it."""
    message = str(error)
    match = re.search(r"\(at line (\d+), column (\d+)\)", message)
    line = int(match.group(1)) if match else None
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
    bare = _bare_value(text, line, int(match.group(2))) if match else None
    if bare is None:
        return TomlSyntaxError(f"invalid TOML: {message}", path=source, line=line)
    start, end = bare
    value = text[start:end]
    key, others = _locate_bare_value(text, start, end)
    if key == ("tolerance",) and (toml_float := _as_toml_float(value)) is not None:
        return TomlSyntaxError(
            f"{value} is not a TOML number: write it as a TOML float, {toml_float}",
            path=source,
            key=key,
            line=line,
        )
    if key is not None and not _is_coefficient_path(key):
        return TomlSyntaxError(f"invalid TOML: {message}", path=source, line=line)
    hint = (
        f"{value} is not a TOML value (TOML numbers are plain integers and decimals such as "
        f"0.05 or 5e-2): write it as a string, {_quoted(value)}"
    )
    if key is None:
        hint = (
            f"invalid TOML: {message}; if {value} is a coefficient, write it as a string, "
            f"{_quoted(value)}"
        )
        return TomlSyntaxError(hint, path=source, line=line)
    if others:
        lines = sorted(set(others))
        shown = ", ".join(map(str, lines[:6])) + (", …" if len(lines) > 6 else "")
        plural = "s" if len(others) > 1 else ""
        where = f"line{'s' if len(lines) > 1 else ''} {shown}"
        hint += f"; {len(others)} more value{plural} like it ({where}): quote them too"
    return TomlSyntaxError(hint, path=source, key=key, line=line)


def _as_toml_float(value: str) -> str | None:
    """A Fortran or Mathematica decimal (1D-12, 1.0d-12_dp, 1*^-12) as TOML writes it."""
    spelt = re.sub(r"_[A-Za-z][A-Za-z0-9_]*$", "", re.sub(r"[dDqQ]|\*\^", "e", value))
    if spelt.startswith("."):
        spelt = "0" + spelt
    spelt = re.sub(r"\.(?=[eE]|$)", ".0", spelt)  # 1.e-12 -> 1.0e-12
    try:
        return spelt if isinstance(tomllib.loads(f"x = {spelt}")["x"], float) else None
    except (tomllib.TOMLDecodeError, ValueError):  # ValueError: an integer over 4,300 digits
        return None


def _is_coefficient_path(path: tuple[KeyPart, ...]) -> bool:
    """Whether a key path holds a coefficient: tableau.a[i][j], coefficients.beta[j],
    parameters.k.value, parameters.k.bounds[1], ..."""
    return (
        bool(path)
        and path[0] in ("tableau", "coefficients", "parameters")
        and (isinstance(path[-1], int) or path[-1] == "value")
    )


def _bare_value(text: str, line: int, column: int) -> tuple[int, int] | None:
    """The span of the bare coefficient around line:column, when that is what TOML choked on."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    if not 1 <= line <= len(starts):
        return None
    begin = starts[line - 1]
    finish = text.find("\n", begin)
    finish = len(text) if finish < 0 else finish
    at = min(max(begin + column - 1, begin), finish)
    left = max(text.rfind(ch, begin, at) for ch in "[,={")
    if left < 0:
        return None
    right = min([i for i in (text.find(ch, at, finish) for ch in ",]}#") if i >= 0] or [finish])
    span = text[left + 1 : right]
    value = span.strip()
    if not value or not re.fullmatch(_BARE_COEFFICIENT, value):
        return None
    if not _not_toml(value):
        return None  # a valid TOML value: the fault is elsewhere
    start = left + 1 + (len(span) - len(span.lstrip()))
    return start, start + len(value)


def _quoted(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _locate_bare_value(text: str, start: int, end: int) -> tuple[tuple[KeyPart, ...] | None, list]:
    """The key path of the bare value at text[start:end], and the lines of the others like it.

    The value is replaced by a marker string, and the other bare coefficients are quoted
    (a line at a time where the line holds no string or comment, so that a pasted table
    costs a try per row) until the document reads, within a bounded number of tries; then
    the marker's path is the value's key path.
    """
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    candidate, quoted = _quote_bare_values(text, line, column, marker=(start, end))
    others = [line] * quoted
    tries = min(1024, 4_000_000 // max(len(text), 1))  # bounded work: about 4 MB parsed
    for _ in range(tries):
        try:
            document = tomllib.loads(candidate)
        except ValueError as error:  # an integer over 4,300 digits: nothing more to locate
            if not isinstance(error, tomllib.TOMLDecodeError):
                return None, others
            match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
            if match is None:
                return None, others
            line = int(match.group(1))
            candidate, quoted = _quote_bare_values(candidate, line, int(match.group(2)))
            if quoted == 0:
                return None, others
            others += [line] * quoted
            continue
        except RecursionError:
            return None, others
        return _path_of_marker(document), others
    return None, others


def _quote_bare_values(
    text: str, line: int, column: int, marker: tuple[int, int] | None = None
) -> tuple[str, int]:
    """``text`` with the bare coefficients of ``line`` quoted, and how many were.

    On a line without strings or comments every bare coefficient in a value position is
    quoted; on another, only the one at ``column`` (a string could hold delimiters).  The
    span ``marker``, if given, becomes the marker string instead (and is not counted).
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    begin = starts[line - 1]
    finish = text.find("\n", begin)
    finish = len(text) if finish < 0 else finish

    def replacement(a: int, b: int) -> tuple[str, int]:
        if marker == (a, b):
            import json

            return json.dumps(_MARKER), 0
        return _quoted(text[a:b]), 1

    if any(ch in text[begin:finish] for ch in "\"'#"):
        bare = _bare_value(text, line, column)
        if bare is None:
            return text, 0
        new, count = replacement(*bare)
        return text[: bare[0]] + new + text[bare[1] :], count
    pieces: list[str] = []
    quoted = 0
    previous = ""
    offset = begin
    for piece in re.split(r"([\[\]{},=])", text[begin:finish]):
        value = piece.strip()
        written = piece
        bare = previous in ("[", ",", "=") and bool(re.fullmatch(_BARE_COEFFICIENT, value))
        if bare and _not_toml(value):
            lead = len(piece) - len(piece.lstrip())
            a = offset + lead
            new, count = replacement(a, a + len(value))
            written = piece[:lead] + new + piece[lead + len(value) :]
            quoted += count
        if piece in ("[", "]", "{", "}", ",", "="):
            previous = piece
        elif value:
            previous = "value"
        pieces.append(written)
        offset += len(piece)
    return text[:begin] + "".join(pieces) + text[finish:], quoted


def _not_toml(value: str) -> bool:
    """Whether TOML refuses ``value`` as a value."""
    try:
        tomllib.loads(f"x = {value}")
    except tomllib.TOMLDecodeError:
        return True
    except ValueError:  # an integer over 4,300 digits is TOML, only too long for Python
        return False
    return False


def _path_of_marker(document: dict[str, Any]) -> tuple[KeyPart, ...] | None:
    stack: list[tuple[tuple[KeyPart, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if value == _MARKER:
            return path
        if isinstance(value, dict) and _MARKER in value:
            return ()  # it was a key (a [header] or a dotted key), not a value
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
    return None


def _check_bare_number_spellings(text: str) -> None:
    """Refuse a bare TOML coefficient such as ``1.0_16`` that TOML and Fortran read apart.

    TOML reads the underscore as digit grouping (1.016), a Fortran source means a kind
    suffix (1.0 of kind 16); only the author knows which, so the message shows both.
    """
    if not re.search(r"[0-9]_[0-9]", text):
        return
    from .toml_locations import scalar_texts

    try:
        written_values = scalar_texts(text)
    except ValueError:  # the scanner could not follow this (valid) TOML: nothing to add
        return
    for path, written in written_values.items():
        if not _KIND_OR_GROUPING.fullmatch(written):
            continue
        if not _is_coefficient_path(path):
            continue
        number, kind = written.split("_")
        raise CoefficientError(
            f"{written} is ambiguous: TOML reads the underscore as digit grouping "
            f"({number}{kind}), a Fortran source means a kind suffix ({number} of kind {kind}); "
            f'write the number meant: {number}{kind} or "{number}"',
            key=path,
        )


# --------------------------------------------------------------------------- helpers


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _fail(message: str, *key: KeyPart) -> SchemaError:
    return SchemaError(message, key=key)


def _type_name(value: object) -> str:
    return {
        bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"
    }.get(type(value), type(value).__name__)  # fmt: skip


def _a_type(value: object) -> str:
    """'an integer', 'a string', 'an array'... for messages."""
    name = _type_name(value)
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _check_keys(table: dict[str, Any], allowed: set[str], *key: KeyPart) -> None:
    for name in table:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise _fail(f"unknown key (known keys here: {known})", *key, name)


def _string(table: dict[Any, Any], name: KeyPart, *key: KeyPart, required: bool = False) -> str:
    if name not in table:
        if required:
            raise _fail("required key is missing", *key, name)
        return ""
    value = table[name]
    if not isinstance(value, str):
        raise _fail(f"expected a string, got {_a_type(value)}", *key, name)
    if len(value) > limits.MAX_TEXT_LENGTH:
        raise LimitError(
            f"text longer than {limits.MAX_TEXT_LENGTH:,} characters", key=(*key, name)
        )
    return value


def _integer(table: dict[str, Any], name: str, *key: KeyPart, low: int, high: int) -> int:
    if name not in table:
        raise _fail("required key is missing", *key, name)
    value = table[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"expected an integer, got {_a_type(value)}", *key, name)
    if not low <= value <= high:
        raise _fail(f"must be an integer from {low} to {high}, got {value}", *key, name)
    return value


def _array(value: object, *key: KeyPart) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"expected an array, got {_a_type(value)}", *key)
    return value


def _coefficient(value: object, names: frozenset[str], *key: KeyPart) -> Expression:
    try:
        return expression_from_toml(value, names)
    except SchemeError as error:
        raise type(error)(error.message, key=key) from None


def _vector(
    table: dict[str, Any],
    name: str,
    length: int | None,
    names: frozenset[str],
    *key: KeyPart,
    per: str = "",
    first: str = "",
) -> tuple[Expression, ...]:
    """The list ``name`` of ``length`` coefficients (any length when None).

    ``per`` says why that length (for the message); ``first`` names a leading entry that
    sources often leave out (``c_1 = 0``), so that the message can say to write it.
    """
    if name not in table:
        raise _fail("required key is missing", *key, name)
    entries = _array(table[name], *key, name)
    if length is not None and len(entries) != length:
        message = f"expected {count(length, 'entry', 'entries')}{f' ({per})' if per else ''}, got {len(entries)}"
        if len(entries) < length:
            message += "; no entry is zero by being left out: write every one, zeros included"
            if first and len(entries) == length - 1:
                message += f" (if {first} was left out, write it first)"
        raise _fail(message, *key, name)
    return tuple(_coefficient(entry, names, *key, name, i) for i, entry in enumerate(entries))


# --------------------------------------------------------------------------- the document


def _scheme_from_document(document: dict[str, Any], source: str) -> Scheme:
    _check_keys(document, TOP_LEVEL_KEYS)
    name = _string(document, "name", required=True)
    if not NAME_PATTERN.fullmatch(name):
        raise _fail(
            "must match ^[a-z][a-z0-9_]{0,63}$ (lower-case letters, digits and _; it becomes a "
            "module name)",
            "name",
        )
    kind = _string(document, "kind", required=True)
    if kind not in KINDS:
        raise _fail(f"must be one of {', '.join(map(repr, KINDS))}, got {kind!r}", "kind")
    highest = (
        limits.MAX_MULTISTEP_ORDER if kind == "linear-multistep" else limits.MAX_RUNGE_KUTTA_ORDER
    )
    order = _integer(document, "order", low=1, high=highest)
    if "separable_order" in document and kind != PARTITIONED:
        raise _fail(
            f"belongs to {PARTITIONED} schemes (the order claimed for separable systems)",
            "separable_order",
        )
    if "step_scaling" in document and kind != "linear-multistep":
        raise _fail(
            "belongs to linear-multistep schemes (whether a network absorbs the step)",
            "step_scaling",
        )
    title = _string(document, "title")
    if "\n" in title or "\r" in title:
        raise _fail("must be one line", "title")
    description = _string(document, "description")
    references = tuple(
        _string(dict(enumerate(entries)), i, "references")
        for entries in [_array(document.get("references", []), "references")]
        for i in range(len(entries))
    )
    tolerance = _tolerance(document)
    parameters = _parameters(document.get("parameters", {}))
    names = frozenset(parameter.name for parameter in parameters)
    common = {
        "name": name,
        "order": order,
        "title": title,
        "description": description,
        "references": references,
        "tolerance": tolerance,
        "parameters": parameters,
        "source": source,
    }
    scheme = _scheme_of_kind(kind, document, names, common)
    _check_radicals(scheme)
    _check_radical_expansion(scheme)
    # A claimed order whose conditions exceed limits.MAX_CONDITION_WORK is not an input
    # error: the analysis decides what fits the limit and fails the rest of the claim.
    return scheme


def _tolerance(document: dict[str, Any]) -> float | None:
    """The ``tolerance`` key: a finite float > 0, or None when absent.

    A tolerance makes the scheme approximate (:attr:`Scheme.is_approximate`): every
    property is then judged to it, whether or not a coefficient is written as a decimal.
    """
    if "tolerance" not in document:
        return None
    tolerance = document["tolerance"]
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise _fail(
            f"expected a float such as 1e-12, got {_a_type(tolerance)}; a tolerance makes the "
            "scheme approximate (every property judged to it), leave it out for exact judgement",
            "tolerance",
        )
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise _fail(f"must be a finite number > 0, got {tolerance!r}", "tolerance")
    if not limits.MIN_TOLERANCE <= tolerance <= limits.MAX_TOLERANCE:
        raise LimitError(
            f"must lie between {limits.MIN_TOLERANCE:g} and {limits.MAX_TOLERANCE:g}, got "
            f"{tolerance!r} (a larger tolerance would let a scheme pass conditions it visibly "
            "misses; a smaller one is below what the certified arithmetic resolves)",
            key=("tolerance",),
        )
    return float(tolerance)


def _check_radicals(scheme: Scheme) -> None:
    """Refuse more distinct or deeper square roots than the limits allow, naming the first.

    Parameter values and bounds count too: the analysis at the parameter values computes
    in the field they and the coefficients generate together, and a square root of a
    parameter nests as deep as the roots in its value allow (``sqrt(k)`` with
    ``k = sqrt(2)`` nests 2 deep).
    """
    seen: set[str] = set()
    _radicals_within_limits(_keyed_parameter_values(scheme.parameters), seen)
    depths = {p.name: _deepest_radical(p.value) for p in scheme.parameters}
    _radicals_within_limits(keyed_coefficients(scheme), seen, depths)


def _deepest_radical(expression: Expression) -> int:
    return max(expression.radicals().values(), default=0)


def _keyed_parameter_values(
    parameters: Iterable[Parameter],
) -> Iterator[tuple[tuple[KeyPart, ...], Expression]]:
    for parameter in parameters:
        yield ("parameters", parameter.name, "value"), parameter.value
        for i, bound in enumerate(parameter.bounds or ()):
            yield ("parameters", parameter.name, "bounds", i), bound


def _radicals_within_limits(
    keyed: Iterable[tuple[tuple[KeyPart, ...], Expression]],
    seen: set[str] | None = None,
    value_depths: dict[str, int] | None = None,
) -> None:
    """Count distinct square roots into ``seen`` and refuse one past the limits;
    ``value_depths`` gives the nesting depth of each parameter's value."""
    seen = set() if seen is None else seen
    for key, expression in keyed:
        found = expression.radicals()
        for radical, written in found.items():
            depth = written + _depth_under(expression, radical, value_depths or {})
            if depth > limits.MAX_RADICAL_NESTING:
                raise LimitError(
                    f"square roots nest {depth} deep in {expression.text!r}"
                    + (" with the parameter values" if depth > written else "")
                    + f"; the limit is {limits.MAX_RADICAL_NESTING}",
                    key=key,
                )
            seen.add(radical)
            if len(seen) > limits.MAX_RADICALS:
                raise LimitError(
                    f"more than {limits.MAX_RADICALS} distinct square roots in one scheme "
                    f"(the exact field would have degree 2^{len(seen)})",
                    key=key,
                )


def _depth_under(expression: Expression, radical: str, value_depths: dict[str, int]) -> int:
    """The deepest parameter value under the square root of ``radical`` (0 when none)."""
    if not value_depths:
        return 0
    from .expression import Name, Sqrt, _children

    deepest = 0

    def walk(node: Any, inside: bool) -> None:
        nonlocal deepest
        if isinstance(node, Name) and inside:
            deepest = max(deepest, value_depths.get(node.name, 0))
        if isinstance(node, Sqrt) and repr(node.argument) == radical:
            inside = True
        for child in _children(node):
            walk(child, inside)

    walk(expression.tree, False)
    return deepest


def keyed_coefficients(scheme: Scheme) -> Iterator[tuple[tuple[KeyPart, ...], Expression]]:
    """Every coefficient with its key path, in file order."""
    if isinstance(scheme, ButcherTableau):
        for i, row in enumerate(scheme.a):
            for j, x in enumerate(row):
                yield ("tableau", "a", i, j), x
        for name in ("b", "c", "b_hat"):
            for i, x in enumerate(getattr(scheme, name) or ()):
                yield ("tableau", name, i), x
    elif isinstance(scheme, PartitionedTableau):
        for part in COMPONENTS:
            component = getattr(scheme, part)
            for i, row in enumerate(component.a):
                for j, x in enumerate(row):
                    yield ("tableau", part, "a", i, j), x
            for name in ("b", "c"):
                for i, x in enumerate(getattr(component, name) or ()):
                    yield ("tableau", part, name, i), x
    elif isinstance(scheme, MultistepScheme):
        for name in ("alpha", "beta"):
            for i, x in enumerate(getattr(scheme, name)):
                yield ("coefficients", name, i), x


def _scheme_of_kind(
    kind: str, document: dict[str, Any], names: frozenset[str], common: dict[str, Any]
) -> Scheme:
    if kind == PARTITIONED:
        if "coefficients" in document:
            raise _fail(
                "belongs to linear-multistep schemes; use [tableau.q] and [tableau.p]",
                "coefficients",
            )
        if "tableau" not in document:
            raise _fail(
                f"required table is missing for a {PARTITIONED} scheme (write [tableau.q] and "
                "[tableau.p])",
                "tableau",
            )
        return _partitioned(document, names, common)
    if kind == "runge-kutta":
        if "coefficients" in document:
            raise _fail("belongs to linear-multistep schemes; use [tableau]", "coefficients")
        if "tableau" not in document:
            raise _fail("required table is missing for a runge-kutta scheme", "tableau")
        return _tableau(document["tableau"], names, common)
    if "tableau" in document:
        raise _fail("belongs to runge-kutta schemes; use [coefficients]", "tableau")
    if "coefficients" not in document:
        raise _fail("required table is missing for a linear-multistep scheme", "coefficients")
    step_scaling = "fixed"
    if "step_scaling" in document:
        step_scaling = _choice(document, "step_scaling", STEP_SCALINGS)
    return _multistep(document["coefficients"], names, common, step_scaling)


def _parameters(table: object) -> tuple[Parameter, ...]:
    if not isinstance(table, dict):
        raise _fail(f"expected a table of [parameters.NAME] tables, got {_a_type(table)}",
                    "parameters")  # fmt: skip
    if len(table) > limits.MAX_PARAMETERS:
        raise LimitError(f"more than {limits.MAX_PARAMETERS} parameters", key=("parameters",))
    parameters = []
    for name, spec in table.items():
        key = ("parameters", name)
        if not PARAMETER_PATTERN.fullmatch(name) or name in RESERVED_PARAMETER_NAMES:
            raise _fail(
                "a parameter name must match ^[A-Za-z][A-Za-z0-9_]{0,31}$ and not be one of "
                + ", ".join(sorted(RESERVED_PARAMETER_NAMES)),
                *key,
            )
        if name.startswith(RESERVED_PARAMETER_PREFIX):
            # a generated module holds parameter NAME as self.raw_NAME and reads it with
            # NAME_value(): raw_k and k_value would both give raw_k_value
            raise _fail(
                f"a parameter name must not start with {RESERVED_PARAMETER_PREFIX!r}: the "
                f"generated module names its own members raw_NAME (rename it, e.g. "
                f"{name[len(RESERVED_PARAMETER_PREFIX) :] or 'r'}_raw)",
                *key,
            )
        if not isinstance(spec, dict):
            raise _fail(f"expected a table, got {_a_type(spec)}", *key)
        _check_keys(spec, PARAMETER_KEYS, *key)
        if "value" not in spec:
            raise _fail("required key is missing", *key, "value")
        value = _constant(spec["value"], table, *key, "value")
        # Before any evaluation (bounds are compared numerically below).
        _radicals_within_limits([((*key, "value"), value)])
        learnable = spec.get("learnable", False)
        if not isinstance(learnable, bool):
            raise _fail(f"expected true or false, got {_a_type(learnable)}", *key, "learnable")
        bounds = None
        if "bounds" in spec:
            entries = _array(spec["bounds"], *key, "bounds")
            if len(entries) != 2:
                got = count(len(entries), "entry", "entries")
                raise _fail(f"expected [low, high], got {got}", *key, "bounds")
            low, high = (_constant(e, table, *key, "bounds", i) for i, e in enumerate(entries))
            _radicals_within_limits(
                [((*key, "value"), value), ((*key, "bounds", 0), low), ((*key, "bounds", 1), high)]
            )
            low_value, high_value, at = (_real(x, *key, "bounds") for x in (low, high, value))
            if not low_value < high_value:
                raise _fail("low must be less than high", *key, "bounds")
            if not low_value <= at <= high_value:
                raise _fail("the value lies outside the bounds", *key, "value")
            if learnable and at in (low_value, high_value):
                raise _fail(
                    f"a learnable parameter starts strictly inside its bounds: the generated "
                    f"module keeps it in the open interval ({low.text}, {high.text}) by a tanh "
                    "map, which never reaches a bound",
                    *key,
                    "value",
                )
            bounds = (low, high)
        parameters.append(Parameter(name=name, value=value, learnable=learnable, bounds=bounds))
    return tuple(parameters)


def _constant(value: object, declared: dict[str, Any], *key: KeyPart) -> Expression:
    """A parameter's value or bound: a coefficient without names (a name there, even a
    declared parameter's, gets a message saying so)."""
    try:
        return expression_from_toml(value, frozenset())
    except SchemeError as error:
        named = (
            set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", value)) if isinstance(value, str) else set()
        )
        if "unknown name" in error.message and named & set(declared):
            raise type(error)(
                "a parameter's value and bounds are constants: they cannot use the parameter "
                f"{min(named & set(declared))!r}",
                key=key,
            ) from None
        raise type(error)(error.message, key=key) from None


def _real(expression: Expression, *key: KeyPart) -> Fraction | float:
    """A constant's value for comparisons: exact when rational, else a float."""
    exact = expression.rational()
    if exact is not None:
        return exact
    try:
        return float(expression.to_sympy().evalf(30))
    except SchemeError as error:
        raise type(error)(error.message, key=key) from None


def _sized_table(table: object, name: str, allowed: set[str], sizing: str) -> tuple[dict, int]:
    """Check the [name] table's keys; return it with the length of its array ``sizing``."""
    if not isinstance(table, dict):
        raise _fail(f"expected a table, got {_a_type(table)}", name)
    _check_keys(table, allowed, name)
    if sizing not in table:
        raise _fail("required key is missing", name, sizing)
    return table, len(_array(table[sizing], name, sizing))


def _tableau(table: object, names: frozenset[str], common: dict[str, Any]) -> ButcherTableau:
    from .scheme.butcher import ButcherTableau

    table, stages = _sized_table(table, "tableau", TABLEAU_KEYS, "b")
    a, b, c = _tableau_arrays(table, stages, names, ("tableau",))
    per_stage = f"one per stage, as b lists {count(stages, 'weight')}"
    b_hat = None
    embedded_order = None
    if "b_hat" in table and "error_weights" in table:
        raise _fail(
            "b_hat and error_weights both give the embedded method: write one of them "
            "(error_weights are e = b − b̂)",
            "tableau",
            "error_weights",
        )
    embedded_key = "b_hat" if "b_hat" in table else "error_weights"
    if embedded_key in table:
        b_hat = _vector(table, embedded_key, stages, names, "tableau", per=per_stage)
        if embedded_key == "error_weights":
            b_hat = _embedded_from_error_weights(b, b_hat)
        if "embedded_order" not in table:
            raise _fail(f"required with {embedded_key}", "tableau", "embedded_order")
        embedded_order = _integer(
            table, "embedded_order", "tableau", low=1, high=limits.MAX_RUNGE_KUTTA_ORDER
        )
    elif "embedded_order" in table:
        raise _fail("given without b_hat or error_weights", "tableau", "embedded_order")
    nodes = _choice(table, "nodes", NODES, "tableau") if "nodes" in table else "written"
    return ButcherTableau(
        a=a, b=b, c=c, b_hat=b_hat, embedded_order=embedded_order, nodes=nodes, **common
    )


def _embedded_from_error_weights(
    b: tuple[Expression, ...], e: tuple[Expression, ...]
) -> tuple[Expression, ...]:
    """The embedded weights b̂ = b − e of difference-form error weights e (as scipy's ``-E``,
    diffrax's ``b_error`` and torchdiffeq's ``c_error`` hold them).

    Each b̂_i is built from the two parsed trees (never from text), so no limit is met twice
    and the exact or decimal nature of each side is kept.
    """
    from .expression import Sum

    return tuple(
        Expression(f"({b_i}) - ({e_i})", Sum(((1, b_i.tree), (-1, e_i.tree))))
        for b_i, e_i in zip(b, e)
    )


def _choice(table: dict[str, Any], name: str, choices: tuple[str, ...], *key: KeyPart) -> str:
    """The string ``name`` of ``table``, one of ``choices``."""
    value = _string(table, name, *key, required=True)
    if value not in choices:
        raise _fail(f"must be one of {', '.join(map(repr, choices))}, got {value!r}", *key, name)
    return value


def _tableau_arrays(
    table: dict[str, Any], stages: int, names: frozenset[str], prefix: tuple[KeyPart, ...]
) -> tuple[
    tuple[tuple[Expression, ...], ...], tuple[Expression, ...], tuple[Expression, ...] | None
]:
    """A (complete, zeros included), b and the written c (or None) of the table at ``prefix``
    (``tableau``, or ``tableau.q``/``tableau.p`` of a partitioned pair), whose b lists
    ``stages`` weights: the explicit-row shorthand and every check of the format page."""
    if stages == 0:
        raise _fail("a tableau needs at least one stage", *prefix, "b")
    if stages > limits.MAX_STAGES:
        raise LimitError(
            f"{stages} stages exceed the limit of {limits.MAX_STAGES}", key=(*prefix, "b")
        )
    per_stage = f"one per stage, as b lists {count(stages, 'weight')}"
    b = _vector(table, "b", stages, names, *prefix)
    if "a" not in table:
        raise _fail("required key is missing", *prefix, "a")
    rows = _array(table["a"], *prefix, "a")
    if len(rows) != stages:
        raise _fail(_row_count_message(len(rows), stages), *prefix, "a")
    written = [_row_entries(row, i, stages, prefix) for i, row in enumerate(rows)]
    a = [
        [_coefficient(e, names, *prefix, "a", i, j) for j, e in enumerate(entries)]
        for i, entries in enumerate(written)
    ]
    _check_short_rows_of_an_implicit_tableau(a, written, prefix)
    zero = expression_from_toml(0)
    a = [row + [zero] * (stages - len(row)) for row in a]
    c = None
    if "c" in table:
        c = _vector(table, "c", stages, names, *prefix, per=per_stage, first="c_1 = 0")
    return tuple(map(tuple, a)), b, c


def _partitioned(
    document: dict[str, Any], names: frozenset[str], common: dict[str, Any]
) -> PartitionedTableau:
    """The pair [tableau.q], [tableau.p] and the optional ``separable_order`` claim."""
    from .scheme.partitioned import PartitionedTableau, TableauComponent

    table = document["tableau"]
    if not isinstance(table, dict):
        raise _fail(f"expected a table, got {_a_type(table)}", "tableau")
    for name in table:
        if name in COMPONENTS:
            continue
        if name in TABLEAU_KEYS - {"nodes"}:
            raise _fail(
                f"a {PARTITIONED} scheme writes its two tableaus as [tableau.q] (advancing q "
                "from f) and [tableau.p] (advancing p from g), each with a, b and optional c: "
                f"write {name} in both",
                "tableau",
                name,
            )
        raise _fail("unknown key (known keys here: p, q)", "tableau", name)
    components = {}
    for name in COMPONENTS:
        if name not in table:
            raise _fail(
                f"required table is missing: a {PARTITIONED} scheme has both [tableau.q] and "
                "[tableau.p]",
                "tableau",
                name,
            )
        component = table[name]
        if not isinstance(component, dict):
            raise _fail(f"expected a table, got {_a_type(component)}", "tableau", name)
        for key in component:
            if key in ("b_hat", "error_weights", "embedded_order"):
                raise _fail(
                    f"embedded pairs (b_hat or error_weights, embedded_order) are not part of the {PARTITIONED} "
                    "format: the pair has one order claim (order, and separable_order for "
                    "separable systems)",
                    "tableau",
                    name,
                    key,
                )
        _check_keys(component, COMPONENT_KEYS, "tableau", name)
        if "b" not in component:
            raise _fail("required key is missing", "tableau", name, "b")
        stages = len(_array(component["b"], "tableau", name, "b"))
        if name == "p" and stages != components["q"].stages:
            q_stages = components["q"].stages
            raise _fail(
                f"the p-tableau has {stages} stage{'s' * (stages != 1)} but the q-tableau has "
                f"{q_stages}: both tableaus have the same number of stages (pad the shorter "
                "with stages of zero weight, as the literature writes splitting methods)",
                "tableau",
                name,
                "b",
            )
        a, b, c = _tableau_arrays(component, stages, names, ("tableau", name))
        components[name] = TableauComponent(a=a, b=b, c=c)
    separable_order = None
    if "separable_order" in document:
        separable_order = _integer(
            document, "separable_order", low=1, high=limits.MAX_RUNGE_KUTTA_ORDER
        )
    return PartitionedTableau(
        q=components["q"], p=components["p"], separable_order=separable_order, **common
    )


def _row_count_message(rows: int, stages: int) -> str:
    message = f"a has {count(rows, 'row')} but b lists {count(stages, 'weight')}: write one row of A per stage"
    if rows == stages - 1:
        message += (
            " (an explicit method's first row, all zero, is written too: a = [[], [a_21], …])"
        )
    return message


def _entry(i: int, j: int) -> str:
    """The name of a_ij (1-based) as the field writes it: a_32, a_12,10."""
    return f"a_{i}{j}" if i < 10 and j < 10 else f"a_{i},{j}"


def _row_entries(
    row: object, i: int, stages: int, prefix: tuple[KeyPart, ...] = ("tableau",)
) -> list[Any]:
    """The entries of row i+1 of A as written, checked against the row rule.

    Row r = i+1 lists a_r1, a_r2, … in order and may stop early, the entries it leaves out
    being zero: at most s entries, and at least the i = r-1 left of the diagonal, so it stops
    at or right of the diagonal, never before it, where a forgotten entry and an omitted zero
    would read alike.
    """
    entries = _array(row, *prefix, "a", i)
    r = i + 1
    if len(entries) > stages:
        raise _fail(
            f"row {r} lists {_entries(len(entries))}, but a row of this {stages}-stage tableau "
            f"lists at most {stages} (one per stage, as b lists {count(stages, 'weight')})",
            *prefix, "a", i,
        )  # fmt: skip
    if len(entries) < i:
        left_of_diagonal = (
            f"the entry {_entry(r, 1)}"
            if i == 1
            else f"the {i} entries {_entry(r, 1)} … {_entry(r, i)}"
        )
        raise _fail(
            f"row {r} lists {_entries(len(entries))} and so stops before its diagonal: a row "
            f"may leave out entries only from the diagonal {_entry(r, r)} on, so it lists at "
            f"least {left_of_diagonal} left of the diagonal, zeros included: write "
            f"{_row_with_zeros(entries, i - len(entries))}",
            *prefix, "a", i,
        )  # fmt: skip
    return entries


def _row_with_zeros(entries: list[Any], zeros: int) -> str:
    """The rewrite of a row with ``zeros`` zero entries appended, as TOML text."""
    if len(entries) + zeros <= 8:
        return "[" + ", ".join([_toml_text(e) for e in entries] + ['"0"'] * zeros) + "]"
    last = f"…, {_toml_text(entries[-1])}" if entries else ""
    if zeros <= 4:
        return "[" + ", ".join(([last] if last else []) + ['"0"'] * zeros) + "]"
    return f'the row with {zeros} entries "0" appended'


def _toml_text(value: object) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 24 else value[:21] + "..."
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "…"


def _check_short_rows_of_an_implicit_tableau(
    a: list[list[Expression]], written: list[list[Any]], prefix: tuple[KeyPart, ...] = ("tableau",)
) -> None:
    """In a fully implicit tableau, refuse a row that stops right of its diagonal.

    When an entry right of the diagonal is non-zero, the rows are written in full, and a
    row that stops between its diagonal and its end has most likely lost an entry: it is
    refused with the rewrite rather than read with a zero there.  (The explicit shorthand,
    a row of only the i-1 entries left of its diagonal, is accepted as ever.)
    """
    stages = len(a)
    implicit = next(
        ((i, j) for i, row in enumerate(a) for j in range(i + 1, len(row))
         if row[j].rational() != 0),
        None,
    )  # fmt: skip
    if implicit is None:
        return
    q, j = implicit
    for i, entries in enumerate(written):
        if i < len(entries) < stages:
            raise _fail(
                f"row {i + 1} lists {len(entries)} of {stages} entries, but the tableau is "
                f"fully implicit ({_entry(q + 1, j + 1)}, right of the diagonal, is not zero), "
                f"so each row lists all {stages} entries, zeros included: write "
                f"{_row_with_zeros(entries, stages - len(entries))}",
                *prefix, "a", i,
            )  # fmt: skip


def _multistep(
    table: object, names: frozenset[str], common: dict[str, Any], step_scaling: str = "fixed"
) -> MultistepScheme:
    from .scheme.multistep import MultistepScheme

    table, length = _sized_table(table, "coefficients", COEFFICIENT_KEYS, "alpha")
    if length < 2:
        raise _fail("a k-step method needs k+1 >= 2 coefficients", "coefficients", "alpha")
    if length - 1 > limits.MAX_STEPS:
        raise LimitError(f"{length - 1} steps exceed the limit of {limits.MAX_STEPS}",
                         key=("coefficients", "alpha"))  # fmt: skip
    alpha = _vector(table, "alpha", length, names, "coefficients")
    beta = _vector(table, "beta", length, names, "coefficients")
    scheme = MultistepScheme(alpha=alpha, beta=beta, step_scaling=step_scaling, **common)
    if _is_zero_at_values(alpha[-1], scheme.parameters):
        raise _fail(
            "alpha_k (the last entry) must not be zero", "coefficients", "alpha", length - 1
        )
    return scheme


def _is_zero_at_values(expression: Expression, parameters: Sequence[Parameter]) -> bool:
    exact = expression.rational()
    if exact is not None:
        return exact == 0
    import sympy

    values = {sympy.Symbol(p.name, real=True): p.value.to_sympy() for p in parameters}
    return sympy.simplify(expression.to_sympy().subs(values)) == 0


def _check_radical_expansion(scheme: Scheme) -> None:
    """Refuse a coefficient with square roots whose expansion is too large to compute.

    Coefficients with radicals are brought into the algebraic field by expanding them, and
    the expansion of ``(1 + sqrt(2) + sqrt(3) + sqrt(5) + sqrt(7))^64`` passes through
    C(68, 4) = 814,385 products before it reduces (minutes; ``tabc check`` hung).  The count
    of terms before reduction, summed over the scheme's coefficients, is bounded by
    :data:`limits.MAX_RADICAL_EXPANSION_TERMS`.
    """
    total = 0
    for key, expression in keyed_coefficients(scheme):
        if not expression.radicals():
            continue
        total += _expanded_terms(expression.tree)
        if total > limits.MAX_RADICAL_EXPANSION_TERMS:
            raise LimitError(
                f"with {expression.text[:60]!r} the coefficients with square roots expand to "
                f"more than {limits.MAX_RADICAL_EXPANSION_TERMS:,} terms before they simplify "
                "(the limit); write them expanded, or with fewer powers of sums",
                key=key,
            )


def _expanded_terms(node: Any) -> int:
    """An upper bound on the terms of the node's expansion as a sum of monomials (capped just
    above the limit, so the count itself stays small)."""
    from .expression import Power, Product, Sum

    cap = limits.MAX_RADICAL_EXPANSION_TERMS + 1
    if isinstance(node, Sum):
        return min(cap, sum(_expanded_terms(term) for _, term in node.terms))
    if isinstance(node, Product):
        count = 1
        for _, factor in node.factors:
            count = min(cap, count * _expanded_terms(factor))
        return count
    if isinstance(node, Power):
        base, n = _expanded_terms(node.base), abs(node.exponent)
        return min(cap, math.comb(base + n - 1, n)) if base > 1 else 1
    return 1  # a number, a name, pi, or a square root (a generator of the field)
