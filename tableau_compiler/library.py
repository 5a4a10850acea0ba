"""Scheme names: ``rk4`` or ``rk4.toml`` for the library's ``tableaus/rk4.toml``.

Every command that reads a scheme file (check, info, compile, export, train) takes a path.
When that path does not exist and is a bare library name -- ``NAME`` or ``NAME.toml``, no
directory part -- the name is looked up in the library and the library's file is used;
the command says which file it used (:func:`LibraryMatch.note`).  The library is, in
order, ``tableaus/`` in the working directory and the ``tableaus/`` of the repository this
package runs from (an install from a clone, editable).  A path that exists is always
used as it is, and a name found nowhere stays a missing path (exit 2, naming it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LIBRARY_DIRECTORY", "LibraryMatch", "find_in_library", "library_directories"]

LIBRARY_DIRECTORY = "tableaus"

_LIBRARY_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_PACKAGE_LIBRARY = Path(__file__).resolve().parent.parent / LIBRARY_DIRECTORY


@dataclass(frozen=True)
class LibraryMatch:
    """A name that is not a file here, and the library file it names."""

    name: str
    """What the user wrote."""
    path: str
    """The library file, relative to the working directory when it lies inside it."""

    def note(self) -> str:
        """The line that tells the user which file is used."""
        return f"tabc: {self.name}: no such file here; using the library's {self.path}"


def library_directories() -> list[Path]:
    """The library directories that exist, working directory first, without repeats."""
    found: list[Path] = []
    for directory in (Path.cwd() / LIBRARY_DIRECTORY, _PACKAGE_LIBRARY):
        if directory.is_dir() and all(directory.resolve() != d.resolve() for d in found):
            found.append(directory)
    return found


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def find_in_library(name: str) -> LibraryMatch | None:
    """The library file that the missing path ``name`` names, or None.

    Only a bare name (``rk4``) or a bare file name (``rk4.toml``) is looked up; anything
    with a directory part, or a path that exists, is not.
    """
    if Path(name).exists() or _LIBRARY_NAME.fullmatch(name) is None:
        return None
    stem = name.removesuffix(".toml")
    if not stem:
        return None
    for directory in library_directories():
        candidate = directory / f"{stem}.toml"
        if candidate.is_file():
            return LibraryMatch(name, _display(candidate))
    return None
