"""Order-condition residuals of decimal schemes in float64, with a rigorous error bound.

An approximate scheme is judged against its tolerance t (|b·Φ(t) − 1/γ(t)| <= t, on the
exact rationals of the written decimals).  Deciding that needs the residual only to an
absolute accuracy well below t, so every tree is evaluated in float64 (one BLAS product
per order, as in :mod:`.order`) together with a bound e(t) on the distance between the
computed residual and the exact one, carried through the same recursion.

Running error analysis (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed.,
§3.1 and §3.5; Wilkinson's running bounds): with u = 2^-53, γ_s = s·u/(1 − s·u) and
u' = u/(1 − u), for computed x̂, ŵ with |x̂ − x| <= e_x, |ŵ − w| <= e_w:

* a correctly rounded input â = fl(a):           |â − a| <= u'·|â|
* a product ẑ = fl(x̂·ŵ):                         e_z = u·|x̂||ŵ| + |x̂|·e_w + (|ŵ| + e_w)·e_x
* a matrix product v̂ = fl(Â·ẑ) (any summation order): e_v = |Â|·((γ_s + u')·|ẑ| + (1 + u')·e_z)
* a residual r̂ = fl(fl(b̂·ẑ) − fl(1/γ)):          e_r = |b̂|·((γ_s + u')·|ẑ| + (1 + u')·e_z)
                                                          + u'·(1/γ) + u'·|r̂|

The bounds are themselves computed in float64 from non-negative terms (at most s + 3
operations each), so each is multiplied by κ = 1 + (4s + 16)·u, which covers their own
rounding; an absolute 2^-1000 per entry and level covers underflow.  The bound uses the
computed magnitudes |ẑ| (not |A|-powers, which cancel badly in tableaus with large
entries such as Feagin's), so it stays near the actual rounding error.  Anything not
finite, or a comparison the bound cannot decide, is left to the ball arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .rooted_trees import TREES

__all__ = ["FloatResiduals", "float_floor", "float_levels", "float_residuals"]

UNIT = 2.0**-53
TINY = 2.0**-1000


@dataclass(frozen=True)
class FloatResiduals:
    """Computed residuals and their rigorous error bounds, indexed as :data:`TREES`."""

    values: Any
    """float64 array: r̂(t) = fl(b·Φ(t) − 1/γ(t))."""
    errors: Any
    """float64 array: |r̂(t) − r(t)| <= errors[t] for the exact residual r(t)."""

    def holds(self, tolerance: float) -> Any:
        """Boolean array: proved |r(t)| <= tolerance."""
        return (abs(self.values) + self.errors) * (1 + 4 * UNIT) <= tolerance * (1 - 4 * UNIT)

    def fails(self, tolerance: float) -> Any:
        """Boolean array: proved |r(t)| > tolerance."""
        return (abs(self.values) - self.errors) * (1 - 4 * UNIT) > tolerance * (1 + 4 * UNIT)


def _split(x: Any) -> tuple[float, float]:
    """(hi, lo): hi the correctly rounded float64 of the exact rational x (Python's int / int
    rounds so), lo that of x − hi; |x − (hi + lo)| <= 2^-106·|x|."""
    value = Fraction(int(x.p), int(x.q)) if hasattr(x, "p") else Fraction(x)
    hi = value.numerator / value.denominator
    rest = value - Fraction(hi)
    return hi, rest.numerator / rest.denominator


def _extended_unit(np: Any) -> float:
    """The unit roundoff of ``numpy.longdouble`` (2^-64 for x86's 80-bit format; 2^-53 where
    it is float64), plus 2^-105 for the two-float rounding of the inputs."""
    return float(np.finfo(np.longdouble).eps) / 2 + 2.0**-105


def float_floor() -> float:
    """The smallest tolerance the float path can decide against (2^10 unit roundoffs of the
    widest float this platform has); below it the ball arithmetic decides."""
    import numpy as np

    return 2**10 * min(UNIT, _extended_unit(np))


def float_residuals(
    a: Sequence[Sequence[Any]],
    weights: Sequence[Sequence[Any]],
    max_order: int,
    tolerance: float,
    leaf: Sequence[Any] | None = None,
) -> list[FloatResiduals] | None:
    """Residuals of every tree up to ``max_order`` for each weight vector, with error bounds
    that decide every condition against ``tolerance``: float64 first, then the platform's
    extended precision (``numpy.longdouble``, 64 significant bits on x86) where it is wider.
    None when neither decides every condition (the ball arithmetic decides then).

    ``a``, ``weights`` and ``leaf`` hold exact rationals (python-flint ``fmpq``); ``leaf``
    replaces A·1 where a child of the root is a single vertex (the written c)."""
    import numpy as np

    try:
        pairs = [[_split(x) for x in row] for row in a]
        weight_pairs = [[_split(x) for x in w] for w in weights]
        leaf_pairs = None if leaf is None else [_split(x) for x in leaf]
    except OverflowError:
        return None
    extended = _extended_unit(np)
    kinds = []
    if tolerance > 2**10 * UNIT:  # float64 cannot decide residuals within 2^-43 of 0
        kinds.append((np.float64, UNIT))
    if extended < UNIT / 4 and tolerance > 2**10 * extended:
        kinds.append((np.longdouble, extended))
    for index, (dtype, unit) in enumerate(kinds):

        def array(values: Any, dtype: Any = dtype) -> Any:
            hi = np.array([[h for h, _ in row] for row in values], dtype=dtype)
            if dtype is np.float64:
                return hi
            return hi + np.array([[lo for _, lo in row] for row in values], dtype=dtype)

        found = _evaluate(
            np,
            dtype,
            array(pairs),
            [array([w])[0] for w in weight_pairs],
            None if leaf_pairs is None else array([leaf_pairs])[0],
            max_order,
            unit,
            give_up=tolerance if index + 1 < len(kinds) else None,
        )
        if found is not None and all(
            (r.holds(tolerance) | r.fails(tolerance)).all() for r in found
        ):
            return found
    return None


def _evaluate(
    np: Any,
    dtype: Any,
    matrix: Any,
    vectors: list[Any],
    leaf: Any,
    max_order: int,
    unit: float,
    give_up: float | None = None,
) -> list[FloatResiduals] | None:
    """The recursion of the module docstring, values in ``dtype`` of unit roundoff ``unit``,
    error bounds in float64 (from non-negative terms, each inflated by κ for its own
    rounding and for rounding the values to float64); arrays are (trees, stages), so that
    gathering the subtrees' rows copies contiguous memory.  With ``give_up``, None as soon as
    an order's bounds alone exceed it (a wider type is worth trying then)."""
    f64 = np.float64
    s = matrix.shape[0]
    u1 = unit / (1 - unit)
    # Higham's γ_n counts the non-zero terms of a row: adding an exact zero rounds nothing
    terms = max([1, int((matrix != 0).sum(axis=1).max())] + [int((b != 0).sum()) for b in vectors])
    gamma_s = terms * unit / (1 - terms * unit)
    kappa = 1 + (4 * s + 32) * UNIT
    matrix_t = matrix.T.copy()
    absolute_t = np.abs(matrix_t).astype(f64) * (1 + 2 * UNIT)
    weights = [np.abs(b).astype(f64) * (1 + 2 * UNIT) for b in vectors]

    def magnitude(x: Any) -> Any:
        return np.abs(x).astype(f64) if dtype is not f64 else np.abs(x)

    trees = TREES.extend_to(max_order)
    total = trees.start[max_order + 1]
    below = max(1, trees.start[max_order])
    rest = np.asarray(trees.rest[:total])
    child = np.asarray(trees.child[:total])
    phi = np.empty((total, s), dtype=dtype)
    a_phi = np.empty((below, s), dtype=dtype)
    # float64 beside the values: their magnitudes (rounded: within κ) and error bounds
    phi_size = np.empty((total, s), dtype=f64)
    phi_error = np.empty((total, s), dtype=f64)
    a_phi_size = np.empty((below, s), dtype=f64)
    a_phi_error = np.empty((below, s), dtype=f64)
    phi[0], phi_size[0], phi_error[0] = 1, 1, 0
    with np.errstate(over="ignore", invalid="ignore"):
        if leaf is None:
            a_phi[0] = matrix.sum(axis=1)
            a_phi_error[0] = absolute_t.sum(axis=0) * (gamma_s + u1) * kappa + TINY
        else:
            a_phi[0] = leaf
            a_phi_error[0] = magnitude(leaf) * u1 * kappa + TINY
        a_phi_size[0] = magnitude(a_phi[0])
        for n in range(2, max_order + 1):
            lo, hi = trees.start[n], trees.start[n + 1]
            left, right = rest[lo:hi], child[lo:hi]
            z = np.multiply(phi[left], a_phi[right], out=phi[lo:hi])
            ax, e_x = phi_size[left], phi_error[left]
            aw, e_w = a_phi_size[right], a_phi_error[right]
            size = phi_size[lo:hi]
            np.multiply(ax, aw, out=size)
            error = phi_error[lo:hi]
            np.multiply(size, unit, out=error)
            error += ax * e_w
            aw += e_w
            aw *= e_x
            error += aw
            error *= kappa
            error += TINY
            if give_up is not None and (error @ weights[0]).max() > give_up:
                return None
            if dtype is not f64:  # the product's own magnitude, not that of its factors
                np.abs(z, out=size, casting="unsafe")
            if n < max_order:
                np.matmul(z, matrix_t, out=a_phi[lo:hi])
                np.abs(a_phi[lo:hi], out=a_phi_size[lo:hi], casting="unsafe")
                spread = size * (gamma_s + u1)
                spread += (1 + u1) * error
                np.matmul(spread, absolute_t, out=a_phi_error[lo:hi])
                a_phi_error[lo:hi] *= kappa
                a_phi_error[lo:hi] += TINY
        # γ(t) <= 17! < 2^53 is exact in float64; 1/γ is rounded once, in ``dtype``
        gamma = np.asarray(trees.gamma[:total], dtype=f64)
        inverse = 1 / gamma.astype(dtype)
        inverse_gamma = 1 / gamma
        spread = phi_size
        spread *= gamma_s + u1
        spread += (1 + u1) * phi_error
        out = []
        for b, absolute_b in zip(vectors, weights):
            values = phi @ b - inverse
            errors = spread @ absolute_b
            errors += u1 * inverse_gamma + u1 * magnitude(values)
            errors *= kappa
            errors += TINY
            if not (np.isfinite(values).all() and np.isfinite(errors).all()):
                return None
            out.append(FloatResiduals(values, errors))
    return out


