"""Backward rules for the reduce ops (being written)."""

RULES = {}
