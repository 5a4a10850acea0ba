"""Names shared by the code generator and the code that imports what it generated."""

from __future__ import annotations

__all__ = ["class_prefix"]


def class_prefix(name: str) -> str:
    """``lobatto_iiia3`` -> ``LobattoIiia3`` (the name is ``[a-z][a-z0-9_]*``: always safe)."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
