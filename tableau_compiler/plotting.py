"""``tabc plot``: stability regions, boundary loci and order stars as PNG or SVG.

What is drawn (Hairer & Wanner, *Solving ODEs II*, 2nd ed. 1996, §IV.2 and §V.1):

* a Runge–Kutta scheme: its region of absolute stability S = {z ∈ ℂ : |R(z)| ≤ 1}, with
  R(z) = P(z)/Q(z) the stability function, computed exactly (the polynomials of
  :mod:`.analysis.stability`) and evaluated in float64 on a grid; the boundary |R(z)| = 1
  is the level line of that grid.  ``order_star=True`` draws {z : |R(z) e^(−z)| ≤ 1}
  instead, the order star of Wanner, Hairer & Nørsett (1978) (HW §IV.4);
* a linear multistep scheme: its boundary locus z(θ) = ρ(e^(iθ)) / σ(e^(iθ)), 0 ≤ θ < 2π
  (HW §V.1, eq. (1.7)), and its stability region, the z for which every root of
  ρ(ζ) − z σ(ζ) lies in the closed unit disc, decided at every grid point from the
  eigenvalues of the companion matrix (float64);
* the real stability interval [−β_R, 0] and imaginary stability interval [−iβ_I, iβ_I],
  marked on the axes where the analysis gives them.

The picture data (:class:`Curve`) is computed without matplotlib; :func:`draw` needs it
and numpy (the ``plot`` extra).  A scheme with parameters is drawn at its parameter values
(the label says which); a partitioned pair has no single stability function and is refused.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TabcError

if TYPE_CHECKING:
    from .scheme import ButcherTableau, MultistepScheme, Scheme

__all__ = [
    "FORMATS",
    "Curve",
    "Extent",
    "PlotError",
    "curve_for",
    "default_extent",
    "draw",
]

FORMATS = {".png": "png", ".svg": "svg"}
"""The output formats, by the target's extension."""

FALLBACK_HALF_WIDTH = 4.0
"""Half the side of the square drawn when the boundary has no finite extent to follow
(the boundary |R| = 1 of Gauss–Legendre methods is the whole imaginary axis)."""


class PlotError(TabcError):
    """A scheme or option ``tabc plot`` cannot draw (exit status 2)."""


@dataclass(frozen=True)
class Interval:
    """A stability interval's end, β ≥ 0 (``math.inf`` for an unbounded one)."""

    beta: float
    text: str
    """As the legend prints it after β: ``= 2√2 ≈ 2.82843``, ``≈ 2.78529``, ``= ∞``."""


@dataclass(frozen=True)
class Curve:
    """What is drawn for one scheme (float64 coefficients of exact values).

    Runge–Kutta: ``numerator`` and ``denominator`` are P and Q, highest power first.
    Linear multistep: ``rho`` and ``sigma`` are α_0..α_k and β_0..β_k, lowest power first.
    """

    label: str
    kind: str
    numerator: tuple[float, ...] = ()
    denominator: tuple[float, ...] = ()
    rho: tuple[float, ...] = ()
    sigma: tuple[float, ...] = ()
    real: Interval | None = None
    imaginary: Interval | None = None
    angle: str | None = None
    """The A(α) angle of a multistep scheme (``86.0324°``), where the analysis gives it."""
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Extent:
    """The drawn rectangle of the complex plane: [x0, x1] × [y0, y1]."""

    x0: float
    x1: float
    y0: float
    y1: float


# --------------------------------------------------------------------------- picture data


def _float(domain: Any, element: Any) -> float:
    """An exact domain element (QQ, QQ<√d>, QQ(π)) as the nearest float64."""
    import sympy

    value = domain.to_sympy(element)
    if value.is_Rational:
        return float(Fraction(int(value.p), int(value.q)))
    return float(sympy.N(value, 30))


def _fraction(element: Any) -> Fraction:
    """A rational field element (python-flint's fmpq) as a Fraction."""
    return Fraction(int(element.p), int(element.q))


def _common_root(alpha: Sequence[Any], beta: Sequence[Any]) -> bool:
    """Whether ρ and σ (rational, constant first) have a common root: gcd(ρ, σ) not constant."""
    import flint

    rho = flint.fmpq_poly([flint.fmpq(x.p, x.q) for x in alpha])
    sigma = flint.fmpq_poly([flint.fmpq(x.p, x.q) for x in beta])
    return rho.gcd(sigma).degree() > 0


def _field_float(field_: Any, element: Any) -> float:
    """An element of an analysis field as the nearest float64."""
    import sympy

    value = field_.to_sympy(element)
    if value.is_Rational:
        return float(Fraction(int(value.p), int(value.q)))
    return float(sympy.N(value, 30))


def _parameter_note(scheme: Scheme) -> str:
    if not scheme.parameters:
        return ""
    values = ", ".join(f"{p.name} = {p.value.text}" for p in scheme.parameters)
    return f"at {values}"


def _label(scheme: Scheme) -> str:
    note = _parameter_note(scheme)
    return f"{scheme.name} ({note})" if note else scheme.name


