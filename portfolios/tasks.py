"""portfolios: tasks."""
