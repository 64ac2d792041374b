"""portfolios: services."""
