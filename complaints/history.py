"""django-simple-history, set up for a desk that writes a history row on every change.

`HistoricalRecords` here is simple-history's, with one difference: the `history` manager's
class is built once per model instead of on every attribute access (simple-history calls
`Manager.from_queryset`, which inspects the queryset class, each time `instance.history` is
read — once per saved row). `history_rows` writes several snapshots of one saved row in one
statement that copies the row in the database, so its values are not sent back again.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from django.db import connection
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords as _HistoricalRecords


class _BuiltOnceHistoryDescriptor(HistoryDescriptor):
    @cached_property
    def _manager(self):
        return self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self._manager(self.model, instance)


class HistoricalRecords(_HistoricalRecords):
    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if type(descriptor) is HistoryDescriptor:  # this model's, not an inherited one
            setattr(sender, self.manager_name, _BuiltOnceHistoryDescriptor(
                descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class,
            ))  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """One history row to write: the row as saved, but for `differences`; when, who and why."""

    at: datetime
    user: object
    reason: str
    differences: dict = field(default_factory=dict)  # attname -> value in this snapshot
    created: bool = False


def differences(instance, before: dict) -> dict:
    """The tracked values in `before` (an earlier `tracked_values`) that the instance has changed
    since, but for its primary key (given when it was first saved)."""
    key = instance._meta.pk.attname
    return {name: value for name, value in before.items() if name != key and getattr(instance, name) != value}


def tracked_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance).history.model.tracked_fields}


def history_rows(instance, snapshots: list[Snapshot]) -> None:
    """Write the snapshots of a saved row as its history rows, in one INSERT … SELECT."""
    History = type(instance).history.model
    tracked = [field.column for field in History.tracked_fields]
    parts, params = [], []
    for snapshot in snapshots:
        select, values = _snapshot_select(instance, History, tracked, snapshot)
        parts.append(select)
        params += values
    columns = ", ".join(map(connection.ops.quote_name, [*tracked, *_HISTORY_COLUMNS]))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {connection.ops.quote_name(History._meta.db_table)} ({columns}) {' UNION ALL '.join(parts)}", params)


_HISTORY_COLUMNS = ("history_date", "history_type", "history_user_id", "history_change_reason")


def _snapshot_select(instance, History, tracked: list[str], snapshot: Snapshot) -> tuple[str, list]:
    model = type(instance)
    quote, params, expressions = connection.ops.quote_name, [], []
    by_column = {model._meta.get_field(name).column: (model._meta.get_field(name), value) for name, value in snapshot.differences.items()}
    for column in tracked:
        if column in by_column:
            field, value = by_column[column]
            expressions.append(_placeholder(field))
            params.append(field.get_db_prep_save(value, connection))
        else:
            expressions.append(quote(column))
    history = {"history_date": snapshot.at, "history_type": "+" if snapshot.created else "~",
               "history_user_id": snapshot.user.pk if snapshot.user else None,
               "history_change_reason": snapshot.reason[:100]}  # fmt: skip
    for column, value in history.items():
        expressions.append(_placeholder(History._meta.get_field(column)))
        params.append(History._meta.get_field(column).get_db_prep_save(value, connection))
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    params.append(instance.pk)
    return f"SELECT {', '.join(expressions)} FROM {table} WHERE {pk} = %s", params


def _placeholder(field) -> str:
    """A typed placeholder on PostgreSQL, where a NULL in a UNION needs its type."""
    if connection.vendor != "postgresql":
        return "%s"
    return f"%s::{field.db_type(connection).split('(')[0]}"