def stability_polynomials(tableau: ButcherTableau) -> tuple[Any, Any, Any]:
    """(field, P, Q): R(z) = P(z)/Q(z) in lowest terms with Q(0) = 1, exact sympy Polys.

    The same polynomials :func:`.analysis.stability.runge_kutta_stability` reports
    (HNW IV.3, eq. (3.3)); parameters take their values.  Raises :class:`PlotError` when
    R(z) is beyond the analysis' work limits.
    """
    from .analysis.runge_kutta import (
        _stability_over_limit,
        classify,
        convert_tableau,
        parameter_values,
    )
    from .analysis.stability import stability_polynomials as analysis_polynomials
    from .analysis.work import number_size

    field_, a, b, _, _ = convert_tableau(tableau, parameter_values(tableau), quadratic=False)
    over = _stability_over_limit(tableau.stages, number_size(field_, a, b), classify(field_, a))
    if over:
        raise PlotError(f"{tableau.source or tableau.name}: R(z) is {over}")
    numerator, denominator = analysis_polynomials(field_, a, b)
    return field_, numerator, denominator


def _in_float_range(name: str, what: str, exact_zero: Sequence[bool], floats: Sequence[float]
                    ) -> None:  # fmt: skip
    """Refuse a picture float64 cannot draw: a non-zero exact coefficient that rounds to 0,
    to a subnormal or to ±inf would draw another scheme (b = 10⁻⁴⁰⁰ as R(z) = 1, the whole
    plane stable, where the analysis finds β_R = 2·10⁴⁰⁰)."""
    for zero, value in zip(exact_zero, floats):
        if zero:
            continue
        if not math.isfinite(value) or abs(value) < sys.float_info.min:
            size = "above" if not math.isfinite(value) else "below"
            raise PlotError(
                f"{name}: a coefficient of {what} is {size} float64's range, so a picture "
                "computed in float64 would show another scheme; `tabc info` gives its "
                "stability intervals exactly"
            )


def _runge_kutta_curve(tableau: ButcherTableau) -> Curve:
    field_, numerator, denominator = stability_polynomials(tableau)
    domain = field_.sympy_domain
    name = tableau.source or tableau.name
    p = tuple(_float(domain, c) for c in numerator.rep.to_list())
    q = tuple(_float(domain, c) for c in denominator.rep.to_list())
    for exact, floats in ((numerator, p), (denominator, q)):
        zeros = [exact.rep.dom.is_zero(c) for c in exact.rep.to_list()]
        _in_float_range(name, "R(z) = P(z)/Q(z)", zeros, floats)
    real, imaginary = _exact_intervals(tableau, field_, numerator, denominator)
    notes = []
    if tableau.parameters:
        notes.append(f"{tableau.name}: drawn {_parameter_note(tableau)}")
    return Curve(_label(tableau), tableau.kind, numerator=p, denominator=q, real=real,
                 imaginary=imaginary, notes=tuple(notes))  # fmt: skip


def _multistep_curve(scheme: MultistepScheme) -> Curve:
    from .analysis.arithmetic import field_for
    from .analysis.multistep import consistency

    values = {p.name: p.value for p in scheme.parameters}
    field_, elements = field_for(list(scheme.coefficients()), values, quadratic=False)
    k = scheme.steps
    alpha, beta = elements[: k + 1], elements[k + 1 :]
    notes = []
    if scheme.parameters:
        notes.append(f"{scheme.name}: drawn {_parameter_note(scheme)}")
    _, _, factor = consistency(field_, alpha, beta)
    if factor is not None:  # the analysis' convention: the step rescaled to consistency
        beta = [field_.divide(x, factor) for x in beta]
        notes.append(
            f"{scheme.name}: z = hλ with the step rescaled by σ(1)/ρ'(1) = {field_.text(factor)}, "
            "as tabc info analyses it"
        )
    rho = tuple(_field_float(field_, x) for x in alpha)
    sigma = tuple(_field_float(field_, x) for x in beta)
    name = scheme.source or scheme.name
    _in_float_range(name, "rho", [field_.is_zero(x) for x in alpha], rho)
    _in_float_range(name, "sigma", [field_.is_zero(x) for x in beta], sigma)
    curve = Curve(_label(scheme), scheme.kind, rho=rho, sigma=sigma, notes=tuple(notes))
    real = None
    exact_fractions = field_.name == "QQ" and (
        [_fraction(x) for x in alpha],
        [_fraction(x) for x in beta],
    )
    from .analysis.intervals import locus_over_limit

    if exact_fractions and locus_over_limit(*exact_fractions):
        exact_fractions = False  # beyond the work limit: drawn from float64 alone
    if exact_fractions and not _common_root(alpha, beta):
        # rational coefficients: decided exactly by the analysis (which does not return when ρ
        # and σ share a root, as lm_resnet's ζ at k = 0: then the float64 way below)
        from .analysis.intervals import multistep_real_stability_interval

        tolerance = scheme.effective_tolerance if scheme.is_approximate else None
        exact = multistep_real_stability_interval(
            [_fraction(x) for x in alpha], [_fraction(x) for x in beta], tolerance
        )
        text = _legend_text(exact)
        real = None if text is None else Interval(exact.beta, text)
        from .analysis.intervals import stability_angle

        found = stability_angle(
            [_fraction(x) for x in alpha], [_fraction(x) for x in beta], tolerance
        )
        if found.degrees is not None and found.exact and math.isfinite(found.float_degrees):
            degrees = f"{found.float_degrees:.4f}".rstrip("0").rstrip(".")
            curve = replace(curve, angle=f"{degrees}°")
    return replace(curve, real=real or _multistep_real_interval(curve))


