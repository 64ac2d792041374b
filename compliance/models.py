"""compliance: models."""
