"""accounts: tasks."""
