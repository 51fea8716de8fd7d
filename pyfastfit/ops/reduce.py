"""reduce ops (being written)."""

__all__ = []
