"""The analysis of a linear multistep method (HNW I.III.2–4).

ρ(ζ) = Σ α_j ζ^j and σ(ζ) = Σ β_j ζ^j.  The method is consistent when ρ(1) = 0 and
ρ'(1) = σ(1) ≠ 0.  When ρ(1) = 0 and ρ'(1), σ(1) are non-zero but differ, it is
consistent once the step is rescaled by σ(1)/ρ'(1) (β → β ρ'(1)/σ(1)); in a network
the step is absorbed into the learned residual function, so that is the case that
matters there (LM-ResNet).  Order p means C_0 = ... = C_p = 0 for

    C_q = Σ j^q α_j / q!  −  Σ j^(q−1) β_j / (q−1)!,

computed for the rescaled step, and the error constant is C_{p+1} / σ(1).

For an approximate scheme every one of these is judged to its tolerance: a quantity
counts as zero when its absolute value is at most the tolerance, and the root condition
is judged as :mod:`.zero_stability` says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import factorial
from typing import Any

from ..errors import CoefficientError
from ..scheme import MultistepScheme
from .arithmetic import Field, field_for
from .values import (
    EXACT_TEXT_LIMIT,
    Finding,
    FindingsReport,
    Value,
    polynomial_text,
    shown,
    shown_apart,
    shown_size,
    sympy_text,
    tolerance_text,
)
from .zero_stability import RootCondition, root_condition

__all__ = ["MultistepAnalysis", "analyse_multistep", "error_constants"]


@dataclass(frozen=True)
class ConstantLevel:
    """C_q: its value and whether it counts as zero."""

    order: int
    constant: Value
    holds: bool

    @property
    def value(self) -> str:
        """C_q exactly."""
        return self.constant.to_json()

    @property
    def magnitude(self) -> float:
        return self.constant.magnitude


@dataclass(frozen=True)
class MultistepAnalysis(FindingsReport):
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
    """σ(1)/ρ'(1) when the step is rescaled, else None (exactly)."""
    constants: tuple[ConstantLevel, ...]
    order: int
    error_constant: str | None
    error_constant_value: float | None
    zero_stability: RootCondition
    roots: tuple[str, ...] = ()
    parameter_regions: Any = None
    warnings: tuple[str, ...] = field(default=())
    warning_keys: tuple[tuple[str | int, ...], ...] = ()
    consistency_key: tuple[str | int, ...] = ()
    """The key the consistency failure depends on."""
    shown_rho: str = ""
    """rho as text prints it (decimal coefficients when long)."""
    shown_sigma: str = ""
    error_constant_shown: str | None = None
    linear_stability: Any = None
    """:class:`MultistepStability` (``info`` only)."""
    strict: bool = False
    """Judged under ``--strict``: a step rescaling fails even where the file says
    ``step_scaling = "absorbed"``."""

    @property
    def step_absorbed(self) -> bool:
        """Whether a step rescaling (ρ'(1) ≠ σ(1)) is accepted: the file says the network
        absorbs the step, and the check is not strict."""
        return self.scheme.step_scaling == "absorbed" and not self.strict

    @property
    def findings(self) -> list[Finding]:
        reasons = []
        claimed = self.scheme.order
        if not self.consistent:
            reasons.append(Finding(f"not consistent: {self.consistency}", self.consistency_key))
        elif self.step_factor is not None and not self.step_absorbed:
            reasons.append(Finding(_rescaling_failure(self), ("coefficients", "beta")))
        elif self.order < claimed:
            first = self.constants[self.order + 1]
            tolerance = self.tolerance
            against = "not zero" if tolerance is None else f"above {tolerance_text(tolerance)}"
            reasons.append(
                Finding(
                    f"order {self.order}, claimed {claimed}: C_{first.order} = "
                    f"{shown(first.constant, tolerance)} (|C_{first.order}| "
                    f"{shown_size(first.constant, tolerance)}, {against})",
                    ("order",),
                )
            )
        if not self.zero_stability.holds:
            reasons.append(
                Finding(f"not zero-stable: {self.zero_stability.reason}", ("coefficients", "alpha"))
            )
        return reasons


