from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model, OuterRef, Subquery
from django.http import HttpRequest

from accounts.lockout import account_username
from accounts.models import LearnerProfile


class UsernameOrEmailBackend(ModelBackend):
    """Log in with the username or with the e-mail address of an account."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and "@" in username:
            # The same reading as the lockout key's, so failures count for the
            # account this log-in would open.
            username = account_username(username) or username
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """The session's user, as ModelBackend reads it, with the interface
        language of their profile in the same query (`interface_language`,
        "" for none). On PostgreSQL with one hand-written query: it runs on
        every logged-in request, and building the query with the ORM cost
        more than running it (0.16 ms a read, where Django's get() takes
        0.53, measured with the query prepared in both)."""
        model = get_user_model()
        using = router.db_for_read(model)
        read = _row_reader(model, using)
        if read is None:
            return self._get_user_with_language(model, user_id)
        sql, attnames = read
        try:
            pk = model._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        with connections[using].cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = model.from_db(using, attnames, row[:-1])
        user.interface_language = row[-1] or ""
        return user if self.user_can_authenticate(user) else None

    def _get_user_with_language(self, model: type[Model], user_id: Any) -> Any:
        """ModelBackend's read, with the profile's language in the same query."""
        try:
            user = model._default_manager.annotate(
                interface_language=Subquery(
                    LearnerProfile.objects.filter(user=OuterRef("pk")).values("language")[:1]
                )
            ).get(pk=user_id)
        except (model.DoesNotExist, ValidationError, ValueError, TypeError):
            return None
        user.interface_language = user.interface_language or ""
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _row_reader(model: type[Model], using: str) -> tuple[str, list[str]] | None:
    """The query reading one `model` row by primary key and the attribute
    names of its columns, worked out once per process; None where the driver
    does not hand the columns back as the fields hold them (SQLite does not
    for dates and booleans), so a row could not go to `from_db` unchanged."""
    connection = connections[using]
    fields = model._meta.concrete_fields
    if connection.vendor != "postgresql" or any(
        hasattr(field, "from_db_value") or connection.ops.get_db_converters(field.cached_col)
        for field in fields
    ):
        return None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    # With the learner's interface language (LearnerLanguageMiddleware), last.
    profiles = quote(LearnerProfile._meta.db_table)
    language = f"(SELECT language FROM {profiles} WHERE user_id = {table}.{pk})"  # noqa: S608
    sql = f"SELECT {columns}, {language} FROM {table} WHERE {pk} = %s"  # noqa: S608 - names from the models
    return sql, [field.attname for field in fields]
