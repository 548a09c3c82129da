"""A learner's pages kept until what they show changes (athena.learnerpages):
served again only to that learner's valid session, never after a change to
anything on the page, and with a working CSRF token of their own."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from athena.pagecache import release
from courses import services
from courses.models import Activity, Course, Lesson
from enrollment.models import Enrollment, LessonCompletion, QuizAttempt, ResumePoint
from enrollment.services import enrollment_create, enrollment_touch, lesson_complete
from enrollment.templatetags.enrollment_tags import time_ago_changes
from notifications.models import Notification
from notifications.services import notification_create, notifications_mark_all_read
from tests.factories import PASSWORD, logged_in, make_course, make_user

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIT = "learner-hit"


@pytest.fixture(autouse=True)
def learner_page_cache(settings):
    settings.LEARNER_PAGE_CACHE_SECONDS = 300
    settings.OUTLINE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Wraps a write: versions move on when it commits (the test's own
    transaction never does)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def course() -> Course:
    return make_course(topic="Kept course", modules=2, lessons=2, quizzes=1)


@pytest.fixture
def lesson(course) -> Lesson:
    return Lesson.objects.filter(module__course=course).select_related("module").first()


@pytest.fixture
def quiz(course) -> Activity:
    return Activity.objects.filter(module__course=course).select_related("module").first()


@pytest.fixture
def user(course):
    user = make_user(username="ada")
    enrollment_create(user=user, course=course)
    return user


def page(client: Client, url: str, **headers: str) -> tuple[str, str]:
    """The page's HTML, and whether it came from the learner page cache."""
    response = client.get(url, headers=headers)
    assert response.status_code == HTTPStatus.OK
    return response.content.decode(), response.get("X-Page-Cache", "")


def kept(client: Client, url: str) -> str:
    """Visit `url` until it is served from the cache (a visit that moves the
    resume point retires the page it renders), and answer that page."""
    for _ in range(3):
        html, state = page(client, url)
        if state == HIT:
            return html
    raise AssertionError(f"{url} was never served from the learner page cache")


def made_again(client: Client, url: str) -> str:
    """The page's HTML, asserting it was made for this request (not kept)."""
    html, state = page(client, url)
    assert state == "", url
    return html


def wrong_option(quiz: Activity) -> int:
    return next(number for number in range(1, len(quiz.options) + 1) if number != quiz.answer)


def without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


def test_a_page_seen_again_is_served_without_loading_the_user_or_rendering(
    user, lesson, django_assert_num_queries
):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    first = client.get(url)
    assert first.templates  # rendered
    client.get(url)
    with django_assert_num_queries(1):  # the session (database sessions in tests)
        second = client.get(url)
    assert second.get("X-Page-Cache") == HIT
    assert not second.templates
    assert without_tokens(second.content.decode()) == without_tokens(first.content.decode())
    assert "Part 1.1" in second.content.decode()
    # The headers the middleware inside it adds come with it.
    assert second["X-Frame-Options"] == "DENY"
    assert second["Content-Security-Policy"]


def test_each_page_served_again_carries_a_working_token_of_the_learners_own(user, quiz):
    client = logged_in(user, enforce_csrf_checks=True)
    url = quiz.get_absolute_url()
    tokens = [TOKEN.search(kept(client, url)).group(1)]
    html, state = page(client, url)
    assert state == HIT
    tokens.append(TOKEN.search(html).group(1))
    assert tokens[0] != tokens[1]  # masked afresh, as Django does
    stored = b"".join(entry["body"] for entry in _stored_pages())
    assert not any(token.encode() in stored for token in tokens)
    answer = client.post(url, {"option": "1", "csrfmiddlewaretoken": tokens[1]})
    assert answer.status_code == HTTPStatus.OK  # not a 403


def test_a_head_request_gets_the_headers_only(user, lesson):
    client = logged_in(user)
    kept(client, lesson.get_absolute_url())
    response = client.head(lesson.get_absolute_url())
    assert response.get("X-Page-Cache") == HIT
    assert response.content == b""


