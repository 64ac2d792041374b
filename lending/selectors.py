"""lending: selectors."""
