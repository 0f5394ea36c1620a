"""django-simple-history, set up for a desk that writes a history row on every change.

`HistoricalRecords` here is simple-history's, with one difference: the `history` manager's
class is built once per model instead of on every attribute access (simple-history calls
`Manager.from_queryset`, which inspects the queryset class, each time `instance.history` is
read — once per saved row). `history_rows` writes several snapshots of one saved row in one
statement that copies the row in the database, so its values are not sent back again.
"""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property

from django.db import connection
from simple_history.manager import HistoryDescriptor
from simple_history.models import HistoricalRecords as _HistoricalRecords

from . import rows


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
    model = type(instance)
    History = model.history.model
    overrides = [tuple(model._meta.get_field(name) for name in snapshot.differences) for snapshot in snapshots]
    params = []
    for snapshot, fields in zip(snapshots, overrides, strict=True):
        params += [field.get_db_prep_save(snapshot.differences[field.attname], connection) for field in fields]
        values = (snapshot.at, "+" if snapshot.created else "~", snapshot.user.pk if snapshot.user else None, snapshot.reason[:100])
        params += [field.get_db_prep_save(value, connection) for field, value in zip(_history_fields(History), values, strict=True)]
        params.append(instance.pk)
    shape, vendor = tuple(overrides), connection.vendor
    rows.insert_select(instance, lambda source: _history_sql(model, History, shape, vendor, source), params)


_HISTORY_COLUMNS = ("history_date", "history_type", "history_user_id", "history_change_reason")


@cache
def _history_fields(History) -> tuple:
    return tuple(History._meta.get_field(column) for column in _HISTORY_COLUMNS)


@cache
def _history_sql(model, History, overrides: tuple[tuple, ...], vendor: str, source: str) -> str:
    """The INSERT … SELECT for snapshots overriding these fields, built once per shape, reading
    the row from `source` (its table, or the INSERT that writes it: complaints.rows)."""
    quote = connection.ops.quote_name
    tracked = [field.column for field in History.tracked_fields]
    selects = []
    for fields in overrides:
        by_column = {field.column: field for field in fields}
        expressions = [_placeholder(by_column[column]) if column in by_column else quote(column) for column in tracked]
        expressions += [_placeholder(field) for field in _history_fields(History)]
        selects.append(f"SELECT {', '.join(expressions)} FROM {source} WHERE {quote(model._meta.pk.column)} = %s")
    columns = ", ".join(map(quote, [*tracked, *_HISTORY_COLUMNS]))
    return f"INSERT INTO {quote(History._meta.db_table)} ({columns}) {' UNION ALL '.join(selects)}"


def _placeholder(field) -> str:
    """A typed placeholder on PostgreSQL, where a NULL in a UNION needs its type."""
    if connection.vendor != "postgresql":
        return "%s"
    return f"%s::{field.db_type(connection).split('(')[0]}"
