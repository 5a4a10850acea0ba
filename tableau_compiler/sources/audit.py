"""``tabc audit``: each tableau a source file holds, its declarations against what tabc decides.

One record per tableau: the source's name and line, stages, the orders it declares and the
orders tabc decides (:func:`~.writer.decide_orders`), the sum of the error weights (must be 0:
an error estimator of a consistent pair), c against the row sums of A, and FSAL as the source
claims it.  A declaration is wrong when a declared order differs from the decided one, the
error weights do not sum to 0, the written c lowers the order, or a claimed FSAL property
does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..wording import count
from . import FoundTableau
from .writer import decide_orders

__all__ = ["AuditRecord", "audit_tableau"]


@dataclass(frozen=True)
class AuditRecord:
    path: str
    found: FoundTableau
    order: int
    embedded_order: int | None
    error_weight_sum: str | None
    """Σ e_i as text (exact, or decimals to the tolerance); None without error weights."""
    error_weight_sum_zero: bool | None
    c_differences: tuple[int, ...]
    fsal: bool
    tolerance: float | None
    findings: tuple[str, ...]
    """Why a declaration is wrong, one line each (empty when none is)."""

    @property
    def wrong(self) -> bool:
        return bool(self.findings)

    def to_dict(self) -> dict[str, Any]:
        found = self.found
        return {
            "file": self.path,
            "name": found.name,
            "line": found.line,
            "library": found.library,
            "stages": found.stages,
            "declared_order": found.declared_order,
            "declared_embedded_order": found.declared_embedded_order,
            "order": self.order,
            "embedded_order": self.embedded_order,
            "error_weight_sum": self.error_weight_sum,
            "error_weight_sum_zero": self.error_weight_sum_zero,
            "c_equals_row_sums": not self.c_differences,
            "c_differs_at_stages": list(self.c_differences),
            "fsal": self.fsal,
            "fsal_claimed": found.fsal_claimed,
            "tolerance": self.tolerance,
            "wrong": self.wrong,
            "findings": list(self.findings),
        }

    def line_text(self) -> str:
        """One line for a maintainer's issue: name, stages, declared and decided orders,
        Σe, c, FSAL, and the verdict."""
        found = self.found

        def pair(order: int | None, embedded: int | None) -> str:
            if order is None:
                return "none"
            return f"{order}({embedded})" if embedded is not None else str(order)

        declared = pair(found.declared_order, found.declared_embedded_order)
        if found.declared_order is None and found.declared_embedded_order is not None:
            declared = f"?({found.declared_embedded_order})"
        parts = [
            count(found.stages, "stage"),
            f"declared {declared}",
            f"decided {pair(self.order, self.embedded_order)}",
        ]
        if self.error_weight_sum is not None:
            parts.append(f"Σe = {self.error_weight_sum}")
        parts.append(
            "c = row sums"
            if not self.c_differences
            else f"c ≠ row sums at stage {', '.join(map(str, self.c_differences))}"
        )
        fsal = "FSAL" if self.fsal else "not FSAL"
        if found.fsal_claimed is not None:
            fsal += " (claimed)" if found.fsal_claimed else " (claimed not)"
        parts.append(fsal)
        verdict = "WRONG" if self.wrong else "ok   "
        text = f"{verdict} {self.path}:{found.line} {found.name}: {', '.join(parts)}"
        for finding in self.findings:
            text += f"\n      {finding}"
        return text


def _value(expression: Any) -> Fraction | None:
    return expression.rational()


def _is_fsal(scheme: Any) -> bool:
    """The first stage is f(t, y) and the last is f(t + h, y_new): a_1j = 0, a_sj = b_j."""
    a, b = scheme.a, scheme.b
    if any(_value(x) != 0 for x in a[0]):
        return False
    for x, y in zip(a[-1], b):
        vx, vy = _value(x), _value(y)
        if vx is None or vy is None:
            if x.text.replace(" ", "") != y.text.replace(" ", ""):
                return False
        elif vx != vy:
            return False
    return True


def _error_weight_sum(
    found: FoundTableau, scheme: Any, tolerance: float | None
) -> tuple[str, bool] | None:
    from ..analysis.values import Value, shown
    from ..expression import parse_expression

    if found.error_weights is None:
        return None
    values = [parse_expression(x.text) for x in found.error_weights]
    rationals = [x.rational() for x in values]
    if all(r is not None for r in rationals):
        total = sum(rationals, Fraction(0))  # type: ignore[arg-type]
        zero = total == 0 if tolerance is None else abs(total) <= Fraction(repr(tolerance))
        return shown(Value.of_fraction(total), tolerance), zero
    import sympy

    total_expr = sympy.nsimplify(sympy.Add(*(x.to_sympy() for x in values)))
    exact_zero = sympy.simplify(total_expr) == 0
    if exact_zero:
        return "0", True
    approx = Fraction(str(sympy.N(total_expr, 30)))
    zero = tolerance is not None and abs(approx) <= Fraction(repr(tolerance))
    return shown(Value.of_fraction(approx), tolerance or 1e-30), zero


def audit_tableau(found: FoundTableau, path: str) -> AuditRecord:
    """Decide ``found``'s orders and judge what its source declares (module docstring).

    Raises :class:`~tableau_compiler.errors.SchemeError` when its coefficients break the
    scheme format's limits.
    """
    decided = decide_orders(found, path)
    analysis: Any = decided.analysis
    scheme: Any = decided.scheme
    tolerance = analysis.tolerance
    findings: list[str] = []
    if found.declared_order is not None and decided.order != found.declared_order:
        findings.append(
            f"declared order {found.declared_order}, but the tableau has order {decided.order}"
            + (f" ({analysis.undecided})" if analysis.undecided else "")
        )
    if (
        found.declared_embedded_order is not None
        and decided.embedded_order != found.declared_embedded_order
    ):
        findings.append(
            f"declared embedded order {found.declared_embedded_order}, but the embedded "
            f"weights have order {decided.embedded_order}"
        )
    sums = _error_weight_sum(found, scheme, tolerance)
    if sums is not None and not sums[1]:
        findings.append(
            f"the error weights sum to {sums[0]}, not 0: the error estimate of u' = 1 is not "
            "zero, so the step size controller never trusts a step"
        )
    if analysis.c_failure is not None:
        findings.append(analysis.c_failure.message)
    fsal = _is_fsal(scheme)
    if found.fsal_claimed and not fsal:
        findings.append("claimed FSAL, but the last row of A is not b (or the first is not 0)")
    return AuditRecord(
        path=path,
        found=found,
        order=decided.order,
        embedded_order=decided.embedded_order,
        error_weight_sum=None if sums is None else sums[0],
        error_weight_sum_zero=None if sums is None else sums[1],
        c_differences=tuple(analysis.c_differences),
        fsal=fsal,
        tolerance=tolerance,
        findings=tuple(findings),
    )
