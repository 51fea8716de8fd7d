"""Training loops: compile / fit / evaluate / predict (the Trainer mixin of Model)."""