def _rescaling_failure(analysis: MultistepAnalysis) -> str:
    """Why a method with ρ'(1) ≠ σ(1) fails: inconsistent as written (Dahlquist; HNW
    I.III.2, Definition 2.5), consistent only for a rescaled step."""
    if analysis.scheme.step_scaling == "absorbed":
        accepted = 'step_scaling = "absorbed" is not accepted under --strict'
    else:
        accepted = 'write step_scaling = "absorbed" when a network absorbs the step'
    return (
        f"not consistent as written: rho'(1) ≠ sigma(1) (a typo in beta?); "
        f"{analysis.consistency} ({accepted})"
    )


@dataclass(frozen=True)
class MultistepStability:
    """Linear stability (see :mod:`.intervals`), at the parameter values, of the method with
    the step as analysed (rescaled by σ(1)/ρ'(1) where that is needed)."""

    angle: Any
    a_stability: Any
    real_interval: Any
    at_parameter_values: bool = False
    rescaled: bool = False

    def lines(self) -> list[str]:
        out = [
            f"  A-stable: {self.a_stability.words()}",
            f"  A(α) stability angle α: {self.angle.words()}",
            f"  real stability interval: {self.real_interval.words()}",
        ]
        if self.angle.tangent:
            out.append(
                f"  (the boundary locus touches the ray at angle α at z ≈ {self.angle.tangent})"
            )
        if self.rescaled:
            out.append("  (for the rescaled step)")
        if self.at_parameter_values:
            out.append(
                "  parameters: the stability properties are computed at the parameter values"
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "A_stable": self.a_stability.holds,
            "A_stability": self.a_stability.to_dict(),
            "stability_angle": self.angle.to_dict(),
            "real_stability_interval": self.real_interval.to_dict(),
            "at_parameter_values": self.at_parameter_values,
        }


def _linear_stability(
    scheme: MultistepScheme, field_: Field, alpha: list[Any], beta: list[Any],
    tolerance: float | None, rescaled: bool,
) -> MultistepStability:  # fmt: skip
    from .. import limits
    from .intervals import (
        StabilityAngle,
        StabilityInterval,
        multistep_a_stability,
        multistep_real_stability_interval,
        stability_angle,
    )
    from .values import Judgement

    a = [field_.to_sympy(x) for x in alpha]
    b = [field_.to_sympy(x) for x in beta]
    reason = ""
    if not all(x.is_Rational for x in [*a, *b]):
        reason = "computed for rational coefficients"
    elif scheme.steps > limits.MAX_LOCUS_STEPS:
        reason = f"{scheme.steps} steps, above the limit of {limits.MAX_LOCUS_STEPS}"
    else:
        from .intervals import locus_over_limit

        reason = locus_over_limit(a, b)
    if reason:
        return MultistepStability(
            StabilityAngle(None, reason=reason),
            Judgement(None, tolerance, reason=reason),
            StabilityInterval("real", None, tolerance, reason),
            bool(scheme.parameters),
            rescaled,
        )
    return MultistepStability(
        stability_angle(a, b, tolerance),
        multistep_a_stability(a, b, tolerance),
        multistep_real_stability_interval(a, b, tolerance),
        bool(scheme.parameters),
        rescaled,
    )


def _polynomial_text(field_: Field, coefficients: list[Any]) -> str:
    import sympy

    zeta = sympy.Symbol("ζ")
    return sympy_text(
        sympy.expand(sum(field_.to_sympy(c) * zeta**j for j, c in enumerate(coefficients)))
    )


def _shown_polynomial(
    field_: Field, coefficients: list[Any], exact: str, tolerance: float | None
) -> str:
    """The exact text when short, else decimal coefficients (highest power first)."""
    values = [field_.value(c) for c in coefficients]
    if all(v.exact is not None and len(v.exact) <= EXACT_TEXT_LIMIT for v in values):
        return exact
    digits = 16 if tolerance is None else min(20, max(6, _decades(tolerance) + 2))
    terms = [
        (j, values[j].mantissa < 0, abs(values[j]).decimal(digits))
        for j in range(len(values) - 1, -1, -1)
        if not values[j].zero
    ]
    return polynomial_text(terms, "ζ")


def _decades(tolerance: float) -> int:
    import math

    return max(0, math.ceil(-math.log10(tolerance)))


