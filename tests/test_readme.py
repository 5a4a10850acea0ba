"""Every command the README and the docs pages show works as written (docs/design.md, "The
documentation is tested").

The pages are ``README.md`` and every ``docs/*.md`` but the format page, ``docs/scheme-format.md``,
whose examples (some of them fragments of a scheme) ``tests/test_parsing.py`` and its neighbours
read.  A fresh copy of the repository -- the files git lists, as a clone has them -- is made in a
scratch directory, and from its root, with relative paths and the ``tabc`` next to this
interpreter:

* each ``console`` block's ``$ command`` runs and its output (stdout and stderr, in the order
  written) must be the lines shown; a line ``...`` stands for any number of lines;
* each ``sh`` block runs as a script and must exit 0;
* each ``python`` block runs in a fresh interpreter and must exit 0;
* each ``toml`` block is a scheme sketch and must pass ``tabc check``;
* each ``yaml`` block must parse (a small block-YAML subset, below) and the CI recipes must
  work from this repository as it is: hook ids that exist, a ``rev`` that is a commit and no
  release tag, ``files:`` patterns that take scheme files and never ``pyproject.toml``, an
  install that names this repository and not a package index.

A block preceded by ``<!-- readme-test: skip (REASON) -->`` (on the comment lines directly
above its opening fence) is skipped with that reason.  Every relative link of the README and of
``docs/`` (the format page included) must name a file a clone has, inside it, and a link to a
section must name a heading of the page it points at.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FORMAT_PAGE = ROOT / "docs" / "scheme-format.md"
PAGES = [README] + sorted(p for p in (ROOT / "docs").glob("*.md") if p != FORMAT_PAGE)
"""The pages whose blocks run: the README and the docs pages but the format page."""
HOOKS = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent
TIMEOUT_S = 300

# ----------------------------------------------------------------------------- the README


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README or of a docs page."""

    language: str
    body: str
    line: int
    """The line of the opening fence (1-based)."""
    markers: tuple[str, ...]
    """The HTML comments on the lines directly above the opening fence."""
    page: str = "README.md"
    """The page, relative to the repository root."""

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}:{self.language or 'text'}"

    def skip_reason(self) -> str | None:
        for marker in self.markers:
            found = SKIP.fullmatch(marker)
            if found:
                return found.group(1)
        return None


SKIP = re.compile(r"<!-- readme-test: skip \((.+)\) -->")
FENCE = re.compile(r"^```(\S*)\s*$")


def readme_blocks(text: str, page: str = "README.md") -> list[Block]:
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        markers = []
        above = i - 1
        while above >= 0 and lines[above].startswith("<!--"):
            markers.insert(0, lines[above].strip())
            above -= 1
        end = i + 1
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        assert end < len(lines), f"{page}:{i + 1}: the code block is never closed"
        body = "\n".join(lines[i + 1 : end]) + "\n"
        blocks.append(Block(opening.group(1), body, i + 1, tuple(markers), page))
        i = end + 1
    return blocks


def page_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


BLOCKS = [
    block
    for path in PAGES
    for block in readme_blocks(path.read_text(encoding="utf-8"), page_name(path))
]


def blocks_of(*languages: str) -> list[Block]:
    return [block for block in BLOCKS if block.language in languages]


def console_session(body: str) -> list[tuple[str, list[str]]]:
    """``$ command`` lines and the output lines shown after each."""
    session: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            session.append((line[2:], []))
        else:
            assert session, f"output before any `$ command`: {line!r}"
            session[-1][1].append(line.rstrip())
    return session


