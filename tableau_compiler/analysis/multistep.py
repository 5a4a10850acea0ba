"""The analysis of a linear multistep method (HNW I.III.2–4).

ρ(ζ) = Σ α_j ζ^j and σ(ζ) = Σ β_j ζ^j.  The method is consistent when ρ(1) = 0 and
ρ'(1) = σ(1) ≠ 0.  When ρ(1) = 0 and ρ'(1), σ(1) are non-zero but differ, it is
consistent once the step is rescaled by σ(1)/ρ'(1) (β → β ρ'(1)/σ(1)); in a network
the step is absorbed into the learned residual function, so that is the case that
matters there (LM-ResNet).  Order p means C_0 = ... = C_p = 0 for

    C_q = Σ j^q α_j / q!  −  Σ j^(q−1) β_j / (q−1)!,

computed for the rescaled step, and the error constant is C_{p+1} / σ(1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import factorial
from typing import Any

from ..errors import CoefficientError
from ..scheme import MultistepScheme
from .arithmetic import Field, field_for
from .zero_stability import RootCondition, root_condition

__all__ = ["MultistepAnalysis", "analyse_multistep", "error_constants"]


@dataclass(frozen=True)
class ConstantLevel:
    """C_q: its exact value, its size and whether it counts as zero."""

    order: int
    value: str
    magnitude: float
    holds: bool


@dataclass(frozen=True)
class MultistepAnalysis:
    scheme: MultistepScheme
    domain: str
    tolerance: float | None
    explicit: bool
    rho: str
    sigma: str
    consistency: str
    """'consistent', 'consistent after rescaling the step', or why it is not."""
    consistent: bool
    step_factor: str | None
    """σ(1)/ρ'(1) when the step is rescaled, else None."""
    constants: tuple[ConstantLevel, ...]
    order: int
    error_constant: str | None
    error_constant_value: float | None
    zero_stability: RootCondition
    roots: tuple[str, ...] = ()
    parameter_regions: Any = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def failures(self) -> list[str]:
        reasons = []
        claimed = self.scheme.order
        if not self.consistent:
            reasons.append(f"not consistent: {self.consistency}")
        elif self.order < claimed:
            first = self.constants[self.order + 1]
            against = "not zero" if self.tolerance is None else f"above {self.tolerance:g}"
            reasons.append(
                f"order {self.order}, claimed {claimed}: C_{first.order} = {first.value} "
                f"(|C_{first.order}| {first.magnitude:.3g}, {against})"
            )
        if not self.zero_stability.holds:
            reasons.append(f"not zero-stable: {self.zero_stability.reason}")
        return reasons

    @property
    def passed(self) -> bool:
        return not self.failures


def _polynomial_text(field_: Field, coefficients: list[Any]) -> str:
    import sympy

    zeta = sympy.Symbol("ζ")
    return str(sympy.expand(sum(field_.to_sympy(c) * zeta**j for j, c in enumerate(coefficients))))


def error_constants(field_: Field, alpha: list[Any], beta: list[Any], highest: int) -> list[Any]:
    """C_0 .. C_highest of the method (α, β), exactly."""
    constants = []
    for q in range(highest + 1):
        total = sum((field_.rational(j**q, factorial(q)) * a for j, a in enumerate(alpha)),
                    field_.rational(0))  # fmt: skip
        if q >= 1:
            total -= sum(
                (field_.rational(j ** (q - 1), factorial(q - 1)) * b for j, b in enumerate(beta)),
                field_.rational(0),
            )
        constants.append(total)
    return constants


def consistency(
    field_: Field, alpha: list[Any], beta: list[Any], tolerance: float | None = None
) -> tuple[bool, str, Any | None]:
    """(consistent, in words, step factor σ(1)/ρ'(1) when a rescaling is needed).

    With a tolerance (approximate coefficients), a quantity at most the tolerance in
    absolute value counts as zero.
    """

    def negligible(x: Any) -> bool:
        return field_.is_zero(x) if tolerance is None else not field_.exceeds(x, tolerance)

    rho_1 = sum(alpha, field_.rational(0))
    rho_prime_1 = sum((field_.rational(j) * a for j, a in enumerate(alpha)), field_.rational(0))
    sigma_1 = sum(beta, field_.rational(0))
    if not negligible(rho_1):
        return False, f"rho(1) = {field_.text(rho_1)}, not 0", None
    if negligible(sigma_1):
        return False, "sigma(1) = 0", None
    if negligible(rho_prime_1):
        return False, "rho'(1) = 0", None
    if negligible(rho_prime_1 - sigma_1):
        return True, "consistent", None
    factor = field_.divide(sigma_1, rho_prime_1)
    return (
        True,
        f"consistent with the step rescaled by sigma(1)/rho'(1) = {field_.text(factor)}",
        factor,
    )


