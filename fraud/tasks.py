"""fraud: tasks."""
