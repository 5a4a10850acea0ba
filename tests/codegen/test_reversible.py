"""reversible=True in the generated modules (issue 14): the RevNet algorithm.

Gradients equal ordinary back-propagation (float64, 1e-10 relative, parameters of f, g and
the learnable k_n), batch-norm running statistics count each batch once, the saved
activations do not grow with depth, multistep steps whose rounding growth is too large are
stored instead, dropout is refused, torch.compile runs it, TorchScript of the evaluation
network is unchanged.
"""

from __future__ import annotations

import copy

import pytest

from .conftest import GENERATED, load_module, torch

INVERTIBLE = [
    "revnet",
    "symplectic_euler",
    "symplectic_euler_adjoint",
    "stormer_verlet",
    "stormer_verlet_position",
    "lobatto_iiia_iiib2",
    "ruth3",
    "forest_ruth4",
    "leapfrog",
    "lm_resnet",
]
MODULES: dict[str, object] = {}


def generated(name):
    if name not in MODULES:
        MODULES[name] = load_module(GENERATED / f"{name}.py")
    return MODULES[name]


def network(name, depth=2, reversible=True, seed=0, k=(0.3, 0.8)):
    torch.manual_seed(seed)
    model = generated(name).build_model(depth=depth, widths=(4, 8), h=0.5, reversible=reversible)
    with torch.no_grad():
        for module in model.modules():
            if hasattr(module, "raw_k"):  # away from k = 0, where steps are stored
                module.raw_k.uniform_(*k)
    return model.double().train()


def count_undoings(monkeypatch, module):
    calls = []
    for cls in vars(module).values():
        for method in ("inverse", "retreat"):
            if (
                isinstance(cls, type)
                and method in vars(cls)
                and cls.__name__.endswith(("Coupling", "Net"))
            ):
                original = getattr(cls, method)

                def counted(self, *args, original=original):
                    calls.append(args[0] if isinstance(args[0], int) else None)
                    return original(self, *args)

                monkeypatch.setattr(cls, method, counted)
    return calls


def relative(a, b):
    return ((a - b).norm() / b.norm().clamp_min(1e-300)).item()


@pytest.mark.parametrize("name", INVERTIBLE)
def test_gradients_and_running_statistics_equal_ordinary_backpropagation(name, monkeypatch):
    stored = network(name, reversible=False)
    reversible = network(name)
    reversible.load_state_dict(stored.state_dict())
    x = torch.randn(3, 3, 8, 8, dtype=torch.float64)
    calls = count_undoings(monkeypatch, generated(name))
    for model in (stored, reversible):
        model(x).square().mean().backward()
    assert len(calls) == 2 * (1 if name in ("leapfrog", "lm_resnet") else 2)  # every step undone
    pairs = list(zip(stored.named_parameters(), reversible.parameters()))
    assert any("raw_k" in n for (n, _), _ in pairs) == (name == "lm_resnet")
    for (key, a), b in pairs:
        assert relative(b.grad, a.grad) < 1e-10, key
    for (key, a), b in zip(stored.named_buffers(), reversible.buffers()):
        assert torch.allclose(b, a, rtol=1e-12, atol=1e-14), key  # counted once, not twice


@pytest.mark.parametrize("name", ["revnet", "leapfrog"])
def test_saved_activations_do_not_grow_with_depth(name):
    def saved_bytes(depth, reversible):
        model = network(name, depth, reversible).float()
        total = [0]

        def pack(tensor):
            total[0] += tensor.numel() * tensor.element_size()
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model(torch.randn(2, 3, 8, 8)).sum()
        return total[0]

    assert saved_bytes(2, True) == saved_bytes(8, True)
    assert saved_bytes(8, False) > 2 * saved_bytes(2, False)