def analyse_multistep(scheme: MultistepScheme, *, full: bool = False) -> MultistepAnalysis:
    """Consistency, order, error constant and zero-stability at the parameter values."""
    values = {parameter.name: parameter.value for parameter in scheme.parameters}
    k = scheme.steps
    try:
        field_, elements = field_for([*scheme.alpha, *scheme.beta], values, quadratic=False)
    except CoefficientError as error:
        index = error.key[0] if error.key and isinstance(error.key[0], int) else None
        key = () if index is None else ("coefficients", *divmod(index, k + 1))
        if key:
            key = ("coefficients", "alpha" if key[1] == 0 else "beta", key[2])
        raise CoefficientError(error.message, key=key) from None
    alpha, beta = elements[: k + 1], elements[k + 1 :]
    tolerance = scheme.effective_tolerance if scheme.is_approximate else None

    consistent, in_words, factor = consistency(field_, alpha, beta, tolerance)
    if factor is not None:
        beta = [field_.divide(b, factor) for b in beta]
    highest = max(scheme.order, 2 * k) + 2
    constants = error_constants(field_, alpha, beta, highest)
    if tolerance is None:
        zero = [field_.is_zero(c) for c in constants]
    else:
        zero = [not field_.exceeds(c, tolerance) for c in constants]
    order = 0
    if consistent:
        while order + 1 < len(constants) and zero[order + 1]:
            order += 1
    levels = tuple(
        ConstantLevel(q, field_.text(c), field_.magnitude(c), z)
        for q, (c, z) in enumerate(zip(constants, zero))
    )
    error_constant = error_value = None
    if consistent and order + 1 < len(constants):
        sigma_1 = sum(beta, field_.rational(0))
        constant = field_.divide(constants[order + 1], sigma_1)
        error_constant, error_value = field_.text(constant), float(field_.to_sympy(constant))
    stability = root_condition(field_, alpha)
    warnings = []
    if consistent and order > scheme.order:
        warnings.append(f"the scheme reaches order {order}, above the claimed {scheme.order}")
    if factor is not None:
        warnings.append(in_words)
    roots: tuple[str, ...] = ()
    regions = None
    if full:
        roots = _roots(field_, alpha)
        if any(x.names for x in scheme.coefficients()):
            from .regions import multistep_regions

            regions = multistep_regions(scheme)
    return MultistepAnalysis(
        scheme=scheme,
        domain=field_.name,
        tolerance=tolerance,
        explicit=field_.is_zero(beta[-1]),
        rho=_polynomial_text(field_, alpha),
        sigma=_polynomial_text(field_, beta),
        consistency=in_words,
        consistent=consistent,
        step_factor=None if factor is None else field_.text(factor),
        constants=levels,
        order=order,
        error_constant=error_constant,
        error_constant_value=error_value,
        zero_stability=stability,
        roots=roots,
        parameter_regions=regions,
        warnings=tuple(warnings),
    )


def _roots(field_: Field, alpha: list[Any]) -> tuple[str, ...]:
    """The roots of ρ with multiplicities: exact for factors of degree <= 2, else numeric."""
    import sympy

    zeta = sympy.Symbol("zeta")
    rho = sympy.Poly([field_.to_sympy(a) for a in reversed(alpha)], zeta)
    shown = []
    for factor, multiplicity in rho.factor_list()[1]:
        if factor.degree() <= 2:
            roots = [
                sympy.nsimplify(r) if r.is_Rational else r
                for r in sympy.roots(factor, multiple=True)
            ]
        else:
            roots = factor.nroots(n=15)
        for root in roots:
            modulus = float(abs(sympy.N(root, 30)))
            text = f"{root} (|ζ| = {modulus:.6g})"
            shown.append(text + (f", multiplicity {multiplicity}" if multiplicity > 1 else ""))
    return tuple(shown)