def test_another_learner_never_gets_the_page(user, lesson):
    url = lesson.get_absolute_url()
    lesson_complete(user=user, lesson=lesson)
    assert "is-complete" in kept(logged_in(user), url)
    other = make_user(username="grace")
    html, state = page(logged_in(other), url)
    assert state == ""
    assert "is-complete" not in html


def test_completing_a_lesson_shows_at_once_on_every_page(user, course, lesson, committed):
    client = logged_in(user)
    urls = [lesson.get_absolute_url(), course.get_absolute_url(), reverse("enrollment:dashboard")]
    for url in urls:
        assert "0 of 6 done" in kept(client, url) or "is-complete" not in kept(client, url)
    with committed():
        done = client.post(
            reverse("enrollment:lesson-done", args=[course.pk, lesson.module_id, lesson.pk])
        )
    assert done.status_code == HTTPStatus.FOUND
    for url in urls:
        html, state = page(client, url)
        assert state == "", url
        assert "1 of 6 done" in html, url


def test_the_course_page_continues_where_the_learner_went_last(user, course, committed):
    client = logged_in(user)
    first, second = Lesson.objects.filter(module__course=course).order_by("pk")[:2]
    with committed():
        page(client, first.get_absolute_url())
    assert f'href="{first.get_absolute_url()}">Continue' in kept(client, course.get_absolute_url())
    with committed():
        page(client, second.get_absolute_url())  # moves the resume point
    html, state = page(client, course.get_absolute_url())
    assert state == ""
    assert f'href="{second.get_absolute_url()}">Continue' in html


def test_a_right_answer_shows_at_once_on_the_quiz_page(user, quiz, committed):
    client = logged_in(user)
    url = quiz.get_absolute_url()
    assert "You have answered this quiz correctly" not in kept(client, url)
    with committed():
        answer = client.post(url, {"option": str(quiz.answer)})
    assert answer.get("X-Page-Cache", "") == ""  # an answer is never served from here
    assert "Correct!" in answer.content.decode()
    html = made_again(client, url)
    assert "You have answered this quiz correctly" in html


def test_a_wrong_answer_keeps_the_learners_pages(user, quiz, committed):
    """Nothing a kept page shows counts wrong answers (the results page,
    which does, is never kept)."""
    client = logged_in(user)
    with committed():
        page(client, quiz.get_absolute_url())  # the resume point: this quiz
    kept(client, reverse("enrollment:dashboard"))
    wrong = wrong_option(quiz)
    with committed():
        client.post(quiz.get_absolute_url(), {"option": str(wrong)})
    assert page(client, reverse("enrollment:dashboard"))[1] == HIT
    results = reverse("enrollment:course-results", args=[quiz.module.course_id])
    assert "Not passed yet" in page(client, results)[0]


def test_an_answer_page_is_made_again_only_when_something_on_it_changed(
    user, quiz, committed, django_assert_num_queries
):
    client = logged_in(user)
    url = quiz.get_absolute_url()
    wrong = wrong_option(quiz)
    page(client, url)  # the quiz first, as a learner opens it: the resume point
    first = client.post(url, {"option": str(wrong)})
    assert first.get("X-Page-Cache", "") == ""
    assert first.templates
    # Session, user, the learner's state, the attempt's INSERT: every answer
    # is still checked and stored.
    with django_assert_num_queries(4):
        again = client.post(url, {"option": str(wrong)})
    assert again.get("X-Page-Cache") == HIT
    assert not again.templates
    assert without_tokens(again.content.decode()) == without_tokens(first.content.decode())
    assert QuizAttempt.objects.filter(user=user, activity=quiz).count() == 2
    # Another answer, another page.
    right = client.post(url, {"option": str(quiz.answer)})
    assert right.get("X-Page-Cache", "") == ""
    assert "Correct!" in right.content.decode()
    # Passed now: the wrong answer's page says so.
    html = client.post(url, {"option": str(wrong)}).content.decode()
    assert "Not quite." in html
    assert "Correct!" not in html
    # And a content edit makes it again.
    client.post(url, {"option": str(wrong)})
    with committed():
        services.item_update(item=quiz, data={"title": "Retitled quiz"})
    answer = client.post(url, {"option": str(wrong)})
    assert answer.get("X-Page-Cache", "") == ""
    assert "Retitled quiz" in answer.content.decode()


