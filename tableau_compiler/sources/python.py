"""Python sources: scipy, torchdiffeq, diffrax and nodepy tableaus (never imported or run).

The conventions read (facts from each library's source):

* **scipy** (``integrate/_ivp/rk.py``): a class with ``C``, ``A``, ``B`` (the s-stage
  method), ``E`` and ``P``.  ``E`` has s + 1 entries: the step also uses the stage
  f(t + h, y_new), so the tableau read is the FSAL extension with s + 1 stages (row s + 1 of
  A is B, its weight 0), and ``E`` is b̂ − b (RK45: E₁ = 5179/57600 − 35/384 = −71/57600), so
  tabc's error weights are e = −E.  ``order`` and ``error_estimator_order`` are the declared
  orders.  ``P`` is dense output, recognised and not imported.
* **torchdiffeq** (``_impl/rk_common.py``): ``_ButcherTableau(alpha, beta, c_sol, c_error)``:
  alpha = c₂…c_s, beta = rows 2…s of A (row i lists i − 1 entries), c_sol = b,
  c_error = b − b̂.  ``*_C_MID`` lists are dense output.
* **diffrax** (``_solver/*.py``): ``ButcherTableau(c, b_sol, b_error, a_lower, a_diagonal)``:
  c = c₂…c_s, a_lower = rows 2…s, b_error = b − b̂; a class whose ``tableau`` is that
  constant, with ``def order(...): return p``, names it and declares its order.
  ``c_mid`` and interpolation classes are dense output.
* **nodepy**: ``ExplicitRungeKuttaMethod(A, b)``, ``RungeKuttaMethod(A, b)``,
  ``ExplicitRungeKuttaPair(A, b, bhat)`` with full A; ``name=`` names it.

``1/5`` is the rational 1/5 (:mod:`.literals`), ``5 // 3`` (floor division) and ``^`` (exclusive
or) are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import FoundTableau, SourceReport, from_lower_rows, integer, matrix, square, vector
from .literals import (
    Call,
    Environment,
    Failed,
    Language,
    Scalar,
    Unreadable,
    assign_index,
    read_indices,
    read_or_fail,
    statements,
    strip_range,
    tokenize,
    top_level_equals,
)

PYTHON = Language("python", ("#",), None, rational_slashes=False, caret_is_power=False,
                  index_base=0)  # fmt: skip

_NODEPY = {"ExplicitRungeKuttaMethod", "RungeKuttaMethod", "ExplicitRungeKuttaPair",
           "RungeKuttaPair", "ImplicitRungeKuttaMethod"}  # fmt: skip
_SKIPPED_HEADS = {"import", "from", "if", "elif", "else", "for", "while", "with", "try",
                  "except", "finally", "raise", "assert", "pass", "global", "nonlocal",
                  "del", "yield", "async", "await", "print", "@", "lambda", "match",
                  "case"}  # fmt: skip
_DENSE = ("P", "c_mid", "C_MID", "dense", "interp")


@dataclass
class _Scope:
    indent: int
    kind: str  # "module", "class", "def"
    name: str
    env: Environment
    line: int
    returns: list[object] = field(default_factory=list)


@dataclass
class _Candidate:
    name: str
    line: int
    call: Call
    order: int | None = None
    embedded_order: int | None = None


def read_python(text: str, report: SourceReport) -> None:
    tokens = tokenize(text, PYTHON)
    module = _Scope(-1, "module", "", Environment(), 1)
    stack = [module]
    candidates: list[_Candidate] = []
    by_call: dict[int, _Candidate] = {}

    def close(scope: _Scope) -> None:
        declares = scope.name in ("order", "error_order", "strong_order") and scope.returns
        if scope.kind == "def" and stack and stack[-1].kind == "class" and declares:
            stack[-1].env.values[f"__{scope.name}__"] = scope.returns[-1]
        if scope.kind == "class":
            _close_class(scope, report, by_call)

    for start, end in statements(tokens, (";",)):
        start, end = strip_range(tokens, start, end)
        if start >= end:
            continue
        first = tokens[start]
        while len(stack) > 1 and first.column <= stack[-1].indent:
            close(stack.pop())
        scope = stack[-1]
        if first.kind == "name" and first.text in ("class", "def") and start + 1 < end:
            kind = first.text
            name = tokens[start + 1].text
            env = Environment(outer=module.env if kind == "class" else scope.env)
            new = _Scope(first.column, kind, name, env, first.line)
            stack.append(new)
            colon = _header_colon(tokens, start, end)
            if colon is not None and colon + 1 < end:  # `def order(self, terms): return 5`
                _statement(tokens, colon + 1, end, new, candidates, by_call, report)
            continue
        _statement(tokens, start, end, scope, candidates, by_call, report)
    while len(stack) > 1:
        close(stack.pop())
    for candidate in candidates:
        _from_call(candidate, report)


def _header_colon(tokens: list, start: int, end: int) -> int | None:
    depth = 0
    for i in range(start, end):
        text = tokens[i].text
        if text in "([{" and tokens[i].kind == "op":
            depth += 1
        elif text in ")]}" and tokens[i].kind == "op":
            depth -= 1
        elif text == ":" and depth == 0:
            return i
    return None


def _statement(tokens, start, end, scope, candidates, by_call, report) -> None:
    first = tokens[start]
    if first.kind == "name" and first.text == "return":
        if scope.kind == "def":
            scope.returns.append(read_or_fail(tokens, start + 1, end, scope.env, PYTHON))
        return
    if first.text in _SKIPPED_HEADS or first.kind == "string":
        return
    if scope.kind == "def":
        return  # a function body is code, not data
    equals = top_level_equals(tokens, start, end)
    if equals is None or first.kind != "name":
        return
    value = read_or_fail(tokens, equals + 1, end, scope.env, PYTHON)
    target_end = equals
    for i in range(start, equals):  # `tableau: ClassVar[ButcherTableau] = ...`
        if tokens[i].text == ":" and tokens[i].kind == "op":
            target_end = i
            break
    name = first.text
    if target_end == start + 1:
        scope.env.values[name] = value
    elif tokens[start + 1].text == "[":
        key = tokens[start + 2] if start + 2 < target_end else None
        if key is not None and key.kind == "string":  # RK['Heun22'] = ExplicitRungeKuttaMethod(...)
            name = key.text
        else:
            try:
                indices = read_indices(tokens, start + 1, target_end, scope.env, PYTHON)
                assign_index(scope.env.get(name), indices, value, first.line)
            except Unreadable as error:
                scope.env.values[name] = Failed(error.reason, error.line)
            return
    else:
        return
    if isinstance(value, Call) and id(value) not in by_call:  # (a second name is an alias)
        short = value.callee.rpartition(".")[2]
        if short in ("_ButcherTableau", "ButcherTableau") or short in _NODEPY:
            candidate = _Candidate(name, first.line, value)
            candidates.append(candidate)
            by_call[id(value)] = candidate


def _close_class(scope: _Scope, report: SourceReport, by_call: dict[int, _Candidate]) -> None:
    values = scope.env.values
    order = integer(values.get("__order__"))
    bound = values.get("tableau")
    if (
        isinstance(bound, Call) and id(bound) in by_call
    ):  # diffrax: class Tsit5: tableau = _tsit5_tableau
        candidate = by_call[id(bound)]
        candidate.name = scope.name
        candidate.order = order
        return
    if not ("A" in values and "B" in values):
        return
    if isinstance(values["A"], Call) or isinstance(values["B"], Call):
        return  # scipy's base class: A = NotImplemented
    try:
        report.tableaus.append(_scipy(scope, values))
    except Unreadable as error:
        report.unreadable.append((error.line, f"{scope.name}: {error.reason}"))


def _scipy(scope: _Scope, values: dict[str, object]) -> FoundTableau:
    """scipy's RungeKutta subclass: the FSAL extension with e = −E."""
    from .literals import ZERO, _negate

    line = scope.line
    rows = matrix(values["A"], line, "A")
    if rows and all(
        len(row) == len(rows) - 1 for row in rows
    ):  # RK45: 6×5, the zero column left out
        rows = [row + [ZERO] for row in rows]
    a = [list(row) for row in square(rows, line, "A")]
    b = list(vector(values["B"], line, "B"))
    s = len(a)
    if len(b) != s:
        raise Unreadable(f"B lists {len(b)} weights for an A of {s} stages", line)
    c = list(vector(values["C"], line, "C")) if "C" in values else None
    if c is not None and len(c) != s:
        raise Unreadable(f"C lists {len(c)} nodes for an A of {s} stages", line)
    notes = []
    error_weights = None
    order = integer(values.get("order"))
    embedded = integer(values.get("error_estimator_order"))
    if "E" in values:
        e = list(vector(values["E"], line, "E"))
        if len(e) != s + 1:
            raise Unreadable(
                f"E lists {len(e)} entries, expected {s + 1} (with the FSAL stage)", line
            )
        # the step's extra stage f(t + h, y_new): row s + 1 of A is B, c = 1, weight 0
        a = [row + [ZERO] for row in a] + [b + [ZERO]]
        b = b + [ZERO]
        if c is not None:
            c = c + [Scalar("1")]
        error_weights = tuple(_negate(x, line) for x in e)  # type: ignore[misc]
        notes.append(
            "scipy's E is b̂ − b over the s + 1 stages of the FSAL extension (the stage "
            "f(t + h, y_new) added as row s + 1 of A = B); imported as error_weights e = −E"
        )
    if "P" in values:
        notes.append("dense output P recognised, not imported")
    return FoundTableau(
        name=scope.name,
        line=line,
        library="scipy",
        a=tuple(tuple(row) for row in a),
        b=tuple(b),
        c=tuple(c) if c is not None else None,
        error_weights=error_weights,
        declared_order=order,
        declared_embedded_order=embedded if error_weights is not None else None,
        fsal_claimed=True if error_weights is not None else None,
        notes=tuple(notes),
    )


