"""Importing a compiled module from its file: as a module of the package its directory is.

A compiled module imports its shared runtime relatively (``from ._tabc_runtime import ...``,
the support module ``tabc compile`` writes beside it), so it is imported as a module of a
package: ``generated.rk4`` from the folder that holds ``generated/``, or, by path, with
:func:`import_compiled`, which makes the directory a package of a private name first.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["import_compiled", "package_for"]


def package_for(directory: Path) -> str:
    """The name of the package that is ``directory`` (registered in ``sys.modules`` on the
    first call): ``tabc_compiled_`` and a hash of its resolved path."""
    directory = Path(directory).resolve()
    name = "tabc_compiled_" + hashlib.sha256(str(directory).encode()).hexdigest()[:16]
    if name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(directory)]
        sys.modules[name] = importlib.util.module_from_spec(spec)
    return name


def import_compiled(path: str | Path, module_name: str | None = None) -> ModuleType:
    """The compiled module at ``path``, imported as a module of its directory's package.

    Without ``module_name``: imported once, as ``<package>.<file stem>``.  With it: executed
    afresh as ``<package>.<module_name>`` (a second copy of the same file, with classes of
    its own).  Either way the module is in ``sys.modules`` (classes pickle and print with a
    module that exists) and imports the support module beside it.  Raises ImportError when
    the file cannot be loaded, and whatever executing it raises.
    """
    path = Path(path)
    package = package_for(path.parent)
    if module_name is None:
        return importlib.import_module(f"{package}.{path.stem}")
    name = f"{package}.{module_name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path}: cannot be imported", path=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
