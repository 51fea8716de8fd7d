"""Backward rules for the crossentropy ops (being written)."""

RULES = {}