def float_levels(found: FloatResiduals, max_order: int, tolerance: float) -> list[Any] | None:
    """One :class:`~.order.ConditionLevel` per order 1..``max_order`` from decided residuals.

    A failing level reports its failing residual of largest |r̂| with the digits its bound
    certifies (None, for the ball arithmetic, when fewer than 6 are); a level that holds
    reports a certified upper bound on its residuals, from the tree with the largest one."""
    import numpy as np

    from .order import ConditionLevel
    from .values import Value

    holds, fails = found.holds(tolerance), found.fails(tolerance)
    levels = []
    for q in range(1, max_order + 1):
        lo, hi = TREES.start[q], TREES.start[q + 1]
        if not (holds[lo:hi] | fails[lo:hi]).all():
            return None
        size = np.abs(found.values[lo:hi])
        failed = int(fails[lo:hi].sum())
        if failed:
            index = int(np.argmax(np.where(fails[lo:hi], size, -1)))
            value = _certified(found.values[lo + index], found.errors[lo + index])
            if value is None:
                return None
        else:
            upper = size + found.errors[lo:hi]
            index = int(np.argmax(upper))
            value = Value.upper_bound(float(upper[index]) * (1 + 4 * UNIT))
        levels.append(ConditionLevel(q, hi - lo, failed, lo + index, value))
    return levels


