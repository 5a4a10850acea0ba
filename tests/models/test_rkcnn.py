"""RKCNN's steps: the dense official step's update passes, the compiled tableau inside the
network, and learned mixing that is exactly the scheme at initialisation."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tableau_compiler import create_model
from tableau_compiler.models.mixing import LearnedMixingStep
from tableau_compiler.models.rkcnn import DenseRungeKuttaStep
from tableau_compiler.models.schemes import generated_module, step_class

C = 3  # channels of the test state


class SmallF(torch.nn.Module):
    """A smooth residual function with Lipschitz constant about ``scale``."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(C, C, 3, padding=1, bias=False)
        self.scale = scale

    def forward(self, x):
        return self.scale * torch.tanh(self.conv(x))


def stage_functions(count: int, scale: float = 1.0) -> list[torch.nn.Module]:
    torch.manual_seed(1)
    return [SmallF(scale).double() for _ in range(count)]


def tableau_and_learned(name: str, h: float, scale: float = 1.0, **solver):
    module = generated_module(name)
    floats = module.SCHEME["floats"]
    fs = stage_functions(module.SCHEME["stages"], scale)
    compiled = step_class(module)(fs, h, **solver)
    learned = LearnedMixingStep(fs, floats["a"], floats["b"], C, h, **solver).double()
    learned.reset_to_tableau()  # the coefficients again, now in float64
    return compiled, learned


@pytest.mark.parametrize("name", ["rk4", "dopri5", "ssprk33", "pd87", "verner65"])
def test_learned_mixing_is_the_explicit_scheme_at_initialisation(name):
    compiled, learned = tableau_and_learned(name, 0.3)
    y = torch.randn(2, C, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(learned(y), compiled(y), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("sweeps", ["gauss-seidel", "jacobi"])
@pytest.mark.parametrize("name", ["gl2", "radau_iia3", "lobatto_iiia3", "sdirk2_3"])
def test_learned_mixing_is_the_implicit_scheme_at_initialisation(name, sweeps):
    compiled, learned = tableau_and_learned(name, 0.3, iterations=3, sweeps=sweeps)
    y = torch.randn(2, C, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(learned(y), compiled(y), rtol=1e-12, atol=1e-13)


def test_learned_mixing_is_learnable_and_moves_away_from_the_tableau():
    compiled, learned = tableau_and_learned("rk4", 0.3)
    y = torch.randn(2, C, 5, 5, dtype=torch.float64)
    optimiser = torch.optim.SGD(learned.parameters(), lr=0.1)
    learned(y).square().sum().backward()
    assert learned.output.weight.grad.abs().sum() > 0
    optimiser.step()
    with torch.no_grad():
        assert not torch.allclose(learned(y), compiled(y))
    learned.reset_to_tableau()
    with torch.no_grad():
        assert torch.allclose(learned(y), compiled(y), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("name", ["gl2", "radau_iia3"])
def test_gauss_seidel_and_jacobi_learned_sweeps_converge_to_the_same_step(name):
    """h L ||A|| < 1: the stage map is a contraction, both sweeps reach its fixed point."""
    y = torch.randn(2, C, 5, 5, dtype=torch.float64)
    outs = []
    for sweeps in ("gauss-seidel", "jacobi"):
        _, learned = tableau_and_learned(name, 0.2, scale=0.5, iterations=60, sweeps=sweeps)
        with torch.no_grad():
            outs.append(learned(y))
    assert torch.allclose(outs[0], outs[1], rtol=1e-13, atol=1e-14)


def test_rkcnn_network_with_learned_mixing_equals_the_tableau_network_at_initialisation():
    torch.manual_seed(0)
    tableau = create_model("rkcnn_rk4", widths=(4, 4, 4), keep_prob=1.0).double().eval()
    learned = create_model("rkcnn_rk4", mixing="learned", widths=(4, 4, 4), keep_prob=1.0)
    learned = learned.double().eval()
    state = learned.state_dict()
    for key, value in tableau.state_dict().items():
        # periods.p.steps.0.stage<j>.X  <->  periods.p.steps.0.stages.<j-1>.f.X
        parts = key.split(".")
        if len(parts) > 4 and parts[2] == "steps" and parts[4].startswith("stage"):
            j = int(parts[4][len("stage") :])
            key = ".".join(parts[:4] + ["stages", str(j - 1), "f"] + parts[5:])
        state[key] = value
    learned.load_state_dict(state)
    for m in learned.modules():
        if isinstance(m, LearnedMixingStep):
            m.reset_to_tableau()  # the coefficients in float64
    x = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        assert torch.allclose(learned(x), tableau(x), rtol=1e-10, atol=1e-12)


def test_rkcnn_scheme_steps_are_the_compiled_classes():
    model = create_model("rkcnn_gl2", widths=(4, 4, 4), iterations=2, sweeps="jacobi")
    step = model.periods[0].steps[0]
    assert type(step).__module__ == "tableau_compiler.generated.gl2"
    assert step.iterations == 2 and step.jacobi


def test_an_fsal_stage_gets_no_weights_in_the_network():
    assert generated_module("dopri5").SCHEME["error_only_stages"] == [7]
    assert generated_module("rk4").SCHEME["error_only_stages"] == []
    model = create_model("rkcnn_dopri5", widths=(4, 4, 4))
    assert not list(model.periods[0].steps[0].stage7.parameters())


def test_explicit_schemes_refuse_solver_arguments():
    with pytest.raises(ValueError, match="explicit"):
        create_model("rkcnn_rk4", iterations=3)


def dense_step(sweeps: str, updates: int) -> DenseRungeKuttaStep:
    torch.manual_seed(0)
    return DenseRungeKuttaStep(C, 3, 4, updates, sweeps).double().eval()


def test_rkcnn_i_updates_in_place_and_rkcnn_r_from_the_previous_pass():
    gauss_seidel, jacobi = dense_step("gauss-seidel", 1), dense_step("jacobi", 1)
    jacobi.load_state_dict(gauss_seidel.state_dict())
    y = torch.randn(2, C, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        a, b = gauss_seidel(y), jacobi(y)
        # the first updated stage sees the same inputs in both; later ones do not
        assert not torch.allclose(a, b)
        ks = []
        bottom = y
        for stage in jacobi.stages:
            ks.append(stage(bottom))
            bottom = torch.cat([bottom, ks[-1]], 1)
        previous = list(ks)
        for i, updater in enumerate(jacobi.updaters):
            ks[i] = updater(torch.cat([y] + [previous[j] for j in range(3) if j != i], 1))
        assert torch.allclose(b, y + sum(ks))
        ks = [stage for stage in previous]
        for i, updater in enumerate(gauss_seidel.updaters):
            ks[i] = updater(torch.cat([y] + [ks[j] for j in range(3) if j != i], 1))
        assert torch.allclose(a, y + sum(ks))


def test_rkcnn_e_has_no_update_weights():
    model = create_model("rkcnn_e", widths=(4, 4, 4))
    assert all(len(p.steps[0].updaters) == 0 for p in model.periods)
