"""compliance: services."""
