"""fraud: services."""