def _legend_text(found: Any) -> str | None:
    """``= 2*sqrt(2) ≈ 2.82843``, ``≈ 2.78529`` or ``= ∞`` for an exact
    :class:`~.analysis.intervals.StabilityInterval`; None when it was not computed."""
    crossing = found.crossing
    if crossing is None:
        return None
    if crossing.unbounded:
        return "= ∞"
    if crossing.zero:
        return "= 0"
    at = crossing.at
    decimal = f"{float(at):.6g}"
    if not math.isfinite(float(at)):  # beyond float64: the bounded printer's digits
        decimal = at.value(exact=False).decimal(6)
    exact = at.text() if at.degree <= 2 else ""
    if exact and len(exact) <= 24 and exact != decimal:
        return f"= {exact} ≈ {decimal}" if at.degree == 2 or "/" in exact else f"= {exact}"
    return f"= {exact}" if exact == decimal else f"≈ {decimal}"


def _exact_intervals(
    tableau: ButcherTableau, field_: Any, numerator: Any, denominator: Any
) -> tuple[Interval, Interval]:
    """The intervals the analysis decides exactly (:mod:`.analysis.intervals`); where it does
    not (coefficients with pi, a degree above its limit), the float64 ones."""
    from .analysis.stability import stability_intervals

    tolerance = tableau.effective_tolerance if tableau.is_approximate else None
    exact = stability_intervals(field_, numerator, denominator, tolerance)
    floats = None
    found = []
    for index, interval in enumerate(exact):
        text = _legend_text(interval)
        if text is None:
            if floats is None:
                floats = _intervals(
                    *_interval_polynomials(field_, numerator, denominator, tolerance)
                )
            found.append(floats[index])
        else:
            found.append(Interval(interval.beta, text))
    return found[0], found[1]


def _interval_polynomials(
    field_: Any, numerator: Any, denominator: Any, tolerance: float | None = None
) -> tuple[Any, Any]:
    """Exact P(x)² − Q(x)² and |P(iy)|² − |Q(iy)|² (HW §IV.2) as float64 coefficients,
    highest power first.  For an approximate scheme a coefficient within the tolerance of 0
    (relative to its products' size below 1) is 0, as the analysis reads it
    (:func:`~.analysis.algebraic.neglect_within_tolerance`); decided here on 50 digits,
    which is enough for a picture."""
    import sympy

    z = numerator.gens[0]
    t = sympy.Symbol("t", real=True)

    def absolute(poly: Any) -> Any:
        return sympy.Poly([abs(c) for c in poly.all_coeffs()], z).as_expr()

    def squared_modulus(expr: Any) -> Any:
        value = sympy.expand(expr.subs(z, sympy.I * t))
        return sympy.expand(sympy.re(value) ** 2 + sympy.im(value) ** 2)

    p, q = numerator.as_expr(), denominator.as_expr()
    real = sympy.expand(p**2 - q**2)
    real_scale = sympy.expand(absolute(numerator) ** 2 + absolute(denominator) ** 2)
    imaginary = sympy.expand(squared_modulus(p) - squared_modulus(q))
    imaginary_scale = sympy.expand(
        (absolute(numerator) ** 2 + absolute(denominator) ** 2).subs(z, t)
    )

    def as_floats(expr: Any, scale: Any, x: Any) -> list[float]:
        poly = sympy.Poly(expr, x)
        if poly.is_zero:  # |R| ≡ 1 there (Gauss methods on the imaginary axis)
            return [0.0]
        sizes = sympy.Poly(scale, x)
        out = []
        for (k,), c in zip(poly.monoms(), poly.coeffs()):
            value = sympy.N(c, 50)
            if tolerance is not None:
                size = sympy.N(sizes.coeff_monomial(x**k), 50)
                bound = sympy.Rational(repr(tolerance)) * min(1, size)
                if abs(value) <= bound:
                    value = 0
            out.append((k, float(value)))
        degree = poly.degree()
        coefficients = [0.0] * (degree + 1)
        for k, value in out:
            coefficients[degree - k] = value
        return coefficients

    return as_floats(real, real_scale, z), as_floats(imaginary, imaginary_scale, t)


