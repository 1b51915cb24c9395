"""Operational tasks behind the CLI: backup and restore."""