def test_a_multistep_step_is_stored_where_the_rounding_growth_of_a_run_would_pass_the_bound(
    monkeypatch,
):
    # k = 1/2 everywhere: each undone step multiplies rounding by |alpha_2/alpha_0| = 2; with
    # the bound 100, from the last step back: 2, 4, ..., 64 for steps 8..3, 128 at step 2
    # (stored, the run restarts), 2 at step 1
    module = generated("lm_resnet")
    torch.manual_seed(0)
    functions = [torch.nn.Conv2d(2, 2, 3, padding=1).double() for _ in range(9)]
    net = module.LmResnetNet(functions, reversible=True, constrain=False).double()
    plain = copy.deepcopy(net)
    plain.reversible = False
    for n in (net, plain):
        with torch.no_grad():
            n.raw_k.fill_(0.5)
            n.raw_k[4] = 0.0  # step 5: alpha_0 = 0, never undone
    calls = count_undoings(monkeypatch, module)
    x = torch.randn(2, 2, 4, 4, dtype=torch.float64)
    net(x).sum().backward()
    # step 5 stored (alpha_0 = 0); from step 8 back 2, 4, 8 (steps 8..6), restart at 4..1
    assert calls == [8, 7, 6, 4, 3, 2, 1]
    assert net.stored_steps() == [m == 5 for m in range(1, 9)]
    plain(x).sum().backward()
    for a, b in zip(plain.parameters(), net.parameters()):
        assert relative(b.grad, a.grad) < 1e-10
    net.zero_grad()
    calls.clear()
    with torch.no_grad():
        net.raw_k.fill_(0.5)
    net(x).sum().backward()
    assert calls == [8, 7, 6, 5, 4, 3, 1]  # 2^6 = 64, then 128 > 100 at step 2: stored


def test_the_multistep_inverse_rebuilds_the_oldest_state():
    for name in ("lm_resnet", "leapfrog"):
        torch.manual_seed(0)
        functions = [torch.nn.Sequential(torch.nn.Linear(5, 5), torch.nn.Tanh()) for _ in range(3)]
        net = (
            generated(name)
            .__dict__["LmResnetNet" if name == "lm_resnet" else "LeapfrogNet"](functions, h=0.1)
            .double()
        )
        with torch.no_grad():
            for p in net.parameters(recurse=False):
                p.fill_(0.7)
        window = [torch.randn(4, 5, dtype=torch.float64) for _ in range(2)]
        after = [window[1], net.advance(2, window)]
        assert torch.allclose(net.retreat(2, after), window[0], rtol=0, atol=1e-13)


def test_dropout_is_refused():
    module = generated("leapfrog")
    functions = [
        torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Dropout(0.1)) for _ in range(3)
    ]
    net = module.LeapfrogNet(functions, reversible=True).train()
    with pytest.raises(ValueError, match="deterministic steps.*Dropout"):
        net(torch.randn(2, 3, requires_grad=True))
    net.eval()
    net(torch.randn(2, 3))  # evaluation needs no recomputation


@pytest.mark.parametrize("name", ["rk4", "bdf2", "ab2", "lobatto_iiia_iiib3"])
def test_a_network_without_an_inverse_refuses_reversible_with_the_analysis_reason(name):
    # the keyword is accepted (not a bare TypeError) and refused with tabc's reason
    module = generated(name)
    with pytest.raises(module.NotInvertibleError) as raised:
        module.build_model(depth=2, reversible=True)
    assert isinstance(raised.value, ValueError)
    assert module.SCHEME["no_inverse"] in str(raised.value)
    assert "reversible=True" in str(raised.value)
    module.build_model(depth=2, reversible=False)  # the default stays what it was


def test_the_runge_kutta_reason_is_the_one_tabc_info_gives():
    from tableau_compiler.analysis.reversibility import RUNGE_KUTTA_REASON

    with pytest.raises(ValueError, match="implicit equation") as raised:
        generated("rk4").Rk4ResNet(reversible=True)
    assert RUNGE_KUTTA_REASON in str(raised.value)


def test_a_multistep_net_without_an_inverse_refuses_reversible_with_the_analysis_reason():
    module = generated("ab2")
    functions = [torch.nn.Linear(3, 3) for _ in range(4)]
    with pytest.raises(module.NotInvertibleError, match="β_0 ≠ 0"):
        module.Ab2Net(functions, reversible=True)


