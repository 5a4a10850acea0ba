"""LM-ResNet as the official code builds it: Euler first blocks, one k per later block,
the LM update itself, and the stochastic training of the paper's section 4."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tableau_compiler import create_model
from tableau_compiler.models.blocks import StochasticDepth, TransitionStep, survival_probabilities
from tableau_compiler.models.lm_resnet import EulerStage, MultistepStage


def test_the_first_block_of_every_stage_is_euler_and_the_rest_carry_one_k_each():
    model = create_model("lm_resnet56")  # 9 blocks per stage
    for index, stage in enumerate(model.stages):
        assert isinstance(stage, MultistepStage)
        assert isinstance(stage.first, TransitionStep)
        assert stage.net.raw_k.shape == (8,)
        assert len(stage.net.fs) == 9
        # the stages after the first change shape: their shortcut projects
        assert isinstance(stage.first.shortcut, torch.nn.Identity) == (index == 0)


def test_ks_start_uniform_in_minus_a_tenth_to_zero_as_in_the_official_code():
    torch.manual_seed(0)
    ks = torch.cat(create_model("lm_resnet110").k_values()).detach()
    assert ks.shape == (3 * 17,)
    assert bool(((ks >= -0.1) & (ks <= 0.0)).all())
    assert float(ks.std()) > 0.01  # drawn, not constant


def test_constrained_ks_start_at_the_same_values_and_stay_in_the_zero_stable_interval():
    torch.manual_seed(0)
    free = torch.cat(create_model("lm_resnet20").k_values())
    torch.manual_seed(0)
    constrained_model = create_model("lm_resnet20", constrain=True)
    constrained = torch.cat(constrained_model.k_values())
    assert torch.allclose(free, constrained, atol=1e-6)
    with torch.no_grad():
        for stage in constrained_model.stages:
            stage.net.raw_k.fill_(-3.0)
    assert all(bool((k.abs() < 1).all()) for k in constrained_model.k_values())


def test_one_stage_computes_the_lm_update_with_the_projected_input_as_u_minus_one():
    torch.manual_seed(0)
    model = create_model("lm_resnet32").eval()  # 5 blocks per stage
    stage = model.stages[1]  # 16 -> 32 channels, stride 2
    x = torch.randn(2, 16, 8, 8)
    fs = list(stage.net.fs)
    ks = stage.net.k_values()
    with torch.no_grad():
        u_prev = stage.first.shortcut(x)
        u = u_prev + fs[0](x)
        for n in range(1, 5):
            k = ks[n - 1]
            u, u_prev = (1 - k) * u + k * u_prev + fs[n](u), u
        assert torch.allclose(stage(x), u, atol=1e-5)


def test_lm_resnet_with_every_k_zero_is_resnet():
    torch.manual_seed(0)
    lm = create_model("lm_resnet20").eval()
    resnet = create_model("resnet20").eval()
    with torch.no_grad():
        for stage in lm.stages:
            stage.net.raw_k.zero_()
    # the same stem, head, first blocks and shortcuts (same names in both), and block m of
    # each stage moved from the LM net's fs[m] to the m-th Euler step
    renamed = {k: v for k, v in lm.state_dict().items() if ".net." not in k}
    for i, stage in enumerate(lm.stages):
        for m, f in enumerate(stage.net.fs):
            if m == 0:
                continue
            for name, tensor in f.state_dict().items():
                renamed[f"stages.{i}.steps.{m - 1}.stage1.{name}"] = tensor
    resnet.load_state_dict(renamed)
    x = torch.randn(3, 3, 16, 16)
    with torch.no_grad():
        assert torch.allclose(lm(x), resnet(x), atol=1e-5)


def test_resnet_stages_are_compiled_euler_steps():
    model = create_model("resnet20")
    assert all(isinstance(stage, EulerStage) for stage in model.stages)
    assert type(model.stages[0].steps[0]).__name__ == "EulerStep"
    assert type(model.stages[0].steps[0]).__module__ == "tableau_compiler.generated.euler"


def test_lm_stages_are_the_compiled_lm_resnet_net():
    stage = create_model("lm_resnet20").stages[0]
    assert type(stage.net).__module__ == "tableau_compiler.generated.lm_resnet"


def test_survival_probabilities_decay_linearly_from_one_to_the_last():
    p = survival_probabilities(5, 0.5)
    assert p == pytest.approx([1.0, 0.875, 0.75, 0.625, 0.5])
    model = create_model("lm_resnet20", stochastic_depth=True)
    wrapped = [m for m in model.modules() if isinstance(m, StochasticDepth)]
    assert [w.survival for w in wrapped] == pytest.approx(survival_probabilities(9, 0.8))
    assert create_model("lm_resnet110", stochastic_depth=True).stages[2].net.fs[-1].survival == 0.5


def test_stochastic_depth_at_evaluation_equals_its_expectation():
    torch.manual_seed(0)
    f = torch.nn.Conv2d(4, 4, 3, padding=1)
    x = torch.randn(2, 4, 5, 5)
    block = StochasticDepth(f, 0.7)
    with torch.no_grad():
        expected = block.eval()(x)
        assert torch.allclose(expected, 0.7 * f(x))
        block.train()
        draws = torch.stack([block(x) for _ in range(4000)])
    # the mean of eta f(x) over draws converges to 0.7 f(x): 4000 draws give the
    # fraction of kept blocks within about 0.03 of 0.7 (four standard deviations)
    kept = (draws.flatten(1).abs().sum(1) > 0).double().mean()
    assert abs(float(kept) - 0.7) < 0.03
    assert torch.allclose(draws.mean(0), expected, atol=0.03 * float(f(x).detach().abs().max()))


def test_a_dropped_block_contributes_nothing_and_a_kept_one_all_of_f():
    f = torch.nn.Conv2d(2, 2, 1)
    x = torch.randn(1, 2, 3, 3)
    seen = set()
    block = StochasticDepth(f, 0.5).train()
    with torch.no_grad():
        for _ in range(50):
            out = block(x)
            if torch.equal(out, torch.zeros_like(x)):
                seen.add("dropped")
            else:
                assert torch.equal(out, f(x))
                seen.add("kept")
    assert seen == {"dropped", "kept"}


def test_stochastic_lm_resnet_evaluates_deterministically_and_scripts():
    torch.manual_seed(0)
    model = create_model("lm_resnet20", stochastic_depth=True, noise_std=0.01).eval()
    x = torch.randn(2, 3, 16, 16)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        scripted = torch.jit.script(model)
    with torch.no_grad():
        assert torch.equal(model(x), model(x))
        assert torch.equal(scripted(x), model(x))
    model.train()
    model(x).sum().backward()  # training mode draws; gradients still flow


def test_lm_resnet_trains_under_bfloat16_autocast():
    """The lerp of the LM update takes its weight in the states' dtype (k stays float32)."""
    model = create_model("lm_resnet20")
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(torch.randn(2, 3, 16, 16))
    assert out.dtype == torch.bfloat16
    out.float().sum().backward()
    assert model.stages[0].net.raw_k.grad.dtype == torch.float32
    assert bool(model.stages[0].net.raw_k.grad.abs().sum() > 0)
