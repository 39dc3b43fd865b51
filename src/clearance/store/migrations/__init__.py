"""Alembic migrations of the store, run by :func:`clearance.store.migrate.upgrade`."""
