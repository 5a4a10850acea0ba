"""The library's compiled modules: ``tableau_compiler.generated.<name>`` is ``generated/<name>.py``.

``tabc compile`` writes the library's modules to the repository's ``generated/`` folder (committed,
at the repository root).  In a clone -- run from source, or installed editable -- this package's
path is that folder; a regular install copies the folder here (``pyproject.toml`` maps the
package ``tableau_compiler.generated`` to it), and this file is replaced by ``generated/__init__.py``.

The library's modules therefore never claim the top-level name ``generated``: a user's own
``generated/`` folder, where ``tabc compile`` writes by default, imports as ``generated.<name>``
from the folder that holds it, whatever is installed.
"""

from pathlib import Path

__path__ = [str(Path(__file__).resolve().parents[2] / "generated")]
