"""Generated modules run in every floating dtype and trace whole under torch.compile."""

import pytest

from .conftest import ROOT, load_module, torch
from .rhs import Logistic


def module(name):
    return load_module(ROOT / "generated" / f"{name}.py")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
@pytest.mark.parametrize(
    "name, cls", [("rk4", "Rk4Step"), ("gl2", "Gl2Step"), ("dopri5", "Dopri5Step")]
)
def test_steps_keep_the_dtype_of_their_input(name, cls, dtype):
    step = getattr(module(name), cls)(Logistic(), 0.1)
    y = torch.full((4,), 0.25, dtype=dtype)
    out = step(y)
    assert out.dtype == dtype
    reference = step(y.double())
    assert torch.allclose(
        out.double(), reference, atol=0.02 if dtype in (torch.float16, torch.bfloat16) else 1e-6
    )


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_multistep_nets_keep_the_dtype_of_their_input(dtype):
    net = module("lm_resnet").LmResnetNet([Logistic()] * 4, 0.1).to(dtype)
    assert net(torch.full((4,), 0.25, dtype=dtype)).dtype == dtype


@pytest.mark.parametrize(
    "name, build",
    [
        ("rk4", lambda m: m.Rk4Step(Logistic(), 0.1)),
        ("gl2", lambda m: m.Gl2Step(Logistic(), 0.1)),
        ("dopri5", lambda m: m.Dopri5Step(Logistic(), 0.1)),
        ("lm_resnet", lambda m: m.LmResnetNet([Logistic()] * 4, 0.1)),
        ("bdf3", lambda m: m.Bdf3Net([Logistic()] * 4, 0.1)),
        ("rk4", lambda m: m.Rk4ResNet(depth=1, widths=(4, 8)).eval()),
    ],
)
def test_torch_compile_traces_the_whole_module_without_graph_breaks(name, build):
    torch._dynamo.reset()
    model = build(module(name))
    x = (
        torch.randn(2, 3, 8, 8)
        if name == "rk4" and hasattr(model, "stem")
        else torch.full((4,), 0.25)
    )
    compiled = torch.compile(model, fullgraph=True, backend="eager")  # fullgraph: a break raises
    assert torch.allclose(compiled(x), model(x))
