"""Backward rules for the shape ops (being written)."""

RULES = {}
