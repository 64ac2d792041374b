"""credit: services."""
