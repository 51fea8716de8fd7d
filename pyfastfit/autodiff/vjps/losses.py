"""Backward rules for the losses ops (being written)."""

RULES = {}
