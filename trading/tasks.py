"""trading: tasks."""
