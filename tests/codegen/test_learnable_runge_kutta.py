"""A learnable parameter of a Runge–Kutta family is a trainable parameter of the step.

The fixture is the two-stage second-order family a21 = α, b = (1 − 1/(2α), 1/(2α)) with
α learnable in [1/4, 1] from 2/3 (Ralston's method): the step holds ``raw_alpha``, maps it
by tanh into the bounds, and computes a21, b1 and b2 from α in every call.  Gradients
reach it, optimisation cannot push it out of its bounds, the step at the initial value
is the literal tableau's step, and it is in every checkpoint.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tableau_compiler.cli import main
from tableau_compiler.compiler import generated_text

from .conftest import ROOT, load_module, torch
from .rhs import Logistic, Rotation

GOLDEN = Path(__file__).resolve().parent / "golden"
FAMILY = (GOLDEN / "learnable_alpha.toml").read_text(encoding="utf-8")
Y0 = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)


def compile_text(tmp_path: Path, name: str, text: str):
    source = tmp_path / f"{name}.toml"
    source.write_text(text.replace('name = "learnable_alpha"', f'name = "{name}"'), "utf-8")
    _, analysis, generated = generated_text(source)
    assert generated is not None, analysis.failures
    target = tmp_path / f"{name}.py"
    target.write_text(generated, encoding="utf-8")
    return generated, load_module(target, f"learnable_{name}_{abs(hash(text))}")


@pytest.fixture(scope="module")
def family():
    return load_module(GOLDEN / "learnable_alpha.py")


@pytest.fixture
def float64_default():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def test_the_parameter_is_a_trainable_parameter_in_the_checkpoint(family):
    step = family.LearnableAlphaStep(Logistic(), 0.1)
    assert [name for name, _ in step.named_parameters()] == ["raw_alpha"]
    assert "raw_alpha" in step.state_dict()
    assert float(step.alpha_value().detach()) == pytest.approx(2 / 3, rel=1e-6)
    model = family.LearnableAlphaResNet(depth=2, widths=(4, 8))
    keys = [k for k in model.state_dict() if k.endswith("raw_alpha")]
    assert len(keys) == 4  # one per step: 2 stages of depth 2
    restored = family.LearnableAlphaResNet(depth=2, widths=(4, 8))
    with torch.no_grad():
        model.stages[0].layers[0].raw_alpha.fill_(0.3)
    restored.load_state_dict(model.state_dict())
    assert float(restored.stages[0].layers[0].raw_alpha.detach()) == pytest.approx(0.3)


def test_the_step_at_the_initial_value_is_the_literal_tableau(tmp_path, float64_default):
    """Ralston's method written with literals (a21 = 2/3, b = (1/4, 3/4))."""
    literal = FAMILY.replace('"alpha"', '"2/3"').replace(
        '["1 - 1/(2*alpha)", "1/(2*alpha)"]', '["1/4", "3/4"]'
    )
    literal = literal[: literal.index("[parameters.alpha]")]
    source, ralston = compile_text(tmp_path, "ralston_literal", literal)
    assert "nn.Parameter" not in source.split("class PreActivationBlock")[0]
    from .conftest import GENERATED

    reference = load_module(GENERATED / "ralston2.py").Ralston2Step(Logistic(), 0.3)
    learnable = load_module(GOLDEN / "learnable_alpha.py").LearnableAlphaStep(Logistic(), 0.3)
    with torch.no_grad():
        expected = ralston.RalstonLiteralStep(Logistic(), 0.3)(Y0)
        assert torch.equal(expected, reference(Y0))
        assert torch.allclose(learnable(Y0), expected, rtol=4e-16, atol=0)


def test_gradients_reach_the_parameter_and_match_finite_differences(family):
    step = family.LearnableAlphaStep(Rotation(), 0.25).double()
    y = torch.randn(2, 3, dtype=torch.float64)

    def through_raw(raw):
        return torch.func.functional_call(step, {"raw_alpha": raw}, (y,))

    raw = step.raw_alpha.detach().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(through_raw, (raw,))
    step(y).sum().backward()
    assert step.raw_alpha.grad is not None and float(step.raw_alpha.grad) != 0.0


