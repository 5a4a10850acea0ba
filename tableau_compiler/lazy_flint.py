"""python-flint's types one at a time, for the start-up of a ``tabc`` command.

``import flint`` runs flint/__init__.py, which imports every one of python-flint's forty-odd
type modules (nmod, fmpz_mod, fq_default, the mpoly and series types ...): about a third of
what ``tabc check`` of an exact Runge–Kutta file costs, where that check uses fmpz, fmpq and
fmpq_mat.  :func:`install`, which :func:`tableau_compiler.cli.main` calls, puts a stand-in
for the package in ``sys.modules`` before anything imports it:

* ``flint.NAME``, for a type python-flint defines in ``flint.types.NAME`` (``flint.fmpq``,
  ``flint.arb_mat``), imports that module alone and gives its class -- the same object the
  package gives;
* any other name asked for (``flint.ctx``, ``flint.__version__``, ``dir(flint)``,
  ``from flint import *``) first runs flint/__init__.py in the stand-in, which from then on
  is the ordinary package.

Nothing changes for code that imports flint first, or when python-flint is not installed.
"""

from __future__ import annotations

import sys
from importlib import import_module
from importlib.util import find_spec, module_from_spec

__all__ = ["install"]


def install() -> None:
    """Put the stand-in package in ``sys.modules``, unless flint is already imported."""
    if "flint" in sys.modules:
        return
    spec = find_spec("flint")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not installed (or not a package): `import flint` fails or works as ever
    package = module_from_spec(spec)
    loader = spec.loader
    namespace = package.__dict__

    def finish() -> None:
        """Run flint/__init__.py in the stand-in, once."""
        if namespace.pop("__getattr__", None) is not None:
            namespace.pop("__dir__", None)
            loader.exec_module(package)

    def __getattr__(name: str) -> object:
        if name.isidentifier() and not name.startswith("_"):
            try:
                value = getattr(import_module(f"flint.types.{name}"), name)
            except (ImportError, AttributeError):
                pass
            else:
                setattr(package, name, value)
                return value
        finish()
        return getattr(package, name)

    def __dir__() -> list[str]:
        finish()
        return sorted(namespace)

    namespace["__getattr__"] = __getattr__
    namespace["__dir__"] = __dir__
    sys.modules["flint"] = package
