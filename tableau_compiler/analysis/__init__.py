"""Analysis as pure functions over scheme values: order, stability, parameter regions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scheme import Scheme
    from .multistep import MultistepAnalysis
    from .partitioned import PartitionedAnalysis
    from .runge_kutta import RungeKuttaAnalysis

__all__ = ["analyse"]


def analyse(
    scheme: Scheme, *, full: bool = False
) -> RungeKuttaAnalysis | MultistepAnalysis | PartitionedAnalysis:
    """The analysis ``tabc check`` (``full=False``) or ``tabc info`` (``full=True``) reports."""
    from ..scheme import ButcherTableau, PartitionedTableau

    if any(p.learnable and p.bounds is not None for p in scheme.parameters):
        from .regions import check_learnable_bounds

        check_learnable_bounds(scheme)
    if isinstance(scheme, ButcherTableau):
        from .runge_kutta import analyse_tableau

        return analyse_tableau(scheme, full=full)
    if isinstance(scheme, PartitionedTableau):
        from .partitioned import analyse_partitioned

        return analyse_partitioned(scheme, full=full)
    from .multistep import analyse_multistep

    return analyse_multistep(scheme, full=full)  # type: ignore[arg-type]
