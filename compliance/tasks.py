"""compliance: tasks."""
