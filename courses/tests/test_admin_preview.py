"""Live previews beside the lesson and quiz editors: rendered by the learners'
renderer, sanitised, without saving, never showing a quiz's answer."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.models import Activity, Lesson
from tests.factories import logged_in, make_content_editor, make_course, make_user
from tests.helpers import module_change_url

pytestmark = pytest.mark.django_db


def test_the_lesson_preview_fragment_is_only_the_rendered_body(client_for_editor):
    markdown = "## Heading\n\n`code` <script>alert(1)</script> [bad](javascript:alert(1))"
    response = client_for_editor.post(
        reverse("admin:courses_lesson_preview"), {"markdown": markdown, "fragment": "1"}
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode().strip()
    assert html.startswith('<div class="prose"><h2>Heading</h2>')
    assert "<code>code</code>" in html
    assert "<script>" not in html
    assert 'href="javascript:' not in html
    assert "<html" not in html
    assert "not saved" not in html


def test_the_quiz_preview_shows_the_quiz_as_its_page_does_but_never_the_answer(
    client_for_editor,
):
    response = client_for_editor.post(
        reverse("admin:courses_activity_preview"),
        {
            "question": "Which keyword **ends** a block? <script>x</script>",
            "option_1": "else",
            "option_2": "`finally`",
            "option_3": "<b>done</b>",
            "option_4": "",
            "correct_option": "2",
            "explanation": "Because finally.",
        },
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    # The quiz page's markup and renderer: inline Markdown, lettered options.
    assert (
        '<p class="quiz__question prose" id="quiz-question">Which keyword <strong>ends</strong> '
        "a block? &lt;script&gt;x&lt;/script&gt;</p>"
    ) in html
    texts = re.findall(
        r'<span class="quiz__letter">(\w)</span><span class="quiz__text">(.*?)</span>', html
    )
    assert texts == [("A", "else"), ("B", "<code>finally</code>"), ("C", "&lt;b&gt;done&lt;/b&gt;")]
    assert html.count('<li class="quiz__option">') == 3
    assert "correct" not in html.lower()
    assert "checked" not in html
    assert "Because finally" not in html
    assert not Activity.objects.exists()


def test_the_quiz_preview_frame_is_a_page_of_the_learners_styles_only(client_for_editor):
    response = client_for_editor.get(reverse("admin:courses_activity_preview_frame"))
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/athena.css">' in html
    assert "/static/admin/" not in html
    assert '<div id="preview-body"></div>' in html
    assert "<title>Quiz preview</title>" in html
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "url_name", ["admin:courses_lesson_preview", "admin:courses_activity_preview"]
)
def test_previews_need_post_csrf_and_an_editor(url_name):
    url = reverse(url_name)
    csrf_client = logged_in(make_content_editor(), enforce_csrf_checks=True)
    assert csrf_client.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert csrf_client.post(url, {"question": "x"}).status_code == HTTPStatus.FORBIDDEN
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.post(url, {"question": "x", "markdown": "x"}).status_code == (
        HTTPStatus.FORBIDDEN
    )


def test_every_lesson_and_quiz_editor_carries_its_preview_address(client_for_editor):
    module = make_course(modules=1, lessons=2, quizzes=1).modules.get()
    lesson_preview = reverse("admin:courses_lesson_preview")
    quiz_preview = reverse("admin:courses_activity_preview")
    html = client_for_editor.get(module_change_url(module)).content.decode()
    # Two lessons and the empty "add another" form; one quiz and its empty form.
    assert html.count(f'data-preview-url="{lesson_preview}"') == 3
    assert html.count(f'data-quiz-preview-url="{quiz_preview}"') == 2
    quiz_frame = reverse("admin:courses_activity_preview_frame")
    assert html.count(f'data-quiz-preview-frame-url="{quiz_frame}"') == 2
    lesson_frame = reverse("admin:courses_lesson_preview_frame")
    assert html.count(f'data-preview-frame-url="{lesson_frame}"') == 3
    assert "admin-athena/preview.js" in html
    lesson = Lesson.objects.filter(module=module).first()
    html = client_for_editor.get(
        reverse("admin:courses_lesson_change", args=[lesson.pk])
    ).content.decode()
    assert f'data-preview-url="{lesson_preview}"' in html
    assert "admin-athena/preview.js" in html
    quiz = Activity.objects.get(module=module)
    html = client_for_editor.get(
        reverse("admin:courses_activity_change", args=[quiz.pk])
    ).content.decode()
    assert f'data-quiz-preview-url="{quiz_preview}"' in html


# --- the lesson preview's frame: the learner's styles, not the admin's ----------------

LESSON_WITH_EVERYTHING = (
    "## Table\n\n| Name | Value |\n|------|-------|\n| a | 1 |\n\n"
    "- first bullet\n- second bullet\n\n1. one\n2. two\n\n"
    "```python\nprint('hi')\n```\n"
)


def test_the_preview_frame_is_a_page_of_the_learners_styles_only(client_for_editor):
    response = client_for_editor.get(reverse("admin:courses_lesson_preview_frame"))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/css/athena.css">' in html
    assert '<link rel="stylesheet" href="/static/css/pygments.css">' in html
    assert "/static/admin/" not in html  # none of the admin's stylesheets
    assert "admin-athena/admin.css" not in html
    assert '<div class="prose" id="preview-body"></div>' in html
    assert "<style" not in html
    # Only the admin's own pages (same origin) may frame it.
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]


def test_other_pages_still_refuse_to_be_framed(client_for_editor):
    response = client_for_editor.get(reverse("admin:courses_lesson_changelist"))
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "url_name", ["admin:courses_lesson_preview_frame", "admin:courses_activity_preview_frame"]
)
def test_the_preview_frames_need_an_editor_and_a_get(url_name):
    url = reverse(url_name)
    outsider = logged_in(make_user(is_staff=True))
    assert outsider.get(url).status_code == HTTPStatus.FORBIDDEN
    editor = logged_in(make_content_editor(), enforce_csrf_checks=True)
    assert editor.post(url).status_code == HTTPStatus.FORBIDDEN  # no CSRF token
    assert logged_in(make_content_editor()).post(url).status_code == (HTTPStatus.METHOD_NOT_ALLOWED)
    assert logged_in(make_user()).get(url).status_code == HTTPStatus.FOUND  # to the login


def test_the_preview_renders_tables_lists_and_code_as_the_lesson_page_does(
    client_for_editor,
):
    course = make_course(modules=1, lessons=1, quizzes=0)
    lesson = Lesson.objects.get(module__course=course)
    lesson.set_markdown(LESSON_WITH_EVERYTHING)
    lesson.save()
    fragment = (
        client_for_editor.post(
            reverse("admin:courses_lesson_preview"),
            {"markdown": LESSON_WITH_EVERYTHING, "fragment": "1"},
        )
        .content.decode()
        .strip()
    )
    body = fragment.removeprefix('<div class="prose">').removesuffix("</div>")
    assert '<div class="table-scroll" tabindex="0"><table>' in body
    assert "<th>Name</th>" in body
    assert "<li>first bullet</li>" in body
    assert '<pre tabindex="0"><code class="language-python">' in body
    assert '<span class="nb">print</span>' in body  # highlighted by Pygments
    learner_page = client_for_editor.get(lesson.get_absolute_url()).content.decode()
    assert f'<div class="prose" lang="en" dir="ltr">{body}</div>' in learner_page


def test_the_preview_frame_costs_the_session_user_and_permission_queries_only(
    client_for_editor, django_assert_num_queries
):
    with django_assert_num_queries(4):  # session, user, permissions (2)
        client_for_editor.get(reverse("admin:courses_lesson_preview_frame"))
