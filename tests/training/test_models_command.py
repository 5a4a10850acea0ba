"""``tabc models``: every registry name with its parameter count, built on the meta device."""

from __future__ import annotations

import json
import subprocess
import sys

from .helpers import tabc


def test_models_lists_names_with_parameter_counts(capsys):
    code, out, _ = tabc(capsys, "models")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "272,384" in lines["lm_resnet20"]  # the counts of the official codes
    assert "1,192,810" in lines["rkcnn_e"]
    assert "34,424,784" in lines["lm_resnext29"]
    assert "LM-ResNet-20" in lines["lm_resnet20"]
    assert {"resnet20", "resnet110", "lm_resnet164", "rkcnn_i", "rkcnn_r", "rkcnn_rk4"} <= set(
        lines
    )
    code, out, _ = tabc(capsys, "models", "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["resnet20"]["parameters"] == 272378
    assert rows["rkcnn_e"]["summary"].startswith("RKCNN-E")


def test_the_command_line_imports_torch_only_for_training():
    code = "import sys, tableau_compiler.cli as c; c.build_parser(); print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_the_registry_lists_its_names_without_importing_or_building_a_model():
    code = (
        "import sys\n"
        "from tableau_compiler.models import list_models\n"
        "names = list_models()\n"
        "assert 'rkcnn_rk4' in names and 'revnet38' in names, names\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('tableau_compiler.generated.'))\n"
        "print(loaded, 'torch._dynamo' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert result.stdout.strip() == "[] False"


def test_the_counts_built_without_weight_initialisation_are_those_of_a_real_build():
    import torch

    from tableau_compiler.models import create_model
    from tableau_compiler.training.model_source import model_inventory

    for row in model_inventory(num_classes=7, in_channels=1):
        with torch.device("meta"):  # initialised as create_model does it
            model = create_model(row["name"], num_classes=7, in_channels=1)
        assert row["parameters"] == sum(p.numel() for p in model.parameters()), row["name"]


def test_a_one_stage_scheme_is_summarised_as_one_stage():
    from tableau_compiler.models import model_entry

    assert "(1 stage, order 1)" in model_entry("rkcnn_euler").summary
    assert "(4 stages, order 4)" in model_entry("rkcnn_rk4").summary
