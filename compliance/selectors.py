"""compliance: selectors."""
