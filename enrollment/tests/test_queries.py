"""Exact query counts on the learner's progress pages and actions, and on the
enrollment admin (history lists and the course report).

The data is large enough that a query per row would show: a course of 10
modules of 6 items taken part of by several learners, 30 courses in lists.
"""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Lesson
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt, ReviewItem
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import course_items, logged_in, make_course, make_user
from tests.helpers import option_position

pytestmark = pytest.mark.django_db

# Session and user: what every logged-in request reads first.
SESSION = 2
# The notification bell's unread count, read on every logged-in page that
# shows the bell (notifications.selectors).
BELL = 1


def _take_part(user, course: Course) -> None:
    """Enroll, complete every other lesson and answer every quiz twice."""
    enrollment_create(user=user, course=course)
    for number, item in enumerate(course_items(course)):
        if isinstance(item, Lesson):
            if number % 2:
                lesson_complete(user=user, lesson=item)
        else:
            quiz_answer(user=user, activity=item, option_number=1)
            quiz_answer(user=user, activity=item, option_number=2)


@pytest.fixture
def course() -> Course:
    """A course of 10 modules of 3 lessons and 3 quizzes, among 30, that four
    learners took part of; each of the others has one learner."""
    course = make_course(topic="Counted course", modules=10, lessons=3, quizzes=3)
    for _ in range(4):
        _take_part(make_user(), course)
    for _ in range(29):
        enrollment_create(user=make_user(), course=make_course(modules=1))
    return course


def test_quiz_results_page_count(client, learner, course, django_assert_num_queries):
    _take_part(learner, course)
    url = reverse("enrollment:course-results", args=[course.pk])
    # The course, then its quizzes with the learner's attempt counts, and the
    # learner's state (whether the course is finished: the certificate link).
    with django_assert_num_queries(SESSION + 3 + BELL):
        response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert "of 30</strong> quizzes" in response.content.decode()


def test_dashboard_count_for_a_learner_in_many_courses(
    client, learner, course, django_assert_num_queries
):
    _take_part(learner, course)
    for other in Course.objects.exclude(pk=course.pk)[:20]:
        enrollment_create(user=learner, course=other)
    # The enrollments; the courses' rows, whose outlines name each button's
    # item (one query for all 21); the learner's completions and resume
    # points; the items completed per week (the progress chart); their
    # certificates (certificates' template tag).
    with django_assert_num_queries(SESSION + 5 + BELL) as captured:
        response = client.get(reverse("enrollment:dashboard"))
    assert response.status_code == HTTPStatus.OK
    assert 'id="chart-weekly-progress"' in response.content.decode()
    weekly = [query["sql"] for query in captured.captured_queries if "MIN(" in query["sql"]]
    assert len(weekly) == 1
    assert "UNION ALL" in weekly[0]


def _missed_everything(user, course: Course) -> list:
    """`user` enrolls and misses every quiz of `course` on the first try;
    half of them are due now. Answers the quizzes."""
    enrollment_create(user=user, course=course)
    quizzes = [item for item in course_items(course) if not isinstance(item, Lesson)]
    for quiz in quizzes:
        quiz_answer(user=user, activity=quiz, option_number=1)  # wrong: "2" is right
    ReviewItem.objects.filter(user=user, activity__in=quizzes[::2]).update(due_at=timezone.now())
    return quizzes


def test_dashboard_count_with_questions_to_review(
    client, learner, course, django_assert_num_queries
):
    _missed_everything(learner, course)
    for other in Course.objects.exclude(pk=course.pk)[:20]:
        _missed_everything(learner, other)
    # As without them (the progress chart and certificates included): the
    # learner's state in every course, read in one query, holds their review
    # schedule.
    with django_assert_num_queries(SESSION + 5 + BELL):
        response = client.get(reverse("enrollment:dashboard"))
    assert "35 questions to review" in response.content.decode()  # 15 + 20


def test_review_page_counts(client, learner, course, django_assert_num_queries):
    quizzes = _missed_everything(learner, course)
    for other in Course.objects.exclude(pk=course.pk)[:5]:
        _missed_everything(learner, other)
    # All courses: the learner's questions with their quizzes and courses.
    with django_assert_num_queries(SESSION + 1 + BELL):
        response = client.get(reverse("enrollment:review"))
    assert len(response.context["due"]) == 15 + 5
    assert len(response.context["later"]) == 15
    # One course: the course, then its questions.
    url = reverse("enrollment:course-review", args=[course.pk])
    with django_assert_num_queries(SESSION + 2 + BELL):
        response = client.get(url)
    assert len(response.context["due"]) == 15
    # An answer: the same reads, then the schedule's update and the attempt's
    # insert, in a savepoint; a right one, whether the course is now finished
    # (the course's outline and the learner's state).
    option = option_position(quizzes[0], learner, 2)
    with django_assert_num_queries(SESSION + 2 + 2 + 2 + 2 + BELL):
        response = client.post(url, {"activity": quizzes[0].pk, "option": option})
    assert "Correct!" in response.content.decode()
    assert len(response.context["due"]) == 14