def _argument(call: Call, name: str, position: int) -> object:
    if name in call.kwargs:
        return call.kwargs[name]
    if position < len(call.args):
        return call.args[position]
    return None


def _from_call(candidate: _Candidate, report: SourceReport) -> None:
    call, line = candidate.call, candidate.line
    short = call.callee.rpartition(".")[2]
    try:
        if short == "_ButcherTableau":
            found = _torchdiffeq(candidate)
        elif short == "ButcherTableau":
            found = _diffrax(candidate)
        else:
            found = _nodepy(candidate)
    except Unreadable as error:
        report.unreadable.append((error.line, f"{candidate.name}: {error.reason}"))
        return
    if found is not None:
        report.tableaus.append(found)
    else:
        report.unreadable.append((line, f"{candidate.name}: {call.callee}(...) lacks its weights"))


def _required(call: Call, name: str, position: int, line: int) -> object:
    value = _argument(call, name, position)
    if value is None:
        raise Unreadable(f"{call.callee}(...) without {name}", line)
    return value


def _torchdiffeq(candidate: _Candidate) -> FoundTableau:
    call, line = candidate.call, candidate.line
    alpha = vector(_required(call, "alpha", 0, line), line, "alpha")
    beta = [
        vector(row, line, "beta") for row in _rows(_required(call, "beta", 1, line), line, "beta")
    ]
    b = vector(_required(call, "c_sol", 2, line), line, "c_sol")
    e = vector(_required(call, "c_error", 3, line), line, "c_error")
    s = len(b)
    if len(alpha) != s - 1 or len(beta) != s - 1 or len(e) != s:
        raise Unreadable(
            f"alpha, beta, c_sol and c_error list {len(alpha)}, {len(beta)}, {s} and {len(e)} "
            f"entries, expected {s - 1}, {s - 1}, {s} and {s}",
            line,
        )
    return FoundTableau(
        name=candidate.name,
        line=line,
        library="torchdiffeq",
        a=from_lower_rows(beta, line, "beta"),
        b=b,
        c=(Scalar("0"), *alpha),
        error_weights=e,
        declared_order=candidate.order,
        notes=("torchdiffeq: alpha = c₂…c_s, beta = rows 2…s of A, c_error = b − b̂",),
    )


