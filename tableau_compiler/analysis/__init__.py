"""Analysis as pure functions over scheme values: order, stability, parameter regions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..scheme import Scheme
    from .multistep import MultistepAnalysis
    from .partitioned import PartitionedAnalysis
    from .runge_kutta import RungeKuttaAnalysis

__all__ = ["ANALYSES", "analyse"]


def analyse(
    scheme: Scheme, *, full: bool = False, strict: bool = False
) -> RungeKuttaAnalysis | MultistepAnalysis | PartitionedAnalysis:
    """The analysis ``tabc check`` (``full=False``) or ``tabc info`` (``full=True``) reports.

    ``strict`` (``--strict``): what the file's conventions would excuse fails anyway — a
    multistep step rescaling under ``step_scaling = "absorbed"``, a written c that lowers
    the order under ``nodes = "row-sums"``.  Learnable bounds that hold a value where the
    scheme is undefined are refused (:class:`~tableau_compiler.errors.SchemaError`); bounds
    that leave the zero-stable region of a multistep family are a warning, refused under
    ``strict``.
    """
    if any(p.learnable and p.bounds is not None for p in scheme.parameters):
        import dataclasses

        from ..errors import SchemaError
        from .regions import bounds_outside_region, check_learnable_bounds

        check_learnable_bounds(scheme)
        outside = bounds_outside_region(scheme)
        if outside and strict:
            key, message = outside[0]
            raise SchemaError(message + " (refused under --strict)", key=key)
        if outside:
            analysis = _analyse(scheme, full, strict)
            return dataclasses.replace(  # type: ignore[type-var]
                analysis,
                warnings=(*analysis.warnings, *(message for _, message in outside)),
                warning_keys=(*_keys(analysis), *(key for key, _ in outside)),
            )
    return _analyse(scheme, full, strict)


def _keys(analysis: Any) -> tuple:
    """The warnings' keys, () for each warning that has none."""
    keys = tuple(getattr(analysis, "warning_keys", ()))
    return keys if keys else ((),) * len(analysis.warnings)


def _analyse(
    scheme: Scheme, full: bool, strict: bool
) -> RungeKuttaAnalysis | MultistepAnalysis | PartitionedAnalysis:
    return ANALYSES[scheme.kind](scheme, full=full, strict=strict)


# Each kind's analysis is imported for a scheme of that kind alone (``tabc check`` of a
# Runge–Kutta file imports no multistep or partitioned analysis).


def _runge_kutta(scheme: Any, *, full: bool, strict: bool) -> RungeKuttaAnalysis:
    from .runge_kutta import analyse_tableau

    return analyse_tableau(scheme, full=full, strict=strict)


def _partitioned(scheme: Any, *, full: bool, strict: bool) -> PartitionedAnalysis:
    # the partitioned analysis has no strict mode: it excuses no convention that --strict refuses
    from .partitioned import analyse_partitioned

    return analyse_partitioned(scheme, full=full)


def _multistep(scheme: Any, *, full: bool, strict: bool) -> MultistepAnalysis:
    from .multistep import analyse_multistep

    return analyse_multistep(scheme, full=full, strict=strict)


ANALYSES: dict[str, Callable[..., Any]] = {
    "runge-kutta": _runge_kutta,
    "partitioned-runge-kutta": _partitioned,
    "linear-multistep": _multistep,
}
"""The analysis of each scheme kind (the ``kind`` of the scheme values), called as
``ANALYSES[scheme.kind](scheme, full=..., strict=...)``: a new kind is one entry."""
