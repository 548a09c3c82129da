"""Enrollments and progress in the admin: visible, filterable, read-only; the
Support group reads them and nothing else; the per-course report."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from courses.models import Course, Lesson
from enrollment.models import Enrollment, QuizAttempt
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_items, make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def support_client(client):
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["enrollment", "lessoncompletion", "quizattempt"])
def test_history_is_listed_searchable_and_filterable(superuser_client, model):
    learner, course = make_user(username="searchme"), make_course(topic="Filtered course")
    enrollment_create(user=learner, course=course)
    first, quiz, *_ = course_items(course)
    lesson_complete(user=learner, lesson=first)
    quiz_answer(user=learner, activity=quiz, option_number=1)
    url = reverse(f"admin:enrollment_{model}_changelist")
    response = superuser_client.get(url, {"q": "searchme"})
    assert response.status_code == HTTPStatus.OK
    assert "Filtered course" in response.content.decode()
    assert superuser_client.get(url, {"q": "nobody-matches"}).context["cl"].result_count == 0


def test_history_cannot_be_added_or_edited(superuser_client):
    learner, course = make_user(), make_course()
    enrollment, _ = enrollment_create(user=learner, course=course)
    quiz = next(item for item in course_items(course) if item.kind == "activity")
    attempt = quiz_answer(user=learner, activity=quiz, option_number=1).attempt
    assert superuser_client.get(reverse("admin:enrollment_enrollment_add")).status_code == 403
    response = superuser_client.post(
        reverse("admin:enrollment_quizattempt_change", args=[attempt.pk]),
        {"chosen_option": 2, "is_correct": "on"},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    attempt.refresh_from_db()
    assert not attempt.is_correct
    assert Enrollment.objects.get() == enrollment


def test_filter_attempts_by_course(superuser_client):
    learner = make_user()
    first, second = make_course(topic="First"), make_course(topic="Second")
    for course in (first, second):
        enrollment_create(user=learner, course=course)
        quiz = next(item for item in course_items(course) if item.kind == "activity")
        quiz_answer(user=learner, activity=quiz, option_number=2)
    response = superuser_client.get(
        reverse("admin:enrollment_quizattempt_changelist"),
        {"activity__module__course__course_id__exact": first.pk},
    )
    assert response.context["cl"].result_count == 1


def test_support_reads_enrollments_but_changes_nothing(support_client):
    learner, course = make_user(), make_course()
    enrollment, _ = enrollment_create(user=learner, course=course)
    assert support_client.get(reverse("admin:enrollment_enrollment_changelist")).status_code == 200
    assert (
        support_client.get(
            reverse("admin:enrollment_enrollment_change", args=[enrollment.pk])
        ).status_code
        == 200
    )
    assert (
        support_client.post(
            reverse("admin:enrollment_enrollment_delete", args=[enrollment.pk]), {"post": "yes"}
        ).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert Enrollment.objects.filter(pk=enrollment.pk).exists()
    # Course content and user accounts are not theirs to see.
    assert support_client.get(reverse("admin:courses_course_changelist")).status_code == 403
    assert support_client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_the_course_report_counts_learners_and_quiz_success(superuser_client):
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson, quiz = course_items(course)
    finisher, starter, idle = make_user(), make_user(), make_user()
    for learner in (finisher, starter, idle):
        enrollment_create(user=learner, course=course)
    lesson_complete(user=finisher, lesson=lesson)
    quiz_answer(user=finisher, activity=quiz, option_number=1)
    quiz_answer(user=finisher, activity=quiz, option_number=2)
    quiz_answer(user=starter, activity=quiz, option_number=3)
    response = superuser_client.get(
        reverse("admin:enrollment_coursereport_change", args=[course.pk])
    )
    report = response.context["report"]
    assert (report.enrolled, report.started, report.finished) == (3, 2, 1)
    (statistic,) = report.quizzes
    assert (statistic.attempts, statistic.correct, statistic.learners) == (3, 1, 2)
    assert statistic.success_rate == 33
    assert "33%" in response.content.decode()
    # What the quiz measured: the first answers (neither learner right at
    # first); the finisher was right in the end.
    assert (statistic.right_first, statistic.right_in_the_end) == (0, 1)
    assert "<td>0 (0%)</td>" in response.content.decode()
    assert "<td>1 (50%)</td>" in response.content.decode()
    right_away = make_user()
    enrollment_create(user=right_away, course=course)
    quiz_answer(user=right_away, activity=quiz, option_number=2)
    quiz_answer(user=right_away, activity=quiz, option_number=1)  # a later slip counts not
    (statistic,) = (
        superuser_client.get(reverse("admin:enrollment_coursereport_change", args=[course.pk]))
        .context["report"]
        .quizzes
    )
    assert (statistic.right_first, statistic.right_in_the_end, statistic.learners) == (1, 2, 3)
    listing = superuser_client.get(reverse("admin:enrollment_coursereport_changelist"))
    assert listing.status_code == HTTPStatus.OK
    assert QuizAttempt.objects.count() == 5
    assert Lesson.objects.count() == 1


def test_filter_enrollments_by_user_and_date(superuser_client):
    ada, bob = make_user(username="ada"), make_user(username="bob")
    course = make_course()
    enrollment_create(user=ada, course=course)
    enrollment_create(user=bob, course=course)
    url = reverse("admin:enrollment_enrollment_changelist")
    response = superuser_client.get(url, {"user__id__exact": ada.pk})
    assert [row.user for row in response.context["cl"].result_list] == [ada]
    response = superuser_client.get(url, {"enrolled_at__gte": "2000-01-01 00:00:00+00:00"})
    assert response.context["cl"].result_count == 2


def test_the_report_of_a_course_nobody_took(superuser_client):
    course = make_course(modules=1, lessons=1, quizzes=1)
    response = superuser_client.get(
        reverse("admin:enrollment_coursereport_change", args=[course.pk])
    )
    report = response.context["report"]
    assert (report.enrolled, report.started, report.finished) == (0, 0, 0)
    assert [quiz.attempts for quiz in report.quizzes] == [0]
    assert "<td>-</td>" in response.content.decode()


def learners_private_draft() -> Course:
    """A course the generation pipeline built for a learner: a draft, its topic
    theirs alone."""
    draft = make_course(topic="My private worry about debt", publish=False)
    Course.objects.filter(pk=draft.pk).update(
        origin=Course.Origin.GENERATED, created_by=make_user()
    )
    return draft


def test_support_reads_the_reports_of_published_courses_only(support_client):
    published = make_course(topic="Published statistics")
    draft = learners_private_draft()
    changelist = reverse("admin:enrollment_coursereport_changelist")
    for params in ({}, {"status__exact": "draft"}, {"q": "worry"}):
        response = support_client.get(changelist, params)
        assert response.status_code == HTTPStatus.OK
        assert [course.pk for course in response.context["cl"].result_list] == (
            [] if params else [published.pk]
        )
        assert "private worry" not in response.content.decode()
    report = reverse("admin:enrollment_coursereport_change", args=[draft.pk])
    assert support_client.get(report).status_code == HTTPStatus.NOT_FOUND
    history = reverse("admin:enrollment_coursereport_history", args=[draft.pk])
    assert "private worry" not in support_client.get(history, follow=True).content.decode()
    report = reverse("admin:enrollment_coursereport_change", args=[published.pk])
    assert support_client.get(report).status_code == HTTPStatus.OK


def test_staff_who_may_edit_courses_read_the_reports_of_drafts(superuser_client):
    draft = learners_private_draft()
    response = superuser_client.get(
        reverse("admin:enrollment_coursereport_changelist"), {"status__exact": "draft"}
    )
    assert [course.pk for course in response.context["cl"].result_list] == [draft.pk]
    report = reverse("admin:enrollment_coursereport_change", args=[draft.pk])
    assert superuser_client.get(report).status_code == HTTPStatus.OK
