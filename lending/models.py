"""lending: models."""
