"""math ops (being written)."""

__all__ = []
