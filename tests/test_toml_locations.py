"""Tests for tableau_compiler.toml_locations: the line of every value in a TOML document."""

from __future__ import annotations

import datetime as dt
import random
import string
import tomllib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tableau_compiler.toml_locations import KeyPath, key_lines, line_of, scalar_texts

# -- helpers -------------------------------------------------------------------


def all_paths(value: Any, prefix: KeyPath = ()) -> set[KeyPath]:
    """Every key path into a parsed TOML value (the root itself excluded)."""
    paths: set[KeyPath] = set()
    stack: list[tuple[KeyPath, Any]] = [(prefix, value)]
    while stack:
        path, item = stack.pop()
        if path:
            paths.add(path)
        if isinstance(item, dict):
            stack.extend(((*path, key), sub) for key, sub in item.items())
        elif isinstance(item, list):
            stack.extend(((*path, index), sub) for index, sub in enumerate(item))
    return paths


def walk(document: Any, path: KeyPath) -> Any:
    """Follow ``path`` into a parsed document, failing the test if it is not a real path."""
    item = document
    for part in path:
        if isinstance(part, int):
            assert isinstance(item, list), path
            assert 0 <= part < len(item), path
        else:
            assert isinstance(item, dict), path
            assert part in item, path
        item = item[part]
    return item


def check_consistent(text: str) -> dict[KeyPath, int]:
    """key_lines(text) names exactly the paths of tomllib's parse, each on a real line."""
    document = tomllib.loads(text)
    lines = key_lines(text)
    for path in lines:
        walk(document, path)
    assert set(lines) == all_paths(document)
    line_count = len(text.splitlines()) or 1
    assert all(1 <= line <= line_count for line in lines.values())
    return lines


# -- the example from the brief and each TOML feature ----------------------------

EXAMPLE = """\
name = "rk4"
[tableau]
a = [
  [],
  ["1/2"],
  ["0", "1/2"],
]
"""


def test_example() -> None:
    lines = check_consistent(EXAMPLE)
    assert lines[("name",)] == 1
    assert lines[("tableau",)] == 2
    assert lines[("tableau", "a")] == 3
    assert lines[("tableau", "a", 0)] == 4
    assert lines[("tableau", "a", 1)] == 5
    assert lines[("tableau", "a", 1, 0)] == 5
    assert lines[("tableau", "a", 2)] == 6
    assert lines[("tableau", "a", 2, 0)] == 6
    assert lines[("tableau", "a", 2, 1)] == 6


def test_comments() -> None:
    text = """\
# leading comment [not] = "a table"
a = 1 # trailing comment with = and [ and "
   # indented comment
b = "# not a comment" # but this is
[t] # comment after a header
c = [ # comment after a bracket
  1, # after an element
  # a whole line inside an array ]
  2
] # after the close
"""
    lines = check_consistent(text)
    assert lines == {
        ("a",): 2,
        ("b",): 4,
        ("t",): 5,
        ("t", "c"): 6,
        ("t", "c", 0): 7,
        ("t", "c", 1): 9,
    }


def test_table_headers_with_dotted_and_quoted_names() -> None:
    text = """\
[a]
x = 1

[a.b."quoted key"]
y = 2
[ a . 'lit.eral' . c ]
z = 3
[d.e]
[d]
w = 4
"""
    lines = check_consistent(text)
    assert lines == {
        ("a",): 1,
        ("a", "x"): 2,
        ("a", "b"): 4,
        ("a", "b", "quoted key"): 4,
        ("a", "b", "quoted key", "y"): 5,
        ("a", "lit.eral"): 6,
        ("a", "lit.eral", "c"): 6,
        ("a", "lit.eral", "c", "z"): 7,
        ("d",): 9,  # the explicit header, not the implicit creation on line 8
        ("d", "e"): 8,
        ("d", "w"): 10,
    }


def test_array_of_tables() -> None:
    text = """\
[[fruit]]
name = "apple"

[fruit.physical]
color = "red"

[[fruit.variety]]
name = "red delicious"

[[fruit.variety]]
name = "granny smith"

[[fruit]]
name = "banana"

[[fruit.variety]]
name = "plantain"
"""
    lines = check_consistent(text)
    assert lines[("fruit",)] == 1
    assert lines[("fruit", 0)] == 1
    assert lines[("fruit", 0, "name")] == 2
    assert lines[("fruit", 0, "physical")] == 4
    assert lines[("fruit", 0, "physical", "color")] == 5
    assert lines[("fruit", 0, "variety")] == 7
    assert lines[("fruit", 0, "variety", 0)] == 7
    assert lines[("fruit", 0, "variety", 0, "name")] == 8
    assert lines[("fruit", 0, "variety", 1)] == 10
    assert lines[("fruit", 0, "variety", 1, "name")] == 11
    assert lines[("fruit", 1)] == 13
    assert lines[("fruit", 1, "name")] == 14
    assert lines[("fruit", 1, "variety")] == 16
    assert lines[("fruit", 1, "variety", 0)] == 16
    assert lines[("fruit", 1, "variety", 0, "name")] == 17


