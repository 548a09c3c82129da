"""Enroll, unenroll, mark done, resume, next up, results and the dashboard."""

import re
from datetime import timedelta
from html import unescape as html_unescape
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Lesson
from enrollment.models import Enrollment, LessonCompletion, ProblemReport
from enrollment.services import enrollment_create, lesson_complete, quiz_answer
from tests.factories import PASSWORD, course_items, logged_in, make_course, make_user
from tests.helpers import link_in

pytestmark = pytest.mark.django_db


def done_url(lesson):
    return reverse(
        "enrollment:lesson-done",
        kwargs={
            "course_id": lesson.module.course_id,
            "module_id": lesson.module_id,
            "lesson_id": lesson.pk,
        },
    )


def test_enroll_is_a_post(client, learner):
    course = make_course()
    url = reverse("enrollment:enroll", args=[course.pk])
    assert client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = client.post(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == course.get_absolute_url()
    assert Enrollment.objects.filter(user=learner, course=course).exists()


def test_enroll_needs_the_csrf_token():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user())
    course = make_course()
    response = csrf_client.post(reverse("enrollment:enroll", args=[course.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Enrollment.objects.exists()


def test_enrolling_twice_from_two_tabs_keeps_one_row(client, learner):
    course = make_course()
    url = reverse("enrollment:enroll", args=[course.pk])
    client.post(url)
    client.post(url)
    assert Enrollment.objects.filter(user=learner, course=course).count() == 1


def test_drafts_and_unknown_courses_cannot_be_enrolled_in(client, learner):
    draft = make_course(publish=False)
    assert client.post(reverse("enrollment:enroll", args=[draft.pk])).status_code == 404
    assert client.post(reverse("enrollment:enroll", args=[999_999])).status_code == 404
    assert not Enrollment.objects.exists()


def enroll_link(client, course) -> str:
    """The visitor's Enroll link on the course page (a link to log in)."""
    html = client.get(course.get_absolute_url()).content.decode()
    return html_unescape(re.search(r'href="([^"]+)">Enroll to track your progress<', html)[1])


def test_an_anonymous_visitor_logs_in_and_comes_back_enrolled(client):
    user, course = make_user(), make_course(topic="Soil science")
    login_url = enroll_link(client, course)
    assert login_url.startswith(reverse("login"))
    page = client.get(login_url).content.decode()
    assert "Log in or sign up to enroll in Soil science." in page
    assert f'<input type="hidden" name="enroll" value="{course.pk}">' in page
    assert not Enrollment.objects.exists()
    response = client.post(
        login_url,
        {
            "username": user.username,
            "password": PASSWORD,
            "enroll": str(course.pk),
            "next": course.get_absolute_url(),
        },
    )
    assert response["Location"] == course.get_absolute_url()
    assert Enrollment.objects.filter(user=user, course=course).exists()
    assert (
        "You are enrolled in Soil science."
        in client.get(course.get_absolute_url()).content.decode()
    )


def test_an_anonymous_visitor_signs_up_and_comes_back_enrolled(client):
    course = make_course(topic="Soil science")
    login_page = client.get(enroll_link(client, course)).content.decode()
    signup_url = html_unescape(re.search(r'href="([^"]+)">Create an account<', login_page)[1])
    page = client.get(signup_url).content.decode()
    assert "you are enrolled in Soil science" in page
    response = client.post(
        signup_url,
        {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "next": course.get_absolute_url(),
            "enroll": str(course.pk),
        },
    )
    assert response["Location"] == reverse("accounts:signup-done")
    assert not Enrollment.objects.exists()
    response = client.post(
        link_in(mail.outbox[0], "/accounts/activate/"),
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert response["Location"] == course.get_absolute_url()
    assert Enrollment.objects.filter(user__username="newcomer", course=course).exists()


def test_an_anonymous_post_to_enroll_still_leads_back_enrolled(client):
    """A course page kept in a browser from before the link still has the form."""
    user, course = make_user(), make_course()
    response = client.post(reverse("enrollment:enroll", args=[course.pk]))
    assert response["Location"].startswith(reverse("login"))
    client.post(
        reverse("login"),
        {"username": user.username, "password": PASSWORD, "next": course.get_absolute_url()},
    )
    assert Enrollment.objects.filter(user=user, course=course).exists()


@pytest.mark.parametrize("wish", ["draft", "999999", "²", "1" * 40, "-1", ""])
def test_a_log_in_asked_to_enroll_in_nothing_enrollable_enrolls_in_nothing(client, wish):
    user, draft = make_user(), make_course(publish=False)
    enroll = str(draft.pk) if wish == "draft" else wish
    page = client.get(reverse("login"), {"enroll": enroll})
    assert page.status_code == HTTPStatus.OK
    assert "to enroll in" not in page.content.decode()
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD, "enroll": enroll}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not Enrollment.objects.exists()


def test_unenroll_asks_first_then_keeps_progress(client, learner):
    course = make_course(modules=1, lessons=1, quizzes=0)
    enrollment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=Lesson.objects.get())
    url = reverse("enrollment:unenroll", args=[course.pk])
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert b"Leave the course" in response.content
    assert Enrollment.objects.exists()
    client.post(url)
    assert not Enrollment.objects.exists()
    assert LessonCompletion.objects.filter(user=learner).exists()


def test_unenroll_needs_login(client):
    course = make_course()
    response = client.post(reverse("enrollment:unenroll", args=[course.pk]))
    assert response["Location"].startswith(reverse("login"))


def test_mark_done_needs_login_and_enrollment(client):
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.select_related("module").get()
    response = client.post(done_url(lesson))
    assert response["Location"].startswith(reverse("login"))
    client.force_login(make_user())
    assert client.post(done_url(lesson)).status_code == HTTPStatus.FORBIDDEN
    assert not LessonCompletion.objects.exists()
    assert not Enrollment.objects.filter(course=course).exists()


def test_mark_done_and_continue_walks_across_modules(client, learner):
    course = make_course(modules=2, lessons=1, quizzes=0)
    enrollment_create(user=learner, course=course)
    first, second = course_items(course)
    response = client.post(done_url(first), {"action": "continue"})
    assert response["Location"] == second.get_absolute_url()
    response = client.post(done_url(second), {"action": "continue"})
    assert response["Location"] == course.get_absolute_url()
    assert LessonCompletion.objects.filter(user=learner).count() == 2
    response = client.post(done_url(second), {"action": "undo"})
    assert response["Location"] == second.get_absolute_url()
    assert LessonCompletion.objects.filter(user=learner).count() == 1


def test_a_lesson_of_another_course_is_404(client, learner):
    course, other = make_course(), make_course()
    enrollment_create(user=learner, course=course)
    foreign = Lesson.objects.select_related("module").filter(module__course=other).first()
    url = reverse(
        "enrollment:lesson-done",
        kwargs={"course_id": course.pk, "module_id": foreign.module_id, "lesson_id": foreign.pk},
    )
    assert client.post(url).status_code == HTTPStatus.NOT_FOUND
    assert not LessonCompletion.objects.exists()


def test_resume_and_next_up(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=1)
    enrollment_create(user=learner, course=course)
    first, quiz, second = course_items(course)
    resume = reverse("enrollment:resume", args=[course.pk])
    next_up = reverse("enrollment:next-up", args=[course.pk])
    assert client.get(resume)["Location"] == first.get_absolute_url()
    lesson_complete(user=learner, lesson=first)
    assert client.get(next_up)["Location"] == quiz.get_absolute_url()
    quiz_answer(user=learner, activity=quiz, option_number=2)
    lesson_complete(user=learner, lesson=second)
    assert client.get(next_up)["Location"] == course.get_absolute_url()


def test_results_summarise_the_learners_quizzes(client, learner):
    course = make_course(modules=1, lessons=0, quizzes=2)
    enrollment_create(user=learner, course=course)
    first, second = course_items(course)
    quiz_answer(user=learner, activity=first, option_number=2)
    quiz_answer(user=learner, activity=second, option_number=1)
    quiz_answer(user=learner, activity=second, option_number=2)
    other = make_user()
    enrollment_create(user=other, course=course)
    quiz_answer(user=other, activity=second, option_number=1)
    response = client.get(reverse("enrollment:course-results", args=[course.pk]))
    text = response.content.decode()
    assert "You passed <strong>2 of 2</strong> quizzes, 1 on the first try (50%)" in text
    assert "Passed on the first try" in text


def test_dashboard_needs_login(client):
    response = client.get(reverse("enrollment:dashboard"))
    assert response["Location"].startswith(reverse("login"))


def test_dashboard_empty_state_points_to_the_catalog(client, learner):
    response = client.get(reverse("enrollment:dashboard"))
    assert "not enrolled in any course yet" in response.content.decode()
    assert reverse("courses:catalog") in response.content.decode()


def test_dashboard_lists_own_courses_recent_first_with_progress(client, learner):
    older, newer, finished = (
        make_course(topic="Older"),
        make_course(topic="Newer"),
        make_course(topic="Finished", modules=1, lessons=1, quizzes=0),
    )
    enrollment_create(user=learner, course=older)
    enrollment_create(user=learner, course=newer)
    enrollment_create(user=learner, course=finished)
    lesson_complete(user=learner, lesson=Lesson.objects.get(module__course=finished))
    stranger = make_user()
    hidden = make_course(topic="Stranger's course")
    enrollment_create(user=stranger, course=hidden)
    response = client.get(reverse("enrollment:dashboard"))
    text = response.content.decode()
    assert "Stranger's course" not in text
    assert text.index("Finished") > text.index("Completed")
    assert text.index("Newer") < text.index("Older") < text.index("Completed")
    assert "0 of 6 done" in text
    assert "1 of 1 done · 100%" in text


def test_dashboard_queries_are_bounded(client, learner, django_assert_num_queries):
    for number in range(50):
        course = make_course(topic=f"Course {number}", modules=1, lessons=2, quizzes=1)
        enrollment_create(user=learner, course=course)
        lesson_complete(user=learner, lesson=Lesson.objects.filter(module__course=course).first())
    # Session and user (2); the enrollments, the courses' rows with their
    # outlines (one query for all 50), the learner's completions and resume
    # points (3); the items completed per week (1); the learner's certificates
    # (1); the bell's unread count (1).
    with django_assert_num_queries(2 + 3 + 1 + 1 + 1):
        response = client.get(reverse("enrollment:dashboard"))
    html = response.content.decode()
    assert html.count("1 of 3 done") == 50
    assert html.count(">Continue: Quiz 1.1<") == 50


def test_dashboard_buttons_say_where_they_lead(client, learner):
    started = make_course(topic="Started", modules=1, lessons=3, quizzes=0)
    finished = make_course(topic="Finished", modules=1, lessons=1, quizzes=0)
    fresh = make_course(topic="Fresh", modules=1, lessons=1, quizzes=0)
    for course in (started, finished, fresh):
        enrollment_create(user=learner, course=course)
    first, _, third = course_items(started)
    client.get(third.get_absolute_url())  # skipped ahead: last opened the third lesson
    lesson_complete(user=learner, lesson=course_items(finished)[0])
    html = client.get(reverse("enrollment:dashboard")).content.decode()
    assert f'href="{third.get_absolute_url()}">Continue: {third.title}<' in html
    assert f'href="{first.get_absolute_url()}">Next up: {first.title}<' in html
    assert f">Start: {course_items(fresh)[0].title}<" in html
    assert f'href="{finished.get_absolute_url()}">Review: Finished<' in html
    assert "Resume" not in html
    assert "last opened just now" in html
    assert "0 minutes" not in html


def test_dashboard_says_how_long_ago_with_plurals(client, learner):
    course = make_course(topic="Old")
    enrollment_create(user=learner, course=course)
    Enrollment.objects.filter(user=learner).update(
        last_accessed_at=timezone.now() - timedelta(days=1, hours=3)
    )
    html = client.get(reverse("enrollment:dashboard")).content.decode()
    assert "last opened 1\xa0day ago" in html  # timesince keeps number and unit together


def test_leaving_a_course_one_is_not_enrolled_in_says_so(client, learner):
    course = make_course()
    response = client.get(reverse("enrollment:unenroll", args=[course.pk]), follow=True)
    assert "You are not enrolled in" in response.content.decode()
    assert client.put(reverse("enrollment:unenroll", args=[course.pk])).status_code == 405


def test_a_course_taken_back_to_draft_leaves_the_dashboard(client, learner):
    course = make_course(topic="Withdrawn course")
    enrollment_create(user=learner, course=course)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    html = client.get(reverse("enrollment:dashboard")).content.decode()
    assert "Withdrawn course" not in html
    assert "not enrolled in any course yet" in html


def test_results_of_a_course_without_quizzes_say_so(client, learner):
    course = make_course(modules=1, lessons=2, quizzes=0)
    html = client.get(reverse("enrollment:course-results", args=[course.pk])).content.decode()
    assert "This course has no quizzes." in html


# Reporting a problem with a lesson or quiz.


def test_a_learner_reports_a_problem_and_an_editor_resolves_it(client, learner):
    superuser_client = logged_in(make_user(is_staff=True, is_superuser=True))
    course = make_course(topic="Soil", modules=1, lessons=1, quizzes=1)
    lesson, quiz = course_items(course)
    page = client.get(quiz.get_absolute_url()).content.decode()
    assert "Report a problem with this quiz" in page
    assert f'name="item" value="activity:{quiz.pk}"' in page
    url = reverse("enrollment:report-problem", args=[course.pk])
    response = client.post(
        url, {"item": f"activity:{quiz.pk}", "kind": "wrong_answer", "comment": "B is right"}
    )
    assert response["Location"] == quiz.get_absolute_url()
    assert "Thank you: the course" in client.get(quiz.get_absolute_url()).content.decode()
    # A second flag on the same quiz while the first is open replaces it.
    client.post(url, {"item": f"activity:{quiz.pk}", "kind": "typo", "comment": ""})
    report = ProblemReport.objects.get()
    assert (report.user, report.course, report.activity, report.kind) == (
        learner, course, quiz, "typo",
    )  # fmt: skip
    client.post(url, {"item": f"lesson:{lesson.pk}", "kind": "unclear"})
    assert ProblemReport.objects.count() == 2

    report_page = superuser_client.get(
        reverse("admin:enrollment_coursereport_change", args=[course.pk])
    ).content.decode()
    assert "2 open reports</a>" in report_page
    listing = reverse("admin:enrollment_problemreport_changelist")
    response = superuser_client.post(
        listing,
        {"action": "resolve", "_selected_action": [r.pk for r in ProblemReport.objects.all()]},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not ProblemReport.objects.filter(resolved_at=None).exists()
    assert (
        "No open reports from learners."
        in superuser_client.get(
            reverse("admin:enrollment_coursereport_change", args=[course.pk])
        ).content.decode()
    )


@pytest.mark.parametrize(
    "data",
    [
        {"item": "activity:999999", "kind": "typo"},  # not in the course
        {"item": "lesson:1", "kind": "rude"},
        {"item": "quiz:1", "kind": "typo"},
        {"kind": "typo"},
        {"item": "LESSON", "kind": "typo", "comment": "x" * 1001},  # too long a comment
    ],
)
def test_a_report_that_names_nothing_of_the_course_comes_back_with_errors(client, learner, data):
    course = make_course(modules=1, lessons=1, quizzes=1)
    lesson, _ = course_items(course)
    if data.get("item") == "LESSON":
        data = {**data, "item": f"lesson:{lesson.pk}"}
    response = client.post(reverse("enrollment:report-problem", args=[course.pk]), data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not ProblemReport.objects.exists()
    if "comment" in data:  # what was typed comes back, with the reason
        page = response.content.decode()
        assert "Ensure this value has at most 1000 characters" in page
        assert "x" * 1001 in page


def test_nobody_reports_on_a_draft_they_cannot_see(client, learner):
    draft = make_course(publish=False, modules=1, lessons=1, quizzes=0)
    (lesson,) = course_items(draft)
    response = client.post(
        reverse("enrollment:report-problem", args=[draft.pk]),
        {"item": f"lesson:{lesson.pk}", "kind": "typo"},
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not ProblemReport.objects.exists()


def test_visitors_are_asked_to_log_in_to_report(client):
    course = make_course(modules=1, lessons=1, quizzes=0)
    (lesson,) = course_items(course)
    assert "Report a problem" not in client.get(lesson.get_absolute_url()).content.decode()
    response = client.post(
        reverse("enrollment:report-problem", args=[course.pk]),
        {"item": f"lesson:{lesson.pk}", "kind": "typo"},
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("login"))
