"""portfolios: selectors."""