def test_only_invertible_schemes_offer_it():
    for name in ("leapfrog", "lm_resnet", "bdf2", "ab2"):
        scheme = generated(name).SCHEME
        assert scheme["inverse"] == (name in INVERTIBLE)
        assert (scheme["no_inverse"] is None) == scheme["inverse"]


def test_torchscript_of_the_evaluation_network_is_unchanged():
    for name in ("revnet", "lm_resnet"):
        reversible, stored = (
            network(name).float().eval(),
            network(name, reversible=False).float().eval(),
        )
        reversible.load_state_dict(stored.state_dict())
        x = torch.randn(2, 3, 8, 8)
        assert torch.equal(torch.jit.script(reversible)(x), stored(x))


def test_torch_compile_runs_the_reversible_stages_eagerly_with_the_same_gradients():
    model = network("revnet", depth=1)
    twin = copy.deepcopy(model)
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    torch.compile(model, backend="eager")(x).sum().backward()
    twin(x).sum().backward()
    for a, b in zip(twin.parameters(), model.parameters()):
        assert relative(b.grad, a.grad) < 1e-12


def test_under_fullgraph_the_reversible_stage_is_a_graph_break_that_is_refused():
    # the stage runs eagerly, outside the graph: fullgraph=True must refuse it, not trace it
    torch._dynamo.reset()
    model = network("revnet", depth=1)
    with pytest.raises(Exception, match="(?i)skip|graph break|disable"):
        torch.compile(model, fullgraph=True, backend="eager")(torch.randn(2, 3, 8, 8).double())


def test_importing_a_reversible_module_does_not_import_torchs_compiler_stack():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tableau_compiler.compiled import import_compiled\n"
        "module = import_compiled(sys.argv[1])\n"
        "print(callable(module.run_reversibly), 'torch._dynamo' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(GENERATED / "revnet.py")],
                          capture_output=True, text=True, check=True, timeout=300)  # fmt: skip
    assert done.stdout.split() == ["True", "False"]


class Counted(torch.nn.Module):
    """A small tanh layer that counts its evaluations (calls of its own ``forward``)."""

    def __init__(self, width, calls):
        super().__init__()
        self.linear = torch.nn.Linear(width, width)
        self.calls = calls

    def forward(self, x):
        self.calls.append(id(self))
        return torch.tanh(self.linear(x))


@pytest.mark.parametrize("name", [n for n in INVERTIBLE if n not in ("leapfrog", "lm_resnet")])
def test_the_backward_pass_evaluates_f_and_g_once_per_step(name):
    # Gomez et al. 2017, Algorithm 1: the evaluations made to undo a step are the ones
    # back-propagated through; a step is not evaluated a second time to recompute it
    module = generated(name)
    step = getattr(module, next(c for c in dir(module) if c.endswith("Coupling")))
    torch.manual_seed(0)
    calls = []
    layers = [step(Counted(4, calls), Counted(4, calls), 0.5, True).double() for _ in range(3)]
    twin = copy.deepcopy(layers)
    x = torch.randn(5, 8, dtype=torch.float64, requires_grad=True)
    (y,) = module.invertible_layers(layers, (x,))
    forward = len(calls)
    y.square().sum().backward()
    assert len(calls) == 2 * forward  # one evaluation per call in the forward pass
    z = x.detach().requires_grad_()
    w = z
    for layer in twin:
        w = layer(w)
    w.square().sum().backward()
    assert_same_gradients((x, layers), (z, twin), 1e-10)


def assert_same_gradients(reversible, stored, tolerance):
    """(input, layers) of a reversible run and a stored one: equal gradients, relatively."""
    (x, layers), (z, twin) = reversible, stored
    assert relative(x.grad, z.grad) < tolerance
    for layer, other in zip(layers, twin):
        for a, b in zip(layer.parameters(), other.parameters()):
            assert relative(a.grad, b.grad) < tolerance


