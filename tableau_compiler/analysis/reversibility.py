"""Which compiled steps can be run backwards, and how (issue 14: reversible networks).

A step whose input can be rebuilt from its output needs no stored activations in training:
the backward pass rebuilds each step's input and recomputes the step (Gomez et al., "The
reversible residual network", NeurIPS 2017; Chang et al., "Reversible architectures for
arbitrarily deep residual neural networks", AAAI 2018).  Judged here, exactly, for the step
``tabc compile`` emits:

* **Runge–Kutta** steps y_1 = y_0 + h Σ b_i f(Y_i): y_0 enters through f, so y_0 from y_1 is
  an implicit equation (the adjoint step, HNW II.8); no explicit inverse.
* **Partitioned pairs** on separable systems q' = f(p), p' = g(q): invertible when the pair is
  explicit for separable systems, symplectic for them, and its reverse plan
  (:func:`.partitioned_inverse.inverse_plan`) evaluates the stages one after another -- the
  compositions of kicks and drifts (symplectic Euler = RevNet, Störmer–Verlet, Ruth's and
  Forest–Ruth's splittings), undone stage by stage in reverse order, exactly.
* **Linear multistep** nets Σ_j α_j u_{n+j} = h Σ_j β_j f(u_{n+j}) (HNW III.2): the compiled
  step is explicit when β_k = 0; then u_n is rebuilt from u_{n+1} .. u_{n+k} by

      u_n = ( h Σ_{j=1}^{k-1} β_j f(u_{n+j}) − Σ_{j=1}^{k} α_j u_{n+j} ) / α_0,

  which needs β_0 = 0 (else u_n enters through f(u_n)) and α_0 ≠ 0.  This is the same scheme
  read backwards (α_j, β_j → α_{k−j}, β_{k−j}).  An implicit scheme (β_k ≠ 0) is not
  invertible as compiled: its step is a fixed number of fixed-point sweeps, whose result is
  not the scheme's solution, so the scheme's inverse does not undo it.

**Rounding.**  The backward recurrence has the characteristic polynomial ρ read backwards:
its roots are 1/ζ_i for the roots ζ_i of ρ, so a rounding error in the rebuilt states grows
by max_i 1/|ζ_i| per undone step.  For a consistent two-step scheme with α_2 = 1, ρ(ζ) =
(ζ − 1)(ζ − α_0) and the growth is max(1, 1/|α_0|) per step, 1/|α_0|^n over n steps
(LM-ResNet: α_0 = −k_n).  :data:`MAX_AMPLIFICATION` is the bound the compiled nets keep it
under (see the generated ``Net``'s ``reversible`` argument).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..scheme import ButcherTableau, MultistepScheme, PartitionedTableau

__all__ = ["MAX_AMPLIFICATION", "Reversibility", "reversibility"]

MAX_AMPLIFICATION = 100.0
"""The default bound on Π 1/|α_0/α_k| over a run of undone multistep steps: a step that would
push the product of a run past it stores its input instead (and the run starts again).  With it
a rebuilt state carries at most 100 times the rounding of the stored output (about 1e-5
relative in float32, 1e-14 in float64); every step with |α_0/α_k| < 1/100 is stored."""


@dataclass(frozen=True)
class Reversibility:
    """Whether the compiled step is algebraically invertible, and how.

    ``invertible``: the generated module offers ``inverse`` and ``reversible=True``.
    ``how``: the reconstruction in words (None when not invertible); ``reason``: why not
    (None when invertible).  Partitioned pairs: ``order`` is the evaluation order of the
    inverse (``("Q1", "P1")``).  Multistep nets: ``alpha0`` is α_0's text, ``growth`` the
    per-step rounding growth bound |α_k/α_0| (exact text when it is a constant, else the
    expression), ``depends_on`` the learnable parameters α_0 depends on (the reconstruction
    then holds where α_0 ≠ 0), ``zero_at_values`` whether α_0 vanishes at the parameters'
    initial values (the net then stores those steps until training moves them).
    """

    invertible: bool
    how: str | None = None
    reason: str | None = None
    order: tuple[str, ...] | None = None
    alpha0: str | None = None
    growth: str | None = None
    depends_on: tuple[str, ...] = ()
    zero_at_values: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"invertible": self.invertible}
        if self.invertible:
            data["how"] = self.how
        else:
            data["reason"] = self.reason
        if self.order is not None:
            data["inverse_order"] = list(self.order)
        if self.alpha0 is not None:
            data.update(
                alpha0=self.alpha0,
                growth_per_step=self.growth,
                depends_on=list(self.depends_on),
                zero_at_parameter_values=self.zero_at_values,
                max_amplification=MAX_AMPLIFICATION,
            )
        return data

    def words(self) -> str:
        """One line for ``tabc info``."""
        if not self.invertible:
            return f"no: {self.reason}"
        text = f"yes: {self.how}"
        if self.alpha0 is not None:
            text += f"; rounding grows by at most |α_k/α_0| = {self.growth} per undone step"
            if self.depends_on:
                text += (
                    f"; α_0 depends on {', '.join(self.depends_on)}: steps where it is 0, or where"
                    f" the growth of a run would pass {MAX_AMPLIFICATION:g}, store their input"
                )
            if self.zero_at_values:
                text += " (α_0 = 0 at the initial value: stored until training moves it)"
        return text


RUNGE_KUTTA_REASON = (
    "a Runge–Kutta step gives y_n from y_{n+1} only by solving an implicit equation "
    "(y_n enters through f)"
)


def reversibility(scheme: Any, analysis: Any = None) -> Reversibility:
    """The :class:`Reversibility` of the step ``tabc compile`` emits for ``scheme``.

    ``analysis``: the scheme's analysis (:func:`~tableau_compiler.analysis.analyse`), needed
    for partitioned pairs (their symplecticity for separable systems); computed when None.
    """
    if isinstance(scheme, ButcherTableau):
        return Reversibility(False, reason=RUNGE_KUTTA_REASON)
    if isinstance(scheme, PartitionedTableau):
        return partitioned_reversibility(scheme, analysis)
    if isinstance(scheme, MultistepScheme):
        return multistep_reversibility(scheme)
    raise TypeError(f"not a scheme: {type(scheme).__name__}")


def partitioned_reversibility(scheme: PartitionedTableau, analysis: Any = None) -> Reversibility:
    """Invertible iff explicit and symplectic for separable systems with an explicit reverse
    plan (the rule of the generated ``inverse``: HLW §VI.3-4; Abia & Sanz-Serna 1993)."""
    from .partitioned_inverse import inverse_plan

    if analysis is None:
        from . import analyse

        analysis = analyse(scheme)
    if analysis.structure.separable_evaluation is None:
        return Reversibility(False, reason="the pair is implicit for separable systems")
    if not analysis.symplectic_for_separable:
        return Reversibility(False, reason="the pair is not symplectic")
    plan = inverse_plan(scheme)
    if plan is None:
        return Reversibility(
            False,
            reason="its reverse plan reads its stage values in a cycle (it would be implicit)",
        )
    order = tuple(f"{v.name}{v.index + 1}" for v in plan.values if v.index is not None)
    how = (
        "separable systems q' = f(p), p' = g(q): the stages undone in reverse order "
        f"({', '.join(order)}), then q = q_1 - h Σ b_j f(P_j), p = p_1 - h Σ b̂_j g(Q_j), "
        "exact up to rounding"
    )
    return Reversibility(True, how=how, order=order)


def multistep_reversibility(scheme: MultistepScheme) -> Reversibility:
    """Invertible iff β_k = 0 (the compiled step is explicit), β_0 = 0 and α_0 ≠ 0, each
    decided exactly: identically in the learnable parameters with the fixed ones at their
    values (:func:`~.vanishing.vanishes`, with bounded work; a β that it leaves undecided
    counts as non-zero, so such a scheme is reported not invertible, with that reason).
    α_0 may depend on learnable parameters; the reconstruction then holds where α_0 ≠ 0,
    and the net decides per step at run time."""
    from .vanishing import MAX_VANISHING_WORK, vanishes

    learnable = {p.name for p in scheme.parameters if p.learnable}
    fixed = {p.name: p.value for p in scheme.parameters if not p.learnable}

    def zero(expression: Any) -> bool | None:
        return vanishes([(1, expression)], learnable, fixed)

    undecided = (
        f"whether {{}} vanishes for every value of the learnable parameters is undecided: its "
        f"evaluation on the grid that decides it passes {MAX_VANISHING_WORK:,} units of work "
        "(or a square root holds a parameter); the step is treated as not invertible"
    )
    k = scheme.steps
    beta_k = zero(scheme.beta[k])
    if beta_k is None:
        return Reversibility(False, reason=undecided.format(f"β_{k}"))
    if not beta_k:
        return Reversibility(
            False,
            reason=(
                f"implicit (β_{k} ≠ 0): the compiled step is a fixed number of fixed-point "
                "sweeps, which the scheme read backwards does not undo"
            ),
        )
    beta_0 = zero(scheme.beta[0])
    if beta_0 is None:
        return Reversibility(False, reason=undecided.format("β_0"))
    if not beta_0:
        return Reversibility(
            False,
            reason="β_0 ≠ 0: u_n enters through f(u_n), so u_n from the later states is implicit",
        )
    if zero(scheme.alpha[0]):
        return Reversibility(
            False, reason="α_0 = 0: u_n does not enter the step and cannot be recovered"
        )
    depends = tuple(sorted(scheme.alpha[0].names & learnable))
    values = {p.name: p.value for p in scheme.parameters}
    how = (
        f"u_n = (h Σ_{{j=1}}^{{{k - 1}}} β_j f(u_{{n+j}}) − Σ_{{j=1}}^{{{k}}} α_j u_{{n+j}}) / α_0 "
        "(the scheme read backwards)"
    )
    return Reversibility(
        True,
        how=how,
        alpha0=scheme.alpha[0].text,
        growth=_growth_text(scheme, learnable),
        depends_on=depends,
        zero_at_values=bool(depends) and vanishes([(1, scheme.alpha[0])], (), values) is True,
    )


SIMPLIFIED_DEGREE = 8
"""Largest degree bound (numerator plus denominator, in the learnable parameters and pi) of
α_k/α_0 that the report simplifies with sympy; above it, or for numbers of more than
:data:`SIMPLIFIED_BITS` bits, it shows the quotient as written."""

SIMPLIFIED_BITS = 2_000


def _growth_text(scheme: MultistepScheme, learnable: set[str]) -> str:
    """|α_k/α_0| as text: simplified by sympy where small, else the quotient as written
    (bounded: :func:`~.values.bounded`)."""
    import sympy

    from ..expression import Product
    from .values import EXACT_TEXT_LIMIT, bounded, sympy_text
    from .vanishing import PI, degree_bound, evaluation_bits

    k = scheme.steps
    quotient = Product(((1, scheme.alpha[k].tree), (-1, scheme.alpha[0].tree)))
    fixed = {p.name: p.value.tree for p in scheme.parameters if p.name not in learnable}
    try:
        degree = degree_bound(quotient, {*learnable, PI})
        small = degree.numerator + degree.denominator <= SIMPLIFIED_DEGREE
    except ValueError:
        small = False
    if small and evaluation_bits(quotient, fixed) <= SIMPLIFIED_BITS:
        symbols = {n: sympy.Symbol(n, real=True) for n in learnable}
        substitution = {
            sympy.Symbol(n, real=True): value.to_sympy() for n, value in
            ((p.name, p.value) for p in scheme.parameters if p.name not in learnable)
        }  # fmt: skip

        def exact(expression: Any) -> Any:
            return sympy.sympify(expression.to_sympy(symbols)).xreplace(substitution)

        ratio = sympy.simplify(exact(scheme.alpha[k]) / exact(scheme.alpha[0]))
        text = sympy_text(sympy.simplify(sympy.Abs(ratio)))
        text = re.sub(r"Abs\(([^()]*)\)", r"|\1|", text)
        if len(text) <= 4 * EXACT_TEXT_LIMIT:
            return text
    shown = f"({scheme.alpha[k].text})/({scheme.alpha[0].text})"
    return "|" + bounded(shown, 4 * EXACT_TEXT_LIMIT) + "|"
