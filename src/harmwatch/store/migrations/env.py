"""Alembic environment: runs migrations on the connection HarmWatch passes in."""

from __future__ import annotations

from alembic import context

from harmwatch.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via harmwatch.store.database
    raise RuntimeError("HarmWatch migrations run through harmwatch.store.database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
