"""INSERT and UPDATE statements for the filing's hot path, compiled once per model.

Filing a complaint writes about ten rows. Model.save() and bulk_create() build their SQL again
on every call (query objects, compilers, a quoted name per column), which cost a filing more CPU
than PostgreSQL spent storing the rows. Here each model's statement is built once; the values
are still prepared by the model's own fields (`pre_save`, `get_db_prep_save`), so a row holds
exactly what save() would have stored, on PostgreSQL and SQLite alike.

No model signals are sent. Use these only for rows whose history and audit the caller writes
itself (the filing does: complaints.history, complaints.audit).
"""

from functools import cache

from django.db import connection
from django_fsm import ConcurrentTransitionMixin


def insert(*instances) -> None:
    """INSERT new instances of one model in one statement and set their primary keys."""
    model = type(instances[0])
    fields, returning, _row_sql = _insert_parts(model, connection.vendor)
    params = []
    for instance in instances:
        params += [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, connection.vendor, len(instances)), params)
        if returning:
            for instance, (pk,) in zip(instances, cursor.fetchall(), strict=True):
                instance.pk = pk
    for instance in instances:
        _saved(instance)


def _saved(instance) -> None:
    """What save() records on an instance it has written."""
    instance._state.adding, instance._state.db = False, connection.alias
    if isinstance(instance, ConcurrentTransitionMixin):
        instance._update_initial_state()  # its next save checks the state it was saved in


def update(instance, fields: tuple[str, ...]) -> None:
    """UPDATE these fields of a saved instance (save(update_fields=...) without its signals)."""
    model_fields = [instance._meta.get_field(name) for name in fields]
    params = [field.get_db_prep_save(getattr(instance, field.attname), connection) for field in model_fields]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(type(instance), fields, connection.vendor), [*params, instance.pk])


def _written_fields(model, with_pk: bool):
    pk = model._meta.pk
    return [
        field for field in model._meta.concrete_fields
        if not getattr(field, "generated", False) and (with_pk or field is not pk)
    ]  # fmt: skip


@cache
def _insert_parts(model, vendor: str):
    """The fields written, whether the primary key comes back, and one row's placeholders.
    A model whose primary key the database assigns has it returned; one with its own (a
    one-to-one key) sends it."""
    auto_pk = model._meta.pk.db_returning
    fields = _written_fields(model, with_pk=not auto_pk)
    return fields, auto_pk, f"({', '.join(['%s'] * len(fields))})"


@cache
def _insert_sql(model, vendor: str, rows: int) -> str:
    quote = connection.ops.quote_name
    fields, returning, row_sql = _insert_parts(model, vendor)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES {', '.join([row_sql] * rows)}"
    return f"{sql} RETURNING {quote(model._meta.pk.column)}" if returning else sql


@cache
def _update_sql(model, fields: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    return f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
