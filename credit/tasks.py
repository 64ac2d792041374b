"""credit: tasks."""