def _first_exit(coefficients: Sequence[float], sign: float) -> float:
    """The first t > 0 after which g(sign·t) > 0, for g with g ≤ 0 just after 0 (else 0):
    the end of a stability interval, ``inf`` when there is none.

    The factor t^m of the exact polynomial is divided out first (its coefficients are
    exact zeros), so a root of high multiplicity at 0 (RK4: y⁶) does not scatter."""
    import numpy as np

    g = np.trim_zeros(np.asarray(coefficients, dtype=float), "f")
    if g.size == 0:
        return math.inf
    reduced = np.trim_zeros(g, "b")  # g / t^m: the same roots away from 0
    roots = np.roots(reduced) if reduced.size > 1 else np.array([])
    ends = sorted(
        {abs(r.real) for r in roots if abs(r.imag) <= 1e-9 * max(1.0, abs(r)) and r.real * sign > 0}
    )
    value = lambda t: np.polyval(g, sign * t)
    cuts = [0.0, *ends]
    for left, right in zip(cuts, [*ends, None]):
        probe = (left + right) / 2 if right is not None else 2 * left + 1.0
        if value(probe) > 0:
            return left
    return math.inf


def _intervals(real: Sequence[float], imaginary: Sequence[float]) -> tuple[Interval, Interval]:
    """The real and imaginary stability intervals [−β_R, 0] and [−iβ_I, iβ_I] of R, as
    decimals: where |R| ≤ 1, i.e. P² − Q² ≤ 0, holds from 0 on (HW §IV.2).  Roots by numpy
    from the float64 coefficients of the exact polynomials, the sign tested between them."""
    found = []
    for coefficients, sign in ((real, -1.0), (imaginary, 1.0)):
        beta = _first_exit(coefficients, sign)
        found.append(Interval(beta, "= ∞" if beta == math.inf else f"≈ {beta:.6g}"))
    return found[0], found[1]


def _multistep_real_interval(curve: Curve) -> Interval:
    """The real stability interval [−β_R, 0] of a multistep scheme, as a decimal.

    The region changes only across the boundary locus, so the candidates for the
    interval's end are the points where the locus crosses the negative real axis (sign
    changes of Im z(θ) on 20,001 values of θ, interpolated); the root condition is tested
    between consecutive candidates (:func:`multistep_root_modulus`) and the interval ends
    at the first candidate beyond which it fails.  (The imaginary interval is not drawn:
    near 0 the locus leaves the imaginary axis by Re z(θ) = O(θ^(p+1)), below float64's
    reach, so a decimal there would be noise.)"""
    import numpy as np

    locus = boundary_locus(curve, 20_001)
    found = []
    for axis in ("real",):
        along = locus.imag if axis == "real" else locus.real
        across = locus.real if axis == "real" else locus.imag
        ends = set()
        finite = np.isfinite(locus)
        for i in np.nonzero(finite[:-1] & finite[1:] & (np.sign(along[:-1]) != np.sign(along[1:])))[
            0
        ]:
            w = along[i] / (along[i] - along[i + 1]) if along[i] != along[i + 1] else 0.0
            point = across[i] + w * (across[i + 1] - across[i])
            if point < -1e-12 if axis == "real" else point > 1e-12:
                ends.add(abs(float(point)))
        ends = sorted(ends)
        cuts = [0.0, *ends]
        beta = math.inf
        for left, right in zip(cuts, [*ends, None]):
            probe = (left + right) / 2 if right is not None else 2 * left + 1.0
            z = -probe if axis == "real" else 1j * probe
            if multistep_root_modulus(curve, np.array([z]))[0] > 1.0 + 1e-9:
                beta = left
                break
        found.append(Interval(beta, "= ∞" if beta == math.inf else f"≈ {beta:.6g}"))
    return found[0]


def curve_for(scheme: Scheme, *, order_star: bool = False) -> Curve:
    """What :func:`draw` draws for ``scheme``; :class:`PlotError` for a kind that has no
    single stability function (a partitioned pair), or no order star (``order_star``)."""
    drawing = PLOTS[scheme.kind]
    name = scheme.source or scheme.name
    if drawing.curve is None:
        raise PlotError(f"{name}: {drawing.refused}")
    if order_star and drawing.no_order_star:
        raise PlotError(
            f"{name}: --order-star draws |R(z) e^(-z)| <= 1 of Runge–Kutta schemes; "
            f"{drawing.no_order_star}"
        )
    return drawing.curve(scheme)


# --------------------------------------------------------------------------- evaluation


def runge_kutta_modulus(curve: Curve, z: Any, *, order_star: bool = False) -> Any:
    """|R(z)| (``order_star``: |R(z) e^(−z)|) at every point of the complex array ``z``;
    ``inf`` at a pole."""
    import numpy as np

    with np.errstate(all="ignore"):
        value = np.polyval(curve.numerator, z) / np.polyval(curve.denominator, z)
        if order_star:
            value = value * np.exp(-z)
        modulus = np.abs(value)
    return np.where(np.isnan(modulus), np.inf, modulus)


