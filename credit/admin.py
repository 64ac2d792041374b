"""credit: admin."""
