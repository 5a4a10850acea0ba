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
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from . import limits
from .errors import KeyPart, LimitError, SchemaError, SchemeError, TomlSyntaxError
from .expression import Expression, expression_from_toml
from .scheme import ButcherTableau, MultistepScheme, Parameter, Scheme

__all__ = ["NAME_PATTERN", "load_scheme", "parse_scheme"]

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
PARAMETER_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
RESERVED_PARAMETER_NAMES = frozenset({"sqrt", "pi", "h", "f", "y", "self", "torch"})

KINDS = ("runge-kutta", "linear-multistep")
TOP_LEVEL_KEYS = {
    "name", "kind", "order", "title", "description", "references", "tolerance",
    "tableau", "coefficients", "parameters",
}  # fmt: skip
TABLEAU_KEYS = {"a", "b", "c", "b_hat", "embedded_order"}
COEFFICIENT_KEYS = {"alpha", "beta"}
PARAMETER_KEYS = {"value", "learnable", "bounds"}


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate one scheme file."""
    path = Path(path)
    shown = str(path)
    try:
        size = path.stat().st_size
        if size > limits.MAX_FILE_BYTES:
            raise LimitError(
                f"file of {size:,} bytes exceeds the limit of {limits.MAX_FILE_BYTES:,}", path=shown
            )
        raw = path.read_bytes()
    except OSError as error:
        raise SchemeError(f"cannot read the file: {error.strerror or error}", path=shown) from None
    return parse_scheme(raw, source=shown)


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
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or "invalid TOML"
        raise TomlSyntaxError(f"invalid TOML: {message}", path=source, line=line) from None
    except RecursionError:
        raise TomlSyntaxError("invalid TOML: nested too deeply", path=source) from None
    try:
        return _scheme_from_document(document, source)
    except SchemeError as error:
        from .toml_locations import line_of

        raise error.located(path=source, line=line_of(text, error.key)) from None


# --------------------------------------------------------------------------- helpers


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
    table: dict[str, Any], name: str, length: int | None, names: frozenset[str], *key: KeyPart
) -> tuple[Expression, ...]:
    if name not in table:
        raise _fail("required key is missing", *key, name)
    entries = _array(table[name], *key, name)
    if length is not None and len(entries) != length:
        raise _fail(f"expected {length} entries, got {len(entries)}", *key, name)
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
    highest = limits.MAX_RUNGE_KUTTA_ORDER if kind == "runge-kutta" else limits.MAX_MULTISTEP_ORDER
    order = _integer(document, "order", low=1, high=highest)
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
    return float(tolerance)


def _check_radicals(scheme: Scheme) -> None:
    """Refuse more distinct or deeper square roots than the limits allow, naming the first."""
    seen: set[str] = set()
    for key, expression in _keyed_coefficients(scheme):
        for radical, depth in expression.radicals().items():
            if depth > limits.MAX_RADICAL_NESTING:
                raise LimitError(
                    f"square roots nest {depth} deep in {expression.text!r}; the limit is "
                    f"{limits.MAX_RADICAL_NESTING}",
                    key=key,
                )
            seen.add(radical)
            if len(seen) > limits.MAX_RADICALS:
                raise LimitError(
                    f"more than {limits.MAX_RADICALS} distinct square roots in one scheme "
                    f"(the exact field would have degree 2^{len(seen)})",
                    key=key,
                )


def _keyed_coefficients(scheme: Scheme) -> Iterator[tuple[tuple[KeyPart, ...], Expression]]:
    """Every coefficient with its key path, in file order."""
    if isinstance(scheme, ButcherTableau):
        for i, row in enumerate(scheme.a):
            for j, x in enumerate(row):
                yield ("tableau", "a", i, j), x
        for name in ("b", "c", "b_hat"):
            for i, x in enumerate(getattr(scheme, name) or ()):
                yield ("tableau", name, i), x
    elif isinstance(scheme, MultistepScheme):
        for name in ("alpha", "beta"):
            for i, x in enumerate(getattr(scheme, name)):
                yield ("coefficients", name, i), x


def _scheme_of_kind(
    kind: str, document: dict[str, Any], names: frozenset[str], common: dict[str, Any]
) -> Scheme:
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
    return _multistep(document["coefficients"], names, common)


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
        if not isinstance(spec, dict):
            raise _fail(f"expected a table, got {_a_type(spec)}", *key)
        _check_keys(spec, PARAMETER_KEYS, *key)
        if "value" not in spec:
            raise _fail("required key is missing", *key, "value")
        value = _coefficient(spec["value"], frozenset(), *key, "value")
        learnable = spec.get("learnable", False)
        if not isinstance(learnable, bool):
            raise _fail(f"expected true or false, got {_a_type(learnable)}", *key, "learnable")
        bounds = None
        if "bounds" in spec:
            entries = _array(spec["bounds"], *key, "bounds")
            if len(entries) != 2:
                raise _fail(f"expected [low, high], got {len(entries)} entries", *key, "bounds")
            low, high = (
                _coefficient(e, frozenset(), *key, "bounds", i) for i, e in enumerate(entries)
            )
            low_value, high_value, at = (_real(x, *key, "bounds") for x in (low, high, value))
            if not low_value < high_value:
                raise _fail("low must be less than high", *key, "bounds")
            if not low_value <= at <= high_value:
                raise _fail("the value lies outside the bounds", *key, "value")
            bounds = (low, high)
        parameters.append(Parameter(name=name, value=value, learnable=learnable, bounds=bounds))
    return tuple(parameters)


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
    table, stages = _sized_table(table, "tableau", TABLEAU_KEYS, "b")
    if stages == 0:
        raise _fail("a tableau needs at least one stage", "tableau", "b")
    if stages > limits.MAX_STAGES:
        raise LimitError(
            f"{stages} stages exceed the limit of {limits.MAX_STAGES}", key=("tableau", "b")
        )
    b = _vector(table, "b", stages, names, "tableau")
    if "a" not in table:
        raise _fail("required key is missing", "tableau", "a")
    rows = _array(table["a"], "tableau", "a")
    if len(rows) != stages:
        raise _fail(f"expected {stages} rows (one per stage, as b has), got {len(rows)}",
                    "tableau", "a")  # fmt: skip
    zero = expression_from_toml(0)
    a = []
    for i, row in enumerate(rows):
        entries = _array(row, "tableau", "a", i)
        if len(entries) not in (i, stages):
            short = f"{i} (explicit shorthand) or " if i != stages else ""
            raise _fail(f"row {i + 1} must list {short}{stages} entries, got {len(entries)}",
                        "tableau", "a", i)  # fmt: skip
        parsed = [_coefficient(e, names, "tableau", "a", i, j) for j, e in enumerate(entries)]
        a.append(tuple(parsed + [zero] * (stages - len(parsed))))
    c = _vector(table, "c", stages, names, "tableau") if "c" in table else None
    b_hat = None
    embedded_order = None
    if "b_hat" in table:
        b_hat = _vector(table, "b_hat", stages, names, "tableau")
        if "embedded_order" not in table:
            raise _fail("required with b_hat", "tableau", "embedded_order")
        embedded_order = _integer(
            table, "embedded_order", "tableau", low=1, high=limits.MAX_RUNGE_KUTTA_ORDER
        )
    elif "embedded_order" in table:
        raise _fail("given without b_hat", "tableau", "embedded_order")
    return ButcherTableau(
        a=tuple(a), b=b, c=c, b_hat=b_hat, embedded_order=embedded_order, **common
    )


def _multistep(table: object, names: frozenset[str], common: dict[str, Any]) -> MultistepScheme:
    table, length = _sized_table(table, "coefficients", COEFFICIENT_KEYS, "alpha")
    if length < 2:
        raise _fail("a k-step method needs k+1 >= 2 coefficients", "coefficients", "alpha")
    if length - 1 > limits.MAX_STEPS:
        raise LimitError(f"{length - 1} steps exceed the limit of {limits.MAX_STEPS}",
                         key=("coefficients", "alpha"))  # fmt: skip
    alpha = _vector(table, "alpha", length, names, "coefficients")
    beta = _vector(table, "beta", length, names, "coefficients")
    scheme = MultistepScheme(alpha=alpha, beta=beta, **common)
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
