"""Chain anchoring tables."""
