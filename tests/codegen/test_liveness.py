"""A generated explicit step evaluates exactly the stages its output needs, and keeps a stage
value only while a later stage still reads it.

``forward`` needs the stages with b_i != 0 and, recursively, the stages they read;
``step_with_error`` those with b_i != 0 or b_i - b̂_i != 0 and the stages they read.  A
stage nothing needs is never evaluated (a 16-row tableau whose last rows feed no weight
evaluates 12 stages).  Stage i reads k_j when a_ij != 0; the step adds k_j into y_next
(and the error estimate) as soon as it exists.  So when f is evaluated for stage i, the k_j still
alive must be exactly those with a reader r > i among the stages evaluated, and no
earlier stage input may be alive: everything else was deleted, and eager PyTorch has
freed it before f allocates again.  Measured under no_grad, where only the step's own
locals can hold a tensor.
"""

from __future__ import annotations

import weakref
from pathlib import Path

import pytest

from tableau_compiler.codegen.context import class_prefix
from tableau_compiler.compiler import generated_text
from tableau_compiler.parsing import load_scheme

from .conftest import GENERATED, ROOT, load_module, torch

EXPLICIT = [
    p
    for p in sorted((ROOT / "tableaus").glob("*.toml"))
    if load_scheme(p).kind == "runge-kutta"
    and load_module(GENERATED / f"{p.stem}.py").SCHEME["classification"] == "explicit"
]


class Witness(torch.nn.Module):
    """sin(x); before each evaluation, notes which earlier outputs and inputs are alive."""

    def __init__(self, y: torch.Tensor) -> None:
        super().__init__()
        self.y = y
        self.outputs: list[weakref.ref] = []
        self.inputs: list[weakref.ref | None] = []
        self.alive_outputs: list[set[int]] = []
        self.alive_inputs: list[set[int]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.alive_outputs.append({m for m, ref in enumerate(self.outputs) if ref() is not None})
        self.alive_inputs.append(
            {m for m, ref in enumerate(self.inputs) if ref is not None and ref() is not None}
        )
        # a stage input with no terms is y itself, which the caller holds
        self.inputs.append(None if x is self.y else weakref.ref(x))
        out = torch.sin(x)
        self.outputs.append(weakref.ref(out))
        return out


def expected_alive(a: list[list[float]], evaluated: list[int]) -> list[set[int]]:
    """Per evaluation n: the earlier evaluations m whose k some later evaluated stage reads."""
    alive = []
    for n, i in enumerate(evaluated):
        alive.append(
            {
                m
                for m, j in enumerate(evaluated[:n])
                if any(a[r][j] != 0 for r in evaluated if r > i)
            }
        )
    return alive


def needed(a: list[list[float]], weights: list[float]) -> list[int]:
    """The stages (0-based) an output Σ w_i k_i needs: w_i != 0, or a needed stage reads k_i."""
    s = len(weights)
    flags = [False] * s
    for i in reversed(range(s)):
        flags[i] = weights[i] != 0 or any(flags[r] and a[r][i] != 0 for r in range(i + 1, s))
    return [i for i in range(s) if flags[i]]


def evaluated_stages(scheme: dict) -> dict[str, list[int]]:
    """What each method must evaluate, from the tableau's floats alone."""
    floats = scheme["floats"]
    a, b = floats["a"], floats["b"]
    methods = {"forward": needed(a, b)}
    if floats["b_hat"] is not None:
        either = [x if x != 0 else x - y for x, y in zip(b, floats["b_hat"])]
        methods["step_with_error"] = needed(a, either)
    return methods


def assert_evaluates_exactly_the_needed_stages(module) -> None:
    scheme = module.SCHEME
    s = scheme["stages"]
    methods = evaluated_stages(scheme)
    with_error = methods.get("step_with_error", methods["forward"])
    assert scheme["error_only_stages"] == [i + 1 for i in with_error if i not in methods["forward"]]
    assert scheme["unused_stages"] == [i + 1 for i in range(s) if i not in with_error]
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    y = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)
    for method, evaluated in methods.items():
        calls: list[int] = []
        fs = [Counted(i, calls) for i in range(s)]
        with torch.no_grad():
            getattr(cls(fs, 0.1), method)(y)
        assert calls == evaluated, method


class Counted(torch.nn.Module):
    def __init__(self, index: int, calls: list[int]) -> None:
        super().__init__()
        self.index, self.calls = index, calls

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append(self.index)
        return torch.sin(x)


@pytest.mark.parametrize("path", EXPLICIT, ids=lambda p: p.stem)
def test_each_method_evaluates_exactly_the_stages_it_needs(path: Path):
    assert_evaluates_exactly_the_needed_stages(load_module(GENERATED / f"{path.stem}.py"))


UNUSED_STAGES = Path(__file__).resolve().parent / "fixtures" / "unused_stages.toml"


def test_stages_that_feed_no_weight_are_never_evaluated(tmp_path):
    """RK4, an FSAL stage 5 for a third-order estimate, and stages 6-8 that read earlier
    stages but that neither b nor b_hat weighs: forward evaluates 1-4, step_with_error 1-5."""
    _, analysis, source = generated_text(UNUSED_STAGES)
    assert source is not None, analysis.failures
    target = tmp_path / "unused_stages.py"
    target.write_text(source, encoding="utf-8")
    module = load_module(target, "unused_stages_module")
    assert module.SCHEME["error_only_stages"] == [5]
    assert module.SCHEME["unused_stages"] == [6, 7, 8]
    assert_evaluates_exactly_the_needed_stages(module)
    assert "self.stage6(" not in source and "k8" not in source
    check_lifetimes(module)


@pytest.mark.parametrize("path", EXPLICIT, ids=lambda p: p.stem)
def test_each_stage_value_lives_only_until_its_last_reader(path: Path):
    check_lifetimes(load_module(GENERATED / f"{path.stem}.py"))


def check_lifetimes(module) -> None:
    scheme = module.SCHEME
    a = scheme["floats"]["a"]
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    y = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)
    for method, evaluated in evaluated_stages(scheme).items():
        witness = Witness(y)
        with torch.no_grad():
            getattr(cls(witness, 0.1), method)(y)
        assert witness.alive_outputs == expected_alive(a, evaluated), method
        assert all(not alive for alive in witness.alive_inputs), method


def test_the_witness_sees_values_a_step_keeps():
    """The check can fail: a step that keeps every k shows them all alive."""

    class KeepsEverything(torch.nn.Module):
        def __init__(self, f: torch.nn.Module) -> None:
            super().__init__()
            self.f = f

        def forward(self, y: torch.Tensor) -> torch.Tensor:
            k1 = self.f(y)
            k2 = self.f(y + 0.5 * k1)
            k3 = self.f(y + 0.5 * k2)
            k4 = self.f(y + k3)
            return y + (k1 + 2 * k2 + 2 * k3 + k4) / 6

    y = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)
    witness = Witness(y)
    with torch.no_grad():
        KeepsEverything(witness)(y)
    assert witness.alive_outputs == [set(), {0}, {0, 1}, {0, 1, 2}]
    rk4 = [[0, 0, 0, 0], [0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0]]
    assert expected_alive(rk4, [0, 1, 2, 3]) == [set(), set(), set(), set()]
