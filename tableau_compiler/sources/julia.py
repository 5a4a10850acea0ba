"""Julia sources: DiffEqDevTools tableau constructors and OrdinaryDiffEq constant caches.

The conventions read (facts from each library's source):

* **DiffEqDevTools** (``src/ode_tableaus.jl``): ``function constructRK4(T::Type = Float64)``
  binds ``A`` (a matrix literal, or ``zeros(T, s, s)`` filled by ``A[i, j] = …``), ``c``,
  ``α`` (b) and ``αEEst`` (b̂), and returns ``ExplicitRKTableau(A, c, α, order;
  αEEst = …, adaptiveorder = …, fsal = …)`` or ``ImplicitRKTableau(…)``: the fourth argument
  is the declared order, ``adaptiveorder`` the embedded one, ``fsal`` the FSAL claim.
* **OrdinaryDiffEq** (``*_tableaus.jl``): a function binding scalars ``a21 = convert(T, 1 // 5)``
  (a_ij; four digits ``a1001`` are i = 10, j = 1), ``c1 …`` and ``btilde1 …``, ``b1 …``.  Its
  c's are numbered from c₂ (``c1`` is c₂, as c₁ = 0 is left out) in most caches and from c₁ in
  others: the numbering that matches the row sums of A is taken.  ``btilde`` is b̂ − b
  (BS3: btilde₁ = 7/24 − 2/9 = 5/72), imported as e = −btilde.  Without ``b``'s the weights
  are the last row of A (an FSAL method, with weight 0 on the last stage).  The order is
  declared elsewhere (``alg_order``): none is read.

``1/3`` is read as the rational 1/3 (a Float64 in Julia: the float is that rational rounded
once), ``1//3`` is exact, ``big"0.1"`` and ``0.1`` are the decimal as written, ``7sq6`` is
``7*sq6``, ``5^(1/2)`` is ``sqrt(5)``.
"""

from __future__ import annotations

import re

from . import FoundTableau, SourceReport, integer, matrix, square, vector
from .literals import (
    ZERO,
    Call,
    Environment,
    Failed,
    Language,
    Scalar,
    Unreadable,
    _negate,
    assign_index,
    read_indices,
    read_or_fail,
    statements,
    strip_range,
    tokenize,
    top_level_equals,
)

JULIA = Language("julia", ("#",), ("#=", "=#"), rational_slashes=True, caret_is_power=True,
                 index_base=1, juxtaposition=True)  # fmt: skip

_OPENERS = {"function", "if", "for", "while", "let", "begin", "struct", "module", "baremodule",
            "quote", "do", "try", "macro"}  # fmt: skip
_CONSTRUCTORS = {"ExplicitRKTableau", "ImplicitRKTableau", "DiffEqBase.ExplicitRKTableau",
                 "DiffEqBase.ImplicitRKTableau"}  # fmt: skip
_WEIGHTS = ("α", "b", "alpha")
_EMBEDDED = ("αEEst", "bhat", "b̂", "αhat")


def read_julia(text: str, report: SourceReport) -> None:
    import bisect

    tokens = tokenize(text, JULIA)
    ranges = statements(tokens, (";",))
    starts = [first for first, _ in ranges]
    module = Environment()
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i]
        if token.kind == "name" and token.text == "function" and _at_line_start(tokens, i):
            end = _block_end(tokens, i)
            name_token = tokens[i + 1] if i + 1 < n else token
            inside = ranges[bisect.bisect_left(starts, i) : bisect.bisect_left(starts, end)]
            _function(tokens, i, end, inside, name_token.text, token.line, module, report)
            i = end + 1
            continue
        i += 1


def _at_line_start(tokens: list, i: int) -> bool:
    return i == 0 or tokens[i - 1].kind == "newline" or tokens[i - 1].text in ("=", ";")


def _block_end(tokens: list, start: int) -> int:
    """The index of the ``end`` closing the block opened at ``start``."""
    depth, brackets = 0, 0
    for i in range(start, len(tokens)):
        token = tokens[i]
        if token.kind == "op" and token.text in "([{":
            brackets += 1
        elif token.kind == "op" and token.text in ")]}":
            brackets -= 1
        elif token.kind == "name" and brackets == 0:
            if token.text in _OPENERS and not (i > 0 and tokens[i - 1].text in (".", ":")):
                if token.text == "struct" and i > 0 and tokens[i - 1].text == "mutable":
                    pass
                depth += 1
            elif token.text == "end":
                depth -= 1
                if depth == 0:
                    return i
    return len(tokens) - 1


