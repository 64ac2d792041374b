"""credit: models."""
