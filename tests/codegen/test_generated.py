"""The emitted code is the scheme: convergence at the verified order, agreement with a
slow reference implementation, determinism, TorchScript, safety of the emitted text."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tableau_compiler.cli import main
from tableau_compiler.codegen.context import class_prefix
from tableau_compiler.compiler import generated_text, is_hand_edited
from tableau_compiler.expression import parse_expression
from tableau_compiler.parsing import load_scheme

from .conftest import GENERATED, ROOT, load_module, torch
from .rhs import DampedRotation, Logistic, Rotation, damped_rotation_solution

# partitioned pairs have their own tests (test_partitioned_generated.py, test_partitioned_floats.py)
SCHEMES = [
    path
    for path in sorted((ROOT / "tableaus").glob("*.toml"))
    if load_scheme(path).kind != "partitioned-runge-kutta"
]
Y0 = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)
T = 2.0  # the end of the integration interval


def module_for(path: Path):
    return load_module(GENERATED / f"{path.stem}.py")


def step_sizes(order: int, multistep: bool = False) -> list[int]:
    """Step counts over [0, T] in the asymptotic range, with errors well above rounding."""
    if multistep:  # k-step schemes need at least k steps and have larger error constants
        return [24, 32, 48, 64] if order >= 3 else [64, 96, 128, 192]
    if order >= 7:
        return [8, 10, 12, 14]
    if order >= 5:
        return [16, 24, 32, 48]
    if order >= 3:
        return [32, 48, 64, 96]
    return [64, 96, 128, 192]


def empirical_order(counts: list[int], errors: list[float]) -> float:
    slope, _ = np.polyfit(np.log([T / n for n in counts]), np.log(errors), 1)
    return float(slope)


def nonlinearity(order: int) -> float:
    """The quadratic term's weight: stronger for the eighth-order pair (see below)."""
    return 1.0 if order >= 7 else 0.3


def integrate(module, scheme, steps: int) -> torch.Tensor:
    h = T / steps
    prefix = class_prefix(scheme.name)
    q = nonlinearity(module.SCHEME["order"])
    f = DampedRotation(q)
    y0 = damped_rotation_solution(0.0, q)
    if scheme.kind == "runge-kutta":
        cls = getattr(module, f"{prefix}Step")
        extra = {} if module.SCHEME["classification"] == "explicit" else {"iterations": 25}
        step = cls(f, h, **extra)
        y = y0
        for _ in range(steps):
            y = step(y)
        return y
    cls = getattr(module, f"{prefix}Net")
    extra = {"iterations": 25} if "iterations" in cls.__init__.__code__.co_varnames else {}
    net = cls([f] * steps, h, **extra)
    return net.from_history([damped_rotation_solution(j * h, q) for j in range(scheme.steps)])


# Prince–Dormand 8(7) is built for a tiny principal error: with the mild nonlinearity its
# order-9 terms are never negligible before float64 rounding sets in (the measured order
# stays at 8.3-8.4).  A stronger quadratic term makes the order-8 terms dominate: 7.8-7.9.


@pytest.mark.parametrize("path", SCHEMES, ids=lambda p: p.stem)
def test_generated_code_converges_at_the_verified_order(path):
    scheme = load_scheme(path)
    module = module_for(path)
    order = module.SCHEME["order"]
    counts = step_sizes(order, scheme.kind == "linear-multistep")
    exact = damped_rotation_solution(T, nonlinearity(order))
    with torch.no_grad():
        errors = [float((integrate(module, scheme, n) - exact).abs().max()) for n in counts]
    assert min(errors) > 1e-13, f"errors reach rounding: {errors}"
    measured = empirical_order(counts, errors)
    assert abs(measured - order) < 0.3, (measured, errors)


def reference_step(a, b, f, y, h, iterations):
    """The slow, obviously correct step: loops over the tableau (torchdiffeq style)."""
    s = len(b)
    ks = [f(y) for _ in range(s)]
    explicit = all(a[i][j] == 0 for i in range(s) for j in range(i, s))
    for _ in range(1 if explicit else iterations):
        for i in range(s):
            stage = y + h * sum((a[i][j] * ks[j] for j in range(s)), torch.zeros_like(y))
            ks[i] = f(stage)
    return y + h * sum((b[i] * ks[i] for i in range(s)), torch.zeros_like(y))


