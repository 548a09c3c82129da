"""Exact query counts of the certificate pages, and of the request that
finishes a course (and so issues its certificate)."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services import certificate_issue
from certificates.tests.helpers import answer
from courses.models import Activity, Lesson
from enrollment.pages import option_order
from enrollment.services import enrollment_create, lesson_complete
from tests.factories import course_items, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

SESSION = 2  # the session and the user
BELL = 1  # the notification bell's unread count


@pytest.fixture
def course():
    """Big enough that a query per item would show: 5 modules of 3 lessons and 2 quizzes."""
    return make_course(topic="Counted", modules=5, lessons=3, quizzes=2)


@pytest.fixture
def learner():
    return make_user()


def _finish_but(learner, course, last):
    """Enroll and do every item but `last`."""
    enrollment_create(user=learner, course=course)
    client = logged_in(learner)
    for item in course_items(course):
        if item.key == last.key:
            continue
        if isinstance(item, Lesson):
            lesson_complete(user=learner, lesson=item)
        else:
            answer(client, item, learner)
    return client


def test_the_answer_that_finishes_a_course_costs_the_issue_only(
    course, learner, django_assert_num_queries
):
    quiz = [item for item in course_items(course) if isinstance(item, Activity)][-1]
    client = _finish_but(learner, course, quiz)
    client.get(quiz.get_absolute_url())  # the resume point, moved here
    order = option_order(quiz, learner)
    position = str(order.index(quiz.answer) + 1)
    # The quiz page's answer (the course's version, the session, the
    # learner's state, the attempt, the bell), then the certificate's
    # get-or-create in savepoints: (2 + 2 + 2), as the enrollment's.
    with django_assert_num_queries(1 + SESSION + 1 + 1 + BELL + 6):
        response = client.post(quiz.get_absolute_url(), {"option": position})
    assert response.status_code == HTTPStatus.OK
    assert Certificate.objects.filter(user=learner, course=course).exists()


def test_the_lesson_that_finishes_a_course_costs_the_issue_only(
    course, learner, django_assert_num_queries
):
    lesson = [item for item in course_items(course) if isinstance(item, Lesson)][-1]
    client = _finish_but(learner, course, lesson)
    url = reverse(
        "enrollment:lesson-done",
        kwargs={"course_id": course.pk, "module_id": lesson.module_id, "lesson_id": lesson.pk},
    )
    # As any lesson newly done (enrollment.tests.test_queries), then the
    # certificate's get-or-create (6, as above).
    with django_assert_num_queries(SESSION + 1 + 1 + 1 + 6 + 1 + 6):
        assert client.post(url).status_code == HTTPStatus.FOUND
    assert Certificate.objects.filter(user=learner, course=course).exists()


def test_certificate_page_counts(course, learner, django_assert_num_queries):
    client = _finish_but(learner, course, Lesson(pk=0))
    url = reverse("certificates:certificate-detail", args=[course.pk])
    # First visit: no certificate yet (1); the course with its outline, the
    # learner's state, and the issue (6, as above).
    with django_assert_num_queries(SESSION + 1 + 1 + 1 + 6 + BELL):
        assert client.get(url).status_code == HTTPStatus.OK
    # Then: the certificate alone.
    with django_assert_num_queries(SESSION + 1 + BELL):
        assert client.get(url).status_code == HTTPStatus.OK
    download = reverse("certificates:certificate-download", args=[course.pk])
    with django_assert_num_queries(SESSION + 1):
        assert client.get(download).status_code == HTTPStatus.OK


def test_public_page_count(client, course, learner, django_assert_num_queries):
    certificate, _ = certificate_issue(user=learner, course=course)
    with django_assert_num_queries(1):
        assert client.get(certificate.get_absolute_url()).status_code == HTTPStatus.OK