def test_an_answer_records_the_visit_it_is_due(user, quiz, lesson, committed, monkeypatch):
    """A kept answer page is not served where answering records the visit:
    a resume point elsewhere (another tab), or the minute being up."""
    client = logged_in(user)
    url = quiz.get_absolute_url()
    page(client, url)
    client.post(url, {"option": "1"})
    assert client.post(url, {"option": "1"}).get("X-Page-Cache") == HIT
    with committed():
        page(client, lesson.get_absolute_url())  # the resume point moves on
    assert client.post(url, {"option": "1"}).get("X-Page-Cache", "") == ""
    assert ResumePoint.objects.get(user=user).activity_id == quiz.pk
    assert client.post(url, {"option": "1"}).get("X-Page-Cache") == HIT
    later = time.time() + 120
    Enrollment.objects.filter(user=user).update(
        last_accessed_at=timezone.now() - timedelta(minutes=2)
    )
    monkeypatch.setattr("athena.learnerpages.time.time", lambda: later)
    assert client.post(url, {"option": "1"}).get("X-Page-Cache", "") == ""
    assert Enrollment.objects.get(user=user).last_accessed_at > timezone.now() - timedelta(
        seconds=30
    )


def test_an_answer_page_kept_carries_a_working_token(user, quiz):
    client = logged_in(user, enforce_csrf_checks=True)
    url = quiz.get_absolute_url()
    token = TOKEN.search(page(client, url)[0]).group(1)
    for _ in range(2):
        answer = client.post(url, {"option": "1", "csrfmiddlewaretoken": token})
        assert answer.status_code == HTTPStatus.OK
        token = TOKEN.search(answer.content.decode()).group(1)
    assert answer.get("X-Page-Cache") == HIT
    assert client.post(url, {"option": "1", "csrfmiddlewaretoken": token}).status_code == 200


def test_enrolling_and_leaving_show_at_once(course, committed):
    client = logged_in(make_user())
    url = course.get_absolute_url()
    kept(client, url)
    with committed():
        client.post(reverse("enrollment:enroll", args=[course.pk]))
    html = made_again(client, url)
    assert "0 of 6 done" in html
    kept(client, url)
    with committed():
        client.post(reverse("enrollment:unenroll", args=[course.pk]))
    html = made_again(client, url)
    assert "0 of 6 done" not in html


def test_a_content_edit_shows_at_once(user, lesson, committed):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    kept(client, url)
    lesson.set_markdown("Rewritten by staff.")
    with committed():
        services.item_update(item=lesson, data={"content": lesson.content})
    html = made_again(client, url)
    assert "Rewritten by staff." in html


def test_the_bell_shows_a_new_notification_and_its_reading_at_once(user, lesson, committed):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    assert "1 unread" not in kept(client, url)
    with committed():
        notification_create(user=user, message="Your course is ready.")
    html = made_again(client, url)
    assert "1 unread" in html
    kept(client, url)
    with committed():
        notifications_mark_all_read(user=user)
    html = made_again(client, url)
    assert "1 unread" not in html


def test_staff_pages_are_never_kept(user, lesson, committed):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    assert ">Admin<" not in kept(client, url)
    user.is_staff = True
    with committed():
        user.save()
    for _ in range(3):
        html, state = page(client, url)
        assert state == ""
        assert ">Admin<" in html


