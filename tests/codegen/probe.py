"""Reading back the coefficients a generated module computes with, by running it.

Stage j of a probed Runge–Kutta step returns the unit vector e_j whatever its input, and
records that input.  With y = 0 and h = 1, stage i's input is then Σ_j a_ij e_j, y_next is
Σ_i b_i e_i and the error estimate Σ_i (b_i − b̂_i) e_i: every coordinate holds exactly one
term, so the vectors are exactly the float64 coefficients the step uses (0 + 1·c = c, no
rounding).  A multistep net is probed the same way, with unit vectors as its states and
f-values.  The exact values to compare with come straight from the parsed scheme.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy
import torch
from torch import Tensor, nn

from tableau_compiler.expression import Expression


class UnitOutput(nn.Module):
    """f(x) = e_index (x ignored; recorded).  ``later``: the index returned after the first
    ``first`` calls (a multistep net's implicit iterations call the last f again)."""

    def __init__(self, index: int, size: int, later: int | None = None, first: int = 1) -> None:
        super().__init__()
        self.index, self.size, self.later, self.first = index, size, later, first
        self.inputs: list[Tensor] = []

    def forward(self, x: Tensor) -> Tensor:
        early = len(self.inputs) < self.first
        index = self.index if early or self.later is None else self.later
        self.inputs.append(x.detach().clone())
        out = torch.zeros(self.size, dtype=torch.float64)
        out[index] = 1.0
        return out


def runge_kutta_coefficients(cls: type, stages: int, *, implicit: bool, error: bool):
    """(A rows (None for a stage never evaluated), b, b − b̂ or None) as a step computes them."""
    fs = [UnitOutput(j, stages) for j in range(stages)]
    extra = {"iterations": 1} if implicit else {}
    step = cls(fs, 1.0, **extra)
    y = torch.zeros(stages, dtype=torch.float64)
    with torch.no_grad():
        b = step(y).tolist()
        difference = step.step_with_error(y)[1].tolist() if error else None
    a = [f.inputs[-1].tolist() if f.inputs else None for f in fs]
    return a, b, difference


def multistep_coefficients(cls: type, steps: int, explicit_f: bool, **kwargs: Any):
    """(c_j = −α_j/α_k for j < k, d_j = β_j/α_k for j ≤ k) as a net computes them, one step
    from k given states.  ``explicit_f``: some β_j (j < k) is not zero, so the net evaluates
    F_{k-1} before its implicit iterations call the same f."""
    k = steps
    size = 2 * k + 1
    last = {"later": 2 * k, "first": 1 if explicit_f else 0}
    fs = [UnitOutput(k + j, size, **(last if j == k - 1 else {})) for j in range(k)]
    extra = {"iterations": 1} if "iterations" in cls.__init__.__code__.co_varnames else {}
    net = cls(fs, 1.0, **extra, **kwargs)
    states = [torch.nn.functional.one_hot(torch.tensor(j), size).double() for j in range(k)]
    with torch.no_grad():
        out = net.from_history(states).tolist()
    return out[:k], out[k : 2 * k] + [out[2 * k]]


def exact_value(expression: Expression, values: dict[str, Any] | None = None) -> Any:
    """The exact value of a coefficient (parameters at ``values``): a Fraction or sympy."""
    rational = expression.rational(
        {n: v for n, v in (values or {}).items() if isinstance(v, Fraction)}
    )
    if rational is not None:
        return rational
    symbols = {n: sympy.Symbol(n, real=True) for n in expression.names}
    substitution = {
        symbols[n]: sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else v
        for n, v in (values or {}).items()
        if n in symbols
    }
    return expression.to_sympy(symbols).xreplace(substitution)


def rounded(value: Any) -> float:
    """float64 nearest to an exact value: Fraction → float rounds correctly; any other
    value is evaluated to 120 digits first (irrational, so never a tie)."""
    if isinstance(value, (int, Fraction)):
        return float(Fraction(value))
    if getattr(value, "is_Rational", False):
        return float(Fraction(int(value.p), int(value.q)))
    approximation = sympy.Rational(sympy.N(value, 120))
    return float(Fraction(int(approximation.p), int(approximation.q)))


def parameter_values(scheme) -> dict[str, Any]:
    """Each parameter's exact value (Fraction when rational)."""
    values: dict[str, Any] = {}
    for p in scheme.parameters:
        rational = p.value.rational()
        values[p.name] = rational if rational is not None else p.value.to_sympy()
    return values
