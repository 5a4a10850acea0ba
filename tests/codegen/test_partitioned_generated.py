"""The generated partitioned steps compute their schemes: convergence at the checked orders,
bounded energy error of symplectic pairs, exact inverses, TorchScript and torch.compile.

Convergence is measured on the pendulum (separable, ``separable=True``: the separable path)
and on a non-separable partitioned system (``separable=False``: the general path, explicit or
fixed-point sweeps), against 30-digit references (tests/codegen/hamiltonian.py).
"""

from __future__ import annotations

import math

import pytest

from .conftest import ROOT, load_module, torch
from .hamiltonian import (
    START,
    CoupledForce,
    CoupledVelocity,
    Force,
    Velocity,
    energy,
    reference,
)
from .partitioned_pairs import (
    HEUN_PAIR,
    REVNET,
    RK4_PAIR,
    STORMER_VERLET,
    generated_module,
    splitting,
)

RUTH3 = splitting("ruth3", 1, ["7/24", "3/4", "-1/24"], ["2/3", "-2/3", "1"], 3)
PAIRS = [REVNET, STORMER_VERLET, RUTH3, RK4_PAIR, HEUN_PAIR]
STEPS = (10, 20, 40, 80)


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pairs")
    return {scheme.name: generated_module(scheme, directory) for scheme in PAIRS}


def step_class(module):
    return next(getattr(module, n) for n in dir(module) if n.endswith("Step"))


def integrate(step, n: int, t: float = 1.0):
    q = torch.tensor([START[0]], dtype=torch.float64)
    p = torch.tensor([START[1]], dtype=torch.float64)
    step.h = t / n
    with torch.no_grad():
        for _ in range(n):
            q, p = step(q, p)
    return float(q), float(p)


def observed_order(step, coupled: bool) -> float:
    """Least-squares slope of log(error) against log(1/N) over STEPS."""
    exact = reference(1.0, coupled)
    errors = []
    for n in STEPS:
        q, p = integrate(step, n)
        errors.append(math.hypot(q - exact[0], p - exact[1]))
    xs = [math.log(n) for n in STEPS]
    ys = [-math.log(e) for e in errors]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


@pytest.mark.parametrize("scheme", PAIRS, ids=lambda s: s.name)
def test_the_separable_path_converges_at_the_separable_order(scheme, modules):
    from tableau_compiler.analysis import analyse

    order = analyse(scheme).separable_order
    step = step_class(modules[scheme.name])(Velocity(), Force(), separable=True)
    slope = observed_order(step, coupled=False)
    assert order - 0.15 < slope < order + 0.6, slope


@pytest.mark.parametrize("scheme", PAIRS, ids=lambda s: s.name)
def test_the_general_path_converges_at_the_general_order(scheme, modules):
    from tableau_compiler.analysis import analyse

    order = analyse(scheme).order
    step = step_class(modules[scheme.name])(CoupledVelocity(), CoupledForce())
    slope = observed_order(step, coupled=True)
    assert order - 0.15 < slope < order + 0.6, slope


def energy_errors(step, steps: int, h: float) -> list[float]:
    """|H(q_n, p_n) − H(q_0, p_0)| on the pendulum for n = 1 .. steps."""
    q = torch.tensor([START[0]], dtype=torch.float64)
    p = torch.tensor([START[1]], dtype=torch.float64)
    start = float(energy(q, p))
    step.h = h
    errors = []
    with torch.no_grad():
        for _ in range(steps):
            q, p = step(q, p)
            errors.append(abs(float(energy(q, p)) - start))
    return errors


def test_a_symplectic_pair_keeps_the_energy_error_bounded_where_a_non_symplectic_one_drifts(
    modules,
):
    """Störmer–Verlet and Heun on both components (order 2 each), 10⁴ steps of h = 0.1 on
    the pendulum: Verlet's energy error over the last thousand steps is no larger than over
    the first thousand (bounded, HLW §IX.8); Heun's grows with t (a drift).  Measured:
    Verlet 1.16e-3 over both, Heun 1.04e-2 over the first thousand steps, 0.109 over the
    last."""
    verlet = energy_errors(
        step_class(modules["stormer_verlet"])(Velocity(), Force(), separable=True), 10_000, 0.1
    )
    heun = energy_errors(
        step_class(modules["heun_pair"])(Velocity(), Force(), separable=True), 10_000, 0.1
    )
    assert max(verlet[-1000:]) < 1.5 * max(verlet[:1000])
    assert max(verlet) < 1e-2
    assert max(heun[-1000:]) > 5 * max(heun[:1000])


def separable_net(seed: int, size: int = 6):
    """Random smooth f(p) and g(q) (tanh of a linear layer, float64)."""
    torch.manual_seed(seed)
    return tuple(
        torch.nn.Sequential(torch.nn.Linear(size, size), torch.nn.Tanh()).double() for _ in range(2)
    )


@pytest.mark.parametrize("scheme", [REVNET, STORMER_VERLET, RUTH3], ids=lambda s: s.name)
def test_inverse_undoes_forward_to_rounding(scheme, modules):
    f, g = separable_net(0)
    step = step_class(modules[scheme.name])(f, g, h=0.7, separable=True)
    q, p = torch.randn(4, 6, dtype=torch.float64), torch.randn(4, 6, dtype=torch.float64)
    with torch.no_grad():
        back = step.inverse(*step(q, p))
    assert float((back[0] - q).abs().max()) < 1e-14
    assert float((back[1] - p).abs().max()) < 1e-14


