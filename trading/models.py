"""trading: models."""
