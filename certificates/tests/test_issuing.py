"""A learner who finishes every item of a course gets a certificate, in the
request that finished it, and not before."""

from http import HTTPStatus

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from certificates.models import CODE_LENGTH, Certificate
from certificates.services import certificate_issue
from certificates.tests.helpers import answer, mark_done
from courses.models import Activity, Lesson
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_items, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    """One module: a lesson, then a quiz."""
    return make_course(topic="Tiny statistics", modules=1, lessons=1, quizzes=1)


@pytest.fixture
def learner(client):
    user = make_user(first_name="Zoë", last_name="Ğürbüz")
    client.force_login(user)
    return user


def _items(course):
    items = course_items(course)
    lesson = next(item for item in items if isinstance(item, Lesson))
    quiz = next(item for item in items if isinstance(item, Activity))
    return lesson, quiz


def test_the_right_answer_to_the_last_quiz_issues_the_certificate(client, learner, course):
    enrollment_create(user=learner, course=course)
    lesson, quiz = _items(course)
    mark_done(client, lesson)
    assert not Certificate.objects.exists()
    answer(client, quiz, learner, right=False)
    assert not Certificate.objects.exists()
    answer(client, quiz, learner)
    certificate = Certificate.objects.get()
    assert (certificate.user, certificate.course) == (learner, course)
    assert certificate.learner_name == "Zoë Ğürbüz"
    assert certificate.course_title == "Tiny statistics"
    assert certificate.minutes_label == course.minutes_label
    assert certificate.minutes == course.minutes
    # The quiz page ends the course with the way to it.
    page = client.post(quiz.get_absolute_url(), {"option": "1"})
    assert page.status_code == HTTPStatus.OK
    course_page = client.get(course.get_absolute_url()).content.decode()
    assert reverse("certificates:certificate-detail", args=[course.pk]) in course_page


def test_marking_the_last_lesson_done_issues_it_when_the_quiz_came_first(client, learner, course):
    enrollment_create(user=learner, course=course)
    lesson, quiz = _items(course)
    answer(client, quiz, learner)
    assert not Certificate.objects.exists()
    mark_done(client, lesson)
    assert Certificate.objects.filter(user=learner, course=course).count() == 1
    # Undone and done again: still one.
    client.post(
        reverse(
            "enrollment:lesson-done",
            kwargs={"course_id": course.pk, "module_id": lesson.module_id, "lesson_id": lesson.pk},
        ),
        {"action": "undo"},
    )
    mark_done(client, lesson)
    assert Certificate.objects.filter(user=learner, course=course).count() == 1


def test_no_certificate_before_every_item_is_done(client, learner, course):
    enrollment_create(user=learner, course=course)
    lesson, quiz = _items(course)
    answer(client, quiz, learner, right=False)
    mark_done(client, lesson)
    response = client.get(reverse("certificates:certificate-detail", args=[course.pk]))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    assert "Finish every lesson and answer every quiz right" in page
    assert "Download PDF" not in page
    assert not Certificate.objects.exists()


def test_not_enrolled_learners_answers_give_nothing(client, learner, course):
    _, quiz = _items(course)
    answer(client, quiz, learner)
    assert not Certificate.objects.exists()


def test_a_learner_who_finished_before_certificates_gets_one_on_first_visit(
    client, learner, course
):
    enrollment_create(user=learner, course=course)
    lesson, quiz = _items(course)
    # Recorded without the pages (as before this feature): nothing issued.
    lesson_complete(user=learner, lesson=lesson)
    quiz_answer(user=learner, activity=quiz, option_number=quiz.answer)
    assert not Certificate.objects.exists()
    results = client.get(reverse("enrollment:course-results", args=[course.pk])).content.decode()
    url = reverse("certificates:certificate-detail", args=[course.pk])
    assert url in results
    page = client.get(url).content.decode()
    certificate = Certificate.objects.get(user=learner)
    assert "Zoë Ğürbüz" in page
    assert "Tiny statistics" in page
    assert certificate.get_absolute_url() in page
    assert "Download PDF" in page


def test_the_certificate_keeps_what_was_true_when_issued(client, learner, course):
    enrollment_create(user=learner, course=course)
    lesson, quiz = _items(course)
    mark_done(client, lesson)
    answer(client, quiz, learner)
    course.topic = "Renamed later"
    course.save()
    learner.first_name = "Changed"
    learner.save()
    certificate = Certificate.objects.get()
    assert (certificate.learner_name, certificate.course_title) == ("Zoë Ğürbüz", "Tiny statistics")


def test_a_learner_without_a_name_is_named_by_username(course):
    user = make_user(username="plainlearner")
    certificate, created = certificate_issue(user=user, course=course)
    assert created
    assert certificate.learner_name == "plainlearner"


def test_the_longest_name_an_account_holds_fits_on_the_certificate(course):
    user = make_user(first_name="A" * 150, last_name="B" * 150)
    certificate, _ = certificate_issue(user=user, course=course)
    certificate.refresh_from_db()
    assert certificate.learner_name == "A" * 150 + " " + "B" * 150


def test_issuing_twice_gives_the_same_certificate_and_the_database_refuses_a_second(course):
    user = make_user()
    first, created = certificate_issue(user=user, course=course)
    again, created_again = certificate_issue(user=user, course=course)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(user=user, course=course, learner_name="x", course_title="y")


def test_codes_are_long_random_and_unique():
    course = make_course(modules=1)
    codes = {certificate_issue(user=make_user(), course=course)[0].code for _ in range(20)}
    assert len(codes) == 20
    for code in codes:
        # 24 random bytes: 192 bits, URL-safe.
        assert len(code) == CODE_LENGTH
        assert code.replace("-", "").replace("_", "").isalnum()
    assert Certificate._meta.get_field("code").unique
