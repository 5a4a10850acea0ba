"""The registry is a leaf (issue 22, item 6): it imports no model, and the models package
imports every model module, whose import registers its variants (timm's shape)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

MODELS = Path(__file__).resolve().parents[2] / "tableau_compiler" / "models"
MODEL_MODULES = {"hamiltonian", "lm_resnet", "revnet", "rkcnn"}


def imported_names(path: Path) -> set[str]:
    """Every module ``path`` imports anywhere (functions included), made absolute."""
    package = "tableau_compiler.models"
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            names.add(base)
            # ``from . import lm_resnet`` imports a module named by the alias
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def models_import_graph() -> dict[str, set[str]]:
    """Module of models/ -> the modules of models/ it imports."""
    modules = {path.stem for path in MODELS.glob("*.py")}
    graph = {}
    for stem in modules:
        imported = imported_names(MODELS / f"{stem}.py")
        prefix = "tableau_compiler.models."
        graph[stem] = {
            name[len(prefix) :].split(".")[0]
            for name in imported
            if name.startswith(prefix) and name[len(prefix) :].split(".")[0] in modules
        }
    return graph


def test_the_registry_imports_no_module_of_tabc():
    imported = imported_names(MODELS / "registry.py")
    assert sorted(name for name in imported if name.startswith("tableau_compiler")) == []


def test_the_registry_loaded_alone_loads_no_model_module():
    # loaded from its file (not through the package, whose __init__ imports every model)
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('registry_alone', {str(MODELS / 'registry.py')!r})\n"
        "registry = sys.modules[spec.name] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(registry)\n"
        "print(registry.list_models(), sorted(m for m in sys.modules if m.startswith('tableau_compiler')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "[] []"


def test_the_models_package_imports_every_model_module():
    assert MODEL_MODULES <= models_import_graph()["__init__"]


def test_models_has_no_import_circle():
    graph = models_import_graph()
    finished: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, "import circle: " + " -> ".join((*path, module))
        if module in finished:
            return
        for imported in sorted(graph[module]):
            visit(imported, (*path, module))
        finished.add(module)

    for module in sorted(graph):
        visit(module, ())


def test_every_variant_is_a_named_function_registered_under_its_name():
    from tableau_compiler.models import list_models, model_entry

    for name in list_models():
        builder = model_entry(name).builder
        assert builder.__name__ == name
        assert builder.__module__ in {f"tableau_compiler.models.{m}" for m in MODEL_MODULES}


def test_every_variant_but_the_scheme_rkcnns_is_a_typed_module_function_citing_its_paper():
    import typing

    from torch import nn

    from tableau_compiler.models import list_models, model_entry
    from tableau_compiler.models.schemes import generated_names

    per_scheme = {f"rkcnn_{name}" for name in generated_names()}
    named = [name for name in list_models() if name not in per_scheme]
    assert {"resnet20", "lm_resnet164", "lm_resnext29", "rkcnn_r", "revnet38", "midpoint62"} <= set(
        named
    )
    for name in named:
        builder = model_entry(name).builder
        assert getattr(sys.modules[builder.__module__], name) is builder, name
        assert issubclass(typing.get_type_hints(builder)["return"], nn.Module), name
        summary, details = inspect.cleandoc(builder.__doc__).split("\n\n", 1)
        assert " ".join(summary.split()) == model_entry(name).summary
        assert any(cited in details for cited in ("2016", "2017", "2018", "RKCNN")), name


def test_a_second_model_of_the_same_name_is_refused():
    from tableau_compiler.models.registry import register_model

    def resnet20():
        """a second resnet20"""

    with pytest.raises(ValueError, match="already registered"):
        register_model(resnet20)