def test_a_function_undo_evaluates_elsewhere_is_evaluated_afresh():
    # undo evaluates f at the point run uses and, last, at another one: the replay takes
    # the evaluation at the same point (not the last one of f), and the stray one is unused
    module = generated("revnet")
    torch.manual_seed(1)
    calls = []
    f = Counted(3, calls).double()

    def run(s):
        a, b = s
        return a, b + f(a)

    def undo(s):
        a, b = s
        previous = b - f(a)
        f(a + 1.0)  # a point run never uses
        return a, previous

    a = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    blocks = [module.ReversibleBlock(run, undo, [f], functions=[f]) for _ in range(2)]
    out = module.run_reversibly(blocks, (a, b))
    sum(o.square().sum() for o in out).backward()
    assert len(calls) == 2 + 2 * 2  # forward 2, each undo 2, no recomputation
    reversible = [a.grad, b.grad, *(p.grad for p in f.parameters())]
    a2, b2 = a.detach().requires_grad_(), b.detach().requires_grad_()
    f.zero_grad()
    state = (a2, b2)
    for _ in range(2):
        state = run(state)
    sum(o.square().sum() for o in state).backward()
    stored = [a2.grad, b2.grad, *(p.grad for p in f.parameters())]
    for r, s in zip(reversible, stored):
        assert relative(r, s) < 1e-12

    # undo evaluating f only at another point: nothing to replay, f evaluated afresh
    def undo_elsewhere(s):
        a, b = s
        f(a + 1.0)
        return a, b - f.linear.weight.new_zeros(()) - torch.tanh(f.linear(a))

    calls.clear()
    block = module.ReversibleBlock(run, undo_elsewhere, [f], functions=[f])
    f.zero_grad()
    a3, b3 = a.detach().requires_grad_(), b.detach().requires_grad_()
    out = module.run_reversibly([block], (a3, b3))
    sum(o.square().sum() for o in out).backward()
    assert len(calls) == 1 + 1 + 1  # forward, the stray evaluation, the recomputation
    f2 = [p.grad.clone() for p in f.parameters()]
    f.zero_grad()
    a4, b4 = a.detach().requires_grad_(), b.detach().requires_grad_()
    sum(o.square().sum() for o in run((a4, b4))).backward()
    for r, s in zip([a3.grad, b3.grad, *f2], [a4.grad, b4.grad, *(p.grad for p in f.parameters())]):
        assert relative(r, s) < 1e-12


def test_a_stored_step_keeps_only_the_state_its_output_drops():
    # the window (u_{n-1}, u_n) -> (u_n, u_{n+1}) drops u_{n-1}: one state kept, not two
    module = generated("lm_resnet")

    def saved(steps):
        torch.manual_seed(0)
        functions = [torch.nn.Linear(6, 6) for _ in range(steps)]
        net = module.LmResnetNet(functions, reversible=True).train()  # k = 0: all stored
        total = [0]

        def pack(tensor):
            total[0] += tensor.shape == (5, 6)  # states, not the k values
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            net(torch.randn(5, 6, requires_grad=True)).sum()
        return total[0]

    assert saved(9) - saved(5) == 4  # one state per stored step


THREE_STEP = """\
name = "three_step_nystrom"
kind = "linear-multistep"
title = "An explicit three-step scheme with alpha_0 = -1 and two f-values"
order = 2

[coefficients]
alpha = ["-1", "0", "0", "1"]
beta = ["0", "3/2", "3/2", "0"]
"""


def test_a_three_step_net_with_two_f_values_per_step_trains_reversibly(tmp_path):
    # u_{n+3} = u_n + 3h/2 (f_{n+1} + f_{n+2}): order 2, rho = z^3 - 1 (zero-stable), undone
    # by u_n = u_{n+3} - 3h/2 (f_{n+1} + f_{n+2}); every step evaluates two modules, and
    # both get their gradients
    from tableau_compiler.compiler import generated_text

    source = tmp_path / "three_step_nystrom.toml"
    source.write_text(THREE_STEP, encoding="utf-8")
    _, analysis, text = generated_text(source)
    assert text is not None, analysis.failures
    target = tmp_path / "three_step_nystrom.py"
    target.write_text(text, encoding="utf-8")
    module = load_module(target)
    assert module.SCHEME["inverse"] is True
    torch.manual_seed(0)
    calls = []
    functions = [Counted(4, calls).double() for _ in range(7)]
    net = module.ThreeStepNystromNet(functions, h=0.3, reversible=True).train()
    plain = copy.deepcopy(net)
    plain.reversible = False
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    x2 = x.detach().requires_grad_()
    net(x).square().sum().backward()
    plain(x2).square().sum().backward()
    assert relative(x.grad, x2.grad) < 1e-10
    for (key, a), b in zip(plain.named_parameters(), net.parameters()):
        assert relative(b.grad, a.grad) < 1e-10, key