def lines_match(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` is ``expected`` line for line, a ``...`` line taking any number."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(lines_match(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and lines_match(expected[1:], actual[1:])


def test_lines_match_reads_dots_as_any_lines():
    assert lines_match(["a", "...", "d"], ["a", "b", "c", "d"])
    assert lines_match(["a", "...", "d"], ["a", "d"])
    assert lines_match(["...", "c", "..."], ["a", "b", "c", "d"])
    assert not lines_match(["a", "...", "d"], ["a", "b", "c"])
    assert not lines_match(["a", "b"], ["a", "b", "c"])
    assert not lines_match(["a", "c"], ["a", "b"])


def test_readme_blocks_and_markers_are_read_as_documented():
    text = (
        "intro\n<!-- readme-test: skip (too slow) -->\n<!-- ci:setup -->\n```sh\nslow\n```\n"
        "text\n```console\n$ tabc x\nout\n```\n"
    )
    slow, session = readme_blocks(text)
    assert (slow.language, slow.body, slow.line, slow.skip_reason()) == (
        "sh",
        "slow\n",
        4,
        "too slow",
    )
    assert session.skip_reason() is None and console_session(session.body) == [("tabc x", ["out"])]


@pytest.mark.parametrize("path", PAGES, ids=page_name)
def test_every_readme_test_marker_is_a_skip_with_a_reason_above_a_block(path):
    name = page_name(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    marked = {
        (block.line - k, marker)
        for block in BLOCKS
        if block.page == name
        for k, marker in enumerate(reversed(block.markers), 1)
    }
    for number, line in enumerate(lines, 1):
        if line.startswith("<!--") and "readme-test" in line:
            assert SKIP.fullmatch(line.strip()), f"{name}:{number}: write {SKIP.pattern}"
            assert (number, line.strip()) in marked, f"{name}:{number}: not directly above a block"


def test_the_docs_pages_are_collected_and_the_setup_blocks_stay_in_the_readme():
    names = {block.page for block in BLOCKS}
    assert "README.md" in names and "docs/scheme-format.md" not in names
    assert {"docs/analysis.md", "docs/generated-modules.md", "docs/reversible.md"} <= names
    for marker in ("<!-- ci:setup -->", "<!-- ci:test -->"):
        (holder,) = [block for block in BLOCKS if marker in block.markers]
        assert holder.page == "README.md", f"{marker} must stay in the README (.ci/run reads it)"


# ----------------------------------------------------------------------------- the copy


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """The repository's files as a clone has them (tracked, or new and not ignored)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    copy = tmp_path_factory.mktemp("clone")
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def environment() -> dict[str, str]:
    if not (BIN / "tabc").exists():
        pytest.skip(f"no tabc console script in {BIN}")
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr interleave in the order written
    env.pop("PYTHONPATH", None)
    return env


def run_shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=cwd,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


# ----------------------------------------------------------------------------- running them


@pytest.mark.parametrize("block", blocks_of("console"), ids=lambda b: b.name)
def test_console_examples_print_what_the_readme_shows(block, clone):
    if block.skip_reason():
        pytest.skip(block.skip_reason())
    session = console_session(block.body)
    assert session, f"{block.name}: a console block shows at least one `$ command`"
    for command, expected in session:
        done = run_shell(command, clone)
        actual = done.stdout.rstrip("\n").splitlines() if done.stdout.strip() else []
        actual = [line.rstrip() for line in actual]
        assert "Traceback" not in done.stdout, done.stdout
        assert lines_match(expected, actual), (
            f"{block.name}: `{command}` (exit {done.returncode}) printed\n"
            + "\n".join(actual)
            + "\n\nthe page shows\n"
            + "\n".join(expected)
        )


@pytest.mark.parametrize("block", blocks_of("sh", "bash", "shell"), ids=lambda b: b.name)
def test_shell_blocks_run(block, clone):
    if block.skip_reason():
        pytest.skip(block.skip_reason())
    done = run_shell(f"set -e\n{block.body}", clone)
    assert done.returncode == 0, f"{block.name}:\n{done.stdout}"


@pytest.mark.parametrize("block", blocks_of("python"), ids=lambda b: b.name)
def test_python_blocks_run(block, clone):
    if block.skip_reason():
        pytest.skip(block.skip_reason())
    done = subprocess.run(
        [sys.executable, "-c", block.body],
        cwd=clone,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, f"{block.name}:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("block", blocks_of("toml"), ids=lambda b: b.name)
def test_toml_sketches_are_schemes_that_pass_tabc_check(block, clone, tmp_path):
    if block.skip_reason():
        pytest.skip(block.skip_reason())
    sketch = tmp_path / "sketch.toml"
    sketch.write_text(block.body, encoding="utf-8")
    done = run_shell(f"tabc check {shlex.quote(str(sketch))}", clone)
    assert done.returncode == 0 and done.stdout.startswith("ok"), f"{block.name}:\n{done.stdout}"


def test_every_block_language_has_a_runner():
    runnable = {"console", "sh", "bash", "shell", "python", "toml", "yaml"}
    for block in BLOCKS:
        assert block.language in runnable | {""}, f"{block.name}: no runner for this language"


# ----------------------------------------------------------------------------- links

LINK = re.compile(r"\]\(([^)\s]+)\)")


def heading_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def headings(text: str) -> set[str]:
    """The anchors of a page's headings (``#`` lines outside code blocks)."""
    anchors, inside = set(), False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
        elif not inside and re.match(r"#{1,6} ", line):
            anchors.add(heading_anchor(line.lstrip("#")))
    return anchors


def test_headings_are_read_outside_code_blocks():
    text = "# Title: `tabc check`\n```sh\n# a comment\n```\n## Results on digits (CPU)\n"
    assert headings(text) == {"title-tabc-check", "results-on-digits-cpu"}


@pytest.mark.parametrize("path", [*PAGES, FORMAT_PAGE], ids=page_name)
def test_links_resolve_inside_a_clone(path, clone):
    name = page_name(path)
    text = path.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        assert not Path(file).is_absolute(), f"{name} links to an absolute path: {target}"
        linked = (clone / name).parent / file if file else clone / name
        resolved = Path(os.path.normpath(linked))
        assert resolved.is_relative_to(clone), f"{name} links outside a clone: {target}"
        assert resolved.exists(), f"{name} links to {target}, which a clone does not have"
        if anchor:
            assert resolved.suffix == ".md", f"{name} links to a section of a non-page: {target}"
            assert anchor in headings(resolved.read_text(encoding="utf-8")), (
                f"{name} links to a missing section: {target}"
            )


# ----------------------------------------------------------------------------- YAML


class YamlSubsetError(ValueError):
    """Text outside the block-YAML subset that :func:`parse_yaml` reads."""


def _strip_comment(line: str) -> str:
    quote = None
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (k == 0 or line[k - 1] in " :-["):
            quote = ch
        elif ch == "#" and (k == 0 or line[k - 1] in " \t"):
            return line[:k]
    return line


def _scalar(text: str):
    if text.startswith("'"):
        if len(text) < 2 or not text.endswith("'") or re.search(r"(?<!')'(?!')", text[1:-1]):
            raise YamlSubsetError(f"bad single-quoted scalar: {text}")
        return text[1:-1].replace("''", "'")
    if text.startswith('"'):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise YamlSubsetError(f"bad double-quoted scalar: {text}") from None
    if text in ("[]", "{}"):
        return [] if text == "[]" else {}
    if text[0] in "-?:,[]{}#&*!|>%@`" or ": " in text or text.endswith(":"):
        raise YamlSubsetError(f"not a plain scalar of the subset: {text}")
    return text


def _is_key(text: str) -> bool:
    return re.match(r"[A-Za-z_][\w-]*:( |$)", text) is not None


def _block(lines: list[tuple[int, str]], i: int, indent: int):
    if lines[i][1] == "-" or lines[i][1].startswith("- "):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _sequence(lines, i, indent):
    items = []
    while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
        rest = lines[i][1][2:].lstrip()
        if _is_key(rest):  # "- key: value" opens a mapping whose keys align with "key"
            inner = indent + len(lines[i][1]) - len(rest)
            lines[i] = (inner, rest)
            value, i = _mapping(lines, i, inner)
        else:
            value, i = _scalar(rest), i + 1
        items.append(value)
    return items, i


def _mapping(lines, i, indent):
    result: dict = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        text = lines[i][1]
        if not _is_key(text):
            raise YamlSubsetError(f"expected `key: value`: {text}")
        key, _, rest = text.partition(":")
        if key in result:
            raise YamlSubsetError(f"duplicate key {key}")
        rest = rest.strip()
        i += 1
        if rest:
            result[key] = _scalar(rest)
        elif i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))
        ):
            result[key], i = _block(lines, i, lines[i][0])
        else:
            result[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise YamlSubsetError(f"unexpected indentation: {lines[i][1]}")
    return result, i


def parse_yaml(text: str):
    """Block mappings and sequences of plain, quoted, ``[]`` and ``{}`` scalars (strings).

    Enough for pre-commit and workflow snippets; anything else raises YamlSubsetError.
    """
    lines = []
    for raw in text.splitlines():
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError("tab indentation")
        content = _strip_comment(raw).rstrip()
        if content.strip():
            lines.append((len(content) - len(content.lstrip(" ")), content.strip()))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise YamlSubsetError(f"unexpected line: {lines[end][1]}")
    return value


def test_the_yaml_subset_parser_reads_what_yaml_reads():
    text = (
        "# comment\n- id: a   # trailing\n  files: '(^|/)x\\.toml$'\n  deps: []\n"
        "- id: b\n  nested:\n    - repo: local\n      hooks:\n      - id: c\n"
        '        run: pip install "x @ git+https://h/y@z"\n'
    )
    assert parse_yaml(text) == [
        {"id": "a", "files": "(^|/)x\\.toml$", "deps": []},
        {
            "id": "b",
            "nested": [
                {
                    "repo": "local",
                    "hooks": [{"id": "c", "run": 'pip install "x @ git+https://h/y@z"'}],
                }
            ],
        },
    ]
    for bad in ("a: b: c\n", "- a\n  b: c\n", "key: [1, 2]\n", "a:\n    b: 1\n  c: 2\n"):
        with pytest.raises(YamlSubsetError):
            parse_yaml(bad)


def yaml_documents() -> list[tuple[str, object]]:
    documents = [(".pre-commit-hooks.yaml", parse_yaml(HOOKS.read_text(encoding="utf-8")))]
    documents += [(block.name, parse_yaml(block.body)) for block in blocks_of("yaml")]
    return documents


def test_yaml_parses_and_agrees_with_pyyaml_where_installed():
    documents = yaml_documents()
    assert len(documents) >= 3
    try:
        import yaml
    except ImportError:
        return
    for name, document in documents:
        source = HOOKS if name.startswith(".") else None
        text = (
            source.read_text(encoding="utf-8")
            if source
            else next(b.body for b in blocks_of("yaml") if b.name == name)
        )
        assert yaml.safe_load(text) == document, name


# ----------------------------------------------------------------------------- CI recipes

SCHEME_NAMES = ["tableaus/rk4.toml", "schemes/mine.toml", "lib/schemes/rk/heun.toml"]
NOT_SCHEMES = [
    "pyproject.toml",
    "sub/pyproject.toml",
    "ruff.toml",
    ".github/config.toml",
    "docs/examples/bad.toml",
    "tableaus/README.md",
    "tableaus.toml",
    "my_tableaus/x.toml",
]


def hooks() -> list[dict]:
    return parse_yaml(HOOKS.read_text(encoding="utf-8"))


def readme_hooks() -> list[dict]:
    found = []
    for block in blocks_of("yaml"):
        document = parse_yaml(block.body)
        if isinstance(document, dict) and "repos" in document:
            for repo in document["repos"]:
                found += [dict(hook, repo=repo) for hook in repo["hooks"]]
    return found


@pytest.mark.parametrize("hook", hooks() + [h for h in readme_hooks() if "files" in h],
                         ids=lambda h: f"{h['repo']['repo'] if 'repo' in h else 'hooks'}:{h['id']}")  # fmt: skip
def test_hook_files_take_scheme_files_and_never_pyproject(hook):
    pattern = re.compile(hook["files"])
    for name in SCHEME_NAMES:
        assert pattern.search(name), f"{hook['id']} misses {name}"
    for name in NOT_SCHEMES:
        assert not pattern.search(name), f"{hook['id']} would feed {name} to tabc check"


def test_the_readme_pre_commit_config_names_hooks_that_exist_at_a_commit():
    ids = {hook["id"] for hook in hooks()}
    remote = [hook for hook in readme_hooks() if hook["repo"]["repo"] != "local"]
    local = [hook for hook in readme_hooks() if hook["repo"]["repo"] == "local"]
    assert remote and local
    for hook in remote:
        assert hook["id"] in ids
        rev = hook["repo"]["rev"]
        # no tags exist: a full commit SHA, or the placeholder the README explains
        assert re.fullmatch(r"[0-9a-f]{40}|<commit-sha>", rev), rev
    for hook in local:
        assert hook["language"] == "system" and hook["entry"] == "tabc check --strict"


def test_the_hook_entry_checks_the_library_and_nothing_else(clone):
    listed = sorted(p.relative_to(clone).as_posix() for p in clone.rglob("*") if p.is_file())
    runs = {(hook["entry"], hook["files"]) for hook in hooks()}
    for entry, files in runs:
        chosen = [name for name in listed if re.search(files, name)]
        assert chosen == sorted(
            p.relative_to(clone).as_posix() for p in (clone / "tableaus").glob("*.toml")
        )
        done = run_shell(shlex.join([*shlex.split(entry), *chosen]), clone)
        assert done.returncode == 0, done.stdout
        assert len(done.stdout.splitlines()) >= len(chosen)


def test_the_python_hook_environment_is_the_core_install_without_torch():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    heavy = {"torch", "matplotlib", "scikit-learn", "tqdm"}
    names = {re.split(r"[<>=!~\[ ;]", req)[0].lower() for req in project["dependencies"]}
    assert not names & heavy, names
    # numpy: decimal schemes are decided in floating point with error bounds
    assert {"sympy", "python-flint", "jinja2", "numpy"} <= names
    assert [h["language"] for h in hooks()].count("python") == 1


def test_the_actions_snippet_installs_this_repository_not_an_index_package():
    steps = [
        step
        for block in blocks_of("yaml")
        for step in (parse_yaml(block.body) or [])
        if isinstance(step, dict) and "run" in step
    ]
    installs = [step["run"] for step in steps if "pip install" in step["run"]]
    assert installs
    for command in installs:
        for word in shlex.split(command)[2:]:
            if word.startswith("tableau-compiler"):
                assert re.fullmatch(r"tableau-compiler(\[\w+\])? @ git\+https://\S+@\S+", word), (
                    word
                )
            assert not word.startswith("torch"), command
    assert any("tabc check --strict --format github" in step["run"] for step in steps)


def test_every_ci_recipe_checks_strictly():
    """A typo a file's conventions would excuse (step_scaling, nodes) fails in CI."""
    entries = [hook["entry"] for hook in hooks() + readme_hooks() if "entry" in hook]
    runs = [
        step["run"]
        for block in blocks_of("yaml")
        for step in (parse_yaml(block.body) or [])
        if isinstance(step, dict) and "tabc check" in step.get("run", "")
    ]
    assert entries and runs
    for command in entries + runs:
        assert "--strict" in shlex.split(command), command


def test_the_ci_setup_block_installs_everything_for_development_with_torch_pinned():
    setup = next(b for b in BLOCKS if "<!-- ci:setup -->" in b.markers).body
    assert re.search(r"\btorch==\d+\.\d+\.\d+\b", setup)
    extras = re.search(r"-e '\.\[([\w,]+)\]'", setup).group(1).split(",")
    assert {"train", "test"} <= set(extras)


def test_the_cpu_build_line_is_the_one_the_missing_extra_hint_gives():
    from tableau_compiler.extras import TORCH_CPU

    text = README.read_text(encoding="utf-8")
    assert f"pip install {TORCH_CPU} " in text
    setup = next(b for b in BLOCKS if "<!-- ci:setup -->" in b.markers).body
    assert TORCH_CPU.split()[0] in setup.split()  # one pinned version everywhere
