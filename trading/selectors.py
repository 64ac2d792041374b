"""trading: selectors."""
