"""Database helpers shared by the apps."""

from __future__ import annotations

import functools

from django.db import connections, router
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.db.models.signals import post_save, pre_save


def prepared_cursor(using: str = "default") -> CursorWrapper:
    """A cursor for a hand-written query that runs on every request: on
    PostgreSQL its plan is made once per connection and kept
    (athena.postgresql), elsewhere it is a plain cursor."""
    connection = connections[using]
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


def prepared_insert(instance: Model, using: str | None = None) -> None:
    """Save the new `instance` with one INSERT ... RETURNING its key, as
    `save()` would, but with the statement built once per process and, on
    PostgreSQL, prepared once per connection: for a row written on a hot path
    (a learner's quiz answer), where building the INSERT cost more than running
    it. A model with parents, or with save signals listened to, is saved by
    `save()` instead, so nothing that relies on them is skipped."""
    model = type(instance)
    using = using or router.db_for_write(model, instance=instance)
    insert = _inserter(model, using)
    if insert is None or pre_save.has_listeners(model) or post_save.has_listeners(model):
        instance.save(force_insert=True, using=using)
        return
    sql, fields = insert
    connection = connections[using]
    params = [
        field.get_db_prep_save(field.pre_save(instance, add=True), connection=connection)
        for field in fields
    ]
    with prepared_cursor(using) as cursor:
        cursor.execute(sql, params)
        (pk,) = cursor.fetchone()
    instance.pk = model._meta.pk.to_python(pk)
    instance._state.adding = False
    instance._state.db = using


@functools.cache
def _inserter(model: type[Model], using: str) -> tuple[str, list[Field]] | None:
    """The INSERT for a new `model` row and the fields it writes, worked out
    once per process; None where `prepared_insert` must leave it to `save()`."""
    connection = connections[using]
    pk = model._meta.pk
    if (
        model._meta.parents
        or not connection.features.can_return_columns_from_insert
        or not getattr(pk, "db_returning", False)
    ):
        return None
    fields = [field for field in model._meta.concrete_fields if field is not pk]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES ({values}) RETURNING {quote(pk.column)}"
    )
    return sql, fields