def _certified(value: Any, error: Any) -> Any:
    """The digits of the ball value ± error (3 at least, what a report shows), or None."""
    import flint

    from .arithmetic import flint_precision
    from .values import Value

    middle = Fraction(*value.as_integer_ratio())
    with flint_precision(128):
        ball = flint.arb(flint.fmpq(middle.numerator, middle.denominator), float(error) * 2)
        return Value.of_ball(ball, minimum_digits=3)


def float_principal_error(found: FloatResiduals, order: int) -> tuple[float, list[float]] | None:
    """The error coefficients (b·Φ(t) − 1/γ(t))/σ(t) of the trees of ``order`` and their
    2-norm, as :func:`~.order.principal_error` gives them; None unless the bounds move the
    norm by less than a relative 10^-6 (the ball arithmetic computes them then)."""
    import numpy as np

    lo, hi = TREES.start[order], TREES.start[order + 1]
    sigma = np.asarray(TREES.sigma[lo:hi], dtype=np.float64)
    values = np.abs(found.values[lo:hi]).astype(np.float64) / sigma
    errors = found.errors[lo:hi].astype(np.float64) / sigma
    norm = float(np.sqrt((values * values).sum()))
    if float(np.sqrt((errors * errors).sum())) > 1e-6 * norm:
        return None
    return norm, [float(x) for x in values]