def _function(tokens, start, end, ranges, name, line, module, report: SourceReport) -> None:
    env = Environment(outer=module)
    header_end = start
    while header_end < end and tokens[header_end].kind != "newline":
        header_end += 1
    constructor: tuple[Call, int] | None = None
    for first, last in ranges:
        if first <= header_end or first >= end:
            continue
        first, last = strip_range(tokens, first, min(last, end))
        if first >= last:
            continue
        head = tokens[first]
        if head.kind == "name" and head.text in _OPENERS:
            continue  # nested blocks are code
        if head.kind == "name" and head.text == "return":
            value = read_or_fail(tokens, first + 1, last, env, JULIA)
            if isinstance(value, Call) and value.callee in _CONSTRUCTORS:
                constructor = (value, head.line)
            continue
        equals = top_level_equals(tokens, first, last)
        if equals is None:
            value = read_or_fail(tokens, first, last, env, JULIA)
            if isinstance(value, Call) and value.callee in _CONSTRUCTORS:
                constructor = (value, head.line)
            continue
        if head.kind != "name":
            continue
        value = read_or_fail(tokens, equals + 1, last, env, JULIA)
        if equals == first + 1:
            env.values[head.text] = value
        elif tokens[first + 1].text == "[":
            try:
                indices = read_indices(tokens, first + 1, equals, env, JULIA)
                assign_index(env.get(head.text), indices, value, head.line)
            except Unreadable as error:
                env.values[head.text] = Failed(error.reason, error.line)
    try:
        if constructor is not None:
            report.tableaus.append(_diffeqdevtools(name, line, constructor[0]))
        else:
            found = _scalars(name, line, env)
            if found is not None:
                report.tableaus.append(found)
    except Unreadable as error:
        report.unreadable.append((error.line, f"{name}: {error.reason}"))


def _diffeqdevtools(name: str, line: int, call: Call) -> FoundTableau:
    if len(call.args) < 3:
        raise Unreadable(f"{call.callee}(...) needs A, c and the weights", call.line)
    a = square(matrix(call.args[0], call.line, "A"), call.line, "A")
    c = vector(call.args[1], call.line, "c")
    b = vector(call.args[2], call.line, "the weights")
    s = len(a)
    if len(b) != s or len(c) != s:
        raise Unreadable(
            f"A has {s} stages, c lists {len(c)} nodes and b {len(b)} weights", call.line
        )
    b_hat = None
    if "αEEst" in call.kwargs:
        b_hat = vector(call.kwargs["αEEst"], call.line, "αEEst")
        if len(b_hat) != s:
            raise Unreadable(f"αEEst lists {len(b_hat)} weights, expected {s}", call.line)
    fsal = call.kwargs.get("fsal")
    return FoundTableau(
        name=name,
        line=line,
        library="DiffEqDevTools",
        a=a,
        b=b,
        c=c,
        b_hat=b_hat,
        declared_order=integer(call.args[3]) if len(call.args) > 3 else None,
        declared_embedded_order=integer(call.kwargs.get("adaptiveorder"))
        if b_hat is not None
        else None,
        fsal_claimed=fsal if isinstance(fsal, bool) else None,
    )


_A = re.compile(r"a(\d+)(?:_(\d+))?")
_INDEXED = re.compile(r"(c|b|btilde|bhat|b̂)(\d+)")


def _split(digits: str) -> tuple[int, int] | None:
    """a_ij from the digits of ``a{digits}``: 2 digits i, j; 4 digits ii, jj; 3 digits the
    split with i > j (``a101`` is a_{10,1})."""
    if len(digits) == 2:
        return int(digits[0]), int(digits[1])
    if len(digits) == 4:
        return int(digits[:2]), int(digits[2:])
    if len(digits) == 3:
        i, j = int(digits[:2]), int(digits[2])
        if i > j:
            return i, j
        i, j = int(digits[0]), int(digits[1:])
        if i > j:
            return i, j
    return None


