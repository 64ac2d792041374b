"""portfolios: admin."""
