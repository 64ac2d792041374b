"""Transaction monitoring: rules as classes (`base.Rule`), registered in `rules.RULES`, run by
`compliance.services.monitoring.monitoring_run`."""
