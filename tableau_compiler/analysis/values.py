"""Computed numbers and judged properties, as the reports show them.

The analysis decides every property exactly (or, for an approximate scheme, exactly
against its tolerance); what it hands to the reports is a :class:`Value` per number:
exactly zero or not, up to 20 certified significant digits, and the exact text when
the analysis has it.  Text output prints a bounded string (:func:`shown`,
:func:`shown_size`): the exact value where it is short and the scheme is exact, else
decimals, with enough digits to tell a residual from the tolerance; JSON keeps the
exact text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = [
    "SIGNIFICANT",
    "Finding",
    "Judgement",
    "Value",
    "bounded",
    "finite",
    "fits_exact_text",
    "lowest_terms",
    "shown",
    "shown_apart",
    "shown_size",
    "sympy_text",
    "tolerance_digits",
    "tolerance_text",
]

SIGNIFICANT = 20
"""Significant digits a :class:`Value` keeps."""

EXACT_TEXT_LIMIT = 32
"""Longest exact number printed in text; longer ones print as decimals."""

SHORT_DIGITS = 7
"""Significant digits of a long exact number printed as a decimal (marked with ≈)."""


_LOG10_2 = math.log10(2)

EXACT_DIGITS_LIMIT = 4_000
"""Exact values with more digits are kept as certified digits only (Python refuses to print
integers beyond 4,300 digits, and no report could show them)."""


def _exact_text(value: Fraction) -> str | None:
    if (
        max(abs(value.numerator).bit_length(), value.denominator.bit_length())
        > 3.3 * EXACT_DIGITS_LIMIT
    ):
        return None
    return str(value)


def lowest_terms(numerator: int, denominator: int) -> Fraction:
    """numerator/denominator, already in lowest terms with denominator > 0 (a python-flint
    ``fmpq``'s or a sympy ``Rational``'s parts), as a Fraction without the gcd that
    ``Fraction()`` computes: Python's gcd is quadratic in the size (0.06 s for 270,000-bit
    numbers; 68 error constants of a 32-step scheme of 8,192-bit rationals took 94 s)."""
    make = getattr(Fraction, "_from_coprime_ints", None)  # Python 3.12 and later
    if make is not None:
        return make(numerator, denominator)
    try:
        return Fraction(numerator, denominator, _normalize=False)  # type: ignore[call-arg]
    except TypeError:  # neither: the plain, correct construction
        return Fraction(numerator, denominator)


def fits_exact_text(value: Any) -> bool:
    """Whether every number in the sympy expression ``value`` has at most
    :data:`EXACT_DIGITS_LIMIT` digits (``str`` of a longer integer raises in Python)."""
    import sympy

    limit = 3.3 * EXACT_DIGITS_LIMIT
    return all(
        max(abs(int(r.p)).bit_length(), int(r.q).bit_length()) <= limit
        for r in value.atoms(sympy.Rational)
    )


def sympy_text(value: Any) -> str:
    """``str`` of a sympy expression, with every number of more than
    :data:`EXACT_DIGITS_LIMIT` digits written as its 20 leading digits marked ≈
    (``≈1.2345678901234567890e+5001``): the exact text where Python can print it, a
    bounded, marked approximation where it cannot."""
    if fits_exact_text(value):
        return str(value)
    from sympy.printing.str import StrPrinter

    class _Bounded(StrPrinter):
        def _print_Integer(self, expr: Any) -> str:
            return self._print_Rational(expr)

        def _print_Rational(self, expr: Any) -> str:
            number = lowest_terms(int(expr.p), int(expr.q))
            if _exact_text(number) is not None:
                return super()._print_Rational(expr)
            mantissa, exponent = _digits_of(number, SIGNIFICANT)
            return "≈" + _format(mantissa, exponent)

    return _Bounded().doprint(value)


def _digits_of(value: Fraction, significant: int) -> tuple[int, int]:
    """(mantissa, exponent) with value ≈ mantissa·10^exponent, |mantissa| of ``significant``
    digits, rounded half up; (0, 0) for zero.  Integer arithmetic only."""
    numerator, denominator = value.numerator, value.denominator
    if numerator == 0:
        return 0, 0
    sign = -1 if numerator < 0 else 1
    numerator = abs(numerator)
    # n of N digits over d of M digits lies in (10^(N-M-1), 10^(N-M+1)): find e with
    # 10^(e-1) <= |value| < 10^e.
    # From bit lengths (str() of an integer beyond 4,300 digits raises): within 1 of e.
    exponent = math.floor((numerator.bit_length() - denominator.bit_length()) * _LOG10_2)
    while _scaled(numerator, denominator, -exponent) >= (1, 1):
        exponent += 1
    while _scaled(numerator, denominator, -(exponent - 1)) < (1, 1):
        exponent -= 1
    shift = exponent - significant
    top, bottom = _scaled_pair(numerator, denominator, shift)
    mantissa = (2 * top + bottom) // (2 * bottom)
    if mantissa >= 10**significant:  # rounding carried into a new digit
        mantissa, shift = (mantissa + 5) // 10, shift + 1
    return sign * mantissa, shift


def _scaled_pair(numerator: int, denominator: int, shift: int) -> tuple[int, int]:
    """numerator / (denominator · 10^shift) as an integer pair."""
    if shift >= 0:
        return numerator, denominator * 10**shift
    return numerator * 10**-shift, denominator


def _scaled(numerator: int, denominator: int, shift: int) -> tuple[int, int]:
    """(1, 1) when numerator · 10^shift >= denominator, else (0, 1) (for comparisons)."""
    top, bottom = _scaled_pair(numerator, denominator, -shift)
    return (1, 1) if top >= bottom else (0, 1)


@dataclass(frozen=True)
class Value:
    """A real number the analysis computed: certified digits, exact zero, exact text.

    ``mantissa`` × 10^``exponent`` is the value rounded to ``certain`` significant digits
    (every digit shown is right); ``mantissa`` is 0 exactly when the value is exactly 0.
    ``exact`` is the exact value's text (a rational or an algebraic expression), when known.
    """

    mantissa: int
    exponent: int = 0
    certain: int = SIGNIFICANT
    exact: str | None = None
    complete: bool = False
    """The value is exactly mantissa × 10^exponent (a short decimal): no digit was rounded."""
    bound: bool = False
    """No digit of the value is certified, only |value| < mantissa × 10^exponent: a rigorous
    upper bound (an approximate scheme's residual far below its tolerance, say)."""

    @property
    def zero(self) -> bool:
        return self.mantissa == 0

    @property
    def magnitude(self) -> float:
        """|value| as a float (0.0 only for an exact zero; tiny values keep their size)."""
        if self.mantissa == 0:
            return 0.0
        try:
            size = float(Fraction(abs(self.mantissa)) * Fraction(10) ** self.exponent)
        except OverflowError:
            return float("inf")
        return size if size > 0 else 5e-324

    def decimal(self, significant: int) -> str:
        """The value with ``significant`` digits (at most the certain ones), e.g. ``2.0e-40``;
        an upper bound reads ``< 3e-13``."""
        if self.mantissa == 0:
            return "0"
        if self.bound:
            return "< " + _format(self.mantissa, self.exponent)
        significant = max(1, min(significant, self.certain))
        mantissa, exponent = self.mantissa, self.exponent
        if self.complete:  # drop the trailing zeros of an exact decimal
            while mantissa % 10 == 0:
                mantissa, exponent = mantissa // 10, exponent + 1
        digits = len(str(abs(mantissa)))
        if digits > significant:
            mantissa, exponent = _digits_of(
                Fraction(mantissa) * Fraction(10) ** exponent, significant
            )
        return _format(mantissa, exponent)

    def rounded(self, significant: int) -> Fraction:
        """The value rounded to ``significant`` digits, exactly."""
        if self.mantissa == 0:
            return Fraction(0)
        m, e = _digits_of(Fraction(self.mantissa) * Fraction(10) ** self.exponent, significant)
        return Fraction(m) * Fraction(10) ** e

    def __abs__(self) -> Value:
        exact = self.exact
        if exact is not None and not _is_plain_number(exact):
            exact = None  # |x| of an expression is not its text without the sign
        elif exact is not None:
            exact = exact.lstrip("-")
        return Value(
            abs(self.mantissa), self.exponent, self.certain, exact, self.complete, self.bound
        )

    def to_json(self) -> str:
        """The exact text when known, else the certified digits."""
        return self.exact if self.exact is not None else self.decimal(self.certain)

    # ------------------------------------------------------------------ constructors

    @classmethod
    def of_fraction(cls, value: Fraction, exact: str | None = None) -> Value:
        mantissa, exponent = _digits_of(value, SIGNIFICANT)
        complete = Fraction(mantissa) * Fraction(10) ** exponent == value
        text = _exact_text(value) if exact is None else exact
        return cls(mantissa, exponent, SIGNIFICANT, text, complete)

    @classmethod
    def upper_bound(cls, bound: float) -> Value:
        """|value| < ``bound`` (> 0), rounded up to two significant digits."""
        mantissa, exponent = _digits_of(Fraction(bound), 2)
        if Fraction(mantissa) * Fraction(10) ** exponent < Fraction(bound):
            mantissa += 1
        return cls(mantissa, exponent, 2, None, False, True)

    @classmethod
    def zero_value(cls) -> Value:
        return cls(0, 0, SIGNIFICANT, "0", True)

    @classmethod
    def of_ball(cls, ball: Any, minimum_digits: int = 6) -> Value | None:
        """The digits a python-flint ``arb`` ball certifies, or None when it contains 0 or
        certifies fewer than ``minimum_digits`` digits (more precision is needed).

        A digit counts as certain when the ball's radius is below half a unit of it."""
        mid, radius, exponent = (int(x) for x in ball.mid_rad_10exp(SIGNIFICANT + 5))
        if mid == 0 or radius >= abs(mid):
            return None
        length = len(str(abs(mid)))
        certain = SIGNIFICANT if radius == 0 else min(SIGNIFICANT, length - len(str(2 * radius)))
        if certain < minimum_digits:
            return None
        mantissa, shift = _digits_of(Fraction(mid) * Fraction(10) ** exponent, certain)
        return cls(mantissa, shift, certain, None)

    @classmethod
    def of_real(cls, value: Any, exact: str | None, *, zero: bool) -> Value:
        """A value known exactly elsewhere (``zero`` decided exactly) with its digits from
        sympy's ``evalf`` (which tracks its own accuracy)."""
        if zero:
            return cls.zero_value()
        import sympy

        approximation = sympy.Rational(sympy.Float(value.evalf(SIGNIFICANT + 10), SIGNIFICANT + 10))
        mantissa, exponent = _digits_of(
            lowest_terms(int(approximation.p), int(approximation.q)), SIGNIFICANT
        )
        if mantissa == 0:  # smaller than evalf resolves: keep the sign and a tiny size
            mantissa, exponent = 1, -400
            return cls(mantissa, exponent, 1, exact)
        return cls(mantissa, exponent, SIGNIFICANT, exact)


def _is_plain_number(text: str) -> bool:
    body = text.removeprefix("-")
    return bool(body) and all(ch.isdigit() or ch in "./e+-" for ch in body)


def _format(mantissa: int, exponent: int) -> str:
    """mantissa·10^exponent as ``0.033``, ``1.5``, ``1.2e+2``, ``2.0e-40`` (every digit kept,
    none added: a digit not certified is never printed as a trailing zero)."""
    sign = "-" if mantissa < 0 else ""
    digits = str(abs(mantissa))
    point = len(digits) + exponent  # position of the decimal point from the left
    scientific = point - 1
    if -4 <= scientific < 6 and point <= len(digits):
        if point <= 0:
            body = "0." + "0" * (-point) + digits
        elif point == len(digits):
            body = digits
        else:
            body = digits[:point] + "." + digits[point:]
        return sign + body
    body = digits[0] + ("." + digits[1:] if len(digits) > 1 else ".0")
    return f"{sign}{body}e{scientific:+03d}".replace("e+0", "e+").replace("e-0", "e-")


def tolerance_text(tolerance: float) -> str:
    return f"{tolerance:g}"


def tolerance_digits(tolerance: float) -> int:
    """Significant digits an approximate scheme's derived values are printed with: as many
    as its tolerance supports (1e-9: 9), at least 3 and at most :data:`SIGNIFICANT`."""
    import math

    return max(3, min(SIGNIFICANT, math.ceil(-math.log10(tolerance))))


def _digits_against(value: Value, tolerance: float | None, least: int) -> int:
    """Significant digits enough to tell |value| from the tolerance (at least ``least``)."""
    if tolerance is None:
        return least
    bound = Fraction(repr(tolerance))
    truth = abs(Fraction(value.mantissa) * Fraction(10) ** value.exponent)
    for significant in range(least, value.certain + 1):
        shown_value = abs(value.rounded(significant))
        if (
            shown_value == truth
            or (shown_value > bound) == (truth > bound)
            and shown_value != bound
        ):
            return significant
    return value.certain


def shown(value: Value, tolerance: float | None, *, least: int = 3) -> str:
    """A signed value for text: exact when short and the scheme exact, else decimals."""
    if value.zero:
        return "0"
    if tolerance is None:
        if value.exact is not None and len(value.exact) <= EXACT_TEXT_LIMIT:
            return value.exact
        return "≈ " + value.decimal(SHORT_DIGITS)
    return value.decimal(_digits_against(value, tolerance, least))


def shown_apart(value: Value, tolerance: float | None, reference: Fraction) -> str:
    """:func:`shown`, with digits added until a value that is not ``reference`` does not
    print as it (a step factor 1.0000004 is not '1.00')."""
    text = shown(value, tolerance)
    exact = Fraction(value.mantissa) * Fraction(10) ** value.exponent
    if value.zero or text == value.exact or exact == reference:
        return text
    significant = 3
    while significant < value.certain and value.rounded(significant) == reference:
        significant += 1
    return ("≈ " if tolerance is None else "") + value.decimal(max(significant, 3))


def shown_size(value: Value, tolerance: float | None, *, least: int = 3) -> str:
    """|value| as a decimal for text ('0' only for an exact zero)."""
    if value.zero:
        return "0"
    return abs(value).decimal(_digits_against(value, tolerance, least))


def finite(x: float | None) -> float | None:
    """A float for JSON: None for NaN and ±∞ (strict JSON has neither; a value beyond the
    floats is carried exactly as a string beside it)."""
    return None if x is None or not math.isfinite(x) else x


def bounded(text: str, limit: int = EXACT_TEXT_LIMIT) -> str:
    """Text cut to ``limit`` characters, marked with … when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- judgements


@dataclass(frozen=True)
class Judgement:
    """A property decided exactly or, for an approximate scheme, to its tolerance.

    ``size`` is the quantity the decision compares with the tolerance (``quantity`` names
    it, e.g. ``|R(∞)|``); ``exactly`` says the property holds with the exact values, no
    tolerance needed.  ``holds`` is None when it cannot be decided (symbolic parameters).
    """

    holds: bool | None
    tolerance: float | None = None
    quantity: str = ""
    size: Value | None = None
    exactly: bool = False
    reason: str = ""
    """Why it fails (or a remark) when the size alone does not say it."""

    def words(self) -> str:
        """'yes', 'no (|R(∞)| = 1)', 'yes, to tolerance 1e-15 (|R(∞)| = 2.0e-40)' ..."""
        if self.holds is None:
            return "undecided" + (f" ({self.reason})" if self.reason else "")
        size = ""
        if self.size is not None and self.quantity:
            size = f"{self.quantity} = {shown_size(self.size, self.tolerance)}"
        if self.holds:
            if self.tolerance is None:
                return "yes"
            if self.exactly:
                return "yes (exactly)"
            return f"yes, to tolerance {tolerance_text(self.tolerance)}" + (
                f" ({size})" if size else ""
            )
        details = [x for x in (size, self.reason) if x]
        if size and self.tolerance is not None and self.size is not None:
            exact = abs(Fraction(self.size.mantissa) * Fraction(10) ** self.size.exponent)
            if exact > Fraction(repr(self.tolerance)):
                details[0] += f", above the tolerance {tolerance_text(self.tolerance)}"
        return "no" + (f" ({'; '.join(details)})" if details else "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"holds": self.holds, "exactly": self.exactly}
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
        if self.quantity:
            data["quantity"] = self.quantity
        if self.size is not None:
            data["size"] = abs(self.size).to_json()
            data["magnitude"] = finite(self.size.magnitude)
        if self.reason:
            data["reason"] = self.reason
        return data


@dataclass(frozen=True)
class Finding:
    """A failure or warning in words, with the key path it depends on (for annotations).

    ``key`` is () when no single key can be named.
    """

    message: str
    key: tuple[str | int, ...] = ()


class FindingsReport:
    """What a verdict reads off an analysis's :attr:`findings` and warnings (a mixin of
    :class:`~.runge_kutta.RungeKuttaAnalysis` and :class:`~.multistep.MultistepAnalysis`).

    A subclass provides ``findings`` (why the scheme misses its claim, each with its key),
    ``warnings`` (sentences) and ``warning_keys`` (their keys, or () when none is known).
    """

    findings: list[Finding]
    warnings: tuple[str, ...]
    warning_keys: tuple[tuple[str | int, ...], ...]

    @property
    def failures(self) -> list[str]:
        """Why the scheme misses its claim, one sentence per reason (empty when it passes)."""
        return [finding.message for finding in self.findings]

    @property
    def warning_findings(self) -> list[Finding]:
        keys = self.warning_keys or ((),) * len(self.warnings)
        return [Finding(message, key) for message, key in zip(self.warnings, keys)]

    @property
    def passed(self) -> bool:
        return not self.findings


def polynomial_text(terms: list[tuple[int, bool, str]], variable: str) -> str:
    """``3*z**2 - 0.5*z + 1`` from (power, negative, |coefficient| as text), highest power
    first; a coefficient "1" of a power is left out, an empty list is "0"."""
    shown = []
    for power, negative, number in terms:
        name = "" if power == 0 else (variable if power == 1 else f"{variable}**{power}")
        text = name if name and number == "1" else number + (f"*{name}" if name else "")
        shown.append((negative, text))
    if not shown:
        return "0"
    out = ("-" if shown[0][0] else "") + shown[0][1]
    for negative, text in shown[1:]:
        out += (" - " if negative else " + ") + text
    return out
