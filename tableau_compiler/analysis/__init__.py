"""Analysis as pure functions over scheme values: order, stability, parameter regions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..deferred import deferred_class

if TYPE_CHECKING:
    from ..scheme import Scheme
    from .multistep import MultistepAnalysis
    from .partitioned import PartitionedAnalysis
    from .runge_kutta import RungeKuttaAnalysis

__all__ = ["analyse"]

# Stand-ins for isinstance (see tableau_compiler.deferred): each kind's analysis is imported for
# a scheme of that kind alone.
ButcherTableau = deferred_class("tableau_compiler.scheme.butcher", "ButcherTableau")
PartitionedTableau = deferred_class("tableau_compiler.scheme.partitioned", "PartitionedTableau")


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
    if isinstance(scheme, ButcherTableau):
        from .runge_kutta import analyse_tableau

        return analyse_tableau(scheme, full=full, strict=strict)
    if isinstance(scheme, PartitionedTableau):
        from .partitioned import analyse_partitioned

        return analyse_partitioned(scheme, full=full)
    from .multistep import analyse_multistep

    return analyse_multistep(scheme, full=full, strict=strict)  # type: ignore[arg-type]
