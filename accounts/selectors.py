"""accounts: selectors."""