def _rows(value: object, line: int, what: str) -> list[object]:
    if isinstance(value, Failed):
        raise Unreadable(f"{what}: {value.reason}", value.line)
    if not isinstance(value, list):
        raise Unreadable(f"{what} is not a list of rows", line)
    return value


def _diffrax(candidate: _Candidate) -> FoundTableau | None:
    call, line = candidate.call, candidate.line
    if "b_sol" not in call.kwargs:
        raise Unreadable("ButcherTableau(...) without b_sol", line)
    b = vector(call.kwargs["b_sol"], line, "b_sol")
    c = vector(_required(call, "c", 99, line), line, "c")
    rows = [
        vector(row, line, "a_lower")
        for row in _rows(_required(call, "a_lower", 99, line), line, "a_lower")
    ]
    diagonal = None
    if "a_diagonal" in call.kwargs:
        diagonal = vector(call.kwargs["a_diagonal"], line, "a_diagonal")
    s = len(b)
    if len(c) != s - 1 or len(rows) != s - 1:
        raise Unreadable(
            f"c and a_lower list {len(c)} and {len(rows)} entries for {s} weights, expected {s - 1}",
            line,
        )
    first = Scalar("0")
    if "c1" in call.kwargs:
        first = vector(call.kwargs["c1"], line, "c1")[0]
    e = vector(call.kwargs["b_error"], line, "b_error") if "b_error" in call.kwargs else None
    if e is not None and len(e) != s:
        raise Unreadable(f"b_error lists {len(e)} entries, expected {s}", line)
    notes = ["diffrax: c = c₂…c_s, a_lower = rows 2…s of A, b_error = b − b̂"]
    if "c_mid" in call.kwargs:
        notes.append("dense output c_mid recognised, not imported")
    return FoundTableau(
        name=candidate.name,
        line=line,
        library="diffrax",
        a=from_lower_rows(rows, line, "a_lower", diagonal),
        b=b,
        c=(first, *c),
        error_weights=e,
        declared_order=candidate.order,
        notes=tuple(notes),
    )


def _nodepy(candidate: _Candidate) -> FoundTableau:
    call, line = candidate.call, candidate.line
    a = square(matrix(_required(call, "A", 0, line), line, "A"), line, "A")
    b = vector(_required(call, "b", 1, line), line, "b")
    if len(b) != len(a):
        raise Unreadable(f"b lists {len(b)} weights for an A of {len(a)} stages", line)
    b_hat = None
    hat = _argument(call, "bhat", 2)
    if hat is not None and not isinstance(hat, str) and "Pair" in call.callee:
        b_hat = vector(hat, line, "bhat")
    name = call.kwargs.get("shortname") or call.kwargs.get("name")
    return FoundTableau(
        name=name if isinstance(name, str) else candidate.name,
        line=line,
        library="nodepy",
        a=a,
        b=b,
        b_hat=b_hat,
        declared_order=integer(call.kwargs.get("order")),
    )
