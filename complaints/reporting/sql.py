"""The few expressions PostgreSQL and SQLite spell differently, and a way to run SQL."""

from contextlib import contextmanager

from django.db import connection, transaction


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def seconds_between(start: str, end: str) -> str:
    if is_postgres():
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


def utc_date(column: str) -> str:
    if is_postgres():
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"date({column})"


def id_list(ids) -> str:
    """Integer ids inlined into a statement (they are ints, so this can't inject)."""
    return ", ".join(str(int(pk)) for pk in ids) or "NULL"


def execute(statement: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def fetch(statement: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


@contextmanager
def local_settings(**settings: str):
    """Run the block in a transaction with these PostgreSQL settings (SET LOCAL: they end with
    the transaction, so a pooled connection goes back with its own). Nothing on SQLite."""
    if not is_postgres():
        yield
        return
    with transaction.atomic(savepoint=False):
        fetch("SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(settings)), [v for item in settings.items() for v in item])
        yield


def empty(table: str) -> None:
    """Remove every row. PostgreSQL's TRUNCATE leaves no dead rows behind for a rebuild to
    wade through (and is transactional)."""
    if not is_postgres():
        execute(f"DELETE FROM {table}")
        return
    # TRUNCATE refuses a table with foreign-key checks still pending in this transaction
    # (Django's constraints are deferred): run them now, then defer again.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute(f"TRUNCATE {table}")
    execute("SET CONSTRAINTS ALL DEFERRED")


def vacuum_analyze(*tables: str) -> None:
    """Fresh planner statistics and visibility map after a bulk rebuild. PostgreSQL only, and
    only outside a transaction (the command and the task call it after theirs)."""
    if is_postgres() and connection.get_autocommit():
        execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
