"""tabc, the Butcher-tableau architecture compiler.

Residual networks are discretised ODEs (Lu et al., ICML 2018; Zhu, Chang & Fu,
RKCNN).  tabc reads a numerical scheme from a TOML file, decides exactly whether
it has the order it claims, and compiles it into a PyTorch module.

Importing this package is cheap: it imports neither sympy nor torch (``create_model``
and ``list_models`` import torch when first used, and say which extra to install when it is
missing: install the ``torch`` extra, ``pip install -e '.[torch]'`` in a clone).
"""

__version__ = "0.1.0"

__all__ = ["__version__", "create_model", "list_models", "load_scheme"]


def __getattr__(name: str):
    if name == "load_scheme":
        from .parsing import load_scheme

        return load_scheme
    if name in ("create_model", "list_models"):  # imports torch, so only when asked for
        from .extras import require

        require("torch", f"tableau_compiler.{name}")  # without it: which extra to install
        from . import models

        return getattr(models, name)
    raise AttributeError(f"module 'tableau_compiler' has no attribute {name!r}")
