"""Words in what tabc prints: a count with its noun, singular or plural (``1 stage``,
``3 stages``, ``1 seed``).  Imports nothing, so every layer may use it."""

from __future__ import annotations

__all__ = ["count"]


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` and ``noun``, in the plural (``plural``, else noun + "s") unless it is 1.

    >>> count(1, "stage"), count(4, "stage"), count(1, "entry", "entries")
    ('1 stage', '4 stages', '1 entry')
    """
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