def _scalars(name: str, line: int, env: Environment) -> FoundTableau | None:
    """OrdinaryDiffEq's constant caches: scalars a21, c1, btilde1, b1 (module docstring)."""
    entries: dict[tuple[int, int], object] = {}
    indexed: dict[str, dict[int, object]] = {}
    for key, value in env.values.items():
        found = _A.fullmatch(key)
        if found:
            pair = (
                (int(found.group(1)), int(found.group(2)))
                if found.group(2)
                else _split(found.group(1))
            )
            if pair is not None and pair[0] > pair[1] >= 1:
                entries[pair] = value
            continue
        found = _INDEXED.fullmatch(key)
        if found:
            indexed.setdefault(found.group(1), {})[int(found.group(2))] = value
    if len(entries) < 1:
        return None
    for (i, j), value in entries.items():
        if not isinstance(value, Scalar):
            reason = value.reason if isinstance(value, Failed) else "not a number"
            where = value.line if isinstance(value, Failed) else line
            raise Unreadable(f"a{i}{j}: {reason}", where)

    def scalars(kind: str) -> dict[int, Scalar]:
        out = {}
        for k, value in indexed.get(kind, {}).items():
            if not isinstance(value, Scalar):
                reason = value.reason if isinstance(value, Failed) else "not a number"
                raise Unreadable(
                    f"{kind}{k}: {reason}", value.line if isinstance(value, Failed) else line
                )
            out[k] = value
        return out

    b_given, tilde, c_given = scalars("b"), scalars("btilde"), scalars("c")
    s = max([i for i, _ in entries] + list(b_given) + list(tilde))
    a = [[ZERO] * s for _ in range(s)]
    for (i, j), value in entries.items():
        if i > s:
            return None
        a[i - 1][j - 1] = value  # type: ignore[assignment]
    notes = []
    if b_given and max(b_given) >= s - 1:
        b = [b_given.get(k, ZERO) for k in range(1, s + 1)]
    elif tilde and any(x.text != "0" for x in a[-1]):
        b = list(a[-1])
        b[-1] = ZERO
        notes.append("the weights are the last row of A (an FSAL method, no b's written)")
    else:
        raise Unreadable("no weights b (and no FSAL last row of A) were found", line)
    error_weights = None
    if tilde:
        e = [tilde.get(k, ZERO) for k in range(1, s + 1)]
        error_weights = tuple(_negate(x, line) for x in e)  # type: ignore[misc]
        notes.append("OrdinaryDiffEq's btilde is b̂ − b: imported as error_weights e = −btilde")
    c = None
    if c_given:
        from ..errors import TabcError

        def value(x: Scalar) -> float:
            from ..expression import parse_expression

            try:
                r = parse_expression(x.text).rational()
            except TabcError:  # refused text is reported when the scheme is read
                return float("nan")
            return float(r) if r is not None else float("nan")

        sums = [sum(value(x) for x in row) for row in a]
        shifted = [ZERO] * s
        plain = [ZERO] * s
        for k, x in c_given.items():
            if 1 <= k + 1 <= s:
                shifted[k] = x
            if 1 <= k <= s:
                plain[k - 1] = x

        def gap(candidate: list[Scalar]) -> float:
            return sum(abs(value(x) - y) for x, y in zip(candidate, sums))

        use_shifted = max(c_given) <= s - 1 and gap(shifted) <= gap(plain)
        c = shifted if use_shifted else plain
        given = {k + 1 if use_shifted else k for k in c_given} | {1}
        for k in range(2, s + 1):  # a c the source does not write is the row sum
            if k not in given:
                row = [x for x in a[k - 1] if x.text != "0"]
                c[k - 1] = (
                    Scalar(" + ".join(f"({x.text})" for x in row) or "0", 1)
                    if len(row) > 1
                    else (row[0] if row else ZERO)
                )
        if use_shifted:
            notes.append("c1, c2, … are c₂, c₃, … (c₁ = 0 left out)")
    return FoundTableau(
        name=name,
        line=line,
        library="OrdinaryDiffEq",
        a=tuple(tuple(row) for row in a),
        b=tuple(b),
        c=tuple(c) if c is not None else None,
        error_weights=error_weights,
        notes=tuple(notes),
    )