@pytest.mark.parametrize("direction", [1.0, -1.0])
def test_optimisation_cannot_push_it_out_of_its_bounds(family, direction):
    """A loss that rewards a large (small) α: α climbs to the bound and stays inside."""
    step = family.LearnableAlphaStep(Logistic(), 0.5)
    free = family.LearnableAlphaStep(Logistic(), 0.5, constrain=False)
    for module in (step, free):
        optimiser = torch.optim.SGD(module.parameters(), lr=5.0)
        for _ in range(40):
            optimiser.zero_grad()
            loss = -direction * module.alpha_value()
            loss.backward()
            optimiser.step()
    alpha = float(step.alpha_value().detach())
    assert 0.25 <= alpha <= 1.0
    assert abs(alpha - (1.0 if direction > 0 else 0.25)) < 1e-2  # pushed to the bound
    assert not 0.25 <= float(free.alpha_value().detach()) <= 1.0  # the same push, unconstrained


def test_scripting_and_compiling_keep_the_step(family):
    step = family.LearnableAlphaStep(Logistic(), 0.1)
    y = Y0.float()
    scripted = torch.jit.script(step)
    assert torch.equal(scripted(y), step(y))
    torch._dynamo.reset()
    compiled = torch.compile(step, fullgraph=True, backend="eager")
    assert torch.allclose(compiled(y), step(y))
    model = family.LearnableAlphaResNet(depth=1, widths=(4, 8)).eval()
    x = torch.randn(2, 3, 8, 8)
    assert torch.allclose(torch.jit.script(model)(x), model(x), atol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_the_step_keeps_the_dtype_of_its_input(family, dtype):
    step = family.LearnableAlphaStep(Logistic(), 0.1)
    out = step(torch.full((4,), 0.25, dtype=dtype))
    assert out.dtype == dtype
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert step(torch.full((4,), 0.25, dtype=torch.bfloat16)).dtype == torch.bfloat16


def test_a_fixed_parameter_stays_a_literal(tmp_path):
    source, module = compile_text(
        tmp_path, "fixed_alpha", FAMILY.replace("learnable = true", "learnable = false")
    )
    body = source.split("class PreActivationBlock")[0]
    assert "nn.Parameter" not in body and "alpha_value" not in body
    assert "y2 = torch.add(y, k1, alpha=h * 0.6666666666666666)" in body
    assert "y_next = torch.add(y, k1, alpha=h * 0.25)" in body
    assert list(module.FixedAlphaStep(Logistic()).parameters()) == []


def test_without_bounds_it_stays_where_the_claimed_order_holds(tmp_path):
    """Order 2 holds for every α ≠ 0: from 2/3 the step keeps α in (0, ∞) by α = exp(θ)."""
    text = FAMILY.replace('bounds = ["1/4", "1"]\n', "")
    source, module = compile_text(tmp_path, "unbounded_alpha", text)
    assert "kept inside the interval (0, ∞) where order 2 holds" in source
    step = module.UnboundedAlphaStep(Logistic(), 0.5)
    assert float(step.alpha_value().detach()) == pytest.approx(2 / 3, rel=1e-6)
    optimiser = torch.optim.SGD(step.parameters(), lr=1.0)
    for _ in range(50):
        optimiser.zero_grad()
        step.alpha_value().backward()  # pushes α down, towards 0 where b is undefined
        optimiser.step()
    assert float(step.alpha_value().detach()) > 0


def test_where_the_order_holds_only_at_isolated_values_it_is_left_free_and_said_so(tmp_path):
    """b = (1 - alpha, alpha) with a21 = 1/2: order 2 only at alpha = 1 (the midpoint rule)."""
    text = (
        'name = "isolated"\nkind = "runge-kutta"\norder = 2\n'
        '[tableau]\na = [["0", "0"], ["1/2", "0"]]\nb = ["1 - alpha", "alpha"]\n'
        '[parameters.alpha]\nvalue = "1"\nlearnable = true\n'
    )
    source, module = compile_text(tmp_path, "isolated", text)
    assert "free: its value 1 is not inside an interval where order 2 holds" in source
    assert "constrain" not in source.split("class PreActivationBlock")[0]
    step = module.IsolatedStep(Logistic(), 0.1)
    assert float(step.alpha_value().detach()) == 1.0


def test_a_learnable_implicit_step(tmp_path):
    """The θ-method (a11 = θ, b = 1) with θ learnable in [0, 1]: order 1 for every θ."""
    text = (
        'name = "theta"\nkind = "runge-kutta"\norder = 1\n'
        '[tableau]\na = [["theta"]]\nb = ["1"]\n'
        '[parameters.theta]\nvalue = "1/2"\nlearnable = true\nbounds = ["0", "1"]\n'
    )
    _, module = compile_text(tmp_path, "theta", text)
    step = module.ThetaStep(Logistic(), 0.1, iterations=30).double()
    y = torch.full((3,), 0.25, dtype=torch.float64)
    out = step(y)
    # the implicit midpoint rule's fixed point: y1 = y + h f(y + h/2 k), k = f(y1 stage)
    k = Logistic()(y)
    for _ in range(60):
        k = Logistic()(y + 0.05 * k)
    assert torch.allclose(out, y + 0.1 * k, rtol=1e-12)
    out.sum().backward()
    assert step.raw_theta.grad is not None and float(step.raw_theta.grad) != 0.0


def test_a_value_on_its_bounds_is_refused_by_name(tmp_path, capsys):
    text = FAMILY.replace('value = "2/3"', 'value = "1"')
    source = tmp_path / "on_bound.toml"
    source.write_text(text, encoding="utf-8")
    assert main(["compile", str(source), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert "parameters.alpha.value" in err and "strictly" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "learnable_alpha.py").exists()


def test_a_learnable_entry_above_the_diagonal_of_an_explicit_tableau_is_refused(tmp_path, capsys):
    text = (
        'name = "upper"\nkind = "runge-kutta"\norder = 1\n'
        '[tableau]\na = [["0", "alpha"], ["1/2", "0"]]\nb = ["1", "0"]\n'
        '[parameters.alpha]\nvalue = "0"\nlearnable = true\nbounds = ["-1", "1"]\n'
    )
    source = tmp_path / "upper.toml"
    source.write_text(text, encoding="utf-8")
    assert main(["compile", str(source), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "tableau.a[1][2]" in captured.out + captured.err


def test_the_library_compiles_every_learnable_parameter():
    """No scheme of the library has a learnable parameter the module ignores."""
    from tableau_compiler.parsing import load_scheme

    from .conftest import GENERATED

    for path in sorted((ROOT / "tableaus").glob("*.toml")):
        scheme = load_scheme(path)
        module = load_module(GENERATED / f"{path.stem}.py")
        text = (GENERATED / f"{path.stem}.py").read_text(encoding="utf-8")
        for p in scheme.parameters:
            if p.learnable:
                assert f"self.raw_{p.name} = nn.Parameter" in text, (path.name, p.name)
        assert module.SCHEME["name"] == scheme.name


# Parameter names chosen to meet the generated module's own names: p_NAME locals,
# NAME_value() / NAME_values() readers (raw_NAME members are refused at parse time).
CLASHING_NAMES = ("k", "p_k", "k_value", "value", "k_values", "values")


def test_parameter_names_cannot_collide_with_the_names_a_module_generates(tmp_path):
    terms = " + ".join(f"{name}/{6 * len(CLASHING_NAMES)}" for name in CLASHING_NAMES)
    declared = "".join(
        f'[parameters.{name}]\nvalue = "{i + 1}/10"\nlearnable = true\nbounds = ["0", "1"]\n'
        for i, name in enumerate(CLASHING_NAMES)
    )
    runge_kutta = (
        'name = "clash_rk"\nkind = "runge-kutta"\norder = 1\n'
        f'[tableau]\na = [[], ["{terms}"]]\nb = ["1", "0"]\n{declared}'
    )
    multistep = (
        'name = "clash_lm"\nkind = "linear-multistep"\norder = 1\nstep_scaling = "absorbed"\n'
        f'[coefficients]\nalpha = ["-({terms})", "({terms}) - 1", "1"]\nbeta = ["0", "1", "0"]\n'
        f"{declared}"
    )
    y = torch.linspace(-1.0, 1.0, 5, dtype=torch.float64)
    _, module = compile_text(tmp_path, "clash_rk", runge_kutta)
    step = module.ClashRkStep(torch.nn.Tanh(), h=0.1).double()
    assert len(dict(step.named_parameters())) == len(CLASHING_NAMES)
    assert torch.isfinite(step(y)).all()
    _, module = compile_text(tmp_path, "clash_lm", multistep)
    net = module.ClashLmNet([torch.nn.Tanh() for _ in range(3)], h=0.1).double()
    assert len(dict(net.named_parameters())) == len(CLASHING_NAMES)
    assert torch.isfinite(net(y)).all()


def test_a_parameter_named_like_a_generated_member_is_refused(tmp_path, capsys):
    scheme = tmp_path / "raw.toml"
    scheme.write_text(
        'name = "raw"\nkind = "runge-kutta"\norder = 1\n[tableau]\na = [[], ["raw_k"]]\n'
        'b = ["1", "0"]\n[parameters.raw_k]\nvalue = "1/2"\nlearnable = true\n',
        encoding="utf-8",
    )
    assert main(["check", str(scheme)]) == 2
    assert (
        "parameters.raw_k: a parameter name must not start with 'raw_'" in capsys.readouterr().out
    )


FAMILY_WITH_BOUNDS = """\
name = "family"
kind = "runge-kutta"
order = 2
[tableau]
a = [["0", "0"], ["alpha", "0"]]
b = ["1 - 1/(2*alpha)", "1/(2*alpha)"]
[parameters.alpha]
value = "2/3"
learnable = true
bounds = [{bounds}]
"""


@pytest.mark.parametrize("command", ["check", "info", "compile"])
@pytest.mark.parametrize("bounds", ['"-1", "1"', '"0", "1"'])
def test_bounds_that_hold_a_value_where_the_scheme_is_undefined_are_refused(
    tmp_path, capsys, command, bounds
):
    # alpha = 0 divides by zero: inside (-1, 1) training reaches it; at the bound 0 a
    # saturated float32 tanh lands on it exactly (the step then returned NaN)
    scheme = tmp_path / "family.toml"
    scheme.write_text(FAMILY_WITH_BOUNDS.format(bounds=bounds), encoding="utf-8")
    extra = ["-o", str(tmp_path / "out")] if command == "compile" else []
    assert main([command, str(scheme), *extra]) == 2
    captured = capsys.readouterr()
    message = captured.out + captured.err
    assert "family.toml:10: parameters.alpha.bounds: the bounds" in message
    assert "alpha = 0, where a coefficient divides by zero" in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["check", "info", "compile"])
def test_a_learnable_value_on_its_bounds_is_refused_alike_by_check_info_and_compile(
    tmp_path, capsys, command
):
    scheme = tmp_path / "family.toml"
    text = FAMILY_WITH_BOUNDS.format(bounds='"1/4", "1"').replace('"2/3"', '"1"')
    scheme.write_text(text, encoding="utf-8")
    extra = ["-o", str(tmp_path / "out")] if command == "compile" else []
    assert main([command, str(scheme), *extra]) == 2
    captured = capsys.readouterr()
    assert "parameters.alpha.value: a learnable parameter starts strictly inside its bounds" in (
        captured.out + captured.err
    )
