"""Backward rules for the random ops (being written)."""

RULES = {}