def test_a_password_changed_elsewhere_ends_the_session_at_once(user, lesson, committed):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    assert "Log out" in kept(client, url)
    user.set_password("a-new-password-9876")
    with committed():
        user.save()
    html = made_again(client, url)
    assert "Log out" not in html
    assert "Log in" in html


def test_a_deactivated_account_gets_no_page_of_its_own(user, lesson, committed):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    kept(client, url)
    user.is_active = False
    with committed():
        user.save()
    html = made_again(client, url)
    assert "Log out" not in html


def test_a_session_from_before_a_password_change_never_gets_a_later_page(user, lesson, committed):
    """The old session's hash is not the one the page was kept with."""
    old = logged_in(user)
    url = lesson.get_absolute_url()
    kept(old, url)
    user.set_password("a-new-password-9876")
    with committed():
        user.save()
    kept(logged_in(user), url)
    html, state = page(old, url)
    assert state == ""
    assert "Log out" not in html


def test_staff_deleting_a_learners_rows_in_the_admin_shows_at_once(user, lesson, committed):
    lesson_complete(user=user, lesson=lesson)
    notification_create(user=user, message="Your course is ready.")
    client = logged_in(user)
    url = lesson.get_absolute_url()
    html = kept(client, url)
    assert "is-complete" in html
    assert "1 unread" in html
    admin = logged_in(make_user(username="root", is_staff=True, is_superuser=True))
    for model, rows in [
        ("enrollment/lessoncompletion", LessonCompletion.objects.filter(user=user)),
        ("notifications/notification", Notification.objects.filter(user=user)),
    ]:
        with committed():
            deleted = admin.post(
                f"/admin/{model}/",
                {
                    "action": "delete_selected",
                    "_selected_action": list(rows.values_list("pk", flat=True)),
                    "post": "yes",
                },
            )
        assert deleted.status_code == HTTPStatus.FOUND
        assert not rows.exists()
        html, state = page(client, url)
        assert state == "", model
        kept(client, url)
    assert "is-complete" not in html
    assert "1 unread" not in html


def test_a_waiting_message_is_shown_and_never_kept(user, lesson):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    kept(client, url)
    client.cookies["messages"] = _messages_cookie("Welcome back.")
    html = made_again(client, url)
    assert "Welcome back." in html
    html, state = page(client, url)
    assert state == HIT
    assert "Welcome back." not in html


def test_the_dashboard_follows_where_the_learner_went_last(user, course, committed):
    other = make_course(topic="Other course", modules=1, lessons=1, quizzes=0)
    enrollment_create(user=user, course=other)
    client = logged_in(user)
    url = reverse("enrollment:dashboard")
    Enrollment.objects.filter(user=user, course=course).update(
        last_accessed_at=timezone.now() - timedelta(minutes=10)
    )
    html = kept(client, url)
    assert html.index("Other course") < html.index("Kept course")
    assert "last opened 10\xa0minutes ago" in html
    # Opening the first course again records the visit, which the dashboard shows.
    enrollment = Enrollment.objects.get(user=user, course=course)
    with committed():
        assert enrollment_touch(
            enrollment_id=enrollment.pk,
            user_id=user.pk,
            last_accessed_at=enrollment.last_accessed_at,
        )
    html = made_again(client, url)
    assert html.index("Kept course") < html.index("Other course")


def test_the_dashboard_is_kept_only_until_last_opened_reads_otherwise(user):
    client = logged_in(user)
    kept(client, reverse("enrollment:dashboard"))
    (entry,) = _stored_pages()
    opened = Enrollment.objects.get(user=user).last_accessed_at.timestamp()
    assert entry["until"] == pytest.approx(opened + 60)


def test_an_empty_dashboard_is_kept_and_shows_a_first_enrollment_at_once(course, committed):
    client = logged_in(make_user(username="newcomer"))
    url = reverse("enrollment:dashboard")
    assert "You are not enrolled in any course yet." in kept(client, url)
    (entry,) = _stored_pages()
    # Nothing on it changes with the clock: kept as long as the setting says.
    assert entry["until"] == pytest.approx(time.time() + 300, abs=5)
    with committed():
        client.post(reverse("enrollment:enroll", args=[course.pk]))
    html = made_again(client, url)
    assert "Kept course" in html
    assert "You are not enrolled in any course yet." not in html