def test_a_second_derivative_through_a_reversible_stage_is_refused():
    # the backward pass calls autograd itself without building a graph: differentiating it
    # again would give wrong numbers, so it says so instead
    model = network("revnet", depth=1)
    x = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    (gradient,) = torch.autograd.grad(
        model(x).square().sum(), [next(model.parameters())], create_graph=True
    )
    with pytest.raises(RuntimeError, match="once_differentiable|differentiate twice"):
        gradient.sum().backward()


def test_under_autocast_the_backward_pass_recomputes_as_the_forward_pass_computed():
    # f and g in bfloat16 under autocast, the state in float32: the rebuilt inputs and the
    # recomputation use the same autocast, so the gradients are the stored run's (they were
    # 1e-2 apart when the backward pass recomputed in float32)
    module = generated("revnet")
    torch.manual_seed(0)

    def function():
        return torch.nn.Sequential(
            torch.nn.BatchNorm2d(2), torch.nn.ReLU(), torch.nn.Conv2d(2, 2, 3, padding=1)
        )

    layers = [module.RevnetCoupling(function(), function(), 1.0, True) for _ in range(4)]
    plain = copy.deepcopy(layers)
    x = torch.randn(3, 4, 8, 8, requires_grad=True)
    x2 = x.detach().requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        (y,) = module.invertible_layers(layers, (x,))
        z = x2
        for layer in plain:
            z = layer(z)
    assert torch.equal(y, z)
    y.square().sum().backward()
    z.square().sum().backward()
    assert_same_gradients((x, layers), (x2, plain), 1e-5)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_half_precision_state_is_refused_outside_autocast(dtype):
    module = generated("revnet")
    layer = module.RevnetCoupling(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), 1.0, True)
    layer = layer.to(getattr(torch, dtype))
    x = torch.randn(3, 4, dtype=getattr(torch, dtype), requires_grad=True)
    with pytest.raises(ValueError, match=f"float32 or float64 state, not torch.{dtype}"):
        module.invertible_layers([layer], (x,))


def test_under_autocast_a_half_precision_state_is_carried_in_float32():
    # the stem of a generated network gives a bfloat16 state under autocast
    module = generated("revnet")
    torch.manual_seed(0)
    model = module.RevnetResNet(depth=2, widths=(4, 8), reversible=True).train()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = model(torch.randn(2, 3, 8, 8)).float().square().sum()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def halves(model, x, twin=None):
    """Gradients of a Stage of couplings, reversible and stored (``twin``), in float64."""
    twin = copy.deepcopy(model) if twin is None else twin
    twin.reversible = False
    for m in (model, twin):
        torch.manual_seed(1)
        m(x).square().sum().backward()
    return [(a.grad, b.grad) for a, b in zip(model.parameters(), twin.parameters())]


def coupling_stage(make_f, make_g, steps=2):
    module = generated("revnet")
    torch.manual_seed(0)
    layers = [module.RevnetCoupling(make_f(), make_g(), separable=True) for _ in range(steps)]
    return module.Stage(layers, reversible=True).double().train()


def conv():
    return torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3, padding=1), torch.nn.Tanh())


X = torch.randn(2, 4, 5, 5, dtype=torch.float64)