def test_dotted_keys() -> None:
    text = """\
a.b = 1
a . c . "d.e" = 2
[t]
x.y.z = 3
x.w = 4
[t.x.v]
u = 5
"""
    lines = check_consistent(text)
    assert lines == {
        ("a",): 1,
        ("a", "b"): 1,
        ("a", "c"): 2,
        ("a", "c", "d.e"): 2,
        ("t",): 3,
        ("t", "x"): 4,
        ("t", "x", "y"): 4,
        ("t", "x", "y", "z"): 4,
        ("t", "x", "w"): 5,
        ("t", "x", "v"): 6,
        ("t", "x", "v", "u"): 7,
    }


def test_quoted_keys_with_escapes() -> None:
    text = r"""
"a\"b" = 1
"tab\there" = 2
"\u00e9\U0001F600" = 3
'C:\path' = 4
"" = 5
"with = and [brackets] and # hash" = 6
'dots.in.literal' = 7
"1.5" = 8
1.5 = 9
"""
    lines = check_consistent(text)
    assert lines[('a"b',)] == 2
    assert lines[("tab\there",)] == 3
    assert lines[("\u00e9\U0001f600",)] == 4
    assert lines[("C:\\path",)] == 5
    assert lines[("",)] == 6
    assert lines[("with = and [brackets] and # hash",)] == 7
    assert lines[("dots.in.literal",)] == 8
    assert lines[("1.5",)] == 9
    assert lines[("1",)] == 10
    assert lines[("1", "5")] == 10


def test_strings() -> None:
    # L3 stands for a triple single quote, which cannot appear in this Python literal.
    text = r'''a = "brackets ] [ { } and 'quotes' and \"escaped\" # = \\"
b = 'literal ] " # = \'
c = """
multi-line ] [
"quoted" # not a comment
= still the string \"""
ends with quotes"""""
d = 3
e = L3
literal
multi ]] [[ "
L3
f = """line \
  continued"""
g = ""
h = ''
i = """"one quote""""
'''.replace("L3", "'" * 3)
    lines = check_consistent(text)
    assert lines == {
        ("a",): 1,
        ("b",): 2,
        ("c",): 3,
        ("d",): 8,
        ("e",): 9,
        ("f",): 13,
        ("g",): 15,
        ("h",): 16,
        ("i",): 17,
    }
    assert tomllib.loads(text)["c"].endswith('ends with quotes""')


def test_numbers_booleans_dates_and_times() -> None:
    text = """\
int = +99
hex = 0xDEAD_beef
oct = 0o755
bin = 0b1101
big = 1_000_000
float = -3.14e+10
inf = -inf
nan = nan
yes = true
no = false
odt = 1979-05-27T07:32:00.999999-07:00
ldt = 1979-05-27 07:32:00 # space separated
ld = 1979-05-27
lt = 07:32:00.5
mixed = [1, 2.0, true, 1979-05-27 07:32:00Z, "s"]
"""
    lines = check_consistent(text)
    names = [line.split(" =")[0] for line in text.splitlines()]
    for number, name in enumerate(names, start=1):
        assert lines[(name,)] == number
    assert all(lines[("mixed", index)] == 15 for index in range(5))


def test_nested_arrays_spanning_lines() -> None:
    text = """\
a = [

  [
    1,

    [ 2,
      3 ],
  ],
  # a comment between elements
  [], [4, [5, [6]]],
  "last"
  ,
]
"""
    lines = check_consistent(text)
    assert lines == {
        ("a",): 1,
        ("a", 0): 3,
        ("a", 0, 0): 4,
        ("a", 0, 1): 6,
        ("a", 0, 1, 0): 6,
        ("a", 0, 1, 1): 7,
        ("a", 1): 10,
        ("a", 2): 10,
        ("a", 2, 0): 10,
        ("a", 2, 1): 10,
        ("a", 2, 1, 0): 10,
        ("a", 2, 1, 1): 10,
        ("a", 2, 1, 1, 0): 10,
        ("a", 3): 11,
    }


