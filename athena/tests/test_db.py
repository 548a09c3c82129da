"""PostgreSQL as the settings configure it (athena/settings.py): parameters
bound on the server, so a query a connection repeats is prepared and planned
once; the deadline on every wait for the server (athena.postgresql); and the
hand-written reads every learner page runs, which must answer as the ORM
would."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.db.utils import load_backend

from accounts.backends import UsernameOrEmailBackend
from athena.tests.test_operations import run
from enrollment.progress import learner_state
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import PASSWORD, course_items, make_course, make_user
from tests.servers import STRONG_KEY

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_query_a_connection_repeats_is_planned_once():
    """The learner's state, read on every learner page: prepared from its
    fifth run on a connection (server_side_binding and prepare_threshold),
    with the same answers as before."""
    user, course = make_user(), make_course(modules=1, lessons=2, quizzes=1)
    enrollment_create(user=user, course=course)
    lesson_complete(user=user, lesson=course_items(course)[0])
    states = [learner_state(user=user, course_id=course.pk) for _ in range(7)]
    # The same answer from the prepared statement as before it.
    assert all(state == states[0] for state in states)
    assert states[0].completed_keys == {course_items(course)[0].key}
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("lesson_completions" in statement for statement in prepared)


@pytest.mark.parametrize(("setting", "threshold"), [("", "5"), ("false", "None")])
def test_prepared_statements_can_be_turned_off_for_a_pooler(setting, threshold):
    """Parameters stay bound on the server either way (a pooler in transaction
    mode takes unnamed statements); only preparing them is turned off."""
    result = run(
        [
            "-c",
            "from django.conf import settings; "
            "options = settings.DATABASES['default']['OPTIONS']; "
            "print(options['server_side_binding'], options['prepare_threshold'])",
        ],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/athena",
        DATABASE_PREPARED_STATEMENTS=setting,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"True {threshold}"


def test_the_session_user_is_read_as_django_reads_it():
    """accounts.backends reads the session's user with one hand-written query
    on PostgreSQL (the ORM elsewhere): the same user, every field, and the
    same refusals, before and after the query is prepared."""
    backend = UsernameOrEmailBackend()
    user = make_user(first_name="Ada", last_name="Lovelace", is_staff=True)
    user.refresh_from_db()
    for _ in range(7):
        read = backend.get_user(str(user.pk))
    fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    assert {name: getattr(read, name) for name in fields} == {
        name: getattr(user, name) for name in fields
    }
    assert read.check_password(PASSWORD)
    assert read._state.db == "default"
    assert not read._state.adding
    assert backend.get_user(str(user.pk + 1000)) is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(str(user.pk)) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="athena.postgresql's deadline")
def test_a_reply_later_than_the_client_timeout_is_an_error_and_ends_the_connection():
    """The path through psycopg's private `_WaitTimeout` (athena.postgresql;
    psycopg pinned in requirements.txt), here without a frozen server (the
    failure tests freeze one under gunicorn): a query the server answers
    after the client timeout is an OperationalError when the timeout
    expires, and its connection is closed, never reused."""
    settings_dict = connection.settings_dict
    options = {**settings_dict["OPTIONS"], "client_timeout": 0.5, "options": ""}
    slow = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        {**settings_dict, "OPTIONS": options}, "deadline"
    )
    try:
        started = time.monotonic()
        with (
            pytest.raises(OperationalError, match=r"did not answer within 0\.5 seconds"),
            slow.cursor() as cursor,
        ):
            cursor.execute("SELECT pg_sleep(2)")
        assert time.monotonic() - started < 1.5
        assert slow.connection.closed
    finally:
        slow.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="athena.postgresql's health check")
@pytest.mark.parametrize(("quiet_seconds", "checked"), [(60.0, False), (0.0, True)])
def test_a_connection_that_just_answered_is_not_health_checked(monkeypatch, quiet_seconds, checked):
    """A request's first query is preceded by Django's health check (`SELECT 1`)
    only when its connection has not answered within the quiet period
    (athena.postgresql): what the server last ran, seen from another
    connection, says whether the check was sent."""
    monkeypatch.setattr(
        load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper,
        "health_check_quiet_seconds",
        quiet_seconds,
    )
    settings_dict = {**connection.settings_dict, "CONN_HEALTH_CHECKS": True}
    backend = load_backend(settings_dict["ENGINE"])
    served = backend.DatabaseWrapper(settings_dict, "served")
    observer = backend.DatabaseWrapper(settings_dict, "observer")
    try:
        with served.cursor() as cursor:
            cursor.execute("SELECT 'the last page'")
        pid = served.connection.info.backend_pid
        served.close_if_unusable_or_obsolete()  # what each request starts with
        with served.cursor() as cursor:  # the next request's first query
            pass
        with observer.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            last = cursor.fetchone()[0]
        assert last == ("SELECT 1" if checked else "SELECT 'the last page'")
    finally:
        served.close()
        observer.close()