def _floats(texts):
    return [float(parse_expression(t).to_sympy().evalf(30)) for t in texts]


RUNGE_KUTTA = [p for p in SCHEMES if load_scheme(p).kind == "runge-kutta"]


@pytest.mark.parametrize("path", RUNGE_KUTTA, ids=lambda p: p.stem)
def test_generated_step_agrees_with_a_generic_reference_step_to_rounding(path):
    module = module_for(path)
    scheme = module.SCHEME
    a = [_floats(row) for row in scheme["a"]]
    b = _floats(scheme["b"])
    f = Logistic()
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    explicit = scheme["classification"] == "explicit"
    step = cls(f, 0.3) if explicit else cls(f, 0.3, iterations=5)
    with torch.no_grad():
        ours = step(Y0)
        theirs = reference_step(a, b, f, Y0, 0.3, 5)
    assert torch.allclose(ours, theirs, rtol=1e-13, atol=1e-15)


def reference_jacobi_step(a, b, f, y, h, iterations):
    """Like reference_step, but every stage of a sweep from the previous sweep's values."""
    s = len(b)
    ks = [f(y) for _ in range(s)]
    for _ in range(iterations):
        stages = [
            y + h * sum((a[i][j] * ks[j] for j in range(s)), torch.zeros_like(y)) for i in range(s)
        ]
        ks = [f(stage) for stage in stages]
    return y + h * sum((b[i] * ks[i] for i in range(s)), torch.zeros_like(y))


@pytest.mark.parametrize("path", RUNGE_KUTTA, ids=lambda p: p.stem)
def test_scheme_floats_are_the_exact_coefficients_rounded(path):
    scheme = module_for(path).SCHEME
    floats = scheme["floats"]
    assert floats["a"] == [_floats(row) for row in scheme["a"]]
    assert floats["b"] == _floats(scheme["b"])
    assert floats["c"] == _floats(scheme["c"])
    if scheme["b_hat"] is not None:
        assert floats["b_hat"] == _floats(scheme["b_hat"])


IMPLICIT = [
    p
    for p in RUNGE_KUTTA
    if load_scheme(p).kind == "runge-kutta" and module_for(p).SCHEME["classification"] != "explicit"
]


