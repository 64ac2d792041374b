"""trading: admin."""
