"""Quiz submissions are limited per learner (or anonymous address) and quiz per
minute, with a page that says so: a script cannot try every option."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory
from freezegun import freeze_time

from enrollment.models import QuizAttempt
from enrollment.ratelimit import quiz_submission_allowed
from enrollment.services import enrollment_create
from tests.factories import course_items, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db


def quizzes(course):
    return [item for item in course_items(course) if item.kind == "activity"]


def test_the_submission_after_the_limit_is_refused_with_a_clear_page(settings):
    settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE = 3
    learner, course = make_user(), make_course(modules=1, lessons=0, quizzes=2)
    enrollment_create(user=learner, course=course)
    first, second = quizzes(course)
    client = logged_in(learner)
    for _ in range(3):
        assert client.post(first.get_absolute_url(), {"option": "1"}).status_code == HTTPStatus.OK
    response = client.post(first.get_absolute_url(), {"option": "2"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Too many answers in a minute" in html
    assert "You have answered this quiz 3 times in the last minute" in html
    assert QuizAttempt.objects.count() == 3
    # Another quiz, and another learner on this quiz, have their own allowance.
    assert client.post(second.get_absolute_url(), {"option": "2"}).status_code == HTTPStatus.OK
    other = logged_in(make_user())
    assert other.post(first.get_absolute_url(), {"option": "2"}).status_code == HTTPStatus.OK


def test_the_default_limit_is_ten_a_minute(client):
    (quiz,) = quizzes(make_course(modules=1, lessons=0, quizzes=1))
    statuses = [
        client.post(quiz.get_absolute_url(), {"option": option % 3 + 1}).status_code
        for option in range(11)
    ]
    # Anonymous visitors are counted per address.
    assert statuses == [HTTPStatus.OK] * 10 + [HTTPStatus.TOO_MANY_REQUESTS]
    other_address = client.post(quiz.get_absolute_url(), {"option": "1"}, REMOTE_ADDR="10.9.9.9")
    assert other_address.status_code == HTTPStatus.OK


def test_reading_the_quiz_is_not_limited(settings):
    settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE = 1
    (quiz,) = quizzes(make_course(modules=1, lessons=0, quizzes=1))
    client = logged_in(make_user())
    for _ in range(3):
        assert client.get(quiz.get_absolute_url()).status_code == HTTPStatus.OK


def test_a_counter_left_without_expiry_by_a_lost_race_still_ends_with_its_window(settings):
    settings.ATHENA_QUIZ_ATTEMPTS_PER_MINUTE = 1
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    request.user = AnonymousUser()
    with freeze_time("2026-01-01 12:00:00") as clock:
        # What Redis keeps when the window ends between incr()'s EXISTS and INCR.
        cache.set("quiz-submissions:7:addr:10.1.2.3", 0, timeout=None)
        assert quiz_submission_allowed(request=request, activity_id=7)
        assert not quiz_submission_allowed(request=request, activity_id=7)
        clock.tick(61)
        assert quiz_submission_allowed(request=request, activity_id=7)
