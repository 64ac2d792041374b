"""compliance: admin."""
