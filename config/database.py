"""A cursor for the statements every filing and every signed-in request runs.

Django binds parameters on the client by default (psycopg's ClientCursor): each statement
reaches PostgreSQL as text to parse and plan again, and a ClientCursor never prepares. For
the few statements on the hot path — the sign-in query and the filing's INSERTs — this cursor
binds on the server, so psycopg prepares each of them once per connection (after
OPTIONS["prepare_threshold"] runs, set in config/settings.py) and PostgreSQL then only binds
and executes. Every other query keeps Django's cursor. The statements must have a fixed text
for a given shape; their values go as parameters.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor, register_tzloader
from psycopg.pq import Format


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS):
    """Django's cursor wrapper (query logging, error translation) around a server-binding cursor
    on PostgreSQL; Django's own cursor elsewhere."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    # As Django's create_cursor(): timestamps in the connection's time zone.
    if connection.timezone != connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone:
        register_tzloader(connection.timezone, raw)
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    with cursor:
        yield cursor
