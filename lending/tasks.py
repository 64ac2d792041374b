"""lending: tasks."""
