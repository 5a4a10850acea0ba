"""The smallest exact domain that holds a scheme's coefficients.

Order conditions are sums of products of coefficients; deciding them exactly is
cheap only in a small domain where every operation reduces at once:

* rationals (the common case, and decimals read as the exact rationals they
  write): python-flint's ``fmpq``, with no sympy import at all;
* rationals with radicals: sympy's algebraic field ``QQ<theta>`` (a primitive
  element, dense polynomials reduced by its minimal polynomial);
* parameters or pi: sympy's polynomial rings and fraction fields (``QQ[k]``,
  ``QQ(k)``); pi is transcendental, so ``QQ[pi]`` decides zero exactly too;
* anything else (pi or parameters together with radicals) would need sympy's expression
  domain ``EX``, whose cost has no bound: refused (:class:`~tableau_compiler.errors.LimitError`).

Each domain is wrapped in a :class:`Field` with the few operations the analysis
needs; the elements themselves support ``+``, ``-`` and ``*`` directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ..expression import Expression
from .values import Value, fits_exact_text, lowest_terms, sympy_text

__all__ = ["Field", "RationalField", "SmallRationalField", "SympyField", "field_for"]


class Field:
    """Exact arithmetic over one domain; elements support ``+ - *``."""

    name: str = "?"
    symbolic: bool = False
    """True when elements are functions of free parameters (no single value)."""

    def convert(self, values: Sequence[Any]) -> list[Any]:
        """Elements for the given values (what :func:`field_for` was built with)."""
        raise NotImplementedError

    def rational(self, numerator: int, denominator: int = 1) -> Any:
        raise NotImplementedError

    def matrix(self, rows: Sequence[Sequence[Any]]) -> Any:
        """A matrix prepared for repeated :meth:`apply` (here: its non-zero entries by row)."""
        return [[(j, x) for j, x in enumerate(row) if not self.is_zero(x)] for row in rows]

    def apply(self, matrix: Any, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """[M v for v in vectors] for a matrix from :meth:`matrix`."""
        zero = self.rational(0)
        return [[sum((x * v[j] for j, x in row), zero) for row in matrix] for v in vectors]

    def is_zero(self, x: Any) -> bool:
        raise NotImplementedError

    def divide(self, x: Any, y: Any) -> Any:
        raise NotImplementedError

    @property
    def sympy_domain(self) -> Any:
        """The sympy domain whose elements these are (for sympy's polynomials)."""
        raise NotImplementedError

    def sign(self, x: Any) -> int:
        """The sign of a real constant: exact zero test, then digits until the sign shows."""
        if self.is_zero(x):
            return 0
        value = self.to_sympy(x)
        for digits in (30, 100, 400, 1600):
            approximation = value.evalf(digits)
            if approximation.is_number and abs(approximation) > 10 ** (5 - digits):
                return 1 if approximation > 0 else -1
        from ..errors import AnalysisError

        raise AnalysisError(f"cannot decide the sign of {value}")

    def magnitude(self, x: Any) -> float:
        """|x| as a float, for reports (not for decisions)."""
        raise NotImplementedError

    def value(self, x: Any) -> Value:
        """x for the reports: exact zero test, certified digits, exact text."""
        if self.is_zero(x):
            return Value.zero_value()
        value = self.to_sympy(x)
        # the exact text only where Python can print it (numbers of up to 4,000 digits)
        return Value.of_real(value, str(value) if fits_exact_text(value) else None, zero=False)

    def size(self, x: Any, zero_bound: int | None = None) -> float:
        """|x| as a float whose zero is exact (``zero_bound``: see :meth:`BallField.value`)."""
        if self.is_zero(x):
            return 0.0
        return self.magnitude(x) or 5e-324  # non-zero, below float range: still not zero

    def exceeds(self, x: Any, tolerance: float) -> bool:
        """Whether |x| > tolerance, decided exactly (exact signs of x - t and x + t)."""
        exact = Fraction(repr(tolerance))  # the tolerance as written, exactly
        bound = self.rational(exact.numerator, exact.denominator)
        return self.sign(x - bound) > 0 or self.sign(x + bound) < 0

    def to_sympy(self, x: Any) -> Any:
        raise NotImplementedError

    def text(self, x: Any) -> str:
        """The exact value, printed (numbers beyond 4,000 digits as marked ≈ digits)."""
        return sympy_text(self.to_sympy(x))


class RationalField(Field):
    """QQ, with python-flint's ``fmpq``: no sympy needed."""

    name = "QQ"
    small = False
    """True for :class:`SmallRationalField` (``Fraction`` elements, no python-flint)."""

    def __init__(self) -> None:
        import flint

        self._fmpq = flint.fmpq

    def convert(self, values: Sequence[Fraction]) -> list[Any]:
        return [self._fmpq(v.numerator, v.denominator) for v in values]

    def rational(self, numerator: int, denominator: int = 1) -> Any:
        return self._fmpq(numerator, denominator)

    def matrix(self, rows: Sequence[Sequence[Any]]) -> Any:
        import flint

        return flint.fmpq_mat(len(rows), len(rows[0]), [x for row in rows for x in row])

    def apply(self, matrix: Any, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """One flint matrix product for all vectors: the bulk of the order-condition work."""
        import flint

        return _columns(matrix, flint.fmpq_mat, vectors)

    def is_zero(self, x: Any) -> bool:
        return x == 0

    def divide(self, x: Any, y: Any) -> Any:
        return x / y

    @property
    def sympy_domain(self) -> Any:
        from sympy import QQ

        return QQ

    def sign(self, x: Any) -> int:
        return (x > 0) - (x < 0)

    def magnitude(self, x: Any) -> float:
        return _fraction_magnitude(int(x.numerator), int(x.denominator))

    def value(self, x: Any) -> Value:
        return Value.of_fraction(lowest_terms(int(x.p), int(x.q)))

    def exceeds(self, x: Any, tolerance: float) -> bool:
        bound = Fraction(repr(tolerance))  # the tolerance as written, exactly
        return abs(x) > self._fmpq(bound.numerator, bound.denominator)

    def to_sympy(self, x: Any) -> Any:
        import sympy

        return sympy.Rational(int(x.p), int(x.q))

    def text(self, x: Any) -> str:
        return str(x)


class SmallRationalField(RationalField):
    """QQ with Python's ``Fraction``: for the small exact checks (a textbook tableau at its
    claimed order), where importing python-flint (about 30 ms) costs more than the
    arithmetic.  The same exact decisions as :class:`RationalField`; the elements are
    ``Fraction`` and products are plain sums over the non-zero entries."""

    small = True

    def __init__(self) -> None:
        self._fmpq = Fraction

    def convert(self, values: Sequence[Fraction]) -> list[Any]:
        return list(values)

    matrix = Field.matrix
    apply = Field.apply

    def magnitude(self, x: Any) -> float:
        return _fraction_magnitude(x.numerator, x.denominator)

    def value(self, x: Any) -> Value:
        return Value.of_fraction(x)

    def to_sympy(self, x: Any) -> Any:
        import sympy

        return sympy.Rational(x.numerator, x.denominator)


SMALL_BITS = 64
"""Largest numerator or denominator (bits) :class:`SmallRationalField` takes."""


def _fraction_magnitude(numerator: int, denominator: int) -> float:
    try:
        return abs(numerator / denominator)
    except OverflowError:
        return float("inf")


def _columns(matrix: Any, kind: Any, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """[M v for v in vectors] as one flint matrix product (``kind``: the matrix type)."""
    if not vectors:
        return []
    columns, count = matrix.ncols(), len(vectors)
    entries = (
        matrix * kind(columns, count, [v[i] for i in range(columns) for v in vectors])
    ).entries()
    return [entries[j::count] for j in range(count)]


class Undecided(Exception):
    """A ball is too wide to decide a comparison at the current precision."""


class BallField(Field):
    """Real balls (python-flint's ``arb``) at a fixed precision: for approximate schemes.

    Every value is a rigorous enclosure of the exact rational it stands for, so a
    comparison with the tolerance that the ball decides is decided correctly; one it
    cannot decide raises :class:`Undecided` and the caller retries with more bits.
    """

    name = "real balls"

    def __init__(self, bits: int) -> None:
        import flint

        self.bits = bits
        self._arb = flint.arb
        self._flint = flint
        self._bound: tuple[float, Any] | None = None

    def precision(self):
        """Use this field's precision inside a ``with`` block (flint's is global)."""
        return _Precision(self._flint, self.bits)

    def rational(self, numerator: int, denominator: int = 1) -> Any:
        return self._arb(self._flint.fmpq(numerator, denominator))

    def convert(self, values: Sequence[Any]) -> list[Any]:
        return [self._arb(v) for v in values]

    def matrix(self, rows: Sequence[Sequence[Any]]) -> Any:
        return self._flint.arb_mat(len(rows), len(rows[0]), [x for row in rows for x in row])

    def apply(self, matrix: Any, vectors: Sequence[Sequence[Any]]) -> list[list[Any]]:
        return _columns(matrix, self._flint.arb_mat, vectors)

    def is_zero(self, x: Any) -> bool:
        raise Undecided("balls cannot prove a value zero")

    def exceeds(self, x: Any, tolerance: float) -> bool:
        if self._bound is None or self._bound[0] != tolerance:
            exact = Fraction(repr(tolerance))
            self._bound = (
                tolerance,
                self._arb(self._flint.fmpq(exact.numerator, exact.denominator)),
            )
        bound_ball = self._bound[1]
        if abs(x) > bound_ball:
            return True
        if abs(x) <= bound_ball:
            return False
        raise Undecided(f"|{x}| against {tolerance:g}")

    def magnitude(self, x: Any) -> float:
        return float(abs(x).mid())

    def value(self, x: Any, zero_bound: int | None = None) -> Value:
        """Certified digits of x, or an exact 0 proved by ``zero_bound``.

        ``zero_bound`` is an integer L such that L·x is an integer for the exact value x
        stands for (a common denominator): a ball with |x| < 1/L then holds only 0.
        Raises :class:`Undecided` when this precision shows neither.
        """
        found = Value.of_ball(x)
        if found is not None:
            return found
        if zero_bound is not None and x.abs_upper() * self._arb(zero_bound) < 1:
            return Value.zero_value()
        raise Undecided(f"{x} at {self.bits} bits")

    def size(self, x: Any, zero_bound: int | None = None) -> float:
        return self.value(x, zero_bound).magnitude

    def text(self, x: Any) -> str:
        return x.mid().str(12, radius=False, more=True)


def flint_precision(bits: int) -> _Precision:
    """flint's working precision set to ``bits`` inside a ``with`` block (flint's is global,
    so it is restored on the way out)."""
    import flint

    return _Precision(flint, bits)


class _Precision:
    def __init__(self, flint: Any, bits: int) -> None:
        self.flint, self.bits = flint, bits

    def __enter__(self) -> None:
        self.saved = self.flint.ctx.prec
        self.flint.ctx.prec = self.bits

    def __exit__(self, *exc: object) -> None:
        self.flint.ctx.prec = self.saved


class SympyField(Field):
    """A sympy domain (algebraic field, polynomial ring, fraction field or EX)."""

    def __init__(self, domain: Any, symbolic: bool) -> None:
        self.domain = domain
        self.name = str(domain)
        if getattr(domain, "is_AlgebraicField", False):
            # by its generators, QQ<sqrt(2), sqrt(3)>, not by its primitive element (a
            # 500-character sum of radicals for four square roots)
            generators = ", ".join(str(x) for x in domain.orig_ext)
            if len(generators) > 60:
                generators = f"θ of degree {len(domain.mod.to_list()) - 1}"
            self.name = f"QQ<{generators}>"
        self.symbolic = symbolic

    def convert(self, values: Sequence[Any]) -> list[Any]:
        return [self.domain.from_sympy(v) for v in values]

    def rational(self, numerator: int, denominator: int = 1) -> Any:
        import sympy

        return self.domain.from_sympy(sympy.Rational(numerator, denominator))

    def is_zero(self, x: Any) -> bool:
        return bool(self.domain.is_zero(x))

    def divide(self, x: Any, y: Any) -> Any:
        return self.domain.quo(x, y)

    @property
    def sympy_domain(self) -> Any:
        return self.domain

    def magnitude(self, x: Any) -> float:
        value = self.domain.to_sympy(x)
        if value.free_symbols:
            return float("nan")
        return abs(float(value.evalf(30)))

    def to_sympy(self, x: Any) -> Any:
        return self.domain.to_sympy(x)


def field_for(
    expressions: Sequence[Expression],
    values: Mapping[str, Expression] | None,
    *,
    quadratic: bool = True,
    small: bool = False,
) -> tuple[Field, list[Any]]:
    """Choose the smallest exact domain for ``expressions`` and convert them.

    ``values`` gives each parameter's value (the analysis "at the parameter
    values"); None keeps parameters as free symbols (the analysis "for which
    parameter values").  ``quadratic=False`` skips the QQ(√d) field, for callers
    that hand the elements on to sympy.  ``small=True`` says the caller's work is small
    (a short check): rationals of at most :data:`SMALL_BITS` bits then come as
    :class:`SmallRationalField`, without importing python-flint.
    """
    environment: dict[str, Fraction] | None = {}
    if values is not None:
        for name, expression in values.items():
            value = expression.rational()
            if value is None:
                environment = None
                break
            environment[name] = value  # type: ignore[index]
    elif any(expression.names for expression in expressions):
        environment = None
    if environment is not None:
        rationals = [expression.rational(environment) for expression in expressions]
        if all(value is not None for value in rationals):
            field = (
                SmallRationalField()
                if small and all(_fits_small(value) for value in rationals)  # type: ignore[arg-type]
                else RationalField()
            )
            return field, field.convert(rationals)  # type: ignore[arg-type]
        if quadratic:
            from .quadratic import quadratic_values

            found = quadratic_values(expressions, environment, small=small)
            if found is not None:
                return found
    return _sympy_field(expressions, values)


def _fits_small(value: Fraction) -> bool:
    return max(value.numerator.bit_length(), value.denominator.bit_length()) <= SMALL_BITS


def _sympy_field(
    expressions: Sequence[Expression], values: Mapping[str, Expression] | None
) -> tuple[Field, list[Any]]:
    import sympy
    from sympy.polys.constructor import construct_domain

    names = sorted(set().union(*(expression.names for expression in expressions)))
    symbols = {name: sympy.Symbol(name, real=True) for name in names}
    from ..errors import CoefficientError

    substitution = {}
    if values is not None:
        substitution = {symbols[n]: values[n].to_sympy() for n in names if n in values}
    exprs = []
    for index, expression in enumerate(expressions):
        # Errors name the coefficient by its index; the caller turns that into a key path.
        try:
            value = expression.to_sympy(symbols).subs(substitution)
        except CoefficientError as error:
            raise CoefficientError(error.message, key=(index,)) from None
        if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise CoefficientError(
                f"{expression.text!r} is undefined at the parameter values", key=(index,)
            )
        if value.is_real is False:
            raise CoefficientError(
                f"{expression.text!r} is not a real number at the parameter values", key=(index,)
            )
        exprs.append(value)
    symbolic = any(e.free_symbols for e in exprs)
    # A rational constant among the values makes sympy choose QQ rather than ZZ; a field
    # (QQ(k), QQ(pi) rather than the rings QQ[k], QQ[pi]) allows the divisions the analysis
    # makes, such as the step factor sigma(1)/rho'(1).
    domain, elements = construct_domain([*exprs, sympy.Rational(1, 2)], extension=True, field=True)
    if domain.is_EX:
        # No polynomial domain holds them (pi or a parameter together with square roots):
        # exact arithmetic on sympy expressions has no bound on its cost (a 4-step scheme
        # mixing pi and radicals ran for minutes in one gcd).
        from ..errors import LimitError

        index = next(
            (
                i
                for i, e in enumerate(exprs)
                if e.has(sympy.pi, *symbols.values()) and e.has(sympy.Pow)
            ),
            0,
        )
        raise LimitError(
            f"{expressions[index].text!r}: coefficients that mix pi or parameters with square "
            "roots have no exact field the analysis can bound (sympy's expression domain); "
            "write such values as decimals with a tolerance",
            key=(index,),
        )
    return SympyField(domain, symbolic), list(elements[:-1])