def test_g_calling_f_inside_gets_the_gradients_through_both():
    # g = conv after f (weights tied by nesting): f's call inside g is part of g's kept
    # evaluation, not a separate one cut out of it
    f = conv()
    stage = coupling_stage(lambda: f, lambda: torch.nn.Sequential(f, torch.nn.Conv2d(2, 2, 1)), 1)
    for reversible, stored in halves(stage, X):
        assert relative(reversible, stored) < 1e-10


def test_a_weight_computed_by_a_forward_pre_hook_gets_its_gradient():
    # a pre-hook computing the weight from a parameter (as torch.nn.utils.weight_norm does)
    # runs when f is called, outside f.forward: the undo must run it under autograd
    class Scaled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.direction = torch.nn.Parameter(torch.randn(2, 2, 3, 3))
            self.scale = torch.nn.Parameter(torch.tensor(0.5))
            self.register_forward_pre_hook(Scaled.weight)

        @staticmethod
        def weight(module, args):
            module.kernel = module.scale * module.direction / module.direction.norm()

        def forward(self, x):
            return torch.tanh(torch.nn.functional.conv2d(x, self.kernel, padding=1))

    stage = coupling_stage(Scaled, Scaled)
    for reversible, stored in halves(stage, X):
        assert reversible is not None and relative(reversible, stored) < 1e-10


def test_buffers_a_step_changes_when_called_are_those_it_met_in_the_forward_pass():
    # spectral normalisation updates its power-iteration vector at every call: the step is
    # undone and recomputed with the vector the forward pass used
    from torch.nn.utils.parametrizations import spectral_norm

    def normalised():
        return torch.nn.Sequential(
            spectral_norm(torch.nn.Conv2d(2, 2, 3, padding=1)), torch.nn.Tanh()
        )

    stage = coupling_stage(normalised, normalised)
    twin = copy.deepcopy(stage)
    twin.reversible = False
    pairs = halves(stage, X, twin)
    for reversible, stored in pairs:
        assert relative(reversible, stored) < 1e-10
    for (key, a), b in zip(twin.named_buffers(), stage.buffers()):
        assert torch.equal(a, b), key  # each call's update counted once


@pytest.mark.parametrize("kind", ["F.dropout", "nn.RReLU"])
def test_random_operations_other_than_dropout_modules_are_refused(kind):
    class Dropped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            return torch.nn.functional.dropout(self.conv(x), 0.5, self.training)

    def rrelu():
        return torch.nn.Sequential(torch.nn.Conv2d(2, 2, 3, padding=1), torch.nn.RReLU())

    make = Dropped if kind == "F.dropout" else rrelu
    stage = coupling_stage(make, make)
    with pytest.raises(ValueError, match="deterministic steps: these drew random numbers"):
        stage(X)


def test_a_tensor_f_reads_without_registering_it_is_an_error_not_a_missing_gradient():
    scale = torch.nn.Parameter(torch.tensor(0.7, dtype=torch.float64))

    class Outside(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)

        def forward(self, x):
            return self.conv(x) * scale

    stage = coupling_stage(Outside, conv, 1)
    with pytest.raises(RuntimeError, match=r"not a parameter of its modules \(shape \(\)\)"):
        stage(X).sum().backward()
    # torch.func.functional_call: the parameters it swapped in are gone by the backward pass
    stage = coupling_stage(conv, conv, 1)
    swapped = {k: v.detach().clone().requires_grad_() for k, v in stage.named_parameters()}
    with pytest.raises(RuntimeError, match="functional_call"):
        torch.func.functional_call(stage, swapped, (X,)).sum().backward()


def test_a_scripted_network_in_training_stores_its_activations():
    # TorchScript runs the plain network: training a scripted reversible model works
    for reversible in (False, True):
        torch.manual_seed(0)
        model = generated("revnet").RevnetResNet(depth=2, widths=(4, 8), reversible=reversible)
        scripted = torch.jit.script(model.train())
        scripted(torch.randn(2, 3, 8, 8)).sum().backward()
        assert all(p.grad is not None for p in scripted.parameters())


def test_a_coupling_built_for_general_systems_is_refused_before_the_forward_pass():
    module = generated("revnet")
    layer = module.RevnetCoupling(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), separable=False)
    with pytest.raises(ValueError, match="separable=False"):
        module.invertible_layers([layer], (torch.randn(3, 4, requires_grad=True),))