def multistep_root_modulus(curve: Curve, z: Any, chunk: int = 40_000) -> Any:
    """max |ζ| over the roots ζ of ρ(ζ) − z σ(ζ), at every point of the complex array ``z``.

    The roots are the eigenvalues of the companion matrix (float64, LAPACK through numpy);
    where the leading coefficient α_k − z β_k vanishes a root has gone to infinity and the
    value is ``inf``.
    """
    import numpy as np

    alpha = np.asarray(curve.rho, dtype=float)
    beta = np.asarray(curve.sigma, dtype=float)
    k = len(alpha) - 1
    flat = np.asarray(z, dtype=complex).ravel()
    out = np.empty(flat.shape, dtype=float)
    for start in range(0, len(flat), chunk):
        points = flat[start : start + chunk]
        coefficients = alpha[None, :] - points[:, None] * beta[None, :]  # lowest power first
        lead = coefficients[:, -1]
        singular = np.abs(lead) <= 1e-14 * np.abs(coefficients).max(axis=1)
        lead = np.where(singular, 1.0, lead)
        monic = coefficients[:, :-1] / lead[:, None]
        companion = np.zeros((len(points), k, k), dtype=complex)
        if k > 1:
            companion[:, 1:, :-1] = np.eye(k - 1)
        companion[:, :, -1] = -monic
        largest = np.abs(np.linalg.eigvals(companion)).max(axis=1)
        out[start : start + chunk] = np.where(singular, np.inf, largest)
    return out.reshape(np.shape(z))


def boundary_locus(curve: Curve, points: int = 4001) -> Any:
    """z(θ) = ρ(e^(iθ)) / σ(e^(iθ)) for θ in [0, 2π] (NaN where σ(e^(iθ)) = 0)."""
    import numpy as np

    zeta = np.exp(1j * np.linspace(0.0, 2.0 * math.pi, points))
    rho = np.polyval(list(reversed(curve.rho)), zeta)
    sigma = np.polyval(list(reversed(curve.sigma)), zeta)
    with np.errstate(all="ignore"):
        locus = rho / sigma
    return np.where(np.abs(sigma) < 1e-12, np.nan, locus)


def winding_numbers(curve_points: Any, x: Any, y: Any) -> Any:
    """The winding number of the closed polygon ``curve_points`` (complex, first point =
    last) around every grid point (x[j], y[i]), as an integer array of shape (len(y), len(x)).

    Signed crossings of the rightward horizontal ray from each point (upward +1, downward
    −1), counted row by row; a point on the polygon gets either neighbouring value."""
    import numpy as np

    xs, ys = curve_points.real, curve_points.imag
    x_start, y_start, x_end, y_end = xs[:-1], ys[:-1], xs[1:], ys[1:]
    winding = np.zeros((len(y), len(x)), dtype=int)
    for row, level in enumerate(y):
        up = (y_start <= level) & (y_end > level)
        down = (y_end <= level) & (y_start > level)
        crossing = up | down
        if not crossing.any():
            continue
        x0, y0 = x_start[crossing], y_start[crossing]
        x1, y1 = x_end[crossing], y_end[crossing]
        at = x0 + (level - y0) * (x1 - x0) / (y1 - y0)
        sign = np.where(up[crossing], 1, -1)
        order = np.argsort(at)
        at, sign = at[order], sign[order]
        to_the_right = np.concatenate([np.cumsum(sign[::-1])[::-1], [0]])
        winding[row] = to_the_right[np.searchsorted(at, x, side="right")]
    return winding


def multistep_region(curve: Curve, x: Any, y: Any) -> Any:
    """The grid points (x[j], y[i]) where every root of ρ(ζ) − z σ(ζ) lies inside the unit
    circle, as a boolean array of shape (len(y), len(x)).

    By the argument principle the number of roots inside the circle is
    Z_σ + w(z), with Z_σ the number of roots of σ inside it and w(z) the winding number
    of the boundary locus around z (ρ − zσ = σ·(z(θ) − z) on |ζ| = 1); the region is
    where that number is k (HW §V.1).  When σ has a root on the unit circle the locus is
    unbounded, and the roots are computed at every point instead
    (:func:`multistep_root_modulus`)."""
    import numpy as np

    locus = boundary_locus(curve, 20_001)
    if not np.all(np.isfinite(locus)):
        return multistep_root_modulus(curve, x[None, :] + 1j * y[:, None]) <= 1.0 + 1e-9
    sigma = np.trim_zeros(np.asarray(curve.sigma[::-1], dtype=float), "f")  # highest first
    inside_sigma = int(np.sum(np.abs(np.roots(sigma)) < 1.0)) if len(sigma) > 1 else 0
    k = len(curve.rho) - 1
    return inside_sigma + winding_numbers(locus, x, y) == k


def inside(curve: Curve, z: Any, *, order_star: bool = False) -> Any:
    """The boolean mask of the drawn region at the points ``z``."""
    return PLOTS[curve.kind].inside(curve, z, order_star)


