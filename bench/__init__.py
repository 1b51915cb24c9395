"""Benchmarks: scripts run by hand, not timed tests. Results go to docs/benchmarks.md."""
