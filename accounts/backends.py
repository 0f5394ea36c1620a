"""The log-in backend: Django's, reading a signed-in customer's profile with the user."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

from config.database import prepared_cursor

from .models import CustomerProfile


class ProfileModelBackend(ModelBackend):
    """Every portal request needs the customer's profile (language, verified address), so the
    user and the profile come in one query instead of two. Staff have no profile: the LEFT JOIN
    caches its absence, so asking for it costs no query either.

    The query is the one `select_related("customer_profile").get(pk=…)` sends, but built once
    per process and prepared once per connection (config.database): the ORM compiled it again
    on every request, which cost more CPU than any other step of signing a request in. The rows
    go through the fields' own converters and `Model.from_db`, as the ORM's do
    (tests/accounts/test_backends.py holds them equal)."""

    def get_user(self, user_id):
        user = _user_with_profile(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def _user_with_profile(user_id):
    User = get_user_model()
    alias = router.db_for_read(User)
    connection = connections[alias]
    sql, user_columns, profile_columns = _statement(alias)
    with prepared_cursor(alias) as cursor:
        cursor.execute(sql, [User._meta.pk.get_db_prep_value(user_id, connection)])
        row = cursor.fetchone()
    if row is None:
        return None
    user = _instance(User, alias, user_columns, row[: len(user_columns)])
    profile_row = row[len(user_columns) :]
    profile = None if profile_row[0] is None else _instance(CustomerProfile, alias, profile_columns, profile_row)
    link = CustomerProfile._meta.get_field("user")
    link.remote_field.set_cached_value(user, profile)  # user.customer_profile: no query, or DoesNotExist
    if profile is not None:
        link.set_cached_value(profile, user)
    return user


def _instance(model, alias: str, columns, values):
    connection = connections[alias]
    converted = []
    for (column, converters), value in zip(columns, values, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(alias, [column.target.attname for column, _ in columns], converted)


@cache
def _statement(alias: str):
    """SELECT the user's columns and the profile's, LEFT JOINed, with each column's converters."""
    User, connection = get_user_model(), connections[alias]
    quote = connection.ops.quote_name
    user_table, profile_table = User._meta.db_table, CustomerProfile._meta.db_table

    def columns(model, table):
        found = []
        for field in model._meta.concrete_fields:
            column = field.get_col(table)
            found.append((column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)))
        return found

    user_columns, profile_columns = columns(User, user_table), columns(CustomerProfile, profile_table)
    selected = ", ".join(f"{quote(column.alias)}.{quote(column.target.column)}" for column, _ in [*user_columns, *profile_columns])
    link = CustomerProfile._meta.get_field("user")
    sql = (
        f"SELECT {selected} FROM {quote(user_table)} LEFT OUTER JOIN {quote(profile_table)} "
        f"ON ({quote(user_table)}.{quote(User._meta.pk.column)} = {quote(profile_table)}.{quote(link.column)}) "
        f"WHERE {quote(user_table)}.{quote(User._meta.pk.column)} = %s"
    )
    return sql, user_columns, profile_columns