def test_f_reading_a_parameter_of_g_gives_it_its_gradient():
    # f uses g's weight through an attribute it does not register: the kept evaluation
    # back-propagates into every parameter of the step, not only f's own
    class Borrowing(torch.nn.Module):
        def __init__(self, lender):
            super().__init__()
            self.__dict__["lender"] = lender  # not a submodule

        def forward(self, x):
            return torch.tanh(x @ self.lender[0].weight.T)

    def make_pair():
        g = conv_linear()
        return Borrowing(g), g

    module = generated("revnet")
    torch.manual_seed(0)
    layers = [module.RevnetCoupling(*make_pair(), separable=True) for _ in range(2)]
    stage = module.Stage(layers, reversible=True).double().train()
    for reversible, stored in halves(stage, torch.randn(4, 4, dtype=torch.float64)):
        assert relative(reversible, stored) < 1e-10


def conv_linear():
    return torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh())


def test_a_forward_hook_changing_the_output_in_place_is_replayed_faithfully():
    def scaled():
        f = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(2, 2))
        f.register_forward_hook(lambda module, args, out: out.mul_(2))
        return f

    module = generated("revnet")
    torch.manual_seed(0)
    layers = [module.RevnetCoupling(scaled(), scaled(), separable=True) for _ in range(3)]
    stage = module.Stage(layers, reversible=True).double().train()
    for reversible, stored in halves(stage, torch.randn(4, 4, dtype=torch.float64)):
        assert relative(reversible, stored) < 1e-10


def test_kept_evaluations_are_matched_to_the_nearest_point_not_the_latest():
    # a user's layer evaluates f at b and at 1.0005 b; its inverse meets them in the same
    # order, not reversed: each recomputed call takes the evaluation at its own point
    class Layer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.f, self.g = conv_linear(), conv_linear()

        def forward(self, x):
            a, b = x.chunk(2, 1)
            y1 = a + self.f(b) - self.f(b * 1.0005)
            return torch.cat([y1, b + self.g(y1)], 1)

        def inverse(self, y):
            y1, y2 = y.chunk(2, 1)
            b = y2 - self.g(y1)
            return torch.cat([y1 - self.f(b) + self.f(b * 1.0005), b], 1)

    torch.manual_seed(0)
    stage = generated("revnet").Stage([Layer() for _ in range(3)], reversible=True)
    for reversible, stored in halves(
        stage.double().train(), torch.randn(4, 4, dtype=torch.float64)
    ):
        assert relative(reversible, stored) < 1e-10


def test_only_buffers_a_step_changes_are_kept_for_the_backward_pass():
    # a constant buffer of a module shared by every step is not copied once per step
    module = generated("revnet")

    class Constant(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)
            self.register_buffer("table", torch.zeros(2**18))  # 1 MiB, never changed

        def forward(self, x):
            return torch.tanh(self.linear(x)) + self.table[:2]

    f, g = Constant(), Constant()

    def saved(steps):
        layers = [module.RevnetCoupling(f, g, separable=True) for _ in range(steps)]
        x = torch.randn(3, 4, requires_grad=True)
        (y,) = module.invertible_layers(layers, (x,))
        snapshots = y.grad_fn.snapshots
        return sum(t.numel() for step in snapshots for t in step.values())

    assert saved(2) == saved(16) == 0


