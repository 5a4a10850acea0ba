"""C sources: SUNDIALS ARKODE's Butcher tables (``arkode_butcher_erk.def``/``.c``, DIRK too).

The convention read (a fact from ARKODE's source): a table starts at ``case(NAME):`` (older
``.c`` files) or ``ARK_BUTCHER_TABLE(NAME, {`` (``.def`` files); ``ARKodeButcherTable_Alloc(s,
SUNTRUE)`` allocates s stages, zeroed, with an embedding; ``B->q`` is the declared order and
``B->p`` the embedding's; ``B->A[i][j]`` is a_{i+1,j+1} (0-based, row-major), ``B->b[i]``,
``B->c[i]`` and ``B->d[i]`` (the embedding's weights b̂, not a difference).  ``RCONST(x)`` and
``SUN_RCONST(x)`` are x; ``RCONST(1.0)/RCONST(5.0)`` is the rational 1/5; ``SUNRsqrt(x)`` is
sqrt(x).
"""

from __future__ import annotations

from . import FoundTableau, SourceReport, integer
from .literals import (
    ZERO,
    Call,
    Environment,
    Language,
    Scalar,
    Unreadable,
    read_indices,
    read_or_fail,
    statements,
    strip_range,
    tokenize,
    top_level_equals,
)

C = Language("c", ("//",), ("/*", "*/"), rational_slashes=False, caret_is_power=False,
             index_base=0)  # fmt: skip
_C_TYPES = {"realtype", "sunrealtype", "double", "float", "long", "const", "static", "int",
            "ARKodeButcherTable"}  # fmt: skip


class _Table:
    def __init__(self, name: str, line: int) -> None:
        self.name, self.line = name, line
        self.stages: int | None = None
        self.embedded = False
        self.q: int | None = None
        self.p: int | None = None
        self.entries: dict[tuple[str, tuple[int, ...]], object] = {}
        self.env = Environment()


def read_c(text: str, report: SourceReport) -> None:
    tokens = tokenize(text, C)
    tables: list[_Table] = []
    current: _Table | None = None
    for first, last in statements(tokens, (";", "{", "}"), newline_ends=False):
        first, last = strip_range(tokens, first, last)
        if first >= last:
            continue
        words = [t.text for t in tokens[first:last] if t.kind != "newline"]
        start = _table_start(tokens, first, last)
        if start is not None:
            current = _Table(*start)
            tables.append(current)
            first = _after_label(tokens, first, last)
            if first >= last:
                continue
            words = [t.text for t in tokens[first:last] if t.kind != "newline"]
        if current is None:
            continue
        if words[:1] == ["break"] or words[:1] == ["default"]:
            current = None
            continue
        _statement(tokens, first, last, current)
    for table in tables:
        try:
            found = _found(table)
        except Unreadable as error:
            report.unreadable.append((error.line, f"{table.name}: {error.reason}"))
            continue
        if found is not None:
            report.tableaus.append(found)


def _table_start(tokens, first, last) -> tuple[str, int] | None:
    """``case(NAME):``, ``case NAME:`` or ``ARK_BUTCHER_TABLE(NAME, …``."""
    texts = [t for t in tokens[first:last] if t.kind != "newline"]
    for k, token in enumerate(texts):
        if token.text == "case" and k + 1 < len(texts):
            following = texts[k + 1]
            if following.text == "(" and k + 2 < len(texts):
                return texts[k + 2].text, token.line
            return following.text, token.line
        if token.text.endswith("BUTCHER_TABLE") and k + 2 < len(texts) and texts[k + 1].text == "(":
            return texts[k + 2].text, token.line
    return None


def _after_label(tokens, first, last) -> int:
    """The first token after a ``case …:`` label or a ``TABLE(NAME,`` head."""
    for i in range(first, last):
        if tokens[i].text == ":" and tokens[i].kind == "op":
            return i + 1
    return last


def _statement(tokens, first, last, table: _Table) -> None:
    equals = top_level_equals(tokens, first, last)
    if equals is None:
        return
    target = [t for t in tokens[first:equals] if t.kind != "newline"]
    value = read_or_fail(tokens, equals + 1, last, table.env, C)
    if isinstance(value, Call) and value.callee.endswith("ButcherTable_Alloc"):
        table.stages = integer(value.args[0]) if value.args else None
        table.embedded = len(value.args) > 1 and value.args[1] is True
        return
    names = [t.text for t in target]
    if "->" in names:
        arrow = names.index("->")
        field = names[arrow + 1] if arrow + 1 < len(names) else ""
        if field in ("q", "p") and len(names) == arrow + 2:
            setattr(table, field, integer(value))
            return
        if field in ("A", "b", "c", "d"):
            start = next(i for i in range(first, equals) if tokens[i].text == "->") + 2
            try:
                indices = tuple(read_indices(tokens, start, equals, table.env, C))
            except Unreadable as error:
                table.entries[(field, (-1,))] = error
                return
            table.entries[(field, indices)] = value
        return
    # a local constant: `realtype one = RCONST(1.0);`
    plain = [n for n in names if n not in _C_TYPES and n != "*"]
    if len(plain) == 1:
        table.env.values[plain[0]] = value


def _found(table: _Table) -> FoundTableau | None:
    if table.stages is None:
        return None
    s = table.stages
    if not 1 <= s <= 64:
        raise Unreadable(f"{s} stages", table.line)
    a = [[ZERO] * s for _ in range(s)]
    vectors = {name: [ZERO] * s for name in ("b", "c", "d")}
    for (field, indices), value in table.entries.items():
        if isinstance(value, Unreadable):
            raise value
        if not isinstance(value, Scalar):
            reason = getattr(value, "reason", "not a number")
            raise Unreadable(
                f"B->{field}{list(indices)}: {reason}", getattr(value, "line", table.line)
            )
        if field == "A":
            if len(indices) != 2 or not all(0 <= k < s for k in indices):
                raise Unreadable(f"B->A{list(indices)} is outside the {s}×{s} table", table.line)
            a[indices[0]][indices[1]] = value
        else:
            if len(indices) != 1 or not 0 <= indices[0] < s:
                raise Unreadable(f"B->{field}{list(indices)} is outside the {s} stages", table.line)
            vectors[field][indices[0]] = value
    embedded = table.embedded or any(k[0] == "d" for k in table.entries)
    return FoundTableau(
        name=table.name,
        line=table.line,
        library="ARKODE",
        a=tuple(tuple(row) for row in a),
        b=tuple(vectors["b"]),
        c=tuple(vectors["c"]),
        b_hat=tuple(vectors["d"]) if embedded else None,
        declared_order=table.q,
        declared_embedded_order=table.p if embedded else None,
        notes=("ARKODE: B->A[i][j] is a_{i+1,j+1} (0-based, row-major), d is b̂",),
    )