def test_inline_tables() -> None:
    text = """\
point = { x = 1, y.z = 2, "q k" = { } }
points = [
  { x = 1 },
  { x = 2, arr = [
      "spans", ] },
]
nested = { a = { b = { c = [] } } }
"""
    lines = check_consistent(text)
    assert lines == {
        ("point",): 1,
        ("point", "x"): 1,
        ("point", "y"): 1,
        ("point", "y", "z"): 1,
        ("point", "q k"): 1,
        ("points",): 2,
        ("points", 0): 3,
        ("points", 0, "x"): 3,
        ("points", 1): 4,
        ("points", 1, "x"): 4,
        ("points", 1, "arr"): 4,
        ("points", 1, "arr", 0): 5,
        ("nested",): 7,
        ("nested", "a"): 7,
        ("nested", "a", "b"): 7,
        ("nested", "a", "b", "c"): 7,
    }


def test_inline_table_with_multiline_array_is_valid_toml_here() -> None:
    # The document above relies on tomllib accepting newlines inside an array that
    # is inside an inline table (TOML 1.0 forbids them elsewhere in one).
    assert tomllib.loads("t = { a = [\n1,\n] }")["t"] == {"a": [1]}


def test_crlf_line_ends() -> None:
    text = EXAMPLE.replace("\n", "\r\n") + 's = """\r\nx\r\n"""\r\nafter = 1\r\n'
    lines = check_consistent(text)
    assert lines[("tableau", "a", 2, 1)] == 6
    assert lines[("tableau", "s")] == 8
    assert lines[("tableau", "after")] == 11


def test_byte_order_mark_and_empty_documents() -> None:
    assert key_lines("") == {}
    assert key_lines("# only a comment\n\n") == {}
    assert key_lines("\ufeffa = 1\n") == {("a",): 1}


def test_deep_nesting_does_not_recurse() -> None:
    depth = 2_000  # well past Python's default recursion limit
    text = "a = " + "[" * depth + "1" + "]" * depth + "\n"
    lines = key_lines(text)
    assert len(lines) == depth + 1  # ("a",), then one element per level
    assert lines[("a", *[0] * depth)] == 1
    assert line_of(text, ("a", *[0] * (depth + 5))) == 1


# -- line_of ---------------------------------------------------------------------


def test_line_of_longest_prefix() -> None:
    assert line_of(EXAMPLE, ("tableau", "a", 2, 1)) == 6
    assert line_of(EXAMPLE, ["tableau", "a", 2, 7]) == 6  # missing element: its row
    assert line_of(EXAMPLE, ("tableau", "b")) == 2  # missing key: its table
    assert line_of(EXAMPLE, ("tableau", "b", "c", 0)) == 2
    assert line_of(EXAMPLE, ("name",)) == 1
    assert line_of(EXAMPLE, ("missing",)) is None
    assert line_of(EXAMPLE, ()) is None


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[[", ("a",)),
        ('a = "unterminated\n', ("a",)),
        ("a = [1, 2\n", ("a", 0)),
        ("= 1\n", ("a",)),
        ("a = \n", ("a",)),
        ('"\\uZZZZ" = 1\n', ("a",)),
        ('"\\UFFFFFFFF" = 1\n', ("a",)),
        (None, ("a",)),
        (b"a = 1", ("a",)),
        ("a = 1\n", None),
        ("a = 1\n", 5),
        ("a = 1\n", [["unhashable"]]),
    ],
)
def test_line_of_never_raises(text: Any, key: Any) -> None:
    assert line_of(text, key) is None


@settings(max_examples=300)
@given(st.text(), st.lists(st.one_of(st.text(max_size=3), st.integers(-2, 5)), max_size=4))
def test_line_of_on_garbage_text(text: str, key: list[str | int]) -> None:
    result = line_of(text, key)
    assert result is None or (isinstance(result, int) and result >= 1)


TOMLISH = st.text(alphabet="[]{}\"'=.,#\\ \t\r\nab01-_:+e", max_size=60)


@settings(max_examples=500)
@given(TOMLISH, st.lists(st.sampled_from(["a", "b", 0, 1]), max_size=3))
def test_line_of_on_toml_like_garbage(text: str, key: list[str | int]) -> None:
    result = line_of(text, key)
    assert result is None or (isinstance(result, int) and result >= 1)
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    check_consistent(text)  # anything tomllib accepts must be followed exactly