def test_batch_norm_shared_with_the_stored_starter_and_a_three_step_net(tmp_path):
    # the starter (stored) and the reversible steps call the same batch norm: the backward
    # pass must not write into the running statistics the starter's graph saved, and the
    # forward pass evaluates each state's f once, as the plain net does, so the running
    # statistics are the plain net's
    from tableau_compiler.compiler import generated_text

    source = tmp_path / "three_step_nystrom.toml"
    source.write_text(THREE_STEP, encoding="utf-8")
    target = tmp_path / "three_step_nystrom_bn.py"
    target.write_text(generated_text(source)[2], encoding="utf-8")
    three = load_module(target)
    nets = {
        "three-step": three.ThreeStepNystromNet,
        "lm_resnet shared": generated("lm_resnet").LmResnetNet,
    }
    for label, make in nets.items():
        torch.manual_seed(0)
        shared = torch.nn.Sequential(
            torch.nn.Linear(3, 3), torch.nn.BatchNorm1d(3), torch.nn.Tanh()
        )
        net = make([shared] * 7, h=0.5).double().train()
        with torch.no_grad():
            for p in net.parameters(recurse=False):
                p.fill_(0.9)
        plain = copy.deepcopy(net)
        plain.reversible = False
        net.reversible = True
        x = torch.randn(6, 3, dtype=torch.float64)
        for m in (net, plain):
            m(x).square().sum().backward()
        for a, b in zip(net.parameters(), plain.parameters()):
            # the linear layer's bias before batch norm has a zero gradient: atol
            assert torch.allclose(a.grad, b.grad, rtol=1e-9, atol=1e-12), label
        for a, b in zip(net.buffers(), plain.buffers()):
            assert torch.equal(a, b), label


def test_an_error_inside_f_during_the_backward_pass_leaves_the_modules_as_they_were():
    module = generated("revnet")

    class Failing(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
            self.fail = False

        def forward(self, x):
            if self.fail:
                raise KeyError("boom")
            return self.body(x)

    torch.manual_seed(0)
    layers = [module.RevnetCoupling(Failing(), Failing(), separable=True) for _ in range(2)]
    x = torch.randn(4, 4, requires_grad=True)
    (y,) = module.invertible_layers(layers, (x,))
    after = [b.clone() for layer in layers for b in layer.buffers()]
    for layer in layers:
        layer.step.f.fail = True
    with pytest.raises(KeyError, match="boom"):
        y.sum().backward()
    assert all("forward" not in vars(layer.step.f) for layer in layers)
    for a, b in zip(after, [b for layer in layers for b in layer.buffers()]):
        assert torch.equal(a, b)


def test_a_step_changing_its_input_in_place_is_refused_in_the_forward_pass():
    module = generated("lm_resnet")
    functions = [
        torch.nn.Sequential(torch.nn.ReLU(inplace=True), torch.nn.Linear(3, 3)) for _ in range(4)
    ]
    net = module.LmResnetNet(functions, reversible=True).train()
    with torch.no_grad():
        net.raw_k.fill_(1.0)
    with pytest.raises(ValueError, match="changed its input in place"):
        net(torch.randn(2, 3))  # the parameters need gradients


def test_a_reversible_stage_runs_on_the_meta_device():
    module = generated("revnet")
    layers = [module.RevnetCoupling(conv_linear(), conv_linear(), separable=True) for _ in range(2)]
    stage = module.Stage(layers, reversible=True).to("meta").train()
    stage(torch.randn(4, 4, device="meta", requires_grad=True)).sum().backward()
    assert all(p.grad is not None and p.grad.device.type == "meta" for p in stage.parameters())


def test_a_step_whose_alpha_0_is_zero_is_stored_even_under_an_infinite_amplification_bound():
    # LM-ResNet at its initial k = 0: alpha_0 = k = 0, the growth 1/0 = inf would pass
    # `inf <= inf`; undoing the step would divide by zero, so every step is stored and the
    # gradients are those of ordinary back-propagation, not NaN
    module = generated("lm_resnet")
    torch.manual_seed(0)
    functions = [torch.nn.Linear(6, 6).double() for _ in range(6)]
    net = module.LmResnetNet(functions, reversible=True, max_amplification=float("inf"))
    plain = copy.deepcopy(net)
    plain.reversible = False
    assert bool((net.k_values() == 0).all())
    assert net.stored_steps() == [True] * 5
    x = torch.randn(5, 6, dtype=torch.float64)
    net.train()(x).sum().backward()
    plain.train()(x).sum().backward()
    for a, b in zip(plain.parameters(), net.parameters()):
        assert b.grad is not None and torch.allclose(b.grad, a.grad, rtol=1e-10, atol=1e-12)