def _runge_kutta_inside(curve: Curve, z: Any, order_star: bool) -> Any:
    return runge_kutta_modulus(curve, z, order_star=order_star) <= 1.0


def _multistep_inside(curve: Curve, z: Any, order_star: bool) -> Any:
    return multistep_root_modulus(curve, z) <= 1.0 + 1e-9


def _stable_outside_a_bounded_set(curve: Curve, mask: Any) -> bool:
    """Whether a multistep scheme's region is the plane outside a bounded set (BDF's: the
    boundary locus is bounded and the region reaches every edge of the grid).  Such a region
    is drawn by hatching the bounded unstable set: filled, several of them overlaid cover
    the picture in one muddy colour."""
    import numpy as np

    if not np.all(np.isfinite(boundary_locus(curve, 1001))):
        return False
    edges = (mask[0, :], mask[-1, :], mask[:, 0], mask[:, -1])
    return bool(all(edge.all() for edge in edges)) and not bool(mask.all())


HATCHES = ("///", "\\\\\\", "|||", "---", "//", "\\\\")


def _hatch(index: int) -> str:
    """One hatch per overlaid scheme: nested hatched sets stay apart."""
    return HATCHES[index % len(HATCHES)]


def _grid(extent: Extent, resolution: int) -> tuple[Any, Any, Any]:
    """The grid: ``resolution`` points along x, as many per unit along y, both counts within
    [:data:`.options.MIN_RESOLUTION`, :data:`.options.MAX_RESOLUTION`] (the image's size is
    bounded whatever the extent's shape)."""
    import numpy as np

    from .options import MAX_RESOLUTION, MIN_RESOLUTION

    resolution = min(MAX_RESOLUTION, max(MIN_RESOLUTION, resolution))
    x = np.linspace(extent.x0, extent.x1, resolution)
    ratio = (extent.y1 - extent.y0) / (extent.x1 - extent.x0)
    rows = min(MAX_RESOLUTION, max(MIN_RESOLUTION, round(resolution * ratio)))
    y = np.linspace(extent.y0, extent.y1, rows)
    return x, y, x[None, :] + 1j * y[:, None]


def _boundary_points(curve: Curve, order_star: bool) -> tuple[Any, bool]:
    """Points on the boundary (x, y arrays), and whether the boundary is bounded."""
    return PLOTS[curve.kind].boundary(curve, order_star)


def _level_line_points(curve: Curve, order_star: bool) -> tuple[Any, bool]:
    """The cells of a coarse grid on [−20, 20]² where the region's mask changes; the
    boundary is unbounded when it reaches the edge of that window (the imaginary axis of
    the Gauss methods)."""
    import numpy as np

    window = 20.0
    x, y, z = _grid(Extent(-window, window, -window, window), 401)
    mask = inside(curve, z, order_star=order_star)
    edge = np.zeros_like(mask)
    edge[:, 1:] |= mask[:, 1:] != mask[:, :-1]
    edge[1:, :] |= mask[1:, :] != mask[:-1, :]
    rows, columns = np.nonzero(edge)
    near_edge = (rows <= 1) | (columns <= 1) | (rows >= len(y) - 2) | (columns >= len(x) - 2)
    return np.stack([x[columns], y[rows]]), not bool(near_edge.any())


def _locus_points(curve: Curve, order_star: bool) -> tuple[Any, bool]:
    """A multistep scheme's boundary: its boundary locus."""
    import numpy as np

    if order_star:  # curve_for refuses it; draw() called directly gets the grid's boundary
        return _level_line_points(curve, order_star)
    locus = boundary_locus(curve, 1001)
    locus = locus[np.isfinite(locus) & (np.abs(locus) < 1e3)]
    bounded = bool(np.all(np.isfinite(boundary_locus(curve, 1001))))
    return np.stack([locus.real, locus.imag]), bounded


def default_extent(curves: Sequence[Curve], *, order_star: bool = False) -> Extent:
    """A rectangle holding every boundary and marked interval, with a margin.

    The bounding box of the boundary points (coarse grid or boundary locus) and of the
    finite interval ends, the origin included, widened by 10 % on each side.  Where a
    boundary is unbounded (it leaves the [−20, 20]² window), only its points within
    ±:data:`FALLBACK_HALF_WIDTH` count and the square ±:data:`FALLBACK_HALF_WIDTH` is
    added; when nothing is found at all, that square is the extent.
    """
    import numpy as np

    xs, ys = [0.0], [0.0]
    for curve in curves:
        points, bounded = _boundary_points(curve, order_star)
        if not bounded:
            keep = (np.abs(points) <= FALLBACK_HALF_WIDTH).all(axis=0)
            points = points[:, keep]
            xs += [-FALLBACK_HALF_WIDTH, FALLBACK_HALF_WIDTH]
            ys += [-FALLBACK_HALF_WIDTH, FALLBACK_HALF_WIDTH]
        if points.size:
            xs += [float(points[0].min()), float(points[0].max())]
            ys += [float(points[1].min()), float(points[1].max())]
        for interval, target in ((curve.real, xs), (curve.imaginary, ys)):
            if interval is not None and math.isfinite(interval.beta):
                target.append(-interval.beta)
                if target is ys:
                    target.append(interval.beta)
    if max(xs) - min(xs) == 0 and max(ys) - min(ys) == 0:
        xs += [-FALLBACK_HALF_WIDTH, FALLBACK_HALF_WIDTH]
        ys += [-FALLBACK_HALF_WIDTH, FALLBACK_HALF_WIDTH]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1.0)
    margin = 0.1 * span
    top = max(abs(y0), abs(y1)) + margin  # symmetric about the real axis, as the regions are
    return Extent(x0 - margin, x1 + margin, -top, top)


