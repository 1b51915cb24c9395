"""Alembic migrations; run them with ``yinling db upgrade``."""
