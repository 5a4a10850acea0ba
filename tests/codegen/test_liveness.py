"""A generated explicit step keeps a stage value only while a later stage still reads it.

Stage i reads k_j when a_ij != 0; the step adds k_j into y_next (and the error
estimate) as soon as it exists.  So when f is evaluated for stage i, the k_j still
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


@pytest.mark.parametrize("path", EXPLICIT, ids=lambda p: p.stem)
def test_each_stage_value_lives_only_until_its_last_reader(path: Path):
    module = load_module(GENERATED / f"{path.stem}.py")
    scheme = module.SCHEME
    a = scheme["floats"]["a"]
    s = scheme["stages"]
    cls = getattr(module, f"{class_prefix(scheme['name'])}Step")
    y = torch.tensor([0.2, 0.5, 0.7], dtype=torch.float64)
    skipped = set(scheme["error_only_stages"])
    methods = [("forward", [i for i in range(s) if i + 1 not in skipped])]
    if scheme["b_hat"] is not None:
        methods.append(("step_with_error", list(range(s))))
    for method, evaluated in methods:
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