def test_learner_action_counts(client, learner, course, django_assert_num_queries):
    _take_part(learner, course)
    lesson = next(item for item in course_items(course)[40:] if isinstance(item, Lesson))
    resume = reverse("enrollment:resume", args=[course.pk])
    next_up = reverse("enrollment:next-up", args=[course.pk])
    done = reverse(
        "enrollment:lesson-done",
        kwargs={"course_id": course.pk, "module_id": lesson.module_id, "lesson_id": lesson.pk},
    )
    # Resume and next up: the course's row, which holds its outline, and the
    # learner's state.
    with django_assert_num_queries(SESSION + 2):
        assert client.get(resume).status_code == HTTPStatus.FOUND
    with django_assert_num_queries(SESSION + 2):
        assert client.get(next_up).status_code == HTTPStatus.FOUND
    # Marking a lesson done: the course's row with its outline (1), the lesson
    # with its module, the enrollment check, then the completion's
    # get-or-create (its read and insert, each in a savepoint: 2 + 2 + 2), and
    # as the lesson is newly done, the learner's state (is the course finished?).
    with django_assert_num_queries(SESSION + 1 + 1 + 1 + 6 + 1):
        assert client.post(done).status_code == HTTPStatus.FOUND


def test_enroll_and_unenroll_counts(client, learner, course, django_assert_num_queries):
    enroll = reverse("enrollment:enroll", args=[course.pk])
    unenroll = reverse("enrollment:unenroll", args=[course.pk])
    # The course, then the enrollment's get-or-create (as for a completion).
    with django_assert_num_queries(SESSION + 1 + 6):
        assert client.post(enroll).status_code == HTTPStatus.FOUND
    # The course and whether the learner is enrolled, and the bell; leaving
    # (a redirect, no bell) deletes the row.
    with django_assert_num_queries(SESSION + 2 + BELL):
        assert client.get(unenroll).status_code == HTTPStatus.OK
    with django_assert_num_queries(SESSION + 2 + 1):
        assert client.post(unenroll).status_code == HTTPStatus.FOUND


def test_rating_counts(client, learner, course, django_assert_num_queries):
    """Rating a finished course: the form, then the rating and the course's totals."""
    _take_part(learner, course)
    for item in course_items(course):
        if isinstance(item, Lesson):
            lesson_complete(user=learner, lesson=item)
    rate = reverse("enrollment:rate", args=[course.pk])
    # The course with its outline, the learner's state, their rating; the bell.
    with django_assert_num_queries(SESSION + 3 + BELL):
        assert client.get(rate).status_code == HTTPStatus.OK
    # The course and the learner's state; then, in a transaction (a savepoint
    # and its release), the course row locked, the rating's update (none the
    # first time) and insert, the totals and the course's update.
    with django_assert_num_queries(SESSION + 2 + 2 + 1 + 2 + 2):
        assert client.post(rate, {"stars": "4"}).status_code == HTTPStatus.FOUND


# The admin. Every page reads the session, the user and the staff member's
# permissions (through the user and through the group).
ADMIN = SESSION + 2


@pytest.fixture
def support_client():
    """A staff member of the "Support" group, who reads enrollments and progress."""
    user = make_user(is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    return logged_in(user)


@pytest.fixture
def superuser_client():
    return logged_in(make_user(is_staff=True, is_superuser=True))


def test_course_report_list_count(
    superuser_client, course, django_assert_num_queries, warm_content_types
):
    url = reverse("admin:enrollment_coursereport_changelist")
    # A superuser's permissions are not read. The counts (filtered and total)
    # and the page of courses with their enrollment counts.
    with django_assert_num_queries(SESSION + 3):
        response = superuser_client.get(url)
    assert len(response.context["cl"].result_list) == 30


def test_course_report_page_count(
    superuser_client, course, django_assert_num_queries, warm_content_types
):
    url = reverse("admin:enrollment_coursereport_change", args=[course.pk])
    # The course; its learners, their lessons done, quizzes answered and
    # quizzes passed (one query each, for every learner at once); its quizzes
    # with their attempt and success counts; each learner's first answers
    # (with the option chosen); each lesson's completions (drop-off); the
    # open problem reports; the ratings by stars and the latest comments. The
    # charts read nothing more.
    with django_assert_num_queries(SESSION + 11):
        response = superuser_client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response.content.decode().count('<svg class="athena-chart"') == 3 + 30


def test_course_report_export_count(
    superuser_client, course, django_assert_num_queries, warm_content_types
):
    url = reverse("admin:enrollment_coursereport_export", args=[course.pk])
    # The report page's queries but the open problem reports.
    with django_assert_num_queries(SESSION + 8):
        response = superuser_client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("model", [Enrollment, LessonCompletion, QuizAttempt])
def test_history_list_counts(
    support_client, course, django_assert_num_queries, warm_content_types, model
):
    url = reverse(f"admin:enrollment_{model._meta.model_name}_changelist")
    # The counts (filtered and total), the page of rows with their users,
    # courses, lessons or quizzes, and the date hierarchy (range, dates). The
    # course and user filters search (autocomplete): they list no choices.
    with django_assert_num_queries(ADMIN + 5):
        response = support_client.get(url)
    assert len(response.context["cl"].result_list) == min(model.objects.count(), 100)
