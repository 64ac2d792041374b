"""lending: admin."""
