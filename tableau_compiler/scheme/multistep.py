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

    kind = "linear-multistep"

    @property
    def steps(self) -> int:
        return len(self.alpha) - 1

    def coefficients(self) -> Iterator[Expression]:
        yield from self.alpha
        yield from self.beta
