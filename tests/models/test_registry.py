"""The registry: names, parameter counts against the official codes, and that every model
runs forward and backward, scripts with TorchScript and survives a save/load round trip."""

from __future__ import annotations

import io
import warnings

import pytest

torch = pytest.importorskip("torch")

from tableau_compiler import create_model, list_models
from tableau_compiler.models import UnknownModelError
from tableau_compiler.models.schemes import generated_module, generated_names

# What the official codes build (10 classes), and what they build that is never used.
# LM-ResNet (MResNet.py): an unused stem BN (32) and an unused 16->64 downsample (1,056) in
# every basic-block net, and a k for the first block of every stage (3); the bottleneck net
# uses the downsample, so only the BN and the three k's are idle there.
OFFICIAL_LM_RESNET = {
    "lm_resnet20": (273_475, 1_088 + 3),
    "lm_resnet32": (467_913, 1_088 + 3),
    "lm_resnet44": (662_351, 1_088 + 3),
    "lm_resnet56": (856_789, 1_088 + 3),
    "lm_resnet110": (1_731_760, 1_088 + 3),
    "lm_resnet164": (1_703_760, 32 + 3),
}
# RKCNN (CIFAR-10, s = 5 per period, growth 80, bottleneck, attention): nothing unused.
OFFICIAL_RKCNN = {"rkcnn_e": 1_192_810, "rkcnn_i": 2_551_210, "rkcnn_r": 2_551_210}


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def on_meta(name: str, **kwargs) -> torch.nn.Module:
    with torch.device("meta"):
        return create_model(name, **kwargs)


@pytest.mark.parametrize("name", sorted(OFFICIAL_LM_RESNET))
def test_lm_resnet_has_the_official_parameters_less_the_unused_ones(name):
    official, unused = OFFICIAL_LM_RESNET[name]
    assert parameters(on_meta(name)) == official - unused


@pytest.mark.parametrize("name", sorted(OFFICIAL_RKCNN))
def test_rkcnn_has_exactly_the_official_parameter_count(name):
    assert parameters(on_meta(name)) == OFFICIAL_RKCNN[name]


@pytest.mark.parametrize("depth", [20, 32, 44, 56, 110])
def test_resnet_is_lm_resnet_without_its_ks(depth):
    blocks_after_the_first_of_each_stage = 3 * ((depth - 2) // 6 - 1)
    lm = parameters(on_meta(f"lm_resnet{depth}"))
    assert parameters(on_meta(f"resnet{depth}")) == lm - blocks_after_the_first_of_each_stage


def test_lm_resnext29_is_the_8x64d_cifar_resnext():
    # Xie et al. report 34.4M parameters for ResNeXt-29 (8x64d) on CIFAR; ours is
    # pre-activated (BN before each conv) and carries 6 k's per stage pair.
    count = parameters(on_meta("lm_resnext29"))
    assert 34.3e6 < count < 34.5e6


def test_every_compiled_runge_kutta_scheme_has_an_rkcnn_model():
    schemes = {n for n in generated_names() if generated_module(n).SCHEME["kind"] == "runge-kutta"}
    registered = {n[len("rkcnn_") :] for n in list_models() if n.startswith("rkcnn_")}
    assert schemes == registered - {"e", "i", "r"}
    assert {"rk4", "gl2", "dopri5"} <= schemes


def test_an_unknown_name_is_refused_with_suggestions():
    with pytest.raises(UnknownModelError, match="did you mean .*lm_resnet20"):
        create_model("lm_resnet21")


def _small(name: str) -> dict:
    """Keyword arguments that keep a model small enough to run every one in the tests."""
    if name.startswith("rkcnn_"):
        return {"widths": (8, 8, 8)}
    if name == "lm_resnext29":
        return {"widths": (8, 16, 32), "stem_width": 8, "base_width": 8}
    if name in ("revnet110", "revnet164", "hamiltonian218", "midpoint200"):
        return {"units": (2, 2, 2)}  # the code paths of their shallower siblings, deep
    return {}


@pytest.mark.parametrize("name", list_models())
def test_every_model_runs_forward_and_backward_scripts_and_round_trips(name):
    torch.manual_seed(0)
    model = create_model(name, num_classes=7, in_channels=1, **_small(name))
    x = torch.randn(2, 1, 16, 16)
    out = model(x)
    assert out.shape == (2, 7)
    out.sum().backward()
    idle = [n for n, p in model.named_parameters() if p.grad is None]
    assert not idle, f"parameters the forward pass never uses: {idle}"
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(model)
        buffer = io.BytesIO()
        torch.jit.save(scripted, buffer)
        buffer.seek(0)
        loaded = torch.jit.load(buffer)
    with torch.no_grad():
        expected = model(x)
        assert torch.equal(scripted(x), expected)
        assert torch.equal(loaded(x), expected)


@pytest.mark.parametrize("name", ["lm_resnet20", "rkcnn_r", "rkcnn_gl2"])
def test_models_export_with_torch_export(name):
    model = create_model(name, in_channels=1, **_small(name)).eval()
    x = torch.randn(2, 1, 16, 16)
    batch = torch.export.Dim("batch", min=1, max=64)
    program = torch.export.export(model, (x,), dynamic_shapes=({0: batch},))
    with torch.no_grad():
        assert torch.allclose(program.module()(x), model(x), atol=1e-6)
        y = torch.randn(5, 1, 16, 16)
        assert torch.allclose(program.module()(y), model(y), atol=1e-6)
