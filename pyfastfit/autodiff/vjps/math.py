"""Backward rules for the math ops (being written)."""

RULES = {}
