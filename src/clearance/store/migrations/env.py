"""Alembic environment of the store.

:func:`clearance.store.migrate.upgrade` runs migrations on a connection it has
already opened and locked (``config.attributes["connection"]``). The ``alembic``
command line also works: ``alembic -x url=sqlite:///data/clearance.db upgrade
head`` with ``script_location = clearance.store:migrations``.
"""

from __future__ import annotations

from alembic import context

from clearance.store.database import create_store_engine
from clearance.store.migrate import VERSION_TABLE
from clearance.store.schema import metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("pass the database: alembic -x url=sqlite:///path/clearance.db ...")
    engine = create_store_engine(url)
    with engine.connect() as opened:
        _run(opened)
        opened.commit()
    engine.dispose()
