"""A linear multistep method: sum alpha_j y_{n+j} = h sum beta_j f_{n+j}, j = 0..k."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..expression import Expression
from .base import Scheme


@dataclass(frozen=True, kw_only=True)
class MultistepScheme(Scheme):
    """alpha_0..alpha_k and beta_0..beta_k in the usual convention (HNW I.III.2)."""

    alpha: tuple[Expression, ...]
    beta: tuple[Expression, ...]
    step_scaling: str = "fixed"
    """``"fixed"`` (the default): the step is the one written, so the method must be
    consistent as written (ρ(1) = 0, ρ'(1) = σ(1) ≠ 0); ``"absorbed"`` (the file's
    ``step_scaling``): a network absorbs a constant factor of the step, so ρ'(1) ≠ σ(1) is
    consistent with the step rescaled by σ(1)/ρ'(1), a warning."""

    kind = "linear-multistep"

    @property
    def steps(self) -> int:
        return len(self.alpha) - 1

    def coefficients(self) -> Iterator[Expression]:
        yield from self.alpha
        yield from self.beta
