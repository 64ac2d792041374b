"""lending: services."""
