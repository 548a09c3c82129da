"""Prepared statements for the hand-written queries every learner page runs
and the quiz answer each POST stores (athena.db, athena.postgresql)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import post_save

from accounts.backends import UsernameOrEmailBackend
from athena.db import prepared_insert
from athena.tests.test_operations import run
from enrollment.models import QuizAttempt
from enrollment.progress import learner_state
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import PASSWORD, course_items, make_course, make_user
from tests.servers import STRONG_KEY

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_the_learners_state_is_planned_once_per_connection():
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
    result = run(
        [
            "-c",
            "from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])",
        ],
        DJANGO_SETTINGS_MODULE="athena.settings",
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/athena",
        DATABASE_PREPARED_STATEMENTS=setting,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == threshold


def test_the_session_user_is_read_as_django_reads_it():
    """accounts.backends reads the session's user with one prepared query on
    PostgreSQL (the ORM elsewhere): the same user, every field, and the
    same refusals."""
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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any("auth_user" in statement for statement in prepared)


def test_a_quiz_answer_is_stored_as_the_orm_would_store_it():
    """Attempts are written with athena.db.prepared_insert: one INSERT built
    once per process, prepared on PostgreSQL."""
    user, course = make_user(), make_course(modules=1, lessons=0, quizzes=1)
    enrollment_create(user=user, course=course)
    (quiz,) = course_items(course)
    outcomes = [
        quiz_answer(user=user, activity=quiz, option_number=number, enrolled=True)
        for number in (1, quiz.answer, 1, 1, 1, quiz.answer, 1)
    ]
    attempts = [outcome.attempt for outcome in outcomes]
    assert len({attempt.pk for attempt in attempts}) == 7
    assert all(not attempt._state.adding and attempt._state.db == "default" for attempt in attempts)
    stored = {attempt.pk: attempt for attempt in QuizAttempt.objects.all()}
    for attempt in attempts:
        fields = [field.attname for field in QuizAttempt._meta.concrete_fields]
        assert {name: getattr(stored[attempt.pk], name) for name in fields} == {
            name: getattr(attempt, name) for name in fields
        }
    assert [stored[attempt.pk].is_correct for attempt in attempts] == [
        number == quiz.answer for number in (1, quiz.answer, 1, 1, 1, quiz.answer, 1)
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        assert any(statement.startswith("INSERT INTO") for statement in prepared)


def test_a_model_whose_saves_are_listened_to_is_saved_with_its_signals():
    seen = []

    def listener(sender, instance, created, **kwargs):
        seen.append((instance.pk, created))

    post_save.connect(listener, sender=QuizAttempt, dispatch_uid="test-prepared-insert")
    try:
        user, course = make_user(), make_course(modules=1, lessons=0, quizzes=1)
        (quiz,) = course_items(course)
        attempt = QuizAttempt(user=user, activity=quiz, chosen_option=1, is_correct=False)
        prepared_insert(attempt)
    finally:
        post_save.disconnect(sender=QuizAttempt, dispatch_uid="test-prepared-insert")
    assert seen == [(attempt.pk, True)]
    assert QuizAttempt.objects.filter(pk=attempt.pk).exists()