@pytest.mark.parametrize("path", IMPLICIT, ids=lambda p: p.stem)
def test_jacobi_sweeps_agree_with_a_generic_jacobi_reference(path):
    module = module_for(path)
    scheme = module.SCHEME
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    f = Logistic()
    with torch.no_grad():
        ours = cls(f, 0.3, iterations=4, sweeps="jacobi")(Y0)
        theirs = reference_jacobi_step(scheme["floats"]["a"], scheme["floats"]["b"], f, Y0, 0.3, 4)
    assert torch.allclose(ours, theirs, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("path", IMPLICIT, ids=lambda p: p.stem)
def test_gauss_seidel_and_jacobi_sweeps_converge_to_the_same_stages(path):
    """On a contractive problem (h L < 1/||A||) both sweeps reach the one fixed point."""
    module = module_for(path)
    scheme = module.SCHEME
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    f = Logistic()
    with torch.no_grad():
        gauss_seidel = cls(f, 0.2, iterations=60)(Y0)
        jacobi = cls(f, 0.2, iterations=60, sweeps="jacobi")(Y0)
    assert torch.allclose(gauss_seidel, jacobi, rtol=1e-14, atol=1e-15)


def test_an_unknown_sweep_order_is_refused():
    module = module_for(ROOT / "tableaus" / "gl2.toml")
    with pytest.raises(ValueError, match="sweeps must be"):
        module.Gl2Step(Logistic(), sweeps="red-black")


def test_jacobi_and_gauss_seidel_sweeps_differ_before_convergence():
    module = module_for(ROOT / "tableaus" / "gl2.toml")
    with torch.no_grad():
        jacobi = module.Gl2Step(Logistic(), 0.3, iterations=2, sweeps="jacobi")(Y0)
        gauss_seidel = module.Gl2Step(Logistic(), 0.3, iterations=2)(Y0)
    assert not torch.equal(jacobi, gauss_seidel)


EMBEDDED = [p for p in RUNGE_KUTTA if load_scheme(p).b_hat is not None]


@pytest.mark.parametrize("path", EMBEDDED, ids=lambda p: p.stem)
def test_embedded_error_estimate_shrinks_at_the_embedded_order(path):
    module = module_for(path)
    scheme = module.SCHEME
    expected = min(scheme["order"], scheme["embedded_order"]) + 1  # local error of the pair
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    hs = [0.4, 0.3, 0.2, 0.15]
    with torch.no_grad():
        sizes = [float(cls(Logistic(), h).step_with_error(Y0)[1].abs().max()) for h in hs]
    slope, _ = np.polyfit(np.log(hs), np.log(sizes), 1)
    assert abs(slope - expected) < 0.3, sizes


class Tagged(torch.nn.Module):
    """sin(y), recording its tag in ``calls`` when it runs."""

    def __init__(self, tag: int, calls: list[int]) -> None:
        super().__init__()
        self.tag = tag
        self.calls = calls

    def forward(self, y):
        self.calls.append(self.tag)
        return torch.sin(y)


@pytest.mark.parametrize("path", EMBEDDED, ids=lambda p: p.stem)
def test_forward_of_a_pair_is_the_next_state_of_step_with_error(path):
    module = module_for(path)
    step = getattr(module, f"{class_prefix(module.SCHEME['name'])}Step")(Logistic(), 0.3)
    with torch.no_grad():
        assert torch.equal(step(Y0), step.step_with_error(Y0)[0])


def test_forward_skips_a_stage_that_only_the_error_estimate_uses():
    """Bogacki–Shampine 3(2) is FSAL: b_4 = 0 and no stage reads k_4."""
    module = module_for(ROOT / "tableaus" / "bs32.toml")
    calls = []
    step = module.Bs32Step([Tagged(i, calls) for i in (1, 2, 3, 4)], 0.1)
    step(Y0)
    assert calls == [1, 2, 3]
    calls.clear()
    step.step_with_error(Y0)
    assert calls == [1, 2, 3, 4]


def test_gradcheck_passes_on_a_generated_step():
    module = module_for(ROOT / "tableaus" / "rk4.toml")
    step = module.Rk4Step(Rotation(), 0.25)
    y = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(step, (y,))


def test_per_stage_functions_are_used_one_per_stage():
    module = module_for(ROOT / "tableaus" / "heun.toml")
    calls = []
    module.HeunStep([Tagged(1, calls), Tagged(2, calls)])(Y0)
    assert calls == [1, 2]
    with pytest.raises(ValueError, match="expected 2 stage functions"):
        module.HeunStep([Tagged(1, calls)])


def test_an_nn_sequential_is_one_f_shared_by_every_stage():
    """A user's nn.Sequential is a residual function, not a list of stage functions."""
    module = module_for(ROOT / "tableaus" / "rk4.toml")
    torch.manual_seed(0)
    f = torch.nn.Sequential(*[torch.nn.Linear(3, 3).double() for _ in range(4)])
    step = module.Rk4Step(f, 0.1)
    assert step.stage1 is f and step.stage4 is f
    with torch.no_grad():
        reference = reference_step(
            module.SCHEME["floats"]["a"], module.SCHEME["floats"]["b"], f, Y0, 0.1, 1
        )
        assert torch.allclose(step(Y0), reference, rtol=1e-14, atol=1e-15)
    per_stage = module.Rk4Step(torch.nn.ModuleList(list(f)), 0.1)
    assert per_stage.stage1 is f[0] and per_stage.stage4 is f[3]


@pytest.mark.parametrize(
    "name, cls", [("rk4", "Rk4Step"), ("gl2", "Gl2Step"), ("dopri5", "Dopri5Step")]
)
def test_steps_script_with_torchscript_and_give_identical_outputs(name, cls):
    step = getattr(module_for(ROOT / "tableaus" / f"{name}.toml"), cls)(Logistic(), 0.1)
    scripted = torch.jit.script(step)
    assert torch.equal(scripted(Y0), step(Y0))


@pytest.mark.parametrize(
    "name, cls", [("lm_resnet", "LmResnetNet"), ("bdf3", "Bdf3Net"), ("am2", "Am2Net")]
)
def test_multistep_nets_script_with_torchscript_and_give_identical_outputs(name, cls):
    net = getattr(module_for(ROOT / "tableaus" / f"{name}.toml"), cls)([Logistic()] * 6, 0.1)
    scripted = torch.jit.script(net)
    assert torch.equal(scripted(Y0), net(Y0))
    history = [Y0 + 0.01 * j for j in range(net.starters.__len__() + 1)]
    assert torch.equal(scripted.from_history(history), net.from_history(history))


def test_lm_resnet_learns_one_k_per_step_kept_in_the_zero_stable_interval():
    module = module_for(ROOT / "tableaus" / "lm_resnet.toml")
    net = module.LmResnetNet([Logistic()] * 5)
    assert [name for name, _ in net.named_parameters()] == ["raw_k"]
    assert net.raw_k.shape == (4,)  # steps after the Euler starter
    with torch.no_grad():
        net.raw_k.fill_(50.0)
    assert float(net.k_values().detach().max()) <= 1.0  # tanh onto (-1, 1)
    free = module.LmResnetNet([Logistic()] * 5, constrain=False)
    with torch.no_grad():
        free.raw_k.fill_(3.0)
    assert float(free.k_values().detach().max()) == 3.0


def test_lm_resnet_at_k_zero_is_forward_euler():
    module = module_for(ROOT / "tableaus" / "lm_resnet.toml")
    f = Logistic()
    net = module.LmResnetNet([f] * 4, h=0.1)
    y = Y0
    for _ in range(4):
        y = y + 0.1 * f(y)
    assert torch.allclose(net(Y0), y, rtol=1e-14)


def test_compile_output_is_deterministic_and_generated_is_up_to_date(capsys, tmp_path):
    path = ROOT / "tableaus" / "dopri5.toml"
    first = generated_text(path)[2]
    second = generated_text(path)[2]
    assert first == second
    assert main(["compile", "--check", str(ROOT / "tableaus"), "-o", str(GENERATED)]) == 0


def _ruff() -> str:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    return ruff


def test_generated_code_is_formatted_and_lint_clean(tmp_path):
    """Without its ``# fmt: off``, every module is laid out as ruff formats it at the
    repository's settings (100 columns); with it, as committed, ruff check passes."""
    ruff = _ruff()
    for module in GENERATED.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        if module.name != "__init__.py":
            assert text.count("\n# fmt: off\n") == 1, module.name
        (tmp_path / module.name).write_text(text.replace("\n# fmt: off\n", "\n"), "utf-8")
    settings = ["--config", str(ROOT / "pyproject.toml"), "--no-cache"]
    for command in (
        [ruff, "format", "--check", *settings, str(tmp_path)],
        [ruff, "check", "generated"],
    ):
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


def test_generated_modules_pass_ruff_at_its_default_88_columns_in_a_users_repository(tmp_path):
    """The issue's case: in a repository with ruff's defaults (88 columns), ``ruff format
    --check`` and ``ruff check`` pass on every module."""
    ruff = _ruff()
    users = tmp_path / "project" / "generated"
    users.mkdir(parents=True)
    for module in GENERATED.glob("*.py"):
        shutil.copy(module, users / module.name)
    for args in (
        ["format", "--check", "--line-length", "88"],
        ["check", "--line-length", "88"],
    ):
        done = subprocess.run(
            [ruff, *args, "--isolated", "--no-cache", "generated"],
            cwd=users.parent,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr


HOSTILE = [
    "quote \" and 'single' and \"\"\"triple\"\"\" and '''triple'''",
    "backslash \\ at the end \\",
    "newline\nsecond line\r\nthird\u2028fourth",
    "ünïcödé — ∑ 𝔽",
    '"""); import os; os.system("echo pwned") #',
    # Trojan Source: a bidi override and isolate, zero-width characters, a terminal escape
    "access = \u202e user \u2066 admin \u2069 \u200b\u200d\ufeff \x1b]0;title\x07 \x1b[31m",
    "trailing spaces   \nand a tab\t",
]

_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_titles_and_descriptions_cannot_break_out_of_the_generated_source(text, tmp_path):
    title = text.replace("\n", " ").replace("\r", " ").replace("\u2028", " ")
    toml_text = (
        'name = "hostile"\nkind = "runge-kutta"\norder = 1\n'
        f"title = {_toml_string(title)}\ndescription = {_toml_string(text)}\n"
        f"references = [{_toml_string(text)}]\n"
        '[tableau]\na = [[]]\nb = ["1"]\n'
    )
    source = tmp_path / "hostile.toml"
    source.write_text(toml_text, encoding="utf-8")
    assert main(["compile", str(source), "-o", str(tmp_path / "out")]) == 0
    generated = tmp_path / "out" / "hostile.py"
    module = load_module(generated, "hostile_module")
    assert module.SCHEME["title"] == title
    assert title.strip() in module.__doc__ or "\\" in title
    assert hasattr(module, "HostileStep") and not hasattr(module, "os")
    written = generated.read_text(encoding="utf-8")
    compile(written, str(generated), "exec")
    assert not _HIDDEN.search(written), "a hidden character reached the generated source"
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if Path(ruff).exists():
        for args in (["format", "--check", str(generated)], ["check", str(generated)]):
            done = subprocess.run([ruff, *args], capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stdout + done.stderr


def _toml_string(text: str) -> str:
    """A TOML basic string of ``text``: backslash and quote escaped, every control and line
    separator written as a \\u escape."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def test_a_hand_edited_module_is_not_overwritten_without_force(tmp_path, capsys):
    source = ROOT / "tableaus" / "euler.toml"
    out = tmp_path / "out"
    assert main(["compile", str(source), "-o", str(out)]) == 0
    target = out / "euler.py"
    assert not is_hand_edited(target.read_text(encoding="utf-8"))
    target.write_text(target.read_text(encoding="utf-8") + "# my change\n", encoding="utf-8")
    assert main(["compile", str(source), "-o", str(out)]) == 2
    assert "edited by hand" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8").endswith("# my change\n")
    assert main(["compile", str(source), "-o", str(out), "--force"]) == 0
    assert not target.read_text(encoding="utf-8").endswith("# my change\n")


def test_compile_refuses_a_scheme_that_fails_its_check(tmp_path, capsys):
    source = tmp_path / "bad.toml"
    source.write_text(
        'name = "bad"\nkind = "runge-kutta"\norder = 2\n[tableau]\na = [[]]\nb = [1]\n'
    )
    assert main(["compile", str(source), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out" / "bad.py").exists()
    assert "FAIL" in capsys.readouterr().out


def test_compile_does_not_import_torch():
    code = (
        "import sys; from tableau_compiler.cli import main; "
        f"main(['compile', '--check', {str(ROOT / 'tableaus')!r}, '-o', {str(GENERATED)!r}]); "
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().endswith("False")


@pytest.mark.parametrize(
    "name, cls", [("rk4", "Rk4ResNet"), ("lm_resnet", "LmResnetResNet"), ("gl2", "Gl2ResNet")]
)
def test_resnets_run_forward_and_backward_and_script(name, cls):
    torch.manual_seed(0)
    model = getattr(module_for(ROOT / "tableaus" / f"{name}.toml"), cls)(depth=2, widths=(4, 8))
    x = torch.randn(2, 3, 8, 8)
    out = model(x)
    assert out.shape == (2, 10)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
    model.eval()
    scripted = torch.jit.script(model)
    assert torch.allclose(scripted(x), model(x), atol=1e-6)


def test_checkpointing_gives_the_same_gradients_as_without():
    module = module_for(ROOT / "tableaus" / "rk4.toml")
    torch.manual_seed(0)
    plain = module.Rk4ResNet(depth=1, widths=(4, 8))
    recomputed = module.Rk4ResNet(depth=1, widths=(4, 8), checkpoint=True)
    recomputed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    plain(x).square().sum().backward()
    recomputed(x).square().sum().backward()
    for a, b in zip(plain.parameters(), recomputed.parameters()):
        assert torch.allclose(a.grad, b.grad, rtol=1e-5, atol=1e-6)


def test_shared_weights_use_one_residual_function_per_stage():
    module = module_for(ROOT / "tableaus" / "rk4.toml")
    separate = module.Rk4ResNet(depth=3, widths=(4, 8))
    shared = module.Rk4ResNet(depth=3, widths=(4, 8), share_weights=True)
    block = sum(p.numel() for p in module.PreActivationBlock(4).parameters())
    block += sum(p.numel() for p in module.PreActivationBlock(8).parameters())
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert count(separate) - count(shared) == 2 * block
