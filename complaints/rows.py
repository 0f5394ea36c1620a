"""INSERT and UPDATE statements for the filing's hot path, compiled once per model.

Filing a complaint writes about ten rows. Model.save() and bulk_create() build their SQL again
on every call (query objects, compilers, a quoted name per column), which cost a filing more CPU
than PostgreSQL spent storing the rows. Here each model's statement is built once; the values
are still prepared by the model's own fields (`pre_save`, `get_db_prep_save`), so a row holds
exactly what save() would have stored, on PostgreSQL and SQLite alike.

`together()` goes one step further on PostgreSQL: the rows inserted inside the block reach the
server as one statement when it ends (a WITH of INSERTs), instead of one round trip each. Every
statement here has a fixed text per shape and goes through config.database.prepared_cursor, so
PostgreSQL prepares it once per connection instead of parsing and planning it each time.

No model signals are sent. Use these only for rows whose history and audit the caller writes
itself (the filing does: complaints.history, complaints.audit).
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from django.db import connection
from django_fsm import ConcurrentTransitionMixin

from config.database import prepared_cursor


def insert(*instances) -> None:
    """INSERT new instances of one model in one statement and set their primary keys (inside
    `together()` on PostgreSQL: queue them, and set the keys it reserved now, the rest at its end)."""
    batch = _together.get()
    if batch is not None:
        batch.add_rows(instances)
    else:
        _insert_now(instances)
    for instance in instances:
        _saved(instance)


def update(instance, fields: tuple[str, ...]) -> None:
    """UPDATE these fields of a saved instance (save(update_fields=...) without its signals). A
    row still queued by `together()` needs none: it is written with its values at the end."""
    batch = _together.get()
    if batch is not None and batch.holds(instance):
        return
    model_fields = [instance._meta.get_field(name) for name in fields]
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in model_fields]
    with prepared_cursor() as cursor:
        cursor.execute(_update_sql(type(instance), fields, connection.vendor), [*params, instance.pk])


def insert_select(instance, sql_from: Callable[[str], str], params: list) -> None:
    """Run (or inside `together()`, queue) an INSERT … SELECT reading the saved row of `instance`:
    `sql_from(source)` is its SQL reading from `source`, the quoted table or the queued INSERT."""
    batch = _together.get()
    if batch is not None:
        batch.add_statement(instance, sql_from, params)
        return
    with prepared_cursor() as cursor:
        cursor.execute(sql_from(_table(instance)), params)


def _table(instance) -> str:
    return connection.ops.quote_name(instance._meta.db_table)


@contextmanager
def together(*reserve):
    """On PostgreSQL, write the rows inserted in the block in one statement when it ends. Each
    model in `reserve` gets one primary key at the start (one statement for them all), so rows
    that refer to it, or hash it, can be built before anything is written.

    Inside the block nothing queued can be read back: keep it to code that only writes. On
    other databases (SQLite, the demo) each row is written at once, as outside the block."""
    if connection.vendor != "postgresql" or _together.get() is not None:
        yield
        return
    batch = _Together(_reserve(reserve))
    token = _together.set(batch)
    try:
        yield
    finally:
        _together.reset(token)
    batch.write()


# --- One row or several, now ------------------------------------------------------------------------


def _insert_now(instances) -> None:
    rows = _Rows(instances)
    with prepared_cursor() as cursor:
        cursor.execute(rows.sql(), rows.params())
        if not rows.with_pk:
            for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                instance.pk = pk


def _values(fields, instance) -> list:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]


def _saved(instance) -> None:
    """What save() records on an instance it has written."""
    instance._state.adding, instance._state.db = False, connection.alias
    if isinstance(instance, ConcurrentTransitionMixin):
        instance._update_initial_state()  # its next save checks the state it was saved in


@cache
def _written_fields(model, with_pk: bool) -> tuple:
    pk = model._meta.pk
    return tuple(
        field for field in model._meta.concrete_fields
        if not getattr(field, "generated", False) and (with_pk or field is not pk)
    )  # fmt: skip


@cache
def _insert_sql(model, vendor: str, rows: int, with_pk: bool, returning: str = "") -> str:
    """The INSERT of `rows` rows; without their keys it returns them (or what `returning` names)."""
    quote = connection.ops.quote_name
    fields = _written_fields(model, with_pk)
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join([row] * rows)}"
    returning = returning or ("" if with_pk else quote(model._meta.pk.column))
    return f"{sql} RETURNING {returning}" if returning else sql


@cache
def _update_sql(model, fields: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"


# --- Together, on PostgreSQL ----------------------------------------------------------------------


_together: ContextVar["_Together | None"] = ContextVar("complaints_rows_together", default=None)


def _reserve(models) -> dict:
    """One primary key for each model, from its sequence, in one statement."""
    if not models:
        return {}
    with prepared_cursor() as cursor:
        cursor.execute(_reserve_sql(tuple(models)))
        return dict(zip(models, cursor.fetchone(), strict=True))


@cache
def _reserve_sql(models: tuple) -> str:
    def key(model) -> str:
        table, column = model._meta.db_table, model._meta.pk.column
        return f"nextval(pg_get_serial_sequence('{table}', '{column}'))"

    return f"SELECT {', '.join(map(key, models))}"


class _Rows:
    """Instances of one model, written as one INSERT: now, or as a part of the WITH."""

    def __init__(self, instances):
        self.instances = instances
        self.model = type(instances[0])
        self.with_pk = instances[0].pk is not None or not self.model._meta.pk.db_returning
        self.read_whole = False  # a later statement reads the rows (RETURNING *)

    def shape(self):
        return (self.model, len(self.instances), self.with_pk, self.read_whole)

    def sql(self, aliases=None) -> str:
        returning = "*" if self.read_whole else ""
        return _insert_sql(self.model, connection.vendor, len(self.instances), self.with_pk, returning)

    def params(self) -> list:
        fields = _written_fields(self.model, self.with_pk)
        return [value for instance in self.instances for value in _values(fields, instance)]


class _Statement:
    """A queued INSERT … SELECT reading a row: from an earlier part, or from its table."""

    def __init__(self, reads: _Rows | None, source: str, sql_from, params):
        self.reads, self.source, self.sql_from, self.statement_params = reads, source, sql_from, params

    def shape(self):
        return (self.sql_from(self.source), self.reads is None)

    def sql(self, aliases) -> str:
        return self.sql_from(aliases[id(self.reads)] if self.reads else self.source)

    def params(self) -> list:
        return self.statement_params


class _Together:
    def __init__(self, reserved: dict):
        self.reserved = reserved  # model -> a primary key not yet given out
        self.parts: list = []
        self.queued: dict[int, _Rows] = {}  # id(instance) -> its part

    def add_rows(self, instances) -> None:
        for instance in instances:
            model = type(instance)
            if instance.pk is None and model in self.reserved:
                instance.pk = self.reserved.pop(model)
        if len({instance.pk is None for instance in instances}) > 1:
            raise ValueError("rows inserted together either all have their keys or none does")
        part = _Rows(instances)
        self.parts.append(part)
        self.queued.update((id(instance), part) for instance in instances)

    def holds(self, instance) -> bool:
        return id(instance) in self.queued

    def add_statement(self, instance, sql_from, params) -> None:
        reads = self.queued.get(id(instance))
        if reads is not None:
            reads.read_whole = True
        self.parts.append(_Statement(reads, _table(instance), sql_from, params))

    def write(self) -> None:
        if not self.parts:
            return
        params = [value for part in self.parts for value in part.params()]
        keyless = [part for part in self.parts if isinstance(part, _Rows) and not part.with_pk]
        with prepared_cursor() as cursor:
            cursor.execute(_together_sql(self), params)
            returned = cursor.fetchall()
        keys = [pk for _part, pk in returned if pk is not None]
        for instance, pk in zip([i for part in keyless for i in part.instances], keys, strict=True):
            instance.pk = pk


def _together_sql(batch: _Together) -> str:
    return _together_sql_of_shape(tuple(part.shape() for part in batch.parts), batch)


_shapes: dict = {}


def _together_sql_of_shape(shape, batch: _Together) -> str:
    """WITH p0 AS (INSERT …), p1 AS (INSERT …) … SELECT the keys the database assigned, part by
    part. PostgreSQL runs every INSERT of a WITH exactly once, referenced or not."""
    sql = _shapes.get(shape)
    if sql is not None:
        return sql
    quote = connection.ops.quote_name
    aliases = {id(part): f"p{number}" for number, part in enumerate(batch.parts)}
    parts = ",\n".join(f"{aliases[id(part)]} AS ({part.sql(aliases)})" for part in batch.parts)
    keys = [
        f"(SELECT {number}, {quote(part.model._meta.pk.column)} FROM {aliases[id(part)]})"
        for number, part in enumerate(batch.parts)
        if isinstance(part, _Rows) and not part.with_pk
    ]  # fmt: skip
    sql = _shapes[shape] = f"WITH {parts}\n{' UNION ALL '.join(keys) if keys else 'SELECT NULL, NULL'}"
    return sql