# -- property test: documents written by a serialiser we control -------------------

BARE = set(string.ascii_letters + string.digits + "-_")


def is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or ord(ch) == 0x7F


def escape(text: str, *, keep_newlines: bool = False) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n" and keep_newlines:
            out.append("\n")
        elif is_control(ch) and ch != "\t":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def toml_key(key: str) -> str:
    if key and set(key) <= BARE:
        return key
    return f'"{escape(key)}"'


class Writer:
    """Serialises a dict to TOML, one value per line, remembering each value's line."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.chunks: list[str] = []
        self.next_line = 1
        self.expected: dict[KeyPath, int] = {}

    def emit(self, chunk: str) -> int:
        """Write ``chunk`` (which may span lines) on the next line; return that line."""
        line = self.next_line
        self.chunks.append(chunk)
        self.next_line += chunk.count("\n") + 1
        return line

    def text(self, newline: str) -> str:
        return "".join(chunk.replace("\n", newline) + newline for chunk in self.chunks)

    def noise(self) -> None:
        roll = self.rng.random()
        if roll < 0.08:
            self.emit("")
        elif roll < 0.16:
            self.emit("  # comment ] [[x]] = \"q\" 'l' {")

    def comment(self) -> str:
        return "  # ]\"'{" if self.rng.random() < 0.15 else ""

    def record_all(self, path: KeyPath, value: Any, line: int) -> None:
        for sub in all_paths(value, path) | {path}:
            self.expected[sub] = line

    # Values ------------------------------------------------------------------

    def string(self, text: str, *, one_line: bool) -> str:
        forms = [f'"{escape(text)}"']
        has_control = any(is_control(ch) and ch not in "\t\n" for ch in text)
        if "'" not in text and "\n" not in text and not has_control:
            forms.append(f"'{text}'")
        if not one_line and "\n" in text and self.rng.random() < 0.8:
            forms = [f'"""\n{escape(text, keep_newlines=True)}"""']
            if "'" not in text and not has_control:
                forms.append(f"'''\n{text}'''")
        return self.rng.choice(forms)

    def scalar(self, value: Any, *, one_line: bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            if value >= 0 and self.rng.random() < 0.3:
                return self.rng.choice([hex, oct, bin])(value)
            return str(value)
        if isinstance(value, float):
            if value == float("inf"):
                return self.rng.choice(["inf", "+inf"])
            if value == float("-inf"):
                return "-inf"
            return repr(value)
        if isinstance(value, str):
            return self.string(value, one_line=one_line)
        if isinstance(value, dt.datetime):
            return value.isoformat(sep=self.rng.choice("T "))
        if isinstance(value, dt.date | dt.time):
            return value.isoformat()
        raise TypeError(value)

    def inline(self, value: Any) -> str:
        if isinstance(value, dict):
            items = ", ".join(f"{toml_key(k)} = {self.inline(v)}" for k, v in value.items())
            return f"{{ {items} }}" if items else "{}"
        if isinstance(value, list):
            return "[" + ", ".join(self.inline(item) for item in value) + "]"
        return self.scalar(value, one_line=True)

    def value_block(self, lead: str, value: Any, path: KeyPath, suffix: str) -> None:
        """Write ``value`` starting on a line of its own after ``lead``."""
        if isinstance(value, list) and self.rng.random() < 0.8:
            self.expected[path] = self.emit(lead + "[" + self.comment())
            for index, item in enumerate(value):
                self.noise()
                last = index == len(value) - 1
                comma = "," if not last or self.rng.random() < 0.5 else ""
                self.value_block("  ", item, (*path, index), comma)
            self.noise()
            self.emit("]" + suffix)
        elif isinstance(value, dict | list):
            self.record_all(path, value, self.emit(lead + self.inline(value) + suffix))
        else:
            scalar = self.scalar(value, one_line=False)
            self.expected[path] = self.emit(lead + scalar + suffix + self.comment())

    # Tables ------------------------------------------------------------------

    def entry(self, key_text: str, value: Any, path: KeyPath) -> None:
        """Write ``key = value``, or a non-empty table as dotted keys."""
        if isinstance(value, dict) and value and self.rng.random() < 0.5:
            for index, (key, sub) in enumerate(value.items()):
                if index:  # nothing between the table's first key line and its start
                    self.noise()
                self.expected.setdefault(path, self.next_line)
                self.entry(f"{key_text}.{toml_key(key)}", sub, (*path, key))
        else:
            self.value_block(f"{key_text} = ", value, path, "")

    def header(self, names: tuple[str, ...], *, array: bool) -> int:
        dot = self.rng.choice([".", " . "])
        inner = dot.join(toml_key(name) for name in names)
        text = f"[[ {inner} ]]" if array else f"[{inner}]"
        return self.emit(text + self.comment())

    def section(self, table: dict[str, Any], path: KeyPath, names: tuple[str, ...]) -> None:
        """Write the contents of a table: its key/values, then its sub-tables."""
        plain, tables, arrays = [], [], []
        for key, value in table.items():
            if isinstance(value, dict) and self.rng.random() < 0.5:
                tables.append((key, value))
            elif (
                isinstance(value, list)
                and value
                and all(isinstance(item, dict) for item in value)
                and self.rng.random() < 0.7
            ):
                arrays.append((key, value))
            else:
                plain.append((key, value))
        for key, value in plain:
            self.noise()
            self.entry(toml_key(key), value, (*path, key))
        for key, value in tables:
            self.noise()
            self.expected[(*path, key)] = self.header((*names, key), array=False)
            self.section(value, (*path, key), (*names, key))
        for key, items in arrays:
            for index, item in enumerate(items):
                self.noise()
                line = self.header((*names, key), array=True)
                self.expected.setdefault((*path, key), line)
                self.expected[(*path, key, index)] = line
                self.section(item, (*path, key, index), (*names, key))


KEYS = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True),
    st.text(max_size=6),
    st.text(alphabet=".[]{}\"'#= \\\n\t", max_size=4),
)
ODD_TEXT = st.text(alphabet="ab \"'[]{}#=\\\n\t.,", max_size=8)
STRINGS = st.one_of(
    st.text(max_size=12),
    ODD_TEXT,
    st.builds("{}\n{}".format, ODD_TEXT, ODD_TEXT),  # always spans lines
)
SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.booleans(),
    STRINGS,
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.dates(),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=4),
    ),
    max_leaves=16,
)
DOCUMENTS = st.dictionaries(KEYS, VALUES, max_size=6)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.randoms(use_true_random=False), st.sampled_from(["\n", "\r\n"]))
def test_property_lines_of_serialised_documents(
    document: dict[str, Any], rng: random.Random, newline: str
) -> None:
    writer = Writer(rng)
    writer.section(document, (), ())
    text = writer.text(newline)
    assert tomllib.loads(text) == document, text  # the serialiser itself is right

    lines = check_consistent(text)
    for path, line in writer.expected.items():
        assert lines.get(path) == line, (path, text)
    leaves = {path for path in all_paths(document) if not isinstance(walk(document, path), dict)}
    assert leaves <= set(writer.expected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.randoms(use_true_random=False), st.data())
def test_line_of_on_damaged_documents(
    document: dict[str, Any], rng: random.Random, data: st.DataObject
) -> None:
    writer = Writer(rng)
    writer.section(document, (), ())
    text = writer.text("\n")
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    damaged = (
        text[:start] + data.draw(st.sampled_from(["", "[", "]", '"', "'", "{", "\n"])) + text[end:]
    )
    for path in writer.expected:
        result = line_of(damaged, path)
        assert result is None or (isinstance(result, int) and result >= 1)
    try:
        tomllib.loads(damaged)
    except tomllib.TOMLDecodeError:
        return
    check_consistent(damaged)


# -- scalar_texts -----------------------------------------------------------------


def test_scalar_texts_give_numbers_booleans_and_dates_as_written():
    text = (
        "a = [1.0_16, 'x', 2 , +inf]\n"
        "[t]\n"
        "b = {c = 1_000, d = true}  # comment\n"
        "e = 1979-05-27 07:32:00\n"
        'f = """\n1.0_16\n"""\n'
    )
    assert scalar_texts(text) == {
        ("a", 0): "1.0_16",  # tomllib gives 1.016: the text tells it from a written 1.016
        ("a", 2): "2",
        ("a", 3): "+inf",
        ("t", "b", "c"): "1_000",
        ("t", "b", "d"): "true",
        ("t", "e"): "1979-05-27 07:32:00",
    }
    assert tomllib.loads(text)["a"][0] == 1.016


@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=20))
def test_scalar_texts_read_back_to_the_values_tomllib_gives(numbers):
    text = "x = [" + ", ".join(f"{n:_}" for n in numbers) + "]\n"
    texts = scalar_texts(text)
    assert [int(texts[("x", i)]) for i in range(len(numbers))] == tomllib.loads(text)["x"]
