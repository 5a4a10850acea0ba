"""Chang et al.'s (AAAI 2018) Hamiltonian and midpoint networks from the compiled schemes: the
K^T sigma(K .) structure, the symmetry of the Störmer–Verlet unit, the midpoint recurrence."""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")

from torch.autograd.functional import jacobian

from tableau_compiler import create_model
from tableau_compiler.models.hamiltonian import AntisymmetricLayer, HamiltonianLayer


def parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def randomised_norms(module: torch.nn.Module) -> None:
    """Give every BN non-trivial running statistics and affine weights (positive scale)."""
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)


@pytest.mark.parametrize("negate", [False, True])
def test_a_hamiltonian_layer_is_the_gradient_of_a_convex_potential(negate):
    """f(x) = K^T relu(BN(K x)): its Jacobian K^T D K (D >= 0 diagonal) is symmetric and
    positive semi-definite, negative for the Z-update -K^T relu(BN(K y))."""
    torch.manual_seed(0)
    layer = HamiltonianLayer(3, negate=negate).double().eval()
    randomised_norms(layer)
    x = torch.randn(1, 3, 4, 4, dtype=torch.float64)
    matrix = jacobian(layer, x).reshape(48, 48)
    assert torch.allclose(matrix, matrix.T, atol=1e-12)
    eigenvalues = torch.linalg.eigvalsh(matrix)
    sign = -1.0 if negate else 1.0
    assert bool((sign * eigenvalues >= -1e-10).all())
    assert float((sign * eigenvalues).max()) > 0.1  # not the zero map


def test_the_midpoint_kernel_is_antisymmetric():
    torch.manual_seed(0)
    layer = AntisymmetricLayer(4).double()
    y = torch.randn(1, 4, 3, 3, dtype=torch.float64)
    matrix = jacobian(layer.kernel, y).reshape(36, 36)
    assert torch.allclose(matrix, -matrix.T, atol=1e-12)
    assert float(matrix.abs().max()) > 0.01


def test_hamiltonian_units_are_compiled_stormer_verlet_steps():
    model = create_model("hamiltonian74")
    steps = [u for u in model.units if type(u).__name__ == "StormerVerletStep"]
    assert len(steps) == 18 and len(model.units) == 20  # two transitions between stages
    assert {type(s).__module__ for s in steps} == {"tableau_compiler.generated.stormer_verlet"}
    assert all(not s.f.negate and s.g.negate for s in steps)


def test_a_stormer_verlet_unit_is_undone_by_the_step_of_minus_h():
    """Störmer–Verlet is symmetric (Hairer–Lubich–Wanner, GNI, §V.1): Phi_{-h} o Phi_h = id,
    so a trained unit is reversible by running it backwards."""
    torch.manual_seed(0)
    model = create_model("hamiltonian74", h=0.5).double().eval()
    randomised_norms(model)
    unit = model.units[0]
    backwards = type(unit)(unit.f, unit.g, -0.5, separable=True)
    y, z = (
        torch.randn(2, 16, 5, 5, dtype=torch.float64),
        torch.randn(2, 16, 5, 5, dtype=torch.float64),
    )
    with torch.no_grad():
        y1, z1 = unit(y, z)
        assert not torch.allclose(y1, y)
        y0, z0 = backwards(y1, z1)
    assert torch.allclose(y0, y, atol=1e-12) and torch.allclose(z0, z, atol=1e-12)


def test_midpoint_stages_are_the_compiled_leapfrog_net_and_follow_its_recurrence():
    torch.manual_seed(0)
    model = create_model("midpoint62", h=0.25).eval()
    randomised_norms(model)
    stage = model.stages[1]  # pool-and-pad 32 -> 64 channels, then the two-step net
    net = stage[1]
    assert type(net).__name__ == "LeapfrogNet" and type(net).__module__ == "tableau_compiler.generated.leapfrog"
    assert len(net.fs) == 10
    x = torch.randn(2, 32, 8, 8)
    with torch.no_grad():
        u_prev = stage[0](x)
        u = u_prev + 0.25 * net.fs[0](u_prev)  # the forward Euler starter
        for f in list(net.fs)[1:]:
            u_prev, u = u, u_prev + 2 * 0.25 * f(u)
        assert torch.allclose(stage(x), u, atol=1e-5)


@pytest.mark.parametrize(("name", "units"), [("hamiltonian218", 18), ("midpoint200", 33)])
def test_the_deep_nets_have_the_depth_their_names_count(name, units):
    model = create_model(name)
    if name.startswith("hamiltonian"):
        steps = [u for u in model.units if type(u).__name__ == "StormerVerletStep"]
        convolution_layers = 4 * len(steps)  # K1, K1^T, K2, K2^T
    else:
        steps = [f for stage in model.stages for f in stage[-1].fs]
        convolution_layers = 2 * len(steps)  # K1 and K1^T
    assert len(steps) == 3 * units
    assert convolution_layers + 2 == int(re.sub(r"\D", "", name))


def test_too_few_midpoint_layers_are_refused():
    with pytest.raises(ValueError, match="at least 2 units"):
        create_model("midpoint62", units=(1, 2, 2))