@pytest.mark.parametrize("scheme", [RK4_PAIR, HEUN_PAIR], ids=lambda s: s.name)
def test_explicit_pairs_that_are_not_symplectic_get_no_inverse(scheme, modules):
    cls = step_class(modules[scheme.name])
    assert not hasattr(cls, "inverse")
    assert "No ``inverse``: the pair is not symplectic" in cls.__doc__


def test_inverse_refuses_a_step_of_a_general_system(modules):
    step = step_class(modules["revnet"])(CoupledVelocity(), CoupledForce())
    x = torch.zeros(1, dtype=torch.float64)
    with pytest.raises(RuntimeError, match="separable systems only"):
        step.inverse(x, x)


def test_the_coupling_splits_along_channels_and_inverts(modules):
    module = modules["stormer_verlet"]
    f, g = (torch.nn.Conv2d(2, 2, 3, padding=1).double() for _ in range(2))
    coupling = module.StormerVerletCoupling(f, g, 0.5, separable=True)
    x = torch.randn(3, 4, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        y = coupling(x)
        q, p = module.StormerVerletStep(f, g, 0.5, separable=True)(x[:, :2], x[:, 2:])
        assert torch.equal(y, torch.cat((q, p), 1))
        assert float((coupling.inverse(y) - x).abs().max()) < 1e-14


@pytest.mark.parametrize("separable", [True, False])
@pytest.mark.parametrize("name", ["stormer_verlet", "rk4_pair"])
def test_torchscript_round_trip_and_torch_compile_fullgraph(name, separable, modules, tmp_path):
    cls = step_class(modules[name])
    rhs = (Velocity(), Force()) if separable else (CoupledVelocity(), CoupledForce())
    step = cls(*rhs, 0.1, separable=separable)
    q, p = torch.rand(5), torch.rand(5)
    expected = step(q, p)
    path = tmp_path / "step.pt"
    torch.jit.script(step).save(str(path))
    loaded = torch.jit.load(str(path))
    for got, want in zip(loaded(q, p), expected):
        assert torch.allclose(got, want, rtol=1e-6, atol=1e-7)
    if separable and hasattr(cls, "inverse"):
        back = loaded.inverse(*expected)
        assert torch.allclose(back[0], q, atol=1e-6) and torch.allclose(back[1], p, atol=1e-6)
    torch._dynamo.reset()
    compiled = torch.compile(step, fullgraph=True, backend="eager")  # a graph break raises
    for got, want in zip(compiled(q, p), expected):
        assert torch.allclose(got, want)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_steps_keep_the_dtype_of_their_input(dtype, modules):
    step = step_class(modules["stormer_verlet"])(Velocity(), Force(), 0.1, separable=True)
    q, p = step(torch.full((4,), 0.25, dtype=dtype), torch.full((4,), 0.5, dtype=dtype))
    assert q.dtype == p.dtype == dtype


def test_the_resnet_splits_its_state_along_channels(modules):
    model = modules["revnet"].RevnetResNet(depth=1, widths=(4, 8)).eval()
    x = torch.randn(2, 3, 8, 8)
    assert model(x).shape == (2, 10)
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="eager")
    assert torch.allclose(compiled(x), model(x))
    with pytest.raises(ValueError, match="even"):
        modules["revnet"].RevnetResNet(depth=1, widths=(4, 7))


# ---------------------------------------------------------------- the library's pairs

LIBRARY = sorted(
    path
    for path in (ROOT / "tableaus").glob("*.toml")
    if 'kind = "partitioned-runge-kutta"' in path.read_text(encoding="utf-8")
)
INVERTIBLE = {
    "forest_ruth4",
    "lobatto_iiia_iiib2",
    "revnet",
    "ruth3",
    "stormer_verlet",
    "stormer_verlet_position",
    "symplectic_euler",
    "symplectic_euler_adjoint",
}


def library_step(path):
    module = load_module(ROOT / "generated" / f"{path.stem}.py")
    return step_class(module)


def test_the_library_pairs_that_get_an_inverse():
    """Explicit and symplectic for separable systems, with a reverse plan: every library pair
    but Lobatto IIIA–IIIB with 3 stages (implicit even for separable systems)."""
    got = {path.stem for path in LIBRARY if hasattr(library_step(path), "inverse")}
    assert got == INVERTIBLE
    assert {path.stem for path in LIBRARY} - got == {"lobatto_iiia_iiib3"}


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_library_pairs_converge_and_invert(path):
    from tableau_compiler.analysis import analyse
    from tableau_compiler.parsing import load_scheme

    analysis = analyse(load_scheme(path))
    cls = library_step(path)
    separable = observed_order(cls(Velocity(), Force(), separable=True), coupled=False)
    assert analysis.separable_order - 0.15 < separable < analysis.separable_order + 0.6
    general = observed_order(cls(CoupledVelocity(), CoupledForce()), coupled=True)
    assert analysis.order - 0.15 < general < analysis.order + 0.6
    if path.stem in INVERTIBLE:
        f, g = separable_net(1)
        step = cls(f, g, h=0.9, separable=True)
        q, p = torch.randn(3, 6, dtype=torch.float64), torch.randn(3, 6, dtype=torch.float64)
        with torch.no_grad():
            back = step.inverse(*step(q, p))
        assert max(float((back[0] - q).abs().max()), float((back[1] - p).abs().max())) < 1e-13
