"""credit: selectors."""