def error_constants(field_: Field, alpha: list[Any], beta: list[Any], highest: int) -> list[Any]:
    """C_0 .. C_highest of the method (α, β), exactly."""
    from .arithmetic import RationalField

    if isinstance(field_, RationalField):
        return _rational_error_constants(field_, alpha, beta, highest)
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


def _rational_error_constants(
    field_: Field, alpha: list[Any], beta: list[Any], highest: int
) -> list[Any]:
    """The same over QQ, with α and β scaled to integers by their common denominators: sums
    of integers and one division per constant (adding rationals one by one reduced a
    270,000-bit fraction at every term: 17 s for 32 steps of 8,192-bit rationals)."""
    import flint

    def scaled(values: list[Any]) -> tuple[list[Any], Any]:
        scale = flint.fmpz(1)
        for v in values:
            scale = scale.lcm(v.q)
        return [v.p * (scale // v.q) for v in values], scale

    a, a_scale = scaled(alpha)
    b, b_scale = scaled(beta)
    constants = []
    for q in range(highest + 1):
        total = field_.rational(
            sum((flint.fmpz(j) ** q * x for j, x in enumerate(a)), flint.fmpz(0)),
            a_scale * factorial(q),
        )
        if q >= 1:
            total -= field_.rational(
                sum((flint.fmpz(j) ** (q - 1) * x for j, x in enumerate(b)), flint.fmpz(0)),
                b_scale * factorial(q - 1),
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
    consistent, words, factor, _ = _consistency(field_, alpha, beta, tolerance)
    return consistent, words, factor


def _consistency(
    field_: Field, alpha: list[Any], beta: list[Any], tolerance: float | None
) -> tuple[bool, str, Any | None, tuple[str | int, ...]]:
    """:func:`consistency` and the key a failure depends on."""

    def negligible(x: Any) -> bool:
        return field_.is_zero(x) if tolerance is None else not field_.exceeds(x, tolerance)

    def text(x: Any) -> str:
        return shown(field_.value(x), tolerance)

    rho_1 = sum(alpha, field_.rational(0))
    rho_prime_1 = sum((field_.rational(j) * a for j, a in enumerate(alpha)), field_.rational(0))
    sigma_1 = sum(beta, field_.rational(0))
    against = "" if tolerance is None else f", above the tolerance {tolerance_text(tolerance)}"
    alpha_key, beta_key = ("coefficients", "alpha"), ("coefficients", "beta")
    if not negligible(rho_1):
        return False, f"rho(1) = {text(rho_1)}, not 0{against}", None, alpha_key
    if negligible(sigma_1):
        return False, f"sigma(1) = {text(sigma_1)}", None, beta_key
    if negligible(rho_prime_1):
        return False, f"rho'(1) = {text(rho_prime_1)}", None, alpha_key
    if negligible(rho_prime_1 - sigma_1):
        return True, "consistent", None, ()
    factor = field_.divide(sigma_1, rho_prime_1)
    return (
        True,
        "consistent with the step rescaled by sigma(1)/rho'(1) = "
        + shown_apart(field_.value(factor), tolerance, Fraction(1)),
        factor,
        (),
    )


def analyse_multistep(
    scheme: MultistepScheme, *, full: bool = False, strict: bool = False
) -> MultistepAnalysis:
    """Consistency, order, error constant and zero-stability at the parameter values.

    A method with ρ(1) = 0 and ρ'(1) ≠ σ(1), both non-zero, is analysed for the step
    rescaled by σ(1)/ρ'(1); it passes only where ``scheme.step_scaling`` is ``"absorbed"``
    and not ``strict`` (:attr:`MultistepAnalysis.findings`)."""
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

    consistent, in_words, factor, consistency_key = _consistency(field_, alpha, beta, tolerance)
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
        ConstantLevel(q, field_.value(c), z) for q, (c, z) in enumerate(zip(constants, zero))
    )
    error_constant = error_value = error_shown = None
    if consistent and order + 1 < len(constants):
        sigma_1 = sum(beta, field_.rational(0))
        constant = field_.value(field_.divide(constants[order + 1], sigma_1))
        error_constant, error_value = (
            constant.to_json(),
            constant.magnitude * (-1 if constant.mantissa < 0 else 1),
        )
        error_shown = shown(constant, tolerance)
    stability = root_condition(field_, alpha, tolerance)
    warnings: list[Finding] = []
    if consistent and order > scheme.order:
        warnings.append(
            Finding(
                f"the scheme reaches order {order}, above the claimed {scheme.order}", ("order",)
            )
        )
    if factor is not None and scheme.step_scaling == "absorbed" and not strict:
        warnings.append(Finding(in_words, ("coefficients", "beta")))
    explicit = field_.is_zero(beta[-1])
    if tolerance is not None and not explicit and not field_.exceeds(beta[-1], tolerance):
        warnings.append(
            Finding(
                f"beta_k = {shown(field_.value(beta[-1]), tolerance)} is within the tolerance "
                f"{tolerance_text(tolerance)} of zero, so the scheme is explicit to tolerance; "
                "the generated step computes with it as written, implicitly (write 0 to make it "
                "explicit)",
                ("coefficients", "beta", k),
            )
        )
    roots: tuple[str, ...] = ()
    regions = None
    linear = None
    if full:
        roots = _roots(field_, alpha, tolerance)
        if consistent:
            linear = _linear_stability(scheme, field_, alpha, beta, tolerance, factor is not None)
        if any(x.names for x in scheme.coefficients()):
            from .regions import multistep_regions

            regions = multistep_regions(scheme)
    rho = _polynomial_text(field_, alpha)
    sigma = _polynomial_text(field_, beta)
    return MultistepAnalysis(
        scheme=scheme,
        domain=field_.name,
        tolerance=tolerance,
        explicit=explicit,
        rho=rho,
        sigma=sigma,
        consistency=in_words,
        consistent=consistent,
        step_factor=None if factor is None else field_.value(factor).to_json(),
        constants=levels,
        order=order,
        error_constant=error_constant,
        error_constant_value=error_value,
        zero_stability=stability,
        roots=roots,
        parameter_regions=regions,
        warnings=tuple(w.message for w in warnings),
        warning_keys=tuple(w.key for w in warnings),
        consistency_key=consistency_key,
        shown_rho=_shown_polynomial(field_, alpha, rho, tolerance),
        shown_sigma=_shown_polynomial(field_, beta, sigma, tolerance),
        error_constant_shown=error_shown,
        linear_stability=linear,
        strict=strict,
    )


def _roots(field_: Field, alpha: list[Any], tolerance: float | None) -> tuple[str, ...]:
    """The roots of ρ with their moduli and multiplicities: exact for rational roots and
    roots of quadratic factors, else certified digits (the root of its factor near them)."""
    from .zero_stability import _isolated_roots, _modulus, _modulus_text, _root_text

    roots = _isolated_roots(field_, alpha, tolerance)
    if roots is None:  # algebraic coefficients: sympy's roots, exact for degree <= 2
        return _sympy_roots(field_, alpha)
    shown_roots = []
    for root in sorted(roots, key=lambda r: -r.modulus.mid()):
        modulus = _modulus_text(_modulus(root), tolerance, root)
        text = f"{_root_text(root, factor=False)} (|ζ| = {modulus})"
        if root.multiplicity > 1:
            text += f", multiplicity {root.multiplicity}"
        shown_roots.append(text)
    return tuple(shown_roots)


def _sympy_roots(field_: Field, alpha: list[Any]) -> tuple[str, ...]:
    import sympy

    zeta = sympy.Symbol("zeta")
    rho = sympy.Poly([field_.to_sympy(a) for a in reversed(alpha)], zeta)
    shown_roots = []
    for factor, multiplicity in rho.factor_list()[1]:
        if factor.degree() <= 2:
            roots = sympy.roots(factor, multiple=True)
        else:
            roots = factor.nroots(n=15)
        for root in roots:
            modulus = float(abs(sympy.N(root, 30)))
            text = sympy_text(root)
            if len(text) > EXACT_TEXT_LIMIT:
                text = "≈ " + str(sympy.N(root, 15))
            text = f"{text} (|ζ| = {modulus:.6g})"
            shown_roots.append(
                text + (f", multiplicity {multiplicity}" if multiplicity > 1 else "")
            )
    return tuple(shown_roots)
