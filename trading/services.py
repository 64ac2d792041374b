"""trading: services."""
