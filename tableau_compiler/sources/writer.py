"""A found tableau as a scheme file (docs/scheme-format.md), and the orders tabc decides.

The coefficients are written as the source writes them, in tabc's grammar: exact where the
source is exact (integers, quotients of integers, ``//``, ``Fraction``, square roots), and
decimals as written otherwise.  A tableau with a decimal of 8 or more significant digits gets
a ``tolerance`` those digits support: 10^(3 − d) × max(1, M), rounded up to a power of ten,
d the fewest such digits and M the largest coefficient (a residual sums a few hundred
products of entries each rounded to d digits); decimals with fewer digits are taken to be the
values their authors chose (Tsitouras' c₂ = 0.161), under the default tolerance 1e-12.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace

from .. import limits
from . import FoundTableau
from .literals import Scalar

__all__ = ["Decided", "decide_orders", "scheme_name", "scheme_text"]

LONG_DECIMAL = 8
"""Significant digits from which a decimal is taken as a rounded value (sets the tolerance)."""


def scheme_name(source_name: str) -> str:
    """A scheme name (``^[a-z][a-z0-9_]{0,63}$``) from the source's: ``RK45`` → ``rk45``,
    ``_DORMAND_PRINCE_SHAMPINE_TABLEAU`` → ``dormand_prince_shampine``, ``constructRK4`` →
    ``rk4``, ``Tsit5ConstantCache`` → ``tsit5``."""
    name = source_name
    for prefix in ("construct",):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
    name = (
        re.sub(r"(ConstantCacheActual|ConstantCache|_TABLEAU|_tableau|Tableau)$", "", name) or name
    )
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    name = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not name or not name[0].isalpha():
        name = "t_" + name
    return name[:64].rstrip("_")


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _coefficients(values: tuple[Scalar, ...] | list[Scalar]) -> str:
    return "[" + ", ".join(_string(x.text) for x in values) + "]"


def _all(found: FoundTableau) -> list[Scalar]:
    values = [x for row in found.a for x in row] + list(found.b)
    for extra in (found.c, found.b_hat, found.error_weights):
        values += list(extra or ())
    return values


def tolerance_for(found: FoundTableau) -> float | None:
    """The tolerance the written digits support (module docstring), or None."""
    values = _all(found)
    digits = [d for x in values for d in x.decimal_digits if d >= LONG_DECIMAL]
    if not digits:
        return None
    largest = max([1.0, *(abs(x.magnitude) for x in values if math.isfinite(x.magnitude))])
    exponent = math.ceil(3 - min(digits) + math.log10(largest))
    exponent = max(-300, min(-3, exponent))
    return float(f"1e{exponent}")


def _explicit(found: FoundTableau) -> bool:
    return all(x.text == "0" for i, row in enumerate(found.a) for x in row[i:])


def scheme_text(found: FoundTableau, path: str, *, order: int, embedded_order: int | None,
                decided_note: str = "") -> str:  # fmt: skip
    """The scheme file of ``found``, claiming ``order`` (and ``embedded_order``)."""
    declared = []
    if found.declared_order is not None:
        declared.append(f"order {found.declared_order}")
    if found.declared_embedded_order is not None:
        declared.append(f"embedded order {found.declared_embedded_order}")
    description = (
        f"Imported by tabc import from {path}, line {found.line}: {found.name} "
        f"({found.library} convention). "
        + (f"The source declares {' and '.join(declared)}. " if declared else "")
        + decided_note
        + " ".join(found.notes)
    ).strip()
    lines = [
        f"name = {_string(scheme_name(found.name))}",
        'kind = "runge-kutta"',
        f"title = {_string(found.name[: limits.MAX_TEXT_LENGTH])}",
        f"description = {_string(description[: limits.MAX_TEXT_LENGTH])}",
        f"order = {order}",
    ]
    tolerance = tolerance_for(found)
    if tolerance is not None:
        lines.append(f"tolerance = {tolerance:g}")
    lines += ["", "[tableau]"]
    if found.c is not None:
        lines.append(f"c = {_coefficients(found.c)}")
    explicit = _explicit(found)
    rows = [row[:i] if explicit else row for i, row in enumerate(found.a)]
    lines.append("a = [")
    lines += [f"  {_coefficients(row)}," for row in rows]
    lines.append("]")
    lines.append(f"b = {_coefficients(found.b)}")
    if embedded_order is not None:
        if found.error_weights is not None:
            lines.append(f"error_weights = {_coefficients(found.error_weights)}")
        elif found.b_hat is not None:
            lines.append(f"b_hat = {_coefficients(found.b_hat)}")
        lines.append(f"embedded_order = {embedded_order}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Decided:
    """The orders tabc decides for a found tableau, with the analysis that decided them."""

    order: int
    embedded_order: int | None
    analysis: object
    scheme: object
    text: str


def _has_embedded(found: FoundTableau) -> bool:
    return found.error_weights is not None or found.b_hat is not None


def decide_orders(found: FoundTableau, path: str) -> Decided:
    """Decide the order (and embedded order) of ``found`` exactly, or to the tolerance its
    digits support, by claiming one more than shown until a claim is missed: the order is the
    highest p whose conditions all hold, at most s for an explicit tableau (an explicit s-stage
    method has order at most s) and 2s otherwise.

    Raises :class:`~tableau_compiler.errors.SchemeError` when the coefficients break the
    format's limits (the scheme file would be refused).
    """
    from ..analysis.runge_kutta import analyse_tableau
    from ..parsing import parse_scheme

    s = found.stages
    cap = min(limits.MAX_RUNGE_KUTTA_ORDER, s if _explicit(found) else 2 * s)
    embedded = _has_embedded(found)
    order = min(cap, (found.declared_order or 1) + 1)
    embedded_claim = min(cap, (found.declared_embedded_order or 1) + 1) if embedded else None
    text = scheme_text(found, path, order=max(order, 1), embedded_order=embedded_claim)
    scheme = parse_scheme(text, source=f"{path}:{found.line}")
    while True:
        claimed = replace(scheme, order=max(order, 1), embedded_order=embedded_claim)
        analysis = analyse_tableau(claimed)
        more = analysis.order >= order and order < cap and not analysis.undecided
        more_hat = (
            embedded_claim is not None
            and analysis.embedded_order is not None
            and analysis.embedded_order >= embedded_claim
            and embedded_claim < cap
            and not analysis.embedded_undecided
        )
        if not (more or more_hat):
            break
        order += 1 if more else 0
        embedded_claim = (
            embedded_claim + 1 if more_hat and embedded_claim is not None else embedded_claim
        )
    return Decided(analysis.order, analysis.embedded_order, analysis, scheme, text)
