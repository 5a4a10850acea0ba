"""A regular install keeps ``generated`` for the user (issue 21, item 1).

The distribution installs the library's compiled modules as ``tableau_compiler.generated`` and
never claims the top-level name ``generated``, which is where ``tabc compile`` writes by
default.  So, after a regular (non-editable) install into a fresh virtual environment, and from
a directory that is not the clone:

* ``tabc compile my_ralston3.toml`` writes ``generated/my_ralston3.py``, and
  ``import generated.my_ralston3`` imports that file;
* a user's own ``generated/rk4.py`` is the ``generated.rk4`` that imports, not the library's;
* the registry still builds its models from the installed copy of the library's modules.

The environment reuses this interpreter's packages (a ``.pth`` file naming its site-packages)
and installs with ``--no-deps --no-build-isolation --no-index``: nothing is downloaded.  The
source is a copy of the files a wheel is built from, so the build leaves nothing in the clone.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 300

pytestmark = pytest.mark.slow

# Ralston's third-order method under the user's own name (Ralston 1962).
MY_RALSTON3 = """\
name = "my_ralston3"
kind = "runge-kutta"
order = 3

[tableau]
c = ["0", "1/2", "3/4"]
a = [
  [],
  ["1/2"],
  ["0", "3/4"],
]
b = ["2/9", "1/3", "4/9"]
"""

# The user's own scheme named rk4: Kutta's 3/8 rule, not the library's classical RK4.
MY_RK4 = """\
name = "rk4"
kind = "runge-kutta"
order = 4

[tableau]
c = ["0", "1/3", "2/3", "1"]
a = [
  [],
  ["1/3"],
  ["-1/3", "1"],
  ["1", "-1", "1"],
]
b = ["1/8", "3/8", "3/8", "1/8"]
"""


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's bin directory, its site-packages) after a regular install."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("tableau_compiler", "generated"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    purelib = Path(
        run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base
        ).stdout.strip()
    )
    # this interpreter's packages (sympy, torch, pip, setuptools ...), also those its own .pth
    # files add; a .pth line only adds a directory, so the .pth files there (an editable tabc's
    # finder) are not run, and no source tree on sys.path (the clone) comes along
    candidates = [*site.getsitepackages(), sysconfig.get_path("purelib"), *sys.path]
    reused = [
        p
        for p in dict.fromkeys(candidates)
        if p and Path(p).name in ("site-packages", "dist-packages") and Path(p).is_dir()
    ]
    (purelib / "reused_packages.pth").write_text("".join(f"{p}\n" for p in reused), "utf-8")
    run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", str(source)],
        base,
    )  # fmt: skip
    return bin_dir, purelib


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A user's project: a directory outside the clone."""
    return tmp_path


def test_the_install_is_regular_and_claims_no_top_level_generated(installed):
    _, purelib = installed
    assert (purelib / "tableau_compiler" / "generated" / "rk4.py").is_file()
    assert not (purelib / "generated").exists()
    assert not list(purelib.glob("__editable__*"))


def test_a_compiled_module_imports_from_where_tabc_compile_wrote_it(installed, workdir):
    bin_dir, _ = installed
    (workdir / "my_ralston3.toml").write_text(MY_RALSTON3, encoding="utf-8")
    done = run([str(bin_dir / "tabc"), "compile", "my_ralston3.toml"], workdir)
    assert done.stdout == "wrote generated/_tabc_runtime.py\nwrote generated/my_ralston3.py\n"
    done = run(
        [str(bin_dir / "python"), "-c",
         "import generated.my_ralston3 as m; print(m.__file__); print(m.MyRalston3Step.__name__)"],
        workdir,
    )  # fmt: skip
    assert done.stdout.splitlines() == [
        str(workdir / "generated" / "my_ralston3.py"),
        "MyRalston3Step",
    ]


def test_a_users_own_rk4_is_not_replaced_by_the_librarys(installed, workdir):
    bin_dir, _ = installed
    (workdir / "rk4.toml").write_text(MY_RK4, encoding="utf-8")
    run([str(bin_dir / "tabc"), "compile", "rk4.toml"], workdir)
    done = run(
        [str(bin_dir / "python"), "-c",
         "import generated.rk4 as m; print(m.__file__); print(m.SCHEME['c'])"],
        workdir,
    )  # fmt: skip
    assert done.stdout.splitlines() == [
        str(workdir / "generated" / "rk4.py"),
        "['0', '1/3', '2/3', '1']",
    ]


def test_the_registry_builds_its_models_from_the_installed_library(installed, workdir):
    bin_dir, purelib = installed
    (workdir / "generated").mkdir()  # a user's folder of the same name changes nothing
    probe = (
        "import torch, tableau_compiler\n"
        "print(tableau_compiler.__file__)\n"
        "for name in ('lm_resnet20', 'rkcnn_rk4', 'revnet38'):\n"
        "    model = tableau_compiler.create_model(name, num_classes=10, in_channels=3)\n"
        "    print(name, tuple(model(torch.zeros(2, 3, 16, 16)).shape))\n"
        "from tableau_compiler.generated import rk4\n"
        "print(rk4.__file__)\n"
    )
    done = run([str(bin_dir / "python"), "-c", probe], workdir)
    assert done.stdout.splitlines() == [
        str(purelib / "tableau_compiler" / "__init__.py"),
        "lm_resnet20 (2, 10)",
        "rkcnn_rk4 (2, 10)",
        "revnet38 (2, 10)",
        str(purelib / "tableau_compiler" / "generated" / "rk4.py"),
    ]