# --------------------------------------------------------------------------- output


def plot_target(output: str) -> Path:
    """The absolute file ``-o output`` names (relative to the working directory) and its
    format; :class:`PlotError` for a directory, an unknown extension or a parent that
    cannot be written."""
    import os

    if not output:
        raise PlotError("-o names no file; name the picture, e.g. -o regions.png")
    target = Path(os.path.abspath(os.path.expanduser(output)))
    if output.endswith(("/", os.sep)) or target.is_dir():
        inside = (Path(output) / "regions.png").as_posix()
        raise PlotError(f"{output}: names a directory; -o names the picture, e.g. -o {inside}")
    if target.suffix.lower() not in FORMATS:
        raise PlotError(f"{output}: the picture's format is chosen by its extension: .png or .svg")
    if target.exists() and not target.is_file():
        raise PlotError(
            f"{output}: exists and is not a regular file (a device, FIFO or socket); tabc "
            "replaces only regular files"
        )
    ancestor = target.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise PlotError(f"{output}: cannot be written: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise PlotError(f"{output}: cannot be written: no permission to write in {ancestor}")
    return target


COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown",
           "tab:pink", "tab:gray", "tab:olive", "tab:cyan")  # fmt: skip


@dataclass(frozen=True)
class _Grid:
    """The grid of :func:`draw`: the x and y axes and the complex points z (len(y), len(x))."""

    x: Any
    y: Any
    z: Any


def _runge_kutta_region(
    axes: Any, curve: Curve, grid: _Grid, colour: str, alpha: float, index: int, order_star: bool
) -> bool:
    """Fill {|R(z)| <= 1} (or the order star) and draw its level line; never hatched."""
    import numpy as np

    modulus = runge_kutta_modulus(curve, grid.z, order_star=order_star)
    shown = np.where(np.isfinite(modulus), modulus, 1e300)
    axes.contourf(grid.x, grid.y, shown, levels=[-1.0, 1.0], colors=[colour], alpha=alpha)
    axes.contour(grid.x, grid.y, shown, levels=[1.0], colors=[colour], linewidths=1.4)
    return False


def _multistep_region(
    axes: Any, curve: Curve, grid: _Grid, colour: str, alpha: float, index: int, order_star: bool
) -> bool:
    """Fill the stability region, or hatch its complement where that is the bounded set
    (BDF's); draw the boundary locus.  Whether it hatched."""
    import matplotlib
    from matplotlib import pyplot

    x, y = grid.x, grid.y
    mask = multistep_region(curve, x, y)
    hatched = _stable_outside_a_bounded_set(curve, mask)
    if hatched:  # BDF-like: hatch the bounded unstable set, leave the plane clear
        with matplotlib.rc_context({"hatch.linewidth": 0.6}):
            axes.contourf(x, y, (~mask).astype(float), levels=[0.5, 1.5],
                          colors="none", hatches=[_hatch(index)])  # fmt: skip
        pyplot.setp(axes.collections[-1], edgecolor=colour, linewidth=0.0)
    else:
        axes.contourf(x, y, mask.astype(float), levels=[0.5, 1.5], colors=[colour],
                      alpha=alpha)  # fmt: skip
    locus = boundary_locus(curve)
    axes.plot(locus.real, locus.imag, color=colour, linewidth=1.4)
    return hatched


