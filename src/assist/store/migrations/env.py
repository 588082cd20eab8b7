"""Alembic's environment. Migrations run only through `assist.store.migrate` (`assist db
upgrade`, or a server's start), on the connection it hands over, inside its lock and its
transaction."""

from alembic import context

from assist.store.tables import metadata  # for `alembic revision --autogenerate`

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `assist db upgrade` (or let the server apply them at start)"
    )
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
