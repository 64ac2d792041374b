"""portfolios: models."""