def draw(
    curves: Sequence[Curve],
    target: Path,
    *,
    order_star: bool = False,
    extent: Extent | None = None,
    resolution: int = 600,
    title: str | None = None,
) -> Extent:
    """Draw ``curves`` overlaid into ``target`` (PNG or SVG by its extension), atomically.

    Matplotlib with the Agg backend (no display).  Each scheme gets a colour: its region
    filled (lighter where several overlap), its boundary drawn (the level line |R| = 1, or
    the boundary locus), its interval ends marked on the axes.  Returns the extent drawn.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from .atomic import atomic_path

    if extent is None:
        extent = default_extent(curves, order_star=order_star)
    x, y, z = _grid(extent, resolution)
    alpha = 0.35 if len(curves) == 1 else max(0.07, 0.45 / len(curves))
    ratio = (extent.x1 - extent.x0) / (extent.y1 - extent.y0)
    height = 6.0
    figure, axes = pyplot.subplots(figsize=(min(12.0, max(4.0, height * ratio)) + 2.5, height))
    handles = []
    any_hatched = False
    try:
        for index, curve in enumerate(curves):
            colour = COLOURS[index % len(COLOURS)]
            hatched = PLOTS[curve.kind].region(
                axes, curve, _Grid(x, y, z), colour, alpha, index, order_star
            )
            any_hatched = any_hatched or hatched
            label = curve.label
            marks = []
            if curve.real is not None and not order_star:
                marks.append(f"β_R {curve.real.text}")
                if math.isfinite(curve.real.beta):
                    axes.plot([-curve.real.beta], [0.0], marker="|", markersize=14,
                              markeredgewidth=2.2, color=colour)  # fmt: skip
            if curve.imaginary is not None and not order_star:
                marks.append(f"β_I {curve.imaginary.text}")
                beta = curve.imaginary.beta
                if math.isfinite(beta) and beta > 0:
                    axes.plot([0.0, 0.0], [-beta, beta], linestyle="none", marker="_",
                              markersize=14, markeredgewidth=2.2, color=colour)  # fmt: skip
            if curve.angle is not None and not order_star:
                marks.append(f"A(α): α = {curve.angle}")
            if marks:
                label += "\n" + ", ".join(marks)
            if hatched:
                handles.append(Patch(facecolor="none", edgecolor=colour, hatch=_hatch(index),
                                     label=label + "\nstable outside the hatched set"))  # fmt: skip
            else:
                fill = min(1.0, 2 * alpha)
                handles.append(Patch(facecolor=colour, edgecolor=colour, alpha=fill, label=label))
        axes.axhline(0.0, color="0.35", linewidth=0.7)
        axes.axvline(0.0, color="0.35", linewidth=0.7)
        axes.set_xlim(extent.x0, extent.x1)
        axes.set_ylim(extent.y0, extent.y1)
        axes.set_aspect("equal", adjustable="box")
        axes.set_xlabel("Re z")
        axes.set_ylabel("Im z")
        axes.grid(True, alpha=0.25)
        marked = [i for c in curves for i in (c.real, c.imaginary) if i is not None]
        if any(0 < i.beta < math.inf for i in marked) and not order_star:
            handles.append(Line2D([], [], color="0.2", marker="|", linestyle="none",
                                  markersize=10, label="interval ends −β_R, ±iβ_I"))  # fmt: skip
        if title is None:
            title = (
                "order stars {z : |R(z) e^(−z)| ≤ 1}"
                if order_star
                else "stability regions (filled, or outside the hatched set) and their boundaries"
                if any_hatched
                else "stability regions (filled) and their boundaries"
            )
        axes.set_title(title)
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                    fontsize="small", framealpha=0.9, borderaxespad=0.0)  # fmt: skip
        figure.tight_layout()
        kind = FORMATS[target.suffix.lower()]
        metadata = {"Date": None} if kind == "svg" else {"Software": None}
        with (
            matplotlib.rc_context(
                {"svg.hashsalt": "tabc", "svg.fonttype": "none", "hatch.linewidth": 0.6}
            ),
            atomic_path(target, keep_suffix=True) as temporary,
        ):
            figure.savefig(temporary, format=kind, dpi=100, metadata=metadata,
                           bbox_inches="tight")  # fmt: skip
    finally:
        pyplot.close(figure)
    return extent


# --------------------------------------------------------------------------- by kind


@dataclass(frozen=True)
class KindPlot:
    """How ``tabc plot`` draws one scheme kind, or why it draws none."""

    curve: Callable[[Any], Curve] | None
    """The scheme's :class:`Curve`; None for a kind that is not drawn."""
    refused: str = ""
    """Why a kind is not drawn (``curve`` None)."""
    no_order_star: str = ""
    """Why the kind has no order star ("" when it has one)."""
    inside: Callable[[Curve, Any, bool], Any] | None = None
    """:func:`inside` for the kind's curves: (curve, z, order_star) -> mask."""
    boundary: Callable[[Curve, bool], tuple[Any, bool]] | None = None
    """Points on the boundary and whether it is bounded: (curve, order_star)."""
    region: Callable[..., bool] | None = None
    """Draws the region and its boundary on the axes; returns whether it hatched."""


PLOTS: dict[str, KindPlot] = {
    "runge-kutta": KindPlot(
        _runge_kutta_curve,
        inside=_runge_kutta_inside,
        boundary=_level_line_points,
        region=_runge_kutta_region,
    ),
    "linear-multistep": KindPlot(
        _multistep_curve,
        no_order_star="a multistep scheme has no single-valued R(z)",
        inside=_multistep_inside,
        boundary=_locus_points,
        region=_multistep_region,
    ),
    "partitioned-runge-kutta": KindPlot(
        None,
        refused="a partitioned pair has no single stability function on y' = λy (its q- and "
        "p-tableaus act on different components); draw each tableau as a Runge–Kutta scheme "
        "file of its own",
    ),
}
"""One entry per scheme kind (the ``kind`` of the scheme values and of :class:`Curve`): a new
kind is one entry."""