def test_last_opened_changes_on_the_minute():
    now = timezone.now()
    assert time_ago_changes(None) is None
    assert time_ago_changes(now - timedelta(seconds=20)) == pytest.approx(
        now.timestamp() + 40, abs=1
    )
    in_minutes = time_ago_changes(now - timedelta(minutes=5, seconds=30))
    assert in_minutes == pytest.approx(now.timestamp() + 30, abs=1)
    in_days = time_ago_changes(now - timedelta(days=3))
    assert in_days == pytest.approx(now.timestamp() + 60, abs=1)


def test_a_course_page_is_kept_only_until_the_visit_is_recorded_again(user, lesson, monkeypatch):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    kept(client, url)
    (entry,) = _stored_pages()
    opened = Enrollment.objects.get(user=user).last_accessed_at
    assert entry["until"] == pytest.approx(opened.timestamp() + 60)
    # Two minutes later the page is made again, and the visit recorded.
    Enrollment.objects.filter(user=user).update(last_accessed_at=opened - timedelta(minutes=2))
    later = time.time() + 120
    monkeypatch.setattr("athena.learnerpages.time.time", lambda: later)
    assert page(client, url)[1] == ""
    assert Enrollment.objects.get(user=user).last_accessed_at > opened


def test_a_new_release_never_serves_its_predecessors_pages(user, lesson, settings):
    client = logged_in(user)
    url = lesson.get_absolute_url()
    kept(client, url)
    settings.ATHENA_RELEASE = "next-release"
    release.cache_clear()
    try:
        assert page(client, url)[1] == ""
    finally:
        release.cache_clear()


def test_release_is_a_digest_of_the_source_unless_named(settings):
    release.cache_clear()
    try:
        settings.ATHENA_RELEASE = ""
        digest = release()
        assert re.fullmatch(r"[0-9a-f]{16}", digest)
        settings.ATHENA_RELEASE = "abc123"
        assert release() == digest  # once per process
        release.cache_clear()
        assert release() == "abc123"
    finally:
        release.cache_clear()


def test_nothing_is_kept_with_the_cache_off(user, lesson, settings):
    settings.LEARNER_PAGE_CACHE_SECONDS = 0
    client = logged_in(user)
    for _ in range(3):
        assert page(client, lesson.get_absolute_url())[1] == ""
    assert not list(_stored_pages())


def test_a_logged_in_page_outside_the_course_pages_is_never_kept(user):
    client = logged_in(user)
    for _ in range(3):
        assert page(client, reverse("accounts:profile"))[1] == ""
    assert not list(_stored_pages())


def test_logging_in_again_keeps_working(user, lesson):
    """A new session (a new CSRF secret, a new session key) gets its own pages."""
    client = Client()
    for _ in range(2):
        answer = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
        assert answer.status_code == HTTPStatus.FOUND
        assert "Log out" in kept(client, lesson.get_absolute_url())
        client.post(reverse("logout"))
        assert "Log out" not in page(client, lesson.get_absolute_url())[0]


def _stored_pages():
    # The locmem cache's keys are made by Django's make_key ("<prefix>:<version>:<key>").
    for key in list(cache._cache):
        if ":learner-page:" in key:
            entry = cache.get(key.split(":", 2)[2])
            if entry is not None:
                yield entry


def _messages_cookie(text: str) -> str:
    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(constants.INFO, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_a_stale_or_forged_session_cookie_gets_the_visitors_page(user, lesson):
    kept(logged_in(user), lesson.get_absolute_url())
    client = Client()
    client.cookies["sessionid"] = "not-a-session-this-server-made"
    html = made_again(client, lesson.get_absolute_url())
    assert "Log in" in html
    assert "Log out" not in html
