"""Benchmarks: `make bench` runs every `bench/bench_*.py` and writes bench/REPORT.md and report.json.

Each module exposes `run() -> list[dict]`; a figure is a dict with `name`, `value`, `unit`,
`baseline` (its exact definition), `baseline_value` (measured in the same run), `ratio`, and
optionally `target` (text), `met` (bool), `counts` and `data_size`.
"""
